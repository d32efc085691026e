/*
 * GPU telemetry through a stand-in nvidia-smi placed first on PATH (NVML is
 * skipped: there is no GPU here, and on a GPU machine it would win).
 */
#include "core/jv.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <unistd.h>
#include <cmocka.h>
#include <glib/gstdio.h>

#include "core/clock.h"
#include "telemetry/gpu.h"

static char *tmpdir;
static char *mode_file;

/* The stand-in reads its behaviour from $dir/mode at each call. */
static const char fake_smi[] =
    "#!/bin/sh\n"
    "mode=$(cat \"$(dirname \"$0\")/mode\")\n"
    "case \"$*\" in *--query-gpu=name,memory.total,driver_version,utilization.gpu,memory.used*"
    " ) ;; *) echo \"bad args: $*\" >&2; exit 9;; esac\n"
    "case \"$mode\" in\n"
    "ok) printf 'NVIDIA H100 80GB HBM3, 81559, 550.54.15, 37, 1200\\n"
    "NVIDIA H100 80GB HBM3, 81559, 550.54.15, 63, 3000\\n';;\n"
    "hang) exec sleep 60;;\n"
    "garbage) echo 'Failed to initialize NVML: Driver/library version mismatch';;\n"
    "fail) exit 6;;\n"
    "esac\n";

static void set_mode(const char *mode)
{
    assert_true(g_file_set_contents(mode_file, mode, -1, NULL));
}

static int setup(void **state)
{
    (void)state;
    tmpdir = g_dir_make_tmp("jvgpu-XXXXXX", NULL);
    char *bin = g_build_filename(tmpdir, "bin", NULL);
    g_mkdir(bin, 0755);
    char *smi = g_build_filename(bin, "nvidia-smi", NULL);
    g_file_set_contents(smi, fake_smi, -1, NULL);
    g_chmod(smi, 0755);
    mode_file = g_build_filename(bin, "mode", NULL);
    char *path = g_strdup_printf("%s:/usr/bin:/bin", bin);
    g_setenv("PATH", path, TRUE);
    g_free(path);
    g_free(smi);
    g_free(bin);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char *cmd = g_strdup_printf("rm -rf '%s'", tmpdir);
    assert_int_equal(system(cmd), 0);
    g_free(cmd);
    g_free(mode_file);
    g_free(tmpdir);
    return 0;
}

static double num(const json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    assert_true(json_is_number(v));
    return json_number_value(v);
}

static void test_parse_csv(void **state)
{
    (void)state;
    GError *err = NULL;
    json_t *rows = jv_gpu_parse_smi_csv("Tesla T4, rev A, 15360, 535.1, [N/A], 5\n\n", &err);
    assert_non_null(rows);
    assert_int_equal(json_array_size(rows), 1);
    json_t *r = json_array_get(rows, 0);
    assert_string_equal(json_string_value(json_object_get(r, "name")), "Tesla T4,rev A");
    assert_true(num(r, "memory_total_mb") == 15360);
    assert_string_equal(json_string_value(json_object_get(r, "driver")), "535.1");
    assert_true(json_is_null(json_object_get(r, "util_percent")));
    assert_true(num(r, "memory_used_mb") == 5);
    json_decref(rows);

    assert_null(jv_gpu_parse_smi_csv("a, b, c\n", &err));
    assert_non_null(strstr(err->message, "line 1"));
    g_clear_error(&err);
    assert_null(jv_gpu_parse_smi_csv("GPU, lots, 1.0, 5, 5\n", &err));
    g_clear_error(&err);
    assert_null(jv_gpu_parse_smi_csv("GPU, 100, 1.0, -5, 5\n", &err));
    g_clear_error(&err);
    assert_null(jv_gpu_parse_smi_csv("", &err));
    assert_non_null(strstr(err->message, "no GPU"));
    g_clear_error(&err);
}

