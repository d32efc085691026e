/*
 * eig.h - the `eig` playoff schedule (doc/SPEC.md 2.7; the design note
 * shared/designs/playoff-bt-eig.md): pairs chosen in rounds by their expected
 * information gain about the Bradley–Terry posterior (posterior.h).
 *
 * Each round: refit the posterior (no side term) to every decided match so
 * far; the candidates are the unordered pairs asked fewer than twice, shown
 * in the order not asked yet (a seeded coin per pair, drawn once, when
 * neither was); each scores its BALD information gain (jv_eig_bald), times
 * the podium weight once half the budget is spent (lambda + the posterior
 * probability that the pair holds a top-JV_EIG_PODIUM_TOP entry (1: the
 * entry placed first; bench/playoff_quality), from JV_EIG_PODIUM_DRAWS
 * draws seeded by the round) for a share min(1, JV_EIG_PODIUM_SHARE_N / n)
 * of the picks from then on (jv_eig_podium_pick), BALD alone for the
 * others, so that a large cohort keeps most of its comparisons for the
 * whole order; then k = min(per_round, budget - asked)
 * greedy picks, each the best score (near ties, within 1e-9 relative, by a
 * seeded permutation), each followed by the rank-one update of the
 * covariance that its answer will bring (the means kept), the pair dropped
 * once asked twice and flipped otherwise. Same seed and same verdicts, same
 * rounds: a resumed playoff replays its matches log exactly.
 *
 * Ownership: struct jv_eig owns its state; observations are borrowed.
 */
#ifndef JV_EIG_H
#define JV_EIG_H

#include "playoff/pair.h"
#include "playoff/posterior.h"

#define JV_EIG_PER_ROUND     8
#define JV_EIG_PODIUM_DRAWS  256
#define JV_EIG_PODIUM_LAMBDA 0.1
#define JV_EIG_PODIUM_TOP    1
/* the podium weights a share min(1, JV_EIG_PODIUM_SHARE_N / n) of the picks */
#define JV_EIG_PODIUM_SHARE_N 8
#define JV_EIG_TIE_REL        1e-9

struct jv_eig;

/*
 * A schedule of `budget` requests for n entries with Stage 2 `scores` (n
 * doubles, copied; NULL = all equal), `per_round` requests a round (<= 0 =
 * JV_EIG_PER_ROUND), the podium weighting when `podium`; every random draw
 * comes from `seed`.
 */
struct jv_eig *jv_eig_new(size_t n, const double *scores, int budget, int per_round, bool podium,
                          uint64_t seed);
void jv_eig_free(struct jv_eig *e);

/*
 * The pairs of round `round` into out (cleared first), after a refit to the
 * `count` observations so far (borrowed). Returns the pairs picked; 0 when
 * the budget is spent or no pair is left.
 */
size_t jv_eig_next_round(struct jv_eig *e, int round, const struct jv_post_obs *obs, size_t count,
                         GArray *out);

/* Requests scheduled so far. */
int jv_eig_asked(const struct jv_eig *e);
/* Whether round `round` (the last one picked) was weighted by the podium. */
bool jv_eig_podium_on(const struct jv_eig *e);
/* Picks so far that took the podium weight. */
int jv_eig_podium_picks(const struct jv_eig *e);

/*
 * Whether pick j (0 = the first once the podium weighting began) of a cohort
 * of n takes the podium weight: always for n <= JV_EIG_PODIUM_SHARE_N, else
 * when floor(S (j + 1) / n) > floor(S j / n), S = JV_EIG_PODIUM_SHARE_N (a
 * share S/n of the picks, spread evenly: every 2nd at n = 16, every 5th at
 * n = 40), in integers so that it never depends on rounding.
 */
bool jv_eig_podium_pick(size_t n, int j);

/*
 * BALD score (bits) of a pair whose strength difference has posterior mean m
 * and variance v, under the probit approximation of the logistic:
 * H2(Phi(m'/sqrt(1+v'))) - sqrt(c^2/(v'+c^2)) exp(-m'^2/(2(v'+c^2))),
 * m' = kappa m, v' = kappa^2 v, kappa = sqrt(pi/8), c^2 = pi ln2 / 2.
 */
double jv_eig_bald(double m, double v);

#endif
