/* metrics.c - the deterministic Stage 1 metrics, their notes and the tonal summary. */
#include "core/jv.h"

#include <math.h>

#include "iqa/metrics.h"

/*
 * How the pass works. Each image row is read once: pixel_row() turns it into
 * a row of Pillow luma L and a row of OpenCV grey G8 (kept in rings of three
 * rows) and adds up the per-pixel sums (luma, saturation, colourfulness, grey
 * histogram). As soon as the row below is ready, filter_row() runs every 3x3
 * window of the row above over those two rows: Pillow's FIND_EDGES, the
 * 4-neighbour Laplacian, Immerkaer's noise mask (all on L) and OpenCV's ksize=3
 * Laplacian (on G8). All sums are integers and exact; division by 255 and the
 * statistics come at the end.
 *
 * With the neighbours of L named   a b c
 *                                  d e f
 *                                  g h i
 * and C = a + c + g + i (corners), N = b + d + f + h (cross):
 *   FIND_EDGES = clip(8e - C - N, 0, 255)     (outer ring: e itself)
 *   Laplacian4 = N - 4e                       (border reflect-101)
 *   Immerkaer  = C - 2N + 4e                  (interior only)
 * and on G8, OpenCV's ksize=3 Laplacian = 2 (corners) - 8 (centre).
 */

/* Columns per block in the filter loop. The block loops run a constant number
 * of times, which lets GCC's cheap -O2 vectoriser take them; the block is also
 * small enough for 32-bit sums (squared Laplacians are at most 2040^2). */
#define BLOCK 64

struct sums {
    uint64_t n;
    uint64_t luma, luma2;
    uint64_t sat;
    int64_t rg, yb2; /* yb2 = 2 yb = R + G - 2B keeps it an integer */
    uint64_t rg_sq, yb2_sq;
    uint64_t edge;
    int64_t lap4, lapg;
    uint64_t lap4_sq, lapg_sq;
    uint64_t immerkaer;
    uint64_t hist[256];
};

/* Pillow's HSV saturation, floor((max - min) * 255 / max), 0 for black. The
 * single-precision quotient is exact here: the numerator is below 2^24 and a
 * non-integer quotient is at least 1/255 away from the next integer. */
static inline uint32_t saturation(uint32_t mx, uint32_t mn)
{
    return (uint32_t)((float)((mx - mn) * 255u) / (float)(mx + (mx == 0)));
}

/*
 * The per-pixel work on columns [0, count) of planar rows r, g, b: the luma
 * and grey rows and the sums. Called with count = BLOCK for all but the last
 * block, so that the loop vectorises.
 */
static inline void pixel_block(const uint8_t *restrict rr, const uint8_t *restrict gg,
                               const uint8_t *restrict bb, uint8_t *restrict lrow,
                               uint8_t *restrict grow, int count, struct sums *s)
{
    uint32_t luma = 0, luma2 = 0, sat = 0, rg_sq = 0, yb2_sq = 0;
    int32_t rg = 0, yb2 = 0;
    for (int k = 0; k < count; k++) {
        uint32_t r = rr[k], g = gg[k], b = bb[k];
        uint32_t l = (19595u * r + 38470u * g + 7471u * b + 0x8000u) >> 16;
        uint32_t gr = (9798u * r + 19235u * g + 3735u * b + 16384u) >> 15;
        lrow[k] = (uint8_t)l;
        grow[k] = (uint8_t)gr;
        luma += l;
        luma2 += l * l;
        uint32_t mx = r > g ? r : g, mn = r < g ? r : g;
        mx = mx > b ? mx : b;
        mn = mn < b ? mn : b;
        sat += saturation(mx, mn);
        int32_t d1 = (int32_t)r - (int32_t)g;
        int32_t d2 = (int32_t)(r + g) - 2 * (int32_t)b;
        rg += d1;
        rg_sq += (uint32_t)(d1 * d1);
        yb2 += d2;
        yb2_sq += (uint32_t)(d2 * d2);
    }
    s->luma += luma;
    s->luma2 += luma2;
    s->sat += sat;
    s->rg += rg;
    s->rg_sq += rg_sq;
    s->yb2 += yb2;
    s->yb2_sq += yb2_sq;
}

