/* test_playoff_match.c - unit tests of one playoff match: request body, summary, reply parsing. */
#include "core/jv.h"

#include <setjmp.h>
#include <stdarg.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/fsutil.h"
#include "playoff/match.h"
#include "vlm/reply.h"

static void expect_winner(const char *text, int winner, const char *reason)
{
    int w = -1;
    char *r = NULL;
    GError *err = NULL;
    int rc = jv_match_parse_reply(text, &w, &r, &err);
    if (rc != 0)
        fail_msg("reply %s: %s", text, err->message);
    assert_int_equal(w, winner);
    assert_string_equal(r, reason);
    g_free(r);
}

static void expect_unparseable(const char *text)
{
    int w = -1;
    char *r = NULL;
    GError *err = NULL;
    assert_int_equal(jv_match_parse_reply(text, &w, &r, &err), -1);
    assert_null(r);
    assert_true(g_error_matches(err, JV_ERROR, JV_ERR_PARSE));
    g_error_free(err);
}

static void test_parse_reply(void **state)
{
    (void)state;
    expect_winner("{\"winner\": \"A\", \"reason\": \"stronger light\"}", 0, "stronger light");
    expect_winner("{\"winner\": \"b\", \"reason\": \"cleaner\"}", 1, "cleaner");
    expect_winner("```json\n{\"winner\": \"B\", \"reason\": \"x\"}\n```", 1, "x");
    expect_winner("Having looked at both, my verdict: {\"winner\": \"Entry A\", \"reason\": "
                  "\"impact\"} - hope that helps",
                  0, "impact");
    expect_winner("{\"winner\": \"entry b\"}", 1, "");
    expect_winner("{\"note\": \"thinking\"} then {\"winner\": \"A\", \"reason\": \"r\"}", 0, "r");
    expect_winner("  B \n", 1, "");
    expect_winner("\"A\"", 0, "");
    expect_unparseable("");
    expect_unparseable(NULL);
    expect_unparseable("{\"winner\": \"C\", \"reason\": \"neither\"}");
    expect_unparseable("{\"winner\": \"A\"");
    expect_unparseable("Both are lovely images.");
    expect_unparseable("{\"winner\": null}");
    expect_unparseable("{\"winner\": \"AB\"}");
}

static void test_summary(void **state)
{
    (void)state;
    char *s = jv_match_summary("  A short\n critique.  ", 280);
    assert_string_equal(s, "A short critique.");
    g_free(s);
    s = jv_match_summary(NULL, 280);
    assert_string_equal(s, "");
    g_free(s);

    GString *long_text = g_string_new(NULL);
    for (int i = 0; long_text->len < 900; i++)
        g_string_append_printf(long_text, "word%d café ", i);
    s = jv_match_summary(long_text->str, 280);
    assert_true(g_utf8_validate(s, -1, NULL));
    assert_true(g_utf8_strlen(s, -1) <= 280);
    assert_true(g_utf8_strlen(s, -1) > 250);
    assert_true(g_str_has_suffix(s, "\u2026"));
    /* cut on a word boundary: the kept text is a prefix followed by a space */
    size_t kept = strlen(s) - strlen("\u2026");
    assert_memory_equal(s, long_text->str, kept);
    assert_int_equal(long_text->str[kept], ' ');
    g_free(s);
    g_string_free(long_text, TRUE);

    /* one word longer than the limit is cut inside it */
    char big[400];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    s = jv_match_summary(big, 280);
    assert_int_equal(g_utf8_strlen(s, -1), 280);
    g_free(s);
}

