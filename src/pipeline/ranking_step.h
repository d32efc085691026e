/*
 * ranking_step.h - after the playoff: the final ranking and placings per
 * category (playoff/placing.h), decider matches asked through the run's VLM
 * on the shared scheduler, and the round's checks (warnings.h), said on the
 * terminal and recorded in the manifest ("ranking", "warnings").
 */
#ifndef JV_PIPELINE_RANKING_STEP_H
#define JV_PIPELINE_RANKING_STEP_H

#include <jansson.h>

#include "net/http.h"
#include "outputs/manifest.h"
#include "pipeline/run_config.h"

struct jv_competition;

/* The placings of a run without a registry, and of a registry that names none. */
extern const char *const jv_default_placings[];

/*
 * Ranks `records` (borrowed array, modified in place) and checks them.
 * `deciders`: ask decider matches of the VLM (`sched` borrowed, nullable: one
 * is made). `manifest` nullable. Returns 0 or -1 with err.
 */
int jv_ranking_step_run(json_t *records, const struct jv_run_config *o,
                        const struct jv_competition *c, struct jv_http_sched *sched, bool deciders,
                        struct jv_manifest *manifest, GError **err);

#endif
