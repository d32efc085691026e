/* pipeline.c - one judging run: Stages 0-2 on one loop, then the playoff and the outputs. */
#include "core/jv.h"

#include "outputs/layout.h"

#include "core/clock.h"
#include "core/fsutil.h"
#include "core/log.h"
#include "core/stats.h"
#include "critique/engine.h"
#include "critique/prompt.h"
#include "input/discover.h"
#include "input/entries.h"
#include "input/registry.h"
#include "iqa/cache.h"
#include "iqa/service.h"
#include "iqa/stage.h"
#include "net/http.h"
#include "outputs/manifest.h"
#include "outputs/progress.h"
#include "outputs/record.h"
#include "outputs/results.h"
#include "outputs/round.h"
#include "outputs/summary.h"
#include "pipeline/checks.h"
#include "pipeline/concurrency.h"
#include "pipeline/critique_prep.h"
#include "pipeline/entrant.h"
#include "pipeline/trust.h"
#include "pipeline/failures.h"
#include "pipeline/pipeline.h"
#include "pipeline/playoff_step.h"
#include "pipeline/ranking_step.h"
#include "pipeline/record.h"
#include "telemetry/telemetry.h"

struct run {
    const struct jv_pipeline_ctx *ctx;
    const struct jv_run_config *o;
    struct jv_pipeline_outcome *out;
    struct jv_competition *competition;
    struct jv_entry_list *entries; /* --entries, nullable */
    GPtrArray *paths;              /* discovered (not with --stage pairwise) */
    json_t *records;               /* --stage pairwise: the results being ranked */
    struct jv_manifest manifest;
    struct jv_progress progress;
    struct jv_iqa_cache *cache;
    struct jv_results results;
    bool results_open;
    struct jv_round_lock lock; /* held for the whole run */
    struct jv_iqa_stage iqa;
    bool iqa_started;
    struct jv_http_sched *sched;
    struct jv_iqa_service *service;
    char *service_down;       /* why the IQA service is not used, nullable */
    struct jv_prompt *prompt; /* Stage 2 */
    struct jv_http_pool *pool;
    struct jv_critique_engine *engine;
    struct jv_run_concurrency conc; /* the VLM server's in-flight limit (Stage 2, playoff) */
    struct jv_trust trust;          /* the panel and calibration (pipeline/trust.h) */
    char *notes, *rules;            /* the prompt's competition notes and rules */
    struct jv_telemetry *telemetry;
    struct jv_record_context rctx;
    bool critique;     /* this run has Stage 2 */
    bool playoff_only; /* --stage pairwise */

    size_t next;        /* next path to hand to the IQA workers */
    size_t iqa_out;     /* jobs given to workers and not yet back */
    size_t service_out; /* jobs waiting for the IQA service */
    GQueue ready;       /* Stage 0-1 done, waiting for Stage 2 */
    size_t crit_out;    /* jobs handed to the engine and not yet back */
    size_t iqa_done, crit_done;
    size_t failed, resumed, processed;
    size_t ok_kept; /* failed attempts that left an earlier ok record in place */
    struct jv_stats iqa_s, crit_s;
    double iqa_t0, iqa_t1, crit_t0, crit_t1;
    bool stopping;

    /* Failing fast (doc/SPEC.md 5). */
    struct jv_failures failures;
    char *give_up;     /* why the run stops before its end (then it fails) */
    bool write_failed; /* the results file refused a write: nothing more is written */
    bool abandoned;    /* the requests in flight were cancelled */
    bool in_playoff;   /* the playoff has started */
};

static bool stop_requested(const struct run *r)
{
    return r->ctx->stop && *r->ctx->stop != 0;
}

/* A second stop signal: abandon the requests in flight. */
static bool stop_insisted(const struct run *r)
{
    return r->ctx->signals && *r->ctx->signals >= 2;
}

/* The run will stop as soon as what is in flight is back, and then fail with `why`. */
static void give_up(struct run *r, char *why)
{
    if (r->give_up)
        g_free(why);
    else
        r->give_up = why;
}

/*
 * Appends the image's record. False (logged) when it was not written: then
 * the run stops, and no later record is written either, so that nothing is
 * counted that is not on disk.
 */
static bool write_record(struct run *r, const struct jv_job *job, const json_t *rec)
{
    GError *err = NULL;
    if (r->write_failed)
        return false;
    if (jv_results_append(&r->results, rec, &err) == 0)
        return true;
    jv_error("%s: its record was not written: %s", job->iqa.path_utf8, err->message);
    jv_log_event(JV_LOG_ERROR, "record_not_written",
                 json_pack("{s:s,s:s,s:s}", "image", job->iqa.path_utf8, "results",
                           r->o->outputs.results, "error", err->message));
    r->write_failed = true;
    give_up(r, g_strdup_printf("stopped: the results could not be written: %s", err->message));
    g_error_free(err);
    return false;
}

/*
 * A failed image (error non-NULL) or an ok one. The same kind of Stage 2
 * failure --max-consecutive-failures times in a row stops the run: a wrong
 * model or a dead server would fail every remaining photo the same way.
 */
static void note_outcome(struct run *r, const char *error, bool stage2)
{
    if (!error) {
        jv_failures_ok(&r->failures);
        return;
    }
    size_t streak = jv_failures_add(&r->failures, error, stage2);
    int max = r->o->max_consecutive_failures;
    if (max > 0 && streak >= (size_t)max)
        give_up(r, g_strdup_printf("stopped after %zu identical failures in a row "
                                   "(--max-consecutive-failures %d): %s",
                                   streak, max, error));
}

static void count_outcome(struct run *r, bool ok)
{
    r->processed++;
    if (!ok)
        r->failed++;
}

