/*
 * manifest.h - the run manifest (doc/SPEC.md 4.1), `<results stem>.metadata.json`.
 *
 * A JSON object built up during the run and rewritten atomically (temp file
 * + rename) at start, as stages finish, and at exit. Single-threaded: owned
 * by the pipeline's main loop. Read back (report, bench) with
 * jv_manifest_load(), which validates it.
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

/*
 * Checks the keys and types a manifest must have: run_id, tool_version,
 * git_commit (strings), git_dirty (boolean), command (array), parameters
 * (object), stages (array of objects with a string name and a number-or-null
 * duration_seconds), started (string), finished (string or null),
 * wall_seconds (number or null), status (running|complete|interrupted|
 * failed). The optional sections prompt, images, iqa_cache, critique,
 * pairwise, gpu, server_metrics must be objects (or null) when present, and
 * the figures inside them numbers (or null). Returns 0, or -1 with a message
 * naming the key (JV_ERR_PARSE).
 */
int jv_manifest_validate(const json_t *m, GError **err);

/*
 * Reads, parses and validates the manifest at `path` (new reference), or NULL
 * with an error naming the file and what is wrong with it.
 */
json_t *jv_manifest_load(const char *path, GError **err);

#endif
