/* latency.c - the simulator's latency model: tokens, prefix cache, batch slots, TTFT, decode. */
#include "core/jv.h"

#include <math.h>
#include <xxhash.h>

#include "latency.h"

long jv_sim_image_tokens(long width, long height)
{
    const double f = 28.0;
    if (width <= 0 || height <= 0)
        return 0;
    /* Python's round() rounds half to even, as rint() does by default. */
    double h = rint((double)height / f) * f;
    double w = rint((double)width / f) * f;
    if (h < f)
        h = f;
    if (w < f)
        w = f;
    if (h * w > JV_SIM_MAX_PIXELS) {
        double beta = sqrt((double)height * (double)width / JV_SIM_MAX_PIXELS);
        h = floor((double)height / beta / f) * f;
        w = floor((double)width / beta / f) * f;
    } else if (h * w < JV_SIM_MIN_PIXELS) {
        double beta = sqrt(JV_SIM_MIN_PIXELS / ((double)height * (double)width));
        h = ceil((double)height * beta / f) * f;
        w = ceil((double)width * beta / f) * f;
    }
    return (long)(h * w / 784.0);
}

long jv_sim_text_tokens(size_t chars)
{
    return (long)((chars + 3) / 4);
}

/* ---- prompts ---------------------------------------------------------- */

void jv_sim_prompt_init(struct jv_sim_prompt *p)
{
    p->ids = g_array_new(FALSE, FALSE, sizeof(guint64));
}

void jv_sim_prompt_release(struct jv_sim_prompt *p)
{
    if (p->ids)
        g_array_free(p->ids, TRUE);
    p->ids = NULL;
}

void jv_sim_prompt_add_role(struct jv_sim_prompt *p, const char *role)
{
    guint64 base = XXH3_64bits(role, strlen(role));
    for (guint64 i = 0; i < JV_SIM_TEMPLATE_TOKENS; i++) {
        guint64 id = base ^ (0x9e3779b97f4a7c15ULL * (i + 1));
        g_array_append_val(p->ids, id);
    }
}

void jv_sim_prompt_add_text(struct jv_sim_prompt *p, const char *text, size_t len)
{
    for (size_t i = 0; i < len; i += 4) {
        guint64 id = 0x1ULL << 40; /* tag: text */
        size_t n = len - i < 4 ? len - i : 4;
        for (size_t k = 0; k < n; k++)
            id |= (guint64)(unsigned char)text[i + k] << (8 * k);
        g_array_append_val(p->ids, id);
    }
}

void jv_sim_prompt_add_image(struct jv_sim_prompt *p, const char *hash_hex, long tokens)
{
    guint64 base = XXH3_64bits(hash_hex, strlen(hash_hex)) | (0x1ULL << 63);
    for (long i = 0; i < tokens; i++) {
        guint64 id = base ^ (guint64)i;
        g_array_append_val(p->ids, id);
    }
}

long jv_sim_prompt_tokens(const struct jv_sim_prompt *p)
{
    return (long)p->ids->len;
}

/* ---- engine ------------------------------------------------------------ */

struct jv_sim_engine {
    GMutex lock;
    GCond cond; /* batch places, shutdown */
    bool shutdown;
    int max_seqs;
    double scale;
    long running, waiting;
    double prefill_free_at; /* monotonic seconds */

    /* prefix cache: block hash -> GList node in lru (head = most recent) */
    GHashTable *blocks;
    GQueue lru;
    long max_blocks;
    long long queries, hits;
};

static double mono(void)
{
    return (double)g_get_monotonic_time() / 1e6;
}

struct jv_sim_engine *jv_sim_engine_new(int max_seqs, double time_scale, long cache_blocks)
{
    struct jv_sim_engine *e = g_new0(struct jv_sim_engine, 1);
    g_mutex_init(&e->lock);
    g_cond_init(&e->cond);
    e->max_seqs = max_seqs > 0 ? max_seqs : 1;
    e->scale = time_scale;
    e->max_blocks = cache_blocks > 0 ? cache_blocks : 0;
    e->blocks = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, NULL);
    g_queue_init(&e->lru);
    return e;
}

void jv_sim_engine_free(struct jv_sim_engine *e)
{
    if (!e)
        return;
    g_hash_table_destroy(e->blocks);
    g_queue_clear_full(&e->lru, g_free);
    g_cond_clear(&e->cond);
    g_mutex_clear(&e->lock);
    g_free(e);
}

void jv_sim_engine_shutdown(struct jv_sim_engine *e)
{
    g_mutex_lock(&e->lock);
    e->shutdown = true;
    g_cond_broadcast(&e->cond);
    g_mutex_unlock(&e->lock);
}

bool jv_sim_engine_is_shutdown(struct jv_sim_engine *e)
{
    g_mutex_lock(&e->lock);
    bool s = e->shutdown;
    g_mutex_unlock(&e->lock);
    return s;
}

