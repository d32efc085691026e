/* test_optparse.c - the table-driven options (core/optparse) and the run option table. */
#include "core/jv.h"

#include <setjmp.h>
#include <stdarg.h>

#include <cmocka.h>

#include "core/optparse.h"
#include "pipeline/run_config.h"

enum colour { RED = 0, GREEN = 7, BLUE = 9 };

struct demo {
    bool verbose, colourful, fast_a, fast_b;
    int count;
    double ratio;
    uint64_t seed;
    char *name;
    char **paths;
    int colour;
    char *secret;
    char *mode;
};

#define D(m) offsetof(struct demo, m)

static const struct jv_opt_choice colours[] = {
    {"red", RED, false},   {"green", GREEN, false}, {"blue", BLUE, false},
    {"azure", BLUE, true}, {NULL, 0, false},
};
static const struct jv_opt_choice modes[] = {{"on", 0, false}, {"off", 0, false}, {NULL, 0, false}};
static const char *const both[] = {"fast-a", "fast-b", NULL};

/* clang-format off */
static const struct jv_option demo_opts[] = {
    {.long_name = "verbose", .short_name = 'v', .kind = JV_OPT_TRUE, .offset = D(verbose),
     .help = "say more", .group = "General", .key = "verbose"},
    {.long_name = "colourful", .kind = JV_OPT_TRUE, .offset = D(colourful), .help = "in colour",
     .group = "General", .key = "colourful", .def.b = true},
    {.long_name = "no-colourful", .kind = JV_OPT_FALSE, .offset = D(colourful),
     .help = "plain", .group = "General", .def.b = true},
    {.long_name = "count", .short_name = 'n', .kind = JV_OPT_INT, .offset = D(count),
     .metavar = "N", .help = "how many", .group = "Numbers", .key = "count", .imin = 1,
     .imax = 10, .def.i = 3},
    {.long_name = "ratio", .kind = JV_OPT_DOUBLE, .offset = D(ratio), .metavar = "R",
     .help = "how much", .group = "Numbers", .key = "ratio", .dmin = 0, .dmax = 1, .def.d = 0.5},
    {.long_name = "seed", .kind = JV_OPT_UINT64, .offset = D(seed), .metavar = "S",
     .help = "the seed", .group = "Numbers", .key = "seed", .def.u = 42},
    {.long_name = "name", .kind = JV_OPT_STRING, .offset = D(name), .metavar = "NAME",
     .help = "who", .group = "Text", .key = "name", .def.s = "anon"},
    {.long_name = "path", .short_name = 'p', .kind = JV_OPT_STRV, .offset = D(paths),
     .metavar = "PATH", .help = "where", .group = "Text", .key = "paths"},
    {.long_name = "colour", .kind = JV_OPT_ENUM, .offset = D(colour), .metavar = "C",
     .help = "which colour", .group = "Text", .key = "colour", .choices = colours,
     .def.i = GREEN, .flags = JV_OPTF_NOCASE},
    {.long_name = "secret", .kind = JV_OPT_SECRET, .offset = D(secret), .metavar = "KEY",
     .help = "the key", .group = "Text", .key = "secret_set"},
    {.long_name = "mode", .kind = JV_OPT_STRING, .offset = D(mode), .metavar = "M",
     .help = "switch", .group = "Text", .key = "mode", .choices = modes},
    {.long_name = "fast-a", .kind = JV_OPT_TRUE, .offset = D(fast_a), .help = "a"},
    {.long_name = "fast-b", .kind = JV_OPT_TRUE, .offset = D(fast_b), .help = "b"},
    {.long_name = "fast", .kind = JV_OPT_ALIAS, .help = "both", .also = both},
    {.long_name = "hidden", .kind = JV_OPT_TRUE, .offset = D(verbose)},
    {.long_name = "help", .short_name = 'h', .kind = JV_OPT_HELP, .help = "this help"},
    {0},
};
/* clang-format on */

/* Parses the NULL-terminated words (argv[0] = "demo") into d. */
static int parse(struct demo *d, GError **err, int *rest, ...)
{
    GPtrArray *a = g_ptr_array_new();
    g_ptr_array_add(a, (char *)"demo");
    va_list ap;
    va_start(ap, rest);
    for (const char *w; (w = va_arg(ap, const char *));)
        g_ptr_array_add(a, (char *)w);
    va_end(ap);
    int argc = (int)a->len;
    g_ptr_array_add(a, NULL);
    int r = 0;
    int rc = jv_opt_parse(demo_opts, d, argc, (char **)a->pdata, rest ? rest : &r, err);
    g_ptr_array_free(a, TRUE);
    return rc;
}

