/*
 * The HTTP scheduler against the real simulator (judge-vision-sim started as
 * a child process on a free port, stopped at the end of each test).
 */
#include "core/jv.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <signal.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>
#include <gio/gio.h>

#include "core/clock.h"
#include "core/fsutil.h"
#include "core/log.h"
#include "net/capacity.h"
#include "net/capacity_probe.h"
#include "net/http.h"

#include "sim_child.h"

#define CHAT_PATH "/chat/completions"

static char *chat_body(bool stream, const char *text)
{
    json_t *b = json_pack("{s:s, s:[{s:s, s:s}], s:i, s:b}", "model", "m", "messages", "role",
                          "user", "content", text, "max_tokens", 64, "stream", stream);
    char *s = json_dumps(b, JSON_COMPACT);
    json_decref(b);
    return s;
}

/* What the callbacks of one request saw. */
struct probe {
    struct jv_http_sched *sched;
    struct jv_http_pool *pool;
    GString *content; /* concatenated delta contents */
    int events;
    int first_tokens; /* on_first_token calls in total */
    int first_tokens_attempt;
    bool bad_order; /* an event arrived before first-token, or after [DONE] */
    bool saw_done;
    int retries;
    double retry_delay_min;
    char *retry_msg;
    bool done;
    long status;
    int attempts;
    int endpoint;
    double ttft, latency, total;
    char *body;
    char *error;
    int error_code;
    size_t max_running; /* scheduler's running count seen from the callbacks */
    bool cancel_on_first_token;
};

static void probe_init(struct probe *p, struct jv_http_sched *s, struct jv_http_pool *pool)
{
    memset(p, 0, sizeof(*p));
    p->sched = s;
    p->pool = pool;
    p->content = g_string_new(NULL);
    p->retry_delay_min = 1e9;
    p->endpoint = -1;
}

static void probe_release(struct probe *p)
{
    g_string_free(p->content, TRUE);
    g_free(p->retry_msg);
    g_free(p->body);
    g_free(p->error);
}

static void note_running(struct probe *p)
{
    size_t r = jv_http_sched_running(p->sched);
    if (r > p->max_running)
        p->max_running = r;
}

static int on_event(struct jv_http_request *req, const char *data, size_t len, void *user)
{
    (void)req;
    struct probe *p = user;
    note_running(p);
    if (p->first_tokens_attempt != 1 || p->saw_done)
        p->bad_order = true;
    p->events++;
    if (len == 6 && memcmp(data, "[DONE]", 6) == 0) {
        p->saw_done = true;
        return 0;
    }
    json_t *j = json_loadb(data, len, 0, NULL);
    if (!j)
        return -1;
    json_t *choices = json_object_get(j, "choices");
    const char *c = json_string_value(
        json_object_get(json_object_get(json_array_get(choices, 0), "delta"), "content"));
    if (c)
        g_string_append(p->content, c);
    json_decref(j);
    return 0;
}

static void on_first(struct jv_http_request *req, void *user)
{
    (void)req;
    struct probe *p = user;
    p->first_tokens++;
    p->first_tokens_attempt++;
    note_running(p);
    if (p->cancel_on_first_token)
        jv_http_sched_cancel_all(p->sched);
}

static void on_retry(struct jv_http_request *req, const GError *why, double delay, void *user)
{
    (void)req;
    struct probe *p = user;
    p->retries++;
    p->first_tokens_attempt = 0;
    p->saw_done = false;
    g_string_truncate(p->content, 0);
    p->retry_delay_min = fmin(p->retry_delay_min, delay);
    g_free(p->retry_msg);
    p->retry_msg = g_strdup(why->message);
}

static void on_done(struct jv_http_request *req, const struct jv_http_result *res, void *user)
{
    (void)req;
    struct probe *p = user;
    p->done = true;
    p->status = res->status;
    p->attempts = res->attempts;
    p->endpoint = res->endpoint;
    p->ttft = res->ttft_s;
    p->latency = res->latency_s;
    p->total = res->total_s;
    p->body = g_strndup(res->body, res->body_len);
    if (res->error) {
        p->error = g_strdup(res->error->message);
        p->error_code = res->error->code;
    }
}

static const struct jv_http_callbacks probe_cb = {
    .on_sse_event = on_event,
    .on_first_token = on_first,
    .on_retry = on_retry,
    .on_done = on_done,
};

static void run_all(struct jv_http_sched *s, double limit_s)
{
    double end = jv_clock_mono() + limit_s;
    while (jv_http_sched_pending(s) > 0 && jv_clock_mono() < end)
        jv_http_sched_run(s, 200);
    assert_int_equal(jv_http_sched_pending(s), 0);
}

