/* test_reply.c - unit tests of the reply reader on vLLM, llama-server and Ollama streams. */
#include "core/jv.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>
#include <jansson.h>

#include "core/fsutil.h"
#include "critique/critique.h"
#include "vlm/reply.h"

static char *data_path(const char *name)
{
    const char *src = g_getenv("JV_SOURCE_DIR");
    return g_build_filename(src ? src : ".", "tests", "data", "replies", name, NULL);
}

static char *read_data(const char *name)
{
    GError *err = NULL;
    char *path = data_path(name);
    char *text = jv_read_file(path, 1 << 20, NULL, &err);
    if (!text)
        fail_msg("%s", err->message);
    g_free(path);
    return text;
}

/* Feeds each "data: ..." event of an SSE file; returns -1 at the first error. */
static int feed_file(struct jv_reply *r, const char *text, GError **err)
{
    char **events = g_strsplit(text, "\n\n", -1);
    int ret = 0;
    for (size_t i = 0; events[i] && ret == 0; i++) {
        const char *e = events[i];
        if (!e[0] || (e[0] == '\n' && !e[1]))
            continue;
        assert_true(g_str_has_prefix(e, "data: "));
        ret = jv_reply_feed_sse(r, e + 6, strlen(e + 6), err);
    }
    g_strfreev(events);
    return ret;
}

static void check_case(const char *name, bool stream)
{
    char *file = g_strconcat(name, stream ? ".sse" : ".json", NULL);
    char *expect_file = g_strconcat(name, ".expect.json", NULL);
    char *text = read_data(file);
    char *expect_text = read_data(expect_file);
    json_t *expect = json_loads(expect_text, 0, NULL);
    assert_non_null(expect);

    struct jv_reply r;
    jv_reply_init(&r);
    GError *err = NULL;
    int rc = stream ? feed_file(&r, text, &err) : jv_reply_parse_nonstream(&r, text, &err);
    const char *want_error = json_string_value(json_object_get(expect, "error"));
    if (want_error) {
        assert_int_equal(rc, -1);
        assert_int_equal(err->code, JV_ERR_HTTP);
        assert_string_equal(r.error, want_error);
        assert_non_null(strstr(err->message, want_error));
        g_clear_error(&err);
    } else {
        if (rc != 0)
            fail_msg("%s: %s", file, err->message);
        assert_null(r.error);
    }
    assert_string_equal(r.content->str, json_string_value(json_object_get(expect, "content")));
    const char *fr = json_string_value(json_object_get(expect, "finish_reason"));
    if (fr)
        assert_string_equal(r.finish_reason, fr);
    else
        assert_null(r.finish_reason);
    assert_int_equal(r.prompt_tokens, json_integer_value(json_object_get(expect, "prompt_tokens")));
    assert_int_equal(r.completion_tokens,
                     json_integer_value(json_object_get(expect, "completion_tokens")));
    assert_int_equal(r.done, json_is_true(json_object_get(expect, "done")));

    json_t *verdict = json_object_get(expect, "verdict");
    struct jv_critique c;
    jv_critique_init(&c);
    rc = jv_critique_parse(r.content->str, &c, &err);
    if (json_is_object(verdict)) {
        if (rc != 0)
            fail_msg("%s: %s", file, err->message);
        const char *title = json_string_value(json_object_get(verdict, "title"));
        if (title)
            assert_string_equal(c.title, title);
        else
            assert_null(c.title);
        assert_string_equal(c.style, json_string_value(json_object_get(verdict, "style")));
        assert_true(fabs(c.score_raw - json_number_value(json_object_get(verdict, "score"))) <
                    1e-9);
        assert_int_equal(c.total, json_integer_value(json_object_get(verdict, "total")));
        assert_non_null(strstr(c.critique, "{with ease}"));
    } else {
        assert_int_equal(rc, -1);
        assert_int_equal(err->code, JV_ERR_PARSE);
        g_clear_error(&err);
    }
    jv_critique_release(&c);

    /* Reset gives a clean reply for the next attempt. */
    jv_reply_reset(&r);
    assert_int_equal(r.content->len, 0);
    assert_null(r.finish_reason);
    assert_int_equal(r.prompt_tokens, -1);
    jv_reply_release(&r);
    json_decref(expect);
    g_free(text);
    g_free(expect_text);
    g_free(file);
    g_free(expect_file);
}

static void test_vllm(void **state)
{
    (void)state;
    check_case("vllm_stream", true);
    check_case("vllm_truncated", true);
    check_case("vllm_error_after_200", true);
    check_case("vllm_nonstream", false);
    check_case("vllm_error_body", false);
}

static void test_llamacpp(void **state)
{
    (void)state;
    check_case("llamacpp_stream", true);
}

static void test_ollama(void **state)
{
    (void)state;
    check_case("ollama_stream", true);
}

static void test_malformed_events(void **state)
{
    (void)state;
    struct jv_reply r;
    jv_reply_init(&r);
    GError *err = NULL;
    assert_int_equal(jv_reply_feed_sse(&r, "{\"choices\": [", 13, &err), -1);
    assert_int_equal(err->code, JV_ERR_PARSE);
    g_clear_error(&err);
    assert_int_equal(jv_reply_feed_sse(&r, "[1,2]", 5, &err), -1);
    g_clear_error(&err);
    /* A malformed payload not ended by a NUL: the message quotes only its len bytes. */
    const char raw[] = "{bad}-and-bytes-beyond-the-event";
    assert_int_equal(jv_reply_feed_sse(&r, raw, 4, &err), -1);
    assert_true(g_str_has_suffix(err->message, ": {bad"));
    g_clear_error(&err);
    /* Not NUL-terminated: only len bytes count. */
    const char chunk[] = "{\"choices\":[{\"delta\":{\"content\":\"ab\"}}]}XYZ";
    assert_int_equal(jv_reply_feed_sse(&r, chunk, sizeof(chunk) - 4, &err), 0);
    assert_int_equal(jv_reply_feed_sse(&r, " [DONE]\r\n", 9, &err), 0);
    assert_string_equal(r.content->str, "ab");
    assert_true(r.done);
    /* usage: null (OpenAI sends it in every chunk) changes nothing. */
    assert_int_equal(jv_reply_feed_sse(&r, "{\"choices\":[],\"usage\":null}", 27, &err), 0);
    assert_int_equal(r.prompt_tokens, -1);
    assert_int_equal(jv_reply_parse_nonstream(&r, "{\"choices\": []}", &err), -1);
    g_clear_error(&err);
    jv_reply_release(&r);
}

