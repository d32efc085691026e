/*
 * playoff_step.h - Stage 3 in a run: runs the playoff (src/playoff) over the
 * results records with the run's settings, reports progress, and records its
 * figures in the manifest.
 */
#ifndef JV_PIPELINE_PLAYOFF_STEP_H
#define JV_PIPELINE_PLAYOFF_STEP_H

#include <jansson.h>
#include <signal.h>

#include "net/http.h"
#include "outputs/manifest.h"
#include "outputs/progress.h"
#include "pipeline/run_config.h"

struct jv_competition;
struct jv_capacity;

/*
 * Runs the playoff over `records` (borrowed array, modified in place).
 * `sched` may be NULL (one is made). `cap` (nullable, borrowed) is the VLM
 * server's in-flight controller of the run (pipeline/concurrency.h): an
 * automatic one limits the matches in flight and sizes the eig rounds; with
 * none and `--concurrency auto` the playoff makes its own. `stop` (nullable) is polled between
 * matches: once it is non-zero the playoff stops with JV_ERR_CANCELLED.
 * Sets *playoff_out to the playoff's figures (new reference) and records
 * them in the manifest (both nullable).
 */
int jv_playoff_step_run(json_t *records, const struct jv_run_config *o,
                        const struct jv_competition *c, struct jv_http_sched *sched,
                        struct jv_capacity *cap, const volatile sig_atomic_t *stop,
                        struct jv_progress *progress, struct jv_manifest *manifest,
                        json_t **playoff_out, GError **err);

#endif