/* A failed attempt at an image with an ok record: counted failed, the ok record stays. */
static void note_ok_kept(struct run *r, const struct jv_job *job, const json_t *rec)
{
    const char *image = job->iqa.path_utf8;
    if (!jv_resume_index_has(jv_results_resume_index(&r->results), image))
        return;
    const char *why = jv_record_str(rec, JV_REC_ERROR);
    r->ok_kept++;
    jv_warn("%s: this attempt failed (%s); its earlier ok record is kept", image,
            why ? why : jv_record_str(rec, JV_REC_STATUS));
    jv_log_event(JV_LOG_WARN, "ok_record_kept",
                 json_pack("{s:s,s:s?}", "image", image, "error", why));
}

/* Stage 2 finished one image: its record is complete. */
static void on_critique_done(struct jv_critique_job *cj, const struct jv_critique_result *res,
                             void *user)
{
    struct run *r = user;
    struct jv_job *job = jv_job_of_critique(cj);
    r->crit_out--;
    if (res->cancelled) {
        /* Stopped by a signal: not a result; the next run redoes it. */
        jv_job_free(job);
        return;
    }
    if (jv_trust_is_anchor(&r->trust, job->index)) {
        /* An anchor: checked against its band, never a record of the round. */
        jv_trust_anchor_result(&r->trust, job->index, job->iqa.category, res, NULL);
        r->crit_done++;
        jv_progress_step(&r->progress, JV_PROG_CRITIQUE, NULL, NULL);
        jv_job_free(job);
        return;
    }
    json_t *rec = jv_record_build(job, res, jv_critique_prep_award(r->competition, res), &r->rctx);
    jv_trust_record(&r->trust, rec, r->competition);
    const char *status = jv_record_str(rec, JV_REC_STATUS);
    bool written = write_record(r, job, rec);
    if (written) {
        bool ok = jv_record_is_ok(rec);
        const char *error = ok ? NULL : res->error ? res->error : status ? status : "failed";
        count_outcome(r, ok);
        note_outcome(r, error, true);
        if (!ok)
            note_ok_kept(r, job, rec);
    }
    jv_stats_add(&r->crit_s, res->duration_s);
    r->crit_done++;
    r->crit_t1 = jv_clock_wall();
    char *base = g_path_get_basename(job->iqa.path_utf8);
    char *msg = written ? g_strdup_printf("%s: %s, score %s", base, status ? status : "?",
                                          res->has_total ? "set" : "none")
                        : g_strdup_printf("%s: the record could not be written", base);
    if (r->conc.cap)
        jv_progress_set_in_flight(&r->progress, (int)jv_critique_engine_in_flight(r->engine),
                                  jv_capacity_limit(r->conc.cap));
    jv_progress_step(&r->progress, JV_PROG_CRITIQUE, base, msg);
    jv_telemetry_image_done(r->telemetry, r->crit_done);
    g_free(msg);
    g_free(base);
    json_decref(rec);
    jv_job_free(job);
}

/* A resumed image: the previous run's record stands. */
static void resume_complete(struct run *r, struct jv_job *job, const char *base)
{
    const struct jv_iqa_item *it = &job->iqa;
    jv_results_take_resumable(&r->results, it->path_utf8, it->content_hash, r->rctx.prompt_sha256,
                              r->o->vlm.model);
    r->resumed++;
    count_outcome(r, true);
    jv_progress_step(&r->progress, JV_PROG_IQA, base, "resumed from the previous run");
    if (r->critique)
        jv_progress_step(&r->progress, JV_PROG_CRITIQUE, base, "resumed");
    jv_job_free(job);
}

/* An image Stage 0-1 could not read gets its record now; Stage 2 has nothing to judge. */
static void record_unreadable(struct run *r, struct jv_job *job)
{
    json_t *rec = jv_record_build(job, NULL, NULL, &r->rctx);
    if (write_record(r, job, rec)) {
        count_outcome(r, false);
        note_outcome(r, job->iqa.error, false);
    }
    json_decref(rec);
    r->crit_done++;
    jv_progress_step(&r->progress, JV_PROG_CRITIQUE, NULL, NULL);
    jv_job_free(job);
}

/* Stage 0-1 finished one image (after any IQA-service merge). */
static void iqa_complete(struct run *r, struct jv_job *job)
{
    struct jv_iqa_item *it = &job->iqa;
    jv_iqa_stage_finish(&r->iqa, it);
    r->iqa_done++;
    r->iqa_t1 = jv_clock_wall();
    char *base = g_path_get_basename(it->path_utf8);
    if (it->resumed) {
        resume_complete(r, job, base);
        g_free(base);
        return;
    }
    jv_entrant_resolve(job, r->entries, r->competition, r->o->iqa.category_override);
    jv_stats_add(&r->iqa_s, it->stage1_s);
    jv_log_event(it->error ? JV_LOG_WARN : JV_LOG_INFO, "iqa_image",
                 json_pack("{s:s,s:f,s:b,s:s?}", "image", it->path_utf8, "seconds", it->stage1_s,
                           "cache_hit", it->cache_hit, "error", it->error));
    if (it->error)
        jv_warn("%s", it->error);
    char *msg = it->error
                    ? g_strdup_printf("%s failed: %s", base, it->error)
                    : g_strdup_printf("%s measured%s", base, it->cache_hit ? " (cached)" : "");
    jv_progress_step(&r->progress, JV_PROG_IQA, base, msg);
    g_free(msg);
    g_free(base);

    if (it->error && jv_trust_is_anchor(&r->trust, job->index)) {
        jv_trust_anchor_result(&r->trust, job->index, it->category, NULL, it->error);
        r->crit_done++;
        jv_progress_step(&r->progress, JV_PROG_CRITIQUE, NULL, NULL);
        jv_job_free(job);
    } else if (!r->critique) {
        count_outcome(r, !it->error);
        if (it->error)
            note_outcome(r, it->error, false);
        jv_job_free(job);
    } else if (it->error) {
        record_unreadable(r, job);
    } else {
        g_queue_push_tail(&r->ready, job);
    }
}

