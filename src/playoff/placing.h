/*
 * placing.h - the final ranking per category and the placings it gives
 * (doc/SPEC.md 2.8).
 *
 * Within a category the ok records with a score are ordered by, in turn:
 *   1. the final score (critique_total, higher first);
 *   2. the playoff's fitted strength (pairwise_strength, higher first; an
 *      entry without one counts as below every entry with one);
 *   3. head-to-head: among the entries still level, the matches they played
 *      against each other in the matches log (wins, most first);
 *   4. where the entries still level straddle a placing (a position that
 *      gets one), one decider match per pair asked in both orders (A/B then
 *      B/A) through `judge`; a pair that splits its two answers stays level.
 *      Not asked again when every one of them already has a rank an earlier
 *      decider settled (its rank_basis says so: a rerun of a finished round);
 *   5. the rank the entries had before (a decider of an earlier run: the
 *      results keep it), when both had one;
 *   6. the unrounded Stage 2 score (critique_total_initial), then the
 *      content hash, so the order is total and repeatable;
 * never the file name or the path. Each record gets `rank` (1 = best),
 * `placing` (placings[rank-1] while there are placings, else null) and
 * `rank_basis`: the deepest rule that separated it from a neighbour
 * ("score", "strength", "head_to_head", "decider", "decider_split",
 * "earlier_rank", "initial_score", "content_hash"). Records that are not ok
 * or have no score get rank, placing and rank_basis null.
 *
 * Ownership: records are borrowed and modified in place; the judge and the
 * strings of the params are borrowed.
 */
#ifndef JV_PLAYOFF_PLACING_H
#define JV_PLAYOFF_PLACING_H

#include <jansson.h>

#include "playoff/playoff.h"

struct jv_placing_params {
    const char *const *placings; /* NULL-terminated, nullable: no placings */
    const char *matches_log;     /* nullable: no head-to-head */
    /* nullable: no decider matches (re-ranking after edits uses rule 5 instead) */
    const struct jv_playoff_judge *judge;
};

/*
 * Ranks `records` (a JSON array) as above. *stats_out (nullable) receives a
 * new object {"deciders": N, "per_category": {CAT: {"ranked", "deciders",
 * "decider_split"}}}. Returns 0, or -1 with err when the matches log cannot
 * be read (a missing log is no error; then nothing is changed) or the judge
 * stopped (categories ranked before keep their new ranks).
 */
int jv_placing_rank(json_t *records, const struct jv_placing_params *p, json_t **stats_out,
                    GError **err);

#endif
