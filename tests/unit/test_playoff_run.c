/* test_playoff_run.c - unit tests of the playoff driver: resume, stats, records. */
#include "core/jv.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/fsutil.h"
#include "playoff/model_judge.h"
#include "playoff/playoff.h"

struct fixture {
    char *dir;
    char *log;
    json_t *records;
    GPtrArray *paths;
};

static char *add_image(struct fixture *f, const char *name)
{
    char *path = g_build_filename(f->dir, name, NULL);
    GError *err = NULL;
    assert_int_equal(jv_write_file_atomic(path, name, strlen(name), &err), 0);
    g_ptr_array_add(f->paths, path);
    return path;
}

static void add_record(struct fixture *f, const char *name, const char *cat, int score, bool create)
{
    char *path = create ? add_image(f, name) : g_build_filename(f->dir, name, NULL);
    json_array_append_new(
        f->records, json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:{s:{}, s:s}}", "image", path,
                              "competition_category", cat, "critique_total", score,
                              "critique_award", "old", "critique", "A critique.", "critique_title",
                              name, "technical_signals", "metrics", "tonal_summary", "Fine."));
    if (!create)
        g_free(path);
}

static int setup(void **state)
{
    struct fixture *f = g_new0(struct fixture, 1);
    GError *err = NULL;
    f->dir = g_dir_make_tmp("jvplayoff-XXXXXX", &err);
    assert_non_null(f->dir);
    f->log = g_build_filename(f->dir, "judge_vision.matches.jsonl", NULL);
    f->records = json_array();
    f->paths = g_ptr_array_new_with_free_func(g_free);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    for (guint i = 0; i < f->paths->len; i++)
        unlink(g_ptr_array_index(f->paths, i));
    unlink(f->log);
    rmdir(f->dir);
    g_ptr_array_free(f->paths, TRUE);
    json_decref(f->records);
    g_free(f->log);
    g_free(f->dir);
    g_free(f);
    return 0;
}

/* A cohort of n Colour entries with scores 17..19 and a hidden truth. */
static void colour_cohort(struct fixture *f, struct jv_model_judge *m, int n)
{
    for (int i = 0; i < n; i++) {
        char name[32];
        snprintf(name, sizeof(name), "c%03d.jpg", i);
        add_record(f, name, "Colour", 17 + i % 3, true);
        const char *path = json_string_value(
            json_object_get(json_array_get(f->records, json_array_size(f->records) - 1), "image"));
        if (m)
            jv_model_judge_set(m, path, (double)(n - i) / 4.0);
    }
}

static char *award(void *user, int score)
{
    (void)user;
    return g_strdup_printf("band%d", score);
}

static void params_for(struct jv_playoff_params *p, struct jv_model_judge *m, const char *log)
{
    memset(p, 0, sizeof(*p));
    p->threshold = 17;
    p->seed = 42;
    p->schedule = JV_SCHEDULE_SWISS;
    p->matches_log = log;
    p->judge = jv_model_judge_get(m);
    p->award_for = award;
}

static GPtrArray *log_lines(const char *path)
{
    GError *err = NULL;
    size_t len = 0;
    char *text = jv_read_file(path, 1 << 24, &len, &err);
    assert_non_null(text);
    GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);
    char **parts = g_strsplit(text, "\n", -1);
    for (char **p = parts; *p; p++)
        if (**p)
            g_ptr_array_add(lines, g_strdup(*p));
    g_strfreev(parts);
    g_free(text);
    return lines;
}

/*
 * Every logged match is a distinct pair of its category (`ordered`: a
 * distinct pair in the order shown, so each unordered pair at most twice).
 */
