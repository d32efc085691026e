/*
 * playoff.h - the Stage 3 driver (doc/SPEC.md 2.7): per category, the eligible
 * entries meet in a scheduled series of matches (schedule.h), judged by a
 * `judge` (the VLM over HTTP in the real run: match_http.h; an in-process
 * model in tests and benchmarks); then the final order, the Bradley–Terry
 * posterior's strengths with the Stage 2 score as prior and the side term
 * fitted (posterior.h, rank.h), and the classic score adjustment on that
 * order (adjust.h) are written into the records.
 *
 * Matches log: every match that got a reply is appended, one write() per
 * line, to `matches_log` (by default `<results stem>.matches.jsonl`, see
 * jv_layout_matches_path()):
 *   {"category", "a", "b" (image paths, a shown first), "winner": "A"|"B"|null,
 *    "reason", "latency", "tokens", "round", "timestamp"}
 * On the next run with the same log, a scheduled match already logged (same
 * category, round and pair in the same order) is replayed from the log instead of being asked
 * again. Because the schedule depends only on the seed and the results, the
 * replay rebuilds the same standings and the same next rounds, so an
 * interrupted playoff carries on where it stopped. Matches that failed at the
 * transport level (no reply after the retries) are not logged and are asked
 * again on resume. A torn last line is dropped.
 *
 * Rerunning the stage on a results file that already went through it starts
 * from `pairwise_score_initial` (the Stage 2 score), so the adjustment is not
 * applied twice.
 */
#ifndef JV_PLAYOFF_H
#define JV_PLAYOFF_H

#include <jansson.h>

#include "playoff/schedule.h"

#define JV_PLAYOFF_FIRST_DRAWS 2000

/* The playoff's settings (--pairwise, --pairwise-*). */
struct jv_playoff_config {
    bool enabled;     /* --pairwise */
    int rounds;       /* comparisons per image; 0 = the competition's or by cohort size */
    double threshold; /* eligible: critique_total >= threshold */
    uint64_t seed;    /* pairings and sides */
    enum jv_playoff_schedule schedule;
    bool podium; /* --pairwise-podium (eig) */
};

/* One match handed to a judge. */
struct jv_playoff_job {
    /* inputs (borrowed) */
    const char *category;
    int round;
    const json_t *rec_a; /* result record of Entry A (shown first) */
    const json_t *rec_b;
    const char *path_a; /* their image paths */
    const char *path_b;
    /* outputs, filled by the judge before it calls `finished` */
    bool replied;     /* a reply came (decided or not): the match is logged */
    int winner;       /* 0 = A, 1 = B, -1 = no decision */
    char *reason;     /* owned by the job (g_free'd by the driver); may be NULL */
    double latency_s; /* all attempts together */
    long tokens;      /* completion tokens, -1 unknown */
};

/*
 * A judge decides the `n` matches of one round, concurrently if it can, and
 * calls `finished(job, ctx)` as each one ends (on the caller's thread), so
 * that it is logged at once. Returns 0, or -1 with err when the stage must
 * stop (cancelled); jobs not finished by then are not logged.
 * `encodings` (optional) reports the image encodings done so far.
 */
struct jv_playoff_judge {
    int (*run)(void *user, struct jv_playoff_job *jobs, size_t n,
               void (*finished)(struct jv_playoff_job *job, void *ctx), void *ctx, GError **err);
    size_t (*encodings)(void *user);
    void *user;
};

struct jv_playoff_params {
    double threshold;       /* --pairwise-threshold (eligible: critique_total >= it) */
    int rounds;             /* --pairwise-rounds; 0 = competition's or by cohort size */
    int competition_rounds; /* the competition's pairwise_rounds; 0 = none */
    uint64_t seed;          /* --pairwise-seed */
    enum jv_playoff_schedule schedule;
    int per_round;  /* eig: requests a round, at most 8; 0 = 8 (a run: its --concurrency) */
    bool no_podium; /* eig: no podium weighting (--no-pairwise-podium) */
    const char *matches_log;              /* NULL = no log and no resume */
    const struct jv_playoff_judge *judge; /* required */
    /* optional callbacks, all given `user` */
    void (*progress)(void *user, const char *category, size_t done, size_t total,
                     const char *message);     /* message: NULL or a note such as "too few" */
    char *(*award_for)(void *user, int score); /* owned award name or NULL */
    void *user;
};

/*
 * Runs the playoff over `records` (a borrowed array of result records with
 * doc/SPEC.md 3 fields, modified in place: pairwise_score_initial, pairwise_wins,
 * pairwise_comparisons, pairwise_win_ratio, pairwise_strength,
 * stage3_duration_seconds, and the adjusted critique_total / critique_award
 * of the eligible entries). A category with fewer than two eligible entries
 * is not an error: a progress message and a note in the stats.
 * *stats_out (may be NULL) receives a new object for the manifest:
 *   {"scheduled", "completed", "resumed", "no_decision", "failed",
 *    "encodings", "per_category": {CAT: {"eligible", "matches",
 *    "mean_seconds", "schedule", "rounds", "budget", "beta", "side_term",
 *    "first", "p_first", "note"?}}}
 * beta and side_term are the final fit's; first is the image ranked first
 * and p_first the share of JV_PLAYOFF_FIRST_DRAWS posterior draws in which
 * it is the strongest (how sure the playoff is of 1st place).
 * Returns 0, or -1 with err (matches log unreadable, judge stopped); records
 * of categories finished before the failure keep their figures.
 */
int jv_playoff_run(json_t *records, const struct jv_playoff_params *p, json_t **stats_out,
                   GError **err);

#endif
