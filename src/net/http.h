/*
 * http.h - the one HTTP scheduler of Judge Vision (Stage 2 critiques, Stage 3
 * matches, IQA service requests), on libcurl's multi interface.
 *
 * Model: the caller submits requests; the scheduler keeps up to
 * `max_in_flight` transfers running, finds each one's state through
 * CURLOPT_PRIVATE, re-submits failed attempts after a delay (exponential
 * backoff with jitter, Retry-After honoured) and calls the request's callbacks
 * from jv_http_sched_run() on the caller's thread. There is no other thread.
 *
 * Endpoints: a request names a pool of base URLs and a path; each attempt goes
 * to the pool's endpoint with the fewest requests in flight; an endpoint that
 * fails repeatedly is rested for a while (other endpoints are preferred).
 *
 * Ownership: jv_http_sched_submit() takes the request (the scheduler frees it
 * with jv_http_request_free() after on_done returns). Strings in the result
 * are borrowed for the duration of on_done.
 */
#ifndef JV_HTTP_H
#define JV_HTTP_H

#include <jansson.h>

struct jv_http_sched;
struct jv_http_pool;
struct jv_http_request;

/* What happened to a request, after all its attempts. */
struct jv_http_result {
    long status;      /* HTTP status of the last attempt; 0 if none */
    const char *body; /* whole body of the last attempt (non-SSE), NUL-terminated */
    size_t body_len;
    int attempts;        /* 1 + retries */
    int endpoint;        /* index in the pool of the last attempt */
    double latency_s;    /* submit of the last attempt to its end */
    double ttft_s;       /* last attempt: submit to first SSE content event; <0 if none */
    double total_s;      /* first submit to the end, backoff included */
    const GError *error; /* NULL on success (2xx and a complete stream); else why */
};

/*
 * Callbacks. All run on the thread that calls jv_http_sched_run().
 * on_sse_event: one `data:` payload of a text/event-stream reply (without the
 *   "data: " prefix; "[DONE]" is delivered too). Returns 0 to continue or -1
 *   to abort this attempt as malformed.
 * on_first_token: once per attempt, when the first SSE event arrives (used
 *   for TTFT and pipelining: submit the next request now).
 * on_retry: an attempt failed and will be retried after `delay_s`; callers
 *   reset any per-attempt parse state here.
 * on_done: the final outcome. Required.
 */
struct jv_http_callbacks {
    int (*on_sse_event)(struct jv_http_request *req, const char *data, size_t len, void *user);
    void (*on_first_token)(struct jv_http_request *req, void *user);
    void (*on_retry)(struct jv_http_request *req, const GError *why, double delay_s, void *user);
    void (*on_done)(struct jv_http_request *req, const struct jv_http_result *res, void *user);
};

/* A pool of base URLs (e.g. "http://127.0.0.1:8000/v1"). Borrows nothing. */
struct jv_http_pool *jv_http_pool_new(const char *const *base_urls);
void jv_http_pool_free(struct jv_http_pool *pool);
size_t jv_http_pool_size(const struct jv_http_pool *pool);
const char *jv_http_pool_url(const struct jv_http_pool *pool, size_t i);
/* Per-endpoint counters {url, requests, failures, in_flight} (new reference). */
json_t *jv_http_pool_stats(const struct jv_http_pool *pool);

/*
 * A request: POST `body` (JSON) to pool endpoint + `path`, or GET when
 * body is NULL. `api_key` (may be NULL) becomes "Authorization: Bearer ..."
 * and is never logged. `sse` = parse the reply as text/event-stream.
 * Copies all strings.
 */
struct jv_http_request *jv_http_request_new(struct jv_http_pool *pool, const char *path,
                                            const char *body, const char *api_key, bool sse,
                                            const struct jv_http_callbacks *cb, void *user);
void jv_http_request_set_timeout(struct jv_http_request *req, double seconds);
void jv_http_request_set_max_retries(struct jv_http_request *req, int max_retries);
/* Replaces the body for the next attempt (e.g. retry at temperature 0). */
void jv_http_request_set_body(struct jv_http_request *req, const char *body);
void *jv_http_request_user(const struct jv_http_request *req);
void jv_http_request_free(struct jv_http_request *req);

/* Scheduler with at most `max_in_flight` transfers running at once. */
struct jv_http_sched *jv_http_sched_new(int max_in_flight);
void jv_http_sched_free(struct jv_http_sched *s);

/* Takes `req`. It starts when a slot is free (FIFO). */
void jv_http_sched_submit(struct jv_http_sched *s, struct jv_http_request *req);

/* Requests submitted and not yet done (running, waiting or backing off). */
size_t jv_http_sched_pending(const struct jv_http_sched *s);
size_t jv_http_sched_running(const struct jv_http_sched *s);

/*
 * Drives transfers for at most `timeout_ms` (or until something completes),
 * calling callbacks. Returns the number of requests still pending.
 */
size_t jv_http_sched_run(struct jv_http_sched *s, int timeout_ms);

/* Asks every running transfer to stop; their on_done gets JV_ERR_CANCELLED. */
void jv_http_sched_cancel_all(struct jv_http_sched *s);

/* Counters {requests, attempts, retries, errors} (new reference). */
json_t *jv_http_sched_stats(const struct jv_http_sched *s);

/*
 * Simple blocking GET for small replies (health checks, /metrics scrape):
 * returns the body (owned) or NULL with err; *status gets the HTTP status.
 * Bodies above `max_bytes` are refused.
 */
char *jv_http_get(const char *url, double timeout_s, size_t max_bytes, long *status, GError **err);

#endif