static void test_request(void **state)
{
    (void)state;
    json_t *a =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:{s:f}, s:s}}", "image", "/p/a.jpg", "image_title",
                  "Heron at Dawn", "competition_category", "Colour", "style_inference", "Nature",
                  "critique", "Lovely soft light.", "technical_signals", "metrics", "musiq_mos",
                  70.0, "tonal_summary", "Punchy.");
    json_t *b = json_pack("{s:s, s:s, s:n}", "image", "/p/02_old_mill.png", "competition_category",
                          "Colour", "critique");
    json_t *body = jv_match_request(a, b, "data:image/jpeg;base64,AAAA",
                                    "data:image/png;base64,BBBB", "qwen", JV_MATCH_TEMPERATURE);
    assert_string_equal(json_string_value(json_object_get(body, "model")), "qwen");
    assert_int_equal(json_integer_value(json_object_get(body, "max_tokens")), 128);
    assert_true(json_real_value(json_object_get(body, "temperature")) == 0.2);
    assert_true(json_is_false(json_object_get(body, "stream")));
    json_t *msgs = json_object_get(body, "messages");
    assert_int_equal(json_array_size(msgs), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(msgs, 0), "role")),
                        "system");
    json_t *parts = json_object_get(json_array_get(msgs, 1), "content");
    assert_int_equal(json_array_size(parts), 5);
    const char *ta = json_string_value(json_object_get(json_array_get(parts, 0), "text"));
    const char *tb = json_string_value(json_object_get(json_array_get(parts, 2), "text"));
    assert_true(g_str_has_prefix(ta, "Entry A"));
    assert_non_null(strstr(ta, "Title: Heron at Dawn"));
    assert_non_null(strstr(ta, "Category: Colour"));
    assert_non_null(strstr(ta, "Style: Nature"));
    assert_non_null(strstr(ta, "Critique summary: Lovely soft light."));
    assert_non_null(strstr(ta, "TECHNICAL ANALYSIS"));
    assert_non_null(strstr(ta, "MUSIQ 70"));
    assert_non_null(strstr(ta, "NIMA technical n/a"));
    assert_non_null(strstr(ta, "Punchy."));
    assert_true(g_str_has_prefix(tb, "Entry B"));
    assert_non_null(strstr(tb, "Title: 02_old_mill")); /* falls back to the file stem */
    assert_non_null(strstr(tb, "Style: n/a"));
    /* image A first, image B second */
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_array_get(parts, 1), "image_url"), "url")),
                        "data:image/jpeg;base64,AAAA");
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_array_get(parts, 3), "image_url"), "url")),
                        "data:image/png;base64,BBBB");
    json_decref(body);
    json_decref(a);
    json_decref(b);
}

static void test_reply_content(void **state)
{
    (void)state;
    struct jv_reply r;
    jv_reply_init(&r);
    GError *err = NULL;
    assert_int_equal(
        jv_reply_parse_nonstream(
            &r,
            "{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":\"{\\\"winner\\\":"
            "\\\"A\\\"}\"},"
            "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":5000,\"completion_tokens\":"
            "17}}",
            &err),
        0);
    assert_string_equal(r.content->str, "{\"winner\":\"A\"}");
    assert_int_equal(r.completion_tokens, 17);
    jv_reply_reset(&r);
    assert_int_equal(jv_reply_parse_nonstream(&r, "{\"choices\":[]}", &err), -1);
    assert_int_equal(r.completion_tokens, -1);
    g_clear_error(&err);
    jv_reply_reset(&r);
    assert_int_equal(jv_reply_parse_nonstream(&r, "not json", &err), -1);
    assert_true(g_error_matches(err, JV_ERROR, JV_ERR_PARSE));
    g_clear_error(&err);
    jv_reply_release(&r);
}

static void test_image_cache(void **state)
{
    (void)state;
    GError *err = NULL;
    char *dir = g_dir_make_tmp("jvmatch-XXXXXX", &err);
    char *pa = g_build_filename(dir, "a.JPG", NULL);
    char *pb = g_build_filename(dir, "b.png", NULL);
    const unsigned char bytes[] = {0xff, 0xd8, 0xff, 0x00, 0x10, 'J', 'F', 'I', 'F'};
    assert_int_equal(jv_write_file_atomic(pa, bytes, sizeof(bytes), &err), 0);
    /* The MIME type comes from the bytes (PNG signature), not the name. */
    const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 0x0d};
    assert_int_equal(jv_write_file_atomic(pb, png, sizeof(png), &err), 0);

    struct jv_match_images c;
    jv_match_images_init(&c);
    const char *u1 = jv_match_images_get(&c, pa, &err);
    const char *u2 = jv_match_images_get(&c, pb, &err);
    const char *u3 = jv_match_images_get(&c, pa, &err);
    assert_ptr_equal(u1, u3);
    assert_int_equal(c.encodings, 2);
    assert_true(g_str_has_prefix(u1, "data:image/jpeg;base64,"));
    assert_true(g_str_has_prefix(u2, "data:image/png;base64,"));
    gsize len = 0;
    guchar *dec = g_base64_decode(u1 + strlen("data:image/jpeg;base64,"), &len);
    assert_int_equal(len, sizeof(bytes));
    assert_memory_equal(dec, bytes, sizeof(bytes));
    g_free(dec);
    char *missing = g_build_filename(dir, "gone.jpg", NULL);
    assert_null(jv_match_images_get(&c, missing, &err));
    assert_non_null(err);
    assert_non_null(strstr(err->message, "gone.jpg"));
    g_clear_error(&err);
    assert_int_equal(c.encodings, 2);
    jv_match_images_release(&c);

    unlink(pa);
    unlink(pb);
    rmdir(dir);
    g_free(missing);
    g_free(pa);
    g_free(pb);
    g_free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_reply), cmocka_unit_test(test_summary),
        cmocka_unit_test(test_request),     cmocka_unit_test(test_reply_content),
        cmocka_unit_test(test_image_cache),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
