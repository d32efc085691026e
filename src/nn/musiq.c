/* musiq.c - the MUSIQ model: checkpoint loading, ResNet patch embedding, transformer. */
#include "core/jv.h"

#include "nn/musiq.h"

#include <math.h>

#include "nn/gemm.h"
#include "nn/npz.h"
#include "nn/pool.h"
#include "nn/transformer.h"

#define PREFIX    "opt/target/"
#define TOKEN_DIM 64  /* the ResNet root width (RESNET_TOKEN_DIM) */
#define UNIT_OUT  256 /* block1/unit1 output: 64 * 4 (bottleneck) */
#define EMB_IN    (8 * 8 * UNIT_OUT)
#define GN_GROUPS 32
#define EMB_BATCH 16  /* patches through the ResNet at once */
#define EMB_GROUP 128 /* patches per embedding GEMM: its 25 MB kernel is read once per group */
#define CHUNK     512

struct norm {
    const float *scale, *bias;
};

struct block {
    struct norm ln0, ln2;
    const float *wq, *bq, *wk, *bk, *wv, *bv, *wo, *bo, *w0, *b0, *w1, *b1;
};

struct jv_musiq {
    struct jv_npz *npz;
    int hidden, layers, heads, mlp, classes;
    float *conv_root, *conv_proj, *conv1, *conv2, *conv3; /* weight-standardised copies */
    struct norm gn_root, gn_proj, gn1, gn2, gn3;
    const float *emb_w, *emb_b, *pos, *scale_emb, *cls;
    struct block *blocks;
    struct norm enc_norm;
    const float *head_w, *head_b;
};

/* Loader state: the first error wins and every later lookup returns NULL. */
struct loader {
    struct jv_musiq *m;
    GError *err;
};

static const float *need(struct loader *l, const char *name, int ndim, const int64_t *shape)
{
    if (l->err)
        return NULL;
    char *full = g_strconcat(PREFIX, name, NULL);
    const struct jv_npz_tensor *t = jv_npz_expect(l->m->npz, full, ndim, shape, &l->err);
    g_free(full);
    return t ? t->data : NULL;
}

static const float *need_count(struct loader *l, const char *name, size_t count)
{
    if (l->err)
        return NULL;
    char *full = g_strconcat(PREFIX, name, NULL);
    const struct jv_npz_tensor *t = jv_npz_expect_count(l->m->npz, full, count, &l->err);
    g_free(full);
    return t ? t->data : NULL;
}

static struct norm need_norm(struct loader *l, const char *name, size_t channels)
{
    char *s = g_strconcat(name, "/scale", NULL), *b = g_strconcat(name, "/bias", NULL);
    struct norm n = {need_count(l, s, channels), need_count(l, b, channels)};
    g_free(s);
    g_free(b);
    return n;
}

/* A copy of an HWIO conv kernel, standardised per output channel over (H, W, I). */
static float *std_conv(struct loader *l, const char *name, int k, int in, int out)
{
    const int64_t shape[4] = {k, k, in, out};
    char *full = g_strconcat(name, "/kernel", NULL);
    const float *w = need(l, full, 4, shape);
    g_free(full);
    if (!w)
        return NULL;
    size_t rows = (size_t)k * k * in;
    float *o = g_new(float, rows *out);
    for (int c = 0; c < out; c++) {
        double s = 0, s2 = 0;
        for (size_t r = 0; r < rows; r++)
            s += w[r * out + c];
        double mean = s / (double)rows;
        for (size_t r = 0; r < rows; r++)
            s2 += (w[r * out + c] - mean) * (w[r * out + c] - mean);
        double sd = sqrt(s2 / (double)rows) + 1e-5;
        for (size_t r = 0; r < rows; r++)
            o[r * out + c] = (float)((w[r * out + c] - mean) / sd);
    }
    return o;
}

