/*
 * The Stage 2 engine against the real simulator (judge-vision-sim started on
 * 127.0.0.1 with a free port and --time-scale 0.01), on test photos made
 * with libvips at test time.
 */
#include "core/jv.h"

#include <setjmp.h>
#include <stdarg.h>
#include <unistd.h>
#include <cmocka.h>

#include "sim_child.h"
#include <gio/gio.h>
#include <jansson.h>
#include <vips/vips.h>

#include "core/clock.h"
#include "critique/critique.h"
#include "critique/engine.h"
#include "critique/prompt.h"
#include "net/http.h"

#define N_IMAGES 6

static char *tmp_dir;
static char *images[N_IMAGES + 1];

/* The simulator with its delays scaled by 0.01, plus `extra` (NULL-terminated, may be NULL). */
static void sim_start_scaled(struct sim_child *s, const char *const *extra)
{
    GPtrArray *args = g_ptr_array_new();
    g_ptr_array_add(args, (gpointer) "--time-scale=0.01");
    for (size_t i = 0; extra && extra[i]; i++)
        g_ptr_array_add(args, (gpointer)extra[i]);
    g_ptr_array_add(args, NULL);
    sim_start_argv(s, (const char *const *)args->pdata);
    g_ptr_array_free(args, TRUE);
}

/* Sum of the simulator's running and waiting requests (its /metrics). */
static double sim_busy(const char *root)
{
    char *url = g_strconcat(root, "/metrics", NULL);
    long status = 0;
    char *body = jv_http_get(url, 5, 1 << 20, &status, NULL);
    g_free(url);
    double busy = 0;
    const char *names[] = {"vllm:num_requests_running{", "vllm:num_requests_waiting{"};
    for (size_t i = 0; body && i < JV_ARRAY_LEN(names); i++) {
        const char *at = strstr(body, names[i]);
        if (at && (at = strchr(at, '}')))
            busy += g_ascii_strtod(at + 1, NULL);
    }
    g_free(body);
    return busy;
}

struct watcher {
    const char *root;
    volatile gint stop;
    double max_busy;
    int samples;
};

static gpointer watch_sim(gpointer user)
{
    struct watcher *w = user;
    while (!g_atomic_int_get(&w->stop)) {
        double b = sim_busy(w->root);
        w->max_busy = MAX(w->max_busy, b);
        w->samples++;
        g_usleep(500);
    }
    return NULL;
}

/* A copy of one job's result (the engine's is borrowed for the callback only). */
struct saved {
    enum jv_critique_status status;
    char *title, *style, *critique, *error, *finish_reason;
    json_t *subscores;
    bool has_total;
    double score_raw;
    int total;
    long prompt_tokens, completion_tokens;
    double ttft_s, duration_s;
    char started[JV_ISO8601_LEN], finished[JV_ISO8601_LEN];
    int attempts, endpoint;
    bool cancelled;
};

static struct saved *save_result(const struct jv_critique_result *res)
{
    struct saved *f = g_new0(struct saved, 1);
    f->status = res->status;
    f->title = g_strdup(res->title);
    f->style = g_strdup(res->style);
    f->critique = g_strdup(res->critique);
    f->error = g_strdup(res->error);
    f->finish_reason = g_strdup(res->finish_reason);
    f->subscores = res->subscores ? json_deep_copy(res->subscores) : NULL;
    f->has_total = res->has_total;
    f->score_raw = res->score_raw;
    f->total = res->total;
    f->prompt_tokens = res->prompt_tokens;
    f->completion_tokens = res->completion_tokens;
    f->ttft_s = res->ttft_s;
    f->duration_s = res->duration_s;
    jv_clock_iso8601(res->started, f->started);
    jv_clock_iso8601(res->finished, f->finished);
    f->attempts = res->attempts;
    f->endpoint = res->endpoint;
    f->cancelled = res->cancelled;
    return f;
}

static void saved_free(struct saved *f)
{
    if (!f)
        return;
    g_free(f->title);
    g_free(f->style);
    g_free(f->critique);
    g_free(f->error);
    g_free(f->finish_reason);
    json_decref(f->subscores);
    g_free(f);
}

struct run {
    struct jv_critique_job jobs[N_IMAGES + 1];
    struct saved *fields[N_IMAGES + 1];
    size_t next, n, done;
    json_t *stats;
};

