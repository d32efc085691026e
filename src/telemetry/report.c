/* report.c - run manifests read back: one run summarised, two compared. */
#include "core/jv.h"

#include <math.h>

#include "telemetry/report.h"

/* ---- formatting helpers -------------------------------------------------- */

/* A dotted path into nested objects ("critique.ttft.p95"); borrowed or NULL. */
static json_t *at(const json_t *root, const char *path)
{
    char **parts = g_strsplit(path, ".", -1);
    const json_t *cur = root;
    for (char **p = parts; *p && cur; p++)
        cur = json_is_object(cur) ? json_object_get(cur, *p) : NULL;
    g_strfreev(parts);
    return (json_t *)cur;
}

static bool num(const json_t *root, const char *path, double *out)
{
    json_t *v = at(root, path);
    if (!json_is_number(v))
        return false;
    *out = json_number_value(v);
    return isfinite(*out);
}

/* Strings made for one report, freed together. */
struct pool {
    GPtrArray *strs;
};

static const char *keep(struct pool *p, char *s)
{
    g_ptr_array_add(p->strs, s);
    return s;
}

enum kind { K_INT, K_SEC, K_PCT, K_RATIO_PCT, K_NUM, K_MB };

static const char *fmt_value(struct pool *p, double v, enum kind k)
{
    switch (k) {
    case K_INT:
        return keep(p, g_strdup_printf("%.0f", v));
    case K_SEC:
        return keep(p, g_strdup_printf("%.2f s", v));
    case K_PCT:
        return keep(p, g_strdup_printf("%.1f%%", v));
    case K_RATIO_PCT:
        return keep(p, g_strdup_printf("%.1f%%", v * 100.0));
    case K_MB:
        return keep(p, g_strdup_printf("%.0f MB", v));
    case K_NUM:
    default:
        return keep(p, g_strdup_printf("%.1f", v));
    }
}

static const char *F(struct pool *p, const json_t *root, const char *path, enum kind k)
{
    double v;
    if (!root || !num(root, path, &v))
        return "n/a";
    return fmt_value(p, v, k);
}

/* --concurrency: the number, or "auto (N at the end, M at most)" from the manifest's record. */
static const char *concurrency_text(struct pool *p, const json_t *root)
{
    const char *s = root ? json_string_value(at(root, "parameters.concurrency")) : NULL;
    double last, most;
    if (!s)
        return F(p, root, "parameters.concurrency", K_INT);
    if (num(root, "concurrency.vlm.limit", &last) && num(root, "concurrency.vlm.max_limit", &most))
        return keep(p, g_strdup_printf("%s (%.0f at the end, %.0f at most)", s, last, most));
    return keep(p, g_strdup(s));
}

static const char *S(const json_t *root, const char *path)
{
    const char *s = root ? json_string_value(at(root, path)) : NULL;
    return s ? s : "n/a";
}

static bool section(const json_t *m, const char *name)
{
    return json_is_object(json_object_get(m, name));
}

/* The critique's TTFT statistics: "ttft" (doc/SPEC.md 4.1) or "ttft_seconds" (borrowed, or NULL).
 */
static const json_t *ttft_of(const json_t *m)
{
    json_t *t = at(m, "critique.ttft");
    return json_is_object(t) ? t : at(m, "critique.ttft_seconds");
}

/* Mean util_percent and peak memory_used_mb over gpu.samples. */
static bool gpu_figures(const json_t *m, double *mean_util, double *peak_mem, size_t *n)
{
    json_t *samples = at(m, "gpu.samples");
    double sum = 0, peak = -1;
    size_t cnt = 0, i;
    json_t *s;
    json_array_foreach(samples, i, s)
    {
        json_t *u = json_object_get(s, "util_percent"), *mm = json_object_get(s, "memory_used_mb");
        if (json_is_number(u)) {
            sum += json_number_value(u);
            cnt++;
        }
        if (json_is_number(mm) && json_number_value(mm) > peak)
            peak = json_number_value(mm);
    }
    *n = json_array_size(samples);
    *mean_util = cnt ? sum / (double)cnt : NAN;
    *peak_mem = peak;
    return cnt > 0;
}

static const json_t *stage_named(const json_t *m, const char *name)
{
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(m, "stages"), i, s)
    {
        if (g_strcmp0(json_string_value(json_object_get(s, "name")), name) == 0)
            return s;
    }
    return NULL;
}