struct service_call {
    struct run *r;
    struct jv_job *job;
};

/* The IQA service answered (or failed): merge NIMA/MUSIQ and complete Stage 1. */
static void on_service_done(json_t *metrics, const char *note, void *user)
{
    struct service_call *call = user;
    struct run *r = call->r;
    struct jv_job *job = call->job;
    g_free(call);
    r->service_out--;
    jv_iqa_neural_filter(&r->iqa.neural, metrics); /* native figures stand */
    jv_iqa_item_merge_service(&job->iqa, metrics, note);
    if (note)
        jv_log_event(JV_LOG_WARN, "iqa_service_note",
                     json_pack("{s:s,s:s}", "image", job->iqa.path_utf8, "note", note));
    json_decref(metrics);
    iqa_complete(r, job);
}

/* A worker handed back an item: ask the IQA service if wanted, else complete it. */
static void iqa_returned(struct run *r, struct jv_iqa_item *it)
{
    struct jv_job *job = jv_job_of_item(it);
    r->iqa_out--;
    if (r->stopping) {
        /* Stopping: keep what was measured (the cache), record nothing unfinished. */
        if (!it->error)
            jv_iqa_stage_finish(&r->iqa, it);
        jv_job_free(job);
        return;
    }
    if (!r->service || !jv_iqa_stage_wants_service(&r->iqa, it)) {
        iqa_complete(r, job);
        return;
    }
    struct service_call *call = g_new0(struct service_call, 1);
    call->r = r;
    call->job = job;
    r->service_out++;
    const struct jv_iqa_neural *n = &r->iqa.neural;
    jv_iqa_service_submit(
        r->service, r->sched, it->path, jv_iqa_neural_group_has(n, JV_IQA_NIMA, JV_IQA_SRC_SERVICE),
        jv_iqa_neural_group_has(n, JV_IQA_MUSIQ, JV_IQA_SRC_SERVICE), on_service_done, call);
}

/* How many jobs may be between discovery and Stage 2 at once: keeps memory flat. */
static size_t window(const struct run *r)
{
    size_t w = (size_t)r->o->iqa.workers * 2 + 2;
    if (r->critique && r->conc.cap)
        w += (size_t)jv_capacity_limit(r->conc.cap) * 2;
    if (r->service)
        w += (size_t)jv_iqa_service_in_flight_limit(r->service);
    return w;
}

static bool two_pass_gate(const struct run *r)
{
    /* two-pass: Stage 2 starts only when every image has been measured. */
    return r->o->stage == JV_STAGE_TWO_PASS && r->iqa_done < r->paths->len;
}

static void feed(struct run *r)
{
    while (!r->stopping && r->next < r->paths->len &&
           (r->iqa_out + r->service_out + g_queue_get_length(&r->ready) < window(r) ||
            r->o->stage == JV_STAGE_TWO_PASS)) {
        if (r->o->stage == JV_STAGE_TWO_PASS && r->iqa_out >= window(r))
            break;
        struct jv_job *job = jv_job_new(r->next, g_ptr_array_index(r->paths, r->next));
        r->next++;
        r->iqa_out++;
        jv_iqa_stage_push(&r->iqa, &job->iqa);
    }
    if (r->engine && !g_queue_is_empty(&r->ready) && !two_pass_gate(r))
        jv_critique_engine_kick(r->engine);
}

/* The critique engine pulls the next measured image from here. */
static struct jv_critique_job *next_ready(void *user)
{
    struct run *r = user;
    if (r->stopping || two_pass_gate(r) || g_queue_is_empty(&r->ready))
        return NULL;
    if (r->crit_t0 == 0)
        r->crit_t0 = jv_clock_wall();
    struct jv_job *job = g_queue_pop_head(&r->ready);
    jv_critique_prep_job(job, r->notes, r->rules, on_critique_done, r);
    r->crit_out++;
    return &job->critique;
}

/* Stage 1's workers ask this (any thread): the index is read-only while the run lasts. */
static bool resume_lookup(const char *image, const char *content_hash, void *user)
{
    const struct run *r = user;
    return jv_resume_index_matches(jv_results_resume_index(&r->results), image, content_hash,
                                   r->rctx.prompt_sha256, r->o->vlm.model);
}

static bool busy(const struct run *r)
{
    if (r->stopping)
        return r->iqa_out > 0 || r->service_out > 0 ||
               (r->sched && jv_http_sched_pending(r->sched) > 0);
    return r->next < r->paths->len || r->iqa_out > 0 || r->service_out > 0 || r->ready.length > 0 ||
           r->crit_out > 0 || (r->engine && jv_critique_engine_pending(r->engine) > 0);
}

/*
 * The stop flag was seen, or the run gives up: start nothing new. After a
 * signal the requests in flight may finish (up to --timeout, or until a
 * second signal); a run that gives up abandons them at once.
 */
