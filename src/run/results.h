/*
 * results.h - the results JSONL (SPEC 3 and 5): one record per image, each
 * written with a single write() of a whole line so a killed process loses no
 * finished record; fsync every `flush_every` records and at stage ends.
 *
 * Resume: jv_results_open() reads an existing file, keeps the records with
 * status "ok" (a torn or unparseable line is dropped) and rewrites the file
 * atomically with just those, so the redone images append cleanly. A record
 * is reused for an image only when its content hash, prompt hash and model
 * match (jv_results_take_resumable()). `fresh` moves the old file to .bak.
 */
#ifndef JV_RESULTS_H
#define JV_RESULTS_H

#include <jansson.h>

#define JV_RESULTS_SCHEMA_VERSION 1

struct jv_results {
    char *path;
    int fd;
    int flush_every;
    int unsynced;
    GHashTable *kept; /* image path -> json_t record (owned), from the previous run */
    size_t dropped;   /* lines not kept: torn, unparseable or not ok */
};

/*
 * Opens the results file for appending. With `fresh`, an existing file is
 * renamed to `<path>.bak` first.
 */
int jv_results_open(struct jv_results *r, const char *path, int flush_every, bool fresh,
                    GError **err);
void jv_results_close(struct jv_results *r);

/*
 * If the previous run left an ok record for `image` with the same content
 * hash, prompt hash and model, returns it (new reference) and removes it from
 * the candidates; else NULL.
 */
json_t *jv_results_take_resumable(struct jv_results *r, const char *image, const char *content_hash,
                                  const char *prompt_sha256, const char *model);

/*
 * Kept records that were not taken by this run (images gone or changed);
 * they are dropped from the file at the final rewrite.
 */
size_t jv_results_untaken(const struct jv_results *r);

/* Appends one record as one line (borrows). Syncs every flush_every records. */
int jv_results_append(struct jv_results *r, const json_t *record, GError **err);

/* fsync now. */
void jv_results_sync(struct jv_results *r);

/*
 * Reads all records of a results file (a torn last line is skipped).
 * Returns a new array or NULL with err.
 */
json_t *jv_results_load(const char *path, GError **err);

/*
 * Rewrites the whole file atomically with `records` (borrowed array), e.g.
 * sorted after the run or adjusted after the playoff.
 */
int jv_results_rewrite(const char *path, const json_t *records, GError **err);

/* Sorts records (an array, in place) by image path. */
void jv_results_sort(json_t *records);

#endif
