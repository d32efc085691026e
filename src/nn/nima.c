/* nima.c - NIMA's MobileNet v1: weights folded at load, forward pass on our kernels. */
#include "nn/nima.h"

#include <math.h>

#include "nn/conv.h"
#include "nn/gemm.h"
#include "nn/hdf5.h"
#include "nn/resize.h"

#define BN_EPS    1e-3
#define BLOCKS    13
#define FEATURES  1024
#define MAX_BYTES (64u << 20) /* MobileNet v1 holds 17 MB of weights */
#define ACT_MAX   (112 * 112 * 64)

/* MobileNet v1, alpha 1: output channels and stride of depthwise-separable blocks 1..13. */
static const struct {
    int cout, stride;
} arch[BLOCKS] = {{64, 1},  {128, 2}, {128, 1}, {256, 2}, {256, 1},  {512, 2}, {512, 1},
                  {512, 1}, {512, 1}, {512, 1}, {512, 1}, {1024, 2}, {1024, 1}};

struct block {
    int cin, cout, stride;
    float *dw, *dw_b;     /* (9, cin) and (cin) */
    struct jv_gemm_b *pw; /* (cin, cout), packed for the GEMM */
    float *pw_b;          /* (cout) */
};

struct jv_nima {
    char *path, *head;
    struct jv_gemm_b *c1; /* (27, 32), packed */
    float *c1_b;          /* (32) */
    struct block blk[BLOCKS];
    float *dense, *dense_b; /* (1024, 10) and (10) */
    size_t bytes;
};

void jv_nima_free(struct jv_nima *m)
{
    if (!m)
        return;
    g_free(m->path);
    g_free(m->head);
    jv_gemm_b_free(m->c1);
    g_free(m->c1_b);
    for (int i = 0; i < BLOCKS; i++) {
        g_free(m->blk[i].dw);
        g_free(m->blk[i].dw_b);
        jv_gemm_b_free(m->blk[i].pw);
        g_free(m->blk[i].pw_b);
    }
    g_free(m->dense);
    g_free(m->dense_b);
    g_free(m);
}

/*
 * A kernel of `rows` × c values (the output channel last, as HWIO and (k,k,C,1) both have it)
 * with the batch normalisation `bn` folded in: w·s and bias β − μ·s, s = γ / sqrt(σ² + ε).
 */
static int fold(struct jv_nima *m, const struct jv_h5_file *f, const char *conv, int ndim,
                const int64_t *shape, const char *bn, int c, float **w, float **b, GError **err)
{
    const int64_t cs[1] = {c};
    const struct jv_tensor *k =
        jv_h5_get(f, conv, ndim == 4 && shape[3] == 1 && c != 1 ? "depthwise_kernel:0" : "kernel:0",
                  ndim, shape, err);
    const struct jv_tensor *g = k ? jv_h5_get(f, bn, "gamma:0", 1, cs, err) : NULL;
    const struct jv_tensor *be = g ? jv_h5_get(f, bn, "beta:0", 1, cs, err) : NULL;
    const struct jv_tensor *mu = be ? jv_h5_get(f, bn, "moving_mean:0", 1, cs, err) : NULL;
    const struct jv_tensor *var = mu ? jv_h5_get(f, bn, "moving_variance:0", 1, cs, err) : NULL;
    if (!var)
        return -1;
    size_t rows = k->len / (size_t)c;
    *w = g_new(float, k->len);
    *b = g_new(float, c);
    for (int j = 0; j < c; j++) {
        double s = (double)g->data[j] / sqrt((double)var->data[j] + BN_EPS);
        for (size_t r = 0; r < rows; r++)
            (*w)[r * c + j] = (float)(k->data[r * c + j] * s);
        (*b)[j] = (float)(be->data[j] - mu->data[j] * s);
    }
    m->bytes += sizeof(float) * (k->len + (size_t)c);
    return 0;
}

