/*
 * bench.h - the comparison step of `judge-vision bench` (doc/SPEC.md 4.3): two run
 * manifests (the Python baseline settings and ours) side by side, and the
 * record of it, bench/compare.json.
 */
#ifndef JV_BENCH_H
#define JV_BENCH_H

#include <jansson.h>

/*
 * Loads the two manifests (and the optional IQA warm-up run's), prints the
 * side-by-side report (jv_report_print with A = baseline, B = optimised)
 * plus the warm-up's Stage 1 time to `out`, and writes `compare_path`
 * atomically:
 * {"baseline_manifest": path, "optimised_manifest": path,
 *  "warmup_manifest": path|null, "warmup_seconds": n|null,
 *  "ratios": {"overall": A/B, "stages": {name: A/B}},
 *  "baseline": {run_id, wall_seconds, status}, "optimised": {...},
 *  "created": ISO 8601}.
 * Returns -1 with an error naming the manifest that cannot be read.
 */
int jv_bench_compare(const char *baseline_manifest, const char *optimised_manifest,
                     const char *warmup_manifest, const char *compare_path, FILE *out,
                     GError **err);

#endif
