/*
 * retry.h - the one rule for asking again after an unusable reply.
 *
 * A reply that is usable at the transport level but not as an answer (cut at
 * the token limit, or text the caller cannot parse) is asked again once,
 * deterministically: temperature 0, and ceil(max_tokens * token_factor)
 * tokens so a cut reply has room to finish. The second request is final.
 * Each caller keeps its own factor (the critique 1.5, the playoff 1: its
 * short answer is never cut). Transport retries are the scheduler's, not
 * this rule's.
 */
#ifndef JV_VLM_RETRY_H
#define JV_VLM_RETRY_H

#include <stdbool.h>

/* Requests per question: the first and the one retry. */
#define JV_VLM_REQUESTS_MAX 2

/* The sampling settings a request is sent with. */
struct jv_vlm_sampling {
    int max_tokens;
    double temperature;
};

/* True when request number `request_no` (1 = the first) may still be asked again. */
bool jv_vlm_retry_allowed(int request_no);

/*
 * The sampling of request number `request_no` for a question whose first
 * request is sent with `first`: `first` itself for request 1, the retry's
 * (temperature 0, ceil(first.max_tokens * token_factor)) after it.
 */
struct jv_vlm_sampling jv_vlm_retry_sampling(struct jv_vlm_sampling first, int request_no,
                                             double token_factor);

#endif