static struct jv_http_request *chat_request(struct jv_http_pool *pool, bool stream,
                                            const char *text, struct probe *p)
{
    char *body = chat_body(stream, text);
    struct jv_http_request *req =
        jv_http_request_new(pool, CHAT_PATH, body, NULL, stream, &probe_cb, p);
    free(body);
    jv_http_request_set_timeout(req, 20);
    return req;
}

/* ---- tests ----------------------------------------------------------------- */

static void test_stream_and_blocking(void **state)
{
    (void)state;
    struct sim_child sim;
    sim_start(&sim, "--time-scale", "0.01", NULL);
    const char *urls[] = {sim.api, NULL};
    struct jv_http_pool *pool = jv_http_pool_new(urls);
    struct jv_http_sched *s = jv_http_sched_new(4);
    struct probe ps, pb;
    probe_init(&ps, s, pool);
    probe_init(&pb, s, pool);
    jv_http_sched_submit(s, chat_request(pool, true, "Judge this photograph.", &ps));
    jv_http_sched_submit(s, chat_request(pool, false, "Judge this photograph.", &pb));
    run_all(s, 30);

    assert_null(ps.error);
    assert_int_equal(ps.status, 200);
    assert_int_equal(ps.attempts, 1);
    assert_int_equal(ps.first_tokens, 1);
    assert_false(ps.bad_order);
    assert_true(ps.saw_done);
    assert_true(ps.events >= 4);
    assert_true(ps.ttft >= 0 && ps.ttft <= ps.latency);
    assert_string_equal(ps.body, "");

    assert_null(pb.error);
    assert_int_equal(pb.status, 200);
    assert_int_equal(pb.events, 0);
    assert_int_equal(pb.first_tokens, 0);
    assert_true(pb.ttft < 0);
    json_t *j = json_loads(pb.body, 0, NULL);
    assert_non_null(j);
    const char *content = json_string_value(json_object_get(
        json_object_get(json_array_get(json_object_get(j, "choices"), 0), "message"), "content"));
    assert_non_null(content);
    /* the stream's deltas, joined in arrival order, are the blocking reply's content */
    assert_true(ps.content->len > 20);
    assert_string_equal(ps.content->str, content);
    json_decref(j);

    json_t *st = jv_http_sched_stats(s);
    assert_int_equal(json_integer_value(json_object_get(st, "requests")), 2);
    assert_int_equal(json_integer_value(json_object_get(st, "succeeded")), 2);
    assert_int_equal(json_integer_value(json_object_get(st, "retries")), 0);
    json_decref(st);
    probe_release(&ps);
    probe_release(&pb);
    jv_http_sched_free(s);
    jv_http_pool_free(pool);
    sim_stop(&sim);
}

static void retry_status(const char *status)
{
    struct sim_child sim;
    sim_start(&sim, "--time-scale", "0.01", "--fail-first", "2", "--fail-first-status", status,
              NULL);
    const char *urls[] = {sim.api, NULL};
    struct jv_http_pool *pool = jv_http_pool_new(urls);
    struct jv_http_sched *s = jv_http_sched_new(1);
    jv_http_sched_set_backoff(s, 0.01, 0.05);
    struct probe p;
    probe_init(&p, s, pool);
    jv_http_sched_submit(s, chat_request(pool, true, "retry me", &p));
    run_all(s, 30);
    assert_null(p.error);
    assert_int_equal(p.attempts, 3);
    assert_int_equal(p.retries, 2);
    assert_int_equal(p.first_tokens, 1); /* failed attempts never streamed */
    assert_true(p.saw_done);
    char *want = g_strdup_printf("HTTP %s: simulated failure of request 1", status);
    assert_non_null(strstr(p.retry_msg, want));
    assert_non_null(strstr(p.retry_msg, sim.api)); /* names the endpoint */
    g_free(want);
    json_t *st = jv_http_sched_stats(s);
    assert_int_equal(json_integer_value(json_object_get(st, "attempts")), 3);
    assert_int_equal(json_integer_value(json_object_get(st, "retries")), 2);
    json_decref(st);
    probe_release(&p);
    jv_http_sched_free(s);
    jv_http_pool_free(pool);
    sim_stop(&sim);
}

static void test_retry_500(void **state)
{
    (void)state;
    retry_status("500");
}

static void test_retry_503(void **state)
{
    (void)state;
    retry_status("503");
}

