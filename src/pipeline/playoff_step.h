/*
 * stage3.h - the pipeline's side of Stage 3: runs the playoff (src/playoff)
 * over the results records with the run's settings, reports progress, and
 * records its figures in the manifest.
 */
#ifndef JV_STAGE3_H
#define JV_STAGE3_H

#include <jansson.h>

#include "net/http.h"
#include "outputs/manifest.h"
#include "pipeline/run_config.h"
#include "outputs/progress.h"

struct jv_competition;

/*
 * Runs the playoff over `records` (borrowed array, modified in place).
 * `sched` may be NULL (one is made). Sets *playoff_out to the playoff's
 * figures (new reference) and records them in the manifest.
 */
int jv_stage3_run(json_t *records, const struct jv_run_config *o, const struct jv_competition *c,
                  struct jv_http_sched *sched, struct jv_progress *progress,
                  struct jv_manifest *manifest, json_t **playoff_out, GError **err);

/*
 * `--stage pairwise`: reruns only the playoff from the existing results file,
 * rewrites it atomically, rewrites the summary and updates the manifest.
 * Returns the exit code.
 */
int jv_stage3_run_only(const struct jv_run_config *o, const struct jv_competition *c, int argc,
                       char **argv);

/* True once SIGINT/SIGTERM asked the run to stop (pipeline.c). */
bool jv_pipeline_interrupted(void);

#endif
