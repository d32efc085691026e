/*
 * adjust.h - the classic score adjustment after the playoff (doc/SPEC.md 2.7, the
 * rule of the Python implementation).
 *
 * The playoff ranks a cohort by the posterior strength (rank.h:
 * jv_rank_final) and hands that order to jv_adjust_apply(). The older order
 * by win ratio (wins / decided comparisons; 0 without comparisons), ties
 * broken by strength, then initial score (higher first), then path (byte
 * order), is jv_adjust_classic(), kept for the benchmark's "today" row; its
 * strength ties are tie classes (rank.h), never exact float equality.
 *
 * The rule on an order: with n <= 2 the
 * scores are kept (only the figures are recorded). Otherwise
 * k = max(1, round(0.15 n)) with halves rounded up (n = 10 -> 2, n = 30 -> 5):
 * the top k get +1 (at most 20), the bottom k get -1 but are not taken below
 * 16 (a score already below 16 is kept), the rest keep their score, and the
 * top entry is set to 20.
 */
#ifndef JV_ADJUST_H
#define JV_ADJUST_H

struct jv_adjust_entry {
    const char *path; /* borrowed; tie-break */
    int initial;      /* the Stage 2 score */
    int wins;
    int comparisons; /* decided comparisons */
    double strength; /* Bradley–Terry */
    /* outputs */
    int rank;  /* 1 = top */
    int score; /* the adjusted score */
};

/* k of the rule for a cohort of n (0 when n <= 2). */
int jv_adjust_k(size_t n);

double jv_adjust_win_ratio(const struct jv_adjust_entry *e);

/*
 * Applies the rule to the order `order` (n entry indices, best first): fills
 * rank and score of each entry (in place, the array's order kept).
 */
void jv_adjust_apply(struct jv_adjust_entry *e, size_t n, const size_t *order);

/* Ranks the n entries by win ratio (see above) and applies the rule. */
void jv_adjust_classic(struct jv_adjust_entry *e, size_t n);

#endif
