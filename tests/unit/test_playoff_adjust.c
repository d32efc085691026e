/* test_playoff_adjust.c - unit tests of the playoff's score adjustment. */
#include "core/jv.h"

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include "playoff/adjust.h"

/* Builds entries whose win ratios fall with their index (wins = n - i of n). */
static void cohort(struct jv_adjust_entry *e, const int *initial, size_t n)
{
    static char names[64][32];
    for (size_t i = 0; i < n; i++) {
        snprintf(names[i], sizeof(names[i]), "img%02zu.jpg", i);
        e[i] = (struct jv_adjust_entry){.path = names[i],
                                        .initial = initial[i],
                                        .wins = (int)(n - i),
                                        .comparisons = (int)n,
                                        .strength = 1.0};
    }
}

static void check(const int *initial, const int *expected, size_t n)
{
    struct jv_adjust_entry e[64];
    cohort(e, initial, n);
    jv_adjust_classic(e, n);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(e[i].rank, (int)i + 1);
        assert_int_equal(e[i].score, expected[i]);
    }
}

static void test_k(void **state)
{
    (void)state;
    assert_int_equal(jv_adjust_k(1), 0);
    assert_int_equal(jv_adjust_k(2), 0);
    assert_int_equal(jv_adjust_k(3), 1);  /* 0.45 -> 0 -> at least 1 */
    assert_int_equal(jv_adjust_k(7), 1);  /* 1.05 */
    assert_int_equal(jv_adjust_k(10), 2); /* 1.5 rounds up */
    assert_int_equal(jv_adjust_k(20), 3);
    assert_int_equal(jv_adjust_k(30), 5); /* 4.5 rounds up */
    assert_int_equal(jv_adjust_k(40), 6);
}

static void test_small_cohorts_keep_scores(void **state)
{
    (void)state;
    check((int[]){18}, (int[]){18}, 1);
    check((int[]){17, 19}, (int[]){17, 19}, 2);
}

static void test_n3(void **state)
{
    (void)state;
    /* k = 1: the top is set to 20, the middle keeps, the bottom loses one */
    check((int[]){17, 19, 18}, (int[]){20, 19, 17}, 3);
    /* the bottom is not taken below 16 */
    check((int[]){17, 19, 16}, (int[]){20, 19, 16}, 3);
}

static void test_n7(void **state)
{
    (void)state;
    /* k = 1 */
    check((int[]){18, 17, 19, 20, 16, 17, 17}, (int[]){20, 17, 19, 20, 16, 17, 16}, 7);
    /* a score already below 16 is kept */
    check((int[]){18, 17, 19, 20, 16, 17, 15}, (int[]){20, 17, 19, 20, 16, 17, 15}, 7);
}

static void test_n20(void **state)
{
    (void)state;
    /* k = 3: ranks 1 -> 20, 2-3 +1 (max 20), 4-17 keep, 18-20 -1 (min 16) */
    int initial[20] = {17, 20, 18, 19, 17, 17, 17, 17, 17, 17,
                       17, 17, 17, 17, 17, 18, 17, 18, 16, 17};
    int expected[20] = {20, 20, 19, 19, 17, 17, 17, 17, 17, 17,
                        17, 17, 17, 17, 17, 18, 17, 17, 16, 16};
    check(initial, expected, 20);
}

static void test_tie_breaks(void **state)
{
    (void)state;
    struct jv_adjust_entry e[4] = {
        {.path = "d.jpg", .initial = 17, .wins = 1, .comparisons = 2, .strength = 1.0},
        {.path = "c.jpg", .initial = 18, .wins = 1, .comparisons = 2, .strength = 1.0},
        {.path = "b.jpg", .initial = 18, .wins = 1, .comparisons = 2, .strength = 1.0},
        {.path = "a.jpg", .initial = 17, .wins = 1, .comparisons = 2, .strength = 1.5},
    };
    jv_adjust_classic(e, 4);
    /* equal ratios: strength first (a), then initial (b, c by path), then d */
    assert_int_equal(e[3].rank, 1);
    assert_int_equal(e[2].rank, 2);
    assert_int_equal(e[1].rank, 3);
    assert_int_equal(e[0].rank, 4);
    assert_int_equal(e[3].score, 20);
    assert_int_equal(e[2].score, 18);
    assert_int_equal(e[1].score, 18);
    assert_int_equal(e[0].score, 16);
    /* no comparisons: ratio 0, ranked after anyone with a win */
    struct jv_adjust_entry f[3] = {
        {.path = "x", .initial = 19, .wins = 0, .comparisons = 0, .strength = 1.0},
        {.path = "y", .initial = 17, .wins = 1, .comparisons = 3, .strength = 1.0},
        {.path = "z", .initial = 17, .wins = 0, .comparisons = 3, .strength = 0.5},
    };
    jv_adjust_classic(f, 3);
    assert_int_equal(f[1].rank, 1);
    assert_int_equal(f[0].rank, 2);
    assert_int_equal(f[2].rank, 3);
    assert_int_equal(f[1].score, 20);
    assert_int_equal(f[0].score, 19);
    assert_int_equal(f[2].score, 16);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_k),   cmocka_unit_test(test_small_cohorts_keep_scores),
        cmocka_unit_test(test_n3),  cmocka_unit_test(test_n7),
        cmocka_unit_test(test_n20), cmocka_unit_test(test_tie_breaks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
