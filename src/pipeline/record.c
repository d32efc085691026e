#include "core/jv.h"

#include "pipeline/record.h"
#include "outputs/record.h"

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

json_t *jv_record_build(const struct jv_job *job, const json_t *critique,
                        const struct jv_record_context *ctx)
{
    json_t *r = jv_record_new();
    json_object_set_new(r, "schema_version", json_integer(JV_RESULTS_SCHEMA_VERSION));
    json_object_set_new(r, "run_id", str_or_null(ctx->run_id));
    json_object_set_new(r, "image", json_string(job->path_utf8));
    json_object_set_new(r, "content_hash",
                        job->content_hash[0] ? json_string(job->content_hash) : json_null());
    json_object_set_new(r, "image_title", str_or_null(job->title));
    json_object_set_new(r, "competition_category", str_or_null(job->category));
    json_object_set_new(r, "critique_category", str_or_null(job->category));
    json_object_set_new(r, "technical_signals",
                        job->signals
                            ? json_deep_copy(job->signals)
                            : json_pack("{s:{},s:n,s:n}", "metrics", "notes", "tonal_summary"));
    json_object_set_new(r, "compliance", json_deep_copy(job->compliance));
    bool passed = json_is_true(json_object_get(job->compliance, "passed"));
    json_object_set_new(r, "critique_compliance_flag", json_boolean(!passed));
    json_object_set_new(r, "backend", str_or_null(ctx->backend));
    json_object_set_new(r, "model", str_or_null(ctx->model));
    json_object_set_new(r, "prompt_profile", str_or_null(ctx->prompt_profile));
    json_object_set_new(r, "prompt_sha256", str_or_null(ctx->prompt_sha256));
    json_object_set_new(r, "stage1_duration_seconds", json_real(job->stage1_s));
    if (critique) {
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)critique, k, v)
        {
            /* Only record fields; engine-internal counters stay out. */
            if (json_object_get(r, k))
                json_object_set(r, k, v);
        }
    }
    if (job->error) {
        json_object_set_new(r, "status", json_string("error"));
        json_object_set_new(r, "error", json_string(job->error));
    }
    double s2 = json_number_value(json_object_get(r, "stage2_duration_seconds"));
    json_object_set_new(r, "duration_seconds", json_real(job->stage1_s + s2));
    return r;
}
