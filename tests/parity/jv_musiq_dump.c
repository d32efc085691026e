/*
 * jv_musiq_dump - the native MUSIQ score of each image, one JSON line each:
 *   {"file": ..., "width": W, "height": H, "tokens": N, "score": S,
 *    "seconds": T (decode excluded), "cpu_seconds": C (all threads),
 *    "decode_seconds": D}
 * or {"file": ..., "error": "..."}.
 * Usage: jv_musiq_dump --weights FILE.npz [--threads N] [--prep DIR] IMAGE...
 * With --prep, writes for each image DIR/<basename>.s0.npy and .s1.npy (the
 * 224 and 384 resized scales, float32 HWC), .tok.npy (tokens x 4: scale,
 * row, column, hashed position) and .patches.npy (the patches of the two
 * resized scales and the first 64 full-size ones) for musiq_reference.py
 * check-prep. Exit status 0 when every image was scored.
 */
#include "core/jv.h"

#include <jansson.h>
#include <locale.h>
#include <time.h>
#include <vips/vips.h>

#include "image/decode.h"
#include "nn/musiq.h"
#include "nn/pool.h"

/* Writes a float32 .npy array of `ndim` dimensions `shape` (version 1.0 header). */
static void write_npy(const char *path, const float *data, int ndim, const int *shape)
{
    GString *h = g_string_new("{'descr': '<f4', 'fortran_order': False, 'shape': (");
    size_t n = 1;
    for (int i = 0; i < ndim; i++) {
        g_string_append_printf(h, "%d,%s", shape[i], i + 1 < ndim ? " " : "");
        n *= (size_t)shape[i];
    }
    g_string_append(h, "), }");
    while ((10 + h->len + 1) % 64)
        g_string_append_c(h, ' ');
    g_string_append_c(h, '\n');
    FILE *f = fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "jv_musiq_dump: %s: %s\n", path, g_strerror(errno));
        g_string_free(h, TRUE);
        return;
    }
    uint8_t magic[10] = {
        0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (uint8_t)(h->len & 0xff), (uint8_t)(h->len >> 8)};
    fwrite(magic, 1, 10, f);
    fwrite(h->str, 1, h->len, f);
    fwrite(data, sizeof(float), n, f);
    fclose(f);
    g_string_free(h, TRUE);
}

static void dump_prep(const char *dir, const char *path, const struct jv_musiq_input *in)
{
    char *base = g_path_get_basename(path);
    char *stem = g_build_filename(dir, base, NULL);
    for (int k = 0; k < 2; k++) {
        char *p = g_strdup_printf("%s.s%d.npy", stem, k);
        int shape[3] = {in->scale[k].height, in->scale[k].width, 3};
        write_npy(p, in->scale[k].pix, 3, shape);
        g_free(p);
    }
    float *tok = g_new(float, (size_t)in->n_tokens * 4);
    for (int t = 0; t < in->n_tokens; t++) {
        float *r = tok + (size_t)t * 4;
        r[0] = (float)in->token_scale[t];
        r[1] = (float)in->token_row[t];
        r[2] = (float)in->token_col[t];
        r[3] = (float)in->token_spatial[t];
    }
    int first_full = 0;
    while (first_full < in->n_tokens && in->token_scale[first_full] < 2)
        first_full++;
    int n_patch = MIN(in->n_tokens, first_full + 64);
    char *p = g_strdup_printf("%s.tok.npy", stem);
    int tshape[2] = {in->n_tokens, 4};
    write_npy(p, tok, 2, tshape);
    g_free(p);
    float *patches = g_new(float, (size_t)n_patch *JV_MUSIQ_PATCH_FLOATS);
    for (int t = 0; t < n_patch; t++)
        jv_musiq_patch(in, t, patches + (size_t)t * JV_MUSIQ_PATCH_FLOATS);
    p = g_strdup_printf("%s.patches.npy", stem);
    int pshape[2] = {n_patch, JV_MUSIQ_PATCH_FLOATS};
    write_npy(p, patches, 2, pshape);
    g_free(p);
    g_free(patches);
    g_free(tok);
    g_free(stem);
    g_free(base);
}

