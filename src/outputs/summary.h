/*
 * summary.h - the Markdown summary (doc/SPEC.md 3): the placings per
 * category, the round's checks, then per category a table (rank, place,
 * entry, author, style, score, baseline, award, playoff, compliance, status)
 * and per entry its figures and critique; then a playoff section.
 */
#ifndef JV_SUMMARY_H
#define JV_SUMMARY_H

#include <jansson.h>

struct jv_competition;

struct jv_summary_opts {
    const json_t *playoff; /* nullable: {per_category: {NAME: {eligible, matches, note}}} */
    const char *run_id;    /* nullable */
    const struct jv_competition *competition; /* nullable: name and scale */
    size_t edits; /* entries changed on the page (overrides applied), said in the header */
};

/*
 * Renders the summary of `records` (borrowed array of results records,
 * ranked: playoff/placing.h) as owned Markdown text. Categories come in
 * first-seen order, entries by rank (unranked ones last, best score first).
 */
char *jv_summary_render(const json_t *records, const struct jv_summary_opts *o);

/* Renders it and writes it atomically to `path`. Returns 0 or -1 with err. */
int jv_summary_write(const char *path, const json_t *records, const struct jv_summary_opts *o,
                     GError **err);

/*
 * The entries of one category in the order the outputs show them (ranked
 * ones by rank, then the rest by score, then by image): a new GPtrArray of
 * borrowed records. Shared with the exports (outputs/export.h).
 */
GPtrArray *jv_summary_category_order(const json_t *records, const char *category);

/* The categories of `records` in first-seen order (new GPtrArray of borrowed strings). */
GPtrArray *jv_summary_categories(const json_t *records);

/* The record's category, "Uncategorised" when it has none (borrowed/static). */
const char *jv_summary_category_of(const json_t *rec);

/* The entry's name for people: its title, else its file's stem (owned). */
char *jv_summary_entry_title(const json_t *rec);

#endif
