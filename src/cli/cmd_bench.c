/*
 * judge-vision bench [--bench-dir DIR] [--skip-baseline] [run options]
 *
 * Runs the same photos against the same server twice (SPEC 4.3):
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

#include <unistd.h>

#include "cli/commands.h"
#include "cli/run_process.h"
#include "telemetry/bench.h"
#include "outputs/manifest.h"
#include "pipeline/run_config.h"

static void bench_usage(FILE *out)
{
    fprintf(
        out,
        "Usage: judge-vision bench [--bench-dir DIR] [--skip-baseline] [run options]\n\n"
        "Runs the photos twice against the same server: the Python implementation's\n"
        "settings (club_judge_v1, 512 tokens, one request at a time, no pipelining,\n"
        "per-record flush, no encoding cache), then the given settings; prints the\n"
        "wall-clock ratio per stage and overall and writes DIR/compare.json.\n\n"
        "      --bench-dir DIR         where both runs' outputs go (default <output dir>/bench)\n"
        "      --skip-baseline         reuse DIR/baseline's manifest from an earlier bench\n\n");
}

/* <output dir>/bench for the results path. Owned. */
static char *default_bench_dir(const char *results)
{
    char *dir = g_path_get_dirname(results);
    char *base = g_path_get_basename(dir);
    char *root = strcmp(base, "results") == 0 ? g_path_get_dirname(dir) : g_strdup(dir);
    char *bench = g_build_filename(root, "bench", NULL);
    g_free(root);
    g_free(base);
    g_free(dir);
    return bench;
}

static void push(GPtrArray *a, const char *s)
{
    g_ptr_array_add(a, g_strdup(s));
}

/*
 * Builds and parses the argv of one variant: the user's run options, then
 * the variant's own outputs and settings (later options win). Returns the
 * argv (owned, NULL-terminated) and fills `o`.
 */
static GPtrArray *variant_args(GPtrArray *user, const char *dir, const char *iqa_cache,
                               const char *stage, bool baseline, bool fresh)
{
    GPtrArray *a = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < user->len; i++)
        push(a, g_ptr_array_index(user, i));
    const char *const outputs[][2] = {
        {"--output-jsonl", "results/judge_vision.jsonl"},
        {"--summary", "summaries/judge_vision_summary.md"},
        {"--progress-file", "metrics/judge_vision_progress.json"},
        {"--log-file", "logs/judge_vision.log"},
    };
    for (size_t i = 0; i < JV_ARRAY_LEN(outputs); i++) {
        push(a, outputs[i][0]);
        g_ptr_array_add(a, g_build_filename(dir, outputs[i][1], NULL));
    }
    if (iqa_cache) {
        push(a, "--iqa-cache");
        push(a, iqa_cache);
    }
    if (stage) {
        push(a, "--stage");
        push(a, stage);
    }
    if (fresh)
        push(a, "--fresh");
    if (baseline) {
        const char *const base[] = {"--prompt-profile",
                                    "club_judge_v1",
                                    "--max-new-tokens",
                                    "512",
                                    "--concurrency",
                                    "1",
                                    "--no-pipeline",
                                    "--flush-every",
                                    "1"};
        for (size_t i = 0; i < JV_ARRAY_LEN(base); i++)
            push(a, base[i]);
    }
    g_ptr_array_add(a, NULL);
    return a;
}

/* Runs one variant; returns the pipeline's exit code (or usage error). */
static int run_variant(const char *label, GPtrArray *argv_arr, bool baseline)
{
    struct jv_run_config o;
    GError *err = NULL;
    bool help = false;
    jv_run_config_init(&o);
    int argc = (int)argv_arr->len - 1;
    char **argv = (char **)argv_arr->pdata;
    int rc;
    if (jv_run_config_parse(&o, argc, argv, &help, &err) < 0) {
        fprintf(stderr, "judge-vision bench: %s run: %s\n", label, err->message);
        g_error_free(err);
        rc = JV_EXIT_USAGE;
    } else {
        if (baseline) {
            /* the baseline judges with the built-in club_judge_v1 wording */
            g_clear_pointer(&o.critique.prompt_file, g_free);
            o.baseline_io = true;
        }
        fprintf(stderr, "judge-vision bench: %s run\n", label);
        rc = jv_run_process(&o, argc, argv);
    }
    jv_run_config_release(&o);
    return rc;
}

static bool run_ok(int rc)
{
    return rc == JV_EXIT_OK || rc == JV_EXIT_SOME_FAILED;
}

