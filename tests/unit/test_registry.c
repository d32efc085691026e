/*
 * test_registry.c - the competition registry (doc/SPEC.md 2.3) on the example
 * that section names (tests/data/toml/valid/competition.toml), on the shipped
 * examples/competitions.toml and on broken files.
 */
#include "core/jv.h"

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include "core/fsutil.h"
#include "input/registry.h"

#include "tmpdir.h"

static int setup(void **state)
{
    (void)state;
    return tmpdir_make("jvreg-XXXXXX");
}

static int teardown(void **state)
{
    (void)state;
    int rc = tmpdir_remove();
    return rc == 0 ? 0 : -1;
}

/* Writes `text` to a fresh file in the temp folder; returns its path. */
static char *write_registry(const char *name, const char *text)
{
    char *path = g_build_filename(tmpdir, name, NULL);
    assert_int_equal(jv_write_file_atomic(path, text, strlen(text), NULL), 0);
    return path;
}

static char *spec_example_path(void)
{
    const char *src = g_getenv("JV_SOURCE_DIR");
    return g_build_filename(src ? src : ".", "tests", "data", "toml", "valid", "competition.toml",
                            NULL);
}

static void test_spec_example(void **state)
{
    (void)state;
    char *path = spec_example_path();
    GError *err = NULL;
    struct jv_competition *c = jv_competition_load(path, "club_dpi_2025", &err);
    assert_non_null(c);
    assert_string_equal(c->id, "club_dpi_2025");
    assert_string_equal(c->name, "Club DPI 2025");
    assert_string_equal(c->categories[0], "Colour");
    assert_string_equal(c->categories[1], "Mono");
    assert_null(c->categories[2]);
    assert_int_equal(c->n_bands, 3);
    assert_string_equal(c->bands[0].name, "Merit");
    assert_string_equal(c->bands[2].name, "Distinction");
    assert_int_equal(c->bands[2].n_scores, 3);
    assert_int_equal(c->bands[2].scores[2], 20);
    assert_string_equal(c->awards[0], "Distinction");
    assert_int_equal(c->playoff_rounds, 0);
    assert_string_equal(c->notes, "Scores out of 20. Mono: one tone across the whole image.\n");
    assert_int_equal(c->max_width, 1600);
    assert_int_equal(c->max_height, 1200);
    assert_int_equal(c->min_width, 0);
    assert_string_equal(c->borders, "disallowed");
    assert_string_equal(c->manipulation, "minor cloning allowed");
    assert_false(c->watermark_allowed);
    assert_true(c->has_watermark_rule);
    /* Free-text rules are kept for the judge. */
    assert_string_equal(json_string_value(json_object_get(c->rules, "competition_class")),
                        "Open DPI");
    assert_string_equal(json_string_value(json_object_get(c->rules, "entries_per_round")),
                        "Up to 2");

    /* Award bands: edges, gaps and out-of-range scores. */
    assert_null(jv_competition_award_for(c, 13));
    assert_string_equal(jv_competition_award_for(c, 14), "Merit");
    assert_string_equal(jv_competition_award_for(c, 15), "Merit");
    assert_string_equal(jv_competition_award_for(c, 16), "Credit");
    assert_string_equal(jv_competition_award_for(c, 17), "Credit");
    assert_string_equal(jv_competition_award_for(c, 18), "Distinction");
    assert_string_equal(jv_competition_award_for(c, 20), "Distinction");
    assert_null(jv_competition_award_for(c, 21));
    assert_null(jv_competition_award_for(c, -1));

    json_t *j = jv_competition_to_json(c);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "id")), "club_dpi_2025");
    json_t *bands = json_object_get(j, "score_bands");
    /* File order survives into JSON. */
    void *it = json_object_iter(bands);
    assert_string_equal(json_object_iter_key(it), "Merit");
    assert_int_equal(json_array_size(json_object_get(bands, "Distinction")), 3);
    assert_int_equal(json_array_size(json_object_get(j, "awards")), 3);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "limits"), "max_width")),
                     1600);
    assert_true(json_is_null(json_object_get(json_object_get(j, "limits"), "min_width")));
    assert_true(json_is_false(json_object_get(json_object_get(j, "limits"), "watermark_allowed")));
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(j, "rules"), "colour_space")),
        "sRGB IEC61966-2.1");
    json_decref(j);
    jv_competition_free(c);
    g_free(path);
}

