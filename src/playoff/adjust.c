/* adjust.c - the classic score adjustment after the playoff. */
#include "core/jv.h"

#include "playoff/adjust.h"
#include "playoff/rank.h"

int jv_adjust_k(size_t n)
{
    if (n <= 2)
        return 0;
    int k = (int)((15 * n + 50) / 100); /* round(0.15 n), halves up, in integers */
    return k < 1 ? 1 : k;
}

double jv_adjust_win_ratio(const struct jv_adjust_entry *e)
{
    return e->comparisons > 0 ? (double)e->wins / (double)e->comparisons : 0.0;
}

struct classic_ctx {
    const struct jv_adjust_entry *e;
    const int *strength_cls;
};

/* Win ratios compared exactly as fractions (cross-multiplied), strengths by tie class. */
static gint by_rank(gconstpointer pa, gconstpointer pb, gpointer data)
{
    const struct classic_ctx *c = data;
    size_t ia = *(const size_t *)pa, ib = *(const size_t *)pb;
    const struct jv_adjust_entry *a = &c->e[ia], *b = &c->e[ib];
    long na = a->comparisons > 0 ? a->wins : 0, da = a->comparisons > 0 ? a->comparisons : 1;
    long nb = b->comparisons > 0 ? b->wins : 0, db = b->comparisons > 0 ? b->comparisons : 1;
    if (na * db != nb * da)
        return na * db > nb * da ? -1 : 1;
    if (c->strength_cls[ia] != c->strength_cls[ib])
        return c->strength_cls[ia] < c->strength_cls[ib] ? -1 : 1;
    if (a->initial != b->initial)
        return a->initial > b->initial ? -1 : 1;
    return strcmp(a->path ? a->path : "", b->path ? b->path : "");
}

void jv_adjust_classic(struct jv_adjust_entry *e, size_t n)
{
    if (n == 0)
        return;
    size_t *idx = g_new(size_t, n);
    double *strength = g_new(double, n);
    int *cls = g_new(int, n);
    for (size_t i = 0; i < n; i++) {
        idx[i] = i;
        strength[i] = e[i].strength;
    }
    jv_tie_classes(strength, n, JV_TIE_TOL, cls);
    struct classic_ctx c = {e, cls};
    g_qsort_with_data(idx, (gint)n, sizeof(size_t), by_rank, &c);
    jv_adjust_apply(e, n, idx);
    g_free(idx);
    g_free(strength);
    g_free(cls);
}

void jv_adjust_apply(struct jv_adjust_entry *e, size_t n, const size_t *order)
{
    size_t k = (size_t)jv_adjust_k(n);
    for (size_t r = 0; r < n; r++) {
        struct jv_adjust_entry *x = &e[order[r]];
        x->rank = (int)r + 1;
        x->score = x->initial;
        if (n <= 2)
            continue;
        if (r == 0)
            x->score = 20;
        else if (r < k)
            x->score = MIN(20, x->initial + 1);
        else if (r >= n - k)
            x->score = x->initial - 1 >= 16 ? x->initial - 1 : MIN(x->initial, 16);
    }
}
