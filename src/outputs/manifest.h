/*
 * manifest.h - the run manifest (SPEC 4.1), `<results stem>.metadata.json`.
 *
 * A JSON object built up during the run and rewritten atomically (temp file
 * + rename) at start, as stages finish, and at exit. Single-threaded: owned
 * by the pipeline's main loop.
 */
#ifndef JV_MANIFEST_H
#define JV_MANIFEST_H

#include <jansson.h>

#include "core/stats.h"

struct jv_manifest {
    char *path;
    json_t *root;
    double started_wall, started_mono;
};

/* `<stem>.metadata.json` beside the results file (owned). */
char *jv_manifest_path_for(const char *results_path);

/*
 * Starts a manifest: run_id, tool_version, git identity, command (argv),
 * parameters (taken: the settings, never the API key), started, status
 * "running".
 */
void jv_manifest_init(struct jv_manifest *m, const char *path, json_t *parameters, int argc,
                      char **argv);
void jv_manifest_release(struct jv_manifest *m);

const char *jv_manifest_run_id(const struct jv_manifest *m);

/* Sets a top-level key; takes `value`. */
void jv_manifest_set(struct jv_manifest *m, const char *key, json_t *value);

/*
 * Records a stage: {name, started, finished, duration_seconds} plus the
 * per-item duration statistics (count, min, max, mean, p50, p95). `started`
 * and `finished` are wall-clock epoch seconds. Replaces an earlier record of
 * the same name.
 */
void jv_manifest_stage(struct jv_manifest *m, const char *name, double started, double finished,
                       const struct jv_stats *item_durations);

/* Writes the manifest atomically; failures are warned about, not fatal. */
void jv_manifest_write(struct jv_manifest *m);

/* Sets finished, wall_seconds and status (complete|interrupted|failed), then writes. */
void jv_manifest_finish(struct jv_manifest *m, const char *status);

#endif
