/* promscrape.c - the Prometheus text format: parsing, scraping /metrics, the figures kept. */
#include "core/jv.h"

#include "core/limits.h"

#include <math.h>
#include <curl/curl.h>

#include "core/clock.h"
#include "core/log.h"
#include "net/promscrape.h"

#define MAX_LINE (64 * 1024)

/* ---- parser -------------------------------------------------------------- */

static void sample_clear(struct jv_prom_sample *s)
{
    g_free(s->name);
    for (unsigned i = 0; i < s->nlabels; i++) {
        g_free(s->labels[i].name);
        g_free(s->labels[i].value);
    }
    g_free(s->labels);
    memset(s, 0, sizeof *s);
}

static void sample_array_clear(gpointer p)
{
    sample_clear(p);
}

void jv_prom_doc_init(struct jv_prom_doc *d)
{
    memset(d, 0, sizeof *d);
    d->samples = g_array_new(FALSE, TRUE, sizeof(struct jv_prom_sample));
    g_array_set_clear_func(d->samples, sample_array_clear);
    d->types = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    d->help = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
}

void jv_prom_doc_release(struct jv_prom_doc *d)
{
    if (d->samples)
        g_array_free(d->samples, TRUE);
    if (d->types)
        g_hash_table_destroy(d->types);
    if (d->help)
        g_hash_table_destroy(d->help);
    g_free(d->first_bad);
    memset(d, 0, sizeof *d);
}

/* A cursor over one line (not NUL-terminated). */
struct cur {
    const char *p, *end;
};

static bool is_ws(char c)
{
    return c == ' ' || c == '\t';
}

static void skip_ws(struct cur *c)
{
    while (c->p < c->end && is_ws(*c->p))
        c->p++;
}

static bool name_start(char c, bool metric)
{
    return g_ascii_isalpha(c) || c == '_' || (metric && c == ':');
}

static bool name_char(char c, bool metric)
{
    return g_ascii_isalnum(c) || c == '_' || (metric && c == ':');
}

/* Reads a metric (metric=true) or label name; owned or NULL. */
static char *read_name(struct cur *c, bool metric)
{
    const char *s = c->p;
    if (c->p >= c->end || !name_start(*c->p, metric))
        return NULL;
    while (c->p < c->end && name_char(*c->p, metric))
        c->p++;
    return g_strndup(s, (gsize)(c->p - s));
}

/* Reads a "quoted" label value with \\ \" \n escapes; owned or NULL. */
static char *read_quoted(struct cur *c)
{
    if (c->p >= c->end || *c->p != '"')
        return NULL;
    c->p++;
    GString *v = g_string_new(NULL);
    while (c->p < c->end) {
        char ch = *c->p++;
        if (ch == '"')
            return g_string_free(v, FALSE);
        if (ch == '\\') {
            if (c->p >= c->end)
                break;
            char e = *c->p++;
            if (e == 'n')
                g_string_append_c(v, '\n');
            else if (e == '\\' || e == '"')
                g_string_append_c(v, e);
            else
                break;
        } else {
            g_string_append_c(v, ch);
        }
    }
    g_string_free(v, TRUE);
    return NULL;
}

/* Reads a token up to whitespace; returns its length (0 if none). */
static size_t read_token(struct cur *c, const char **start)
{
    *start = c->p;
    while (c->p < c->end && !is_ws(*c->p))
        c->p++;
    return (size_t)(c->p - *start);
}

static bool parse_value(const char *s, size_t n, double *out)
{
    char buf[64];
    if (n == 0 || n >= sizeof buf)
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    /* Go's ParseFloat forms the format allows; no hex floats */
    if (strpbrk(buf, "xXpP"))
        return false;
    char *end;
    double v = g_ascii_strtod(buf, &end);
    if (end != buf + n)
        return false;
    *out = v;
    return true;
}

