/*
 * fuzz_decode - arbitrary bytes through Stage 1: jv_image_open (capped at
 * 4 megapixels), jv_image_load_rgb8 and jv_metrics_compute with the notes.
 * libvips reads from a file, so each input is written to one temporary file.
 */
#include "core/jv.h"

#include <unistd.h>
#include <vips/vips.h>

#include "image/decode.h"
#include "iqa/metrics.h"

static char *input_path;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!input_path) {
        if (VIPS_INIT("fuzz_decode") != 0)
            abort();
        vips_cache_set_max(0);
        input_path = g_strdup_printf("%s/jv-fuzz-decode-%d.img", g_get_tmp_dir(), (int)getpid());
    }
    if (!g_file_set_contents(input_path, (const char *)data, (gssize)size, NULL))
        return 0;
    GError *err = NULL;
    struct jv_image im;
    if (jv_image_open(input_path, 4.0, &im, &err) != 0) {
        g_error_free(err);
        return 0;
    }
    uint8_t *rgb = NULL;
    if (jv_image_load_rgb8(&im, &rgb, &err) == 0) {
        json_t *m = jv_metrics_compute(rgb, im.width, im.height, true);
        char *notes = jv_iqa_notes(m);
        g_free(notes);
        json_decref(m);
        g_free(rgb);
    } else {
        g_error_free(err);
    }
    jv_image_release(&im);
    return 0;
}