static void assert_log_pairs(const char *path, size_t expect, bool ordered)
{
    GPtrArray *lines = log_lines(path);
    assert_int_equal(lines->len, expect);
    GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    for (guint i = 0; i < lines->len; i++) {
        json_error_t jerr;
        json_t *m = json_loads(g_ptr_array_index(lines, i), 0, &jerr);
        assert_non_null(m);
        const char *a = json_string_value(json_object_get(m, "a"));
        const char *b = json_string_value(json_object_get(m, "b"));
        const char *cat = json_string_value(json_object_get(m, "category"));
        assert_non_null(a);
        assert_non_null(b);
        assert_non_null(cat);
        assert_true(strcmp(a, b) != 0);
        json_t *w = json_object_get(m, "winner");
        assert_true(json_is_null(w) || !strcmp(json_string_value(w), "A") ||
                    !strcmp(json_string_value(w), "B"));
        assert_true(json_is_number(json_object_get(m, "latency")));
        assert_true(json_is_integer(json_object_get(m, "round")));
        assert_true(json_is_string(json_object_get(m, "timestamp")));
        assert_non_null(json_object_get(m, "tokens"));
        assert_non_null(json_object_get(m, "reason"));
        char *key = strcmp(a, b) < 0 || ordered ? g_strdup_printf("%s|%s|%s", cat, a, b)
                                                : g_strdup_printf("%s|%s|%s", cat, b, a);
        assert_false(g_hash_table_contains(seen, key));
        g_hash_table_add(seen, key);

        json_decref(m);
    }
    g_hash_table_destroy(seen);
    g_ptr_array_free(lines, TRUE);
}

static void test_run_fields_and_log(void **state)
{
    struct fixture *f = *state;
    struct jv_model_judge m;
    jv_model_judge_init(&m, 0.5, 0, 7);
    colour_cohort(f, &m, 12);
    add_record(f, "low1.jpg", "Colour", 16, true);
    add_record(f, "low2.jpg", "Colour", 12, true);
    add_record(f, "gone.jpg", "Colour", 19, false); /* eligible score, file missing */
    add_record(f, "mono.jpg", "Mono", 18, true);
    json_t *before = json_deep_copy(f->records);

    struct jv_playoff_params p;
    params_for(&p, &m, f->log);
    json_t *stats = NULL;
    GError *err = NULL;
    assert_int_equal(jv_playoff_run(f->records, &p, &stats, &err), 0);

    /* 12 entries: 4 rounds of 6 matches */
    assert_int_equal(json_integer_value(json_object_get(stats, "scheduled")), 24);
    assert_int_equal(json_integer_value(json_object_get(stats, "completed")), 24);
    assert_int_equal(json_integer_value(json_object_get(stats, "resumed")), 0);
    assert_int_equal(m.asked, 24);
    assert_int_equal(m.repeats, 0);
    json_t *pc = json_object_get(stats, "per_category");
    json_t *colour = json_object_get(pc, "Colour");
    json_t *mono = json_object_get(pc, "Mono");
    assert_int_equal(json_integer_value(json_object_get(colour, "eligible")), 12);
    assert_int_equal(json_integer_value(json_object_get(colour, "matches")), 24);
    assert_true(fabs(json_real_value(json_object_get(colour, "mean_seconds")) - 0.25) < 1e-9);
    assert_string_equal(json_string_value(json_object_get(colour, "schedule")), "swiss");
    /* the final fit of every schedule: beta, the side term, the winner and P(1st) */
    assert_true(json_is_real(json_object_get(colour, "beta")));
    assert_true(json_is_real(json_object_get(colour, "side_term")));
    double p_first = json_real_value(json_object_get(colour, "p_first"));
    assert_true(p_first > 0 && p_first <= 1);
    const char *first = json_string_value(json_object_get(colour, "first"));
    assert_non_null(first);
    assert_int_equal(json_integer_value(json_object_get(mono, "eligible")), 1);
    assert_non_null(strstr(json_string_value(json_object_get(mono, "note")), "nothing to compare"));
    assert_log_pairs(f->log, 24, false);

    int tops = 0;
    long comparisons = 0;
    for (size_t i = 0; i < json_array_size(f->records); i++) {
        json_t *r = json_array_get(f->records, i), *b = json_array_get(before, i);
        bool eligible = i < 12;
        if (!eligible) {
            assert_true(json_equal(r, b)); /* untouched */
            continue;
        }
        int init = (int)json_integer_value(json_object_get(b, "critique_total"));
        int score = (int)json_integer_value(json_object_get(r, "critique_total"));
        assert_int_equal(json_integer_value(json_object_get(r, "pairwise_score_initial")), init);
        json_int_t wins = json_integer_value(json_object_get(r, "pairwise_wins"));
        json_int_t comps = json_integer_value(json_object_get(r, "pairwise_comparisons"));
        assert_int_equal(comps, 4);
        comparisons += comps;
        assert_true(fabs(json_real_value(json_object_get(r, "pairwise_win_ratio")) -
                         (double)wins / (double)comps) < 1e-12);
        assert_true(json_real_value(json_object_get(r, "pairwise_strength")) > 0);
        assert_true(fabs(json_real_value(json_object_get(r, "stage3_duration_seconds")) - 1.0) <
                    1e-9);
        char want[16];
        snprintf(want, sizeof(want), "band%d", score);
        assert_string_equal(json_string_value(json_object_get(r, "critique_award")), want);
        /* the rule moves a score by at most one, except the top set to 20 */
        if (score == 20 && init < 19)
            tops++;
        else
            assert_true(abs(score - init) <= 1);
        assert_true(score >= 16 && score <= 20);
    }
    assert_true(tops <= 1);
    assert_int_equal(comparisons, 48);
    /* the winner is the strongest by the posterior, and it gets 20 */
    size_t strongest = 0;
    for (size_t i = 1; i < 12; i++)
        if (json_real_value(json_object_get(json_array_get(f->records, i), "pairwise_strength")) >
            json_real_value(
                json_object_get(json_array_get(f->records, strongest), "pairwise_strength")))
            strongest = i;
    json_t *top = json_array_get(f->records, strongest);
    assert_string_equal(json_string_value(json_object_get(top, "image")), first);
    assert_int_equal(json_integer_value(json_object_get(top, "critique_total")), 20);
    json_decref(stats);
    json_decref(before);
    jv_model_judge_release(&m);
}

