/* budget.c - a shared byte budget that threads wait on (see budget.h). */
#include "core/jv.h"

#include "core/budget.h"

void jv_budget_init(struct jv_budget *b, uint64_t cap)
{
    memset(b, 0, sizeof *b);
    g_mutex_init(&b->lock);
    g_cond_init(&b->freed);
    b->cap = cap;
}

void jv_budget_clear(struct jv_budget *b)
{
    g_cond_clear(&b->freed);
    g_mutex_clear(&b->lock);
}

bool jv_budget_acquire(struct jv_budget *b, uint64_t n)
{
    bool waited = false;
    g_mutex_lock(&b->lock);
    while (b->cap > 0 && b->used > 0 && (b->used + n > b->cap || b->used + n < b->used)) {
        if (!waited)
            b->waits++;
        waited = true;
        g_cond_wait(&b->freed, &b->lock);
    }
    b->used += n;
    if (b->used > b->peak)
        b->peak = b->used;
    g_mutex_unlock(&b->lock);
    return waited;
}

void jv_budget_release(struct jv_budget *b, uint64_t n)
{
    g_mutex_lock(&b->lock);
    b->used = n <= b->used ? b->used - n : 0;
    g_cond_broadcast(&b->freed);
    g_mutex_unlock(&b->lock);
}

uint64_t jv_budget_peak(struct jv_budget *b)
{
    g_mutex_lock(&b->lock);
    uint64_t v = b->peak;
    g_mutex_unlock(&b->lock);
    return v;
}

uint64_t jv_budget_waits(struct jv_budget *b)
{
    g_mutex_lock(&b->lock);
    uint64_t v = b->waits;
    g_mutex_unlock(&b->lock);
    return v;
}
