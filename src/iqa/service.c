/* service.c - the client of the NIMA/MUSIQ IQA service on the shared HTTP scheduler. */
#include "core/jv.h"

#include "core/limits.h"

#include <math.h>

#include "core/clock.h"
#include "core/fsutil.h"
#include "core/log.h"
#include "iqa/service.h"
#include "net/capacity.h"
#include "net/http.h"

#define IQA_DEFAULT_TIMEOUT_S 120.0
#define IQA_MAX_RETRIES       1
#define IQA_DOWN_AFTER        3
#define IQA_DOWN_S            60.0
#define IQA_HEALTH_MAX_S      10.0
#define IQA_AUTO_MAX          64

struct jv_iqa_service {
    char *url;
    struct jv_http_pool *pool;
    int concurrency;
    struct jv_capacity *cap; /* owned; the in-flight limit (fixed or automatic) */
    double timeout_s;
    int in_flight;
    GQueue queue; /* struct iqa_job waiting for a slot */
    int conn_failures;
    double down_until;
    char *down_reason;
    int deferred; /* answers waiting for the scheduler's next run */
    bool closed;  /* freed by its owner while requests or answers were pending */
    uint64_t submitted, complete, partial, failed;
};

struct iqa_job {
    struct jv_iqa_service *svc;
    struct jv_http_sched *sched;
    char *path;
    bool want_nima;
    bool want_musiq;
    jv_iqa_service_done_fn done;
    void *user;
    json_t *metrics;
    char *note;
};

struct jv_iqa_service *jv_iqa_service_new(const char *url, int concurrency, double timeout_s)
{
    if (!url || !*url)
        return NULL;
    const char *urls[] = {url, NULL};
    struct jv_iqa_service *s = g_new0(struct jv_iqa_service, 1);
    s->pool = jv_http_pool_new(urls);
    s->url = g_strdup(jv_http_pool_url(s->pool, 0));
    s->concurrency = concurrency > 0 ? concurrency : JV_CONCURRENCY_AUTO;
    s->timeout_s = timeout_s > 0 ? timeout_s : IQA_DEFAULT_TIMEOUT_S;
    struct jv_capacity_config cfg = {.fixed = s->concurrency, .start = 2, .max = IQA_AUTO_MAX};
    s->cap = jv_capacity_new("iqa_service", &cfg, jv_clock_mono());
    if (s->concurrency > 0)
        jv_http_pool_set_limit(s->pool, s->concurrency);
    else
        jv_http_pool_set_capacity(s->pool, s->cap);
    g_queue_init(&s->queue);
    return s;
}

static void job_free(struct iqa_job *job)
{
    json_decref(job->metrics);
    g_free(job->note);
    g_free(job->path);
    g_free(job);
}

/* Hands the job's outcome to its owner and frees it. */
static void job_deliver(struct iqa_job *job)
{
    struct jv_iqa_service *s = job->svc;
    size_t got = json_object_size(job->metrics);
    if (!job->note)
        s->complete++;
    else if (got > 0)
        s->partial++;
    else
        s->failed++;
    json_t *metrics = job->metrics;
    job->metrics = NULL;
    job->done(metrics, job->note, job->user);
    job_free(job);
}

/* After jv_iqa_service_free(): frees what is left once nothing refers to it. */
static void maybe_finish_close(struct jv_iqa_service *s)
{
    if (s->closed && s->in_flight == 0 && s->deferred == 0)
        g_free(s);
}

static void job_deliver_deferred(void *user)
{
    struct iqa_job *job = user;
    struct jv_iqa_service *s = job->svc;
    s->deferred--;
    if (s->closed) {
        job_free(job);
        maybe_finish_close(s);
        return;
    }
    job_deliver(job);
}

static void job_defer(struct iqa_job *job)
{
    job->svc->deferred++;
    jv_http_sched_defer(job->sched, job_deliver_deferred, job);
}

static void add_note(char **note, const char *fmt, ...) JV_PRINTF(2, 3);
static void add_note(char **note, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    if (*note) {
        char *joined = g_strdup_printf("%s; %s", *note, msg);
        g_free(*note);
        g_free(msg);
        *note = joined;
    } else {
        *note = msg;
    }
}

#define job_note(job, ...) add_note(&(job)->note, __VA_ARGS__)

static void take_number(json_t *metrics, const char *key, json_t *v)
{
    if (json_is_number(v) && isfinite(json_number_value(v)))
        json_object_set_new(metrics, key, json_real(json_number_value(v)));
}

