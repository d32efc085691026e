/*
 * jv_nima_dump - NIMA's C side for the parity test and the benchmark.
 *   jv_nima_dump [--threads N] [--kernel K] [--repeat R] WEIGHTS.hdf5 IMAGE...
 *     one JSON object a line per image: {"file", "head", "probs": [10],
 *     "mean", "std", "decode_ms", "forward_ms"} (forward_ms: the fastest of
 *     R runs, the resize included; decode_ms: the file decoded to RGB), or
 *     {"file", "error"}; a file that cannot be loaded prints {"error"} and
 *     exits 1. N - 1 helper threads run with the caller (default 1 thread);
 *     K forces the GEMM kernel (avx512, avx2, portable).
 *   jv_nima_dump --resize DIR IMAGE...   the 224×224 RGB input of image i
 *     (before scaling to -1..1) written to DIR/i.rgb.
 *   jv_nima_dump --index IN:OUT...       the NEAREST source index of each
 *     output position, one JSON array a line.
 */
#include "core/jv.h"

#include <jansson.h>
#include <locale.h>
#include <math.h>
#include <vips/vips.h>

#include "core/clock.h"
#include "image/decode.h"
#include "nn/gemm.h"
#include "nn/nima.h"
#include "nn/pool.h"
#include "nn/resize.h"

static int decode(const char *path, uint8_t **rgb, int *w, int *h, GError **err)
{
    struct jv_image im;
    if (jv_image_open(path, 200.0, &im, err) != 0)
        return -1;
    int rc = jv_image_load_rgb8(&im, rgb, err);
    *w = im.width;
    *h = im.height;
    jv_image_release(&im);
    return rc;
}

static json_t *predict(const struct jv_nima *m, const char *path, struct jv_nn_pool *pool,
                       int repeat)
{
    GError *err = NULL;
    uint8_t *rgb = NULL;
    int w, h;
    json_t *out = json_pack("{ss}", "file", path);
    double t0 = jv_clock_mono();
    if (decode(path, &rgb, &w, &h, &err) < 0) {
        json_object_set_new(out, "error", json_string(err->message));
        g_error_free(err);
        return out;
    }
    double decode_ms = (jv_clock_mono() - t0) * 1e3, best = INFINITY;
    float probs[JV_NIMA_CLASSES];
    for (int r = 0; r < repeat; r++) {
        double t1 = jv_clock_mono();
        if (jv_nima_predict(m, rgb, w, h, pool, probs) < 0)
            g_error("out of memory");
        double ms = (jv_clock_mono() - t1) * 1e3;
        best = ms < best ? ms : best;
    }
    g_free(rgb);
    json_t *p = json_array();
    for (int i = 0; i < JV_NIMA_CLASSES; i++)
        json_array_append_new(p, json_real(probs[i]));
    double mean, std;
    jv_nima_score(probs, &mean, &std);
    json_object_set_new(out, "head", json_string(jv_nima_head(m)));
    json_object_set_new(out, "probs", p);
    json_object_set_new(out, "mean", json_real(mean));
    json_object_set_new(out, "std", json_real(std));
    json_object_set_new(out, "decode_ms", json_real(decode_ms));
    json_object_set_new(out, "forward_ms", json_real(best));
    return out;
}

static void print_line(json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(9));
    puts(s);
    free(s);
    json_decref(j);
}

static int resize_mode(const char *dir, int n, char **paths)
{
    const size_t len = JV_NIMA_SIZE * JV_NIMA_SIZE * 3;
    uint8_t *small = g_malloc(len);
    for (int i = 0; i < n; i++) {
        GError *err = NULL;
        uint8_t *rgb = NULL;
        int w, h;
        if (decode(paths[i], &rgb, &w, &h, &err) < 0) {
            fprintf(stderr, "%s\n", err->message);
            return 1;
        }
        jv_resize_nearest(rgb, w, h, 3, small, JV_NIMA_SIZE, JV_NIMA_SIZE);
        char *out = g_strdup_printf("%s/%d.rgb", dir, i);
        if (!g_file_set_contents(out, (const char *)small, (gssize)len, &err)) {
            fprintf(stderr, "%s\n", err->message);
            return 1;
        }
        g_free(out);
        g_free(rgb);
    }
    g_free(small);
    return 0;
}

static int index_mode(int n, char **pairs)
{
    for (int i = 0; i < n; i++) {
        int in = 0, out = 0;
        if (sscanf(pairs[i], "%d:%d", &in, &out) != 2 || in < 1 || out < 1 || out > 1 << 20)
            return 2;
        int *idx = g_new(int, out);
        jv_resize_nearest_index(in, out, idx);
        json_t *a = json_array();
        for (int j = 0; j < out; j++)
            json_array_append_new(a, json_integer(idx[j]));
        print_line(a);
        g_free(idx);
    }
    return 0;
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    setlocale(LC_NUMERIC, "C");
    if (VIPS_INIT(argv[0]) != 0)
        return 1;
    vips_cache_set_max(0);
    vips_concurrency_set(1);
    int threads = 1, repeat = 1, i = 1;
    for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
        if (strcmp(argv[i], "--resize") == 0)
            return resize_mode(argv[i + 1], argc - i - 2, argv + i + 2);
        if (strcmp(argv[i], "--index") == 0)
            return index_mode(argc - i - 1, argv + i + 1);
        if (strcmp(argv[i], "--threads") == 0)
            threads = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--repeat") == 0)
            repeat = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--kernel") == 0 && !jv_gemm_force_kernel(argv[i + 1]))
            return fprintf(stderr, "no kernel %s on this CPU\n", argv[i + 1]), 77;
    }
    if (i >= argc)
        return fprintf(stderr, "usage: jv_nima_dump [options] WEIGHTS IMAGE...\n"), 2;
    GError *err = NULL;
    struct jv_nima *m = jv_nima_load(argv[i], &err);
    if (!m) {
        print_line(json_pack("{ss}", "error", err->message));
        g_error_free(err);
        return 1;
    }
    struct jv_nn_pool *pool = jv_nn_pool_new(threads - 1, NULL);
    fprintf(stderr, "jv_nima_dump: %s, head '%s', kernel %s, %d thread(s)\n", argv[i],
            jv_nima_head(m), jv_gemm_kernel(), threads);
    for (int j = i + 1; j < argc; j++)
        print_line(predict(m, argv[j], pool, repeat < 1 ? 1 : repeat));
    jv_nn_pool_free(pool);
    jv_nima_free(m);
    vips_shutdown();
    return 0;
}
