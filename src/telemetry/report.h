/*
 * report.h - reading run manifests (SPEC 4.1) back: validation, a terminal
 * summary of one run, and two runs side by side with ratios (`judge-vision
 * report`, `judge-vision bench`).
 */
#ifndef JV_REPORT_H
#define JV_REPORT_H

#include <jansson.h>

/*
 * Checks the keys and types a manifest must have: run_id, tool_version,
 * git_commit (strings), git_dirty (boolean), command (array), parameters
 * (object), stages (array of objects with a string name and a number-or-null
 * duration_seconds), started (string), finished (string or null),
 * wall_seconds (number or null), status (running|complete|interrupted|
 * failed). The optional sections prompt, images, iqa_cache, critique,
 * pairwise, gpu, server_metrics must be objects (or null) when present, and
 * the figures inside them numbers (or null). Returns 0, or -1 with a message
 * naming the key (JV_ERR_PARSE).
 */
int jv_manifest_validate(const json_t *m, GError **err);

/*
 * Reads, parses and validates the manifest at `path` (new reference), or NULL
 * with an error naming the file and what is wrong with it.
 */
json_t *jv_manifest_load(const char *path, GError **err);

/*
 * Prints a readable summary of manifest `a` to `out`, or, when `b` is given,
 * the two side by side with the ratio A/B of wall times per stage and overall
 * ("2.31x faster" means B took 2.31 times less time than A). Missing sections
 * and figures print "n/a". Both manifests are borrowed and validated first;
 * returns -1 (printing nothing) when one is invalid.
 */
int jv_report_print(FILE *out, const json_t *a, const json_t *b, GError **err);

/*
 * The wall-clock ratios A/B (new reference):
 * {"overall": wall A / wall B, "stages": {name: duration A / duration B}},
 * each null where a side lacks the figure or B's is 0. Stages are matched
 * by name.
 */
json_t *jv_report_ratios(const json_t *a, const json_t *b);

#endif
