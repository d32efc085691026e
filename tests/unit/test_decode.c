/* test_decode.c - unit tests of image/decode and the libvips error helper. */
#include "core/jv.h"

#include <setjmp.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <glib/gstdio.h>
#include <vips/vips.h>

#include "image/decode.h"
#include "image/encode.h"
#include "image/thumbnail.h"
#include "image/vips_error.h"

static char *tmpdir;

static int setup(void **state)
{
    (void)state;
    if (VIPS_INIT("test_decode") != 0)
        return -1;
    tmpdir = g_dir_make_tmp("jv-decode-XXXXXX", NULL);
    return tmpdir ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    GDir *dir = g_dir_open(tmpdir, 0, NULL);
    const char *name;
    while (dir && (name = g_dir_read_name(dir))) {
        char *path = g_build_filename(tmpdir, name, NULL);
        g_unlink(path);
        g_free(path);
    }
    if (dir)
        g_dir_close(dir);
    g_rmdir(tmpdir);
    g_free(tmpdir);
    vips_shutdown();
    return 0;
}

static char *path_of(const char *name)
{
    return g_build_filename(tmpdir, name, NULL);
}

/* Writes an 8-bit image of `bands` bands, w x h, value(x, y, band) = pattern. */
static char *save_image(const char *name, int w, int h, int bands, VipsBandFormat fmt)
{
    size_t bytes = fmt == VIPS_FORMAT_USHORT ? 2 : 1;
    size_t n = (size_t)w * (size_t)h * (size_t)bands;
    void *data = g_malloc(n * bytes);
    for (size_t i = 0; i < n; i++) {
        unsigned v = (unsigned)((i * 37 + i / 7) % 256);
        if (bytes == 2)
            ((uint16_t *)data)[i] = (uint16_t)(v * 257 + (i % 200));
        else
            ((uint8_t *)data)[i] = (uint8_t)v;
    }
    VipsImage *img = vips_image_new_from_memory(data, n * bytes, w, h, bands, fmt);
    assert_non_null(img);
    if (bands <= 2)
        img->Type =
            fmt == VIPS_FORMAT_USHORT ? VIPS_INTERPRETATION_GREY16 : VIPS_INTERPRETATION_B_W;
    else
        img->Type =
            fmt == VIPS_FORMAT_USHORT ? VIPS_INTERPRETATION_RGB16 : VIPS_INTERPRETATION_sRGB;
    char *path = path_of(name);
    int rc = g_str_has_suffix(name, ".jpg") ? vips_jpegsave(img, path, "Q", 95, NULL)
                                            : vips_pngsave(img, path, NULL);
    assert_int_equal(rc, 0);
    g_object_unref(img);
    g_free(data);
    return path;
}

static void write_bytes(const char *path, const void *data, size_t len)
{
    GError *err = NULL;
    assert_true(g_file_set_contents(path, data, (gssize)len, &err));
}

static void expect_error(const char *path, double max_mp, int code, const char *fragment)
{
    GError *err = NULL;
    struct jv_image im;
    uint8_t *rgb = NULL;
    int rc = jv_image_open(path, max_mp, &im, &err);
    if (rc == 0) {
        rc = jv_image_load_rgb8(&im, &rgb, &err);
        jv_image_release(&im);
    }
    if (rc == 0)
        fail_msg("%s decoded, expected an error", path);
    assert_null(rgb);
    assert_non_null(err);
    assert_true(g_utf8_validate(err->message, -1, NULL));
    if (err->code != code || !strstr(err->message, fragment))
        fail_msg("error %d '%s', want %d containing '%s'", err->code, err->message, code, fragment);
    g_error_free(err);
}

static void test_png_rgba_drops_alpha(void **state)
{
    (void)state;
    char *path = save_image("rgba.png", 13, 7, 4, VIPS_FORMAT_UCHAR);
    GError *err = NULL;
    struct jv_image im;
    assert_int_equal(jv_image_open(path, 100, &im, &err), 0);
    assert_int_equal(im.width, 13);
    assert_int_equal(im.height, 7);
    assert_string_equal(im.mime, "image/png");
    assert_non_null(im.img);
    uint8_t *rgb = NULL;
    assert_int_equal(jv_image_load_rgb8(&im, &rgb, &err), 0);
    for (size_t p = 0; p < 13 * 7; p++)
        for (size_t c = 0; c < 3; c++) {
            size_t i = p * 4 + c;
            assert_int_equal(rgb[p * 3 + c], (i * 37 + i / 7) % 256);
        }
    g_free(rgb);
    jv_image_release(&im);
    jv_image_release(&im); /* safe twice */
    g_free(path);
}

