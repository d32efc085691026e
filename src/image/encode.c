/* encode.c - images as data: URLs for the VLM, shrunk on request. */
#include "core/jv.h"

#include "core/limits.h"

#include <vips/vips.h>

#include "core/fsutil.h"
#include "image/encode.h"
#include "image/vips_error.h"

const char *jv_image_mime_sniff(const void *data, size_t len)
{
    const unsigned char *b = data;
    if (len >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF)
        return "image/jpeg";
    if (len >= 8 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0)
        return "image/png";
    if (len >= 4 && (memcmp(b, "II*\0", 4) == 0 || memcmp(b, "MM\0*", 4) == 0))
        return "image/tiff";
    if (len >= 12 && memcmp(b, "RIFF", 4) == 0 && memcmp(b + 8, "WEBP", 4) == 0)
        return "image/webp";
    return NULL;
}

/*
 * Shrinks the encoded image in buf to fit max_side and re-encodes it as
 * JPEG q90. Returns 1 with *out and *out_len (g_malloc) when it did, 0 when
 * the image already fits, -1 on error.
 */
static int shrink(const char *path, const void *buf, size_t len, int max_side, void **out,
                  size_t *out_len, GError **err)
{
    int ret = -1;
    VipsImage *head = vips_image_new_from_buffer(buf, len, "", NULL);
    VipsImage *t[4] = {NULL};
    void *jpeg = NULL;
    size_t jpeg_len = 0;

    if (!head) {
        jv_image_vips_error(err, JV_ERR_IMAGE, path, "cannot read the image header");
        return -1;
    }
    int w = vips_image_get_width(head), h = vips_image_get_height(head);
    g_object_unref(head);
    if (w <= max_side && h <= max_side)
        return 0;

    if (vips_thumbnail_buffer((void *)buf, len, &t[0], max_side, "height", max_side, "size",
                              VIPS_SIZE_DOWN, NULL)) {
        jv_image_vips_error(err, JV_ERR_IMAGE, path, "cannot downscale");
        goto out;
    }
    VipsImage *cur = t[0];
    if (vips_image_hasalpha(cur)) {
        VipsArrayDouble *white = vips_array_double_newv(1, 255.0);
        int r = vips_flatten(cur, &t[1], "background", white, NULL);
        vips_area_unref(VIPS_AREA(white));
        if (r) {
            jv_image_vips_error(err, JV_ERR_IMAGE, path, "cannot flatten the alpha channel");
            goto out;
        }
        cur = t[1];
    }
    if (vips_image_get_format(cur) != VIPS_FORMAT_UCHAR) {
        VipsInterpretation in = vips_image_get_interpretation(cur);
        int r;
        if (in == VIPS_INTERPRETATION_RGB16)
            r = vips_colourspace(cur, &t[2], VIPS_INTERPRETATION_sRGB, NULL);
        else if (in == VIPS_INTERPRETATION_GREY16)
            r = vips_colourspace(cur, &t[2], VIPS_INTERPRETATION_B_W, NULL);
        else
            r = vips_cast(cur, &t[2], VIPS_FORMAT_UCHAR, NULL);
        if (r) {
            jv_image_vips_error(err, JV_ERR_IMAGE, path, "cannot convert to 8 bits");
            goto out;
        }
        cur = t[2];
    }
    if (vips_jpegsave_buffer(cur, &jpeg, &jpeg_len, "Q", 90, "strip", TRUE, NULL)) {
        jv_image_vips_error(err, JV_ERR_IMAGE, path, "cannot encode JPEG");
        goto out;
    }
    *out = jpeg; /* libvips allocates save buffers with g_malloc */
    *out_len = jpeg_len;
    ret = 1;
out:
    for (size_t i = 0; i < JV_ARRAY_LEN(t); i++)
        if (t[i])
            g_object_unref(t[i]);
    return ret;
}

char *jv_image_data_url(const char *path, int max_side, GError **err)
{
    size_t len = 0;
    char *bytes = jv_read_file(path, JV_LIMIT_IMAGE_FILE, &len, err);
    if (!bytes)
        return NULL;
    const char *mime = jv_image_mime_sniff(bytes, len);
    if (!mime) {
        g_set_error(err, JV_ERROR, JV_ERR_IMAGE, "%s: not a JPEG, PNG, TIFF or WebP file", path);
        g_free(bytes);
        return NULL;
    }
    void *small = NULL;
    size_t small_len = 0;
    if (max_side > 0) {
        int r = shrink(path, bytes, len, max_side, &small, &small_len, err);
        if (r < 0) {
            g_free(bytes);
            return NULL;
        }
        if (r == 1) {
            g_free(bytes);
            bytes = small;
            len = small_len;
            mime = "image/jpeg";
        }
    }
    /* Encode straight after the prefix: one copy of a large image, not three. */
    size_t prefix = strlen("data:") + strlen(mime) + strlen(";base64,");
    char *url = g_malloc(prefix + (len / 3 + 1) * 4 + 4 + 1);
    int state = 0, save = 0;
    snprintf(url, prefix + 1, "data:%s;base64,", mime);
    size_t n = prefix;
    n += g_base64_encode_step((const guchar *)bytes, len, FALSE, url + n, &state, &save);
    n += g_base64_encode_close(FALSE, url + n, &state, &save);
    url[n] = '\0';
    g_free(bytes);
    return url;
}
