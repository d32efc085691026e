/* decode.c - competition images opened and decoded to 8-bit RGB with libvips. */
#include "core/jv.h"

#include <glib/gstdio.h>
#include <sys/stat.h>

#include "image/decode.h"
#include "image/vips_error.h"

/* The loaders we accept, by the nickname libvips gives the source loader. */
static const struct {
    const char *loader;
    const char *mime;
} accepted[] = {
    {"jpegload_source", "image/jpeg"},
    {"pngload_source", "image/png"},
    {"tiffload_source", "image/tiff"},
    {"webpload_source", "image/webp"},
};

/* Plain checks first, so the common mistakes get plain messages. */
static int check_file(const char *path, GError **err)
{
    GStatBuf st;
    if (g_stat(path, &st) != 0) {
        int e = errno;
        char *name = g_filename_display_name(path);
        g_set_error(err, JV_ERROR, e == ENOENT ? JV_ERR_NOT_FOUND : JV_ERR_IO, "%s: %s", name,
                    g_strerror(e));
        g_free(name);
        return -1;
    }
    const char *problem = NULL;
    if (!S_ISREG(st.st_mode))
        problem = "not a regular file";
    else if (st.st_size == 0)
        problem = "empty file (0 bytes), not an image";
    if (problem) {
        char *name = g_filename_display_name(path);
        g_set_error(err, JV_ERROR, JV_ERR_IMAGE, "%s: %s", name, problem);
        g_free(name);
        return -1;
    }
    return 0;
}

/*
 * The header of the image behind `source` into `out`: the format sniffed
 * from the bytes and checked against the accepted four, then the size
 * against the megapixel cap, all before a pixel is decoded. `path` names
 * the file in messages. Returns 0, or -1 with err (out untouched).
 */
static int open_source(VipsSource *source, const char *path, double max_megapixels,
                       struct jv_image *out, GError **err)
{
    /* find_load gives the class name; compare libvips' stable nicknames. */
    const char *loader_class = vips_foreign_find_load_source(source);
    const char *loader = loader_class ? vips_nickname_find(g_type_from_name(loader_class)) : NULL;
    if (!loader) {
        vips_error_clear();
        char *name = g_filename_display_name(path);
        g_set_error(err, JV_ERROR, JV_ERR_IMAGE,
                    "%s: not a JPEG, PNG, TIFF or WebP image (unknown or corrupt file format)",
                    name);
        g_free(name);
        return -1;
    }
    const char *mime = NULL;
    for (size_t i = 0; i < JV_ARRAY_LEN(accepted); i++)
        if (strcmp(loader, accepted[i].loader) == 0)
            mime = accepted[i].mime;
    if (!mime) {
        char *name = g_filename_display_name(path);
        g_set_error(err, JV_ERROR, JV_ERR_IMAGE,
                    "%s: unsupported image format (libvips loader %s); use JPEG, PNG, TIFF or WebP",
                    name, loader);
        g_free(name);
        return -1;
    }
    VipsImage *img = vips_image_new_from_source(source, "", "access", VIPS_ACCESS_SEQUENTIAL,
                                                "fail_on", VIPS_FAIL_ON_ERROR, NULL);
    if (!img) {
        jv_image_vips_error(err, JV_ERR_IMAGE, path, "cannot read image header");
        return -1;
    }
    int w = vips_image_get_width(img), h = vips_image_get_height(img);
    double mp = (double)w * (double)h / 1e6;
    if (max_megapixels > 0 && mp > max_megapixels) {
        char *name = g_filename_display_name(path);
        g_set_error(err, JV_ERROR, JV_ERR_IMAGE,
                    "%s: image is %dx%d (%.1f megapixels), over the limit of %g megapixels", name,
                    w, h, mp, max_megapixels);
        g_free(name);
        g_object_unref(img);
        return -1;
    }
    out->img = img;
    out->path = g_strdup(path);
    out->width = w;
    out->height = h;
    out->mime = mime;
    return 0;
}

