/*
 * job.h - one image's way through a run: what Stage 0-1 found and measured,
 * and the record it becomes. Owned by the pipeline; a worker thread fills
 * the Stage 0-1 part, then hands the job back to the main loop.
 */
#ifndef JV_JOB_H
#define JV_JOB_H

#include <jansson.h>

#include "core/hash.h"

struct jv_job {
    size_t index;
    char *path;      /* absolute, as the file system has it */
    char *path_utf8; /* the same for JSON: jv_path_utf8() */
    int64_t size, mtime_ns;
    char content_hash[JV_CONTENT_HASH_LEN];
    int width, height; /* -1 when unknown */
    const char *mime;  /* static string */
    char *title;       /* embedded title, nullable */
    char *category;
    json_t *compliance; /* Stage 0 */
    json_t *signals;    /* technical_signals {metrics, notes, tonal_summary} */
    unsigned groups;    /* metric groups computed */
    char *error;        /* why Stage 0-1 failed (unreadable image), nullable */
    bool cache_hit;
    bool needs_store; /* a fresh measurement for the IQA cache */
    bool resumed;     /* the previous run's ok record stands */
    double stage1_s;
    double iqa_started, iqa_finished; /* wall clock */
};

void jv_job_free(struct jv_job *job);

#endif
