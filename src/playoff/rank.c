/* rank.c - the playoff's orders with tolerant ties: tie classes and the final order. */
#include "core/jv.h"

#include "playoff/rank.h"

static gint by_value_desc(gconstpointer pa, gconstpointer pb, gpointer data)
{
    const double *v = data;
    size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
    if (v[a] > v[b])
        return -1;
    if (v[a] < v[b])
        return 1;
    return a < b ? -1 : (a > b);
}

void jv_tie_classes(const double *v, size_t n, double tol, int *cls)
{
    if (n == 0)
        return;
    size_t *idx = g_new(size_t, n);
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    g_qsort_with_data(idx, (gint)n, sizeof(size_t), by_value_desc, (gpointer)v);
    int c = 0;
    double head = v[idx[0]];
    for (size_t k = 0; k < n; k++) {
        if (head - v[idx[k]] > tol) {
            c++;
            head = v[idx[k]];
        }
        cls[idx[k]] = c;
    }
    g_free(idx);
}

struct final_ctx {
    const int *theta_cls, *score_cls, *net;
    const char *const *path;
};

static gint by_final(gconstpointer pa, gconstpointer pb, gpointer data)
{
    const struct final_ctx *f = data;
    size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
    if (f->theta_cls[a] != f->theta_cls[b])
        return f->theta_cls[a] < f->theta_cls[b] ? -1 : 1;
    if (f->score_cls[a] != f->score_cls[b])
        return f->score_cls[a] < f->score_cls[b] ? -1 : 1;
    if (f->net[a] != f->net[b])
        return f->net[a] > f->net[b] ? -1 : 1;
    int c = strcmp(f->path[a] ? f->path[a] : "", f->path[b] ? f->path[b] : "");
    if (c)
        return c;
    return a < b ? -1 : (a > b);
}

void jv_rank_final(size_t n, const double *theta, const double *score, const char *const *path,
                   const struct jv_post_obs *obs, size_t count, size_t *order)
{
    if (n == 0)
        return;
    int *tc = g_new(int, n), *sc = g_new(int, n), *net = g_new0(int, n);
    jv_tie_classes(theta, n, JV_TIE_TOL, tc);
    jv_tie_classes(score, n, JV_TIE_TOL, sc);
    /* head to head: wins minus losses against entries tied on strength and score */
    for (size_t k = 0; k < count; k++) {
        unsigned a = obs[k].a, b = obs[k].b;
        if (a >= n || b >= n || a == b || tc[a] != tc[b] || sc[a] != sc[b])
            continue;
        int d = obs[k].a_won ? 1 : -1;
        net[a] += d;
        net[b] -= d;
    }
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    struct final_ctx f = {tc, sc, net, path};
    g_qsort_with_data(order, (gint)n, sizeof(size_t), by_final, &f);
    g_free(tc);
    g_free(sc);
    g_free(net);
}
