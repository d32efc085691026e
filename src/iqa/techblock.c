/* techblock.c - the IQA figures as the prompt's TECHNICAL ANALYSIS block. */
#include "core/jv.h"

#include <math.h>

#include "iqa/techblock.h"

/* A figure's layout: decimals, and "%" after it for percentages. */
struct fmt {
    int decimals;
    bool percent;
};

/* Appends the metric with `f`'s decimals, or n/a. */
static void put(GString *s, const json_t *metrics, const char *key, struct fmt f)
{
    const json_t *v = metrics ? json_object_get(metrics, key) : NULL;
    double d = v && json_is_number(v) ? json_number_value(v) : NAN;
    if (!isfinite(d)) {
        g_string_append(s, "n/a");
        return;
    }
    g_string_append_printf(s, "%.*f%s", f.decimals, d, f.percent ? "%" : "");
}

static bool has(const json_t *metrics, const char *key)
{
    const json_t *v = metrics ? json_object_get(metrics, key) : NULL;
    return v && json_is_number(v) && isfinite(json_number_value(v));
}

/* "5.41 ± 1.62" (compact) / "5.41 (standard deviation 1.62)" (verbose) or n/a. */
static void put_nima(GString *s, const json_t *metrics, const char *mean, const char *std,
                     bool verbose)
{
    put(s, metrics, mean, (struct fmt){2, false});
    if (!has(metrics, mean))
        return;
    g_string_append(s, verbose ? " (standard deviation " : " ± ");
    put(s, metrics, std, (struct fmt){2, false});
    if (verbose)
        g_string_append_c(s, ')');
}

static void compact(GString *s, const json_t *m)
{
    g_string_append(s, "TECHNICAL ANALYSIS (measured; ground truth)\nMUSIQ ");
    put(s, m, "musiq_mos", (struct fmt){1, false});
    g_string_append(s, "/100 | NIMA aesthetic ");
    put_nima(s, m, "nima_aesthetic_mean", "nima_aesthetic_std", false);
    g_string_append(s, " /10 | NIMA technical ");
    put_nima(s, m, "nima_technical_mean", "nima_technical_std", false);
    g_string_append(s, " /10\nTonal: dynamic range ");
    put(s, m, "dynamic_range", (struct fmt){2, false});
    g_string_append(s, ", mean luminance ");
    put(s, m, "mean_luminance", (struct fmt){2, false});
    g_string_append(s, ", histogram centre ");
    put(s, m, "histogram_centre", (struct fmt){2, false});
    g_string_append(s, ", shadows clipped ");
    put(s, m, "clip_low_percent", (struct fmt){1, true});
    g_string_append(s, ", highlights clipped ");
    put(s, m, "clip_high_percent", (struct fmt){1, true});
    g_string_append(s, ", local contrast ");
    put(s, m, "local_contrast", (struct fmt){3, false});
    g_string_append(s, ", mid-tone range ");
    put(s, m, "mid_tone_range", (struct fmt){2, false});
    g_string_append(s, "\nTonal summary: ");
}

struct line {
    const char *label;
    const char *key;
    struct fmt fmt;
};

static const struct line verbose_tonal[] = {
    {"Dynamic range (spread between the darkest 1% and brightest 1% of tones, 0 to 1)",
     "dynamic_range",
     {3, false}},
    {"Mean luminance (0 is black, 1 is white)", "mean_luminance", {3, false}},
    {"Histogram centre (centre of mass of the tonal histogram, 0 to 1)",
     "histogram_centre",
     {3, false}},
    {"Shadow clipping (percentage of pixels darker than 2% luminance)",
     "clip_low_percent",
     {2, true}},
    {"Highlight clipping (percentage of pixels brighter than 98% luminance)",
     "clip_high_percent",
     {2, true}},
    {"Local contrast (spread of the fine-detail Laplacian; about 0.03 is flat, above 0.08 is "
     "aggressive)",
     "local_contrast",
     {4, false}},
    {"Mid-tone range (share of pixels in the middle half of the tonal scale)",
     "mid_tone_range",
     {3, false}},
    {"Mean brightness (0 to 1)", "mean_luma", {3, false}},
    {"Global contrast (standard deviation of brightness, 0 to 1)", "contrast", {3, false}},
    {"Edge density (share of sharp edge detail, 0 to 1)", "edge_density", {3, false}},
    {"Colour saturation (0 is monochrome, 1 is fully saturated)", "saturation", {3, false}},
};

static void verbose_block(GString *s, const json_t *m)
{
    g_string_append(s, "TECHNICAL ANALYSIS\n"
                       "The following figures were measured from the image file by software. "
                       "Treat them as ground truth; \"n/a\" means the figure was not measured.\n"
                       "- MUSIQ image quality (mean opinion score from 0 to 100, higher is "
                       "better): ");
    put(s, m, "musiq_mos", (struct fmt){2, false});
    g_string_append(s, "\n- NIMA aesthetic score (mean of a predicted 1 to 10 rating): ");
    put_nima(s, m, "nima_aesthetic_mean", "nima_aesthetic_std", true);
    g_string_append(s, "\n- NIMA technical score (mean of a predicted 1 to 10 rating): ");
    put_nima(s, m, "nima_technical_mean", "nima_technical_std", true);
    for (size_t i = 0; i < JV_ARRAY_LEN(verbose_tonal); i++) {
        g_string_append_printf(s, "\n- %s: ", verbose_tonal[i].label);
        put(s, m, verbose_tonal[i].key, verbose_tonal[i].fmt);
    }
    g_string_append(s, "\nTonal summary: ");
}

char *jv_technical_analysis(const json_t *metrics, const char *tonal_summary, bool verbose)
{
    if (metrics && !json_is_object(metrics))
        metrics = NULL;
    GString *s = g_string_sized_new(verbose ? 1536 : 384);
    if (verbose)
        verbose_block(s, metrics);
    else
        compact(s, metrics);
    g_string_append(s, tonal_summary && tonal_summary[0] ? tonal_summary : "n/a");
    return g_string_free(s, FALSE);
}
