/* bench.c - the comparison step of `judge-vision bench`: two manifests, compare.json. */
#include "core/jv.h"

#include "core/clock.h"
#include "core/fsutil.h"
#include "telemetry/bench.h"
#include "telemetry/report.h"

static json_t *brief(const json_t *m)
{
    return json_pack("{s:O?, s:O?, s:O?, s:O?}", "run_id", json_object_get(m, "run_id"),
                     "wall_seconds", json_object_get(m, "wall_seconds"), "status",
                     json_object_get(m, "status"), "parameters", json_object_get(m, "parameters"));
}

int jv_bench_compare(const char *baseline_manifest, const char *optimised_manifest,
                     const char *warmup_manifest, const char *compare_path, FILE *out, GError **err)
{
    json_t *a = NULL, *b = NULL, *w = NULL;
    int rc = -1;
    if (!(a = jv_manifest_load(baseline_manifest, err)) ||
        !(b = jv_manifest_load(optimised_manifest, err)))
        goto out;
    if (warmup_manifest && !(w = jv_manifest_load(warmup_manifest, err)))
        goto out;
    if (w) {
        json_t *ws = json_object_get(w, "wall_seconds");
        if (json_is_number(ws))
            fprintf(out, "Stage 1 warm-up (IQA cache shared by both runs): %.2f s, run %s\n",
                    json_number_value(ws), json_string_value(json_object_get(w, "run_id")));
    }
    fprintf(out, "Baseline (A): the Python implementation's settings. Optimised (B): ours.\n");
    if (jv_report_print(out, a, b, err) < 0)
        goto out;
    char ts[JV_ISO8601_LEN];
    json_t *ws = w ? json_object_get(w, "wall_seconds") : NULL;
    json_t *cmp = json_pack("{s:s, s:s, s:s?, s:O?, s:o, s:o, s:o, s:s}", "baseline_manifest",
                            baseline_manifest, "optimised_manifest", optimised_manifest,
                            "warmup_manifest", warmup_manifest, "warmup_seconds", ws, "ratios",
                            jv_report_ratios(a, b), "baseline", brief(a), "optimised", brief(b),
                            "created", jv_clock_iso8601(jv_clock_wall(), ts));
    char *text = json_dumps(cmp, JSON_INDENT(2) | JSON_ENSURE_ASCII);
    json_decref(cmp);
    size_t len = strlen(text);
    char *line = g_strdup_printf("%s\n", text);
    free(text);
    rc = jv_write_file_atomic(compare_path, line, len + 1, err);
    g_free(line);
out:
    json_decref(a);
    json_decref(b);
    json_decref(w);
    return rc;
}
