/* request.c - the critique's chat request body and its reply schema. */
#include "core/jv.h"

#include "critique/critique.h"
#include "critique/request.h"

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
    const struct jv_vlm_part parts[] = {
        {JV_VLM_PART_TEXT, p->user_text},
        {JV_VLM_PART_IMAGE_URL, p->image_url},
    };
    json_t *schema = p->structured == JV_STRUCTURED_JSON_SCHEMA ? jv_critique_reply_schema() : NULL;
    struct jv_vlm_request r = {
        .model = p->model,
        .system = p->system,
        .parts = parts,
        .n_parts = p->image_url ? 2 : 1,
        .max_tokens = p->max_tokens,
        .temperature = p->temperature,
        .has_top_p = true,
        .top_p = p->top_p,
        .has_seed = p->has_seed,
        .seed = p->seed,
        .stream = p->stream,
        .structured = p->structured,
        .schema_name = "critique",
        .schema = schema,
    };
    char *body = jv_vlm_request_body(&r);
    json_decref(schema);
    return body;
}