static void load_resnet(struct loader *l)
{
    struct jv_musiq *m = l->m;
    m->conv_root = std_conv(l, "conv_root", 7, 3, TOKEN_DIM);
    m->gn_root = need_norm(l, "gn_root", TOKEN_DIM);
    m->conv_proj = std_conv(l, "block1/unit1/conv_proj", 1, TOKEN_DIM, UNIT_OUT);
    m->gn_proj = need_norm(l, "block1/unit1/gn_proj", UNIT_OUT);
    m->conv1 = std_conv(l, "block1/unit1/conv1", 1, TOKEN_DIM, TOKEN_DIM);
    m->gn1 = need_norm(l, "block1/unit1/gn1", TOKEN_DIM);
    m->conv2 = std_conv(l, "block1/unit1/conv2", 3, TOKEN_DIM, TOKEN_DIM);
    m->gn2 = need_norm(l, "block1/unit1/gn2", TOKEN_DIM);
    m->conv3 = std_conv(l, "block1/unit1/conv3", 1, TOKEN_DIM, UNIT_OUT);
    m->gn3 = need_norm(l, "block1/unit1/gn3", UNIT_OUT);
}

/* The attention group's name: Flax's auto-name of nn.SelfAttention in the block. */
static const char *attention_name(const struct jv_musiq *m, int layer)
{
    static const char *const names[] = {"MultiHeadDotProductAttention_1", "SelfAttention_1"};
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        char *k =
            g_strdup_printf(PREFIX "Transformer/encoderblock_%d/%s/query/kernel", layer, names[i]);
        bool found = jv_npz_get(m->npz, k) != NULL;
        g_free(k);
        if (found)
            return names[i];
    }
    return names[0];
}

static void load_block(struct loader *l, int i)
{
    struct jv_musiq *m = l->m;
    struct block *b = &m->blocks[i];
    int64_t d = m->hidden, h = m->heads, dh = m->hidden / m->heads, f = m->mlp;
    char *p = g_strdup_printf("Transformer/encoderblock_%d/", i);
    char *a = g_strdup_printf("%s%s/", p, attention_name(m, i));
    const int64_t kin[3] = {d, h, dh}, kb[2] = {h, dh}, kout[3] = {h, dh, d};
    const int64_t vd[1] = {d}, w0[2] = {d, f}, vf[1] = {f}, w1[2] = {f, d};
    char *n[14];
    const char *const parts[14] = {"query/kernel", "query/bias", "key/kernel", "key/bias",
                                   "value/kernel", "value/bias", "out/kernel", "out/bias"};
    for (int k = 0; k < 8; k++)
        n[k] = g_strconcat(a, parts[k], NULL);
    n[8] = g_strconcat(p, "MlpBlock_3/Dense_0/kernel", NULL);
    n[9] = g_strconcat(p, "MlpBlock_3/Dense_0/bias", NULL);
    n[10] = g_strconcat(p, "MlpBlock_3/Dense_1/kernel", NULL);
    n[11] = g_strconcat(p, "MlpBlock_3/Dense_1/bias", NULL);
    n[12] = g_strconcat(p, "LayerNorm_0", NULL);
    n[13] = g_strconcat(p, "LayerNorm_2", NULL);
    b->wq = need(l, n[0], 3, kin);
    b->bq = need(l, n[1], 2, kb);
    b->wk = need(l, n[2], 3, kin);
    b->bk = need(l, n[3], 2, kb);
    b->wv = need(l, n[4], 3, kin);
    b->bv = need(l, n[5], 2, kb);
    b->wo = need(l, n[6], 3, kout);
    b->bo = need(l, n[7], 1, vd);
    b->w0 = need(l, n[8], 2, w0);
    b->b0 = need(l, n[9], 1, vf);
    b->w1 = need(l, n[10], 2, w1);
    b->b1 = need(l, n[11], 1, vd);
    b->ln0 = need_norm(l, n[12], (size_t)d);
    b->ln2 = need_norm(l, n[13], (size_t)d);
    for (int k = 0; k < 14; k++)
        g_free(n[k]);
    g_free(a);
    g_free(p);
}

/*
 * Reads the sizes from the shapes: the hidden size from the embedding kernel,
 * heads from block 0's query kernel (hidden, heads, depth), the MLP width from
 * its Dense_0, the classes from the head, the layers by counting blocks. The
 * shapes of every tensor are checked against these afterwards.
 */
