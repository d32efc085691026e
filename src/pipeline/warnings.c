/* warnings.c - the round's checks after judging (see warnings.h). */
#include "core/jv.h"

#include "outputs/record.h"
#include "pipeline/warnings.h"

bool jv_category_is_mono(const char *name)
{
    if (!name)
        return false;
    char *k = g_utf8_casefold(name, -1);
    bool mono = strstr(k, "mono") || strstr(k, "black and white") || strstr(k, "black & white") ||
                strstr(k, "b&w");
    g_free(k);
    return mono;
}

/* Adds a warning to the round's list and to each record it concerns. */
static void warn(json_t *out, const char *kind, GPtrArray *recs, char *message)
{
    json_t *images = json_array();
    for (guint i = 0; i < recs->len; i++) {
        json_t *rec = recs->pdata[i];
        json_t *w = jv_record_get(rec, JV_REC_WARNINGS);
        if (!json_is_array(w)) {
            w = json_array();
            jv_record_set(rec, JV_REC_WARNINGS, w);
        }
        json_array_append_new(w, json_string(message));
        const char *img = jv_record_str(rec, JV_REC_IMAGE);
        json_array_append_new(images, json_string(img ? img : ""));
    }
    json_array_append_new(
        out, json_pack("{s:s, s:s, s:o}", "kind", kind, "message", message, "images", images));
    g_free(message);
}

/* "Folder/photo.jpg": the file with its folder, which tells two entries of one name apart. */
static char *base_of(const json_t *rec)
{
    const char *img = jv_record_str(rec, JV_REC_IMAGE);
    char *dir = g_path_get_dirname(img ? img : "?");
    char *parent = g_path_get_basename(dir);
    char *base = g_path_get_basename(img ? img : "?");
    char *out = strcmp(parent, ".") && strcmp(parent, "/") ? g_build_filename(parent, base, NULL)
                                                           : g_strdup(base);
    g_free(dir);
    g_free(parent);
    g_free(base);
    return out;
}

static char *names(GPtrArray *recs)
{
    GString *g = g_string_new(NULL);
    for (guint i = 0; i < recs->len; i++) {
        char *b = base_of(recs->pdata[i]);
        g_string_append_printf(g, "%s%s", i ? ", " : "", b);
        g_free(b);
    }
    return g_string_free(g, FALSE);
}

/* Groups the records by a key; records without one are left out. */
static GHashTable *group_by(json_t *records, char *(*key)(const json_t *rec, void *user),
                            void *user, GPtrArray *order)
{
    GHashTable *g =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_ptr_array_unref);
    size_t i;
    json_t *rec;
    json_array_foreach(records, i, rec)
    {
        char *k = key(rec, user);
        if (!k)
            continue;
        GPtrArray *a = g_hash_table_lookup(g, k);
        if (!a) {
            a = g_ptr_array_new();
            g_hash_table_insert(g, g_strdup(k), a);
            g_ptr_array_add(order, g_strdup(k));
        }
        g_ptr_array_add(a, rec);
        g_free(k);
    }
    return g;
}

static char *author_key(const json_t *rec, void *user)
{
    (void)user;
    const char *a = jv_record_str(rec, JV_REC_AUTHOR);
    return a && *a ? g_utf8_casefold(a, -1) : NULL;
}

static char *hash_key(const json_t *rec, void *user)
{
    (void)user;
    const char *h = jv_record_str(rec, JV_REC_CONTENT_HASH);
    return h && *h ? g_strdup(h) : NULL;
}

/* The parent folder of a photo that lies below an input folder (not directly in one). */
static char *folder_key(const json_t *rec, void *user)
{
    const char *const *dirs = user;
    const char *img = jv_record_str(rec, JV_REC_IMAGE);
    if (!img || !dirs)
        return NULL;
    char *parent = g_path_get_dirname(img);
    for (size_t i = 0; dirs[i]; i++) {
        char *root = g_canonicalize_filename(dirs[i], NULL);
        bool below = g_str_has_prefix(parent, root) && parent[strlen(root)] == '/';
        g_free(root);
        if (below)
            return parent;
    }
    g_free(parent);
    return NULL;
}

static bool is_category(const struct jv_competition *c, const char *name)
{
    for (size_t i = 0; c->categories[i]; i++)
        if (g_ascii_strcasecmp(c->categories[i], name) == 0)
            return true;
    return false;
}

