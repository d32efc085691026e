/*
 * Prometheus text parsing with vLLM-format samples (tests/data/prometheus),
 * and scraping over HTTP from a libmicrohttpd server on 127.0.0.1.
 */
#include "core/jv.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>
#include <microhttpd.h>

#include "core/fsutil.h"
#include "core/limits.h"
#include "net/promscrape.h"

static char *read_data(const char *name, size_t *len)
{
    char *path =
        g_build_filename(g_getenv("JV_SOURCE_DIR"), "tests", "data", "prometheus", name, NULL);
    GError *err = NULL;
    char *text = jv_read_file(path, 1 << 20, len, &err);
    if (!text)
        fail_msg("%s", err->message);
    g_free(path);
    return text;
}

static double metric(const json_t *m, const char *name)
{
    json_t *v = json_object_get(m, name);
    if (!json_is_number(v))
        fail_msg("metric %s missing", name);
    return json_number_value(v);
}

static void test_edge_cases(void **state)
{
    (void)state;
    size_t len;
    char *text = read_data("edge_cases.txt", &len);
    struct jv_prom_doc d;
    GError *err = NULL;
    assert_int_equal(jv_prom_parse(text, len, 0, &d, &err), 0);
    assert_int_equal(d.bad_lines, 3);
    assert_non_null(strstr(d.first_bad, "line 13"));
    bool found;
    assert_true(jv_prom_sum(&d, "spaced_metric", &found) == 1 && found);
    assert_string_equal(g_hash_table_lookup(d.types, "spaced_metric"), "counter");
    assert_string_equal(g_hash_table_lookup(d.help, "spaced_metric"),
                        "Help with \\ backslash and \n newline");
    const struct jv_prom_sample *s = NULL;
    for (guint i = 0; i < d.samples->len; i++) {
        const struct jv_prom_sample *x = &g_array_index(d.samples, struct jv_prom_sample, i);
        if (strcmp(x->name, "metric_with_escapes") == 0)
            s = x;
    }
    assert_non_null(s);
    assert_string_equal(jv_prom_label(s, "path"), "C:\\dir\\");
    assert_string_equal(jv_prom_label(s, "quote"), "say \"hi\"");
    assert_string_equal(jv_prom_label(s, "nl"), "a\nb");
    assert_null(jv_prom_label(s, "nope"));
    assert_true(s->has_timestamp && s->timestamp_ms == 1700000000000);
    assert_true(s->value == 2.5);
    assert_true(isinf(jv_prom_sum(&d, "metric_inf", NULL)));
    assert_true(jv_prom_sum(&d, "metric_ninf", NULL) < 0);
    /* NaN samples exist but do not poison the sum */
    assert_true(jv_prom_sum(&d, "metric_nan", &found) == 0 && found);
    assert_true(jv_prom_sum(&d, "trailing_comma", NULL) == 7);
    assert_true(jv_prom_sum(&d, "indented_metric", NULL) == 300);
    assert_true(jv_prom_sum(&d, "empty_labels", NULL) == 4);
    assert_true(jv_prom_sum(&d, "windows_crlf", &found) == 6 && found);
    jv_prom_sum(&d, "absent", &found);
    assert_false(found);
    jv_prom_doc_release(&d);

    /* strict mode stops at the first bad line, naming it */
    assert_int_equal(jv_prom_parse(text, len, JV_PROM_STRICT, &d, &err), -1);
    assert_non_null(strstr(err->message, "line 13"));
    g_clear_error(&err);
    jv_prom_doc_release(&d);
    g_free(text);

    /* bounds */
    assert_int_equal(jv_prom_parse("x 1", (size_t)JV_LIMIT_METRICS_SCRAPE + 1, 0, &d, &err), -1);
    g_clear_error(&err);
    jv_prom_doc_release(&d);
    const char nul[] = "a 1\nb\0c 2\nd 3\n";
    assert_int_equal(jv_prom_parse(nul, sizeof nul - 1, 0, &d, &err), 0);
    assert_int_equal(d.samples->len, 2);
    assert_int_equal(d.bad_lines, 1);
    jv_prom_doc_release(&d);
}

