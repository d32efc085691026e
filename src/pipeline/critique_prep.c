/* critique_prep.c - the pipeline's side of Stage 2: prompt texts, job set-up, award, figures. */
#include "core/jv.h"

#include "input/compliance.h"
#include "input/registry.h"
#include "pipeline/critique_prep.h"

char *jv_critique_prep_rules(const struct jv_competition *c)
{
    if (!c || !c->rules)
        return NULL;
    GString *out = g_string_new(NULL);
    const char *k;
    json_t *v;
    json_object_foreach(c->rules, k, v)
    {
        char *val = json_is_string(v) ? g_strdup(json_string_value(v))
                                      : json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
        g_string_append_printf(out, "%s%s: %s", out->len ? "; " : "", k, val);
        if (json_is_string(v))
            g_free(val);
        else
            free(val);
    }
    return g_string_free(out, FALSE);
}

char *jv_critique_prep_notes(const struct jv_competition *c, const char *critique_notes)
{
    const char *a = c && c->notes ? c->notes : NULL;
    const char *b = critique_notes;
    if (a && b) {
        char *trimmed = g_strstrip(g_strdup(a));
        char *both = g_strdup_printf("%s\n%s", trimmed, b);
        g_free(trimmed);
        return both;
    }
    return g_strdup(a ? a : b);
}

void jv_critique_prep_job(struct jv_job *job, const char *notes, const char *rules,
                          jv_critique_done_fn done, void *user)
{
    const struct jv_iqa_item *it = &job->iqa;
    g_free(job->compliance_text);
    job->compliance_text = jv_compliance_summary(it->compliance);
    job->critique = (struct jv_critique_job){
        .image_path = it->path,
        .content_hash = it->content_hash,
        .title = it->title,
        .category = it->category,
        .caption = NULL,
        .competition_notes = notes,
        .rules = rules,
        .compliance = job->compliance_text,
        .metrics = json_object_get(it->signals, "metrics"),
        .tonal_summary = json_string_value(json_object_get(it->signals, "tonal_summary")),
        .done = done,
        .user = user,
    };
}

int jv_critique_prep_total(const struct jv_competition *c, const struct jv_critique_result *res)
{
    if (!res->has_total)
        return -1;
    bool default_scale = !c || (c->scale_min == JV_SCALE_MIN_DEFAULT &&
                                c->scale_max == JV_SCALE_MAX_DEFAULT && c->scale_step == 1);
    return default_scale ? res->total : jv_competition_snap_score(c, res->score_raw);
}

const char *jv_critique_prep_award(const struct jv_competition *c,
                                   const struct jv_critique_result *res)
{
    if (!c || !res->has_total)
        return NULL;
    return jv_competition_award_for(c, jv_critique_prep_total(c, res));
}

json_t *jv_critique_prep_stats(const struct jv_critique_engine *e, const struct jv_http_pool *pool)
{
    json_t *st = jv_critique_engine_stats(e);
    json_object_set_new(st, "endpoints", jv_http_pool_stats(pool));
    /* The share of replies cut at max_tokens: the figure that says whether the limit fits. */
    json_int_t requests = json_integer_value(json_object_get(st, "requests"));
    json_int_t truncated = json_integer_value(json_object_get(st, "truncated"));
    json_object_set_new(st, "truncated_share",
                        requests > 0 ? json_real((double)truncated / (double)requests)
                                     : json_null());
    return st;
}