/* One image row: split into planes (in `planes`, 3 * w bytes), then the
 * per-pixel work and the grey histogram. */
static void pixel_row(const uint8_t *restrict p, int w, uint8_t *restrict planes,
                      uint8_t *restrict lrow, uint8_t *restrict grow, struct sums *s)
{
    uint8_t *rr = planes, *gg = planes + w, *bb = planes + 2 * w;
    for (int x = 0; x < w; x++) {
        rr[x] = p[3 * x];
        gg[x] = p[3 * x + 1];
        bb[x] = p[3 * x + 2];
    }
    int x0 = 0;
    for (; x0 + BLOCK <= w; x0 += BLOCK)
        pixel_block(rr + x0, gg + x0, bb + x0, lrow + x0, grow + x0, BLOCK, s);
    if (x0 < w)
        pixel_block(rr + x0, gg + x0, bb + x0, lrow + x0, grow + x0, w - x0, s);
    for (int x = 0; x < w; x++)
        s->hist[grow[x]]++;
}

/* Reflect-101 index, as OpenCV's BORDER_REFLECT_101 (a single row or column
 * reflects onto itself). */
static inline int reflect101(int i, int n)
{
    if (n == 1)
        return 0;
    if (i < 0)
        return -i;
    if (i >= n)
        return 2 * n - 2 - i;
    return i;
}

/* The two Laplacians of one pixel with explicit neighbour columns. */
static void laplacians_at(const uint8_t *lu, const uint8_t *lc, const uint8_t *ld,
                          const uint8_t *gu, const uint8_t *gc, const uint8_t *gd, int x, int w,
                          struct sums *s)
{
    int xl = reflect101(x - 1, w), xr = reflect101(x + 1, w);
    int64_t l4 = (int64_t)lu[x] + lc[xl] + lc[xr] + ld[x] - 4 * (int64_t)lc[x];
    int64_t lg = 2 * ((int64_t)gu[xl] + gu[xr] + gd[xl] + gd[xr]) - 8 * (int64_t)gc[x];
    s->lap4 += l4;
    s->lap4_sq += (uint64_t)(l4 * l4);
    s->lapg += lg;
    s->lapg_sq += (uint64_t)(lg * lg);
}

/*
 * The 3x3 windows of columns x0 .. x0 + count - 1 (all with both neighbours
 * inside the row). Called with count = BLOCK for all but the last block.
 */
static inline void window_block(const uint8_t *restrict lu, const uint8_t *restrict lc,
                                const uint8_t *restrict ld, const uint8_t *restrict gu,
                                const uint8_t *restrict gc, const uint8_t *restrict gd, int x0,
                                int count, bool interior, struct sums *s)
{
    int32_t l4s = 0, lgs = 0;
    uint32_t l4q = 0, lgq = 0, edge = 0, imm = 0;
    lu += x0;
    lc += x0;
    ld += x0;
    gu += x0;
    gc += x0;
    gd += x0;
    if (interior) {
        for (int k = 0; k < count; k++) {
            int32_t e = lc[k];
            int32_t cross = lu[k] + lc[k - 1] + lc[k + 1] + ld[k];
            int32_t corner = lu[k - 1] + lu[k + 1] + ld[k - 1] + ld[k + 1];
            int32_t f = 8 * e - corner - cross;
            f = f < 0 ? 0 : f;
            f = f > 255 ? 255 : f;
            edge += (uint32_t)f;
            int32_t l4 = cross - 4 * e;
            l4s += l4;
            l4q += (uint32_t)(l4 * l4);
            int32_t m = corner - 2 * cross + 4 * e;
            imm += (uint32_t)(m < 0 ? -m : m);
            int32_t lg = 2 * (gu[k - 1] + gu[k + 1] + gd[k - 1] + gd[k + 1]) - 8 * gc[k];
            lgs += lg;
            lgq += (uint32_t)(lg * lg);
        }
    } else {
        for (int k = 0; k < count; k++) {
            int32_t l4 = lu[k] + lc[k - 1] + lc[k + 1] + ld[k] - 4 * lc[k];
            l4s += l4;
            l4q += (uint32_t)(l4 * l4);
            int32_t lg = 2 * (gu[k - 1] + gu[k + 1] + gd[k - 1] + gd[k + 1]) - 8 * gc[k];
            lgs += lg;
            lgq += (uint32_t)(lg * lg);
        }
    }
    s->edge += edge;
    s->immerkaer += imm;
    s->lap4 += l4s;
    s->lap4_sq += l4q;
    s->lapg += lgs;
    s->lapg_sq += lgq;
}

