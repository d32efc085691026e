/*
 * test_placing.c - the final ranking per category (playoff/placing.h,
 * doc/SPEC.md 2.8): score, then strength, then head-to-head from the
 * matches log, then a decider asked in both orders; never the file name.
 */
#include "core/jv.h"

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include "core/fsutil.h"
#include "outputs/record.h"
#include "playoff/placing.h"

#include "tmpdir.h"

static int setup(void **state)
{
    (void)state;
    return tmpdir_make("jvplace-XXXXXX");
}

static int teardown(void **state)
{
    (void)state;
    return tmpdir_remove() == 0 ? 0 : -1;
}

static json_t *rec(const char *image, const char *cat, int score, double strength, double initial)
{
    json_t *r = jv_record_new();
    jv_record_set_str(r, JV_REC_IMAGE, image);
    jv_record_set_str(r, JV_REC_CONTENT_HASH, image); /* distinct per image */
    jv_record_set_str(r, JV_REC_COMPETITION_CATEGORY, cat);
    jv_record_set_str(r, JV_REC_STATUS, JV_STATUS_OK);
    jv_record_set_int(r, JV_REC_CRITIQUE_TOTAL, score);
    jv_record_set_num(r, JV_REC_CRITIQUE_TOTAL_INITIAL, initial);
    if (strength >= 0)
        jv_record_set_num(r, JV_REC_PAIRWISE_STRENGTH, strength);
    return r;
}

static const json_t *find(const json_t *records, const char *image)
{
    size_t i;
    json_t *r;
    json_array_foreach(records, i, r) if (!strcmp(jv_record_str(r, JV_REC_IMAGE), image)) return r;
    fail_msg("no record %s", image);
    return NULL;
}

/* A judge that always prefers `favourite` when shown, else the entry shown first. */
struct fake {
    const char *favourite;
    int asked;
    int orders; /* bit 0: favourite shown first seen; bit 1: shown second seen */
};

static int fake_run(void *user, struct jv_playoff_job *jobs, size_t n,
                    void (*finished)(struct jv_playoff_job *job, void *ctx), void *ctx,
                    GError **err)
{
    (void)err;
    struct fake *f = user;
    for (size_t i = 0; i < n; i++) {
        struct jv_playoff_job *j = &jobs[i];
        f->asked++;
        bool fa = f->favourite && !strcmp(j->path_a, f->favourite);
        bool fb = f->favourite && !strcmp(j->path_b, f->favourite);
        f->orders |= fa ? 1 : fb ? 2 : 0;
        j->replied = true;
        j->winner = fb ? 1 : 0;
        finished(j, ctx);
    }
    return 0;
}

