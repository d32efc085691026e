/*
 * record.h - builds the results record of one image (doc/SPEC.md 3) from its
 * job and its critique result: the one place the record is put together
 * (the schema is outputs/record.h). Absent values are JSON null.
 */
#ifndef JV_PIPELINE_RECORD_H
#define JV_PIPELINE_RECORD_H

#include <jansson.h>

#include "critique/engine.h"
#include "pipeline/job.h"

struct jv_competition;

struct jv_record_context {
    const char *run_id;
    const char *backend;
    const char *model;
    const char *prompt_profile;
    const char *prompt_sha256;
    const struct jv_competition *competition; /* nullable: its scale sets critique_total */
};

/*
 * Returns a new record. `res` (borrowed, nullable) is the image's critique
 * result and `award` (nullable) the award for its total; without a result
 * the record carries Stage 0-1 only (status "error" with the item's error
 * when Stage 0-1 failed).
 */
json_t *jv_record_build(const struct jv_job *job, const struct jv_critique_result *res,
                        const char *award, const struct jv_record_context *ctx);

#endif
