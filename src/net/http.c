/* http.c - the one HTTP scheduler: curl multi, an endpoint pool, retries resubmitted later. */
#include "core/jv.h"

#include "core/limits.h"

#include <math.h>
#include <strings.h>

#include <curl/curl.h>

#include "core/clock.h"
#include "core/log.h"
#include "net/bbuf.h"
#include "net/capacity.h"
#include "net/http.h"
#include "net/http_internal.h"
#include "net/sse.h"

#define DEFAULT_TIMEOUT_S     120.0
#define DEFAULT_MAX_RETRIES   3
#define DEFAULT_BACKOFF_BASE  0.5
#define DEFAULT_BACKOFF_CAP   30.0
#define MAX_RETRY_AFTER_S     300.0
#define DEFAULT_REST_FAILURES 3
#define DEFAULT_REST_S        30.0
#define MAX_REST_FACTOR       16.0
#define CONNECT_TIMEOUT_S     10.0
#define DETAIL_MAX            300

/* ---- endpoint pool ---------------------------------------------------- */

struct jv_http_endpoint {
    char *url;  /* base URL without a trailing '/' */
    char *safe; /* the same without credentials or query, for messages */
    int in_flight;
    uint64_t requests;
    uint64_t failures;
    int consecutive;
    int rests;
    double rest_until;
    double last_failure;
};

struct jv_http_pool {
    struct jv_http_endpoint *ep;
    size_t n;
    int refs; /* the owner's and one per request */
    int in_flight;
    int limit;               /* 0: counted against the scheduler's max_in_flight */
    struct jv_capacity *cap; /* borrowed; when set, its limit is the pool's */
    int rest_failures;
    double rest_s;
};

static void curl_once(void)
{
    static gsize done = 0;
    if (g_once_init_enter(&done)) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        g_once_init_leave(&done, 1);
    }
}

char *jv_http_redact_url(const char *url)
{
    char *out = NULL;
    CURLU *u = curl_url();
    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK) {
        curl_url_set(u, CURLUPART_USER, NULL, 0);
        curl_url_set(u, CURLUPART_PASSWORD, NULL, 0);
        curl_url_set(u, CURLUPART_OPTIONS, NULL, 0);
        curl_url_set(u, CURLUPART_QUERY, NULL, 0);
        curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0);
        char *s = NULL;
        if (curl_url_get(u, CURLUPART_URL, &s, 0) == CURLUE_OK) {
            out = g_strdup(s);
            curl_free(s);
        }
    }
    if (u)
        curl_url_cleanup(u);
    if (!out) {
        /* unparsable: keep the scheme and drop anything up to an '@' */
        const char *p = strstr(url, "://");
        const char *host = p ? p + 3 : url;
        const char *at = strchr(host, '@');
        const char *slash = strchr(host, '/');
        if (at && (!slash || at < slash))
            host = at + 1;
        out = g_strdup_printf("%.*s%.*s", p ? (int)(p + 3 - url) : 0, url, (int)strcspn(host, "?#"),
                              host);
    }
    /* curl appends '/' to a bare host; base URLs are kept as given */
    size_t n = strlen(out);
    if (n > 0 && out[n - 1] == '/' && url[strlen(url) - 1] != '/')
        out[n - 1] = '\0';
    return out;
}

struct jv_http_pool *jv_http_pool_new(const char *const *base_urls)
{
    size_t n = 0;
    while (base_urls && base_urls[n])
        n++;
    if (n == 0)
        return NULL;
    struct jv_http_pool *pool = g_new0(struct jv_http_pool, 1);
    pool->ep = g_new0(struct jv_http_endpoint, n);
    pool->n = n;
    pool->refs = 1;
    pool->rest_failures = DEFAULT_REST_FAILURES;
    pool->rest_s = DEFAULT_REST_S;
    for (size_t i = 0; i < n; i++) {
        char *u = g_strdup(base_urls[i]);
        size_t len = strlen(u);
        while (len > 0 && u[len - 1] == '/')
            u[--len] = '\0';
        pool->ep[i].url = u;
        pool->ep[i].safe = jv_http_redact_url(u);
    }
    return pool;
}

void jv_http_pool_free(struct jv_http_pool *pool)
{
    if (!pool || --pool->refs > 0)
        return;
    for (size_t i = 0; i < pool->n; i++) {
        g_free(pool->ep[i].url);
        g_free(pool->ep[i].safe);
    }
    g_free(pool->ep);
    g_free(pool);
}

const char *jv_http_pool_url(const struct jv_http_pool *pool, size_t i)
{
    return i < pool->n ? pool->ep[i].url : NULL;
}

void jv_http_pool_set_limit(struct jv_http_pool *pool, int max_in_flight)
{
    pool->limit = max_in_flight > 0 ? max_in_flight : 0;
}

void jv_http_pool_set_capacity(struct jv_http_pool *pool, struct jv_capacity *cap)
{
    pool->cap = cap;
}

int jv_http_pool_in_flight(const struct jv_http_pool *pool)
{
    return pool->in_flight;
}

/* The pool's own limit now; 0 = the scheduler's. */
static int pool_limit(const struct jv_http_pool *pool)
{
    return pool->cap ? jv_capacity_limit(pool->cap) : pool->limit;
}

void jv_http_pool_set_rest(struct jv_http_pool *pool, int failures, double rest_s)
{
    pool->rest_failures = failures > 0 ? failures : 1;
    pool->rest_s = rest_s > 0 ? rest_s : 0;
}

bool jv_http_pool_resting(const struct jv_http_pool *pool, int i, double now)
{
    return now < pool->ep[i].rest_until;
}

