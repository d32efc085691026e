/* cache.c - the IQA cache: an append-only JSONL of Stage 1 results, indexed in memory. */
#include "core/jv.h"

#include <fcntl.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/fsutil.h"
#include "core/jsonl.h"
#include "iqa/cache.h"

/*
 * What the index keeps of an entry: enough to decide a hit, and where its line
 * is. The line itself is read back on a hit, so memory stays small and flat
 * however many images the cache has seen.
 */
struct slot {
    int64_t size, mtime_ns;
    unsigned groups;
    const char *nima, *musiq; /* interned (a few distinct strings), nullable */
    off_t offset;
    size_t len;
};

struct jv_iqa_cache {
    GMutex lock;
    char *path;
    int fd;      /* append fd, -1 when read-only or not yet opened */
    int read_fd; /* for reading entries back, -1 when the file does not exist yet */
    off_t end;   /* where the next appended line starts */
    bool readonly;
    bool existed;
    GHashTable *by_path; /* path -> struct slot */
    GHashTable *by_hash; /* content hash -> struct slot */
    bool check_models;
    const char *nima, *musiq; /* interned: what computes them in this run */
    size_t hits, misses, entries;
};

json_t *jv_iqa_groups_to_json(unsigned groups)
{
    return json_pack("{s:b,s:b,s:b,s:b}", "basic", (groups & JV_IQA_BASIC) != 0, "tonal",
                     (groups & JV_IQA_TONAL) != 0, "nima", (groups & JV_IQA_NIMA) != 0, "musiq",
                     (groups & JV_IQA_MUSIQ) != 0);
}

unsigned jv_iqa_groups_from_json(const json_t *enabled)
{
    unsigned g = 0;
    if (json_is_true(json_object_get(enabled, "basic")))
        g |= JV_IQA_BASIC;
    if (json_is_true(json_object_get(enabled, "tonal")))
        g |= JV_IQA_TONAL;
    if (json_is_true(json_object_get(enabled, "nima")))
        g |= JV_IQA_NIMA;
    if (json_is_true(json_object_get(enabled, "musiq")))
        g |= JV_IQA_MUSIQ;
    return g;
}

static void index_entry(struct jv_iqa_cache *c, const json_t *entry, off_t offset, size_t len)
{
    const char *path = json_string_value(json_object_get(entry, "image"));
    const char *hash = json_string_value(json_object_get(entry, "content_hash"));
    struct slot sl = {
        .size = json_integer_value(json_object_get(entry, "size")),
        .mtime_ns = json_integer_value(json_object_get(entry, "mtime_ns")),
        .groups = jv_iqa_groups_from_json(json_object_get(entry, "enabled")),
        .nima = g_intern_string(
            json_string_value(json_object_get(json_object_get(entry, "models"), "nima"))),
        .musiq = g_intern_string(
            json_string_value(json_object_get(json_object_get(entry, "models"), "musiq"))),
        .offset = offset,
        .len = len,
    };
    if (path)
        g_hash_table_replace(c->by_path, g_strdup(path), g_memdup2(&sl, sizeof sl));
    if (hash)
        g_hash_table_replace(c->by_hash, g_strdup(hash), g_memdup2(&sl, sizeof sl));
    c->entries++;
}

static bool entry_valid(const json_t *e)
{
    return json_is_object(e) && json_is_string(json_object_get(e, "image")) &&
           json_is_string(json_object_get(e, "content_hash")) &&
           json_is_integer(json_object_get(e, "size")) &&
           json_is_integer(json_object_get(e, "mtime_ns")) &&
           json_is_object(json_object_get(e, "technical_signals")) &&
           json_integer_value(json_object_get(e, "metrics_version")) == JV_IQA_METRICS_VERSION;
}

/* Indexes one complete line of the file; a bad or invalid line is skipped. */
static bool load_line(const struct jv_jsonl_line *line, void *user)
{
    struct jv_iqa_cache *c = user;
    if (line->obj && entry_valid(line->obj))
        index_entry(c, line->obj, line->offset, line->len);
    return true;
}

struct jv_iqa_cache *jv_iqa_cache_open(const char *path, bool readonly, GError **err)
{
    struct jv_iqa_cache *c = g_new0(struct jv_iqa_cache, 1);
    g_mutex_init(&c->lock);
    c->path = g_strdup(path);
    c->fd = -1;
    c->read_fd = -1;
    c->readonly = readonly;
    c->by_path = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    c->by_hash = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return c;
        g_set_error(err, JV_ERROR, JV_ERR_IO, "cannot open IQA cache %s: %s", path,
                    g_strerror(errno));
        jv_iqa_cache_free(c);
        return NULL;
    }
    c->existed = true;
    c->read_fd = fd;
    struct jv_jsonl_stats st;
    GError *e = NULL;
    if (jv_jsonl_read_fd(fd, path, 0, load_line, c, &st, &e) < 0) {
        g_set_error(err, JV_ERROR, JV_ERR_IO, "IQA cache: %s", e->message);
        g_error_free(e);
        jv_iqa_cache_free(c);
        return NULL;
    }
    c->end = st.end;
    return c;
}

void jv_iqa_cache_free(struct jv_iqa_cache *c)
{
    if (!c)
        return;
    if (c->fd >= 0) {
        fsync(c->fd);
        close(c->fd);
    }
    if (c->read_fd >= 0)
        close(c->read_fd);
    g_hash_table_destroy(c->by_path);
    g_hash_table_destroy(c->by_hash);
    g_mutex_clear(&c->lock);
    g_free(c->path);
    g_free(c);
}

