/*
 * schedule.h - who meets whom in the Stage 3 playoff (doc/SPEC.md 2.7).
 *
 * A cohort is the n eligible entries of one category, numbered 0..n-1 by the
 * caller. Four schemes:
 *   - eig (`--pairwise-schedule eig`, the default; eig.h): a budget of
 *     jv_schedule_budget() requests, chosen in rounds of up to 8 by their
 *     expected information gain about the Bradley–Terry posterior with the
 *     Stage 2 score as prior; each unordered pair at most twice, never the
 *     same order twice.
 *   - round robin: every pair exactly once (used by the Swiss scheme when
 *     n <= JV_ROUND_ROBIN_MAX, whatever the rounds). All pairs form one
 *     round (they do not depend on each other's results).
 *   - Swiss (`--pairwise-schedule swiss`): `rounds` rounds; in
 *     each, entries are ordered by standing (wins, then Bradley–Terry
 *     strength, then initial score, then index; strengths and scores within
 *     JV_TIE_TOL count as equal) and paired Dutch style:
 *     within a group of equal wins the top half meets the bottom half (an odd
 *     group's lowest entry floats down to the next group), searched depth
 *     first with backtracking so that no rematch ever happens. An odd cohort
 *     gives one bye per round, to the lowest-standing entry among those with
 *     the fewest byes, so nobody has a second bye before everyone had one.
 *   - random (`--pairwise-schedule random`, the Python version's scheme): one
 *     round of random pairs without rematches until each entry has about
 *     `rounds` comparisons. Used at every cohort size.
 *
 * A round's pairings depend on the results of the previous rounds, so the API
 * is round by round: jv_schedule_next_round(), then jv_schedule_record() for every
 * pair of that round, then the next round. Everything random (the random
 * scheme's pairs and which entry of each pair is Entry A) comes from a
 * splitmix64 generator seeded from `seed` and the round number, so the same
 * seed and the same results give the same schedule: that is what lets an
 * interrupted playoff resume from its matches log.
 */
#ifndef JV_SCHEDULE_H
#define JV_SCHEDULE_H

#include "core/rng.h"
#include "playoff/pair.h"

/* --pairwise-schedule */
enum jv_playoff_schedule { JV_SCHEDULE_SWISS = 0, JV_SCHEDULE_RANDOM, JV_SCHEDULE_EIG };

#define JV_ROUND_ROBIN_MAX 8

/* Comparisons per image by cohort size: <=10 -> 3, <=20 -> 4, <=35 -> 5, else 6. */
int jv_schedule_rounds_for_size(size_t n);

/*
 * Comparisons per image for a cohort of n: `explicit_rounds` (--pairwise-rounds)
 * when > 0, else `competition_rounds` (the competition's pairwise_rounds) when
 * > 0, else jv_schedule_rounds_for_size(n).
 */
int jv_schedule_comparisons(int explicit_rounds, int competition_rounds, size_t n);

/*
 * Requests of the eig schedule for a cohort of n at `rounds` comparisons per
 * image: max(ceil(n rounds / 2), min(28, n(n-1)/2)), at most n(n-1) (each
 * pair in both orders). n = 8 and n = 9 both get 28: no cliff where the
 * round robin stops.
 */
int jv_schedule_budget(size_t n, int rounds);

enum jv_schedule_kind { JV_KIND_ROUND_ROBIN, JV_KIND_SWISS, JV_KIND_RANDOM, JV_KIND_EIG };

struct jv_schedule;
struct jv_post_obs;

/*
 * A schedule for n entries. `initial` (n doubles, copied; NULL = all equal)
 * are the Stage 2 scores used to break ties before any result is known.
 * `rounds` is the comparisons per image (>= 1). The kind is round robin when
 * scheme is swiss and n <= JV_ROUND_ROBIN_MAX. The eig scheme gets
 * JV_EIG_PER_ROUND requests a round and the podium weighting (see
 * jv_schedule_new_eig()).
 */
struct jv_schedule *jv_schedule_new(size_t n, const double *initial, int rounds,
                                    enum jv_playoff_schedule scheme, uint64_t seed);

/*
 * An eig schedule (eig.h): `per_round` requests a round (<= 0 = 8), the
 * podium weighting after half the budget when `podium`.
 */
struct jv_schedule *jv_schedule_new_eig(size_t n, const double *initial, int rounds, uint64_t seed,
                                        int per_round, bool podium);
void jv_schedule_free(struct jv_schedule *s);

enum jv_schedule_kind jv_schedule_kind_of(const struct jv_schedule *s);
const char *jv_schedule_kind_name(enum jv_schedule_kind k);

/*
 * The next round: clears `out` (a GArray of struct jv_pair) and appends its
 * pairs, stores the entry with the bye (or -1) in *bye (may be NULL). Returns
 * the round number (0-based), or -1 when the schedule is complete. Pairs are
 * marked as met when scheduled, so a match that ends without a decision is
 * not scheduled again. Call jv_schedule_record() for the results before asking
 * for the next round.
 */
int jv_schedule_next_round(struct jv_schedule *s, GArray *out, int *bye);

/*
 * Records the result of a scheduled pair: winner 0 = `a` won, 1 = `b` won,
 * -1 = no decision (counts as met, not as a comparison).
 */
void jv_schedule_record(struct jv_schedule *s, unsigned a, unsigned b, int winner);

/*
 * The decided matches recorded so far, in the order recorded, shown-first
 * entry as `a` (borrowed, valid until the next record); *count their number.
 */
const struct jv_post_obs *jv_schedule_observations(const struct jv_schedule *s, size_t *count);

/* Upper bound of the matches the whole schedule will hold (for progress). */
size_t jv_schedule_planned(const struct jv_schedule *s);

int jv_schedule_wins(const struct jv_schedule *s, unsigned i);
/* Decided comparisons of entry i. */
int jv_schedule_decided(const struct jv_schedule *s, unsigned i);
int jv_schedule_byes(const struct jv_schedule *s, unsigned i);

/*
 * Bradley–Terry strengths from the results recorded so far (see bt.h),
 * written into `out` (n doubles).
 */
void jv_schedule_strengths(const struct jv_schedule *s, double *out);

#endif
