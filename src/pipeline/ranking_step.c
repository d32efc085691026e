/* ranking_step.c - the final ranking, decider matches and the round's checks in a run. */
#include "core/jv.h"

#include "outputs/layout.h"

#include "core/log.h"
#include "input/registry.h"
#include "pipeline/ranking_step.h"
#include "pipeline/warnings.h"
#include "playoff/match_http.h"
#include "playoff/placing.h"

const char *const jv_default_placings[] = {"1st", "2nd", "3rd", NULL};

/* Says each warning on the terminal (and in the log) and keeps them in the manifest. */
static void report_warnings(json_t *warnings, struct jv_manifest *manifest)
{
    size_t i;
    json_t *w;
    json_array_foreach(warnings, i, w)
        jv_warn("check: %s", json_string_value(json_object_get(w, "message")));
    if (json_array_size(warnings) > 0)
        jv_info("%zu check(s) need a look before the results are read out (see the summary)",
                json_array_size(warnings));
    if (manifest)
        jv_manifest_set(manifest, "warnings", json_incref(warnings));
}

int jv_ranking_step_run(json_t *records, const struct jv_run_config *o,
                        const struct jv_competition *c, struct jv_http_sched *sched, bool deciders,
                        struct jv_manifest *manifest, GError **err)
{
    struct jv_http_sched *own = NULL;
    struct jv_http_pool *pool = NULL;
    struct jv_match_http mh;
    if (deciders) {
        if (!sched)
            sched = own = jv_http_sched_new(o->vlm.concurrency * 2 + 2);
        pool = jv_http_pool_new((const char *const *)o->vlm.base_urls);
        jv_match_http_init(&mh, sched, pool, o->vlm.api_key, o->vlm.model, o->vlm.timeout_s,
                           o->vlm.max_retries);
        mh.images.max_side = o->vlm.max_side;
    }
    char *log_path = jv_layout_matches_path(o->outputs.results);
    struct jv_placing_params p = {
        .placings = c ? (const char *const *)c->placings : jv_default_placings,
        .matches_log = log_path,
        .judge = deciders ? jv_match_http_judge(&mh) : NULL,
    };
    json_t *stats = NULL;
    int rc = jv_placing_rank(records, &p, &stats, err);
    if (rc == 0) {
        json_int_t n = json_integer_value(json_object_get(stats, "deciders"));
        if (n > 0)
            jv_info("ranking: %lld decider match(es) settled level entries at a placing",
                    (long long)n);
        if (manifest)
            jv_manifest_set(manifest, "ranking", json_incref(stats));
        json_t *warnings = jv_warnings_check(records, c, (const char *const *)o->input_dirs);
        report_warnings(warnings, manifest);
        json_decref(warnings);
    }
    json_decref(stats);
    g_free(log_path);
    if (deciders) {
        jv_match_http_release(&mh);
        jv_http_pool_free(pool);
    }
    jv_http_sched_free(own);
    return rc;
}
