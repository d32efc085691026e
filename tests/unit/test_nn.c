/* test_nn.c - unit tests of the inference kernels: GEMM (every kernel this CPU has), the
 * parallel loop, convolutions against direct sums, Pillow's NEAREST index mapping. */
#include "core/jv.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include "nn/conv.h"
#include "nn/gemm.h"
#include "nn/hdf5.h"
#include "nn/pool.h"
#include "nn/resize.h"

static float *random_floats(size_t n, GRand *r)
{
    float *x = g_new(float, n);
    for (size_t i = 0; i < n; i++)
        x[i] = (float)g_rand_double_range(r, -1.0, 1.0);
    return x;
}

/* C (+)= A·B in double, the yardstick. */
static void gemm_ref(int m, int n, int k, const float *a, int lda, const float *b, int ldb,
                     double *c, int ldc)
{
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            double s = 0;
            for (int p = 0; p < k; p++)
                s += (double)a[i * lda + p] * b[p * ldb + j];
            c[i * ldc + j] += s;
        }
}

static void check_shape(int m, int n, int k, bool acc, GRand *r)
{
    int lda = k + 3, ldb = n + 5, ldc = n + 2;
    float *a = random_floats((size_t)m * lda, r), *b = random_floats((size_t)k * ldb, r);
    float *c = random_floats((size_t)m * ldc, r);
    double *want = g_new(double, (size_t)m *ldc);
    for (int i = 0; i < m * ldc; i++)
        want[i] = acc ? c[i] : 0.0;
    gemm_ref(m, n, k, a, lda, b, ldb, want, ldc);
    float guard = c[(m - 1) * ldc + n]; /* past the last column: untouched */
    jv_gemm(m, n, k, a, lda, b, ldb, c, ldc, acc);
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            double d = fabs(c[i * ldc + j] - want[i * ldc + j]);
            if (d > 1e-5 * (k + 1))
                fail_msg("%s m=%d n=%d k=%d acc=%d: C[%d][%d] = %g, want %g", jv_gemm_kernel(), m,
                         n, k, acc, i, j, c[i * ldc + j], want[i * ldc + j]);
        }
    assert_true(c[(m - 1) * ldc + n] == guard);
    g_free(a);
    g_free(b);
    g_free(c);
    g_free(want);
}

static void test_gemm_kernels(void **state)
{
    (void)state;
    static const char *const names[] = {"portable", "avx2", "avx512"};
    static const int shapes[][3] = {{1, 1, 1},    {5, 7, 3},       {6, 16, 8},       {13, 33, 257},
                                    {97, 64, 32}, {200, 129, 300}, {49, 1024, 1024}, {3, 600, 1},
                                    {8, 32, 513}, {389, 64, 70},   {300, 200, 40}};
    GRand *r = g_rand_new_with_seed(42);
    const char *dflt = jv_gemm_kernel();
    int tried = 0;
    for (size_t kn = 0; kn < JV_ARRAY_LEN(names); kn++) {
        if (!jv_gemm_force_kernel(names[kn]))
            continue;
        tried++;
        for (size_t s = 0; s < JV_ARRAY_LEN(shapes); s++)
            for (int acc = 0; acc < 2; acc++)
                check_shape(shapes[s][0], shapes[s][1], shapes[s][2], acc, r);
    }
    assert_true(tried >= 1);
    assert_true(jv_gemm_force_kernel(dflt));
    assert_false(jv_gemm_force_kernel("sse1"));
    g_rand_free(r);
}

static void test_gemm_pool_same_bits(void **state)
{
    (void)state;
    GRand *r = g_rand_new_with_seed(7);
    int m = 1000, n = 70, k = 300;
    float *a = random_floats((size_t)m * k, r), *b = random_floats((size_t)k * n, r);
    float *c1 = g_new0(float, (size_t)m *n), *c2 = g_new0(float, (size_t)m *n);
    struct jv_nn_pool *pool = jv_nn_pool_new(3, NULL);
    assert_non_null(pool);
    assert_int_equal(jv_nn_pool_threads(pool), 3);
    jv_gemm(m, n, k, a, k, b, n, c1, n, false);
    jv_gemm_pool(pool, m, n, k, a, k, b, n, c2, n, false);
    assert_memory_equal(c1, c2, sizeof(float) * (size_t)m * n);
    jv_nn_pool_free(pool);
    g_free(a);
    g_free(b);
    g_free(c1);
    g_free(c2);
    g_rand_free(r);
}

static void count(int i, void *user)
{
    gint *hits = user;
    g_atomic_int_inc(&hits[i]);
}

static void test_parallel_for(void **state)
{
    (void)state;
    struct jv_nn_pool *pool = jv_nn_pool_new(2, NULL);
    gint hits[257] = {0};
    for (int round = 0; round < 20; round++)
        jv_nn_parallel_for(pool, 257, count, hits);
    jv_nn_parallel_for(NULL, 257, count, hits);
    for (int i = 0; i < 257; i++)
        assert_int_equal(hits[i], 21);
    jv_nn_pool_free(pool);
    assert_true(jv_nn_pool_helpers(1 << 20) == 0);
}

/* A direct depthwise sum, as Keras defines it, against jv_depthwise (stride 1 'same' and
 * stride 2 padded ((0,1),(0,1))), on maps wide enough for the four-pixel path and not. */
