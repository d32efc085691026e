/*
 * request.h - the body of a Stage 2 chat-completions request (SPEC 2.6); the
 * image as a data: URL is image/encode.h's.
 */
#ifndef JV_REQUEST_H
#define JV_REQUEST_H

#include <jansson.h>

enum jv_structured_output {
    JV_STRUCTURED_NONE = 0,
    JV_STRUCTURED_JSON_SCHEMA,
    JV_STRUCTURED_JSON_OBJECT,
};

/*
 * The VLM server a run talks to, shared by the critique and the playoff.
 * Strings and the NULL-terminated base_urls are owned by whoever fills the
 * struct (the run config releases its own).
 */
struct jv_vlm_config {
    char *backend;    /* vllm|ollama|llamacpp|openai */
    char **base_urls; /* one or more API bases, e.g. http://127.0.0.1:8000/v1 */
    char *api_key;    /* never logged or written; may be NULL */
    char *model;
    double timeout_s; /* per request */
    int max_retries;  /* transport retries (errors, 429, 5xx) */
    int concurrency;  /* requests in flight */
    int max_side;     /* downscale images above this many pixels before sending; 0 = never */
};

/* Everything one critique request carries. All strings borrowed. */
struct jv_critique_request_params {
    const char *model;
    const char *system;    /* the profile's system text */
    const char *user_text; /* the rendered user template */
    const char *image_url; /* "data:<mime>;base64,..." (or any URL the server fetches) */
    int max_tokens;
    double temperature;
    double top_p;
    bool stream; /* adds stream_options {"include_usage": true} */
    enum jv_structured_output structured;
};

/*
 * Returns the JSON request body (owned, g_free):
 *   {"model", "messages": [{"role": "system", "content": system},
 *     {"role": "user", "content": [{"type": "text", "text": user_text},
 *       {"type": "image_url", "image_url": {"url": image_url}}]}],
 *    "max_tokens", "temperature", "top_p", "stream",
 *    "stream_options": {"include_usage": true}   (only when stream),
 *    "response_format": {...}                    (only when structured)}
 * json_schema asks for jv_critique_reply_schema(); json_object for
 * {"type": "json_object"}.
 */
char *jv_critique_request_body(const struct jv_critique_request_params *p);

/*
 * The JSON schema of a critique reply: {"title": string|null, "style": one of
 * the style labels, "critique": string, "score": integer 0..20}, all required
 * (new reference).
 */
json_t *jv_critique_reply_schema(void);

#endif
