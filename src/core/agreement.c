/* agreement.c - rank correlations, Kendall's W and isotonic regression. */
#include "core/jv.h"

#include <math.h>

#include "core/agreement.h"

struct ranked {
    double v;
    size_t i;
};

static int by_value(const void *a, const void *b)
{
    const struct ranked *x = a, *y = b;
    if (x->v != y->v)
        return x->v < y->v ? -1 : 1;
    return x->i < y->i ? -1 : (x->i > y->i);
}

void jv_rank_average(const double *x, size_t n, double *ranks)
{
    struct ranked *r = g_new(struct ranked, n ? n : 1);
    for (size_t i = 0; i < n; i++)
        r[i] = (struct ranked){x[i], i};
    qsort(r, n, sizeof *r, by_value);
    for (size_t a = 0; a < n;) {
        size_t b = a;
        while (b + 1 < n && r[b + 1].v == r[a].v)
            b++;
        double mean = ((double)a + (double)b) / 2.0 + 1.0;
        for (size_t k = a; k <= b; k++)
            ranks[r[k].i] = mean;
        a = b + 1;
    }
    g_free(r);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : (x > y);
}

static double pearson(const double *x, const double *y, size_t n)
{
    if (n < 2)
        return NAN;
    double mx = 0, my = 0;
    for (size_t i = 0; i < n; i++) {
        mx += x[i];
        my += y[i];
    }
    mx /= (double)n;
    my /= (double)n;
    double sxy = 0, sxx = 0, syy = 0;
    for (size_t i = 0; i < n; i++) {
        sxy += (x[i] - mx) * (y[i] - my);
        sxx += (x[i] - mx) * (x[i] - mx);
        syy += (y[i] - my) * (y[i] - my);
    }
    if (sxx <= 0 || syy <= 0)
        return NAN;
    return sxy / sqrt(sxx * syy);
}

double jv_spearman(const double *x, const double *y, size_t n)
{
    if (n < 2)
        return NAN;
    double *rx = g_new(double, n), *ry = g_new(double, n);
    jv_rank_average(x, n, rx);
    jv_rank_average(y, n, ry);
    double rho = pearson(rx, ry, n);
    g_free(rx);
    g_free(ry);
    return rho;
}

double jv_kendall_tau_b(const double *x, const double *y, size_t n)
{
    double concordant = 0, discordant = 0, tie_x = 0, tie_y = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) {
            double dx = x[i] - x[j], dy = y[i] - y[j];
            if (dx == 0 && dy == 0)
                continue;
            if (dx == 0)
                tie_x++;
            else if (dy == 0)
                tie_y++;
            else if ((dx > 0) == (dy > 0))
                concordant++;
            else
                discordant++;
        }
    double nx = concordant + discordant + tie_y; /* pairs untied in x */
    double ny = concordant + discordant + tie_x; /* pairs untied in y */
    if (nx <= 0 || ny <= 0)
        return NAN;
    return (concordant - discordant) / sqrt(nx * ny);
}

double jv_kendall_w(const double *scores, size_t m, size_t n)
{
    if (m < 2 || n < 2)
        return NAN;
    double *sum = g_new0(double, n), *ranks = g_new(double, n);
    double ties = 0;
    for (size_t j = 0; j < m; j++) {
        const double *row = scores + j * n;
        jv_rank_average(row, n, ranks);
        for (size_t i = 0; i < n; i++)
            sum[i] += ranks[i];
        /* the tie correction: sum of t^3 - t over the judge's groups of equal marks */
        double *sorted = g_memdup2(row, n * sizeof *row);
        qsort(sorted, n, sizeof *sorted, cmp_double);
        for (size_t a = 0; a < n;) {
            size_t b = a;
            while (b + 1 < n && sorted[b + 1] == sorted[a])
                b++;
            double t = (double)(b - a + 1);
            ties += t * t * t - t;
            a = b + 1;
        }
        g_free(sorted);
    }
    double mean = (double)m * ((double)n + 1) / 2.0, s = 0;
    for (size_t i = 0; i < n; i++)
        s += (sum[i] - mean) * (sum[i] - mean);
    double dm = (double)m, dn = (double)n;
    double denom = dm * dm * (dn * dn * dn - dn) - dm * ties;
    g_free(sum);
    g_free(ranks);
    return denom > 0 ? 12.0 * s / denom : NAN;
}

