/* summary.c - the Markdown summary of a results file, by category and score. */
#include "core/jv.h"

#include <fcntl.h>
#include <math.h>
#include <unistd.h>

#include "core/fsutil.h"
#include "outputs/results.h"
#include "outputs/summary.h"

static const char *str(const json_t *rec, enum jv_rec f)
{
    return jv_record_str(rec, f);
}

static double num(const json_t *rec, enum jv_rec f, double dflt)
{
    double v;
    return jv_record_num(rec, f, &v) ? v : dflt;
}

/* Markdown table cells must not break the table. */
static void cell(GString *out, const char *s)
{
    for (const char *p = s ? s : ""; *p; p++) {
        if (*p == '|')
            g_string_append(out, "\\|");
        else if (*p == '\n' || *p == '\r')
            g_string_append_c(out, ' ');
        else
            g_string_append_c(out, *p);
    }
}

/* What the summary keeps of each record until it renders it: memory stays flat. */
struct item {
    char *category;
    char *image;
    double score, strength; /* strength: the playoff's final order within a score */
    off_t offset;
    size_t len;
};

static void item_free(gpointer p)
{
    struct item *it = p;
    g_free(it->category);
    g_free(it->image);
    g_free(it);
}

static gint by_score_desc(gconstpointer a, gconstpointer b)
{
    const struct item *x = *(struct item *const *)a, *y = *(struct item *const *)b;
    if (x->score != y->score)
        return x->score < y->score ? 1 : -1;
    if (x->strength != y->strength) /* ordering only: equal strengths fall to the path */
        return x->strength < y->strength ? 1 : -1;
    return g_strcmp0(x->image, y->image);
}

struct groups {
    GPtrArray *cats;    /* category names in first-seen order (owned) */
    GHashTable *by_cat; /* name -> GPtrArray of struct item */
    size_t n;
};

static void index_record(const json_t *rec, off_t offset, size_t len, void *user)
{
    struct groups *g = user;
    if (!rec)
        return;
    const char *cat = str(rec, JV_REC_COMPETITION_CATEGORY);
    if (!cat)
        cat = "Uncategorised";
    GPtrArray *items = g_hash_table_lookup(g->by_cat, cat);
    if (!items) {
        char *key = g_strdup(cat);
        g_ptr_array_add(g->cats, key);
        items = g_ptr_array_new_with_free_func(item_free);
        g_hash_table_insert(g->by_cat, key, items);
    }
    struct item *it = g_new0(struct item, 1);
    it->category = g_strdup(cat);
    it->image = g_strdup(str(rec, JV_REC_IMAGE));
    it->score = num(rec, JV_REC_CRITIQUE_TOTAL, -1);
    it->strength = num(rec, JV_REC_PAIRWISE_STRENGTH, -1);
    it->offset = offset;
    it->len = len;
    g_ptr_array_add(items, it);
    g->n++;
}

static char *display_name(const json_t *rec)
{
    const char *title = str(rec, JV_REC_IMAGE_TITLE);
    if (!title || !*title)
        title = str(rec, JV_REC_CRITIQUE_TITLE);
    char *base = g_path_get_basename(str(rec, JV_REC_IMAGE) ? str(rec, JV_REC_IMAGE) : "?");
    char *name = title && *title ? g_strdup_printf("%s (%s)", title, base) : g_strdup(base);
    g_free(base);
    return name;
}

