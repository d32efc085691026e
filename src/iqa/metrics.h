/*
 * metrics.h - the deterministic Stage 1 image-quality metrics (doc/SPEC.md 2.5).
 *
 * The formulas reproduce the Python implementation (Pillow and OpenCV) so that
 * numbers stay comparable with earlier runs; tests/parity checks them against
 * a Python reference on real photographs. Every metric is computed from exact
 * integer sums in one pass over the pixels, so the results do not depend on
 * the order of summation or on threads.
 *
 * Keys of the object returned by jv_metrics_compute(), all JSON reals:
 *   always      mean_luma, contrast, edge_density, saturation (0-1, Pillow
 *               luma L = (19595 R + 38470 G + 7471 B + 0x8000) >> 16)
 *   tonal       dynamic_range, mean_luminance, histogram_centre, local_contrast,
 *               mid_tone_range (0-1), clip_low_percent, clip_high_percent (0-100)
 *               (OpenCV grey G8 = (9798 R + 19235 G + 3735 B + 16384) >> 15)
 *   always      sharpness_laplacian_var, noise_sigma, colourfulness, megapixels
 *
 * One rule of our own where the Python version would divide by zero: when
 * every pixel has G8 = 255 (OpenCV's histogram then counts nothing),
 * dynamic_range and mid_tone_range are 0 and histogram_centre is 1.
 */
#ifndef JV_IQA_METRICS_H
#define JV_IQA_METRICS_H

#include <jansson.h>

/*
 * Computes the metrics of a packed 8-bit RGB image (borrowed; width * height
 * * 3 bytes, rows without padding). The tonal metrics are included when
 * `tonal` is true. Returns a new JSON object (new reference), or NULL when
 * width or height is not positive or memory runs out.
 */
json_t *jv_metrics_compute(const uint8_t *rgb, int width, int height, bool tonal);

/*
 * The notes for the judge (`technical_signals.notes`): flags for low contrast
 * (contrast < 0.08), little sharp detail (edge_density < 0.05) and very low
 * saturation (< 0.15), or a "nominal" phrase when none of them fires; then the
 * neural-model summaries when nima_aesthetic_mean / nima_technical_mean /
 * musiq_mos are present; then the tonal summary when the tonal keys are
 * present. Phrases are joined with "; ". `metrics` is borrowed. Returns an
 * owned string (g_free()); never NULL.
 */
char *jv_iqa_notes(const json_t *metrics);

/*
 * The tonal summary (`technical_signals.tonal_summary`): one short sentence per
 * finding (dynamic range < 0.5 or > 0.8, mean luminance < 0.4 or > 0.6,
 * highlights clipped > 1 %, shadows blocked > 1 %, local contrast < 0.03 or
 * > 0.08), or one sentence saying the tonal balance is well controlled.
 * `metrics` is borrowed. Returns an owned string (g_free()), or NULL when the
 * tonal keys are absent.
 */
char *jv_iqa_tonal_summary(const json_t *metrics);

#endif