static json_t *run_once(struct fixture *f, json_t *records, const char *log, int schedule,
                        size_t *asked, size_t *repeats, json_t **stats)
{
    struct jv_model_judge m;
    jv_model_judge_init(&m, 0.5, 0.1, 99);
    for (guint i = 0; i < f->paths->len; i++)
        jv_model_judge_set(&m, g_ptr_array_index(f->paths, i), (double)(i % 17) / 5.0);
    struct jv_playoff_params p;
    params_for(&p, &m, log);
    p.schedule = (enum jv_playoff_schedule)schedule;
    GError *err = NULL;
    json_t *copy = json_deep_copy(records);
    assert_int_equal(jv_playoff_run(copy, &p, stats, &err), 0);
    *asked = m.asked;
    *repeats = m.repeats;
    jv_model_judge_release(&m);
    return copy;
}

/* A killed playoff (the log cut mid-way, with a torn last line) resumes. */
static void resume(struct fixture *f, int schedule)
{
    colour_cohort(f, NULL, 30);
    for (int i = 0; i < 6; i++) {
        char name[32];
        snprintf(name, sizeof(name), "m%d.jpg", i);
        add_record(f, name, "Mono", 17 + i % 3, true);
    }
    size_t asked, repeats;
    json_t *stats = NULL;
    json_t *full = run_once(f, f->records, f->log, schedule, &asked, &repeats, &stats);
    size_t total = asked;
    /* swiss: 30 entries, 5 rounds of 15; 6 Mono entries, round robin of 15;
     * eig: budgets max(30*5/2, 28) = 75 and max(6*3/2, 15) = 15 */
    assert_int_equal(total, 75 + 15);
    /* eig shows some pairs both ways (the model judge counts the second as a repeat) */
    size_t both_ways = repeats;
    if (schedule != JV_SCHEDULE_EIG)
        assert_int_equal(both_ways, 0);
    json_decref(stats);

    for (size_t cut = 1; cut < total; cut += 23) {
        /* keep `cut` whole lines and half of the next one */
        GPtrArray *lines = log_lines(f->log);
        GString *kept = g_string_new(NULL);
        for (size_t i = 0; i < cut; i++)
            g_string_append_printf(kept, "%s\n", (char *)g_ptr_array_index(lines, i));
        const char *next = g_ptr_array_index(lines, cut);
        g_string_append_len(kept, next, (gssize)strlen(next) / 2);
        GError *err = NULL;
        assert_int_equal(jv_write_file_atomic(f->log, kept->str, kept->len, &err), 0);
        g_string_free(kept, TRUE);
        g_ptr_array_free(lines, TRUE);

        json_t *resumed = run_once(f, f->records, f->log, schedule, &asked, &repeats, &stats);
        assert_int_equal(asked, total - cut); /* nothing logged is asked again */
        assert_true(repeats <= both_ways);
        assert_int_equal(json_integer_value(json_object_get(stats, "resumed")), cut);
        assert_int_equal(json_integer_value(json_object_get(stats, "completed")), total);
        assert_log_pairs(f->log, total, schedule == JV_SCHEDULE_EIG);
        assert_true(json_equal(resumed, full)); /* the same final result */
        json_decref(resumed);
        json_decref(stats);
    }
    json_decref(full);
}