static void render_table(GString *out, GPtrArray *items, int fd)
{
    g_string_append(out, "| # | Image | Style | Score | Baseline | Award | Playoff | Status |\n"
                         "|---|---|---|---|---|---|---|---|\n");
    for (guint k = 0; k < items->len; k++) {
        const struct item *it = items->pdata[k];
        json_t *r = jv_results_read_at(fd, it->offset, it->len);
        if (!r)
            continue;
        char *name = display_name(r);
        g_string_append_printf(out, "| %u | ", k + 1);
        cell(out, name);
        g_string_append(out, " | ");
        cell(out, str(r, JV_REC_STYLE_INFERENCE) ? str(r, JV_REC_STYLE_INFERENCE) : "—");
        double score = num(r, JV_REC_CRITIQUE_TOTAL, NAN);
        double base = num(r, JV_REC_PAIRWISE_SCORE_INITIAL, NAN);
        if (isnan(score))
            g_string_append(out, " | — | ");
        else
            g_string_append_printf(out, " | %.0f | ", score);
        if (isnan(base))
            g_string_append(out, "— | ");
        else
            g_string_append_printf(out, "%.0f | ", base);
        cell(out, str(r, JV_REC_CRITIQUE_AWARD) ? str(r, JV_REC_CRITIQUE_AWARD) : "—");
        double comps = num(r, JV_REC_PAIRWISE_COMPARISONS, 0);
        if (comps > 0)
            g_string_append_printf(out, " | %.0f/%.0f wins | ", num(r, JV_REC_PAIRWISE_WINS, 0),
                                   comps);
        else
            g_string_append(out, " | — | ");
        cell(out, str(r, JV_REC_STATUS) ? str(r, JV_REC_STATUS) : "—");
        g_string_append(out, " |\n");
        g_free(name);
        json_decref(r);
    }
    g_string_append(out, "\n");
}

/*
 * One image's section of the summary: its name, score and award, style, IQA
 * notes, compliance issues, playoff figures, error and the critique itself,
 * each line only when the record has it.
 */
static void render_entry(GString *out, const json_t *r)
{
    char *name = display_name(r);
    g_string_append_printf(out, "### %s\n\n", name);
    g_free(name);
    double score = num(r, JV_REC_CRITIQUE_TOTAL, NAN);
    if (!isnan(score))
        g_string_append_printf(out, "- Score: **%.0f**/20", score);
    else
        g_string_append(out, "- Score: none");
    if (str(r, JV_REC_CRITIQUE_AWARD))
        g_string_append_printf(out, " — %s", str(r, JV_REC_CRITIQUE_AWARD));
    g_string_append(out, "\n");
    if (str(r, JV_REC_STYLE_INFERENCE))
        g_string_append_printf(out, "- Style: %s\n", str(r, JV_REC_STYLE_INFERENCE));
    const json_t *ts = jv_record_get(r, JV_REC_TECHNICAL_SIGNALS);
    const char *notes = json_string_value(json_object_get(ts, "notes"));
    const char *tonal = json_string_value(json_object_get(ts, "tonal_summary"));
    if (notes)
        g_string_append_printf(out, "- IQA: %s\n", notes);
    if (tonal)
        g_string_append_printf(out, "- Tonal: %s\n", tonal);
    const json_t *comp = jv_record_get(r, JV_REC_COMPLIANCE);
    if (json_is_false(json_object_get(comp, "passed"))) {
        g_string_append(out, "- Compliance issues:");
        size_t j;
        json_t *issue;
        json_array_foreach(json_object_get(comp, "issues"), j, issue)
            g_string_append_printf(out, " %s;", json_string_value(issue));
        g_string_append(out, "\n");
    }
    if (num(r, JV_REC_PAIRWISE_COMPARISONS, 0) > 0)
        g_string_append_printf(
            out,
            "- Playoff: %.0f wins of %.0f (ratio %.2f, strength %.3f), "
            "score before playoff %.0f\n",
            num(r, JV_REC_PAIRWISE_WINS, 0), num(r, JV_REC_PAIRWISE_COMPARISONS, 0),
            num(r, JV_REC_PAIRWISE_WIN_RATIO, 0), num(r, JV_REC_PAIRWISE_STRENGTH, 0),
            num(r, JV_REC_PAIRWISE_SCORE_INITIAL, 0));
    if (str(r, JV_REC_ERROR))
        g_string_append_printf(out, "- Error: %s\n", str(r, JV_REC_ERROR));
    if (str(r, JV_REC_CRITIQUE))
        g_string_append_printf(out, "\n> %s\n", str(r, JV_REC_CRITIQUE));
    g_string_append(out, "\n");
}