static void test_retry_after_429(void **state)
{
    (void)state;
    struct sim_child sim;
    sim_start(&sim, "--time-scale", "0.01", "--fail-429", "1", "--retry-after", "1", NULL);
    const char *urls[] = {sim.api, NULL};
    struct jv_http_pool *pool = jv_http_pool_new(urls);
    struct jv_http_sched *s = jv_http_sched_new(1);
    jv_http_sched_set_backoff(s, 0.01, 0.05); /* far below the server's 1 s */
    struct probe p;
    probe_init(&p, s, pool);
    struct jv_http_request *req = chat_request(pool, true, "rate limited", &p);
    jv_http_request_set_max_retries(req, 1);
    double t0 = jv_clock_mono();
    jv_http_sched_submit(s, req);
    run_all(s, 30);
    double elapsed = jv_clock_mono() - t0;
    assert_non_null(p.error);
    assert_int_equal(p.status, 429);
    assert_int_equal(p.attempts, 2);
    assert_int_equal(p.retries, 1);
    assert_true(p.retry_delay_min >= 1.0);
    assert_true(elapsed >= 1.0);
    assert_true(p.total >= 1.0);
    assert_non_null(strstr(p.error, "HTTP 429: simulated rate limit"));
    probe_release(&p);
    jv_http_sched_free(s);
    jv_http_pool_free(pool);
    sim_stop(&sim);
}

/* A Retry-After longer than the request's timeout waits the timeout, no more. */
static void test_retry_after_capped_by_timeout(void **state)
{
    (void)state;
    struct sim_child sim;
    sim_start(&sim, "--time-scale", "0.01", "--fail-429", "1", "--retry-after", "30", NULL);
    const char *urls[] = {sim.api, NULL};
    struct jv_http_pool *pool = jv_http_pool_new(urls);
    struct jv_http_sched *s = jv_http_sched_new(1);
    jv_http_sched_set_backoff(s, 0.01, 0.05);
    struct probe p;
    probe_init(&p, s, pool);
    struct jv_http_request *req = chat_request(pool, true, "rate limited", &p);
    jv_http_request_set_timeout(req, 0.5);
    jv_http_request_set_max_retries(req, 1);
    double t0 = jv_clock_mono();
    jv_http_sched_submit(s, req);
    run_all(s, 30);
    double elapsed = jv_clock_mono() - t0;
    assert_int_equal(p.status, 429);
    assert_int_equal(p.attempts, 2);
    assert_true(p.retry_delay_min >= 0.5 && p.retry_delay_min <= 0.5 + 1e-9);
    assert_true(elapsed >= 0.5 && elapsed < 5.0);
    probe_release(&p);
    jv_http_sched_free(s);
    jv_http_pool_free(pool);
    sim_stop(&sim);
}

/*
 * An endless but valid event stream (the simulator's --endless-stream: the
 * reply repeated forever, no [DONE]) ends at the total cap with a final
 * error, however small each event is.
 */
static void test_endless_stream_capped(void **state)
{
    (void)state;
    struct sim_child sim;
    sim_start(&sim, "--time-scale", "0", "--endless-stream", "1", NULL);
    const char *urls[] = {sim.api, NULL};
    struct jv_http_pool *pool = jv_http_pool_new(urls);
    struct jv_http_sched *s = jv_http_sched_new(1);
    struct probe p;
    probe_init(&p, s, pool);
    struct jv_http_request *req = chat_request(pool, true, "go on forever", &p);
    jv_http_request_set_max_body(req, 256 * 1024);
    jv_http_request_set_max_retries(req, 2);
    jv_http_sched_submit(s, req);
    run_all(s, 30);
    assert_non_null(p.error);
    if (!strstr(p.error, "the streamed reply exceeds the limit of 262144 bytes"))
        fail_msg("unexpected error: %s", p.error);
    assert_int_equal(p.attempts, 1); /* final: the next attempt would do the same */
    assert_false(p.saw_done);
    assert_true(p.events > 100); /* many small, valid events came first */
    assert_true(p.content->len > 1000 && p.content->len < 256 * 1024);
    probe_release(&p);
    jv_http_sched_free(s);
    jv_http_pool_free(pool);
    sim_stop(&sim);
}

static void test_no_retry_on_400(void **state)
{
    (void)state;
    struct sim_child sim;
    sim_start(&sim, "--time-scale", "0.01", NULL);
    const char *urls[] = {sim.api, NULL};
    struct jv_http_pool *pool = jv_http_pool_new(urls);
    struct jv_http_sched *s = jv_http_sched_new(1);
    struct probe p;
    probe_init(&p, s, pool);
    struct jv_http_request *req = jv_http_request_new(pool, CHAT_PATH, "{\"model\": \"m\"}",
                                                      "sk-TOPSECRET", true, &probe_cb, &p);
    jv_http_sched_submit(s, req);
    run_all(s, 30);
    assert_non_null(p.error);
    assert_int_equal(p.status, 400);
    assert_int_equal(p.attempts, 1);
    assert_int_equal(p.retries, 0);
    assert_int_equal(p.error_code, JV_ERR_HTTP);
    assert_non_null(strstr(p.error, "POST "));
    assert_non_null(strstr(p.error, "/v1/chat/completions: HTTP 400: messages must be"));
    assert_null(strstr(p.error, "TOPSECRET"));
    /* the error body is handed over */
    assert_non_null(strstr(p.body, "invalid_request_error"));
    probe_release(&p);
    jv_http_sched_free(s);
    jv_http_pool_free(pool);
    sim_stop(&sim);
}

