/* posterior.c - the Bradley-Terry posterior with the Stage 2 score as prior, and its algebra. */
#include "core/jv.h"

#include <math.h>

#include "playoff/posterior.h"

int jv_chol(double *a, size_t d)
{
    for (size_t j = 0; j < d; j++) {
        double s = a[j * d + j];
        for (size_t k = 0; k < j; k++)
            s -= a[j * d + k] * a[j * d + k];
        if (!(s > 0))
            return -1;
        double ljj = sqrt(s);
        a[j * d + j] = ljj;
        for (size_t i = j + 1; i < d; i++) {
            double t = a[i * d + j];
            for (size_t k = 0; k < j; k++)
                t -= a[i * d + k] * a[j * d + k];
            a[i * d + j] = t / ljj;
        }
        for (size_t i = 0; i < j; i++)
            a[i * d + j] = 0;
    }
    return 0;
}

void jv_chol_solve(const double *l, size_t d, double *x)
{
    for (size_t i = 0; i < d; i++) { /* L y = rhs */
        double s = x[i];
        for (size_t k = 0; k < i; k++)
            s -= l[i * d + k] * x[k];
        x[i] = s / l[i * d + i];
    }
    for (size_t i = d; i-- > 0;) { /* L^T x = y */
        double s = x[i];
        for (size_t k = i + 1; k < d; k++)
            s -= l[k * d + i] * x[k];
        x[i] = s / l[i * d + i];
    }
}

void jv_chol_inverse(const double *l, size_t d, double *out, double *scratch)
{
    for (size_t j = 0; j < d; j++) {
        for (size_t i = 0; i < d; i++)
            scratch[i] = i == j ? 1.0 : 0.0;
        jv_chol_solve(l, d, scratch);
        for (size_t i = 0; i < d; i++)
            out[i * d + j] = scratch[i];
    }
    for (size_t i = 0; i < d; i++) /* exactly symmetric */
        for (size_t j = i + 1; j < d; j++) {
            double m = 0.5 * (out[i * d + j] + out[j * d + i]);
            out[i * d + j] = m;
            out[j * d + i] = m;
        }
}

void jv_posterior_init(struct jv_posterior *p, size_t n, const double *scores, bool side,
                       const struct jv_post_prior *prior)
{
    static const struct jv_post_prior defaults = JV_POST_PRIOR_DEFAULT;
    if (!prior)
        prior = &defaults;
    memset(p, 0, sizeof(*p));
    p->n = n;
    p->side = side;
    p->dim = n + 1 + (side ? 1 : 0);
    size_t d = p->dim;
    p->z = g_new0(double, n ? n : 1);
    p->prec = g_new0(double, d *d);
    p->lin = g_new0(double, d);
    p->phi = g_new0(double, d);
    p->cov = g_new0(double, d *d);
    p->work = g_new0(double, d *d);
    p->chol = g_new0(double, n ? n *n : 1);
    p->vec = g_new0(double, 2 * d);
    double mean = 0;
    for (size_t i = 0; i < n && scores; i++)
        mean += scores[i];
    mean = n ? mean / (double)n : 0;
    for (size_t i = 0; i < n && scores; i++)
        p->z[i] = scores[i] - mean;

    double v0 = 1.0 / (prior->sigma0 * prior->sigma0);
    double vb = 1.0 / (prior->sigma_beta * prior->sigma_beta);
    double zz = 0;
    for (size_t i = 0; i < n; i++) {
        p->prec[i * d + i] = v0;
        p->prec[i * d + n] = -p->z[i] * v0;
        p->prec[n * d + i] = -p->z[i] * v0;
        zz += p->z[i] * p->z[i];
    }
    p->prec[n * d + n] = zz * v0 + vb;
    if (side)
        p->prec[(n + 1) * d + n + 1] = 1.0 / (prior->sigma_h * prior->sigma_h);
    p->lin[n] = prior->beta0 * vb;
    /* phi = P^-1 b: the prior mean */
    memcpy(p->work, p->prec, d * d * sizeof(double));
    memcpy(p->phi, p->lin, d * sizeof(double));
    if (jv_chol(p->work, d) == 0)
        jv_chol_solve(p->work, d, p->phi);
}

