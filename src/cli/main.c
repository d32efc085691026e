/* main.c - judge-vision's entry point: the subcommand table, libvips and curl set-up. */
#include "core/jv.h"

#include <curl/curl.h>
#include <locale.h>
#include <vips/vips.h>

#include "cli/commands.h"
#include "core/log.h"

static const struct jv_command commands[] = {
    {"run", cmd_run, "judge a folder of photos (stages per --stage)"},
    {"serve", cmd_serve, "the local web page: set up, run, review, performance"},
    {"bench", cmd_bench, "baseline settings against ours on the same photos and server"},
    {"report", cmd_report, "summary of a run's manifest, or two side by side"},
    {"models", cmd_models, "the neural metrics' weight files: where, SHA-256, downloads"},
};

/* libvips warns on stderr about damaged files; the run reports those itself. */
static void vips_warning(const gchar *domain, GLogLevelFlags level, const gchar *message,
                         gpointer user)
{
    (void)domain;
    (void)level;
    (void)user;
    jv_log_event(JV_LOG_DEBUG, "vips_warning", json_pack("{s:s}", "message", message));
}

static void usage(FILE *out)
{
    fprintf(out, "Usage: judge-vision COMMAND [options]\n\n"
                 "Judge photo competitions with a vision-language model.\n\nCommands:\n");
    for (size_t i = 0; i < JV_ARRAY_LEN(commands); i++)
        fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n'judge-vision COMMAND --help' lists a command's options.\n"
                 "  -h, --help     this help\n"
                 "  -V, --version  print the version\n");
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    /* Numbers in JSON and TOML use '.', whatever the user's locale. */
    setlocale(LC_NUMERIC, "C");
    if (argc < 2) {
        usage(stderr);
        return JV_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0 || strcmp(name, "help") == 0) {
        usage(stdout);
        return JV_EXIT_OK;
    }
    if (strcmp(name, "-V") == 0 || strcmp(name, "--version") == 0) {
        printf("judge-vision %s\n", JV_VERSION);
        return JV_EXIT_OK;
    }
    for (size_t i = 0; i < JV_ARRAY_LEN(commands); i++) {
        if (strcmp(name, commands[i].name) == 0) {
            if (VIPS_INIT(argv[0]) != 0) {
                fprintf(stderr, "judge-vision: cannot start libvips: %s\n", vips_error_buffer());
                return JV_EXIT_FATAL;
            }
            /*
             * No operation cache: it would keep decoded images and their files
             * open. Parallelism is across images (--iqa-workers), not inside one.
             */
            vips_cache_set_max(0);
            vips_concurrency_set(1);
            g_log_set_handler("VIPS", G_LOG_LEVEL_WARNING, vips_warning, NULL);
            /* Before any thread starts: curl's global set-up is not thread-safe. */
            curl_global_init(CURL_GLOBAL_DEFAULT);
            int rc = commands[i].fn(argc - 1, argv + 1);
            curl_global_cleanup();
            vips_shutdown();
            return rc;
        }
    }
    fprintf(stderr, "judge-vision: unknown command '%s'\n\n", name);
    usage(stderr);
    return JV_EXIT_USAGE;
}
