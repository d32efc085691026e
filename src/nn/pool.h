/* pool.h - the threads the neural models may use inside one image.
 *
 * Stage 1 already runs one worker thread per image (--iqa-workers); the
 * models run on that worker. A pool adds helper threads for the remaining
 * cores, shared by all workers: jv_nn_pool_helpers(workers) is how many, so
 * that workers + helpers never exceed the CPUs and the machine is never
 * oversubscribed. A parallel loop always runs on its caller too, so a loop
 * finishes even while every helper is busy with another worker's loop.
 *
 * Ownership: the pool is created and freed by one owner (the stage); loops
 * borrow it and may run from several threads at once.
 */
#ifndef JV_NN_POOL_H
#define JV_NN_POOL_H

#include "core/jv.h"

struct jv_nn_pool;

/* A pool of `helpers` threads (0 gives a pool that runs everything on the caller).
 * Returns NULL with `err` set when threads cannot be made. */
struct jv_nn_pool *jv_nn_pool_new(int helpers, GError **err);
/* Waits for the helpers and frees the pool; NULL is allowed. */
void jv_nn_pool_free(struct jv_nn_pool *p);
/* Helper threads of the pool (0 for NULL). */
int jv_nn_pool_threads(const struct jv_nn_pool *p);
/* Helpers that fit beside `workers` busy threads on this machine: CPUs - workers, at least 0. */
int jv_nn_pool_helpers(int workers);

/* Calls fn(i, user) for i in [0, n), on the caller and the pool's helpers (nullable pool:
 * the caller alone); returns when every call has returned. Calls for different i must be
 * independent. */
void jv_nn_parallel_for(struct jv_nn_pool *p, int n, void (*fn)(int i, void *user), void *user);

#endif
