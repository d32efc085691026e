/* test_agreement.c - unit tests of core/agreement: rank correlations, Kendall's W, isotonic fit. */
#include "core/jv.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include "core/agreement.h"

static bool near(double a, double b)
{
    return fabs(a - b) < 1e-9;
}

static void test_ranks(void **state)
{
    (void)state;
    const double x[] = {10, 20, 20, 5};
    double r[4];
    jv_rank_average(x, 4, r);
    assert_true(near(r[0], 2) && near(r[1], 3.5) && near(r[2], 3.5) && near(r[3], 1));
}

static void test_correlations(void **state)
{
    (void)state;
    const double x[] = {1, 2, 3, 4, 5};
    const double up[] = {2, 4, 6, 8, 100};
    const double down[] = {5, 4, 3, 2, 1};
    assert_true(near(jv_spearman(x, up, 5), 1));
    assert_true(near(jv_spearman(x, down, 5), -1));
    assert_true(near(jv_kendall_tau_b(x, up, 5), 1));
    assert_true(near(jv_kendall_tau_b(x, down, 5), -1));
    /* (8 - 1) / sqrt(10 * 9): eight concordant pairs, one discordant, one tied in y */
    const double t[] = {1, 3, 2, 4, 4};
    assert_true(fabs(jv_kendall_tau_b(x, t, 5) - 0.7378647873726218) < 1e-12);
    /* Pearson of the average ranks (1,2,3,4,5) and (1,3,2,4.5,4.5) */
    assert_true(fabs(jv_spearman(x, t, 5) - 0.872081599272381) < 1e-9);
    const double flat[] = {3, 3, 3, 3, 3};
    assert_true(isnan(jv_spearman(x, flat, 5)));
    assert_true(isnan(jv_kendall_tau_b(x, flat, 5)));
    assert_true(isnan(jv_kendall_tau_b(x, up, 1)));
}

static void test_kendall_w(void **state)
{
    (void)state;
    /* three judges alike: W = 1; one reversed pair of two judges: less */
    const double same[] = {1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4};
    assert_true(near(jv_kendall_w(same, 3, 4), 1));
    const double opposite[] = {1, 2, 3, 4, 4, 3, 2, 1};
    assert_true(near(jv_kendall_w(opposite, 2, 4), 0));
    const double some[] = {1, 2, 3, 4, 2, 1, 3, 4, 1, 3, 2, 4};
    /* R_i = 4, 6, 8, 12, mean 7.5: S = 12.25+2.25+0.25+20.25 = 35; W = 12*35/(9*60) */
    assert_true(near(jv_kendall_w(some, 3, 4), 12.0 * 35 / (9.0 * 60)));
    assert_true(isnan(jv_kendall_w(same, 1, 4)));
}

static void test_isotonic(void **state)
{
    (void)state;
    struct jv_isotonic f;
    jv_isotonic_init(&f);
    assert_true(near(jv_isotonic_apply(&f, 7.5), 7.5)); /* no knots: identity */
    /* a violation between x=2 and x=3 is pooled to their mean */
    const double x[] = {1, 2, 3, 4, 2};
    const double y[] = {1, 5, 3, 6, 5};
    assert_int_equal(jv_isotonic_fit(&f, x, y, NULL, 5), 4);
    /* x=2 has mean 5 (weight 2), x=3 has 3: pooled (10+3)/3 */
    assert_true(near(jv_isotonic_apply(&f, 2), 13.0 / 3));
    assert_true(near(jv_isotonic_apply(&f, 3), 13.0 / 3));
    assert_true(near(jv_isotonic_apply(&f, 1), 1));
    assert_true(near(jv_isotonic_apply(&f, 0), 1));                    /* below: the first value */
    assert_true(near(jv_isotonic_apply(&f, 9), 6));                    /* above: the last */
    assert_true(near(jv_isotonic_apply(&f, 3.5), (13.0 / 3 + 6) / 2)); /* between: linear */
    for (guint i = 1; i < f.y->len; i++)
        assert_true(g_array_index(f.y, double, i) >= g_array_index(f.y, double, i - 1));
    const double bad[] = {NAN, 1};
    assert_int_equal(jv_isotonic_fit(&f, bad, y, NULL, 2), 1);
    jv_isotonic_release(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ranks),
        cmocka_unit_test(test_correlations),
        cmocka_unit_test(test_kendall_w),
        cmocka_unit_test(test_isotonic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
