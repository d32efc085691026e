/* runs.c - the runs the web page shows: found, read, edited (overrides), exported. */
#include "core/jv.h"

#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/fsutil.h"
#include "core/jsonl.h"
#include "core/limits.h"
#include "input/registry.h"
#include "outputs/layout.h"
#include "outputs/record.h"
#include "web/guard.h"
#include "web/runs.h"

#define JV_SCAN_DEPTH 6

/* What the page's edits add to a record they change (not record fields). */
#define ORIGINAL_TOTAL "original_critique_total"
#define ORIGINAL_AWARD "original_critique_award"
#define OVERRIDE       "override"

struct jv_web_runs {
    char *root;
    char *key; /* the run ids' secret */
    GMutex lock;
    GHashTable *by_id;  /* id -> struct jv_web_run * */
    GHashTable *images; /* id -> struct image_list * */
    GHashTable *inputs; /* id -> struct input_list * */
};

struct image_list {
    gint64 mtime_ns;
    gint64 size;
    GPtrArray *paths; /* char *, NULL for a record without an absolute image path */
};

static void image_list_free(gpointer p)
{
    struct image_list *l = p;
    g_ptr_array_free(l->paths, TRUE);
    g_free(l);
}

/* A run's input folders, from its manifest while that keeps its size and mtime. */
struct input_list {
    gint64 mtime_ns;
    gint64 size;
    char **dirs;
    bool follow;
};

static void input_list_free(gpointer p)
{
    struct input_list *l = p;
    g_strfreev(l->dirs);
    g_free(l);
}

/* Serialises read-modify-write of overrides files across connections. */
static GMutex overrides_lock;

void jv_web_run_free(struct jv_web_run *run)
{
    if (!run)
        return;
    g_free(run->root);
    g_free(run->name);
    g_free(run->results);
    g_free(run->manifest);
    g_free(run->matches);
    g_free(run->overrides);
    g_free(run);
}

static struct jv_web_run *run_copy(const struct jv_web_run *r)
{
    struct jv_web_run *c = g_new0(struct jv_web_run, 1);
    memcpy(c->id, r->id, sizeof c->id);
    c->root = g_strdup(r->root);
    c->name = g_strdup(r->name);
    c->results = g_strdup(r->results);
    c->manifest = g_strdup(r->manifest);
    c->matches = g_strdup(r->matches);
    c->overrides = g_strdup(r->overrides);
    return c;
}

struct jv_web_runs *jv_web_runs_new(const char *root, const char *key)
{
    struct jv_web_runs *runs = g_new0(struct jv_web_runs, 1);
    runs->root = jv_abspath(root);
    runs->key = g_strdup(key);
    g_mutex_init(&runs->lock);
    runs->by_id =
        g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)jv_web_run_free);
    runs->images = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, image_list_free);
    runs->inputs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, input_list_free);
    return runs;
}

void jv_web_runs_free(struct jv_web_runs *runs)
{
    if (!runs)
        return;
    g_hash_table_destroy(runs->by_id);
    g_hash_table_destroy(runs->images);
    g_hash_table_destroy(runs->inputs);
    g_mutex_clear(&runs->lock);
    g_free(runs->root);
    g_free(runs->key);
    g_free(runs);
}

bool jv_web_run_id_valid(const char *id)
{
    if (!id || strlen(id) != JV_WEB_RUN_ID_LEN - 1)
        return false;
    for (const char *p = id; *p; p++)
        if (!g_ascii_isdigit(*p) && !(*p >= 'a' && *p <= 'f'))
            return false;
    return true;
}

static bool first_object(const struct jv_jsonl_line *line, void *user)
{
    json_t **first = user;
    if (line->obj && line->len <= JV_LIMIT_RESULTS_FIRST_LINE)
        *first = json_incref(line->obj);
    return false;
}