static void demo_init(struct demo *d)
{
    memset(d, 0, sizeof *d);
    jv_opt_defaults(demo_opts, d);
}

/* One bad command line: its error message, exactly. */
static void expect_error(const char *want, const char *opt, const char *val)
{
    struct demo d;
    GError *err = NULL;
    demo_init(&d);
    assert_int_equal(parse(&d, &err, NULL, opt, val, NULL), -1);
    assert_int_equal(err->code, JV_ERR_USAGE);
    assert_string_equal(err->message, want);
    g_error_free(err);
    jv_opt_release(demo_opts, &d);
}

static void test_defaults(void **state)
{
    (void)state;
    struct demo d;
    demo_init(&d);
    assert_false(d.verbose);
    assert_true(d.colourful);
    assert_int_equal(d.count, 3);
    assert_true(d.ratio == 0.5);
    assert_true(d.seed == 42);
    assert_string_equal(d.name, "anon");
    assert_null(d.paths);
    assert_int_equal(d.colour, GREEN);
    assert_null(d.secret);
    jv_opt_release(demo_opts, &d);
    assert_null(d.name);
}

/*
 * Every kind on one command line (flags both ways, int, double, uint64,
 * string, repeatable strings, enum with a case-blind and a hidden name,
 * secret, string choices, an operand), then synonyms, the alias, --help and
 * jv_opt_set.
 */
static void test_kinds(void **state)
{
    (void)state;
    struct demo d;
    GError *err = NULL;
    int rest = 0;
    demo_init(&d);
    assert_int_equal(parse(&d, &err, &rest, "-v", "--no-colourful", "-n", "7", "--ratio=0.25",
                           "--seed", "18446744073709551615", "--name", "a", "--name", "b", "-p",
                           "x", "--path", "y", "--colour", "BLUE", "--secret", "s3", "--mode",
                           "off", "operand", NULL),
                     0);
    assert_true(d.verbose);
    assert_false(d.colourful);
    assert_int_equal(d.count, 7);
    assert_true(d.ratio == 0.25);
    assert_true(d.seed == UINT64_MAX);
    assert_string_equal(d.name, "b"); /* the last one wins */
    assert_int_equal(g_strv_length(d.paths), 2);
    assert_string_equal(d.paths[0], "x");
    assert_string_equal(d.paths[1], "y");
    assert_int_equal(d.colour, BLUE);
    assert_string_equal(d.secret, "s3");
    assert_string_equal(d.mode, "off");
    assert_int_equal(rest, 22); /* the operand, moved last */
    /* a hidden synonym is accepted */
    assert_int_equal(parse(&d, &err, NULL, "--colour", "azure", "--colourful", NULL), 0);
    assert_int_equal(d.colour, BLUE);
    assert_true(d.colourful);
    /* the alias sets both flags */
    assert_false(d.fast_a || d.fast_b);
    assert_int_equal(parse(&d, &err, NULL, "--fast", NULL), 0);
    assert_true(d.fast_a && d.fast_b);
    /* help stops parsing */
    assert_int_equal(parse(&d, &err, NULL, "-h", "--count", "0", NULL), 1);
    /* jv_opt_set: the same checks by name */
    assert_int_equal(jv_opt_set(demo_opts, &d, "count", "9", &err), 0);
    assert_int_equal(d.count, 9);
    assert_int_equal(jv_opt_set(demo_opts, &d, "count", "11", &err), -1);
    g_clear_error(&err);
    assert_int_equal(jv_opt_set(demo_opts, &d, "nothing", NULL, &err), -1);
    g_clear_error(&err);
    jv_opt_release(demo_opts, &d);
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("--count: expected an integer from 1 to 10, got '0'", "--count", "0");
    expect_error("--count: expected an integer from 1 to 10, got '11'", "-n", "11");
    expect_error("--count: expected an integer from 1 to 10, got '2x'", "--count", "2x");
    expect_error("--ratio: expected a number from 0 to 1, got '1.5'", "--ratio", "1.5");
    expect_error("--ratio: expected a number from 0 to 1, got 'nan'", "--ratio", "nan");
    expect_error("--seed: expected a non-negative integer, got 'x'", "--seed", "x");
    expect_error("--colour: expected red, green or blue, got 'pink'", "--colour", "pink");
    expect_error("--mode: expected on or off, got 'maybe'", "--mode", "maybe");
    expect_error("unknown option '--bogus' (see --help)", "--bogus", NULL);
    expect_error("unknown option '-z' (see --help)", "-z", NULL);
    expect_error("unknown option '--verbose=1' (see --help)", "--verbose=1", NULL);
    expect_error("option --count needs a value", "--count", NULL);
    expect_error("option -n needs a value", "-n", NULL);
}

