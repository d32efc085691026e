/* job.c - one image's job: made, freed, and found again from its embedded parts. */
#include "core/jv.h"

#include "pipeline/job.h"

struct jv_job *jv_job_new(size_t index, const char *path)
{
    struct jv_job *job = g_new0(struct jv_job, 1);
    job->index = index;
    jv_iqa_item_init(&job->iqa, path);
    return job;
}

void jv_job_free(struct jv_job *job)
{
    if (!job)
        return;
    jv_iqa_item_release(&job->iqa);
    g_free(job->compliance_text);
    g_free(job);
}

struct jv_job *jv_job_of_item(struct jv_iqa_item *it)
{
    return (struct jv_job *)(void *)((char *)it - offsetof(struct jv_job, iqa));
}

struct jv_job *jv_job_of_critique(struct jv_critique_job *cj)
{
    return (struct jv_job *)(void *)((char *)cj - offsetof(struct jv_job, critique));
}
