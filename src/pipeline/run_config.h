/*
 * options.h - every setting of a judging run (SPEC 9), parsed from the
 * command line by jv_run_config_parse() and recorded in the manifest by
 * jv_run_config_to_json() (never the API key).
 *
 * Strings are owned by the struct (g_free'd by jv_run_config_release()); string
 * vectors are NULL-terminated and owned (g_strfreev).
 */
#ifndef JV_OPTIONS_H
#define JV_OPTIONS_H

#include <jansson.h>

#include "critique/engine.h"
#include "iqa/stage.h"
#include "outputs/layout.h"
#include "playoff/playoff.h"
#include "telemetry/telemetry.h"
#include "vlm/request.h"

enum jv_stage_mode {
    JV_STAGE_FULL = 0, /* IQA and critique overlapped, then playoff if enabled */
    JV_STAGE_IQA,      /* Stage 0+1 only, writes the IQA cache */
    JV_STAGE_CRITIQUE, /* Stage 2 from the IQA cache */
    JV_STAGE_PAIRWISE, /* the playoff only, from an existing results file */
    JV_STAGE_TWO_PASS, /* IQA for all, then critique */
};

/* Every setting of a judging run: each stage's own, composed. */
struct jv_run_config {
    /* input */
    char **input_dirs; /* -i, repeatable */
    bool recursive;
    enum jv_stage_mode stage;
    char *competition_config;
    char *competition_id;

    struct jv_iqa_config iqa;
    struct jv_vlm_config vlm;
    struct jv_critique_config critique;
    struct jv_playoff_config playoff;
    struct jv_outputs_config outputs;
    struct jv_telemetry_config telemetry;
    /* bench only: recorded in the manifest for the Python-baseline run */
    bool baseline_io;
};

/* Fills the SPEC defaults. */
void jv_run_config_init(struct jv_run_config *o);
void jv_run_config_release(struct jv_run_config *o);

/*
 * Parses `run` options from argv (argv[0] is the subcommand name). Fills the
 * API key from JUDGE_VISION_API_KEY / OPENAI_API_KEY when not given. On a
 * usage error returns -1 with a message naming the option; `--help` sets
 * *want_help and returns 0.
 */
int jv_run_config_parse(struct jv_run_config *o, int argc, char **argv, bool *want_help,
                        GError **err);

/* Prints the complete `run` option help to `out`. */
void jv_run_config_print_help(FILE *out, const char *prog);

/* Effective settings for the manifest (new reference; no API key). */
json_t *jv_run_config_to_json(const struct jv_run_config *o);

const char *jv_stage_mode_name(enum jv_stage_mode m);

#endif
