/* models.c - the table of neural weight files (see models.h). */
#include "nn/models.h"

#include <gio/gio.h>

#define NIMA_URL  "https://github.com/idealo/image-quality-assessment/raw/master/models/MobileNet/"
#define MUSIQ_URL "https://storage.googleapis.com/gresearch/musiq/"

static const struct jv_model_file files[] = {
    {"nima_aesthetic", "weights_mobilenet_aesthetic_0.07.hdf5", "--nima-weights",
     NIMA_URL "weights_mobilenet_aesthetic_0.07.hdf5", "NIMA aesthetic (MobileNet, AVA)"},
    {"nima_technical", "weights_mobilenet_technical_0.11.hdf5", "--nima-weights",
     NIMA_URL "weights_mobilenet_technical_0.11.hdf5", "NIMA technical (MobileNet, TID2013)"},
    {"musiq_spaq", "spaq_ckpt.npz", "--musiq-weights", MUSIQ_URL "spaq_ckpt.npz",
     "MUSIQ trained on SPAQ (the Python version's model)"},
    {"musiq_koniq", "koniq_ckpt.npz", "--musiq-weights", MUSIQ_URL "koniq_ckpt.npz",
     "MUSIQ trained on KonIQ-10k"},
    {"musiq_paq2piq", "paq2piq_ckpt.npz", "--musiq-weights", MUSIQ_URL "paq2piq_ckpt.npz",
     "MUSIQ trained on PaQ-2-PiQ"},
    {"musiq_ava", "ava_ckpt.npz", "--musiq-weights", MUSIQ_URL "ava_ckpt.npz",
     "MUSIQ trained on AVA (10 classes)"},
};

const struct jv_model_file *jv_model_files(size_t *n)
{
    *n = JV_ARRAY_LEN(files);
    return files;
}

const struct jv_model_file *jv_model_file(const char *model)
{
    for (size_t i = 0; i < JV_ARRAY_LEN(files); i++)
        if (strcmp(files[i].model, model) == 0)
            return &files[i];
    return NULL;
}

char *jv_models_default_dir(void)
{
    return g_build_filename(g_get_user_data_dir(), "judge-vision", "models", NULL);
}

char *jv_model_path(const char *dir, const char *model)
{
    const struct jv_model_file *f = jv_model_file(model);
    if (!f)
        return NULL;
    if (dir)
        return g_build_filename(dir, f->file, NULL);
    char *d = jv_models_default_dir();
    char *p = g_build_filename(d, f->file, NULL);
    g_free(d);
    return p;
}

char *jv_model_sha256(const char *path, GError **err)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        g_set_error(err, JV_ERROR, errno == ENOENT ? JV_ERR_NOT_FOUND : JV_ERR_IO,
                    "cannot read %s: %s", path, g_strerror(errno));
        return NULL;
    }
    GChecksum *sum = g_checksum_new(G_CHECKSUM_SHA256);
    guchar buf[1 << 16];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, fp)) > 0)
        g_checksum_update(sum, buf, (gssize)got);
    bool bad = ferror(fp) != 0;
    fclose(fp);
    char *hex = bad ? NULL : g_strdup(g_checksum_get_string(sum));
    g_checksum_free(sum);
    if (bad)
        g_set_error(err, JV_ERROR, JV_ERR_IO, "cannot read %s", path);
    return hex;
}
