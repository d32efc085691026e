/* test_playoff_eig.c - unit tests of the playoff's posterior, the eig schedule and the final order.
 */
#include "core/jv.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include "playoff/eig.h"
#include "playoff/posterior.h"
#include "playoff/rank.h"
#include "playoff/schedule.h"

static const struct jv_post_prior prior_default = JV_POST_PRIOR_DEFAULT;
#define BETA0  (prior_default.beta0)
#define SIGMA0 (prior_default.sigma0)

static double sig(double t)
{
    return 1.0 / (1.0 + exp(-t));
}

/* The gradient and Hessian of the log posterior, written out independently of posterior.c. */
static void check_optimum(const struct jv_posterior *p, const struct jv_post_obs *obs, size_t count)
{
    size_t n = p->n, d = p->dim;
    double *g = g_new0(double, d), *h = g_new0(double, d *d);
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++) {
            g[i] -= p->prec[i * d + j] * p->phi[j];
            h[i * d + j] = p->prec[i * d + j];
        }
    for (size_t i = 0; i < d; i++)
        g[i] += p->lin[i];
    for (size_t k = 0; k < count; k++) {
        double x[512] = {0};
        assert_true(d <= 512);
        x[obs[k].a] = 1;
        x[obs[k].b] = -1;
        if (p->side)
            x[n + 1] = 1;
        double t = 0;
        for (size_t i = 0; i < d; i++)
            t += x[i] * p->phi[i];
        double pr = sig(t);
        for (size_t i = 0; i < d; i++) {
            g[i] += ((obs[k].a_won ? 1.0 : 0.0) - pr) * x[i];
            for (size_t j = 0; j < d; j++)
                h[i * d + j] += pr * (1 - pr) * x[i] * x[j];
        }
    }
    for (size_t i = 0; i < d; i++)
        assert_true(fabs(g[i]) < 1e-8);
    /* Sigma is symmetric, positive on the diagonal, and H Sigma = I */
    for (size_t i = 0; i < d; i++) {
        assert_true(jv_posterior_cov(p, i, i) > 0);
        for (size_t j = 0; j < d; j++) {
            assert_true(jv_posterior_cov(p, i, j) == jv_posterior_cov(p, j, i));
            double s = 0;
            for (size_t k = 0; k < d; k++)
                s += h[i * d + k] * jv_posterior_cov(p, k, j);
            assert_true(fabs(s - (i == j)) < 1e-8);
        }
    }
    g_free(g);
    g_free(h);
}

static void test_cholesky(void **state)
{
    (void)state;
    double a[9] = {4, 2, 2, 2, 5, 3, 2, 3, 6};
    double l[9];
    memcpy(l, a, sizeof(a));
    assert_int_equal(jv_chol(l, 3), 0);
    assert_true(fabs(l[0] - 2) < 1e-15 && l[1] == 0 && l[2] == 0);
    double x[3] = {1, 2, 3};
    jv_chol_solve(l, 3, x);
    for (int i = 0; i < 3; i++)
        assert_true(fabs(a[i * 3] * x[0] + a[i * 3 + 1] * x[1] + a[i * 3 + 2] * x[2] - (i + 1)) <
                    1e-12);
    double inv[9], scratch[3];
    jv_chol_inverse(l, 3, inv, scratch);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            double s = 0;
            for (int k = 0; k < 3; k++)
                s += a[i * 3 + k] * inv[k * 3 + j];
            assert_true(fabs(s - (i == j)) < 1e-12);
        }
    double bad[4] = {1, 2, 2, 1};
    assert_int_equal(jv_chol(bad, 2), -1);
}

/* No matches: the mode is the prior mean, theta = beta0 z, beta = beta0. */
static void test_prior_only(void **state)
{
    (void)state;
    double scores[] = {17, 18, 20, 19, 17};
    struct jv_posterior p;
    jv_posterior_init(&p, 5, scores, true, NULL);
    jv_posterior_fit(&p, NULL, 0);
    for (int i = 0; i < 5; i++)
        assert_true(fabs(jv_posterior_theta(&p, i) - BETA0 * (scores[i] - 18.2)) < 1e-12);
    assert_true(fabs(jv_posterior_beta(&p) - BETA0) < 1e-12);
    assert_true(fabs(jv_posterior_side(&p)) < 1e-12);
    assert_true(fabs(jv_posterior_cov(&p, 6, 6) - 1.0) < 1e-12); /* sigma_h^2 */
    check_optimum(&p, NULL, 0);
    jv_posterior_release(&p);
}