static void test_copy(void **state)
{
    (void)state;
    struct demo a, b;
    GError *err = NULL;
    demo_init(&a);
    assert_int_equal(parse(&a, &err, NULL, "-p", "x", "--secret", "k", NULL), 0);
    b = a;
    jv_opt_copy_strings(demo_opts, &b);
    assert_ptr_not_equal(a.name, b.name);
    assert_ptr_not_equal(a.paths, b.paths);
    assert_ptr_not_equal(a.secret, b.secret);
    jv_opt_release(demo_opts, &a);
    assert_string_equal(b.name, "anon");
    assert_string_equal(b.paths[0], "x");
    assert_string_equal(b.secret, "k");
    jv_opt_release(demo_opts, &b);
}

/* The help of `opts` as a string. Owned. */
static char *help_of(const struct jv_option *opts)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    jv_opt_print_help(f, opts);
    fclose(f);
    return buf;
}

static void test_help(void **state)
{
    (void)state;
    char *h = help_of(demo_opts);
    for (const struct jv_option *o = demo_opts; o->kind != JV_OPT_END; o++) {
        char *name = g_strdup_printf("--%s", o->long_name);
        if (o->help && !strstr(h, name))
            fail_msg("help lacks %s:\n%s", name, h);
        if (!o->help && strstr(h, name))
            fail_msg("help shows hidden %s", name);
        g_free(name);
    }
    assert_non_null(strstr(h, "General:\n"));
    assert_non_null(strstr(h, "\nNumbers:\n"));
    assert_non_null(strstr(h, "  -n, --count N               how many (default 3)\n"));
    assert_non_null(strstr(h, "      --colourful             in colour (default)\n"));
    assert_non_null(strstr(h, "(red | green | blue; default green)"));
    assert_null(strstr(h, "azure"));
    assert_non_null(strstr(h, "both (same as --fast-a --fast-b)"));
    assert_non_null(strstr(h, "where (repeatable)"));
    free(h);
}

static void test_to_json(void **state)
{
    (void)state;
    struct demo d;
    GError *err = NULL;
    demo_init(&d);
    json_t *j = jv_opt_to_json(demo_opts, &d);
    char *s = json_dumps(j, 0);
    assert_string_equal(s, "{\"verbose\": false, \"colourful\": true, \"count\": 3, \"ratio\": "
                           "0.5, \"seed\": 42, \"name\": \"anon\", \"paths\": [], \"colour\": "
                           "\"green\", \"secret_set\": false, \"mode\": null}");
    free(s);
    json_decref(j);
    assert_int_equal(parse(&d, &err, NULL, "--secret", "hush", "--colour", "azure", NULL), 0);
    j = jv_opt_to_json(demo_opts, &d);
    assert_true(json_is_true(json_object_get(j, "secret_set")));
    assert_string_equal(json_string_value(json_object_get(j, "colour")), "blue");
    s = json_dumps(j, 0);
    assert_null(strstr(s, "hush"));
    free(s);
    json_decref(j);
    jv_opt_release(demo_opts, &d);
}

static void test_find(void **state)
{
    (void)state;
    assert_string_equal(jv_opt_find(demo_opts, "count")->key, "count");
    assert_null(jv_opt_find(demo_opts, "nope"));
    assert_string_equal(jv_opt_find_key(demo_opts, "paths")->long_name, "path");
    assert_string_equal(jv_opt_find_flag(demo_opts, "colourful", false)->long_name, "no-colourful");
    assert_string_equal(jv_opt_find_flag(demo_opts, "colourful", true)->long_name, "colourful");
    assert_null(jv_opt_find_flag(demo_opts, "verbose", false));
    assert_null(jv_opt_find_flag(demo_opts, "count", true));
}