/* ---- isotonic regression ------------------------------------------------ */

void jv_isotonic_init(struct jv_isotonic *f)
{
    f->x = g_array_new(FALSE, FALSE, sizeof(double));
    f->y = g_array_new(FALSE, FALSE, sizeof(double));
}

void jv_isotonic_release(struct jv_isotonic *f)
{
    if (f->x)
        g_array_free(f->x, TRUE);
    if (f->y)
        g_array_free(f->y, TRUE);
    f->x = f->y = NULL;
}

struct pair {
    double x, y, w;
};

static int by_x(const void *a, const void *b)
{
    const struct pair *p = a, *q = b;
    return p->x < q->x ? -1 : (p->x > q->x);
}

/* A block of pooled knots: its weighted mean and weight, knots first..last. */
struct block {
    double mean, w;
    size_t first, last;
};

/*
 * Pool-adjacent-violators over the distinct inputs: each distinct x starts as
 * a block (the weighted mean of its y); a block whose mean falls below the one
 * before it is merged into it, repeatedly, so the means rise. Every knot then
 * takes its block's mean.
 */
size_t jv_isotonic_fit(struct jv_isotonic *f, const double *x, const double *y, const double *w,
                       size_t n)
{
    g_array_set_size(f->x, 0);
    g_array_set_size(f->y, 0);
    struct pair *p = g_new(struct pair, n ? n : 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        double wi = w ? w[i] : 1.0;
        if (isfinite(x[i]) && isfinite(y[i]) && wi > 0)
            p[k++] = (struct pair){x[i], y[i], wi};
    }
    qsort(p, k, sizeof *p, by_x);
    struct block *b = g_new(struct block, k ? k : 1);
    size_t nb = 0;
    for (size_t i = 0; i < k;) {
        size_t j = i;
        double sw = 0, swy = 0;
        while (j < k && p[j].x == p[i].x) {
            sw += p[j].w;
            swy += p[j].w * p[j].y;
            j++;
        }
        g_array_append_val(f->x, p[i].x);
        b[nb] = (struct block){swy / sw, sw, f->x->len - 1, f->x->len - 1};
        nb++;
        while (nb > 1 && b[nb - 2].mean > b[nb - 1].mean) {
            struct block *a = &b[nb - 2], *c = &b[nb - 1];
            a->mean = (a->mean * a->w + c->mean * c->w) / (a->w + c->w);
            a->w += c->w;
            a->last = c->last;
            nb--;
        }
        i = j;
    }
    g_array_set_size(f->y, f->x->len);
    for (size_t i = 0; i < nb; i++)
        for (size_t q = b[i].first; q <= b[i].last; q++)
            g_array_index(f->y, double, q) = b[i].mean;
    g_free(b);
    g_free(p);
    return f->x->len;
}

double jv_isotonic_apply(const struct jv_isotonic *f, double v)
{
    guint n = f->x ? f->x->len : 0;
    if (n == 0 || !isfinite(v))
        return v;
    const double *x = (const double *)(const void *)f->x->data;
    const double *y = (const double *)(const void *)f->y->data;
    if (v <= x[0])
        return y[0];
    if (v >= x[n - 1])
        return y[n - 1];
    guint hi = 1;
    while (x[hi] < v)
        hi++;
    double t = (v - x[hi - 1]) / (x[hi] - x[hi - 1]);
    return y[hi - 1] + t * (y[hi] - y[hi - 1]);
}