static void test_stall_cut_by_timeout(void **state)
{
    (void)state;
    struct sim_child sim;
    /* every request is held 300 * 0.01 = 3 s before any byte */
    sim_start(&sim, "--time-scale", "0.01", "--stall", "1", NULL);
    const char *urls[] = {sim.api, NULL};
    struct jv_http_pool *pool = jv_http_pool_new(urls);
    struct jv_http_sched *s = jv_http_sched_new(1);
    jv_http_sched_set_backoff(s, 0.01, 0.05);
    struct probe p;
    probe_init(&p, s, pool);
    struct jv_http_request *req = chat_request(pool, true, "stall", &p);
    jv_http_request_set_timeout(req, 0.5);
    jv_http_request_set_max_retries(req, 1);
    jv_http_sched_submit(s, req);
    run_all(s, 30);
    assert_non_null(p.error);
    assert_int_equal(p.attempts, 2);
    assert_int_equal(p.retries, 1);
    assert_non_null(strstr(p.retry_msg, "no complete reply within 0.5 s"));
    assert_non_null(strstr(p.error, "no complete reply within 0.5 s"));
    /* each attempt was cut at the timeout, long before the 3 s stall ended */
    assert_true(p.latency >= 0.45 && p.latency < 2.0);
    json_t *st = jv_http_sched_stats(s);
    assert_int_equal(json_integer_value(json_object_get(st, "timeouts")), 2);
    json_decref(st);
    probe_release(&p);
    jv_http_sched_free(s);
    jv_http_pool_free(pool);
    sim_stop(&sim);
}

static void stream_fault(const char *flag, const char *expect)
{
    struct sim_child sim;
    sim_start(&sim, "--time-scale", "0.01", flag, "1", NULL);
    const char *urls[] = {sim.api, NULL};
    struct jv_http_pool *pool = jv_http_pool_new(urls);
    struct jv_http_sched *s = jv_http_sched_new(1);
    jv_http_sched_set_backoff(s, 0.01, 0.05);
    struct probe p;
    probe_init(&p, s, pool);
    struct jv_http_request *req = chat_request(pool, true, "a long critique please", &p);
    jv_http_request_set_max_retries(req, 1);
    jv_http_sched_submit(s, req);
    run_all(s, 30);
    assert_non_null(p.error);
    assert_int_equal(p.attempts, 2);
    assert_int_equal(p.retries, 1);
    assert_int_equal(p.first_tokens, 2); /* once per attempt */
    assert_false(p.saw_done);
    if (!strstr(p.error, expect))
        fail_msg("error '%s' lacks '%s'", p.error, expect);
    probe_release(&p);
    jv_http_sched_free(s);
    jv_http_pool_free(pool);
    sim_stop(&sim);
}

static void test_cut_stream(void **state)
{
    (void)state;
    stream_fault("--cut-stream", "/v1/chat/completions: ");
}

static void test_error_event(void **state)
{
    (void)state;
    stream_fault("--error-event", "simulated engine error in the middle of a stream");
}

static void test_two_endpoints_balanced(void **state)
{
    (void)state;
    struct sim_child a, b;
    /* a is slow (each reply takes about a second), b fast */
    sim_start(&a, "--time-scale", "0.5", NULL);
    sim_start(&b, "--time-scale", "0.01", NULL);
    const char *urls[] = {a.api, b.api, NULL};
    struct jv_http_pool *pool = jv_http_pool_new(urls);
    struct jv_http_sched *s = jv_http_sched_new(2);
    enum { N = 10 };
    struct probe p[N];
    for (int i = 0; i < N; i++) {
        probe_init(&p[i], s, pool);
        char *text = g_strdup_printf("photo %d", i);
        jv_http_sched_submit(s, chat_request(pool, true, text, &p[i]));
        g_free(text);
    }
    /* the first two go one to each endpoint */
    jv_http_sched_run(s, 0);
    json_t *st = jv_http_pool_stats(pool);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(st, 0), "in_flight")), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(st, 1), "in_flight")), 1);
    json_decref(st);
    run_all(s, 60);
    int per[2] = {0, 0};
    for (int i = 0; i < N; i++) {
        assert_null(p[i].error);
        per[p[i].endpoint]++;
        probe_release(&p[i]);
    }
    /* fewest in flight: while the slow one works on its request, the fast one takes the rest */
    assert_true(per[0] >= 1);
    assert_true(per[1] >= N - 3);
    jv_http_sched_free(s);
    jv_http_pool_free(pool);
    sim_stop(&a);
    sim_stop(&b);
}