/* ---- one run ------------------------------------------------------------- */

/* Run id, status, tool, times, command and prompt. */
static void print_identity(FILE *out, const json_t *m, struct pool *p)
{
    size_t i;
    json_t *v;
    const char *commit = S(m, "git_commit");
    fprintf(out, "Run %s - %s\n", S(m, "run_id"), S(m, "status"));
    fprintf(out, "  tool %s, commit %.12s%s\n", S(m, "tool_version"), commit,
            json_is_true(json_object_get(m, "git_dirty")) ? " (dirty)" : "");
    fprintf(out, "  started %s, finished %s, wall %s\n", S(m, "started"),
            json_is_string(json_object_get(m, "finished")) ? S(m, "finished") : "n/a",
            F(p, m, "wall_seconds", K_SEC));
    GString *cmd = g_string_new(NULL);
    json_array_foreach(json_object_get(m, "command"), i, v)
    {
        if (json_is_string(v))
            g_string_append_printf(cmd, "%s%s", i ? " " : "", json_string_value(v));
    }
    fprintf(out, "  command: %s\n", cmd->len ? cmd->str : "n/a");
    g_string_free(cmd, TRUE);
    if (section(m, "prompt"))
        fprintf(out, "  prompt: %s, version %s, sha256 %.16s\n", S(m, "prompt.profile"),
                json_is_string(at(m, "prompt.version")) ? S(m, "prompt.version")
                                                        : F(p, m, "prompt.version", K_INT),
                S(m, "prompt.sha256"));
    else
        fprintf(out, "  prompt: n/a\n");
}

/* Images and the per-stage table. */
static void print_stages(FILE *out, const json_t *m, struct pool *p)
{
    size_t i;
    if (section(m, "images"))
        fprintf(out, "Images: discovered %s, processed %s, resumed %s, failed %s\n",
                F(p, m, "images.discovered", K_INT), F(p, m, "images.processed", K_INT),
                F(p, m, "images.resumed", K_INT), F(p, m, "images.failed", K_INT));
    else
        fprintf(out, "Images: n/a\n");

    json_t *stages = json_object_get(m, "stages");
    if (json_array_size(stages) == 0) {
        fprintf(out, "Stages: n/a\n");
    } else {
        fprintf(out, "Stages:\n  %-12s %12s %7s %10s %10s %10s\n", "name", "duration", "count",
                "mean", "p50", "p95");
        json_t *s;
        json_array_foreach(stages, i, s)
        {
            fprintf(out, "  %-12s %12s %7s %10s %10s %10s\n", S(s, "name"),
                    F(p, s, "duration_seconds", K_SEC), F(p, s, "count", K_INT),
                    F(p, s, "mean", K_SEC), F(p, s, "p50", K_SEC), F(p, s, "p95", K_SEC));
        }
    }
}

/* Stage 2: requests, tokens, TTFT, latency, endpoints. */
static void print_critique(FILE *out, const json_t *m, struct pool *p)
{
    size_t i;
    json_t *v;
    if (section(m, "critique")) {
        const char *share = F(p, m, "critique.truncated_share", K_RATIO_PCT);
        double tr, rq;
        if (strcmp(share, "n/a") == 0 && num(m, "critique.truncated", &tr) &&
            num(m, "critique.requests", &rq) && rq > 0)
            share = fmt_value(p, tr / rq, K_RATIO_PCT);
        fprintf(out,
                "Critique: requests %s, retries %s, errors %s, parse errors %s, "
                "truncated %s (%s)\n",
                F(p, m, "critique.requests", K_INT), F(p, m, "critique.retries", K_INT),
                F(p, m, "critique.errors", K_INT), F(p, m, "critique.parse_errors", K_INT),
                F(p, m, "critique.truncated", K_INT), share);
        fprintf(out, "  prompt tokens: sum %s, mean %s, p95 %s, max %s\n",
                F(p, m, "critique.prompt_tokens.sum", K_INT),
                F(p, m, "critique.prompt_tokens.mean", K_NUM),
                F(p, m, "critique.prompt_tokens.p95", K_NUM),
                F(p, m, "critique.prompt_tokens.max", K_INT));
        fprintf(out, "  completion tokens: sum %s, mean %s, p95 %s, max %s\n",
                F(p, m, "critique.completion_tokens.sum", K_INT),
                F(p, m, "critique.completion_tokens.mean", K_NUM),
                F(p, m, "critique.completion_tokens.p95", K_NUM),
                F(p, m, "critique.completion_tokens.max", K_INT));
        const json_t *ttft = ttft_of(m);
        fprintf(out, "  TTFT: count %s, mean %s, p50 %s, p95 %s, max %s\n",
                F(p, ttft, "count", K_INT), F(p, ttft, "mean", K_SEC), F(p, ttft, "p50", K_SEC),
                F(p, ttft, "p95", K_SEC), F(p, ttft, "max", K_SEC));
        if (json_is_object(at(m, "critique.request_seconds")))
            fprintf(out, "  request latency: mean %s, p50 %s, p95 %s, max %s\n",
                    F(p, m, "critique.request_seconds.mean", K_SEC),
                    F(p, m, "critique.request_seconds.p50", K_SEC),
                    F(p, m, "critique.request_seconds.p95", K_SEC),
                    F(p, m, "critique.request_seconds.max", K_SEC));
        json_t *eps = at(m, "critique.endpoints");
        if (json_array_size(eps) > 0) {
            fprintf(out, "  endpoints:");
            json_array_foreach(eps, i, v)
            {
                const char *url = json_is_string(v) ? json_string_value(v) : S(v, "url");
                fprintf(out, "%s %s", i ? "," : "", url);
                if (json_is_object(v) && json_is_number(json_object_get(v, "requests")))
                    fprintf(out, " (%s requests)", F(p, v, "requests", K_INT));
            }
            fprintf(out, "\n");
        }
    } else {
        fprintf(out, "Critique: n/a\n");
    }
}

