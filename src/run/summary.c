#include "core/jv.h"

#include <math.h>

#include "core/fsutil.h"
#include "run/summary.h"

static const char *str(const json_t *rec, const char *key)
{
    const char *s = json_string_value(json_object_get(rec, key));
    return s ? s : NULL;
}

static double num(const json_t *rec, const char *key, double dflt)
{
    const json_t *v = json_object_get(rec, key);
    return json_is_number(v) ? json_number_value(v) : dflt;
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

static gint by_score_desc(gconstpointer a, gconstpointer b)
{
    const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    double sx = num(x, "critique_total", -1), sy = num(y, "critique_total", -1);
    if (sx != sy)
        return sx < sy ? 1 : -1;
    double wx = num(x, "pairwise_win_ratio", -1), wy = num(y, "pairwise_win_ratio", -1);
    if (wx != wy)
        return wx < wy ? 1 : -1;
    return g_strcmp0(str(x, "image"), str(y, "image"));
}

static char *display_name(const json_t *rec)
{
    const char *title = str(rec, "image_title");
    if (!title || !*title)
        title = str(rec, "critique_title");
    char *base = g_path_get_basename(str(rec, "image") ? str(rec, "image") : "?");
    char *name = title && *title ? g_strdup_printf("%s (%s)", title, base) : g_strdup(base);
    g_free(base);
    return name;
}

char *jv_summary_render(const json_t *records, const json_t *playoff, const char *run_id,
                        const char *competition_name)
{
    GString *out = g_string_new(NULL);
    g_string_append_printf(out, "# Judge Vision results%s%s\n\n", competition_name ? " — " : "",
                           competition_name ? competition_name : "");
    g_string_append_printf(out, "Run `%s`, %zu images.\n\n", run_id ? run_id : "?",
                           json_array_size(records));

    /* Group by category, categories in first-seen order of sorted paths. */
    GPtrArray *cats = g_ptr_array_new_with_free_func(g_free);
    GHashTable *groups =
        g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)g_ptr_array_unref);
    size_t i;
    json_t *rec;
    json_array_foreach(records, i, rec)
    {
        const char *cat = str(rec, "competition_category");
        if (!cat)
            cat = "Uncategorised";
        GPtrArray *g = g_hash_table_lookup(groups, cat);
        if (!g) {
            char *key = g_strdup(cat);
            g_ptr_array_add(cats, key);
            g = g_ptr_array_new();
            g_hash_table_insert(groups, key, g);
        }
        g_ptr_array_add(g, rec);
    }

    for (guint c = 0; c < cats->len; c++) {
        const char *cat = cats->pdata[c];
        GPtrArray *g = g_hash_table_lookup(groups, cat);
        g_ptr_array_sort(g, by_score_desc);
        g_string_append_printf(out, "## %s (%u)\n\n", cat, g->len);
        g_string_append(out, "| # | Image | Style | Score | Baseline | Award | Playoff | Status |\n"
                             "|---|---|---|---|---|---|---|---|\n");
        for (guint k = 0; k < g->len; k++) {
            const json_t *r = g->pdata[k];
            char *name = display_name(r);
            g_string_append_printf(out, "| %u | ", k + 1);
            cell(out, name);
            g_string_append(out, " | ");
            cell(out, str(r, "style_inference") ? str(r, "style_inference") : "—");
            double score = num(r, "critique_total", NAN);
            double base = num(r, "pairwise_score_initial", NAN);
            if (isnan(score))
                g_string_append(out, " | — | ");
            else
                g_string_append_printf(out, " | %.0f | ", score);
            if (isnan(base))
                g_string_append(out, "— | ");
            else
                g_string_append_printf(out, "%.0f | ", base);
            cell(out, str(r, "critique_award") ? str(r, "critique_award") : "—");
            double comps = num(r, "pairwise_comparisons", 0);
            if (comps > 0)
                g_string_append_printf(out, " | %.0f/%.0f wins | ", num(r, "pairwise_wins", 0),
                                       comps);
            else
                g_string_append(out, " | — | ");
            cell(out, str(r, "status") ? str(r, "status") : "—");
            g_string_append(out, " |\n");
            g_free(name);
        }
        g_string_append(out, "\n");
        for (guint k = 0; k < g->len; k++) {
            const json_t *r = g->pdata[k];
            char *name = display_name(r);
            g_string_append_printf(out, "### %s\n\n", name);
            g_free(name);
            double score = num(r, "critique_total", NAN);
            if (!isnan(score))
                g_string_append_printf(out, "- Score: **%.0f**/20", score);
            else
                g_string_append(out, "- Score: none");
            if (str(r, "critique_award"))
                g_string_append_printf(out, " — %s", str(r, "critique_award"));
            g_string_append(out, "\n");
            if (str(r, "style_inference"))
                g_string_append_printf(out, "- Style: %s\n", str(r, "style_inference"));
            const json_t *ts = json_object_get(r, "technical_signals");
            const char *notes = json_string_value(json_object_get(ts, "notes"));
            const char *tonal = json_string_value(json_object_get(ts, "tonal_summary"));
            if (notes)
                g_string_append_printf(out, "- IQA: %s\n", notes);
            if (tonal)
                g_string_append_printf(out, "- Tonal: %s\n", tonal);
            const json_t *comp = json_object_get(r, "compliance");
            if (json_is_false(json_object_get(comp, "passed"))) {
                g_string_append(out, "- Compliance issues:");
                size_t j;
                json_t *issue;
                json_array_foreach(json_object_get(comp, "issues"), j, issue)
                    g_string_append_printf(out, " %s;", json_string_value(issue));
                g_string_append(out, "\n");
            }
            if (num(r, "pairwise_comparisons", 0) > 0)
                g_string_append_printf(
                    out,
                    "- Playoff: %.0f wins of %.0f (ratio %.2f, strength %.3f), "
                    "score before playoff %.0f\n",
                    num(r, "pairwise_wins", 0), num(r, "pairwise_comparisons", 0),
                    num(r, "pairwise_win_ratio", 0), num(r, "pairwise_strength", 0),
                    num(r, "pairwise_score_initial", 0));
            if (str(r, "error"))
                g_string_append_printf(out, "- Error: %s\n", str(r, "error"));
            if (str(r, "critique"))
                g_string_append_printf(out, "\n> %s\n", str(r, "critique"));
            g_string_append(out, "\n");
        }
    }

    if (playoff) {
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
        }
        g_string_append(out, "\n");
    }
    g_string_append(out, "_Scores and critiques come from the model named in the results; "
                         "check the run manifest for the settings._\n");
    g_hash_table_destroy(groups);
    g_ptr_array_free(cats, TRUE);
    return g_string_free(out, FALSE);
}

int jv_summary_write(const char *path, const json_t *records, const json_t *playoff,
                     const char *run_id, const char *competition_name, GError **err)
{
    char *md = jv_summary_render(records, playoff, run_id, competition_name);
    int rc = jv_write_file_atomic(path, md, strlen(md), err);
    g_free(md);
    return rc;
}
