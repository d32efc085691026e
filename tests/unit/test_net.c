/*
 * Unit tests of src/net that need no server: the SSE parser, the bounded
 * buffer, backoff, Retry-After, error-body extraction, URL redaction and the
 * endpoint pool's choice and resting.
 */
#include "core/jv.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include "net/bbuf.h"
#include "net/http.h"
#include "net/http_internal.h"
#include "net/sse.h"

/* ---- SSE ---------------------------------------------------------------- */

struct collected {
    GPtrArray *events; /* "type|data" strings */
    int reject_at;     /* 1-based event number to refuse, 0 = none */
};

static int collect(const char *type, const char *data, size_t len, void *user)
{
    struct collected *c = user;
    assert_int_equal(strlen(data), len);
    g_ptr_array_add(c->events, g_strdup_printf("%s|%s", type, data));
    if (c->reject_at > 0 && (int)c->events->len == c->reject_at)
        return -1;
    return 0;
}

static const char sse_stream[] = "\xEF\xBB\xBF"
                                 ": a comment line\r\n"
                                 "data: {\"a\":1}\r\n"
                                 "\r\n"
                                 "data:no-space\n"
                                 "data:  two spaces\n"
                                 "\n"
                                 "event: error\r"
                                 "data: first\r"
                                 "data: second\r"
                                 "id: 7\r"
                                 "retry: 100\r"
                                 "\r"
                                 "data\n"
                                 "\n"
                                 "event: lonely\n"
                                 "\n"
                                 "unknown: x\n"
                                 "data: a:b:c\n"
                                 "\n"
                                 "data: [DONE]\n"
                                 "\n"
                                 "data: unterminated";

static const char *const sse_expected[] = {
    "message|{\"a\":1}",   "message|no-space\n two spaces",
    "error|first\nsecond", "message|",
    "message|a:b:c",       "message|[DONE]",
};

static void check_events(struct collected *c)
{
    assert_int_equal(c->events->len, JV_ARRAY_LEN(sse_expected));
    for (size_t i = 0; i < JV_ARRAY_LEN(sse_expected); i++)
        assert_string_equal(g_ptr_array_index(c->events, i), sse_expected[i]);
}

static void feed_split(const char *s, size_t len, size_t a, size_t b)
{
    struct collected c = {.events = g_ptr_array_new_with_free_func(g_free)};
    struct jv_sse p;
    GError *err = NULL;
    jv_sse_init(&p, 1024, collect, &c);
    assert_int_equal(jv_sse_feed(&p, s, a, &err), 0);
    assert_int_equal(jv_sse_feed(&p, s + a, b - a, &err), 0);
    assert_int_equal(jv_sse_feed(&p, s + b, len - b, &err), 0);
    check_events(&c);
    assert_false(jv_sse_idle(&p)); /* "data: unterminated" is still pending */
    jv_sse_release(&p);
    g_ptr_array_free(c.events, TRUE);
}

static void test_sse_every_split(void **state)
{
    (void)state;
    size_t len = sizeof(sse_stream) - 1;
    for (size_t a = 0; a <= len; a++)
        for (size_t b = a; b <= len; b++)
            feed_split(sse_stream, len, a, b);
}

static void test_sse_byte_by_byte(void **state)
{
    (void)state;
    struct collected c = {.events = g_ptr_array_new_with_free_func(g_free)};
    struct jv_sse p;
    GError *err = NULL;
    jv_sse_init(&p, 1024, collect, &c);
    for (size_t i = 0; i < sizeof(sse_stream) - 1; i++)
        assert_int_equal(jv_sse_feed(&p, sse_stream + i, 1, &err), 0);
    check_events(&c);
    /* a reset forgets the pending event and accepts a fresh stream */
    jv_sse_reset(&p);
    assert_true(jv_sse_idle(&p));
    assert_int_equal(jv_sse_feed(&p, "data: x\n\n", 9, &err), 0);
    assert_string_equal(g_ptr_array_index(c.events, c.events->len - 1), "message|x");
    jv_sse_release(&p);
    g_ptr_array_free(c.events, TRUE);
}

