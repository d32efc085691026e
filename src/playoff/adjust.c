/* adjust.c - the classic score adjustment after the playoff. */
#include "core/jv.h"

#include "playoff/adjust.h"

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

static gint by_rank(gconstpointer pa, gconstpointer pb, gpointer data)
{
    const struct jv_adjust_entry *e = data;
    const struct jv_adjust_entry *a = &e[*(const size_t *)pa], *b = &e[*(const size_t *)pb];
    double ra = jv_adjust_win_ratio(a), rb = jv_adjust_win_ratio(b);
    if (ra != rb)
        return ra > rb ? -1 : 1;
    if (a->strength != b->strength)
        return a->strength > b->strength ? -1 : 1;
    if (a->initial != b->initial)
        return a->initial > b->initial ? -1 : 1;
    return strcmp(a->path ? a->path : "", b->path ? b->path : "");
}

void jv_adjust_classic(struct jv_adjust_entry *e, size_t n)
{
    if (n == 0)
        return;
    size_t *idx = g_new(size_t, n);
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    g_qsort_with_data(idx, (gint)n, sizeof(size_t), by_rank, e);
    size_t k = (size_t)jv_adjust_k(n);
    for (size_t r = 0; r < n; r++) {
        struct jv_adjust_entry *x = &e[idx[r]];
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
    g_free(idx);
}
