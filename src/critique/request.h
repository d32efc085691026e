/*
 * request.h - the body of a Stage 2 critique request (doc/SPEC.md 2.6), built with
 * the VLM client's body builder (vlm/request.h), and the JSON schema a
 * structured critique reply must follow.
 *
 * Ownership: the params borrow their strings; the functions return owned
 * text (g_free) or a new JSON reference.
 */
#ifndef JV_CRITIQUE_REQUEST_H
#define JV_CRITIQUE_REQUEST_H

#include <jansson.h>

#include "vlm/request.h"

/* Everything one critique request carries. All strings borrowed. */
struct jv_critique_request_params {
    const char *model;
    const char *system;    /* the profile's system text */
    const char *user_text; /* the rendered user template */
    const char *image_url; /* "data:<mime>;base64,..." (or any URL the server fetches) */
    int max_tokens;
    double temperature;
    double top_p;
    bool has_seed; /* sends "seed" */
    long long seed;
    bool stream; /* adds stream_options {"include_usage": true} */
    enum jv_structured_output structured;
};

/*
 * Returns the JSON request body (owned, g_free): the user message is the
 * text part then the image part (omitted when image_url is NULL); top_p is
 * always sent; json_schema asks for jv_critique_reply_schema() under the
 * name "critique". The key order is vlm/request.h's.
 */
char *jv_critique_request_body(const struct jv_critique_request_params *p);

/*
 * The JSON schema of a critique reply: {"title": string|null, "style": one of
 * the style labels, "critique": string, "score": integer 0..20}, all required
 * (new reference).
 */
json_t *jv_critique_reply_schema(void);

#endif
