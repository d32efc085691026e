/*
 * techblock.h - the TECHNICAL ANALYSIS block of the critique prompt (doc/SPEC.md
 * 2.6): the neural scores (MUSIQ, NIMA aesthetic, NIMA technical), the tonal
 * metrics and the tonal summary of Stage 1, written so that the model can
 * take them as ground truth. Missing values read "n/a".
 */
#ifndef JV_TECHBLOCK_H
#define JV_TECHBLOCK_H

#include <jansson.h>

/*
 * Returns the block as owned text (g_free), starting with the line
 * "TECHNICAL ANALYSIS". `metrics` is technical_signals.metrics (borrowed; may
 * be NULL: everything n/a); keys as in doc/SPEC.md 2.5 (musiq_mos,
 * nima_aesthetic_mean/std, nima_technical_mean/std, dynamic_range,
 * mean_luminance, histogram_centre, clip_low_percent, clip_high_percent,
 * local_contrast, mid_tone_range; the verbose form adds mean_luma, contrast,
 * edge_density, saturation). A value that is absent, not a number or not
 * finite is n/a. `tonal_summary` may be NULL or empty (n/a).
 * `verbose` = the baseline layout (one explained line per figure); otherwise
 * the compact layout (four lines).
 */
char *jv_technical_analysis(const json_t *metrics, const char *tonal_summary, bool verbose);

#endif