static void test_dead_endpoint_rested(void **state)
{
    (void)state;
    struct sim_child sim;
    sim_start(&sim, "--time-scale", "0.01", NULL);
    char *dead = g_strdup_printf("http://127.0.0.1:%d/v1", sim_closed_port());
    const char *urls[] = {dead, sim.api, NULL};
    struct jv_http_pool *pool = jv_http_pool_new(urls);
    jv_http_pool_set_rest(pool, 3, 30);
    struct jv_http_sched *s = jv_http_sched_new(1);
    jv_http_sched_set_backoff(s, 0.001, 0.01);
    struct probe p[10];
    for (int i = 0; i < 10; i++) {
        probe_init(&p[i], s, pool);
        jv_http_sched_submit(s, chat_request(pool, false, "x", &p[i]));
    }
    run_all(s, 60);
    for (int i = 0; i < 10; i++) {
        assert_null(p[i].error);
        assert_int_equal(p[i].endpoint, 1);
        probe_release(&p[i]);
    }
    json_t *st = jv_http_pool_stats(pool);
    json_t *d = json_array_get(st, 0), *l = json_array_get(st, 1);
    assert_true(json_is_true(json_object_get(d, "resting")));
    assert_int_equal(json_integer_value(json_object_get(d, "failures")), 3);
    assert_int_equal(json_integer_value(json_object_get(d, "requests")), 3);
    assert_int_equal(json_integer_value(json_object_get(l, "failures")), 0);
    assert_int_equal(json_integer_value(json_object_get(l, "requests")), 10);
    json_decref(st);
    jv_http_sched_free(s);
    jv_http_pool_free(pool);
    g_free(dead);
    sim_stop(&sim);
}

static void test_concurrency_limit(void **state)
{
    (void)state;
    struct sim_child sim;
    sim_start(&sim, "--time-scale", "0.02", NULL);
    const char *urls[] = {sim.api, NULL};
    struct jv_http_pool *pool = jv_http_pool_new(urls);
    /* a second pool with its own limit shares the scheduler without taking its slots */
    struct jv_http_pool *side = jv_http_pool_new(urls);
    jv_http_pool_set_limit(side, 2);
    struct jv_http_sched *s = jv_http_sched_new(3);
    struct probe p[10], q[4];
    for (int i = 0; i < 10; i++) {
        probe_init(&p[i], s, pool);
        jv_http_sched_submit(s, chat_request(pool, true, "busy", &p[i]));
    }
    for (int i = 0; i < 4; i++) {
        probe_init(&q[i], s, side);
        jv_http_sched_submit(s, chat_request(side, true, "side", &q[i]));
    }
    /* right after submission: 3 of the main pool and 2 of the side pool start */
    jv_http_sched_run(s, 0);
    assert_int_equal(jv_http_sched_running(s), 5);
    run_all(s, 60);
    size_t max_seen = 0;
    for (int i = 0; i < 10; i++) {
        assert_null(p[i].error);
        max_seen = MAX(max_seen, p[i].max_running);
        probe_release(&p[i]);
    }
    for (int i = 0; i < 4; i++) {
        assert_null(q[i].error);
        probe_release(&q[i]);
    }
    assert_true(max_seen <= 5 && max_seen >= 3);
    json_t *st = jv_http_sched_stats(s);
    assert_int_equal(json_integer_value(json_object_get(st, "max_running")), 5);
    json_decref(st);
    jv_http_sched_free(s);
    jv_http_pool_free(pool);
    jv_http_pool_free(side);

    /* one pool alone: never more than N */
    pool = jv_http_pool_new(urls);
    s = jv_http_sched_new(2);
    for (int i = 0; i < 6; i++) {
        probe_init(&p[i], s, pool);
        jv_http_sched_submit(s, chat_request(pool, true, "busy", &p[i]));
    }
    run_all(s, 60);
    for (int i = 0; i < 6; i++) {
        assert_null(p[i].error);
        assert_true(p[i].max_running <= 2);
        probe_release(&p[i]);
    }
    st = jv_http_sched_stats(s);
    assert_int_equal(json_integer_value(json_object_get(st, "max_running")), 2);
    json_decref(st);
    jv_http_sched_free(s);
    jv_http_pool_free(pool);
    sim_stop(&sim);
}

