/* JSON Lines: the one reader (torn-line rule, bad and empty lines, cap), read-back, append. */
#include "core/jv.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/fsutil.h"
#include "core/jsonl.h"

#include "tmpdir.h"

static int setup(void **state)
{
    (void)state;
    return tmpdir_make("jvjsonl-XXXXXX");
}

static int teardown(void **state)
{
    (void)state;
    int rc = tmpdir_remove();
    return rc;
}

static char *write_tmp(const char *name, const char *text, size_t len)
{
    char *p = g_build_filename(tmpdir, name, NULL);
    assert_int_equal(jv_write_file_atomic(p, text, len, NULL), 0);
    return p;
}

/* What the callback saw, line by line. */
struct seen {
    GPtrArray *objs;   /* json_t * (a ref) or NULL for a bad line */
    GArray *offsets;   /* off_t */
    GArray *lens;      /* size_t */
    GArray *linenos;   /* size_t */
    size_t stop_after; /* 0 = never stop */
};

static void seen_init(struct seen *s)
{
    memset(s, 0, sizeof *s);
    s->objs = g_ptr_array_new();
    s->offsets = g_array_new(FALSE, FALSE, sizeof(off_t));
    s->lens = g_array_new(FALSE, FALSE, sizeof(size_t));
    s->linenos = g_array_new(FALSE, FALSE, sizeof(size_t));
}

static void seen_release(struct seen *s)
{
    for (guint i = 0; i < s->objs->len; i++)
        json_decref(s->objs->pdata[i]);
    g_ptr_array_free(s->objs, TRUE);
    g_array_free(s->offsets, TRUE);
    g_array_free(s->lens, TRUE);
    g_array_free(s->linenos, TRUE);
}

static bool record_line(const struct jv_jsonl_line *line, void *user)
{
    struct seen *s = user;
    /* A bad line says why; a good one does not. */
    assert_true((line->obj == NULL) == (line->error != NULL));
    g_ptr_array_add(s->objs, line->obj ? json_incref(line->obj) : NULL);
    g_array_append_val(s->offsets, line->offset);
    g_array_append_val(s->lens, line->len);
    g_array_append_val(s->linenos, line->lineno);
    return s->stop_after == 0 || s->objs->len < s->stop_after;
}

static long long obj_a(const struct seen *s, guint i)
{
    return json_integer_value(json_object_get(s->objs->pdata[i], "a"));
}

static void test_torn_last_line(void **state)
{
    (void)state;
    const char *text = "{\"a\":1}\n{\"a\":2}\n{\"a\":3}";
    char *path = write_tmp("torn.jsonl", text, strlen(text));
    struct seen s;
    seen_init(&s);
    struct jv_jsonl_stats st;
    GError *err = NULL;
    assert_int_equal(jv_jsonl_read(path, 0, record_line, &s, &st, &err), 0);
    /* The last line is complete JSON, but without its newline it is not trusted. */
    assert_int_equal(s.objs->len, 2);
    assert_int_equal(obj_a(&s, 0), 1);
    assert_int_equal(obj_a(&s, 1), 2);
    assert_true(st.torn);
    assert_int_equal(st.torn_offset, 16);
    assert_int_equal(st.torn_len, 7);
    assert_int_equal(st.end, (off_t)strlen(text));
    assert_int_equal(st.good, 2);
    assert_int_equal(st.bad, 0);
    seen_release(&s);

    /* With its newline it is a line like the others. */
    g_free(path);
    path = write_tmp("whole.jsonl", "{\"a\":1}\n{\"a\":3}\n", 16);
    seen_init(&s);
    assert_int_equal(jv_jsonl_read(path, 0, record_line, &s, &st, &err), 0);
    assert_int_equal(s.objs->len, 2);
    assert_false(st.torn);
    seen_release(&s);
    g_free(path);
}

static void test_bad_lines(void **state)
{
    (void)state;
    const char *text = "{\"a\":1}\nnot json\n[1,2]\n{\"a\":4, \"b\":\n{\"a\":5}\n";
    char *path = write_tmp("bad.jsonl", text, strlen(text));
    struct seen s;
    seen_init(&s);
    struct jv_jsonl_stats st;
    assert_int_equal(jv_jsonl_read(path, 0, record_line, &s, &st, NULL), 0);
    /* Every complete line is reported; the bad ones with no object. */
    assert_int_equal(s.objs->len, 5);
    assert_non_null(s.objs->pdata[0]);
    assert_null(s.objs->pdata[1]);
    assert_null(s.objs->pdata[2]); /* valid JSON, but not an object */
    assert_null(s.objs->pdata[3]);
    assert_int_equal(obj_a(&s, 4), 5);
    assert_int_equal(g_array_index(s.linenos, size_t, 4), 5);
    assert_int_equal(st.good, 2);
    assert_int_equal(st.bad, 3);
    assert_false(st.torn);
    seen_release(&s);
    g_free(path);
}

