/* Failing fast: kinds of errors, the streak, hints, the output checks, refused writes. */
#include "core/jv.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "outputs/results.h"
#include "pipeline/checks.h"
#include "pipeline/failures.h"
#include "pipeline/run_config.h"

#include "tmpdir.h"

static int setup(void **state)
{
    (void)state;
    return tmpdir_make("jv-failfast-XXXXXX");
}

static int teardown(void **state)
{
    (void)state;
    int rc = tmpdir_remove();
    return rc == 0 ? 0 : -1;
}

static void test_kind(void **state)
{
    (void)state;
    char *a =
        jv_failures_kind("POST http://h:8000/v1/x: HTTP 404: failure of request 17 after 2.5 s");
    assert_string_equal(a, "POST http://h:#/v#/x: HTTP 404: failure of request # after #.# s");
    char *b =
        jv_failures_kind("POST http://h:8001/v1/x: HTTP 404: failure of request 3 after 1.0 s");
    assert_string_equal(a, b);
    char *c =
        jv_failures_kind("POST http://h:8000/v1/x: HTTP 500: failure of request 17 after 2.5 s");
    assert_string_not_equal(a, c); /* another status is another kind */
    g_free(a);
    g_free(b);
    g_free(c);
}

static void test_streak_and_commonest(void **state)
{
    (void)state;
    struct jv_failures f;
    jv_failures_init(&f);
    size_t n = 99;
    assert_null(jv_failures_commonest(&f, &n));
    assert_int_equal(n, 0);
    assert_int_equal(jv_failures_add(&f, "HTTP 500: request 1", true), 1);
    assert_int_equal(jv_failures_add(&f, "HTTP 500: request 2", true), 2);
    /* a failure outside Stage 2 neither ends nor extends the streak */
    assert_int_equal(jv_failures_add(&f, "cannot decode a.jpg", false), 0);
    assert_int_equal(jv_failures_add(&f, "HTTP 500: request 3", true), 3);
    /* another kind starts over */
    assert_int_equal(jv_failures_add(&f, "HTTP 404: no route", true), 1);
    assert_int_equal(jv_failures_add(&f, "HTTP 500: request 4", true), 1);
    jv_failures_ok(&f);
    assert_int_equal(jv_failures_add(&f, "HTTP 500: request 5", true), 1);
    assert_string_equal(jv_failures_commonest(&f, &n), "HTTP 500: request 1");
    assert_int_equal(n, 5);
    jv_failures_release(&f);
}

static void test_hints(void **state)
{
    (void)state;
    assert_string_equal(jv_check_hint("POST u: HTTP 404: The model `x` does not exist."),
                        "check --model: GET <base-url>/models lists the served models");
    assert_non_null(
        strstr(jv_check_hint("POST u: HTTP 404: no route POST /chat/completions"), "--base-url"));
    assert_non_null(
        strstr(jv_check_hint("POST u: Failed to connect to h port 1: Connection refused"),
               "is the server running?"));
    assert_non_null(
        strstr(jv_check_hint("cannot write r.jsonl: No space left on device"), "disk is full"));
    assert_null(jv_check_hint("something else"));
    assert_null(jv_check_hint(NULL));
}

static char *in_tmp(const char *name)
{
    return g_build_filename(tmpdir, name, NULL);
}

static void set_outputs(struct jv_run_config *o, const char *summary)
{
    jv_run_config_init(o);
    g_free(o->outputs.results);
    o->outputs.results = in_tmp("out/r.jsonl");
    g_free(o->outputs.summary);
    o->outputs.summary = g_strdup(summary);
    g_free(o->outputs.progress);
    o->outputs.progress = in_tmp("out/p.json");
    g_free(o->outputs.iqa_cache);
    o->outputs.iqa_cache = in_tmp("cache/iqa.jsonl");
}

static void test_outputs(void **state)
{
    (void)state;
    GError *err = NULL;
    struct jv_run_config o;
    char *file = in_tmp("a-file");
    assert_true(g_file_set_contents(file, "keep me", -1, NULL));

    /* All fine: folders created, nothing left behind, an existing file untouched. */
    set_outputs(&o, file);
    assert_int_equal(jv_check_outputs(&o, true, true, true, &err), 0);
    assert_true(g_file_test(o.outputs.results, G_FILE_TEST_EXISTS) == FALSE);
    char *dir = in_tmp("cache");
    assert_true(g_file_test(dir, G_FILE_TEST_IS_DIR));
    g_free(dir);
    char *text = NULL;
    assert_true(g_file_get_contents(file, &text, NULL, NULL));
    assert_string_equal(text, "keep me");
    g_free(text);
    jv_run_config_release(&o);

    /* A path below a file. */
    char *below = g_build_filename(file, "s.md", NULL);
    set_outputs(&o, below);
    assert_int_equal(jv_check_outputs(&o, true, false, false, &err), -1);
    assert_non_null(strstr(err->message, "the summary (--summary)"));
    assert_non_null(strstr(err->message, below));
    g_clear_error(&err);
    /* ... not checked when the run writes no summary */
    assert_int_equal(jv_check_outputs(&o, false, true, false, &err), 0);
    jv_run_config_release(&o);
    g_free(below);

    /* A folder where a file should be. */
    set_outputs(&o, tmpdir);
    assert_int_equal(jv_check_outputs(&o, true, false, false, &err), -1);
    assert_non_null(strstr(err->message, "is a folder"));
    g_clear_error(&err);
    jv_run_config_release(&o);
    g_free(file);
}

/* A refused write (ENOSPC from /dev/full) and a refused fsync are both reported. */
static void test_refused_write(void **state)
{
    (void)state;
    GError *err = NULL;
    char *path = in_tmp("w/r.jsonl");
    struct jv_results r;
    assert_int_equal(jv_results_open(&r, path, 1, false, &err), 0);
    assert_int_equal(jv_results_sync(&r, &err), 0);
    int full = open("/dev/full", O_WRONLY | O_CLOEXEC);
    if (full < 0) {
        jv_results_close(&r);
        g_free(path);
        skip();
    }
    assert_true(dup2(full, r.fd) >= 0);
    close(full);
    json_t *rec = json_pack("{s:s,s:s}", "image", "/a.jpg", "status", "ok");
    assert_int_equal(jv_results_append(&r, rec, &err), -1);
    assert_non_null(strstr(err->message, "No space left"));
    g_clear_error(&err);
    json_decref(rec);
    /* fsync on a character device fails (EINVAL): the failure is returned */
    assert_int_equal(jv_results_sync(&r, &err), -1);
    assert_non_null(strstr(err->message, "cannot sync"));
    g_clear_error(&err);
    jv_results_close(&r);
    g_free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kind),          cmocka_unit_test(test_streak_and_commonest),
        cmocka_unit_test(test_hints),         cmocka_unit_test(test_outputs),
        cmocka_unit_test(test_refused_write),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
