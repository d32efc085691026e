/*
 * test_discover.c - discovery (doc/SPEC.md 2.1) on a real temporary tree with odd
 * names, ignored stems, symlink loops and overlapping inputs.
 */
#include "core/jv.h"

#include <setjmp.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/log.h"
#include "input/discover.h"

static char *root;

static void touch(const char *rel)
{
    char *path = g_build_filename(root, rel, NULL);
    char *dir = g_path_get_dirname(path);
    assert_int_equal(g_mkdir_with_parents(dir, 0755), 0);
    assert_true(g_file_set_contents(path, "x", 1, NULL));
    g_free(dir);
    g_free(path);
}

static void link_at(const char *target, const char *rel)
{
    char *path = g_build_filename(root, rel, NULL);
    assert_int_equal(symlink(target, path), 0);
    g_free(path);
}

static int setup(void **state)
{
    (void)state;
    jv_log_set_quiet(true);
    char *tmp = g_dir_make_tmp("jvdisc-XXXXXX", NULL);
    /* Canonical, so expected paths match even if TMPDIR holds a symlink. */
    root = realpath(tmp, NULL);
    g_free(tmp);
    const char *files[] = {
        "a.jpg",
        "B.JPEG",
        "c.Png",
        "d.tif",
        "e.TIFF",
        "f.webp",
        "g.gif",
        "noext",
        ".jpg",
        "notes.jpg.txt",
        "x_lab_y.jpg",
        "X_LAB_Z.jpg",
        "myBackUp.png",
        "backup.tif",
        "lab_ok.jpg",
        "sub/deep/h.jpg",
        "sub/_lab_dir/i.jpg",
        "backups/j.jpg",
        "with space.jpg",
        "it's \"q\".jpg",
        "caf\xe9.jpg",
        "fake.jpg/k.png",
    };
    for (size_t i = 0; i < JV_ARRAY_LEN(files); i++)
        touch(files[i]);
    link_at("..", "sub/loop");          /* back to the root: a loop */
    link_at(".", "sub/deep/self");      /* a loop onto itself */
    link_at("nowhere", "dangling.jpg"); /* broken link: skipped with a warning */
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char *cmd = g_strdup_printf("rm -rf '%s'", root);
    int rc = system(cmd);
    g_free(cmd);
    free(root);
    return rc == 0 ? 0 : -1;
}

static void check_list(GPtrArray *got, const char *const *want)
{
    size_t n = 0;
    while (want[n])
        n++;
    for (guint i = 0; i < got->len; i++)
        fprintf(stderr, "  got %s\n", (char *)got->pdata[i]);
    assert_int_equal(got->len, n);
    for (size_t i = 0; i < n; i++) {
        char *p = g_build_filename(root, want[i], NULL);
        assert_string_equal(got->pdata[i], p);
        g_free(p);
    }
}

/* Byte-order sorted: upper case before lower, 0xE9 after ASCII. */
static const char *const all_recursive[] = {
    "B.JPEG",         "a.jpg",          "backups/j.jpg",
    "c.Png",          "caf\xe9.jpg",    "d.tif",
    "e.TIFF",         "f.webp",         "fake.jpg/k.png",
    "it's \"q\".jpg", "lab_ok.jpg",     "sub/_lab_dir/i.jpg",
    "sub/deep/h.jpg", "with space.jpg", NULL,
};

static void test_recursive(void **state)
{
    (void)state;
    const char *inputs[] = {root, NULL};
    GError *err = NULL;
    GPtrArray *got = jv_discover(inputs, true, false, &err);
    assert_non_null(got);
    check_list(got, all_recursive);
    g_ptr_array_free(got, TRUE);
}

static void test_not_recursive(void **state)
{
    (void)state;
    const char *inputs[] = {root, NULL};
    GError *err = NULL;
    GPtrArray *got = jv_discover(inputs, false, false, &err);
    assert_non_null(got);
    static const char *const want[] = {
        "B.JPEG", "a.jpg",          "c.Png",      "caf\xe9.jpg",    "d.tif", "e.TIFF",
        "f.webp", "it's \"q\".jpg", "lab_ok.jpg", "with space.jpg", NULL,
    };
    check_list(got, want);
    g_ptr_array_free(got, TRUE);
}

