/* models.h - the weight files the neural metrics use: names, default folder, download addresses.
 *
 * One table for `judge-vision models`, for Stage 1 (which looks the files up)
 * and for the documentation: NIMA's two Keras HDF5 files from
 * idealo/image-quality-assessment and MUSIQ's four .npz checkpoints from
 * google-research/musiq. Files are looked up in a folder given on the command
 * line (--nima-weights DIR, --musiq-weights) or else in the default folder,
 * $XDG_DATA_HOME/judge-vision/models/ (~/.local/share/judge-vision/models/
 * without XDG_DATA_HOME).
 *
 * Ownership: the table is static; functions returning char * return owned
 * strings (g_free).
 */
#ifndef JV_NN_MODELS_H
#define JV_NN_MODELS_H

#include "core/jv.h"

struct jv_model_file {
    const char *model;  /* "nima_aesthetic", "nima_technical", "musiq_spaq", ... */
    const char *file;   /* the file name looked for */
    const char *option; /* the option that names its folder or file */
    const char *url;    /* official download address */
    const char *about;
};

/* The table, `*n` entries. */
const struct jv_model_file *jv_model_files(size_t *n);
/* The entry of `model`, or NULL. */
const struct jv_model_file *jv_model_file(const char *model);
/* $XDG_DATA_HOME/judge-vision/models (GLib's user data folder). */
char *jv_models_default_dir(void);
/* `dir` (nullable: the default folder) joined with the file of `model`. */
char *jv_model_path(const char *dir, const char *model);
/* The SHA-256 of a file as 64 hex digits (GChecksum, read in blocks), or NULL with `err`. */
char *jv_model_sha256(const char *path, GError **err);

#endif
