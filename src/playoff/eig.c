/* eig.c - the eig playoff schedule: pairs by expected information gain, in rounds. */
#include "core/jv.h"

#include <math.h>

#include "playoff/eig.h"

struct jv_eig {
    size_t n;
    int budget, asked, per_round;
    bool podium, podium_on;
    int podium_from;  /* requests asked when the podium weighting began (-1: not yet) */
    int podium_picks; /* picks that took the podium weight */
    uint64_t seed;
    struct jv_rng rng; /* the category's generator: coins and tie permutations */
    guint8 *used;      /* n*n: ordered pair asked (shown a first) */
    guint8 *coin;      /* n*n (i < j): 1 = show j first the first time */
    struct jv_posterior post;
};

/* One candidate of a round. */
struct cand {
    unsigned a, b; /* shown a first */
    double m, v;   /* mean and variance of theta_a - theta_b */
    double weight; /* podium weight (1 without) */
    uint64_t tie;  /* seeded rank among near ties */
    bool gone;
};

struct jv_eig *jv_eig_new(size_t n, const double *scores, int budget, int per_round, bool podium,
                          uint64_t seed)
{
    struct jv_eig *e = g_new0(struct jv_eig, 1);
    e->n = n;
    e->budget = budget;
    e->per_round = per_round > 0 ? per_round : JV_EIG_PER_ROUND;
    e->podium = podium;
    e->podium_from = -1;
    e->seed = seed;
    jv_rng_seed(&e->rng, seed);
    e->used = g_new0(guint8, n ? n * n : 1);
    e->coin = g_new0(guint8, n ? n * n : 1);
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            e->coin[i * n + j] = (guint8)(jv_rng_next(&e->rng) >> 63);
    jv_posterior_init(&e->post, n ? n : 1, scores, false, NULL);
    return e;
}

void jv_eig_free(struct jv_eig *e)
{
    if (!e)
        return;
    jv_posterior_release(&e->post);
    g_free(e->used);
    g_free(e->coin);
    g_free(e);
}

int jv_eig_asked(const struct jv_eig *e)
{
    return e->asked;
}

bool jv_eig_podium_on(const struct jv_eig *e)
{
    return e->podium_on;
}

int jv_eig_podium_picks(const struct jv_eig *e)
{
    return e->podium_picks;
}

bool jv_eig_podium_pick(size_t n, int j)
{
    const size_t s = JV_EIG_PODIUM_SHARE_N;
    if (n <= s)
        return true;
    size_t jj = (size_t)MAX(j, 0);
    return s * (jj + 1) / n > s * jj / n;
}

static double binary_entropy(double p)
{
    if (p <= 0 || p >= 1)
        return 0;
    return -(p * log2(p) + (1 - p) * log2(1 - p));
}

double jv_eig_bald(double m, double v)
{
    const double k2 = G_PI / 8.0, c2 = G_PI * G_LN2 / 2.0;
    double mp = sqrt(k2) * m, vp = k2 * fmax(v, 0.0);
    double phi = 0.5 * erfc(-mp / sqrt(1.0 + vp) / G_SQRT2);
    return binary_entropy(phi) - sqrt(c2 / (vp + c2)) * exp(-mp * mp / (2.0 * (vp + c2)));
}

static void cand_stats(const struct jv_eig *e, struct cand *c)
{
    const struct jv_posterior *p = &e->post;
    c->m = jv_posterior_theta(p, c->a) - jv_posterior_theta(p, c->b);
    c->v = jv_posterior_cov(p, c->a, c->a) + jv_posterior_cov(p, c->b, c->b) -
           2.0 * jv_posterior_cov(p, c->a, c->b);
    if (c->v < 1e-12)
        c->v = 1e-12;
}

/*
 * The podium weights of the round's candidates: lambda + 1 - the share of
 * JV_EIG_PODIUM_DRAWS posterior draws in which neither entry of the pair is
 * in the top JV_EIG_PODIUM_TOP (draws seeded by the category and the round).
 */
static void podium_weights(struct jv_eig *e, int round, struct cand *c, size_t nc)
{
    size_t n = e->n, top = MIN((size_t)JV_EIG_PODIUM_TOP, n);
    struct jv_rng r;
    jv_rng_seed(&r, e->seed ^ ((uint64_t)(round + 1) * UINT64_C(0xA0761D6478BD642F)));
    double *theta = g_new(double, n);
    double *in_top = g_new0(double, n);  /* draws with i in the top */
    double *both = g_new0(double, n *n); /* draws with i and j in the top */
    size_t pick[JV_EIG_PODIUM_TOP];
    for (int d = 0; d < JV_EIG_PODIUM_DRAWS; d++) {
        jv_posterior_draw(&e->post, &r, theta);
        for (size_t t = 0; t < top; t++) { /* the t-th best, lowest index on equal draws */
            size_t best = SIZE_MAX;
            for (size_t i = 0; i < n; i++) {
                bool taken = false;
                for (size_t u = 0; u < t; u++)
                    taken = taken || pick[u] == i;
                if (!taken && (best == SIZE_MAX || theta[i] > theta[best]))
                    best = i;
            }
            pick[t] = best;
            in_top[best] += 1;
        }
        for (size_t t = 0; t < top; t++)
            for (size_t u = 0; u < top; u++)
                if (t != u)
                    both[pick[t] * n + pick[u]] += 1;
    }
    const double m = JV_EIG_PODIUM_DRAWS;
    for (size_t k = 0; k < nc; k++) {
        double neither = (m - in_top[c[k].a] - in_top[c[k].b] + both[c[k].a * n + c[k].b]) / m;
        c[k].weight = JV_EIG_PODIUM_LAMBDA + 1.0 - neither;
    }
    g_free(theta);
    g_free(in_top);
    g_free(both);
}