static void on_job_done(struct jv_critique_job *job, const struct jv_critique_result *res,
                        void *user)
{
    struct run *r = user;
    size_t i = (size_t)(job - r->jobs);
    assert_true(i < r->n);
    assert_null(r->fields[i]);
    r->fields[i] = save_result(res);
    r->done++;
}

static struct jv_critique_job *next_job(void *user)
{
    struct run *r = user;
    return r->next < r->n ? &r->jobs[r->next++] : NULL;
}

/* Only what the engine reads: the server connection and Stage 2's settings. */
struct engine_config {
    struct jv_vlm_config vlm;
    struct jv_critique_config critique;
};

static void config_release(struct engine_config *o)
{
    g_free(o->vlm.model);
    g_free(o->critique.prompt_profile);
    memset(o, 0, sizeof *o);
}

/*
 * Runs `n` jobs through a fresh engine against `api` with options `o`,
 * fed as the pipeline feeds it (a feeder the engine calls when a slot is
 * free) and driving the scheduler's loop as the pipeline does.
 */
static void run_jobs(struct run *r, struct engine_config *o, const char *api, const char **paths,
                     size_t n)
{
    GError *err = NULL;
    memset(r, 0, sizeof(*r));
    r->n = n;
    struct jv_prompt *p = jv_prompt_load(o->critique.prompt_profile, NULL, &err);
    assert_non_null(p);
    const char *urls[] = {api, NULL};
    struct jv_http_pool *pool = jv_http_pool_new(urls);
    struct jv_http_sched *sched = jv_http_sched_new(8);
    jv_http_sched_set_backoff(sched, 0.01, 0.05);
    struct jv_critique_engine *e = jv_critique_engine_new(&o->vlm, &o->critique, p, sched, pool);
    json_t *metrics = json_pack("{s:f, s:f, s:f}", "musiq_mos", 61.5, "dynamic_range", 0.71,
                                "mean_luminance", 0.48);
    for (size_t i = 0; i < n; i++) {
        struct jv_critique_job *job = &r->jobs[i];
        job->image_path = paths[i];
        job->title = i % 2 ? "A titled entry" : NULL;
        job->category = "Colour";
        job->compliance = "passed";
        job->metrics = metrics;
        job->tonal_summary = "Tonal balance is well controlled.";
        job->done = on_job_done;
        job->user = r;
    }
    jv_critique_engine_set_feeder(e, next_job, r);
    jv_critique_engine_kick(e);
    while (r->done < n) {
        assert_true(jv_critique_engine_pending(e) > 0);
        jv_http_sched_run(sched, 200);
    }
    assert_int_equal(r->next, n);
    assert_int_equal(jv_critique_engine_pending(e), 0);
    r->stats = jv_critique_engine_stats(e);
    jv_critique_engine_free(e);
    jv_http_sched_free(sched);
    jv_http_pool_free(pool);
    jv_prompt_free(p);
    json_decref(metrics);
}

static void run_release(struct run *r, size_t n)
{
    for (size_t i = 0; i < n; i++)
        saved_free(r->fields[i]);
    json_decref(r->stats);
}

static long stat_int(const json_t *stats, const char *key)
{
    const json_t *v = json_object_get(stats, key);
    if (!json_is_integer(v))
        fail_msg("stats has no integer %s", key);
    return (long)json_integer_value(v);
}

static void options(struct engine_config *o, int concurrency, bool pipeline)
{
    memset(o, 0, sizeof *o);
    o->vlm.model = g_strdup("Qwen/Qwen3-VL-8B-Instruct-FP8");
    o->critique.max_new_tokens = 320;
    o->critique.temperature = 0.2;
    o->critique.top_p = 0.9;
    o->critique.prompt_profile = g_strdup("club_judge_compact");
    o->critique.stream = true;
    o->vlm.concurrency = concurrency;
    o->critique.pipeline = pipeline;
    o->vlm.max_retries = 1;
    o->vlm.timeout_s = 20;
}