/*
 * One sample line: name, optional {label="value",...} with the format's
 * escapes, value (incl. NaN, +Inf) and optional timestamp. Fills `s` (its
 * strings owned by it) and returns NULL, or a static reason the line is bad.
 */
static const char *parse_sample(struct cur *c, struct jv_prom_sample *s)
{
    s->name = read_name(c, true);
    if (!s->name)
        return "bad metric name";
    if (c->p < c->end && *c->p == '{') {
        c->p++;
        GArray *labels = g_array_new(FALSE, TRUE, sizeof(struct jv_prom_label));
        const char *why = NULL;
        for (;;) {
            skip_ws(c);
            if (c->p < c->end && *c->p == '}') {
                c->p++;
                break;
            }
            if (labels->len >= JV_PROM_MAX_LABELS) {
                why = "too many labels";
                break;
            }
            struct jv_prom_label l = {read_name(c, false), NULL};
            if (!l.name) {
                why = "bad label name";
                break;
            }
            skip_ws(c);
            if (c->p >= c->end || *c->p != '=') {
                g_free(l.name);
                why = "'=' expected after label name";
                break;
            }
            c->p++;
            skip_ws(c);
            l.value = read_quoted(c);
            if (!l.value) {
                g_free(l.name);
                why = "bad label value";
                break;
            }
            g_array_append_val(labels, l);
            skip_ws(c);
            if (c->p < c->end && *c->p == ',') {
                c->p++;
                continue;
            }
            if (c->p < c->end && *c->p == '}') {
                c->p++;
                break;
            }
            why = "',' or '}' expected in label set";
            break;
        }
        s->nlabels = labels->len;
        s->labels = (struct jv_prom_label *)(void *)g_array_free(labels, FALSE);
        if (why)
            return why;
    }
    if (c->p >= c->end || !is_ws(*c->p))
        return "whitespace and a value expected after the metric";
    skip_ws(c);
    const char *tok;
    size_t n = read_token(c, &tok);
    if (!parse_value(tok, n, &s->value))
        return "bad sample value";
    skip_ws(c);
    if (c->p < c->end) {
        n = read_token(c, &tok);
        char buf[32];
        if (n == 0 || n >= sizeof buf)
            return "bad timestamp";
        memcpy(buf, tok, n);
        buf[n] = '\0';
        char *end;
        errno = 0;
        gint64 ts = g_ascii_strtoll(buf, &end, 10);
        if (end != buf + n || errno != 0)
            return "bad timestamp";
        s->has_timestamp = true;
        s->timestamp_ms = ts;
        skip_ws(c);
        if (c->p < c->end)
            return "trailing text after the timestamp";
    }
    return NULL;
}

/* # HELP / # TYPE / plain comment. */
static const char *parse_comment(struct cur *c, struct jv_prom_doc *d)
{
    c->p++; /* '#' */
    skip_ws(c);
    bool help = (size_t)(c->end - c->p) >= 4 && memcmp(c->p, "HELP", 4) == 0;
    bool type = (size_t)(c->end - c->p) >= 4 && memcmp(c->p, "TYPE", 4) == 0;
    if (!help && !type)
        return NULL;
    c->p += 4;
    if (c->p < c->end && !is_ws(*c->p))
        return NULL; /* "# HELPER ..." is a comment */
    skip_ws(c);
    char *name = read_name(c, true);
    if (!name)
        return help ? "bad metric name in HELP" : "bad metric name in TYPE";
    if (c->p < c->end && !is_ws(*c->p)) {
        g_free(name);
        return "bad metric name in HELP/TYPE";
    }
    skip_ws(c);
    if (type) {
        const char *tok;
        size_t n = read_token(c, &tok);
        static const char *const kinds[] = {"counter",  "gauge",   "histogram",
                                            "summary",  "untyped", "info",
                                            "stateset", "unknown", "gaugehistogram"};
        const char *kind = NULL;
        for (size_t i = 0; i < JV_ARRAY_LEN(kinds); i++)
            if (strlen(kinds[i]) == n && memcmp(tok, kinds[i], n) == 0)
                kind = kinds[i];
        skip_ws(c);
        if (!kind || c->p < c->end) {
            g_free(name);
            return "bad TYPE";
        }
        g_hash_table_replace(d->types, name, g_strdup(kind));
    } else {
        GString *text = g_string_new(NULL);
        while (c->p < c->end) {
            char ch = *c->p++;
            if (ch == '\\' && c->p < c->end) {
                char e = *c->p++;
                if (e == 'n')
                    g_string_append_c(text, '\n');
                else if (e == '\\')
                    g_string_append_c(text, '\\');
                else {
                    g_string_append_c(text, '\\');
                    g_string_append_c(text, e);
                }
            } else {
                g_string_append_c(text, ch);
            }
        }
        g_hash_table_replace(d->help, name, g_string_free(text, FALSE));
    }
    return NULL;
}

