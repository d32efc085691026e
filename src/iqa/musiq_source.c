/* musiq_source.c - the native MUSIQ for Stage 1: the checkpoint found, loaded, and scoring. */
#include "core/jv.h"

#include "iqa/musiq_source.h"

#include "core/log.h"
#include "nn/models.h"
#include "nn/musiq.h"

const char *const jv_iqa_musiq_models[] = {"musiq_spaq", "musiq_koniq", "musiq_paq2piq",
                                           "musiq_ava", NULL};

char *jv_iqa_musiq_find(const char *path, char **why)
{
    *why = NULL;
    if (path)
        return g_strdup(path);
    for (int i = 0; jv_iqa_musiq_models[i]; i++) {
        char *p = jv_model_path(NULL, jv_iqa_musiq_models[i]);
        if (p && g_file_test(p, G_FILE_TEST_EXISTS))
            return p;
        g_free(p);
    }
    char *dir = jv_models_default_dir();
    *why = g_strdup_printf("no spaq_ckpt.npz, koniq_ckpt.npz, paq2piq_ckpt.npz or ava_ckpt.npz "
                           "in %s (--musiq-weights)",
                           dir);
    g_free(dir);
    return NULL;
}

void *jv_iqa_musiq_load(const char *path, char **detail, GError **err)
{
    gint64 t0 = g_get_monotonic_time();
    struct jv_musiq *m = jv_musiq_load(path, err);
    if (!m)
        return NULL;
    int c = jv_musiq_classes(m);
    *detail = g_strdup_printf("%s, %d output%s", path, c, c == 1 ? "" : "s, mean over the classes");
    jv_log_event(JV_LOG_INFO, "musiq_loaded",
                 json_pack("{s:s, s:i, s:f}", "file", path, "classes", c, "load_s",
                           (double)(g_get_monotonic_time() - t0) / 1e6));
    return m;
}

int jv_iqa_musiq_measure(void *model, const uint8_t *rgb, int width, int height,
                         struct jv_nn_pool *pool, json_t *metrics, GError **err)
{
    double score = 0;
    if (jv_musiq_score(model, rgb, width, height, pool, &score, err) < 0)
        return -1;
    json_object_set_new(metrics, "musiq_mos", json_real(score));
    return 0;
}

void jv_iqa_musiq_free(void *model)
{
    jv_musiq_free(model);
}
