/* agree.c - the model's marks against the club's judges': matching, figures, the report. */
#include "core/jv.h"

#include <math.h>

#include "core/agreement.h"
#include "outputs/agree.h"
#include "outputs/record.h"

/* One matched entry. */
struct entry {
    const json_t *rec;
    const struct jv_human_row *row;
    const char *category;
    bool has_model;
    double model, model_raw;
    int model_place, human_place;
};

static bool ends_at_boundary(const char *path, const char *tail)
{
    size_t lp = strlen(path), lt = strlen(tail);
    if (lt == 0 || lt > lp || strcmp(path + lp - lt, tail) != 0)
        return false;
    return lp == lt || path[lp - lt - 1] == '/' || tail[0] == '/';
}

static char *stem_of(const char *path)
{
    char *base = g_path_get_basename(path);
    char *dot = strrchr(base, '.');
    if (dot && dot != base)
        *dot = '\0';
    return base;
}

static bool title_matches(const json_t *rec, const char *title)
{
    const char *t = jv_record_str(rec, JV_REC_IMAGE_TITLE);
    if (t && g_ascii_strcasecmp(t, title) == 0)
        return true;
    const char *image = jv_record_str(rec, JV_REC_IMAGE);
    char *stem = image ? stem_of(image) : NULL;
    bool yes = stem && g_ascii_strcasecmp(stem, title) == 0;
    g_free(stem);
    return yes;
}

/* The record the row names: its index, -1 for none, -2 for several. */
static int find_record(const json_t *records, const struct jv_human_row *row)
{
    int found = -1;
    size_t i;
    const json_t *rec;
    json_array_foreach(records, i, rec)
    {
        const char *image = jv_record_str(rec, JV_REC_IMAGE);
        bool yes = row->file ? image && ends_at_boundary(image, row->file)
                             : title_matches(rec, row->title);
        if (yes && found >= 0)
            return -2;
        if (yes)
            found = (int)i;
    }
    return found;
}

/*
 * Matches every row to a record: fills `out` with the entries and
 * `unmatched` with the rows left out (and why). A record named by two rows
 * keeps the first; the second is unmatched.
 */
static void match_all(const json_t *records, const struct jv_human *h, GArray *out,
                      json_t *unmatched)
{
    GHashTable *taken = g_hash_table_new(g_direct_hash, g_direct_equal);
    for (guint r = 0; r < h->rows->len; r++) {
        const struct jv_human_row *row = &g_array_index(h->rows, struct jv_human_row, r);
        int at = find_record(records, row);
        const char *why = at == -1 ? "no entry of the round" : at == -2 ? "several entries" : NULL;
        const json_t *rec = at >= 0 ? json_array_get(records, (size_t)at) : NULL;
        if (rec && g_hash_table_contains(taken, rec))
            why = "an entry an earlier row names";
        if (why) {
            json_array_append_new(unmatched,
                                  json_pack("{s:i, s:s?, s:s?, s:s}", "line", row->line, "file",
                                            row->file, "title", row->title, "why", why));
            continue;
        }
        g_hash_table_add(taken, (gpointer)rec);
        struct entry e = {.rec = rec, .row = row};
        e.category = jv_record_str(rec, JV_REC_COMPETITION_CATEGORY);
        e.has_model = jv_record_num(rec, JV_REC_CRITIQUE_TOTAL, &e.model);
        if (!jv_record_num(rec, JV_REC_CRITIQUE_TOTAL_RAW, &e.model_raw))
            e.model_raw = e.model;
        g_array_append_val(out, e);
    }
    g_hash_table_destroy(taken);
}

static bool same_category(const struct entry *a, const char *category)
{
    return !category || g_strcmp0(a->category, category) == 0;
}

static double strength_of(const json_t *rec)
{
    double s;
    return jv_record_num(rec, JV_REC_PAIRWISE_STRENGTH, &s) ? s : 0;
}

