/*
 * cache.h - the IQA cache (doc/SPEC.md 2.5): an append-only JSONL file of Stage 1
 * results reused across runs.
 *
 * Each line: {image, size, mtime_ns, content_hash, metrics_version, enabled
 * {basic, tonal, nima, musiq}, models {nima, musiq}, width, height,
 * technical_signals, timestamp}.
 * A lookup hits when path + size + mtime match, or, for a renamed or copied
 * but unchanged file, when the content hash matches; an entry computed with
 * fewer metric groups than requested, or with NIMA or MUSIQ from other weights
 * (jv_iqa_cache_set_models), is a miss. Later lines win over earlier
 * ones. Unparseable lines (a torn last line from a killed writer, or garbage)
 * are skipped when loading, and a torn tail is cut before appending so the
 * next entry starts on its own line.
 *
 * The cache is safe to use from several threads (one mutex).
 */
#ifndef JV_IQA_CACHE_H
#define JV_IQA_CACHE_H

#include <jansson.h>

#define JV_IQA_METRICS_VERSION 1

/* Metric groups; a request or an entry is a bit set of these. */
enum jv_iqa_group {
    JV_IQA_BASIC = 1 << 0, /* basic signals + extras (always) */
    JV_IQA_TONAL = 1 << 1,
    JV_IQA_NIMA = 1 << 2,
    JV_IQA_MUSIQ = 1 << 3,
};

struct jv_iqa_cache;

/*
 * Opens the cache at `path` (created on first append), loading existing
 * entries. `readonly` opens without creating or appending.
 */
struct jv_iqa_cache *jv_iqa_cache_open(const char *path, bool readonly, GError **err);
void jv_iqa_cache_free(struct jv_iqa_cache *c);

/* True when the file existed when opened. */
bool jv_iqa_cache_existed(const struct jv_iqa_cache *c);

/*
 * Looks an image up. `path` is absolute; `content_hash` as from
 * jv_hash_file(). Returns a new reference to the entry, or NULL on a miss.
 * Counts the hit or miss.
 */
json_t *jv_iqa_cache_lookup(struct jv_iqa_cache *c, const char *path, int64_t size,
                            int64_t mtime_ns, const char *content_hash, unsigned groups);

/*
 * Appends an entry (one write of a whole line) and indexes it. Borrows
 * technical_signals. Returns 0 or -1 with err.
 */
int jv_iqa_cache_store(struct jv_iqa_cache *c, const char *path, int64_t size, int64_t mtime_ns,
                       const char *content_hash, unsigned groups, int width, int height,
                       const json_t *technical_signals, GError **err);

/*
 * What computes the neural groups in this run (strings copied; NULL: that group is not
 * computed). Each entry stored records them under "models", and a lookup that asks for
 * JV_IQA_NIMA or JV_IQA_MUSIQ hits only an entry whose group came from the same weights
 * (the same file content, or the same service): values from another checkpoint are not
 * reused. Entries without "models" (older caches) miss for those groups. Never called
 * (as in --stage critique, which computes nothing): not checked.
 */
void jv_iqa_cache_set_models(struct jv_iqa_cache *c, const char *nima, const char *musiq);

/* fsync the file (stage end). */
void jv_iqa_cache_sync(struct jv_iqa_cache *c);

/* {hits, misses, hit_ratio, entries, path} (new reference). */
json_t *jv_iqa_cache_stats(const struct jv_iqa_cache *c);
size_t jv_iqa_cache_hits(const struct jv_iqa_cache *c);
size_t jv_iqa_cache_misses(const struct jv_iqa_cache *c);

/* The groups as {"basic":..,"tonal":..,"nima":..,"musiq":..} (new reference) and back. */
json_t *jv_iqa_groups_to_json(unsigned groups);
unsigned jv_iqa_groups_from_json(const json_t *enabled);

#endif
