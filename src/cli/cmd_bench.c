/*
 * judge-vision bench [--bench-dir DIR] [--skip-baseline] [run options]
 *
 * Runs the same photos against the same server twice (doc/SPEC.md 4.3):
 *   A, baseline: the Python implementation's settings - prompt profile
 *      club_judge_v1, --max-new-tokens 512, --concurrency 1, --no-pipeline,
 *      --flush-every 1, no encoding cache (baseline_io);
 *   B, optimised: the given run options as they are.
 * Both start --fresh, each in its own folder (BENCH/baseline, BENCH/optimised,
 * each with results/, summaries/, metrics/, logs/).
 *
 * Stage 1 is not what the optimisations change, so for stages that include
 * the critique (full, two-pass, critique) a first `--stage iqa` run
 * (BENCH/warmup) fills one IQA cache, BENCH/iqa_cache.jsonl, which both runs
 * then share: their Stage 2 and 3 are compared on equal terms, and the
 * warm-up's time is reported separately. With --stage iqa each run gets its
 * own, emptied cache (Stage 1 is what is compared); with --stage pairwise no
 * cache is involved.
 *
 * Then prints the two manifests side by side (ratios A/B per stage and
 * overall) and writes BENCH/compare.json. BENCH defaults to
 * <output dir>/bench, where the output dir is the folder above the results
 * folder when it is named "results" (outputs/ by default), else the results
 * file's folder.
 */
#include "core/jv.h"

#include "outputs/layout.h"

#include <unistd.h>

#include "cli/commands.h"
#include "cli/run_options.h"
#include "outputs/layout.h"
#include "outputs/manifest.h"
#include "cli/run_process.h"
#include "telemetry/bench.h"

/* bench's own options; the rest of the command line is run options. */
struct bench_opts {
    char *bench_dir;
    bool skip_baseline;
};

static const struct jv_option bench_options[] = {
    {.long_name = "bench-dir",
     .kind = JV_OPT_STRING,
     .offset = offsetof(struct bench_opts, bench_dir),
     .metavar = "DIR",
     .help = "where both runs' outputs go",
     .def_text = "<output dir>/bench"},
    {.long_name = "skip-baseline",
     .kind = JV_OPT_TRUE,
     .offset = offsetof(struct bench_opts, skip_baseline),
     .help = "reuse DIR/baseline's manifest from an earlier bench"},
    {0},
};

/* Each variant writes the default file names inside its own folder. */
#define BENCH_RUN "judge_vision"

static void bench_usage(FILE *out)
{
    fprintf(out, "Usage: judge-vision bench [--bench-dir DIR] [--skip-baseline] [run options]\n\n"
                 "Runs the photos twice against the same server: the Python implementation's\n"
                 "settings (club_judge_v1, 512 tokens, one request at a time, no pipelining,\n"
                 "per-record flush, no encoding cache), then the given settings; prints the\n"
                 "wall-clock ratio per stage and overall and writes DIR/compare.json.\n\n");
    jv_opt_print_help(out, bench_options);
    fputc('\n', out);
}

/* Every path of one bench, all owned. */
struct bench_paths {
    char *base_dir, *opt_dir, *warm_dir;
    char *base_man, *opt_man, *warm_man;
    char *compare, *shared_cache, *base_cache, *opt_cache;
};

static char *manifest_in(const char *dir)
{
    char *res = jv_layout_file(dir, BENCH_RUN, JV_FILE_RESULTS);
    char *man = jv_layout_manifest_path(res);
    g_free(res);
    return man;
}

static void bench_paths_init(struct bench_paths *p, const char *bench_dir)
{
    p->base_dir = g_build_filename(bench_dir, "baseline", NULL);
    p->opt_dir = g_build_filename(bench_dir, "optimised", NULL);
    p->warm_dir = g_build_filename(bench_dir, "warmup", NULL);
    p->base_man = manifest_in(p->base_dir);
    p->opt_man = manifest_in(p->opt_dir);
    p->warm_man = manifest_in(p->warm_dir);
    p->compare = g_build_filename(bench_dir, "compare.json", NULL);
    p->shared_cache = g_build_filename(bench_dir, "iqa_cache.jsonl", NULL);
    p->base_cache = g_build_filename(p->base_dir, "iqa_cache.jsonl", NULL);
    p->opt_cache = g_build_filename(p->opt_dir, "iqa_cache.jsonl", NULL);
}

static void bench_paths_release(struct bench_paths *p)
{
    char **all[] = {&p->base_dir, &p->opt_dir, &p->warm_dir,     &p->base_man,   &p->opt_man,
                    &p->warm_man, &p->compare, &p->shared_cache, &p->base_cache, &p->opt_cache};
    for (size_t i = 0; i < JV_ARRAY_LEN(all); i++)
        g_clear_pointer(all[i], g_free);
}

/* How one run of the bench differs from the user's run config. */
struct variant {
    const char *label;
    const char *dir;       /* its outputs go under it */
    const char *iqa_cache; /* NULL: the user's */
    bool iqa_only;         /* --stage iqa (the warm-up) */
    bool baseline;         /* the Python implementation's settings */
    bool fresh;
};

static void replace(char **field, char *owned)
{
    g_free(*field);
    *field = owned;
}