/* Model order: critique_total, then pairwise_strength, then image (best first). */
static gint by_model(gconstpointer a, gconstpointer b, gpointer user)
{
    const struct entry *base = user;
    const struct entry *x = base + *(const guint *)a, *y = base + *(const guint *)b;
    double mx = x->has_model ? x->model : -1, my = y->has_model ? y->model : -1;
    if (mx != my)
        return mx > my ? -1 : 1;
    double sx = strength_of(x->rec), sy = strength_of(y->rec);
    if (sx != sy)
        return sx > sy ? -1 : 1;
    return g_strcmp0(jv_record_str(x->rec, JV_REC_IMAGE), jv_record_str(y->rec, JV_REC_IMAGE));
}

static gint by_human(gconstpointer a, gconstpointer b, gpointer user)
{
    const struct entry *base = user;
    const struct entry *x = base + *(const guint *)a, *y = base + *(const guint *)b;
    double hx = x->row->has_score ? x->row->score : -1, hy = y->row->has_score ? y->row->score : -1;
    if (hx != hy)
        return hx > hy ? -1 : 1;
    return g_strcmp0(jv_record_str(x->rec, JV_REC_IMAGE), jv_record_str(y->rec, JV_REC_IMAGE));
}

/* Places 1.. within each category by the model and (without a placing column) the human score. */
static void rank_places(GArray *entries, const struct jv_human *h)
{
    struct entry *e = (struct entry *)(void *)entries->data;
    GHashTable *cats = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint i = 0; i < entries->len; i++)
        g_hash_table_add(cats, (gpointer)(e[i].category ? e[i].category : ""));
    GHashTableIter it;
    gpointer key;
    g_hash_table_iter_init(&it, cats);
    while (g_hash_table_iter_next(&it, &key, NULL)) {
        GArray *idx = g_array_new(FALSE, FALSE, sizeof(guint));
        for (guint i = 0; i < entries->len; i++)
            if (strcmp(e[i].category ? e[i].category : "", key) == 0)
                g_array_append_val(idx, i);
        g_qsort_with_data(idx->data, (gint)idx->len, sizeof(guint), by_model, e);
        for (guint k = 0; k < idx->len; k++)
            e[g_array_index(idx, guint, k)].model_place = (int)k + 1;
        g_qsort_with_data(idx->data, (gint)idx->len, sizeof(guint), by_human, e);
        for (guint k = 0; k < idx->len; k++) {
            struct entry *x = &e[g_array_index(idx, guint, k)];
            x->human_place =
                h->has_placing ? x->row->placing : (x->row->has_score ? (int)k + 1 : 0);
        }
        g_array_free(idx, TRUE);
    }
    g_hash_table_destroy(cats);
}

static json_t *num_or_null(double v)
{
    return isfinite(v) ? json_real(round(v * 1e4) / 1e4) : json_null();
}

static json_t *entry_json(const struct entry *e)
{
    double diff = e->has_model && e->row->has_score ? e->model - e->row->score : NAN;
    return json_pack(
        "{s:s?, s:s?, s:s?, s:o, s:o, s:o, s:o, s:s?, s:s?, s:o, s:o}", "image",
        jv_record_str(e->rec, JV_REC_IMAGE), "title",
        e->row->title ? e->row->title : jv_record_str(e->rec, JV_REC_IMAGE_TITLE), "category",
        e->category, "model", e->has_model ? json_real(e->model) : json_null(), "model_raw",
        e->has_model ? json_real(e->model_raw) : json_null(), "human",
        e->row->has_score ? json_real(e->row->score) : json_null(), "difference", num_or_null(diff),
        "model_award", jv_record_str(e->rec, JV_REC_CRITIQUE_AWARD), "human_award", e->row->award,
        "model_placing", e->model_place ? json_integer(e->model_place) : json_null(),
        "human_placing", e->human_place ? json_integer(e->human_place) : json_null());
}

/*
 * The award confusion table over the entries of `category` (NULL: all):
 * the labels are every award either side gave ("" for none) in the order
 * first seen, rows the model's and columns the judges'; agreement is the
 * share on the diagonal.
 */
