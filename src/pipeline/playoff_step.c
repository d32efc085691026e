/* playoff_step.c - Stage 3 in a run: the playoff over the results, its progress and figures. */
#include "core/jv.h"

#include "outputs/layout.h"

#include "core/clock.h"
#include "core/log.h"
#include "core/stats.h"
#include "critique/prompt.h"
#include "input/registry.h"
#include "outputs/record.h"
#include "pipeline/concurrency.h"
#include "pipeline/playoff_step.h"
#include "playoff/eig.h"
#include "playoff/match_http.h"
#include "playoff/playoff.h"

struct ctx {
    const volatile sig_atomic_t *stop;
    struct jv_progress *progress;
    const struct jv_competition *competition;
    GHashTable *per_category; /* category -> size_t[2] {done, total} */
};

/*
 * The playoff's progress: a message goes to the log and the progress file;
 * a match count updates the category's figures and the pairwise totals over
 * all categories seen so far.
 */
static void on_progress(void *user, const char *category, size_t done, size_t total,
                        const char *message)
{
    struct ctx *c = user;
    char *msg = message ? g_strdup_printf("%s: %s", category, message)
                        : g_strdup_printf("%s: match %zu of %zu", category, done, total);
    if (message)
        jv_info("playoff %s", msg);
    if (c->progress && !message) {
        /* Totals grow as categories start (Swiss rounds are scheduled as they go). */
        size_t *dt = g_hash_table_lookup(c->per_category, category);
        if (!dt) {
            dt = g_new0(size_t, 2);
            g_hash_table_insert(c->per_category, g_strdup(category), dt);
        }
        if (dt[0] == done && dt[1] == total) {
            g_free(msg);
            return; /* nothing new (a category's closing report) */
        }
        dt[0] = done;
        dt[1] = total;
        size_t all_done = 0, all_total = 0;
        GHashTableIter it;
        gpointer k, v;
        g_hash_table_iter_init(&it, c->per_category);
        while (g_hash_table_iter_next(&it, &k, &v)) {
            all_done += ((size_t *)v)[0];
            all_total += ((size_t *)v)[1];
        }
        c->progress->total[JV_PROG_PLAYOFF] = all_total;
        c->progress->done[JV_PROG_PLAYOFF] = all_done > 0 ? all_done - 1 : 0;
        jv_progress_step(c->progress, JV_PROG_PLAYOFF, category, msg);
    } else if (c->progress) {
        g_free(c->progress->message);
        c->progress->message = g_strdup(msg);
        jv_progress_write(c->progress);
    }
    g_free(msg);
}

static char *award_for(void *user, int score)
{
    struct ctx *c = user;
    if (!c->competition)
        return NULL;
    return g_strdup(jv_competition_award_for(c->competition, score));
}

static bool cancelled(void *user)
{
    const struct ctx *c = user;
    return c->stop && *c->stop != 0;
}

/* The pairwise stage's per-image durations into the manifest, with the playoff's figures. */
static void record_manifest(struct jv_manifest *manifest, const json_t *records, double t0,
                            double t1, json_t *stats)
{
    struct jv_stats per;
    jv_stats_init(&per);
    size_t i;
    json_t *rec;
    json_array_foreach(records, i, rec)
    {
        double d;
        if (jv_record_num(rec, JV_REC_STAGE3_DURATION_SECONDS, &d) &&
            jv_record_int(rec, JV_REC_PAIRWISE_COMPARISONS, 0) > 0)
            jv_stats_add(&per, d);
    }
    jv_manifest_stage(manifest, "pairwise", t0, t1, &per);
    jv_stats_release(&per);
    jv_manifest_set(manifest, "pairwise", stats ? json_incref(stats) : json_null());
    jv_manifest_write(manifest);
}

static bool other_scale(const struct jv_competition *c)
{
    return c && (c->scale_min != JV_SCALE_MIN_DEFAULT || c->scale_max != JV_SCALE_MAX_DEFAULT ||
                 c->scale_step != 1);
}

/*
 * On a scale other than 0-20 (doc/SPEC.md 2.3) the adjustment's 0-20 rule is
 * brought back onto the scale: the adjusted totals are clamped and snapped to
 * it and their awards taken again from the bands.
 */
static void onto_scale(json_t *records, const struct jv_competition *c)
{
    size_t i;
    json_t *rec;
    json_array_foreach(records, i, rec)
    {
        double v;
        if (!jv_record_num(rec, JV_REC_CRITIQUE_TOTAL, &v))
            continue;
        int s = jv_competition_snap_score(c, v);
        jv_record_set_int(rec, JV_REC_CRITIQUE_TOTAL, s);
        jv_record_set_str(rec, JV_REC_CRITIQUE_AWARD, jv_competition_award_for(c, s));
    }
}