static int read_sizes(struct loader *l)
{
    struct jv_musiq *m = l->m;
    const struct jv_npz_tensor *e = jv_npz_get(m->npz, PREFIX "embedding/kernel");
    const struct jv_npz_tensor *hd = jv_npz_get(m->npz, PREFIX "head/kernel");
    char *q =
        g_strdup_printf(PREFIX "Transformer/encoderblock_0/%s/query/kernel", attention_name(m, 0));
    const struct jv_npz_tensor *qt = jv_npz_get(m->npz, q);
    g_free(q);
    const struct jv_npz_tensor *f =
        jv_npz_get(m->npz, PREFIX "Transformer/encoderblock_0/MlpBlock_3/Dense_0/kernel");
    const char *missing = !e    ? "embedding/kernel"
                          : !hd ? "head/kernel"
                          : !qt ? "Transformer/encoderblock_0/MultiHeadDotProductAttention_1/"
                                  "query/kernel"
                          : !f  ? "Transformer/encoderblock_0/MlpBlock_3/Dense_0/kernel"
                                : NULL;
    if (missing) {
        g_set_error(&l->err, JV_ERROR, JV_ERR_NOT_FOUND, "%s: missing tensor " PREFIX "%s",
                    jv_npz_label(m->npz), missing);
        return -1;
    }
    if (e->ndim != 2 || hd->ndim != 2 || qt->ndim != 3 || f->ndim != 2 || e->shape[1] < 1 ||
        e->shape[1] > 8192 || qt->shape[1] < 1 || e->shape[1] % qt->shape[1] != 0 ||
        f->shape[1] < 1 || f->shape[1] > 65536 || hd->shape[1] < 1 || hd->shape[1] > 1000) {
        g_set_error(&l->err, JV_ERROR, JV_ERR_PARSE,
                    "%s: the embedding, head, attention and MLP shapes do not fit together",
                    jv_npz_label(m->npz));
        return -1;
    }
    m->hidden = (int)e->shape[1];
    m->heads = (int)qt->shape[1];
    m->mlp = (int)f->shape[1];
    m->classes = (int)hd->shape[1];
    for (m->layers = 0; m->layers < 1000; m->layers++) {
        char *k =
            g_strdup_printf(PREFIX "Transformer/encoderblock_%d/LayerNorm_0/scale", m->layers);
        bool found = jv_npz_get(m->npz, k) != NULL;
        g_free(k);
        if (!found)
            break;
    }
    return 0;
}

struct jv_musiq *jv_musiq_load(const char *path, GError **err)
{
    struct jv_npz *z = jv_npz_open(path, PREFIX, err);
    if (!z)
        return NULL;
    struct jv_musiq *m = g_new0(struct jv_musiq, 1);
    m->npz = z;
    struct loader l = {m, NULL};
    if (read_sizes(&l) < 0)
        goto fail;
    int64_t d = m->hidden, c = m->classes;
    const int64_t emb[2] = {EMB_IN, d}, vd[1] = {d}, pos[3] = {1, JV_MUSIQ_GRID * JV_MUSIQ_GRID, d};
    const int64_t sc[3] = {1, JV_MUSIQ_SCALES, d}, cls[3] = {1, 1, d}, head[2] = {d, c};
    const int64_t vc[1] = {c};
    load_resnet(&l);
    m->emb_w = need(&l, "embedding/kernel", 2, emb);
    m->emb_b = need(&l, "embedding/bias", 1, vd);
    m->pos = need(&l, "Transformer/posembed_input/pos_embedding", 3, pos);
    m->scale_emb = need(&l, "Transformer/scaleembed_input/scale_embedding", 3, sc);
    m->cls = need(&l, "Transformer/cls", 3, cls);
    m->enc_norm = need_norm(&l, "Transformer/encoder_norm", (size_t)d);
    m->head_w = need(&l, "head/kernel", 2, head);
    m->head_b = need(&l, "head/bias", 1, vc);
    if (!l.err && m->layers == 0)
        g_set_error(&l.err, JV_ERROR, JV_ERR_NOT_FOUND,
                    "%s: missing tensor " PREFIX "Transformer/encoderblock_0/LayerNorm_0/scale",
                    path);
    m->blocks = g_new0(struct block, MAX(m->layers, 1));
    for (int i = 0; i < m->layers && !l.err; i++)
        load_block(&l, i);
    if (!l.err)
        return m;
fail:
    g_propagate_error(err, l.err);
    jv_musiq_free(m);
    return NULL;
}

