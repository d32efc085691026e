/*
 * registry.h - the competition registry (doc/SPEC.md 2.3).
 *
 * A registry is a TOML file holding one [competition.ID] table per
 * competition. jv_competition_load() picks one by id and turns it into a
 * struct jv_competition with defaults for every optional key:
 *   name            -> the id
 *   categories      -> ["Colour", "Mono"]
 *   score_bands     -> none (no awards from scores)
 *   awards          -> the band names, highest scores first
 *   pairwise_rounds -> 0
 *   notes           -> NULL
 *   scale           -> [0, 20], step 1 (every score from min to max)
 *   placings        -> ["1st", "2nd", "3rd"]
 *   max_entries_per_author -> 0 (no limit)
 *   filename_pattern -> NULL (titles and authors not read from file names)
 *   rules.*         -> sizes 0 (no limit), policies NULL (not stated),
 *                      watermark_allowed true with has_watermark_rule false
 * Every key of the rules table (known or not) is kept in `rules` so that
 * free-text rules reach the judge.
 */
#ifndef JV_REGISTRY_H
#define JV_REGISTRY_H

#include <jansson.h>

/* An award band: the scores (out of 20) that earn the award, in file order. */
struct jv_band {
    char *name;
    int *scores;
    size_t n_scores;
};

struct jv_competition {
    char *id;
    char *name;
    char **categories; /* NULL-terminated */
    struct jv_band *bands;
    size_t n_bands;
    char **awards;      /* NULL-terminated, best first */
    int playoff_rounds; /* the registry's pairwise_rounds */
    char *notes;        /* NULL when absent */
    json_t *anchors;    /* owned; the `anchors` array as written (empty if absent) */
    json_t *rules;      /* owned; every key of the rules table (empty object if absent) */
    json_t *extra;      /* owned; competition keys this module does not interpret */
    int max_width, max_height, min_width, min_height; /* 0 = no limit */
    char *borders;                                    /* NULL when the rules do not say */
    char *manipulation;                               /* NULL when the rules do not say */
    bool watermark_allowed;
    bool has_watermark_rule;
    char *source_path;                    /* the registry file it came from */
    int scale_min, scale_max, scale_step; /* the scheme's scores: min, min+step, ..., max */
    char **placings;            /* NULL-terminated: given to ranks 1, 2, ... per category */
    int max_entries_per_author; /* 0 = no limit */
    char *filename_pattern;     /* e.g. "{title} - {author}"; NULL when absent */
};

/* The default scale when a registry names none (and when there is no registry). */
#define JV_SCALE_MIN_DEFAULT 0
#define JV_SCALE_MAX_DEFAULT 20

/*
 * Loads competition `id` from the registry at `path`. Returns an owned struct
 * (jv_competition_free) or NULL with err: JV_ERR_IO for an unreadable file,
 * JV_ERR_PARSE for invalid TOML ("FILE:LINE:COL: message") or a key of the
 * wrong type ("FILE: competition.ID.KEY: ..."), JV_ERR_NOT_FOUND for an
 * unknown id (the message lists the ids present).
 */
struct jv_competition *jv_competition_load(const char *path, const char *id, GError **err);

void jv_competition_free(struct jv_competition *c);

/*
 * `score` brought onto the competition's scale: clamped to [min, max] and
 * rounded to the nearest step (halves up). With `c` NULL, the default 0-20.
 */
int jv_competition_snap_score(const struct jv_competition *c, double score);

/* Name of the first band holding `score` (borrowed), or NULL if none does. */
const char *jv_competition_award_for(const struct jv_competition *c, int score);

/*
 * Everything about the competition as a new JSON object: id, name,
 * categories, score_bands {name: [scores]} in file order, awards,
 * pairwise_rounds, notes (or null), anchors, rules (all keys), the parsed
 * limits and policies, and extra.
 */
json_t *jv_competition_to_json(const struct jv_competition *c);

/*
 * The competitions of a registry for a picker: a new array of {id, name},
 * in file order. NULL with err as for jv_competition_load().
 */
json_t *jv_registry_list(const char *path, GError **err);

#endif
