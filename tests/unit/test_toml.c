/*
 * test_toml.c - the TOML parser against data files:
 *   tests/data/toml/valid/NAME.toml   must parse to tests/data/toml/valid/NAME.json
 *   tests/data/toml/invalid/NAME.toml must fail at the "LINE:COL" written in
 *                                     its first line ("# error: LINE:COL").
 * Every file is parsed from an exact-size heap copy without a terminating NUL,
 * so the sanitizer build catches any read past the end.
 */
#include "core/jv.h"

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include "input/toml.h"

static char *data_dir(const char *sub)
{
    const char *src = g_getenv("JV_SOURCE_DIR");
    return g_build_filename(src ? src : ".", "tests", "data", "toml", sub, NULL);
}

/* Sorted list of NAME.toml files in a data folder. */
static GPtrArray *toml_files(const char *dir)
{
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    GDir *d = g_dir_open(dir, 0, NULL);
    assert_non_null(d);
    const char *n;
    while ((n = g_dir_read_name(d)) != NULL)
        if (g_str_has_suffix(n, ".toml"))
            g_ptr_array_add(names, g_strdup(n));
    g_dir_close(d);
    g_ptr_array_sort(names, (GCompareFunc)g_strcmp0);
    return names;
}

/* Reads a file into an exact-size buffer (no NUL). */
static char *read_exact(const char *path, size_t *len)
{
    gchar *text = NULL;
    gsize n = 0;
    assert_true(g_file_get_contents(path, &text, &n, NULL));
    char *copy = g_malloc(n ? n : 1);
    memcpy(copy, text, n);
    g_free(text);
    *len = n;
    return copy;
}

static void test_valid(void **state)
{
    (void)state;
    char *dir = data_dir("valid");
    GPtrArray *names = toml_files(dir);
    assert_true(names->len >= 15);
    int failures = 0;
    for (guint i = 0; i < names->len; i++) {
        char *path = g_build_filename(dir, names->pdata[i], NULL);
        char *jpath = g_strdup(path);
        memcpy(jpath + strlen(jpath) - 4, "json", 4);
        size_t len;
        char *text = read_exact(path, &len);
        GError *err = NULL;
        json_t *got = jv_toml_parse(text, len, path, &err);
        json_error_t jerr;
        json_t *want = json_load_file(jpath, 0, &jerr);
        assert_non_null(want);
        if (!got) {
            fprintf(stderr, "FAIL %s: %s\n", path, err->message);
            failures++;
        } else if (!json_equal(got, want)) {
            char *g = json_dumps(got, JSON_INDENT(1));
            fprintf(stderr, "FAIL %s: got\n%s\n", path, g);
            free(g);
            failures++;
        }
        g_clear_error(&err);
        json_decref(got);
        json_decref(want);
        g_free(text);
        g_free(path);
        g_free(jpath);
    }
    g_ptr_array_free(names, TRUE);
    g_free(dir);
    assert_int_equal(failures, 0);
}

static void test_invalid(void **state)
{
    (void)state;
    char *dir = data_dir("invalid");
    GPtrArray *names = toml_files(dir);
    assert_true(names->len >= 50);
    int failures = 0;
    for (guint i = 0; i < names->len; i++) {
        char *path = g_build_filename(dir, names->pdata[i], NULL);
        size_t len;
        char *text = read_exact(path, &len);
        int line = 0, col = 0;
        assert_true(len > 9 && memcmp(text, "# error: ", 9) == 0);
        assert_int_equal(sscanf(text + 9, "%d:%d", &line, &col), 2);
        GError *err = NULL;
        json_t *got = jv_toml_parse(text, len, "f.toml", &err);
        char *prefix = g_strdup_printf("f.toml:%d:%d: ", line, col);
        if (got || !err || !g_str_has_prefix(err->message, prefix) || err->domain != JV_ERROR ||
            err->code != JV_ERR_PARSE) {
            fprintf(stderr, "FAIL %s: want %s, got %s\n", (char *)names->pdata[i], prefix,
                    err ? err->message : "success");
            failures++;
        } else if (g_getenv("JV_TEST_VERBOSE")) {
            fprintf(stderr, "%-36s %s\n", (char *)names->pdata[i], err->message);
        }
        g_free(prefix);
        g_clear_error(&err);
        json_decref(got);
        g_free(text);
        g_free(path);
    }
    g_ptr_array_free(names, TRUE);
    g_free(dir);
    assert_int_equal(failures, 0);
}

/* Messages must say what is wrong, not only where. */
static void test_messages(void **state)
{
    (void)state;
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"a = 1\na = 2\n", "f:2:1: duplicate key 'a'"},
        {"[t]\n[t]\n", "f:2:1: table 't' is defined more than once"},
        {"s = \"\\q\"", "f:1:6: invalid escape sequence \\q"},
        {"a = 007", "f:1:5: leading zeros are not allowed"},
        {"a = nan", "f:1:5: inf and nan are not supported (JSON cannot represent them)"},
        {"a = {b = 1}\na.c = 1", "f:2:1: cannot extend inline table 'a'"},
        {"é = 1\nx = \"é\" y",
         "f:1:1: invalid character in key (bare keys allow A-Za-z0-9_-; quote others)"},
        {"x = \"é\" y", "f:1:9: expected a newline or end of file"},
        {"[]", "f:1:2: expected a key, found ']'"},
        {"a = {b = 1,\n c = 2}", "f:1:12: newlines are not allowed inside an inline table"},
    };
    for (size_t i = 0; i < JV_ARRAY_LEN(cases); i++) {
        GError *err = NULL;
        json_t *j = jv_toml_parse(cases[i].text, strlen(cases[i].text), "f", &err);
        assert_null(j);
        assert_non_null(err);
        assert_string_equal(err->message, cases[i].want);
        g_error_free(err);
    }
    GError *err = NULL;
    assert_null(jv_toml_parse("=", 1, NULL, &err));
    assert_true(g_str_has_prefix(err->message, "<input>:1:1: "));
    g_error_free(err);
}

/* Embedded NUL in keys and values survives (jansson lengths, not C strings). */
static void test_nul_escapes(void **state)
{
    (void)state;
    const char *text = "\"a\\u0000b\" = \"x\\u0000y\"\n\"a\" = 1\n";
    GError *err = NULL;
    json_t *j = jv_toml_parse(text, strlen(text), "f", &err);
    assert_non_null(j);
    assert_int_equal(json_object_size(j), 2);
    json_t *v = json_object_getn(j, "a\0b", 3);
    assert_non_null(v);
    assert_int_equal(json_string_length(v), 3);
    assert_memory_equal(json_string_value(v), "x\0y", 3);
    json_decref(j);
}

/* Within the cap, deep nesting parses. */
static void test_depth_ok(void **state)
{
    (void)state;
    GString *s = g_string_new("a = ");
    for (int i = 0; i < JV_TOML_MAX_DEPTH; i++)
        g_string_append_c(s, '[');
    for (int i = 0; i < JV_TOML_MAX_DEPTH; i++)
        g_string_append_c(s, ']');
    GError *err = NULL;
    json_t *j = jv_toml_parse(s->str, s->len, "f", &err);
    assert_non_null(j);
    json_decref(j);
    g_string_free(s, TRUE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),    cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_messages), cmocka_unit_test(test_nul_escapes),
        cmocka_unit_test(test_depth_ok),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
