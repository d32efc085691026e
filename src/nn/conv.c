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

/*
 * Four neighbouring output pixels of row oy from ox0, eight channels at a time, for a 3×3
 * kernel whose taps all fall inside the image: an input vector loaded once serves up to
 * three of the four outputs, and each weight vector is loaded once for four, where the
 * pixel at a time loads both for every tap (18 loads per 9 FMAs, which bound it). Taps are
 * summed in the same order as dw_pixel_avx2, so the results are the same bits.
 */
__attribute__((target("avx2,fma"))) static void dw_quad_avx2(const struct jv_conv_geom *g,
                                                             const float *in, const float *kernel,
                                                             const float *bias, enum jv_act act,
                                                             int oy, int ox0, float *o)
{
    int c = g->cin, s = g->stride;
    size_t step = (size_t)s * c;
    __m256 lo = _mm256_setzero_ps(), hi = _mm256_set1_ps(6.0f);
    for (int ch = 0; ch < c; ch += 8) {
        __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
        for (int ky = 0; ky < 3; ky++) {
            const float *r =
                in +
                ((size_t)(oy * s - g->pad_top + ky) * g->w + (size_t)(ox0 * s - g->pad_left)) * c +
                ch;
            for (int kx = 0; kx < 3; kx++) {
                __m256 w = _mm256_loadu_ps(kernel + (size_t)(ky * 3 + kx) * c + ch);
                const float *x = r + (size_t)kx * c;
                a0 = _mm256_fmadd_ps(_mm256_loadu_ps(x), w, a0);
                a1 = _mm256_fmadd_ps(_mm256_loadu_ps(x + step), w, a1);
                a2 = _mm256_fmadd_ps(_mm256_loadu_ps(x + 2 * step), w, a2);
                a3 = _mm256_fmadd_ps(_mm256_loadu_ps(x + 3 * step), w, a3);
            }
        }
        __m256 b = _mm256_loadu_ps(bias + ch);
        a0 = _mm256_add_ps(a0, b), a1 = _mm256_add_ps(a1, b);
        a2 = _mm256_add_ps(a2, b), a3 = _mm256_add_ps(a3, b);
        if (act == JV_ACT_RELU6) {
            a0 = _mm256_min_ps(_mm256_max_ps(a0, lo), hi);
            a1 = _mm256_min_ps(_mm256_max_ps(a1, lo), hi);
            a2 = _mm256_min_ps(_mm256_max_ps(a2, lo), hi);
            a3 = _mm256_min_ps(_mm256_max_ps(a3, lo), hi);
        }
        _mm256_storeu_ps(o + ch, a0);
        _mm256_storeu_ps(o + c + ch, a1);
        _mm256_storeu_ps(o + 2 * c + ch, a2);
        _mm256_storeu_ps(o + 3 * c + ch, a3);
    }
}

/* One output row: quads where every tap is inside the image, single pixels elsewhere. */
static void dw_row(const struct jv_conv_geom *g, const float *in, const float *kernel,
                   const float *bias, enum jv_act act, bool simd, int oy, float *out)
{
    int s = g->stride, iy0 = oy * s - g->pad_top;
    bool rows_in = g->k == 3 && iy0 >= 0 && iy0 + 2 < g->h;
    /* Columns whose three taps are inside: ox·s − pad_left ≥ 0 and ox·s − pad_left + 2 < w. */
    int lo = (g->pad_left + s - 1) / s, hi = (g->w - 3 + g->pad_left) / s;
    for (int ox = 0; ox < g->ow;) {
        float *o = out + ((size_t)oy * g->ow + ox) * g->cin;
        if (simd && rows_in && ox >= lo && ox + 3 <= hi) {
            dw_quad_avx2(g, in, kernel, bias, act, oy, ox, o);
            ox += 4;
            continue;
        }
        if (simd)
            dw_pixel_avx2(g, in, kernel, bias, act, oy, ox, o);
        else
            dw_pixel(g, in, kernel, bias, act, oy, ox, o);
        ox++;
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
        dw_row(g, in, kernel, bias, act, simd, oy, out);
}

void jv_pointwise(int pixels, int cin, int cout, const float *in, const struct jv_gemm_b *kernel,
                  const float *bias, enum jv_act act, float *out, struct jv_nn_pool *pool)
{
    g_assert(jv_gemm_b_rows(kernel) == cin && jv_gemm_b_cols(kernel) == cout);
    jv_gemm_packed_bias_clamp(pool, pixels, in, cin, kernel, out, cout, bias,
                              act == JV_ACT_RELU6 ? 0.0f : -INFINITY,
                              act == JV_ACT_RELU6 ? 6.0f : INFINITY);
}
