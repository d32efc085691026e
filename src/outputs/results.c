/* results.c - the results JSONL: appends, resume, finalize, load and rewrite. */
#include "core/jv.h"

#include <fcntl.h>
#include <unistd.h>

#include "core/fsutil.h"
#include "core/jsonl.h"
#include "core/log.h"
#include "outputs/results.h"

/* What resume compares for one image. */
struct kept {
    char *hash, *sha, *model;
};

struct jv_resume_index {
    GHashTable *kept; /* image -> struct kept */
};

static void kept_free(gpointer p)
{
    struct kept *k = p;
    g_free(k->hash);
    g_free(k->sha);
    g_free(k->model);
    g_free(k);
}

static char *dup_field(const json_t *rec, enum jv_rec f)
{
    return g_strdup(jv_record_str(rec, f));
}

struct scan {
    jv_results_line_fn fn;
    void *user;
};

static bool scan_line(const struct jv_jsonl_line *line, void *user)
{
    struct scan *s = user;
    s->fn(line->obj, line->offset, line->len, s->user);
    return true;
}

int jv_results_scan(const char *path, jv_results_line_fn fn, void *user, GError **err)
{
    struct scan s = {fn, user};
    struct jv_jsonl_stats st;
    if (jv_jsonl_read(path, 0, scan_line, &s, &st, err) < 0)
        return -1;
    if (st.torn)
        fn(NULL, st.torn_offset, st.torn_len, user);
    return 0;
}

json_t *jv_results_read_at(int fd, off_t offset, size_t len)
{
    return jv_jsonl_read_at(fd, offset, len, NULL);
}

static void collect(const json_t *rec, off_t offset, size_t len, void *user)
{
    (void)offset;
    (void)len;
    if (rec)
        json_array_append(user, (json_t *)rec);
}

json_t *jv_results_load(const char *path, GError **err)
{
    json_t *arr = json_array();
    if (jv_results_scan(path, collect, arr, err) < 0) {
        json_decref(arr);
        return NULL;
    }
    return arr;
}