static int load_head(struct jv_nima *m, const struct jv_h5_file *f, GError **err)
{
    const int64_t ks[2] = {FEATURES, JV_NIMA_CLASSES}, bs[1] = {JV_NIMA_CLASSES};
    const char *head = jv_h5_find_layer(f, "kernel:0", 2, ks, "bias:0", 1, bs, err);
    if (!head)
        return -1;
    const struct jv_tensor *k = jv_h5_get(f, head, "kernel:0", 2, ks, err);
    const struct jv_tensor *b = jv_h5_get(f, head, "bias:0", 1, bs, err);
    m->head = g_strdup(head);
    m->dense = g_memdup2(k->data, sizeof(float) * k->len);
    m->dense_b = g_memdup2(b->data, sizeof(float) * b->len);
    m->bytes += sizeof(float) * (k->len + b->len);
    return 0;
}

static int load_blocks(struct jv_nima *m, const struct jv_h5_file *f, GError **err)
{
    int cin = 32;
    for (int i = 0; i < BLOCKS; i++) {
        struct block *bl = &m->blk[i];
        bl->cin = cin;
        bl->cout = arch[i].cout;
        bl->stride = arch[i].stride;
        char conv[32], bn[40];
        g_snprintf(conv, sizeof conv, "conv_dw_%d", i + 1);
        g_snprintf(bn, sizeof bn, "%s_bn", conv);
        const int64_t dws[4] = {3, 3, cin, 1};
        if (fold(m, f, conv, 4, dws, bn, cin, &bl->dw, &bl->dw_b, err) < 0)
            return -1;
        g_snprintf(conv, sizeof conv, "conv_pw_%d", i + 1);
        g_snprintf(bn, sizeof bn, "%s_bn", conv);
        const int64_t pws[4] = {1, 1, cin, bl->cout};
        float *pw;
        if (fold(m, f, conv, 4, pws, bn, bl->cout, &pw, &bl->pw_b, err) < 0)
            return -1;
        bl->pw = jv_gemm_b_pack(cin, bl->cout, pw, bl->cout);
        g_free(pw);
        cin = bl->cout;
    }
    return 0;
}

struct jv_nima *jv_nima_load(const char *path, GError **err)
{
    struct jv_h5_file *f = jv_h5_load(path, MAX_BYTES, err);
    if (!f)
        return NULL;
    struct jv_nima *m = g_new0(struct jv_nima, 1);
    m->path = g_strdup(path);
    const int64_t c1s[4] = {3, 3, 3, 32};
    float *c1 = NULL;
    int rc = fold(m, f, "conv1", 4, c1s, "conv1_bn", 32, &c1, &m->c1_b, err);
    if (rc == 0)
        m->c1 = jv_gemm_b_pack(27, 32, c1, 32);
    g_free(c1);
    if (rc == 0)
        rc = load_blocks(m, f, err);
    if (rc == 0)
        rc = load_head(m, f, err);
    jv_h5_free(f);
    if (rc < 0) {
        jv_nima_free(m);
        return NULL;
    }
    return m;
}

const char *jv_nima_path(const struct jv_nima *m)
{
    return m->path;
}

const char *jv_nima_head(const struct jv_nima *m)
{
    return m->head;
}

size_t jv_nima_bytes(const struct jv_nima *m)
{
    return m->bytes;
}

void jv_nima_input(const uint8_t *rgb, int width, int height, float *x)
{
    const int n = JV_NIMA_SIZE * JV_NIMA_SIZE * 3;
    uint8_t *small = g_malloc(n);
    jv_resize_nearest(rgb, width, height, 3, small, JV_NIMA_SIZE, JV_NIMA_SIZE);
    for (int i = 0; i < n; i++)
        x[i] = (float)small[i] / 127.5f - 1.0f; /* keras.applications.mobilenet.preprocess_input */
    g_free(small);
}

/* The 13 depthwise-separable blocks from conv1's output in `a` (h×h×32); returns the buffer
 * holding the last block's output (7×7×1024). */