int jv_image_open(const char *path, double max_megapixels, struct jv_image *out, GError **err)
{
    memset(out, 0, sizeof(*out));
    if (check_file(path, err) != 0)
        return -1;
    /* A source, not vips_image_new_from_file(): that one would read
     * "name[options]" in a file name as load options. */
    VipsSource *source = vips_source_new_from_file(path);
    if (!source) {
        jv_image_vips_error(err, JV_ERR_IO, path, "cannot open");
        return -1;
    }
    int rc = open_source(source, path, max_megapixels, out, err);
    g_object_unref(source);
    return rc;
}

int jv_image_open_bytes(GBytes *bytes, const char *path, double max_megapixels,
                        struct jv_image *out, GError **err)
{
    memset(out, 0, sizeof(*out));
    gsize len = 0;
    const void *data = g_bytes_get_data(bytes, &len);
    if (len == 0) {
        char *name = g_filename_display_name(path);
        g_set_error(err, JV_ERROR, JV_ERR_IMAGE, "%s: empty file (0 bytes), not an image", name);
        g_free(name);
        return -1;
    }
    /* The source reads `data` in place: the image keeps a reference to it. */
    VipsSource *source = vips_source_new_from_memory(data, len);
    if (!source) {
        jv_image_vips_error(err, JV_ERR_IO, path, "cannot open");
        return -1;
    }
    int rc = open_source(source, path, max_megapixels, out, err);
    g_object_unref(source);
    if (rc == 0)
        out->bytes = g_bytes_ref(bytes);
    return rc;
}

int jv_image_load_rgb8(struct jv_image *im, uint8_t **rgb, GError **err)
{
    int rc = -1;
    *rgb = NULL;
    if (!im->img) {
        g_set_error(err, JV_ERROR, JV_ERR_IMAGE, "image is not open");
        return -1;
    }
    /* Temporaries hang off one parent object, so one unref frees them all. */
    VipsImage *parent = vips_image_new();
    VipsImage **t = (VipsImage **)vips_object_local_array(VIPS_OBJECT(parent), 4);
    VipsImage *x = im->img;

    if (vips_image_get_interpretation(x) == VIPS_INTERPRETATION_CMYK && x->Bands >= 4) {
        if (vips_colourspace(x, &t[0], VIPS_INTERPRETATION_sRGB, NULL) != 0)
            goto vips_fail;
        x = t[0];
    }
    if (x->Bands < 3) {
        /* Greyscale, with or without alpha: R = G = B = grey. */
        if (vips_extract_band(x, &t[1], 0, NULL) != 0)
            goto vips_fail;
        VipsImage *grey[3] = {t[1], t[1], t[1]};
        if (vips_bandjoin(grey, &t[2], 3, NULL) != 0)
            goto vips_fail;
        x = t[2];
    } else if (x->Bands > 3) {
        /* Alpha or extra channels are dropped, as Pillow's convert('RGB'). */
        if (vips_extract_band(x, &t[1], 0, "n", 3, NULL) != 0)
            goto vips_fail;
        x = t[1];
    }
    if (x->BandFmt != VIPS_FORMAT_UCHAR) {
        /* Integer samples keep their most significant byte; others clip. */
        gboolean shift =
            !vips_band_format_isfloat(x->BandFmt) && !vips_band_format_iscomplex(x->BandFmt);
        if (vips_cast(x, &t[3], VIPS_FORMAT_UCHAR, "shift", shift, NULL) != 0)
            goto vips_fail;
        x = t[3];
    }
    size_t size = 0;
    void *buf = vips_image_write_to_memory(x, &size);
    if (!buf)
        goto vips_fail;
    if (size != (size_t)im->width * (size_t)im->height * 3) {
        g_free(buf);
        char *name = g_filename_display_name(im->path);
        g_set_error(err, JV_ERROR, JV_ERR_IMAGE, "%s: decoded %zu bytes, expected %dx%dx3", name,
                    size, im->width, im->height);
        g_free(name);
        goto out;
    }
    *rgb = buf;
    rc = 0;
    goto out;
vips_fail:
    jv_image_vips_error(err, JV_ERR_IMAGE, im->path, "cannot decode image");
out:
    g_object_unref(parent);
    return rc;
}

void jv_image_release(struct jv_image *im)
{
    if (im->img)
        g_object_unref(im->img);
    if (im->bytes)
        g_bytes_unref(im->bytes); /* after the image that reads them */
    g_free(im->path);
    memset(im, 0, sizeof(*im));
}