static void count_tick(void *user, double now)
{
    (void)now;
    (*(int *)user)++;
}

/*
 * A pool with an in-flight controller: llama-server-like /props gives 2
 * slots, the scheduler never runs more than that, and every attempt is
 * reported (a fixed --fail-429 server makes the controller back off). A
 * vLLM-like server's /metrics starts the periodic scrape; timers fire while
 * the scheduler runs and stop when removed.
 */
static void test_capacity_pool_and_timer(void **state)
{
    (void)state;
    struct sim_child sim;
    sim_start(&sim, "--time-scale", "0.02", "--mode", "llamacpp", "--max-seqs", "2", NULL);
    const char *urls[] = {sim.api, NULL};
    struct jv_http_pool *pool = jv_http_pool_new(urls);
    struct jv_http_sched *s = jv_http_sched_new(16);
    struct jv_capacity_config cfg = {.start = 1, .headroom = 0};
    struct jv_capacity *cap = jv_capacity_new("vlm", &cfg, jv_clock_mono());
    struct jv_capacity_probe *pr = jv_capacity_probe_start(cap, s, pool, urls, NULL, 0.05);
    assert_int_equal(jv_capacity_mode(cap), JV_CAPACITY_SLOTS);
    assert_int_equal(jv_capacity_limit(cap), 2);
    jv_http_pool_set_capacity(pool, cap);
    int ticks = 0;
    unsigned id = jv_http_sched_add_timer(s, 0.02, count_tick, &ticks);
    struct probe p[8];
    for (int i = 0; i < 8; i++) {
        probe_init(&p[i], s, pool);
        jv_http_sched_submit(s, chat_request(pool, true, "busy", &p[i]));
    }
    run_all(s, 60);
    for (int i = 0; i < 8; i++) {
        assert_null(p[i].error);
        assert_true(p[i].max_running <= 2);
        probe_release(&p[i]);
    }
    assert_true(ticks > 0);
    jv_http_sched_remove_timer(s, id);
    int before = ticks;
    probe_init(&p[0], s, pool);
    jv_http_sched_submit(s, chat_request(pool, true, "after", &p[0]));
    run_all(s, 60);
    probe_release(&p[0]);
    assert_int_equal(ticks, before);
    jv_capacity_probe_stop(pr);
    jv_http_pool_set_capacity(pool, NULL);
    jv_capacity_free(cap);
    jv_http_pool_free(pool);
    sim_stop(&sim);

    /* vLLM-like: /metrics figures, scraped on the scheduler; 429s make it back off */
    sim_start(&sim, "--time-scale", "0.02", "--max-seqs", "4", "--fail-429", "0.5", "--retry-after",
              "0", NULL);
    const char *urls2[] = {sim.api, NULL};
    pool = jv_http_pool_new(urls2);
    cfg.start = 4;
    cap = jv_capacity_new("vlm", &cfg, jv_clock_mono());
    pr = jv_capacity_probe_start(cap, s, pool, urls2, NULL, 0.02);
    assert_int_equal(jv_capacity_mode(cap), JV_CAPACITY_METRICS);
    jv_http_pool_set_capacity(pool, cap);
    for (int i = 0; i < 8; i++) {
        probe_init(&p[i], s, pool);
        struct jv_http_request *req = chat_request(pool, true, "busy", &p[i]);
        jv_http_request_set_max_retries(req, 20);
        jv_http_sched_submit(s, req);
    }
    double end = jv_clock_mono() + 60;
    int left = 8;
    while (left > 0 && jv_clock_mono() < end) {
        jv_http_sched_run(s, 100);
        left = 0;
        for (int i = 0; i < 8; i++)
            left += !p[i].done;
    }
    assert_int_equal(left, 0);
    for (int i = 0; i < 8; i++) {
        assert_null(p[i].error);
        probe_release(&p[i]);
    }
    json_t *j = jv_capacity_to_json(cap);
    char *dump = json_dumps(j, JSON_COMPACT);
    assert_non_null(strstr(dump, "HTTP 429"));
    free(dump);
    json_decref(j);
    jv_capacity_probe_stop(pr);
    jv_http_sched_free(s);
    jv_http_pool_set_capacity(pool, NULL);
    jv_capacity_free(cap);
    jv_http_pool_free(pool);
    sim_stop(&sim);
}

