/*
 * The in-flight controller of --concurrency auto (net/capacity.h) driven
 * without a server: fixed, slots, metrics and probe modes, refusals, the
 * decision log; and the /props and /metrics readers (net/capacity_probe.h).
 * The probe tests close the loop over a small queueing model (C places,
 * FIFO, a prefill and a decode per request) so the limit the controller
 * reaches comes from what it observed, not from the test.
 */
#include "core/jv.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include "net/capacity.h"
#include "net/capacity_probe.h"

static struct jv_capacity *make(int fixed, int start, int headroom)
{
    struct jv_capacity_config cfg = {
        .fixed = fixed, .start = start, .max = 256, .headroom = headroom};
    return jv_capacity_new("test", &cfg, 100.0);
}

static struct jv_capacity_obs ok_obs(const struct jv_capacity *c, int in_flight, double ttft,
                                     double latency)
{
    struct jv_capacity_obs o = {.in_flight = in_flight,
                                .generation = jv_capacity_generation(c),
                                .status = 200,
                                .ok = true,
                                .ttft_s = ttft,
                                .latency_s = latency};
    return o;
}

static struct jv_capacity_obs refused(const struct jv_capacity *c, int in_flight, long status)
{
    struct jv_capacity_obs o = {.in_flight = in_flight,
                                .generation = jv_capacity_generation(c),
                                .status = status,
                                .timed_out = status == 0,
                                .ttft_s = -1,
                                .latency_s = 1};
    return o;
}

static void test_fixed(void **state)
{
    (void)state;
    struct jv_capacity *c = make(3, 0, 1);
    assert_int_equal(jv_capacity_limit(c), 3);
    assert_int_equal(jv_capacity_mode(c), JV_CAPACITY_FIXED);
    struct jv_capacity_obs o = refused(c, 3, 429);
    jv_capacity_observe(c, &o, 101);
    jv_capacity_server_slots(c, 8, "/props", 101);
    jv_capacity_server_load(c, 3, 5, 3, 102);
    assert_int_equal(jv_capacity_limit(c), 3);
    json_t *j = jv_capacity_to_json(c);
    assert_string_equal(json_string_value(json_object_get(j, "mode")), "fixed");
    assert_int_equal(json_array_size(json_object_get(j, "decisions")), 1);
    json_decref(j);
    jv_capacity_free(c);
    /* a pinned number above the automatic ceiling stays */
    c = make(1000, 0, 0);
    assert_int_equal(jv_capacity_limit(c), 1000);
    jv_capacity_free(c);
}

static void test_slots_and_refusals(void **state)
{
    (void)state;
    struct jv_capacity *c = make(0, 1, 1);
    assert_int_equal(jv_capacity_limit(c), 1);
    jv_capacity_server_slots(c, 4, "llama-server /props", 100.1);
    assert_int_equal(jv_capacity_mode(c), JV_CAPACITY_SLOTS);
    assert_int_equal(jv_capacity_limit(c), 5);
    /* metrics do not override the slots the server stated */
    jv_capacity_server_load(c, 4, 0, 5, 100.2);
    assert_int_equal(jv_capacity_limit(c), 5);

    /* a 503 at 5 in flight: one below */
    struct jv_capacity_obs o = refused(c, 5, 503);
    jv_capacity_observe(c, &o, 101);
    assert_int_equal(jv_capacity_limit(c), 4);
    /* a refusal of an attempt from the older setting is not news */
    jv_capacity_observe(c, &o, 101.1);
    assert_int_equal(jv_capacity_limit(c), 4);
    /* refused again under the new setting: halved */
    o = refused(c, 4, 429);
    jv_capacity_observe(c, &o, 102);
    assert_int_equal(jv_capacity_limit(c), 2);
    /* a timeout counts too, and the limit never goes below 1 */
    o = refused(c, 2, 0);
    jv_capacity_observe(c, &o, 103);
    o = refused(c, 1, 0);
    jv_capacity_observe(c, &o, 104);
    assert_int_equal(jv_capacity_limit(c), 1);
    /* other errors (400, 500) say nothing about capacity */
    o = refused(c, 1, 500);
    jv_capacity_observe(c, &o, 105);
    assert_int_equal(jv_capacity_limit(c), 1);

    json_t *j = jv_capacity_to_json(c);
    json_t *d = json_object_get(j, "decisions");
    const char *last =
        json_string_value(json_object_get(json_array_get(d, json_array_size(d) - 1), "reason"));
    assert_non_null(strstr(last, "a timeout"));
    assert_non_null(strstr(json_string_value(json_object_get(json_array_get(d, 2), "reason")),
                           "HTTP 503 at 5 in flight"));
    assert_int_equal(json_integer_value(json_object_get(j, "min_limit")), 1);
    assert_int_equal(json_integer_value(json_object_get(j, "max_limit")), 5);
    json_decref(j);
    jv_capacity_free(c);
}

