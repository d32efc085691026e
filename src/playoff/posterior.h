/*
 * posterior.h - the Bradley–Terry posterior of a playoff cohort, with the
 * Stage 2 score as prior (doc/SPEC.md 2.7; the design note
 * shared/designs/playoff-bt-eig.md).
 *
 * Entries 0..n-1 with Stage 2 scores s_i, z_i = s_i - mean(s). Parameters
 * phi = (theta_0 .. theta_{n-1}, beta[, h]): theta the strengths, beta how
 * much the score says about them, h (optional, the "side term") the pull
 * towards the image shown first. Prior theta_i | beta ~ N(beta z_i, sigma0^2),
 * beta ~ N(beta0, sigma_beta^2), h ~ N(0, sigma_h^2), kept as a precision P
 * and a linear term b. An observation (a shown first, b second, y = 1 when a
 * won) has P(y = 1) = sigmoid(theta_a - theta_b [+ h]).
 *
 * The fit is the posterior mode by Newton's method from the previous mode
 * (the prior mean the first time), the step capped at JV_POST_STEP_CAP in
 * every coordinate, stopping when the largest step is below JV_POST_TOL (at
 * most JV_POST_MAX_STEPS steps); the covariance is the inverse Hessian at the
 * mode (a Laplace approximation). Everything is plain double arithmetic in a
 * fixed order, so the same observations give bit-identical results (the
 * playoff files are built with -ffp-contract=off).
 *
 * Ownership: struct jv_posterior owns its arrays (jv_posterior_init /
 * jv_posterior_release); observation arrays are borrowed.
 */
#ifndef JV_POSTERIOR_H
#define JV_POSTERIOR_H

#include "core/rng.h"

#define JV_POST_STEP_CAP  4.0
#define JV_POST_TOL       1e-9
#define JV_POST_MAX_STEPS 60

/*
 * The prior's constants. The defaults: beta0 0.63 is the within-cohort slope
 * of the simulator's strength (10 q) on the centred Stage 2 score of eligible
 * cohorts (0.63 at 8, 16 and 40 entries), sigma0 0.85 a little wider than its
 * residual spread (0.70-0.74), as measured by bench/playoff_quality (issue 14).
 */
struct jv_post_prior {
    double sigma0;     /* spread of theta around beta z */
    double beta0;      /* prior mean of beta */
    double sigma_beta; /* prior spread of beta */
    double sigma_h;    /* prior spread of the side term */
};

#define JV_POST_PRIOR_DEFAULT                                                                      \
    {                                                                                              \
        .sigma0 = 0.85, .beta0 = 0.63, .sigma_beta = 0.25, .sigma_h = 1.0                          \
    }

/* One decided match: entry `a` was shown first; `a_won` 1 when it won, 0 when b did. */
struct jv_post_obs {
    unsigned a;
    unsigned b;
    int a_won;
};

struct jv_posterior {
    size_t n;   /* entries */
    size_t dim; /* n + 1, or n + 2 with the side term */
    bool side;
    double *z;      /* n: centred scores */
    double *prec;   /* dim*dim: prior precision P (row-major) */
    double *lin;    /* dim: prior linear term b */
    double *phi;    /* dim: the mode after the last fit */
    double *cov;    /* dim*dim: the covariance at the mode */
    double *work;   /* dim*dim scratch (the Hessian, then its Cholesky factor) */
    double *chol;   /* n*n: lower Cholesky factor of cov's theta block (for draws) */
    double *vec;    /* 2*dim scratch */
    int steps;      /* Newton steps of the last fit */
    bool converged; /* the last fit met the tolerance */
};

/*
 * Sets up the posterior of n >= 1 entries with Stage 2 `scores` (n doubles,
 * copied; NULL = all equal), the side term when `side`, and `prior` (NULL =
 * JV_POST_PRIOR_DEFAULT). phi starts at the prior mean (theta = beta0 z).
 */
void jv_posterior_init(struct jv_posterior *p, size_t n, const double *scores, bool side,
                       const struct jv_post_prior *prior);
void jv_posterior_release(struct jv_posterior *p);

/*
 * Fits the posterior to `count` observations (borrowed; entries must be < n,
 * a match of an entry with itself is ignored), starting from the current
 * phi. Fills phi, cov and the draws' factor. Returns the Newton steps used.
 */
int jv_posterior_fit(struct jv_posterior *p, const struct jv_post_obs *obs, size_t count);

static inline double jv_posterior_theta(const struct jv_posterior *p, size_t i)
{
    return p->phi[i];
}
static inline double jv_posterior_beta(const struct jv_posterior *p)
{
    return p->phi[p->n];
}
/* The side term h (0 without it). */
static inline double jv_posterior_side(const struct jv_posterior *p)
{
    return p->side ? p->phi[p->n + 1] : 0.0;
}
static inline double jv_posterior_cov(const struct jv_posterior *p, size_t i, size_t j)
{
    return p->cov[i * p->dim + j];
}

/*
 * One draw of the strengths from the fitted posterior, theta-hat + L zeta
 * (L the Cholesky factor of the theta block of cov, zeta standard normal
 * from `rng`), into out (n doubles).
 */
void jv_posterior_draw(const struct jv_posterior *p, struct jv_rng *rng, double *out);

/*
 * Small dense linear algebra (row-major d*d matrices, d up to a few hundred).
 * jv_chol: the lower Cholesky factor of the symmetric matrix a, in place (the
 * upper triangle zeroed); -1 when a is not positive definite.
 * jv_chol_solve: solves L L^T x = rhs, x in place of rhs.
 * jv_chol_inverse: (L L^T)^-1 into out (d*d), symmetric.
 */
int jv_chol(double *a, size_t d);
void jv_chol_solve(const double *l, size_t d, double *x);
void jv_chol_inverse(const double *l, size_t d, double *out, double *scratch);

#endif
