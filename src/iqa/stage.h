/*
 * iqa_stage.h - Stage 0 (compliance) and Stage 1 (deterministic IQA) of one
 * image, run on a pool of worker threads (--iqa-workers). Each worker holds
 * at most one decoded image, so memory stays bounded by the worker count.
 * Finished jobs are pushed onto `done` for the main loop.
 */
#ifndef JV_IQA_STAGE_H
#define JV_IQA_STAGE_H

#include "iqa/cache.h"
#include "pipeline/job.h"
/* Stage 0-1's settings. Strings are owned by whoever fills the struct. */
struct jv_iqa_config {
    int workers;           /* images measured in parallel */
    double max_megapixels; /* larger images are refused before decoding */
    bool disable_musiq, disable_nima, disable_tonal;
    char *service_url; /* NIMA/MUSIQ service; NULL = none */
    int service_concurrency;
    char *category_override; /* --critique-category: this category for every image */
};
#include "outputs/results.h"

struct jv_competition;

struct jv_iqa_stage {
    const struct jv_iqa_config *cfg;
    const char *model;                        /* for resume matching */
    const struct jv_competition *competition; /* nullable */
    struct jv_iqa_cache *cache;
    struct jv_results *results; /* nullable: resume candidates */
    const char *prompt_sha256;  /* for resume matching */
    GMutex results_lock;
    unsigned groups; /* metric groups wanted */
    bool cache_only; /* --stage critique: a cache miss is an error */
    GThreadPool *pool;
    GAsyncQueue *done; /* struct jv_job * */
    volatile gint stop;
};

/* Metric groups a run wants from its options (NIMA/MUSIQ only with a source). */
unsigned jv_iqa_stage_groups(const struct jv_iqa_config *cfg);

int jv_iqa_stage_start(struct jv_iqa_stage *st, const struct jv_iqa_config *cfg, bool cache_only,
                       const char *model, const struct jv_competition *competition,
                       struct jv_iqa_cache *cache, struct jv_results *results,
                       const char *prompt_sha256, GError **err);
/* Queues a job (takes it); it comes back on st->done. */
void jv_iqa_stage_push(struct jv_iqa_stage *st, struct jv_job *job);
/* Jobs queued and not yet picked up by a worker. */
guint jv_iqa_stage_queued(struct jv_iqa_stage *st);
/* Stops the workers: queued jobs are dropped, running ones finish. */
void jv_iqa_stage_stop(struct jv_iqa_stage *st);
void jv_iqa_stage_release(struct jv_iqa_stage *st);

/*
 * Completes a measured job on the main thread: notes and tonal summary from
 * the final metrics (after any IQA-service merge), and the cache entry.
 */
void jv_iqa_stage_finish_job(struct jv_iqa_stage *st, struct jv_job *job);

#endif