/* Two entries with equal scores, a beat b once: theta_a = -theta_b = t, (1 - sig(2t)) = t/sigma0^2.
 */
static void test_two_entries(void **state)
{
    (void)state;
    struct jv_post_obs obs[] = {{0, 1, 1}};
    struct jv_posterior p;
    jv_posterior_init(&p, 2, NULL, false, NULL);
    int steps = jv_posterior_fit(&p, obs, 1);
    assert_true(p.converged && steps < JV_POST_MAX_STEPS);
    double lo = 0, hi = 2;
    for (int i = 0; i < 200; i++) {
        double t = 0.5 * (lo + hi);
        if (1 - sig(2 * t) - t / (SIGMA0 * SIGMA0) > 0)
            lo = t;
        else
            hi = t;
    }
    assert_true(fabs(jv_posterior_theta(&p, 0) - lo) < 1e-9);
    assert_true(fabs(jv_posterior_theta(&p, 1) + lo) < 1e-9);
    assert_true(fabs(jv_posterior_beta(&p) - BETA0) < 1e-9); /* z = 0: beta keeps its prior */
    check_optimum(&p, obs, 1);
    jv_posterior_release(&p);
}

/* A cohort whose first-shown entries mostly win, with the side term: the optimum, a refit. */
static void test_fit_optimum(void **state)
{
    (void)state;
    double scores[] = {17, 19, 18, 20, 17, 18};
    struct jv_rng r;
    jv_rng_seed(&r, 5);
    struct jv_post_obs obs[40];
    for (int k = 0; k < 40; k++) {
        unsigned a = (unsigned)jv_rng_below(&r, 6), b = (unsigned)jv_rng_below(&r, 5);
        b += b >= a;
        obs[k] = (struct jv_post_obs){a, b, k < 30 ? 1 : (int)(jv_rng_next(&r) & 1)};
    }
    struct jv_posterior p;
    jv_posterior_init(&p, 6, scores, true, NULL);
    jv_posterior_fit(&p, obs, 40);
    assert_true(p.converged);
    check_optimum(&p, obs, 40);
    assert_true(jv_posterior_side(&p) > 0.3); /* the first shown won 3 times in 4 */
    /* refitting the same matches from the mode takes one step and moves nothing */
    double theta0 = jv_posterior_theta(&p, 0);
    assert_int_equal(jv_posterior_fit(&p, obs, 40), 1);
    assert_true(fabs(jv_posterior_theta(&p, 0) - theta0) < 1e-12);
    /* draws centre on the mode */
    double mean = 0, out[6];
    for (int d = 0; d < 4000; d++) {
        jv_posterior_draw(&p, &r, out);
        mean += out[3];
    }
    assert_true(fabs(mean / 4000 - jv_posterior_theta(&p, 3)) <
                5 * sqrt(jv_posterior_cov(&p, 3, 3) / 4000));
    jv_posterior_release(&p);
}

static void test_bald(void **state)
{
    (void)state;
    assert_true(fabs(jv_eig_bald(0, 0)) < 1e-12);
    assert_true(jv_eig_bald(0, 1) > jv_eig_bald(0, 0.5));
    assert_true(jv_eig_bald(0, 1) > jv_eig_bald(1, 1));
    assert_true(jv_eig_bald(1, 1) > jv_eig_bald(3, 1));
    assert_true(fabs(jv_eig_bald(1.5, 2) - jv_eig_bald(-1.5, 2)) < 1e-15);
    for (double m = -4; m <= 4; m += 0.5)
        for (double v = 0.01; v < 20; v *= 2)
            /* the approximation dips a little below 0 for settled pairs (|m| large, v small) */
            assert_true(jv_eig_bald(m, v) >= -0.005 && jv_eig_bald(m, v) <= 1);
}