/* One model's part of the reply: its value, or its "<key>_error", or a note that it is missing. */
static void take_part(json_t *metrics, char **note, json_t *root, const char *key)
{
    json_t *v = json_object_get(root, key);
    char *err_key = g_strdup_printf("%s_error", key);
    json_t *err = json_object_get(root, err_key);
    g_free(err_key);
    bool nima = g_str_has_prefix(key, "nima_");
    if (nima && json_is_object(v)) {
        char *mean = g_strdup_printf("%s_mean", key);
        char *std = g_strdup_printf("%s_std", key);
        take_number(metrics, mean, json_object_get(v, "mean"));
        take_number(metrics, std, json_object_get(v, "std"));
        if (!json_object_get(metrics, mean))
            add_note(note, "%s: the reply has no numeric mean", key);
        g_free(mean);
        g_free(std);
    } else if (!nima && (json_is_number(v) || json_is_object(v))) {
        json_t *num = json_is_object(v) ? json_object_get(v, "mos") : v;
        if (json_is_object(v) && !num)
            num = json_object_get(v, "mean");
        take_number(metrics, "musiq_mos", num);
        if (!json_object_get(metrics, "musiq_mos"))
            add_note(note, "%s: the reply has no numeric score", key);
    } else if (json_is_string(err)) {
        add_note(note, "%s: %s", key, json_string_value(err));
    } else if (err && !json_is_null(err)) {
        char *dump = json_dumps(err, JSON_COMPACT | JSON_ENCODE_ANY);
        add_note(note, "%s: %s", key, dump ? dump : "error");
        free(dump);
    } else {
        add_note(note, "%s: missing from the IQA service's reply", key);
    }
}

json_t *jv_iqa_service_parse(const char *body, size_t len, bool want_nima, bool want_musiq,
                             char **note)
{
    json_t *metrics = json_object();
    *note = NULL;
    json_error_t jerr;
    json_t *root = json_loadb(body ? body : "", body ? len : 0, 0, &jerr);
    if (!json_is_object(root)) {
        add_note(note, "the IQA service's reply is not a JSON object (%s)",
                 root ? "another JSON value" : jerr.text);
        json_decref(root);
        return metrics;
    }
    if (want_nima) {
        take_part(metrics, note, root, "nima_aesthetic");
        take_part(metrics, note, root, "nima_technical");
    }
    if (want_musiq)
        take_part(metrics, note, root, "musiq_spaq");
    json_decref(root);
    return metrics;
}

static void pump(struct jv_iqa_service *s);

/*
 * The service answered one image (or failed): parses the reply into NIMA and
 * MUSIQ figures and calls the image's callback with them, or with a note
 * saying why they are absent. Dropped silently when the service was freed.
 */
static void on_done(struct jv_http_request *req, const struct jv_http_result *res, void *user)
{
    (void)req;
    struct iqa_job *job = user;
    struct jv_iqa_service *s = job->svc;
    s->in_flight--;
    if (s->closed) {
        /* the owner is gone: nobody to tell */
        job_free(job);
        maybe_finish_close(s);
        return;
    }
    bool cancelled = res->error && g_error_matches(res->error, JV_ERROR, JV_ERR_CANCELLED);
    if (res->error) {
        job_note(job, "IQA service unavailable for %s: %s", job->path, res->error->message);
        /* status 0: nothing answered (connection refused, timeout) */
        if (res->status == 0 && !cancelled && ++s->conn_failures >= IQA_DOWN_AFTER) {
            s->down_until = jv_clock_mono() + IQA_DOWN_S;
            g_free(s->down_reason);
            s->down_reason = g_strdup(res->error->message);
            jv_log_event(JV_LOG_WARN, "iqa_service_down",
                         json_pack("{s:s, s:f, s:s}", "url", s->url, "for_s", IQA_DOWN_S, "error",
                                   res->error->message));
        }
    } else {
        s->conn_failures = 0;
        json_decref(job->metrics);
        char *note = NULL;
        job->metrics =
            jv_iqa_service_parse(res->body, res->body_len, job->want_nima, job->want_musiq, &note);
        if (note) {
            job_note(job, "IQA service reply for %s: %s", job->path, note);
            g_free(note);
        }
    }
    if (cancelled) {
        /* the caller is stopping everything: queued images are not sent either */
        while (s->queue.length > 0) {
            struct iqa_job *q = g_queue_pop_head(&s->queue);
            job_note(q, "IQA service request for %s cancelled", q->path);
            job_deliver(q);
        }
    }
    job_deliver(job);
    pump(s);
}