/*
 * Runs the 3x3 windows over row `lc` (with `lu` above and `ld` below, already
 * reflected at the top and bottom). `interior` says whether the row is inside
 * Pillow's filtered area (not the first or last row, and the image at least
 * 3x3); outside it the edge image is the luma itself and Immerkaer's mask is not
 * applied.
 */
static void filter_row(const uint8_t *restrict lu, const uint8_t *restrict lc,
                       const uint8_t *restrict ld, const uint8_t *restrict gu,
                       const uint8_t *restrict gc, const uint8_t *restrict gd, int w, bool interior,
                       struct sums *s)
{
    laplacians_at(lu, lc, ld, gu, gc, gd, 0, w, s);
    if (w > 1)
        laplacians_at(lu, lc, ld, gu, gc, gd, w - 1, w, s);
    if (!interior || w < 3) {
        uint64_t e = 0;
        for (int x = 0; x < w; x++)
            e += lc[x];
        s->edge += e;
    } else {
        s->edge += (uint64_t)lc[0] + lc[w - 1];
    }
    int x0 = 1;
    for (; x0 + BLOCK <= w - 1; x0 += BLOCK)
        window_block(lu, lc, ld, gu, gc, gd, x0, BLOCK, interior, s);
    if (x0 < w - 1)
        window_block(lu, lc, ld, gu, gc, gd, x0, w - 1 - x0, interior, s);
}

/* Population variance from exact sums: (n sum2 - sum^2) / n^2. */
static double variance(uint64_t n, int64_t sum, uint64_t sum2)
{
    __int128 num = (__int128)n * (__int128)sum2 - (__int128)sum * (__int128)sum;
    if (num <= 0)
        return 0.0;
    return (double)num / ((double)n * (double)n);
}

static void set_real(json_t *o, const char *key, double v)
{
    json_object_set_new(o, key, json_real(v));
}

static void add_tonal(json_t *o, const struct sums *s)
{
    const double n = (double)s->n;
    uint64_t counted = s->n - s->hist[255]; /* OpenCV drops g = 1.0 */
    uint64_t cdf[256], acc = 0;
    uint64_t sum = 0, low = 0, high = 0;
    for (int i = 0; i < 256; i++) {
        if (i < 255)
            acc += s->hist[i];
        cdf[i] = acc;
        sum += (uint64_t)i * s->hist[i];
        if (i <= 5) /* i / 255 < 0.02 */
            low += s->hist[i];
        if (i >= 250) /* i / 255 > 0.98 */
            high += s->hist[i];
    }
    const uint64_t weighted = sum - 255u * s->hist[255];
    double dynamic_range = 0.0, centre = 1.0, mid = 0.0;
    if (counted > 0) {
        /* pX = first bin whose cdf reaches X %, compared exactly in integers. */
        int p1 = 255, p99 = 255;
        for (int i = 255; i >= 0; i--) {
            if (100 * cdf[i] >= 1 * counted)
                p1 = i;
            if (100 * cdf[i] >= 99 * counted)
                p99 = i;
        }
        dynamic_range = p99 > p1 ? (double)(p99 - p1) / 255.0 : 0.0;
        centre = (double)weighted / (double)counted / 255.0;
        mid = (double)(cdf[192] - cdf[64]) / (double)counted;
    }
    set_real(o, "dynamic_range", dynamic_range);
    set_real(o, "mean_luminance", (double)sum / n / 255.0);
    set_real(o, "histogram_centre", centre);
    set_real(o, "clip_low_percent", 100.0 * (double)low / n);
    set_real(o, "clip_high_percent", 100.0 * (double)high / n);
    set_real(o, "local_contrast", sqrt(variance(s->n, s->lapg, s->lapg_sq)) / 255.0);
    set_real(o, "mid_tone_range", mid);
}

