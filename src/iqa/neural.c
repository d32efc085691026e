/* neural.c - the per-metric source table of Stage 1's neural metrics (see neural.h). */
#include "iqa/neural.h"

#include "core/hash.h"
#include "core/log.h"
#include "iqa/cache.h"
#include "iqa/musiq_source.h"
#include "nn/models.h"
#include "nn/nima.h"
#include "nn/pool.h"

static const char *const names[JV_IQA_M_N] = {"nima_aesthetic", "nima_technical", "musiq"};
static const char *const keys_aes[] = {"nima_aesthetic_mean", "nima_aesthetic_std", NULL};
static const char *const keys_tech[] = {"nima_technical_mean", "nima_technical_std", NULL};
static const char *const keys_musiq[] = {"musiq_mos", NULL};
static const char *const *const keys[JV_IQA_M_N] = {keys_aes, keys_tech, keys_musiq};

const char *jv_iqa_metric_name(enum jv_iqa_metric m)
{
    return names[m];
}

const char *const *jv_iqa_metric_keys(enum jv_iqa_metric m)
{
    return keys[m];
}

static unsigned group_of(enum jv_iqa_metric m)
{
    return m == JV_IQA_M_MUSIQ ? JV_IQA_MUSIQ : JV_IQA_NIMA;
}

/* NIMA as a native model: the worker's RGB in, mean and std of the 10 classes out. */
struct nima_native {
    struct jv_nima *net;
    const char *const *keys;
};

static int nima_measure(void *model, const uint8_t *rgb, int width, int height,
                        struct jv_nn_pool *pool, json_t *metrics, GError **err)
{
    const struct nima_native *nm = model;
    float probs[JV_NIMA_CLASSES];
    if (jv_nima_predict(nm->net, rgb, width, height, pool, probs) < 0) {
        g_set_error(err, JV_ERROR, JV_ERR_FAILED, "out of memory");
        return -1;
    }
    double mean, std;
    jv_nima_score(probs, &mean, &std);
    json_object_set_new(metrics, nm->keys[0], json_real(mean));
    json_object_set_new(metrics, nm->keys[1], json_real(std));
    return 0;
}

static void nima_free(void *model)
{
    struct nima_native *nm = model;
    jv_nima_free(nm->net);
    g_free(nm);
}

/* A weight file's identity for the IQA cache: its name and the XXH3-128 of its bytes. */
static char *file_ident(const char *path)
{
    char hash[JV_CONTENT_HASH_LEN];
    GError *err = NULL;
    char *base = g_path_get_basename(path);
    char *id = jv_hash_file(path, hash, &err) == 0 ? g_strdup_printf("%s %s", base, hash)
                                                   : g_strdup_printf("%s unreadable", base);
    g_clear_error(&err);
    g_free(base);
    return id;
}

/* One NIMA row: native when its file is in the folder, else left for the service. */
static int open_nima(struct jv_iqa_neural *n, enum jv_iqa_metric m, const char *dir, GError **err)
{
    char *path = jv_model_path(dir, names[m]);
    int rc = 0;
    if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
        n->why[m] = g_strdup_printf("no %s", path);
        goto out;
    }
    struct jv_nima *net = jv_nima_load(path, err);
    if (!net) {
        g_prefix_error(err, "%s: ", names[m]);
        rc = -1;
        goto out;
    }
    struct nima_native *nm = g_new0(struct nima_native, 1);
    nm->net = net;
    nm->keys = keys[m];
    struct jv_iqa_native native = {nm, nima_measure, nima_free, NULL};
    native.detail = g_strdup_printf("%s, head '%s'", path, jv_nima_head(net));
    jv_log_event(JV_LOG_INFO, "nima_loaded",
                 json_pack("{s:s, s:s, s:s, s:I}", "metric", names[m], "file", path, "dense_head",
                           jv_nima_head(net), "bytes", (json_int_t)jv_nima_bytes(net)));
    jv_iqa_neural_plug(n, m, &native);
    n->ident[m] = file_ident(path);
out:
    g_free(path);
    return rc;
}