int cmd_bench(int argc, char **argv)
{
    char *bench_dir = NULL;
    bool skip_baseline = false;
    GPtrArray *user = g_ptr_array_new_with_free_func(g_free);
    push(user, "bench");
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--bench-dir") == 0 && i + 1 < argc) {
            g_free(bench_dir);
            bench_dir = g_strdup(argv[++i]);
        } else if (g_str_has_prefix(argv[i], "--bench-dir=")) {
            g_free(bench_dir);
            bench_dir = g_strdup(argv[i] + strlen("--bench-dir="));
        } else if (strcmp(argv[i], "--bench-dir") == 0) {
            fprintf(stderr, "judge-vision bench: --bench-dir needs a folder\n");
            g_ptr_array_free(user, TRUE);
            return JV_EXIT_USAGE;
        } else if (strcmp(argv[i], "--skip-baseline") == 0) {
            skip_baseline = true;
        } else {
            push(user, argv[i]);
        }
    }

    /* the user's options as given: validates them and gives the defaults */
    struct jv_run_config o;
    GError *err = NULL;
    bool help = false;
    int rc = JV_EXIT_OK;
    jv_run_config_init(&o);
    g_ptr_array_add(user, NULL);
    int uargc = (int)user->len - 1;
    if (jv_run_config_parse(&o, uargc, (char **)user->pdata, &help, &err) < 0) {
        fprintf(stderr, "judge-vision bench: %s\n", err->message);
        g_error_free(err);
        rc = JV_EXIT_USAGE;
        goto out;
    }
    g_ptr_array_remove_index(user, user->len - 1); /* the NULL */
    if (help) {
        bench_usage(stdout);
        jv_run_config_print_help(stdout, "judge-vision");
        goto out;
    }
    if (!bench_dir)
        bench_dir = default_bench_dir(o.outputs.results);

    char *base_dir = g_build_filename(bench_dir, "baseline", NULL);
    char *opt_dir = g_build_filename(bench_dir, "optimised", NULL);
    char *warm_dir = g_build_filename(bench_dir, "warmup", NULL);
    char *base_res = g_build_filename(base_dir, "results", "judge_vision.jsonl", NULL);
    char *opt_res = g_build_filename(opt_dir, "results", "judge_vision.jsonl", NULL);
    char *warm_res = g_build_filename(warm_dir, "results", "judge_vision.jsonl", NULL);
    char *base_man = jv_manifest_path_for(base_res);
    char *opt_man = jv_manifest_path_for(opt_res);
    char *warm_man = jv_manifest_path_for(warm_res);
    char *compare = g_build_filename(bench_dir, "compare.json", NULL);
    char *shared_cache = g_build_filename(bench_dir, "iqa_cache.jsonl", NULL);
    char *base_cache = g_build_filename(base_dir, "iqa_cache.jsonl", NULL);
    char *opt_cache = g_build_filename(opt_dir, "iqa_cache.jsonl", NULL);
    bool warm =
        o.stage == JV_STAGE_FULL || o.stage == JV_STAGE_TWO_PASS || o.stage == JV_STAGE_CRITIQUE;
    bool own_caches = o.stage == JV_STAGE_IQA;
    const char *warm_used = NULL;

    if (skip_baseline && access(base_man, R_OK) != 0) {
        fprintf(stderr, "judge-vision bench: --skip-baseline: no baseline manifest at %s\n",
                base_man);
        rc = JV_EXIT_USAGE;
        goto done;
    }
    if (warm) {
        GPtrArray *a = variant_args(user, warm_dir, shared_cache, "iqa", false, false);
        rc = run_variant("IQA warm-up", a, false);
        g_ptr_array_free(a, TRUE);
        if (!run_ok(rc))
            goto failed;
        warm_used = warm_man;
    }
    if (!skip_baseline) {
        if (own_caches)
            remove(base_cache);
        GPtrArray *a =
            variant_args(user, base_dir, own_caches ? base_cache : (warm ? shared_cache : NULL),
                         NULL, true, true);
        rc = run_variant("baseline", a, true);
        g_ptr_array_free(a, TRUE);
        if (!run_ok(rc))
            goto failed;
    }
    {
        if (own_caches)
            remove(opt_cache);
        GPtrArray *a =
            variant_args(user, opt_dir, own_caches ? opt_cache : (warm ? shared_cache : NULL), NULL,
                         false, true);
        int orc = run_variant("optimised", a, false);
        g_ptr_array_free(a, TRUE);
        rc = orc;
        if (!run_ok(rc))
            goto failed;
    }
    if (jv_bench_compare(base_man, opt_man, warm_used, compare, stdout, &err) < 0) {
        fprintf(stderr, "judge-vision bench: %s\n", err->message);
        g_error_free(err);
        rc = JV_EXIT_FATAL;
        goto done;
    }
    fprintf(stderr, "judge-vision bench: wrote %s\n", compare);
    goto done;
failed:
    fprintf(stderr, "judge-vision bench: stopped: a run ended with exit code %d\n", rc);
done:
    g_free(base_dir);
    g_free(opt_dir);
    g_free(warm_dir);
    g_free(base_res);
    g_free(opt_res);
    g_free(warm_res);
    g_free(base_man);
    g_free(opt_man);
    g_free(warm_man);
    g_free(compare);
    g_free(shared_cache);
    g_free(base_cache);
    g_free(opt_cache);
out:
    jv_run_config_release(&o);
    g_ptr_array_free(user, TRUE);
    g_free(bench_dir);
    return rc;
}