json_t *jv_http_pool_stats(const struct jv_http_pool *pool)
{
    json_t *arr = json_array();
    double now = jv_clock_mono();
    for (size_t i = 0; i < pool->n; i++) {
        const struct jv_http_endpoint *e = &pool->ep[i];
        json_array_append_new(arr, json_pack("{s:s, s:I, s:I, s:i, s:i, s:b, s:i}", "url", e->safe,
                                             "requests", (json_int_t)e->requests, "failures",
                                             (json_int_t)e->failures, "in_flight", e->in_flight,
                                             "consecutive_failures", e->consecutive, "resting",
                                             now < e->rest_until, "rests", e->rests));
    }
    return arr;
}

int jv_http_pool_pick(struct jv_http_pool *pool, double now, int avoid)
{
    size_t awake = 0;
    for (size_t i = 0; i < pool->n; i++)
        if (!jv_http_pool_resting(pool, (int)i, now))
            awake++;
    int best = -1;
    if (awake > 0) {
        for (size_t i = 0; i < pool->n; i++) {
            const struct jv_http_endpoint *e = &pool->ep[i];
            if (jv_http_pool_resting(pool, (int)i, now))
                continue;
            if ((int)i == avoid && awake > 1)
                continue;
            if (best < 0) {
                best = (int)i;
                continue;
            }
            const struct jv_http_endpoint *b = &pool->ep[best];
            if (e->in_flight < b->in_flight ||
                (e->in_flight == b->in_flight && e->requests < b->requests))
                best = (int)i;
        }
        return best;
    }
    for (size_t i = 0; i < pool->n; i++) {
        const struct jv_http_endpoint *e = &pool->ep[i];
        if (best < 0) {
            best = (int)i;
            continue;
        }
        const struct jv_http_endpoint *b = &pool->ep[best];
        if (e->last_failure < b->last_failure ||
            (e->last_failure == b->last_failure && e->in_flight < b->in_flight))
            best = (int)i;
    }
    return best;
}

void jv_http_pool_record(struct jv_http_pool *pool, int i, bool failed, double now)
{
    struct jv_http_endpoint *e = &pool->ep[i];
    if (!failed) {
        e->consecutive = 0;
        e->rests = 0;
        e->rest_until = 0;
        return;
    }
    e->failures++;
    e->consecutive++;
    e->last_failure = now;
    /* attempts that were already in flight when it went to rest do not extend it */
    if (e->consecutive >= pool->rest_failures && now >= e->rest_until) {
        double factor = fmin(pow(2.0, e->rests), MAX_REST_FACTOR);
        e->rest_until = now + pool->rest_s * factor;
        e->rests++;
        jv_log_event(JV_LOG_WARN, "http_endpoint_rest",
                     json_pack("{s:s, s:i, s:i, s:f}", "url", e->safe, "endpoint", i,
                               "consecutive_failures", e->consecutive, "rest_s",
                               pool->rest_s * factor));
    }
}

void jv_http_pool_inflight(struct jv_http_pool *pool, int i, int delta)
{
    pool->ep[i].in_flight += delta;
    pool->in_flight += delta;
    if (delta > 0)
        pool->ep[i].requests++;
}

/* ---- small pure helpers -------------------------------------------------- */

double jv_http_backoff(int retry, double base_s, double cap_s, double u)
{
    if (retry < 1)
        retry = 1;
    double ceiling = base_s * pow(2.0, retry - 1);
    if (ceiling > cap_s)
        ceiling = cap_s;
    return u * ceiling;
}

double jv_http_retry_delay(double backoff_s, double retry_after_s, double timeout_s)
{
    if (retry_after_s < 0)
        return backoff_s;
    /* A server's wish is honoured up to what the user gave one attempt:
     * "Retry-After: 300" must not hold a --timeout 10 run for five minutes. */
    double cap = fmin(MAX_RETRY_AFTER_S, timeout_s > 0 ? timeout_s : MAX_RETRY_AFTER_S);
    return fmax(backoff_s, fmin(retry_after_s, cap));
}

bool jv_http_url_scheme_ok(const char *url)
{
    return url && (g_ascii_strncasecmp(url, "http://", 7) == 0 ||
                   g_ascii_strncasecmp(url, "https://", 8) == 0);
}

double jv_http_retry_after_parse(const char *value, time_t now)
{
    if (!value)
        return -1;
    while (*value == ' ' || *value == '\t')
        value++;
    size_t n = strlen(value);
    while (n > 0 && g_ascii_isspace(value[n - 1]))
        n--;
    if (n == 0)
        return -1;
    bool digits = true;
    for (size_t i = 0; i < n; i++)
        if (!g_ascii_isdigit(value[i]))
            digits = false;
    if (digits) {
        if (n > 9)
            return 1e9;
        return (double)g_ascii_strtoull(value, NULL, 10);
    }
    char *copy = g_strndup(value, n);
    time_t t = curl_getdate(copy, NULL);
    g_free(copy);
    if (t == (time_t)-1)
        return -1;
    return t > now ? (double)(t - now) : 0.0;
}

/* Copies at most DETAIL_MAX bytes of `s`, control characters as spaces. */
static char *clean_text(const char *s, size_t len)
{
    while (len > 0 && g_ascii_isspace(*s)) {
        s++;
        len--;
    }
    while (len > 0 && g_ascii_isspace(s[len - 1]))
        len--;
    if (len == 0)
        return NULL;
    bool cut = len > DETAIL_MAX;
    if (cut)
        len = DETAIL_MAX;
    GString *out = g_string_sized_new(len + 4);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        g_string_append_c(out, c < 0x20 || c == 0x7f ? ' ' : (char)c);
    }
    if (cut)
        g_string_append(out, "...");
    return g_string_free(out, FALSE);
}

