/* record.c - the results record of one image, built from its job and critique result. */
#include "core/jv.h"

#include <math.h>

#include "core/clock.h"
#include "outputs/record.h"
#include "pipeline/critique_prep.h"
#include "pipeline/record.h"

/* The model's score as written: an integer when whole, else a real. */
static json_t *number_json(double v)
{
    if (v == floor(v) && fabs(v) < 1e15)
        return json_integer((json_int_t)v);
    return json_real(v);
}

static json_t *usage_json(const struct jv_critique_result *res)
{
    if (res->prompt_tokens < 0 && res->completion_tokens < 0)
        return json_null();
    return json_pack("{s:o, s:o}", "prompt_tokens",
                     res->prompt_tokens >= 0 ? json_integer(res->prompt_tokens) : json_null(),
                     "completion_tokens",
                     res->completion_tokens >= 0 ? json_integer(res->completion_tokens)
                                                 : json_null());
}

static const char *status_name(enum jv_critique_status s)
{
    switch (s) {
    case JV_CRITIQUE_OK:
        return JV_STATUS_OK;
    case JV_CRITIQUE_PARSE_ERROR:
        return JV_STATUS_PARSE_ERROR;
    case JV_CRITIQUE_ERROR:
        break;
    }
    return JV_STATUS_ERROR;
}

/* A panel's figures: every judge's score (null where none came) and their spread. */
static void set_panel(json_t *r, const struct jv_critique_result *res)
{
    if (res->n_judges <= 0)
        return;
    json_t *judges = json_array();
    for (int k = 0; k < res->n_judges; k++)
        json_array_append_new(
            judges, isnan(res->judge_scores[k]) ? json_null() : number_json(res->judge_scores[k]));
    jv_record_set(r, JV_REC_CRITIQUE_JUDGES, judges);
    jv_record_set(r, JV_REC_CRITIQUE_SPREAD, isnan(res->spread) ? NULL : json_real(res->spread));
}

static void set_critique(json_t *r, const struct jv_critique_result *res, const char *award,
                         const struct jv_competition *c)
{
    char started[JV_ISO8601_LEN], finished[JV_ISO8601_LEN];
    jv_record_set_str(r, JV_REC_CRITIQUE_TITLE, res->title);
    jv_record_set_str(r, JV_REC_STYLE_INFERENCE, res->style);
    jv_record_set_str(r, JV_REC_CRITIQUE, res->critique);
    jv_record_set(r, JV_REC_CRITIQUE_SUBSCORES,
                  res->subscores ? json_incref((json_t *)res->subscores) : NULL);
    jv_record_set(r, JV_REC_CRITIQUE_TOTAL_INITIAL,
                  res->has_total ? number_json(res->score_raw) : NULL);
    int total = jv_critique_prep_total(c, res); /* on the competition's scale */
    jv_record_set(r, JV_REC_CRITIQUE_TOTAL, res->has_total ? json_integer(total) : NULL);
    /* before any calibration (pipeline/trust.h replaces critique_total) */
    jv_record_set(r, JV_REC_CRITIQUE_TOTAL_RAW, res->has_total ? json_integer(total) : NULL);
    set_panel(r, res);
    jv_record_set_str(r, JV_REC_CRITIQUE_AWARD, award);
    jv_record_set_str(r, JV_REC_STATUS, status_name(res->status));
    jv_record_set_str(r, JV_REC_ERROR, res->error);
    jv_record_set(r, JV_REC_USAGE, usage_json(res));
    jv_record_set_str(r, JV_REC_FINISH_REASON, res->finish_reason);
    jv_record_set(r, JV_REC_TTFT_SECONDS, res->ttft_s >= 0 ? json_real(res->ttft_s) : NULL);
    jv_record_set_num(r, JV_REC_STAGE2_DURATION_SECONDS, res->duration_s);
    jv_record_set_str(r, JV_REC_TIMESTAMP_STAGE2_STARTED, jv_clock_iso8601(res->started, started));
    jv_record_set_str(r, JV_REC_TIMESTAMP_STAGE2_FINISHED,
                      jv_clock_iso8601(res->finished, finished));
}

static json_t *raw_json(const char *path, const char *image)
{
    char *raw = jv_record_image_raw(path, image);
    json_t *v = raw ? json_string(raw) : json_null();
    g_free(raw);
    return v;
}

json_t *jv_record_build(const struct jv_job *job, const struct jv_critique_result *res,
                        const char *award, const struct jv_record_context *ctx)
{
    const struct jv_iqa_item *it = &job->iqa;
    json_t *r = jv_record_new();
    jv_record_set_int(r, JV_REC_SCHEMA_VERSION, JV_RESULTS_SCHEMA_VERSION);
    jv_record_set_str(r, JV_REC_RUN_ID, ctx->run_id);
    jv_record_set_str(r, JV_REC_IMAGE, it->path_utf8);
    jv_record_set(r, JV_REC_IMAGE_RAW, raw_json(it->path, it->path_utf8));
    jv_record_set_str(r, JV_REC_CONTENT_HASH, it->content_hash[0] ? it->content_hash : NULL);
    jv_record_set_str(r, JV_REC_IMAGE_TITLE, it->title);
    jv_record_set_str(r, JV_REC_AUTHOR, it->author);
    jv_record_set_str(r, JV_REC_AUTHOR_SOURCE, job->author_source);
    jv_record_set_str(r, JV_REC_COMPETITION_CATEGORY, it->category);
    jv_record_set_str(r, JV_REC_CRITIQUE_CATEGORY, it->category);
    jv_record_set(r, JV_REC_TECHNICAL_SIGNALS,
                  it->signals ? json_deep_copy(it->signals)
                              : json_pack("{s:{},s:n,s:n}", "metrics", "notes", "tonal_summary"));
    jv_record_set(r, JV_REC_COMPLIANCE, json_deep_copy(it->compliance));
    bool passed = json_is_true(json_object_get(it->compliance, "passed"));
    jv_record_set(r, JV_REC_CRITIQUE_COMPLIANCE_FLAG, json_boolean(!passed));
    jv_record_set_str(r, JV_REC_BACKEND, ctx->backend);
    jv_record_set_str(r, JV_REC_MODEL, ctx->model);
    jv_record_set_str(r, JV_REC_PROMPT_PROFILE, ctx->prompt_profile);
    jv_record_set_str(r, JV_REC_PROMPT_SHA256, ctx->prompt_sha256);
    jv_record_set_num(r, JV_REC_STAGE1_DURATION_SECONDS, it->stage1_s);
    if (res)
        set_critique(r, res, award, ctx->competition);
    if (it->error) {
        jv_record_set_str(r, JV_REC_STATUS, JV_STATUS_ERROR);
        jv_record_set_str(r, JV_REC_ERROR, it->error);
    }
    double s2 = res ? res->duration_s : 0;
    jv_record_set_num(r, JV_REC_DURATION_SECONDS, it->stage1_s + s2);
    return r;
}