static void test_budget(void **state)
{
    (void)state;
    static const struct {
        size_t n;
        int budget;
    } want[] = {{2, 2}, {3, 5}, {8, 28}, {9, 28}, {16, 32}, {40, 120}};
    for (size_t i = 0; i < JV_ARRAY_LEN(want); i++)
        assert_int_equal(jv_schedule_budget(want[i].n, jv_schedule_rounds_for_size(want[i].n)),
                         want[i].budget);
    assert_int_equal(jv_schedule_budget(1, 3), 0);
    assert_int_equal(jv_schedule_budget(4, 20), 12); /* every pair both ways, no more */
    struct jv_schedule *s = jv_schedule_new(9, NULL, 3, JV_SCHEDULE_EIG, 1);
    assert_int_equal(jv_schedule_planned(s), 28);
    assert_int_equal(jv_schedule_kind_of(s), JV_KIND_EIG);
    assert_string_equal(jv_schedule_kind_name(JV_KIND_EIG), "eig");
    jv_schedule_free(s);
}

/*
 * Plays a whole eig schedule with verdicts from a hidden order (entry i beats
 * j when i < j, flipped when the (round, pick) hash says so), checking every
 * round's rules; returns a digest of the pairs in order.
 */
static uint64_t play(size_t n, int rounds, int per_round, bool podium, uint64_t seed,
                     uint64_t verdict_seed, size_t *total)
{
    double *scores = g_new(double, n);
    for (size_t i = 0; i < n; i++)
        scores[i] = 17 + (double)((i * 7) % 4);
    struct jv_schedule *s = jv_schedule_new_eig(n, scores, rounds, seed, per_round, podium);
    int budget = jv_schedule_budget(n, rounds);
    guint8 *shown = g_new0(guint8, n * n);
    GArray *pairs = g_array_new(FALSE, FALSE, sizeof(struct jv_pair));
    uint64_t digest = 1469598103934665603u;
    struct jv_rng v;
    jv_rng_seed(&v, verdict_seed);
    size_t asked = 0;
    int round, expect = 0;
    while ((round = jv_schedule_next_round(s, pairs, NULL)) >= 0) {
        assert_int_equal(round, expect++);
        assert_true(pairs->len >= 1 && pairs->len <= (guint)(per_round > 0 ? per_round : 8));
        for (guint k = 0; k < pairs->len; k++) {
            struct jv_pair p = g_array_index(pairs, struct jv_pair, k);
            assert_true(p.a < n && p.b < n && p.a != p.b);
            assert_int_equal(shown[p.a * n + p.b], 0); /* never the same order twice */
            shown[p.a * n + p.b] = 1;
            digest = (digest ^ (p.a * 1000u + p.b)) * 1099511628211u;
            bool a_better = p.a < p.b;
            bool upset = jv_rng_below(&v, 5) == 0;
            jv_schedule_record(s, p.a, p.b, a_better != upset ? 0 : 1);
            asked++;
        }
    }
    assert_int_equal(asked, (size_t)budget);
    assert_int_equal(jv_schedule_planned(s), (size_t)budget);
    *total = asked;
    g_array_free(pairs, TRUE);
    g_free(shown);
    g_free(scores);
    jv_schedule_free(s);
    return digest;
}

static void test_eig_rules_and_determinism(void **state)
{
    (void)state;
    static const size_t sizes[] = {2, 3, 5, 8, 9, 16, 40};
    for (size_t i = 0; i < JV_ARRAY_LEN(sizes); i++) {
        size_t n = sizes[i], total;
        int r = jv_schedule_rounds_for_size(n);
        uint64_t d1 = play(n, r, 8, true, 42, 7, &total);
        assert_int_equal(total, (size_t)jv_schedule_budget(n, r));
        assert_true(play(n, r, 8, true, 42, 7, &total) == d1); /* same seed, same verdicts */
        if (n >= 8) {
            assert_true(play(n, r, 8, true, 43, 7, &total) != d1); /* another seed */
            assert_true(play(n, r, 8, true, 42, 8, &total) != d1); /* other verdicts */
        }
    }
    /* a budget that takes every pair both ways: each exactly once per order */
    size_t total;
    play(5, 8, 3, true, 1, 2, &total);
    assert_int_equal(total, 20);
    /* sequential picks and no podium also follow the rules */
    play(12, 4, 1, false, 3, 4, &total);
    assert_int_equal(total, 28);
}

