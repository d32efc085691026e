/* test_playoff_bt.c - unit tests of the Bradley-Terry fit. */
#include "core/jv.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include "playoff/bt.h"

static double geo_mean(const double *s, size_t n)
{
    double l = 0;
    for (size_t i = 0; i < n; i++)
        l += log(s[i]);
    return exp(l / (double)n);
}

static void test_symmetric_equal(void **state)
{
    (void)state;
    double s[3];
    /* a and b beat each other once */
    struct jv_bt_match m1[] = {{0, 1}, {1, 0}};
    jv_bt_fit(2, m1, 2, s);
    assert_true(fabs(s[0] - 1) < 1e-9 && fabs(s[1] - 1) < 1e-9);
    /* a cycle a > b > c > a */
    struct jv_bt_match m2[] = {{0, 1}, {1, 2}, {2, 0}};
    jv_bt_fit(3, m2, 3, s);
    for (int i = 0; i < 3; i++)
        assert_true(fabs(s[i] - 1) < 1e-9);
    /* no results at all */
    jv_bt_fit(3, NULL, 0, s);
    for (int i = 0; i < 3; i++)
        assert_true(fabs(s[i] - 1) < 1e-12);
}

static void test_chain_order(void **state)
{
    (void)state;
    double s[3];
    /* a beats b twice, b beats c twice */
    struct jv_bt_match m[] = {{0, 1}, {0, 1}, {1, 2}, {1, 2}};
    int it = jv_bt_fit(3, m, 4, s);
    assert_true(it < JV_BT_MAX_ITER);
    assert_true(s[0] > s[1] && s[1] > s[2]);
    /* symmetric chain: b is exactly average, a and c mirror each other */
    assert_true(fabs(s[1] - 1) < 1e-6);
    assert_true(fabs(s[0] * s[2] - 1) < 1e-6);
    assert_true(fabs(geo_mean(s, 3) - 1) < 1e-9);
}

static void test_undefeated_finite(void **state)
{
    (void)state;
    double s[4];
    /* entry 0 beats everyone three times; entry 3 never wins */
    struct jv_bt_match m[] = {{0, 1}, {0, 2}, {0, 3}, {0, 1}, {0, 2}, {0, 3}, {0, 1},
                              {0, 2}, {0, 3}, {1, 3}, {2, 3}, {1, 2}, {2, 1}};
    int it = jv_bt_fit(4, m, JV_ARRAY_LEN(m), s);
    assert_true(it < JV_BT_MAX_ITER);
    for (int i = 0; i < 4; i++)
        assert_true(isfinite(s[i]) && s[i] > 0);
    assert_true(s[0] > s[1] && s[0] > s[2] && s[1] > s[3] && s[2] > s[3]);
    assert_true(fabs(s[1] - s[2]) < 1e-9);
    assert_true(fabs(geo_mean(s, 4) - 1) < 1e-9);
}

/*
 * The MM fixed point: for every entry, its wins (plus the prior) equal its
 * expected wins under the fitted strengths (with the virtual opponent).
 */
static void test_fixed_point(void **state)
{
    (void)state;
    struct jv_bt_match m[] = {{0, 1}, {1, 2}, {2, 3}, {3, 0}, {0, 2}, {0, 1}, {3, 1}, {2, 1}};
    double s[4];
    jv_bt_fit(4, m, JV_ARRAY_LEN(m), s);
    /* undo the normalisation: the virtual opponent has strength 1 at the fit's scale */
    {
        double lo = 1e-3, hi = 1e3; /* find c with the fixed point holding for c*s */
        for (int k = 0; k < 200; k++) {
            double c = sqrt(lo * hi), resid = 0;
            for (unsigned i = 0; i < 4; i++) {
                double wins = JV_BT_PRIOR, expect = JV_BT_PRIOR * 2 * c * s[i] / (c * s[i] + 1);
                for (size_t j = 0; j < JV_ARRAY_LEN(m); j++) {
                    if (m[j].winner == i)
                        wins += 1;
                    if (m[j].winner == i || m[j].loser == i)
                        expect += c * s[i] / (c * s[m[j].winner] + c * s[m[j].loser]);
                }
                resid += expect - wins;
            }
            if (resid > 0)
                hi = c;
            else
                lo = c;
        }
        double c = sqrt(lo * hi);
        for (unsigned i = 0; i < 4; i++) {
            double wins = JV_BT_PRIOR, expect = JV_BT_PRIOR * 2 * c * s[i] / (c * s[i] + 1);
            for (size_t j = 0; j < JV_ARRAY_LEN(m); j++) {
                if (m[j].winner == i)
                    wins += 1;
                if (m[j].winner == i || m[j].loser == i)
                    expect += c * s[i] / (c * s[m[j].winner] + c * s[m[j].loser]);
            }
            assert_true(fabs(expect - wins) < 1e-6);
        }
    }
}

static void test_kendall(void **state)
{
    (void)state;
    double x[] = {1, 2, 3, 4, 5};
    double same[] = {10, 20, 30, 40, 50};
    double rev[] = {5, 4, 3, 2, 1};
    double tied[] = {1, 3, 2, 2, 5};
    assert_true(fabs(jv_kendall_tau_b(x, same, 5) - 1) < 1e-12);
    assert_true(fabs(jv_kendall_tau_b(x, rev, 5) + 1) < 1e-12);
    /* 7 concordant, 2 discordant, 1 tie in y: 5 / sqrt(9 * 10) (scipy: 0.5270462766947299) */
    assert_true(fabs(jv_kendall_tau_b(x, tied, 5) - 0.5270462766947299) < 1e-12);
    /* ties in both series: x = [1,1,2,3], y = [1,2,2,3]
     * pairs: (0,1) tie x; (0,2) C; (0,3) C; (1,2) tie y; (1,3) C; (2,3) C
     * -> 4 / sqrt((4+1) * (4+1)) = 0.8 */
    double tx[] = {1, 1, 2, 3}, ty[] = {1, 2, 2, 3};
    assert_true(fabs(jv_kendall_tau_b(tx, ty, 4) - 0.8) < 1e-12);
    double flat[] = {1, 1, 1};
    assert_true(isnan(jv_kendall_tau_b(x, flat, 3)));
    assert_true(isnan(jv_kendall_tau_b(x, x, 1)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_symmetric_equal),   cmocka_unit_test(test_chain_order),
        cmocka_unit_test(test_undefeated_finite), cmocka_unit_test(test_fixed_point),
        cmocka_unit_test(test_kendall),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
