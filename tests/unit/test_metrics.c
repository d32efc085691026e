/* test_metrics.c - unit tests of the Stage 1 metrics on synthetic images. */
#include "core/jv.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include "iqa/metrics.h"

/* The expected values below are worked out by hand from doc/SPEC.md 2.5. */

static double get(const json_t *m, const char *key)
{
    const json_t *v = json_object_get(m, key);
    if (!v)
        fail_msg("metric %s missing", key);
    assert_true(json_is_real(v));
    return json_real_value(v);
}

#define assert_close(m, key, want)                                                                 \
    do {                                                                                           \
        double got_ = get((m), (key));                                                             \
        if (!(fabs(got_ - (want)) <= 1e-12 * fmax(1.0, fabs(want))))                               \
            fail_msg("%s = %.17g, want %.17g", (key), got_, (double)(want));                       \
    } while (0)

static uint8_t *image_new(int w, int h)
{
    return g_new0(uint8_t, (size_t)w * (size_t)h * 3);
}

static void put(uint8_t *img, int w, int x, int y, int r, int g, int b)
{
    uint8_t *p = img + ((size_t)y * (size_t)w + (size_t)x) * 3;
    p[0] = (uint8_t)r;
    p[1] = (uint8_t)g;
    p[2] = (uint8_t)b;
}

static void test_constant_image(void **state)
{
    (void)state;
    const int w = 10, h = 8;
    uint8_t *img = image_new(w, h);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            put(img, w, x, y, 100, 150, 200);
    json_t *m = jv_metrics_compute(img, w, h, true);
    assert_non_null(m);
    assert_int_equal(json_object_size(m), 15);
    /* L = (1959500 + 5770500 + 1494200 + 32768) >> 16 = 9256968 >> 16 = 141 */
    assert_close(m, "mean_luma", 141.0 / 255.0);
    assert_close(m, "contrast", 0.0);
    /* Interior: 8e - 8e = 0; the outer ring (2*10 + 2*6 = 32 pixels) keeps 141. */
    assert_close(m, "edge_density", 32.0 * 141.0 / (80.0 * 255.0));
    /* S = floor(100 * 255 / 200) = floor(127.5) = 127 */
    assert_close(m, "saturation", 127.0 / 255.0);
    /* G8 = (979800 + 2885250 + 747000 + 16384) >> 15 = 4628434 >> 15 = 141 */
    assert_close(m, "mean_luminance", 141.0 / 255.0);
    assert_close(m, "histogram_centre", 141.0 / 255.0);
    assert_close(m, "dynamic_range", 0.0);
    assert_close(m, "clip_low_percent", 0.0);
    assert_close(m, "clip_high_percent", 0.0);
    assert_close(m, "local_contrast", 0.0);
    assert_close(m, "mid_tone_range", 1.0); /* all mass in bin 141, between 64 and 192 */
    assert_close(m, "sharpness_laplacian_var", 0.0);
    assert_close(m, "noise_sigma", 0.0);
    /* rg = -50, yb = 125 - 200 = -75 everywhere: no spread, 0.3 * |mean| */
    assert_close(m, "colourfulness", 0.3 * sqrt(50.0 * 50.0 + 75.0 * 75.0));
    assert_close(m, "megapixels", 80e-6);
    json_decref(m);

    m = jv_metrics_compute(img, w, h, false);
    assert_int_equal(json_object_size(m), 8);
    assert_null(json_object_get(m, "dynamic_range"));
    assert_null(json_object_get(m, "clip_low_percent"));
    json_decref(m);
    g_free(img);
}

static void test_checkerboard(void **state)
{
    (void)state;
    const int w = 8, h = 6;
    uint8_t *img = image_new(w, h);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int v = (x + y) % 2 ? 255 : 0;
            put(img, w, x, y, v, v, v);
        }
    json_t *m = jv_metrics_compute(img, w, h, true);
    assert_close(m, "mean_luma", 0.5);
    assert_close(m, "contrast", 0.5);
    /* White centre: 8*255 - 4*255 (same-colour corners) = 1020 -> 255;
     * black centre: -1020 -> 0: the edge image equals the input. */
    assert_close(m, "edge_density", 0.5);
    assert_close(m, "saturation", 0.0);
    /* g = 1.0 falls outside OpenCV's last bin: only the black half is counted. */
    assert_close(m, "dynamic_range", 0.0);
    assert_close(m, "histogram_centre", 0.0);
    assert_close(m, "mid_tone_range", 0.0);
    assert_close(m, "mean_luminance", 0.5);
    assert_close(m, "clip_low_percent", 50.0);
    assert_close(m, "clip_high_percent", 50.0);
    /* Reflect-101 keeps the pattern: the 4-neighbour Laplacian is -4 on white,
     * +4 on black (in units of 1/255 * 255); the diagonal one is 0 everywhere. */
    assert_close(m, "sharpness_laplacian_var", 16.0);
    assert_close(m, "local_contrast", 0.0);
    /* Immerkaer: |C - 2N + 4e| = 2040/255 = 8 on every interior pixel. */
    assert_close(m, "noise_sigma", sqrt(M_PI / 2.0) * 8.0 / 6.0);
    assert_close(m, "colourfulness", 0.0);
    json_decref(m);
    g_free(img);
}