/* MUSIQ's native row (iqa/musiq_source.h): plugged in when its checkpoint is found. */
static int open_musiq(struct jv_iqa_neural *n, const struct jv_iqa_neural_opts *cfg, GError **err)
{
    char *path = jv_iqa_musiq_find(cfg->musiq_weights, &n->why[JV_IQA_M_MUSIQ]);
    if (!path)
        return 0;
    struct jv_iqa_native native = {NULL, jv_iqa_musiq_measure, jv_iqa_musiq_free, NULL};
    native.model = jv_iqa_musiq_load(path, &native.detail, err);
    if (!native.model) {
        g_free(path);
        g_prefix_error(err, "musiq: ");
        return -1;
    }
    jv_iqa_neural_plug(n, JV_IQA_M_MUSIQ, &native);
    n->ident[JV_IQA_M_MUSIQ] = file_ident(path);
    g_free(path);
    return 0;
}

void jv_iqa_neural_plug(struct jv_iqa_neural *n, enum jv_iqa_metric m,
                        const struct jv_iqa_native *model)
{
    if (n->native[m].free)
        n->native[m].free(n->native[m].model);
    g_free(n->native[m].detail);
    n->native[m] = *model;
    n->source[m] = JV_IQA_SRC_NATIVE;
    g_clear_pointer(&n->why[m], g_free);
    g_clear_pointer(&n->ident[m], g_free);
}

int jv_iqa_neural_open(struct jv_iqa_neural *n, const struct jv_iqa_neural_opts *cfg, GError **err)
{
    memset(n, 0, sizeof *n);
    bool off[JV_IQA_M_N] = {cfg->disable_nima, cfg->disable_nima, cfg->disable_musiq};
    if (!cfg->disable_nima)
        for (int m = JV_IQA_M_NIMA_AESTHETIC; m <= JV_IQA_M_NIMA_TECHNICAL; m++)
            if (open_nima(n, (enum jv_iqa_metric)m, cfg->nima_weights, err) < 0)
                goto fail;
    if (!cfg->disable_musiq && open_musiq(n, cfg, err) < 0)
        goto fail;
    if (cfg->service_url && *cfg->service_url)
        n->service_url = g_strdup(cfg->service_url);
    for (int m = 0; m < JV_IQA_M_N; m++) {
        if (off[m])
            n->source[m] = JV_IQA_SRC_DISABLED;
        else if (n->source[m] != JV_IQA_SRC_NATIVE)
            n->source[m] = n->service_url ? JV_IQA_SRC_SERVICE : JV_IQA_SRC_ABSENT;
    }
    /* Helpers for the cores Stage 1's workers leave free: never more threads than CPUs. */
    bool any = n->source[0] == JV_IQA_SRC_NATIVE || n->source[1] == JV_IQA_SRC_NATIVE ||
               n->source[2] == JV_IQA_SRC_NATIVE;
    if (any && !(n->pool = jv_nn_pool_new(jv_nn_pool_helpers(cfg->workers), err)))
        goto fail;
    return 0;
fail:
    jv_iqa_neural_release(n);
    return -1;
}

char *jv_iqa_neural_ident(const struct jv_iqa_neural *n, unsigned group)
{
    GString *id = g_string_new(NULL);
    for (int m = 0; m < JV_IQA_M_N; m++) {
        if (!(group_of((enum jv_iqa_metric)m) & group))
            continue;
        const char *what = NULL;
        char *owned = NULL;
        if (n->source[m] == JV_IQA_SRC_NATIVE)
            what = n->ident[m]
                       ? n->ident[m]
                       : (owned = g_strdup_printf("native %s",
                                                  n->native[m].detail ? n->native[m].detail : "?"));
        else if (n->source[m] == JV_IQA_SRC_SERVICE)
            what = owned = g_strdup_printf("service %s", n->service_url);
        if (what)
            g_string_append_printf(id, "%s%s: %s", id->len ? "; " : "", names[m], what);
        g_free(owned);
    }
    return id->len ? g_string_free(id, FALSE) : (g_string_free(id, TRUE), NULL);
}

