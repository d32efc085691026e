/*
 * The build identity matches the source tree the test runs from (meson test
 * rebuilds first, so the vcs_tag step has just run).
 */
#include "core/jv.h"

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include "core/buildinfo.h"

static void test_identity(void **state)
{
    (void)state;
    assert_string_equal(jv_build_version(), JV_VERSION);
    const char *commit = jv_build_git_commit();
    char *out = NULL;
    int status = 1;
    const char *src = g_getenv("JV_SOURCE_DIR");
    char *argv[] = {(char *)"git",       (char *)"-C",   (char *)src,
                    (char *)"rev-parse", (char *)"HEAD", NULL};
    bool have_git = src &&
                    g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                                 NULL, NULL, &out, NULL, &status, NULL) &&
                    status == 0;
    if (have_git) {
        g_strstrip(out);
        assert_string_equal(commit, out);
        assert_int_equal(strlen(commit), 40);
    } else {
        assert_string_equal(commit, "unknown");
        assert_false(jv_build_git_dirty());
    }
    g_free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_identity)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