bool jv_iqa_cache_existed(const struct jv_iqa_cache *c)
{
    return c->existed;
}

/* Reads an indexed entry back from the file (new reference or NULL). */
static json_t *read_entry(struct jv_iqa_cache *c, const struct slot *sl)
{
    if (c->read_fd < 0 || sl->len == 0)
        return NULL;
    json_t *e = jv_jsonl_read_at(c->read_fd, sl->offset, sl->len, NULL);
    if (e && !entry_valid(e)) {
        json_decref(e);
        e = NULL;
    }
    return e;
}

void jv_iqa_cache_set_models(struct jv_iqa_cache *c, const char *nima, const char *musiq)
{
    g_mutex_lock(&c->lock);
    c->check_models = true;
    c->nima = g_intern_string(nima);
    c->musiq = g_intern_string(musiq);
    g_mutex_unlock(&c->lock);
}

/* Whether an entry has every requested group, its neural ones from this run's weights. */
static bool slot_serves(const struct jv_iqa_cache *c, const struct slot *sl, unsigned groups)
{
    if (!sl || (sl->groups & groups) != groups)
        return false;
    if (!c->check_models)
        return true;
    if ((groups & JV_IQA_NIMA) && (!sl->nima || sl->nima != c->nima))
        return false;
    return !(groups & JV_IQA_MUSIQ) || (sl->musiq && sl->musiq == c->musiq);
}

json_t *jv_iqa_cache_lookup(struct jv_iqa_cache *c, const char *path, int64_t size,
                            int64_t mtime_ns, const char *content_hash, unsigned groups)
{
    json_t *found = NULL;
    g_mutex_lock(&c->lock);
    const struct slot *sl = g_hash_table_lookup(c->by_path, path);
    if (sl && sl->size == size && sl->mtime_ns == mtime_ns && slot_serves(c, sl, groups))
        found = read_entry(c, sl);
    if (!found && content_hash) {
        sl = g_hash_table_lookup(c->by_hash, content_hash);
        if (slot_serves(c, sl, groups))
            found = read_entry(c, sl);
    }
    if (found)
        c->hits++;
    else
        c->misses++;
    g_mutex_unlock(&c->lock);
    return found;
}

int jv_iqa_cache_store(struct jv_iqa_cache *c, const char *path, int64_t size, int64_t mtime_ns,
                       const char *content_hash, unsigned groups, int width, int height,
                       const json_t *technical_signals, GError **err)
{
    if (c->readonly)
        return 0;
    char ts[JV_ISO8601_LEN];
    json_t *e = json_object();
    json_object_set_new(e, "image", json_string(path));
    json_object_set_new(e, "size", json_integer(size));
    json_object_set_new(e, "mtime_ns", json_integer(mtime_ns));
    json_object_set_new(e, "content_hash", json_string(content_hash));
    json_object_set_new(e, "metrics_version", json_integer(JV_IQA_METRICS_VERSION));
    json_object_set_new(e, "enabled", jv_iqa_groups_to_json(groups));
    if (c->check_models) {
        json_t *models = json_object();
        if ((groups & JV_IQA_NIMA) && c->nima)
            json_object_set_new(models, "nima", json_string(c->nima));
        if ((groups & JV_IQA_MUSIQ) && c->musiq)
            json_object_set_new(models, "musiq", json_string(c->musiq));
        json_object_set_new(e, "models", models);
    }
    json_object_set_new(e, "width", json_integer(width));
    json_object_set_new(e, "height", json_integer(height));
    json_object_set_new(e, "technical_signals", json_deep_copy(technical_signals));
    json_object_set_new(e, "timestamp", json_string(jv_clock_iso8601(jv_clock_wall(), ts)));
    int rc = -1;
    g_mutex_lock(&c->lock);
    if (c->fd < 0) {
        c->fd = jv_open_append(c->path, err);
        if (c->fd < 0)
            goto out;
        if (jv_truncate_torn_tail(c->fd, c->path, err) < 0)
            goto out;
        c->end = lseek(c->fd, 0, SEEK_END);
        if (c->read_fd < 0)
            c->read_fd = open(c->path, O_RDONLY | O_CLOEXEC);
    }
    size_t len = 0;
    rc = jv_jsonl_append(c->fd, e, c->path, &len, err);
    if (rc == 0) {
        index_entry(c, e, c->end, len);
        c->end += (off_t)len + 1;
    }
out:
    g_mutex_unlock(&c->lock);
    json_decref(e);
    return rc;
}

void jv_iqa_cache_sync(struct jv_iqa_cache *c)
{
    g_mutex_lock(&c->lock);
    if (c->fd >= 0)
        fsync(c->fd);
    g_mutex_unlock(&c->lock);
}

size_t jv_iqa_cache_hits(const struct jv_iqa_cache *c)
{
    return c->hits;
}

size_t jv_iqa_cache_misses(const struct jv_iqa_cache *c)
{
    return c->misses;
}

json_t *jv_iqa_cache_stats(const struct jv_iqa_cache *c)
{
    size_t total = c->hits + c->misses;
    return json_pack("{s:I,s:I,s:o,s:I,s:s}", "hits", (json_int_t)c->hits, "misses",
                     (json_int_t)c->misses, "hit_ratio",
                     total ? json_real((double)c->hits / (double)total) : json_null(), "entries",
                     (json_int_t)c->entries, "path", c->path);
}
