/* test_playoff_schedule.c - unit tests of the schedules: round robin, Swiss, byes, random. */
#include "core/jv.h"

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include "playoff/schedule.h"

static void test_rounds_table(void **state)
{
    (void)state;
    assert_int_equal(jv_schedule_rounds_for_size(2), 3);
    assert_int_equal(jv_schedule_rounds_for_size(10), 3);
    assert_int_equal(jv_schedule_rounds_for_size(11), 4);
    assert_int_equal(jv_schedule_rounds_for_size(20), 4);
    assert_int_equal(jv_schedule_rounds_for_size(21), 5);
    assert_int_equal(jv_schedule_rounds_for_size(35), 5);
    assert_int_equal(jv_schedule_rounds_for_size(36), 6);
    assert_int_equal(jv_schedule_rounds_for_size(200), 6);
    assert_int_equal(jv_schedule_comparisons(7, 2, 40), 7);
    assert_int_equal(jv_schedule_comparisons(0, 2, 40), 2);
    assert_int_equal(jv_schedule_comparisons(0, 0, 40), 6);
}

/*
 * Plays a whole schedule with random results and checks its invariants;
 * returns a digest of the pairs (order and sides) for determinism checks.
 */
static uint64_t play(size_t n, int rounds, enum jv_playoff_schedule scheme, uint64_t seed,
                     size_t *sides_a_lower, size_t *total_pairs)
{
    struct jv_schedule *s = jv_schedule_new(n, NULL, rounds, scheme, seed);
    GArray *pairs = g_array_new(FALSE, FALSE, sizeof(struct jv_pair));
    guint8 *met = g_new0(guint8, n * n);
    int *games = g_new0(int, n);
    int *byes = g_new0(int, n);
    int *seen_round = g_new(int, n);
    struct jv_rng results;
    jv_rng_seed(&results, seed * 7 + 1);
    uint64_t digest = 1469598103934665603u;
    int round, bye, rounds_played = 0;
    size_t pairs_total = 0;

    while ((round = jv_schedule_next_round(s, pairs, &bye)) >= 0) {
        assert_int_equal(round, rounds_played);
        rounds_played++;
        for (size_t i = 0; i < n; i++)
            seen_round[i] = 0;
        for (guint k = 0; k < pairs->len; k++) {
            struct jv_pair p = g_array_index(pairs, struct jv_pair, k);
            assert_true(p.a < n && p.b < n);
            assert_int_not_equal(p.a, p.b);   /* no self-match */
            assert_false(met[p.a * n + p.b]); /* no rematch */
            met[p.a * n + p.b] = met[p.b * n + p.a] = 1;
            if (jv_schedule_kind_of(s) == JV_KIND_SWISS) {
                /* nobody plays twice in a Swiss round */
                assert_int_equal(seen_round[p.a]++, 0);
                assert_int_equal(seen_round[p.b]++, 0);
            }
            games[p.a]++;
            games[p.b]++;
            if (p.a < p.b)
                (*sides_a_lower)++;
            pairs_total++;
            digest = (digest ^ (p.a * 1000u + p.b)) * 1099511628211u;
            jv_schedule_record(s, p.a, p.b, (int)(jv_rng_next(&results) & 1));
        }
        if (jv_schedule_kind_of(s) == JV_KIND_SWISS && n % 2 == 1) {
            assert_true(bye >= 0 && bye < (int)n);
            assert_int_equal(seen_round[bye], 0);
            /* the bye goes to someone with the fewest byes so far */
            for (size_t i = 0; i < n; i++)
                assert_true(byes[bye] <= byes[i]);
            byes[bye]++;
            assert_int_equal(jv_schedule_byes(s, (unsigned)bye), byes[bye]);
        } else {
            assert_int_equal(bye, -1);
        }
    }

    switch (jv_schedule_kind_of(s)) {
    case JV_KIND_ROUND_ROBIN:
        assert_true(n <= JV_ROUND_ROBIN_MAX);
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++)
                assert_int_equal(met[i * n + j], i != j); /* every pair exactly once */
        assert_int_equal(pairs_total, n * (n - 1) / 2);
        break;
    case JV_KIND_SWISS:
        assert_true(n > JV_ROUND_ROBIN_MAX);
        if (rounds < (int)n / 2) {
            assert_int_equal(rounds_played, rounds);
            for (size_t i = 0; i < n; i++)
                assert_int_equal(games[i], rounds - byes[i]);
        }
        break;
    case JV_KIND_RANDOM:
        for (size_t i = 0; i < n; i++) {
            assert_true(games[i] >= 1);
            assert_true(games[i] <= rounds);
        }
        assert_true(pairs_total <= (n * (size_t)rounds) / 2);
        assert_true(pairs_total + n >= (n * (size_t)rounds) / 2 || rounds >= (int)n - 1);
        break;
    case JV_KIND_EIG: /* tests/unit/test_playoff_eig.c */
        break;
    }
    assert_true(pairs_total <= jv_schedule_planned(s));
    *total_pairs += pairs_total;
    g_array_free(pairs, TRUE);
    g_free(met);
    g_free(games);
    g_free(byes);
    g_free(seen_round);
    jv_schedule_free(s);
    return digest;
}

