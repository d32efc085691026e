/* test_human_csv.c - unit tests of input/human_csv: fields, columns by name, errors with lines. */
#include "core/jv.h"

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include "input/human_csv.h"

static struct jv_human *parse(const char *text, GError **err)
{
    return jv_human_parse(text, strlen(text), "h.csv", err);
}

static void test_fields(void **state)
{
    (void)state;
    GError *err = NULL;
    struct jv_human *h = parse("\xEF\xBB\xBF Title , Mark,Notes,Place\r\n"
                               "\"The \"\"Big\"\" One\",17.5,\"a, b\nc\",1\r\n"
                               "\r\n"
                               "Quiet,,,\n"
                               "Last,12,x",
                               &err);
    assert_non_null(h);
    assert_int_equal(h->rows->len, 3);
    assert_true(h->has_score && h->has_placing && !h->has_award);
    const struct jv_human_row *r = &g_array_index(h->rows, struct jv_human_row, 0);
    assert_string_equal(r->title, "The \"Big\" One");
    assert_null(r->file);
    assert_true(r->has_score && r->score == 17.5);
    assert_int_equal(r->placing, 1);
    r = &g_array_index(h->rows, struct jv_human_row, 1);
    assert_false(r->has_score);
    assert_int_equal(r->placing, 0);
    assert_int_equal(r->line, 5); /* the quoted line break counts */
    r = &g_array_index(h->rows, struct jv_human_row, 2);
    assert_string_equal(r->title, "Last");
    jv_human_free(h);
}

static void expect_error(const char *text, const char *msg)
{
    GError *err = NULL;
    assert_null(parse(text, &err));
    assert_non_null(err);
    if (!strstr(err->message, msg))
        fail_msg("'%s' lacks '%s'", err->message, msg);
    g_error_free(err);
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("", "h.csv: empty");
    expect_error("file,score\n", "no entries");
    expect_error("colour,size\nx,y\n", "h.csv:1: the header names no file or title column");
    expect_error("file,notes\nx,y\n", "no score, award or placing column");
    expect_error("file,score,mark\n", "two columns name the score");
    expect_error("file,score\na.jpg,12\nb.jpg,x12\n", "h.csv:3: score 'x12' is not a number");
    expect_error("file,score\na.jpg,inf\n", "is not a number");
    expect_error("file,placing\na.jpg,0\n", "h.csv:2: placing '0'");
    expect_error("file,score\na.jpg,1,2\n", "h.csv:2: 3 fields, the header has 2");
    expect_error("file,score\n\"a.jpg,1\n", "h.csv:2: a quoted field is not closed");
    expect_error("file,score\n,12\n", "h.csv:2: the row names no file or title");
    expect_error("file,score\n\xff,1\n", "not UTF-8");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