static void test_empty_lines(void **state)
{
    (void)state;
    const char *text = "\n  \r\n{\"a\":1}\r\n\n\t\n{\"a\":2}\n";
    char *path = write_tmp("empty.jsonl", text, strlen(text));
    struct seen s;
    seen_init(&s);
    struct jv_jsonl_stats st;
    assert_int_equal(jv_jsonl_read(path, 0, record_line, &s, &st, NULL), 0);
    assert_int_equal(s.objs->len, 2); /* empty lines never reach the callback */
    assert_int_equal(obj_a(&s, 0), 1);
    assert_int_equal(g_array_index(s.linenos, size_t, 0), 3);
    assert_int_equal(g_array_index(s.linenos, size_t, 1), 6);
    assert_int_equal(st.empty, 4);
    assert_int_equal(st.good, 2);
    assert_int_equal(st.bad, 0);
    seen_release(&s);
    g_free(path);

    /* An empty file: nothing at all. */
    path = write_tmp("nothing.jsonl", "", 0);
    seen_init(&s);
    assert_int_equal(jv_jsonl_read(path, 0, record_line, &s, &st, NULL), 0);
    assert_int_equal(s.objs->len, 0);
    assert_false(st.torn);
    assert_int_equal(st.end, 0);
    seen_release(&s);
    g_free(path);
}

static void test_cap_and_missing(void **state)
{
    (void)state;
    const char *text = "{\"a\":1}\n{\"a\":2}\n"; /* 16 bytes */
    char *path = write_tmp("cap.jsonl", text, strlen(text));
    struct seen s;
    seen_init(&s);
    GError *err = NULL;
    assert_int_equal(jv_jsonl_read(path, 15, record_line, &s, NULL, &err), -1);
    assert_int_equal(err->code, JV_ERR_IO);
    assert_non_null(strstr(err->message, "too large"));
    g_clear_error(&err);
    assert_int_equal(s.objs->len, 0); /* refused before any line */
    assert_int_equal(jv_jsonl_read(path, 16, record_line, &s, NULL, &err), 0);
    assert_int_equal(s.objs->len, 2);
    seen_release(&s);
    g_free(path);

    char *gone = g_build_filename(tmpdir, "gone.jsonl", NULL);
    assert_int_equal(jv_jsonl_read(gone, 0, record_line, NULL, NULL, &err), -1);
    assert_int_equal(err->code, JV_ERR_NOT_FOUND);
    g_clear_error(&err);
    assert_int_equal(jv_jsonl_read(tmpdir, 0, record_line, NULL, NULL, &err), -1);
    assert_int_equal(err->code, JV_ERR_IO); /* a directory */
    g_clear_error(&err);
    g_free(gone);
}

static void test_stop_early(void **state)
{
    (void)state;
    const char *text = "{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n{\"a\":4";
    char *path = write_tmp("stop.jsonl", text, strlen(text));
    struct seen s;
    seen_init(&s);
    s.stop_after = 2;
    struct jv_jsonl_stats st;
    assert_int_equal(jv_jsonl_read(path, 0, record_line, &s, &st, NULL), 0);
    assert_int_equal(s.objs->len, 2);
    assert_false(st.torn); /* it did not get as far as the torn line */
    seen_release(&s);
    g_free(path);
}

