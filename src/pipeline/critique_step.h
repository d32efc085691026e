/*
 * stage2.h - the pipeline's side of Stage 2: turns finished Stage 0-1 jobs
 * into critique requests on the critique engine and hands back the record
 * fields. Runs on the pipeline's main loop (the HTTP scheduler has no thread
 * of its own).
 */
#ifndef JV_STAGE2_H
#define JV_STAGE2_H

#include <jansson.h>

#include "net/http.h"
#include "pipeline/job.h"
#include "pipeline/run_config.h"

struct jv_competition;
struct jv_stage2;

/* Called once per submitted job with the record's Stage 2 fields (new reference). */
typedef void (*jv_stage2_done_fn)(struct jv_job *job, json_t *fields, void *user);

/*
 * Loads the prompt profile and prepares the engine. Borrows everything; the
 * scheduler is shared with the IQA service client.
 */
struct jv_stage2 *jv_stage2_new(const struct jv_run_config *o, const struct jv_competition *c,
                                struct jv_http_sched *sched, jv_stage2_done_fn done, void *user,
                                GError **err);
void jv_stage2_free(struct jv_stage2 *s);

const char *jv_stage2_prompt_sha256(const struct jv_stage2 *s);
/* {profile, version, sha256} (new reference). */
json_t *jv_stage2_prompt_json(const struct jv_stage2 *s);

/*
 * The pipeline hands over ready jobs through a feeder that the engine calls
 * whenever a slot frees up, including the moment a first token arrives (that
 * is what makes --pipeline overlap one request's prefill with another's
 * decode). The feeder returns the next ready job or NULL; each returned job
 * is borrowed until its done callback. Call jv_stage2_kick() when new jobs
 * become ready while the engine may be idle.
 */
typedef struct jv_job *(*jv_stage2_feed_fn)(void *user);
void jv_stage2_set_feeder(struct jv_stage2 *s, jv_stage2_feed_fn feed, void *user);
void jv_stage2_kick(struct jv_stage2 *s);
/* Reports queued (unsent) work as cancelled and stops feeding (signals). */
void jv_stage2_cancel_queued(struct jv_stage2 *s);
/* Jobs handed over and not yet reported. */
size_t jv_stage2_in_flight(const struct jv_stage2 *s);
/* Manifest figures, with per-endpoint counters (new reference). */
json_t *jv_stage2_stats(const struct jv_stage2 *s);

#endif
