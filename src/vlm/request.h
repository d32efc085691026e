/*
 * request.h - a chat-completions request of the OpenAI API as Judge Vision
 * sends it (the critique's and the playoff's alike): the server settings,
 * the body, and the request on the HTTP scheduler (net/http.h).
 *
 * The body, compact JSON with its keys in this order:
 *   {"model", "messages": [{"role": "system", "content": system},
 *     {"role": "user", "content": [parts in the order given:
 *       {"type": "text", "text": ...} or
 *       {"type": "image_url", "image_url": {"url": ...}}]}],
 *    "max_tokens", "temperature",
 *    "top_p"                                     (only when has_top_p),
 *    "seed"                                      (only when has_seed),
 *    "stream",
 *    "stream_options": {"include_usage": true}   (only when stream),
 *    "response_format": {...}                    (only when structured)}
 * json_schema sends {"type": "json_schema", "json_schema": {"name":
 * schema_name, "strict": true, "schema": schema}}; json_object sends
 * {"type": "json_object"}.
 *
 * Ownership: struct jv_vlm_request borrows everything it points to; the
 * builders return a new JSON reference or an owned string (g_free).
 */
#ifndef JV_VLM_REQUEST_H
#define JV_VLM_REQUEST_H

#include <jansson.h>

#include "net/http.h"

/* Where chat requests go, after each endpoint's base URL. */
#define JV_VLM_CHAT_PATH "/chat/completions"

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
    int concurrency;  /* requests in flight; JV_CONCURRENCY_AUTO (0): found while running */
    int max_side;     /* downscale images above this many pixels before sending; 0 = never */
};

/* One part of the user message. */
enum jv_vlm_part_kind {
    JV_VLM_PART_TEXT,
    JV_VLM_PART_IMAGE_URL,
};

struct jv_vlm_part {
    enum jv_vlm_part_kind kind;
    const char
        *value; /* the text, or the URL ("data:<mime>;base64,..." or one the server fetches) */
};

/* Everything one chat request carries (all borrowed). */
struct jv_vlm_request {
    const char *model; /* NULL is sent as "" */
    const char *system;
    const struct jv_vlm_part *parts;
    size_t n_parts;
    int max_tokens;
    double temperature;
    bool has_top_p;
    double top_p;
    bool has_seed; /* sends "seed" (after top_p): a panel's judges sample apart */
    long long seed;
    bool stream; /* adds stream_options {"include_usage": true} */
    enum jv_structured_output structured;
    const char *schema_name; /* json_schema only */
    json_t *schema;          /* json_schema only; borrowed (the body takes its own reference) */
};

/* The body as JSON (new reference). */
json_t *jv_vlm_request_json(const struct jv_vlm_request *r);

/* The body as compact JSON text (owned, g_free). */
char *jv_vlm_request_body(const struct jv_vlm_request *r);

/*
 * A chat request for the scheduler: POST `body` (copied) to the pool's
 * endpoint + JV_VLM_CHAT_PATH with `api_key` (may be NULL; never logged) as
 * the bearer token, read as an event stream when `stream`. `timeout_s` <= 0
 * keeps the scheduler's default; `max_retries` are the transport retries.
 * Returns the request, not yet submitted: jv_http_sched_submit() takes it.
 */
struct jv_http_request *jv_vlm_http_request(struct jv_http_pool *pool, const char *body,
                                            bool stream, const char *api_key, double timeout_s,
                                            int max_retries, const struct jv_http_callbacks *cb,
                                            void *user);

#endif
