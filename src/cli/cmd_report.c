/*
 * judge-vision report MANIFEST [MANIFEST2]: a run's manifest as a readable
 * summary, or two side by side with wall-clock ratios.
 */
#include "core/jv.h"

#include "outputs/layout.h"

#include "cli/commands.h"
#include "core/optparse.h"
#include "outputs/manifest.h"
#include "telemetry/report.h"

static const struct jv_option report_options[] = {
    {.long_name = "help", .short_name = 'h', .kind = JV_OPT_HELP, .help = "this help"},
    {0},
};

static void report_usage(FILE *out)
{
    fprintf(out, "Usage: judge-vision report MANIFEST [MANIFEST2]\n\n"
                 "Prints a summary of a run from its manifest (<results stem>.metadata.json;\n"
                 "a results .jsonl path is taken to mean its manifest), or two runs side by\n"
                 "side with the ratio of their wall-clock times per stage and overall.\n\n");
    jv_opt_print_help(out, report_options);
}

int cmd_report(int argc, char **argv)
{
    const char *paths[2] = {NULL, NULL};
    int npaths = 0, rest = argc;
    GError *err = NULL;
    int parsed = jv_opt_parse(report_options, NULL, argc, argv, &rest, &err);
    if (parsed < 0) {
        fprintf(stderr, "judge-vision report: %s\n", err->message);
        g_clear_error(&err);
        report_usage(stderr);
        return JV_EXIT_USAGE;
    }
    if (parsed == 1) {
        report_usage(stdout);
        return JV_EXIT_OK;
    }
    for (int i = rest; i < argc; i++) {
        if (npaths == 2) {
            fprintf(stderr, "judge-vision report: at most two manifests ('%s' is a third)\n",
                    argv[i]);
            return JV_EXIT_USAGE;
        }
        paths[npaths++] = argv[i];
    }
    if (npaths == 0) {
        fprintf(stderr, "judge-vision report: a manifest path is required\n");
        report_usage(stderr);
        return JV_EXIT_USAGE;
    }
    json_t *m[2] = {NULL, NULL};
    int rc = JV_EXIT_OK;
    for (int i = 0; i < npaths; i++) {
        char *path = g_str_has_suffix(paths[i], ".jsonl") ? jv_layout_manifest_path(paths[i])
                                                          : g_strdup(paths[i]);
        m[i] = jv_manifest_load(path, &err);
        g_free(path);
        if (!m[i]) {
            fprintf(stderr, "judge-vision report: %s\n", err->message);
            g_clear_error(&err);
            rc = JV_EXIT_FATAL;
            goto out;
        }
    }
    if (jv_report_print(stdout, m[0], m[1], &err) < 0) {
        fprintf(stderr, "judge-vision report: %s\n", err->message);
        g_clear_error(&err);
        rc = JV_EXIT_FATAL;
    }
out:
    json_decref(m[0]);
    json_decref(m[1]);
    return rc;
}
