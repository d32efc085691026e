/*
 * test_musiq.c - MUSIQ's input on its own (src/nn/musiq_prep.h): the hashed
 * grid positions, the scale sizes (rounded half to even), the token counts
 * and order, SAME padding (the odd pixel after), and the Gaussian resize of
 * a flat image staying flat. The comparison with the reference on photos is
 * tests/parity/musiq_parity.sh.
 */
#include "core/jv.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include "nn/musiq_prep.h"

static void test_hash(void **state)
{
    (void)state;
    /* floor(i * float(10 / count)), capped at 9: TF's legacy nearest-neighbour resize. */
    const int seven[7] = {0, 1, 2, 4, 5, 7, 8};
    for (int i = 0; i < 7; i++)
        assert_int_equal(jv_musiq_hash_index(i, 7), seven[i]);
    for (int i = 0; i < 10; i++)
        assert_int_equal(jv_musiq_hash_index(i, 10), i);
    assert_int_equal(jv_musiq_hash_index(0, 1), 0);
    assert_int_equal(jv_musiq_hash_index(1, 3), 3);
    assert_int_equal(jv_musiq_hash_index(124, 125), 9);
    assert_int_equal(jv_musiq_hash_index(12, 125), 0);
    assert_int_equal(jv_musiq_hash_index(13, 125), 1);
}

static void test_12mp_layout(void **state)
{
    (void)state;
    int w = 4000, h = 3000;
    uint8_t *rgb = g_malloc((size_t)w * h * 3);
    memset(rgb, 200, (size_t)w * h * 3);
    struct jv_musiq_input in;
    GError *err = NULL;
    assert_int_equal(jv_musiq_prepare(rgb, w, h, &in, &err), 0);
    assert_int_equal(in.scale[0].width, 224);
    assert_int_equal(in.scale[0].height, 168);
    assert_int_equal(in.scale[1].width, 384);
    assert_int_equal(in.scale[1].height, 288);
    assert_int_equal(in.scale[2].count_w, 125);
    assert_int_equal(in.scale[2].count_h, 94);
    assert_int_equal(in.scale[2].pad_top, 4);  /* 3008 - 3000 = 8, half before */
    assert_int_equal(in.scale[0].pad_top, 12); /* 192 - 168 = 24: 12 before, 12 after */
    assert_int_equal(in.n_tokens, 7 * 6 + 12 * 9 + 125 * 94);
    assert_int_equal(in.token_scale[41], 0);
    assert_int_equal(in.token_scale[42], 1);
    assert_int_equal(in.token_scale[150], 2);
    /* The last 384-scale patch: row 8 of 9 -> 8, column 11 of 12 -> 9. */
    assert_int_equal(in.token_spatial[42 + 12 * 9 - 1], 89);
    /* A flat image stays flat through the Gaussian resize (weights sum to 1). */
    float v = -1.0f + (200.0f / 255.0f) * 2.0f;
    for (size_t i = 0; i < (size_t)224 * 168 * 3; i++)
        assert_true(fabsf(in.scale[0].pix[i] - v) < 1e-6f);
    float *p = g_new(float, JV_MUSIQ_PATCH_FLOATS);
    jv_musiq_patch(&in, 150, p); /* full size, row 0, column 0: 4 rows of padding on top */
    assert_true(p[0] == 0.0f && p[3 * 32 * 3 + 31 * 3 + 2] == 0.0f);
    assert_true(fabsf(p[4 * 32 * 3] - v) < 1e-7f);
    jv_musiq_patch(&in, 0, p); /* scale 0, row 0: 12 rows of padding */
    assert_true(p[11 * 32 * 3] == 0.0f && fabsf(p[12 * 32 * 3] - v) < 1e-6f);
    g_free(p);
    jv_musiq_input_release(&in);
    g_free(rgb);
}

static void test_round_half_even_and_narrow(void **state)
{
    (void)state;
    /* 448 x 101: 101 * 0.5 = 50.5 -> 50 (half to even); 384 / 448 * 101 = 86.57 -> 87. */
    uint8_t *rgb = g_malloc0((size_t)448 * 101 * 3);
    struct jv_musiq_input in;
    GError *err = NULL;
    assert_int_equal(jv_musiq_prepare(rgb, 448, 101, &in, &err), 0);
    assert_int_equal(in.scale[0].height, 50);
    assert_int_equal(in.scale[1].height, 87);
    jv_musiq_input_release(&in);
    /* 4480 x 5 at 224: 0.25 rounds to 0 rows: refused. */
    assert_int_equal(jv_musiq_prepare(rgb, 4480, 5, &in, &err), -1);
    assert_non_null(strstr(err->message, "too narrow"));
    g_error_free(err);
    g_free(rgb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash),
        cmocka_unit_test(test_12mp_layout),
        cmocka_unit_test(test_round_half_even_and_narrow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