int jv_musiq_classes(const struct jv_musiq *m)
{
    return m->classes;
}

void jv_musiq_free(struct jv_musiq *m)
{
    if (!m)
        return;
    g_free(m->conv_root);
    g_free(m->conv_proj);
    g_free(m->conv1);
    g_free(m->conv2);
    g_free(m->conv3);
    g_free(m->blocks);
    jv_npz_free(m->npz);
    g_free(m);
}

/* ---- the ResNet patch embedding ---- */

/* GroupNorm (32 groups) of one patch's positions x channels, then optional ReLU. */
/*
 * GroupNorm over one patch's positions x channels (NHWC). One pass sums every
 * channel (in double, contiguous, so it vectorises), the groups' statistics
 * come from those sums, and a second pass normalises with per-channel factors.
 * Walking the map once per group, 32 passes of 2 to 8 floats a row, took 9 %
 * of MUSIQ's time.
 */
static void group_norm(float *x, int positions, int channels, struct norm n, float eps, bool relu)
{
    enum { MAXC = UNIT_OUT };
    double s[MAXC] = {0}, s2[MAXC] = {0};
    float mean_c[MAXC], mul_c[MAXC];
    g_assert(channels <= MAXC);
    int gs = channels / GN_GROUPS;
    for (int p = 0; p < positions; p++) {
        const float *row = x + (size_t)p * channels;
        for (int c = 0; c < channels; c++) {
            double v = row[c];
            s[c] += v;
            s2[c] += v * v;
        }
    }
    for (int g = 0; g < GN_GROUPS; g++) {
        double gs1 = 0, gs2 = 0;
        for (int c = g * gs; c < (g + 1) * gs; c++)
            gs1 += s[c], gs2 += s2[c];
        double cnt = (double)positions * gs, mean = gs1 / cnt, var = gs2 / cnt - mean * mean;
        float inv = (float)(1.0 / sqrt(MAX(var, 0.0) + eps));
        for (int c = g * gs; c < (g + 1) * gs; c++)
            mean_c[c] = (float)mean, mul_c[c] = inv * n.scale[c];
    }
    float lo = relu ? 0.0f : -INFINITY;
    for (int p = 0; p < positions; p++) {
        float *row = x + (size_t)p * channels;
        for (int c = 0; c < channels; c++) {
            float v = (row[c] - mean_c[c]) * mul_c[c] + n.bias[c];
            row[c] = v < lo ? lo : v;
        }
    }
}

/* im2col of a size x size x ch map for a k x k convolution, `stride`, SAME padding `pad`. */
static void im2col(const float *in, int size, int ch, int k, int stride, int pad, int out_size,
                   float *col)
{
    for (int oy = 0; oy < out_size; oy++)
        for (int ox = 0; ox < out_size; ox++) {
            float *row = col + ((size_t)oy * out_size + ox) * k * k * ch;
            for (int ky = 0; ky < k; ky++)
                for (int kx = 0; kx < k; kx++) {
                    int iy = oy * stride - pad + ky, ix = ox * stride - pad + kx;
                    float *dst = row + (ky * k + kx) * ch;
                    if (iy < 0 || iy >= size || ix < 0 || ix >= size)
                        memset(dst, 0, sizeof(float) * ch);
                    else
                        memcpy(dst, in + ((size_t)iy * size + ix) * ch, sizeof(float) * ch);
                }
        }
}

