/*
 * decode.h - opening and decoding competition images with libvips.
 *
 * Opening an image reads its header only: the size is known (and checked
 * against the megapixel cap) before a single pixel is decoded, so a file whose
 * header claims 100000x100000 pixels is refused at once without allocating.
 * Only JPEG, PNG, TIFF and WebP are accepted, whatever the file is called; the
 * format is found by sniffing the bytes, not from the name.
 *
 * Decoding produces packed 8-bit RGB (3 bytes a pixel, rows without padding),
 * the way the Python implementation's Pillow `convert('RGB')` saw the image:
 * an alpha channel is dropped (no compositing onto a background), greyscale is
 * copied to R = G = B, and 16-bit samples keep their high byte (Pillow's
 * behaviour for 16-bit RGB; for 16-bit greyscale Pillow 9 clips to white, which
 * we do not copy). CMYK is converted to sRGB through libvips' colour management.
 * EXIF orientation is not applied: none of the Stage 1 metrics depends on it.
 *
 * Decoding is strict: a truncated or corrupt file is an error, never an image
 * padded with grey.
 *
 * libvips must have been started (VIPS_INIT) by the program. All functions are
 * safe to call from several threads on different struct jv_image values.
 */
#ifndef JV_IQA_DECODE_H
#define JV_IQA_DECODE_H

#include <vips/vips.h>

/*
 * An opened image. `img` is the header-level VipsImage (owned; the caller may
 * read metadata from it, e.g. XMP/IPTC/EXIF for titles, but must not unref
 * it); `path` is an owned copy of the path; `mime` is a static string
 * ("image/jpeg", "image/png", "image/tiff" or "image/webp"); `bytes` holds
 * the file's bytes when opened with jv_image_open_bytes() (a reference).
 */
struct jv_image {
    VipsImage *img;
    GBytes *bytes;
    char *path;
    int width, height;
    const char *mime;
};

/*
 * Opens `path` (any bytes; need not be UTF-8) and reads its header into `out`,
 * which the caller provides. Refuses, with JV_ERR_IMAGE, an image of more than
 * `max_megapixels` million pixels (no limit when `max_megapixels` <= 0), a file
 * that is not JPEG/PNG/TIFF/WebP, and an empty file; JV_ERR_IO or
 * JV_ERR_NOT_FOUND when the file cannot be read. Returns 0, or -1 with `err`
 * set (naming the file) and `out` zeroed. On success release `out` with
 * jv_image_release().
 */
int jv_image_open(const char *path, double max_megapixels, struct jv_image *out, GError **err);

/*
 * The same from the file's bytes already in memory (read once, so that what
 * is hashed is what is decoded): `bytes` is referenced by `out` until
 * jv_image_release(); `path` only names the file in messages. An empty
 * buffer is refused as an empty file.
 */
int jv_image_open_bytes(GBytes *bytes, const char *path, double max_megapixels,
                        struct jv_image *out, GError **err);

/*
 * Decodes the pixels of an opened image into a new buffer of
 * width * height * 3 bytes (packed RGB, row after row), returned in `*rgb`
 * (owned by the caller, free with g_free()). The image is read sequentially, so
 * call this once per jv_image_open(). Returns 0, or -1 with JV_ERR_IMAGE set in
 * `err` (naming the file and libvips' reason) and `*rgb` NULL.
 */
int jv_image_load_rgb8(struct jv_image *im, uint8_t **rgb, GError **err);

/* Frees the contents of `im` (closing the file) and zeroes it; safe twice. */
void jv_image_release(struct jv_image *im);

#endif
