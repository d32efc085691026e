/* test_vlm.c - the VLM client: request bodies, the retry rule, finishing a reply. */
#include "core/jv.h"

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>
#include <jansson.h>

#include "vlm/reply.h"
#include "vlm/request.h"
#include "vlm/retry.h"

static void expect_body(const struct jv_vlm_request *r, const char *want)
{
    char *body = jv_vlm_request_body(r);
    if (strcmp(body, want) != 0)
        fail_msg("body\n%s\nwant\n%s", body, want);
    g_free(body);
}

/* Parts go in the order given; the keys in one fixed order. */
static void test_body_parts(void **state)
{
    (void)state;
    const struct jv_vlm_part parts[] = {
        {JV_VLM_PART_TEXT, "A"},       {JV_VLM_PART_IMAGE_URL, "data:a"},
        {JV_VLM_PART_TEXT, "B \"q\""}, {JV_VLM_PART_IMAGE_URL, "data:b"},
        {JV_VLM_PART_TEXT, "which?"},
    };
    struct jv_vlm_request r = {
        .model = "m",
        .system = "S",
        .parts = parts,
        .n_parts = JV_ARRAY_LEN(parts),
        .max_tokens = 128,
        .temperature = 0.5,
    };
    expect_body(&r, "{\"model\":\"m\",\"messages\":[{\"role\":\"system\",\"content\":\"S\"},"
                    "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"A\"},"
                    "{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:a\"}},"
                    "{\"type\":\"text\",\"text\":\"B \\\"q\\\"\"},"
                    "{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:b\"}},"
                    "{\"type\":\"text\",\"text\":\"which?\"}]}],"
                    "\"max_tokens\":128,\"temperature\":0.5,\"stream\":false}");

    /* top_p, streaming with usage, a JSON object reply; a missing model is "". */
    r.model = NULL;
    r.n_parts = 1;
    r.has_top_p = true;
    r.top_p = 0.25;
    r.stream = true;
    r.structured = JV_STRUCTURED_JSON_OBJECT;
    expect_body(&r, "{\"model\":\"\",\"messages\":[{\"role\":\"system\",\"content\":\"S\"},"
                    "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"A\"}]}],"
                    "\"max_tokens\":128,\"temperature\":0.5,\"top_p\":0.25,\"stream\":true,"
                    "\"stream_options\":{\"include_usage\":true},"
                    "\"response_format\":{\"type\":\"json_object\"}}");

    /* A schema is borrowed: the caller's reference stays its own. */
    json_t *schema = json_pack("{s:s}", "type", "object");
    r.stream = false;
    r.structured = JV_STRUCTURED_JSON_SCHEMA;
    r.schema_name = "verdict";
    r.schema = schema;
    expect_body(&r, "{\"model\":\"\",\"messages\":[{\"role\":\"system\",\"content\":\"S\"},"
                    "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"A\"}]}],"
                    "\"max_tokens\":128,\"temperature\":0.5,\"top_p\":0.25,\"stream\":false,"
                    "\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":"
                    "\"verdict\",\"strict\":true,\"schema\":{\"type\":\"object\"}}}}");
    assert_int_equal(schema->refcount, 1);
    json_t *j = jv_vlm_request_json(&r);
    assert_int_equal(schema->refcount, 2);
    assert_int_equal(json_integer_value(json_object_get(j, "max_tokens")), 128);
    json_decref(j);
    assert_int_equal(schema->refcount, 1);
    json_decref(schema);
}

static void test_retry_rule(void **state)
{
    (void)state;
    assert_true(jv_vlm_retry_allowed(1));
    assert_false(jv_vlm_retry_allowed(2));
    assert_false(jv_vlm_retry_allowed(3));

    struct jv_vlm_sampling first = {320, 0.7};
    struct jv_vlm_sampling s = jv_vlm_retry_sampling(first, 1, 1.5);
    assert_int_equal(s.max_tokens, 320);
    assert_true(s.temperature == 0.7);
    s = jv_vlm_retry_sampling(first, 2, 1.5);
    assert_int_equal(s.max_tokens, 480);
    assert_true(s.temperature == 0.0);
    /* Rounded up, so a cut reply always gets more room. */
    first.max_tokens = 301;
    assert_int_equal(jv_vlm_retry_sampling(first, 2, 1.5).max_tokens, 452);
    /* The playoff's factor keeps its limit. */
    first.max_tokens = 128;
    s = jv_vlm_retry_sampling(first, 2, 1.0);
    assert_int_equal(s.max_tokens, 128);
    assert_true(s.temperature == 0.0);
}