static void test_overlapping_inputs(void **state)
{
    (void)state;
    char *sub = g_build_filename(root, "sub", NULL);
    char *file = g_build_filename(root, "a.jpg", NULL);
    /* A non-normalised spelling of the same file must still de-duplicate. */
    char *odd = g_build_filename(root, "sub", "..", ".", "a.jpg", NULL);
    const char *inputs[] = {sub, file, root, odd, file, NULL};
    GError *err = NULL;
    GPtrArray *got = jv_discover(inputs, true, false, &err);
    assert_non_null(got);
    check_list(got, all_recursive);
    g_ptr_array_free(got, TRUE);

    const char *single[] = {odd, NULL};
    got = jv_discover(single, true, false, &err);
    static const char *const want[] = {"a.jpg", NULL};
    check_list(got, want);
    g_ptr_array_free(got, TRUE);

    /* An explicitly named file still obeys the rules (skipped, warned). */
    char *ignored = g_build_filename(root, "x_lab_y.jpg", NULL);
    const char *ign[] = {ignored, NULL};
    got = jv_discover(ign, true, false, &err);
    assert_non_null(got);
    assert_int_equal(got->len, 0);
    g_ptr_array_free(got, TRUE);
    g_free(ignored);
    g_free(sub);
    g_free(file);
    g_free(odd);
}

static void test_missing_input(void **state)
{
    (void)state;
    char *missing = g_build_filename(root, "no such dir", NULL);
    const char *inputs[] = {root, missing, NULL};
    GError *err = NULL;
    assert_null(jv_discover(inputs, true, false, &err));
    assert_non_null(err);
    assert_int_equal(err->code, JV_ERR_NOT_FOUND);
    assert_non_null(strstr(err->message, missing));
    g_error_free(err);
    g_free(missing);
}

static void test_empty_and_unreadable(void **state)
{
    (void)state;
    char *empty = g_build_filename(root, "sub", "deep", NULL);
    const char *inputs[] = {empty, NULL};
    GError *err = NULL;
    GPtrArray *got = jv_discover(inputs, true, false, &err);
    static const char *const want[] = {"sub/deep/h.jpg", NULL};
    check_list(got, want);
    g_ptr_array_free(got, TRUE);
    g_free(empty);

    /* Permissions do not stop root, so this part needs an ordinary user. */
    if (geteuid() == 0)
        return;
    char *locked = g_build_filename(root, "sub", "deep", NULL);
    assert_int_equal(chmod(locked, 0), 0);
    const char *all[] = {root, NULL};
    got = jv_discover(all, true, false, &err);
    chmod(locked, 0755);
    assert_non_null(got);
    assert_int_equal(got->len, JV_ARRAY_LEN(all_recursive) - 2);
    g_ptr_array_free(got, TRUE);
    g_free(locked);
}

static void test_candidate_names(void **state)
{
    (void)state;
    assert_true(jv_discover_is_candidate("x.JpG"));
    assert_true(jv_discover_is_candidate("a.b.webp"));
    assert_false(jv_discover_is_candidate("x.jpg.bak"));
    assert_false(jv_discover_is_candidate("BACKUP2.jpg"));
    assert_false(jv_discover_is_candidate("old_Lab_1.tif"));
    assert_true(jv_discover_is_candidate("lab.tif"));
    assert_false(jv_discover_is_candidate(".png"));
    assert_false(jv_discover_is_candidate("jpg"));
}

static char *log_text(const char *log)
{
    char *text = NULL;
    jv_log_close();
    assert_true(g_file_get_contents(log, &text, NULL, NULL));
    return text;
}

/*
 * Links out of the input tree are skipped and said (followed only with
 * follow_symlinks); links inside it are followed; a FIFO and a device named
 * like photos are skipped with a word, not opened (opening a FIFO blocks).
 */