/* A results file, not a matches log or cache: its first line is a record. */
static bool looks_like_results(const char *root, const char *path)
{
    json_t *j = NULL;
    int fd = jv_web_open_beneath(root, path, NULL);
    if (fd >= 0) {
        jv_jsonl_read_fd(fd, path, JV_LIMIT_RESULTS, first_object, &j, NULL, NULL);
        close(fd);
    }
    bool ok = j && jv_record_get(j, JV_REC_IMAGE) &&
              (jv_record_get(j, JV_REC_CRITIQUE_TOTAL) || jv_record_get(j, JV_REC_SCHEMA_VERSION));
    json_decref(j);
    return ok;
}

static void add_run(struct jv_web_runs *runs, GHashTable *table, const char *path)
{
    size_t rl = strlen(runs->root);
    const char *rel = path + rl;
    while (*rel == '/')
        rel++;
    char *manifest = jv_layout_manifest_path(path);
    if (!jv_web_file_beneath(runs->root, manifest) && !looks_like_results(runs->root, path)) {
        g_free(manifest);
        return;
    }
    struct jv_web_run *r = g_new0(struct jv_web_run, 1);
    jv_web_run_id_make(runs->key, rel, r->id);
    r->root = g_strdup(runs->root);
    /* A round's results (<outputs>/results/ROUND.jsonl) go by the round's name. */
    bool round = g_str_has_prefix(rel, JV_LAYOUT_RESULTS_DIR "/") &&
                 !strchr(rel + strlen(JV_LAYOUT_RESULTS_DIR "/"), '/');
    r->name = round ? jv_layout_round_of(rel) : jv_layout_results_stem(rel);
    r->results = g_strdup(path);
    r->manifest = manifest;
    r->matches = jv_layout_matches_path(path);
    r->overrides = jv_layout_overrides_path(path);
    g_hash_table_replace(table, r->id, r);
}

static void scan_dir(struct jv_web_runs *runs, GHashTable *table, const char *dir, int depth)
{
    if (depth > JV_SCAN_DEPTH)
        return;
    GDir *d = g_dir_open(dir, 0, NULL);
    if (!d)
        return;
    const char *name;
    while ((name = g_dir_read_name(d))) {
        if (name[0] == '.')
            continue;
        char *path = g_build_filename(dir, name, NULL);
        struct stat st;
        /* lstat: symbolic links are not followed, so no loops and no escape. */
        if (lstat(path, &st) == 0) {
            if (S_ISDIR(st.st_mode)) {
                if (strcmp(name, "thumbs") != 0 && strcmp(name, "gui") != 0)
                    scan_dir(runs, table, path, depth + 1);
            } else if (S_ISREG(st.st_mode) && jv_layout_is_results_name(name) &&
                       !jv_layout_is_matches_log(name)) {
                add_run(runs, table, path);
            }
        }
        g_free(path);
    }
    g_dir_close(d);
}

static void rescan_locked(struct jv_web_runs *runs)
{
    g_hash_table_remove_all(runs->by_id);
    scan_dir(runs, runs->by_id, runs->root, 0);
}

static json_t *manifest_summary(const char *root, const char *path)
{
    char *text = jv_web_read_beneath(root, path, JV_LIMIT_MANIFEST, NULL, NULL);
    if (!text)
        return json_null();
    json_t *m = json_loads(text, 0, NULL);
    g_free(text);
    if (!json_is_object(m)) {
        json_decref(m);
        return json_null();
    }
    static const char *const keys[] = {"run_id",     "status",       "started",
                                       "finished",   "wall_seconds", "images",
                                       "git_commit", "prompt",       "tool_version"};
    json_t *s = json_object();
    for (size_t i = 0; i < JV_ARRAY_LEN(keys); i++) {
        json_t *v = json_object_get(m, keys[i]);
        if (v)
            json_object_set(s, keys[i], v);
    }
    json_decref(m);
    return s;
}

static gint cmp_mtime_desc(gconstpointer a, gconstpointer b)
{
    json_int_t ma = json_integer_value(json_object_get(*(json_t *const *)a, "mtime"));
    json_int_t mb = json_integer_value(json_object_get(*(json_t *const *)b, "mtime"));
    if (ma != mb)
        return ma < mb ? 1 : -1;
    return g_strcmp0(json_string_value(json_object_get(*(json_t *const *)a, "name")),
                     json_string_value(json_object_get(*(json_t *const *)b, "name")));
}