void jv_posterior_release(struct jv_posterior *p)
{
    g_free(p->z);
    g_free(p->prec);
    g_free(p->lin);
    g_free(p->phi);
    g_free(p->cov);
    g_free(p->work);
    g_free(p->chol);
    g_free(p->vec);
    memset(p, 0, sizeof(*p));
}

static double sigmoid(double t)
{
    if (t >= 0)
        return 1.0 / (1.0 + exp(-t));
    double e = exp(t);
    return e / (1.0 + e);
}

/* The gradient of the log posterior at phi into g, its negative Hessian into p->work. */
static void grad_hess(struct jv_posterior *p, const struct jv_post_obs *obs, size_t count,
                      double *g)
{
    size_t d = p->dim, n = p->n;
    memcpy(p->work, p->prec, d * d * sizeof(double));
    for (size_t i = 0; i < d; i++) {
        double s = p->lin[i];
        for (size_t j = 0; j < d; j++)
            s -= p->prec[i * d + j] * p->phi[j];
        g[i] = s;
    }
    size_t h = n + 1;
    for (size_t k = 0; k < count; k++) {
        unsigned a = obs[k].a, b = obs[k].b;
        if (a == b || a >= n || b >= n)
            continue;
        double t = p->phi[a] - p->phi[b] + (p->side ? p->phi[h] : 0.0);
        double pr = sigmoid(t);
        double r = (obs[k].a_won ? 1.0 : 0.0) - pr;
        double w = pr * (1.0 - pr);
        g[a] += r;
        g[b] -= r;
        p->work[a * d + a] += w;
        p->work[b * d + b] += w;
        p->work[a * d + b] -= w;
        p->work[b * d + a] -= w;
        if (p->side) {
            g[h] += r;
            p->work[h * d + h] += w;
            p->work[h * d + a] += w;
            p->work[a * d + h] += w;
            p->work[h * d + b] -= w;
            p->work[b * d + h] -= w;
        }
    }
}

/* The factor of cov's theta block for draws; the diagonal's roots if it will not factor. */
static void draws_factor(struct jv_posterior *p)
{
    size_t n = p->n, d = p->dim;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            p->chol[i * n + j] = p->cov[i * d + j];
    if (jv_chol(p->chol, n) == 0)
        return;
    memset(p->chol, 0, n * n * sizeof(double));
    for (size_t i = 0; i < n; i++)
        p->chol[i * n + i] = sqrt(fmax(p->cov[i * d + i], 0.0));
}

int jv_posterior_fit(struct jv_posterior *p, const struct jv_post_obs *obs, size_t count)
{
    size_t d = p->dim;
    double *g = p->vec;
    p->steps = 0;
    p->converged = false;
    while (p->steps < JV_POST_MAX_STEPS) {
        grad_hess(p, obs, count, g);
        if (jv_chol(p->work, d) < 0)
            break; /* cannot happen: P is positive definite */
        jv_chol_solve(p->work, d, g);
        double big = 0;
        for (size_t i = 0; i < d; i++)
            big = fmax(big, fabs(g[i]));
        double scale = big > JV_POST_STEP_CAP ? JV_POST_STEP_CAP / big : 1.0;
        for (size_t i = 0; i < d; i++)
            p->phi[i] += scale * g[i];
        p->steps++;
        if (big < JV_POST_TOL) {
            p->converged = true;
            break;
        }
    }
    grad_hess(p, obs, count, g);
    if (jv_chol(p->work, d) == 0)
        jv_chol_inverse(p->work, d, p->cov, p->vec + d);
    draws_factor(p);
    return p->steps;
}

void jv_posterior_draw(const struct jv_posterior *p, struct jv_rng *rng, double *out)
{
    size_t n = p->n;
    double *zeta = g_new(double, n ? n : 1);
    for (size_t i = 0; i < n; i++)
        zeta[i] = jv_rng_normal(rng);
    for (size_t i = 0; i < n; i++) {
        double s = p->phi[i];
        for (size_t k = 0; k <= i; k++)
            s += p->chol[i * n + k] * zeta[k];
        out[i] = s;
    }
    g_free(zeta);
}
