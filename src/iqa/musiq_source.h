/*
 * musiq_source.h - MUSIQ computed here (src/nn/musiq.c) for Stage 1's neural
 * source table (iqa/neural.c plugs it in as MUSIQ's native row): finding the
 * checkpoint, loading it, scoring a photo into musiq_mos.
 *
 * The weights: --musiq-weights FILE.npz, else the first of spaq_ckpt.npz,
 * koniq_ckpt.npz, paq2piq_ckpt.npz, ava_ckpt.npz found in the default model
 * folder (nn/models.h: $XDG_DATA_HOME/judge-vision/models, or
 * ~/.local/share/judge-vision/models). The Python version used SPAQ, hence
 * the order. A file that is there but cannot be loaded is an error naming
 * the file and the tensor; no file leaves the row to the IQA service.
 *
 * Ownership: jv_iqa_musiq_load() returns an owned model (jv_iqa_musiq_free());
 * it is read-only and shared by every Stage 1 worker.
 */
#ifndef JV_IQA_MUSIQ_SOURCE_H
#define JV_IQA_MUSIQ_SOURCE_H

#include <jansson.h>
#include <stdint.h>

#include <glib.h>

struct jv_nn_pool;

/* The models of nn/models.h searched for, in order; NULL-terminated. */
extern const char *const jv_iqa_musiq_models[];

/*
 * The checkpoint to use: `path` when given, else the first default one
 * present (owned). NULL when none is found, with *why (owned) saying where
 * it looked.
 */
char *jv_iqa_musiq_find(const char *path, char **why);

/*
 * Loads the checkpoint at `path`; *detail (owned) describes it for the
 * source table ("FILE, 1 output"). NULL with `err` naming the file and the
 * tensor.
 */
void *jv_iqa_musiq_load(const char *path, char **detail, GError **err);

/* Scores a packed RGB photo (borrowed) and sets "musiq_mos" in `metrics`; 0 or -1 with `err`.
 * The signature of struct jv_iqa_native's measure hook. */
int jv_iqa_musiq_measure(void *model, const uint8_t *rgb, int width, int height,
                         struct jv_nn_pool *pool, json_t *metrics, GError **err);

void jv_iqa_musiq_free(void *model);

#endif
