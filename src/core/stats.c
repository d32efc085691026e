/* stats.c - summary statistics of a series of samples (count, mean, p50, p95). */
#include "core/jv.h"

#include <math.h>

#include "core/stats.h"

void jv_stats_init(struct jv_stats *s)
{
    s->values = g_array_new(FALSE, FALSE, sizeof(double));
}

void jv_stats_release(struct jv_stats *s)
{
    if (s->values)
        g_array_free(s->values, TRUE);
    s->values = NULL;
}

void jv_stats_add(struct jv_stats *s, double v)
{
    g_array_append_val(s->values, v);
}

size_t jv_stats_count(const struct jv_stats *s)
{
    return s->values ? s->values->len : 0;
}

double jv_stats_sum(const struct jv_stats *s)
{
    double sum = 0;
    for (size_t i = 0; i < jv_stats_count(s); i++)
        sum += g_array_index(s->values, double, i);
    return sum;
}

double jv_stats_mean(const struct jv_stats *s)
{
    size_t n = jv_stats_count(s);
    return n ? jv_stats_sum(s) / (double)n : NAN;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double percentile_sorted(const double *v, size_t n, double pct)
{
    if (n == 0)
        return NAN;
    double rank = pct / 100.0 * (double)(n - 1);
    size_t lo = (size_t)floor(rank), hi = (size_t)ceil(rank);
    double frac = rank - (double)lo;
    return v[lo] + (v[hi] - v[lo]) * frac;
}

double jv_stats_percentile(const struct jv_stats *s, double pct)
{
    size_t n = jv_stats_count(s);
    if (n == 0)
        return NAN;
    double *v = g_memdup2(s->values->data, n * sizeof(double));
    qsort(v, n, sizeof(double), cmp_double);
    double r = percentile_sorted(v, n, pct);
    g_free(v);
    return r;
}

json_t *jv_stats_to_json(const struct jv_stats *s)
{
    size_t n = jv_stats_count(s);
    json_t *o = json_object();
    json_object_set_new(o, "count", json_integer((json_int_t)n));
    json_object_set_new(o, "sum", json_real(jv_stats_sum(s)));
    if (n == 0) {
        const char *keys[] = {"min", "max", "mean", "p50", "p95"};
        for (size_t i = 0; i < JV_ARRAY_LEN(keys); i++)
            json_object_set_new(o, keys[i], json_null());
        return o;
    }
    double *v = g_memdup2(s->values->data, n * sizeof(double));
    qsort(v, n, sizeof(double), cmp_double);
    json_object_set_new(o, "min", json_real(v[0]));
    json_object_set_new(o, "max", json_real(v[n - 1]));
    json_object_set_new(o, "mean", json_real(jv_stats_sum(s) / (double)n));
    json_object_set_new(o, "p50", json_real(percentile_sorted(v, n, 50)));
    json_object_set_new(o, "p95", json_real(percentile_sorted(v, n, 95)));
    g_free(v);
    return o;
}
