/* conv.c - full, depthwise and pointwise convolutions (NHWC), with SIMD depthwise. */
#include "core/jv.h"

#include <immintrin.h>
#include <math.h>

#include "nn/conv.h"
#include "nn/gemm.h"

int jv_conv_out(int in, int k, int stride, int p0, int p1)
{
    return (in + p0 + p1 - k) / stride + 1;
}

void jv_bias_act(float *x, int rows, int n, const float *bias, enum jv_act act)
{
    for (int r = 0; r < rows; r++) {
        float *row = x + (size_t)r * n;
        for (int j = 0; j < n; j++) {
            float v = row[j] + bias[j];
            if (act == JV_ACT_RELU6)
                v = v < 0.0f ? 0.0f : v > 6.0f ? 6.0f : v;
            row[j] = v;
        }
    }
}

void jv_conv2d(const struct jv_conv_geom *g, const float *in, const struct jv_gemm_b *kernel,
               const float *bias, enum jv_act act, float *scratch, float *out,
               struct jv_nn_pool *pool)
{
    int kk = g->k * g->k * g->cin;
    for (int oy = 0; oy < g->oh; oy++)
        for (int ox = 0; ox < g->ow; ox++) {
            float *col = scratch + ((size_t)oy * g->ow + ox) * kk;
            for (int ky = 0; ky < g->k; ky++) {
                int iy = oy * g->stride - g->pad_top + ky;
                for (int kx = 0; kx < g->k; kx++) {
                    int ix = ox * g->stride - g->pad_left + kx;
                    float *dst = col + (ky * g->k + kx) * g->cin;
                    /* A plain loop: cin is 3 for MobileNet's conv1, too short for memcpy. */
                    if (iy < 0 || iy >= g->h || ix < 0 || ix >= g->w) {
                        for (int ch = 0; ch < g->cin; ch++)
                            dst[ch] = 0.0f;
                        continue;
                    }
                    const float *src = in + ((size_t)iy * g->w + ix) * g->cin;
                    for (int ch = 0; ch < g->cin; ch++)
                        dst[ch] = src[ch];
                }
            }
        }
    jv_gemm_packed_bias_clamp(pool, g->oh * g->ow, scratch, kk, kernel, out, g->cout, bias,
                              act == JV_ACT_RELU6 ? 0.0f : -INFINITY,
                              act == JV_ACT_RELU6 ? 6.0f : INFINITY);
}

/* One output pixel of a depthwise convolution, all channels, plain C. */
static void dw_pixel(const struct jv_conv_geom *g, const float *in, const float *kernel,
                     const float *bias, enum jv_act act, int oy, int ox, float *o)
{
    int c = g->cin;
    for (int ch = 0; ch < c; ch++)
        o[ch] = 0.0f;
    for (int ky = 0; ky < g->k; ky++) {
        int iy = oy * g->stride - g->pad_top + ky;
        if (iy < 0 || iy >= g->h)
            continue;
        for (int kx = 0; kx < g->k; kx++) {
            int ix = ox * g->stride - g->pad_left + kx;
            if (ix < 0 || ix >= g->w)
                continue;
            const float *src = in + ((size_t)iy * g->w + ix) * c;
            const float *w = kernel + (size_t)(ky * g->k + kx) * c;
            for (int ch = 0; ch < c; ch++)
                o[ch] += src[ch] * w[ch];
        }
    }
    jv_bias_act(o, 1, c, bias, act);
}

/* The same eight channels at a time with AVX2/FMA (c a multiple of 8). */
__attribute__((target("avx2,fma"))) static void dw_pixel_avx2(const struct jv_conv_geom *g,
                                                              const float *in, const float *kernel,
                                                              const float *bias, enum jv_act act,
                                                              int oy, int ox, float *o)
{
    int c = g->cin;
    const float *src[9];
    const float *wk[9];
    int taps = 0;
    for (int ky = 0; ky < g->k && taps < 9; ky++) {
        int iy = oy * g->stride - g->pad_top + ky;
        if (iy < 0 || iy >= g->h)
            continue;
        for (int kx = 0; kx < g->k && taps < 9; kx++) {
            int ix = ox * g->stride - g->pad_left + kx;
            if (ix < 0 || ix >= g->w)
                continue;
            src[taps] = in + ((size_t)iy * g->w + ix) * c;
            wk[taps++] = kernel + (size_t)(ky * g->k + kx) * c;
        }
    }
    __m256 lo = _mm256_setzero_ps(), hi = _mm256_set1_ps(6.0f);
    for (int ch = 0; ch < c; ch += 8) {
        __m256 acc = _mm256_setzero_ps();
        for (int t = 0; t < taps; t++)
            acc = _mm256_fmadd_ps(_mm256_loadu_ps(src[t] + ch), _mm256_loadu_ps(wk[t] + ch), acc);
        acc = _mm256_add_ps(acc, _mm256_loadu_ps(bias + ch));
        if (act == JV_ACT_RELU6)
            acc = _mm256_min_ps(_mm256_max_ps(acc, lo), hi);
        _mm256_storeu_ps(o + ch, acc);
    }
}

void jv_depthwise(const struct jv_conv_geom *g, const float *in, const float *kernel,
                  const float *bias, enum jv_act act, float *out)
{
    static gsize once;
    static bool avx2;
    if (g_once_init_enter(&once)) {
        __builtin_cpu_init();
        avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
        g_once_init_leave(&once, 1);
    }
    bool simd = avx2 && g->cin % 8 == 0 && g->k <= 3 && strcmp(jv_gemm_kernel(), "portable");
    for (int oy = 0; oy < g->oh; oy++)
        for (int ox = 0; ox < g->ow; ox++) {
            float *o = out + ((size_t)oy * g->ow + ox) * g->cin;
            if (simd)
                dw_pixel_avx2(g, in, kernel, bias, act, oy, ox, o);
            else
                dw_pixel(g, in, kernel, bias, act, oy, ox, o);
        }
}

void jv_pointwise(int pixels, int cin, int cout, const float *in, const struct jv_gemm_b *kernel,
                  const float *bias, enum jv_act act, float *out, struct jv_nn_pool *pool)
{
    g_assert(jv_gemm_b_rows(kernel) == cin && jv_gemm_b_cols(kernel) == cout);
    jv_gemm_packed_bias_clamp(pool, pixels, in, cin, kernel, out, cout, bias,
                              act == JV_ACT_RELU6 ? 0.0f : -INFINITY,
                              act == JV_ACT_RELU6 ? 6.0f : INFINITY);
}
