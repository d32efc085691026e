/* capacity_probe.c - what the VLM server says about its capacity: /props slots, /metrics load. */
#include "core/jv.h"

#include "core/limits.h"

#include <math.h>

#include "core/clock.h"
#include "core/log.h"
#include "net/capacity_probe.h"
#include "net/promscrape.h"

#define DETECT_TIMEOUT_S 2.0
#define PROPS_MAX_BYTES  (1 * JV_MIB)

/* One endpoint's scrape. */
struct target {
    struct jv_capacity_probe *p;
    struct jv_http_pool *pool; /* the server root, for GET /metrics */
    bool busy;                 /* a scrape in flight */
    bool seen;                 /* running/waiting read at least once */
    double running, waiting;
};

struct jv_capacity_probe {
    struct jv_capacity *cap;
    struct jv_http_sched *sched;
    struct jv_http_pool *vlm_pool;
    char *api_key;
    GArray *targets; /* struct target */
    unsigned timer;
    int busy; /* scrapes in flight */
    bool stopped;
};

int jv_capacity_props_slots(const char *body, size_t len)
{
    json_t *root = body ? json_loadb(body, len, 0, NULL) : NULL;
    json_t *v = json_object_get(root, "total_slots");
    json_int_t n = json_is_integer(v) ? json_integer_value(v) : 0;
    json_decref(root);
    return n > 0 && n <= 1000000 ? (int)n : 0;
}

bool jv_capacity_metrics_load(const char *body, size_t len, double *running, double *waiting)
{
    struct jv_prom_doc d;
    bool ok = false;
    if (jv_prom_parse(body, len, 0, &d, NULL) == 0) {
        static const char *const names[][2] = {
            {"vllm:num_requests_running", "vllm:num_requests_waiting"},
            {"llamacpp:requests_processing", "llamacpp:requests_deferred"},
        };
        for (size_t i = 0; i < JV_ARRAY_LEN(names) && !ok; i++) {
            bool fr = false, fw = false;
            double r = jv_prom_sum(&d, names[i][0], &fr);
            double w = jv_prom_sum(&d, names[i][1], &fw);
            if (fr && fw) {
                *running = r;
                *waiting = w;
                ok = true;
            }
        }
    }
    jv_prom_doc_release(&d);
    return ok;
}

/* "http://h:8000/v1" -> "http://h:8000" (owned), or NULL. */
static char *server_root(const char *base_url)
{
    char *m = jv_server_metrics_url(base_url);
    if (m && g_str_has_suffix(m, "/metrics"))
        m[strlen(m) - strlen("/metrics")] = '\0';
    return m;
}

static char *get_small(const char *root, const char *path, const char *api_key, long *status)
{
    char *url = g_strconcat(root, path, NULL);
    char *body = jv_http_get_auth(url, api_key, DETECT_TIMEOUT_S, PROPS_MAX_BYTES, status, NULL);
    g_free(url);
    return body;
}

static void feed_sum(struct jv_capacity_probe *p)
{
    double r = 0, w = 0;
    for (guint i = 0; i < p->targets->len; i++) {
        const struct target *t = &g_array_index(p->targets, struct target, i);
        if (!t->seen)
            return; /* one endpoint's figures alone would understate the load */
        r += t->running;
        w += t->waiting;
    }
    jv_capacity_server_load(p->cap, r, w, jv_http_pool_in_flight(p->vlm_pool), jv_clock_mono());
}

static void probe_free(struct jv_capacity_probe *p)
{
    for (guint i = 0; i < p->targets->len; i++)
        jv_http_pool_free(g_array_index(p->targets, struct target, i).pool);
    g_array_free(p->targets, TRUE);
    g_free(p->api_key);
    g_free(p);
}

static void on_scrape(struct jv_http_request *req, const struct jv_http_result *res, void *user)
{
    (void)req;
    struct target *t = user;
    struct jv_capacity_probe *p = t->p;
    t->busy = false;
    p->busy--;
    if (p->stopped) {
        if (p->busy == 0)
            probe_free(p);
        return;
    }
    if (!res->error &&
        jv_capacity_metrics_load(res->body, res->body_len, &t->running, &t->waiting)) {
        t->seen = true;
        feed_sum(p);
    }
}

