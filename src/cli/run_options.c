/* run_options.c - `run`'s command line: the run option table applied to argv. */
#include "core/jv.h"

#include "cli/run_options.h"

int jv_cli_run_options_parse(struct jv_run_config *o, const struct jv_option *extra,
                             void *extra_base, int argc, char **argv, GError **err)
{
    struct jv_opt_target t[] = {{jv_run_config_options(), o}, {extra, extra_base}};
    int rest = argc;
    int rc = jv_opt_parsev(t, extra ? 2 : 1, argc, argv, &rest, err);
    if (rc != 0)
        return rc;
    if (rest < argc) {
        g_set_error(err, JV_ERROR, JV_ERR_USAGE,
                    "unexpected argument '%s' (photo folders go after -i)", argv[rest]);
        return -1;
    }
    return jv_run_config_finish(o, err);
}