int jv_prom_parse(const char *text, size_t len, unsigned flags, struct jv_prom_doc *d, GError **err)
{
    jv_prom_doc_init(d);
    if (len > JV_LIMIT_METRICS_SCRAPE) {
        g_set_error(err, JV_ERROR, JV_ERR_PARSE,
                    "Prometheus text of %zu bytes is over the limit of %zu", len,
                    JV_LIMIT_METRICS_SCRAPE);
        return -1;
    }
    const char *p = text, *end = text + len;
    unsigned lineno = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        lineno++;
        struct cur c = {p, le};
        p = nl ? nl + 1 : end;
        if (c.end > c.p && c.end[-1] == '\r')
            c.end--;
        const char *why = NULL;
        if (c.end - c.p > MAX_LINE)
            why = "line too long";
        else if (memchr(c.p, '\0', (size_t)(c.end - c.p)))
            why = "NUL byte in line";
        if (!why) {
            skip_ws(&c);
            if (c.p >= c.end)
                continue;
            if (*c.p == '#') {
                why = parse_comment(&c, d);
            } else {
                if (d->samples->len >= JV_PROM_MAX_SAMPLES) {
                    g_set_error(err, JV_ERROR, JV_ERR_PARSE,
                                "Prometheus text has more than %d samples", JV_PROM_MAX_SAMPLES);
                    return -1;
                }
                struct jv_prom_sample s = {0};
                why = parse_sample(&c, &s);
                if (why)
                    sample_clear(&s);
                else
                    g_array_append_val(d->samples, s);
            }
        }
        if (why) {
            if (flags & JV_PROM_STRICT) {
                g_set_error(err, JV_ERROR, JV_ERR_PARSE, "Prometheus text, line %u: %s", lineno,
                            why);
                return -1;
            }
            if (!d->first_bad)
                d->first_bad = g_strdup_printf("line %u: %s", lineno, why);
            d->bad_lines++;
        }
    }
    return 0;
}

double jv_prom_sum(const struct jv_prom_doc *d, const char *name, bool *found)
{
    double sum = 0;
    bool any = false;
    for (guint i = 0; i < d->samples->len; i++) {
        const struct jv_prom_sample *s = &g_array_index(d->samples, struct jv_prom_sample, i);
        if (strcmp(s->name, name) != 0)
            continue;
        any = true;
        if (!isnan(s->value))
            sum += s->value;
    }
    if (found)
        *found = any;
    return sum;
}

const char *jv_prom_label(const struct jv_prom_sample *s, const char *name)
{
    for (unsigned i = 0; i < s->nlabels; i++)
        if (strcmp(s->labels[i].name, name) == 0)
            return s->labels[i].value;
    return NULL;
}

/* ---- vLLM metrics -------------------------------------------------------- */