/*
 * The best candidate left: the highest score (BALD times the podium weight
 * when `weighted`, BALD alone otherwise), near ties by the seeded rank.
 */
static size_t best_cand(const struct cand *c, size_t nc, bool weighted)
{
    size_t best = SIZE_MAX;
    double top = -INFINITY;
    for (size_t k = 0; k < nc; k++) {
        if (c[k].gone)
            continue;
        double s = jv_eig_bald(c[k].m, c[k].v) * (weighted ? c[k].weight : 1.0);
        if (best == SIZE_MAX || s > top)
            top = s, best = k;
    }
    if (best == SIZE_MAX)
        return best;
    double tol = JV_EIG_TIE_REL * fmax(fabs(top), 1e-300);
    for (size_t k = 0; k < nc; k++) {
        if (c[k].gone)
            continue;
        double s = jv_eig_bald(c[k].m, c[k].v) * (weighted ? c[k].weight : 1.0);
        if (s >= top - tol && c[k].tie < c[best].tie)
            best = k;
    }
    return best;
}

/*
 * The rank-one update after picking candidate `k`: with x = e_A - e_B,
 * u = Sigma x, s = x'u and w = pbar(1 - pbar), every candidate's variance
 * loses w (u_A - u_B)^2 / (1 + w s) and Sigma loses w/(1 + w s) u u'.
 */
static void pick_update(struct jv_eig *e, struct cand *c, size_t nc, size_t k)
{
    struct jv_posterior *p = &e->post;
    size_t d = p->dim;
    double *u = g_new(double, d);
    for (size_t r = 0; r < d; r++)
        u[r] = p->cov[r * d + c[k].a] - p->cov[r * d + c[k].b];
    double s = u[c[k].a] - u[c[k].b];
    double pbar = 1.0 / (1.0 + exp(-c[k].m / sqrt(1.0 + G_PI * c[k].v / 8.0)));
    double w = pbar * (1.0 - pbar);
    double f = w / (1.0 + w * s);
    for (size_t q = 0; q < nc; q++) {
        if (c[q].gone)
            continue;
        double du = u[c[q].a] - u[c[q].b];
        c[q].v -= f * du * du;
        if (c[q].v < 1e-12)
            c[q].v = 1e-12;
    }
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++)
            p->cov[i * d + j] -= f * u[i] * u[j];
    g_free(u);
}

/* The pairs asked fewer than twice, shown in the order not asked yet. */
static struct cand *candidates(struct jv_eig *e, size_t *count)
{
    size_t n = e->n, nc = 0;
    struct cand *c = g_new0(struct cand, n * (n - 1) / 2 + 1);
    for (unsigned i = 0; i < n; i++)
        for (unsigned j = i + 1; j < n; j++) {
            bool ij = e->used[i * n + j], ji = e->used[j * n + i];
            if (ij && ji)
                continue;
            bool flip = ij || (!ji && e->coin[i * n + j]);
            c[nc].a = flip ? j : i;
            c[nc].b = flip ? i : j;
            c[nc].weight = 1.0;
            cand_stats(e, &c[nc]);
            nc++;
        }
    /* the seeded ranks that settle near ties: a permutation of 0..nc-1 */
    for (size_t k = 0; k < nc; k++)
        c[k].tie = k;
    for (size_t k = nc; k > 1; k--) {
        size_t r = (size_t)jv_rng_below(&e->rng, k);
        uint64_t t = c[k - 1].tie;
        c[k - 1].tie = c[r].tie;
        c[r].tie = t;
    }
    *count = nc;
    return c;
}

size_t jv_eig_next_round(struct jv_eig *e, int round, const struct jv_post_obs *obs, size_t count,
                         GArray *out)
{
    g_array_set_size(out, 0);
    e->podium_on = false;
    if (e->n < 2 || e->asked >= e->budget)
        return 0;
    size_t k = (size_t)MIN(e->per_round, e->budget - e->asked);
    jv_posterior_fit(&e->post, obs, count);
    size_t nc = 0;
    struct cand *c = candidates(e, &nc);
    if (e->podium && 2 * (long)e->asked >= (long)e->budget) {
        podium_weights(e, round, c, nc);
        e->podium_on = true;
        if (e->podium_from < 0)
            e->podium_from = e->asked;
    }
    size_t n = e->n;
    while (out->len < k) {
        bool weighted = e->podium_on && jv_eig_podium_pick(n, e->asked - e->podium_from);
        size_t best = best_cand(c, nc, weighted);
        if (best == SIZE_MAX)
            break;
        struct jv_pair pr = {c[best].a, c[best].b};
        g_array_append_val(out, pr);
        e->podium_picks += weighted;
        e->used[(size_t)pr.a * n + pr.b] = 1;
        e->asked++;
        pick_update(e, c, nc, best);
        if (e->used[(size_t)pr.b * n + pr.a]) {
            c[best].gone = true;
        } else {
            c[best].a = pr.b;
            c[best].b = pr.a;
            c[best].m = -c[best].m;
        }
    }
    g_free(c);
    return out->len;
}
