#include "core/jv.h"

#include <unistd.h>

#include "core/clock.h"
#include "core/fsutil.h"
#include "iqa/cache.h"

/* Cache files are read whole; this caps a runaway file (≈200k entries). */
#define CACHE_MAX_BYTES ((size_t)1 << 30)

struct jv_iqa_cache {
    GMutex lock;
    char *path;
    int fd; /* append fd, -1 when read-only or not yet opened */
    bool readonly;
    bool existed;
    GHashTable *by_path; /* abs path -> json_t entry (owned ref) */
    GHashTable *by_hash; /* content hash -> json_t entry (owned ref) */
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

static void index_entry(struct jv_iqa_cache *c, json_t *entry)
{
    const char *path = json_string_value(json_object_get(entry, "image"));
    const char *hash = json_string_value(json_object_get(entry, "content_hash"));
    if (path)
        g_hash_table_replace(c->by_path, g_strdup(path), json_incref(entry));
    if (hash)
        g_hash_table_replace(c->by_hash, g_strdup(hash), json_incref(entry));
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

static void load(struct jv_iqa_cache *c, const char *text, size_t len)
{
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            break; /* torn last line: skipped */
        json_error_t jerr;
        json_t *e = json_loadb(p, (size_t)(nl - p), 0, &jerr);
        if (e && entry_valid(e))
            index_entry(c, e);
        json_decref(e);
        p = nl + 1;
    }
}

struct jv_iqa_cache *jv_iqa_cache_open(const char *path, bool readonly, GError **err)
{
    struct jv_iqa_cache *c = g_new0(struct jv_iqa_cache, 1);
    g_mutex_init(&c->lock);
    c->path = g_strdup(path);
    c->fd = -1;
    c->readonly = readonly;
    c->by_path =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)json_decref);
    c->by_hash =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)json_decref);
    GError *rerr = NULL;
    size_t len = 0;
    char *text = jv_read_file(path, CACHE_MAX_BYTES, &len, &rerr);
    if (text) {
        c->existed = true;
        load(c, text, len);
        g_free(text);
    } else if (g_error_matches(rerr, JV_ERROR, JV_ERR_NOT_FOUND)) {
        g_clear_error(&rerr);
    } else {
        g_propagate_prefixed_error(err, rerr, "IQA cache: ");
        jv_iqa_cache_free(c);
        return NULL;
    }
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

static bool entry_covers(const json_t *e, unsigned groups)
{
    unsigned have = jv_iqa_groups_from_json(json_object_get(e, "enabled"));
    return (have & groups) == groups;
}

json_t *jv_iqa_cache_lookup(struct jv_iqa_cache *c, const char *path, int64_t size,
                            int64_t mtime_ns, const char *content_hash, unsigned groups)
{
    json_t *found = NULL;
    g_mutex_lock(&c->lock);
    json_t *e = g_hash_table_lookup(c->by_path, path);
    if (e && json_integer_value(json_object_get(e, "size")) == size &&
        json_integer_value(json_object_get(e, "mtime_ns")) == mtime_ns && entry_covers(e, groups))
        found = e;
    if (!found && content_hash) {
        e = g_hash_table_lookup(c->by_hash, content_hash);
        if (e && entry_covers(e, groups))
            found = e;
    }
    if (found)
        c->hits++;
    else
        c->misses++;
    g_mutex_unlock(&c->lock);
    return found ? json_incref(found) : NULL;
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
    json_object_set_new(e, "width", json_integer(width));
    json_object_set_new(e, "height", json_integer(height));
    json_object_set_new(e, "technical_signals", json_deep_copy(technical_signals));
    json_object_set_new(e, "timestamp", json_string(jv_clock_iso8601(jv_clock_wall(), ts)));
    char *line = json_dumps(e, JSON_COMPACT);
    int rc = -1;
    g_mutex_lock(&c->lock);
    if (c->fd < 0) {
        c->fd = jv_open_append(c->path, err);
        if (c->fd < 0)
            goto out;
        if (jv_truncate_torn_tail(c->fd, c->path, err) < 0)
            goto out;
    }
    GString *buf = g_string_new(line);
    g_string_append_c(buf, '\n');
    rc = jv_write_all(c->fd, buf->str, buf->len, c->path, err);
    g_string_free(buf, TRUE);
    if (rc == 0)
        index_entry(c, e);
out:
    g_mutex_unlock(&c->lock);
    free(line);
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