/* The podium weighting starts with the first round at or after half the budget. */
static void test_podium_switch(void **state)
{
    (void)state;
    size_t n = 16;
    struct jv_eig *e = jv_eig_new(n, NULL, 32, 8, true, 9);
    struct jv_eig *off = jv_eig_new(n, NULL, 32, 8, false, 9);
    GArray *pairs = g_array_new(FALSE, FALSE, sizeof(struct jv_pair));
    GArray *obs = g_array_new(FALSE, FALSE, sizeof(struct jv_post_obs));
    int round = 0;
    for (;;) {
        int before = jv_eig_asked(e);
        if (!jv_eig_next_round(e, round, (void *)obs->data, obs->len, pairs))
            break;
        assert_int_equal(jv_eig_podium_on(e), 2 * before >= 32);
        jv_eig_next_round(off, round, (void *)obs->data, obs->len, pairs);
        assert_false(jv_eig_podium_on(off));
        for (guint k = 0; k < pairs->len; k++) {
            struct jv_pair p = g_array_index(pairs, struct jv_pair, k);
            struct jv_post_obs o = {p.a, p.b, p.a < p.b};
            g_array_append_val(obs, o);
        }
        round++;
    }
    assert_int_equal(round, 4);
    assert_int_equal(jv_eig_asked(e), 32);
    g_array_free(pairs, TRUE);
    g_array_free(obs, TRUE);
    jv_eig_free(e);
    jv_eig_free(off);
}

/* Which picks take the podium weight: all up to 8 entries, a share 8/n spread evenly above. */
static void test_podium_pick_share(void **state)
{
    (void)state;
    for (int j = 0; j < 64; j++) {
        assert_true(jv_eig_podium_pick(2, j));
        assert_true(jv_eig_podium_pick(8, j));
        assert_true(jv_eig_podium_pick(16, j) == (j % 2 == 1)); /* every 2nd */
        assert_true(jv_eig_podium_pick(40, j) == (j % 5 == 4)); /* every 5th */
    }
    int count = 0;
    for (int j = 0; j < 1000; j++)
        count += jv_eig_podium_pick(125, j);
    assert_int_equal(count, 64); /* 1000 * 8 / 125 */
}

/*
 * Plays an eig schedule of n entries (verdicts: the lower index wins) to the
 * end, with or without the podium; the pairs in pick order into `pairs`.
 * Returns the picks that took the podium weight.
 */
static int play_podium(size_t n, int budget, bool podium, GArray *pairs)
{
    double *scores = g_new(double, n);
    for (size_t i = 0; i < n; i++)
        scores[i] = 17 + (double)((i * 5) % 4);
    struct jv_eig *e = jv_eig_new(n, scores, budget, 8, podium, 11);
    GArray *round_pairs = g_array_new(FALSE, FALSE, sizeof(struct jv_pair));
    GArray *obs = g_array_new(FALSE, FALSE, sizeof(struct jv_post_obs));
    g_array_set_size(pairs, 0);
    for (int round = 0; jv_eig_next_round(e, round, (void *)obs->data, obs->len, round_pairs);
         round++)
        for (guint k = 0; k < round_pairs->len; k++) {
            struct jv_pair p = g_array_index(round_pairs, struct jv_pair, k);
            struct jv_post_obs o = {p.a, p.b, p.a < p.b};
            g_array_append_val(obs, o);
            g_array_append_val(pairs, p);
        }
    int picks = jv_eig_podium_picks(e);
    assert_int_equal(jv_eig_asked(e), budget);
    g_array_free(round_pairs, TRUE);
    g_array_free(obs, TRUE);
    jv_eig_free(e);
    g_free(scores);
    return picks;
}