static void test_resume(void **state)
{
    resume(*state, JV_SCHEDULE_SWISS);
}

/* The eig schedule replays its rounds from the log exactly (same verdicts, same picks). */
static void test_resume_eig(void **state)
{
    resume(*state, JV_SCHEDULE_EIG);
}

/* Rerunning the stage on its own output starts again from the Stage 2 scores. */
static void test_rerun_idempotent(void **state)
{
    struct fixture *f = *state;
    colour_cohort(f, NULL, 10);
    size_t asked, repeats;
    json_t *stats = NULL;
    json_t *once = run_once(f, f->records, NULL, JV_SCHEDULE_SWISS, &asked, &repeats, &stats);
    json_decref(stats);
    json_t *twice = run_once(f, once, NULL, JV_SCHEDULE_SWISS, &asked, &repeats, &stats);
    json_decref(stats);
    assert_true(json_equal(once, twice));
    /* and a higher threshold restores entries no longer eligible */
    struct jv_model_judge m;
    jv_model_judge_init(&m, 1, 0, 1);
    struct jv_playoff_params p;
    params_for(&p, &m, NULL);
    p.threshold = 21;
    GError *err = NULL;
    assert_int_equal(jv_playoff_run(twice, &p, NULL, &err), 0);
    assert_true(json_equal(twice, f->records) == 0); /* award rewritten by the callback */
    for (size_t i = 0; i < json_array_size(twice); i++) {
        json_t *r = json_array_get(twice, i);
        assert_int_equal(
            json_integer_value(json_object_get(r, "critique_total")),
            json_integer_value(json_object_get(json_array_get(f->records, i), "critique_total")));
        assert_true(json_is_null(json_object_get(r, "pairwise_wins")));
    }
    jv_model_judge_release(&m);
    json_decref(once);
    json_decref(twice);
}

static void test_round_robin_and_random(void **state)
{
    struct fixture *f = *state;
    colour_cohort(f, NULL, 6);
    size_t asked, repeats;
    json_t *stats = NULL;
    json_t *out = run_once(f, f->records, f->log, JV_SCHEDULE_SWISS, &asked, &repeats, &stats);
    assert_int_equal(asked, 15);
    assert_int_equal(repeats, 0);
    assert_string_equal(
        json_string_value(json_object_get(
            json_object_get(json_object_get(stats, "per_category"), "Colour"), "schedule")),
        "round_robin");
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(
            json_integer_value(json_object_get(json_array_get(out, i), "pairwise_comparisons")), 5);
    json_decref(out);
    json_decref(stats);
    unlink(f->log);

    /* the random scheme on 6: about 3 each, never a rematch */
    out = run_once(f, f->records, NULL, JV_SCHEDULE_RANDOM, &asked, &repeats, &stats);
    assert_int_equal(repeats, 0);
    assert_true(asked >= 7 && asked <= 9);
    json_decref(out);
    json_decref(stats);
}

static void test_two_entries_keep_scores(void **state)
{
    struct fixture *f = *state;
    add_record(f, "x.jpg", "Colour", 17, true);
    add_record(f, "y.jpg", "Colour", 19, true);
    size_t asked, repeats;
    json_t *stats = NULL;
    json_t *out = run_once(f, f->records, NULL, JV_SCHEDULE_SWISS, &asked, &repeats, &stats);
    assert_int_equal(asked, 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(out, 0), "critique_total")),
                     17);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(out, 1), "critique_total")),
                     19);
    assert_int_equal(
        json_integer_value(json_object_get(json_array_get(out, 0), "pairwise_comparisons")), 1);
    json_decref(out);
    json_decref(stats);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_run_fields_and_log, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resume, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resume_eig, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rerun_idempotent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_round_robin_and_random, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_entries_keep_scores, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
