/*
 * job.h - one image's way through a run: its Stage 0-1 item and its critique
 * job, embedded, so the one struct travels from the IQA workers to the
 * critique engine and back without adapters. Owned by the pipeline: made by
 * jv_job_new(), freed by jv_job_free(); the stages borrow the embedded parts
 * and hand them back, and jv_job_of_item() / jv_job_of_critique() find the
 * job again.
 */
#ifndef JV_PIPELINE_JOB_H
#define JV_PIPELINE_JOB_H

#include <jansson.h>

#include "critique/engine.h"
#include "iqa/stage.h"

struct jv_job {
    size_t index;                    /* position in the run's discovered paths */
    struct jv_iqa_item iqa;          /* Stage 0-1 */
    struct jv_critique_job critique; /* Stage 2; filled by jv_critique_prep_job() */
    char *compliance_text;           /* what critique.compliance points at (owned) */
    const char *author_source;       /* where iqa.author came from (static), NULL if none */
};

/* A new job for `path` (copied). */
struct jv_job *jv_job_new(size_t index, const char *path);
void jv_job_free(struct jv_job *job);

/* The job an embedded part belongs to. */
struct jv_job *jv_job_of_item(struct jv_iqa_item *it);
struct jv_job *jv_job_of_critique(struct jv_critique_job *cj);

#endif