static void test_sse_crlf_split_between_cr_and_lf(void **state)
{
    (void)state;
    /* "\r" then "\n" in the next chunk is one line end, not two (no extra blank line) */
    struct collected c = {.events = g_ptr_array_new_with_free_func(g_free)};
    struct jv_sse p;
    GError *err = NULL;
    jv_sse_init(&p, 1024, collect, &c);
    assert_int_equal(jv_sse_feed(&p, "data: a\r", 8, &err), 0);
    assert_int_equal(jv_sse_feed(&p, "\ndata: b\r", 9, &err), 0);
    assert_int_equal(jv_sse_feed(&p, "\n", 1, &err), 0);
    assert_int_equal(c.events->len, 0);
    assert_int_equal(jv_sse_feed(&p, "\r", 1, &err), 0);
    assert_int_equal(c.events->len, 1);
    assert_int_equal(jv_sse_feed(&p, "\n\n", 2, &err), 0); /* LF of the CRLF, then a blank line */
    assert_int_equal(c.events->len, 1);
    assert_string_equal(g_ptr_array_index(c.events, 0), "message|a\nb");
    jv_sse_release(&p);
    g_ptr_array_free(c.events, TRUE);
}

static void test_sse_not_a_bom(void **state)
{
    (void)state;
    /* a partial BOM followed by other bytes is kept as text */
    struct collected c = {.events = g_ptr_array_new_with_free_func(g_free)};
    struct jv_sse p;
    GError *err = NULL;
    jv_sse_init(&p, 1024, collect, &c);
    assert_int_equal(jv_sse_feed(&p, "\xEF", 1, &err), 0);
    assert_int_equal(jv_sse_feed(&p, "\xBBxdata: q\n\ndata: r\n\n", 20, &err), 0);
    assert_int_equal(c.events->len, 1);
    assert_string_equal(g_ptr_array_index(c.events, 0), "message|r");
    jv_sse_release(&p);
    g_ptr_array_free(c.events, TRUE);
}

static void test_sse_nul_in_event_name(void **state)
{
    (void)state;
    struct collected c = {.events = g_ptr_array_new_with_free_func(g_free)};
    struct jv_sse p;
    GError *err = NULL;
    jv_sse_init(&p, 1024, collect, &c);
    assert_int_equal(jv_sse_feed(&p, "event:\0x\ndata: y\n\n", 19, &err), 0);
    assert_int_equal(c.events->len, 1);
    assert_string_equal(g_ptr_array_index(c.events, 0), "message|y");
    jv_sse_release(&p);
    g_ptr_array_free(c.events, TRUE);
}

static void test_sse_oversize(void **state)
{
    (void)state;
    struct collected c = {.events = g_ptr_array_new_with_free_func(g_free)};
    struct jv_sse p;
    GError *err = NULL;
    jv_sse_init(&p, 16, collect, &c);
    /* exactly at the limit is fine: 15 bytes of data + the joining '\n' */
    assert_int_equal(jv_sse_feed(&p, "data: 123456789012345\n\n", 23, &err), 0);
    assert_int_equal(c.events->len, 1);
    /* one line too long (the limit plus room for the field name), in small pieces */
    assert_int_equal(jv_sse_feed(&p, "data: 12345678", 14, &err), 0);
    assert_int_equal(jv_sse_feed(&p, "9012345678901234567890", 22, &err), 0);
    assert_int_equal(jv_sse_feed(&p, "1234567890123", 13, &err), -1);
    assert_non_null(err);
    assert_non_null(strstr(err->message, "exceeds the limit of 16 bytes"));
    g_clear_error(&err);
    assert_int_equal(jv_sse_feed(&p, "\n\n", 2, &err), -1);
    g_clear_error(&err);
    jv_sse_reset(&p);
    /* many short data lines adding up past the limit */
    assert_int_equal(jv_sse_feed(&p, "data: 12345678\ndata: 12345678\n", 32, &err), -1);
    assert_non_null(strstr(err->message, "event data exceeds"));
    g_clear_error(&err);
    assert_int_equal(c.events->len, 1);
    jv_sse_release(&p);
    g_ptr_array_free(c.events, TRUE);
}

static void test_sse_reject(void **state)
{
    (void)state;
    struct collected c = {.events = g_ptr_array_new_with_free_func(g_free), .reject_at = 2};
    struct jv_sse p;
    GError *err = NULL;
    jv_sse_init(&p, 1024, collect, &c);
    const char *s = "data: 1\n\ndata: 2\n\ndata: 3\n\n";
    assert_int_equal(jv_sse_feed(&p, s, strlen(s), &err), -1);
    assert_non_null(strstr(err->message, "rejected"));
    g_clear_error(&err);
    assert_int_equal(c.events->len, 2);
    jv_sse_release(&p);
    g_ptr_array_free(c.events, TRUE);
}