static void test_cancel_all(void **state)
{
    (void)state;
    struct sim_child sim;
    sim_start(&sim, "--time-scale", "0.05", NULL);
    const char *urls[] = {sim.api, NULL};
    struct jv_http_pool *pool = jv_http_pool_new(urls);
    struct jv_http_sched *s = jv_http_sched_new(2);
    struct probe p[5];
    for (int i = 0; i < 5; i++) {
        probe_init(&p[i], s, pool);
        p[i].cancel_on_first_token = true;
        jv_http_sched_submit(s, chat_request(pool, true, "cancel", &p[i]));
    }
    /* the first token of either running request cancels everything */
    run_all(s, 30);
    int cancelled = 0;
    for (int i = 0; i < 5; i++) {
        assert_true(p[i].done);
        if (p[i].error_code == JV_ERR_CANCELLED)
            cancelled++;
        probe_release(&p[i]);
    }
    assert_int_equal(cancelled, 5);
    assert_int_equal(jv_http_sched_running(s), 0);

    /* outside callbacks: done before cancel_all returns, also for backing-off requests */
    struct sim_child stall;
    sim_start(&stall, "--time-scale", "0.01", "--stall", "1", NULL);
    const char *stall_urls[] = {stall.api, NULL};
    struct jv_http_pool *spool = jv_http_pool_new(stall_urls);
    jv_http_sched_set_backoff(s, 10, 10);
    char *dead = g_strdup_printf("http://127.0.0.1:%d/v1", sim_closed_port());
    const char *dead_urls[] = {dead, NULL};
    struct jv_http_pool *dpool = jv_http_pool_new(dead_urls);
    /* 2 slots: the dead one fails at once and backs off, one stalls, two wait */
    probe_init(&p[3], s, dpool);
    jv_http_sched_submit(s, chat_request(dpool, true, "cancel", &p[3]));
    for (int i = 0; i < 3; i++) {
        probe_init(&p[i], s, spool);
        jv_http_sched_submit(s, chat_request(spool, true, "cancel", &p[i]));
    }
    jv_http_sched_run(s, 300);
    assert_int_equal(jv_http_sched_pending(s), 4);
    assert_int_equal(jv_http_sched_running(s), 2);
    jv_http_sched_cancel_all(s);
    assert_int_equal(jv_http_sched_pending(s), 0);
    for (int i = 0; i < 4; i++) {
        assert_true(p[i].done);
        assert_int_equal(p[i].error_code, JV_ERR_CANCELLED);
        probe_release(&p[i]);
    }
    assert_int_equal(p[3].retries, 1);
    json_t *st = jv_http_sched_stats(s);
    assert_int_equal(json_integer_value(json_object_get(st, "cancelled")), 9);
    json_decref(st);
    jv_http_sched_free(s);
    jv_http_pool_free(pool);
    jv_http_pool_free(dpool);
    jv_http_pool_free(spool);
    g_free(dead);
    sim_stop(&stall);
    sim_stop(&sim);
}

static void test_key_never_logged(void **state)
{
    (void)state;
    struct sim_child sim;
    sim_start(&sim, "--time-scale", "0.01", "--fail-first", "1", NULL);
    char *dir = g_dir_make_tmp("jvhttp-XXXXXX", NULL);
    char *log = g_build_filename(dir, "run.log", NULL);
    GError *err = NULL;
    assert_int_equal(jv_log_open(log, JV_LOG_DEBUG, &err), 0);
    char *dead = g_strdup_printf("http://user:pw@127.0.0.1:%d/v1", sim_closed_port());
    const char *urls[] = {dead, sim.api, NULL};
    struct jv_http_pool *pool = jv_http_pool_new(urls);
    struct jv_http_sched *s = jv_http_sched_new(1);
    jv_http_sched_set_backoff(s, 0.001, 0.01);
    struct probe p;
    probe_init(&p, s, pool);
    char *body = chat_body(true, "secret test");
    struct jv_http_request *req =
        jv_http_request_new(pool, CHAT_PATH, body, "sk-TOPSECRET", true, &probe_cb, &p);
    free(body);
    jv_http_request_set_max_retries(req, 1);
    jv_http_sched_submit(s, req);
    run_all(s, 30);
    jv_log_close();
    size_t len = 0;
    char *text = jv_read_file(log, 1 << 20, &len, &err);
    assert_non_null(text);
    assert_non_null(strstr(text, "\"http_attempt\""));
    assert_null(strstr(text, "TOPSECRET"));
    assert_null(strstr(text, "user:pw"));
    /* first attempt refused by the dead endpoint, the retry answered 503 by the live one */
    assert_non_null(p.error);
    assert_int_equal(p.attempts, 2);
    assert_non_null(strstr(p.retry_msg, "127.0.0.1"));
    assert_null(strstr(p.retry_msg, "user:pw"));
    assert_non_null(strstr(p.error, "HTTP 503"));
    g_free(text);
    probe_release(&p);
    jv_http_sched_free(s);
    jv_http_pool_free(pool);
    unlink(log);
    rmdir(dir);
    g_free(log);
    g_free(dir);
    g_free(dead);
    sim_stop(&sim);
}

