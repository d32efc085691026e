/*
 * promscrape.h - the Prometheus text exposition format (version 0.0.4) and
 * the vLLM server metrics that Judge Vision records in the manifest
 * (doc/SPEC.md 4.1 server_metrics).
 *
 * The parser is bounded (input size, number of samples, labels per sample,
 * line length) and never crashes on any input: comments and # HELP / # TYPE
 * lines, metric names with ':' , label sets with \\ \" \n escapes, values
 * such as +Inf, -Inf and NaN, optional millisecond timestamps, histogram and
 * summary lines (_bucket{le=...}, _sum, _count) are all plain samples here.
 * Lines that do not parse are skipped and counted (strict mode: the first one
 * is an error naming its line).
 */
#ifndef JV_PROMSCRAPE_H
#define JV_PROMSCRAPE_H

#include "core/limits.h"

#include <jansson.h>

#define JV_PROM_MAX_SAMPLES 200000
#define JV_PROM_MAX_LABELS  64

struct jv_prom_label {
    char *name;
    char *value; /* unescaped */
};

struct jv_prom_sample {
    char *name;
    struct jv_prom_label *labels;
    unsigned nlabels;
    double value;
    bool has_timestamp;
    int64_t timestamp_ms;
};

struct jv_prom_doc {
    GArray *samples;    /* struct jv_prom_sample, in input order */
    GHashTable *types;  /* family name -> "counter"|"gauge"|"histogram"|... (owned strings) */
    GHashTable *help;   /* family name -> help text (owned strings, unescaped) */
    unsigned bad_lines; /* lines skipped in lenient mode */
    char *first_bad;    /* "line N: why" of the first skipped line, or NULL */
};

enum { JV_PROM_STRICT = 1 << 0 };

void jv_prom_doc_init(struct jv_prom_doc *d);
void jv_prom_doc_release(struct jv_prom_doc *d);

/*
 * Parses `len` bytes of exposition text into `d` (initialised by the call;
 * release it in every case). Returns -1 when the text is over the limits, or
 * in strict mode at the first bad line.
 */
int jv_prom_parse(const char *text, size_t len, unsigned flags, struct jv_prom_doc *d,
                  GError **err);

/*
 * Sum of the values of every sample named `name` over all its label sets;
 * *found (if non-NULL) says whether any such sample exists (the sum is 0
 * otherwise). NaN samples are skipped.
 */
double jv_prom_sum(const struct jv_prom_doc *d, const char *name, bool *found);

/* Value of a label of a sample (borrowed), or NULL. */
const char *jv_prom_label(const struct jv_prom_sample *s, const char *name);

/*
 * The vLLM metrics we record, from a parsed document: a new object
 * {"metric name": sum over label sets, ...} holding only the names present,
 * or NULL when none is. Names: vllm:prefix_cache_queries_total,
 * vllm:prefix_cache_hits_total, vllm:prompt_tokens_total,
 * vllm:generation_tokens_total, vllm:num_requests_running,
 * vllm:num_requests_waiting, vllm:time_to_first_token_seconds_sum/_count,
 * vllm:e2e_request_latency_seconds_sum/_count, and the older
 * vllm:gpu_prefix_cache_queries(_total), vllm:gpu_prefix_cache_hits(_total),
 * vllm:gpu_prefix_cache_hit_rate.
 */
json_t *jv_server_metrics_from_doc(const struct jv_prom_doc *d);

/*
 * The metrics URL of an OpenAI-style base URL: the server root plus
 * "/metrics" ("http://h:8000/v1" -> "http://h:8000/metrics"). Owned; NULL
 * when `base_url` is not http(s)://host[...].
 */
char *jv_server_metrics_url(const char *base_url);

/*
 * GETs the server's /metrics (libcurl, at most `timeout_s` seconds and
 * JV_LIMIT_METRICS_SCRAPE) and returns a new snapshot
 * {"url": ..., "scraped_at": ISO 8601, "metrics": {name: value, ...}}, or
 * NULL when the server has no such endpoint, cannot be reached, or exposes
 * none of our metrics. NULL is not an error of the run: many backends have
 * no /metrics. The _full form says why in `err`.
 */
json_t *jv_server_metrics_scrape(const char *base_url, double timeout_s);
json_t *jv_server_metrics_scrape_full(const char *base_url, double timeout_s, GError **err);

/*
 * Compares two snapshots (borrowed; either may be NULL) and returns a new
 * object {before, after, delta: {name: after - before for counters and
 * _sum/_count}, prefix_cache_hit_rate (delta hits / delta queries, null when
 * no queries), requests (delta of the e2e latency _count), ttft_mean_seconds,
 * e2e_mean_seconds} - figures that cannot be computed are null; a counter
 * that went down (server restarted) has a null delta. NULL when both are NULL.
 */
json_t *jv_server_metrics_delta(const json_t *before, const json_t *after);

#endif
