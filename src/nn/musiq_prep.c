/* musiq_prep.c - MUSIQ's multi-scale patches, resize and hashed positions. */
#include "core/jv.h"

#include "nn/musiq_prep.h"

#include <math.h>

static const int longer_sides[JV_MUSIQ_SCALES - 1] = {224, 384};

/* The official [0, 255] -> [-1, 1] mapping, in float32 as TensorFlow does it. */
static float unit(uint8_t v)
{
    float x = (float)v / 255.0f;
    return -1.0f + x * 2.0f;
}

/* TensorFlow's Gaussian kernel (radius 1.5, sigma 0.5), evaluated as it does. */
static float gaussian(float x)
{
    x = fabsf(x);
    if (x >= 1.5f)
        return 0.0f;
    const float sigma = 0.5f;
    return (float)exp((double)(-x * x) / (2.0 * sigma * sigma));
}

/* One axis of scale_and_translate: for each output index, its first input and 5 weights. */
struct spans {
    int *start;
    int *len;
    float *w; /* 5 per output */
};

static void spans_compute(struct spans *s, int in_size, int out_size)
{
    s->start = g_new0(int, out_size);
    s->len = g_new0(int, out_size);
    s->w = g_new0(float, (size_t)out_size * 5);
    float scale = (float)out_size / (float)in_size;
    float inv_scale = (float)(1.0 / (double)scale);
    for (int x = 0; x < out_size; x++) {
        float sample = ((float)x + 0.5f) * inv_scale;
        long lo = (long)ceilf(sample - 1.5f - 0.5f);
        long hi = (long)floorf(sample + 1.5f - 0.5f);
        lo = CLAMP(lo, 0, in_size - 1);
        hi = CLAMP(hi, 0, in_size - 1) + 1;
        int n = (int)MIN(hi - lo, 5);
        float total = 0.0f, *w = s->w + (size_t)x * 5;
        for (int i = 0; i < n; i++) {
            w[i] = gaussian((float)(lo + i) + 0.5f - sample);
            total += w[i];
        }
        if (fabsf(total) >= 1000.0f * FLT_MIN) {
            float inv = 1.0f / total;
            for (int i = 0; i < n; i++)
                w[i] *= inv;
        }
        s->start[x] = (int)lo;
        s->len[x] = n;
    }
}

static void spans_release(struct spans *s)
{
    g_free(s->start);
    g_free(s->len);
    g_free(s->w);
}

/*
 * Resizes the full-size 8-bit image (mapped to [-1, 1]) to rw x rh: rows
 * first into a float intermediate of rh x w, then columns, as TensorFlow's
 * GatherSpans does. Returns a g_malloc'd HWC float buffer.
 */
static float *resize_rgb8(const uint8_t *rgb, int w, int h, int rw, int rh)
{
    struct spans rows, cols;
    spans_compute(&rows, h, rh);
    spans_compute(&cols, w, rw);
    size_t stride = (size_t)w * 3;
    float *mid = g_new(float, (size_t)rh *stride);
    float *conv = g_new(float, stride);
    for (int y = 0; y < rh; y++) {
        float *o = mid + (size_t)y * stride;
        for (int i = 0; i < rows.len[y]; i++) {
            const uint8_t *src = rgb + (size_t)(rows.start[y] + i) * stride;
            float wt = rows.w[(size_t)y * 5 + i];
            for (size_t j = 0; j < stride; j++)
                conv[j] = unit(src[j]);
            for (size_t j = 0; j < stride; j++)
                o[j] = i == 0 ? wt * conv[j] : o[j] + wt * conv[j];
        }
    }
    float *out = g_new0(float, (size_t)rh *rw * 3);
    for (int y = 0; y < rh; y++) {
        const float *m = mid + (size_t)y * stride;
        for (int x = 0; x < rw; x++) {
            float *o = out + ((size_t)y * rw + x) * 3;
            for (int i = 0; i < cols.len[x]; i++) {
                const float *p = m + (size_t)(cols.start[x] + i) * 3;
                float wt = cols.w[(size_t)x * 5 + i];
                for (int c = 0; c < 3; c++)
                    o[c] += wt * p[c];
            }
        }
    }
    g_free(conv);
    g_free(mid);
    spans_release(&rows);
    spans_release(&cols);
    return out;
}

