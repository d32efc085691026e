/*
 * judge-vision summary ROUND / export ROUND --format results|entrants|csv:
 * a finished round's summary and exports with the web page's edits applied
 * (pipeline/papers.h).
 */
#include "core/jv.h"

#include "outputs/layout.h"

#include "cli/commands.h"
#include "core/fsutil.h"
#include "core/optparse.h"
#include "pipeline/papers.h"

struct papers_opts {
    char *output_dir;
    char *registry;
    char *competition;
    char *format; /* export only */
    char *output; /* export only */
};

#define F(field) offsetof(struct papers_opts, field)

static const struct jv_opt_choice format_choices[] = {
    {.name = "results"}, {.name = "entrants"}, {.name = "csv"}, {0}};

#define COMMON_OPTIONS                                                                             \
    {.long_name = "output-dir",                                                                    \
     .kind = JV_OPT_STRING,                                                                        \
     .offset = F(output_dir),                                                                      \
     .metavar = "DIR",                                                                             \
     .help = "where the rounds live",                                                              \
     .def_text = "outputs"},                                                                       \
        {.long_name = "competition-config",                                                        \
         .kind = JV_OPT_STRING,                                                                    \
         .offset = F(registry),                                                                    \
         .metavar = "F",                                                                           \
         .help = "registry (TOML)",                                                                \
         .def_text = "the one the round was run with"},                                            \
        {.long_name = "competition",                                                               \
         .kind = JV_OPT_STRING,                                                                    \
         .offset = F(competition),                                                                 \
         .metavar = "ID",                                                                          \
         .help = "competition id in the registry",                                                 \
         .def_text = "the round's"},                                                               \
    {                                                                                              \
        .long_name = "help", .short_name = 'h', .kind = JV_OPT_HELP, .help = "this help"           \
    }

static const struct jv_option summary_options[] = {COMMON_OPTIONS, {0}};

static const struct jv_option export_options[] = {
    {.long_name = "format",
     .kind = JV_OPT_STRING,
     .offset = F(format),
     .metavar = "F",
     .help = "what to write",
     .choices = format_choices,
     .def_text = "results"},
    {.long_name = "output",
     .short_name = 'o',
     .kind = JV_OPT_STRING,
     .offset = F(output),
     .metavar = "FILE",
     .help = "where to write it ('-': standard output)",
     .def_text = "<outputs>/exports/<round>_<format>.html or <round>.csv"},
    COMMON_OPTIONS,
    {0},
};

static void usage(FILE *out, bool export)
{
    if (export)
        fprintf(out,
                "Usage: judge-vision export ROUND --format results|entrants|csv [--output FILE]\n\n"
                "Writes a round's papers with the web page's edits applied: a printable\n"
                "results sheet per category, one feedback section per entrant (each on a\n"
                "new printed page), or a CSV for mail merge. The HTML files stand alone\n"
                "(thumbnails embedded). ROUND is a round's name, its results file, or the\n"
                "photo folder it judged.\n\n");
    else
        fprintf(out, "Usage: judge-vision summary ROUND\n\n"
                     "Rewrites a round's Markdown summary and its three exports with the web\n"
                     "page's edits applied (awards from the bands for edited scores, placings\n"
                     "re-ranked). ROUND is a round's name, its results file, or the photo\n"
                     "folder it judged.\n\n");
    jv_opt_print_help(out, export ? export_options : summary_options);
}

/* Parses the options and opens the round; returns -1 to go on, else the exit code. */
static int open_round(int argc, char **argv, bool export, struct papers_opts *o,
                      struct jv_papers *p)
{
    const struct jv_option *opts = export ? export_options : summary_options;
    const char *cmd = export ? "export" : "summary";
    GError *err = NULL;
    int rest = argc;
    jv_opt_defaults(opts, o);
    int parsed = jv_opt_parse(opts, o, argc, argv, &rest, &err);
    if (parsed == 1) {
        usage(stdout, export);
        return JV_EXIT_OK;
    }
    if (parsed < 0 || rest != argc - 1) {
        fprintf(stderr, "judge-vision %s: %s\n", cmd, err ? err->message : "one ROUND is required");
        g_clear_error(&err);
        usage(stderr, export);
        return JV_EXIT_USAGE;
    }
    if ((o->registry == NULL) != (o->competition == NULL)) {
        fprintf(stderr, "judge-vision %s: --competition-config and --competition go together\n",
                cmd);
        return JV_EXIT_USAGE;
    }
    char *results = jv_papers_find_results(argv[rest], o->output_dir, &err);
    if (!results || jv_papers_open(p, results, o->registry, o->competition, &err) < 0) {
        fprintf(stderr, "judge-vision %s: %s\n", cmd, err->message);
        g_clear_error(&err);
        g_free(results);
        return results ? JV_EXIT_FATAL : JV_EXIT_USAGE;
    }
    g_free(results);
    return -1;
}

int cmd_summary(int argc, char **argv)
{
    struct papers_opts o = {0};
    struct jv_papers p = {0};
    int rc = open_round(argc, argv, false, &o, &p);
    if (rc >= 0) {
        jv_opt_release(summary_options, &o);
        return rc;
    }
    GError *err = NULL;
    GPtrArray *written = g_ptr_array_new_with_free_func(g_free);
    rc = JV_EXIT_OK;
    if (jv_papers_write_all(&p, written, &err) < 0) {
        fprintf(stderr, "judge-vision summary: %s\n", err->message);
        g_clear_error(&err);
        rc = JV_EXIT_FATAL;
    }
    if (p.edits > 0)
        printf("%zu edit(s) from the web page applied\n", p.edits);
    for (guint i = 0; i < written->len; i++)
        printf("wrote %s\n", (const char *)written->pdata[i]);
    g_ptr_array_free(written, TRUE);
    jv_papers_release(&p);
    jv_opt_release(summary_options, &o);
    return rc;
}

int cmd_export(int argc, char **argv)
{
    struct papers_opts o = {0};
    struct jv_papers p = {0};
    int rc = open_round(argc, argv, true, &o, &p);
    if (rc >= 0) {
        jv_opt_release(export_options, &o);
        return rc;
    }
    int f = jv_export_format_parse(o.format ? o.format : "results");
    size_t len = 0;
    char *text = jv_papers_export(&p, (enum jv_export_format)f, NULL, NULL, &len);
    char *path = NULL;
    if (!o.output) {
        char *dir = jv_layout_exports_dir(p.results);
        char *name = jv_export_file_name(p.round, (enum jv_export_format)f);
        path = g_build_filename(dir, name, NULL);
        g_mkdir_with_parents(dir, 0755);
        g_free(name);
        g_free(dir);
    }
    GError *err = NULL;
    rc = JV_EXIT_OK;
    if (o.output && strcmp(o.output, "-") == 0) {
        if (fwrite(text, 1, len, stdout) != len || fflush(stdout) != 0)
            rc = JV_EXIT_FATAL;
    } else if (jv_write_file_atomic(path ? path : o.output, text, len, &err) < 0) {
        fprintf(stderr, "judge-vision export: %s\n", err->message);
        g_clear_error(&err);
        rc = JV_EXIT_FATAL;
    } else {
        printf("wrote %s\n", path ? path : o.output);
    }
    g_free(path);
    g_free(text);
    jv_papers_release(&p);
    jv_opt_release(export_options, &o);
    return rc;
}