static void on_tick(void *user, double now)
{
    (void)now;
    struct jv_capacity_probe *p = user;
    static const struct jv_http_callbacks cb = {.on_done = on_scrape};
    for (guint i = 0; i < p->targets->len; i++) {
        struct target *t = &g_array_index(p->targets, struct target, i);
        if (t->busy)
            continue;
        struct jv_http_request *req =
            jv_http_request_new(t->pool, "/metrics", NULL, p->api_key, false, &cb, t);
        jv_http_request_set_timeout(req, DETECT_TIMEOUT_S);
        jv_http_request_set_max_retries(req, 0);
        jv_http_request_set_max_body(req, JV_LIMIT_METRICS_SCRAPE);
        t->busy = true;
        p->busy++;
        jv_http_sched_submit(p->sched, req);
    }
}

/*
 * Asks every endpoint's /props, then /metrics (short timeouts, one after
 * another): total slots go to the controller at once; running/waiting
 * figures on every endpoint start the periodic scrape. Returns the probe
 * (also when the server said nothing: then it does nothing).
 */
struct jv_capacity_probe *jv_capacity_probe_start(struct jv_capacity *cap,
                                                  struct jv_http_sched *sched,
                                                  struct jv_http_pool *vlm_pool,
                                                  const char *const *base_urls, const char *api_key,
                                                  double interval_s)
{
    struct jv_capacity_probe *p = g_new0(struct jv_capacity_probe, 1);
    p->cap = cap;
    p->sched = sched;
    p->vlm_pool = vlm_pool;
    p->api_key = g_strdup(api_key);
    p->targets = g_array_new(FALSE, TRUE, sizeof(struct target));
    if (jv_capacity_mode(cap) == JV_CAPACITY_FIXED)
        return p;
    int slots = 0;
    bool all_slots = true, all_metrics = true;
    size_t n = 0;
    for (; base_urls && base_urls[n]; n++) {
        char *root = server_root(base_urls[n]);
        long status = 0;
        char *body = root ? get_small(root, "/props", api_key, &status) : NULL;
        int s = status == 200 && body ? jv_capacity_props_slots(body, strlen(body)) : 0;
        g_free(body);
        slots += s;
        all_slots = all_slots && s > 0;
        double r, w;
        body = root && !all_slots ? get_small(root, "/metrics", api_key, &status) : NULL;
        bool m = body && status == 200 && jv_capacity_metrics_load(body, strlen(body), &r, &w);
        g_free(body);
        all_metrics = all_metrics && m;
        if (root && m) {
            const char *urls[] = {root, NULL};
            struct target t = {.p = p, .pool = jv_http_pool_new(urls)};
            jv_http_pool_set_limit(t.pool, 1);
            g_array_append_val(p->targets, t);
        }
        g_free(root);
    }
    if (n > 0 && all_slots) {
        jv_capacity_server_slots(cap, slots, "llama-server /props total_slots", jv_clock_mono());
    } else if (n > 0 && all_metrics) {
        for (guint i = 0; i < p->targets->len; i++)
            g_array_index(p->targets, struct target, i).p = p;
        jv_capacity_server_load(cap, 0, 0, 0, jv_clock_mono());
        p->timer = jv_http_sched_add_timer(sched, interval_s, on_tick, p);
    }
    if (!p->timer) {
        for (guint i = 0; i < p->targets->len; i++)
            jv_http_pool_free(g_array_index(p->targets, struct target, i).pool);
        g_array_set_size(p->targets, 0);
    }
    return p;
}

void jv_capacity_probe_stop(struct jv_capacity_probe *p)
{
    if (!p)
        return;
    if (p->timer)
        jv_http_sched_remove_timer(p->sched, p->timer);
    p->timer = 0;
    p->stopped = true;
    if (p->busy == 0)
        probe_free(p);
}
