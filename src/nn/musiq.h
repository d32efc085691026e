/*
 * musiq.h - MUSIQ, the multi-scale image quality transformer (Ke et al. 2021),
 * run from the official checkpoints (spaq_ckpt.npz, koniq_ckpt.npz,
 * paq2piq_ckpt.npz, ava_ckpt.npz) without an ML framework.
 *
 * The model, as google-research musiq/model/multiscale_transformer.py builds
 * it, parameters under "opt/target/" in the .npz:
 *   patch embedding: each 32x32x3 patch through a small ResNet v1 with
 *     weight-standardised convolutions (w - mean) / (std + 1e-5) over
 *     (H, W, in) and GroupNorm with 32 groups: conv_root 7x7/2 to 64 channels,
 *     gn_root (eps 1e-6), ReLU, max-pool 3x3/2 SAME, then block1/unit1, a
 *     bottleneck unit to 256 channels (conv_proj+gn_proj on the residual;
 *     conv1 1x1, conv2 3x3, conv3 1x1 with gn1..gn3, eps 1e-4); the 8x8x256
 *     result flattened through the Dense "embedding" to the hidden size;
 *   Transformer: + posembed_input/pos_embedding[hashed position] +
 *     scaleembed_input/scale_embedding[scale]; the "cls" token first;
 *     encoderblock_0..N-1, each LayerNorm_0, multi-head self-attention
 *     (MultiHeadDotProductAttention_1, query/key/value/out), LayerNorm_2,
 *     MlpBlock_3 (Dense_0, tanh-GELU, Dense_1), residuals; encoder_norm;
 *   head: Dense on the cls token. One output: the score itself; several
 *     (AVA: 10): softmax, then the mean over the classes 1..n.
 * The hidden size, layer count, heads, MLP width and classes are read from
 * the tensor shapes (the official models: 384, 14, 6, 1152, 1 or 10) and
 * checked against each other; LayerNorm eps is 1e-6.
 *
 * Ownership: jv_musiq_load() returns an owned model (jv_musiq_free()); it is
 * read-only afterwards, so one model serves every worker thread at once. The
 * weights are copied out of the file once (about 110 MB for the official
 * models; the optimizer state in the file is never read).
 */
#ifndef JV_NN_MUSIQ_H
#define JV_NN_MUSIQ_H

#include <stdint.h>

#include <glib.h>

#include "nn/musiq_prep.h"

struct jv_musiq;
struct jv_nn_pool;

/* Loads the checkpoint at `path`. NULL with `err` naming the file and the tensor. */
struct jv_musiq *jv_musiq_load(const char *path, GError **err);

/* Number of outputs of the head (1, or 10 for AVA). */
int jv_musiq_classes(const struct jv_musiq *m);

/*
 * The score of a packed 8-bit RGB image (borrowed), on the caller's thread and
 * the helpers of `pool` (nn/pool.h; borrowed, nullable).
 * Returns 0 and sets *score, or -1 with `err`.
 */
int jv_musiq_score(const struct jv_musiq *m, const uint8_t *rgb, int width, int height,
                   struct jv_nn_pool *pool, double *score, GError **err);

/* The same from a prepared input (tests compare stages with a reference). */
double jv_musiq_score_input(const struct jv_musiq *m, const struct jv_musiq_input *in,
                            struct jv_nn_pool *pool);

void jv_musiq_free(struct jv_musiq *m);

#endif