static void test_depthwise(void **state)
{
    (void)state;
    GRand *r = g_rand_new_with_seed(3);
    static const int sizes[] = {9, 14, 17, 5, 3};
    static const int chans[] = {8, 13, 32};
    for (int stride = 1; stride <= 2; stride++)
        for (size_t t = 0; t < JV_ARRAY_LEN(sizes) * JV_ARRAY_LEN(chans); t++) {
            size_t si = t % JV_ARRAY_LEN(sizes), ci = t / JV_ARRAY_LEN(sizes);
            int c = chans[ci], h = sizes[si], p0 = stride == 1 ? 1 : 0;
            struct jv_conv_geom g = {.h = h,
                                     .w = h,
                                     .cin = c,
                                     .cout = c,
                                     .k = 3,
                                     .stride = stride,
                                     .pad_top = p0,
                                     .pad_left = p0};
            g.oh = g.ow = jv_conv_out(h, 3, stride, p0, 1);
            float *in = random_floats((size_t)h * h * c, r), *w = random_floats(9 * (size_t)c, r);
            float *bias = random_floats((size_t)c, r), *out = g_new(float, (size_t)g.oh *g.ow *c);
            jv_depthwise(&g, in, w, bias, JV_ACT_NONE, out);
            for (int oy = 0; oy < g.oh; oy++)
                for (int ox = 0; ox < g.ow; ox++)
                    for (int ch = 0; ch < c; ch++) {
                        double s = bias[ch];
                        for (int ky = 0; ky < 3; ky++)
                            for (int kx = 0; kx < 3; kx++) {
                                int iy = oy * stride - p0 + ky, ix = ox * stride - p0 + kx;
                                if (iy >= 0 && iy < h && ix >= 0 && ix < h)
                                    s += (double)in[(iy * h + ix) * c + ch] *
                                         w[(ky * 3 + kx) * c + ch];
                            }
                        assert_true(fabs(out[(oy * g.ow + ox) * c + ch] - s) < 1e-5);
                    }
            g_free(in);
            g_free(w);
            g_free(bias);
            g_free(out);
        }
    g_rand_free(r);
}

static void test_bias_relu6(void **state)
{
    (void)state;
    float x[4] = {-3.0f, 0.5f, 5.5f, 9.0f};
    const float b[4] = {1.0f, 1.0f, 1.0f, -2.0f};
    jv_bias_act(x, 1, 4, b, JV_ACT_RELU6);
    assert_true(x[0] == 0.0f && x[1] == 1.5f && x[2] == 6.0f && x[3] == 6.0f);
}

/* Pillow's mapping, worked out by hand: out x reads (int)((x + 0.5) * in / out). */
static void test_nearest_index(void **state)
{
    (void)state;
    int idx[8];
    jv_resize_nearest_index(3, 8, idx); /* 0.1875, 0.5625, 0.9375, 1.3125, ... */
    static const int want3[8] = {0, 0, 0, 1, 1, 2, 2, 2};
    assert_memory_equal(idx, want3, sizeof want3);
    jv_resize_nearest_index(10, 4, idx); /* 1.25, 3.75, 6.25, 8.75 */
    static const int want10[4] = {1, 3, 6, 8};
    assert_memory_equal(idx, want10, sizeof want10);
    jv_resize_nearest_index(5, 5, idx);
    for (int i = 0; i < 5; i++)
        assert_int_equal(idx[i], i);
}

/* The fuzz seeds are small Keras files in both layouts (fixed- and variable-length names). */
static void test_h5_layouts(void **state)
{
    (void)state;
    const char *src = g_getenv("JV_SOURCE_DIR");
    if (!src)
        skip();
    char *path = g_build_filename(src, "fuzz", "corpus", "hdf5", "keras_model.h5", NULL);
    GError *err = NULL;
    struct jv_h5_file *f = jv_h5_load(path, 1 << 20, &err);
    assert_non_null(f);
    assert_true(f->model_save);
    assert_int_equal(f->layers->len, 2);
    const int64_t k[4] = {3, 3, 3, 32}, d[2] = {2, 10}, b[1] = {10}, wrong[4] = {3, 3, 3, 16};
    assert_non_null(jv_h5_get(f, "conv1", "kernel:0", 4, k, &err));
    const struct jv_tensor *dk = jv_h5_get(f, "dense", "kernel:0", 2, d, &err);
    assert_non_null(dk); /* stored as float64, read as float32 */
    assert_true(dk->data[0] == 1.0f);
    assert_string_equal(jv_h5_find_layer(f, "kernel:0", 2, d, "bias:0", 1, b, &err), "dense");
    assert_null(jv_h5_get(f, "conv1", "kernel:0", 4, wrong, &err));
    assert_non_null(strstr(err->message, "has shape (3, 3, 3, 32), expected (3, 3, 3, 16)"));
    g_clear_error(&err);
    jv_h5_free(f);
    /* 1 KiB of weights allowed: the 3456-byte kernel is refused before it is read. */
    assert_null(jv_h5_load(path, 1024, &err));
    assert_non_null(strstr(err->message, "larger than the weight limit"));
    g_clear_error(&err);
    g_free(path);
    path = g_build_filename(src, "fuzz", "corpus", "hdf5", "keras_weights.h5", NULL);
    f = jv_h5_load(path, 1 << 20, &err);
    assert_non_null(f);
    assert_false(f->model_save);
    assert_int_equal(f->layers->len, 4);
    assert_int_equal(jv_h5_layer(f, "input_1")->weights->len, 0);
    jv_h5_free(f);
    g_free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gemm_kernels), cmocka_unit_test(test_gemm_pool_same_bits),
        cmocka_unit_test(test_parallel_for), cmocka_unit_test(test_depthwise),
        cmocka_unit_test(test_bias_relu6),   cmocka_unit_test(test_nearest_index),
        cmocka_unit_test(test_h5_layouts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