static void test_rules(void **state)
{
    (void)state;
    json_t *records = json_array();
    /* strength: level on score, the playoff's order decides */
    json_array_append_new(records, rec("/p/A/x.jpg", "A", 18, 0.5, 18));
    json_array_append_new(records, rec("/p/A/y.jpg", "A", 18, 0.9, 18));
    json_array_append_new(records, rec("/p/A/low.jpg", "A", 12, 0.1, 12));
    /* head-to-head: Dune sorts first by name but LadyBird beat it */
    json_array_append_new(records, rec("/p/B/Dune.jpg", "B", 20, -1, 20));
    json_array_append_new(records, rec("/p/B/LadyBird.jpg", "B", 20, -1, 20));
    /* decider: level on everything the playoff knows */
    json_array_append_new(records, rec("/p/C/c.jpg", "C", 19, -1, 19));
    json_array_append_new(records, rec("/p/C/d.jpg", "C", 19, -1, 19));
    json_t *failed = rec("/p/A/broken.jpg", "A", 20, -1, 20);
    jv_record_set_str(failed, JV_REC_STATUS, JV_STATUS_ERROR);
    json_array_append_new(records, failed);

    char *log = g_build_filename(tmpdir, "m.matches.jsonl", NULL);
    const char *line = "{\"category\":\"B\",\"a\":\"/p/B/Dune.jpg\",\"b\":\"/p/B/LadyBird.jpg\","
                       "\"winner\":\"B\",\"round\":1}\n";
    assert_int_equal(jv_write_file_atomic(log, line, strlen(line), NULL), 0);
    struct fake f = {.favourite = "/p/C/d.jpg"};
    struct jv_playoff_judge judge = {.run = fake_run, .user = &f};
    const char *placings[] = {"1st", "2nd", NULL};
    struct jv_placing_params p = {.placings = placings, .matches_log = log, .judge = &judge};
    json_t *stats = NULL;
    GError *err = NULL;
    assert_int_equal(jv_placing_rank(records, &p, &stats, &err), 0);

    const json_t *y = find(records, "/p/A/y.jpg");
    assert_int_equal(jv_record_int(y, JV_REC_RANK, 0), 1);
    assert_string_equal(jv_record_str(y, JV_REC_PLACING), "1st");
    assert_string_equal(jv_record_str(y, JV_REC_RANK_BASIS), "strength");
    assert_int_equal(jv_record_int(find(records, "/p/A/low.jpg"), JV_REC_RANK, 0), 3);
    assert_null(jv_record_str(find(records, "/p/A/low.jpg"), JV_REC_PLACING));
    assert_true(json_is_null(jv_record_get(find(records, "/p/A/broken.jpg"), JV_REC_RANK)));

    const json_t *lb = find(records, "/p/B/LadyBird.jpg");
    assert_int_equal(jv_record_int(lb, JV_REC_RANK, 0), 1);
    assert_string_equal(jv_record_str(lb, JV_REC_RANK_BASIS), "head_to_head");
    assert_string_equal(jv_record_str(find(records, "/p/B/Dune.jpg"), JV_REC_PLACING), "2nd");

    /* One decider pair, asked in both orders; d won both. */
    assert_int_equal(f.asked, 2);
    assert_int_equal(f.orders, 3);
    const json_t *d = find(records, "/p/C/d.jpg");
    assert_int_equal(jv_record_int(d, JV_REC_RANK, 0), 1);
    assert_string_equal(jv_record_str(d, JV_REC_RANK_BASIS), "decider");
    assert_int_equal(json_integer_value(json_object_get(stats, "deciders")), 2);
    json_decref(stats);

    /* A rerun of the finished round asks no decider again: the settled order stands. */
    f.asked = 0;
    assert_int_equal(jv_placing_rank(records, &p, NULL, &err), 0);
    assert_int_equal(f.asked, 0);
    assert_int_equal(jv_record_int(find(records, "/p/C/d.jpg"), JV_REC_RANK, 0), 1);

    /* Re-ranked without a judge (after edits), the decider's order stands. */
    f.asked = 0;
    p.judge = NULL;
    assert_int_equal(jv_placing_rank(records, &p, NULL, &err), 0);
    assert_int_equal(jv_record_int(find(records, "/p/C/d.jpg"), JV_REC_RANK, 0), 1);
    assert_string_equal(jv_record_str(find(records, "/p/C/d.jpg"), JV_REC_RANK_BASIS),
                        "earlier_rank");
    assert_int_equal(f.asked, 0);
    json_decref(records);
    g_free(log);
}

/* A judge that always picks the entry shown first splits the decider: the unrounded score orders.
 */
static void test_split(void **state)
{
    (void)state;
    json_t *records = json_array();
    json_array_append_new(records, rec("/p/a.jpg", "A", 19, -1, 18.6));
    json_array_append_new(records, rec("/p/b.jpg", "A", 19, -1, 19.2));
    json_array_append_new(records, rec("/p/c.jpg", "A", 15, -1, 15));
    struct fake f = {0};
    struct jv_playoff_judge judge = {.run = fake_run, .user = &f};
    const char *placings[] = {"1st", NULL};
    struct jv_placing_params p = {.placings = placings, .judge = &judge};
    GError *err = NULL;
    assert_int_equal(jv_placing_rank(records, &p, NULL, &err), 0);
    assert_int_equal(f.asked, 2);
    const json_t *b = find(records, "/p/b.jpg");
    assert_int_equal(jv_record_int(b, JV_REC_RANK, 0), 1);
    assert_string_equal(jv_record_str(b, JV_REC_RANK_BASIS), "decider_split");
    /* Entries level below the placings get no decider. */
    json_array_append_new(records, rec("/p/e.jpg", "A", 15, -1, 15.5));
    f.asked = 0;
    json_object_set_new((json_t *)b, "rank", json_null());
    assert_int_equal(jv_placing_rank(records, &p, NULL, &err), 0);
    assert_int_equal(f.asked, 2); /* the top pair again (b lost its earlier rank), not c/e */
    assert_int_equal(jv_record_int(find(records, "/p/e.jpg"), JV_REC_RANK, 0), 3);
    json_decref(records);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules),
        cmocka_unit_test(test_split),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