static char *detail_of(json_t *v)
{
    if (json_is_string(v))
        return clean_text(json_string_value(v), json_string_length(v));
    if (json_is_object(v)) {
        json_t *m = json_object_get(v, "message");
        if (!json_is_string(m))
            m = json_object_get(v, "msg");
        if (json_is_string(m))
            return clean_text(json_string_value(m), json_string_length(m));
    }
    if (json_is_array(v) && json_array_size(v) > 0) {
        /* FastAPI validation errors: [{"loc": [...], "msg": "...", ...}] */
        char *first = detail_of(json_array_get(v, 0));
        if (first)
            return first;
    }
    if (v && !json_is_null(v)) {
        char *dump = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        char *out = dump ? clean_text(dump, strlen(dump)) : NULL;
        free(dump);
        return out;
    }
    return NULL;
}

char *jv_http_error_detail(const char *body, size_t len)
{
    if (!body || len == 0)
        return NULL;
    json_t *root = json_loadb(body, len, JSON_DECODE_ANY, NULL);
    if (root) {
        char *out = NULL;
        if (json_is_object(root)) {
            static const char *const keys[] = {"error", "detail", "message"};
            for (size_t i = 0; i < JV_ARRAY_LEN(keys) && !out; i++)
                out = detail_of(json_object_get(root, keys[i]));
        } else if (json_is_string(root)) {
            out = detail_of(root);
        }
        json_decref(root);
        if (out)
            return out;
    }
    /* a plain-text reply is its own message; an HTML page is not useful */
    if (len > 0 && body[0] == '<')
        return NULL;
    return clean_text(body, len);
}

/* ---- requests and the scheduler ----------------------------------------- */

enum req_state { REQ_NEW, REQ_READY, REQ_RUNNING, REQ_DELAYED };

struct jv_http_request {
    struct jv_http_sched *sched;
    struct jv_http_pool *pool;
    char *path;
    char *body;
    char *api_key;
    bool sse;
    struct jv_http_callbacks cb;
    void *user;
    double timeout_s;
    int max_retries;
    size_t max_body;
    enum req_state state;
    GList link; /* in the scheduler's ready, delayed or running queue */

    /* the current attempt */
    CURL *easy;
    struct curl_slist *headers;
    char *url;
    char errbuf[CURL_ERROR_SIZE];
    int attempts;
    int endpoint;
    int avoid;
    int cap_in_flight;   /* the pool's attempts running at this one's start, itself included */
    unsigned cap_gen;    /* the pool's capacity generation at this one's start */
    bool counted_shared; /* this attempt counts against the scheduler's max_in_flight */
    double t_submit;
    double t_attempt;
    double due;
    double ttft;
    double retry_after;
    bool first_token;
    bool mode_decided;
    bool stream_mode;
    bool saw_done;
    bool cancelled;
    GError *abort_error;
    bool abort_retryable;
    struct jv_bbuf buf;
    struct jv_sse parser;
    size_t stream_bytes; /* of this attempt's event stream, against max_body */
};

struct deferred {
    void (*fn)(void *user);
    void *user;
};

struct timer {
    unsigned id;
    double interval, due;
    void (*fn)(void *user, double now);
    void *user;
};

struct jv_http_sched {
    CURLM *multi;
    GArray *timers; /* struct timer */
    unsigned next_timer;
    int max_in_flight;
    int running_shared; /* running requests counted against max_in_flight */
    GQueue ready;
    GQueue delayed; /* sorted by due time */
    GQueue running;
    GQueue deferred;
    size_t pending;
    int depth; /* > 0 while user callbacks may be on the stack */
    bool cancel_requested;
    size_t completed; /* on_done calls in the current run */
    double backoff_base;
    double backoff_cap;
    GRand *rand;
    uint64_t n_requests, n_attempts, n_retries, n_succeeded, n_errors, n_cancelled, n_timeouts,
        n_connects;
    size_t max_running;
};

static int sse_event(const char *type, const char *data, size_t len, void *user);

struct jv_http_request *jv_http_request_new(struct jv_http_pool *pool, const char *path,
                                            const char *body, const char *api_key, bool sse,
                                            const struct jv_http_callbacks *cb, void *user)
{
    struct jv_http_request *req = g_new0(struct jv_http_request, 1);
    req->pool = pool;
    pool->refs++;
    req->path = g_strdup(path ? path : "");
    req->body = g_strdup(body);
    req->api_key = api_key && *api_key ? g_strdup(api_key) : NULL;
    req->sse = sse;
    if (cb)
        req->cb = *cb;
    req->user = user;
    req->timeout_s = DEFAULT_TIMEOUT_S;
    req->max_retries = DEFAULT_MAX_RETRIES;
    req->max_body = JV_LIMIT_HTTP_BODY;
    req->endpoint = -1;
    req->avoid = -1;
    req->ttft = -1;
    req->retry_after = -1;
    req->link.data = req;
    jv_bbuf_init(&req->buf, req->max_body);
    jv_sse_init(&req->parser, req->max_body, sse_event, req);
    return req;
}

void jv_http_request_set_timeout(struct jv_http_request *req, double seconds)
{
    if (seconds > 0)
        req->timeout_s = seconds;
}

void jv_http_request_set_max_retries(struct jv_http_request *req, int max_retries)
{
    req->max_retries = max_retries > 0 ? max_retries : 0;
}

void jv_http_request_set_max_body(struct jv_http_request *req, size_t max_bytes)
{
    if (max_bytes == 0)
        return;
    req->max_body = max_bytes;
    req->buf.cap = max_bytes;
    req->parser.max_event = max_bytes;
}

static void attempt_cleanup(struct jv_http_request *req)
{
    if (req->easy) {
        if (req->sched && req->state == REQ_RUNNING)
            curl_multi_remove_handle(req->sched->multi, req->easy);
        curl_easy_cleanup(req->easy);
        req->easy = NULL;
    }
    curl_slist_free_all(req->headers);
    req->headers = NULL;
    g_clear_error(&req->abort_error);
}