static void test_invariants_many_seeds(void **state)
{
    (void)state;
    static const size_t sizes[] = {2,  3,  4,  5,  7,  8,  9,  10, 11,
                                   13, 16, 20, 21, 33, 40, 41, 77, 120};
    size_t a_lower = 0, total = 0;
    for (size_t si = 0; si < JV_ARRAY_LEN(sizes); si++) {
        size_t n = sizes[si];
        for (uint64_t seed = 0; seed < 60; seed++) {
            int rounds = jv_schedule_rounds_for_size(n);
            play(n, rounds, JV_SCHEDULE_SWISS, seed, &a_lower, &total);
            play(n, rounds, JV_SCHEDULE_RANDOM, seed, &a_lower, &total);
        }
    }
    /* sides are drawn at random: about half the pairs show the lower index first */
    double frac = (double)a_lower / (double)total;
    assert_true(frac > 0.45 && frac < 0.55);
}

static void test_deterministic(void **state)
{
    (void)state;
    size_t x = 0, t = 0;
    assert_true(play(40, 6, JV_SCHEDULE_SWISS, 42, &x, &t) ==
                play(40, 6, JV_SCHEDULE_SWISS, 42, &x, &t));
    assert_true(play(40, 6, JV_SCHEDULE_SWISS, 42, &x, &t) !=
                play(40, 6, JV_SCHEDULE_SWISS, 43, &x, &t));
    assert_true(play(25, 5, JV_SCHEDULE_RANDOM, 9, &x, &t) ==
                play(25, 5, JV_SCHEDULE_RANDOM, 9, &x, &t));
}

/* Many rounds in an odd cohort: every entry has a bye before anyone has two. */
static void test_byes_rotate(void **state)
{
    (void)state;
    size_t x = 0, t = 0;
    for (uint64_t seed = 0; seed < 40; seed++) {
        play(9, 8, JV_SCHEDULE_SWISS, seed, &x, &t);
        play(11, 10, JV_SCHEDULE_SWISS, seed, &x, &t);
        play(15, 12, JV_SCHEDULE_SWISS, seed, &x, &t);
    }
    /* and explicitly: 9 entries, 9 rounds -> byes end up spread one each */
    struct jv_schedule *s = jv_schedule_new(9, NULL, 9, JV_SCHEDULE_SWISS, 5);
    GArray *pairs = g_array_new(FALSE, FALSE, sizeof(struct jv_pair));
    int bye, rounds = 0;
    while (jv_schedule_next_round(s, pairs, &bye) >= 0) {
        rounds++;
        for (guint k = 0; k < pairs->len; k++) {
            struct jv_pair p = g_array_index(pairs, struct jv_pair, k);
            jv_schedule_record(s, p.a, p.b, p.a < p.b ? 0 : 1);
        }
    }
    for (unsigned i = 0; i < 9; i++)
        assert_true(jv_schedule_byes(s, i) <= 1);
    assert_true(rounds >= 4);
    g_array_free(pairs, TRUE);
    jv_schedule_free(s);
}

/*
 * Swiss pairs by standing, Dutch style: within a group of equal wins the top
 * half meets the bottom half; after round 0, winners meet winners.
 */