static double begin_stopping(struct run *r)
{
    r->stopping = true;
    jv_run_concurrency_stop_probe(&r->conc);
    jv_iqa_stage_stop(&r->iqa);
    jv_progress_finish_line(&r->progress);
    if (r->give_up) {
        jv_progress_phase(&r->progress, "error", "running", "stopping: giving up");
    } else {
        size_t n = r->sched ? jv_http_sched_pending(r->sched) : 0;
        jv_progress_phase(&r->progress, "interrupted", "running",
                          "stopping: finishing requests in flight");
        if (n > 0)
            jv_warn("signal received: finishing %zu requests in flight (up to %.0f s; a second "
                    "signal abandons them)",
                    n, r->o->vlm.timeout_s);
        else
            jv_warn("signal received: stopping");
    }
    while (!g_queue_is_empty(&r->ready))
        jv_job_free(g_queue_pop_head(&r->ready));
    if (r->engine)
        jv_trust_cancel_queued(&r->trust, r->engine);
    return jv_clock_mono() + r->o->vlm.timeout_s;
}

/* The main loop: workers, the HTTP scheduler and Stage 2 on one thread. */
static void main_loop(struct run *r)
{
    double stop_deadline = 0;
    while (busy(r)) {
        feed(r);
        if ((stop_requested(r) || r->give_up) && !r->stopping)
            stop_deadline = begin_stopping(r);
        if (r->stopping && r->sched && !r->abandoned &&
            (r->give_up || stop_insisted(r) || jv_clock_mono() > stop_deadline)) {
            if (!r->give_up && jv_http_sched_pending(r->sched) > 0)
                jv_warn("abandoning %zu requests in flight", jv_http_sched_pending(r->sched));
            jv_http_sched_cancel_all(r->sched);
            r->abandoned = true;
        }
        bool http = r->sched && jv_http_sched_pending(r->sched) > 0;
        if (http)
            jv_http_sched_run(r->sched, 5);
        struct jv_iqa_item *it = http ? g_async_queue_try_pop(r->iqa.done)
                                      : g_async_queue_timeout_pop(r->iqa.done, 50000);
        while (it) {
            iqa_returned(r, it);
            it = g_async_queue_try_pop(r->iqa.done);
        }
    }
}

/* The round's entries: the discovered photos, without the registry's anchors after them. */
static size_t entries(const struct run *r)
{
    return r->paths ? r->paths->len - jv_trust_n_anchors(&r->trust) : 0;
}

static json_t *images_json(const struct run *r)
{
    return json_pack("{s:I,s:I,s:I,s:I}", "discovered", (json_int_t)entries(r), "processed",
                     (json_int_t)r->processed, "resumed", (json_int_t)r->resumed, "failed",
                     (json_int_t)r->failed);
}

static void record_stages(struct run *r)
{
    if (r->iqa_t0 > 0)
        jv_manifest_stage(&r->manifest, "iqa", r->iqa_t0, r->iqa_t1 > 0 ? r->iqa_t1 : r->iqa_t0,
                          &r->iqa_s);
    if (r->crit_t0 > 0)
        jv_manifest_stage(&r->manifest, "critique", r->crit_t0,
                          r->crit_t1 > 0 ? r->crit_t1 : r->crit_t0, &r->crit_s);
    jv_manifest_set(&r->manifest, "images", images_json(r));
    jv_manifest_set(&r->manifest, "iqa_cache", r->cache ? jv_iqa_cache_stats(r->cache) : NULL);
    if (r->engine) {
        jv_manifest_set(&r->manifest, "critique", jv_critique_prep_stats(r->engine, r->pool));
        jv_manifest_set(&r->manifest, "prompt",
                        json_pack("{s:s,s:s,s:s,s:s}", "profile", r->prompt->id, "version",
                                  r->prompt->version, "sha256", r->prompt->sha256, "origin",
                                  r->prompt->origin));
        jv_trust_to_manifest(&r->trust, r->manifest.root);
    }
    if (r->conc.cap || r->service)
        jv_manifest_set(&r->manifest, "concurrency",
                        jv_run_concurrency_json(r->conc.cap, jv_iqa_service_capacity(r->service)));
    jv_telemetry_to_manifest(r->telemetry, r->manifest.root);
}

/*
 * The final ranking, placings and checks over the finished results file
 * (ranking_step.h; decider matches only when this run talks to the VLM and
 * judges a competition),
 * the file rewritten with them, and the summary.
 */
static int rank_and_summarise(struct run *r, const json_t *playoff, GError **err)
{
    const char *path = r->o->outputs.results;
    json_t *records = jv_results_load(path, err);
    if (!records)
        return -1;
    if (r->critique)
        jv_trust_recalibrate(&r->trust, records, r->competition);
    /* Decider matches are a club night's: only with a competition, never re-asked on a rerun. */
    bool vlm = r->competition && (r->critique || r->playoff_only || r->o->playoff.enabled);
    int rc = 0;
    if (!r->stopping)
        rc = jv_ranking_step_run(records, r->o, r->competition, r->sched, vlm, &r->manifest, err);
    if (rc == 0 && !r->stopping)
        rc = jv_results_rewrite(path, records, err);
    struct jv_summary_opts so = {
        .playoff = playoff,
        .run_id = jv_manifest_run_id(&r->manifest),
        .competition = r->competition,
    };
    if (rc == 0)
        rc = jv_summary_write(r->o->outputs.summary, records, &so, err);
    json_decref(records);
    return rc;
}

/*
 * The playoff if asked for (always with --stage pairwise), then the final
 * results file (one record per discovered image, sorted), the ranking and
 * the summary. The playoff, the ranking and the summary hold the records.
 */
