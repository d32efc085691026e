/*
 * commands.h - the subcommand table of judge-vision. Every subcommand has the
 * same signature: argv[0] is the subcommand's own name; the return value is
 * the process exit code (enum jv_exit). Only this layer may exit or print
 * usage.
 */
#ifndef JV_COMMANDS_H
#define JV_COMMANDS_H

typedef int (*jv_command_fn)(int argc, char **argv);

struct jv_command {
    const char *name;
    jv_command_fn fn;
    const char *summary;
};

int cmd_run(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_models(int argc, char **argv);

#endif
