/*
 * budget.h - a shared byte budget that threads wait on (a counting
 * semaphore in bytes), e.g. decoded images across Stage 1 workers.
 *
 * jv_budget_acquire() waits until `n` more bytes fit under the cap, except
 * that a request is always granted when nothing is held: one item larger
 * than the whole budget still goes through, alone. Every acquire is matched
 * by a release of the same size. Thread-safe; the struct is the caller's
 * (embedded), set up with jv_budget_init() and cleared with
 * jv_budget_clear() once no thread uses it.
 */
#ifndef JV_BUDGET_H
#define JV_BUDGET_H

#include <stdint.h>

struct jv_budget {
    GMutex lock;
    GCond freed;
    uint64_t cap;   /* bytes; 0 = no limit */
    uint64_t used;  /* bytes held now */
    uint64_t peak;  /* most bytes held at once */
    uint64_t waits; /* acquires that had to wait */
};

void jv_budget_init(struct jv_budget *b, uint64_t cap);
void jv_budget_clear(struct jv_budget *b);

/* Takes `n` bytes, waiting as described above. Returns true when it had to wait. */
bool jv_budget_acquire(struct jv_budget *b, uint64_t n);
/* Gives back `n` bytes taken by jv_budget_acquire() and wakes the waiters. */
void jv_budget_release(struct jv_budget *b, uint64_t n);

/* The counters, read under the lock. */
uint64_t jv_budget_peak(struct jv_budget *b);
uint64_t jv_budget_waits(struct jv_budget *b);

#endif