/* One image: decoded (timed apart), prepared, optionally dumped, scored; a JSON line. */
static json_t *score_one(const struct jv_musiq *m, const char *path, struct jv_nn_pool *pool,
                         const char *prep)
{
    GError *err = NULL;
    struct jv_image im;
    uint8_t *rgb = NULL;
    json_t *out = json_pack("{ss}", "file", path);
    gint64 t0 = g_get_monotonic_time();
    if (jv_image_open(path, 200.0, &im, &err) != 0)
        goto fail;
    if (jv_image_load_rgb8(&im, &rgb, &err) != 0) {
        jv_image_release(&im);
        goto fail;
    }
    gint64 t1 = g_get_monotonic_time();
    struct timespec c0, c1;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
    struct jv_musiq_input in;
    if (jv_musiq_prepare(rgb, im.width, im.height, &in, &err) < 0) {
        g_free(rgb);
        jv_image_release(&im);
        goto fail;
    }
    if (prep)
        dump_prep(prep, path, &in);
    double score = jv_musiq_score_input(m, &in, pool);
    gint64 t2 = g_get_monotonic_time();
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
    json_object_set_new(out, "width", json_integer(im.width));
    json_object_set_new(out, "height", json_integer(im.height));
    json_object_set_new(out, "tokens", json_integer(in.n_tokens));
    json_object_set_new(out, "score", json_real(score));
    json_object_set_new(out, "seconds", json_real((double)(t2 - t1) / 1e6));
    json_object_set_new(
        out, "cpu_seconds",
        json_real((double)(c1.tv_sec - c0.tv_sec) + (double)(c1.tv_nsec - c0.tv_nsec) / 1e9));
    json_object_set_new(out, "decode_seconds", json_real((double)(t1 - t0) / 1e6));
    jv_musiq_input_release(&in);
    g_free(rgb);
    jv_image_release(&im);
    return out;
fail:
    json_object_set_new(out, "error", json_string(err->message));
    g_error_free(err);
    return out;
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    setlocale(LC_NUMERIC, "C");
    if (VIPS_INIT(argv[0]) != 0) {
        fprintf(stderr, "jv_musiq_dump: cannot start libvips: %s\n", vips_error_buffer());
        return 1;
    }
    vips_cache_set_max(0);
    const char *weights = NULL, *prep = NULL;
    int threads = 1, i = 1;
    for (; i < argc && g_str_has_prefix(argv[i], "--"); i += 2) {
        if (i + 1 >= argc)
            break;
        if (strcmp(argv[i], "--weights") == 0)
            weights = argv[i + 1];
        else if (strcmp(argv[i], "--threads") == 0)
            threads = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--prep") == 0)
            prep = argv[i + 1];
    }
    if (!weights) {
        fprintf(stderr, "usage: jv_musiq_dump --weights FILE.npz [--threads N] [--prep DIR] "
                        "IMAGE...\n");
        return 2;
    }
    GError *err = NULL;
    struct jv_musiq *m = jv_musiq_load(weights, &err);
    if (!m) {
        fprintf(stderr, "jv_musiq_dump: %s\n", err->message);
        g_error_free(err);
        return 1;
    }
    struct jv_nn_pool *pool = jv_nn_pool_new(MAX(threads, 1) - 1, &err);
    if (!pool) {
        fprintf(stderr, "jv_musiq_dump: %s\n", err->message);
        return 1;
    }
    int failed = 0;
    for (; i < argc; i++) {
        json_t *line = score_one(m, argv[i], pool, prep);
        if (json_object_get(line, "error"))
            failed = 1;
        char *text = json_dumps(line, JSON_COMPACT | JSON_REAL_PRECISION(17));
        puts(text);
        fflush(stdout);
        free(text);
        json_decref(line);
    }
    jv_nn_pool_free(pool);
    jv_musiq_free(m);
    vips_shutdown();
    return failed;
}