void jv_http_request_free(struct jv_http_request *req)
{
    if (!req)
        return;
    attempt_cleanup(req);
    g_free(req->url);
    g_free(req->path);
    if (req->api_key) {
        memset(req->api_key, 0, strlen(req->api_key));
        g_free(req->api_key);
    }
    g_free(req->body);
    jv_bbuf_release(&req->buf);
    jv_sse_release(&req->parser);
    jv_http_pool_free(req->pool);
    g_free(req);
}

static const char *method_of(const struct jv_http_request *req)
{
    return req->body ? "POST" : "GET";
}

/* "POST http://host/v1/chat/completions" for messages (no credentials). */
static char *target_of(const struct jv_http_request *req)
{
    int i = req->endpoint >= 0 ? req->endpoint : 0;
    return g_strdup_printf("%s %s%s", method_of(req), req->pool->ep[i].safe, req->path);
}

/* An error event inside a stream: `event: error` or a JSON object with "error". */
static bool is_error_event(const char *type, const char *data, size_t len)
{
    if (strcmp(type, "error") == 0)
        return true;
    size_t i = 0;
    while (i < len && g_ascii_isspace(data[i]))
        i++;
    if (i >= len || data[i] != '{' || !g_strstr_len(data, (gssize)len, "\"error\""))
        return false;
    json_t *root = json_loadb(data, len, 0, NULL);
    bool is_err = root && json_object_get(root, "error") != NULL &&
                  !json_is_null(json_object_get(root, "error"));
    json_decref(root);
    return is_err;
}

static int sse_event(const char *type, const char *data, size_t len, void *user)
{
    struct jv_http_request *req = user;
    if (req->saw_done)
        return 0; /* nothing after [DONE] belongs to the reply */
    if (is_error_event(type, data, len)) {
        char *detail = jv_http_error_detail(data, len);
        char *target = target_of(req);
        req->abort_error =
            g_error_new(JV_ERROR, JV_ERR_HTTP, "%s: the server reported an error in the stream: %s",
                        target, detail ? detail : "(no message)");
        req->abort_retryable = true;
        g_free(target);
        g_free(detail);
        return -1;
    }
    if (!req->first_token) {
        req->first_token = true;
        req->ttft = jv_clock_mono() - req->t_attempt;
        if (req->cb.on_first_token)
            req->cb.on_first_token(req, req->user);
        if (req->cancelled)
            return -1;
    }
    if (len == 6 && memcmp(data, "[DONE]", 6) == 0)
        req->saw_done = true;
    if (req->cb.on_sse_event && req->cb.on_sse_event(req, data, len, req->user) != 0) {
        char *target = target_of(req);
        req->abort_error = g_error_new(JV_ERROR, JV_ERR_PARSE,
                                       "%s: the reply stream was rejected as malformed", target);
        req->abort_retryable = false;
        g_free(target);
        return -1;
    }
    return 0;
}

/*
 * curl's write callback: feeds the SSE parser for a streamed request (each
 * event checked, the stream's total capped) or appends to the capped body.
 * Returns `size * nmemb`, or 0 to make curl abort the transfer on a cap or a
 * rejected event.
 */
static size_t on_write(char *ptr, size_t size, size_t nmemb, void *user)
{
    struct jv_http_request *req = user;
    size_t n = size * nmemb;
    if (req->cancelled || req->abort_error)
        return 0;
    if (!req->mode_decided) {
        long code = 0;
        char *ct = NULL;
        curl_easy_getinfo(req->easy, CURLINFO_RESPONSE_CODE, &code);
        curl_easy_getinfo(req->easy, CURLINFO_CONTENT_TYPE, &ct);
        req->stream_mode = req->sse && code >= 200 && code < 300 && ct &&
                           strncasecmp(ct, "text/event-stream", 17) == 0;
        req->mode_decided = true;
    }
    if (req->stream_mode) {
        /* Each event is capped by the parser; the whole stream is capped
         * here, or an endless but valid stream would grow the reply forever. */
        req->stream_bytes += n;
        if (req->stream_bytes > req->max_body) {
            char *target = target_of(req);
            req->abort_error = g_error_new(JV_ERROR, JV_ERR_HTTP,
                                           "%s: the streamed reply exceeds the limit of %zu bytes",
                                           target, req->max_body);
            req->abort_retryable = false;
            g_free(target);
            return 0;
        }
        GError *e = NULL;
        if (jv_sse_feed(&req->parser, ptr, n, &e) != 0) {
            if (!req->abort_error && !req->cancelled) {
                char *target = target_of(req);
                req->abort_error =
                    g_error_new(JV_ERROR, JV_ERR_PARSE, "%s: %s", target, e->message);
                req->abort_retryable = false;
                g_free(target);
            }
            g_error_free(e);
            return 0;
        }
        return n;
    }
    if (jv_bbuf_append(&req->buf, ptr, n) != 0) {
        char *target = target_of(req);
        req->abort_error =
            g_error_new(JV_ERROR, JV_ERR_HTTP, "%s: the reply exceeds the limit of %zu bytes",
                        target, req->max_body);
        req->abort_retryable = false;
        g_free(target);
        return 0;
    }
    return n;
}

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *user)
{
    struct jv_http_request *req = user;
    size_t n = size * nmemb;
    if (n >= 5 && g_ascii_strncasecmp(ptr, "HTTP/", 5) == 0) {
        req->retry_after = -1; /* a new response (after 100 Continue, say) */
    } else if (n > 12 && g_ascii_strncasecmp(ptr, "Retry-After:", 12) == 0) {
        char *v = g_strndup(ptr + 12, n - 12);
        req->retry_after = jv_http_retry_after_parse(v, time(NULL));
        g_free(v);
    }
    return n;
}