static char *serialise(const json_t *records)
{
    GString *out = g_string_new(NULL);
    size_t i;
    json_t *rec;
    json_array_foreach(records, i, rec)
    {
        size_t n = 0;
        char *line = jv_jsonl_encode(rec, &n);
        if (line)
            g_string_append_len(out, line, (gssize)n);
        g_free(line);
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

/*
 * Streams `src` into a temp file beside `path` through `copy`, then renames
 * it over `path`: readers see the old file or the new one, never a mix.
 */
struct rewrite {
    const char *path;
    int in_fd, out_fd;
    GError *err;
};

static int copy_line(struct rewrite *w, off_t offset, size_t len)
{
    if (w->err)
        return -1;
    char *buf = g_malloc(len + 1);
    ssize_t n = pread(w->in_fd, buf, len, offset);
    int rc = -1;
    if (n != (ssize_t)len) {
        g_set_error(&w->err, JV_ERROR, JV_ERR_IO, "cannot read %s: short read", w->path);
    } else {
        buf[len] = '\n';
        rc = jv_write_all(w->out_fd, buf, len + 1, w->path, &w->err);
    }
    g_free(buf);
    return rc;
}

static int rewrite_begin(struct rewrite *w, const char *path, char **tmp, GError **err)
{
    memset(w, 0, sizeof *w);
    w->path = path;
    w->in_fd = open(path, O_RDONLY | O_CLOEXEC);
    if (w->in_fd < 0) {
        g_set_error(err, JV_ERROR, JV_ERR_IO, "cannot open %s: %s", path, g_strerror(errno));
        return -1;
    }
    *tmp = g_strdup_printf("%s.tmp.%d", path, (int)getpid());
    w->out_fd = open(*tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (w->out_fd < 0) {
        g_set_error(err, JV_ERROR, JV_ERR_IO, "cannot create %s: %s", *tmp, g_strerror(errno));
        close(w->in_fd);
        return -1;
    }
    return 0;
}

static int rewrite_end(struct rewrite *w, const char *tmp, GError **err)
{
    int rc = 0;
    if (w->err) {
        g_propagate_error(err, w->err);
        w->err = NULL;
        rc = -1;
    } else if (fsync(w->out_fd) != 0 || rename(tmp, w->path) != 0) {
        g_set_error(err, JV_ERROR, JV_ERR_IO, "cannot replace %s: %s", w->path, g_strerror(errno));
        rc = -1;
    }
    close(w->out_fd);
    close(w->in_fd);
    if (rc < 0)
        unlink(tmp);
    return rc;
}

/* Resume: copy the ok lines, remember what they were judged with. */
struct keep_ok {
    struct jv_results *r;
    struct rewrite *w;
};

static void keep_ok_line(const json_t *rec, off_t offset, size_t len, void *user)
{
    struct keep_ok *k = user;
    const char *image = jv_record_str(rec, JV_REC_IMAGE);
    if (!image || !jv_record_is_ok(rec)) {
        k->r->dropped++;
        return;
    }
    if (copy_line(k->w, offset, len) < 0)
        return;
    struct kept *kp = g_new0(struct kept, 1);
    kp->hash = dup_field(rec, JV_REC_CONTENT_HASH);
    kp->sha = dup_field(rec, JV_REC_PROMPT_SHA256);
    kp->model = dup_field(rec, JV_REC_MODEL);
    g_hash_table_replace(k->r->resume->kept, g_strdup(image), kp);
}

int jv_results_open(struct jv_results *r, const char *path, int flush_every, bool fresh,
                    GError **err)
{
    memset(r, 0, sizeof *r);
    r->fd = -1;
    r->path = g_strdup(path);
    r->flush_every = flush_every > 0 ? flush_every : 1;
    r->resume = g_new0(struct jv_resume_index, 1);
    r->resume->kept = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, kept_free);
    r->taken = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    if (fresh && g_file_test(path, G_FILE_TEST_EXISTS)) {
        char *bak = jv_backup_numbered(path, true, err);
        if (!bak)
            return -1;
        jv_info("--fresh: previous results kept as %s", bak);
        g_free(bak);
    }
    if (g_file_test(path, G_FILE_TEST_EXISTS)) {
        struct rewrite w;
        char *tmp = NULL;
        if (rewrite_begin(&w, path, &tmp, err) < 0) {
            g_free(tmp);
            return -1;
        }
        struct keep_ok k = {.r = r, .w = &w};
        int rc = jv_results_scan(path, keep_ok_line, &k, err);
        if (rc == 0)
            rc = rewrite_end(&w, tmp, err);
        else {
            close(w.out_fd);
            close(w.in_fd);
            unlink(tmp);
        }
        g_free(tmp);
        if (rc < 0)
            return -1;
    } else if (jv_mkdir_parents(path, err) < 0) {
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
    if (r->resume) {
        g_hash_table_destroy(r->resume->kept);
        g_free(r->resume);
    }
    if (r->taken)
        g_hash_table_destroy(r->taken);
    g_free(r->path);
    memset(r, 0, sizeof *r);
    r->fd = -1;
}

const struct jv_resume_index *jv_results_resume_index(const struct jv_results *r)
{
    return r->resume;
}

bool jv_resume_index_matches(const struct jv_resume_index *ix, const char *image,
                             const char *content_hash, const char *prompt_sha256, const char *model)
{
    const struct kept *k = ix ? g_hash_table_lookup(ix->kept, image) : NULL;
    return k && g_strcmp0(k->hash, content_hash) == 0 && g_strcmp0(k->sha, prompt_sha256) == 0 &&
           g_strcmp0(k->model, model) == 0;
}

bool jv_resume_index_has(const struct jv_resume_index *ix, const char *image)
{
    return ix && g_hash_table_contains(ix->kept, image);
}

struct otherwise {
    const char *sha, *model;
    bool found;
};

static void judged_otherwise_line(const json_t *rec, off_t offset, size_t len, void *user)
{
    (void)offset;
    (void)len;
    struct otherwise *o = user;
    if (rec && jv_record_is_ok(rec) &&
        (g_strcmp0(jv_record_str(rec, JV_REC_PROMPT_SHA256), o->sha) != 0 ||
         g_strcmp0(jv_record_str(rec, JV_REC_MODEL), o->model) != 0))
        o->found = true;
}

bool jv_results_judged_otherwise(const char *path, const char *prompt_sha256, const char *model)
{
    struct otherwise o = {prompt_sha256, model, false};
    if (!g_file_test(path, G_FILE_TEST_EXISTS) ||
        jv_results_scan(path, judged_otherwise_line, &o, NULL) < 0)
        return false;
    return o.found;
}

bool jv_resume_index_has_judged(const struct jv_resume_index *ix, const char *image,
                                const char *prompt_sha256, const char *model)
{
    const struct kept *k = ix ? g_hash_table_lookup(ix->kept, image) : NULL;
    return k && g_strcmp0(k->sha, prompt_sha256) == 0 && g_strcmp0(k->model, model) == 0;
}

bool jv_results_take_resumable(struct jv_results *r, const char *image, const char *content_hash,
                               const char *prompt_sha256, const char *model)
{
    if (g_hash_table_contains(r->taken, image) ||
        !jv_resume_index_matches(r->resume, image, content_hash, prompt_sha256, model))
        return false;
    g_hash_table_add(r->taken, g_strdup(image));
    return true;
}

size_t jv_results_untaken(const struct jv_results *r)
{
    return g_hash_table_size(r->resume->kept) - g_hash_table_size(r->taken);
}

int jv_results_append(struct jv_results *r, const json_t *record, GError **err)
{
    /* A write cut short (disk full) leaves no torn line behind: cut it off again. */
    off_t end = lseek(r->fd, 0, SEEK_END);
    int rc = jv_jsonl_append(r->fd, record, r->path, NULL, err);
    if (rc < 0 && end >= 0 && ftruncate(r->fd, end) != 0)
        jv_warn("%s: cannot cut off a partly written line: %s", r->path, g_strerror(errno));
    if (rc == 0 && ++r->unsynced >= r->flush_every)
        rc = jv_results_sync(r, err);
    return rc;
}

int jv_results_sync(struct jv_results *r, GError **err)
{
    r->unsynced = 0;
    if (r->fd >= 0 && fsync(r->fd) != 0) {
        g_set_error(err, JV_ERROR, JV_ERR_IO, "cannot sync %s: %s", r->path, g_strerror(errno));
        return -1;
    }
    return 0;
}

/* Finalize: the latest line of each image, by image path. */
struct line_ref {
    char *image;
    off_t offset;
    size_t len;
    bool ok;
};

static void line_ref_free(gpointer p)
{
    struct line_ref *l = p;
    g_free(l->image);
    g_free(l);
}

struct index {
    GHashTable *latest; /* image -> struct line_ref (owned) */
    GHashTable *keep;
};

static void index_line(const json_t *rec, off_t offset, size_t len, void *user)
{
    struct index *ix = user;
    const char *image = jv_record_str(rec, JV_REC_IMAGE);
    if (!image || (ix->keep && !g_hash_table_contains(ix->keep, image)))
        return;
    const struct line_ref *prev = g_hash_table_lookup(ix->latest, image);
    bool ok = jv_record_is_ok(rec);
    if (prev && prev->ok && !ok)
        return; /* a failed attempt never replaces an ok record */
    struct line_ref *l = g_new0(struct line_ref, 1);
    l->image = g_strdup(image);
    l->offset = offset;
    l->len = len;
    l->ok = ok;
    g_hash_table_replace(ix->latest, l->image, l);
}

static gint by_ref_image(gconstpointer a, gconstpointer b)
{
    const struct line_ref *x = *(struct line_ref *const *)a, *y = *(struct line_ref *const *)b;
    return strcmp(x->image, y->image);
}

int jv_results_finalize(const char *path, GHashTable *keep, GError **err)
{
    struct index ix = {
        .latest = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, line_ref_free),
        .keep = keep,
    };
    int rc = jv_results_scan(path, index_line, &ix, err);
    if (rc < 0) {
        g_hash_table_destroy(ix.latest);
        return -1;
    }
    GPtrArray *refs = g_ptr_array_sized_new(g_hash_table_size(ix.latest));
    GHashTableIter it;
    gpointer key, value;
    g_hash_table_iter_init(&it, ix.latest);
    while (g_hash_table_iter_next(&it, &key, &value))
        g_ptr_array_add(refs, value);
    g_ptr_array_sort(refs, by_ref_image);
    struct rewrite w;
    char *tmp = NULL;
    rc = rewrite_begin(&w, path, &tmp, err);
    if (rc == 0) {
        for (guint i = 0; i < refs->len; i++) {
            struct line_ref *l = refs->pdata[i];
            copy_line(&w, l->offset, l->len);
        }
        rc = rewrite_end(&w, tmp, err);
    }
    g_free(tmp);
    g_ptr_array_unref(refs);
    g_hash_table_destroy(ix.latest);
    return rc;
}
