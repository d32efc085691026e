/*
 * transformer.h - the transformer operations of MUSIQ: layer norm, GELU,
 * softmax, dense layers and multi-head attention, split over a thread pool.
 *
 * Conventions: row-major float matrices; a "dense" layer computes
 * Y[rows x out] = X[rows x in] . W[in x out] + b, W as Flax stores a Dense
 * kernel. Threads: each call that takes a pool (nn/pool.h, borrowed,
 * nullable: the caller's thread alone) splits its work into one task per
 * participant and returns when all are done. The caller owns every buffer;
 * nothing is retained.
 */
#ifndef JV_NN_TRANSFORMER_H
#define JV_NN_TRANSFORMER_H

#include <stdbool.h>
#include <stddef.h>

struct jv_nn_pool;

/* How many threads a loop on `pool` may run on: its helpers and the caller. */
int jv_tf_participants(const struct jv_nn_pool *pool);

/*
 * Flax LayerNorm over the last axis: (x - mean) / sqrt(var + eps) * scale +
 * bias, var = mean(x^2) - mean^2. `out` may equal `x`.
 */
void jv_tf_layer_norm(const float *x, int rows, int dim, const float *scale, const float *bias,
                      float eps, float *out);

/* GELU, tanh approximation (jax.nn.gelu's default), in place. */
void jv_tf_gelu(float *x, size_t n);

/* Softmax of one row in place (max subtracted first). */
void jv_tf_softmax(float *x, int n);

/*
 * Y (+)= X . W + b for `rows` rows (ld = row stride in floats for X and Y),
 * split in row blocks over the pool. `accumulate` adds to Y (a residual).
 */
void jv_tf_dense(const float *x, int ldx, int rows, int in, const float *w, const float *b, int out,
                 float *y, int ldy, bool accumulate, struct jv_nn_pool *pool);

/*
 * Multi-head self-attention without masks. q: n_q rows of `heads * depth`
 * (row stride ldq), already scaled by 1/sqrt(depth); kt: the keys transposed,
 * (heads * depth) rows of n_kv; v: n_kv rows (stride ldv). The result for each
 * query row overwrites that row of q (head h in columns h*depth..).
 */
void jv_tf_attention(float *q, int ldq, int n_q, const float *kt, const float *v, int ldv, int n_kv,
                     int heads, int depth, struct jv_nn_pool *pool);

#endif