void jv_iqa_neural_release(struct jv_iqa_neural *n)
{
    for (int m = 0; m < JV_IQA_M_N; m++) {
        if (n->native[m].free)
            n->native[m].free(n->native[m].model);
        g_free(n->native[m].detail);
        g_free(n->why[m]);
        g_free(n->ident[m]);
    }
    g_free(n->service_url);
    g_free(n->service_down);
    jv_nn_pool_free(n->pool);
    memset(n, 0, sizeof *n);
}

void jv_iqa_neural_service_down(struct jv_iqa_neural *n, const char *why)
{
    g_free(n->service_down);
    n->service_down = g_strdup_printf("IQA service %s unavailable: %s", n->service_url, why);
    for (int m = 0; m < JV_IQA_M_N; m++)
        if (n->source[m] == JV_IQA_SRC_SERVICE)
            n->source[m] = JV_IQA_SRC_ABSENT;
}

bool jv_iqa_neural_group_has(const struct jv_iqa_neural *n, unsigned group,
                             enum jv_iqa_source source)
{
    for (int m = 0; m < JV_IQA_M_N; m++)
        if ((group_of((enum jv_iqa_metric)m) & group) && n->source[m] == source)
            return true;
    return false;
}

unsigned jv_iqa_neural_measure(const struct jv_iqa_neural *n, const uint8_t *rgb, int width,
                               int height, json_t *metrics, json_t *notes)
{
    unsigned groups = 0;
    for (int m = 0; m < JV_IQA_M_N; m++) {
        const struct jv_iqa_native *nv = &n->native[m];
        if (n->source[m] != JV_IQA_SRC_NATIVE)
            continue;
        GError *err = NULL;
        if (nv->measure(nv->model, rgb, width, height, n->pool, metrics, &err) == 0) {
            groups |= group_of((enum jv_iqa_metric)m);
        } else {
            if (notes)
                json_array_append_new(notes, json_sprintf("%s: %s", names[m], err->message));
            g_error_free(err);
        }
    }
    return groups;
}

void jv_iqa_neural_filter(const struct jv_iqa_neural *n, json_t *reply)
{
    if (!reply)
        return;
    for (int m = 0; m < JV_IQA_M_N; m++)
        if (n->source[m] == JV_IQA_SRC_NATIVE)
            for (const char *const *k = keys[m]; *k; k++)
                json_object_del(reply, *k);
}

static char *describe(const struct jv_iqa_neural *n, int m)
{
    switch (n->source[m]) {
    case JV_IQA_SRC_NATIVE:
        return g_strdup_printf("native (%s)", n->native[m].detail ? n->native[m].detail : "");
    case JV_IQA_SRC_SERVICE:
        return g_strdup_printf("IQA service %s (%s)", n->service_url,
                               n->why[m] ? n->why[m] : "no weights");
    case JV_IQA_SRC_DISABLED:
        return g_strdup("disabled (--disable-nima/--disable-musiq)");
    default:
        return g_strdup_printf("absent: n/a in every prompt (%s; %s)",
                               n->why[m] ? n->why[m] : "no weights",
                               n->service_down ? n->service_down : "no --iqa-service-url");
    }
}

char **jv_iqa_neural_describe(const struct jv_iqa_neural *n)
{
    char **lines = g_new0(char *, JV_IQA_M_N + 1);
    for (int m = 0; m < JV_IQA_M_N; m++) {
        char *d = describe(n, m);
        lines[m] = g_strdup_printf("%s: %s", names[m], d);
        g_free(d);
    }
    return lines;
}

json_t *jv_iqa_neural_json(const struct jv_iqa_neural *n)
{
    static const char *const src[] = {"absent", "native", "service", "disabled"};
    json_t *o = json_object();
    for (int m = 0; m < JV_IQA_M_N; m++) {
        char *d = describe(n, m);
        json_object_set_new(o, names[m],
                            json_pack("{s:s, s:s}", "source", src[n->source[m]], "detail", d));
        g_free(d);
    }
    return o;
}
