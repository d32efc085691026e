/*
 * test_compliance.c - Stage 0 (doc/SPEC.md 2.4) against competitions loaded from
 * real registry text.
 */
#include "core/jv.h"

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>
#include <glib/gstdio.h>

#include "core/fsutil.h"
#include "input/compliance.h"
#include "input/registry.h"

static struct jv_competition *load(const char *text)
{
    char *dir = g_dir_make_tmp("jvcomp-XXXXXX", NULL);
    char *path = g_build_filename(dir, "r.toml", NULL);
    assert_int_equal(jv_write_file_atomic(path, text, strlen(text), NULL), 0);
    GError *err = NULL;
    struct jv_competition *c = jv_competition_load(path, "c", &err);
    assert_non_null(c);
    g_unlink(path);
    g_rmdir(dir);
    g_free(path);
    g_free(dir);
    return c;
}

static const char *issue(json_t *j, size_t i)
{
    return json_string_value(json_array_get(json_object_get(j, "issues"), i));
}

static void test_limits(void **state)
{
    (void)state;
    struct jv_competition *c = load("[competition.c.rules]\nmax_width = 1600\nmax_height = 1200\n"
                                    "min_width = 800\nmin_height = 600\n");
    json_t *j = jv_compliance_check(1600, 1200, c, NULL);
    assert_true(json_is_true(json_object_get(j, "passed")));
    assert_int_equal(json_array_size(json_object_get(j, "issues")), 0);
    assert_int_equal(json_array_size(json_object_get(j, "warnings")), 0);
    json_t *res = json_object_get(json_object_get(j, "checks"), "resolution");
    assert_int_equal(json_integer_value(json_object_get(res, "width")), 1600);
    assert_int_equal(json_integer_value(json_object_get(res, "height")), 1200);
    char *s = jv_compliance_summary(j);
    assert_string_equal(s, "passed (1600x1200)");
    g_free(s);
    json_decref(j);

    j = jv_compliance_check(1601, 1201, c, NULL);
    assert_true(json_is_false(json_object_get(j, "passed")));
    assert_string_equal(issue(j, 0), "width 1601 px exceeds the maximum of 1600 px");
    assert_string_equal(issue(j, 1), "height 1201 px exceeds the maximum of 1200 px");
    s = jv_compliance_summary(j);
    assert_string_equal(s, "failed: width 1601 px exceeds the maximum of 1600 px; height 1201 px "
                           "exceeds the maximum of 1200 px (1601x1201)");
    g_free(s);
    json_decref(j);

    j = jv_compliance_check(799, 599, c, NULL);
    assert_string_equal(issue(j, 0), "width 799 px is below the minimum of 800 px");
    assert_string_equal(issue(j, 1), "height 599 px is below the minimum of 600 px");
    json_decref(j);
    jv_competition_free(c);
}

static void test_policies(void **state)
{
    (void)state;
    struct jv_competition *c = load("[competition.c.rules]\nborders = \"disallowed\"\n"
                                    "manipulation = \"minor cloning allowed\"\n"
                                    "watermark_allowed = false\n");
    json_t *j = jv_compliance_check(5000, 5000, c, NULL);
    /* No size limits: any size passes; policies become warnings. */
    assert_true(json_is_true(json_object_get(j, "passed")));
    json_t *w = json_object_get(j, "warnings");
    assert_int_equal(json_array_size(w), 3);
    assert_string_equal(json_string_value(json_array_get(w, 0)), "borders: disallowed");
    assert_string_equal(json_string_value(json_array_get(w, 1)),
                        "manipulation: minor cloning allowed");
    assert_string_equal(json_string_value(json_array_get(w, 2)), "watermarks: not allowed");
    json_decref(j);
    jv_competition_free(c);

    /* Without a competition only the size is recorded. */
    j = jv_compliance_check(10, 20, NULL, NULL);
    assert_true(json_is_true(json_object_get(j, "passed")));
    assert_int_equal(json_array_size(json_object_get(j, "warnings")), 0);
    json_decref(j);
}

static void test_unreadable(void **state)
{
    (void)state;
    json_t *j = jv_compliance_check(0, 0, NULL, "VipsJpeg: Premature end of JPEG file");
    assert_true(json_is_false(json_object_get(j, "passed")));
    assert_string_equal(issue(j, 0), "unreadable image: VipsJpeg: Premature end of JPEG file");
    json_t *res = json_object_get(json_object_get(j, "checks"), "resolution");
    assert_true(json_is_null(json_object_get(res, "width")));
    assert_true(json_is_null(json_object_get(res, "height")));
    char *s = jv_compliance_summary(j);
    assert_string_equal(s, "failed: unreadable image: VipsJpeg: Premature end of JPEG file");
    g_free(s);
    json_decref(j);

    /* A reason with invalid UTF-8 still yields valid JSON. */
    j = jv_compliance_check(0, 0, NULL, "bad \xff name");
    char *dump = json_dumps(j, 0);
    assert_non_null(dump);
    free(dump);
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_policies),
        cmocka_unit_test(test_unreadable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