static int finish_outputs(struct run *r, GError **err)
{
    const char *path = r->o->outputs.results;
    json_t *playoff = NULL;
    int rc = 0;
    if ((r->playoff_only || r->o->playoff.enabled) && !r->stopping) {
        if (!r->records && !(r->records = jv_results_load(path, err)))
            return -1;
        if (r->critique) /* the playoff starts from this run's calibration of every record */
            jv_trust_recalibrate(&r->trust, r->records, r->competition);
        jv_telemetry_stage_boundary(r->telemetry, "pairwise_start", r->processed);
        r->in_playoff = true;
        rc = jv_playoff_step_run(r->records, r->o, r->competition, r->sched, r->conc.cap,
                                 r->ctx->stop, &r->progress, &r->manifest, &playoff, err);
        jv_telemetry_stage_boundary(r->telemetry, "pairwise_end", r->processed);
        if (rc == 0)
            rc = jv_results_rewrite(path, r->records, err);
        g_clear_pointer(&r->records, json_decref);
        char *log = jv_layout_matches_path(path);
        jv_trust_playoff_consistency(r->manifest.root, log);
        g_free(log);
    }
    if (rc == 0 && r->paths) {
        /* Images no longer in the input are dropped from the results. */
        GHashTable *keep = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        for (guint i = 0; i < r->paths->len; i++)
            g_hash_table_add(keep, jv_path_utf8(g_ptr_array_index(r->paths, i)));
        rc = jv_results_finalize(path, keep, err);
        g_hash_table_destroy(keep);
    }
    if (rc == 0)
        rc = rank_and_summarise(r, playoff, err);
    if (rc == 0)
        rc = jv_trust_summary_append(&r->trust, r->o->outputs.summary, err);
    json_decref(playoff);
    return rc;
}

static void set_status(struct run *r, enum jv_pipeline_status status, const char *message)
{
    r->out->status = status;
    if (message && !r->out->message)
        r->out->message = g_strdup(message);
}

/* A fatal error before the outputs: logged, the manifest says failed. */
static void fail_run(struct run *r, GError *err)
{
    jv_error("%s", err->message);
    set_status(r, JV_PIPELINE_FAILED, err->message);
    if (r->manifest.root) {
        record_stages(r);
        jv_manifest_finish(&r->manifest, "failed");
    }
    jv_progress_phase(&r->progress, "error", "error", "fatal error");
}

/*
 * A run that gave up (its results could not be written, or the same failure
 * repeated): the outputs are left as they are (no final rewrite, no summary),
 * the manifest says failed.
 */
static void give_up_run(struct run *r)
{
    jv_error("%s", r->give_up);
    set_status(r, JV_PIPELINE_FAILED, r->give_up);
    if (!r->playoff_only)
        record_stages(r);
    jv_manifest_finish(&r->manifest, "failed");
    jv_progress_phase(&r->progress, "error", "error", r->give_up);
}

/*
 * The one epilogue of every run that got as far as its outputs (--stage
 * pairwise included): writes them when the run has any, then closes the
 * manifest and the progress file with how the run ended, and sets the
 * outcome's status.
 */
static void finish_run(struct run *r)
{
    GError *err = NULL;
    jv_progress_finish_line(&r->progress);
    if (r->give_up) {
        give_up_run(r);
        return;
    }
    int rc = r->critique || r->playoff_only ? finish_outputs(r, &err) : 0;
    jv_progress_finish_line(&r->progress);
    bool stopped = stop_requested(r);
    if (!r->playoff_only)
        record_stages(r);
    if (rc < 0) {
        if (!stopped)
            jv_error("%s", err->message);
        set_status(r, stopped ? JV_PIPELINE_INTERRUPTED : JV_PIPELINE_FAILED, err->message);
        g_clear_error(&err);
        jv_manifest_finish(&r->manifest, stopped ? "interrupted" : "failed");
        jv_progress_phase(&r->progress, "error", "error",
                          r->playoff_only ? "playoff failed" : "writing outputs failed");
    } else if (stopped) {
        set_status(r, JV_PIPELINE_INTERRUPTED, "interrupted by a signal");
        jv_manifest_finish(&r->manifest, "interrupted");
        jv_progress_phase(&r->progress, "interrupted", "error", "interrupted by a signal");
    } else {
        set_status(r, JV_PIPELINE_COMPLETE, NULL);
        jv_manifest_finish(&r->manifest, "complete");
        char *msg = r->playoff_only
                        ? g_strdup("playoff complete")
                        : g_strdup_printf("%zu images, %zu failed", r->processed, r->failed);
        jv_progress_phase(&r->progress, "complete", "complete", msg);
        g_free(msg);
    }
}

/* The IQA cache, the scheduler and the IQA service. */
static int open_services(struct run *r, GError **err)
{
    const struct jv_run_config *o = r->o;
    r->cache = jv_iqa_cache_open(o->outputs.iqa_cache, false, err);
    if (!r->cache)
        return -1;
    if (o->iqa.service_url || r->critique)
        r->sched = jv_http_sched_new(jv_run_sched_slots(o));
    if (o->iqa.service_url && (!o->iqa.disable_nima || !o->iqa.disable_musiq)) {
        r->service =
            jv_iqa_service_new(o->iqa.service_url, o->iqa.service_concurrency, o->vlm.timeout_s);
        GError *herr = NULL;
        if (jv_iqa_service_health(r->service, &herr) < 0) {
            jv_warn("IQA service %s unavailable (%s): the metrics it would give will be n/a",
                    o->iqa.service_url, herr->message);
            r->service_down = g_strdup(herr->message);
            g_error_free(herr);
            jv_iqa_service_free(r->service);
            r->service = NULL;
        }
    }
    return 0;
}

/*
 * The run's first lines after the settings: where each neural metric comes
 * from (native, the IQA service, absent, disabled), so that "n/a" in the
 * prompts is never a surprise; the same in the log.
 */