/*
 * After half the budget only a share of the picks takes the podium weight:
 * at n = 40 (budget 120, from request 64) the first four picks of the first
 * podium round are BALD's alone (the schedule without the podium picks the
 * same), 11 of the 56 picks are weighted; every pick at n = 8.
 */
static void test_podium_share(void **state)
{
    (void)state;
    GArray *with = g_array_new(FALSE, FALSE, sizeof(struct jv_pair));
    GArray *without = g_array_new(FALSE, FALSE, sizeof(struct jv_pair));
    assert_int_equal(play_podium(40, 120, true, with), 11);
    assert_int_equal(play_podium(40, 120, false, without), 0);
    bool differ = false;
    for (guint k = 0; k < 120; k++) {
        struct jv_pair a = g_array_index(with, struct jv_pair, k);
        struct jv_pair b = g_array_index(without, struct jv_pair, k);
        bool same = a.a == b.a && a.b == b.b;
        if (k < 68)
            assert_true(same); /* before the podium, and its first four BALD picks */
        differ = differ || !same;
    }
    assert_true(differ); /* the weighted picks do change the schedule */
    assert_int_equal(play_podium(16, 32, true, with), 8);
    assert_int_equal(play_podium(8, 28, true, with), 12);
    g_array_free(with, TRUE);
    g_array_free(without, TRUE);
}

static void test_tie_classes(void **state)
{
    (void)state;
    double v[] = {1.0, 1.0 + 1e-12, 0.5, 1.0 - 5e-10, 0.5 - 2e-9, 2.0};
    int cls[6];
    jv_tie_classes(v, 6, JV_TIE_TOL, cls);
    assert_int_equal(cls[5], 0);
    assert_int_equal(cls[0], 1);
    assert_int_equal(cls[1], 1);
    assert_int_equal(cls[3], 1);
    assert_int_equal(cls[2], 2);
    assert_int_equal(cls[4], 3); /* 2e-9 below: not a tie */
}

/* Strengths equal but for rounding: the score decides, then the head-to-head, then the path. */
static void test_final_order_ties(void **state)
{
    (void)state;
    double theta[] = {0.3, 0.3 + 1e-13, 0.3 - 1e-13, 0.3, 0.1};
    double score[] = {18, 18, 19, 18, 20};
    const char *path[] = {"d.jpg", "c.jpg", "b.jpg", "a.jpg", "e.jpg"};
    /* among the 18s (0, 1, 3): 0 beat 1 twice, 1 beat 3 once; 3 beat 0 once */
    struct jv_post_obs obs[] = {{0, 1, 1}, {1, 0, 0}, {1, 3, 1}, {3, 0, 1}, {4, 0, 0}};
    size_t order[5];
    jv_rank_final(5, theta, score, path, obs, JV_ARRAY_LEN(obs), order);
    /* 2 first (score 19); then the 18s by net wins among themselves: 0 (+1), 3 (0), 1 (-1) */
    assert_int_equal(order[0], 2);
    assert_int_equal(order[1], 0);
    assert_int_equal(order[2], 3);
    assert_int_equal(order[3], 1);
    assert_int_equal(order[4], 4); /* the lowest strength, whatever its score */
    /* no results between the tied: by path */
    jv_rank_final(5, theta, score, path, NULL, 0, order);
    assert_int_equal(order[0], 2);
    assert_int_equal(order[1], 3); /* a.jpg */
    assert_int_equal(order[2], 1); /* c.jpg */
    assert_int_equal(order[3], 0); /* d.jpg */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cholesky),
        cmocka_unit_test(test_prior_only),
        cmocka_unit_test(test_two_entries),
        cmocka_unit_test(test_fit_optimum),
        cmocka_unit_test(test_bald),
        cmocka_unit_test(test_budget),
        cmocka_unit_test(test_eig_rules_and_determinism),
        cmocka_unit_test(test_podium_switch),
        cmocka_unit_test(test_podium_pick_share),
        cmocka_unit_test(test_podium_share),
        cmocka_unit_test(test_tie_classes),
        cmocka_unit_test(test_final_order_ties),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
