/*
 * options.h - every setting of a judging run (SPEC 9), parsed from the
 * command line by jv_options_parse() and recorded in the manifest by
 * jv_options_to_json() (never the API key).
 *
 * Strings are owned by the struct (g_free'd by jv_options_release()); string
 * vectors are NULL-terminated and owned (g_strfreev).
 */
#ifndef JV_OPTIONS_H
#define JV_OPTIONS_H

#include <jansson.h>

enum jv_stage_mode {
    JV_STAGE_FULL = 0, /* IQA and critique overlapped, then playoff if enabled */
    JV_STAGE_IQA,      /* Stage 0+1 only, writes the IQA cache */
    JV_STAGE_CRITIQUE, /* Stage 2 from the IQA cache */
    JV_STAGE_PAIRWISE, /* Stage 3 only, from an existing results file */
    JV_STAGE_TWO_PASS, /* IQA for all, then critique */
};

enum jv_structured_output {
    JV_STRUCTURED_NONE = 0,
    JV_STRUCTURED_JSON_SCHEMA,
    JV_STRUCTURED_JSON_OBJECT,
};

enum jv_pairwise_schedule { JV_SCHEDULE_SWISS = 0, JV_SCHEDULE_RANDOM };

struct jv_options {
    /* input */
    char **input_dirs; /* -i, repeatable */
    bool recursive;
    enum jv_stage_mode stage;
    char *competition_config;
    char *competition_id;
    char *critique_category; /* override */
    char *critique_notes;

    /* outputs */
    char *output_jsonl;
    char *summary;
    char *progress_file;
    char *iqa_cache;
    char *log_file;
    int log_level; /* enum jv_log_level */

    /* Stage 1 */
    int iqa_workers; /* default: online CPUs */
    double max_megapixels;
    bool disable_musiq, disable_nima, disable_tonal;
    char *iqa_service_url;
    int iqa_service_concurrency;

    /* Stage 2 */
    char *backend;    /* vllm|ollama|llamacpp|openai */
    char **base_urls; /* repeatable */
    char *api_key;    /* never logged or written */
    char *model;
    double timeout_s;
    int max_retries;
    int max_new_tokens;
    double temperature;
    double top_p;
    char *prompt_profile;
    char *prompt_file;
    enum jv_structured_output structured_output;
    int concurrency;
    bool pipeline;
    bool stream;
    int vlm_max_side;

    /* Stage 3 */
    bool pairwise;
    int pairwise_rounds; /* 0 = competition's or by cohort size */
    double pairwise_threshold;
    uint64_t pairwise_seed;
    enum jv_pairwise_schedule pairwise_schedule;

    /* durability and telemetry */
    int flush_every;
    bool fresh;
    int gpu_sample_every;
    bool quiet;
    /* bench only: per-record flush and no encoding cache (the Python baseline) */
    bool baseline_io;
};

/* Fills the SPEC defaults. */
void jv_options_init(struct jv_options *o);
void jv_options_release(struct jv_options *o);

/*
 * Parses `run` options from argv (argv[0] is the subcommand name). Fills the
 * API key from JUDGE_VISION_API_KEY / OPENAI_API_KEY when not given. On a
 * usage error returns -1 with a message naming the option; `--help` sets
 * *want_help and returns 0.
 */
int jv_options_parse(struct jv_options *o, int argc, char **argv, bool *want_help, GError **err);

/* Prints the complete `run` option help to `out`. */
void jv_options_print_help(FILE *out, const char *prog);

/* Effective settings for the manifest (new reference; no API key). */
json_t *jv_options_to_json(const struct jv_options *o);

const char *jv_stage_mode_name(enum jv_stage_mode m);

/* Default output paths (SPEC 3). */
#define JV_DEFAULT_RESULTS  "outputs/results/judge_vision.jsonl"
#define JV_DEFAULT_SUMMARY  "outputs/summaries/judge_vision_summary.md"
#define JV_DEFAULT_PROGRESS "outputs/metrics/judge_vision_progress.json"
#define JV_DEFAULT_IQA      "outputs/cache/judge_vision_iqa.jsonl"
#define JV_DEFAULT_LOG      "logs/judge_vision.log"

#endif