static void say_sources(struct run *r)
{
    struct jv_iqa_neural *n = &r->iqa.neural;
    if (r->o->stage == JV_STAGE_CRITIQUE)
        return; /* the figures come from the IQA cache */
    if (!r->service && n->service_url)
        jv_iqa_neural_service_down(n, r->service_down ? r->service_down : "not started");
    char **lines = jv_iqa_neural_describe(n);
    for (char **l = lines; *l; l++)
        jv_info("%s", *l);
    g_strfreev(lines);
    jv_log_event(JV_LOG_INFO, "iqa_sources", jv_iqa_neural_json(n));
}

/* Stage 2: the prompt, the endpoint pool, the engine fed from r->ready, and the results file. */
static int open_critique(struct run *r, GError **err)
{
    const struct jv_run_config *o = r->o;
    r->prompt = jv_prompt_load(o->critique.prompt_profile, o->critique.prompt_file, err);
    if (!r->prompt)
        return -1;
    if (r->competition)
        jv_prompt_apply_scale(r->prompt, r->competition->scale_min, r->competition->scale_max,
                              r->competition->scale_step);
    r->pool = jv_http_pool_new((const char *const *)o->vlm.base_urls);
    r->engine = jv_critique_engine_new(&o->vlm, &o->critique, r->prompt, r->sched, r->pool);
    jv_run_concurrency_start(&r->conc, o, r->sched, r->pool);
    jv_critique_engine_set_capacity(r->engine, r->conc.cap);
    r->notes = jv_critique_prep_notes(r->competition, o->critique.notes);
    r->rules = jv_critique_prep_rules(r->competition);
    if (jv_trust_open(&r->trust, &o->trust, r->competition, r->engine, r->sched, r->prompt,
                      r->paths ? r->paths->len : 0, next_ready, r, err) < 0 ||
        (r->paths && jv_trust_add_anchors(&r->trust, r->competition, r->paths, err) < 0))
        return -1;
    if (!o->outputs.fresh &&
        jv_results_judged_otherwise(o->outputs.results,
                                    jv_trust_prompt_sha256(&r->trust, r->prompt), o->vlm.model)) {
        char *bak = jv_backup_numbered(o->outputs.results, false, err);
        if (!bak)
            return -1;
        jv_info("%s was judged with another model or prompt: kept as %s", o->outputs.results, bak);
        g_free(bak);
    }
    if (jv_results_open(&r->results, o->outputs.results, o->outputs.flush_every, o->outputs.fresh,
                        err) < 0)
        return -1;
    r->results_open = true;
    return 0;
}

/* The manifest's "round": its name, input folders and competition (outputs/round.h). */
static void set_round(struct run *r)
{
    const struct jv_run_config *o = r->o;
    jv_manifest_set(
        &r->manifest, "round",
        jv_round_json(o->outputs.round, o->competition_id, (const char *const *)o->input_dirs));
}

static void start_manifest(struct run *r)
{
    const struct jv_run_config *o = r->o;
    char *path = jv_layout_manifest_path(o->outputs.results);
    jv_manifest_init(&r->manifest, path, jv_run_config_to_json(o), r->ctx->argc, r->ctx->argv);
    g_free(path);
    set_round(r);
    r->rctx.run_id = jv_manifest_run_id(&r->manifest);
    r->rctx.backend = o->vlm.backend;
    r->rctx.model = o->vlm.model;
    r->rctx.prompt_profile =
        o->critique.prompt_file ? o->critique.prompt_file : o->critique.prompt_profile;
    r->rctx.prompt_sha256 = r->prompt ? jv_trust_prompt_sha256(&r->trust, r->prompt) : NULL;
    r->rctx.competition = r->competition;
    r->telemetry = jv_telemetry_new(&o->telemetry, r->critique ? o->vlm.base_urls[0] : NULL);
    record_stages(r);
    jv_manifest_write(&r->manifest);
}

/* A rerun says at its start how much of the round it keeps. */
static void say_resuming(const struct run *r)
{
    if (!r->results_open)
        return;
    const struct jv_resume_index *ix = jv_results_resume_index(&r->results);
    size_t n = 0;
    for (guint i = 0; i < r->paths->len; i++) {
        char *image = jv_path_utf8(g_ptr_array_index(r->paths, i));
        n += jv_resume_index_has_judged(ix, image, r->rctx.prompt_sha256, r->o->vlm.model);
        g_free(image);
    }
    if (n > 0)
        jv_info("resuming: %zu of %zu already judged (photos changed since are judged again; "
                "--fresh starts over)",
                n, entries(r));
}

/* Stage 0-1 and Stage 2 over every discovered image, until done or stopped. */
static void judge(struct run *r)
{
    const struct jv_run_config *o = r->o;
    jv_progress_set_total(&r->progress, JV_PROG_IQA, r->paths->len);
    if (r->critique)
        jv_progress_set_total(&r->progress, JV_PROG_CRITIQUE, r->paths->len);
    jv_progress_phase(&r->progress, r->critique ? "judging" : "iqa", "running",
                      "measuring and judging");
    jv_log_event(JV_LOG_INFO, "stage_start",
                 json_pack("{s:s,s:I}", "stage", jv_stage_mode_name(o->stage), "images",
                           (json_int_t)r->paths->len));
    jv_telemetry_stage_boundary(r->telemetry, "start", 0);
    r->iqa_t0 = jv_clock_wall();
    main_loop(r);
    jv_progress_finish_line(&r->progress);
    jv_iqa_cache_sync(r->cache);
    GError *err = NULL;
    if (r->results_open && !r->write_failed && jv_results_sync(&r->results, &err) < 0) {
        r->write_failed = true;
        give_up(r, g_strdup_printf("stopped: the results could not be written: %s", err->message));
        g_error_free(err);
    }
    jv_telemetry_stage_boundary(r->telemetry, "stage2_end", r->processed);
    jv_log_event(JV_LOG_INFO, "stage_end",
                 json_pack("{s:s,s:I,s:I}", "stage", jv_stage_mode_name(o->stage), "processed",
                           (json_int_t)r->processed, "failed", (json_int_t)r->failed));
    record_stages(r);
    jv_manifest_write(&r->manifest);
}

