/* run_process.c - one pipeline run as a process: signal handlers, closing lines, exit code. */
#include "core/jv.h"

#include <signal.h>

#include "cli/run_process.h"

/* The signal that asked the run to stop (0: none); the pipeline polls it. */
static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
    stop_signal = sig;
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

static void print_outcome(const struct jv_pipeline_outcome *out)
{
    if (out->playoff_only) {
        printf("playoff complete: %s\nsummary: %s\n", out->results, out->summary);
    } else if (out->discovered == 0) {
        fprintf(stderr, "judge-vision: no images found in the given input (looked for .jpg "
                        ".jpeg .png .tif .tiff .webp)\n");
        printf("no images found\n");
    } else {
        printf("%s %zu of %zu images in %.1f s (%zu resumed, %zu failed)\n",
               out->critique ? "judged" : "measured", out->processed, out->discovered, out->wall_s,
               out->resumed, out->failed);
        if (out->critique)
            printf("results: %s\nsummary: %s\n", out->results, out->summary);
        else
            printf("IQA cache: %s\n", out->iqa_cache);
        printf("manifest: %s\n", out->manifest);
    }
    fflush(stdout);
}

int jv_run_process_exit_code(const struct jv_pipeline_outcome *out)
{
    switch (out->status) {
    case JV_PIPELINE_COMPLETE:
        return out->failed ? JV_EXIT_SOME_FAILED : JV_EXIT_OK;
    case JV_PIPELINE_INTERRUPTED:
        return out->signal == SIGTERM ? JV_EXIT_SIGTERM : JV_EXIT_SIGINT;
    case JV_PIPELINE_USAGE:
        return JV_EXIT_USAGE;
    case JV_PIPELINE_FAILED:
        break;
    }
    return JV_EXIT_FATAL;
}

int jv_run_process(const struct jv_run_config *o, int argc, char **argv)
{
    struct jv_pipeline_outcome out;
    stop_signal = 0;
    install_signals();
    struct jv_pipeline_ctx ctx = {.config = o, .argc = argc, .argv = argv, .stop = &stop_signal};
    jv_pipeline_run(&ctx, &out);
    if (out.status == JV_PIPELINE_COMPLETE)
        print_outcome(&out);
    int rc = jv_run_process_exit_code(&out);
    jv_pipeline_outcome_release(&out);
    return rc;
}