static void test_defaults(void **state)
{
    (void)state;
    char *path = write_registry("min.toml", "[competition.bare]\n"
                                            "score_bands = { Pass = [10, 11], Top = [19, 20] }\n"
                                            "theme = \"Water\"\n");
    GError *err = NULL;
    struct jv_competition *c = jv_competition_load(path, "bare", &err);
    assert_non_null(c);
    assert_string_equal(c->name, "bare");
    assert_string_equal(c->categories[0], "Colour");
    assert_string_equal(c->categories[1], "Mono");
    assert_null(c->categories[2]);
    /* Default awards: the band reaching higher scores first. */
    assert_string_equal(c->awards[0], "Top");
    assert_string_equal(c->awards[1], "Pass");
    assert_null(c->awards[2]);
    assert_null(c->notes);
    assert_int_equal(c->max_width, 0);
    assert_null(c->borders);
    assert_false(c->has_watermark_rule);
    assert_int_equal(json_object_size(c->rules), 0);
    json_t *j = jv_competition_to_json(c);
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "extra"), "theme")),
                        "Water");
    assert_true(json_is_null(json_object_get(j, "notes")));
    json_decref(j);
    jv_competition_free(c);
    g_free(path);
}

static void test_unknown_id(void **state)
{
    (void)state;
    const char *src = g_getenv("JV_SOURCE_DIR");
    char *path = g_build_filename(src ? src : ".", "examples", "competitions.toml", NULL);
    GError *err = NULL;
    assert_null(jv_competition_load(path, "nope", &err));
    assert_non_null(err);
    assert_int_equal(err->code, JV_ERR_NOT_FOUND);
    assert_non_null(strstr(err->message, "'nope'"));
    assert_non_null(strstr(err->message, "club_dpi_2025, club_print_2025, club_dpi_round"));
    assert_non_null(strstr(err->message, path));
    g_clear_error(&err);

    json_t *list = jv_registry_list(path, &err);
    assert_non_null(list);
    assert_int_equal(json_array_size(list), 5); /* 2 + the three club-night examples */
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 1), "id")),
                        "club_print_2025");
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 1), "name")),
                        "Club Print Championship 2025");
    json_decref(list);

    struct jv_competition *c = jv_competition_load(path, "club_print_2025", &err);
    assert_non_null(c);
    assert_int_equal(c->min_width, 2400);
    assert_int_equal(c->playoff_rounds, 3);
    assert_string_equal(jv_competition_award_for(c, 16), "Highly Commended");
    assert_string_equal(c->categories[2], "Nature");
    jv_competition_free(c);
    g_free(path);
}

static void test_broken_files(void **state)
{
    (void)state;
    GError *err = NULL;
    char *path = write_registry("broken.toml", "[competition.x]\nname = \"X\"\nname = \"Y\"\n");
    assert_null(jv_competition_load(path, "x", &err));
    char *want = g_strdup_printf("%s:3:1: duplicate key 'name'", path);
    assert_string_equal(err->message, want);
    assert_int_equal(err->code, JV_ERR_PARSE);
    g_clear_error(&err);
    assert_null(jv_registry_list(path, &err));
    assert_string_equal(err->message, want);
    g_clear_error(&err);
    g_free(want);
    g_free(path);

    path = write_registry("unterminated.toml", "[competition.x]\nnotes = \"\"\"never closed\n");
    assert_null(jv_competition_load(path, "x", &err));
    want = g_strdup_printf("%s:2:9: unterminated multi-line string", path);
    assert_string_equal(err->message, want);
    g_clear_error(&err);
    g_free(want);
    g_free(path);

    path = g_build_filename(tmpdir, "missing.toml", NULL);
    assert_null(jv_competition_load(path, "x", &err));
    assert_non_null(strstr(err->message, path));
    g_clear_error(&err);
    g_free(path);

    path = write_registry("empty.toml", "# nothing\n");
    assert_null(jv_competition_load(path, "x", &err));
    assert_non_null(strstr(err->message, "no [competition.ID] tables"));
    g_clear_error(&err);
    g_free(path);

    /* Wrong types are named by key. */
    path = write_registry("types.toml", "[competition.x.rules]\nmax_width = \"big\"\n");
    assert_null(jv_competition_load(path, "x", &err));
    assert_non_null(strstr(err->message, "competition.x.rules.max_width"));
    g_clear_error(&err);
    g_free(path);
    path = write_registry("bands.toml", "[competition.x]\nscore_bands = { A = [1, \"2\"] }\n");
    assert_null(jv_competition_load(path, "x", &err));
    assert_non_null(strstr(err->message, "competition.x.score_bands"));
    g_clear_error(&err);
    g_free(path);
    path = write_registry("cats.toml", "[competition.x]\ncategories = [\"A\", 2]\n");
    assert_null(jv_competition_load(path, "x", &err));
    assert_non_null(strstr(err->message, "competition.x.categories"));
    g_clear_error(&err);
    g_free(path);
}

