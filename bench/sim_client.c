/*
 * sim_client - a small load generator for OpenAI-compatible chat servers
 * (used by bench/sim_bench.sh against judge-vision-sim).
 *
 *   sim_client URL BODY.json[,BODY2.json...] N CONCURRENCY
 *
 * POSTs the bodies (streaming chat requests; request i sends body i mod k) N times to
 * URL/chat/completions, keeping CONCURRENCY requests in flight with a libcurl multi handle, and
 * prints one JSON line: {"n", "concurrency", "wall_s", "requests_per_s",
 * "ttft": stats, "e2e": stats, "failed"}. TTFT is the time to the first
 * streamed byte (the role chunk, sent with the first token); stats are jv_stats objects (p50 =
 * median).
 */
#include "core/jv.h"

#include <curl/curl.h>

#include "core/fsutil.h"
#include "core/stats.h"

struct xfer {
    CURL *h;
    double start, first;
    size_t bytes;
};

static double now_s(void)
{
    return (double)g_get_monotonic_time() / 1e6;
}

/* TTFT = the first body byte: vLLM (and the simulator) send the role chunk
 * together with the first token, after the prefill. */
static size_t on_data(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    (void)ptr;
    struct xfer *x = userdata;
    if (x->first == 0)
        x->first = now_s();
    x->bytes += size * nmemb;
    return size * nmemb;
}

static void start(CURLM *m, struct xfer *x, const char *url, const char *body,
                  struct curl_slist *hdrs)
{
    x->h = curl_easy_init();
    x->bytes = 0;
    x->first = 0;
    x->start = now_s();
    curl_easy_setopt(x->h, CURLOPT_URL, url);
    curl_easy_setopt(x->h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(x->h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(x->h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(x->h, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(x->h, CURLOPT_PRIVATE, x);
    curl_easy_setopt(x->h, CURLOPT_TIMEOUT, 600L);
    curl_multi_add_handle(m, x->h);
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: sim_client URL BODY.json[,BODY.json...] N CONCURRENCY\n");
        return 2;
    }
    GError *err = NULL;
    char **files = g_strsplit(argv[2], ",", -1);
    guint nbodies = g_strv_length(files);
    char **bodies = g_new0(char *, nbodies + 1);
    for (guint i = 0; i < nbodies; i++) {
        bodies[i] = jv_read_file(files[i], 256u << 20, NULL, &err);
        if (!bodies[i]) {
            fprintf(stderr, "sim_client: %s\n", err->message);
            g_error_free(err);
            g_strfreev(files);
            g_strfreev(bodies);
            return 1;
        }
    }
    g_strfreev(files);
    long total = strtol(argv[3], NULL, 10), conc = strtol(argv[4], NULL, 10);
    if (total < 1 || conc < 1 || nbodies == 0) {
        fprintf(stderr, "sim_client: need a body, and positive N and CONCURRENCY\n");
        g_strfreev(bodies);
        return 2;
    }
    char *url = g_strdup_printf("%s/chat/completions", argv[1]);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURLM *m = curl_multi_init();
    struct curl_slist *hdrs = curl_slist_append(NULL, "Content-Type: application/json");
    struct xfer *xs = g_new0(struct xfer, (gsize)total);
    struct jv_stats ttft, e2e;
    jv_stats_init(&ttft);
    jv_stats_init(&e2e);
    long started = 0, done = 0, failed = 0;
    double t0 = now_s();
    while (started < total && started < conc) {
        start(m, &xs[started], url, bodies[started % nbodies], hdrs);
        started++;
    }
    while (done < total) {
        int running = 0;
        curl_multi_perform(m, &running);
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(m, &left))) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            struct xfer *x;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
            long code = 0;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &code);
            double end = now_s();
            if (msg->data.result != CURLE_OK || code != 200 || x->first == 0) {
                failed++;
            } else {
                jv_stats_add(&ttft, x->first - x->start);
                jv_stats_add(&e2e, end - x->start);
            }
            curl_multi_remove_handle(m, x->h);
            curl_easy_cleanup(x->h);
            done++;
            if (started < total) {
                start(m, &xs[started], url, bodies[started % nbodies], hdrs);
                started++;
            }
        }
        if (done < total)
            curl_multi_poll(m, NULL, 0, 100, NULL);
    }
    double wall = now_s() - t0;
    json_t *out = json_pack("{s:I,s:I,s:f,s:f,s:o,s:o,s:I}", "n", (json_int_t)total, "concurrency",
                            (json_int_t)conc, "wall_s", wall, "requests_per_s",
                            (double)(total - failed) / wall, "ttft", jv_stats_to_json(&ttft), "e2e",
                            jv_stats_to_json(&e2e), "failed", (json_int_t)failed);
    char *dump = json_dumps(out, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(5));
    printf("%s\n", dump);
    free(dump);
    json_decref(out);
    jv_stats_release(&ttft);
    jv_stats_release(&e2e);
    g_free(xs);
    curl_slist_free_all(hdrs);
    curl_multi_cleanup(m);
    curl_global_cleanup();
    g_free(url);
    g_strfreev(bodies);
    return failed ? 1 : 0;
}
