/*
 * bt.h - Bradley–Terry strengths of a cohort from its pairwise results, by
 * Hunter's MM algorithm (Hunter 2004, "MM algorithms for generalized
 * Bradley–Terry models").
 *
 * Model: P(i beats j) = p_i / (p_i + p_j). Plain maximum likelihood has no
 * finite answer for an undefeated or winless entry, so a weak prior is added:
 * every entry gets `JV_BT_PRIOR` virtual wins and as many virtual losses
 * against a fixed virtual opponent of strength 1. That anchors the scale and
 * keeps every strength finite and positive.
 *
 * Normalisation: the returned strengths have geometric mean 1 (the mean of
 * their logarithms is 0), so 1 is an average entry of the cohort, 2 one that
 * would beat an average entry two times in three.
 *
 * Convergence: iterate until the largest change of any log-strength is below
 * JV_BT_TOL, or JV_BT_MAX_ITER iterations.
 */
#ifndef JV_BT_H
#define JV_BT_H

#define JV_BT_PRIOR    1.0
#define JV_BT_TOL      1e-10
#define JV_BT_MAX_ITER 10000

/* One decided comparison between entries `winner` and `loser` (indices). */
struct jv_bt_match {
    unsigned winner;
    unsigned loser;
};

/*
 * Fits strengths of `n` entries from `count` decided matches (indices must be
 * < n; a match of an entry with itself is ignored) into `strength` (n
 * doubles, caller's buffer). Returns the number of iterations used
 * (JV_BT_MAX_ITER when the tolerance was not reached). n == 0 does nothing.
 */
int jv_bt_fit(size_t n, const struct jv_bt_match *m, size_t count, double *strength);

/* Kendall's tau-b, jv_kendall_tau_b(), lives in core/agreement.h. */
#include "core/agreement.h"

#endif
