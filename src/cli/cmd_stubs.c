/*
 * Subcommands whose modules have not landed yet say so plainly.
 */
#include "core/jv.h"

#include "cli/commands.h"

static int not_yet(const char *name)
{
    fprintf(stderr, "judge-vision %s: not available in this build yet\n", name);
    return JV_EXIT_FATAL;
}

int cmd_bench(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return not_yet("bench");
}

int cmd_report(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return not_yet("report");
}
