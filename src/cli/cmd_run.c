#include "core/jv.h"

#include "cli/commands.h"
#include "cli/run_process.h"
#include "core/log.h"
#include "pipeline/run_config.h"

int cmd_run(int argc, char **argv)
{
    struct jv_run_config opts;
    GError *err = NULL;
    bool want_help = false;
    int rc;

    jv_run_config_init(&opts);
    if (jv_run_config_parse(&opts, argc, argv, &want_help, &err) < 0) {
        fprintf(stderr, "judge-vision run: %s\n", err->message);
        g_error_free(err);
        rc = JV_EXIT_USAGE;
        goto out;
    }
    if (want_help) {
        jv_run_config_print_help(stdout, "judge-vision");
        rc = JV_EXIT_OK;
        goto out;
    }
    rc = jv_run_process(&opts, argc, argv);
out:
    jv_run_config_release(&opts);
    return rc;
}