/* What we record; gauges have no delta. */
static const struct {
    const char *name;
    bool gauge;
} wanted[] = {
    {"vllm:prefix_cache_queries_total", false},
    {"vllm:prefix_cache_hits_total", false},
    {"vllm:prompt_tokens_total", false},
    {"vllm:generation_tokens_total", false},
    {"vllm:num_requests_running", true},
    {"vllm:num_requests_waiting", true},
    {"vllm:time_to_first_token_seconds_sum", false},
    {"vllm:time_to_first_token_seconds_count", false},
    {"vllm:e2e_request_latency_seconds_sum", false},
    {"vllm:e2e_request_latency_seconds_count", false},
    {"vllm:gpu_prefix_cache_queries_total", false},
    {"vllm:gpu_prefix_cache_hits_total", false},
    {"vllm:gpu_prefix_cache_queries", false},
    {"vllm:gpu_prefix_cache_hits", false},
    {"vllm:gpu_prefix_cache_hit_rate", true},
};

json_t *jv_server_metrics_from_doc(const struct jv_prom_doc *d)
{
    json_t *m = json_object();
    for (size_t i = 0; i < JV_ARRAY_LEN(wanted); i++) {
        bool found;
        double v = jv_prom_sum(d, wanted[i].name, &found);
        if (found && isfinite(v))
            json_object_set_new(m, wanted[i].name, json_real(v));
    }
    if (json_object_size(m) == 0) {
        json_decref(m);
        return NULL;
    }
    return m;
}

char *jv_server_metrics_url(const char *base_url)
{
    if (!base_url)
        return NULL;
    const char *rest;
    if (g_ascii_strncasecmp(base_url, "http://", 7) == 0)
        rest = base_url + 7;
    else if (g_ascii_strncasecmp(base_url, "https://", 8) == 0)
        rest = base_url + 8;
    else
        return NULL;
    size_t host = strcspn(rest, "/?#");
    if (host == 0)
        return NULL;
    return g_strdup_printf("%.*s/metrics", (int)(rest - base_url + (ptrdiff_t)host), base_url);
}

struct body {
    GString *buf;
    bool too_big;
};

static size_t on_body(char *data, size_t size, size_t n, void *userp)
{
    struct body *b = userp;
    size_t len = size * n;
    if (b->buf->len + len > JV_LIMIT_METRICS_SCRAPE) {
        b->too_big = true;
        return 0; /* aborts the transfer */
    }
    g_string_append_len(b->buf, data, (gssize)len);
    return len;
}

json_t *jv_server_metrics_scrape_full(const char *base_url, double timeout_s, GError **err)
{
    char *url = jv_server_metrics_url(base_url);
    if (!url) {
        g_set_error(err, JV_ERROR, JV_ERR_USAGE, "no server root in base URL '%s'",
                    base_url ? base_url : "(null)");
        return NULL;
    }
    CURL *h = curl_easy_init();
    if (!h) {
        g_set_error(err, JV_ERROR, JV_ERR_HTTP, "GET %s: cannot start libcurl", url);
        g_free(url);
        return NULL;
    }
    struct body b = {g_string_new(NULL), false};
    long ms = timeout_s > 0 ? (long)(timeout_s * 1000) : 5000;
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, ms);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
    CURLcode rc = curl_easy_perform(h);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(h);
    json_t *snap = NULL;
    if (b.too_big) {
        g_set_error(err, JV_ERROR, JV_ERR_HTTP, "GET %s: body over %zu bytes", url,
                    JV_LIMIT_METRICS_SCRAPE);
    } else if (rc != CURLE_OK) {
        g_set_error(err, JV_ERROR, JV_ERR_HTTP, "GET %s: %s", url, curl_easy_strerror(rc));
    } else if (status != 200) {
        g_set_error(err, JV_ERROR, JV_ERR_HTTP, "GET %s: HTTP status %ld", url, status);
    } else {
        struct jv_prom_doc d;
        if (jv_prom_parse(b.buf->str, b.buf->len, 0, &d, err) == 0) {
            json_t *m = jv_server_metrics_from_doc(&d);
            if (!m) {
                g_set_error(err, JV_ERROR, JV_ERR_NOT_FOUND, "GET %s: no vLLM metrics", url);
            } else {
                char ts[JV_ISO8601_LEN];
                snap = json_pack("{s:s, s:s, s:o}", "url", url, "scraped_at",
                                 jv_clock_iso8601(jv_clock_wall(), ts), "metrics", m);
            }
        }
        jv_prom_doc_release(&d);
    }
    g_string_free(b.buf, TRUE);
    g_free(url);
    return snap;
}