struct jv_http_sched *jv_http_sched_new(int max_in_flight)
{
    curl_once();
    CURLM *multi = curl_multi_init();
    if (!multi)
        return NULL;
    struct jv_http_sched *s = g_new0(struct jv_http_sched, 1);
    s->multi = multi;
    s->max_in_flight = max_in_flight > 0 ? max_in_flight : 1;
    s->backoff_base = DEFAULT_BACKOFF_BASE;
    s->backoff_cap = DEFAULT_BACKOFF_CAP;
    s->rand = g_rand_new();
    s->timers = g_array_new(FALSE, FALSE, sizeof(struct timer));
    g_queue_init(&s->ready);
    g_queue_init(&s->delayed);
    g_queue_init(&s->running);
    g_queue_init(&s->deferred);
    /* keep idle connections for reuse by the next requests */
    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, (long)(s->max_in_flight * 2 + 8));
    return s;
}

void jv_http_sched_set_backoff(struct jv_http_sched *s, double base_s, double cap_s)
{
    s->backoff_base = base_s >= 0 ? base_s : 0;
    s->backoff_cap = cap_s >= s->backoff_base ? cap_s : s->backoff_base;
}

void jv_http_sched_submit(struct jv_http_sched *s, struct jv_http_request *req)
{
    req->sched = s;
    req->state = REQ_READY;
    req->t_submit = jv_clock_mono();
    g_queue_push_tail_link(&s->ready, &req->link);
    s->pending++;
    s->n_requests++;
}

void jv_http_sched_defer(struct jv_http_sched *s, void (*fn)(void *user), void *user)
{
    struct deferred *d = g_new(struct deferred, 1);
    d->fn = fn;
    d->user = user;
    g_queue_push_tail(&s->deferred, d);
    s->pending++;
}

size_t jv_http_sched_pending(const struct jv_http_sched *s)
{
    return s->pending;
}

size_t jv_http_sched_running(const struct jv_http_sched *s)
{
    return s->running.length;
}

json_t *jv_http_sched_stats(const struct jv_http_sched *s)
{
    return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "requests",
                     (json_int_t)s->n_requests, "attempts", (json_int_t)s->n_attempts, "retries",
                     (json_int_t)s->n_retries, "succeeded", (json_int_t)s->n_succeeded, "errors",
                     (json_int_t)s->n_errors, "cancelled", (json_int_t)s->n_cancelled, "timeouts",
                     (json_int_t)s->n_timeouts, "max_running", (json_int_t)s->max_running,
                     "connections", (json_int_t)s->n_connects);
}

/* Reports the final outcome and frees the request (already off every queue). */
static void finish(struct jv_http_sched *s, struct jv_http_request *req, GError *error, long status,
                   double latency)
{
    double now = jv_clock_mono();
    struct jv_http_result res = {
        .status = status,
        .body = jv_bbuf_str(&req->buf),
        .body_len = jv_bbuf_len(&req->buf),
        .attempts = req->attempts,
        .endpoint = req->endpoint,
        .latency_s = latency,
        .ttft_s = req->ttft,
        .total_s = now - req->t_submit,
        .error = error,
    };
    if (!error)
        s->n_succeeded++;
    else if (g_error_matches(error, JV_ERROR, JV_ERR_CANCELLED))
        s->n_cancelled++;
    else
        s->n_errors++;
    if (error && !g_error_matches(error, JV_ERROR, JV_ERR_CANCELLED))
        jv_log_event(JV_LOG_WARN, "http_error",
                     json_pack("{s:s, s:i, s:I, s:i, s:f, s:s}", "path", req->path, "endpoint",
                               req->endpoint, "status", (json_int_t)status, "attempts",
                               req->attempts, "total_s", res.total_s, "error", error->message));
    s->depth++;
    if (req->cb.on_done)
        req->cb.on_done(req, &res, req->user);
    s->depth--;
    if (error)
        g_error_free(error);
    s->pending--;
    s->completed++;
    req->sched = NULL;
    jv_http_request_free(req);
}

static GError *cancelled_error(struct jv_http_request *req)
{
    char *target = target_of(req);
    GError *e = g_error_new(JV_ERROR, JV_ERR_CANCELLED, "%s: cancelled", target);
    g_free(target);
    return e;
}

/* Starts the next attempt of `req` (taken off the ready queue). */
/* Only HTTP(S), also after a redirect: a gopher:// or dict:// base URL would
 * send our bytes raw to any local service. */
static void restrict_protocols(CURL *h)
{
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
}

/*
 * Starts the next attempt of `req`: a curl easy handle for the endpoint the
 * pool picks, with the request's body, headers, timeouts, caps and
 * callbacks, added to the multi handle. A transfer that cannot be created or
 * started finishes the request with that error at once.
 */
