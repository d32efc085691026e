/* summary.c - the Markdown summary of a round: placings, checks, then each category. */
#include "core/jv.h"

#include <math.h>

#include "core/fsutil.h"
#include "input/registry.h"
#include "outputs/record.h"
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

const char *jv_summary_category_of(const json_t *rec)
{
    const char *cat = str(rec, JV_REC_COMPETITION_CATEGORY);
    return cat ? cat : "Uncategorised";
}

GPtrArray *jv_summary_categories(const json_t *records)
{
    GPtrArray *cats = g_ptr_array_new();
    size_t i;
    json_t *rec;
    json_array_foreach(records, i, rec)
    {
        const char *cat = jv_summary_category_of(rec);
        bool seen = false;
        for (guint k = 0; k < cats->len && !seen; k++)
            seen = strcmp(cats->pdata[k], cat) == 0;
        if (!seen)
            g_ptr_array_add(cats, (gpointer)cat);
    }
    return cats;
}

static gint by_rank(gconstpointer a, gconstpointer b)
{
    const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    long long rx = jv_record_int(x, JV_REC_RANK, LLONG_MAX);
    long long ry = jv_record_int(y, JV_REC_RANK, LLONG_MAX);
    if (rx != ry)
        return rx < ry ? -1 : 1;
    double sx = num(x, JV_REC_CRITIQUE_TOTAL, -1), sy = num(y, JV_REC_CRITIQUE_TOTAL, -1);
    if (sx != sy)
        return sx > sy ? -1 : 1;
    return g_strcmp0(str(x, JV_REC_IMAGE), str(y, JV_REC_IMAGE));
}

GPtrArray *jv_summary_category_order(const json_t *records, const char *category)
{
    GPtrArray *out = g_ptr_array_new();
    size_t i;
    json_t *rec;
    json_array_foreach(records, i, rec)
    {
        if (strcmp(jv_summary_category_of(rec), category) == 0)
            g_ptr_array_add(out, rec);
    }
    g_ptr_array_sort(out, by_rank);
    return out;
}

char *jv_summary_entry_title(const json_t *rec)
{
    const char *title = str(rec, JV_REC_IMAGE_TITLE);
    if (!title || !*title)
        title = str(rec, JV_REC_CRITIQUE_TITLE);
    if (title && *title)
        return g_strdup(title);
    char *base = g_path_get_basename(str(rec, JV_REC_IMAGE) ? str(rec, JV_REC_IMAGE) : "?");
    char *dot = strrchr(base, '.');
    if (dot && dot != base)
        *dot = '\0';
    return base;
}

/* "Title (file.jpg)": the title with the file it is, for a reader who has the folder. */
static char *display_name(const json_t *rec)
{
    char *title = jv_summary_entry_title(rec);
    char *base = g_path_get_basename(str(rec, JV_REC_IMAGE) ? str(rec, JV_REC_IMAGE) : "?");
    char *name = g_strdup_printf("%s (%s)", title, base);
    g_free(base);
    g_free(title);
    return name;
}

static const char *or_dash(const char *s)
{
    return s && *s ? s : "—";
}

/* What the placing came from, when it was not simply the score. */
static const char *basis_note(const json_t *rec)
{
    const char *b = str(rec, JV_REC_RANK_BASIS);
    if (!b || !strcmp(b, "score"))
        return NULL;
    if (!strcmp(b, "strength"))
        return "level on score, ordered by the playoff";
    if (!strcmp(b, "head_to_head"))
        return "level on score and playoff strength, ordered by their head-to-head";
    if (!strcmp(b, "decider"))
        return "level after the playoff: decided by a decider match";
    if (!strcmp(b, "decider_split"))
        return "level after the playoff; the decider split, ordered by the unrounded score";
    if (!strcmp(b, "earlier_rank"))
        return "level: kept in the order an earlier decider gave";
    return "level on every judging figure: ordered by the unrounded score";
}

static const char *compliance_cell(const json_t *rec)
{
    const json_t *comp = jv_record_get(rec, JV_REC_COMPLIANCE);
    if (json_is_false(json_object_get(comp, "passed")))
        return "breach";
    if (json_is_true(json_object_get(comp, "passed")))
        return "ok";
    return "—";
}