json_t *jv_web_runs_list(struct jv_web_runs *runs)
{
    GPtrArray *items = g_ptr_array_new();
    g_mutex_lock(&runs->lock);
    rescan_locked(runs);
    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init(&it, runs->by_id);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
        struct jv_web_run *r = v;
        struct stat st;
        if (lstat(r->results, &st) != 0)
            continue;
        bool has_manifest = jv_web_file_beneath(r->root, r->manifest);
        json_t *o =
            json_pack("{s:s, s:s, s:I, s:I, s:b, s:b, s:b}", "id", r->id, "name", r->name, "mtime",
                      (json_int_t)st.st_mtime, "size", (json_int_t)st.st_size, "has_manifest",
                      has_manifest, "has_matches", jv_web_file_beneath(r->root, r->matches),
                      "has_overrides", jv_web_file_beneath(r->root, r->overrides));
        json_object_set_new(o, "manifest",
                            has_manifest ? manifest_summary(r->root, r->manifest) : json_null());
        g_ptr_array_add(items, o);
    }
    g_mutex_unlock(&runs->lock);
    g_ptr_array_sort(items, cmp_mtime_desc);
    json_t *arr = json_array();
    for (guint i = 0; i < items->len; i++)
        json_array_append_new(arr, g_ptr_array_index(items, i));
    g_ptr_array_free(items, TRUE);
    return arr;
}

struct jv_web_run *jv_web_runs_find(struct jv_web_runs *runs, const char *id, GError **err)
{
    if (!jv_web_run_id_valid(id)) {
        g_set_error(err, JV_ERROR, JV_ERR_USAGE, "malformed run id");
        return NULL;
    }
    struct jv_web_run *copy = NULL;
    g_mutex_lock(&runs->lock);
    struct jv_web_run *r = g_hash_table_lookup(runs->by_id, id);
    if (!r) {
        rescan_locked(runs);
        r = g_hash_table_lookup(runs->by_id, id);
    }
    if (r)
        copy = run_copy(r);
    g_mutex_unlock(&runs->lock);
    if (!copy)
        g_set_error(err, JV_ERROR, JV_ERR_NOT_FOUND, "no run with id %s", id);
    return copy;
}

static bool collect_object(const struct jv_jsonl_line *line, void *user)
{
    if (line->obj)
        json_array_append(user, line->obj);
    return true;
}

json_t *jv_web_read_objects(const char *root, const char *path, size_t max_bytes, GError **err)
{
    int fd = jv_web_open_beneath(root, path, err);
    if (fd < 0)
        return NULL;
    json_t *arr = json_array();
    int rc = jv_jsonl_read_fd(fd, path, max_bytes, collect_object, arr, NULL, err);
    close(fd);
    if (rc < 0) {
        json_decref(arr);
        return NULL;
    }
    return arr;
}

json_t *jv_web_run_load_records(const struct jv_web_run *run, GError **err)
{
    return jv_web_read_objects(run->root, run->results, JV_LIMIT_RESULTS, err);
}

char *jv_web_runs_image(struct jv_web_runs *runs, const struct jv_web_run *run, size_t idx,
                        GError **err)
{
    struct stat st;
    if (stat(run->results, &st) != 0) {
        g_set_error(err, JV_ERROR, JV_ERR_NOT_FOUND, "%s: %s", run->name, g_strerror(errno));
        return NULL;
    }
    gint64 mtime = (gint64)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
    char *found = NULL;
    bool known = false;
    g_mutex_lock(&runs->lock);
    struct image_list *l = g_hash_table_lookup(runs->images, run->id);
    if (l && l->mtime_ns == mtime && l->size == (gint64)st.st_size) {
        known = true;
        if (idx < l->paths->len)
            found = g_strdup(g_ptr_array_index(l->paths, idx));
    }
    g_mutex_unlock(&runs->lock);
    if (!known) {
        json_t *records = jv_web_run_load_records(run, err);
        if (!records)
            return NULL;
        l = g_new0(struct image_list, 1);
        l->mtime_ns = mtime;
        l->size = (gint64)st.st_size;
        l->paths = g_ptr_array_new_with_free_func(g_free);
        size_t i;
        json_t *r;
        json_array_foreach(records, i, r)
        {
            char *img = jv_record_image_path(r); /* the raw path, not the display text */
            if (img && !g_path_is_absolute(img))
                g_clear_pointer(&img, g_free);
            g_ptr_array_add(l->paths, img);
        }
        json_decref(records);
        if (idx < l->paths->len)
            found = g_strdup(g_ptr_array_index(l->paths, idx));
        g_mutex_lock(&runs->lock);
        if (g_hash_table_size(runs->images) >= 8)
            g_hash_table_remove_all(runs->images);
        g_hash_table_replace(runs->images, g_strdup(run->id), l);
        g_mutex_unlock(&runs->lock);
    }
    if (!found)
        g_set_error(err, JV_ERROR, JV_ERR_NOT_FOUND, "run %s has no image for record %zu", run->id,
                    idx);
    return found;
}

