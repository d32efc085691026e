/* conv.h - the convolutions of MobileNet on NHWC float images (one image, no batch).
 *
 * Weights come with batch normalisation already folded in (scale into the
 * kernel, shift into the bias), so every layer is conv + bias + activation.
 * Padding is given per side: out-of-image taps read 0, as after Keras'
 * ZeroPadding2D, and an output of oh×ow is computed from input row
 * oy*stride - pad_top + ky (columns likewise).
 *
 * Ownership: all buffers are the caller's; outputs must not alias inputs.
 */
#ifndef JV_NN_CONV_H
#define JV_NN_CONV_H

#include "core/jv.h"

struct jv_nn_pool;
struct jv_gemm_b;

enum jv_act { JV_ACT_NONE, JV_ACT_RELU6 };

struct jv_conv_geom {
    int h, w, cin;    /* input */
    int oh, ow, cout; /* output (cout = cin for depthwise) */
    int k, stride;    /* square kernel */
    int pad_top, pad_left;
};

/* The output size of a k×k, stride s convolution of `in` pixels padded by p0 before and p1 after.
 */
int jv_conv_out(int in, int k, int stride, int p0, int p1);

/*
 * A full convolution through im2col and GEMM: `kernel` is HWIO (k, k, cin,
 * cout) flattened and packed (gemm.h), `bias` has cout values. `scratch` holds oh*ow*k*k*cin
 * floats. Rows of the GEMM go over `pool` (nullable).
 */
void jv_conv2d(const struct jv_conv_geom *g, const float *in, const struct jv_gemm_b *kernel,
               const float *bias, enum jv_act act, float *scratch, float *out,
               struct jv_nn_pool *pool);

/* Depthwise k×k: `kernel` is (k, k, c) flattened (Keras' (k, k, c, 1)), `bias` has c values. */
void jv_depthwise(const struct jv_conv_geom *g, const float *in, const float *kernel,
                  const float *bias, enum jv_act act, float *out);

/* Pointwise 1×1 over `pixels` pixels: `kernel` is (cin, cout), packed (gemm.h). */
void jv_pointwise(int pixels, int cin, int cout, const float *in, const struct jv_gemm_b *kernel,
                  const float *bias, enum jv_act act, float *out, struct jv_nn_pool *pool);

/* Adds bias to each of `rows` rows of n values and applies the activation, in place. */
void jv_bias_act(float *x, int rows, int n, const float *bias, enum jv_act act);

#endif
