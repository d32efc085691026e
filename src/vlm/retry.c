/* retry.c - the ask-again-once rule after an unusable reply. */
#include "core/jv.h"

#include <math.h>

#include "vlm/retry.h"

bool jv_vlm_retry_allowed(int request_no)
{
    return request_no < JV_VLM_REQUESTS_MAX;
}

struct jv_vlm_sampling jv_vlm_retry_sampling(struct jv_vlm_sampling first, int request_no,
                                             double token_factor)
{
    if (request_no <= 1)
        return first;
    struct jv_vlm_sampling retry = {
        .max_tokens = (int)ceil(first.max_tokens * token_factor),
        .temperature = 0.0,
    };
    return retry;
}
