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
#include "run/job.h"
#include "run/options.h"

struct jv_competition;
struct jv_stage2;

/* Called once per submitted job with the record's Stage 2 fields (new reference). */
typedef void (*jv_stage2_done_fn)(struct jv_job *job, json_t *fields, void *user);

/*
 * Loads the prompt profile and prepares the engine. Borrows everything; the
 * scheduler is shared with the IQA service client.
 */
struct jv_stage2 *jv_stage2_new(const struct jv_options *o, const struct jv_competition *c,
                                struct jv_http_sched *sched, jv_stage2_done_fn done, void *user,
                                GError **err);
void jv_stage2_free(struct jv_stage2 *s);

const char *jv_stage2_prompt_sha256(const struct jv_stage2 *s);
/* {profile, version, sha256} (new reference). */
json_t *jv_stage2_prompt_json(const struct jv_stage2 *s);

bool jv_stage2_can_accept(const struct jv_stage2 *s);
/* Borrows `job` until its done callback. */
void jv_stage2_submit(struct jv_stage2 *s, struct jv_job *job);
size_t jv_stage2_in_flight(const struct jv_stage2 *s);
/* Manifest figures (new reference). */
json_t *jv_stage2_stats(const struct jv_stage2 *s);
/* Per-endpoint counters (new reference). */
json_t *jv_stage2_endpoints(const struct jv_stage2 *s);

#endif
