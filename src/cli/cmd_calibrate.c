/*
 * judge-vision calibrate HUMAN.csv ROUND... -o FILE: fits the club's
 * calibration (doc/SPEC.md 3.2), a monotone mapping from the model's raw
 * scores to the club's marks by isotonic regression, over one or more past
 * rounds; `run --calibration FILE` applies it.
 */
#include "core/jv.h"

#include <math.h>

#include "cli/commands.h"
#include "cli/round_arg.h"
#include "core/clock.h"
#include "core/optparse.h"
#include "input/human_csv.h"
#include "outputs/agree.h"
#include "outputs/calibration.h"
#include "outputs/layout.h"
#include "outputs/results.h"

struct calibrate_opts {
    char *output_dir;
    char *output;
    bool per_category;
};

#define CO(member) offsetof(struct calibrate_opts, member)
/* A category's own curve needs at least this many pairs; fewer use the overall one. */
#define MIN_CATEGORY_PAIRS 5

static const struct jv_option calibrate_options[] = {
    {.long_name = "output",
     .short_name = 'o',
     .kind = JV_OPT_STRING,
     .offset = CO(output),
     .metavar = "FILE",
     .help = "the calibration file to write (required)"},
    {.long_name = "per-category",
     .kind = JV_OPT_TRUE,
     .offset = CO(per_category),
     .help = "also a curve per category (with at least 5 pairs)"},
    {.long_name = "output-dir",
     .kind = JV_OPT_STRING,
     .offset = CO(output_dir),
     .metavar = "DIR",
     .help = "where the rounds are",
     .def.s = JV_LAYOUT_ROOT},
    {.long_name = "help", .short_name = 'h', .kind = JV_OPT_HELP, .help = "this help"},
    {0},
};

static void calibrate_usage(FILE *out)
{
    fprintf(out, "Usage: judge-vision calibrate HUMAN.csv ROUND... -o FILE [--per-category]\n\n"
                 "Fits a monotone mapping (isotonic regression) from the model's raw scores\n"
                 "(critique_total_raw) to the club's marks in HUMAN.csv over the rounds given\n"
                 "(names, results files or folders they judged), and writes it to FILE for\n"
                 "`judge-vision run --calibration FILE`.\n\n");
    jv_opt_print_help(out, calibrate_options);
}

/* Appends the pairs of `p` ({x, y, category}) to the arrays. */
static void add_pairs(const json_t *p, GArray *x, GArray *y, GPtrArray *cat)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(p, "x"), i, v)
    {
        double xi = json_number_value(v);
        double yi = json_number_value(json_array_get(json_object_get(p, "y"), i));
        g_array_append_val(x, xi);
        g_array_append_val(y, yi);
        g_ptr_array_add(
            cat, g_strdup(json_string_value(json_array_get(json_object_get(p, "category"), i))));
    }
}

static void fit_categories(struct jv_calibration *c, GArray *x, GArray *y, GPtrArray *cat)
{
    GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint i = 0; i < cat->len; i++) {
        const char *name = g_ptr_array_index(cat, i);
        if (!name || g_hash_table_contains(seen, name))
            continue;
        g_hash_table_add(seen, (gpointer)name);
        GArray *cx = g_array_new(FALSE, FALSE, sizeof(double));
        GArray *cy = g_array_new(FALSE, FALSE, sizeof(double));
        for (guint k = 0; k < cat->len; k++)
            if (g_strcmp0(g_ptr_array_index(cat, k), name) == 0) {
                g_array_append_val(cx, g_array_index(x, double, k));
                g_array_append_val(cy, g_array_index(y, double, k));
            }
        if (cx->len >= MIN_CATEGORY_PAIRS) {
            struct jv_calibration_curve *cv = g_new0(struct jv_calibration_curve, 1);
            jv_isotonic_init(&cv->f);
            jv_isotonic_fit(&cv->f, (const double *)(const void *)cx->data,
                            (const double *)(const void *)cy->data, NULL, cx->len);
            cv->pairs = cx->len;
            g_hash_table_replace(c->per_category, g_strdup(name), cv);
        }
        g_array_free(cx, TRUE);
        g_array_free(cy, TRUE);
    }
    g_hash_table_destroy(seen);
}