/* The display name of `image` among a category's items (its basename when not found). */
static char *name_of(const struct groups *g, const char *cat, const char *image, int fd)
{
    GPtrArray *items = g_hash_table_lookup(g->by_cat, cat);
    for (guint k = 0; items && k < items->len; k++) {
        const struct item *it = items->pdata[k];
        if (g_strcmp0(it->image, image) != 0)
            continue;
        json_t *r = jv_results_read_at(fd, it->offset, it->len);
        char *name = r ? display_name(r) : NULL;
        json_decref(r);
        if (name)
            return name;
    }
    return g_path_get_basename(image);
}

/*
 * The playoff section: per category its entries and matches, and how sure
 * the posterior is of 1st place (the share of draws in which the winner is
 * first), so that a club sees when 1st and 2nd are statistically level.
 */
static void render_playoff(GString *out, const json_t *playoff, const struct groups *g, int fd)
{
    g_string_append(out, "## Playoff\n\n");
    const json_t *pc = json_object_get(playoff, "per_category");
    const char *cat;
    json_t *v;
    if (json_object_size(pc) == 0)
        g_string_append(out, "No category had entries for a playoff.\n");
    json_object_foreach((json_t *)pc, cat, v)
    {
        g_string_append_printf(out, "- %s: %lld eligible, %lld matches", cat,
                               (long long)json_integer_value(json_object_get(v, "eligible")),
                               (long long)json_integer_value(json_object_get(v, "matches")));
        const char *note = json_string_value(json_object_get(v, "note"));
        if (note)
            g_string_append_printf(out, " — %s", note);
        g_string_append(out, "\n");
        const char *first = json_string_value(json_object_get(v, "first"));
        json_t *pf = json_object_get(v, "p_first");
        if (first && json_is_number(pf)) {
            char *name = name_of(g, cat, first, fd);
            g_string_append_printf(out, "  - 1st place: %s — first in %.0f %% of posterior draws\n",
                                   name, 100.0 * json_number_value(pf));
            g_free(name);
        }
    }
    g_string_append(out, "\n");
}

int jv_summary_write(const char *path, const char *results_path, const json_t *playoff,
                     const char *run_id, const char *competition_name, GError **err)
{
    struct groups g = {
        .cats = g_ptr_array_new_with_free_func(g_free),
        .by_cat =
            g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)g_ptr_array_unref),
    };
    int rc = -1;
    int fd = -1;
    GString *out = NULL;
    if (jv_results_scan(results_path, index_record, &g, err) < 0)
        goto done;
    fd = open(results_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        g_set_error(err, JV_ERROR, JV_ERR_IO, "cannot open %s: %s", results_path,
                    g_strerror(errno));
        goto done;
    }
    out = g_string_new(NULL);
    g_string_append_printf(out, "# Judge Vision results%s%s\n\n", competition_name ? " — " : "",
                           competition_name ? competition_name : "");
    g_string_append_printf(out, "Run `%s`, %zu images.\n\n", run_id ? run_id : "?", g.n);
    for (guint c = 0; c < g.cats->len; c++) {
        const char *cat = g.cats->pdata[c];
        GPtrArray *items = g_hash_table_lookup(g.by_cat, cat);
        g_ptr_array_sort(items, by_score_desc);
        g_string_append_printf(out, "## %s (%u)\n\n", cat, items->len);
        render_table(out, items, fd);
        for (guint k = 0; k < items->len; k++) {
            const struct item *it = items->pdata[k];
            json_t *r = jv_results_read_at(fd, it->offset, it->len);
            if (r)
                render_entry(out, r);
            json_decref(r);
        }
    }
    if (playoff)
        render_playoff(out, playoff, &g, fd);
    g_string_append(out, "_Scores and critiques come from the model named in the results; "
                         "check the run manifest for the settings._\n");
    rc = jv_write_file_atomic(path, out->str, out->len, err);
done:
    if (out)
        g_string_free(out, TRUE);
    if (fd >= 0)
        close(fd);
    g_hash_table_destroy(g.by_cat);
    g_ptr_array_free(g.cats, TRUE);
    return rc;
}