/* Max-pool 3x3 stride 2, SAME (16 -> 8: no padding before, one after). */
static void max_pool(const float *in, float *out)
{
    for (int oy = 0; oy < 8; oy++)
        for (int ox = 0; ox < 8; ox++)
            for (int c = 0; c < TOKEN_DIM; c++) {
                float mx = -INFINITY;
                for (int dy = 0; dy < 3; dy++)
                    for (int dx = 0; dx < 3; dx++) {
                        int iy = oy * 2 + dy, ix = ox * 2 + dx;
                        if (iy < 16 && ix < 16)
                            mx = MAX(mx, in[((size_t)iy * 16 + ix) * TOKEN_DIM + c]);
                    }
                out[((size_t)oy * 8 + ox) * TOKEN_DIM + c] = mx;
            }
}

struct embed_job {
    const struct jv_musiq *m;
    const struct jv_musiq_input *in;
    float *x; /* row 1 + t is token t */
    int threads;
};

/* Scratch of one embedding thread: EMB_BATCH patches through the ResNet, EMB_GROUP outputs. */
struct embed_scratch {
    float *patch, *col, *root, *pool, *proj, *h1, *col2, *h2, *h3;
};

/*
 * The ResNet on tokens [t0, t0 + nb), nb <= EMB_BATCH: GEMMs over the whole
 * batch, GroupNorm per patch; the 8x8x256 outputs go to `out` (nb rows of
 * EMB_IN).
 */
static void resnet_batch(const struct embed_job *j, struct embed_scratch *s, int t0, int nb,
                         float *out)
{
    const struct jv_musiq *m = j->m;
    for (int b = 0; b < nb; b++) {
        jv_musiq_patch(j->in, t0 + b, s->patch);
        im2col(s->patch, 32, 3, 7, 2, 2, 16, s->col + (size_t)b * 256 * 147);
    }
    jv_gemm(nb * 256, TOKEN_DIM, 147, s->col, 147, m->conv_root, TOKEN_DIM, s->root, TOKEN_DIM,
            false);
    for (int b = 0; b < nb; b++) {
        float *r = s->root + (size_t)b * 256 * TOKEN_DIM;
        group_norm(r, 256, TOKEN_DIM, m->gn_root, 1e-6f, true);
        max_pool(r, s->pool + (size_t)b * 64 * TOKEN_DIM);
    }
    int rows = nb * 64;
    jv_gemm(rows, UNIT_OUT, TOKEN_DIM, s->pool, TOKEN_DIM, m->conv_proj, UNIT_OUT, s->proj,
            UNIT_OUT, false);
    jv_gemm(rows, TOKEN_DIM, TOKEN_DIM, s->pool, TOKEN_DIM, m->conv1, TOKEN_DIM, s->h1, TOKEN_DIM,
            false);
    for (int b = 0; b < nb; b++) {
        group_norm(s->proj + (size_t)b * 64 * UNIT_OUT, 64, UNIT_OUT, m->gn_proj, 1e-4f, false);
        group_norm(s->h1 + (size_t)b * 64 * TOKEN_DIM, 64, TOKEN_DIM, m->gn1, 1e-4f, true);
        im2col(s->h1 + (size_t)b * 64 * TOKEN_DIM, 8, TOKEN_DIM, 3, 1, 1, 8,
               s->col2 + (size_t)b * 64 * 9 * TOKEN_DIM);
    }
    jv_gemm(rows, TOKEN_DIM, 9 * TOKEN_DIM, s->col2, 9 * TOKEN_DIM, m->conv2, TOKEN_DIM, s->h2,
            TOKEN_DIM, false);
    for (int b = 0; b < nb; b++)
        group_norm(s->h2 + (size_t)b * 64 * TOKEN_DIM, 64, TOKEN_DIM, m->gn2, 1e-4f, true);
    jv_gemm(rows, UNIT_OUT, TOKEN_DIM, s->h2, TOKEN_DIM, m->conv3, UNIT_OUT, out, UNIT_OUT, false);
    for (int b = 0; b < nb; b++) {
        float *h3 = out + (size_t)b * 64 * UNIT_OUT, *pr = s->proj + (size_t)b * 64 * UNIT_OUT;
        group_norm(h3, 64, UNIT_OUT, m->gn3, 1e-4f, false);
        for (int i = 0; i < 64 * UNIT_OUT; i++)
            h3[i] = MAX(h3[i] + pr[i], 0.0f);
    }
}

