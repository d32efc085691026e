/*
 * gpu.h - GPU telemetry (doc/SPEC.md 4.2) that never blocks or fails a run.
 *
 * Sources, in order: NVML loaded at run time with dlopen("libnvidia-ml.so.1")
 * (no link-time dependency), else `nvidia-smi --query-gpu=... --format=csv`
 * found on PATH and run with a hard timeout, else "unavailable". Every
 * failure is recorded as data ({"available": false, "reason": ...}), never
 * returned as an error.
 *
 * jv_gpu_open() probes once (bounded by the timeout, 2 s by default, for the
 * nvidia-smi path) and keeps the static snapshot. When a source is
 * available it starts one sampler thread: jv_gpu_request_sample() only
 * pushes a request onto a GAsyncQueue and returns at once; the thread reads
 * utilisation and memory and appends a sample. If requests pile up faster
 * than the source answers (more than 8 waiting), the excess requests are
 * dropped, so the caller never waits.
 *
 * Sample figures with several GPUs: util_percent is the mean over the GPUs,
 * memory_used_mb the sum, and "per_gpu": [{util_percent, memory_used_mb}]
 * lists each GPU (only when there is more than one). A failed reading is
 * kept as {t, images_done, util_percent: null, memory_used_mb: null,
 * error: "..."}. Each sample is also logged as event "gpu_sample".
 *
 * Thread safety: request_sample and samples may be called from any thread;
 * open and close from one owner.
 */
#ifndef JV_GPU_H
#define JV_GPU_H

#include <jansson.h>

struct jv_gpu;

/* Flags of jv_gpu_open_full(). */
enum {
    JV_GPU_NO_NVML = 1 << 0,    /* skip NVML, go straight to nvidia-smi (tests) */
    JV_GPU_NO_SAMPLER = 1 << 1, /* probe only, no sampler thread */
};

#define JV_GPU_DEFAULT_TIMEOUT_S 2.0

/* Probes with the defaults (NVML, then nvidia-smi with a 2 s timeout). Never NULL. */
struct jv_gpu *jv_gpu_open(void);

/*
 * Probes with `flags` and a hard timeout per nvidia-smi call of `timeout_s`
 * seconds (<= 0: the default). Never NULL.
 */
struct jv_gpu *jv_gpu_open_full(unsigned flags, double timeout_s);

/* Whether a source answered the probe. */
bool jv_gpu_available(const struct jv_gpu *g);

/*
 * The snapshot taken at open (new reference):
 * {"available": true, "source": "nvml"|"nvidia-smi",
 *  "gpus": [{"name", "memory_total_mb", "driver"}]}
 * or {"available": false, "reason": "..."}.
 */
json_t *jv_gpu_snapshot(struct jv_gpu *g);

/*
 * Asks the sampler for one reading tagged with `t` (seconds since the run
 * started, the caller's clock) and `images_done`. Returns at once; a no-op
 * when no source is available.
 */
void jv_gpu_request_sample(struct jv_gpu *g, double t, int images_done);

/*
 * Waits up to `timeout_s` for the requests queued so far to be taken and
 * answered (for stage ends and tests; the pipeline need not call it).
 * Returns true when the queue drained in time.
 */
bool jv_gpu_flush(struct jv_gpu *g, double timeout_s);

/* Copy of the samples so far, oldest first (new reference; thread-safe). */
json_t *jv_gpu_samples(struct jv_gpu *g);

/* Stops the sampler (waiting for at most one reading in progress) and frees. NULL is fine. */
void jv_gpu_close(struct jv_gpu *g);

/*
 * Parses nvidia-smi CSV output of
 * --query-gpu=name,memory.total,driver_version,utilization.gpu,memory.used
 * (noheader, nounits) into a new array of
 * {name, memory_total_mb, driver, util_percent, memory_used_mb}
 * ("[N/A]"-style figures become null). NULL with an error naming the bad
 * line when nothing or something unparseable comes back. Exposed for tests.
 */
json_t *jv_gpu_parse_smi_csv(const char *text, GError **err);

#endif