static json_t *snapshot_of(const char *file)
{
    size_t len;
    char *text = read_data(file, &len);
    struct jv_prom_doc d;
    assert_int_equal(jv_prom_parse(text, len, JV_PROM_STRICT, &d, NULL), 0);
    json_t *m = jv_server_metrics_from_doc(&d);
    jv_prom_doc_release(&d);
    g_free(text);
    assert_non_null(m);
    return json_pack("{s:s, s:o}", "url", file, "metrics", m);
}

static void test_vllm_delta(void **state)
{
    (void)state;
    json_t *b = snapshot_of("vllm_v1_before.txt");
    json_t *a = snapshot_of("vllm_v1_after.txt");
    json_t *bm = json_object_get(b, "metrics");
    assert_true(metric(bm, "vllm:prefix_cache_queries_total") == 120000);
    assert_true(metric(bm, "vllm:time_to_first_token_seconds_count") == 50);
    /* buckets are not recorded; other metrics neither */
    assert_null(json_object_get(bm, "vllm:time_to_first_token_seconds_bucket"));
    assert_null(json_object_get(bm, "vllm:gpu_cache_usage_perc"));
    /* summed over the two engines */
    assert_true(metric(json_object_get(a, "metrics"), "vllm:prefix_cache_queries_total") == 250000);

    json_t *dl = jv_server_metrics_delta(b, a);
    json_t *delta = json_object_get(dl, "delta");
    assert_true(metric(delta, "vllm:prefix_cache_queries_total") == 130000);
    assert_true(metric(delta, "vllm:prefix_cache_hits_total") == 75000);
    assert_true(metric(delta, "vllm:generation_tokens_total") == 19000);
    assert_null(json_object_get(delta, "vllm:num_requests_running")); /* gauge */
    assert_true(fabs(metric(dl, "prefix_cache_hit_rate") - 75000.0 / 130000.0) < 1e-12);
    assert_true(metric(dl, "requests") == 50);
    assert_true(fabs(metric(dl, "ttft_mean_seconds") - 0.5) < 1e-12);
    assert_true(fabs(metric(dl, "e2e_mean_seconds") - 12.0) < 1e-12);
    assert_true(json_equal(json_object_get(dl, "before"), b));
    json_decref(dl);

    /* a restarted server: counters went down -> null deltas, no rate */
    dl = jv_server_metrics_delta(a, b);
    assert_true(json_is_null(
        json_object_get(json_object_get(dl, "delta"), "vllm:prefix_cache_queries_total")));
    assert_true(json_is_null(json_object_get(dl, "prefix_cache_hit_rate")));
    json_decref(dl);
    /* only one side */
    dl = jv_server_metrics_delta(NULL, a);
    assert_true(json_is_null(json_object_get(dl, "before")));
    assert_true(json_is_null(json_object_get(dl, "requests")));
    json_decref(dl);
    assert_null(jv_server_metrics_delta(NULL, NULL));
    json_decref(a);
    json_decref(b);
}

static void test_vllm_old_names(void **state)
{
    (void)state;
    json_t *b = snapshot_of("vllm_v0_old.txt");
    json_t *m = json_object_get(b, "metrics");
    assert_true(metric(m, "vllm:gpu_prefix_cache_queries_total") == 1600);
    assert_true(metric(m, "vllm:gpu_prefix_cache_hit_rate") == 0.4375);
    assert_true(metric(m, "vllm:num_requests_running") == 2);
    assert_null(json_object_get(m, "vllm:prefix_cache_queries_total"));
    json_t *a = json_deep_copy(b);
    json_t *am = json_object_get(a, "metrics");
    json_object_set_new(am, "vllm:gpu_prefix_cache_queries_total", json_real(2000));
    json_object_set_new(am, "vllm:gpu_prefix_cache_hits_total", json_real(1000));
    json_t *dl = jv_server_metrics_delta(b, a);
    assert_true(fabs(metric(dl, "prefix_cache_hit_rate") - 0.75) < 1e-12);
    json_decref(dl);
    json_decref(a);
    json_decref(b);

    struct jv_prom_doc d;
    assert_int_equal(jv_prom_parse("up 1\n", 5, 0, &d, NULL), 0);
    assert_null(jv_server_metrics_from_doc(&d)); /* nothing of ours */
    jv_prom_doc_release(&d);
}