/*
 * Runs the playoff over `records` with the run's settings: an HTTP match
 * judge on `sched` (or a scheduler of its own), progress per category, the
 * figures in the manifest. Returns 0 or -1 with err.
 */
int jv_playoff_step_run(json_t *records, const struct jv_run_config *o,
                        const struct jv_competition *c, struct jv_http_sched *sched,
                        struct jv_capacity *cap, const volatile sig_atomic_t *stop,
                        struct jv_progress *progress, struct jv_manifest *manifest,
                        json_t **playoff_out, GError **err)
{
    struct ctx cx = {.stop = stop, .progress = progress, .competition = c};
    cx.per_category = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    struct jv_http_sched *own = NULL;
    if (!sched)
        sched = own = jv_http_sched_new(jv_run_sched_slots(o));
    struct jv_http_pool *pool = jv_http_pool_new((const char *const *)o->vlm.base_urls);
    /* --stage pairwise alone: the playoff finds the server's capacity itself */
    struct jv_run_concurrency own_conc = {0};
    if (!cap && o->vlm.concurrency == JV_CONCURRENCY_AUTO) {
        jv_run_concurrency_start(&own_conc, o, sched, pool);
        cap = own_conc.cap;
    }
    bool automatic = cap && jv_capacity_mode(cap) != JV_CAPACITY_FIXED;
    if (automatic) {
        jv_capacity_new_phase(cap, "playoff", jv_clock_mono());
        jv_http_pool_set_capacity(pool, cap);
    }
    struct jv_match_http mh;
    jv_match_http_init(&mh, sched, pool, o->vlm.api_key, o->vlm.model, o->vlm.timeout_s,
                       o->vlm.max_retries);
    mh.cancelled = cancelled;
    mh.cancel_user = &cx;
    mh.images.max_side = o->vlm.max_side;
    char *log_path = jv_layout_matches_path(o->outputs.results);
    char *prompt_sha = jv_match_prompt_sha256();
    struct jv_playoff_params p = {
        /* the default threshold (17 of 20) read on the competition's scale */
        .threshold = other_scale(c) && o->playoff.threshold == JV_PLAYOFF_THRESHOLD_DEFAULT
                         ? jv_prompt_scale_point(o->playoff.threshold, c->scale_min, c->scale_max,
                                                 c->scale_step)
                         : o->playoff.threshold,
        .rounds = o->playoff.rounds,
        .competition_rounds = c ? c->playoff_rounds : 0,
        .seed = o->playoff.seed,
        .schedule = o->playoff.schedule,
        /* a round of the eig schedule is as many requests as the server takes at once */
        .per_round = MIN(automatic ? jv_capacity_limit(cap) : o->vlm.concurrency, JV_EIG_PER_ROUND),
        .no_podium = !o->playoff.podium,
        .matches_log = log_path,
        .model = o->vlm.model,
        .prompt_sha256 = prompt_sha,
        .judge = jv_match_http_judge(&mh),
        .progress = on_progress,
        .award_for = award_for,
        .user = &cx,
    };
    if (progress) {
        jv_progress_set_total(progress, JV_PROG_PLAYOFF, 0);
        jv_progress_phase(progress, "pairwise", "running", "head-to-head playoff");
    }
    jv_log_event(JV_LOG_INFO, "stage_start", json_pack("{s:s}", "stage", "pairwise"));
    double t0 = jv_clock_wall();
    json_t *stats = NULL;
    int rc = jv_playoff_run(records, &p, &stats, err);
    if (other_scale(c))
        onto_scale(records, c);
    double t1 = jv_clock_wall();
    jv_log_event(JV_LOG_INFO, "stage_end",
                 json_pack("{s:s,s:O?}", "stage", "pairwise", "figures", stats));
    if (manifest && own_conc.cap)
        jv_manifest_set(manifest, "concurrency", jv_run_concurrency_json(own_conc.cap, NULL));
    if (manifest)
        record_manifest(manifest, records, t0, t1, stats);
    if (playoff_out)
        *playoff_out = stats ? json_incref(stats) : NULL;
    json_decref(stats);
    g_free(log_path);
    g_free(prompt_sha);
    g_hash_table_destroy(cx.per_category);
    jv_match_http_release(&mh);
    jv_http_pool_set_capacity(pool, NULL);
    jv_http_pool_free(pool);
    jv_run_concurrency_stop_probe(&own_conc);
    jv_http_sched_free(own);
    jv_run_concurrency_release(&own_conc);
    return rc;
}