/* ---- bounded buffer ------------------------------------------------------- */

static void test_bbuf(void **state)
{
    (void)state;
    struct jv_bbuf b;
    jv_bbuf_init(&b, 8);
    assert_int_equal(jv_bbuf_append(&b, "12345", 5), 0);
    assert_int_equal(jv_bbuf_append(&b, "6789", 4), -1);
    assert_true(b.overflow);
    assert_string_equal(jv_bbuf_str(&b), "12345");
    assert_int_equal(jv_bbuf_append(&b, "678", 3), 0);
    size_t len = 0;
    char *s = jv_bbuf_steal(&b, &len);
    assert_int_equal(len, 8);
    assert_string_equal(s, "12345678");
    g_free(s);
    assert_int_equal(jv_bbuf_len(&b), 0);
    assert_int_equal(jv_bbuf_append(&b, (const char *)"x", SIZE_MAX), -1);
    jv_bbuf_release(&b);
}

/* ---- backoff, Retry-After, error bodies, URLs ------------------------------ */

static void test_backoff(void **state)
{
    (void)state;
    assert_true(fabs(jv_http_backoff(1, 0.5, 30, 0.999999) - 0.5) < 1e-5);
    assert_true(fabs(jv_http_backoff(2, 0.5, 30, 0.5) - 0.5) < 1e-9);
    assert_true(fabs(jv_http_backoff(3, 0.5, 30, 1.0) - 2.0) < 1e-9);
    assert_true(fabs(jv_http_backoff(20, 0.5, 30, 1.0) - 30.0) < 1e-9);
    assert_true(jv_http_backoff(4, 0.5, 30, 0.0) == 0.0);
    /* full jitter: the spread covers [0, ceiling) */
    double lo = 1e9, hi = 0;
    GRand *r = g_rand_new_with_seed(42);
    for (int i = 0; i < 1000; i++) {
        double d = jv_http_backoff(3, 0.5, 30, g_rand_double(r));
        lo = fmin(lo, d);
        hi = fmax(hi, d);
        assert_true(d >= 0 && d < 2.0);
    }
    g_rand_free(r);
    assert_true(lo < 0.1 && hi > 1.9);
}

static void test_retry_after(void **state)
{
    (void)state;
    time_t now = 1784000000; /* 2026-07-14T03:33:20Z */
    assert_true(jv_http_retry_after_parse("3", now) == 3.0);
    assert_true(jv_http_retry_after_parse("  120 \r\n", now) == 120.0);
    assert_true(jv_http_retry_after_parse("0", now) == 0.0);
    assert_true(jv_http_retry_after_parse("", now) < 0);
    assert_true(jv_http_retry_after_parse("-5", now) < 0);
    assert_true(jv_http_retry_after_parse("soon", now) < 0);
    assert_true(jv_http_retry_after_parse(NULL, now) < 0);
    assert_true(jv_http_retry_after_parse("99999999999999", now) >= 1e9);
    /* HTTP dates: IMF-fixdate, 10 s ahead; a past date means now */
    assert_true(jv_http_retry_after_parse("Tue, 14 Jul 2026 03:33:30 GMT", now) == 10.0);
    assert_true(jv_http_retry_after_parse("Tue, 14 Jul 2026 03:33:30 GMT\r\n", now) == 10.0);
    assert_true(jv_http_retry_after_parse("Wed, 21 Oct 2015 07:28:00 GMT", now) == 0.0);
}

static void test_retry_delay_capped(void **state)
{
    (void)state;
    /* no Retry-After: the backoff */
    assert_true(jv_http_retry_delay(1.5, -1, 120) == 1.5);
    /* a longer Retry-After wins, a shorter one does not */
    assert_true(jv_http_retry_delay(1.5, 20, 120) == 20.0);
    assert_true(jv_http_retry_delay(1.5, 0.5, 120) == 1.5);
    /* capped by the request's timeout, and never above 300 s */
    assert_true(jv_http_retry_delay(0.1, 300, 10) == 10.0);
    assert_true(jv_http_retry_delay(0.1, 1e9, 86400) == 300.0);
    assert_true(jv_http_retry_delay(0.1, 1e9, 0) == 300.0);
}

