/* The output file names derived from the results path, and the default tree. */
#include "core/jv.h"

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include "outputs/layout.h"
#include "outputs/manifest.h"
#include "playoff/playoff.h"

static void check(char *got, const char *want)
{
    assert_non_null(got);
    assert_string_equal(got, want);
    g_free(got);
}

static void test_derived_with_jsonl(void **state)
{
    (void)state;
    const char *r = "outputs/results/judge_vision.jsonl";
    check(jv_layout_manifest_path(r), "outputs/results/judge_vision.metadata.json");
    check(jv_layout_matches_path(r), "outputs/results/judge_vision.matches.jsonl");
    check(jv_layout_overrides_path(r), "outputs/results/judge_vision.overrides.json");
    check(jv_layout_results_stem(r), "outputs/results/judge_vision");
    /* A dot in a folder name is not an extension. */
    r = "/runs/club.2026/round_1.jsonl";
    check(jv_layout_manifest_path(r), "/runs/club.2026/round_1.metadata.json");
    check(jv_layout_matches_path(r), "/runs/club.2026/round_1.matches.jsonl");
    check(jv_layout_overrides_path(r), "/runs/club.2026/round_1.overrides.json");
    /* The older entry points give the same names. */
    check(jv_layout_manifest_path(r), "/runs/club.2026/round_1.metadata.json");
    check(jv_layout_matches_path(r), "/runs/club.2026/round_1.matches.jsonl");
}

static void test_derived_without_jsonl(void **state)
{
    (void)state;
    /* No extension: every file is the name plus its suffix. */
    const char *r = "out.d/results";
    check(jv_layout_manifest_path(r), "out.d/results.metadata.json");
    check(jv_layout_matches_path(r), "out.d/results.matches.jsonl");
    check(jv_layout_overrides_path(r), "out.d/results.overrides.json");
    check(jv_layout_results_stem(r), "out.d/results");
    /* Another extension: the manifest drops it, the matches log and overrides keep it. */
    r = "runs/r.json";
    check(jv_layout_manifest_path(r), "runs/r.metadata.json");
    check(jv_layout_matches_path(r), "runs/r.json.matches.jsonl");
    check(jv_layout_overrides_path(r), "runs/r.json.overrides.json");
    check(jv_layout_matches_path(r), "runs/r.json.matches.jsonl");
}

static void test_names(void **state)
{
    (void)state;
    assert_true(jv_layout_is_results_name("a/b.jsonl"));
    assert_false(jv_layout_is_results_name("a/b.json"));
    assert_true(jv_layout_is_matches_log("a/b.matches.jsonl"));
    assert_false(jv_layout_is_matches_log("a/b.jsonl"));
    /* A matches log is a .jsonl too: callers test both. */
    assert_true(jv_layout_is_results_name("a/b.matches.jsonl"));
}

static void test_default_tree(void **state)
{
    (void)state;
    /* a round's files (the defaults were these paths of the round judge_vision, log aside) */
    check(jv_layout_file(JV_LAYOUT_ROOT, "r", JV_FILE_RESULTS), "outputs/results/r.jsonl");
    check(jv_layout_file(JV_LAYOUT_ROOT, "r", JV_FILE_SUMMARY), "outputs/summaries/r_summary.md");
    check(jv_layout_file(JV_LAYOUT_ROOT, "r", JV_FILE_PROGRESS), "outputs/metrics/r_progress.json");
    check(jv_layout_file(JV_LAYOUT_ROOT, JV_LAYOUT_SHARED, JV_FILE_IQA_CACHE),
          "outputs/cache/judge_vision_iqa.jsonl");
    check(jv_layout_file(JV_LAYOUT_ROOT, "r", JV_FILE_LOG), "outputs/logs/r.log");
    check(jv_layout_lock_path("outputs/results/r.jsonl"), "outputs/results/r.lock");
    check(jv_layout_round_of("outputs/results/r.jsonl"), "r");
    assert_true(jv_layout_round_name_valid("club_dpi_2025-03-14+b.c"));
    assert_false(jv_layout_round_name_valid("../x"));
    assert_false(jv_layout_round_name_valid(".hidden"));
    assert_false(jv_layout_round_name_valid(""));
    check(jv_layout_progress_in("/srv/outputs"), "/srv/outputs/metrics/judge_vision_progress.json");
    check(jv_layout_bench_dir("outputs/results/judge_vision.jsonl"), "outputs/bench");
    check(jv_layout_bench_dir("/data/runs/r.jsonl"), "/data/runs/bench");
    check(jv_layout_bench_dir("r.jsonl"), "./bench");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_derived_with_jsonl),
        cmocka_unit_test(test_derived_without_jsonl),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_default_tree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