static void test_grey_and_16bit(void **state)
{
    (void)state;
    GError *err = NULL;
    struct jv_image im;
    uint8_t *rgb = NULL;
    char *path = save_image("grey alpha.png", 5, 4, 2, VIPS_FORMAT_UCHAR);
    assert_int_equal(jv_image_open(path, 0, &im, &err), 0);
    assert_int_equal(jv_image_load_rgb8(&im, &rgb, &err), 0);
    for (size_t p = 0; p < 20; p++) {
        size_t i = p * 2;
        assert_int_equal(rgb[p * 3], (i * 37 + i / 7) % 256);
        assert_int_equal(rgb[p * 3 + 1], rgb[p * 3]);
        assert_int_equal(rgb[p * 3 + 2], rgb[p * 3]);
    }
    g_free(rgb);
    jv_image_release(&im);
    g_free(path);

    /* 16-bit samples keep their high byte, as Pillow reads 16-bit RGB PNGs. */
    path = save_image("rgb16.png", 6, 3, 3, VIPS_FORMAT_USHORT);
    assert_int_equal(jv_image_open(path, 0, &im, &err), 0);
    assert_int_equal(jv_image_load_rgb8(&im, &rgb, &err), 0);
    for (size_t i = 0; i < 6 * 3 * 3; i++) {
        unsigned v = (unsigned)((i * 37 + i / 7) % 256);
        assert_int_equal(rgb[i], (v * 257 + (i % 200)) >> 8);
    }
    g_free(rgb);
    jv_image_release(&im);
    g_free(path);
}

static void test_jpeg_and_odd_names(void **state)
{
    (void)state;
    /* Spaces, quotes, brackets (libvips' option syntax) and a non-UTF-8 byte. */
    const char *names[] = {"my photo 'one' \"two\".jpg", "entry[Q=1].jpg", "caf\xe9.jpg"};
    for (size_t k = 0; k < JV_ARRAY_LEN(names); k++) {
        char *path = save_image("plain.jpg", 40, 30, 3, VIPS_FORMAT_UCHAR);
        char *odd = path_of(names[k]);
        assert_int_equal(rename(path, odd), 0);
        GError *err = NULL;
        struct jv_image im;
        uint8_t *rgb = NULL;
        assert_int_equal(jv_image_open(odd, 1, &im, &err), 0);
        assert_string_equal(im.mime, "image/jpeg");
        assert_string_equal(im.path, odd);
        assert_int_equal(jv_image_load_rgb8(&im, &rgb, &err), 0);
        assert_non_null(rgb);
        g_free(rgb);
        jv_image_release(&im);
        /* Errors about such a name are still valid UTF-8. */
        write_bytes(odd, "not an image at all\n", 20);
        expect_error(odd, 0, JV_ERR_IMAGE, "not a JPEG");
        g_free(odd);
        g_free(path);
    }
}

static void test_broken_files(void **state)
{
    (void)state;
    char *path = path_of("empty.jpg");
    write_bytes(path, "", 0);
    expect_error(path, 0, JV_ERR_IMAGE, "empty file");
    g_free(path);

    path = path_of("notes.jpg");
    write_bytes(path, "Dear judge,\nthis is text.\n", 26);
    expect_error(path, 0, JV_ERR_IMAGE, "not a JPEG, PNG, TIFF or WebP");
    g_free(path);

    path = path_of("missing.jpg");
    expect_error(path, 0, JV_ERR_NOT_FOUND, "missing.jpg");
    g_free(path);

    expect_error(tmpdir, 0, JV_ERR_IMAGE, "not a regular file");

    /* A PPM is an image libvips reads, but not one we accept. */
    path = path_of("netpbm.jpg");
    write_bytes(path, "P6\n2 2\n255\n000000000000", 23);
    expect_error(path, 0, JV_ERR_IMAGE, "");
    g_free(path);
}

static void test_truncated_jpeg(void **state)
{
    (void)state;
    char *path = save_image("full.jpg", 300, 200, 3, VIPS_FORMAT_UCHAR);
    char *data = NULL;
    gsize len = 0;
    assert_true(g_file_get_contents(path, &data, &len, NULL));
    char *cut = path_of("truncated.jpg");
    write_bytes(cut, data, len / 2);
    expect_error(cut, 0, JV_ERR_IMAGE, "truncated.jpg");
    /* Cut inside the header: refused at open. */
    write_bytes(cut, data, 40);
    expect_error(cut, 0, JV_ERR_IMAGE, "truncated.jpg");
    g_free(data);
    g_free(cut);
    g_free(path);
}

