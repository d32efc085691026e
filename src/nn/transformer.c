/* transformer.c - layer norm, GELU, softmax, dense and attention for MUSIQ. */
#include "core/jv.h"

#include "nn/transformer.h"

#include <immintrin.h>
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

/*
 * The same e^x, eight lanes at a time with AVX2/FMA: the reduction and the
 * polynomial are the scalar one's, fused, so a lane differs from it by about
 * an ulp. Softmax and GELU spend most of MUSIQ's time outside the GEMMs here
 * (2,050 tokens: 350 M exponentials in the attention alone).
 */
__attribute__((target("avx2,fma"))) static inline __m256 exp_nonpos8(__m256 x)
{
    x = _mm256_max_ps(x, _mm256_set1_ps(-87.0f));
    const __m256 shifter = _mm256_set1_ps(12582912.0f);
    __m256 n =
        _mm256_sub_ps(_mm256_fmadd_ps(x, _mm256_set1_ps(1.44269504088896341f), shifter), shifter);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fmadd_ps(n, _mm256_set1_ps(2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    __m256 e = _mm256_add_ps(_mm256_fmadd_ps(_mm256_mul_ps(p, r), r, r), _mm256_set1_ps(1.0f));
    __m256i bits =
        _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(e, _mm256_castsi256_ps(bits));
}

/* Whether the AVX2 loops below may run: the CPU has them and no test forced the portable path. */
static bool use_avx2(void)
{
    static gsize once;
    static bool avx2;
    if (g_once_init_enter(&once)) {
        __builtin_cpu_init();
        avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
        g_once_init_leave(&once, 1);
    }
    return avx2 && strcmp(jv_gemm_kernel(), "portable") != 0;
}

static void gelu_scalar(float *x, size_t n)
{
    const float k = 0.7978845608028654f; /* sqrt(2 / pi) */
    for (size_t i = 0; i < n; i++) {
        float v = x[i];
        x[i] = v * 0.5f * (1.0f + tanh_for_gelu(k * (v + 0.044715f * v * v * v)));
    }
}

__attribute__((target("avx2,fma"))) static void gelu_avx2(float *x, size_t n)
{
    const __m256 k = _mm256_set1_ps(0.7978845608028654f), c = _mm256_set1_ps(0.044715f);
    const __m256 one = _mm256_set1_ps(1.0f), half = _mm256_set1_ps(0.5f);
    const __m256 sign = _mm256_set1_ps(-0.0f);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_loadu_ps(x + i);
        __m256 u = _mm256_mul_ps(k, _mm256_fmadd_ps(_mm256_mul_ps(c, v), _mm256_mul_ps(v, v), v));
        __m256 au = _mm256_andnot_ps(sign, u);
        __m256 t = exp_nonpos8(_mm256_mul_ps(_mm256_set1_ps(-2.0f), au));
        __m256 th = _mm256_div_ps(_mm256_sub_ps(one, t), _mm256_add_ps(one, t));
        th = _mm256_or_ps(th, _mm256_and_ps(sign, u)); /* tanh is odd: u's sign back */
        _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_mul_ps(v, half), _mm256_add_ps(one, th)));
    }
    gelu_scalar(x + i, n - i);
}

void jv_tf_gelu(float *x, size_t n)
{
    if (use_avx2())
        gelu_avx2(x, n);
    else
        gelu_scalar(x, n);
}

static void softmax_scalar(float *x, int n)
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

/* The scalar loop's eight partial sums are the vector's eight lanes. */
__attribute__((target("avx2,fma"))) static void softmax_avx2(float *x, int n)
{
    __m256 vmx = _mm256_set1_ps(-INFINITY);
    int i = 0;
    for (; i + 8 <= n; i += 8)
        vmx = _mm256_max_ps(vmx, _mm256_loadu_ps(x + i));
    float lanes[8];
    _mm256_storeu_ps(lanes, vmx);
    float mx = -INFINITY;
    for (int k = 0; k < 8; k++)
        mx = lanes[k] > mx ? lanes[k] : mx;
    for (; i < n; i++)
        mx = x[i] > mx ? x[i] : mx;
    __m256 m = _mm256_set1_ps(mx), part = _mm256_setzero_ps();
    for (i = 0; i + 8 <= n; i += 8) {
        __m256 e = exp_nonpos8(_mm256_sub_ps(_mm256_loadu_ps(x + i), m));
        _mm256_storeu_ps(x + i, e);
        part = _mm256_add_ps(part, e);
    }
    _mm256_storeu_ps(lanes, part);
    for (; i < n; i++) {
        float e = exp_nonpos(x[i] - mx);
        x[i] = e;
        lanes[0] += e;
    }
    double sum = 0;
    for (int k = 0; k < 8; k++)
        sum += lanes[k];
    __m256 inv = _mm256_set1_ps((float)(1.0 / sum));
    for (i = 0; i + 8 <= n; i += 8)
        _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), inv));
    for (; i < n; i++)
        x[i] *= (float)(1.0 / sum);
}

void jv_tf_softmax(float *x, int n)
{
    if (use_avx2())
        softmax_avx2(x, n);
    else
        softmax_scalar(x, n);
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
