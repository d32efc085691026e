/*
 * cmd_models.c - judge-vision models: the weight files of the neural metrics,
 * where they were looked for, whether they are there (size, SHA-256, and for
 * NIMA whether the file loads and which dense layer is its head) and where to
 * download them. Exit status 0 when every NIMA file is present and loads,
 * 3 otherwise (MUSIQ's four checkpoints are alternatives: none is required).
 */
#include "core/jv.h"

#include <sys/stat.h>

#include "cli/commands.h"
#include "core/optparse.h"
#include "nn/models.h"
#include "nn/nima.h"

struct models_opts {
    char *nima_weights;
    char *musiq_weights;
};

#define F(field) offsetof(struct models_opts, field)
static const struct jv_option models_options[] = {
    {.long_name = "nima-weights",
     .kind = JV_OPT_STRING,
     .offset = F(nima_weights),
     .metavar = "DIR",
     .help = "folder of NIMA's two .hdf5 files (as for run)"},
    {.long_name = "musiq-weights",
     .kind = JV_OPT_STRING,
     .offset = F(musiq_weights),
     .metavar = "FILE",
     .help = "a MUSIQ .npz checkpoint (as for run)"},
    {.long_name = "help", .short_name = 'h', .kind = JV_OPT_HELP, .help = "this help"},
    {0},
};
#undef F

static void models_usage(FILE *out)
{
    char *dir = jv_models_default_dir();
    fprintf(out,
            "Usage: judge-vision models [--nima-weights DIR] [--musiq-weights FILE]\n\n"
            "Lists the weight files of the neural metrics (NIMA, MUSIQ), where they are\n"
            "looked for (default folder %s,\nfrom $XDG_DATA_HOME), their SHA-256 and "
            "their official download addresses.\n\n",
            dir);
    g_free(dir);
    jv_opt_print_help(out, models_options);
}

/* Where one model's file is looked for: the option's folder or file, else the default folder. */
static char *where_for(const struct jv_model_file *f, const struct models_opts *o)
{
    if (g_str_has_prefix(f->model, "nima"))
        return jv_model_path(o->nima_weights, f->model);
    if (o->musiq_weights) { /* a file: it stands for the checkpoint of its name */
        char *base = g_path_get_basename(o->musiq_weights);
        bool same = strcmp(base, f->file) == 0;
        g_free(base);
        return same ? g_strdup(o->musiq_weights) : NULL;
    }
    return jv_model_path(NULL, f->model);
}

/* Prints one model's block; returns whether its file is there (and, for NIMA, loads). */
static bool show(const struct jv_model_file *f, const struct models_opts *o)
{
    char *path = where_for(f, o);
    printf("%s  (%s)\n  file:      %s\n", f->model, f->about, f->file);
    bool ok = false;
    struct stat sb;
    if (!path) {
        printf("  looked at: not looked for (%s names another checkpoint)\n", f->option);
    } else if (stat(path, &sb) != 0) {
        printf("  looked at: %s: missing\n", path);
    } else {
        GError *err = NULL;
        char *sum = jv_model_sha256(path, &err);
        printf("  looked at: %s: found, %.1f MB\n  sha256:    %s\n", path, (double)sb.st_size / 1e6,
               sum ? sum : err->message);
        ok = sum != NULL;
        g_free(sum);
        g_clear_error(&err);
        if (ok && g_str_has_prefix(f->model, "nima")) {
            struct jv_nima *m = jv_nima_load(path, &err);
            if (m)
                printf("  loads:     yes, dense head '%s' (found by shape)\n", jv_nima_head(m));
            else
                printf("  loads:     NO: %s\n", err->message);
            ok = m != NULL;
            jv_nima_free(m);
            g_clear_error(&err);
        }
    }
    printf("  option:    %s\n  download:  %s\n\n", f->option, f->url);
    g_free(path);
    return ok;
}

int cmd_models(int argc, char **argv)
{
    struct models_opts o = {0};
    GError *err = NULL;
    int rest = argc;
    int parsed = jv_opt_parse(models_options, &o, argc, argv, &rest, &err);
    int rc = JV_EXIT_OK;
    if (parsed < 0 || rest < argc) {
        fprintf(stderr, "judge-vision models: %s\n", err ? err->message : "no arguments taken");
        g_clear_error(&err);
        models_usage(stderr);
        rc = JV_EXIT_USAGE;
        goto out;
    }
    if (parsed == 1) {
        models_usage(stdout);
        goto out;
    }
    char *dir = jv_models_default_dir();
    printf("NIMA looked for in: %s%s\nMUSIQ looked for in: %s%s\n"
           "MUSIQ checkpoints: https://github.com/google-research/google-research/tree/master/"
           "musiq (bucket gresearch/musiq)\n\n",
           o.nima_weights ? o.nima_weights : dir,
           o.nima_weights ? " (--nima-weights)" : " (default)",
           o.musiq_weights ? o.musiq_weights : dir,
           o.musiq_weights ? " (--musiq-weights)" : " (default)");
    g_free(dir);
    size_t n;
    const struct jv_model_file *files = jv_model_files(&n);
    for (size_t i = 0; i < n; i++)
        if (!show(&files[i], &o) && g_str_has_prefix(files[i].model, "nima"))
            rc = JV_EXIT_SOME_FAILED;
out:
    g_free(o.nima_weights);
    g_free(o.musiq_weights);
    return rc;
}
