/* resize.h - Pillow's NEAREST resize, pixel for pixel.
 *
 * Keras' load_img(target_size=...) resized with Pillow's Image.resize(size,
 * NEAREST), which maps output column x to input column
 * (int)(sx/2 + x*sx) with sx = in_width / out_width, the sum accumulated in
 * double one column at a time (libImaging/Geometry.c, ImagingScaleAffine);
 * rows likewise. We repeat that arithmetic exactly, so NIMA sees the pixels
 * the Python version saw. Ownership: buffers are the caller's.
 */
#ifndef JV_NN_RESIZE_H
#define JV_NN_RESIZE_H

#include "core/jv.h"

/* The input index of each of `out` output positions for an axis of `in` pixels
 * (idx has room for `out`). */
void jv_resize_nearest_index(int in, int out, int *idx);

/* Packed 8-bit pixels of `channels` bytes: src sw×sh into dst dw×dh. */
void jv_resize_nearest(const uint8_t *src, int sw, int sh, int channels, uint8_t *dst, int dw,
                       int dh);

#endif
