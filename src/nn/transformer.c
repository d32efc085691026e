/* transformer.c - layer norm, GELU, softmax, dense and attention for MUSIQ. */
#include "core/jv.h"

#include "nn/transformer.h"

#include <math.h>

#include "nn/gemm.h"
#include "nn/pool.h"

#define ROW_BLOCK 64

int jv_tf_participants(const struct jv_nn_pool *pool)
{
    return jv_nn_pool_threads(pool) + 1;
}

void jv_tf_layer_norm(const float *x, int rows, int dim, const float *scale, const float *bias,
                      float eps, float *out)
{
    for (int r = 0; r < rows; r++) {
        const float *xr = x + (size_t)r * dim;
        float *o = out + (size_t)r * dim;
        double s = 0, s2 = 0;
        for (int i = 0; i < dim; i++) {
            s += xr[i];
            s2 += (double)xr[i] * xr[i];
        }
        double mean = s / dim, var = s2 / dim - mean * mean;
        float inv = (float)(1.0 / sqrt(MAX(var, 0.0) + eps)), m = (float)mean;
        for (int i = 0; i < dim; i++)
            o[i] = (xr[i] - m) * inv * scale[i] + bias[i];
    }
}

void jv_tf_gelu(float *x, size_t n)
{
    const float k = 0.7978845608028654f; /* sqrt(2 / pi) */
    for (size_t i = 0; i < n; i++) {
        float v = x[i];
        x[i] = v * 0.5f * (1.0f + tanhf(k * (v + 0.044715f * v * v * v)));
    }
}

void jv_tf_softmax(float *x, int n)
{
    float mx = -INFINITY;
    for (int i = 0; i < n; i++)
        mx = MAX(mx, x[i]);
    double sum = 0;
    for (int i = 0; i < n; i++) {
        x[i] = expf(x[i] - mx);
        sum += x[i];
    }
    float inv = (float)(1.0 / sum);
    for (int i = 0; i < n; i++)
        x[i] *= inv;
}

struct dense_job {
    const float *x, *w, *b;
    float *y;
    int ldx, ldy, rows, in, out;
    bool accumulate;
};

static void dense_task(int task, void *ctx)
{
    const struct dense_job *j = ctx;
    int r0 = task * ROW_BLOCK, n = MIN(ROW_BLOCK, j->rows - r0);
    float *y = j->y + (size_t)r0 * j->ldy;
    jv_gemm(n, j->out, j->in, j->x + (size_t)r0 * j->ldx, j->ldx, j->w, j->out, y, j->ldy,
            j->accumulate);
    if (j->b)
        for (int r = 0; r < n; r++)
            for (int c = 0; c < j->out; c++)
                y[(size_t)r * j->ldy + c] += j->b[c];
}

void jv_tf_dense(const float *x, int ldx, int rows, int in, const float *w, const float *b, int out,
                 float *y, int ldy, bool accumulate, struct jv_nn_pool *pool)
{
    struct dense_job j = {x, w, b, y, ldx, ldy, rows, in, out, accumulate};
    jv_nn_parallel_for(pool, (rows + ROW_BLOCK - 1) / ROW_BLOCK, dense_task, &j);
}

struct attn_job {
    float *q;
    const float *kt, *v;
    int ldq, ldv, n_q, n_kv, heads, depth, items, stride;
};

/*
 * One thread's share of (head, block of query rows) items, strided: for each,
 * S = Q Kt, softmax per row, Q <- S V. One score buffer per thread.
 */
static void attn_task(int task, void *ctx)
{
    const struct attn_job *j = ctx;
    float *s = g_new(float, (size_t)ROW_BLOCK * j->n_kv);
    for (int it = task; it < j->items; it += j->stride) {
        int h = it % j->heads, blk = it / j->heads;
        int r0 = blk * ROW_BLOCK, n = MIN(ROW_BLOCK, j->n_q - r0);
        float *qh = j->q + (size_t)r0 * j->ldq + (size_t)h * j->depth;
        jv_gemm(n, j->n_kv, j->depth, qh, j->ldq, j->kt + (size_t)h * j->depth * j->n_kv, j->n_kv,
                s, j->n_kv, false);
        for (int r = 0; r < n; r++)
            jv_tf_softmax(s + (size_t)r * j->n_kv, j->n_kv);
        jv_gemm(n, j->depth, j->n_kv, s, j->n_kv, j->v + (size_t)h * j->depth, j->ldv, qh, j->ldq,
                false);
    }
    g_free(s);
}

void jv_tf_attention(float *q, int ldq, int n_q, const float *kt, const float *v, int ldv, int n_kv,
                     int heads, int depth, struct jv_nn_pool *pool)
{
    int items = (n_q + ROW_BLOCK - 1) / ROW_BLOCK * heads;
    int stride = MAX(1, MIN(jv_tf_participants(pool), items));
    struct attn_job j = {q, kt, v, ldq, ldv, n_q, n_kv, heads, depth, items, stride};
    jv_nn_parallel_for(pool, stride, attn_task, &j);
}