/* The run's input folders (owned copy) from the cache or its manifest; NULL with err. */
static char **run_inputs(struct jv_web_runs *runs, const struct jv_web_run *run, bool *follow,
                         GError **err)
{
    struct stat st;
    if (lstat(run->manifest, &st) != 0) {
        g_set_error(err, JV_WEB_GUARD_ERROR, JV_WEB_GUARD_REFUSED,
                    "run %s has no manifest naming its input folders", run->name);
        return NULL;
    }
    gint64 mtime = (gint64)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
    char **dirs = NULL;
    g_mutex_lock(&runs->lock);
    struct input_list *l = g_hash_table_lookup(runs->inputs, run->id);
    if (l && l->mtime_ns == mtime && l->size == (gint64)st.st_size) {
        dirs = g_strdupv(l->dirs);
        *follow = l->follow;
    }
    g_mutex_unlock(&runs->lock);
    if (dirs)
        return dirs;
    char *text = jv_web_read_beneath(run->root, run->manifest, JV_LIMIT_MANIFEST, NULL, err);
    if (!text)
        return NULL;
    json_t *m = json_loads(text, 0, NULL);
    g_free(text);
    l = g_new0(struct input_list, 1);
    l->mtime_ns = mtime;
    l->size = (gint64)st.st_size;
    l->dirs = jv_web_manifest_inputs(m, &l->follow);
    json_decref(m);
    dirs = g_strdupv(l->dirs);
    *follow = l->follow;
    g_mutex_lock(&runs->lock);
    if (g_hash_table_size(runs->inputs) >= 8)
        g_hash_table_remove_all(runs->inputs);
    g_hash_table_replace(runs->inputs, g_strdup(run->id), l);
    g_mutex_unlock(&runs->lock);
    return dirs;
}

int jv_web_runs_open_photo(struct jv_web_runs *runs, const struct jv_web_run *run,
                           const char *image, char **real, GError **err)
{
    bool follow = false;
    char **dirs = run_inputs(runs, run, &follow, err);
    if (!dirs)
        return -1;
    int fd = jv_web_open_photo(dirs, follow, image, real, err);
    g_strfreev(dirs);
    return fd;
}

static json_t *load_overrides_file(const char *root, const char *path, GError **err)
{
    GError *e = NULL;
    char *text = jv_web_read_beneath(root, path, JV_LIMIT_OVERRIDES, NULL, &e);
    if (!text && g_error_matches(e, JV_ERROR, JV_ERR_NOT_FOUND)) {
        g_error_free(e);
        return json_pack("{s:i, s:{}}", "schema_version", 1, "overrides");
    }
    if (!text) {
        g_propagate_error(err, e);
        return NULL;
    }
    json_error_t je;
    json_t *j = json_loads(text, 0, &je);
    g_free(text);
    if (!json_is_object(j) || !json_is_object(json_object_get(j, "overrides"))) {
        g_set_error(err, JV_ERROR, JV_ERR_PARSE, "%s: not an overrides file (%s)", path,
                    j ? "no \"overrides\" object" : je.text);
        json_decref(j);
        return NULL;
    }
    return j;
}