static void test_metrics_url(void **state)
{
    (void)state;
    char *u = jv_server_metrics_url("http://host:8000/v1");
    assert_string_equal(u, "http://host:8000/metrics");
    g_free(u);
    u = jv_server_metrics_url("HTTPS://gpu.example/api/v1/?x=1");
    assert_string_equal(u, "HTTPS://gpu.example/metrics");
    g_free(u);
    u = jv_server_metrics_url("http://127.0.0.1:9");
    assert_string_equal(u, "http://127.0.0.1:9/metrics");
    g_free(u);
    assert_null(jv_server_metrics_url("ftp://x/v1"));
    assert_null(jv_server_metrics_url("http:///v1"));
    assert_null(jv_server_metrics_url(NULL));
}

/* A real HTTP server: /metrics serves the file named by the handler's cls. */
static enum MHD_Result serve(void *cls, struct MHD_Connection *c, const char *url,
                             const char *method, const char *version, const char *upload,
                             size_t *upload_len, void **con_cls)
{
    (void)method;
    (void)version;
    (void)upload;
    (void)upload_len;
    (void)con_cls;
    const char *body = cls;
    unsigned status = MHD_HTTP_OK;
    if (strcmp(url, "/metrics") != 0) {
        body = "not found";
        status = MHD_HTTP_NOT_FOUND;
    }
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static struct MHD_Daemon *start(const char *body, char **base)
{
    struct MHD_Daemon *d =
        MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL, serve,
                         (void *)body, MHD_OPTION_SOCK_ADDR, NULL, MHD_OPTION_END);
    assert_non_null(d);
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    *base = g_strdup_printf("http://127.0.0.1:%u/v1", info->port);
    return d;
}

static void test_scrape_http(void **state)
{
    (void)state;
    size_t len;
    char *text = read_data("vllm_v1_after.txt", &len);
    char *base;
    struct MHD_Daemon *d = start(text, &base);
    GError *err = NULL;
    json_t *snap = jv_server_metrics_scrape_full(base, 5.0, &err);
    assert_non_null(snap);
    assert_non_null(strstr(json_string_value(json_object_get(snap, "url")), "/metrics"));
    assert_true(metric(json_object_get(snap, "metrics"), "vllm:num_requests_running") == 3);
    assert_non_null(json_object_get(snap, "scraped_at"));
    json_decref(snap);
    /* a base URL with an unknown path still reaches the root /metrics */
    MHD_stop_daemon(d);
    g_free(base);

    d = start("up 1\n", &base);
    assert_null(jv_server_metrics_scrape_full(base, 5.0, &err));
    assert_non_null(strstr(err->message, "no vLLM metrics"));
    g_clear_error(&err);
    int port = atoi(strrchr(base, ':') + 1);
    MHD_stop_daemon(d);
    g_free(base);

    /* nothing listening: NULL, quickly */
    base = g_strdup_printf("http://127.0.0.1:%d/v1", port);
    assert_null(jv_server_metrics_scrape(base, 2.0));
    assert_null(jv_server_metrics_scrape_full(base, 2.0, &err));
    assert_int_equal(err->code, JV_ERR_HTTP);
    g_clear_error(&err);
    g_free(base);
    g_free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_edge_cases),     cmocka_unit_test(test_vllm_delta),
        cmocka_unit_test(test_vllm_old_names), cmocka_unit_test(test_metrics_url),
        cmocka_unit_test(test_scrape_http),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
