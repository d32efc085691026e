/*
 * compliance.c - Stage 0 checks (see compliance.h).
 */
#include "core/jv.h"

#include "input/compliance.h"
#include "input/registry.h"

static void add(json_t *arr, char *msg)
{
    json_array_append_new(arr, json_string(msg));
    g_free(msg);
}

json_t *jv_compliance_check(int width, int height, const struct jv_competition *c,
                            const char *decode_error)
{
    json_t *issues = json_array();
    json_t *warnings = json_array();
    bool readable = decode_error == NULL;

    if (!readable) {
        /* Decoder messages may carry bytes of a file name; keep JSON valid. */
        char *reason = g_utf8_make_valid(decode_error, -1);
        add(issues, g_strdup_printf("unreadable image: %s", reason));
        g_free(reason);
    } else if (c) {
        if (c->max_width > 0 && width > c->max_width)
            add(issues,
                g_strdup_printf("width %d px exceeds the maximum of %d px", width, c->max_width));
        if (c->max_height > 0 && height > c->max_height)
            add(issues, g_strdup_printf("height %d px exceeds the maximum of %d px", height,
                                        c->max_height));
        if (c->min_width > 0 && width < c->min_width)
            add(issues,
                g_strdup_printf("width %d px is below the minimum of %d px", width, c->min_width));
        if (c->min_height > 0 && height < c->min_height)
            add(issues, g_strdup_printf("height %d px is below the minimum of %d px", height,
                                        c->min_height));
    }
    /* The policies cannot be checked from pixels, so the judge is reminded. */
    if (c && c->borders)
        add(warnings, g_strdup_printf("borders: %s", c->borders));
    if (c && c->manipulation)
        add(warnings, g_strdup_printf("manipulation: %s", c->manipulation));
    if (c && c->has_watermark_rule)
        add(warnings,
            g_strdup(c->watermark_allowed ? "watermarks: allowed" : "watermarks: not allowed"));

    return json_pack("{s:b, s:o, s:o, s:{s:{s:o, s:o}}}", "passed", json_array_size(issues) == 0,
                     "issues", issues, "warnings", warnings, "checks", "resolution", "width",
                     readable ? json_integer(width) : json_null(), "height",
                     readable ? json_integer(height) : json_null());
}

char *jv_compliance_summary(const json_t *compliance)
{
    const json_t *res = json_object_get(json_object_get(compliance, "checks"), "resolution");
    const json_t *w = json_object_get(res, "width"), *h = json_object_get(res, "height");
    GString *s = g_string_new(NULL);
    if (json_is_true(json_object_get(compliance, "passed"))) {
        g_string_append(s, "passed");
    } else {
        g_string_append(s, "failed: ");
        size_t i;
        json_t *v;
        json_array_foreach(json_object_get(compliance, "issues"), i, v)
        {
            g_string_append_printf(s, "%s%s", i ? "; " : "", json_string_value(v));
        }
    }
    if (json_is_integer(w) && json_is_integer(h))
        g_string_append_printf(s, " (%" JSON_INTEGER_FORMAT "x%" JSON_INTEGER_FORMAT ")",
                               json_integer_value(w), json_integer_value(h));
    return g_string_free(s, FALSE);
}