/*
 * The checks over groups of records: entries_per_author (grouped by author
 * without case, only with a limit), duplicate (by content hash) and
 * no_category (by the sub-folder of an input folder, only with a
 * competition). Each finding goes to the round's list and its records.
 */
static void group_checks(json_t *records, const struct jv_competition *c,
                         const char *const *input_dirs, json_t *out)
{
    GPtrArray *order = g_ptr_array_new_with_free_func(g_free);
    GHashTable *g = NULL;
    if (c && c->max_entries_per_author > 0) {
        g = group_by(records, author_key, NULL, order);
        for (guint i = 0; i < order->len; i++) {
            GPtrArray *a = g_hash_table_lookup(g, order->pdata[i]);
            if (a->len <= (guint)c->max_entries_per_author)
                continue;
            char *list = names(a);
            warn(out, "entries_per_author", a,
                 g_strdup_printf("%s has %u entries, more than the %d a member may enter: %s",
                                 jv_record_str(a->pdata[0], JV_REC_AUTHOR), a->len,
                                 c->max_entries_per_author, list));
            g_free(list);
        }
        g_hash_table_destroy(g);
        g_ptr_array_set_size(order, 0);
    }
    g = group_by(records, hash_key, NULL, order);
    for (guint i = 0; i < order->len; i++) {
        GPtrArray *a = g_hash_table_lookup(g, order->pdata[i]);
        if (a->len < 2)
            continue;
        char *list = names(a);
        warn(out, "duplicate", a,
             g_strdup_printf("the same photo is entered %u times: %s", a->len, list));
        g_free(list);
    }
    g_hash_table_destroy(g);
    g_ptr_array_set_size(order, 0);
    if (c) {
        g = group_by(records, folder_key, (void *)input_dirs, order);
        for (guint i = 0; i < order->len; i++) {
            char *base = g_path_get_basename(order->pdata[i]);
            GPtrArray *a = g_hash_table_lookup(g, order->pdata[i]);
            if (!is_category(c, base)) {
                char *cats = g_strjoinv(", ", c->categories);
                warn(out, "no_category", a,
                     g_strdup_printf("folder \"%s\" (%u photos) matches no category of %s (%s): "
                                     "its photos were filed by file name",
                                     base, a->len, c->name, cats));
                g_free(cats);
            }
            g_free(base);
        }
        g_hash_table_destroy(g);
    }
    g_ptr_array_free(order, TRUE);
}

/* colour_in_mono and compliance: checks of one record at a time. */
static void record_checks(json_t *records, json_t *out)
{
    size_t i;
    json_t *rec;
    GPtrArray *one = g_ptr_array_new();
    json_array_foreach(records, i, rec)
    {
        g_ptr_array_set_size(one, 0);
        g_ptr_array_add(one, rec);
        char *base = base_of(rec);
        const char *cat = jv_record_str(rec, JV_REC_COMPETITION_CATEGORY);
        json_t *metrics = json_object_get(jv_record_get(rec, JV_REC_TECHNICAL_SIGNALS), "metrics");
        json_t *sat = json_object_get(metrics, "saturation");
        if (jv_category_is_mono(cat) && json_is_number(sat) &&
            json_number_value(sat) > JV_MONO_MAX_SATURATION)
            warn(out, "colour_in_mono", one,
                 g_strdup_printf("%s is in %s but is a colour photo (mean saturation %.2f, mono "
                                 "is at most %.2f)",
                                 base, cat, json_number_value(sat), JV_MONO_MAX_SATURATION));
        const json_t *comp = jv_record_get(rec, JV_REC_COMPLIANCE);
        size_t j;
        json_t *issue;
        const char *error = jv_record_str(rec, JV_REC_ERROR);
        if (json_is_false(json_object_get(comp, "passed")))
            json_array_foreach(json_object_get(comp, "issues"), j, issue)
            {
                const char *text = json_string_value(issue);
                if (text && g_strcmp0(text, error) != 0) /* an unreadable photo is an error */
                    warn(out, "compliance", one,
                         g_strdup_printf("%s breaks a rule: %s", base, text));
            }
        g_free(base);
    }
    g_ptr_array_free(one, TRUE);
}

json_t *jv_warnings_check(json_t *records, const struct jv_competition *c,
                          const char *const *input_dirs)
{
    json_t *out = json_array();
    size_t i;
    json_t *rec;
    json_array_foreach(records, i, rec) jv_record_set(rec, JV_REC_WARNINGS, NULL);
    group_checks(records, c, input_dirs, out);
    record_checks(records, out);
    return out;
}
