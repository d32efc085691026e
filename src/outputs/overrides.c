/* overrides.c - the web page's edits applied for the summary and the exports. */
#include "core/jv.h"

#include "core/fsutil.h"
#include "core/limits.h"
#include "input/registry.h"
#include "outputs/layout.h"
#include "outputs/overrides.h"
#include "outputs/record.h"

json_t *jv_overrides_load(const char *results, GError **err)
{
    char *path = jv_layout_overrides_path(results);
    GError *e = NULL;
    size_t len = 0;
    char *text = jv_read_file(path, JV_LIMIT_OVERRIDES, &len, &e);
    json_t *out = NULL;
    if (!text) {
        if (g_error_matches(e, JV_ERROR, JV_ERR_NOT_FOUND))
            out = json_object();
        else
            g_propagate_error(err, e), e = NULL;
        g_clear_error(&e);
        g_free(path);
        return out;
    }
    json_error_t je;
    json_t *j = json_loadb(text, len, 0, &je);
    json_t *ov = json_object_get(j, "overrides");
    if (json_is_object(ov))
        out = json_incref(ov);
    else
        g_set_error(err, JV_ERROR, JV_ERR_PARSE, "%s: not an overrides file (%s)", path,
                    j ? "no \"overrides\" object" : je.text);
    json_decref(j);
    g_free(text);
    g_free(path);
    return out;
}

size_t jv_overrides_apply(json_t *records, const json_t *overrides, const struct jv_competition *c)
{
    size_t changed = 0, i;
    json_t *rec;
    json_array_foreach(records, i, rec)
    {
        const char *image = jv_record_str(rec, JV_REC_IMAGE);
        json_t *ov = image ? json_object_get(overrides, image) : NULL;
        if (!json_is_object(ov))
            continue;
        json_t *score = json_object_get(ov, "score");
        json_t *award = json_object_get(ov, "award");
        if (!json_is_integer(score) && !json_is_string(award))
            continue;
        /* An edit off the scale (the page knows 0-20 only) is brought onto it. */
        int s = !json_is_integer(score) ? 0
                : c ? jv_competition_snap_score(c, (double)json_integer_value(score))
                    : (int)CLAMP(json_integer_value(score), 0, JV_SCALE_MAX_DEFAULT);
        if (json_is_integer(score))
            jv_record_set_int(rec, JV_REC_CRITIQUE_TOTAL, s);
        if (json_is_string(award))
            jv_record_set_str(rec, JV_REC_CRITIQUE_AWARD, json_string_value(award));
        else if (c)
            jv_record_set_str(rec, JV_REC_CRITIQUE_AWARD, jv_competition_award_for(c, s));
        changed++;
    }
    return changed;
}
