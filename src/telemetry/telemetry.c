/* telemetry.c - what a run records about its machine and server while it runs (GPU, /metrics). */
#include "core/jv.h"

#include "core/clock.h"
#include "net/promscrape.h"
#include "telemetry/gpu.h"
#include "telemetry/telemetry.h"

struct jv_telemetry {
    struct jv_gpu *gpu;
    json_t *gpu_snapshot;
    int every;
    double t0;
    char *metrics_base; /* first VLM endpoint, for /metrics */
    json_t *metrics_before, *metrics_after;
};

struct jv_telemetry *jv_telemetry_new(const struct jv_telemetry_config *o, const char *metrics_base)
{
    struct jv_telemetry *t = g_new0(struct jv_telemetry, 1);
    t->t0 = jv_clock_mono();
    t->every = o->gpu_sample_every > 0 ? o->gpu_sample_every : 10;
    t->gpu = jv_gpu_open();
    t->gpu_snapshot = jv_gpu_snapshot(t->gpu);
    t->metrics_base = g_strdup(metrics_base);
    return t;
}

void jv_telemetry_free(struct jv_telemetry *t)
{
    if (!t)
        return;
    jv_gpu_close(t->gpu);
    json_decref(t->gpu_snapshot);
    json_decref(t->metrics_before);
    json_decref(t->metrics_after);
    g_free(t->metrics_base);
    g_free(t);
}

void jv_telemetry_image_done(struct jv_telemetry *t, size_t images_done)
{
    if (t && images_done % (size_t)t->every == 0)
        jv_gpu_request_sample(t->gpu, jv_clock_mono() - t->t0, (int)images_done);
}

void jv_telemetry_stage_boundary(struct jv_telemetry *t, const char *name, size_t images_done)
{
    if (!t)
        return;
    jv_gpu_request_sample(t->gpu, jv_clock_mono() - t->t0, (int)images_done);
    if (!t->metrics_base)
        return;
    /* A short timeout: a server without /metrics must not slow the run. */
    if (strcmp(name, "start") == 0 && !t->metrics_before)
        t->metrics_before = jv_server_metrics_scrape(t->metrics_base, 2.0);
    else if (strcmp(name, "stage2_end") == 0) {
        json_decref(t->metrics_after);
        t->metrics_after = jv_server_metrics_scrape(t->metrics_base, 2.0);
    }
}

void jv_telemetry_to_manifest(struct jv_telemetry *t, json_t *root)
{
    if (!t)
        return;
    /* Let the sampler record the last boundary sample (bounded wait). */
    jv_gpu_flush(t->gpu, 3.0);
    json_t *gpu = json_object();
    json_object_set(gpu, "snapshot", t->gpu_snapshot);
    json_object_set_new(gpu, "samples", jv_gpu_samples(t->gpu));
    json_object_set_new(root, "gpu", gpu);
    if (t->metrics_before && t->metrics_after)
        json_object_set_new(root, "server_metrics",
                            jv_server_metrics_delta(t->metrics_before, t->metrics_after));
    else if (t->metrics_before)
        json_object_set_new(root, "server_metrics",
                            json_pack("{s:O,s:n}", "before", t->metrics_before, "after"));
    else
        json_object_set_new(root, "server_metrics",
                            json_pack("{s:b,s:s}", "available", 0, "reason",
                                      t->metrics_base ? "no /metrics endpoint answered"
                                                      : "no VLM server in this run"));
}