/* IQA cache and the playoff. */
static void print_playoff(FILE *out, const json_t *m, struct pool *p)
{
    if (section(m, "iqa_cache"))
        fprintf(out, "IQA cache: hits %s, misses %s, hit ratio %s\n",
                F(p, m, "iqa_cache.hits", K_INT), F(p, m, "iqa_cache.misses", K_INT),
                F(p, m, "iqa_cache.hit_ratio", K_RATIO_PCT));
    else
        fprintf(out, "IQA cache: n/a\n");

    if (section(m, "pairwise")) {
        fprintf(out, "Pairwise: scheduled %s, completed %s, encodings %s\n",
                F(p, m, "pairwise.scheduled", K_INT), F(p, m, "pairwise.completed", K_INT),
                F(p, m, "pairwise.encodings", K_INT));
        json_t *extra[] = {at(m, "pairwise.resumed"), at(m, "pairwise.no_decision"),
                           at(m, "pairwise.failed")};
        if (extra[0] || extra[1] || extra[2])
            fprintf(out, "  resumed %s, no decision %s, failed %s\n",
                    F(p, m, "pairwise.resumed", K_INT), F(p, m, "pairwise.no_decision", K_INT),
                    F(p, m, "pairwise.failed", K_INT));
        /* "categories" (doc/SPEC.md 4.1 wording) or "per_category" (the playoff's stats) */
        json_t *cats = at(m, "pairwise.categories");
        if (!json_is_object(cats))
            cats = at(m, "pairwise.per_category");
        const char *name;
        json_t *c;
        json_object_foreach(cats, name, c)
        {
            fprintf(out, "  %-24s eligible %s, matches %s, mean %s\n", name,
                    F(p, c, "eligible", K_INT), F(p, c, "matches", K_INT),
                    F(p, c, "mean_seconds", K_SEC));
        }
    } else {
        fprintf(out, "Pairwise: n/a\n");
    }
}

/* The GPU snapshot and samples. */
static void print_gpu(FILE *out, const json_t *m, struct pool *p)
{
    size_t i;
    json_t *v;
    json_t *snap = at(m, "gpu.snapshot");
    if (json_is_true(json_object_get(snap, "available"))) {
        fprintf(out, "GPU (%s):", S(snap, "source"));
        json_array_foreach(json_object_get(snap, "gpus"), i, v)
        {
            fprintf(out, "%s %s, %s, driver %s", i ? ";" : "", S(v, "name"),
                    F(p, v, "memory_total_mb", K_MB), S(v, "driver"));
        }
        double mean, peak;
        size_t n;
        bool have = gpu_figures(m, &mean, &peak, &n);
        fprintf(out, "\n  samples %zu, mean util %s, peak memory used %s\n", n,
                have ? fmt_value(p, mean, K_PCT) : "n/a",
                peak >= 0 ? fmt_value(p, peak, K_MB) : "n/a");
    } else if (json_is_object(snap)) {
        fprintf(out, "GPU: n/a (%s)\n", S(snap, "reason"));
    } else {
        fprintf(out, "GPU: n/a\n");
    }
}