static void check_ok(const struct saved *f)
{
    assert_int_equal(f->status, JV_CRITIQUE_OK);
    assert_null(f->error);
    assert_true(strlen(f->critique) > 20);
    assert_true(f->has_total); /* critique_total and critique_total_initial */
    assert_true(f->total >= 0 && f->total <= 20);
    assert_string_equal(jv_critique_style_normalise(f->style), f->style);
    assert_true(f->prompt_tokens > 100);
    assert_true(f->completion_tokens > 10);
    assert_string_equal(f->finish_reason, "stop");
    assert_int_equal(f->attempts, 1); /* so no retries */
    assert_int_equal(f->endpoint, 0);
    assert_true(f->duration_s > 0);
    assert_false(f->cancelled);
    assert_true(g_str_has_suffix(f->started, "Z") && strcmp(f->started, f->finished) <= 0);
}

static void test_all_ok(void **state)
{
    (void)state;
    struct sim_child s;
    sim_start_scaled(&s, NULL);
    struct engine_config o;
    options(&o, 2, true);
    o.critique.structured_output = JV_STRUCTURED_JSON_SCHEMA;
    o.vlm.max_side = 128; /* the larger images are shrunk, the smaller go as they are */
    struct run r;
    run_jobs(&r, &o, s.api, (const char **)images, N_IMAGES);
    for (size_t i = 0; i < N_IMAGES; i++) {
        check_ok(r.fields[i]);
        assert_true(r.fields[i]->ttft_s > 0);
    }
    assert_int_equal(stat_int(r.stats, "images"), N_IMAGES);
    assert_int_equal(stat_int(r.stats, "ok"), N_IMAGES);
    assert_int_equal(stat_int(r.stats, "requests"), N_IMAGES);
    assert_int_equal(stat_int(r.stats, "parse_retries"), 0);
    assert_true(stat_int(r.stats, "max_in_flight") <= 4);
    assert_true(stat_int(r.stats, "max_awaiting_first_token") <= 2);
    json_t *pt = json_object_get(r.stats, "prompt_tokens");
    assert_int_equal(json_integer_value(json_object_get(pt, "count")), N_IMAGES);
    json_t *ttft = json_object_get(r.stats, "ttft_seconds");
    assert_int_equal(json_integer_value(json_object_get(ttft, "count")), N_IMAGES);
    run_release(&r, N_IMAGES);

    /* Without streaming: the same records from whole bodies (no TTFT). */
    o.critique.stream = false;
    o.critique.structured_output = JV_STRUCTURED_NONE;
    run_jobs(&r, &o, s.api, (const char **)images, 3);
    for (size_t i = 0; i < 3; i++) {
        check_ok(r.fields[i]);
        assert_true(r.fields[i]->ttft_s < 0); /* unknown: null in the record */
    }
    run_release(&r, 3);

    /* The baseline profile (verbose block, 512 tokens) works the same way. */
    o.critique.stream = true;
    g_free(o.critique.prompt_profile);
    o.critique.prompt_profile = g_strdup("club_judge_v1");
    o.critique.max_new_tokens = 0;
    run_jobs(&r, &o, s.api, (const char **)images, 2);
    for (size_t i = 0; i < 2; i++)
        check_ok(r.fields[i]);
    run_release(&r, 2);
    config_release(&o);
    sim_stop(&s);
}

/* Every reply unusable: one retry at temperature 0, then parse_error with the raw text. */
static void check_fault(const char *flag, bool truncated)
{
    const char *extra[] = {flag, "1", NULL};
    struct sim_child s;
    sim_start_scaled(&s, extra);
    struct engine_config o;
    options(&o, 2, true);
    struct run r;
    const size_t n = 3;
    run_jobs(&r, &o, s.api, (const char **)images, n);
    for (size_t i = 0; i < n; i++) {
        const struct saved *f = r.fields[i];
        if (f->status != JV_CRITIQUE_PARSE_ERROR)
            fail_msg("%s: status %d (%s)", flag, (int)f->status, f->error);
        assert_true(strlen(f->critique) > 0);
        assert_non_null(f->error);
        assert_false(f->has_total);       /* critique_total and critique_total_initial null */
        assert_int_equal(f->attempts, 2); /* one retry */
        /* Usage is summed over both requests. */
        assert_true(f->completion_tokens > 0);
        if (truncated) {
            assert_string_equal(f->finish_reason, "length");
            assert_non_null(strstr(f->error, "token limit"));
        }
    }
    assert_int_equal(stat_int(r.stats, "requests"), 2 * n);
    assert_int_equal(stat_int(r.stats, "parse_retries"), n);
    assert_int_equal(stat_int(r.stats, "parse_errors"), n);
    assert_int_equal(stat_int(r.stats, "ok"), 0);
    assert_int_equal(stat_int(r.stats, "truncated"), truncated ? (long)(2 * n) : 0);
    run_release(&r, n);
    config_release(&o);
    sim_stop(&s);
}

