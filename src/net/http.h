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
 * are borrowed for the duration of on_done. Requests keep their pool alive:
 * jv_http_pool_free() may be called while some are still pending (the pool
 * goes when the last of them is done).
 *
 * Callbacks may call jv_http_sched_submit(), jv_http_sched_defer() and
 * jv_http_sched_cancel_all() (the cancellation then happens as soon as the
 * callback returns); they must not call jv_http_sched_run() or
 * jv_http_sched_free(). Everything runs on one thread.
 *
 * Retries: connection errors, timeouts (including a stalled server), a reply
 * stream cut short or ending without "[DONE]", an error event inside a
 * stream, 408, 429 and 5xx are retried up to max_retries times after
 * u * min(cap, base * 2^(retry-1)) seconds (u uniform in [0, 1)), but never
 * sooner than the server's Retry-After (seconds or HTTP date, capped at
 * 300 s and at the request's timeout). Other 4xx, a reply above the body cap
 * (a plain body, or an event stream in total) and a stream rejected by
 * on_sse_event are final. Error messages name the method, the endpoint URL
 * (without credentials or query), the HTTP status and the server's own error
 * message; the API key never appears in messages or logs. Only http:// and
 * https:// URLs are fetched (also after redirects): jv_http_url_scheme_ok()
 * lets callers refuse others at start with a clear message.
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
    const char *body; /* body of the last attempt, NUL-terminated; "" for an event stream */
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

/*
 * A pool of base URLs (e.g. "http://127.0.0.1:8000/v1"), NULL-terminated
 * list; copies the strings. Returns NULL when the list is empty.
 */
struct jv_http_pool *jv_http_pool_new(const char *const *base_urls);
void jv_http_pool_free(struct jv_http_pool *pool);
const char *jv_http_pool_url(const struct jv_http_pool *pool, size_t i);
/*
 * Per-endpoint counters, an array of {url (redacted), requests (attempts
 * started), failures, in_flight, consecutive_failures, resting (bool),
 * rests} (new reference).
 */
json_t *jv_http_pool_stats(const struct jv_http_pool *pool);
/*
 * Gives the pool its own limit of `max_in_flight` transfers (0 = none).
 * Requests to a pool with its own limit are counted against that limit
 * only, not against the scheduler's max_in_flight, and never hold up
 * requests to other pools: e.g. the IQA service's requests share the
 * scheduler (and its run loop) with the VLM's without taking its slots.
 */
void jv_http_pool_set_limit(struct jv_http_pool *pool, int max_in_flight);
/*
 * Attaches an in-flight controller (net/capacity.h; borrowed, NULL detaches):
 * the pool's own limit is then jv_capacity_limit() at each start, and the
 * outcome of every attempt to the pool (status, timeout, TTFT, latency, the
 * pool's in-flight count at its start) is fed to it.
 */
struct jv_capacity;
void jv_http_pool_set_capacity(struct jv_http_pool *pool, struct jv_capacity *cap);
/* Attempts of this pool running now. */
int jv_http_pool_in_flight(const struct jv_http_pool *pool);
/*
 * Resting policy: after `failures` consecutive failed attempts (connection
 * error, timeout, 408/429/5xx, broken stream) an endpoint rests for
 * `rest_s` seconds, doubled (up to 16x) each time it fails again after a
 * rest; one success restores it. Defaults: 3 failures, 30 s.
 */
void jv_http_pool_set_rest(struct jv_http_pool *pool, int failures, double rest_s);

/*
 * A request: POST `body` (JSON) to pool endpoint + `path`, or GET when
 * body is NULL. `api_key` (may be NULL) becomes "Authorization: Bearer ..."
 * and is never logged. `sse` = parse the reply as text/event-stream when it
 * is one (a 2xx reply of another type is taken as a plain body in
 * result.body; an error reply's body is always there); a stream is complete
 * only with its "[DONE]" event. Copies all strings.
 */
struct jv_http_request *jv_http_request_new(struct jv_http_pool *pool, const char *path,
                                            const char *body, const char *api_key, bool sse,
                                            const struct jv_http_callbacks *cb, void *user);