/* A run over discovered images: --stage full, iqa, critique or two-pass. */
static void run_stages(struct run *r)
{
    const struct jv_run_config *o = r->o;
    GError *err = NULL;
    r->critique =
        o->stage == JV_STAGE_FULL || o->stage == JV_STAGE_CRITIQUE || o->stage == JV_STAGE_TWO_PASS;
    if (o->stage == JV_STAGE_CRITIQUE && !g_file_test(o->outputs.iqa_cache, G_FILE_TEST_EXISTS)) {
        char *msg = g_strdup_printf("--stage critique needs the IQA cache %s, which does not "
                                    "exist: run --stage iqa first (or --stage full)",
                                    o->outputs.iqa_cache);
        jv_error("%s", msg);
        set_status(r, JV_PIPELINE_FAILED, msg);
        g_free(msg);
        return;
    }
    /* Fail fast: before any photo, the server serves the model and every output can be written. */
    if ((r->critique && jv_check_vlm_server(&o->vlm, &err) < 0) ||
        jv_check_outputs(o, r->critique, true, r->critique && o->playoff.enabled, &err) < 0)
        goto fatal;
    if (open_services(r, &err) < 0 || (r->critique && open_critique(r, &err) < 0))
        goto fatal;
    start_manifest(r);
    say_resuming(r);
    if (jv_iqa_stage_start(&r->iqa, &o->iqa, o->stage == JV_STAGE_CRITIQUE, r->competition,
                           r->cache, r->results_open ? resume_lookup : NULL, r, &err) < 0)
        goto fatal;
    r->iqa_started = true;
    say_sources(r);
    judge(r);
    finish_run(r);
    return;
fatal:
    fail_run(r, err);
    g_clear_error(&err);
}

/*
 * --stage pairwise: the playoff alone over the existing results. The
 * manifest keeps the judging run's figures and adds the playoff's; the rest
 * is the same epilogue as a full run.
 */
static void run_playoff_only(struct run *r)
{
    const struct jv_run_config *o = r->o;
    GError *err = NULL;
    r->playoff_only = true;
    r->records = jv_results_load(o->outputs.results, &err);
    if (!r->records) {
        jv_error("--stage pairwise needs an existing results file: %s", err->message);
        set_status(r, JV_PIPELINE_FAILED, err->message);
        g_clear_error(&err);
        return;
    }
    if (jv_check_outputs(o, true, false, true, &err) < 0) {
        jv_error("%s", err->message);
        set_status(r, JV_PIPELINE_FAILED, err->message);
        g_clear_error(&err);
        return;
    }
    char *path = jv_layout_manifest_path(o->outputs.results);
    jv_manifest_init(&r->manifest, path, jv_run_config_to_json(o), r->ctx->argc, r->ctx->argv);
    g_free(path);
    json_t *old = json_load_file(r->manifest.path, 0, NULL);
    if (json_is_object(old)) {
        const char *keep[] = {"stages", "images", "iqa_cache",     "critique",
                              "prompt", "gpu",    "server_metrics"};
        for (size_t i = 0; i < JV_ARRAY_LEN(keep); i++) {
            json_t *v = json_object_get(old, keep[i]);
            if (v)
                json_object_set(r->manifest.root, keep[i], v);
        }
        json_object_set(r->manifest.root, "judging_run_id", json_object_get(old, "run_id"));
    }
    json_decref(old);
    set_round(r);
    jv_manifest_write(&r->manifest);
    finish_run(r);
}

static void drop_item(struct jv_iqa_item *it)
{
    jv_job_free(jv_job_of_item(it));
}

static void run_release(struct run *r)
{
    if (r->iqa_started)
        jv_iqa_stage_release(&r->iqa, drop_item);
    while (!g_queue_is_empty(&r->ready))
        jv_job_free(g_queue_pop_head(&r->ready));
    jv_trust_release(&r->trust);
    if (r->engine)
        jv_critique_engine_free(r->engine);
    jv_http_pool_free(r->pool);
    jv_prompt_free(r->prompt);
    g_free(r->notes);
    g_free(r->rules);
    jv_iqa_service_free(r->service);
    jv_run_concurrency_stop_probe(&r->conc);
    g_free(r->service_down);
    jv_http_sched_free(r->sched);
    jv_run_concurrency_release(&r->conc);
    if (r->results_open)
        jv_results_close(&r->results);
    jv_round_lock_release(&r->lock);
    jv_iqa_cache_free(r->cache);
    jv_telemetry_free(r->telemetry);
    json_decref(r->records);
    if (r->manifest.root)
        jv_manifest_release(&r->manifest);
    jv_progress_release(&r->progress);
    if (r->paths)
        g_ptr_array_unref(r->paths);
    if (r->competition)
        jv_competition_free(r->competition);
    jv_entry_list_free(r->entries);
    jv_stats_release(&r->iqa_s);
    jv_stats_release(&r->crit_s);
    jv_failures_release(&r->failures);
    g_free(r->give_up);
}