static void test_fault_prose(void **state)
{
    (void)state;
    check_fault("--prose", false);
}

static void test_fault_malformed(void **state)
{
    (void)state;
    check_fault("--malformed-json", false);
}

static void test_fault_truncate(void **state)
{
    (void)state;
    check_fault("--truncate", true);
}

/* Some replies unusable: the retry at temperature 0 recovers them. */
static void test_retry_recovers(void **state)
{
    (void)state;
    const char *extra[] = {"--prose", "0.5", "--seed", "3", NULL};
    struct sim_child s;
    sim_start_scaled(&s, extra);
    struct engine_config o;
    options(&o, 1, false);
    struct run r;
    run_jobs(&r, &o, s.api, (const char **)images, N_IMAGES);
    int recovered = 0;
    for (size_t i = 0; i < N_IMAGES; i++) {
        const struct saved *f = r.fields[i];
        assert_true(f->status == JV_CRITIQUE_OK || f->status == JV_CRITIQUE_PARSE_ERROR);
        if (f->status == JV_CRITIQUE_OK && f->attempts == 2) {
            recovered++;
            assert_true(f->has_total && f->total >= 0);
        }
    }
    assert_true(recovered >= 1);
    assert_int_equal(stat_int(r.stats, "requests"), N_IMAGES + stat_int(r.stats, "parse_retries"));
    run_release(&r, N_IMAGES);
    config_release(&o);
    sim_stop(&s);
}

/* Transport failures that persist, and an unreadable image: status error. */
static void test_errors(void **state)
{
    (void)state;
    const char *extra[] = {"--fail-500", "1", NULL};
    struct sim_child s;
    sim_start_scaled(&s, extra);
    struct engine_config o;
    options(&o, 1, true);
    struct run r;
    const char *paths[] = {images[0], images[N_IMAGES]};
    run_jobs(&r, &o, s.api, paths, 2);
    const struct saved *f = r.fields[0];
    assert_int_equal(f->status, JV_CRITIQUE_ERROR);
    assert_non_null(strstr(f->error, "500"));
    assert_int_equal(f->attempts, 2);
    assert_null(f->critique);
    f = r.fields[1];
    assert_int_equal(f->status, JV_CRITIQUE_ERROR);
    assert_non_null(strstr(f->error, "not-an-image.jpg"));
    assert_int_equal(f->attempts, 0);
    assert_int_equal(stat_int(r.stats, "errors"), 2);
    assert_int_equal(stat_int(r.stats, "requests"), 1);
    run_release(&r, 2);
    config_release(&o);
    sim_stop(&s);
}

/*
 * An engine against a simulator that holds every request (--stall), so a
 * test can look at what is in flight and what is held, then cancel.
 */
struct stalled {
    struct sim_child s;
    struct engine_config o;
    struct jv_prompt *p;
    struct jv_http_pool *pool;
    struct jv_http_sched *sched;
    struct jv_critique_engine *e;
};

static void stalled_up(struct stalled *st, int concurrency, bool pipeline)
{
    const char *extra[] = {"--stall", "1", "--stall-seconds", "1000", NULL};
    sim_start_scaled(&st->s, extra);
    options(&st->o, concurrency, pipeline);
    GError *err = NULL;
    st->p = jv_prompt_load(st->o.critique.prompt_profile, NULL, &err);
    assert_non_null(st->p);
    const char *urls[] = {st->s.api, NULL};
    st->pool = jv_http_pool_new(urls);
    st->sched = jv_http_sched_new(8);
    st->e = jv_critique_engine_new(&st->o.vlm, &st->o.critique, st->p, st->sched, st->pool);
}

static void stalled_down(struct stalled *st)
{
    jv_critique_engine_free(st->e);
    jv_http_sched_free(st->sched);
    jv_http_pool_free(st->pool);
    jv_prompt_free(st->p);
    config_release(&st->o);
    sim_stop(&st->s);
}