static void test_metrics(void **state)
{
    (void)state;
    struct jv_capacity *c = make(0, 2, 1);
    double t = 100;
    jv_capacity_server_load(c, 0, 0, 0, t);
    assert_int_equal(jv_capacity_mode(c), JV_CAPACITY_METRICS);
    /* not using what we have: nothing learnt */
    jv_capacity_server_load(c, 1, 0, 1, t += 0.25);
    assert_int_equal(jv_capacity_limit(c), 2);
    /* ours sent but not yet running on the server: wait */
    jv_capacity_server_load(c, 0, 0, 2, t += 0.25);
    assert_int_equal(jv_capacity_limit(c), 2);
    /* a server of capacity 24, all ours: doubling while nothing waits */
    int cap = 24;
    for (int i = 0; i < 6; i++) {
        int ours = jv_capacity_limit(c);
        jv_capacity_server_load(c, MIN(ours, cap), MAX(ours - cap, 0), ours, t += 0.25);
    }
    assert_int_equal(jv_capacity_limit(c), cap + 3); /* capacity + capacity / 8 */
    /* steady: the same figures keep it */
    for (int i = 0; i < 10; i++)
        jv_capacity_server_load(c, cap, 3, cap + 3, t += 0.25);
    assert_int_equal(jv_capacity_limit(c), cap + 3);
    /* the server got bigger (nothing waits at our limit): one more per three scrapes */
    for (int i = 0; i < 3; i++)
        jv_capacity_server_load(c, cap + 3, 0, cap + 3, t += 0.25);
    assert_int_equal(jv_capacity_limit(c), cap + 4);
    /* one scrape of a smaller batch (between a reply leaving and the next joining): kept */
    jv_capacity_server_load(c, cap - 1, 1, cap + 4, t += 0.25);
    assert_int_equal(jv_capacity_limit(c), cap + 4);
    jv_capacity_server_load(c, cap + 4, 0, cap + 4, t += 0.25); /* and it refills: forgotten */
    assert_int_equal(jv_capacity_limit(c), cap + 4);
    /* another client takes places, scrape after scrape: what runs is the capacity left */
    for (int i = 0; i < 2; i++) {
        jv_capacity_server_load(c, 10, 6, cap + 4, t += 0.25);
        assert_int_equal(jv_capacity_limit(c), cap + 4);
    }
    jv_capacity_server_load(c, 10, 6, cap + 4, t += 0.25);
    assert_int_equal(jv_capacity_limit(c), 12);
    /* bad figures are ignored */
    jv_capacity_server_load(c, -1, NAN, 12, t += 0.25);
    assert_int_equal(jv_capacity_limit(c), 12);
    jv_capacity_free(c);
}

/*
 * A closed loop over a FIFO server of `places` places: the client keeps
 * jv_capacity_limit() requests in flight; each takes `prefill` then
 * `decode` seconds in its place; TTFT = wait + prefill. Returns the limit
 * after `n` replies and in *waited the share of the last half that waited
 * for a place.
 */
static int closed_loop(struct jv_capacity *c, int places, double prefill, double decode, int n,
                       double *waited)
{
    GArray *free_at = g_array_new(FALSE, TRUE, sizeof(double));
    g_array_set_size(free_at, (guint)places);
    struct req {
        double start, ttft, end;
        int in_flight;
        unsigned gen;
    };
    GArray *flight = g_array_new(FALSE, FALSE, sizeof(struct req));
    double now = 100;
    int late = 0, late_waited = 0;
    for (int done = 0; done < n;) {
        while ((int)flight->len < jv_capacity_limit(c)) {
            guint best = 0;
            for (guint i = 1; i < free_at->len; i++)
                if (g_array_index(free_at, double, i) < g_array_index(free_at, double, best))
                    best = i;
            double svc = MAX(now, g_array_index(free_at, double, best));
            struct req r = {now, svc - now + prefill, svc + prefill + decode, (int)flight->len + 1,
                            jv_capacity_generation(c)};
            g_array_index(free_at, double, best) = r.end;
            g_array_append_val(flight, r);
        }
        guint first = 0;
        for (guint i = 1; i < flight->len; i++)
            if (g_array_index(flight, struct req, i).end <
                g_array_index(flight, struct req, first).end)
                first = i;
        struct req r = g_array_index(flight, struct req, first);
        g_array_remove_index(flight, first);
        now = r.end;
        struct jv_capacity_obs o = {.in_flight = r.in_flight,
                                    .generation = r.gen,
                                    .status = 200,
                                    .ok = true,
                                    .ttft_s = r.ttft,
                                    .latency_s = r.end - r.start};
        jv_capacity_observe(c, &o, now);
        if (++done > n / 2) {
            late++;
            late_waited += r.ttft > prefill + 1e-9;
        }
    }
    *waited = late ? (double)late_waited / late : 0;
    g_array_free(free_at, TRUE);
    g_array_free(flight, TRUE);
    return jv_capacity_limit(c);
}