static float *run_blocks(const struct jv_nima *m, float *a, float *b, int h,
                         struct jv_nn_pool *pool)
{
    for (int i = 0; i < BLOCKS; i++) {
        const struct block *bl = &m->blk[i];
        struct jv_conv_geom g = {
            .h = h, .w = h, .cin = bl->cin, .cout = bl->cin, .k = 3, .stride = bl->stride};
        /* stride 1: 'same' pads 1 all round; stride 2: ZeroPadding2D(((0, 1), (0, 1))). */
        int p0 = bl->stride == 1 ? 1 : 0;
        g.pad_top = g.pad_left = p0;
        g.oh = g.ow = jv_conv_out(h, 3, bl->stride, p0, 1);
        jv_depthwise(&g, a, bl->dw, bl->dw_b, JV_ACT_RELU6, b);
        h = g.oh;
        jv_pointwise(h * h, bl->cin, bl->cout, b, bl->pw, bl->pw_b, JV_ACT_RELU6, a, pool);
    }
    return a;
}

int jv_nima_forward(const struct jv_nima *m, const float *x, struct jv_nn_pool *pool,
                    float probs[JV_NIMA_CLASSES])
{
    float *a = malloc(sizeof(float) * ACT_MAX), *b = malloc(sizeof(float) * ACT_MAX);
    if (!a || !b) {
        free(a);
        free(b);
        return -1;
    }
    /* conv1: 3×3 stride 2 after ZeroPadding2D(((0, 1), (0, 1))): 224 → 112. */
    struct jv_conv_geom g = {
        .h = JV_NIMA_SIZE, .w = JV_NIMA_SIZE, .cin = 3, .cout = 32, .k = 3, .stride = 2};
    g.oh = g.ow = jv_conv_out(JV_NIMA_SIZE, 3, 2, 0, 1);
    jv_conv2d(&g, x, m->c1, m->c1_b, JV_ACT_RELU6, b, a, pool);
    float *feat = run_blocks(m, a, b, g.oh, pool);
    /* Global average pool over 7×7, the dense head and softmax, in double. */
    double pooled[FEATURES] = {0}, logit[JV_NIMA_CLASSES], top = -INFINITY, sum = 0;
    for (int p = 0; p < 49; p++)
        for (int c = 0; c < FEATURES; c++)
            pooled[c] += feat[p * FEATURES + c];
    for (int j = 0; j < JV_NIMA_CLASSES; j++) {
        logit[j] = m->dense_b[j];
        for (int c = 0; c < FEATURES; c++)
            logit[j] += pooled[c] / 49.0 * m->dense[c * JV_NIMA_CLASSES + j];
        top = logit[j] > top ? logit[j] : top;
    }
    for (int j = 0; j < JV_NIMA_CLASSES; j++)
        sum += (logit[j] = exp(logit[j] - top));
    for (int j = 0; j < JV_NIMA_CLASSES; j++)
        probs[j] = (float)(logit[j] / sum);
    free(a);
    free(b);
    return 0;
}

int jv_nima_predict(const struct jv_nima *m, const uint8_t *rgb, int width, int height,
                    struct jv_nn_pool *pool, float probs[JV_NIMA_CLASSES])
{
    float *x = malloc(sizeof(float) * JV_NIMA_SIZE * JV_NIMA_SIZE * 3);
    if (!x)
        return -1;
    jv_nima_input(rgb, width, height, x);
    int rc = jv_nima_forward(m, x, pool, probs);
    free(x);
    return rc;
}

void jv_nima_score(const float probs[JV_NIMA_CLASSES], double *mean, double *std)
{
    double mu = 0, var = 0;
    for (int i = 0; i < JV_NIMA_CLASSES; i++)
        mu += probs[i] * (double)(i + 1);
    for (int i = 0; i < JV_NIMA_CLASSES; i++)
        var += probs[i] * ((i + 1) - mu) * ((i + 1) - mu);
    *mean = mu;
    *std = sqrt(var);
}