/* Sends the job now (a slot is free), or answers it at once when that is all it can get. */
static void start_job(struct jv_iqa_service *s, struct iqa_job *job)
{
    GError *err = NULL;
    if (jv_clock_mono() < s->down_until) {
        job_note(job, "IQA service %s is down (%s)", s->url, s->down_reason);
        job_defer(job);
        return;
    }
    size_t len = 0;
    char *bytes = jv_read_file(job->path, JV_LIMIT_IMAGE_FILE, &len, &err);
    if (!bytes) {
        job_note(job, "IQA service not asked: %s", err->message);
        g_error_free(err);
        job_defer(job);
        return;
    }
    char *b64 = g_base64_encode((const guchar *)bytes, len);
    g_free(bytes);
    char *base = g_path_get_basename(job->path);
    char *valid = g_utf8_make_valid(base, -1);
    json_t *name = json_string(valid);
    char *name_json = json_dumps(name, JSON_ENCODE_ANY);
    json_decref(name);
    g_free(valid);
    g_free(base);
    /* built by hand: the base64 text needs no escaping and is not copied twice */
    GString *body = g_string_sized_new(strlen(b64) + 64);
    g_string_append(body, "{\"image_b64\":\"");
    g_string_append(body, b64);
    g_string_append(body, "\",\"image_name\":");
    g_string_append(body, name_json ? name_json : "\"image\"");
    g_string_append_c(body, '}');
    free(name_json);
    g_free(b64);

    static const struct jv_http_callbacks cb = {.on_done = on_done};
    struct jv_http_request *req =
        jv_http_request_new(s->pool, "/infer", body->str, NULL, false, &cb, job);
    g_string_free(body, TRUE);
    jv_http_request_set_timeout(req, s->timeout_s);
    jv_http_request_set_max_retries(req, IQA_MAX_RETRIES);
    jv_http_request_set_max_body(req, JV_LIMIT_IQA_REPLY);
    s->in_flight++;
    jv_http_sched_submit(job->sched, req);
}

static void pump(struct jv_iqa_service *s)
{
    while (s->in_flight < jv_capacity_limit(s->cap) && s->queue.length > 0)
        start_job(s, g_queue_pop_head(&s->queue));
}

void jv_iqa_service_submit(struct jv_iqa_service *s, struct jv_http_sched *sched,
                           const char *image_path, bool want_nima, bool want_musiq,
                           jv_iqa_service_done_fn done, void *user)
{
    struct iqa_job *job = g_new0(struct iqa_job, 1);
    job->svc = s;
    job->sched = sched;
    job->path = g_strdup(image_path);
    job->want_nima = want_nima;
    job->want_musiq = want_musiq;
    job->done = done;
    job->user = user;
    job->metrics = json_object();
    s->submitted++;
    if (!want_nima && !want_musiq) {
        job_defer(job);
        return;
    }
    g_queue_push_tail(&s->queue, job);
    pump(s);
}

int jv_iqa_service_health(struct jv_iqa_service *s, GError **err)
{
    int rc = -1;
    long status = 0;
    char *url = g_strdup_printf("%s/health", s->url);
    char *body = jv_http_get(url, fmin(s->timeout_s, IQA_HEALTH_MAX_S), 64 * 1024, &status, err);
    if (!body)
        goto out;
    json_t *root = json_loads(body, 0, NULL);
    json_t *st = json_object_get(root, "status");
    if (status == 200 && json_is_string(st) && strcmp(json_string_value(st), "ok") == 0) {
        rc = 0;
    } else {
        g_set_error(err, JV_ERROR, JV_ERR_HTTP,
                    "IQA service %s: the health check answered HTTP %ld%s%s", s->url, status,
                    json_is_string(st) ? " with status " : "",
                    json_is_string(st) ? json_string_value(st) : "");
    }
    json_decref(root);
out:
    g_free(body);
    g_free(url);
    return rc;
}

json_t *jv_iqa_service_stats(const struct jv_iqa_service *s)
{
    return json_pack("{s:s, s:I, s:I, s:I, s:I, s:i, s:i}", "url", s->url, "submitted",
                     (json_int_t)s->submitted, "complete", (json_int_t)s->complete, "partial",
                     (json_int_t)s->partial, "failed", (json_int_t)s->failed, "in_flight",
                     s->in_flight, "queued", (int)s->queue.length);
}

const struct jv_capacity *jv_iqa_service_capacity(const struct jv_iqa_service *s)
{
    return s ? s->cap : NULL;
}

int jv_iqa_service_in_flight_limit(const struct jv_iqa_service *s)
{
    return s && s->cap ? jv_capacity_limit(s->cap) : 0;
}

void jv_iqa_service_free(struct jv_iqa_service *s)
{
    if (!s)
        return;
    while (s->queue.length > 0)
        job_free(g_queue_pop_head(&s->queue));
    /* pending requests keep the pool alive, not the controller */
    jv_http_pool_set_limit(s->pool, jv_capacity_limit(s->cap));
    jv_http_pool_set_capacity(s->pool, NULL);
    jv_capacity_free(s->cap);
    s->cap = NULL;
    jv_http_pool_free(s->pool);
    g_free(s->down_reason);
    g_free(s->url);
    s->pool = NULL;
    s->down_reason = s->url = NULL;
    s->closed = true; /* the last pending request or answer frees the rest */
    maybe_finish_close(s);
}