static void start_attempt(struct jv_http_sched *s, struct jv_http_request *req)
{
    double now = jv_clock_mono();
    struct jv_http_pool *pool = req->pool;
    req->endpoint = jv_http_pool_pick(pool, now, req->avoid);
    g_free(req->url);
    req->url = g_strdup_printf("%s%s%s", pool->ep[req->endpoint].url,
                               req->path[0] == '/' || req->path[0] == '\0' ? "" : "/", req->path);
    req->attempts++;
    req->t_attempt = now;
    req->ttft = -1;
    req->retry_after = -1;
    req->first_token = req->mode_decided = req->stream_mode = req->saw_done = false;
    req->errbuf[0] = '\0';
    jv_bbuf_reset(&req->buf);
    jv_sse_reset(&req->parser);
    req->stream_bytes = 0;
    g_clear_error(&req->abort_error);

    CURL *h = curl_easy_init();
    if (!h) {
        char *target = target_of(req);
        GError *e = g_error_new(JV_ERROR, JV_ERR_HTTP, "%s: cannot create a transfer", target);
        g_free(target);
        finish(s, req, e, 0, 0);
        return;
    }
    req->easy = h;
    long timeout_ms = (long)ceil(req->timeout_s * 1000.0);
    long stall_s = (long)ceil(req->timeout_s);
    curl_easy_setopt(h, CURLOPT_URL, req->url);
    restrict_protocols(h);
    curl_easy_setopt(h, CURLOPT_PRIVATE, req);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, req->errbuf);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                     (long)(fmin(req->timeout_s, CONNECT_TIMEOUT_S) * 1000.0));
    /* a stalled server (no byte for the whole timeout) is cut even mid-stream */
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, stall_s > 0 ? stall_s : 1L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, req);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, req);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "judge-vision/" JV_VERSION);
    struct curl_slist *hl = NULL;
    hl = curl_slist_append(hl, req->sse ? "Accept: text/event-stream" : "Accept: application/json");
    /* no "Expect: 100-continue" round trip before large image bodies */
    hl = curl_slist_append(hl, "Expect:");
    if (req->body) {
        hl = curl_slist_append(hl, "Content-Type: application/json");
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(req->body));
    }
    if (req->api_key) {
        char *auth = g_strdup_printf("Authorization: Bearer %s", req->api_key);
        hl = curl_slist_append(hl, auth);
        memset(auth, 0, strlen(auth));
        g_free(auth);
    }
    req->headers = hl;
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);

    CURLMcode mc = curl_multi_add_handle(s->multi, h);
    if (mc != CURLM_OK) {
        char *target = target_of(req);
        GError *e = g_error_new(JV_ERROR, JV_ERR_HTTP, "%s: cannot start the transfer: %s", target,
                                curl_multi_strerror(mc));
        g_free(target);
        attempt_cleanup(req);
        finish(s, req, e, 0, 0);
        return;
    }
    req->state = REQ_RUNNING;
    g_queue_push_tail_link(&s->running, &req->link);
    req->counted_shared = pool_limit(pool) == 0;
    if (req->counted_shared)
        s->running_shared++;
    jv_http_pool_inflight(pool, req->endpoint, +1);
    req->cap_in_flight = pool->in_flight;
    req->cap_gen = pool->cap ? jv_capacity_generation(pool->cap) : 0;
    s->n_attempts++;
    if (s->running.length > s->max_running)
        s->max_running = s->running.length;
}

/* Starts queued requests while their limits allow, in submission order. */
static void start_ready(struct jv_http_sched *s)
{
    GList *l = s->ready.head;
    while (l) {
        GList *next = l->next;
        struct jv_http_request *req = l->data;
        struct jv_http_pool *pool = req->pool;
        bool room = pool_limit(pool) ? pool->in_flight < pool_limit(pool)
                                     : s->running_shared < s->max_in_flight;
        if (room) {
            g_queue_unlink(&s->ready, l);
            start_attempt(s, req);
        }
        l = next;
    }
}

/* Keeps the delayed queue sorted by due time (equal times in arrival order). */
static void insert_delayed(struct jv_http_sched *s, struct jv_http_request *req)
{
    GList *l = s->delayed.head;
    while (l && ((struct jv_http_request *)l->data)->due <= req->due)
        l = l->next;
    if (l)
        g_queue_insert_before_link(&s->delayed, l, &req->link);
    else
        g_queue_push_tail_link(&s->delayed, &req->link);
}

/* Moves due retries to the front of the ready queue (they were submitted earlier). */
static void promote_due(struct jv_http_sched *s, double now)
{
    GQueue due = G_QUEUE_INIT;
    while (s->delayed.head) {
        struct jv_http_request *req = s->delayed.head->data;
        if (req->due > now)
            break;
        GList *l = g_queue_pop_head_link(&s->delayed);
        g_queue_push_tail_link(&due, l);
        req->state = REQ_READY;
    }
    while (due.tail) {
        GList *l = g_queue_pop_tail_link(&due);
        g_queue_push_head_link(&s->ready, l);
    }
}

static bool status_retryable(long status)
{
    return status == 408 || status == 429 || status >= 500;
}