/* What the caller prints: the figures, the files written, the signal. */
static void fill_outcome(struct run *r)
{
    const struct jv_run_config *o = r->o;
    struct jv_pipeline_outcome *out = r->out;
    out->critique = r->critique;
    out->playoff_only = r->playoff_only;
    out->discovered = entries(r);
    out->processed = r->processed;
    out->resumed = r->resumed;
    out->failed = r->failed;
    out->ok_kept = r->ok_kept;
    out->signal = r->ctx->stop ? (int)*r->ctx->stop : 0;
    out->judging = r->iqa_started || (r->playoff_only && r->manifest.root);
    out->in_playoff = r->in_playoff && out->signal != 0;
    out->common_error = g_strdup(jv_failures_commonest(&r->failures, &out->common_count));
    out->hint = jv_check_hint(r->give_up);
    if (!out->hint)
        out->hint = jv_check_hint(out->common_error);
    if (!r->manifest.root)
        return;
    out->wall_s = json_number_value(json_object_get(r->manifest.root, "wall_seconds"));
    out->manifest = g_strdup(r->manifest.path);
    if (r->critique || r->playoff_only) {
        out->results = g_strdup(o->outputs.results);
        out->summary = g_strdup(o->outputs.summary);
    }
    if (!r->playoff_only)
        out->iqa_cache = g_strdup(o->outputs.iqa_cache);
}

void jv_pipeline_outcome_release(struct jv_pipeline_outcome *out)
{
    g_free(out->results);
    g_free(out->summary);
    g_free(out->iqa_cache);
    g_free(out->manifest);
    g_free(out->message);
    g_free(out->common_error);
    memset(out, 0, sizeof *out);
}

/* Discovery, then the run over the images found (nothing at all when there are none). */
static void discover_and_run(struct run *r)
{
    GError *err = NULL;
    r->paths = jv_discover((const char *const *)r->o->input_dirs, r->o->recursive,
                           r->o->follow_symlinks, &err);
    if (!r->paths) {
        jv_error("%s", err->message);
        set_status(r, JV_PIPELINE_USAGE, err->message);
        g_clear_error(&err);
        return;
    }
    if (r->paths->len == 0) {
        /* Nothing to judge: leave every output as it was. */
        set_status(r, JV_PIPELINE_COMPLETE, NULL);
        return;
    }
    jv_info("%u images found", (unsigned)r->paths->len);
    run_stages(r);
}

/*
 * Before anything is written: the round's lock (one writer per round), the
 * temp files dead runs left beside its outputs, and with --fresh the
 * playoff's matches log kept as a numbered backup so the playoff restarts
 * (the results move away when they are opened).
 */
static int claim_round(struct run *r, GError **err)
{
    const struct jv_outputs_config *out = &r->o->outputs;
    if (jv_round_lock_take(&r->lock, out->results, out->round, err) < 0)
        return -1;
    char *manifest = jv_layout_manifest_path(out->results);
    char *matches = jv_layout_matches_path(out->results);
    const char *files[] = {out->results,   out->summary, out->progress,
                           out->iqa_cache, manifest,     matches};
    int removed = 0;
    for (size_t i = 0; i < JV_ARRAY_LEN(files); i++)
        removed += jv_remove_stale_tmp(files[i]);
    if (removed > 0)
        jv_info("removed %d temp file%s left by runs that died", removed, removed == 1 ? "" : "s");
    int rc = 0;
    if (out->fresh) {
        GError *e = NULL;
        char *bak = jv_backup_numbered(matches, true, &e);
        if (bak)
            jv_info("--fresh: the playoff starts over; its matches were kept as %s", bak);
        else if (e) {
            g_propagate_error(err, e);
            rc = -1;
        }
        g_free(bak);
    }
    g_free(matches);
    g_free(manifest);
    return rc;
}

int jv_pipeline_run(const struct jv_pipeline_ctx *ctx, struct jv_pipeline_outcome *out)
{
    const struct jv_run_config *o = ctx->config;
    struct run r;
    GError *err = NULL;

    memset(out, 0, sizeof *out);
    out->status = JV_PIPELINE_FAILED;
    memset(&r, 0, sizeof r);
    r.ctx = ctx;
    r.o = o;
    r.out = out;
    g_queue_init(&r.ready);
    jv_failures_init(&r.failures);
    jv_stats_init(&r.iqa_s);
    jv_stats_init(&r.crit_s);
    r.lock.fd = -1;
    jv_log_set_quiet(o->outputs.quiet);
    if (claim_round(&r, &err) < 0) {
        jv_error("%s", err->message);
        set_status(&r, JV_PIPELINE_FAILED, err->message);
        g_clear_error(&err);
        goto out;
    }
    jv_progress_init(&r.progress, o->outputs.progress, o->outputs.quiet);
    if (jv_log_open(o->outputs.log_file, (enum jv_log_level)o->outputs.log_level, &err) < 0) {
        char *msg =
            g_strdup_printf("the log file (--log-file) cannot be written: %s", err->message);
        jv_error("%s", msg);
        set_status(&r, JV_PIPELINE_FAILED, msg);
        g_free(msg);
        g_clear_error(&err);
        goto out;
    }

    if (o->competition_config) {
        r.competition = jv_competition_load(o->competition_config, o->competition_id, &err);
        if (!r.competition) {
            jv_error("%s", err->message);
            set_status(&r, JV_PIPELINE_FAILED, err->message);
            g_clear_error(&err);
            goto out;
        }
    }
    if (o->entries && !(r.entries = jv_entry_list_load(o->entries, &err))) {
        char *msg = g_strdup_printf("the entry list (--entries) cannot be used: %s", err->message);
        jv_error("%s", msg);
        set_status(&r, JV_PIPELINE_USAGE, msg);
        g_free(msg);
        g_clear_error(&err);
        goto out;
    }
    if (o->stage == JV_STAGE_PLAYOFF)
        run_playoff_only(&r);
    else
        discover_and_run(&r);
out:
    fill_outcome(&r);
    run_release(&r);
    jv_log_close();
    return out->status == JV_PIPELINE_COMPLETE ? 0 : -1;
}