static int parse(const char *text, struct jv_critique *c)
{
    GError *err = NULL;
    int rc = jv_critique_parse(text, c, &err);
    if (rc)
        g_error_free(err);
    return rc;
}

static void test_critique_parse(void **state)
{
    (void)state;
    struct jv_critique c;
    jv_critique_init(&c);

    /* Fences and prose around; braces and quotes inside strings. */
    assert_int_equal(parse("Sure! Here it is:\n```json\n{\"title\": \"A {curly} \\\"one\\\"\", "
                           "\"style\": \" NATURE \", \"critique\": \"Good } and { bad\", "
                           "\"score\": 18}\n```\nThanks {not json}",
                           &c),
                     0);
    assert_string_equal(c.title, "A {curly} \"one\"");
    assert_string_equal(c.style, "Nature");
    assert_string_equal(c.critique, "Good } and { bad");
    assert_int_equal(c.total, 18);
    assert_null(c.subscores);

    /* A non-verdict object first ({not json} does not parse, {"a":1} has no verdict key). */
    assert_int_equal(parse("{oops} {\"a\": 1} {\"critique\": \"x\", \"score\": 12.5}", &c), 0);
    assert_int_equal(c.total, 12); /* halves to even, as Python's round() */
    assert_true(fabs(c.score_raw - 12.5) < 1e-12);
    assert_int_equal(parse("{\"critique\": \"x\", \"score\": 13.5}", &c), 0);
    assert_int_equal(c.total, 14);
    assert_int_equal(parse("{\"critique\": \"x\", \"score\": 16.51}", &c), 0);
    assert_int_equal(c.total, 17);
    assert_string_equal(c.style, "Other");
    assert_null(c.title);

    /* Clamping: raw kept, total clamped. */
    assert_int_equal(parse("{\"critique\": \"x\", \"score\": 27, \"title\": \"  \"}", &c), 0);
    assert_true(fabs(c.score_raw - 27) < 1e-12);
    assert_int_equal(c.total, 20);
    assert_null(c.title);
    assert_int_equal(parse("{\"critique\": \"x\", \"score\": -3.2}", &c), 0);
    assert_int_equal(c.total, 0);
    assert_int_equal(parse("{\"critique\": \"x\", \"score\": \"16/20\"}", &c), 0);
    assert_int_equal(c.total, 16);

    /* Subscores instead of a score: clamped to 0..5 and summed. */
    assert_int_equal(parse("{\"critique\": \"x\", \"subscores\": {\"impact\": 4.5, "
                           "\"composition\": 7, \"technical\": -1, \"category_fit\": 3}}",
                           &c),
                     0);
    assert_true(fabs(c.score_raw - 12.5) < 1e-12);
    assert_int_equal(c.total, 12);
    assert_true(fabs(json_real_value(json_object_get(c.subscores, "composition")) - 5) < 1e-12);
    assert_true(fabs(json_real_value(json_object_get(c.subscores, "technical"))) < 1e-12);
    assert_int_equal(parse("{\"critique\": \"x\", \"impact\": 4, \"composition\": 4, "
                           "\"technical\": 3, \"category_fit\": 5, \"score\": null}",
                           &c),
                     0);
    assert_int_equal(c.total, 16);
    assert_int_equal(json_object_size(c.subscores), 4);

    /* Style labels. */
    const char *styles[][2] = {
        {"street", "Street"},       {"Street photography", "Street"},
        {"Wildlife", "Nature"},     {"Nature (birds)", "Nature"},
        {"open.", "Open"},          {"Creative/Experimental", "Creative"},
        {"Architecture", "Other"},  {"", "Other"},
        {"Streetscape", "Other"},   {"PORTRAIT", "Portrait"},
        {"abstract", "Abstract"},   {"Documentary", "Documentary"},
        {"landscape", "Landscape"}, {"other", "Other"},
    };
    for (size_t i = 0; i < JV_ARRAY_LEN(styles); i++)
        assert_string_equal(jv_critique_style_normalise(styles[i][0]), styles[i][1]);
    assert_string_equal(jv_critique_style_normalise(NULL), "Other");

    /* Failures leave the struct empty. */
    assert_int_equal(parse("The image is lovely. Score: 17", &c), -1);
    assert_null(c.critique);
    assert_int_equal(parse("{\"title\": \"t\", \"score\": 17}", &c), -1);
    assert_int_equal(parse("{\"critique\": \"x\", \"score\": \"high\"}", &c), -1);
    assert_int_equal(parse("{\"critique\": \"x\", \"score\": 1", &c), -1);
    assert_int_equal(parse("", &c), -1);
    assert_int_equal(parse(NULL, &c), -1);
    jv_critique_release(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vllm),           cmocka_unit_test(test_llamacpp),
        cmocka_unit_test(test_ollama),         cmocka_unit_test(test_malformed_events),
        cmocka_unit_test(test_critique_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