/* The scoring scheme (doc/SPEC.md 2.3): scale, step, placings, entries per author, pattern. */
static void test_scheme(void **state)
{
    (void)state;
    GError *err = NULL;
    const char *src = g_getenv("JV_SOURCE_DIR");
    char *ex = g_build_filename(src ? src : ".", "examples", "competitions.toml", NULL);
    /* Today's registries keep the 0-20 scale and get 1st-3rd. */
    struct jv_competition *c = jv_competition_load(ex, "club_dpi_2025", &err);
    assert_non_null(c);
    assert_int_equal(c->scale_min, 0);
    assert_int_equal(c->scale_max, 20);
    assert_int_equal(c->scale_step, 1);
    assert_string_equal(c->placings[0], "1st");
    assert_string_equal(c->placings[2], "3rd");
    assert_null(c->placings[3]);
    assert_int_equal(c->max_entries_per_author, 0);
    assert_null(c->filename_pattern);
    jv_competition_free(c);
    c = jv_competition_load(ex, "club_print_round", &err);
    assert_non_null(c);
    assert_int_equal(c->scale_min, 1);
    assert_int_equal(c->scale_max, 10);
    assert_string_equal(jv_competition_award_for(c, 9), "Highly Commended");
    assert_int_equal(jv_competition_snap_score(c, 17.0), 10);
    assert_int_equal(jv_competition_snap_score(c, 0.2), 1);
    assert_int_equal(jv_competition_snap_score(c, 6.5), 7);
    jv_competition_free(c);
    c = jv_competition_load(ex, "club_placings_round", &err);
    assert_non_null(c);
    assert_int_equal(c->n_bands, 0);
    assert_null(c->awards[0]);
    assert_string_equal(c->placings[8], "C");
    json_t *j = jv_competition_to_json(c);
    assert_int_equal(json_array_size(json_object_get(j, "placings")), 9);
    assert_int_equal(json_integer_value(json_object_get(j, "max_entries_per_author")), 2);
    json_decref(j);
    jv_competition_free(c);
    c = jv_competition_load(ex, "club_dpi_round", &err);
    assert_non_null(c);
    assert_string_equal(c->filename_pattern, "{title} - {author}");
    jv_competition_free(c);
    g_free(ex);

    /* Bad schemes are named by key. */
    static const struct {
        const char *text, *key;
    } bad[] = {
        {"scale = [10, 5]", "competition.x.scale"},
        {"scale = [0]", "competition.x.scale"},
        {"scale = [0, 10]\nstep = 3", "competition.x.step"},
        {"scale = [0, 10]\nscore_bands = { A = [12] }", "band \"A\" holds 12"},
        {"scale = [0, 10]\nstep = 2\nscore_bands = { A = [5] }", "not a score of the scale"},
        {"placings = [1]", "competition.x.placings"},
        {"max_entries_per_author = -1", "competition.x.max_entries_per_author"},
        {"filename_pattern = \"{title} - {who}\"", "unknown placeholder {who}"},
        {"filename_pattern = \"plain\"", "names no placeholder"},
    };
    for (size_t i = 0; i < JV_ARRAY_LEN(bad); i++) {
        char *text = g_strdup_printf("[competition.x]\n%s\n", bad[i].text);
        char *path = write_registry("scheme.toml", text);
        assert_null(jv_competition_load(path, "x", &err));
        if (!strstr(err->message, bad[i].key))
            fail_msg("%s: %s", bad[i].text, err->message);
        g_clear_error(&err);
        g_free(path);
        g_free(text);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_example), cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_unknown_id),   cmocka_unit_test(test_broken_files),
        cmocka_unit_test(test_scheme),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