static void test_url_schemes(void **state)
{
    (void)state;
    assert_true(jv_http_url_scheme_ok("http://127.0.0.1:8000/v1"));
    assert_true(jv_http_url_scheme_ok("HTTPS://api.example.com/v1"));
    assert_false(jv_http_url_scheme_ok("gopher://127.0.0.1:6379/_SET"));
    assert_false(jv_http_url_scheme_ok("dict://127.0.0.1:11211/stat"));
    assert_false(jv_http_url_scheme_ok("file:///etc/passwd"));
    assert_false(jv_http_url_scheme_ok("127.0.0.1:8000/v1"));
    assert_false(jv_http_url_scheme_ok("http:/x"));
    assert_false(jv_http_url_scheme_ok(NULL));
}

static void check_detail(const char *body, const char *want)
{
    char *got = jv_http_error_detail(body, body ? strlen(body) : 0);
    if (!want) {
        assert_null(got);
    } else {
        assert_non_null(got);
        assert_string_equal(got, want);
    }
    g_free(got);
}

static void test_error_detail(void **state)
{
    (void)state;
    check_detail("{\"error\": {\"message\": \"model not found\", \"type\": \"x\", \"code\": 404}}",
                 "model not found");
    check_detail("{\"object\":\"error\",\"message\":\"bad stream_options\",\"code\":400}",
                 "bad stream_options");
    check_detail("{\"error\": \"llama runner process has terminated\"}",
                 "llama runner process has terminated");
    check_detail("{\"detail\": \"Not Found\"}", "Not Found");
    check_detail(
        "{\"detail\": [{\"loc\": [\"body\", \"image_b64\"], \"msg\": \"field required\"}]}",
        "field required");
    check_detail("{\"error\": {\"code\": 500}}", "{\"code\":500}");
    check_detail("upstream connect error\n", "upstream connect error");
    check_detail("line\x01one\ttwo", "line one two");
    check_detail("<html><body>502 Bad Gateway</body></html>", NULL);
    check_detail("", NULL);
    check_detail("   ", NULL);
    check_detail(NULL, NULL);
    GString *big = g_string_new("{\"error\":\"");
    for (int i = 0; i < 1000; i++)
        g_string_append_c(big, 'x');
    g_string_append(big, "\"}");
    char *got = jv_http_error_detail(big->str, big->len);
    assert_int_equal(strlen(got), 303);
    assert_true(g_str_has_suffix(got, "..."));
    g_free(got);
    g_string_free(big, TRUE);
}

static void test_redact(void **state)
{
    (void)state;
    char *u = jv_http_redact_url("http://user:secret@127.0.0.1:8000/v1?key=abc#frag");
    assert_string_equal(u, "http://127.0.0.1:8000/v1");
    g_free(u);
    u = jv_http_redact_url("http://127.0.0.1:8000");
    assert_string_equal(u, "http://127.0.0.1:8000");
    g_free(u);
    u = jv_http_redact_url("https://example.org/v1/");
    assert_string_equal(u, "https://example.org/v1/");
    g_free(u);
    u = jv_http_redact_url("::not a url secret@x");
    assert_null(strstr(u, "secret"));
    g_free(u);

    const char *urls[] = {"http://k:pw@h:1/v1/", NULL};
    struct jv_http_pool *pool = jv_http_pool_new(urls);
    assert_string_equal(jv_http_pool_url(pool, 0), "http://k:pw@h:1/v1");
    json_t *st = jv_http_pool_stats(pool);
    const char *safe = json_string_value(json_object_get(json_array_get(st, 0), "url"));
    assert_string_equal(safe, "http://h:1/v1");
    json_decref(st);
    jv_http_pool_free(pool);
    const char *none[] = {NULL};
    assert_null(jv_http_pool_new(none));
}

/* ---- endpoint pool ---------------------------------------------------------- */