/* Waits until the monotonic time `until` (seconds) or shutdown. */
static bool wait_until(struct jv_sim_engine *e, double until)
{
    gint64 end = (gint64)(until * 1e6);
    g_mutex_lock(&e->lock);
    while (!e->shutdown && g_get_monotonic_time() < end)
        g_cond_wait_until(&e->cond, &e->lock, end);
    bool ok = !e->shutdown;
    g_mutex_unlock(&e->lock);
    return ok;
}

bool jv_sim_engine_sleep_real(struct jv_sim_engine *e, double seconds)
{
    if (seconds <= 0)
        return !jv_sim_engine_is_shutdown(e);
    return wait_until(e, mono() + seconds);
}

bool jv_sim_engine_sleep(struct jv_sim_engine *e, double seconds)
{
    return jv_sim_engine_sleep_real(e, seconds * e->scale);
}

bool jv_sim_engine_admit(struct jv_sim_engine *e)
{
    g_mutex_lock(&e->lock);
    e->waiting++;
    while (!e->shutdown && e->running >= e->max_seqs)
        g_cond_wait(&e->cond, &e->lock);
    e->waiting--;
    bool ok = !e->shutdown;
    if (ok)
        e->running++;
    g_mutex_unlock(&e->lock);
    return ok;
}

void jv_sim_engine_leave(struct jv_sim_engine *e)
{
    g_mutex_lock(&e->lock);
    e->running--;
    g_cond_broadcast(&e->cond);
    g_mutex_unlock(&e->lock);
}

/* Marks the block most recently used, inserting it (and evicting) if new. */
static bool cache_touch(struct jv_sim_engine *e, guint64 h, bool insert)
{
    GList *node = g_hash_table_lookup(e->blocks, &h);
    if (node) {
        g_queue_unlink(&e->lru, node);
        g_queue_push_head_link(&e->lru, node);
        return true;
    }
    if (!insert || e->max_blocks == 0)
        return false;
    while ((long)e->lru.length >= e->max_blocks) {
        guint64 *old = g_queue_pop_tail(&e->lru);
        g_hash_table_remove(e->blocks, old);
        g_free(old);
    }
    guint64 *key = g_new(guint64, 1);
    *key = h;
    g_queue_push_head(&e->lru, key);
    g_hash_table_insert(e->blocks, key, e->lru.head);
    return false;
}

long jv_sim_engine_cache_lookup(struct jv_sim_engine *e, const struct jv_sim_prompt *p)
{
    long n = (long)p->ids->len;
    long full = n / JV_SIM_BLOCK_TOKENS;
    const guint64 *ids = (const guint64 *)(const void *)p->ids->data;
    long hit_blocks = 0;
    bool chain = true;
    guint64 prev = 0;
    g_mutex_lock(&e->lock);
    for (long b = 0; b < full; b++) {
        guint64 buf[JV_SIM_BLOCK_TOKENS + 1];
        buf[0] = prev;
        memcpy(buf + 1, ids + b * JV_SIM_BLOCK_TOKENS, JV_SIM_BLOCK_TOKENS * sizeof(guint64));
        guint64 h = XXH3_64bits(buf, sizeof buf);
        bool hit = cache_touch(e, h, true);
        if (chain && hit)
            hit_blocks++;
        else
            chain = false;
        prev = h;
    }
    long hits = hit_blocks * JV_SIM_BLOCK_TOKENS;
    if (hits >= n)
        hits = n > 0 ? n - 1 : 0;
    e->queries += n;
    e->hits += hits;
    g_mutex_unlock(&e->lock);
    return hits;
}

bool jv_sim_engine_prefill(struct jv_sim_engine *e, long uncached)
{
    if (!jv_sim_engine_sleep(e, JV_SIM_OVERHEAD_S))
        return false;
    double d = (double)uncached * JV_SIM_PREFILL_S_PER_TOK * e->scale;
    g_mutex_lock(&e->lock);
    double now = mono();
    double start = e->prefill_free_at > now ? e->prefill_free_at : now;
    e->prefill_free_at = start + d;
    g_mutex_unlock(&e->lock);
    return wait_until(e, start + d);
}

bool jv_sim_engine_decode(struct jv_sim_engine *e, long n, double *clock)
{
    g_mutex_lock(&e->lock);
    long running = e->running > 0 ? e->running : 1;
    g_mutex_unlock(&e->lock);
    double per_tok =
        JV_SIM_DECODE_S_PER_TOK * (1.0 + JV_SIM_BATCH_SLOWDOWN * (double)(running - 1));
    double now = mono();
    if (*clock <= 0 || *clock < now - 1.0)
        *clock = now; /* first step, or far behind: do not catch up in a burst */
    *clock += per_tok * (double)n * e->scale;
    return wait_until(e, *clock);
}

void jv_sim_engine_stats(struct jv_sim_engine *e, struct jv_sim_engine_stats *out)
{
    g_mutex_lock(&e->lock);
    out->running = e->running;
    out->waiting = e->waiting;
    out->cache_queries = e->queries;
    out->cache_hits = e->hits;
    out->cache_blocks_used = (long)e->lru.length;
    out->cache_blocks_max = e->max_blocks;
    g_mutex_unlock(&e->lock);
}
