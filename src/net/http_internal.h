/*
 * http_internal.h - the pure decision functions of the HTTP scheduler,
 * exposed for unit tests only (not part of the API other modules use).
 */
#ifndef JV_HTTP_INTERNAL_H
#define JV_HTTP_INTERNAL_H

#include <time.h>

#include "net/http.h"

/*
 * Backoff before retry number `retry` (1 = first retry): "full jitter",
 * u * min(cap_s, base_s * 2^(retry-1)) for u uniform in [0, 1).
 */
double jv_http_backoff(int retry, double base_s, double cap_s, double u);

/*
 * A Retry-After header value in seconds from `now`: delta-seconds or an
 * HTTP date (a date in the past gives 0). Returns -1 for anything else.
 */
double jv_http_retry_after_parse(const char *value, time_t now);

/*
 * The delay before a retry: the backoff, or the server's Retry-After
 * (`retry_after_s`, < 0 when none) when that is longer, capped at 300 s and
 * at the request's per-attempt timeout `timeout_s`.
 */
double jv_http_retry_delay(double backoff_s, double retry_after_s, double timeout_s);

/*
 * The server's error message in an error reply body: OpenAI's
 * {"error": {"message": ...}}, the flat {"error": "msg"}, {"detail": ...}
 * (FastAPI, also as a list or object), {"message": ...}; else the body text
 * itself when it is short printable text. Control characters become spaces,
 * long messages are cut. Returns owned or NULL when there is nothing useful.
 */
char *jv_http_error_detail(const char *body, size_t len);

/* `url` without user, password, query and fragment (owned). */
char *jv_http_redact_url(const char *url);

/*
 * Endpoint choice at monotonic time `now`: among endpoints not resting, the
 * fewest in flight (ties: fewer requests so far, then lower index), avoiding
 * endpoint `avoid` (-1: none) when another is available; if all are resting,
 * the one that failed least recently.
 */
int jv_http_pool_pick(struct jv_http_pool *pool, double now, int avoid);

/* Records an attempt's outcome for endpoint `i` (rests it after repeated failures). */
void jv_http_pool_record(struct jv_http_pool *pool, int i, bool failed, double now);
bool jv_http_pool_resting(const struct jv_http_pool *pool, int i, double now);
/* Counts an attempt starting (+1) or ending (-1) on endpoint `i`. */
void jv_http_pool_inflight(struct jv_http_pool *pool, int i, int delta);

#endif