static uint32_t crc32_of(const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
    }
    return ~c;
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void test_huge_header_refused(void **state)
{
    (void)state;
    /* PNG signature, IHDR claiming 100000 x 100000 RGB (valid CRC), a tiny
     * IDAT (an empty zlib stream), IEND. */
    uint8_t png[8 + 25 + 20 + 12] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    uint8_t *ihdr = png + 8;
    put_be32(ihdr, 13);
    memcpy(ihdr + 4, "IHDR", 4);
    put_be32(ihdr + 8, 100000);
    put_be32(ihdr + 12, 100000);
    ihdr[16] = 8; /* bit depth */
    ihdr[17] = 2; /* colour type RGB */
    put_be32(ihdr + 21, crc32_of(ihdr + 4, 17));
    uint8_t *idat = ihdr + 25;
    put_be32(idat, 8);
    memcpy(idat + 4, "IDAT\x78\x9c\x03\x00\x00\x00\x00\x01", 12);
    put_be32(idat + 16, crc32_of(idat + 4, 12));
    uint8_t *iend = idat + 20;
    memcpy(iend + 4, "IEND", 4);
    put_be32(iend + 8, crc32_of(iend + 4, 4));
    char *path = path_of("bomb.png");
    write_bytes(path, png, sizeof(png));
    expect_error(path, 200, JV_ERR_IMAGE, "10000.0 megapixels");

    /* Without a cap the header still opens: nothing has been decoded yet. */
    GError *err = NULL;
    struct jv_image im;
    assert_int_equal(jv_image_open(path, 0, &im, &err), 0);
    assert_int_equal(im.width, 100000);
    assert_int_equal(im.height, 100000);
    jv_image_release(&im);
    g_free(path);
}

static void test_unreadable_file(void **state)
{
    (void)state;
    char *path = save_image("locked.png", 4, 4, 3, VIPS_FORMAT_UCHAR);
    assert_int_equal(chmod(path, 0), 0);
    if (access(path, R_OK) == 0) {
        chmod(path, 0644);
        g_free(path);
        skip(); /* root reads it anyway */
    }
    expect_error(path, 0, JV_ERR_IO, "locked.png");
    chmod(path, 0644);
    g_free(path);
}

/* The one libvips -> GError step: the file named, libvips' reason kept, its buffer emptied. */
static void test_vips_error(void **state)
{
    (void)state;
    GError *err = NULL;
    vips_error_clear();
    vips_error("jpegload", "%s", "boom");
    jv_image_vips_error(&err, JV_ERR_IMAGE, "/p/caf\xe9.jpg", "cannot %s", "read");
    assert_int_equal(err->code, JV_ERR_IMAGE);
    assert_true(g_utf8_validate(err->message, -1, NULL));
    assert_true(g_str_has_prefix(err->message, "/p/caf"));
    if (!g_str_has_suffix(err->message, ".jpg: cannot read: jpegload: boom"))
        fail_msg("message '%s'", err->message);
    assert_string_equal(vips_error_buffer(), "");
    g_clear_error(&err);
    /* Nothing from libvips: no dangling colon. */
    jv_image_vips_error(&err, JV_ERR_IO, "/p/a.png", "cannot open");
    assert_int_equal(err->code, JV_ERR_IO);
    assert_string_equal(err->message, "/p/a.png: cannot open");
    g_clear_error(&err);
    /* Without a GError the buffer is cleared all the same. */
    vips_error("x", "%s", "old");
    jv_image_vips_error(NULL, JV_ERR_IMAGE, "/p/a.png", "ignored");
    assert_string_equal(vips_error_buffer(), "");
}

/* An undecodable file (JPEG signature, header cut): decode, encode and the
 * thumbnail all name the file and leave libvips' buffer empty. */
static void test_undecodable_through_helper(void **state)
{
    (void)state;
    char *path = save_image("whole.jpg", 300, 200, 3, VIPS_FORMAT_UCHAR);
    char *data = NULL;
    gsize len = 0;
    assert_true(g_file_get_contents(path, &data, &len, NULL));
    char *cut = path_of("headless.jpg");
    write_bytes(cut, data, 40);
    vips_error_clear();

    expect_error(cut, 0, JV_ERR_IMAGE, "headless.jpg");
    assert_string_equal(vips_error_buffer(), "");

    GError *err = NULL;
    assert_null(jv_image_data_url(cut, 100, &err));
    assert_int_equal(err->code, JV_ERR_IMAGE);
    if (!strstr(err->message, "headless.jpg: cannot read the image header"))
        fail_msg("message '%s'", err->message);
    assert_false(g_str_has_suffix(err->message, "\n"));
    assert_string_equal(vips_error_buffer(), "");
    g_clear_error(&err);

    char *cache = path_of("thumbs");
    struct jv_image_thumbs *t = jv_image_thumbs_new(cache);
    assert_null(jv_image_thumb_path(t, cut, 64, &err));
    assert_int_equal(err->code, JV_ERR_IMAGE);
    if (!strstr(err->message, "headless.jpg: cannot make a thumbnail"))
        fail_msg("message '%s'", err->message);
    assert_false(g_str_has_suffix(err->message, "\n"));
    assert_string_equal(vips_error_buffer(), "");
    g_clear_error(&err);
    jv_image_thumbs_free(t);
    g_rmdir(cache);
    g_free(cache);
    g_free(data);
    g_free(cut);
    g_free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_png_rgba_drops_alpha),
        cmocka_unit_test(test_grey_and_16bit),
        cmocka_unit_test(test_jpeg_and_odd_names),
        cmocka_unit_test(test_broken_files),
        cmocka_unit_test(test_truncated_jpeg),
        cmocka_unit_test(test_huge_header_refused),
        cmocka_unit_test(test_unreadable_file),
        cmocka_unit_test(test_vips_error),
        cmocka_unit_test(test_undecodable_through_helper),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