/* ---- the run option table ------------------------------------------------ */

/* The manifest's `parameters`: these keys in this order, with these JSON types. */
static const struct {
    const char *key;
    json_type type;
} run_keys[] = {
    {"input_dirs", JSON_ARRAY},
    {"recursive", JSON_TRUE},
    {"follow_symlinks", JSON_FALSE},
    {"stage", JSON_STRING},
    {"competition_config", JSON_NULL},
    {"competition", JSON_NULL},
    {"entries", JSON_NULL},
    {"critique_category", JSON_NULL},
    {"critique_notes", JSON_NULL},
    {"output_dir", JSON_STRING},
    /* derived from the round by jv_run_config_finish() unless given */
    {"round", JSON_NULL},
    {"output_jsonl", JSON_NULL},
    {"summary", JSON_NULL},
    {"progress_file", JSON_NULL},
    {"iqa_cache", JSON_NULL},
    {"log_file", JSON_NULL},
    {"iqa_workers", JSON_INTEGER},
    {"max_megapixels", JSON_REAL},
    {"iqa_memory_mib", JSON_INTEGER},
    {"disable_musiq", JSON_FALSE},
    {"musiq_weights", JSON_NULL},
    {"disable_nima", JSON_FALSE},
    {"disable_tonal", JSON_FALSE},
    {"iqa_service_url", JSON_NULL},
    {"iqa_service_concurrency", JSON_STRING}, /* "auto" by default (issue 16) */
    {"nima_weights", JSON_NULL},
    {"backend", JSON_STRING},
    {"base_urls", JSON_ARRAY},
    {"api_key_set", JSON_FALSE},
    {"model", JSON_STRING},
    {"timeout", JSON_REAL},
    {"max_retries", JSON_INTEGER},
    {"max_new_tokens", JSON_INTEGER},
    {"temperature", JSON_REAL},
    {"top_p", JSON_REAL},
    {"prompt_profile", JSON_STRING},
    {"prompt_file", JSON_NULL},
    {"structured_output", JSON_STRING},
    {"concurrency", JSON_STRING}, /* "auto" by default (issue 16) */
    {"pipeline", JSON_TRUE},
    {"stream", JSON_TRUE},
    {"vlm_max_side", JSON_INTEGER},
    {"judges", JSON_INTEGER},
    {"panel_combine", JSON_STRING},
    {"calibration", JSON_NULL},
    {"consistency_sample", JSON_INTEGER},
    {"pairwise", JSON_FALSE},
    {"pairwise_rounds", JSON_INTEGER},
    {"pairwise_threshold", JSON_REAL},
    {"pairwise_seed", JSON_INTEGER},
    {"pairwise_schedule", JSON_STRING},
    {"pairwise_podium", JSON_TRUE},
    {"flush_every", JSON_INTEGER},
    {"fresh", JSON_FALSE},
    {"max_consecutive_failures", JSON_INTEGER},
    {"gpu_sample_every", JSON_INTEGER},
    {"baseline_io", JSON_FALSE},
};

/*
 * The run table: each visible option in `run --help`, each manifest key found
 * by jv_run_config_option(), and the manifest's keys, order and types exactly
 * as the pipeline has always written them.
 */
static void test_run_table(void **state)
{
    (void)state;
    const struct jv_option *opts = jv_run_config_options();
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    jv_run_config_print_help(f, "judge-vision");
    fclose(f);
    size_t nkeys = 0;
    for (const struct jv_option *o = opts; o->kind != JV_OPT_END; o++) {
        char *name = g_strdup_printf("--%s", o->long_name);
        if (o->help && !strstr(buf, name))
            fail_msg("run --help lacks %s", name);
        g_free(name);
        if (o->key) {
            assert_ptr_equal(jv_run_config_option(o->key), o);
            nkeys++;
        }
    }
    assert_non_null(strstr(buf, "  -i, --input-dir PATH"));
    free(buf);

    struct jv_run_config c;
    jv_run_config_init(&c);
    json_t *j = jv_run_config_to_json(&c);
    assert_int_equal(json_object_size(j), JV_ARRAY_LEN(run_keys));
    assert_int_equal(nkeys, JV_ARRAY_LEN(run_keys));
    size_t i = 0;
    const char *k;
    json_t *v;
    json_object_foreach(j, k, v)
    {
        assert_string_equal(k, run_keys[i].key);
        if (json_typeof(v) != run_keys[i].type)
            fail_msg("parameters.%s has type %d, want %d", k, json_typeof(v), run_keys[i].type);
        i++;
    }
    assert_string_equal(json_string_value(json_object_get(j, "stage")), "full");
    assert_string_equal(json_string_value(json_object_get(j, "pairwise_schedule")), "eig");
    assert_string_equal(json_string_value(json_object_get(j, "structured_output")), "none");
    json_decref(j);
    jv_run_config_release(&c);
}