json_t *jv_web_run_load_overrides(const struct jv_web_run *run, GError **err)
{
    json_t *file = load_overrides_file(run->root, run->overrides, err);
    if (!file)
        return NULL;
    json_t *o = json_incref(json_object_get(file, "overrides"));
    json_decref(file);
    return o;
}

void jv_web_apply_overrides(json_t *records, json_t *overrides)
{
    size_t i;
    json_t *rec;
    if (!json_is_object(overrides) || json_object_size(overrides) == 0)
        return;
    json_array_foreach(records, i, rec)
    {
        const char *image = jv_record_str(rec, JV_REC_IMAGE);
        json_t *ov = image ? json_object_get(overrides, image) : NULL;
        if (!json_is_object(ov))
            continue;
        json_t *score = json_object_get(ov, "score");
        json_t *award = json_object_get(ov, "award");
        if (json_is_integer(score)) {
            json_t *orig = jv_record_get(rec, JV_REC_CRITIQUE_TOTAL);
            json_object_set(rec, ORIGINAL_TOTAL, orig ? orig : json_null());
            jv_record_set(rec, JV_REC_CRITIQUE_TOTAL, json_incref(score));
        }
        if (json_is_string(award)) {
            json_t *orig = jv_record_get(rec, JV_REC_CRITIQUE_AWARD);
            json_object_set(rec, ORIGINAL_AWARD, orig ? orig : json_null());
            jv_record_set(rec, JV_REC_CRITIQUE_AWARD, json_incref(award));
        }
        json_object_set(rec, OVERRIDE, ov);
    }
}

void jv_web_apply_band_awards(json_t *records, const struct jv_competition *comp)
{
    size_t i;
    json_t *rec;
    json_array_foreach(records, i, rec)
    {
        json_t *ov = json_object_get(rec, OVERRIDE);
        json_t *score = json_object_get(ov, "score");
        if (!json_is_integer(score) || json_is_string(json_object_get(ov, "award")))
            continue;
        json_t *orig = jv_record_get(rec, JV_REC_CRITIQUE_AWARD);
        json_object_set(rec, ORIGINAL_AWARD, orig ? orig : json_null());
        jv_record_set_str(rec, JV_REC_CRITIQUE_AWARD,
                          jv_competition_award_for(comp, (int)json_integer_value(score)));
    }
}

static char *now_iso(void)
{
    GDateTime *dt = g_date_time_new_now_utc();
    char *s = g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ");
    g_date_time_unref(dt);
    return s;
}

/* Validates one edit and applies it to `ov` (the overrides object). */
static int apply_edit(json_t *ov, json_t *edit, json_t *records, int lo, int hi, GError **err)
{
    if (!json_is_object(edit)) {
        g_set_error(err, JV_ERROR, JV_ERR_PARSE, "an edit must be a JSON object");
        return -1;
    }
    const char *image = NULL;
    json_t *idx = json_object_get(edit, "idx");
    json_t *img = json_object_get(edit, "image");
    if (json_is_integer(idx)) {
        json_int_t n = json_integer_value(idx);
        if (n < 0 || (size_t)n >= json_array_size(records)) {
            g_set_error(err, JV_ERROR, JV_ERR_PARSE,
                        "record index %" JSON_INTEGER_FORMAT " out of range", n);
            return -1;
        }
        image = jv_record_str(json_array_get(records, (size_t)n), JV_REC_IMAGE);
    } else if (json_is_string(img)) {
        size_t i;
        json_t *rec;
        json_array_foreach(records, i, rec)
        {
            const char *s = jv_record_str(rec, JV_REC_IMAGE);
            if (s && strcmp(s, json_string_value(img)) == 0) {
                image = s;
                break;
            }
        }
    }
    if (!image) {
        g_set_error(err, JV_ERROR, JV_ERR_PARSE, "the edit names no record of this run");
        return -1;
    }
    json_t *score = json_object_get(edit, "score");
    json_t *award = json_object_get(edit, "award");
    if (score && !json_is_null(score) &&
        (!json_is_integer(score) || json_integer_value(score) < lo ||
         json_integer_value(score) > hi)) {
        g_set_error(err, JV_ERROR, JV_ERR_PARSE, "score must be an integer %d-%d or null", lo, hi);
        return -1;
    }
    if (award && !json_is_null(award) &&
        (!json_is_string(award) || json_string_length(award) > 64)) {
        g_set_error(err, JV_ERROR, JV_ERR_PARSE,
                    "award must be a string (at most 64 bytes) or null");
        return -1;
    }
    bool has_score = json_is_integer(score);
    bool has_award = json_is_string(award);
    if (!has_score && !has_award) {
        json_object_del(ov, image);
        return 0;
    }
    json_t *e = json_object();
    if (has_score)
        json_object_set(e, "score", score);
    if (has_award)
        json_object_set(e, "award", award);
    char *ts = now_iso();
    json_object_set_new(e, "updated", json_string(ts));
    g_free(ts);
    json_object_set_new(ov, image, e);
    return 0;
}

