/*
 * fuzz_calibration.c - libFuzzer target for calibration files
 * (outputs/calibration.h): any bytes parse or fail with a message; a parsed
 * calibration maps every score to a finite mark within its knots' range.
 */
#include "core/jv.h"

#include <math.h>

#include "outputs/calibration.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = g_malloc(size ? size : 1);
    memcpy(copy, data, size);
    GError *err = NULL;
    struct jv_calibration *c = jv_calibration_parse(copy, size, "fuzz.json", &err);
    if (c) {
        for (double v = -5; v <= 25; v += 0.5) {
            double m = jv_calibration_apply(c, "Mono", v);
            if (!isfinite(m))
                abort();
            int t = jv_calibration_total(c, NULL, v);
            if (t < 0 || t > 20)
                abort();
        }
        json_decref(jv_calibration_to_json(c));
        jv_calibration_free(c);
    } else if (!err || !err->message[0]) {
        abort();
    }
    g_clear_error(&err);
    g_free(copy);
    return 0;
}
