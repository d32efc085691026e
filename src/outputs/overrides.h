/*
 * overrides.h - the web page's edits of a round (doc/SPEC.md 6), read for
 * the summary and the exports: <results stem>.overrides.json (layout.h)
 * holds {"schema_version": 1, "overrides": {IMAGE: {"score"?: int,
 * "award"?: string, "updated": ts}}}.
 *
 * Applying an edit: a score replaces critique_total (brought onto the
 * competition's scale: clamped and rounded to its step); the award is the one
 * set on the page when it was set, else, when the score changed, the
 * competition's band for the new score (none when no band holds it). The
 * placings are not touched here: re-rank afterwards (playoff/placing.h).
 *
 * Ownership: records are borrowed and changed in place; returned JSON is new.
 */
#ifndef JV_OUTPUTS_OVERRIDES_H
#define JV_OUTPUTS_OVERRIDES_H

#include <jansson.h>

struct jv_competition;

/*
 * The "overrides" object of the round whose results file is `results` (an
 * empty object when the round has no edits). NULL with err (JV_ERR_PARSE
 * naming the file) when the file is not an overrides file.
 */
json_t *jv_overrides_load(const char *results, GError **err);

/* Applies `overrides` to `records` as above. Returns the number of records changed. */
size_t jv_overrides_apply(json_t *records, const json_t *overrides, const struct jv_competition *c);

#endif
