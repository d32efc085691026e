#include "core/jv.h"

#include <fcntl.h>
#include <unistd.h>

#include "core/fsutil.h"
#include "core/log.h"
#include "run/results.h"

#define RESULTS_MAX_BYTES ((size_t)2 << 30)

static json_t *parse_lines(const char *text, size_t len, size_t *bad)
{
    json_t *arr = json_array();
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *stop = nl ? nl : end;
        if (stop > p) {
            json_t *rec = NULL;
            if (nl) /* a last line without newline is torn: never trusted */
                rec = json_loadb(p, (size_t)(stop - p), 0, NULL);
            if (json_is_object(rec))
                json_array_append_new(arr, rec);
            else {
                json_decref(rec);
                if (bad)
                    (*bad)++;
            }
        }
        p = nl ? nl + 1 : end;
    }
    return arr;
}

json_t *jv_results_load(const char *path, GError **err)
{
    size_t len = 0;
    char *text = jv_read_file(path, RESULTS_MAX_BYTES, &len, err);
    if (!text)
        return NULL;
    json_t *arr = parse_lines(text, len, NULL);
    g_free(text);
    return arr;
}

static char *serialise(const json_t *records)
{
    GString *out = g_string_new(NULL);
    size_t i;
    json_t *rec;
    json_array_foreach(records, i, rec)
    {
        char *line = json_dumps(rec, JSON_COMPACT);
        g_string_append(out, line);
        g_string_append_c(out, '\n');
        free(line);
    }
    return g_string_free(out, FALSE);
}

int jv_results_rewrite(const char *path, const json_t *records, GError **err)
{
    char *text = serialise(records);
    int rc = jv_write_file_atomic(path, text, strlen(text), err);
    g_free(text);
    return rc;
}

int jv_results_open(struct jv_results *r, const char *path, int flush_every, bool fresh,
                    GError **err)
{
    memset(r, 0, sizeof *r);
    r->fd = -1;
    r->path = g_strdup(path);
    r->flush_every = flush_every > 0 ? flush_every : 1;
    r->kept = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)json_decref);
    if (fresh && g_file_test(path, G_FILE_TEST_EXISTS)) {
        char *bak = g_strdup_printf("%s.bak", path);
        if (rename(path, bak) != 0) {
            g_set_error(err, JV_ERROR, JV_ERR_IO, "cannot move %s to %s: %s", path, bak,
                        g_strerror(errno));
            g_free(bak);
            return -1;
        }
        jv_info("--fresh: previous results kept as %s", bak);
        g_free(bak);
    }
    GError *rerr = NULL;
    size_t len = 0;
    char *text = jv_read_file(path, RESULTS_MAX_BYTES, &len, &rerr);
    if (text) {
        size_t bad = 0;
        json_t *all = parse_lines(text, len, &bad);
        g_free(text);
        json_t *keep = json_array();
        size_t i;
        json_t *rec;
        json_array_foreach(all, i, rec)
        {
            const char *image = json_string_value(json_object_get(rec, "image"));
            const char *status = json_string_value(json_object_get(rec, "status"));
            if (image && g_strcmp0(status, "ok") == 0) {
                g_hash_table_replace(r->kept, g_strdup(image), json_incref(rec));
            } else {
                r->dropped++;
            }
        }
        r->dropped += bad;
        /* Later lines win; rewrite the survivors so appends start clean. */
        GHashTableIter it;
        gpointer k, v;
        g_hash_table_iter_init(&it, r->kept);
        while (g_hash_table_iter_next(&it, &k, &v))
            json_array_append(keep, v);
        json_decref(all);
        int rc = jv_results_rewrite(path, keep, err);
        json_decref(keep);
        if (rc < 0)
            return -1;
    } else if (g_error_matches(rerr, JV_ERROR, JV_ERR_NOT_FOUND)) {
        g_clear_error(&rerr);
    } else {
        g_propagate_prefixed_error(err, rerr, "results: ");
        return -1;
    }
    r->fd = jv_open_append(path, err);
    return r->fd < 0 ? -1 : 0;
}

void jv_results_close(struct jv_results *r)
{
    if (r->fd >= 0) {
        fsync(r->fd);
        close(r->fd);
    }
    if (r->kept)
        g_hash_table_destroy(r->kept);
    g_free(r->path);
    memset(r, 0, sizeof *r);
    r->fd = -1;
}

json_t *jv_results_take_resumable(struct jv_results *r, const char *image, const char *content_hash,
                                  const char *prompt_sha256, const char *model)
{
    json_t *rec = g_hash_table_lookup(r->kept, image);
    if (!rec)
        return NULL;
    if (g_strcmp0(json_string_value(json_object_get(rec, "content_hash")), content_hash) != 0 ||
        g_strcmp0(json_string_value(json_object_get(rec, "prompt_sha256")), prompt_sha256) != 0 ||
        g_strcmp0(json_string_value(json_object_get(rec, "model")), model) != 0)
        return NULL;
    json_incref(rec);
    g_hash_table_remove(r->kept, image);
    return rec;
}

size_t jv_results_untaken(const struct jv_results *r)
{
    return g_hash_table_size(r->kept);
}

int jv_results_append(struct jv_results *r, const json_t *record, GError **err)
{
    char *line = json_dumps(record, JSON_COMPACT);
    size_t n = strlen(line);
    char *buf = g_malloc(n + 1);
    memcpy(buf, line, n);
    buf[n] = '\n';
    free(line);
    int rc = jv_write_all(r->fd, buf, n + 1, r->path, err);
    g_free(buf);
    if (rc == 0 && ++r->unsynced >= r->flush_every)
        jv_results_sync(r);
    return rc;
}

void jv_results_sync(struct jv_results *r)
{
    if (r->fd >= 0)
        fsync(r->fd);
    r->unsynced = 0;
}

static gint by_image(gconstpointer a, gconstpointer b)
{
    const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    return g_strcmp0(json_string_value(json_object_get(x, "image")),
                     json_string_value(json_object_get(y, "image")));
}

void jv_results_sort(json_t *records)
{
    size_t n = json_array_size(records);
    GPtrArray *tmp = g_ptr_array_sized_new((guint)n);
    for (size_t i = 0; i < n; i++)
        g_ptr_array_add(tmp, json_incref(json_array_get(records, i)));
    g_ptr_array_sort(tmp, by_image);
    json_array_clear(records);
    for (guint i = 0; i < tmp->len; i++)
        json_array_append_new(records, tmp->pdata[i]);
    g_ptr_array_free(tmp, TRUE);
}
