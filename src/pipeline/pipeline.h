/*
 * pipeline.h - a whole judging run: discovery, Stage 0-1, Stage 2, Stage 3
 * and the outputs, as selected by o->stage. Called by `judge-vision run`
 * (and by `bench`, twice).
 */
#ifndef JV_PIPELINE_H
#define JV_PIPELINE_H

#include "pipeline/run_config.h"

/*
 * Runs the pipeline with the given options. argc/argv are the command line
 * recorded in the manifest. Returns the process exit code (enum jv_exit).
 */
int jv_pipeline_run(const struct jv_run_config *o, int argc, char **argv);

#endif