static void render_placings(GString *out, const json_t *records, GPtrArray *cats)
{
    g_string_append(out, "## Placings\n\n");
    for (guint c = 0; c < cats->len; c++) {
        GPtrArray *items = jv_summary_category_order(records, cats->pdata[c]);
        bool any = false;
        for (guint k = 0; k < items->len; k++) {
            const json_t *r = items->pdata[k];
            if (!str(r, JV_REC_PLACING))
                continue;
            if (!any)
                g_string_append_printf(out, "**%s**\n\n", (const char *)cats->pdata[c]);
            any = true;
            char *title = jv_summary_entry_title(r);
            g_string_append_printf(out, "- %s: %s", str(r, JV_REC_PLACING), title);
            if (str(r, JV_REC_AUTHOR))
                g_string_append_printf(out, " by %s", str(r, JV_REC_AUTHOR));
            double score = num(r, JV_REC_CRITIQUE_TOTAL, NAN);
            if (!isnan(score))
                g_string_append_printf(out, " — %.0f", score);
            if (str(r, JV_REC_CRITIQUE_AWARD))
                g_string_append_printf(out, ", %s", str(r, JV_REC_CRITIQUE_AWARD));
            const char *note = basis_note(r);
            if (note)
                g_string_append_printf(out, " (%s)", note);
            g_string_append(out, "\n");
            g_free(title);
        }
        if (any)
            g_string_append(out, "\n");
        g_ptr_array_free(items, TRUE);
    }
}

/* The round's checks: every warning once, in record order. */
static void render_checks(GString *out, const json_t *records)
{
    GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
    GString *list = g_string_new(NULL);
    size_t i, j;
    json_t *rec, *w;
    json_array_foreach(records, i, rec)
    {
        json_array_foreach(jv_record_get(rec, JV_REC_WARNINGS), j, w)
        {
            const char *s = json_string_value(w);
            if (!s || g_hash_table_contains(seen, s))
                continue;
            g_hash_table_add(seen, (gpointer)s);
            g_string_append_printf(list, "- %s\n", s);
        }
    }
    g_string_append(out, "## Checks\n\n");
    g_string_append(out, list->len ? list->str : "No rule breaches or likely mistakes found.\n");
    g_string_append(out, "\n");
    g_string_free(list, TRUE);
    g_hash_table_destroy(seen);
}

/*
 * A category's table: rank, place, entry, author, style, score, score before
 * the playoff, award, playoff wins, compliance and status, one row per entry
 * in the order given.
 */
static void render_table(GString *out, GPtrArray *items)
{
    g_string_append(out, "| Rank | Place | Entry | Author | Style | Score | Baseline | Award | "
                         "Playoff | Compliance | Status |\n"
                         "|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (guint k = 0; k < items->len; k++) {
        const json_t *r = items->pdata[k];
        char *name = display_name(r);
        long long rank = jv_record_int(r, JV_REC_RANK, 0);
        if (rank > 0)
            g_string_append_printf(out, "| %lld | ", rank);
        else
            g_string_append(out, "| — | ");
        cell(out, or_dash(str(r, JV_REC_PLACING)));
        g_string_append(out, " | ");
        cell(out, name);
        g_string_append(out, " | ");
        cell(out, or_dash(str(r, JV_REC_AUTHOR)));
        g_string_append(out, " | ");
        cell(out, or_dash(str(r, JV_REC_STYLE_INFERENCE)));
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
        cell(out, or_dash(str(r, JV_REC_CRITIQUE_AWARD)));
        double comps = num(r, JV_REC_PAIRWISE_COMPARISONS, 0);
        if (comps > 0)
            g_string_append_printf(out, " | %.0f/%.0f wins | ", num(r, JV_REC_PAIRWISE_WINS, 0),
                                   comps);
        else
            g_string_append(out, " | — | ");
        g_string_append_printf(out, "%s | ", compliance_cell(r));
        cell(out, or_dash(str(r, JV_REC_STATUS)));
        g_string_append(out, " |\n");
        g_free(name);
    }
    g_string_append(out, "\n");
}

/*
 * One image's section of the summary: its name, author, score and award,
 * placing and what decided it, style, IQA notes, compliance issues, checks,
 * playoff figures, error and the critique itself, each line only when the
 * record has it.
 */
