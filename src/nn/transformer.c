/* transformer.c - layer norm, GELU, softmax, dense and attention for MUSIQ. */
#include "core/jv.h"

#include "nn/transformer.h"

#include <math.h>

#include "nn/gemm.h"
#include "nn/pool.h"

#define ROW_BLOCK 128 /* rows per dense task */
#define ATT_BLOCK 256 /* query rows per attention item: keys and values packed once per block */

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

/*
 * e^x for x <= 0, as softmax needs it once the maximum is subtracted: Cephes'
 * expf (Cody-Waite reduction by ln 2, degree-6 polynomial, about 1 ulp) in
 * plain C without a library call, so the loop below stays cheap. Below -87
 * the result is clamped to about 1.6e-38, nothing beside the maximum's 1.
 */
static inline float exp_nonpos(float x)
{
    x = x < -87.0f ? -87.0f : x;
    const float shifter = 12582912.0f; /* 1.5 * 2^23: adding it rounds to an integer */
    float n = (x * 1.44269504088896341f + shifter) - shifter;
    float r = x - n * 0.693359375f;
    r = r + n * 2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    float e = p * r * r + r + 1.0f;
    int32_t bits = ((int32_t)n + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return e * scale;
}

/*
 * tanh(u) from e^(-2|u|) = t: (1 - t) / (1 + t), the sign put back. For tiny |u|
 * the quotient loses relative precision, but GELU adds it to 1, where the
 * absolute error (about 1e-7) is all that counts.
 */
static inline float tanh_for_gelu(float u)
{
    float t = exp_nonpos(-2.0f * fabsf(u));
    float r = (1.0f - t) / (1.0f + t);
    return u < 0 ? -r : r;
}

void jv_tf_gelu(float *x, size_t n)
{
    const float k = 0.7978845608028654f; /* sqrt(2 / pi) */
    for (size_t i = 0; i < n; i++) {
        float v = x[i];
        x[i] = v * 0.5f * (1.0f + tanh_for_gelu(k * (v + 0.044715f * v * v * v)));
    }
}

void jv_tf_softmax(float *x, int n)
{
    float mx = -INFINITY;
    for (int i = 0; i < n; i++)
        mx = x[i] > mx ? x[i] : mx;
    /* Eight partial sums: no single long dependency chain, and a pairwise-like error. */
    float part[8] = {0};
    int i = 0;
    for (; i + 8 <= n; i += 8)
        for (int k = 0; k < 8; k++) {
            float e = exp_nonpos(x[i + k] - mx);
            x[i + k] = e;
            part[k] += e;
        }
    for (; i < n; i++) {
        float e = exp_nonpos(x[i] - mx);
        x[i] = e;
        part[0] += e;
    }
    double sum = 0;
    for (int k = 0; k < 8; k++)
        sum += part[k];
    float inv = (float)(1.0 / sum);
    for (i = 0; i < n; i++)
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
    float *s = g_new(float, (size_t)ATT_BLOCK * j->n_kv);
    for (int it = task; it < j->items; it += j->stride) {
        int h = it % j->heads, blk = it / j->heads;
        int r0 = blk * ATT_BLOCK, n = MIN(ATT_BLOCK, j->n_q - r0);
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
    int items = (n_q + ATT_BLOCK - 1) / ATT_BLOCK * heads;
    int stride = MAX(1, MIN(jv_tf_participants(pool), items));
    struct attn_job j = {q, kt, v, ldq, ldv, n_q, n_kv, heads, depth, items, stride};
    jv_nn_parallel_for(pool, stride, attn_task, &j);
}
