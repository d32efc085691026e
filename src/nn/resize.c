/* resize.c - Pillow's NEAREST resize (see resize.h for the coordinate mapping). */
#include "nn/resize.h"

void jv_resize_nearest_index(int in, int out, int *idx)
{
    double scale = (double)in / out;
    double pos = scale * 0.5; /* Pillow: a[2] + a[0] * 0.5, then += a[0] per pixel */
    for (int i = 0; i < out; i++) {
        int v = pos < 0.0 ? -1 : (int)pos;
        idx[i] = v < 0 ? 0 : v >= in ? in - 1 : v;
        pos += scale;
    }
}

void jv_resize_nearest(const uint8_t *src, int sw, int sh, int channels, uint8_t *dst, int dw,
                       int dh)
{
    int *xi = g_new(int, dw), *yi = g_new(int, dh);
    jv_resize_nearest_index(sw, dw, xi);
    jv_resize_nearest_index(sh, dh, yi);
    size_t ch = (size_t)channels;
    for (int y = 0; y < dh; y++) {
        const uint8_t *row = src + (size_t)yi[y] * sw * ch;
        uint8_t *out = dst + (size_t)y * dw * ch;
        for (int x = 0; x < dw; x++)
            memcpy(out + x * ch, row + (size_t)xi[x] * ch, ch);
    }
    g_free(xi);
    g_free(yi);
}
