/*
 * concurrency.h - `--concurrency auto` in a run (doc/SPEC.md 2.6
 * "Concurrency"): the VLM server's in-flight controller (net/capacity.h),
 * what the server says about itself (net/capacity_probe.h), and the
 * manifest's record of the numbers chosen over time and why.
 *
 * One controller serves Stage 2 and the playoff (the playoff starts where
 * Stage 2 left it); the IQA service has its own (iqa/service.h).
 *
 * Ownership: jv_run_concurrency_start() fills `c`, which owns the
 * controller and the probe until jv_run_concurrency_release(); the
 * scheduler and pool are borrowed and must outlive the probe (call
 * jv_run_concurrency_stop_probe() or release before freeing them).
 */
#ifndef JV_PIPELINE_CONCURRENCY_H
#define JV_PIPELINE_CONCURRENCY_H

#include <jansson.h>

#include "net/capacity.h"
#include "net/capacity_probe.h"
#include "net/http.h"
#include "pipeline/run_config.h"

struct jv_run_concurrency {
    struct jv_capacity *cap;         /* owned; fixed when --concurrency is a number */
    struct jv_capacity_probe *probe; /* owned; NULL when fixed or stopped */
};

/*
 * The controller of o->vlm.concurrency (auto: starts low, up to
 * JV_CAPACITY_AUTO_MAX, one request of headroom with --pipeline) and, when
 * automatic, the probe of o->vlm.base_urls on `sched`, counting `pool`'s
 * requests as ours.
 */
void jv_run_concurrency_start(struct jv_run_concurrency *c, const struct jv_run_config *o,
                              struct jv_http_sched *sched, struct jv_http_pool *pool);
/* Stops scraping the server (stopping the run, or before the scheduler goes). */
void jv_run_concurrency_stop_probe(struct jv_run_concurrency *c);
void jv_run_concurrency_release(struct jv_run_concurrency *c);

/* The scheduler's shared slots for a run's settings (auto: room for the automatic ceiling). */
int jv_run_sched_slots(const struct jv_run_config *o);

/*
 * The manifest's "concurrency": {vlm: jv_capacity_to_json, iqa_service: the
 * same or null} (new reference; both borrowed, nullable).
 */
json_t *jv_run_concurrency_json(const struct jv_capacity *vlm, const struct jv_capacity *iqa);

#endif