/*
 * Interrupted: the request in flight is reported as cancelled, and the
 * engine pulls nothing more from its feeder (the jobs it never took stay
 * the caller's).
 */
static void test_cancel(void **state)
{
    (void)state;
    struct stalled st;
    stalled_up(&st, 1, true);
    struct jv_critique_engine *e = st.e;
    struct jv_http_sched *sched = st.sched;
    struct run r;
    memset(&r, 0, sizeof(r));
    r.n = 3;
    for (size_t i = 0; i < r.n; i++) {
        r.jobs[i].image_path = images[i];
        r.jobs[i].done = on_job_done;
        r.jobs[i].user = &r;
    }
    jv_critique_engine_set_feeder(e, next_job, &r);
    jv_critique_engine_kick(e);
    /* The first request is held by the server; no slot is free, so the others stay unfed. */
    jv_http_sched_run(sched, 50);
    jv_critique_engine_kick(e);
    assert_int_equal(r.done, 0);
    assert_int_equal(r.next, 1);
    assert_int_equal(jv_critique_engine_pending(e), 1);
    jv_critique_engine_cancel_queued(e);
    jv_http_sched_cancel_all(sched);
    while (r.done < 1)
        jv_http_sched_run(sched, 200);
    jv_critique_engine_kick(e); /* the feeder is gone: nothing more is pulled */
    jv_http_sched_run(sched, 50);
    assert_int_equal(r.next, 1);
    assert_int_equal(r.done, 1);
    assert_int_equal(jv_critique_engine_pending(e), 0);
    assert_true(r.fields[0]->cancelled);
    assert_int_equal(r.fields[0]->status, JV_CRITIQUE_ERROR);
    json_t *stats = jv_critique_engine_stats(e);
    assert_int_equal(stat_int(stats, "cancelled"), 1);
    assert_int_equal(stat_int(stats, "requests"), 1);
    json_decref(stats);
    run_release(&r, r.n);
    stalled_down(&st);
}

/*
 * Groups (engine.h): with a limit of 4, a group of 3 goes out whole; the
 * next group's head is pulled into the one free slot but held (a group
 * needs 3), and a cancel reports it cancelled; the jobs behind it were
 * never pulled.
 */
static void test_group_held_and_cancelled(void **state)
{
    (void)state;
    struct stalled st;
    stalled_up(&st, 4, false);
    struct jv_critique_engine *e = st.e;
    struct jv_http_sched *sched = st.sched;
    struct run r;
    memset(&r, 0, sizeof(r));
    r.n = 6;
    for (size_t i = 0; i < r.n; i++) {
        r.jobs[i].image_path = images[i];
        r.jobs[i].group = i % 3 == 0 ? 3 : 1;
        r.jobs[i].done = on_job_done;
        r.jobs[i].user = &r;
    }
    jv_critique_engine_set_feeder(e, next_job, &r);
    jv_critique_engine_kick(e);
    jv_http_sched_run(sched, 50);
    jv_critique_engine_kick(e);
    assert_int_equal(jv_critique_engine_in_flight(e), 3); /* the first group, whole */
    assert_int_equal(r.next, 4);                          /* the second's head, held */
    assert_int_equal(jv_critique_engine_pending(e), 4);
    jv_critique_engine_cancel_queued(e);
    jv_http_sched_cancel_all(sched);
    while (r.done < 4)
        jv_http_sched_run(sched, 200);
    jv_http_sched_run(sched, 50);
    assert_int_equal(r.next, 4);
    assert_int_equal(jv_critique_engine_pending(e), 0);
    for (size_t i = 0; i < 4; i++)
        assert_true(r.fields[i]->cancelled);
    json_t *stats = jv_critique_engine_stats(e);
    assert_int_equal(stat_int(stats, "requests"), 3);
    assert_int_equal(stat_int(stats, "cancelled"), 4);
    json_decref(stats);
    run_release(&r, r.n);
    stalled_down(&st);
}

/* Sorted by start: does request i+1 start before request i finishes? */
static int overlaps(struct run *r, size_t n)
{
    const struct saved *sorted[N_IMAGES];
    for (size_t i = 0; i < n; i++)
        sorted[i] = r->fields[i];
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (strcmp(sorted[j]->started, sorted[i]->started) < 0) {
                const struct saved *t = sorted[i];
                sorted[i] = sorted[j];
                sorted[j] = t;
            }
    int count = 0;
    for (size_t i = 0; i + 1 < n; i++)
        if (strcmp(sorted[i + 1]->started, sorted[i]->finished) < 0)
            count++;
    return count;
}