json_t *jv_web_run_save_overrides(const struct jv_web_run *run, json_t *body,
                                  const struct jv_competition *comp, GError **err)
{
    /* the competition's scale, else the rubric's own 0-20 */
    int lo = comp ? comp->scale_min : JV_SCALE_MIN_DEFAULT;
    int hi = comp ? comp->scale_max : JV_SCALE_MAX_DEFAULT;
    json_t *result = NULL;
    json_t *records = NULL;
    json_t *file = NULL;
    char *text = NULL;

    if (!json_is_object(body)) {
        g_set_error(err, JV_ERROR, JV_ERR_PARSE, "the request body must be a JSON object");
        return NULL;
    }
    g_mutex_lock(&overrides_lock);
    records = jv_web_run_load_records(run, err);
    if (!records)
        goto out;
    file = load_overrides_file(run->root, run->overrides, err);
    if (!file)
        goto out;
    json_t *ov = json_object_get(file, "overrides");
    json_t *edits = json_object_get(body, "edits");
    if (edits) {
        if (!json_is_array(edits)) {
            g_set_error(err, JV_ERROR, JV_ERR_PARSE, "\"edits\" must be an array");
            goto out;
        }
        size_t i;
        json_t *e;
        json_array_foreach(edits, i, e) if (apply_edit(ov, e, records, lo, hi, err) < 0) goto out;
    } else if (apply_edit(ov, body, records, lo, hi, err) < 0) {
        goto out;
    }
    char *ts = now_iso();
    json_object_set_new(file, "updated", json_string(ts));
    g_free(ts);
    char *base = g_path_get_basename(run->results);
    json_object_set_new(file, "results", json_string(base));
    g_free(base);
    text = json_dumps(file, JSON_INDENT(2) | JSON_SORT_KEYS);
    if (!text) {
        g_set_error(err, JV_ERROR, JV_ERR_FAILED, "cannot encode the overrides");
        goto out;
    }
    if (jv_write_file_atomic(run->overrides, text, strlen(text), err) < 0)
        goto out;
    result = json_incref(ov);
out:
    g_mutex_unlock(&overrides_lock);
    free(text);
    json_decref(file);
    json_decref(records);
    return result;
}

/* ---- CSV ---- */

static void csv_text(GString *s, const char *v)
{
    if (!v)
        return;
    /* A cell starting with these is a formula to a spreadsheet. */
    bool guard = strchr("=+-@\t\r", v[0]) != NULL && v[0] != '\0';
    if (!guard && !strpbrk(v, ",\"\r\n")) {
        g_string_append(s, v);
        return;
    }
    g_string_append_c(s, '"');
    if (guard)
        g_string_append_c(s, '\'');
    for (const char *p = v; *p; p++) {
        if (*p == '"')
            g_string_append_c(s, '"');
        g_string_append_c(s, *p);
    }
    g_string_append_c(s, '"');
}