static void test_probe_closed_loop(void **state)
{
    (void)state;
    double waited;
    /* one place (Ollama's default): one running, one waiting, like --concurrency 1 pipelined */
    struct jv_capacity *c = make(0, 1, 1);
    int l = closed_loop(c, 1, 0.3, 4.0, 60, &waited);
    assert_int_equal(l, 2);
    assert_int_equal(jv_capacity_mode(c), JV_CAPACITY_PROBE);
    jv_capacity_free(c);
    /* without headroom it keeps exactly one in flight: nothing ever waits */
    c = make(0, 1, 0);
    l = closed_loop(c, 1, 0.3, 4.0, 200, &waited);
    assert_int_equal(l, 1);
    assert_true(waited < 0.15); /* only the rare probe for a second place waits */
    jv_capacity_free(c);
    /* four places: it finds them, and does not stay far above */
    c = make(0, 1, 1);
    l = closed_loop(c, 4, 0.3, 4.0, 200, &waited);
    assert_in_range(l, 4, 7);
    jv_capacity_free(c);
    /* sixteen places: it doubles its way up */
    c = make(0, 1, 1);
    l = closed_loop(c, 16, 0.3, 4.0, 400, &waited);
    assert_in_range(l, 16, 26);
    json_t *j = jv_capacity_to_json(c);
    assert_true(json_integer_value(json_object_get(j, "max_limit")) >= 16);
    json_decref(j);
    jv_capacity_free(c);
    /* plain replies (no TTFT): latency is the signal */
    c = make(0, 1, 0);
    for (int i = 0; i < 3; i++) {
        struct jv_capacity_obs o = ok_obs(c, jv_capacity_limit(c), -1, 1.0);
        jv_capacity_observe(c, &o, 100 + i);
    }
    int before = jv_capacity_limit(c);
    assert_true(before >= 2);
    for (int i = 0; i < 2; i++) {
        struct jv_capacity_obs o = ok_obs(c, before, -1, 2.5);
        jv_capacity_observe(c, &o, 110 + i);
    }
    assert_true(jv_capacity_limit(c) < before);
    jv_capacity_free(c);
}

static void test_decision_log_bounded(void **state)
{
    (void)state;
    struct jv_capacity *c = make(0, 1, 0);
    for (int i = 0; i < 2 * JV_CAPACITY_MAX_DECISIONS; i++) {
        /* up by a run of replies, down by a refusal, again and again */
        struct jv_capacity_obs o = ok_obs(c, jv_capacity_limit(c), 0.1, 1);
        for (int k = 0; k < 8; k++)
            jv_capacity_observe(c, &o, 100 + i);
        o = refused(c, jv_capacity_limit(c), 429);
        jv_capacity_observe(c, &o, 100 + i + 0.5);
    }
    json_t *j = jv_capacity_to_json(c);
    assert_int_equal(json_array_size(json_object_get(j, "decisions")), JV_CAPACITY_MAX_DECISIONS);
    assert_true(json_integer_value(json_object_get(j, "decisions_dropped")) > 0);
    json_decref(j);
    jv_capacity_free(c);
}

static void test_readers(void **state)
{
    (void)state;
    const char *props = "{\"total_slots\": 4, \"default_generation_settings\": {\"n_ctx\": 8192}}";
    assert_int_equal(jv_capacity_props_slots(props, strlen(props)), 4);
    const char *bad[] = {"",
                         "{",
                         "[]",
                         "{\"total_slots\": -3}",
                         "{\"total_slots\": \"4\"}",
                         "{\"total_slots\": 1e12}",
                         "{\"slots\": 4}",
                         "null"};
    for (size_t i = 0; i < JV_ARRAY_LEN(bad); i++)
        assert_int_equal(jv_capacity_props_slots(bad[i], strlen(bad[i])), 0);
    assert_int_equal(jv_capacity_props_slots(NULL, 0), 0);

    const char *vllm = "# TYPE vllm:num_requests_running gauge\n"
                       "vllm:num_requests_running{engine=\"0\",model_name=\"m\"} 7.0\n"
                       "vllm:num_requests_running{engine=\"1\",model_name=\"m\"} 2.0\n"
                       "vllm:num_requests_waiting{engine=\"0\",model_name=\"m\"} 3.0\n";
    double r = -1, w = -1;
    assert_true(jv_capacity_metrics_load(vllm, strlen(vllm), &r, &w));
    assert_true(r == 9 && w == 3);
    const char *llama = "llamacpp:requests_processing 2\nllamacpp:requests_deferred 1\n";
    assert_true(jv_capacity_metrics_load(llama, strlen(llama), &r, &w));
    assert_true(r == 2 && w == 1);
    const char *half = "vllm:num_requests_running 2\nvllm:prompt_tokens_total 5\n";
    assert_false(jv_capacity_metrics_load(half, strlen(half), &r, &w));
    assert_false(jv_capacity_metrics_load("", 0, &r, &w));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixed),
        cmocka_unit_test(test_slots_and_refusals),
        cmocka_unit_test(test_metrics),
        cmocka_unit_test(test_probe_closed_loop),
        cmocka_unit_test(test_decision_log_bounded),
        cmocka_unit_test(test_readers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
