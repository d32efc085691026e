/*
 * gpu_probe: prints the GPU telemetry as the pipeline would record it - the
 * snapshot, which source answered, and one sample - as one JSON object, to
 * check NVML (or nvidia-smi) on a machine with a GPU:
 *
 *   build/bench/gpu_probe            NVML first, then nvidia-smi
 *   build/bench/gpu_probe --no-nvml  nvidia-smi only
 *
 * Exit 0 when a source answered and the sample has figures, 1 otherwise.
 */
#include "core/jv.h"

#include "core/clock.h"
#include "telemetry/gpu.h"

int main(int argc, char **argv)
{
    unsigned flags = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--no-nvml") == 0) {
            flags |= JV_GPU_NO_NVML;
        } else {
            fprintf(stderr, "usage: gpu_probe [--no-nvml]\n");
            return 2;
        }
    }
    double t0 = jv_clock_mono();
    struct jv_gpu *g = jv_gpu_open_full(flags, JV_GPU_DEFAULT_TIMEOUT_S);
    double open_s = jv_clock_mono() - t0;
    t0 = jv_clock_mono();
    jv_gpu_request_sample(g, 0.0, 0);
    double request_s = jv_clock_mono() - t0;
    bool drained = jv_gpu_flush(g, 5.0);
    json_t *samples = jv_gpu_samples(g);
    json_t *first = json_array_get(samples, 0);
    bool ok =
        jv_gpu_available(g) && first && json_is_number(json_object_get(first, "memory_used_mb"));
    json_t *out =
        json_pack("{s:o, s:o, s:f, s:f, s:b}", "snapshot", jv_gpu_snapshot(g), "samples", samples,
                  "open_seconds", open_s, "request_seconds", request_s, "sampler_drained", drained);
    char *text = json_dumps(out, JSON_INDENT(2));
    printf("%s\n", text);
    free(text);
    json_decref(out);
    jv_gpu_close(g);
    return ok ? 0 : 1;
}