/* Embeds tokens [g0, g0 + ng): the ResNet in batches, one Dense embedding GEMM, the
 * hashed spatial and the scale embeddings added. */
static void embed_group(const struct embed_job *j, struct embed_scratch *s, int g0, int ng)
{
    const struct jv_musiq *m = j->m;
    for (int t = 0; t < ng; t += EMB_BATCH)
        resnet_batch(j, s, g0 + t, MIN(EMB_BATCH, ng - t), s->h3 + (size_t)t * EMB_IN);
    int t0 = g0, nb = ng;
    int d = m->hidden;
    float *x = j->x + (size_t)(1 + t0) * d;
    jv_gemm(nb, d, EMB_IN, s->h3, EMB_IN, m->emb_w, d, x, d, false);
    for (int b = 0; b < nb; b++) {
        const float *pe = m->pos + (size_t)j->in->token_spatial[t0 + b] * d;
        const float *se = m->scale_emb + (size_t)j->in->token_scale[t0 + b] * d;
        for (int i = 0; i < d; i++) {
            float *v = &x[(size_t)b * d + i];
            *v = ((*v + m->emb_b[i]) + pe[i]) + se[i];
        }
    }
}

static void embed_task(int task, void *ctx)
{
    const struct embed_job *j = ctx;
    int n = j->in->n_tokens, groups = (n + EMB_GROUP - 1) / EMB_GROUP;
    struct embed_scratch s;
    size_t b = EMB_BATCH;
    s.patch = g_new(float, JV_MUSIQ_PATCH_FLOATS);
    s.col = g_new(float, b * 256 * 147);
    s.root = g_new(float, b * 256 * TOKEN_DIM);
    s.pool = g_new(float, b * 64 * TOKEN_DIM);
    s.proj = g_new(float, b * 64 * UNIT_OUT);
    s.h1 = g_new(float, b * 64 * TOKEN_DIM);
    s.col2 = g_new(float, b * 64 * 9 * TOKEN_DIM);
    s.h2 = g_new(float, b * 64 * TOKEN_DIM);
    s.h3 = g_new(float, (size_t)EMB_GROUP *EMB_IN);
    for (int i = task; i < groups; i += j->threads) {
        int g0 = i * EMB_GROUP;
        embed_group(j, &s, g0, MIN(EMB_GROUP, n - g0));
    }
    float *all[] = {s.patch, s.col, s.root, s.pool, s.proj, s.h1, s.col2, s.h2, s.h3};
    for (size_t i = 0; i < G_N_ELEMENTS(all); i++)
        g_free(all[i]);
}

/* ---- the transformer ---- */

struct tf_bufs {
    float *x, *ln, *q, *kt, *v, *tmp;
    int n, d;
};

/* K = ln . Wk + bk for all rows, stored transposed in kt (d rows of n), CHUNK rows at a time. */
static void keys_transposed(const struct block *b, struct tf_bufs *t, struct jv_nn_pool *pool)
{
    for (int r0 = 0; r0 < t->n; r0 += CHUNK) {
        int rows = MIN(CHUNK, t->n - r0);
        jv_tf_dense(t->ln + (size_t)r0 * t->d, t->d, rows, t->d, b->wk, b->bk, t->d, t->tmp, t->d,
                    false, pool);
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < t->d; c++)
                t->kt[(size_t)c * t->n + r0 + r] = t->tmp[(size_t)r * t->d + c];
    }
}

/*
 * One encoder block on t->x. The last block only needs the cls row, so
 * `n_q` (1 there) limits the queries, the output projection and the MLP.
 */