static void test_pipelining(void **state)
{
    (void)state;
    struct sim_child s;
    sim_start_scaled(&s, NULL);
    struct engine_config o;
    struct run r;

    /* Concurrency 1 with pipelining: the next request overlaps the current decode. */
    options(&o, 1, true);
    struct watcher w = {.root = s.url};
    GThread *t = g_thread_new("watch", watch_sim, &w);
    run_jobs(&r, &o, s.api, (const char **)images, N_IMAGES);
    g_atomic_int_set(&w.stop, 1);
    g_thread_join(t);
    for (size_t i = 0; i < N_IMAGES; i++)
        check_ok(r.fields[i]);
    assert_int_equal(stat_int(r.stats, "max_in_flight"), 2);
    assert_int_equal(stat_int(r.stats, "max_awaiting_first_token"), 1);
    assert_true(overlaps(&r, N_IMAGES) >= N_IMAGES / 2);
    assert_true(w.samples > 0 && w.max_busy >= 1); /* the watcher saw the requests */
    assert_true(w.max_busy <= 2);
    run_release(&r, N_IMAGES);
    config_release(&o);

    /* Without: one at a time, each starts after the previous one finished. */
    options(&o, 1, false);
    run_jobs(&r, &o, s.api, (const char **)images, N_IMAGES);
    for (size_t i = 0; i < N_IMAGES; i++)
        check_ok(r.fields[i]);
    assert_int_equal(stat_int(r.stats, "max_in_flight"), 1);
    assert_int_equal(overlaps(&r, N_IMAGES), 0);
    run_release(&r, N_IMAGES);
    config_release(&o);
    sim_stop(&s);
}

static void make_image(const char *path, int w, int h)
{
    VipsImage *x = NULL, *c = NULL;
    assert_int_equal(vips_xyz(&x, w, h, NULL), 0);
    VipsImage *bands[] = {x, x};
    VipsImage *j = NULL;
    assert_int_equal(vips_bandjoin(bands, &j, 2, NULL), 0);
    VipsImage *rgb = NULL;
    assert_int_equal(vips_extract_band(j, &rgb, 0, "n", 3, NULL), 0);
    assert_int_equal(vips_cast(rgb, &c, VIPS_FORMAT_UCHAR, NULL), 0);
    if (vips_image_write_to_file(c, path, NULL))
        fail_msg("cannot write %s: %s", path, vips_error_buffer());
    g_object_unref(c);
    g_object_unref(rgb);
    g_object_unref(j);
    g_object_unref(x);
}

static int setup(void **state)
{
    (void)state;
    tmp_dir = g_dir_make_tmp("jvengine-XXXXXX", NULL);
    for (int i = 0; i < N_IMAGES; i++) {
        char *name = g_strdup_printf("%02d_entry_%d.%s", i, i, i % 3 == 2 ? "png" : "jpg");
        images[i] = g_build_filename(tmp_dir, name, NULL);
        make_image(images[i], 64 + 40 * i, 48 + 17 * i);
        g_free(name);
    }
    images[N_IMAGES] = g_build_filename(tmp_dir, "not-an-image.jpg", NULL);
    g_file_set_contents(images[N_IMAGES], "plain text", -1, NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (int i = 0; i <= N_IMAGES; i++) {
        unlink(images[i]);
        g_free(images[i]);
    }
    rmdir(tmp_dir);
    g_free(tmp_dir);
    return 0;
}

int main(int argc, char **argv)
{
    (void)argc;
    if (VIPS_INIT(argv[0]))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_ok),          cmocka_unit_test(test_fault_prose),
        cmocka_unit_test(test_fault_malformed), cmocka_unit_test(test_fault_truncate),
        cmocka_unit_test(test_retry_recovers),  cmocka_unit_test(test_errors),
        cmocka_unit_test(test_cancel),          cmocka_unit_test(test_group_held_and_cancelled),
        cmocka_unit_test(test_pipelining),
    };
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    vips_shutdown();
    return rc;
}