static void csv_num(GString *s, json_t *v)
{
    if (json_is_integer(v))
        g_string_append_printf(s, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    else if (json_is_real(v))
        g_string_append_printf(s, "%.4g", json_real_value(v));
}

static const char *category_of(json_t *r)
{
    const char *c = jv_record_str(r, JV_REC_COMPETITION_CATEGORY);
    return c ? c : jv_record_str(r, JV_REC_CRITIQUE_CATEGORY);
}

static gint cmp_final(gconstpointer a, gconstpointer b)
{
    json_t *ra = *(json_t *const *)a;
    json_t *rb = *(json_t *const *)b;
    int c = g_strcmp0(category_of(ra), category_of(rb));
    if (c)
        return c;
    double sa = json_number_value(jv_record_get(ra, JV_REC_CRITIQUE_TOTAL));
    double sb = json_number_value(jv_record_get(rb, JV_REC_CRITIQUE_TOTAL));
    if (sa != sb)
        return sa < sb ? 1 : -1;
    return g_strcmp0(jv_record_str(ra, JV_REC_IMAGE), jv_record_str(rb, JV_REC_IMAGE));
}

char *jv_web_export_csv(json_t *records)
{
    GString *s = g_string_new("category,file,title,style,score,baseline,award,edited,"
                              "pairwise_wins,pairwise_comparisons,pairwise_win_ratio,"
                              "iqa_notes,compliance_passed,status,image\r\n");
    GPtrArray *rows = g_ptr_array_new();
    size_t i;
    json_t *r;
    json_array_foreach(records, i, r) g_ptr_array_add(rows, r);
    g_ptr_array_sort(rows, cmp_final);
    for (guint k = 0; k < rows->len; k++) {
        r = g_ptr_array_index(rows, k);
        const char *image = jv_record_str(r, JV_REC_IMAGE);
        char *base = image ? g_path_get_basename(image) : NULL;
        const char *title = jv_record_str(r, JV_REC_IMAGE_TITLE);
        if (!title || !*title)
            title = jv_record_str(r, JV_REC_CRITIQUE_TITLE);
        json_t *baseline = jv_record_get(r, JV_REC_PAIRWISE_SCORE_INITIAL);
        if (!baseline || json_is_null(baseline))
            baseline = json_object_get(r, ORIGINAL_TOTAL);
        json_t *ts = jv_record_get(r, JV_REC_TECHNICAL_SIGNALS);
        json_t *comp = jv_record_get(r, JV_REC_COMPLIANCE);
        json_t *passed = json_object_get(comp, "passed");

        csv_text(s, category_of(r));
        g_string_append_c(s, ',');
        csv_text(s, base);
        g_string_append_c(s, ',');
        csv_text(s, title);
        g_string_append_c(s, ',');
        csv_text(s, jv_record_str(r, JV_REC_STYLE_INFERENCE));
        g_string_append_c(s, ',');
        csv_num(s, jv_record_get(r, JV_REC_CRITIQUE_TOTAL));
        g_string_append_c(s, ',');
        csv_num(s, baseline);
        g_string_append_c(s, ',');
        csv_text(s, jv_record_str(r, JV_REC_CRITIQUE_AWARD));
        g_string_append_c(s, ',');
        g_string_append(s, json_object_get(r, OVERRIDE) ? "yes" : "");
        g_string_append_c(s, ',');
        csv_num(s, jv_record_get(r, JV_REC_PAIRWISE_WINS));
        g_string_append_c(s, ',');
        csv_num(s, jv_record_get(r, JV_REC_PAIRWISE_COMPARISONS));
        g_string_append_c(s, ',');
        csv_num(s, jv_record_get(r, JV_REC_PAIRWISE_WIN_RATIO));
        g_string_append_c(s, ',');
        csv_text(s, json_string_value(json_object_get(ts, "notes")));
        g_string_append_c(s, ',');
        g_string_append(s, json_is_boolean(passed) ? (json_is_true(passed) ? "yes" : "no") : "");
        g_string_append_c(s, ',');
        csv_text(s, jv_record_str(r, JV_REC_STATUS));
        g_string_append_c(s, ',');
        csv_text(s, image);
        g_string_append(s, "\r\n");
        g_free(base);
    }
    g_ptr_array_free(rows, TRUE);
    return g_string_free(s, FALSE);
}
