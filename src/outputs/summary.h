/*
 * summary.h - the Markdown summary (doc/SPEC.md 3): per category, per image title,
 * style, score (and baseline before the playoff), award, IQA summary,
 * playoff figures and critique; then a playoff section.
 */
#ifndef JV_SUMMARY_H
#define JV_SUMMARY_H

#include <jansson.h>

/*
 * Renders the summary of the results file at `results_path` and writes it
 * atomically to `path`. Records are streamed from the file (memory stays flat
 * in the number of images). `playoff` (borrowed, nullable) holds the
 * playoff's figures: {per_category: {NAME: {eligible, matches, note}}}.
 */
int jv_summary_write(const char *path, const char *results_path, const json_t *playoff,
                     const char *run_id, const char *competition_name, GError **err);

#endif
