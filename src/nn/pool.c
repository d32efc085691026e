/* pool.c - helper threads for the parallel loops of the neural models. */
#include "nn/pool.h"

struct jv_nn_pool {
    GThreadPool *threads;
    int helpers;
};

/* One parallel loop: indices are taken in turn by whoever runs it (caller or helper). */
struct loop {
    void (*fn)(int i, void *user);
    void *user;
    int n;
    gint next;     /* next index to take */
    gint finished; /* indices done */
    gint attached; /* helpers still holding the loop */
    GMutex lock;
    GCond cond;
};

static void loop_run(struct loop *l)
{
    int i;
    while ((i = g_atomic_int_add(&l->next, 1)) < l->n) {
        l->fn(i, l->user);
        g_atomic_int_inc(&l->finished);
    }
}

static void helper(gpointer data, gpointer user)
{
    (void)user;
    struct loop *l = data;
    loop_run(l);
    g_mutex_lock(&l->lock);
    l->attached--;
    g_cond_signal(&l->cond);
    g_mutex_unlock(&l->lock);
}

struct jv_nn_pool *jv_nn_pool_new(int helpers, GError **err)
{
    struct jv_nn_pool *p = g_new0(struct jv_nn_pool, 1);
    p->helpers = helpers > 0 ? helpers : 0;
    if (p->helpers) {
        p->threads = g_thread_pool_new(helper, p, p->helpers, FALSE, err);
        if (!p->threads) {
            g_free(p);
            return NULL;
        }
    }
    return p;
}

void jv_nn_pool_free(struct jv_nn_pool *p)
{
    if (!p)
        return;
    if (p->threads)
        g_thread_pool_free(p->threads, FALSE, TRUE);
    g_free(p);
}

int jv_nn_pool_threads(const struct jv_nn_pool *p)
{
    return p ? p->helpers : 0;
}

int jv_nn_pool_helpers(int workers)
{
    int cpus = (int)g_get_num_processors();
    return cpus > workers ? cpus - workers : 0;
}

void jv_nn_parallel_for(struct jv_nn_pool *p, int n, void (*fn)(int i, void *user), void *user)
{
    if (n <= 0)
        return;
    int helpers = jv_nn_pool_threads(p);
    if (helpers > n - 1)
        helpers = n - 1;
    if (helpers <= 0) {
        for (int i = 0; i < n; i++)
            fn(i, user);
        return;
    }
    struct loop l = {.fn = fn, .user = user, .n = n, .attached = helpers};
    g_mutex_init(&l.lock);
    g_cond_init(&l.cond);
    for (int h = 0; h < helpers; h++)
        g_thread_pool_push(p->threads, &l, NULL);
    loop_run(&l);
    /* A helper that has not started yet finds no index left and detaches at once. */
    g_mutex_lock(&l.lock);
    while (l.attached > 0)
        g_cond_wait(&l.cond, &l.lock);
    g_mutex_unlock(&l.lock);
    g_mutex_clear(&l.lock);
    g_cond_clear(&l.cond);
}