json_t *jv_server_metrics_scrape(const char *base_url, double timeout_s)
{
    GError *err = NULL;
    json_t *snap = jv_server_metrics_scrape_full(base_url, timeout_s, &err);
    if (!snap) {
        jv_log_event(JV_LOG_DEBUG, "server_metrics_absent",
                     json_pack("{s:s}", "reason", err ? err->message : "unknown"));
        g_clear_error(&err);
    }
    return snap;
}

/* after - before of one metric, or NULL when either is missing or it went down. */
static json_t *metric_delta(const json_t *bm, const json_t *am, const char *name)
{
    json_t *b = json_object_get(bm, name), *a = json_object_get(am, name);
    if (!json_is_number(b) || !json_is_number(a))
        return NULL;
    double d = json_number_value(a) - json_number_value(b);
    return d >= 0 ? json_real(d) : json_null();
}

static bool delta_value(const json_t *delta, const char *const *names, double *out)
{
    for (; *names; names++) {
        json_t *v = json_object_get(delta, *names);
        if (json_is_number(v)) {
            *out = json_number_value(v);
            return true;
        }
    }
    return false;
}

static json_t *ratio_or_null(const json_t *delta, const char *const *num, const char *const *den)
{
    double n, d;
    if (delta_value(delta, num, &n) && delta_value(delta, den, &d) && d > 0)
        return json_real(n / d);
    return json_null();
}

json_t *jv_server_metrics_delta(const json_t *before, const json_t *after)
{
    if (!before && !after)
        return NULL;
    json_t *bm = json_object_get(before, "metrics");
    json_t *am = json_object_get(after, "metrics");
    json_t *delta = json_object();
    for (size_t i = 0; i < JV_ARRAY_LEN(wanted); i++) {
        if (wanted[i].gauge)
            continue;
        json_t *d = metric_delta(bm, am, wanted[i].name);
        if (d)
            json_object_set_new(delta, wanted[i].name, d);
    }
    static const char *const hits[] = {"vllm:prefix_cache_hits_total",
                                       "vllm:gpu_prefix_cache_hits_total",
                                       "vllm:gpu_prefix_cache_hits", NULL};
    static const char *const queries[] = {"vllm:prefix_cache_queries_total",
                                          "vllm:gpu_prefix_cache_queries_total",
                                          "vllm:gpu_prefix_cache_queries", NULL};
    static const char *const ttft_sum[] = {"vllm:time_to_first_token_seconds_sum", NULL};
    static const char *const ttft_count[] = {"vllm:time_to_first_token_seconds_count", NULL};
    static const char *const e2e_sum[] = {"vllm:e2e_request_latency_seconds_sum", NULL};
    static const char *const e2e_count[] = {"vllm:e2e_request_latency_seconds_count", NULL};
    double req;
    json_t *out = json_pack("{s:O?, s:O?, s:o}", "before", before, "after", after, "delta", delta);
    json_object_set_new(out, "prefix_cache_hit_rate", ratio_or_null(delta, hits, queries));
    json_object_set_new(out, "requests",
                        delta_value(delta, e2e_count, &req) ? json_real(req) : json_null());
    json_object_set_new(out, "ttft_mean_seconds", ratio_or_null(delta, ttft_sum, ttft_count));
    json_object_set_new(out, "e2e_mean_seconds", ratio_or_null(delta, e2e_sum, e2e_count));
    return out;
}
