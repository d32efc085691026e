/*
 * test_entries.c - the entry list CSV and file-name patterns (input/entries.h,
 * doc/SPEC.md 2.2): the shapes club entry systems export, and broken lists
 * refused with the file and line named.
 */
#include "core/jv.h"

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include "input/entries.h"

static struct jv_entry_list *parse(const char *text)
{
    GError *err = NULL;
    struct jv_entry_list *l = jv_entry_list_parse(text, strlen(text), "list.csv", &err);
    if (!l)
        fail_msg("%s", err->message);
    return l;
}

static void test_shapes(void **state)
{
    (void)state;
    /* Quoted commas, doubled quotes, CRLF, a BOM, extra columns, a blank line. */
    struct jv_entry_list *l = parse("\xEF\xBB\xBF"
                                    "Entry No,File Name,Member,Title,Section\r\n"
                                    "1,Dune.jpg,\"Smith, Jane\",\"The \"\"Dune\"\"\",Colour\r\n"
                                    "\r\n"
                                    "2,ladybird,Pat O'Neil,,Mono\r\n");
    assert_int_equal(jv_entry_list_size(l), 2);
    const struct jv_entry *e = jv_entry_list_find(l, "/photos/Colour/DUNE.JPG");
    assert_non_null(e);
    assert_string_equal(e->author, "Smith, Jane");
    assert_string_equal(e->title, "The \"Dune\"");
    assert_string_equal(e->category, "Colour");
    assert_int_equal(e->line, 2);
    /* A row without an extension matches the stem; an empty title is none. */
    e = jv_entry_list_find(l, "/photos/x/LadyBird.png");
    assert_non_null(e);
    assert_string_equal(e->author, "Pat O'Neil");
    assert_null(e->title);
    assert_int_equal(e->line, 4);
    assert_null(jv_entry_list_find(l, "/photos/other.jpg"));
    jv_entry_list_free(l);

    /* Semicolons (a European spreadsheet), a field over two lines, Windows-1252 text. */
    l = parse("file;author;title\nb.jpg;Ren\xe9;\"two\nlines\"\n");
    e = jv_entry_list_find(l, "b.jpg");
    assert_string_equal(e->author, "Ren\xc3\xa9");
    assert_string_equal(e->title, "two\nlines");
    jv_entry_list_free(l);
}

static void test_refused(void **state)
{
    (void)state;
    static const struct {
        const char *text, *want;
    } bad[] = {
        {"", "list.csv: empty: no header row"},
        {"name,title\na.jpg,x\n", "list.csv:1: the header row must name a file column"},
        {"file,author\na.jpg,Ann\n,Bob\n", "list.csv:3: the row has no file"},
        {"file,author\na.jpg,\n", "list.csv:2: the row has no author"},
        {"file,author\na.jpg,Ann\nA.JPG,Bob\n",
         "list.csv:3: A.JPG is listed twice (also on line 2)"},
        {"file,author\n\"a.jpg,Ann\n", "list.csv:2: a quoted field is never closed"},
    };
    for (size_t i = 0; i < JV_ARRAY_LEN(bad); i++) {
        GError *err = NULL;
        assert_null(jv_entry_list_parse(bad[i].text, strlen(bad[i].text), "list.csv", &err));
        if (!g_str_has_prefix(err->message, bad[i].want))
            fail_msg("%s: want %s", err->message, bad[i].want);
        g_clear_error(&err);
    }
    GError *err = NULL;
    assert_null(jv_entry_list_parse("file,author\0x", 13, "list.csv", &err));
    assert_non_null(strstr(err->message, "NUL byte"));
    g_clear_error(&err);
    assert_null(jv_entry_list_load("/nonexistent/list.csv", &err));
    assert_non_null(strstr(err->message, "/nonexistent/list.csv"));
    g_clear_error(&err);
}

static void test_pattern(void **state)
{
    (void)state;
    char *t, *a, *c;
    assert_true(
        jv_filename_pattern_match("{title} - {author}", "Sunset at Dune - Jane Smith", &t, &a, &c));
    assert_string_equal(t, "Sunset at Dune");
    assert_string_equal(a, "Jane Smith");
    assert_null(c);
    g_free(t);
    g_free(a);
    assert_false(jv_filename_pattern_match("{title} - {author}", "IMG_0001", &t, &a, &c));
    assert_null(t);
    assert_true(
        jv_filename_pattern_match("{*}_{author}_{title}", "07_Pat Lee_Red (1)", &t, &a, &c));
    assert_string_equal(t, "Red (1)");
    assert_string_equal(a, "Pat Lee");
    g_free(t);
    g_free(a);
    assert_null(jv_filename_pattern_check("{title} by {author}"));
    char *why = jv_filename_pattern_check("{title} - {name}");
    assert_non_null(strstr(why, "unknown placeholder {name}"));
    g_free(why);
    why = jv_filename_pattern_check("{title");
    assert_non_null(strstr(why, "never closed"));
    g_free(why);
    assert_false(jv_filename_pattern_match("{title", "x", &t, &a, &c));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shapes),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_pattern),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
