/*
 * iqa_bench - times Stage 1 decoding and metrics on a set of images.
 *
 *   iqa_bench [--workers N] [--rounds R] [--decode-only] [--vips-concurrency C] FILE...
 *
 * Each of N worker threads takes the next image (one at a time) until every
 * image has been processed R times, and times jv_image_open + load_rgb8
 * (decode) and jv_metrics_compute with the tonal metrics (metrics) of each.
 * Prints one line of medians per run:
 *   workers=N images=K wall_s=W throughput=T/s cpu_ms_per_image=C decode_ms=D
 *   metrics_ms=M total_ms=D+M metrics_over_decode=M/D
 * where the per-image figures are medians over all K processed images,
 * metrics_over_decode is the median of the per-image ratios, and
 * cpu_ms_per_image is the process's CPU time divided by K: when it stays the
 * same with 2 workers, nothing inside the process serialises them and the
 * throughput scales with the free cores.
 */
#include "core/jv.h"

#include <locale.h>
#include <time.h>
#include <vips/vips.h>

#include "core/clock.h"
#include "core/stats.h"
#include "image/decode.h"
#include "iqa/metrics.h"

struct bench {
    char **files;
    int nfiles;
    int total; /* nfiles * rounds */
    bool decode_only;
    gint next;
    double *decode_s, *metrics_s;
    gint failures;
};

static gpointer worker(gpointer data)
{
    struct bench *b = data;
    for (;;) {
        int i = g_atomic_int_add(&b->next, 1);
        if (i >= b->total)
            break;
        const char *path = b->files[i % b->nfiles];
        GError *err = NULL;
        struct jv_image im;
        uint8_t *rgb = NULL;
        double t0 = jv_clock_mono();
        if (jv_image_open(path, 0, &im, &err) != 0 || jv_image_load_rgb8(&im, &rgb, &err) != 0) {
            fprintf(stderr, "iqa_bench: %s\n", err->message);
            g_error_free(err);
            jv_image_release(&im);
            g_atomic_int_inc(&b->failures);
            continue;
        }
        double t1 = jv_clock_mono();
        b->decode_s[i] = t1 - t0;
        if (!b->decode_only) {
            json_t *m = jv_metrics_compute(rgb, im.width, im.height, true);
            b->metrics_s[i] = jv_clock_mono() - t1;
            json_decref(m);
        }
        g_free(rgb);
        jv_image_release(&im);
    }
    return NULL;
}

/* CPU seconds used by the whole process (all threads, libvips' included). */
static double process_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double median_of(const double *v, int n)
{
    struct jv_stats s;
    jv_stats_init(&s);
    for (int i = 0; i < n; i++)
        jv_stats_add(&s, v[i]);
    double m = jv_stats_percentile(&s, 50);
    jv_stats_release(&s);
    return m;
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    setlocale(LC_NUMERIC, "C");
    if (VIPS_INIT(argv[0]) != 0) {
        fprintf(stderr, "iqa_bench: cannot start libvips: %s\n", vips_error_buffer());
        return 1;
    }
    struct bench b = {0};
    int workers = 1, rounds = 3, vips_threads = 1;
    int i = 1;
    for (; i < argc && g_str_has_prefix(argv[i], "--"); i++) {
        if (strcmp(argv[i], "--decode-only") == 0)
            b.decode_only = true;
        else if (strcmp(argv[i], "--workers") == 0 && i + 1 < argc)
            workers = atoi(argv[++i]);
        else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
            rounds = atoi(argv[++i]);
        else if (strcmp(argv[i], "--vips-concurrency") == 0 && i + 1 < argc)
            vips_threads = atoi(argv[++i]);
        else {
            fprintf(stderr, "iqa_bench: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    if (i >= argc || workers < 1 || rounds < 1) {
        fprintf(stderr, "usage: iqa_bench [--workers N] [--rounds R] [--decode-only] "
                        "[--vips-concurrency C] FILE...\n");
        return 2;
    }
    /* Parallelism comes from our workers, one image each; libvips' own
     * thread pool per image would only compete with them. */
    vips_concurrency_set(vips_threads);
    /* Every image is opened once: libvips' operation cache would only keep
     * finished images (and their open files) alive. */
    vips_cache_set_max(0);
    b.files = argv + i;
    b.nfiles = argc - i;
    b.total = b.nfiles * rounds;
    b.decode_s = g_new0(double, b.total);
    b.metrics_s = g_new0(double, b.total);

    GThread **threads = g_new(GThread *, workers);
    double t0 = jv_clock_mono(), cpu0 = process_cpu();
    for (int w = 0; w < workers; w++)
        threads[w] = g_thread_new("iqa-bench", worker, &b);
    for (int w = 0; w < workers; w++)
        g_thread_join(threads[w]);
    double wall = jv_clock_mono() - t0, cpu = process_cpu() - cpu0;

    double *total = g_new(double, b.total), *ratio = g_new(double, b.total);
    for (int k = 0; k < b.total; k++) {
        total[k] = b.decode_s[k] + b.metrics_s[k];
        ratio[k] = b.decode_s[k] > 0 ? b.metrics_s[k] / b.decode_s[k] : 0;
    }
    printf("workers=%d images=%d wall_s=%.3f throughput=%.2f/s cpu_ms_per_image=%.2f "
           "decode_ms=%.2f",
           workers, b.total, wall, b.total / wall, 1e3 * cpu / b.total,
           1e3 * median_of(b.decode_s, b.total));
    if (!b.decode_only)
        printf(" metrics_ms=%.2f total_ms=%.2f metrics_over_decode=%.3f",
               1e3 * median_of(b.metrics_s, b.total), 1e3 * median_of(total, b.total),
               median_of(ratio, b.total));
    printf("\n");
    g_free(total);
    g_free(ratio);
    g_free(threads);
    g_free(b.decode_s);
    g_free(b.metrics_s);
    vips_shutdown();
    return b.failures ? 1 : 0;
}
