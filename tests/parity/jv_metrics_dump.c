/*
 * jv_metrics_dump - prints the Stage 1 metrics of each image named on the
 * command line, one JSON object a line:
 *   {"file": ..., "width": W, "height": H, "mime": ..., "metrics": {...},
 *    "notes": ..., "tonal_summary": ...}
 * or {"file": ..., "error": "..."} when the image cannot be read. Options:
 * --no-tonal leaves the tonal metrics out; --max-megapixels N sets the cap
 * (default 200). Exit status 0 when every image was measured, 1 otherwise.
 * Used by tests/parity/parity.sh to compare with the Python reference.
 */
#include "core/jv.h"

#include <locale.h>
#include <vips/vips.h>

#include "image/decode.h"
#include "iqa/metrics.h"

static json_t *measure(const char *path, double max_mp, bool tonal)
{
    GError *err = NULL;
    struct jv_image im;
    uint8_t *rgb = NULL;
    char *name = g_filename_display_name(path);
    json_t *out = json_pack("{ss}", "file", name);
    g_free(name);
    if (jv_image_open(path, max_mp, &im, &err) != 0)
        goto fail;
    if (jv_image_load_rgb8(&im, &rgb, &err) != 0) {
        jv_image_release(&im);
        goto fail;
    }
    json_t *m = jv_metrics_compute(rgb, im.width, im.height, tonal);
    g_free(rgb);
    char *notes = jv_iqa_notes(m);
    char *tonal_summary = jv_iqa_tonal_summary(m);
    json_object_set_new(out, "width", json_integer(im.width));
    json_object_set_new(out, "height", json_integer(im.height));
    json_object_set_new(out, "mime", json_string(im.mime));
    json_object_set_new(out, "metrics", m);
    json_object_set_new(out, "notes", json_string(notes));
    json_object_set_new(out, "tonal_summary",
                        tonal_summary ? json_string(tonal_summary) : json_null());
    g_free(notes);
    g_free(tonal_summary);
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
        fprintf(stderr, "jv_metrics_dump: cannot start libvips: %s\n", vips_error_buffer());
        return 1;
    }
    /* Every image is opened once: libvips' operation cache would only keep
     * finished images (and their open files) alive. */
    vips_cache_set_max(0);
    bool tonal = true;
    double max_mp = 200.0;
    int failed = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--no-tonal") == 0) {
            tonal = false;
            continue;
        }
        if (strcmp(argv[i], "--max-megapixels") == 0 && i + 1 < argc) {
            max_mp = g_ascii_strtod(argv[++i], NULL);
            continue;
        }
        json_t *line = measure(argv[i], max_mp, tonal);
        if (json_object_get(line, "error"))
            failed = 1;
        char *text = json_dumps(line, JSON_COMPACT | JSON_REAL_PRECISION(17));
        printf("%s\n", text);
        free(text);
        json_decref(line);
    }
    vips_shutdown();
    return failed;
}
