/*
 * report.h - run manifests (doc/SPEC.md 4.1) read back: a terminal summary of one
 * run, and two runs side by side with ratios (`judge-vision report`,
 * `judge-vision bench`). Loading and validating a manifest belong to
 * outputs/manifest.h (included here for the callers of both).
 */
#ifndef JV_REPORT_H
#define JV_REPORT_H

#include <jansson.h>

#include "outputs/manifest.h"

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