static void test_snapshot_and_samples(void **state)
{
    (void)state;
    set_mode("ok");
    struct jv_gpu *g = jv_gpu_open_full(JV_GPU_NO_NVML, 2.0);
    assert_true(jv_gpu_available(g));
    json_t *snap = jv_gpu_snapshot(g);
    assert_true(json_is_true(json_object_get(snap, "available")));
    assert_string_equal(json_string_value(json_object_get(snap, "source")), "nvidia-smi");
    json_t *gpus = json_object_get(snap, "gpus");
    assert_int_equal(json_array_size(gpus), 2);
    json_t *g0 = json_array_get(gpus, 0);
    assert_string_equal(json_string_value(json_object_get(g0, "name")), "NVIDIA H100 80GB HBM3");
    assert_true(num(g0, "memory_total_mb") == 81559);
    assert_string_equal(json_string_value(json_object_get(g0, "driver")), "550.54.15");
    json_decref(snap);

    double t0 = jv_clock_mono();
    jv_gpu_request_sample(g, 1.5, 10);
    jv_gpu_request_sample(g, 3.0, 20);
    assert_true(jv_clock_mono() - t0 < 0.5); /* enqueue only */
    assert_true(jv_gpu_flush(g, 10.0));
    json_t *samples = jv_gpu_samples(g);
    assert_int_equal(json_array_size(samples), 2);
    json_t *s = json_array_get(samples, 1);
    assert_true(num(s, "t") == 3.0);
    assert_true(num(s, "images_done") == 20);
    assert_true(fabs(num(s, "util_percent") - 50.0) < 1e-9); /* mean of 37, 63 */
    assert_true(num(s, "memory_used_mb") == 4200);           /* sum */
    assert_int_equal(json_array_size(json_object_get(s, "per_gpu")), 2);
    json_decref(samples);

    /* the stand-in now hangs: requests still return at once, the reading fails in time */
    set_mode("hang");
    t0 = jv_clock_mono();
    jv_gpu_request_sample(g, 4.0, 30);
    assert_true(jv_clock_mono() - t0 < 0.5);
    assert_true(jv_gpu_flush(g, 6.0));
    assert_true(jv_clock_mono() - t0 < 5.0);
    samples = jv_gpu_samples(g);
    s = json_array_get(samples, 2);
    assert_non_null(s);
    assert_true(json_is_null(json_object_get(s, "util_percent")));
    assert_non_null(strstr(json_string_value(json_object_get(s, "error")), "did not answer"));
    json_decref(samples);
    jv_gpu_close(g);
}

static void test_hanging_probe(void **state)
{
    (void)state;
    set_mode("hang");
    double t0 = jv_clock_mono();
    struct jv_gpu *g = jv_gpu_open_full(JV_GPU_NO_NVML, 0.5);
    double took = jv_clock_mono() - t0;
    assert_true(took < 2.5);
    assert_false(jv_gpu_available(g));
    json_t *snap = jv_gpu_snapshot(g);
    assert_true(json_is_false(json_object_get(snap, "available")));
    assert_non_null(strstr(json_string_value(json_object_get(snap, "reason")), "did not answer"));
    json_decref(snap);
    jv_gpu_request_sample(g, 1, 1); /* no-op */
    json_t *samples = jv_gpu_samples(g);
    assert_int_equal(json_array_size(samples), 0);
    json_decref(samples);
    jv_gpu_close(g);
}

static void expect_unavailable(const char *mode, const char *reason_part)
{
    set_mode(mode);
    struct jv_gpu *g = jv_gpu_open_full(JV_GPU_NO_NVML, 2.0);
    assert_false(jv_gpu_available(g));
    json_t *snap = jv_gpu_snapshot(g);
    assert_true(json_is_false(json_object_get(snap, "available")));
    const char *reason = json_string_value(json_object_get(snap, "reason"));
    assert_non_null(reason);
    if (!strstr(reason, reason_part))
        fail_msg("reason '%s' lacks '%s'", reason, reason_part);
    json_decref(snap);
    jv_gpu_close(g);
}

static void test_garbage_and_failure(void **state)
{
    (void)state;
    expect_unavailable("garbage", "unparseable nvidia-smi output");
    expect_unavailable("fail", "exit status 6");
}

static void test_missing(void **state)
{
    (void)state;
    const char *old = g_getenv("PATH");
    char *saved = g_strdup(old);
    g_setenv("PATH", "/nonexistent-jv", TRUE);
    struct jv_gpu *g = jv_gpu_open_full(JV_GPU_NO_NVML, 1.0);
    g_setenv("PATH", saved, TRUE);
    g_free(saved);
    json_t *snap = jv_gpu_snapshot(g);
    assert_true(json_is_false(json_object_get(snap, "available")));
    assert_non_null(strstr(json_string_value(json_object_get(snap, "reason")), "not found"));
    json_decref(snap);
    jv_gpu_close(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_csv),     cmocka_unit_test(test_snapshot_and_samples),
        cmocka_unit_test(test_hanging_probe), cmocka_unit_test(test_garbage_and_failure),
        cmocka_unit_test(test_missing),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
