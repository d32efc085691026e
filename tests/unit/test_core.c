/* test_core.c - unit tests of core/: clock, files, hashes, statistics, log. */
#include "core/jv.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/clock.h"
#include "core/budget.h"
#include "core/fsutil.h"
#include "core/hash.h"
#include "core/stats.h"

static void test_stats(void **state)
{
    (void)state;
    struct jv_stats s;
    jv_stats_init(&s);
    for (int i = 1; i <= 100; i++)
        jv_stats_add(&s, i);
    assert_int_equal(jv_stats_count(&s), 100);
    assert_true(fabs(jv_stats_mean(&s) - 50.5) < 1e-9);
    assert_true(fabs(jv_stats_percentile(&s, 50) - 50.5) < 1e-9);
    assert_true(fabs(jv_stats_percentile(&s, 95) - 95.05) < 1e-9);
    json_t *j = jv_stats_to_json(&s);
    assert_true(fabs(json_real_value(json_object_get(j, "min")) - 1) < 1e-9);
    assert_true(fabs(json_real_value(json_object_get(j, "max")) - 100) < 1e-9);
    json_decref(j);
    jv_stats_release(&s);

    jv_stats_init(&s);
    j = jv_stats_to_json(&s);
    assert_true(json_is_null(json_object_get(j, "p50")));
    json_decref(j);
    jv_stats_release(&s);
}

static void test_iso8601(void **state)
{
    (void)state;
    char buf[JV_ISO8601_LEN];
    assert_string_equal(jv_clock_iso8601(0.5, buf), "1970-01-01T00:00:00.500Z");
    assert_string_equal(jv_clock_iso8601(1795699842.0, buf), "2026-11-26T13:30:42.000Z");
}

static void test_atomic_write_and_torn_tail(void **state)
{
    (void)state;
    GError *err = NULL;
    char *dir = g_dir_make_tmp("jvtest-XXXXXX", &err);
    assert_non_null(dir);
    char *path = g_build_filename(dir, "sub", "f.jsonl", NULL);
    assert_int_equal(jv_write_file_atomic(path, "a\nb\nhalf", 8, &err), 0);
    size_t len = 0;
    char *text = jv_read_file(path, 1024, &len, &err);
    assert_string_equal(text, "a\nb\nhalf");
    g_free(text);

    int fd = jv_open_append(path, &err);
    assert_true(fd >= 0);
    assert_int_equal(jv_truncate_torn_tail(fd, path, &err), 0);
    assert_int_equal(jv_write_all(fd, "c\n", 2, path, &err), 0);
    close(fd);
    text = jv_read_file(path, 1024, &len, &err);
    assert_string_equal(text, "a\nb\nc\n");
    g_free(text);

    assert_null(jv_read_file(path, 2, &len, &err));
    assert_non_null(err);
    assert_non_null(strstr(err->message, "too large"));
    g_clear_error(&err);

    unlink(path);
    char *sub = g_path_get_dirname(path);
    rmdir(sub);
    rmdir(dir);
    g_free(sub);
    g_free(path);
    g_free(dir);
}