static void test_symlinks_and_special_files(void **state)
{
    (void)state;
    char *tmp = g_dir_make_tmp("jvdisc2-XXXXXX", NULL);
    char *base = realpath(tmp, NULL);
    g_free(tmp);
    char *in = g_build_filename(base, "in", NULL);
    char *outside = g_build_filename(base, "private", NULL);
    char *inner = g_build_filename(in, "inner", NULL);
    assert_int_equal(g_mkdir_with_parents(inner, 0755), 0);
    assert_int_equal(g_mkdir_with_parents(outside, 0755), 0);
    char *p = g_build_filename(in, "a.jpg", NULL);
    assert_true(g_file_set_contents(p, "x", 1, NULL));
    g_free(p);
    p = g_build_filename(inner, "b.jpg", NULL);
    assert_true(g_file_set_contents(p, "x", 1, NULL));
    g_free(p);
    p = g_build_filename(outside, "secret.jpg", NULL);
    assert_true(g_file_set_contents(p, "x", 1, NULL));
    char *link = g_build_filename(in, "lone.jpg", NULL);
    assert_int_equal(symlink(p, link), 0); /* a file link out of the tree */
    g_free(link);
    g_free(p);
    link = g_build_filename(in, "elsewhere", NULL);
    assert_int_equal(symlink(outside, link), 0); /* a directory link out of the tree */
    g_free(link);
    link = g_build_filename(in, "alias", NULL);
    assert_int_equal(symlink("inner", link), 0); /* inside: followed (inner seen once) */
    g_free(link);
    link = g_build_filename(in, "alias.jpg", NULL);
    assert_int_equal(symlink("a.jpg", link), 0); /* a file link inside: followed */
    g_free(link);
    char *fifo = g_build_filename(in, "pipe.jpg", NULL);
    assert_int_equal(mkfifo(fifo, 0644), 0);
    char *dev = g_build_filename(in, "null.png", NULL);
    assert_int_equal(symlink("/dev/null", dev), 0); /* outside too, but say what it is */

    char *log = g_build_filename(base, "log.jsonl", NULL);
    GError *err = NULL;
    assert_int_equal(jv_log_open(log, JV_LOG_INFO, &err), 0);
    const char *inputs[] = {in, NULL};
    GPtrArray *got = jv_discover(inputs, true, false, &err);
    char *text = log_text(log);
    assert_non_null(got);
    for (guint i = 0; i < got->len; i++)
        fprintf(stderr, "  got %s\n", (char *)got->pdata[i]);
    assert_int_equal(got->len, 3); /* a.jpg, alias.jpg, b.jpg */
    assert_non_null(strstr(got->pdata[0], "/in/a.jpg"));
    assert_non_null(strstr(got->pdata[1], "/in/alias.jpg"));
    assert_non_null(strstr(got->pdata[2], "/b.jpg")); /* under alias/ or inner/, once */
    assert_non_null(strstr(text, "elsewhere: a symbolic link to "));
    assert_non_null(strstr(text, "lone.jpg: a symbolic link to "));
    assert_non_null(strstr(text, "outside the input folders (--follow-symlinks follows it)"));
    assert_non_null(strstr(text, "pipe.jpg: a FIFO, not a photo file"));
    assert_non_null(strstr(text, "null.png: a symbolic link to /dev/null"));
    g_free(text);
    g_ptr_array_free(got, TRUE);

    /* --follow-symlinks: the outside files come in; the FIFO and device are still skipped */
    assert_int_equal(jv_log_open(log, JV_LOG_INFO, &err), 0);
    got = jv_discover(inputs, true, true, &err);
    text = log_text(log);
    assert_non_null(got);
    assert_int_equal(got->len, 5); /* + elsewhere/secret.jpg, lone.jpg */
    assert_non_null(strstr(text, "null.png: a device, not a photo file"));
    g_free(text);
    g_ptr_array_free(got, TRUE);

    /* a FIFO named on the command line is refused the same way */
    const char *named[] = {fifo, NULL};
    got = jv_discover(named, true, false, &err);
    assert_non_null(got);
    assert_int_equal(got->len, 0);
    g_ptr_array_free(got, TRUE);

    char *cmd = g_strdup_printf("rm -rf '%s'", base);
    assert_int_equal(system(cmd), 0);
    g_free(cmd);
    g_free(log);
    g_free(fifo);
    g_free(dev);
    g_free(in);
    g_free(inner);
    g_free(outside);
    free(base);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_recursive),
        cmocka_unit_test(test_not_recursive),
        cmocka_unit_test(test_overlapping_inputs),
        cmocka_unit_test(test_missing_input),
        cmocka_unit_test(test_empty_and_unreadable),
        cmocka_unit_test(test_candidate_names),
        cmocka_unit_test(test_symlinks_and_special_files),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
