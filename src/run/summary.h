/*
 * summary.h - the Markdown summary (SPEC 3): per category, per image title,
 * style, score (and baseline before the playoff), award, IQA summary,
 * playoff figures and critique; then a playoff section.
 */
#ifndef JV_SUMMARY_H
#define JV_SUMMARY_H

#include <jansson.h>

/*
 * Renders the summary of `records` (borrowed array of result records).
 * `playoff` (borrowed, nullable) is the playoff's figures: {per_category:
 * {NAME: {eligible, matches, note}}}. Returns owned Markdown text.
 */
char *jv_summary_render(const json_t *records, const json_t *playoff, const char *run_id,
                        const char *competition_name);

/* Renders and writes atomically to `path`. */
int jv_summary_write(const char *path, const json_t *records, const json_t *playoff,
                     const char *run_id, const char *competition_name, GError **err);

#endif