static void test_pool_fewest_in_flight(void **state)
{
    (void)state;
    const char *urls[] = {"http://a", "http://b", "http://c", NULL};
    struct jv_http_pool *pool = jv_http_pool_new(urls);
    int counts[3] = {0};
    /* start 6 attempts without finishing any: 2 each */
    for (int i = 0; i < 6; i++) {
        int e = jv_http_pool_pick(pool, 100.0, -1);
        jv_http_pool_inflight(pool, e, +1);
        counts[e]++;
    }
    assert_int_equal(counts[0], 2);
    assert_int_equal(counts[1], 2);
    assert_int_equal(counts[2], 2);
    /* b finishes one: it now has the fewest */
    jv_http_pool_inflight(pool, 1, -1);
    assert_int_equal(jv_http_pool_pick(pool, 100.0, -1), 1);
    /* ...unless the request must avoid it (it just failed there) */
    assert_true(jv_http_pool_pick(pool, 100.0, 1) != 1);
    jv_http_pool_free(pool);
}

static void test_pool_resting(void **state)
{
    (void)state;
    const char *urls[] = {"http://dead", "http://live", NULL};
    struct jv_http_pool *pool = jv_http_pool_new(urls);
    jv_http_pool_set_rest(pool, 3, 30.0);
    double t = 1000.0;
    jv_http_pool_record(pool, 0, true, t);
    jv_http_pool_record(pool, 0, true, t + 1);
    assert_false(jv_http_pool_resting(pool, 0, t + 1));
    jv_http_pool_record(pool, 0, true, t + 2);
    assert_true(jv_http_pool_resting(pool, 0, t + 2));
    assert_true(jv_http_pool_resting(pool, 0, t + 31.9));
    assert_false(jv_http_pool_resting(pool, 0, t + 32.1));
    /* while it rests, the other is chosen even with more in flight */
    jv_http_pool_inflight(pool, 1, +1);
    jv_http_pool_inflight(pool, 1, +1);
    assert_int_equal(jv_http_pool_pick(pool, t + 10, -1), 1);
    /* a failure of an attempt already in flight does not extend the rest */
    jv_http_pool_record(pool, 0, true, t + 5);
    assert_false(jv_http_pool_resting(pool, 0, t + 32.1));
    /* failing again after the rest: rested again, twice as long */
    jv_http_pool_record(pool, 0, true, t + 40);
    assert_true(jv_http_pool_resting(pool, 0, t + 40 + 59));
    assert_false(jv_http_pool_resting(pool, 0, t + 40 + 61));
    /* both resting: the one that failed least recently is used */
    jv_http_pool_record(pool, 1, true, t + 41);
    jv_http_pool_record(pool, 1, true, t + 42);
    jv_http_pool_record(pool, 1, true, t + 43);
    assert_true(jv_http_pool_resting(pool, 1, t + 44));
    assert_int_equal(jv_http_pool_pick(pool, t + 44, -1), 0);
    /* a success restores the endpoint and the rest length */
    jv_http_pool_record(pool, 0, false, t + 45);
    assert_false(jv_http_pool_resting(pool, 0, t + 45));
    assert_int_equal(jv_http_pool_pick(pool, t + 45, -1), 0);
    json_t *st = jv_http_pool_stats(pool);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(st, 0), "failures")), 5);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(st, 0), "rests")), 0);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(st, 1), "in_flight")), 2);
    json_decref(st);
    for (int i = 0; i < 3; i++)
        jv_http_pool_record(pool, 0, true, t + 50 + i);
    assert_true(jv_http_pool_resting(pool, 0, t + 52 + 29));
    assert_false(jv_http_pool_resting(pool, 0, t + 52 + 31)); /* back to 30 s */
    jv_http_pool_free(pool);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sse_every_split),
        cmocka_unit_test(test_sse_byte_by_byte),
        cmocka_unit_test(test_sse_crlf_split_between_cr_and_lf),
        cmocka_unit_test(test_sse_not_a_bom),
        cmocka_unit_test(test_sse_nul_in_event_name),
        cmocka_unit_test(test_sse_oversize),
        cmocka_unit_test(test_sse_reject),
        cmocka_unit_test(test_bbuf),
        cmocka_unit_test(test_backoff),
        cmocka_unit_test(test_retry_after),
        cmocka_unit_test(test_retry_delay_capped),
        cmocka_unit_test(test_url_schemes),
        cmocka_unit_test(test_error_detail),
        cmocka_unit_test(test_redact),
        cmocka_unit_test(test_pool_fewest_in_flight),
        cmocka_unit_test(test_pool_resting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
