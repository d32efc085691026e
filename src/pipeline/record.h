/*
 * record.h - the results record of one image (SPEC 3), built from the job and
 * the Stage 2 fields. Absent values are JSON null.
 */
#ifndef JV_RECORD_H
#define JV_RECORD_H

#include <jansson.h>

#include "pipeline/job.h"

struct jv_record_context {
    const char *run_id;
    const char *backend;
    const char *model;
    const char *prompt_profile;
    const char *prompt_sha256;
    const char *critique_category_override;
};

/*
 * Returns a new record. `critique` (borrowed, nullable) holds the Stage 2
 * fields (critique_title, style_inference, critique, critique_subscores,
 * critique_total_initial, critique_total, critique_award, status, error,
 * usage, finish_reason, ttft_seconds, stage2_duration_seconds,
 * timestamp_stage2_started/finished ...); without it the record carries
 * Stage 0-1 only with the given status.
 */
json_t *jv_record_build(const struct jv_job *job, const json_t *critique,
                        const struct jv_record_context *ctx);

#endif