json_t *jv_metrics_compute(const uint8_t *rgb, int width, int height, bool tonal)
{
    if (!rgb || width <= 0 || height <= 0)
        return NULL;
    const size_t w = (size_t)width;
    uint8_t *buf = g_try_malloc(9 * w);
    struct sums *s = g_try_new0(struct sums, 1);
    if (!buf || !s) {
        g_free(buf);
        g_free(s);
        return NULL;
    }
    uint8_t *lr[3] = {buf, buf + w, buf + 2 * w};
    uint8_t *gr[3] = {buf + 3 * w, buf + 4 * w, buf + 5 * w};
    const bool big = width >= 3 && height >= 3;
    s->n = (uint64_t)width * (uint64_t)height;

    /* Row y is filtered once row y + 1 exists; the rows above and below come
     * from the ring of three, reflected at the top and bottom. */
    for (int y = 0; y <= height; y++) {
        if (y < height)
            pixel_row(rgb + (size_t)y * w * 3, width, buf + 6 * w, lr[y % 3], gr[y % 3], s);
        int r = y - 1;
        if (r < 0)
            continue;
        int up = reflect101(r - 1, height) % 3, dn = reflect101(r + 1, height) % 3;
        filter_row(lr[up], lr[r % 3], lr[dn], gr[up], gr[r % 3], gr[dn], width,
                   big && r > 0 && r < height - 1, s);
    }

    const double n = (double)s->n;
    json_t *o = json_object();
    set_real(o, "mean_luma", (double)s->luma / n / 255.0);
    set_real(o, "contrast", sqrt(variance(s->n, (int64_t)s->luma, s->luma2)) / 255.0);
    set_real(o, "edge_density", (double)s->edge / n / 255.0);
    set_real(o, "saturation", (double)s->sat / n / 255.0);
    if (tonal)
        add_tonal(o, s);
    set_real(o, "sharpness_laplacian_var", variance(s->n, s->lap4, s->lap4_sq) / (255.0 * 255.0));
    double noise = 0.0;
    if (big)
        noise = sqrt(M_PI / 2.0) / (6.0 * (double)(width - 2) * (double)(height - 2)) *
                (double)s->immerkaer / 255.0;
    set_real(o, "noise_sigma", noise);
    double var_rg = variance(s->n, s->rg, s->rg_sq);
    double var_yb = variance(s->n, s->yb2, s->yb2_sq) / 4.0;
    double mean_rg = (double)s->rg / n, mean_yb = (double)s->yb2 / n / 2.0;
    set_real(o, "colourfulness",
             sqrt(var_rg + var_yb) + 0.3 * sqrt(mean_rg * mean_rg + mean_yb * mean_yb));
    set_real(o, "megapixels", n / 1e6);
    g_free(buf);
    g_free(s);
    return o;
}

/* Reads a number from the metrics; false when the key is absent. */
static bool get_num(const json_t *m, const char *key, double *v)
{
    const json_t *j = json_object_get(m, key);
    if (!j || !json_is_number(j))
        return false;
    *v = json_number_value(j);
    return true;
}

