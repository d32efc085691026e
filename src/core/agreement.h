/*
 * agreement.h - how far two sets of marks agree (doc/SPEC.md 3.2): rank
 * correlations (Spearman's rho, Kendall's tau-b), the agreement of a panel of
 * judges (Kendall's W) and the monotone mapping from one scale to another
 * (isotonic regression by pool-adjacent-violators).
 *
 * Ranks are average ranks (ties share the mean of their positions). Every
 * figure is NAN where it is undefined: fewer than two items, or no spread
 * in one of the series.
 *
 * Ownership: the functions borrow their arrays; struct jv_isotonic owns its
 * knots (jv_isotonic_release).
 */
#ifndef JV_AGREEMENT_H
#define JV_AGREEMENT_H

#include <glib.h>

/* Average ranks 1..n of x[0..n) into ranks[0..n). */
void jv_rank_average(const double *x, size_t n, double *ranks);

/* Spearman's rho: Pearson's correlation of the average ranks. */
double jv_spearman(const double *x, const double *y, size_t n);

/* Kendall's tau-b (ties in either series corrected), O(n^2). */
double jv_kendall_tau_b(const double *x, const double *y, size_t n);

/*
 * Kendall's coefficient of concordance W of m judges over n items, with the
 * correction for ties: scores[j * n + i] is judge j's mark of item i.
 * 1 = every judge orders the items alike, 0 = no agreement.
 */
double jv_kendall_w(const double *scores, size_t m, size_t n);

/* A fitted monotone (non-decreasing) mapping: knots sorted by x. */
struct jv_isotonic {
    GArray *x; /* double: the distinct inputs seen */
    GArray *y; /* double: their fitted outputs, non-decreasing */
};

void jv_isotonic_init(struct jv_isotonic *f);
void jv_isotonic_release(struct jv_isotonic *f);

/*
 * Fits y against x (n pairs; weights w, or NULL for 1 each) by
 * pool-adjacent-violators, replacing f's knots. Pairs with a non-finite x or
 * y are skipped. Returns the number of knots (0 with no usable pair).
 */
size_t jv_isotonic_fit(struct jv_isotonic *f, const double *x, const double *y, const double *w,
                       size_t n);

/*
 * The mapping at v: linear between knots, the end values beyond them; v
 * itself when f has no knots.
 */
double jv_isotonic_apply(const struct jv_isotonic *f, double v);

#endif