/*
 * Runs one variant: a copy of the user's config with the variant's outputs
 * and settings. `argc`/`argv` (the user's command line) go to the manifest.
 * Returns the pipeline's exit code.
 */
static int run_variant(const struct jv_run_config *user, const struct variant *v, int argc,
                       char **argv)
{
    struct jv_run_config o;
    jv_run_config_copy(&o, user);
    replace(&o.outputs.results, jv_layout_file(v->dir, BENCH_RUN, JV_FILE_RESULTS));
    replace(&o.outputs.summary, jv_layout_file(v->dir, BENCH_RUN, JV_FILE_SUMMARY));
    replace(&o.outputs.progress, jv_layout_file(v->dir, BENCH_RUN, JV_FILE_PROGRESS));
    replace(&o.outputs.log_file, jv_layout_file(v->dir, BENCH_RUN, JV_FILE_LOG));
    char *leaf = g_path_get_basename(v->dir);
    replace(&o.outputs.round, g_strdup_printf("bench/%s", leaf)); /* named in lock messages */
    g_free(leaf);
    if (v->iqa_cache)
        replace(&o.outputs.iqa_cache, g_strdup(v->iqa_cache));
    if (v->iqa_only)
        o.stage = JV_STAGE_IQA;
    if (v->fresh)
        o.outputs.fresh = true;
    if (v->baseline) {
        /* the baseline judges with the built-in club_judge_v1 wording */
        replace(&o.critique.prompt_profile, g_strdup("club_judge_v1"));
        g_clear_pointer(&o.critique.prompt_file, g_free);
        o.critique.max_new_tokens = 512;
        o.vlm.concurrency = 1;
        o.critique.pipeline = false;
        o.outputs.flush_every = 1;
        o.baseline_io = true;
    }
    fprintf(stderr, "judge-vision bench: %s run\n", v->label);
    int rc = jv_run_process(&o, argc, argv);
    jv_run_config_release(&o);
    return rc;
}

static bool run_ok(int rc)
{
    return rc == JV_EXIT_OK || rc == JV_EXIT_SOME_FAILED;
}

/*
 * The warm-up (when the stage includes the critique), the baseline (unless
 * skipped) and the optimised run, then the comparison. Returns the exit code.
 */
static int bench_runs(const struct jv_run_config *user, const struct bench_opts *b,
                      const struct bench_paths *p, int argc, char **argv)
{
    enum jv_stage_mode st = user->stage;
    bool warm = st == JV_STAGE_FULL || st == JV_STAGE_TWO_PASS || st == JV_STAGE_CRITIQUE;
    bool own_caches = st == JV_STAGE_IQA;
    const char *shared = warm ? p->shared_cache : NULL;
    const struct variant warmup = {"IQA warm-up", p->warm_dir, p->shared_cache, true, false, false};
    const struct variant base = {"baseline", p->base_dir, own_caches ? p->base_cache : shared,
                                 false,      true,        true};
    const struct variant opt = {"optimised", p->opt_dir, own_caches ? p->opt_cache : shared,
                                false,       false,      true};
    GError *err = NULL;
    int rc = JV_EXIT_OK;

    if (warm && !run_ok(rc = run_variant(user, &warmup, argc, argv)))
        goto failed;
    if (!b->skip_baseline) {
        if (own_caches)
            remove(p->base_cache);
        if (!run_ok(rc = run_variant(user, &base, argc, argv)))
            goto failed;
    }
    if (own_caches)
        remove(p->opt_cache);
    if (!run_ok(rc = run_variant(user, &opt, argc, argv)))
        goto failed;
    if (jv_bench_compare(p->base_man, p->opt_man, warm ? p->warm_man : NULL, p->compare, stdout,
                         &err) < 0) {
        fprintf(stderr, "judge-vision bench: %s\n", err->message);
        g_error_free(err);
        return JV_EXIT_FATAL;
    }
    fprintf(stderr, "judge-vision bench: wrote %s\n", p->compare);
    return rc;
failed:
    fprintf(stderr, "judge-vision bench: stopped: a run ended with exit code %d\n", rc);
    return rc;
}

int cmd_bench(int argc, char **argv)
{
    struct bench_opts b = {0};
    struct jv_run_config o;
    struct bench_paths p = {0};
    GError *err = NULL;
    int rc = JV_EXIT_OK;

    jv_run_config_init(&o);
    int parsed = jv_cli_run_options_parse(&o, bench_options, &b, argc, argv, &err);
    if (parsed < 0) {
        fprintf(stderr, "judge-vision bench: %s\n", err->message);
        g_error_free(err);
        rc = JV_EXIT_USAGE;
        goto out;
    }
    if (parsed == 1) {
        bench_usage(stdout);
        jv_run_config_print_help(stdout, "judge-vision");
        goto out;
    }
    if (!b.bench_dir)
        b.bench_dir = jv_layout_bench_dir(o.outputs.results);
    bench_paths_init(&p, b.bench_dir);
    if (b.skip_baseline && access(p.base_man, R_OK) != 0) {
        fprintf(stderr, "judge-vision bench: --skip-baseline: no baseline manifest at %s\n",
                p.base_man);
        rc = JV_EXIT_USAGE;
        goto out;
    }
    rc = bench_runs(&o, &b, &p, argc, argv);
out:
    bench_paths_release(&p);
    jv_opt_release(bench_options, &b);
    jv_run_config_release(&o);
    return rc;
}