static void test_hashes(void **state)
{
    (void)state;
    char a[JV_CONTENT_HASH_LEN], b[JV_CONTENT_HASH_LEN];
    jv_hash_buffer("hello", 5, a);
    jv_hash_buffer("hellp", 5, b);
    assert_int_equal(strlen(a), 32);
    assert_string_not_equal(a, b);
    char *sha = jv_sha256_hex("abc", 3);
    assert_string_equal(sha, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    g_free(sha);
}

static void test_path_utf8(void **state)
{
    (void)state;
    char *a = jv_path_utf8("/photos/caf\xc3\xa9 'q'.jpg");
    assert_string_equal(a, "/photos/caf\xc3\xa9 'q'.jpg"); /* valid UTF-8: unchanged */
    char *b = jv_path_utf8("/photos/latin1_\xe9.jpg");
    assert_string_equal(b, "/photos/latin1_\\xE9.jpg");
    assert_true(g_utf8_validate(b, -1, NULL));
    char *c = jv_path_utf8("/photos/latin1_\xe9.jpg");
    assert_string_equal(b, c); /* stable: usable as a key */
    g_free(a);
    g_free(b);
    g_free(c);
}

/* The escaping is one-to-one and reversible: no two files share a record. */
static void test_path_utf8_injective(void **state)
{
    (void)state;
    /* Latin-1 "caf<E9>.jpg" and a file literally named "caf\xE9.jpg" */
    char *latin = jv_path_utf8("caf\xe9.jpg");
    char *literal = jv_path_utf8("caf\\xE9.jpg");
    assert_string_equal(latin, "caf\\xE9.jpg");
    assert_string_equal(literal, "caf\\x5CxE9.jpg");
    assert_string_not_equal(latin, literal);
    g_free(latin);
    g_free(literal);
    /* ordinary backslashes stay as they are */
    char *plain = jv_path_utf8("a\\b\\x.jpg");
    assert_string_equal(plain, "a\\b\\x.jpg");
    g_free(plain);
    /* every path comes back from its text, and distinct paths give distinct texts */
    static const char *const paths[] = {
        "/p/caf\xe9.jpg",   "/p/caf\\xE9.jpg",     "/p/caf\\xe9.jpg", "/p/caf\\x5CxE9.jpg",
        "/p/\\\xe9",        "/p/\\\\xE9",          "/p/\xc3",         "/p/\xc3\xa9",
        "/p/\xff\xfe\\x41", "/p/\xed\xa0\x80.jpg", "/p/\\x0",         "/p/\\x00",
        "/p/\xe9\\",        "plain.jpg",
    };
    GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    for (size_t i = 0; i < JV_ARRAY_LEN(paths); i++) {
        char *t = jv_path_utf8(paths[i]);
        assert_true(g_utf8_validate(t, -1, NULL));
        char *back = jv_path_from_utf8(t);
        assert_string_equal(back, paths[i]);
        g_free(back);
        if (!g_hash_table_add(seen, t))
            fail_msg("two paths give the text %s", t);
    }
    /* exhaustively over short byte strings of interesting bytes */
    static const char alphabet[] = {'\\', 'x', 'E', '9', (char)0xe9, (char)0xc3, (char)0xa9};
    enum { K = sizeof alphabet, LEN = 5 };
    char buf[LEN + 1];
    GHashTable *texts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    long total = 1;
    for (int i = 0; i < LEN; i++)
        total *= K;
    for (long n = 0; n < total; n++) {
        long v = n;
        for (int i = 0; i < LEN; i++, v /= K)
            buf[i] = alphabet[v % K];
        buf[LEN] = '\0';
        char *t = jv_path_utf8(buf);
        char *back = jv_path_from_utf8(t);
        assert_string_equal(back, buf);
        g_free(back);
        assert_true(g_hash_table_add(texts, t));
    }
    assert_int_equal(g_hash_table_size(texts), total);
    g_hash_table_destroy(texts);
    g_hash_table_destroy(seen);
}

struct budget_user {
    struct jv_budget *b;
    volatile gint got;
    bool waited;
};

static gpointer take_50(gpointer data)
{
    struct budget_user *u = data;
    u->waited = jv_budget_acquire(u->b, 50);
    g_atomic_int_set(&u->got, 1);
    return NULL;
}

/* The budget blocks a request that does not fit until bytes come back. */
static void test_budget(void **state)
{
    (void)state;
    struct jv_budget b;
    jv_budget_init(&b, 100);
    assert_false(jv_budget_acquire(&b, 80));
    struct budget_user u = {.b = &b};
    GThread *t = g_thread_new("budget", take_50, &u);
    g_usleep(100 * 1000);
    assert_int_equal(g_atomic_int_get(&u.got), 0); /* 80 + 50 > 100: waiting */
    jv_budget_release(&b, 80);
    g_thread_join(t);
    assert_true(u.got && u.waited);
    assert_int_equal(jv_budget_waits(&b), 1);
    assert_true(jv_budget_peak(&b) <= 100);
    jv_budget_release(&b, 50);
    /* one request larger than the whole budget goes through when nothing is held */
    assert_false(jv_budget_acquire(&b, 500));
    assert_int_equal(jv_budget_peak(&b), 500);
    jv_budget_release(&b, 500);
    jv_budget_clear(&b);
    /* cap 0: no limit */
    jv_budget_init(&b, 0);
    assert_false(jv_budget_acquire(&b, 1000));
    assert_false(jv_budget_acquire(&b, 1000));
    jv_budget_clear(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stats),
        cmocka_unit_test(test_iso8601),
        cmocka_unit_test(test_atomic_write_and_torn_tail),
        cmocka_unit_test(test_hashes),
        cmocka_unit_test(test_path_utf8),
        cmocka_unit_test(test_path_utf8_injective),
        cmocka_unit_test(test_budget),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