static void test_edge_border_rule(void **state)
{
    (void)state;
    const int w = 5, h = 5;
    uint8_t *img = image_new(w, h);
    /* A grey dot in the middle: centre 8*100 -> 255, its 8 neighbours -100 -> 0. */
    put(img, w, 2, 2, 100, 100, 100);
    json_t *m = jv_metrics_compute(img, w, h, false);
    assert_close(m, "edge_density", 255.0 / (25.0 * 255.0));
    json_decref(m);
    /* The same dot on the outer ring is copied unfiltered; its interior
     * neighbours go negative and clip to 0. */
    memset(img, 0, 75);
    put(img, w, 2, 0, 100, 100, 100);
    m = jv_metrics_compute(img, w, h, false);
    assert_close(m, "edge_density", 100.0 / (25.0 * 255.0));
    json_decref(m);
    /* A bright dot clips at 255 in the middle of a white field: 8*255 - 8*255 = 0
     * inside, the ring stays white. */
    for (int i = 0; i < 75; i++)
        img[i] = 255;
    m = jv_metrics_compute(img, w, h, false);
    assert_close(m, "edge_density", 16.0 / 25.0);
    json_decref(m);
    g_free(img);
}

static void test_grey_gradient(void **state)
{
    (void)state;
    const int w = 256, h = 4;
    uint8_t *img = image_new(w, h);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            put(img, w, x, y, x, x, x); /* L = G8 = x for grey */
    json_t *m = jv_metrics_compute(img, w, h, true);
    assert_close(m, "mean_luma", 127.5 / 255.0);
    assert_close(m, "mean_luminance", 127.5 / 255.0);
    assert_close(m, "saturation", 0.0);
    /* 255 columns are counted (value 255 is not); cdf[i] = (i + 1) / 255.
     * p1: i + 1 >= 2.55 -> 2; p99: i + 1 >= 252.45 -> 252. */
    assert_close(m, "dynamic_range", 250.0 / 255.0);
    assert_close(m, "mid_tone_range", 128.0 / 255.0);
    assert_close(m, "histogram_centre", 127.0 / 255.0);
    /* g < 0.02 <=> value <= 5; g > 0.98 <=> value >= 250: 6 columns each. */
    assert_close(m, "clip_low_percent", 100.0 * 6.0 / 256.0);
    assert_close(m, "clip_high_percent", 100.0 * 6.0 / 256.0);
    /* Only the reflected end columns bend: +2 at x = 0, -2 at x = 255. */
    assert_close(m, "sharpness_laplacian_var", (8.0 * 4.0 / 1024.0) / (255.0 * 255.0));
    assert_close(m, "noise_sigma", 0.0);
    /* Diagonal Laplacian: 2 * 4 corners - 8 centre, at x = 0: 2*(1+1+1+1) = 8;
     * at x = 255: 2*4*254 - 8*255 = -8. */
    assert_close(m, "local_contrast", sqrt(8.0 * 64.0 / 1024.0) / 255.0);
    json_decref(m);
    g_free(img);
}

static void test_all_white(void **state)
{
    (void)state;
    uint8_t *img = image_new(4, 3);
    memset(img, 255, 36);
    json_t *m = jv_metrics_compute(img, 4, 3, true);
    assert_close(m, "clip_high_percent", 100.0);
    assert_close(m, "dynamic_range", 0.0);
    assert_close(m, "histogram_centre", 1.0);
    assert_close(m, "mid_tone_range", 0.0);
    assert_close(m, "mean_luminance", 1.0);
    json_decref(m);
    g_free(img);
}

static void test_saturation_all_pairs(void **state)
{
    (void)state;
    /* Every (max, min) pair once: pixel (max, min, min). */
    const int w = 256, h = 256;
    uint8_t *img = image_new(w, h);
    uint64_t want = 0;
    for (int mx = 0; mx < 256; mx++)
        for (int mn = 0; mn < 256; mn++) {
            int lo = mn <= mx ? mn : mx;
            put(img, w, mn, mx, mx, lo, lo);
            if (mx > 0)
                want += (uint64_t)((mx - lo) * 255 / mx);
        }
    json_t *m = jv_metrics_compute(img, w, h, false);
    assert_close(m, "saturation", (double)want / (65536.0 * 255.0));
    json_decref(m);
    g_free(img);
}