/* The VLM server's own /metrics. */
static void print_server_metrics(FILE *out, const json_t *m, struct pool *p)
{
    json_t *sm = json_object_get(m, "server_metrics");
    if (json_is_false(json_object_get(sm, "available"))) {
        fprintf(out, "Server metrics: n/a (%s)\n", S(sm, "reason"));
    } else if (section(m, "server_metrics")) {
        fprintf(out,
                "Server metrics: prefix cache hit rate %s, requests %s, TTFT mean %s, "
                "e2e mean %s\n",
                F(p, m, "server_metrics.prefix_cache_hit_rate", K_RATIO_PCT),
                F(p, m, "server_metrics.requests", K_INT),
                F(p, m, "server_metrics.ttft_mean_seconds", K_SEC),
                F(p, m, "server_metrics.e2e_mean_seconds", K_SEC));
        json_t *delta = at(m, "server_metrics.delta");
        fprintf(out, "  prompt tokens +%s, generation tokens +%s\n",
                F(p, delta, "vllm:prompt_tokens_total", K_INT),
                F(p, delta, "vllm:generation_tokens_total", K_INT));
    } else {
        fprintf(out, "Server metrics: n/a\n");
    }
}

static void print_one(FILE *out, const json_t *m, struct pool *p)
{
    print_identity(out, m, p);
    print_stages(out, m, p);
    print_critique(out, m, p);
    print_playoff(out, m, p);
    print_gpu(out, m, p);
    print_server_metrics(out, m, p);
}

/* ---- two runs ------------------------------------------------------------ */

static json_t *ratio_json(const json_t *a, const char *pa, const json_t *b, const char *pb)
{
    double x, y;
    if (a && b && num(a, pa, &x) && num(b, pb, &y) && y > 0)
        return json_real(x / y);
    return json_null();
}

json_t *jv_report_ratios(const json_t *a, const json_t *b)
{
    json_t *stages = json_object();
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(a, "stages"), i, s)
    {
        const char *name = json_string_value(json_object_get(s, "name"));
        const json_t *t = stage_named(b, name);
        if (name)
            json_object_set_new(stages, name,
                                t ? ratio_json(s, "duration_seconds", t, "duration_seconds")
                                  : json_null());
    }
    json_array_foreach(json_object_get(b, "stages"), i, s)
    {
        const char *name = json_string_value(json_object_get(s, "name"));
        if (name && !json_object_get(stages, name))
            json_object_set_new(stages, name, json_null());
    }
    return json_pack("{s:o, s:o}", "overall", ratio_json(a, "wall_seconds", b, "wall_seconds"),
                     "stages", stages);
}

static const char *ratio_text(struct pool *p, const json_t *r)
{
    if (!json_is_number(r) || json_number_value(r) <= 0)
        return "n/a";
    double v = json_number_value(r);
    if (fabs(v - 1.0) < 0.005)
        return "1.00x (same)";
    if (v >= 1.0)
        return keep(p, g_strdup_printf("%.2fx faster", v));
    return keep(p, g_strdup_printf("%.2fx slower", 1.0 / v));
}

static void row(FILE *out, const char *label, const char *a, const char *b, const char *ratio)
{
    fprintf(out, "  %-26s %22s %22s  %s\n", label, a, b, ratio ? ratio : "");
}

/*
 * Two manifests side by side: identity rows, wall time and each stage's
 * duration with the ratio A/B, then critique, cache, playoff and GPU figures.
 * Strings made on the way are kept in `p` and freed with it.
 */
