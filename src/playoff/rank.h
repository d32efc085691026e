/*
 * rank.h - orders with tolerant ties for the playoff (doc/SPEC.md 2.7).
 *
 * No tie in the playoff is decided by exact floating-point equality: two
 * fitted strengths that differ in the last bits (as equal win counts in a
 * round robin give about one time in five) are equal. jv_tie_classes() groups
 * values that lie within a tolerance of their group's highest value, which
 * is a transitive rule that sorting can rely on.
 *
 * The final order of a playoff: posterior strength theta-hat (higher first);
 * entries within JV_TIE_TOL of each other by the higher Stage 2 score (also
 * within JV_TIE_TOL), then by their head-to-head results among themselves
 * (wins minus losses in the matches between the tied entries), then by path
 * (byte order).
 */
#ifndef JV_RANK_H
#define JV_RANK_H

#include "playoff/posterior.h"

#define JV_TIE_TOL 1e-9

/*
 * Tie classes of n values into cls (n ints): 0 for the highest value and
 * every value within `tol` below it, 1 for the highest of the rest and those
 * within `tol` below it, and so on; a lower class is a higher value.
 */
void jv_tie_classes(const double *v, size_t n, double tol, int *cls);

/*
 * The final order of n entries into order (n indices, best first) from
 * theta (n), Stage 2 `score` (n) and `path` (n strings, borrowed), the
 * head-to-head tie-break from the `count` observations `obs` (borrowed).
 */
void jv_rank_final(size_t n, const double *theta, const double *score, const char *const *path,
                   const struct jv_post_obs *obs, size_t count, size_t *order);

#endif
