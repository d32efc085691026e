/*
 * runs.h - the runs the web page can show: results JSONL files found under
 * the outputs directory, each with its manifest (<stem>.metadata.json),
 * matches log (<stem>.matches.jsonl) and the page's edits
 * (<stem>.overrides.json).
 *
 * The file names come from outputs/layout.h. The page names a run only by an opaque id (16 hex
 * digits of an HMAC-SHA256, keyed by a secret of this server start, of the results path relative
 * to the outputs root: web/guard.h) that this module assigned when it listed the runs; no path
 * from the client is ever opened. Every file is read through web/guard.h: side files without
 * following links below the outputs root, photos only inside the run's input folders. The
 * results file is only read; score and award edits go to the overrides file,
 * replaced atomically, and are applied to the records when they are served.
 */
#ifndef JV_WEB_RUNS_H
#define JV_WEB_RUNS_H

#include <jansson.h>

#include "web/guard.h" /* JV_WEB_RUN_ID_LEN */

/* One run (owned strings, absolute paths). */
struct jv_web_run {
    char id[JV_WEB_RUN_ID_LEN];
    char *root;      /* the outputs root its files lie beneath */
    char *name;      /* results path relative to the outputs root, without .jsonl */
    char *results;   /* <stem>.jsonl */
    char *manifest;  /* <stem>.metadata.json (may not exist) */
    char *matches;   /* <stem>.matches.jsonl (may not exist) */
    char *overrides; /* <stem>.overrides.json (may not exist) */
};

void jv_web_run_free(struct jv_web_run *run);

struct jv_web_runs;

/*
 * A run index over the outputs directory `root` (borrowed, copied); `key`
 * (borrowed, copied) is the secret the run ids are made with.
 */
struct jv_web_runs *jv_web_runs_new(const char *root, const char *key);
void jv_web_runs_free(struct jv_web_runs *runs);

/*
 * Rescans the outputs directory and returns the runs as a JSON array (new
 * reference), newest results file first: {id, name, mtime, size,
 * has_manifest, has_matches, has_overrides, manifest: {run_id, status,
 * started, finished, wall_seconds, images, git_commit, prompt}}.
 */
json_t *jv_web_runs_list(struct jv_web_runs *runs);

/* True when `id` has the shape of a run id (16 lowercase hex digits). */
bool jv_web_run_id_valid(const char *id);

/*
 * Looks a run up by id (rescanning once when unknown). Returns an owned copy
 * or NULL with JV_ERR_NOT_FOUND (or JV_ERR_USAGE for a malformed id).
 */
struct jv_web_run *jv_web_runs_find(struct jv_web_runs *runs, const char *id, GError **err);

/*
 * The JSON objects of the JSONL file at `path` (below `root`, opened without
 * following links: web/guard.h), in file order, as a JSON array (new
 * reference); lines that are not a JSON object and a torn last line are left
 * out (core/jsonl.h). NULL with err when the file cannot be read or is larger
 * than `max_bytes` (core/limits.h).
 */
json_t *jv_web_read_objects(const char *root, const char *path, size_t max_bytes, GError **err);

/*
 * Reads the results file: a JSON array (new reference) of the records in file
 * order; lines that are not a JSON object and a torn last line are skipped.
 */
json_t *jv_web_run_load_records(const struct jv_web_run *run, GError **err);

/*
 * The `image` (absolute path, owned) of record `idx` of `run`: the only files
 * the page may fetch. Keeps the list of the most recent runs' images in
 * memory while their results file is unchanged. NULL with JV_ERR_NOT_FOUND
 * when there is no such record or it names no absolute path.
 */
char *jv_web_runs_image(struct jv_web_runs *runs, const struct jv_web_run *run, size_t idx,
                        GError **err);

/*
 * Opens `image` (a path jv_web_runs_image() gave) when it lies inside the
 * input folders the run's manifest records (web/guard.h; the list is kept
 * while the manifest is unchanged). *real (may be NULL) gets the path opened.
 * Returns a descriptor (owned) or -1 with err (JV_WEB_GUARD_ERROR: refused).
 */
int jv_web_runs_open_photo(struct jv_web_runs *runs, const struct jv_web_run *run,
                           const char *image, char **real, GError **err);

/* The run's overrides object {image: {score, award, updated}} (new reference; empty if none). */
json_t *jv_web_run_load_overrides(const struct jv_web_run *run, GError **err);

/*
 * Applies overrides (borrowed) to records (borrowed, modified): a record whose
 * image has an override gets critique_total / critique_award replaced, the
 * originals kept in original_critique_total / original_critique_award, and
 * "override" set to the override object.
 */
void jv_web_apply_overrides(json_t *records, json_t *overrides);

/*
 * After jv_web_apply_overrides: a record whose override changed the score
 * but set no award takes the award of its new score's band in `comp`
 * (borrowed; NULL = no bands, so no award), the original kept as above:
 * what the page shows (SPEC 6).
 */
struct jv_competition;
void jv_web_apply_band_awards(json_t *records, const struct jv_competition *comp);

/*
 * Applies edits to the run's overrides file. `body` (borrowed) is one edit or
 * {"edits": [edit, ...]}; an edit is {"idx": N | "image": path, "score": an
 * integer on the competition's scale (`comp`; 0-20 without one) or null, "award": string or null};
 * both null removes the image's override. The image must be one of the run's records. The file is
 * written atomically, under a process-wide lock. Returns the new overrides object (new reference)
 * or NULL with JV_ERR_PARSE (bad edit) or JV_ERR_IO.
 */
json_t *jv_web_run_save_overrides(const struct jv_web_run *run, json_t *body,
                                  const struct jv_competition *comp, GError **err);

/*
 * The final table as CSV (owned): one row per record, by category, then
 * score (highest first), then file; overrides already applied to `records`.
 */
char *jv_web_export_csv(json_t *records);

#endif