static json_t *awards_json(GArray *entries, const char *category)
{
    const struct entry *e = (const struct entry *)(const void *)entries->data;
    GPtrArray *labels = g_ptr_array_new();
    for (guint i = 0; i < entries->len; i++) {
        if (!same_category(&e[i], category))
            continue;
        const char *pair[2] = {jv_record_str(e[i].rec, JV_REC_CRITIQUE_AWARD), e[i].row->award};
        for (int k = 0; k < 2; k++) {
            const char *l = pair[k] ? pair[k] : "";
            bool have = false;
            for (guint j = 0; j < labels->len && !have; j++)
                have = strcmp(g_ptr_array_index(labels, j), l) == 0;
            if (!have)
                g_ptr_array_add(labels, (gpointer)l);
        }
    }
    guint n = labels->len;
    int *table = g_new0(int, n *n + 1);
    int same = 0, total = 0;
    for (guint i = 0; i < entries->len; i++) {
        if (!same_category(&e[i], category))
            continue;
        const char *m = jv_record_str(e[i].rec, JV_REC_CRITIQUE_AWARD);
        const char *hm = e[i].row->award;
        guint a = 0, b = 0;
        for (guint j = 0; j < n; j++) {
            if (strcmp(g_ptr_array_index(labels, j), m ? m : "") == 0)
                a = j;
            if (strcmp(g_ptr_array_index(labels, j), hm ? hm : "") == 0)
                b = j;
        }
        table[a * n + b]++;
        same += a == b;
        total++;
    }
    json_t *jl = json_array(), *jt = json_array();
    for (guint a = 0; a < n; a++) {
        json_array_append_new(jl, json_string(g_ptr_array_index(labels, a)));
        json_t *row = json_array();
        for (guint b = 0; b < n; b++)
            json_array_append_new(row, json_integer(table[a * n + b]));
        json_array_append_new(jt, row);
    }
    g_free(table);
    g_ptr_array_free(labels, TRUE);
    return json_pack("{s:o, s:o, s:o}", "labels", jl, "table", jt, "agreement",
                     total ? json_real((double)same / total) : json_null());
}

/* Top 3 by model and by the judges within `category`, how many are in both and in the same place.
 */
static json_t *placing_json(GArray *entries, const char *category)
{
    const struct entry *e = (const struct entry *)(const void *)entries->data;
    const char *mt[3] = {NULL, NULL, NULL}, *ht[3] = {NULL, NULL, NULL};
    for (guint i = 0; i < entries->len; i++) {
        if (!same_category(&e[i], category))
            continue;
        const char *img = jv_record_str(e[i].rec, JV_REC_IMAGE);
        if (e[i].model_place >= 1 && e[i].model_place <= 3)
            mt[e[i].model_place - 1] = img;
        if (e[i].human_place >= 1 && e[i].human_place <= 3)
            ht[e[i].human_place - 1] = img;
    }
    int both = 0, same = 0;
    json_t *jm = json_array(), *jh = json_array();
    for (int k = 0; k < 3; k++) {
        json_array_append_new(jm, mt[k] ? json_string(mt[k]) : json_null());
        json_array_append_new(jh, ht[k] ? json_string(ht[k]) : json_null());
        same += mt[k] && ht[k] && strcmp(mt[k], ht[k]) == 0;
        for (int j = 0; j < 3; j++)
            both += mt[k] && ht[j] && strcmp(mt[k], ht[j]) == 0;
    }
    return json_pack("{s:o, s:o, s:i, s:i}", "model_top3", jm, "human_top3", jh, "in_both", both,
                     "same_place", same);
}

/* The figures over the entries of `category` (NULL: every entry). */
static json_t *figures(GArray *entries, const struct jv_human *h, const char *category)
{
    const struct entry *e = (const struct entry *)(const void *)entries->data;
    GArray *x = g_array_new(FALSE, FALSE, sizeof(double));
    GArray *y = g_array_new(FALSE, FALSE, sizeof(double));
    size_t n = 0, within[3] = {0, 0, 0};
    double diff_sum = 0;
    for (guint i = 0; i < entries->len; i++) {
        if (!same_category(&e[i], category))
            continue;
        n++;
        if (!e[i].has_model || !e[i].row->has_score)
            continue;
        g_array_append_val(x, e[i].model);
        g_array_append_val(y, e[i].row->score);
        double d = e[i].model - e[i].row->score;
        diff_sum += d;
        for (int k = 0; k < 3; k++)
            within[k] += fabs(d) <= k + 1e-9;
    }
    size_t m = x->len;
    const double *xs = (const double *)(const void *)x->data;
    const double *ys = (const double *)(const void *)y->data;
    json_t *w = json_object();
    const char *names[3] = {"0", "1", "2"};
    for (int k = 0; k < 3; k++)
        json_object_set_new(w, names[k],
                            m ? json_real((double)within[k] / (double)m) : json_null());
    json_t *j = json_pack("{s:I, s:I, s:o, s:o, s:o, s:o}", "n", (json_int_t)n, "scored",
                          (json_int_t)m, "spearman", num_or_null(jv_spearman(xs, ys, m)),
                          "kendall_tau_b", num_or_null(jv_kendall_tau_b(xs, ys, m)), "within", w,
                          "mean_difference", m ? num_or_null(diff_sum / (double)m) : json_null());
    json_object_set_new(j, "awards", h->has_award ? awards_json(entries, category) : json_null());
    json_object_set_new(j, "placing", placing_json(entries, category));
    g_array_free(x, TRUE);
    g_array_free(y, TRUE);
    return j;
}

