/* run_process.c - one pipeline run as a process: signal handlers, closing lines, exit code. */
#include "core/jv.h"

#include <signal.h>

#include "cli/run_process.h"

/* The first signal that asked the run to stop (0: none), and how many came; the pipeline polls
 * both. */
static volatile sig_atomic_t stop_signal;
static volatile sig_atomic_t stop_count;

static void on_signal(int sig)
{
    if (!stop_signal)
        stop_signal = sig;
    if (stop_count < 1000)
        stop_count++;
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

/* "8 of 18 judged and saved, 2 failed" (the images with a record on disk, of those found). */
static char *saved_text(const struct jv_pipeline_outcome *out)
{
    return g_strdup_printf("%zu of %zu %s and saved, %zu failed", out->processed - out->failed,
                           out->discovered, out->critique ? "judged" : "measured", out->failed);
}

/*
 * The closing lines on stderr of a run that got as far as the photos, unless
 * it completed with nothing failed (stdout says so): what is saved, how many
 * failed, the commonest error and what to try, and after a signal how to
 * resume.
 */
static void print_closing(const struct jv_pipeline_outcome *out)
{
    if (!out->judging || (out->status == JV_PIPELINE_COMPLETE && out->failed == 0))
        return;
    char *saved = out->playoff_only ? NULL : saved_text(out);
    if (out->status == JV_PIPELINE_INTERRUPTED && out->in_playoff) {
        fprintf(stderr,
                "judge-vision: stopped during the playoff: %s%sthe matches played are kept — "
                "rerun the same command to resume\n",
                saved ? saved : "", saved ? ", " : "");
    } else if (out->status == JV_PIPELINE_INTERRUPTED) {
        fprintf(stderr, "judge-vision: stopped: %s — rerun the same command to resume\n",
                saved ? saved : "nothing more saved");
    } else if (saved) {
        fprintf(stderr, "judge-vision: %s%s\n",
                out->status == JV_PIPELINE_COMPLETE ? "" : "stopped: ", saved);
    }
    if (out->common_error)
        fprintf(stderr, "judge-vision: commonest error (%zu of %zu failed): %s\n",
                out->common_count, out->failed, out->common_error);
    if (out->hint)
        fprintf(stderr, "judge-vision: hint: %s\n", out->hint);
    if (out->status == JV_PIPELINE_FAILED && out->processed > out->failed)
        fprintf(stderr,
                "judge-vision: the saved records are kept: rerun the same command to go on\n");
    fflush(stderr);
    g_free(saved);
}

int jv_run_process_exit_code(const struct jv_pipeline_outcome *out)
{
    switch (out->status) {
    case JV_PIPELINE_COMPLETE:
        if (out->failed == 0)
            return JV_EXIT_OK;
        /* every image failed and none kept an earlier ok record: not the "some
         * failed" of a usable round */
        return out->failed >= out->processed && out->ok_kept == 0 ? JV_EXIT_FATAL
                                                                  : JV_EXIT_SOME_FAILED;
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
    stop_count = 0;
    install_signals();
    struct jv_pipeline_ctx ctx = {
        .config = o, .argc = argc, .argv = argv, .stop = &stop_signal, .signals = &stop_count};
    jv_pipeline_run(&ctx, &out);
    print_closing(&out);
    if (out.status == JV_PIPELINE_COMPLETE)
        print_outcome(&out);
    int rc = jv_run_process_exit_code(&out);
    jv_pipeline_outcome_release(&out);
    return rc;
}
