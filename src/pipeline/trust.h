/*
 * trust.h - what a run adds to tell how far its marks can be trusted
 * (doc/SPEC.md 2.6, 3.2): the panel of judges (--judges, the registry's
 * `judges`), the calibration applied to the panel's or judge's score
 * (--calibration), and their figures in the manifest.
 *
 * The pipeline calls jv_trust_open() once Stage 2's engine exists (it then
 * feeds the engine directly, or through a panel), jv_trust_record() on each
 * record it built, jv_trust_to_manifest() with the others' figures and
 * jv_trust_release() at the end.
 *
 * Ownership: struct jv_trust owns its panel and calibration; it borrows the
 * config, engine, scheduler and profile given to jv_trust_open().
 */
#ifndef JV_PIPELINE_TRUST_H
#define JV_PIPELINE_TRUST_H

#include <jansson.h>

#include "critique/engine.h"
#include "critique/panel.h"
#include "input/registry.h"
#include "outputs/calibration.h"

/* The run options of this module (pipeline/run_config.c declares them). */
struct jv_trust_config {
    int judges;             /* --judges; 0: the registry's `judges`, else 1 */
    int combine;            /* --panel-combine: enum jv_panel_combine */
    char *calibration;      /* --calibration FILE (owned) */
    int consistency_sample; /* --consistency-sample N: photos asked twice; 0 = off */
};

/* A registry anchor: a photo of known standing judged with every round. */
struct jv_trust_anchor {
    char *path;  /* absolute (owned) */
    int lo, hi;  /* its band of marks */
    bool judged; /* a score came */
    int total;   /* its mark (calibrated when the run is) */
    char *error; /* why it has none (owned) */
};

struct jv_trust {
    int judges; /* in effect */
    enum jv_panel_combine combine;
    struct jv_critique_panel *panel;    /* NULL for one judge */
    char *panel_sha256;                 /* the panel's identity (jv_trust_prompt_sha256) */
    struct jv_calibration *calibration; /* NULL without --calibration */
    size_t recalibrated;                /* earlier runs' records given this run's calibration */
    GArray *anchors;                    /* struct jv_trust_anchor; NULL: none */
    size_t first_anchor;                /* the index of the first anchor's job */
    /* consistency: a sample of photos whose (first judge's) request is asked twice */
    int sample;                /* photos to sample */
    size_t stride, seen;       /* every stride-th photo handed out is sampled */
    GQueue twins;              /* struct twin *, to hand to the engine next */
    GHashTable *samples;       /* content hash -> struct jv_trust_sample * */
    jv_critique_feed_fn inner; /* the feeder behind ours (the panel's or the pipeline's) */
    void *inner_user;
};

/* A photo of the consistency sample: the two answers to the same request. */
struct jv_trust_sample {
    char *image;
    bool has_first, has_second;
    double first, second;
};

/*
 * Decides the panel (the option, else the competition's `judges`, else 1)
 * and loads the calibration, then sets the engine's feeder to `feed`
 * directly or through the panel. With --consistency-sample N, every
 * (photos / N)-th photo handed out (at most N) has its request (the first
 * judge's) sent a second time, identical, right after it; the two raw scores
 * go to the manifest's "consistency" (the repeats count in the critique's
 * requests but are never a record). Returns -1 with err for a bad `judges` in
 * the registry, a variant that does not parse or an unreadable calibration
 * file (the message names it).
 */
int jv_trust_open(struct jv_trust *t, const struct jv_trust_config *cfg,
                  const struct jv_competition *c, struct jv_critique_engine *e,
                  struct jv_http_sched *sched, const struct jv_prompt *p, size_t photos,
                  jv_critique_feed_fn feed, void *user, GError **err);

/*
 * Adds to the manifest's "consistency" its "playoff" part from the matches
 * log at `matches_log`: {swapped_pairs (pairs shown both ways), comparisons
 * (a match one way against one the other way), flips (those whose winner
 * changed with the sides), flip_share}. Nothing when the log cannot be read.
 */
void jv_trust_playoff_consistency(json_t *manifest, const char *matches_log);

/*
 * What the round's records are tied to as their prompt_sha256 (resume and
 * "judged otherwise" compare it): the profile's SHA-256 for one judge; for
 * a panel, the SHA-256 of "panel N median|sum" and each judge's profile
 * SHA-256, one per line, so that a round judged by another panel (or by
 * one judge) is judged again rather than resumed.
 */
const char *jv_trust_prompt_sha256(const struct jv_trust *t, const struct jv_prompt *p);

/* Stops feeding (jv_critique_engine_cancel_queued(), or the panel's). */
void jv_trust_cancel_queued(struct jv_trust *t, struct jv_critique_engine *e);

/*
 * Applies the calibration to a record just built: critique_total becomes the
 * calibrated critique_total_raw and the award follows it (c's bands).
 */
void jv_trust_record(const struct jv_trust *t, json_t *rec, const struct jv_competition *c);

/*
 * A rerun's records of earlier runs (resumed, not judged again) were
 * calibrated with whatever that run had: every record's critique_total is
 * recomputed here from its critique_total_raw with this run's calibration,
 * or none (then it is the raw total), and the award follows (c's bands).
 * A record whose Stage 2 mark changes also gets it as its
 * pairwise_score_initial when an earlier playoff left one (its adjusted
 * total was made over other marks; this run's playoff adjusts again).
 * Records without critique_total_raw are left alone; those whose mark is
 * already right too (so a playoff's adjustment over the same marks stands).
 * Returns how many changed (counted for the manifest's calibration
 * "recalibrated"; said on the terminal).
 */
size_t jv_trust_recalibrate(struct jv_trust *t, json_t *records, const struct jv_competition *c);

/*
 * Sets the manifest's "panel", "calibration" and "anchors" ([{path, band,
 * total, in_band, error}]) with "anchor_warnings" (the count outside their
 * band or unjudged); each absent when not used.
 */
void jv_trust_to_manifest(const struct jv_trust *t, json_t *manifest);

/*
 * Appends the competition's anchors (`anchors = [{path, band = [lo, hi]}]`;
 * paths relative to the registry file's folder) to `paths` (owned strings)
 * so that they are measured and judged with the round; their jobs are those
 * from index paths->len on. An anchor that is also an entry is judged as an
 * entry only. Returns -1 with err naming the registry for a malformed anchor
 * or a missing file.
 */
int jv_trust_add_anchors(struct jv_trust *t, const struct jv_competition *c, GPtrArray *paths,
                         GError **err);

/* The anchors added (0 without). */
size_t jv_trust_n_anchors(const struct jv_trust *t);

/* True when job `index` is an anchor's (never a record of the round). */
bool jv_trust_is_anchor(const struct jv_trust *t, size_t index);

/*
 * An anchor's critique came back (res NULL, error set: Stage 1 failed): keeps
 * its mark (calibrated like the entries') and warns on the terminal when it
 * lies outside the band, or when it has none.
 */
void jv_trust_anchor_result(struct jv_trust *t, size_t index, const char *category,
                            const struct jv_critique_result *res, const char *error);

/*
 * Appends an "Anchors" section to the summary at `path` (when the run has
 * anchors): each anchor, its band and mark, and a warning for each outside.
 * Returns -1 with err when the file cannot be rewritten.
 */
int jv_trust_summary_append(const struct jv_trust *t, const char *path, GError **err);

void jv_trust_release(struct jv_trust *t);

#endif
