/*
 * run_config.h - every setting of a judging run (doc/SPEC.md 9), each declared once
 * in the run option table (jv_run_config_options()): from it come the
 * defaults, the release, the copy, the command line (parsed by cli/ with
 * core/optparse), the `run --help` text and the manifest's `parameters`
 * (never the API key itself).
 *
 * Strings are owned by the struct (g_free'd by jv_run_config_release()); string
 * vectors are NULL-terminated and owned (g_strfreev).
 */
#ifndef JV_RUN_CONFIG_H
#define JV_RUN_CONFIG_H

#include <jansson.h>

#include "core/optparse.h"
#include "critique/engine.h"
#include "iqa/stage.h"
#include "outputs/layout.h"
#include "pipeline/trust.h"
#include "playoff/playoff.h"
#include "telemetry/telemetry.h"
#include "vlm/request.h"

enum jv_stage_mode {
    JV_STAGE_FULL = 0, /* IQA and critique overlapped, then playoff if enabled */
    JV_STAGE_IQA,      /* Stage 0+1 only, writes the IQA cache */
    JV_STAGE_CRITIQUE, /* Stage 2 from the IQA cache */
    JV_STAGE_PLAYOFF,  /* the playoff only, from an existing results file */
    JV_STAGE_TWO_PASS, /* IQA for all, then critique */
};

/* --pairwise-threshold's default, on the 0-20 scale (read on another scale: playoff_step.h). */
#define JV_PLAYOFF_THRESHOLD_DEFAULT 17.0

/* Every setting of a judging run: each stage's own, composed. */
struct jv_run_config {
    /* input */
    char **input_dirs; /* -i, repeatable */
    bool recursive;
    bool follow_symlinks; /* also symlinks that lead out of the input folders */
    enum jv_stage_mode stage;
    char *competition_config;
    char *competition_id;
    char *entries; /* --entries: the entry list CSV (input/entries.h), nullable */

    struct jv_iqa_config iqa;
    struct jv_vlm_config vlm;
    struct jv_critique_config critique;
    struct jv_playoff_config playoff;
    struct jv_outputs_config outputs;
    struct jv_telemetry_config telemetry;
    struct jv_trust_config trust; /* panel and calibration */
    /* stop after this many identical Stage 2 failures in a row (0 = never) */
    int max_consecutive_failures;
    /* bench only: recorded in the manifest for the Python-baseline run */
    bool baseline_io;
};

/* Fills the defaults (doc/SPEC.md 9) into *o, which need not be initialised. */
void jv_run_config_init(struct jv_run_config *o);
/* Frees the strings of *o and zeroes it. */
void jv_run_config_release(struct jv_run_config *o);
/* Makes *dst an independent deep copy of *src (dst need not be initialised). */
void jv_run_config_copy(struct jv_run_config *dst, const struct jv_run_config *src);

/*
 * The run option table (borrowed, static): every `run` option with its
 * field, range, default, help and manifest key. Parse argv against it with
 * jv_opt_parse() (only cli/ does), then call jv_run_config_finish().
 */
const struct jv_option *jv_run_config_options(void);
/* The run option recorded under manifest key `key`, or NULL (borrowed). */
const struct jv_option *jv_run_config_option(const char *key);

/*
 * The rules that hold after parsing: photos are required unless --stage
 * pairwise, --competition-config and --competition come together; fills the
 * API key from JUDGE_VISION_API_KEY / OPENAI_API_KEY when none was given and
 * the default base URL when none was. Returns 0 or -1 with a usage error.
 */
int jv_run_config_finish(struct jv_run_config *o, GError **err);

/* Prints the complete `run` option help to `out`. */
void jv_run_config_print_help(FILE *out, const char *prog);

/* Effective settings for the manifest (new reference; no API key). */
json_t *jv_run_config_to_json(const struct jv_run_config *o);

const char *jv_stage_mode_name(enum jv_stage_mode m);

#endif
