/* bt.c - Bradley-Terry strengths of a cohort from its pairwise results. */
#include "core/jv.h"

#include <math.h>

#include "playoff/bt.h"

int jv_bt_fit(size_t n, const struct jv_bt_match *m, size_t count, double *strength)
{
    if (n == 0)
        return 0;
    double *wins = g_new0(double, n);
    double *denom = g_new(double, n);
    for (size_t i = 0; i < n; i++)
        strength[i] = 1.0;
    for (size_t k = 0; k < count; k++)
        if (m[k].winner != m[k].loser && m[k].winner < n && m[k].loser < n)
            wins[m[k].winner] += 1.0;

    int iter = 0;
    while (iter < JV_BT_MAX_ITER) {
        iter++;
        /* The prior: JV_BT_PRIOR wins and losses against a strength-1 opponent. */
        for (size_t i = 0; i < n; i++)
            denom[i] = 2.0 * JV_BT_PRIOR / (strength[i] + 1.0);
        for (size_t k = 0; k < count; k++) {
            unsigned a = m[k].winner, b = m[k].loser;
            if (a == b || a >= n || b >= n)
                continue;
            double d = 1.0 / (strength[a] + strength[b]);
            denom[a] += d;
            denom[b] += d;
        }
        double change = 0;
        for (size_t i = 0; i < n; i++) {
            double next = (wins[i] + JV_BT_PRIOR) / denom[i];
            double delta = fabs(log(next) - log(strength[i]));
            if (delta > change)
                change = delta;
            denom[i] = next; /* stage the update: all entries move together */
        }
        memcpy(strength, denom, n * sizeof(double));
        if (change < JV_BT_TOL)
            break;
    }

    double logsum = 0;
    for (size_t i = 0; i < n; i++)
        logsum += log(strength[i]);
    double scale = exp(logsum / (double)n);
    for (size_t i = 0; i < n; i++)
        strength[i] /= scale;
    g_free(wins);
    g_free(denom);
    return iter;
}