static const char plain_body[] =
    "{\"choices\":[{\"message\":{\"content\":\"hi\"},\"finish_reason\":\"stop\"}],"
    "\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":3}}";

static void test_finish(void **state)
{
    (void)state;
    struct jv_reply r;
    jv_reply_init(&r);
    GError *err = NULL;

    /* A transport failure keeps its code; the stream's own complaint is added. */
    GError *cancel = g_error_new_literal(JV_ERROR, JV_ERR_CANCELLED, "POST x: cancelled");
    struct jv_http_result res = {.body = "", .error = cancel};
    assert_int_equal(jv_reply_finish(&r, &res, "malformed stream event", &err), -1);
    assert_true(g_error_matches(err, JV_ERROR, JV_ERR_CANCELLED));
    assert_string_equal(err->message, "POST x: cancelled (malformed stream event)");
    g_clear_error(&err);
    assert_int_equal(jv_reply_finish(&r, &res, NULL, &err), -1);
    assert_string_equal(err->message, "POST x: cancelled");
    g_clear_error(&err);
    g_error_free(cancel);

    /* A plain body with no events is read whole. */
    res = (struct jv_http_result){.status = 200, .body = plain_body};
    assert_int_equal(jv_reply_finish(&r, &res, NULL, &err), 0);
    assert_string_equal(r.content->str, "hi");
    assert_string_equal(r.finish_reason, "stop");
    assert_true(r.done);

    /* After events, the body (always "" for a stream) is not read again. */
    jv_reply_reset(&r);
    const char ev[] = "{\"choices\":[{\"delta\":{\"content\":\"yo\"}}]}";
    assert_int_equal(jv_reply_feed_sse(&r, ev, strlen(ev), &err), 0);
    assert_int_equal(jv_reply_finish(&r, &res, NULL, &err), 0);
    assert_string_equal(r.content->str, "yo");

    /* An empty 2xx body is an empty reply; a body that is not a reply fails. */
    jv_reply_reset(&r);
    res.body = "";
    assert_int_equal(jv_reply_finish(&r, &res, NULL, &err), 0);
    assert_string_equal(r.content->str, "");
    res.body = "<html>";
    assert_int_equal(jv_reply_finish(&r, &res, NULL, &err), -1);
    assert_true(g_error_matches(err, JV_ERROR, JV_ERR_PARSE));
    g_clear_error(&err);
    jv_reply_release(&r);
}

static void test_usage(void **state)
{
    (void)state;
    struct jv_reply r;
    jv_reply_init(&r);
    GError *err = NULL;
    long prompt = -1, completion = -1;
    jv_reply_add_usage(&r, &prompt, &completion);
    assert_int_equal(prompt, -1);
    assert_int_equal(completion, -1);
    assert_int_equal(jv_reply_parse_nonstream(&r, plain_body, &err), 0);
    jv_reply_add_usage(&r, &prompt, &completion);
    jv_reply_add_usage(&r, NULL, &completion);
    assert_int_equal(prompt, 10);
    assert_int_equal(completion, 6);

    /* Tokens spent on a reply without a message still count. */
    jv_reply_reset(&r);
    assert_int_equal(
        jv_reply_parse_nonstream(&r, "{\"choices\":[],\"usage\":{\"completion_tokens\":9}}", &err),
        -1);
    g_clear_error(&err);
    assert_int_equal(r.completion_tokens, 9);
    assert_int_equal(r.prompt_tokens, -1);
    jv_reply_release(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_body_parts),
        cmocka_unit_test(test_retry_rule),
        cmocka_unit_test(test_finish),
        cmocka_unit_test(test_usage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
