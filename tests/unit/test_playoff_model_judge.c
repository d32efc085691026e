/* test_playoff_model_judge.c - unit tests of the in-process playoff judge's draws. */
#include "core/jv.h"

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include "playoff/model_judge.h"

static void count_finished(struct jv_playoff_job *job, void *ctx)
{
    (void)job;
    (*(int *)ctx)++;
}

/*
 * The verdicts of one ordered pair of equal images (P(A) = 0.5) asked in
 * rounds 0..31, as a bit mask, for a judge seed and the per_pair option.
 */
static uint32_t verdicts(uint64_t seed, bool per_pair, const char *a, const char *b)
{
    struct jv_model_judge m;
    jv_model_judge_init(&m, 0.1, 0, seed);
    m.per_pair = per_pair;
    jv_model_judge_set(&m, a, 0.5);
    jv_model_judge_set(&m, b, 0.5);
    struct jv_playoff_job jobs[32];
    memset(jobs, 0, sizeof(jobs));
    for (int k = 0; k < 32; k++)
        jobs[k] =
            (struct jv_playoff_job){.category = "Colour", .round = k, .path_a = a, .path_b = b};
    int done = 0;
    const struct jv_playoff_judge *j = jv_model_judge_get(&m);
    assert_int_equal(j->run(j->user, jobs, 32, count_finished, &done, NULL), 0);
    assert_int_equal(done, 32);
    uint32_t mask = 0;
    for (int k = 0; k < 32; k++) {
        assert_true(jobs[k].replied);
        assert_true(jobs[k].winner == 0 || jobs[k].winner == 1);
        mask |= (uint32_t)jobs[k].winner << k;
        g_free(jobs[k].reason);
    }
    assert_int_equal(m.asked, 32);
    jv_model_judge_release(&m);
    return mask;
}

/* By default the round is part of the draw: the same pair varies by round. */
static void test_round_varies(void **state)
{
    (void)state;
    uint32_t v = verdicts(5, false, "/x/a.jpg", "/x/b.jpg");
    assert_true(v != 0 && v != UINT32_MAX);
}

/* per_pair: the same ordered pair gets one verdict in every round, which the seed changes. */
static void test_per_pair_repeats(void **state)
{
    (void)state;
    int a_won = 0, differs = 0;
    for (uint64_t seed = 0; seed < 64; seed++) {
        uint32_t v = verdicts(seed, true, "/x/a.jpg", "/x/b.jpg");
        assert_true(v == 0 || v == UINT32_MAX);
        a_won += v == 0;
        /* the other order is a draw of its own */
        differs += v != verdicts(seed, true, "/x/b.jpg", "/x/a.jpg");
    }
    assert_true(a_won > 10 && a_won < 54);
    assert_true(differs > 10 && differs < 54);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_varies),
        cmocka_unit_test(test_per_pair_repeats),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