static void render_entry(GString *out, const json_t *r, int max)
{
    char *name = display_name(r);
    g_string_append_printf(out, "### %s\n\n", name);
    g_free(name);
    if (str(r, JV_REC_AUTHOR))
        g_string_append_printf(out, "- Author: %s\n", str(r, JV_REC_AUTHOR));
    double score = num(r, JV_REC_CRITIQUE_TOTAL, NAN);
    if (!isnan(score))
        g_string_append_printf(out, "- Score: **%.0f**/%d", score, max);
    else
        g_string_append(out, "- Score: none");
    if (str(r, JV_REC_CRITIQUE_AWARD))
        g_string_append_printf(out, " — %s", str(r, JV_REC_CRITIQUE_AWARD));
    g_string_append(out, "\n");
    if (str(r, JV_REC_PLACING)) {
        const char *note = basis_note(r);
        g_string_append_printf(out, "- Placing: %s%s%s%s\n", str(r, JV_REC_PLACING),
                               note ? " (" : "", note ? note : "", note ? ")" : "");
    }
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
    size_t j;
    json_t *v;
    if (json_is_false(json_object_get(comp, "passed"))) {
        g_string_append(out, "- Compliance issues:");
        json_array_foreach(json_object_get(comp, "issues"), j, v)
            g_string_append_printf(out, " %s;", json_string_value(v));
        g_string_append(out, "\n");
    }
    json_array_foreach(jv_record_get(r, JV_REC_WARNINGS), j, v)
        g_string_append_printf(out, "- Check: %s\n", json_string_value(v));
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

/* The display name of `image` (its basename when no record has it). */
static char *name_of(const json_t *records, const char *image)
{
    size_t i;
    json_t *rec;
    json_array_foreach(records, i, rec)
    {
        if (g_strcmp0(str(rec, JV_REC_IMAGE), image) == 0)
            return display_name(rec);
    }
    return g_path_get_basename(image);
}

/*
 * The playoff section: per category its entries and matches, and how sure
 * the posterior is of 1st place (the share of draws in which the winner is
 * first), so that a club sees when 1st and 2nd are statistically level.
 */
static void render_playoff(GString *out, const json_t *playoff, const json_t *records)
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
            char *name = name_of(records, first);
            g_string_append_printf(out, "  - 1st place: %s — first in %.0f %% of posterior draws\n",
                                   name, 100.0 * json_number_value(pf));
            g_free(name);
        }
    }
    g_string_append(out, "\n");
}

char *jv_summary_render(const json_t *records, const struct jv_summary_opts *o)
{
    const struct jv_competition *c = o->competition;
    GString *out = g_string_new(NULL);
    g_string_append_printf(out, "# Judge Vision results%s%s\n\n", c ? " — " : "", c ? c->name : "");
    int lo = c ? c->scale_min : JV_SCALE_MIN_DEFAULT, hi = c ? c->scale_max : JV_SCALE_MAX_DEFAULT;
    g_string_append_printf(out, "Run `%s`, %zu images, scored %d to %d.", or_dash(o->run_id),
                           json_array_size(records), lo, hi);
    if (o->edits > 0)
        g_string_append_printf(out, " %zu entr%s edited on the page (edits applied).", o->edits,
                               o->edits == 1 ? "y" : "ies");
    g_string_append(out, "\n\n");
    GPtrArray *cats = jv_summary_categories(records);
    render_placings(out, records, cats);
    render_checks(out, records);
    for (guint k = 0; k < cats->len; k++) {
        GPtrArray *items = jv_summary_category_order(records, cats->pdata[k]);
        g_string_append_printf(out, "## %s (%u)\n\n", (const char *)cats->pdata[k], items->len);
        render_table(out, items);
        for (guint e = 0; e < items->len; e++)
            render_entry(out, items->pdata[e], hi);
        g_ptr_array_free(items, TRUE);
    }
    g_ptr_array_free(cats, TRUE);
    if (o->playoff)
        render_playoff(out, o->playoff, records);
    g_string_append(out, "_Scores and critiques come from the model named in the results; "
                         "check the run manifest for the settings._\n");
    return g_string_free(out, FALSE);
}

int jv_summary_write(const char *path, const json_t *records, const struct jv_summary_opts *o,
                     GError **err)
{
    char *text = jv_summary_render(records, o);
    int rc = jv_write_file_atomic(path, text, strlen(text), err);
    g_free(text);
    return rc;
}
