/*
 * results.h - the results JSONL (doc/SPEC.md 3 and 5): one record per image, each
 * written with a single write() of a whole line so a killed process loses no
 * finished record; fsync every `flush_every` records and at stage ends.
 *
 * Resume: jv_results_open() streams an existing file, keeps the lines with
 * status "ok" (a torn or unparseable line is dropped) and replaces the file
 * atomically with just those, so the redone images append cleanly. What
 * those records were judged with becomes a resume index, built there and
 * never changed afterwards, so any thread may look it up without a lock
 * (jv_resume_index_matches()). A record is reused for an image only when its
 * content hash, prompt hash and model match. Which records a run took is
 * tracked apart from the index, on the writer's thread
 * (jv_results_take_resumable()). `fresh` moves the old file to the first
 * free numbered backup <path>.N.bak (core/fsutil.h), never over an earlier one.
 *
 * Reruns only add: an ok record is never replaced by a failed attempt at the
 * same image (jv_results_finalize() keeps the last ok line over later failed
 * ones), so a rerun with a mistyped model cannot turn ok records into errors.
 *
 * Memory stays flat in the number of images: records are streamed, never
 * held together, except by jv_results_load() (the playoff's input).
 */
#ifndef JV_RESULTS_H
#define JV_RESULTS_H

#include <jansson.h>

#include "outputs/record.h"

/* The previous run's ok records: image -> what resume compares. Read-only once built. */
struct jv_resume_index;

struct jv_results {
    char *path;
    int fd;
    int flush_every;
    int unsynced;
    struct jv_resume_index *resume; /* built by jv_results_open() */
    GHashTable *taken;              /* images whose record this run reused */
    size_t dropped;                 /* lines not kept: torn, unparseable or not ok */
};

/*
 * Opens the results file for appending. With `fresh`, an existing file is
 * moved to the first free `<path>.N.bak` first.
 */
int jv_results_open(struct jv_results *r, const char *path, int flush_every, bool fresh,
                    GError **err);
void jv_results_close(struct jv_results *r);

/* The open file's resume index (borrowed; lives as long as the writer is open). */
const struct jv_resume_index *jv_results_resume_index(const struct jv_results *r);

/*
 * True if the previous run left an ok record for `image` with the same
 * content hash, prompt hash and model. Changes nothing: safe from any thread
 * while the writer is open.
 */
bool jv_resume_index_matches(const struct jv_resume_index *ix, const char *image,
                             const char *content_hash, const char *prompt_sha256,
                             const char *model);

/* True if the previous run left an ok record for `image`, whatever judged it. Any thread. */
bool jv_resume_index_has(const struct jv_resume_index *ix, const char *image);

/*
 * True if the results file at `path` holds an ok record judged with another
 * prompt (hash) or model than these: the caller keeps a backup of the round
 * before the rerun re-judges it. False when there is no file.
 */
bool jv_results_judged_otherwise(const char *path, const char *prompt_sha256, const char *model);

/*
 * True if the previous run left an ok record for `image` judged with the same
 * prompt and model, whatever its content hash (what a run may resume, before
 * the photos are read). Safe from any thread while the writer is open.
 */
bool jv_resume_index_has_judged(const struct jv_resume_index *ix, const char *image,
                                const char *prompt_sha256, const char *model);

/*
 * jv_resume_index_matches(), and the record counts as taken by this run: the
 * record stays in the file and the image needs no new work. Each image is
 * taken at most once (false the second time). The writer's thread only.
 */
bool jv_results_take_resumable(struct jv_results *r, const char *image, const char *content_hash,
                               const char *prompt_sha256, const char *model);

/* Kept records that were not taken by this run (images gone or changed). */
size_t jv_results_untaken(const struct jv_results *r);

/*
 * Appends one record as one line (borrows). Syncs every flush_every records.
 * Returns 0, or -1 with err when the line could not be written (a partly
 * written line is cut off again) or the sync failed: then the records since
 * the last good sync may not be on disk, and the caller should write no more.
 */
int jv_results_append(struct jv_results *r, const json_t *record, GError **err);

/* fsync now. Returns 0, or -1 with err naming the file. */
int jv_results_sync(struct jv_results *r, GError **err);

/*
 * Rewrites the file atomically, streaming: one record per image (the last one
 * written wins, except that a failed record never replaces an ok one), only
 * images in `keep` (a set of image paths; NULL keeps all),
 * sorted by image path.
 */
int jv_results_finalize(const char *path, GHashTable *keep, GError **err);

/*
 * Reads all records of a results file (a torn last line is skipped).
 * Returns a new array or NULL with err.
 */
json_t *jv_results_load(const char *path, GError **err);

/* Rewrites the whole file atomically with `records` (borrowed array). */
int jv_results_rewrite(const char *path, const json_t *records, GError **err);

/*
 * Streams the lines of a results file through the JSONL reader (core/jsonl.h,
 * its torn-line rule): calls `fn` with each parsed record (borrowed), its
 * byte offset and length; with record NULL for a line that is not a JSON
 * object, and, last, for a torn last line (never parsed). Empty lines are
 * skipped. Returns 0, or -1 with err if the file cannot be read.
 */
typedef void (*jv_results_line_fn)(const json_t *record, off_t offset, size_t len, void *user);
int jv_results_scan(const char *path, jv_results_line_fn fn, void *user, GError **err);

/*
 * Reads back the record at `offset`/`len` of an open results fd (new
 * reference, or NULL when the bytes are not a JSON object).
 */
json_t *jv_results_read_at(int fd, off_t offset, size_t len);

#endif
