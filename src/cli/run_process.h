/*
 * run_process.h - the process around one pipeline run: the command layer's
 * part (signals, stdout, the exit code), shared by `run` and `bench`.
 */
#ifndef JV_CLI_RUN_PROCESS_H
#define JV_CLI_RUN_PROCESS_H

#include "pipeline/pipeline.h"

/*
 * Runs the pipeline with `o` (borrowed) under SIGINT/SIGTERM handlers that
 * ask it to stop, prints its closing lines to stdout and returns the exit
 * code (enum jv_exit). argc/argv are the command line for the manifest.
 */
int jv_run_process(const struct jv_run_config *o, int argc, char **argv);

/* The exit code for a run's outcome. */
int jv_run_process_exit_code(const struct jv_pipeline_outcome *out);

#endif
