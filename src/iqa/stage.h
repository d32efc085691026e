/*
 * stage.h - Stage 0 (compliance) and Stage 1 (deterministic IQA) of one
 * image, both halves: the measurement on a pool of worker threads
 * (--iqa-workers) and the finish on the caller's thread (the IQA service's
 * figures merged, notes, tonal summary, the cache entry). Each worker reads
 * its file once (the bytes hashed are the bytes decoded) and holds at most
 * one decoded image; the decoded images of all workers share one budget
 * (--iqa-memory, file bytes + width x height x 3): a worker waits until its
 * image fits, and one image is always allowed, so memory stays bounded by
 * the budget or the largest single image, whichever is more.
 *
 * Ownership: the stage borrows its config, competition, cache and the resume
 * callback's user for its lifetime. Items are the caller's (usually embedded
 * in a larger struct): pushed items are borrowed by the stage until they come
 * back on `done`; the item's contents are released with
 * jv_iqa_item_release().
 */
#ifndef JV_IQA_STAGE_H
#define JV_IQA_STAGE_H

#include <jansson.h>

#include "core/budget.h"
#include "core/hash.h"
#include "iqa/cache.h"
#include "iqa/neural.h"

/*
 * The default pixel limit: above every camera sold today (medium format
 * reaches 100-151 MP), below the 225 MP decompression bombs that weigh under
 * 1 MB and decode to 0.7 GiB. Stitched panoramas may need more.
 */
#define JV_IQA_DEFAULT_MAX_MP 160
/* The default memory budget of decoded images across all workers. */
#define JV_IQA_DEFAULT_MEMORY_MIB 1024

/* Stage 0-1's settings. Strings are owned by whoever fills the struct. */
struct jv_iqa_config {
    int workers;           /* images measured in parallel */
    double max_megapixels; /* larger images are refused before decoding */
    int memory_mib;        /* budget of file + decoded bytes held at once, all workers */
    bool disable_musiq, disable_nima, disable_tonal;
    char *service_url;   /* NIMA/MUSIQ service; NULL = none */
    char *nima_weights;  /* folder of NIMA's .hdf5 files; NULL = the default (nn/models.h) */
    char *musiq_weights; /* MUSIQ's .npz checkpoint; NULL = the default folder's */
    int service_concurrency;
    char *category_override; /* --critique-category: this category for every image */
};

/* One image's Stage 0-1: what was found and measured. */
struct jv_iqa_item {
    char *path;      /* absolute, as the file system has it (owned) */
    char *path_utf8; /* the same for JSON: jv_path_utf8() (owned) */
    int64_t size, mtime_ns;
    char content_hash[JV_CONTENT_HASH_LEN];
    int width, height; /* -1 when unknown */
    const char *mime;  /* static string */
    char *title;       /* embedded title, nullable */
    char *category;
    json_t *compliance; /* Stage 0 */
    json_t *signals;    /* technical_signals {metrics, notes, tonal_summary} */
    unsigned groups;    /* metric groups computed */
    char *error;        /* why Stage 0-1 failed (unreadable image), nullable */
    bool cache_hit;
    bool needs_store; /* a fresh measurement for the IQA cache */
    bool resumed;     /* the previous run's ok record stands: nothing measured */
    double stage1_s;
    double iqa_started, iqa_finished; /* wall clock */
};

/* Sets path and path_utf8 (copies) and clears the rest. */
void jv_iqa_item_init(struct jv_iqa_item *it, const char *path);
/* Frees the item's contents (not the item). */
void jv_iqa_item_release(struct jv_iqa_item *it);

/*
 * Whether the previous run's record of `image` (with this content hash)
 * stands, so the image needs no work. Called from the worker threads: it
 * must be thread-safe (a lookup in a read-only index).
 */
typedef bool (*jv_iqa_resume_fn)(const char *image, const char *content_hash, void *user);

struct jv_competition;

struct jv_iqa_stage {
    const struct jv_iqa_config *cfg;
    const struct jv_competition *competition; /* nullable */
    struct jv_iqa_cache *cache;
    jv_iqa_resume_fn resume; /* nullable */
    void *resume_user;
    unsigned groups; /* metric groups wanted */
    bool cache_only; /* --stage critique: a cache miss is an error */
    GThreadPool *pool;
    GAsyncQueue *done; /* struct jv_iqa_item *, measured */
    volatile gint stop;
    struct jv_budget budget;     /* file + decoded bytes held by the workers (--iqa-memory) */
    struct jv_iqa_neural neural; /* where NIMA and MUSIQ come from; the native models */
    bool budget_ready;
};

/* Metric groups a run wants from its options and the neural sources (NIMA/MUSIQ only with a
 * source, native or service). `neural` is nullable: then only the service counts. */
unsigned jv_iqa_stage_groups(const struct jv_iqa_config *cfg, const struct jv_iqa_neural *neural);

/*
 * Decides the neural metrics' sources and loads the native models
 * (iqa/neural.h; a weight file that cannot be loaded is an error), then
 * starts the workers. `resume` (nullable) is asked after the content hash,
 * before anything is decoded.
 */
int jv_iqa_stage_start(struct jv_iqa_stage *st, const struct jv_iqa_config *cfg, bool cache_only,
                       const struct jv_competition *competition, struct jv_iqa_cache *cache,
                       jv_iqa_resume_fn resume, void *resume_user, GError **err);
/* Queues an item (borrowed); it comes back on st->done. */
void jv_iqa_stage_push(struct jv_iqa_stage *st, struct jv_iqa_item *it);
/* Stops the workers: queued items come back marked "interrupted", running ones finish. */
void jv_iqa_stage_stop(struct jv_iqa_stage *st);
/*
 * Waits for the workers, then hands every item still on `done` to `drop`
 * (nullable), which owns them from then on.
 */
void jv_iqa_stage_release(struct jv_iqa_stage *st, void (*drop)(struct jv_iqa_item *it));

/* True when the item should ask the IQA service for NIMA/MUSIQ before finishing. */
bool jv_iqa_stage_wants_service(const struct jv_iqa_stage *st, const struct jv_iqa_item *it);

/*
 * Merges the IQA service's answer into the item's metrics (borrows
 * `metrics`, nullable) and records its note (nullable) in the signals.
 */
void jv_iqa_item_merge_service(struct jv_iqa_item *it, const json_t *metrics, const char *note);

/*
 * Completes a measured item on the caller's thread: notes and tonal summary
 * from the final metrics (after any IQA-service merge), and the cache entry.
 * Does nothing for failed or resumed items.
 */
void jv_iqa_stage_finish(struct jv_iqa_stage *st, struct jv_iqa_item *it);

#endif
