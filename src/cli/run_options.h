/*
 * run_options.h - the command line of `run` (and of `bench`, which takes the
 * same options plus its own): argv parsed against the run option table of
 * pipeline/run_config.h with core/optparse, then the run config's rules.
 * Only cli/ handles argv.
 */
#ifndef JV_CLI_RUN_OPTIONS_H
#define JV_CLI_RUN_OPTIONS_H

#include "core/optparse.h"
#include "pipeline/run_config.h"

/*
 * Parses argv (argv[0] is the subcommand's name) into `o`, which
 * jv_run_config_init() filled; the options of `extra` (NULL: none) go to
 * `extra_base`. Operands are refused. Returns 0, 1 when --help was asked for
 * (nothing after it parsed, no rules applied), or -1 with a usage error.
 */
int jv_cli_run_options_parse(struct jv_run_config *o, const struct jv_option *extra,
                             void *extra_base, int argc, char **argv, GError **err);

#endif
