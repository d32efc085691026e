/* cmd_run.c - judge-vision run: one judging run from the command line. */
#include "core/jv.h"

#include "cli/commands.h"
#include "cli/run_options.h"
#include "cli/run_process.h"

int cmd_run(int argc, char **argv)
{
    struct jv_run_config opts;
    GError *err = NULL;
    int rc;

    jv_run_config_init(&opts);
    int parsed = jv_cli_run_options_parse(&opts, NULL, NULL, argc, argv, &err);
    if (parsed < 0) {
        fprintf(stderr, "judge-vision run: %s\n", err->message);
        g_error_free(err);
        rc = JV_EXIT_USAGE;
        goto out;
    }
    if (parsed == 1) {
        jv_run_config_print_help(stdout, "judge-vision");
        rc = JV_EXIT_OK;
        goto out;
    }
    rc = jv_run_process(&opts, argc, argv);
out:
    jv_run_config_release(&opts);
    return rc;
}
