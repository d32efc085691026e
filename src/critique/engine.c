/* engine.c - the Stage 2 engine: flow control, pipelining, each photo's typed result. */
#include "core/jv.h"

#include <math.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/stats.h"
#include "critique/critique.h"
#include "critique/engine.h"
#include "critique/request.h"
#include "image/encode.h"
#include "iqa/techblock.h"
#include "net/capacity.h"
#include "vlm/reply.h"
#include "vlm/request.h"
#include "vlm/retry.h"

/* The retry after an unusable reply gets this much more room to finish. */
#define RETRY_TOKEN_FACTOR 1.5

struct jv_critique_engine {
    const struct jv_vlm_config *vlm;
    const struct jv_critique_config *c;
    const struct jv_prompt *p;
    struct jv_http_sched *sched;
    struct jv_http_pool *pool;
    struct jv_http_callbacks cb;
    int max_tokens;
    int concurrency;
    struct jv_capacity *cap; /* borrowed; automatic: its limit is the number in flight */

    GQueue retry_queue;           /* struct flight *, waiting to ask again */
    size_t in_flight;             /* requests sent and not done */
    size_t awaiting;              /* of which no first token yet */
    size_t reporting;             /* failures waiting for a deferred report */
    size_t busy_releases;         /* guards pump() against re-entry */
    struct jv_critique_job *held; /* pulled, waiting for room for its whole group */
    jv_critique_feed_fn feed;
    void *feed_user;

    /* counters */
    size_t images, ok, parse_errors, errors, cancelled;
    size_t requests, attempts, retries, parse_retries, truncated;
    size_t max_in_flight, max_awaiting;
    struct jv_stats prompt_tokens, completion_tokens, ttft, request_s, duration;
};

/* One image from its release to its report. */
struct flight {
    struct jv_critique_engine *e;
    struct jv_critique_job *job;
    double t0_mono, t0_wall;
    int request_no; /* 1, or 2 for the retry after an unusable reply */
    bool awaiting;  /* the current request has no first token yet */
    struct jv_reply reply;
    char *stream_error; /* why our on_sse_event rejected the stream */
    char *retry_reason; /* why the first reply was unusable */
    int attempts;
    long prompt_tokens, completion_tokens; /* sums; -1 while none reported */
    double ttft;                           /* last request's; < 0 if none */
    int endpoint;                          /* -1 if none */
    /* the report, for failures reported through jv_http_sched_defer() */
    char *fail_status;
    char *fail_message;
    bool fail_cancelled;
};

static void pump(struct jv_critique_engine *e);

/*
 * Whether k more requests may be sent now. The automatic limit counts every
 * request in flight; with pipelining its one of headroom is released at a
 * first token, as with a fixed number.
 */
static bool slots_free(const struct jv_critique_engine *e, size_t k)
{
    if (e->cap) {
        size_t limit = (size_t)jv_capacity_limit(e->cap);
        size_t awaiting = e->c->pipeline && limit > 1 ? limit - 1 : limit;
        return e->in_flight + k <= limit && e->awaiting + k <= awaiting;
    }
    size_t n = (size_t)e->concurrency;
    if (e->c->pipeline)
        return e->awaiting + k <= n && e->in_flight + k <= 2 * n;
    return e->in_flight + k <= n;
}

/* The most requests that may await their first token at once under the current limit. */
static size_t room(const struct jv_critique_engine *e)
{
    if (e->cap) {
        size_t limit = (size_t)jv_capacity_limit(e->cap);
        return e->c->pipeline && limit > 1 ? limit - 1 : limit;
    }
    return (size_t)e->concurrency;
}

/* The requests `job` opens (engine.h "Groups"): 1 when its group cannot fit the limit at all. */
static size_t group_of(const struct jv_critique_engine *e, const struct jv_critique_job *job)
{
    size_t g = job->group > 1 ? (size_t)job->group : 1;
    return g <= room(e) ? g : 1;
}

size_t jv_critique_engine_pending(const struct jv_critique_engine *e)
{
    return e->retry_queue.length + e->in_flight + e->reporting + (e->held ? 1 : 0);
}

static char *file_stem(const char *path)
{
    char *base = g_path_get_basename(path);
    char *dot = strrchr(base, '.');
    if (dot && dot != base)
        *dot = '\0';
    return base;
}

