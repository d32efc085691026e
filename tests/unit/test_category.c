/*
 * test_category.c - category rules of doc/SPEC.md 2.2, in order of precedence.
 */
#include "core/jv.h"

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include "input/category.h"

static void check(const char *path, const char *override, const char *const *cats, const char *want)
{
    char *got = jv_category_for(path, override, cats);
    assert_string_equal(got, want);
    g_free(got);
}

static void test_rules(void **state)
{
    (void)state;
    const char *const cats[] = {"Colour", "Mono", "Nature", NULL};
    /* Override wins over everything. */
    check("/c/Mono/01_a.jpg", "Open", cats, "Open");
    /* Empty override counts as none. */
    check("/c/Mono/x.jpg", "", cats, "Mono");
    /* Parent folder, any case, spelled as in the list. */
    check("/c/NATURE/x.jpg", NULL, cats, "Nature");
    check("/c/nature/sub/x.jpg", NULL, cats, "Nature");
    /* The nearest matching folder wins. */
    check("/c/mono/colour/x.jpg", NULL, cats, "Colour");
    /* The folder beats the 01_ convention. */
    check("/c/colour/01_x.jpg", NULL, cats, "Colour");
    /* Folder names must equal a category, not merely contain one. */
    check("/c/Monochrome/x.jpg", NULL, cats, "Colour");
    /* File-name convention. */
    check("/c/round1/01_x.jpg", NULL, cats, "Mono");
    check("/c/round1/02_x.jpg", NULL, cats, "Colour");
    check("/c/round1/x01_.jpg", NULL, cats, "Colour");
    check("01_rel.jpg", NULL, cats, "Mono");
    check("rel.jpg", NULL, NULL, "Colour");
    /* The file name itself is not a folder. */
    check("/c/x/Nature", NULL, cats, "Colour");
    /* Convention results take the list's spelling. */
    const char *const lower[] = {"colour", "mono", NULL};
    check("/c/01_x.jpg", NULL, lower, "mono");
    check("/c/x.jpg", NULL, lower, "colour");
    /* Without a list, folders cannot match. */
    check("/c/Mono/x.jpg", NULL, NULL, "Colour");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