static void test_tiny_images(void **state)
{
    (void)state;
    uint8_t px[12] = {200, 10, 30, 10, 20, 30, 0, 0, 0, 255, 255, 255};
    json_t *m = jv_metrics_compute(px, 1, 1, true);
    /* L = (3919000 + 384700 + 224130 + 32768) >> 16 = 69 */
    assert_close(m, "mean_luma", 69.0 / 255.0);
    assert_close(m, "edge_density", 69.0 / 255.0);
    assert_close(m, "noise_sigma", 0.0);
    assert_close(m, "sharpness_laplacian_var", 0.0);
    json_decref(m);
    m = jv_metrics_compute(px, 2, 2, true);
    assert_non_null(m);
    assert_close(m, "noise_sigma", 0.0);
    json_decref(m);
    assert_null(jv_metrics_compute(px, 0, 1, true));
    assert_null(jv_metrics_compute(NULL, 1, 1, true));
}

static void test_notes_and_tonal_summary(void **state)
{
    (void)state;
    json_t *m = json_pack("{sf sf sf}", "contrast", 0.05, "edge_density", 0.2, "saturation", 0.1);
    assert_null(jv_iqa_tonal_summary(m));
    char *notes = jv_iqa_notes(m);
    assert_non_null(strstr(notes, "low global contrast"));
    assert_non_null(strstr(notes, "may be monochrome"));
    assert_null(strstr(notes, "sharp detail"));
    assert_null(strstr(notes, "nominal"));
    assert_non_null(strstr(notes, "; "));
    g_free(notes);
    json_decref(m);

    m = json_pack("{sf sf sf sf sf sf sf sf sf}", "contrast", 0.2, "edge_density", 0.2,
                  "saturation", 0.4, "dynamic_range", 0.6, "mean_luminance", 0.5,
                  "clip_high_percent", 0.2, "clip_low_percent", 0.1, "local_contrast", 0.05,
                  "nima_aesthetic_mean", 5.25);
    char *tonal = jv_iqa_tonal_summary(m);
    assert_string_equal(tonal, "Tonal balance is well controlled.");
    notes = jv_iqa_notes(m);
    assert_true(g_str_has_prefix(notes, "contrast, detail and saturation nominal; NIMA aesthetic "
                                        "5.25/10; Tonal balance"));
    g_free(notes);
    g_free(tonal);

    json_object_set_new(m, "dynamic_range", json_real(0.9));
    json_object_set_new(m, "mean_luminance", json_real(0.3));
    json_object_set_new(m, "clip_high_percent", json_real(2.5));
    json_object_set_new(m, "clip_low_percent", json_real(1.5));
    json_object_set_new(m, "local_contrast", json_real(0.01));
    json_object_set_new(m, "musiq_mos", json_real(61.0));
    tonal = jv_iqa_tonal_summary(m);
    assert_non_null(strstr(tonal, "Punchy"));
    assert_non_null(strstr(tonal, "Dark"));
    assert_non_null(strstr(tonal, "Highlights clipping"));
    assert_non_null(strstr(tonal, "Shadows blocking"));
    assert_non_null(strstr(tonal, "Flat local contrast"));
    assert_null(strstr(tonal, "well controlled"));
    notes = jv_iqa_notes(m);
    assert_non_null(strstr(notes, "MUSIQ quality 61.0/100"));
    assert_non_null(strstr(notes, tonal));
    g_free(notes);
    g_free(tonal);

    json_object_set_new(m, "dynamic_range", json_real(0.3));
    json_object_set_new(m, "mean_luminance", json_real(0.7));
    json_object_set_new(m, "local_contrast", json_real(0.1));
    tonal = jv_iqa_tonal_summary(m);
    assert_non_null(strstr(tonal, "Subdued"));
    assert_non_null(strstr(tonal, "Bright"));
    assert_non_null(strstr(tonal, "Aggressive local contrast"));
    g_free(tonal);
    json_decref(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_constant_image),   cmocka_unit_test(test_checkerboard),
        cmocka_unit_test(test_edge_border_rule), cmocka_unit_test(test_grey_gradient),
        cmocka_unit_test(test_all_white),        cmocka_unit_test(test_saturation_all_pairs),
        cmocka_unit_test(test_tiny_images),      cmocka_unit_test(test_notes_and_tonal_summary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
