#include "core/jv.h"

#include <signal.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/fsutil.h"
#include "core/log.h"
#include "core/stats.h"
#include "input/discover.h"
#include "input/registry.h"
#include "iqa/cache.h"
#include "iqa/service.h"
#include "net/http.h"
#include "iqa/stage.h"
#include "outputs/manifest.h"
#include "pipeline/pipeline.h"
#include "outputs/progress.h"
#include "pipeline/record.h"
#include "outputs/results.h"
#include "pipeline/critique_step.h"
#include "pipeline/playoff_step.h"
#include "outputs/summary.h"
#include "telemetry/telemetry.h"

/* Set by the signal handler; the main loop polls it. */
static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
    stop_signal = sig;
}

bool jv_pipeline_interrupted(void)
{
    return stop_signal != 0;
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

struct run {
    const struct jv_run_config *o;
    struct jv_competition *competition;
    GPtrArray *paths;
    struct jv_manifest manifest;
    struct jv_progress progress;
    struct jv_iqa_cache *cache;
    struct jv_results results;
    bool results_open;
    struct jv_iqa_stage iqa;
    bool iqa_started;
    struct jv_http_sched *sched;
    struct jv_iqa_service *service;
    struct jv_stage2 *stage2;
    struct jv_telemetry *telemetry;
    struct jv_record_context rctx;
    bool critique; /* this run has Stage 2 */

    size_t next;        /* next path to hand to the IQA workers */
    size_t iqa_out;     /* jobs given to workers and not yet back */
    size_t service_out; /* jobs waiting for the IQA service */
    GQueue ready;       /* Stage 0-1 done, waiting for Stage 2 */
    size_t iqa_done, crit_done;
    size_t failed, resumed, processed;
    struct jv_stats iqa_s, crit_s;
    double iqa_t0, iqa_t1, crit_t0, crit_t1;
    bool stopping;
};

static void write_record(struct run *r, const json_t *rec)
{
    GError *err = NULL;
    if (jv_results_append(&r->results, rec, &err) < 0) {
        jv_error("%s", err->message);
        g_error_free(err);
    }
}

static void count_outcome(struct run *r, const char *status)
{
    r->processed++;
    if (g_strcmp0(status, "ok") != 0)
        r->failed++;
}

/* Stage 2 finished one image: its record is complete. */
static void on_critique_done(struct jv_job *job, json_t *fields, void *user)
{
    struct run *r = user;
    json_t *rec = jv_record_build(job, fields, &r->rctx);
    json_decref(fields);
    const char *status = json_string_value(json_object_get(rec, "status"));
    write_record(r, rec);
    count_outcome(r, status);
    double s2 = json_number_value(json_object_get(rec, "stage2_duration_seconds"));
    jv_stats_add(&r->crit_s, s2);
    r->crit_done++;
    r->crit_t1 = jv_clock_wall();
    char *base = g_path_get_basename(job->path_utf8);
    char *msg =
        g_strdup_printf("%s: %s, score %s", base, status ? status : "?",
                        json_is_number(json_object_get(rec, "critique_total")) ? "set" : "none");
    jv_progress_step(&r->progress, JV_PROG_CRITIQUE, base, msg);
    jv_telemetry_image_done(r->telemetry, r->crit_done);
    g_free(msg);
    g_free(base);
    json_decref(rec);
    jv_job_free(job);
}

/* Stage 0-1 finished one image (after any IQA-service merge). */
static void iqa_complete(struct run *r, struct jv_job *job)
{
    jv_iqa_stage_finish_job(&r->iqa, job);
    r->iqa_done++;
    r->iqa_t1 = jv_clock_wall();
    char *base = g_path_get_basename(job->path_utf8);
    if (job->resumed) {
        r->resumed++;
        count_outcome(r, "ok");
        jv_progress_step(&r->progress, JV_PROG_IQA, base, "resumed from the previous run");
        if (r->critique)
            jv_progress_step(&r->progress, JV_PROG_CRITIQUE, base, "resumed");
        jv_job_free(job);
        g_free(base);
        return;
    }
    jv_stats_add(&r->iqa_s, job->stage1_s);
    jv_log_event(job->error ? JV_LOG_WARN : JV_LOG_INFO, "iqa_image",
                 json_pack("{s:s,s:f,s:b,s:s?}", "image", job->path_utf8, "seconds", job->stage1_s,
                           "cache_hit", job->cache_hit, "error", job->error));
    if (job->error) {
        jv_warn("%s", job->error);
    }
    char *msg = job->error
                    ? g_strdup_printf("%s failed: %s", base, job->error)
                    : g_strdup_printf("%s measured%s", base, job->cache_hit ? " (cached)" : "");
    jv_progress_step(&r->progress, JV_PROG_IQA, base, msg);
    g_free(msg);
    g_free(base);

    if (!r->critique) {
        count_outcome(r, job->error ? "error" : "ok");
        jv_job_free(job);
    } else if (job->error) {
        /* An unreadable image gets its record now; Stage 2 has nothing to judge. */
        json_t *rec = jv_record_build(job, NULL, &r->rctx);
        write_record(r, rec);
        json_decref(rec);
        count_outcome(r, "error");
        r->crit_done++;
        jv_progress_step(&r->progress, JV_PROG_CRITIQUE, NULL, NULL);
        jv_job_free(job);
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
    json_t *mine = json_object_get(job->signals, "metrics");
    if (metrics) {
        json_object_update(mine, metrics);
        if (json_object_get(metrics, "nima_aesthetic_mean"))
            job->groups |= JV_IQA_NIMA;
        if (json_object_get(metrics, "musiq_mos"))
            job->groups |= JV_IQA_MUSIQ;
    }
    if (note) {
        json_object_set_new(job->signals, "service_note", json_string(note));
        jv_log_event(JV_LOG_WARN, "iqa_service_note",
                     json_pack("{s:s,s:s}", "image", job->path_utf8, "note", note));
    }
    json_decref(metrics);
    iqa_complete(r, job);
}

/* A worker handed back a job: ask the IQA service if wanted, else complete it. */
static void iqa_returned(struct run *r, struct jv_job *job)
{
    r->iqa_out--;
    if (r->stopping) {
        /* Stopping: keep what was measured (the cache), record nothing unfinished. */
        if (!job->error)
            jv_iqa_stage_finish_job(&r->iqa, job);
        jv_job_free(job);
        return;
    }
    bool wants_service = r->service && job->needs_store && !job->error && !job->resumed &&
                         (r->iqa.groups & (JV_IQA_NIMA | JV_IQA_MUSIQ));
    if (!wants_service || r->stopping) {
        iqa_complete(r, job);
        return;
    }
    struct service_call *call = g_new0(struct service_call, 1);
    call->r = r;
    call->job = job;
    r->service_out++;
    jv_iqa_service_submit(r->service, r->sched, job->path, (r->iqa.groups & JV_IQA_NIMA) != 0,
                          (r->iqa.groups & JV_IQA_MUSIQ) != 0, on_service_done, call);
}

/* How many jobs may be between discovery and Stage 2 at once: keeps memory flat. */
static size_t window(const struct run *r)
{
    size_t w = (size_t)r->o->iqa.workers * 2 + 2;
    if (r->critique)
        w += (size_t)r->o->vlm.concurrency * 2;
    if (r->service)
        w += (size_t)r->o->iqa.service_concurrency;
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
        struct jv_job *job = g_new0(struct jv_job, 1);
        job->index = r->next;
        job->path = g_strdup(g_ptr_array_index(r->paths, r->next));
        job->path_utf8 = jv_path_utf8(job->path);
        r->next++;
        r->iqa_out++;
        jv_iqa_stage_push(&r->iqa, job);
    }
    if (r->stage2 && !g_queue_is_empty(&r->ready) && !two_pass_gate(r))
        jv_stage2_kick(r->stage2);
}

/* The critique engine pulls the next measured image from here. */
static struct jv_job *next_ready(void *user)
{
    struct run *r = user;
    if (r->stopping || two_pass_gate(r) || g_queue_is_empty(&r->ready))
        return NULL;
    if (r->crit_t0 == 0)
        r->crit_t0 = jv_clock_wall();
    return g_queue_pop_head(&r->ready);
}

static bool busy(const struct run *r)
{
    if (r->stopping)
        return r->iqa_out > 0 || r->service_out > 0 ||
               (r->sched && jv_http_sched_pending(r->sched) > 0);
    return r->next < r->paths->len || r->iqa_out > 0 || r->service_out > 0 || r->ready.length > 0 ||
           (r->stage2 && jv_stage2_in_flight(r->stage2) > 0);
}

/* The main loop: workers, the HTTP scheduler and Stage 2 on one thread. */
static void main_loop(struct run *r)
{
    double stop_deadline = 0;
    while (busy(r)) {
        feed(r);
        if (stop_signal && !r->stopping) {
            r->stopping = true;
            jv_iqa_stage_stop(&r->iqa);
            jv_progress_phase(&r->progress, "interrupted", "running",
                              "stopping: finishing requests in flight");
            jv_warn("signal received: finishing requests in flight (up to %.0f s)",
                    r->o->vlm.timeout_s);
            stop_deadline = jv_clock_mono() + r->o->vlm.timeout_s;
            while (!g_queue_is_empty(&r->ready))
                jv_job_free(g_queue_pop_head(&r->ready));
            if (r->stage2)
                jv_stage2_cancel_queued(r->stage2);
        }
        if (r->stopping && r->sched && jv_clock_mono() > stop_deadline) {
            jv_http_sched_cancel_all(r->sched);
            stop_deadline = jv_clock_mono() + 3600;
        }
        bool http = r->sched && jv_http_sched_pending(r->sched) > 0;
        if (http)
            jv_http_sched_run(r->sched, 5);
        struct jv_job *job = http ? g_async_queue_try_pop(r->iqa.done)
                                  : g_async_queue_timeout_pop(r->iqa.done, 50000);
        while (job) {
            iqa_returned(r, job);
            job = g_async_queue_try_pop(r->iqa.done);
        }
    }
}

static int load_competition(struct run *r, GError **err)
{
    const struct jv_run_config *o = r->o;
    if (!o->competition_config)
        return 0;
    r->competition = jv_competition_load(o->competition_config, o->competition_id, err);
    return r->competition ? 0 : -1;
}

static json_t *images_json(const struct run *r)
{
    return json_pack("{s:I,s:I,s:I,s:I}", "discovered", (json_int_t)r->paths->len, "processed",
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
    if (r->stage2) {
        jv_manifest_set(&r->manifest, "critique", jv_stage2_stats(r->stage2));
        jv_manifest_set(&r->manifest, "prompt", jv_stage2_prompt_json(r->stage2));
    }
    jv_telemetry_to_manifest(r->telemetry, r->manifest.root);
}

/*
 * The playoff if asked for, then the final results file (one record per
 * discovered image, sorted) and the summary. Without a playoff every step
 * streams the file, so memory stays flat in the number of images; the
 * playoff holds the records it ranks.
 */
static int finish_outputs(struct run *r, GError **err)
{
    const char *path = r->o->outputs.results;
    json_t *playoff = NULL;
    int rc = 0;
    if (r->o->playoff.enabled && !r->stopping) {
        json_t *records = jv_results_load(path, err);
        if (!records)
            return -1;
        jv_telemetry_stage_boundary(r->telemetry, "pairwise_start", r->processed);
        rc = jv_stage3_run(records, r->o, r->competition, r->sched, &r->progress, &r->manifest,
                           &playoff, err);
        jv_telemetry_stage_boundary(r->telemetry, "pairwise_end", r->processed);
        if (rc == 0)
            rc = jv_results_rewrite(path, records, err);
        json_decref(records);
    }
    if (rc == 0) {
        /* Images no longer in the input are dropped from the results. */
        GHashTable *keep = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        for (guint i = 0; i < r->paths->len; i++)
            g_hash_table_add(keep, jv_path_utf8(g_ptr_array_index(r->paths, i)));
        rc = jv_results_finalize(path, keep, err);
        g_hash_table_destroy(keep);
    }
    if (rc == 0)
        rc =
            jv_summary_write(r->o->outputs.summary, path, playoff, jv_manifest_run_id(&r->manifest),
                             r->competition ? r->competition->name : NULL, err);
    json_decref(playoff);
    return rc;
}

static void print_final(const struct run *r, double wall)
{
    printf("%s %zu of %zu images in %.1f s (%zu resumed, %zu failed)\n",
           r->critique ? "judged" : "measured", r->processed, (size_t)r->paths->len, wall,
           r->resumed, r->failed);
    if (r->critique) {
        printf("results: %s\nsummary: %s\n", r->o->outputs.results, r->o->outputs.summary);
    } else {
        printf("IQA cache: %s\n", r->o->outputs.iqa_cache);
    }
    printf("manifest: %s\n", r->manifest.path);
    fflush(stdout);
}

/*
 * Before judging anything: can any VLM endpoint be reached, and does it take
 * our key? A server that is down would otherwise cost every image its full
 * round of retries before the run could say so.
 */
static int check_vlm_server(const struct jv_run_config *o, GError **err)
{
    GString *why = g_string_new(NULL);
    int rc = -1;
    for (size_t i = 0; o->vlm.base_urls && o->vlm.base_urls[i]; i++) {
        char *url = g_strdup_printf("%s/models", o->vlm.base_urls[i]);
        long status = 0;
        GError *e = NULL;
        char *body = jv_http_get(url, 10.0, 1 << 20, &status, &e);
        if (body && (status == 401 || status == 403)) {
            g_string_append_printf(why, "%s%s answered HTTP %ld (check --api-key)",
                                   why->len ? "; " : "", o->vlm.base_urls[i], status);
        } else if (body) {
            rc = 0; /* any other answer: the server is there */
        } else {
            g_string_append_printf(why, "%s%s", why->len ? "; " : "", e->message);
        }
        g_clear_error(&e);
        g_free(body);
        g_free(url);
        if (rc == 0)
            break;
    }
    if (rc < 0)
        g_set_error(err, JV_ERROR, JV_ERR_HTTP,
                    "cannot reach the VLM server: %s. Start it, or point --base-url at it "
                    "(e.g. http://127.0.0.1:8000/v1 for vLLM)",
                    why->str);
    g_string_free(why, TRUE);
    return rc;
}

static int run_stages(struct run *r, int argc, char **argv)
{
    const struct jv_run_config *o = r->o;
    GError *err = NULL;
    int rc = JV_EXIT_FATAL;
    char *manifest_path = jv_manifest_path_for(o->outputs.results);

    r->critique =
        o->stage == JV_STAGE_FULL || o->stage == JV_STAGE_CRITIQUE || o->stage == JV_STAGE_TWO_PASS;
    if (o->stage == JV_STAGE_CRITIQUE && !g_file_test(o->outputs.iqa_cache, G_FILE_TEST_EXISTS)) {
        jv_error("--stage critique needs the IQA cache %s, which does not exist: run "
                 "--stage iqa first (or --stage full)",
                 o->outputs.iqa_cache);
        goto out;
    }
    if (r->critique && check_vlm_server(o, &err) < 0)
        goto fatal;
    r->cache = jv_iqa_cache_open(o->outputs.iqa_cache, false, &err);
    if (!r->cache)
        goto fatal;
    if (o->iqa.service_url || r->critique)
        r->sched = jv_http_sched_new(o->vlm.concurrency * 2 + o->iqa.service_concurrency + 2);
    if (o->iqa.service_url && (!o->iqa.disable_nima || !o->iqa.disable_musiq)) {
        r->service =
            jv_iqa_service_new(o->iqa.service_url, o->iqa.service_concurrency, o->vlm.timeout_s);
        GError *herr = NULL;
        if (jv_iqa_service_health(r->service, &herr) < 0) {
            jv_warn("IQA service %s unavailable (%s): NIMA and MUSIQ will be n/a",
                    o->iqa.service_url, herr->message);
            g_error_free(herr);
            jv_iqa_service_free(r->service);
            r->service = NULL;
        }
    }
    if (r->critique) {
        r->stage2 = jv_stage2_new(o, r->competition, r->sched, on_critique_done, r, &err);
        if (!r->stage2)
            goto fatal;
        jv_stage2_set_feeder(r->stage2, next_ready, r);
        if (jv_results_open(&r->results, o->outputs.results, o->outputs.flush_every,
                            o->outputs.fresh, &err) < 0)
            goto fatal;
        r->results_open = true;
    }
    jv_manifest_init(&r->manifest, manifest_path, jv_run_config_to_json(o), argc, argv);
    r->rctx.run_id = jv_manifest_run_id(&r->manifest);
    r->rctx.backend = o->vlm.backend;
    r->rctx.model = o->vlm.model;
    r->rctx.prompt_profile =
        o->critique.prompt_file ? o->critique.prompt_file : o->critique.prompt_profile;
    r->rctx.prompt_sha256 = r->stage2 ? jv_stage2_prompt_sha256(r->stage2) : NULL;
    r->telemetry = jv_telemetry_new(&o->telemetry, r->critique ? o->vlm.base_urls[0] : NULL);
    record_stages(r);
    jv_manifest_write(&r->manifest);

    if (jv_iqa_stage_start(&r->iqa, &o->iqa, o->stage == JV_STAGE_CRITIQUE, o->vlm.model,
                           r->competition, r->cache, r->results_open ? &r->results : NULL,
                           r->rctx.prompt_sha256, &err) < 0)
        goto fatal;
    r->iqa_started = true;
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
    if (r->results_open)
        jv_results_sync(&r->results);
    jv_telemetry_stage_boundary(r->telemetry, "stage2_end", r->processed);
    jv_log_event(JV_LOG_INFO, "stage_end",
                 json_pack("{s:s,s:I,s:I}", "stage", jv_stage_mode_name(o->stage), "processed",
                           (json_int_t)r->processed, "failed", (json_int_t)r->failed));
    record_stages(r);
    jv_manifest_write(&r->manifest);

    if (r->critique && finish_outputs(r, &err) < 0) {
        jv_error("%s", err->message);
        g_clear_error(&err);
        record_stages(r);
        jv_manifest_finish(&r->manifest, "failed");
        jv_progress_phase(&r->progress, "error", "error", "writing outputs failed");
        rc = JV_EXIT_FATAL;
        goto out;
    }
    record_stages(r);
    if (stop_signal) {
        jv_manifest_finish(&r->manifest, "interrupted");
        jv_progress_phase(&r->progress, "interrupted", "error", "interrupted by a signal");
        rc = stop_signal == SIGTERM ? JV_EXIT_SIGTERM : JV_EXIT_SIGINT;
        goto out;
    }
    jv_manifest_finish(&r->manifest, "complete");
    char *msg = g_strdup_printf("%zu images, %zu failed", r->processed, r->failed);
    jv_progress_phase(&r->progress, "complete", "complete", msg);
    g_free(msg);
    print_final(r, json_number_value(json_object_get(r->manifest.root, "wall_seconds")));
    rc = r->failed ? JV_EXIT_SOME_FAILED : JV_EXIT_OK;
    goto out;
fatal:
    jv_error("%s", err->message);
    g_clear_error(&err);
    if (r->manifest.root) {
        record_stages(r);
        jv_manifest_finish(&r->manifest, "failed");
    }
    jv_progress_phase(&r->progress, "error", "error", "fatal error");
out:
    g_free(manifest_path);
    return rc;
}

static void run_release(struct run *r)
{
    if (r->iqa_started)
        jv_iqa_stage_release(&r->iqa);
    while (!g_queue_is_empty(&r->ready))
        jv_job_free(g_queue_pop_head(&r->ready));
    jv_stage2_free(r->stage2);
    jv_iqa_service_free(r->service);
    jv_http_sched_free(r->sched);
    if (r->results_open)
        jv_results_close(&r->results);
    jv_iqa_cache_free(r->cache);
    jv_telemetry_free(r->telemetry);
    if (r->manifest.root)
        jv_manifest_release(&r->manifest);
    jv_progress_release(&r->progress);
    if (r->paths)
        g_ptr_array_unref(r->paths);
    if (r->competition)
        jv_competition_free(r->competition);
    jv_stats_release(&r->iqa_s);
    jv_stats_release(&r->crit_s);
}

int jv_pipeline_run(const struct jv_run_config *o, int argc, char **argv)
{
    struct run r;
    GError *err = NULL;
    int rc = JV_EXIT_FATAL;

    memset(&r, 0, sizeof r);
    r.o = o;
    g_queue_init(&r.ready);
    jv_stats_init(&r.iqa_s);
    jv_stats_init(&r.crit_s);
    stop_signal = 0;
    install_signals();
    jv_log_set_quiet(o->outputs.quiet);
    if (jv_log_open(o->outputs.log_file, (enum jv_log_level)o->outputs.log_level, &err) < 0) {
        jv_warn("log: %s (continuing without a log file)", err->message);
        g_clear_error(&err);
    }
    jv_progress_init(&r.progress, o->outputs.progress, o->outputs.quiet);

    if (load_competition(&r, &err) < 0) {
        jv_error("%s", err->message);
        g_clear_error(&err);
        goto out;
    }
    if (o->stage == JV_STAGE_PAIRWISE) {
        rc = jv_stage3_run_only(o, r.competition, argc, argv);
        goto out;
    }
    r.paths = jv_discover((const char *const *)o->input_dirs, o->recursive, &err);
    if (!r.paths) {
        jv_error("%s", err->message);
        g_clear_error(&err);
        rc = JV_EXIT_USAGE;
        goto out;
    }
    if (r.paths->len == 0) {
        /* Nothing to judge: say so and leave every output as it was. */
        fprintf(stderr, "judge-vision: no images found in the given input (looked for .jpg "
                        ".jpeg .png .tif .tiff .webp)\n");
        printf("no images found\n");
        rc = JV_EXIT_OK;
        goto out;
    }
    jv_info("%u images found", (unsigned)r.paths->len);
    rc = run_stages(&r, argc, argv);
out:
    run_release(&r);
    jv_log_close();
    return rc;
}
