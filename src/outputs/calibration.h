/*
 * calibration.h - a club's calibration file (doc/SPEC.md 3.2): the monotone
 * mapping, fitted by isotonic regression (core/agreement.h), from the model's
 * raw scores to the club's own marks, overall and per category.
 *
 * The file, JSON:
 *   {"format": "judge-vision-calibration", "version": 1, "method": "isotonic",
 *    "fitted": ISO 8601, "human": the CSV it was fitted on, "rounds": [results
 *    files], "overall": {"pairs": n, "x": [raw scores], "y": [marks]},
 *    "per_category": {name: {"pairs", "x", "y"}}}
 * x strictly rising, y not falling, both finite and of equal length (at
 * least one knot). Applying it: the category's curve when the file has one,
 * else the overall one; linear between knots, the end marks beyond them.
 *
 * Ownership: struct jv_calibration owns everything in it.
 */
#ifndef JV_OUTPUTS_CALIBRATION_H
#define JV_OUTPUTS_CALIBRATION_H

#include <jansson.h>

#include "core/agreement.h"

struct jv_calibration {
    char *origin; /* the file's path, or what the text came from */
    char *sha256; /* of the file's bytes (64 hex), NULL when not read from a file */
    struct jv_isotonic overall;
    size_t overall_pairs;
    GHashTable *per_category; /* char * -> struct jv_calibration_curve * */
    json_t *meta;             /* fitted, human, rounds (owned) */
};

struct jv_calibration_curve {
    struct jv_isotonic f;
    size_t pairs;
};

/* An empty calibration (identity) named `origin`. */
struct jv_calibration *jv_calibration_new(const char *origin);
void jv_calibration_free(struct jv_calibration *c);

/*
 * Parses a calibration of `len` bytes (need not be NUL-terminated). Returns
 * owned or NULL with err (JV_ERR_PARSE, "ORIGIN: what is wrong").
 */
struct jv_calibration *jv_calibration_parse(const char *text, size_t len, const char *origin,
                                            GError **err);

/* Reads and parses a file, and keeps the SHA-256 of its bytes. NULL with err. */
struct jv_calibration *jv_calibration_load(const char *path, GError **err);

/* The file's JSON (new reference). */
json_t *jv_calibration_to_json(const struct jv_calibration *c);

/* Writes the file atomically. 0, or -1 with err. */
int jv_calibration_save(const struct jv_calibration *c, const char *path, GError **err);

/* The mark for `raw` in `category` (nullable): unrounded. */
double jv_calibration_apply(const struct jv_calibration *c, const char *category, double raw);

/* The calibrated total: jv_calibration_apply() rounded (halves to even) and clamped to 0..20. */
int jv_calibration_total(const struct jv_calibration *c, const char *category, double raw);

#endif