/* Per-attempt limit on the whole transfer, also when the server stalls (default 120 s). */
void jv_http_request_set_timeout(struct jv_http_request *req, double seconds);
/* Retries after the first attempt (default 3). */
void jv_http_request_set_max_retries(struct jv_http_request *req, int max_retries);
/*
 * Cap on a reply body (non-SSE), on one SSE event and on an event stream's
 * total bytes (default JV_LIMIT_HTTP_BODY, 32 MiB).
 */
void jv_http_request_set_max_body(struct jv_http_request *req, size_t max_bytes);
void jv_http_request_free(struct jv_http_request *req);

/*
 * Scheduler with at most `max_in_flight` transfers running at once (for
 * pools without their own limit). Returns NULL if libcurl cannot start.
 */
struct jv_http_sched *jv_http_sched_new(int max_in_flight);
/* Cancels what is still pending (on_done gets JV_ERR_CANCELLED), then frees. */
void jv_http_sched_free(struct jv_http_sched *s);
/* Backoff base and cap in seconds (defaults 0.5 and 30). */
void jv_http_sched_set_backoff(struct jv_http_sched *s, double base_s, double cap_s);

/*
 * Calls fn(user) from the next jv_http_sched_run() (counts as pending until
 * then, and as a completion). For callers that must report asynchronously
 * without a transfer, e.g. an answer already known.
 */
void jv_http_sched_defer(struct jv_http_sched *s, void (*fn)(void *user), void *user);

/*
 * Calls fn(user, now) from jv_http_sched_run() every `interval_s` seconds
 * (first after one interval) until jv_http_sched_remove_timer() with the id
 * returned (> 0). A timer does not count as pending: it fires only while
 * someone drives the scheduler. fn may submit requests.
 */
unsigned jv_http_sched_add_timer(struct jv_http_sched *s, double interval_s,
                                 void (*fn)(void *user, double now), void *user);
void jv_http_sched_remove_timer(struct jv_http_sched *s, unsigned id);

/* Takes `req`. It starts when a slot is free (FIFO). */
void jv_http_sched_submit(struct jv_http_sched *s, struct jv_http_request *req);

/* Requests submitted and not yet done (running, waiting or backing off), and deferred calls. */
size_t jv_http_sched_pending(const struct jv_http_sched *s);
size_t jv_http_sched_running(const struct jv_http_sched *s);

/*
 * Drives transfers for at most `timeout_ms` (negative: no limit) or until at
 * least one request is done (its on_done called) or nothing is pending,
 * calling callbacks. 0 makes one pass without waiting. Returns the number
 * of requests still pending.
 */
size_t jv_http_sched_run(struct jv_http_sched *s, int timeout_ms);

/*
 * Stops every pending request: running transfers, queued and backing-off
 * ones; each on_done gets JV_ERR_CANCELLED. Outside callbacks this happens
 * before the call returns; inside a callback, right after it returns.
 * Requests submitted afterwards run normally.
 */
void jv_http_sched_cancel_all(struct jv_http_sched *s);

/*
 * Counters {requests, attempts, retries, succeeded, errors, cancelled,
 * timeouts, max_running, connections} (new reference); connections = new
 * connections opened (the rest reused kept-alive ones).
 */
json_t *jv_http_sched_stats(const struct jv_http_sched *s);

/*
 * Simple blocking GET for small replies (health checks, /metrics scrape):
 * returns the body (owned, NUL-terminated) of any HTTP reply, whatever its
 * status, and stores the status in *status (may be NULL); returns NULL with
 * err on a transport error or a body above `max_bytes`. No retries.
 */
char *jv_http_get(const char *url, double timeout_s, size_t max_bytes, long *status, GError **err);
/* jv_http_get() with `Authorization: Bearer api_key` (none when api_key is NULL or empty). */
char *jv_http_get_auth(const char *url, const char *api_key, double timeout_s, size_t max_bytes,
                       long *status, GError **err);

/* True when `url` starts with http:// or https:// (any case): the only schemes fetched. */
bool jv_http_url_scheme_ok(const char *url);

#endif
