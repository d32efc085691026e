/*
 * Manifest validation (fixtures and the manifest the pipeline writes) and
 * the wall-clock ratios of two runs.
 */
#include "core/jv.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include "core/stats.h"
#include "core/fsutil.h"
#include "telemetry/bench.h"
#include "outputs/manifest.h"
#include "pipeline/run_config.h"
#include "telemetry/report.h"

static char *fixture(const char *name)
{
    return g_build_filename(g_getenv("JV_SOURCE_DIR"), "tests", "data", "manifests", name, NULL);
}

static json_t *load(const char *name)
{
    char *path = fixture(name);
    GError *err = NULL;
    json_t *m = jv_manifest_load(path, &err);
    if (!m)
        fail_msg("%s", err->message);
    g_free(path);
    return m;
}

static void expect_invalid(json_t *m, const char *key)
{
    GError *err = NULL;
    assert_int_equal(jv_manifest_validate(m, &err), -1);
    if (!strstr(err->message, key))
        fail_msg("error '%s' does not name '%s'", err->message, key);
    g_error_free(err);
}

static void test_validate(void **state)
{
    (void)state;
    json_t *m = load("full.metadata.json");
    json_t *c = json_deep_copy(m);
    json_object_del(c, "run_id");
    expect_invalid(c, "run_id");
    json_decref(c);
    c = json_deep_copy(m);
    json_object_set_new(c, "git_dirty", json_string("no"));
    expect_invalid(c, "git_dirty");
    json_decref(c);
    c = json_deep_copy(m);
    json_object_set_new(c, "status", json_string("done"));
    expect_invalid(c, "status");
    json_decref(c);
    c = json_deep_copy(m);
    json_object_set_new(json_object_get(c, "images"), "failed", json_string("2"));
    expect_invalid(c, "images.failed");
    json_decref(c);
    c = json_deep_copy(m);
    json_object_set_new(json_object_get(json_object_get(c, "critique"), "ttft"), "mean",
                        json_true());
    expect_invalid(c, "critique.ttft.mean");
    json_decref(c);
    c = json_deep_copy(m);
    json_object_set_new(c, "critique", json_array());
    expect_invalid(c, "critique");
    json_decref(c);
    expect_invalid(json_array_get(json_object_get(m, "stages"), 0), "run_id");
    json_decref(m);

    GError *err = NULL;
    char *path = fixture("truncated.metadata.json");
    assert_null(jv_manifest_load(path, &err));
    assert_non_null(strstr(err->message, path));
    g_clear_error(&err);
    g_free(path);
    assert_null(jv_manifest_load("/nonexistent/x.metadata.json", &err));
    assert_non_null(strstr(err->message, "/nonexistent/x.metadata.json"));
    g_clear_error(&err);
}

/* What the pipeline's manifest module writes must pass the validator. */
static void test_pipeline_manifest_validates(void **state)
{
    (void)state;
    struct jv_run_config o;
    jv_run_config_init(&o);
    struct jv_manifest man;
    char *argv[] = {(char *)"run", (char *)"-i", (char *)"x", NULL};
    char *dir = g_dir_make_tmp("jvrep-XXXXXX", NULL);
    char *path = g_build_filename(dir, "r.metadata.json", NULL);
    jv_manifest_init(&man, path, jv_run_config_to_json(&o), 3, argv);
    GError *err = NULL;
    if (jv_manifest_validate(man.root, &err) < 0)
        fail_msg("fresh manifest: %s", err->message);
    struct jv_stats s;
    jv_stats_init(&s);
    jv_stats_add(&s, 1.0);
    jv_manifest_stage(&man, "iqa", 100.0, 101.5, &s);
    jv_stats_release(&s);
    jv_manifest_finish(&man, "complete");
    json_t *m = jv_manifest_load(path, &err);
    if (!m)
        fail_msg("written manifest: %s", err->message);
    assert_int_equal(jv_report_print(stdout, m, NULL, &err), 0);
    json_decref(m);
    jv_manifest_release(&man);
    jv_run_config_release(&o);
    remove(path);
    remove(dir);
    g_free(path);
    g_free(dir);
}

static void test_ratios(void **state)
{
    (void)state;
    json_t *a = load("baseline.metadata.json");
    json_t *b = load("full.metadata.json");
    json_t *r = jv_report_ratios(a, b);
    assert_true(fabs(json_real_value(json_object_get(r, "overall")) - 2313.0 / 1001.25) < 1e-9);
    json_t *st = json_object_get(r, "stages");
    assert_true(fabs(json_real_value(json_object_get(st, "critique")) - 4.0) < 1e-9);
    assert_true(fabs(json_real_value(json_object_get(st, "pairwise")) - 0.8) < 1e-9);
    json_decref(r);
    json_t *i = load("iqa_only.metadata.json");
    r = jv_report_ratios(i, b);
    st = json_object_get(r, "stages");
    assert_true(json_is_null(json_object_get(st, "critique"))); /* only in B */
    assert_true(json_is_number(json_object_get(st, "iqa")));
    json_decref(r);
    json_decref(i);
    json_decref(a);
    json_decref(b);
}

static void test_bench_compare(void **state)
{
    (void)state;
    char *dir = g_dir_make_tmp("jvbench-XXXXXX", NULL);
    char *cmp = g_build_filename(dir, "compare.json", NULL);
    char *a = fixture("baseline.metadata.json");
    char *b = fixture("full.metadata.json");
    char *w = fixture("iqa_only.metadata.json");
    char *bad = fixture("truncated.metadata.json");
    GError *err = NULL;
    char *outpath = g_build_filename(dir, "out.txt", NULL);
    FILE *out = fopen(outpath, "w");
    assert_int_equal(jv_bench_compare(a, b, w, cmp, out, &err), 0);
    fclose(out);
    char *text = jv_read_file(outpath, 1 << 20, NULL, &err);
    assert_non_null(strstr(text, "Stage 1 warm-up (IQA cache shared by both runs): 20.40 s"));
    assert_non_null(strstr(text, "2.31x faster"));
    g_free(text);
    json_t *j = json_load_file(cmp, 0, NULL);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "baseline_manifest")), a);
    assert_string_equal(json_string_value(json_object_get(j, "optimised_manifest")), b);
    assert_true(json_number_value(json_object_get(j, "warmup_seconds")) == 20.4);
    json_t *r = json_object_get(json_object_get(j, "ratios"), "stages");
    assert_true(fabs(json_number_value(json_object_get(r, "critique")) - 4.0) < 1e-9);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(j, "optimised"), "run_id")),
        "20261126T101500Z-a1b2c3");
    json_decref(j);
    remove(cmp);
    /* an unreadable manifest: error naming it, no compare.json */
    out = fopen(outpath, "w");
    assert_int_equal(jv_bench_compare(a, bad, NULL, cmp, out, &err), -1);
    fclose(out);
    assert_non_null(strstr(err->message, bad));
    g_clear_error(&err);
    assert_false(g_file_test(cmp, G_FILE_TEST_EXISTS));
    remove(outpath);
    remove(dir);
    g_free(outpath);
    g_free(a);
    g_free(b);
    g_free(w);
    g_free(bad);
    g_free(cmp);
    g_free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_validate),
        cmocka_unit_test(test_pipeline_manifest_validates),
        cmocka_unit_test(test_ratios),
        cmocka_unit_test(test_bench_compare),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
