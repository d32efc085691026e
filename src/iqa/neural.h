/*
 * neural.h - where each neural metric of Stage 1 comes from (doc/SPEC.md 2.5).
 *
 * One row per metric (nima_aesthetic, nima_technical, musiq), each with a
 * source, in this order of preference: native (our own inference, src/nn/,
 * when its weight file is found), else the IQA service (--iqa-service-url),
 * else absent ("n/a" in prompts), or disabled (--disable-nima/-musiq). The
 * run prints the table before the first photo, so an "n/a" is never silent.
 *
 * A native metric is a struct jv_iqa_native: an opaque model and a measure
 * function the workers call on the decoded RGB pixels of each photo. NIMA's
 * two rows are filled here from --nima-weights; MUSIQ's row plugs in with
 * one call of jv_iqa_neural_plug() from open_musiq() in neural.c.
 *
 * Ownership: the table owns its native models (freed by
 * jv_iqa_neural_release()) and the helper-thread pool they share; models
 * are read-only once loaded, so every worker uses them at once.
 */
#ifndef JV_IQA_NEURAL_H
#define JV_IQA_NEURAL_H

#include <jansson.h>

#include "core/jv.h"

struct jv_nn_pool;

/* What the table is decided from (Stage 1's settings; strings borrowed). */
struct jv_iqa_neural_opts {
    const char *nima_weights;  /* folder, NULL = the default (nn/models.h) */
    const char *musiq_weights; /* checkpoint file, NULL = the default folder's */
    bool disable_nima, disable_musiq;
    const char *service_url; /* nullable */
    int workers;             /* Stage 1's worker threads (the helpers get the other CPUs) */
};

enum jv_iqa_metric { JV_IQA_M_NIMA_AESTHETIC, JV_IQA_M_NIMA_TECHNICAL, JV_IQA_M_MUSIQ, JV_IQA_M_N };

enum jv_iqa_source {
    JV_IQA_SRC_ABSENT,
    JV_IQA_SRC_NATIVE,
    JV_IQA_SRC_SERVICE,
    JV_IQA_SRC_DISABLED
};

/*
 * A native model: measure() runs on a worker thread, concurrently with other
 * workers, and adds its keys (as reals) to `metrics` (borrowed); it returns
 * 0, or -1 with `err`. free() releases the model.
 */
struct jv_iqa_native {
    void *model;
    int (*measure)(void *model, const uint8_t *rgb, int width, int height, struct jv_nn_pool *pool,
                   json_t *metrics, GError **err);
    void (*free)(void *model);
    char *detail; /* owned: what was loaded, e.g. "FILE (head 'dense_1')" */
};

struct jv_iqa_neural {
    enum jv_iqa_source source[JV_IQA_M_N];
    struct jv_iqa_native native[JV_IQA_M_N];
    char *why[JV_IQA_M_N];   /* owned, nullable: why not native */
    char *ident[JV_IQA_M_N]; /* owned, nullable: the weight file's name and content hash */
    char *service_url;       /* owned copy, nullable */
    char *service_down;      /* owned, nullable: why the service is not used after all */
    struct jv_nn_pool *pool;
};

/* The metric's name in the table: "nima_aesthetic", "nima_technical", "musiq". */
const char *jv_iqa_metric_name(enum jv_iqa_metric m);
/* The metrics' keys it writes: e.g. {"nima_aesthetic_mean", "nima_aesthetic_std", NULL}. */
const char *const *jv_iqa_metric_keys(enum jv_iqa_metric m);

/*
 * Decides every row's source from `cfg` and loads the native models found.
 * A weight file that exists but cannot be loaded is an error (naming the
 * file and the tensor): a user who put it there wants it used. Returns 0 or
 * -1 with `err`; on error the table is released.
 */
int jv_iqa_neural_open(struct jv_iqa_neural *n, const struct jv_iqa_neural_opts *cfg, GError **err);
void jv_iqa_neural_release(struct jv_iqa_neural *n);

/*
 * What computes a group's metrics (JV_IQA_NIMA or JV_IQA_MUSIQ) in this run, for the IQA
 * cache: each native metric's weight file by name and content hash, or the service's
 * address; NULL when none of the group's metrics is computed. Owned by the caller.
 */
char *jv_iqa_neural_ident(const struct jv_iqa_neural *n, unsigned group);

/* The hook for a native model: the row becomes native and owns `model` (copied struct). */
void jv_iqa_neural_plug(struct jv_iqa_neural *n, enum jv_iqa_metric m,
                        const struct jv_iqa_native *model);

/* The service turned out to be down: its rows become absent, saying why. */
void jv_iqa_neural_service_down(struct jv_iqa_neural *n, const char *why);

/* Whether any of the metric group's rows has `source` (group: JV_IQA_NIMA or JV_IQA_MUSIQ). */
bool jv_iqa_neural_group_has(const struct jv_iqa_neural *n, unsigned group,
                             enum jv_iqa_source source);

/*
 * Runs every native model on one photo (a worker's call): adds their keys to
 * `metrics` and returns the metric groups measured. A model that fails adds
 * "<metric>_error" to `notes` (nullable, a JSON array) instead.
 */
unsigned jv_iqa_neural_measure(const struct jv_iqa_neural *n, const uint8_t *rgb, int width,
                               int height, json_t *metrics, json_t *notes);

/* Removes from a service reply (borrowed) the keys of native rows, which are not replaced. */
void jv_iqa_neural_filter(const struct jv_iqa_neural *n, json_t *reply);

/* One line per row: "nima_aesthetic: native (FILE, head 'dense_1')" (owned array of owned
 * strings, g_strfreev). */
char **jv_iqa_neural_describe(const struct jv_iqa_neural *n);
/* The table as JSON {metric: {"source", "detail"?}} (new reference) for logs and manifests. */
json_t *jv_iqa_neural_json(const struct jv_iqa_neural *n);

#endif