/* An attempt's transfer ended with `rc`: retry it later or report its outcome. */
static void attempt_done(struct jv_http_sched *s, struct jv_http_request *req, CURLcode rc)
{
    double now = jv_clock_mono();
    double latency = now - req->t_attempt;
    long status = 0, connects = 0;
    curl_easy_getinfo(req->easy, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(req->easy, CURLINFO_NUM_CONNECTS, &connects);
    s->n_connects += (uint64_t)(connects > 0 ? connects : 0);
    g_queue_unlink(&s->running, &req->link);
    curl_multi_remove_handle(s->multi, req->easy);
    curl_easy_cleanup(req->easy);
    req->easy = NULL;
    curl_slist_free_all(req->headers);
    req->headers = NULL;
    if (req->counted_shared)
        s->running_shared--;
    jv_http_pool_inflight(req->pool, req->endpoint, -1);

    GError *e = NULL;
    bool retryable = false;
    bool endpoint_failed = false;
    char *target = target_of(req);
    if (req->cancelled) {
        e = cancelled_error(req);
    } else if (req->abort_error) {
        e = req->abort_error;
        req->abort_error = NULL;
        retryable = endpoint_failed = req->abort_retryable;
    } else if (rc != CURLE_OK && !(req->stream_mode && req->saw_done)) {
        /* (a stream that reached [DONE] is complete whatever the connection did next) */
        retryable = endpoint_failed = true;
        if (rc == CURLE_OPERATION_TIMEDOUT) {
            s->n_timeouts++;
            e = g_error_new(JV_ERROR, JV_ERR_HTTP, "%s: no complete reply within %.3g s%s", target,
                            req->timeout_s, req->first_token ? " (stream stalled)" : "");
        } else {
            e = g_error_new(JV_ERROR, JV_ERR_HTTP, "%s: %s", target,
                            req->errbuf[0] ? req->errbuf : curl_easy_strerror(rc));
        }
    } else if (status < 200 || status >= 300) {
        char *detail = jv_http_error_detail(jv_bbuf_str(&req->buf), jv_bbuf_len(&req->buf));
        retryable = endpoint_failed = status_retryable(status);
        e = g_error_new(JV_ERROR, JV_ERR_HTTP, "%s: HTTP %ld%s%s", target, status,
                        detail ? ": " : "", detail ? detail : "");
        g_free(detail);
    } else if (req->stream_mode && !req->saw_done) {
        retryable = endpoint_failed = true;
        e = g_error_new(JV_ERROR, JV_ERR_HTTP, "%s: the event stream ended before [DONE]", target);
    }
    g_free(target);
    if (!req->cancelled)
        jv_http_pool_record(req->pool, req->endpoint, endpoint_failed, now);
    if (!req->cancelled && req->pool->cap) {
        struct jv_capacity_obs obs = {
            .in_flight = req->cap_in_flight,
            .generation = req->cap_gen,
            .status = status,
            .timed_out = rc == CURLE_OPERATION_TIMEDOUT,
            .ok = e == NULL,
            .ttft_s = req->ttft,
            .latency_s = latency,
        };
        jv_capacity_observe(req->pool->cap, &obs, now);
    }
    req->avoid = endpoint_failed ? req->endpoint : -1;

    jv_log_event(JV_LOG_DEBUG, "http_attempt",
                 json_pack("{s:s, s:i, s:I, s:i, s:f, s:f, s:b}", "path", req->path, "endpoint",
                           req->endpoint, "status", (json_int_t)status, "attempt", req->attempts,
                           "latency_s", latency, "ttft_s", req->ttft, "ok", e == NULL));

    if (e && retryable && req->attempts <= req->max_retries) {
        double delay =
            jv_http_backoff(req->attempts, s->backoff_base, s->backoff_cap, g_rand_double(s->rand));
        delay = jv_http_retry_delay(delay, req->retry_after, req->timeout_s);
        s->n_retries++;
        jv_log_event(JV_LOG_INFO, "http_retry",
                     json_pack("{s:s, s:i, s:I, s:i, s:f, s:s}", "path", req->path, "endpoint",
                               req->endpoint, "status", (json_int_t)status, "attempt",
                               req->attempts, "delay_s", delay, "error", e->message));
        if (req->cb.on_retry) {
            s->depth++;
            req->cb.on_retry(req, e, delay, req->user);
            s->depth--;
        }
        g_error_free(e);
        req->due = jv_clock_mono() + delay;
        req->state = REQ_DELAYED;
        insert_delayed(s, req);
        return;
    }
    finish(s, req, e, status, latency);
}

/* Cancels every pending request (not deferred calls). */
static void do_cancel(struct jv_http_sched *s)
{
    s->cancel_requested = false;
    GQueue victims = G_QUEUE_INIT;
    while (s->running.head) {
        GList *l = g_queue_pop_head_link(&s->running);
        struct jv_http_request *req = l->data;
        curl_multi_remove_handle(s->multi, req->easy);
        curl_easy_cleanup(req->easy);
        req->easy = NULL;
        if (req->counted_shared)
            s->running_shared--;
        jv_http_pool_inflight(req->pool, req->endpoint, -1);
        g_queue_push_tail_link(&victims, l);
    }
    while (s->ready.head)
        g_queue_push_tail_link(&victims, g_queue_pop_head_link(&s->ready));
    while (s->delayed.head)
        g_queue_push_tail_link(&victims, g_queue_pop_head_link(&s->delayed));
    while (victims.head) {
        struct jv_http_request *req = g_queue_pop_head_link(&victims)->data;
        req->cancelled = true;
        req->state = REQ_NEW;
        finish(s, req, cancelled_error(req), 0, 0);
    }
}

void jv_http_sched_cancel_all(struct jv_http_sched *s)
{
    if (s->depth > 0) {
        /* inside a callback: running transfers stop taking data now, and are
         * reported once the callback has returned */
        for (GList *l = s->running.head; l; l = l->next)
            ((struct jv_http_request *)l->data)->cancelled = true;
        s->cancel_requested = true;
        return;
    }
    do_cancel(s);
}

unsigned jv_http_sched_add_timer(struct jv_http_sched *s, double interval_s,
                                 void (*fn)(void *user, double now), void *user)
{
    struct timer t = {++s->next_timer, interval_s > 0.001 ? interval_s : 0.001, 0, fn, user};
    t.due = jv_clock_mono() + t.interval;
    g_array_append_val(s->timers, t);
    return t.id;
}

void jv_http_sched_remove_timer(struct jv_http_sched *s, unsigned id)
{
    for (guint i = 0; i < s->timers->len; i++)
        if (g_array_index(s->timers, struct timer, i).id == id) {
            g_array_remove_index(s->timers, i);
            return;
        }
}

/* Calls the timers that are due (one may remove another: each is looked up again). */
static void run_timers(struct jv_http_sched *s, double now)
{
    for (guint i = 0; i < s->timers->len; i++) {
        struct timer *t = &g_array_index(s->timers, struct timer, i);
        if (t->due > now)
            continue;
        t->due = now + t->interval;
        void (*fn)(void *, double) = t->fn;
        void *user = t->user;
        s->depth++;
        fn(user, now);
        s->depth--;
    }
}

/* Seconds until the next timer is due (INFINITY when none). */
static double timer_wait(const struct jv_http_sched *s, double now)
{
    double w = INFINITY;
    for (guint i = 0; i < s->timers->len; i++)
        w = fmin(w, fmax(0.0, g_array_index(s->timers, struct timer, i).due - now));
    return w;
}

static void run_deferred(struct jv_http_sched *s)
{
    /* only those queued so far: a deferred call may defer another */
    guint n = s->deferred.length;
    for (guint i = 0; i < n; i++) {
        struct deferred *d = g_queue_pop_head(&s->deferred);
        s->depth++;
        d->fn(d->user);
        s->depth--;
        g_free(d);
        s->pending--;
        s->completed++;
    }
}

static void read_messages(struct jv_http_sched *s)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(s->multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        char *priv = NULL;
        CURLcode rc = m->data.result;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &priv);
        if (priv)
            attempt_done(s, (struct jv_http_request *)(void *)priv, rc);
    }
}