static void encoder_block(const struct jv_musiq *m, const struct block *b, struct tf_bufs *t,
                          int n_q, struct jv_nn_pool *pool)
{
    int d = t->d, depth = d / m->heads;
    jv_tf_layer_norm(t->x, t->n, d, b->ln0.scale, b->ln0.bias, 1e-6f, t->ln);
    jv_tf_dense(t->ln, d, n_q, d, b->wq, b->bq, d, t->q, d, false, pool);
    float qs = (float)(1.0 / sqrt((double)depth));
    for (size_t i = 0; i < (size_t)n_q * d; i++)
        t->q[i] *= qs;
    keys_transposed(b, t, pool);
    jv_tf_dense(t->ln, d, t->n, d, b->wv, b->bv, d, t->v, d, false, pool);
    jv_tf_attention(t->q, d, n_q, t->kt, t->v, d, t->n, m->heads, depth, pool);
    jv_tf_dense(t->q, d, n_q, d, b->wo, b->bo, d, t->x, d, true, pool);
    jv_tf_layer_norm(t->x, n_q, d, b->ln2.scale, b->ln2.bias, 1e-6f, t->ln);
    for (int r0 = 0; r0 < n_q; r0 += CHUNK) {
        int rows = MIN(CHUNK, n_q - r0);
        jv_tf_dense(t->ln + (size_t)r0 * d, d, rows, d, b->w0, b->b0, m->mlp, t->tmp, m->mlp, false,
                    pool);
        jv_tf_gelu(t->tmp, (size_t)rows * m->mlp);
        jv_tf_dense(t->tmp, m->mlp, rows, m->mlp, b->w1, b->b1, d, t->x + (size_t)r0 * d, d, true,
                    pool);
    }
}

static double head_score(const struct jv_musiq *m, const float *x0)
{
    int d = m->hidden, c = m->classes;
    float *e = g_new(float, d), *logits = g_new(float, c);
    jv_tf_layer_norm(x0, 1, d, m->enc_norm.scale, m->enc_norm.bias, 1e-6f, e);
    jv_gemm(1, c, d, e, d, m->head_w, c, logits, c, false);
    double score = 0;
    for (int i = 0; i < c; i++)
        logits[i] += m->head_b[i];
    if (c == 1) {
        score = logits[0];
    } else {
        jv_tf_softmax(logits, c);
        for (int i = 0; i < c; i++)
            score += (double)logits[i] * (i + 1);
    }
    g_free(e);
    g_free(logits);
    return score;
}

double jv_musiq_score_input(const struct jv_musiq *m, const struct jv_musiq_input *in,
                            struct jv_nn_pool *pool)
{
    struct tf_bufs t = {.n = in->n_tokens + 1, .d = m->hidden};
    size_t nd = (size_t)t.n * t.d;
    t.x = g_new(float, nd);
    memcpy(t.x, m->cls, sizeof(float) * t.d);
    int groups = (in->n_tokens + EMB_GROUP - 1) / EMB_GROUP;
    struct embed_job ej = {m, in, t.x, MAX(1, MIN(jv_tf_participants(pool), groups))};
    jv_nn_parallel_for(pool, ej.threads, embed_task, &ej);
    t.ln = g_new(float, nd);
    t.q = g_new(float, nd);
    t.kt = g_new(float, nd);
    t.v = g_new(float, nd);
    t.tmp = g_new(float, (size_t)CHUNK *MAX(m->mlp, t.d));
    for (int l = 0; l < m->layers; l++)
        encoder_block(m, &m->blocks[l], &t, l == m->layers - 1 ? 1 : t.n, pool);
    double score = head_score(m, t.x);
    float *all[] = {t.x, t.ln, t.q, t.kt, t.v, t.tmp};
    for (size_t i = 0; i < G_N_ELEMENTS(all); i++)
        g_free(all[i]);
    return score;
}

int jv_musiq_score(const struct jv_musiq *m, const uint8_t *rgb, int width, int height,
                   struct jv_nn_pool *pool, double *score, GError **err)
{
    struct jv_musiq_input in;
    if (jv_musiq_prepare(rgb, width, height, &in, err) < 0)
        return -1;
    *score = jv_musiq_score_input(m, &in, pool);
    jv_musiq_input_release(&in);
    return 0;
}