int jv_musiq_hash_index(int i, int count)
{
    float scale = (float)JV_MUSIQ_GRID / (float)count;
    int v = (int)floorf((float)i * scale);
    return MIN(v, JV_MUSIQ_GRID - 1);
}

static void scale_grid(struct jv_musiq_scale *s)
{
    s->count_h = (s->height + JV_MUSIQ_PATCH - 1) / JV_MUSIQ_PATCH;
    s->count_w = (s->width + JV_MUSIQ_PATCH - 1) / JV_MUSIQ_PATCH;
    s->pad_top = (s->count_h * JV_MUSIQ_PATCH - s->height) / 2;
    s->pad_left = (s->count_w * JV_MUSIQ_PATCH - s->width) / 2;
}

int jv_musiq_prepare(const uint8_t *rgb, int width, int height, struct jv_musiq_input *in,
                     GError **err)
{
    memset(in, 0, sizeof *in);
    in->rgb = rgb;
    for (int k = 0; k < JV_MUSIQ_SCALES - 1; k++) {
        float ratio = (float)longer_sides[k] / (float)MAX(width, height);
        int rh = (int)rintf((float)height * ratio), rw = (int)rintf((float)width * ratio);
        if (rh < 1 || rw < 1) {
            g_set_error(err, JV_ERROR, JV_ERR_IMAGE,
                        "MUSIQ: a %dx%d image is too narrow to resize to %d pixels", width, height,
                        longer_sides[k]);
            jv_musiq_input_release(in);
            return -1;
        }
        in->scale[k] = (struct jv_musiq_scale){.width = rw, .height = rh};
        in->scale[k].pix = resize_rgb8(rgb, width, height, rw, rh);
    }
    in->scale[JV_MUSIQ_SCALES - 1] = (struct jv_musiq_scale){.width = width, .height = height};
    int n = 0;
    for (int k = 0; k < JV_MUSIQ_SCALES; k++) {
        scale_grid(&in->scale[k]);
        n += in->scale[k].count_h * in->scale[k].count_w;
    }
    in->n_tokens = n;
    in->token_scale = g_new(int, n);
    in->token_row = g_new(int, n);
    in->token_col = g_new(int, n);
    in->token_spatial = g_new(int, n);
    int t = 0;
    for (int k = 0; k < JV_MUSIQ_SCALES; k++) {
        const struct jv_musiq_scale *s = &in->scale[k];
        for (int r = 0; r < s->count_h; r++)
            for (int c = 0; c < s->count_w; c++, t++) {
                in->token_scale[t] = k;
                in->token_row[t] = r;
                in->token_col[t] = c;
                in->token_spatial[t] = jv_musiq_hash_index(r, s->count_h) * JV_MUSIQ_GRID +
                                       jv_musiq_hash_index(c, s->count_w);
            }
    }
    return 0;
}

void jv_musiq_patch(const struct jv_musiq_input *in, int t, float *out)
{
    const struct jv_musiq_scale *s = &in->scale[in->token_scale[t]];
    int y0 = in->token_row[t] * JV_MUSIQ_PATCH - s->pad_top;
    int x0 = in->token_col[t] * JV_MUSIQ_PATCH - s->pad_left;
    for (int y = 0; y < JV_MUSIQ_PATCH; y++) {
        float *o = out + (size_t)y * JV_MUSIQ_PATCH * 3;
        int sy = y0 + y;
        for (int x = 0; x < JV_MUSIQ_PATCH; x++) {
            int sx = x0 + x;
            bool inside = sy >= 0 && sy < s->height && sx >= 0 && sx < s->width;
            for (int c = 0; c < 3; c++) {
                size_t at = ((size_t)sy * s->width + sx) * 3 + c;
                o[x * 3 + c] = !inside ? 0.0f : s->pix ? s->pix[at] : unit(in->rgb[at]);
            }
        }
    }
}

void jv_musiq_input_release(struct jv_musiq_input *in)
{
    for (int k = 0; k < JV_MUSIQ_SCALES; k++)
        g_free(in->scale[k].pix);
    g_free(in->token_scale);
    g_free(in->token_row);
    g_free(in->token_col);
    g_free(in->token_spatial);
    memset(in, 0, sizeof *in);
}