/* A parsed run config, its rules (jv_run_config_finish) and its deep copy. */
static void test_run_copy_and_finish(void **state)
{
    (void)state;
    struct jv_run_config a, b;
    GError *err = NULL;
    int rest = 0;
    char *argv[] = {(char *)"run",
                    (char *)"-i",
                    (char *)"x",
                    (char *)"--fast",
                    (char *)"--api-key",
                    (char *)"k",
                    (char *)"--no-pipeline",
                    (char *)"--stage",
                    (char *)"two-pass",
                    NULL};
    jv_run_config_init(&a);
    assert_int_equal(jv_opt_parse(jv_run_config_options(), &a, 9, argv, &rest, &err), 0);
    assert_int_equal(jv_run_config_finish(&a, &err), 0);
    assert_true(a.iqa.disable_musiq && a.iqa.disable_tonal && !a.iqa.disable_nima);
    assert_false(a.critique.pipeline);
    assert_int_equal(a.stage, JV_STAGE_TWO_PASS);
    assert_string_equal(a.vlm.base_urls[0], "http://127.0.0.1:8000/v1");
    jv_run_config_copy(&b, &a);
    jv_run_config_release(&a);
    assert_string_equal(b.input_dirs[0], "x");
    assert_string_equal(b.vlm.api_key, "k");
    assert_string_equal(b.vlm.model, "Qwen/Qwen3-VL-8B-Instruct-FP8");
    jv_run_config_release(&b);

    /* the rules after parsing */
    jv_run_config_init(&a);
    assert_int_equal(jv_run_config_finish(&a, &err), -1);
    assert_string_equal(err->message, "no photos given: use -i FOLDER (see --help)");
    g_clear_error(&err);
    a.stage = JV_STAGE_PLAYOFF;
    a.competition_id = g_strdup("c");
    assert_int_equal(jv_run_config_finish(&a, &err), -1);
    assert_string_equal(err->message,
                        "--competition-config and --competition must be given together");
    g_clear_error(&err);
    jv_run_config_release(&a);
}

/* --concurrency: auto by default (issue 16), a number pins it, anything else is refused. */
static void test_concurrency_auto(void **state)
{
    (void)state;
    struct jv_run_config a;
    GError *err = NULL;
    int rest;
    jv_run_config_init(&a);
    assert_int_equal(a.vlm.concurrency, 0);
    json_t *j = jv_run_config_to_json(&a);
    assert_string_equal(json_string_value(json_object_get(j, "concurrency")), "auto");
    json_decref(j);
    char *argv[] = {(char *)"run", (char *)"--concurrency", (char *)"6", NULL};
    assert_int_equal(jv_opt_parse(jv_run_config_options(), &a, 3, argv, &rest, &err), 0);
    assert_int_equal(a.vlm.concurrency, 6);
    j = jv_run_config_to_json(&a);
    assert_int_equal(json_integer_value(json_object_get(j, "concurrency")), 6);
    json_decref(j);
    argv[2] = (char *)"auto";
    assert_int_equal(jv_opt_parse(jv_run_config_options(), &a, 3, argv, &rest, &err), 0);
    assert_int_equal(a.vlm.concurrency, 0);
    argv[2] = (char *)"0";
    assert_int_equal(jv_opt_parse(jv_run_config_options(), &a, 3, argv, &rest, &err), -1);
    assert_string_equal(err->message,
                        "--concurrency: expected auto or an integer from 1 to 1024, got '0'");
    g_clear_error(&err);
    jv_run_config_release(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_kinds),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_copy),
        cmocka_unit_test(test_help),
        cmocka_unit_test(test_to_json),
        cmocka_unit_test(test_find),
        cmocka_unit_test(test_run_table),
        cmocka_unit_test(test_run_copy_and_finish),
        cmocka_unit_test(test_concurrency_auto),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