static char *user_text(const struct jv_prompt *p, const struct jv_critique_job *job)
{
    char *stem = file_stem(job->image_path);
    char *name = g_path_get_basename(job->image_path);
    char *block = jv_technical_analysis(job->metrics, job->tonal_summary, p->verbose_analysis);
    GHashTable *v = g_hash_table_new(g_str_hash, g_str_equal);
    const char *title = job->title && job->title[0] ? job->title : stem;
    const struct {
        const char *key, *value;
    } values[] = {
        {"title", title},
        {"image_name", name},
        {"category", job->category},
        {"competition_notes", job->competition_notes},
        {"rules", job->rules},
        {"caption", job->caption},
        {"compliance", job->compliance},
        {"technical_analysis", block},
    };
    for (size_t i = 0; i < JV_ARRAY_LEN(values); i++)
        if (values[i].value)
            g_hash_table_insert(v, (gpointer)values[i].key, (gpointer)values[i].value);
    char *text = jv_prompt_render_user(p, v);
    g_hash_table_destroy(v);
    g_free(block);
    g_free(name);
    g_free(stem);
    return text;
}

/* The request body for the flight's current request, or NULL with err (image). */
static char *build_body(struct flight *f, GError **err)
{
    struct jv_critique_engine *e = f->e;
    char *url = jv_image_data_url(f->job->image_path, e->vlm->max_side, err);
    if (!url)
        return NULL;
    const struct jv_prompt *p = f->job->prompt ? f->job->prompt : e->p;
    char *text = user_text(p, f->job);
    struct jv_vlm_sampling first = {e->max_tokens, e->c->temperature};
    struct jv_vlm_sampling s = jv_vlm_retry_sampling(first, f->request_no, RETRY_TOKEN_FACTOR);
    struct jv_critique_request_params rp = {
        .model = e->vlm->model,
        .system = p->system,
        .user_text = text,
        .image_url = url,
        .max_tokens = s.max_tokens,
        .temperature = s.temperature,
        .top_p = e->c->top_p,
        .has_seed = f->job->has_seed,
        .seed = f->job->seed,
        .stream = e->c->stream,
        .structured = e->c->structured_output,
    };
    char *body = jv_critique_request_body(&rp);
    g_free(text);
    g_free(url);
    return body;
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static void flight_free(struct flight *f)
{
    jv_reply_release(&f->reply);
    g_free(f->stream_error);
    g_free(f->retry_reason);
    g_free(f->fail_status);
    g_free(f->fail_message);
    g_free(f);
}

static enum jv_critique_status status_of(const char *status)
{
    if (strcmp(status, "ok") == 0)
        return JV_CRITIQUE_OK;
    return strcmp(status, "parse_error") == 0 ? JV_CRITIQUE_PARSE_ERROR : JV_CRITIQUE_ERROR;
}

static void count_result(struct jv_critique_engine *e, const struct jv_critique_result *res)
{
    e->images++;
    if (res->cancelled)
        e->cancelled++;
    else if (res->status == JV_CRITIQUE_OK)
        e->ok++;
    else if (res->status == JV_CRITIQUE_PARSE_ERROR)
        e->parse_errors++;
    else
        e->errors++;
    if (!res->cancelled)
        jv_stats_add(&e->duration, res->duration_s);
}

/*
 * Fills the image's result, updates the counters, logs, and hands the result
 * to the job's callback (borrowed for the call; freed with the flight).
 * `status` is "ok", "parse_error" or "error"; `c` is the verdict for ok
 * (else NULL).
 */
static void report(struct flight *f, const char *status, const char *message,
                   const struct jv_critique *c, bool cancelled)
{
    struct jv_critique_engine *e = f->e;
    struct jv_critique_job *job = f->job;
    struct jv_critique_result res = {
        .status = status_of(status),
        .title = c ? c->title : NULL,
        .style = c ? c->style : NULL,
        .subscores = c ? c->subscores : NULL,
        .has_total = c != NULL,
        .score_raw = c ? c->score_raw : 0,
        .total = c ? c->total : 0,
        .error = message,
        .prompt_tokens = f->prompt_tokens,
        .completion_tokens = f->completion_tokens,
        .finish_reason = f->reply.finish_reason,
        .ttft_s = f->ttft,
        .duration_s = jv_clock_mono() - f->t0_mono,
        .started = f->t0_wall,
        .finished = jv_clock_wall(),
        .attempts = f->attempts,
        .endpoint = f->endpoint,
        .cancelled = cancelled,
    };
    if (c)
        res.critique = c->critique;
    else if (res.status == JV_CRITIQUE_PARSE_ERROR)
        res.critique = f->reply.content->str;
    count_result(e, &res);

    char *name = g_path_get_basename(job->image_path);
    long tokens = f->completion_tokens;
    jv_log_event(res.status == JV_CRITIQUE_OK ? JV_LOG_INFO : JV_LOG_WARN, "stage2_request",
                 json_pack("{s:s, s:o, s:f, s:o, s:o, s:o, s:s, s:i, s:o}", "image", name,
                           "content_hash", str_or_null(job->content_hash), "latency",
                           res.duration_s, "ttft", f->ttft >= 0 ? json_real(f->ttft) : json_null(),
                           "tokens", tokens >= 0 ? json_integer(tokens) : json_null(), "endpoint",
                           f->endpoint >= 0 ? json_integer(f->endpoint) : json_null(), "status",
                           status, "attempts", f->attempts, "error", str_or_null(message)));
    g_free(name);

    job->done(job, &res, job->user);
    flight_free(f);
}

static void deferred_report(void *user)
{
    struct flight *f = user;
    struct jv_critique_engine *e = f->e;
    e->reporting--;
    report(f, f->fail_status, f->fail_message, NULL, f->fail_cancelled);
    pump(e);
}

/* Reports a failure without a transfer from the next jv_http_sched_run(). */
static void report_later(struct flight *f, const char *status, const char *message, bool cancelled)
{
    f->fail_status = g_strdup(status);
    f->fail_message = g_strdup(message);
    f->fail_cancelled = cancelled;
    f->e->reporting++;
    jv_http_sched_defer(f->e->sched, deferred_report, f);
}

static void note_in_flight(struct jv_critique_engine *e)
{
    e->max_in_flight = MAX(e->max_in_flight, e->in_flight);
    e->max_awaiting = MAX(e->max_awaiting, e->awaiting);
}

/* Sends the flight's current request. Returns -1 with err when the image cannot be read. */
static int send_request(struct flight *f, GError **err)
{
    struct jv_critique_engine *e = f->e;
    char *body = build_body(f, err);
    if (!body)
        return -1;
    jv_reply_reset(&f->reply);
    g_clear_pointer(&f->stream_error, g_free);
    struct jv_http_request *req =
        jv_vlm_http_request(e->pool, body, e->c->stream, e->vlm->api_key, e->vlm->timeout_s,
                            e->vlm->max_retries, &e->cb, f);
    g_free(body);
    f->awaiting = true;
    e->awaiting++;
    e->in_flight++;
    e->requests++;
    note_in_flight(e);
    jv_http_sched_submit(e->sched, req);
    return 0;
}

static struct flight *flight_new(struct jv_critique_engine *e, struct jv_critique_job *job)
{
    struct flight *f = g_new0(struct flight, 1);
    f->e = e;
    f->job = job;
    f->t0_mono = jv_clock_mono();
    f->t0_wall = jv_clock_wall();
    f->request_no = 1;
    f->prompt_tokens = f->completion_tokens = -1;
    f->ttft = -1;
    f->endpoint = -1;
    jv_reply_init(&f->reply);
    return f;
}

static void release(struct jv_critique_engine *e, struct jv_critique_job *job)
{
    struct flight *f = flight_new(e, job);
    GError *err = NULL;
    if (send_request(f, &err) != 0) {
        report_later(f, "error", err->message, false);
        g_error_free(err);
    }
}

/* Sends the retry at the head of the queue. */
static void send_retry(struct jv_critique_engine *e)
{
    struct flight *f = g_queue_pop_head(&e->retry_queue);
    GError *err = NULL;
    if (send_request(f, &err) != 0) {
        char *msg =
            g_strdup_printf("%s; the retry could not be sent: %s", f->retry_reason, err->message);
        report_later(f, "error", msg, false);
        g_free(msg);
        g_error_free(err);
    }
}

/*
 * Releases what flow control allows: retries first (those images have
 * waited longest), then the feeder's jobs, pulled only when a slot is free.
 * A job that opens a group of g (engine.h "Groups") is held until g requests
 * may go, then it and the next g - 1 jobs of the feeder go out in this one
 * call.
 */
static void pump(struct jv_critique_engine *e)
{
    if (e->busy_releases)
        return;
    e->busy_releases++;
    for (;;) {
        if (e->retry_queue.length) {
            if (!slots_free(e, 1))
                break;
            send_retry(e);
            continue;
        }
        /* nothing is pulled without a free slot (memory stays flat, engine.h) */
        if (!e->held && slots_free(e, 1))
            e->held = e->feed ? e->feed(e->feed_user) : NULL;
        if (!e->held)
            break;
        size_t g = group_of(e, e->held);
        if (!slots_free(e, g))
            break;
        struct jv_critique_job *job = e->held;
        e->held = NULL;
        release(e, job);
        for (size_t i = 1; i < g; i++) {
            struct jv_critique_job *next = e->feed ? e->feed(e->feed_user) : NULL;
            if (!next)
                break;
            if (next->group > 1) {
                e->held = next; /* a new group: it waits for its own room */
                break;
            }
            release(e, next);
        }
    }
    e->busy_releases--;
}

void jv_critique_engine_set_feeder(struct jv_critique_engine *e, jv_critique_feed_fn feed,
                                   void *user)
{
    e->feed = feed;
    e->feed_user = user;
}

void jv_critique_engine_set_capacity(struct jv_critique_engine *e, struct jv_capacity *cap)
{
    if (!cap || jv_capacity_mode(cap) == JV_CAPACITY_FIXED)
        return;
    e->cap = cap;
    jv_http_pool_set_capacity(e->pool, cap);
}

size_t jv_critique_engine_in_flight(const struct jv_critique_engine *e)
{
    return e->in_flight;
}

void jv_critique_engine_kick(struct jv_critique_engine *e)
{
    pump(e);
}

void jv_critique_engine_cancel_queued(struct jv_critique_engine *e)
{
    e->feed = NULL;
    if (e->held) {
        struct flight *h = flight_new(e, e->held);
        e->held = NULL;
        report_later(h, "error", "cancelled before it was sent", true);
    }
    struct flight *f;
    while ((f = g_queue_pop_head(&e->retry_queue)))
        report_later(f, "error", "cancelled before the retry was sent", true);
}

/* ---- scheduler callbacks ----------------------------------------------- */

static void first_token_seen(struct flight *f)
{
    if (!f->awaiting)
        return;
    f->awaiting = false;
    f->e->awaiting--;
}

static void on_first_token(struct jv_http_request *req, void *user)
{
    (void)req;
    struct flight *f = user;
    first_token_seen(f);
    pump(f->e);
}

static int on_sse_event(struct jv_http_request *req, const char *data, size_t len, void *user)
{
    (void)req;
    struct flight *f = user;
    GError *err = NULL;
    if (jv_reply_feed_sse(&f->reply, data, len, &err) != 0) {
        g_free(f->stream_error);
        f->stream_error = g_strdup(err->message);
        g_error_free(err);
        return -1;
    }
    return 0;
}

static void on_retry(struct jv_http_request *req, const GError *why, double delay_s, void *user)
{
    (void)req;
    (void)why;
    (void)delay_s;
    struct flight *f = user;
    struct jv_critique_engine *e = f->e;
    jv_reply_reset(&f->reply);
    g_clear_pointer(&f->stream_error, g_free);
    /* The new attempt has to wait for its own first token again. */
    if (!f->awaiting) {
        f->awaiting = true;
        e->awaiting++;
        note_in_flight(e);
    }
}

static void add_usage(struct flight *f)
{
    struct jv_critique_engine *e = f->e;
    jv_reply_add_usage(&f->reply, &f->prompt_tokens, &f->completion_tokens);
    if (f->reply.prompt_tokens >= 0)
        jv_stats_add(&e->prompt_tokens, (double)f->reply.prompt_tokens);
    if (f->reply.completion_tokens >= 0)
        jv_stats_add(&e->completion_tokens, (double)f->reply.completion_tokens);
}

/*
 * The scheduler finished one request of a flight: counts attempts and TTFT,
 * reads the reply (stream or plain body) and parses the verdict. A usable
 * verdict is reported ok; an unusable or cut reply is queued once more under
 * the retry rule (vlm/retry.h); a second failure is a parse_error and a
 * transport failure an error.
 */
static void on_done(struct jv_http_request *req, const struct jv_http_result *res, void *user)
{
    (void)req;
    struct flight *f = user;
    struct jv_critique_engine *e = f->e;
    first_token_seen(f);
    e->in_flight--;
    e->attempts += (size_t)MAX(res->attempts, 0);
    e->retries += (size_t)MAX(res->attempts - 1, 0);
    f->attempts += res->attempts;
    f->endpoint = res->endpoint;
    if (res->ttft_s >= 0) {
        f->ttft = res->ttft_s;
        jv_stats_add(&e->ttft, res->ttft_s);
    }
    jv_stats_add(&e->request_s, res->latency_s);

    /* A transport failure, or a plain body (also to a streamed request) that is not a reply. */
    GError *rerr = NULL;
    if (jv_reply_finish(&f->reply, res, f->stream_error, &rerr) != 0) {
        bool cancelled = res->error && g_error_matches(rerr, JV_ERROR, JV_ERR_CANCELLED);
        report(f, "error", rerr->message, NULL, cancelled);
        g_error_free(rerr);
        pump(e);
        return;
    }
    add_usage(f);
    bool truncated = f->reply.finish_reason && strcmp(f->reply.finish_reason, "length") == 0;
    if (truncated)
        e->truncated++;

    struct jv_critique c;
    jv_critique_init(&c);
    GError *perr = NULL;
    int rc = jv_critique_parse(f->reply.content->str, &c, &perr);
    if (rc == 0 && !truncated) {
        report(f, "ok", NULL, &c, false);
        jv_critique_release(&c);
        pump(e);
        return;
    }
    char *why = truncated ? g_strdup_printf("the reply was cut at the token limit%s%s",
                                            perr ? ": " : "", perr ? perr->message : "")
                          : g_strdup(perr->message);
    jv_critique_release(&c);
    g_clear_error(&perr);

    if (jv_vlm_retry_allowed(f->request_no)) {
        /* Once more, deterministic and with room to finish, when a slot is free. */
        f->request_no++;
        e->parse_retries++;
        f->retry_reason = why;
        g_queue_push_tail(&e->retry_queue, f);
        pump(e);
        return;
    }
    report(f, "parse_error", why, NULL, false);
    g_free(why);
    pump(e);
}

/* ---- lifetime and counters --------------------------------------------- */

struct jv_critique_engine *jv_critique_engine_new(const struct jv_vlm_config *vlm,
                                                  const struct jv_critique_config *c,
                                                  const struct jv_prompt *p,
                                                  struct jv_http_sched *sched,
                                                  struct jv_http_pool *pool)
{
    struct jv_critique_engine *e = g_new0(struct jv_critique_engine, 1);
    e->vlm = vlm;
    e->c = c;
    e->p = p;
    e->sched = sched;
    e->pool = pool;
    e->concurrency = MAX(vlm->concurrency, 1);
    e->max_tokens = c->max_new_tokens > 0 ? c->max_new_tokens : p->max_tokens;
    e->cb.on_sse_event = on_sse_event;
    e->cb.on_first_token = on_first_token;
    e->cb.on_retry = on_retry;
    e->cb.on_done = on_done;
    g_queue_init(&e->retry_queue);
    jv_stats_init(&e->prompt_tokens);
    jv_stats_init(&e->completion_tokens);
    jv_stats_init(&e->ttft);
    jv_stats_init(&e->request_s);
    jv_stats_init(&e->duration);
    jv_http_pool_set_limit(pool, 2 * e->concurrency);
    return e;
}

void jv_critique_engine_free(struct jv_critique_engine *e)
{
    if (!e)
        return;
    g_queue_clear(&e->retry_queue);
    jv_stats_release(&e->prompt_tokens);
    jv_stats_release(&e->completion_tokens);
    jv_stats_release(&e->ttft);
    jv_stats_release(&e->request_s);
    jv_stats_release(&e->duration);
    g_free(e);
}

json_t *jv_critique_engine_stats(const struct jv_critique_engine *e)
{
    json_t *j = json_object();
    const struct {
        const char *key;
        size_t v;
    } counts[] = {
        {"images", e->images},
        {"ok", e->ok},
        {"parse_errors", e->parse_errors},
        {"errors", e->errors},
        {"cancelled", e->cancelled},
        {"requests", e->requests},
        {"attempts", e->attempts},
        {"retries", e->retries},
        {"parse_retries", e->parse_retries},
        {"truncated", e->truncated},
        {"max_in_flight", e->max_in_flight},
        {"max_awaiting_first_token", e->max_awaiting},
    };
    for (size_t i = 0; i < JV_ARRAY_LEN(counts); i++)
        json_object_set_new(j, counts[i].key, json_integer((json_int_t)counts[i].v));
    json_object_set_new(j, "prompt_tokens", jv_stats_to_json(&e->prompt_tokens));
    json_object_set_new(j, "completion_tokens", jv_stats_to_json(&e->completion_tokens));
    json_object_set_new(j, "ttft_seconds", jv_stats_to_json(&e->ttft));
    json_object_set_new(j, "request_seconds", jv_stats_to_json(&e->request_s));
    json_object_set_new(j, "stage2_duration_seconds", jv_stats_to_json(&e->duration));
    return j;
}
