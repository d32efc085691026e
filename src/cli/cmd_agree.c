/*
 * judge-vision agree ROUND HUMAN.csv: how the model's marks of a round
 * compare with the club's own judges' (doc/SPEC.md 3.2), printed as a table
 * and written beside the round as <results stem>.agreement.json.
 */
#include "core/jv.h"

#include <math.h>

#include "cli/commands.h"
#include "cli/round_arg.h"
#include "core/fsutil.h"
#include "core/optparse.h"
#include "input/human_csv.h"
#include "outputs/agree.h"
#include "outputs/layout.h"
#include "outputs/results.h"

struct agree_opts {
    char *output_dir;
};

static const struct jv_option agree_options[] = {
    {.long_name = "output-dir",
     .kind = JV_OPT_STRING,
     .offset = offsetof(struct agree_opts, output_dir),
     .metavar = "DIR",
     .help = "where the rounds are",
     .def.s = JV_LAYOUT_ROOT},
    {.long_name = "help", .short_name = 'h', .kind = JV_OPT_HELP, .help = "this help"},
    {0},
};

static void agree_usage(FILE *out)
{
    fprintf(out, "Usage: judge-vision agree ROUND HUMAN.csv [--output-dir DIR]\n\n"
                 "Compares a round's marks with the club's own results for the same entries\n"
                 "(CSV with a header: file or title, and any of score, award, placing): Spearman\n"
                 "and Kendall tau-b of the scores, the share within 0, 1 and 2 marks, awards,\n"
                 "the top 3, per category and overall, and the entries that differ most.\n"
                 "ROUND is a round's name, its results file or a folder it judged. The report\n"
                 "is written beside the round as <results stem>.agreement.json.\n\n");
    jv_opt_print_help(out, agree_options);
}

/* A share as a percentage, or "-" when undefined. */
static void put_share(const json_t *v)
{
    if (json_is_number(v))
        printf(" %5.0f%%", 100 * json_number_value(v));
    else
        printf(" %6s", "-");
}

static void put_num(const json_t *v)
{
    if (json_is_number(v))
        printf(" %6.2f", json_number_value(v));
    else
        printf(" %6s", "-");
}

static void print_row(const char *name, const json_t *f)
{
    const json_t *w = json_object_get(f, "within");
    const json_t *aw = json_object_get(f, "awards");
    const json_t *pl = json_object_get(f, "placing");
    printf("%-14.14s %4lld", name, (long long)json_integer_value(json_object_get(f, "scored")));
    put_num(json_object_get(f, "spearman"));
    put_num(json_object_get(f, "kendall_tau_b"));
    put_share(json_object_get(w, "0"));
    put_share(json_object_get(w, "1"));
    put_share(json_object_get(w, "2"));
    put_num(json_object_get(f, "mean_difference"));
    put_share(json_object_get(aw, "agreement"));
    printf("   %lld/3\n", (long long)json_integer_value(json_object_get(pl, "in_both")));
}

static void print_report(const char *results, const json_t *r)
{
    printf("agreement of %s with %s: %lld entries matched, %zu rows unmatched\n\n", results,
           json_string_value(json_object_get(r, "human")),
           (long long)json_integer_value(json_object_get(r, "matched")),
           json_array_size(json_object_get(r, "unmatched")));
    printf("%-14s %4s %6s %6s %6s %6s %6s %6s %6s %6s\n", "category", "n", "rho", "tau-b", "=0",
           "+-1", "+-2", "diff", "awards", "top-3");
    const char *name;
    json_t *f;
    json_object_foreach(json_object_get(r, "per_category"), name, f)
    {
        print_row(name[0] ? name : "(none)", f);
    }
    print_row("overall", json_object_get(r, "overall"));
    const json_t *most = json_object_get(r, "differ_most");
    if (json_array_size(most))
        printf("\ndiffer most (model - human):\n");
    size_t i;
    json_t *e;
    json_array_foreach(most, i, e)
    {
        char *base = g_path_get_basename(json_string_value(json_object_get(e, "image")));
        printf("  %-40.40s model %5.1f  human %5.1f  (%+.1f)\n", base,
               json_number_value(json_object_get(e, "model")),
               json_number_value(json_object_get(e, "human")),
               json_number_value(json_object_get(e, "difference")));
        g_free(base);
    }
    json_array_foreach(json_object_get(r, "unmatched"), i, e)
    {
        const char *what = json_string_value(json_object_get(e, "file"));
        if (!what)
            what = json_string_value(json_object_get(e, "title"));
        fprintf(stderr, "judge-vision agree: line %lld (%s): %s\n",
                (long long)json_integer_value(json_object_get(e, "line")), what,
                json_string_value(json_object_get(e, "why")));
    }
}

/* Loads the round and the CSV, builds the report and writes it beside the round. */
static int agree(const char *round, const char *csv, const char *outputs_dir)
{
    GError *err = NULL;
    int rc = JV_EXIT_FATAL;
    json_t *records = NULL, *report = NULL;
    struct jv_human *human = NULL;
    char *results = jv_round_arg_results(round, outputs_dir, &err), *out = NULL;
    if (!results || !(records = jv_results_load(results, &err)) ||
        !(human = jv_human_load(csv, &err)))
        goto out;
    report = jv_agree_report(records, human);
    json_object_set_new(report, "results", json_string(results));
    if (json_integer_value(json_object_get(report, "matched")) == 0) {
        g_set_error(&err, JV_ERROR, JV_ERR_NOT_FOUND,
                    "none of the %u rows of %s names an entry of %s", human->rows->len, csv,
                    results);
        goto out;
    }
    out = jv_layout_agreement_path(results);
    char *dump = json_dumps(report, JSON_INDENT(2) | JSON_REAL_PRECISION(6));
    GString *text = g_string_new(dump);
    free(dump);
    g_string_append_c(text, '\n');
    int wrc = jv_write_file_atomic(out, text->str, text->len, &err);
    g_string_free(text, TRUE);
    if (wrc < 0)
        goto out;
    print_report(results, report);
    printf("\nreport: %s\n", out);
    rc = JV_EXIT_OK;
out:
    if (err)
        fprintf(stderr, "judge-vision agree: %s\n", err->message);
    g_clear_error(&err);
    json_decref(records);
    json_decref(report);
    jv_human_free(human);
    g_free(results);
    g_free(out);
    return rc;
}

int cmd_agree(int argc, char **argv)
{
    struct agree_opts o = {0};
    jv_opt_defaults(agree_options, &o);
    int rest = argc, rc;
    GError *err = NULL;
    int parsed = jv_opt_parse(agree_options, &o, argc, argv, &rest, &err);
    if (parsed < 0 || (parsed == 0 && argc - rest != 2)) {
        fprintf(stderr, "judge-vision agree: %s\n",
                err ? err->message : "needs ROUND and HUMAN.csv");
        g_clear_error(&err);
        agree_usage(stderr);
        rc = JV_EXIT_USAGE;
    } else if (parsed == 1) {
        agree_usage(stdout);
        rc = JV_EXIT_OK;
    } else {
        rc = agree(argv[rest], argv[rest + 1], o.output_dir);
    }
    jv_opt_release(agree_options, &o);
    return rc;
}