char *jv_iqa_tonal_summary(const json_t *metrics)
{
    double dr, lum, hi, lo, lc;
    if (!get_num(metrics, "dynamic_range", &dr) || !get_num(metrics, "mean_luminance", &lum) ||
        !get_num(metrics, "clip_high_percent", &hi) || !get_num(metrics, "clip_low_percent", &lo) ||
        !get_num(metrics, "local_contrast", &lc))
        return NULL;
    GString *out = g_string_new(NULL);
#define SENTENCE(...)                                                                              \
    do {                                                                                           \
        if (out->len)                                                                              \
            g_string_append_c(out, ' ');                                                           \
        g_string_append_printf(out, __VA_ARGS__);                                                  \
    } while (0)
    if (dr < 0.5)
        SENTENCE("Subdued tonal range (%.2f).", dr);
    else if (dr > 0.8)
        SENTENCE("Punchy, full tonal range (%.2f).", dr);
    if (lum < 0.4)
        SENTENCE("Dark overall (mean luminance %.2f).", lum);
    else if (lum > 0.6)
        SENTENCE("Bright overall (mean luminance %.2f).", lum);
    if (hi > 1.0)
        SENTENCE("Highlights clipping (%.1f%% near white).", hi);
    if (lo > 1.0)
        SENTENCE("Shadows blocking up (%.1f%% near black).", lo);
    if (lc < 0.03)
        SENTENCE("Flat local contrast (%.3f).", lc);
    else if (lc > 0.08)
        SENTENCE("Aggressive local contrast (%.3f), possibly over-sharpened.", lc);
    if (!out->len)
        SENTENCE("Tonal balance is well controlled.");
#undef SENTENCE
    return g_string_free(out, FALSE);
}

char *jv_iqa_notes(const json_t *metrics)
{
    GPtrArray *parts = g_ptr_array_new_with_free_func(g_free);
    double v, sd;
    bool flagged = false;
    if (get_num(metrics, "contrast", &v) && v < 0.08) {
        g_ptr_array_add(parts, g_strdup_printf("low global contrast (%.3f)", v));
        flagged = true;
    }
    if (get_num(metrics, "edge_density", &v) && v < 0.05) {
        g_ptr_array_add(parts, g_strdup_printf("little sharp detail (edge density %.3f)", v));
        flagged = true;
    }
    if (get_num(metrics, "saturation", &v) && v < 0.15) {
        g_ptr_array_add(parts, g_strdup_printf("very low saturation (%.3f), may be monochrome", v));
        flagged = true;
    }
    if (!flagged)
        g_ptr_array_add(parts, g_strdup("contrast, detail and saturation nominal"));
    static const struct {
        const char *mean, *std, *label;
    } nima[] = {
        {"nima_aesthetic_mean", "nima_aesthetic_std", "NIMA aesthetic"},
        {"nima_technical_mean", "nima_technical_std", "NIMA technical"},
    };
    for (size_t i = 0; i < JV_ARRAY_LEN(nima); i++) {
        if (!get_num(metrics, nima[i].mean, &v))
            continue;
        if (get_num(metrics, nima[i].std, &sd))
            g_ptr_array_add(parts,
                            g_strdup_printf("%s %.2f/10 (spread %.2f)", nima[i].label, v, sd));
        else
            g_ptr_array_add(parts, g_strdup_printf("%s %.2f/10", nima[i].label, v));
    }
    if (get_num(metrics, "musiq_mos", &v))
        g_ptr_array_add(parts, g_strdup_printf("MUSIQ quality %.1f/100", v));
    char *tonal = jv_iqa_tonal_summary(metrics);
    if (tonal)
        g_ptr_array_add(parts, tonal);
    g_ptr_array_add(parts, NULL);
    char *out = g_strjoinv("; ", (char **)parts->pdata);
    g_ptr_array_free(parts, TRUE);
    return out;
}
