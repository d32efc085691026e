#include "core/jv.h"

#include "critique/critique.h"
#include "vlm/request.h"

json_t *jv_critique_reply_schema(void)
{
    json_t *styles = json_array();
    for (const char *const *s = jv_critique_styles(); *s; s++)
        json_array_append_new(styles, json_string(*s));
    json_t *schema = json_pack(
        "{s:s, s:{s:{s:[{s:s}, {s:s}]}, s:{s:s, s:o}, s:{s:s}, s:{s:s, s:i, s:i}}, s:[s,s,s,s], "
        "s:b}",
        "type", "object", "properties", "title", "anyOf", "type", "string", "type", "null", "style",
        "type", "string", "enum", styles, "critique", "type", "string", "score", "type", "integer",
        "minimum", 0, "maximum", 20, "required", "title", "style", "critique", "score",
        "additionalProperties", 0);
    return schema;
}

char *jv_critique_request_body(const struct jv_critique_request_params *p)
{
    json_t *user_content = json_array();
    json_array_append_new(user_content,
                          json_pack("{s:s, s:s}", "type", "text", "text", p->user_text));
    if (p->image_url)
        json_array_append_new(user_content, json_pack("{s:s, s:{s:s}}", "type", "image_url",
                                                      "image_url", "url", p->image_url));
    json_t *messages = json_pack("[{s:s, s:s}, {s:s, s:o}]", "role", "system", "content", p->system,
                                 "role", "user", "content", user_content);
    json_t *body = json_object();
    json_object_set_new(body, "model", json_string(p->model));
    json_object_set_new(body, "messages", messages);
    json_object_set_new(body, "max_tokens", json_integer(p->max_tokens));
    json_object_set_new(body, "temperature", json_real(p->temperature));
    json_object_set_new(body, "top_p", json_real(p->top_p));
    json_object_set_new(body, "stream", json_boolean(p->stream));
    if (p->stream)
        json_object_set_new(body, "stream_options", json_pack("{s:b}", "include_usage", 1));
    if (p->structured == JV_STRUCTURED_JSON_SCHEMA)
        json_object_set_new(body, "response_format",
                            json_pack("{s:s, s:{s:s, s:b, s:o}}", "type", "json_schema",
                                      "json_schema", "name", "critique", "strict", 1, "schema",
                                      jv_critique_reply_schema()));
    else if (p->structured == JV_STRUCTURED_JSON_OBJECT)
        json_object_set_new(body, "response_format", json_pack("{s:s}", "type", "json_object"));
    char *dump = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    /* json_dumps allocates with malloc; hand back GLib memory. */
    char *out = g_strdup(dump);
    free(dump);
    return out;
}