static int by_abs_difference(const void *a, const void *b)
{
    const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    json_t *dx = json_object_get(x, "difference"), *dy = json_object_get(y, "difference");
    double vx = json_is_number(dx) ? fabs(json_number_value(dx)) : -1;
    double vy = json_is_number(dy) ? fabs(json_number_value(dy)) : -1;
    if (vx != vy)
        return vx > vy ? -1 : 1;
    return g_strcmp0(json_string_value(json_object_get(x, "image")),
                     json_string_value(json_object_get(y, "image")));
}

json_t *jv_agree_report(const json_t *records, const struct jv_human *human)
{
    GArray *entries = g_array_new(FALSE, FALSE, sizeof(struct entry));
    json_t *unmatched = json_array();
    match_all(records, human, entries, unmatched);
    rank_places(entries, human);
    json_t *per = json_object();
    const struct entry *e = (const struct entry *)(const void *)entries->data;
    for (guint i = 0; i < entries->len; i++) {
        const char *c = e[i].category ? e[i].category : "";
        if (!json_object_get(per, c))
            json_object_set_new(per, c, figures(entries, human, e[i].category));
    }
    GPtrArray *list = g_ptr_array_new();
    for (guint i = 0; i < entries->len; i++)
        g_ptr_array_add(list, entry_json(&e[i]));
    g_ptr_array_sort(list, by_abs_difference);
    json_t *all = json_array(), *most = json_array();
    for (guint i = 0; i < list->len; i++) {
        json_t *x = g_ptr_array_index(list, i);
        json_t *d = json_object_get(x, "difference");
        if (json_is_number(d) && fabs(json_number_value(d)) >= 2 && json_array_size(most) < 10)
            json_array_append(most, x);
        json_array_append_new(all, x);
    }
    g_ptr_array_free(list, TRUE);
    json_t *j = json_pack("{s:s, s:I, s:o, s:o, s:o, s:o, s:o}", "human", human->origin, "matched",
                          (json_int_t)entries->len, "unmatched", unmatched, "overall",
                          figures(entries, human, NULL), "per_category", per, "entries", all,
                          "differ_most", most);
    g_array_free(entries, TRUE);
    return j;
}

json_t *jv_agree_pairs(const json_t *records, const struct jv_human *human, size_t *unmatched)
{
    GArray *entries = g_array_new(FALSE, FALSE, sizeof(struct entry));
    json_t *left = json_array();
    match_all(records, human, entries, left);
    json_t *x = json_array(), *y = json_array(), *cat = json_array();
    size_t skipped = json_array_size(left);
    const struct entry *e = (const struct entry *)(const void *)entries->data;
    for (guint i = 0; i < entries->len; i++) {
        if (!e[i].has_model || !e[i].row->has_score) {
            skipped++;
            continue;
        }
        json_array_append_new(x, json_real(e[i].model_raw));
        json_array_append_new(y, json_real(e[i].row->score));
        json_array_append_new(cat, e[i].category ? json_string(e[i].category) : json_null());
    }
    json_decref(left);
    g_array_free(entries, TRUE);
    if (unmatched)
        *unmatched = skipped;
    return json_pack("{s:o, s:o, s:o}", "x", x, "y", y, "category", cat);
}
