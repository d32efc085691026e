/*
 * telemetry.h - what a run records about its environment while it runs
 * (doc/SPEC.md 4.2, 4.1 server_metrics): GPU snapshot and samples every
 * --gpu-sample-every images and at stage boundaries, and the VLM server's
 * /metrics before and after Stage 2. Nothing here blocks or fails the run.
 */
#ifndef JV_TELEMETRY_H
#define JV_TELEMETRY_H

#include <jansson.h>

struct jv_telemetry_config {
    int gpu_sample_every; /* a GPU sample every N images */
};

struct jv_telemetry;

/* `metrics_base` (nullable, copied): the VLM server whose /metrics are read. */
struct jv_telemetry *jv_telemetry_new(const struct jv_telemetry_config *cfg,
                                      const char *metrics_base);
void jv_telemetry_free(struct jv_telemetry *t);

/* One more image judged: samples the GPU every N images. */
void jv_telemetry_image_done(struct jv_telemetry *t, size_t images_done);
/* A stage boundary ("start", "stage2_end", ...): GPU sample; server metrics at start/end. */
void jv_telemetry_stage_boundary(struct jv_telemetry *t, const char *name, size_t images_done);
/* Sets manifest keys gpu and server_metrics on `root` (borrowed). */
void jv_telemetry_to_manifest(struct jv_telemetry *t, json_t *root);

#endif