size_t jv_http_sched_run(struct jv_http_sched *s, int timeout_ms)
{
    double deadline = timeout_ms < 0 ? INFINITY : jv_clock_mono() + timeout_ms / 1000.0;
    s->completed = 0;
    for (;;) {
        if (s->cancel_requested)
            do_cancel(s);
        run_deferred(s);
        run_timers(s, jv_clock_mono());
        promote_due(s, jv_clock_mono());
        start_ready(s);
        int still = 0;
        s->depth++;
        curl_multi_perform(s->multi, &still);
        s->depth--;
        read_messages(s);
        if (s->cancel_requested)
            do_cancel(s);
        if (s->completed > 0 || s->pending == 0)
            break;
        double now = jv_clock_mono();
        if (now >= deadline)
            break;
        double wait = deadline - now;
        if (s->delayed.head) {
            const struct jv_http_request *first = s->delayed.head->data;
            wait = fmin(wait, fmax(0.0, first->due - now));
        }
        wait = fmin(wait, timer_wait(s, now));
        if (s->deferred.length > 0)
            wait = 0;
        /* requests submitted by callbacks: curl's timer then ends the poll at once */
        start_ready(s);
        int wait_ms = wait > 1e6 ? 1000000000 : (int)ceil(wait * 1000.0);
        curl_multi_poll(s->multi, NULL, 0, wait_ms, NULL);
    }
    /* requests submitted by the callbacks start without waiting for the next run */
    start_ready(s);
    return s->pending;
}

void jv_http_sched_free(struct jv_http_sched *s)
{
    if (!s)
        return;
    /* on_done callbacks may submit again: repeat until nothing is left */
    while (s->ready.length || s->delayed.length || s->running.length || s->deferred.length) {
        do_cancel(s);
        run_deferred(s);
    }
    curl_multi_cleanup(s->multi);
    g_array_free(s->timers, TRUE);
    g_rand_free(s->rand);
    g_free(s);
}

/* ---- blocking GET -------------------------------------------------------- */

struct get_state {
    struct jv_bbuf buf;
};

static size_t get_write(char *ptr, size_t size, size_t nmemb, void *user)
{
    struct get_state *g = user;
    size_t n = size * nmemb;
    return jv_bbuf_append(&g->buf, ptr, n) == 0 ? n : 0;
}

char *jv_http_get(const char *url, double timeout_s, size_t max_bytes, long *status, GError **err)
{
    return jv_http_get_auth(url, NULL, timeout_s, max_bytes, status, err);
}

char *jv_http_get_auth(const char *url, const char *api_key, double timeout_s, size_t max_bytes,
                       long *status, GError **err)
{
    curl_once();
    struct curl_slist *headers = NULL;
    char *out = NULL;
    char *safe = jv_http_redact_url(url);
    char errbuf[CURL_ERROR_SIZE] = "";
    struct get_state g;
    jv_bbuf_init(&g.buf, max_bytes);
    if (status)
        *status = 0;
    CURL *h = curl_easy_init();
    if (!h) {
        g_set_error(err, JV_ERROR, JV_ERR_HTTP, "GET %s: cannot create a transfer", safe);
        goto out;
    }
    if (timeout_s <= 0)
        timeout_s = DEFAULT_TIMEOUT_S;
    curl_easy_setopt(h, CURLOPT_URL, url);
    restrict_protocols(h);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)ceil(timeout_s * 1000.0));
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, get_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &g);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "judge-vision/" JV_VERSION);
    if (api_key && *api_key) {
        char *auth = g_strdup_printf("Authorization: Bearer %s", api_key);
        headers = curl_slist_append(headers, auth);
        g_free(auth);
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    }
    CURLcode rc = curl_easy_perform(h);
    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    if (status)
        *status = code;
    if (g.buf.overflow) {
        g_set_error(err, JV_ERROR, JV_ERR_HTTP, "GET %s: the reply exceeds the limit of %zu bytes",
                    safe, max_bytes);
    } else if (rc == CURLE_OPERATION_TIMEDOUT) {
        g_set_error(err, JV_ERROR, JV_ERR_HTTP, "GET %s: no complete reply within %.3g s", safe,
                    timeout_s);
    } else if (rc != CURLE_OK) {
        g_set_error(err, JV_ERROR, JV_ERR_HTTP, "GET %s: %s", safe,
                    errbuf[0] ? errbuf : curl_easy_strerror(rc));
    } else {
        out = jv_bbuf_steal(&g.buf, NULL);
    }
    curl_easy_cleanup(h);
out:
    curl_slist_free_all(headers);
    jv_bbuf_release(&g.buf);
    g_free(safe);
    return out;
}
