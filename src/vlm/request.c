/* request.c - chat-completions request bodies and requests on the HTTP scheduler. */
#include "core/jv.h"

#include "vlm/request.h"

static json_t *part_json(const struct jv_vlm_part *p)
{
    if (p->kind == JV_VLM_PART_IMAGE_URL)
        return json_pack("{s:s, s:{s:s}}", "type", "image_url", "image_url", "url", p->value);
    return json_pack("{s:s, s:s}", "type", "text", "text", p->value);
}

static json_t *response_format(const struct jv_vlm_request *r)
{
    if (r->structured == JV_STRUCTURED_JSON_SCHEMA) {
        json_t *schema = r->schema ? json_incref(r->schema) : json_object();
        return json_pack("{s:s, s:{s:s, s:b, s:o}}", "type", "json_schema", "json_schema", "name",
                         r->schema_name ? r->schema_name : "", "strict", 1, "schema", schema);
    }
    if (r->structured == JV_STRUCTURED_JSON_OBJECT)
        return json_pack("{s:s}", "type", "json_object");
    return NULL;
}

json_t *jv_vlm_request_json(const struct jv_vlm_request *r)
{
    json_t *parts = json_array();
    for (size_t i = 0; i < r->n_parts; i++)
        json_array_append_new(parts, part_json(&r->parts[i]));
    json_t *messages = json_pack("[{s:s, s:s}, {s:s, s:o}]", "role", "system", "content",
                                 r->system ? r->system : "", "role", "user", "content", parts);
    json_t *body = json_object();
    json_object_set_new(body, "model", json_string(r->model ? r->model : ""));
    json_object_set_new(body, "messages", messages);
    json_object_set_new(body, "max_tokens", json_integer(r->max_tokens));
    json_object_set_new(body, "temperature", json_real(r->temperature));
    if (r->has_top_p)
        json_object_set_new(body, "top_p", json_real(r->top_p));
    if (r->has_seed)
        json_object_set_new(body, "seed", json_integer((json_int_t)r->seed));
    json_object_set_new(body, "stream", json_boolean(r->stream));
    if (r->stream)
        json_object_set_new(body, "stream_options", json_pack("{s:b}", "include_usage", 1));
    json_t *format = response_format(r);
    if (format)
        json_object_set_new(body, "response_format", format);
    return body;
}

char *jv_vlm_request_body(const struct jv_vlm_request *r)
{
    json_t *body = jv_vlm_request_json(r);
    char *dump = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    /* json_dumps allocates with malloc; hand back GLib memory. */
    char *out = g_strdup(dump);
    free(dump);
    return out;
}

struct jv_http_request *jv_vlm_http_request(struct jv_http_pool *pool, const char *body,
                                            bool stream, const char *api_key, double timeout_s,
                                            int max_retries, const struct jv_http_callbacks *cb,
                                            void *user)
{
    struct jv_http_request *req =
        jv_http_request_new(pool, JV_VLM_CHAT_PATH, body, api_key, stream, cb, user);
    jv_http_request_set_timeout(req, timeout_s);
    jv_http_request_set_max_retries(req, max_retries);
    return req;
}
