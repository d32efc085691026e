/*
 * pipeline.h - a whole judging run: discovery, Stage 0-1, Stage 2, Stage 3
 * and the outputs, as selected by the config's stage mode (`--stage
 * pairwise` is the same run with the playoff alone, over the existing
 * results). Called by the command layer (`judge-vision run`, `bench`).
 *
 * The pipeline owns no part of the process: it installs no signal handler,
 * prints nothing to stdout and returns no exit code. It polls the caller's
 * stop flag, logs to stderr through core/log, and reports what happened in
 * an outcome for the caller to print and map to an exit code.
 */
#ifndef JV_PIPELINE_H
#define JV_PIPELINE_H

#include <signal.h>

#include "pipeline/run_config.h"

/* What a run is given. Everything is borrowed for the run. */
struct jv_pipeline_ctx {
    const struct jv_run_config *config;
    int argc; /* the command line recorded in the manifest */
    char **argv;
    /* Non-zero (the signal number) once the caller wants the run to stop; nullable. */
    const volatile sig_atomic_t *stop;
    /*
     * How many stop signals arrived; nullable. From the second one on, the
     * run abandons its requests in flight at once instead of waiting for them.
     */
    const volatile sig_atomic_t *signals;
};

enum jv_pipeline_status {
    JV_PIPELINE_COMPLETE,    /* every stage ran (some images, or all, may have failed) */
    JV_PIPELINE_INTERRUPTED, /* the stop flag ended it; the outputs are consistent */
    JV_PIPELINE_FAILED,      /* a fatal error (logged) */
    JV_PIPELINE_USAGE,       /* the input could not be used (logged) */
};

/* How a run ended. Paths are owned copies, NULL where the run wrote no such file. */
struct jv_pipeline_outcome {
    enum jv_pipeline_status status;
    bool critique;     /* the run judged the images (else it measured them only) */
    bool playoff_only; /* --stage pairwise */
    /* processed: images whose record is on disk (resumed ones included); failed: of those, not ok
     */
    size_t discovered, processed, resumed, failed;
    /* failed attempts whose image keeps its earlier ok record (the round is still whole) */
    size_t ok_kept;
    double wall_s; /* the manifest's wall_seconds */
    char *results, *summary, *iqa_cache, *manifest;
    int signal;    /* the stop flag's value when the run stopped, else 0 */
    char *message; /* why it failed or was cut short (nullable) */
    /* The commonest error among the failed images (nullable), how often, and what to try. */
    char *common_error;
    size_t common_count;
    const char *hint; /* static, nullable */
    bool judging;     /* the run got as far as judging (or measuring) the photos */
    bool in_playoff;  /* it stopped during the playoff */
};

void jv_pipeline_outcome_release(struct jv_pipeline_outcome *out);

/*
 * Runs the pipeline and fills *out (initialised here; release it with
 * jv_pipeline_outcome_release()). Returns 0 when the run completed, -1
 * otherwise (the outcome says how).
 */
int jv_pipeline_run(const struct jv_pipeline_ctx *ctx, struct jv_pipeline_outcome *out);

#endif