static void print_curve(const struct jv_calibration *c)
{
    printf("raw -> mark:");
    for (guint i = 0; i < c->overall.x->len; i++)
        printf(" %g->%.1f", g_array_index(c->overall.x, double, i),
               g_array_index(c->overall.y, double, i));
    printf("\n");
}

/*
 * Collects the pairs of every round, fits the curves and writes the file.
 * Returns the exit code.
 */
static int calibrate(const char *csv, char **rounds, int nrounds, const struct calibrate_opts *o)
{
    GError *err = NULL;
    int rc = JV_EXIT_FATAL;
    struct jv_human *human = jv_human_load(csv, &err);
    struct jv_calibration *c = jv_calibration_new(o->output);
    GArray *x = g_array_new(FALSE, FALSE, sizeof(double)),
           *y = g_array_new(FALSE, FALSE, sizeof(double));
    GPtrArray *cat = g_ptr_array_new_with_free_func(g_free);
    json_t *used = json_array();
    for (int i = 0; human && i < nrounds; i++) {
        char *results = jv_round_arg_results(rounds[i], o->output_dir, &err);
        json_t *records = results ? jv_results_load(results, &err) : NULL;
        if (records) {
            json_t *p = jv_agree_pairs(records, human, NULL);
            add_pairs(p, x, y, cat);
            json_array_append_new(used, json_string(results));
            json_decref(p);
            json_decref(records);
        }
        g_free(results);
        if (err)
            goto out;
    }
    if (!human)
        goto out;
    if (x->len < 2) {
        g_set_error(&err, JV_ERROR, JV_ERR_NOT_FOUND,
                    "%u entries with both a model and a human score: at least 2 are needed "
                    "(do the rows of %s name entries of the rounds?)",
                    x->len, csv);
        goto out;
    }
    jv_isotonic_fit(&c->overall, (const double *)(const void *)x->data,
                    (const double *)(const void *)y->data, NULL, x->len);
    c->overall_pairs = x->len;
    if (o->per_category)
        fit_categories(c, x, y, cat);
    char when[JV_ISO8601_LEN];
    json_object_set_new(c->meta, "fitted", json_string(jv_clock_iso8601(jv_clock_wall(), when)));
    json_object_set_new(c->meta, "human", json_string(csv));
    json_object_set(c->meta, "rounds", used);
    if (jv_calibration_save(c, o->output, &err) < 0)
        goto out;
    printf("calibration fitted on %u pairs from %d round(s), %u categor%s of their own: %s\n",
           x->len, nrounds, g_hash_table_size(c->per_category),
           g_hash_table_size(c->per_category) == 1 ? "y" : "ies", o->output);
    print_curve(c);
    rc = JV_EXIT_OK;
out:
    if (err)
        fprintf(stderr, "judge-vision calibrate: %s\n", err->message);
    g_clear_error(&err);
    jv_human_free(human);
    jv_calibration_free(c);
    g_array_free(x, TRUE);
    g_array_free(y, TRUE);
    g_ptr_array_unref(cat);
    json_decref(used);
    return rc;
}

int cmd_calibrate(int argc, char **argv)
{
    struct calibrate_opts o = {0};
    jv_opt_defaults(calibrate_options, &o);
    int rest = argc, rc;
    GError *err = NULL;
    int parsed = jv_opt_parse(calibrate_options, &o, argc, argv, &rest, &err);
    if (parsed < 0 || (parsed == 0 && (argc - rest < 2 || !o.output))) {
        fprintf(stderr, "judge-vision calibrate: %s\n",
                err ? err->message : "needs HUMAN.csv, at least one ROUND and -o FILE");
        g_clear_error(&err);
        calibrate_usage(stderr);
        rc = JV_EXIT_USAGE;
    } else if (parsed == 1) {
        calibrate_usage(stdout);
        rc = JV_EXIT_OK;
    } else {
        rc = calibrate(argv[rest], argv + rest + 1, argc - rest - 1, &o);
    }
    jv_opt_release(calibrate_options, &o);
    return rc;
}
