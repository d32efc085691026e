/*
 * The playoff against the real simulator (judge-vision-sim started on
 * 127.0.0.1 with a free port): real HTTP judge, real scheduler, real replies,
 * then a resume from a cut matches log.
 */
#include "core/jv.h"

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <unistd.h>
#include <cmocka.h>

#include "sim_child.h"
#include <gio/gio.h>
#include <vips/vips.h>

#include "core/fsutil.h"
#include "net/http.h"
#include "playoff/match_http.h"
#include "playoff/playoff.h"

/* The simulator with its delays scaled by 0.001, plus `extra` (NULL-terminated, may be NULL). */
static void sim_start_scaled(struct sim_child *s, const char *const *extra)
{
    GPtrArray *args = g_ptr_array_new();
    g_ptr_array_add(args, (gpointer) "--time-scale=0.001");
    for (size_t i = 0; extra && extra[i]; i++)
        g_ptr_array_add(args, (gpointer)extra[i]);
    g_ptr_array_add(args, NULL);
    sim_start_argv(s, (const char *const *)args->pdata);
    g_ptr_array_free(args, TRUE);
}

struct fixture {
    char *dir;
    char *log;
    json_t *records;
    GPtrArray *paths;
};

static int setup(void **state)
{
    struct fixture *f = g_new0(struct fixture, 1);
    f->dir = g_dir_make_tmp("jvplayoffsim-XXXXXX", NULL);
    f->log = g_build_filename(f->dir, "judge_vision.matches.jsonl", NULL);
    f->records = json_array();
    f->paths = g_ptr_array_new_with_free_func(g_free);
    /* 13 Colour entries (Swiss with a bye), 5 Mono (round robin) */
    for (int i = 0; i < 18; i++) {
        char name[32];
        snprintf(name, sizeof(name), "%s%02d.jpg", i < 13 ? "c" : "01_m", i);
        char *path = g_build_filename(f->dir, name, NULL);
        VipsImage *img = NULL, *grey = NULL;
        assert_int_equal(vips_black(&img, 64 + i, 48, "bands", 3, NULL), 0);
        assert_int_equal(vips_linear1(img, &grey, 1.0, 10.0 * i, NULL), 0);
        assert_int_equal(vips_jpegsave(grey, path, NULL), 0);
        g_object_unref(img);
        g_object_unref(grey);
        json_array_append_new(
            f->records,
            json_pack("{s:s, s:s, s:i, s:s, s:s}", "image", path, "competition_category",
                      i < 13 ? "Colour" : "Mono", "critique_total", 17 + i % 4, "critique",
                      "A well seen image with good light.", "style_inference", "Open"));
        g_ptr_array_add(f->paths, path);
    }
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

/* Runs the playoff over a copy of the records against the simulator at `api`. */
static json_t *run(struct fixture *f, const char *api, json_t **stats)
{
    const char *urls[] = {api, NULL};
    struct jv_http_pool *pool = jv_http_pool_new(urls);
    struct jv_http_sched *sched = jv_http_sched_new(4);
    struct jv_match_http mh;
    jv_match_http_init(&mh, sched, pool, "test-key", "sim", 30, 3);
    struct jv_playoff_params p = {.threshold = 17,
                                  .seed = 42,
                                  .schedule = JV_SCHEDULE_SWISS,
                                  .matches_log = f->log,
                                  .judge = jv_match_http_judge(&mh)};
    json_t *copy = json_deep_copy(f->records);
    GError *err = NULL;
    if (jv_playoff_run(copy, &p, stats, &err) != 0)
        fail_msg("playoff: %s", err->message);
    jv_match_http_release(&mh);
    jv_http_sched_free(sched);
    jv_http_pool_free(pool);
    return copy;
}

static size_t count_lines(const char *path)
{
    size_t len = 0, n = 0;
    char *text = jv_read_file(path, 1 << 24, &len, NULL);
    for (size_t i = 0; i < len; i++)
        n += text[i] == '\n';
    g_free(text);
    return n;
}

static void test_against_simulator(void **state)
{
    struct fixture *f = *state;
    struct sim_child s;
    sim_start_scaled(&s, NULL);
    json_t *stats = NULL;
    json_t *out = run(f, s.api, &stats);
    /* Colour: 13 -> 4 rounds of 6 (one bye each); Mono: 5 -> round robin of 10 */
    assert_int_equal(json_integer_value(json_object_get(stats, "scheduled")), 24 + 10);
    assert_int_equal(json_integer_value(json_object_get(stats, "completed")), 34);
    assert_int_equal(json_integer_value(json_object_get(stats, "no_decision")), 0);
    assert_int_equal(json_integer_value(json_object_get(stats, "encodings")), 18);
    assert_int_equal(count_lines(f->log), 34);
    int twenty = 0;
    for (size_t i = 0; i < json_array_size(out); i++) {
        json_t *r = json_array_get(out, i);
        assert_true(json_is_integer(json_object_get(r, "pairwise_wins")));
        assert_true(json_real_value(json_object_get(r, "stage3_duration_seconds")) > 0);
        twenty += json_integer_value(json_object_get(r, "critique_total")) == 20;
    }
    assert_true(twenty >= 2); /* each category's top is set to 20 */

    /* cut the log after 15 matches, mid-line, and resume */
    size_t len = 0;
    char *text = jv_read_file(f->log, 1 << 24, &len, NULL);
    char *p = text;
    for (int i = 0; i < 15; i++)
        p = strchr(p, '\n') + 1;
    size_t keep = (size_t)(p - text) + 20;
    assert_int_equal(jv_write_file_atomic(f->log, text, keep, NULL), 0);
    g_free(text);
    json_t *stats2 = NULL;
    json_t *again = run(f, s.api, &stats2);
    assert_int_equal(json_integer_value(json_object_get(stats2, "resumed")), 15);
    assert_int_equal(json_integer_value(json_object_get(stats2, "completed")), 34);
    /* 19 images appear in the matches still to ask, each encoded once at most */
    assert_true(json_integer_value(json_object_get(stats2, "encodings")) <= 18);
    assert_int_equal(count_lines(f->log), 34);
    static const char *const same[] = {"critique_total", "pairwise_wins", "pairwise_comparisons",
                                       "pairwise_strength", "pairwise_win_ratio"};
    for (size_t i = 0; i < json_array_size(out); i++)
        for (size_t k = 0; k < JV_ARRAY_LEN(same); k++)
            assert_true(json_equal(json_object_get(json_array_get(out, i), same[k]),
                                   json_object_get(json_array_get(again, i), same[k])));
    json_decref(stats);
    json_decref(stats2);
    json_decref(out);
    json_decref(again);
    sim_stop(&s);
}

/* Faults: server errors are retried by the scheduler; prose replies are asked
 * once more, then count as no decision; the stage still completes. */
static void test_faults(void **state)
{
    struct fixture *f = *state;
    struct sim_child s;
    const char *const extra[] = {"--prose=0.3", "--fail-500=0.2", "--seed=3", NULL};
    sim_start_scaled(&s, extra);
    json_t *stats = NULL;
    json_t *out = run(f, s.api, &stats);
    json_int_t scheduled = json_integer_value(json_object_get(stats, "scheduled"));
    json_int_t completed = json_integer_value(json_object_get(stats, "completed"));
    json_int_t failed = json_integer_value(json_object_get(stats, "failed"));
    assert_int_equal(completed + failed, scheduled);
    assert_true(completed > 0);
    assert_int_equal(count_lines(f->log), (size_t)completed);
    json_decref(stats);
    json_decref(out);
    sim_stop(&s);
}

int main(int argc, char **argv)
{
    (void)argc;
    if (VIPS_INIT(argv[0]))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_against_simulator, setup, teardown),
        cmocka_unit_test_setup_teardown(test_faults, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    vips_shutdown();
    return rc;
}