static void test_pairs_by_standing(void **state)
{
    (void)state;
    double initial[16];
    for (int i = 0; i < 16; i++)
        initial[i] = 20 - i * 0.1;
    struct jv_schedule *s = jv_schedule_new(16, initial, 4, JV_SCHEDULE_SWISS, 1);
    GArray *pairs = g_array_new(FALSE, FALSE, sizeof(struct jv_pair));
    assert_int_equal(jv_schedule_next_round(s, pairs, NULL), 0);
    assert_int_equal(pairs->len, 8);
    /* round 0 by initial score: 0-8, 1-9, ..., 7-15 */
    for (guint k = 0; k < pairs->len; k++) {
        struct jv_pair p = g_array_index(pairs, struct jv_pair, k);
        assert_true(MIN(p.a, p.b) < 8);
        assert_int_equal(MAX(p.a, p.b), MIN(p.a, p.b) + 8);
        jv_schedule_record(s, p.a, p.b, p.a < p.b ? 0 : 1); /* lower index wins */
    }
    /* round 1: winners 0-7 fold to 0-4, 1-5, 2-6, 3-7; losers 8-12 ... 11-15 */
    assert_int_equal(jv_schedule_next_round(s, pairs, NULL), 1);
    assert_int_equal(pairs->len, 8);
    for (guint k = 0; k < pairs->len; k++) {
        struct jv_pair p = g_array_index(pairs, struct jv_pair, k);
        assert_int_equal(jv_schedule_wins(s, p.a), jv_schedule_wins(s, p.b));
        assert_int_equal(MAX(p.a, p.b), MIN(p.a, p.b) + 4);
        jv_schedule_record(s, p.a, p.b, p.a < p.b ? 0 : 1);
    }
    /* round 2: groups of 2 wins {0,1,2,3}, 1 win {4..11}, 0 wins {12..15} */
    assert_int_equal(jv_schedule_next_round(s, pairs, NULL), 2);
    for (guint k = 0; k < pairs->len; k++) {
        struct jv_pair p = g_array_index(pairs, struct jv_pair, k);
        assert_int_equal(jv_schedule_wins(s, p.a), jv_schedule_wins(s, p.b));
    }
    g_array_free(pairs, TRUE);
    jv_schedule_free(s);
}

/* An odd group's lowest entry floats down to meet the next group's top. */
static void test_floater(void **state)
{
    (void)state;
    double initial[10];
    for (int i = 0; i < 10; i++)
        initial[i] = 20 - i * 0.1;
    struct jv_schedule *s = jv_schedule_new(10, initial, 3, JV_SCHEDULE_SWISS, 3);
    GArray *pairs = g_array_new(FALSE, FALSE, sizeof(struct jv_pair));
    assert_int_equal(jv_schedule_next_round(s, pairs, NULL), 0);
    /* 0-5 1-6 2-7 3-8 4-9: let 0, 1, 2 and 8, 9 win -> 5 winners, 5 losers */
    for (guint k = 0; k < pairs->len; k++) {
        struct jv_pair p = g_array_index(pairs, struct jv_pair, k);
        unsigned lo = MIN(p.a, p.b), hi = MAX(p.a, p.b);
        assert_int_equal(hi, lo + 5);
        unsigned w = lo <= 2 ? lo : hi;
        jv_schedule_record(s, p.a, p.b, w == p.a ? 0 : 1);
    }
    assert_int_equal(jv_schedule_next_round(s, pairs, NULL), 1);
    assert_int_equal(pairs->len, 5);
    int cross = 0;
    for (guint k = 0; k < pairs->len; k++) {
        struct jv_pair p = g_array_index(pairs, struct jv_pair, k);
        if (jv_schedule_wins(s, p.a) != jv_schedule_wins(s, p.b))
            cross++;
    }
    assert_int_equal(cross, 1); /* exactly one floater pair */
    g_array_free(pairs, TRUE);
    jv_schedule_free(s);
}

static void test_rng(void **state)
{
    (void)state;
    struct jv_rng r;
    jv_rng_seed(&r, 0);
    /* splitmix64's published first outputs for seed 0 */
    assert_true(jv_rng_next(&r) == UINT64_C(0xe220a8397b1dcdaf));
    assert_true(jv_rng_next(&r) == UINT64_C(0x6e789e6aa1b965f4));
    for (int i = 0; i < 1000; i++) {
        assert_true(jv_rng_below(&r, 7) < 7);
        double u = jv_rng_unit(&r);
        assert_true(u >= 0 && u < 1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rounds_table),
        cmocka_unit_test(test_invariants_many_seeds),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_byes_rotate),
        cmocka_unit_test(test_pairs_by_standing),
        cmocka_unit_test(test_floater),
        cmocka_unit_test(test_rng),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