static void print_two(FILE *out, const json_t *a, const json_t *b, struct pool *p)
{
    fprintf(out, "A: %s (%s)\nB: %s (%s)\n", S(a, "run_id"), S(a, "status"), S(b, "run_id"),
            S(b, "status"));
    fprintf(out,
            "Ratios are A/B of wall-clock time: \"2.00x faster\" means B took half as long.\n");
    row(out, "", "A", "B", "B vs A");
    row(out, "commit", keep(p, g_strdup_printf("%.12s", S(a, "git_commit"))),
        keep(p, g_strdup_printf("%.12s", S(b, "git_commit"))), NULL);
    json_t *ratios = jv_report_ratios(a, b);
    row(out, "wall time", F(p, a, "wall_seconds", K_SEC), F(p, b, "wall_seconds", K_SEC),
        ratio_text(p, json_object_get(ratios, "overall")));
    const char *name;
    json_t *r;
    json_object_foreach(json_object_get(ratios, "stages"), name, r)
    {
        const json_t *sa = stage_named(a, name), *sb = stage_named(b, name);
        char *label = g_strdup_printf("stage %s", name);
        row(out, label, F(p, sa, "duration_seconds", K_SEC), F(p, sb, "duration_seconds", K_SEC),
            ratio_text(p, r));
        g_free(label);
    }
    json_decref(ratios);
    static const struct {
        const char *label, *path;
        enum kind k;
        bool time;
    } rows[] = {
        {"images processed", "images.processed", K_INT, false},
        {"images failed", "images.failed", K_INT, false},
        {"concurrency", "parameters.concurrency", K_INT, false},
        {"max_new_tokens", "parameters.max_new_tokens", K_INT, false},
        {"critique requests", "critique.requests", K_INT, false},
        {"critique retries", "critique.retries", K_INT, false},
        {"critique errors", "critique.errors", K_INT, false},
        {"truncated", "critique.truncated", K_INT, false},
        {"prompt tokens mean", "critique.prompt_tokens.mean", K_NUM, false},
        {"completion tokens mean", "critique.completion_tokens.mean", K_NUM, false},
        {"IQA cache hit ratio", "iqa_cache.hit_ratio", K_RATIO_PCT, false},
        {"pairwise completed", "pairwise.completed", K_INT, false},
        {"prefix cache hit rate", "server_metrics.prefix_cache_hit_rate", K_RATIO_PCT, false},
    };
    for (size_t i = 0; i < JV_ARRAY_LEN(rows); i++) {
        const char *ratio = NULL;
        if (rows[i].time) {
            json_t *rj = ratio_json(a, rows[i].path, b, rows[i].path);
            ratio = ratio_text(p, rj);
            json_decref(rj);
        }
        bool conc = strcmp(rows[i].path, "parameters.concurrency") == 0;
        row(out, rows[i].label, conc ? concurrency_text(p, a) : F(p, a, rows[i].path, rows[i].k),
            conc ? concurrency_text(p, b) : F(p, b, rows[i].path, rows[i].k), ratio);
    }
    static const char *const tt[][2] = {{"TTFT mean", "mean"}, {"TTFT p95", "p95"}};
    for (size_t i = 0; i < JV_ARRAY_LEN(tt); i++) {
        const json_t *ta = ttft_of(a), *tb = ttft_of(b);
        json_t *rj = ratio_json(ta, tt[i][1], tb, tt[i][1]);
        row(out, tt[i][0], F(p, ta, tt[i][1], K_SEC), F(p, tb, tt[i][1], K_SEC), ratio_text(p, rj));
        json_decref(rj);
    }
    row(out, "prompt profile", S(a, "parameters.prompt_profile"), S(b, "parameters.prompt_profile"),
        NULL);
    double ma, pa, mb, pb;
    size_t na, nb;
    bool ha = gpu_figures(a, &ma, &pa, &na), hb = gpu_figures(b, &mb, &pb, &nb);
    row(out, "GPU mean util", ha ? fmt_value(p, ma, K_PCT) : "n/a",
        hb ? fmt_value(p, mb, K_PCT) : "n/a", NULL);
}

int jv_report_print(FILE *out, const json_t *a, const json_t *b, GError **err)
{
    GError *e = NULL;
    if (jv_manifest_validate(a, &e) < 0) {
        g_set_error(err, JV_ERROR, JV_ERR_PARSE, "manifest A: %s", e->message);
        g_error_free(e);
        return -1;
    }
    if (b && jv_manifest_validate(b, &e) < 0) {
        g_set_error(err, JV_ERROR, JV_ERR_PARSE, "manifest B: %s", e->message);
        g_error_free(e);
        return -1;
    }
    struct pool p = {g_ptr_array_new_with_free_func(g_free)};
    if (b)
        print_two(out, a, b, &p);
    else
        print_one(out, a, &p);
    g_ptr_array_free(p.strs, TRUE);
    if (fflush(out) != 0 || ferror(out)) {
        g_set_error(err, JV_ERROR, JV_ERR_IO, "cannot write the report: %s", g_strerror(errno));
        return -1;
    }
    return 0;
}