/* Long lines across the reader's 64 KiB chunks: offsets and read-back still agree. */
static void test_offsets_and_read_back(void **state)
{
    (void)state;
    GString *text = g_string_new(NULL);
    GPtrArray *want = g_ptr_array_new_with_free_func(g_free);
    for (int i = 0; i < 300; i++) {
        size_t pad = i == 150 ? 300000 : (size_t)(i * 37 % 2000);
        char *filler = g_strnfill(pad, 'x');
        char *line = g_strdup_printf("{\"a\":%d,\"pad\":\"%s\"}", i, filler);
        g_free(filler);
        g_string_append(text, line);
        g_string_append_c(text, '\n');
        g_ptr_array_add(want, line);
    }
    char *path = write_tmp("long.jsonl", text->str, text->len);
    struct seen s;
    seen_init(&s);
    struct jv_jsonl_stats st;
    assert_int_equal(jv_jsonl_read(path, 0, record_line, &s, &st, NULL), 0);
    assert_int_equal(s.objs->len, 300);
    assert_int_equal(st.end, (off_t)text->len);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    for (guint i = 0; i < 300; i++) {
        off_t off = g_array_index(s.offsets, off_t, i);
        size_t len = g_array_index(s.lens, size_t, i);
        const char *line = want->pdata[i];
        assert_int_equal(len, strlen(line));
        assert_memory_equal(text->str + off, line, len);
        assert_int_equal(obj_a(&s, i), i);
        json_t *back = jv_jsonl_read_at(fd, off, len, NULL);
        assert_non_null(back);
        assert_true(json_equal(back, s.objs->pdata[i]));
        json_decref(back);
    }
    /* A read-back that misses its line, or runs past the end, is refused. */
    GError *err = NULL;
    assert_null(jv_jsonl_read_at(fd, g_array_index(s.offsets, off_t, 1) + 1,
                                 g_array_index(s.lens, size_t, 1), &err));
    assert_int_equal(err->code, JV_ERR_PARSE);
    g_clear_error(&err);
    assert_null(jv_jsonl_read_at(fd, (off_t)text->len - 2, 10, &err));
    assert_int_equal(err->code, JV_ERR_IO);
    g_clear_error(&err);

    /* The fd reader leaves the fd's position alone. */
    assert_int_equal(lseek(fd, 5, SEEK_SET), 5);
    assert_int_equal(jv_jsonl_read_fd(fd, path, 0, NULL, NULL, &st, NULL), 0);
    assert_int_equal(st.good, 300);
    assert_int_equal(lseek(fd, 0, SEEK_CUR), 5);
    close(fd);
    seen_release(&s);
    g_ptr_array_free(want, TRUE);
    g_string_free(text, TRUE);
    g_free(path);
}

static void test_first_line(void **state)
{
    (void)state;
    char *path = write_tmp("first.jsonl", "{\"a\":1}\nrest\n", 14);
    json_t *j = jv_jsonl_first(path, 64, NULL);
    assert_non_null(j);
    assert_int_equal(json_integer_value(json_object_get(j, "a")), 1);
    json_decref(j);
    assert_null(jv_jsonl_first(path, 6, NULL)); /* longer than allowed */
    g_free(path);
    path = write_tmp("first_torn.jsonl", "{\"a\":1}", 7);
    GError *err = NULL;
    assert_null(jv_jsonl_first(path, 64, &err)); /* no newline: torn */
    assert_int_equal(err->code, JV_ERR_PARSE);
    g_clear_error(&err);
    g_free(path);
    path = write_tmp("first_bad.jsonl", "[1]\n", 4);
    assert_null(jv_jsonl_first(path, 64, NULL));
    g_free(path);
}

static void test_append(void **state)
{
    (void)state;
    GError *err = NULL;
    char *path = g_build_filename(tmpdir, "app", "a.jsonl", NULL);
    int fd = jv_open_append(path, &err);
    assert_true(fd >= 0);
    json_t *o = json_pack("{s:i, s:s}", "a", 1, "s", "line\nbreak");
    size_t len = 0;
    assert_int_equal(jv_jsonl_append(fd, o, path, &len, &err), 0);
    assert_int_equal(jv_jsonl_append(fd, o, path, NULL, &err), 0);
    close(fd);
    size_t n = 0;
    char *text = jv_read_file(path, 1 << 20, &n, &err);
    /* Two compact lines, each with its newline; an embedded newline is escaped. */
    const char *one = "{\"a\":1,\"s\":\"line\\nbreak\"}\n";
    assert_int_equal(len, strlen(one) - 1);
    assert_int_equal(n, 2 * strlen(one));
    assert_memory_equal(text, one, strlen(one));
    assert_memory_equal(text + strlen(one), one, strlen(one));
    g_free(text);

    /* One write() per line: a packet socket keeps each write as one message. */
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
    assert_int_equal(jv_jsonl_append(sv[0], o, "socket", NULL, &err), 0);
    char buf[256];
    ssize_t got = recv(sv[1], buf, sizeof buf, 0);
    assert_int_equal(got, (ssize_t)strlen(one));
    assert_memory_equal(buf, one, strlen(one));
    close(sv[0]);
    close(sv[1]);

    size_t elen = 0;
    char *enc = jv_jsonl_encode(o, &elen);
    assert_string_equal(enc, one);
    assert_int_equal(elen, strlen(one));
    g_free(enc);
    json_decref(o);
    g_free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_torn_last_line), cmocka_unit_test(test_bad_lines),
        cmocka_unit_test(test_empty_lines),    cmocka_unit_test(test_cap_and_missing),
        cmocka_unit_test(test_stop_early),     cmocka_unit_test(test_offsets_and_read_back),
        cmocka_unit_test(test_first_line),     cmocka_unit_test(test_append),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
