/*
 * musiq_prep.h - MUSIQ's multi-scale patch input (google-research musiq,
 * model/preprocessing.py, as run_predict_image.py configures it).
 *
 * The image, scaled to [-1, 1], is seen at three scales: resized so that its
 * longer side is 224, then 384 (aspect ratio kept, sizes rounded half to even,
 * TensorFlow's Gaussian scale_and_translate kernel without antialiasing:
 * radius 1.5, sigma 0.5), and at full size. Each scale is cut into 32x32
 * patches with stride 32 and TensorFlow "SAME" zero padding (the odd pixel of
 * padding at the bottom/right). Every patch carries its scale index (0, 1, 2)
 * and a hashed spatial position on a 10x10 grid: row r of count_h maps to
 * min(floor(r * (10 / count_h)), 9) in float32 (legacy nearest-neighbour
 * resize), likewise columns, and the position is row * 10 + column.
 *
 * The official input pads the first two scales to 49 and 144 patches with
 * masked-out zeros; masked tokens cannot affect the unmasked ones (their
 * attention logits get -1e10), so only the real patches are listed here.
 * The full-size patches are read from the caller's 8-bit image on demand, so
 * a 12-megapixel photo never exists as a float copy.
 *
 * Ownership: jv_musiq_prepare() borrows `rgb` for the lifetime of `in`;
 * jv_musiq_input_release() frees what it allocated.
 */
#ifndef JV_NN_MUSIQ_PREP_H
#define JV_NN_MUSIQ_PREP_H

#include <stdint.h>

#include <glib.h>

#define JV_MUSIQ_PATCH        32
#define JV_MUSIQ_PATCH_FLOATS (JV_MUSIQ_PATCH * JV_MUSIQ_PATCH * 3)
#define JV_MUSIQ_GRID         10
#define JV_MUSIQ_SCALES       3

/* One scale: its size, patch grid and padding; pixels as floats (HWC) or NULL (full size). */
struct jv_musiq_scale {
    int width, height;
    int count_w, count_h;
    int pad_top, pad_left;
    float *pix;
};

struct jv_musiq_input {
    const uint8_t *rgb; /* borrowed: the full-size packed RGB */
    struct jv_musiq_scale scale[JV_MUSIQ_SCALES];
    int n_tokens;
    int *token_scale; /* 0, 1, 2 per token */
    int *token_row;   /* patch row within its scale */
    int *token_col;
    int *token_spatial; /* hashed position, 0..99 */
};

/*
 * Prepares the input for a packed 8-bit RGB image of width x height (borrowed,
 * rows without padding). Fails (JV_ERR_IMAGE) when a resized side would round
 * to zero pixels.
 */
int jv_musiq_prepare(const uint8_t *rgb, int width, int height, struct jv_musiq_input *in,
                     GError **err);

/* Writes token `t`'s 32x32x3 patch (row, column, channel order) to `out`. */
void jv_musiq_patch(const struct jv_musiq_input *in, int t, float *out);

/* The hashed grid index of patch `i` of `count` along one axis. */
int jv_musiq_hash_index(int i, int count);

void jv_musiq_input_release(struct jv_musiq_input *in);

#endif