static void test_body_cap_and_keepalive(void **state)
{
    (void)state;
    struct sim_child sim;
    sim_start(&sim, "--time-scale", "0.01", NULL);
    const char *urls[] = {sim.api, NULL};
    struct jv_http_pool *pool = jv_http_pool_new(urls);
    struct jv_http_sched *s = jv_http_sched_new(1);
    /* five requests one after another share one kept-alive connection */
    struct probe p[5];
    for (int i = 0; i < 5; i++) {
        probe_init(&p[i], s, pool);
        jv_http_sched_submit(s, chat_request(pool, i % 2 == 0, "keep alive", &p[i]));
    }
    run_all(s, 30);
    for (int i = 0; i < 5; i++) {
        assert_null(p[i].error);
        probe_release(&p[i]);
    }
    json_t *st = jv_http_sched_stats(s);
    assert_int_equal(json_integer_value(json_object_get(st, "connections")), 1);
    json_decref(st);
    /* a reply above the cap stops there, final (no retry), in both modes */
    for (int i = 0; i < 2; i++) {
        probe_init(&p[i], s, pool);
        struct jv_http_request *req = chat_request(pool, i == 0, "too big", &p[i]);
        jv_http_request_set_max_body(req, 100);
        jv_http_sched_submit(s, req);
    }
    run_all(s, 30);
    for (int i = 0; i < 2; i++) {
        assert_non_null(p[i].error);
        assert_int_equal(p[i].attempts, 1);
        assert_non_null(strstr(p[i].error, "exceeds the limit of 100 bytes"));
        probe_release(&p[i]);
    }
    jv_http_sched_free(s);
    jv_http_pool_free(pool);
    sim_stop(&sim);
}

static void test_blocking_get(void **state)
{
    (void)state;
    struct sim_child sim;
    sim_start(&sim, "--time-scale", "0.01", NULL);
    GError *err = NULL;
    long status = 0;
    char *url = g_strdup_printf("%s/health", sim.url);
    char *body = jv_http_get(url, 5, 4096, &status, &err);
    assert_non_null(body);
    assert_int_equal(status, 200);
    assert_non_null(strstr(body, "\"ok\""));
    g_free(body);
    /* a reply above the cap is refused */
    assert_null(jv_http_get(url, 5, 4, &status, &err));
    assert_non_null(strstr(err->message, "exceeds the limit of 4 bytes"));
    g_clear_error(&err);
    g_free(url);
    /* an error status still returns the body */
    url = g_strdup_printf("%s/nothing-here", sim.url);
    body = jv_http_get(url, 5, 4096, &status, &err);
    assert_non_null(body);
    assert_int_equal(status, 404);
    g_free(body);
    g_free(url);
    /* nothing listening: the message names the URL */
    url = g_strdup_printf("http://127.0.0.1:%d/health", sim_closed_port());
    assert_null(jv_http_get(url, 5, 4096, &status, &err));
    assert_non_null(strstr(err->message, url));
    assert_int_equal(status, 0);
    g_clear_error(&err);
    g_free(url);
    sim_stop(&sim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_stream_and_blocking, sim_stop_all),
        cmocka_unit_test_teardown(test_retry_500, sim_stop_all),
        cmocka_unit_test_teardown(test_retry_503, sim_stop_all),
        cmocka_unit_test_teardown(test_retry_after_429, sim_stop_all),
        cmocka_unit_test_teardown(test_retry_after_capped_by_timeout, sim_stop_all),
        cmocka_unit_test_teardown(test_endless_stream_capped, sim_stop_all),
        cmocka_unit_test_teardown(test_no_retry_on_400, sim_stop_all),
        cmocka_unit_test_teardown(test_stall_cut_by_timeout, sim_stop_all),
        cmocka_unit_test_teardown(test_cut_stream, sim_stop_all),
        cmocka_unit_test_teardown(test_error_event, sim_stop_all),
        cmocka_unit_test_teardown(test_two_endpoints_balanced, sim_stop_all),
        cmocka_unit_test_teardown(test_dead_endpoint_rested, sim_stop_all),
        cmocka_unit_test_teardown(test_concurrency_limit, sim_stop_all),
        cmocka_unit_test_teardown(test_capacity_pool_and_timer, sim_stop_all),
        cmocka_unit_test_teardown(test_cancel_all, sim_stop_all),
        cmocka_unit_test_teardown(test_key_never_logged, sim_stop_all),
        cmocka_unit_test_teardown(test_body_cap_and_keepalive, sim_stop_all),
        cmocka_unit_test_teardown(test_blocking_get, sim_stop_all),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
