/* export.c - results sheet, entrants' feedback and the mail-merge CSV (see export.h). */
#include "core/jv.h"

#include <math.h>

#include "core/fsutil.h"
#include "image/thumbnail.h"
#include "input/registry.h"
#include "outputs/export.h"
#include "outputs/record.h"
#include "outputs/summary.h"

/* The longer side of an embedded thumbnail: sharp on paper at a few cm, small in the file. */
#define THUMB_SIZE      256
#define THUMB_MAX_BYTES (2 * 1024 * 1024)

int jv_export_format_parse(const char *name)
{
    if (!g_strcmp0(name, "results"))
        return JV_EXPORT_RESULTS;
    if (!g_strcmp0(name, "entrants"))
        return JV_EXPORT_ENTRANTS;
    if (!g_strcmp0(name, "csv"))
        return JV_EXPORT_CSV;
    return -1;
}

const char *jv_export_format_name(enum jv_export_format f)
{
    return f == JV_EXPORT_RESULTS ? "results" : f == JV_EXPORT_ENTRANTS ? "entrants" : "csv";
}

const char *jv_export_mime(enum jv_export_format f)
{
    return f == JV_EXPORT_CSV ? "text/csv; charset=utf-8" : "text/html; charset=utf-8";
}

char *jv_export_file_name(const char *round, enum jv_export_format f)
{
    const char *r = round && *round ? round : "round";
    if (f == JV_EXPORT_CSV)
        return g_strdup_printf("%s.csv", r);
    return g_strdup_printf("%s_%s.html", r, jv_export_format_name(f));
}

static const char *str(const json_t *rec, enum jv_rec f)
{
    return jv_record_str(rec, f);
}

static void esc(GString *out, const char *s)
{
    char *e = g_markup_escape_text(s ? s : "", -1);
    g_string_append(out, e);
    g_free(e);
}

static void score_text(GString *out, const json_t *rec, int max)
{
    double v;
    if (jv_record_num(rec, JV_REC_CRITIQUE_TOTAL, &v))
        g_string_append_printf(out, "%.0f/%d", v, max);
    else
        g_string_append(out, "—");
}

/* <img> with the photo's thumbnail as a data URL, or a note when it cannot be made. */
static void thumb(GString *out, const json_t *rec, const struct jv_export_opts *o, const char *cls)
{
    char *path = !o->thumbs      ? NULL
                 : o->image_path ? o->image_path(rec, o->user)
                                 : jv_record_image_path(rec);
    char *tp = path ? jv_image_thumb_path(o->thumbs, path, THUMB_SIZE, NULL) : NULL;
    size_t len = 0;
    char *data = tp ? jv_read_file(tp, THUMB_MAX_BYTES, &len, NULL) : NULL;
    if (data) {
        char *b64 = g_base64_encode((const guchar *)data, len);
        g_string_append_printf(out, "<img class=\"%s\" alt=\"\" src=\"data:image/jpeg;base64,%s\">",
                               cls, b64);
        g_free(b64);
    } else {
        g_string_append_printf(out, "<span class=\"%s nothumb\">no image</span>", cls);
    }
    g_free(data);
    g_free(tp);
    g_free(path);
}

static const char css[] =
    "body{font:11pt/1.4 \"DejaVu Sans\",Arial,sans-serif;color:#111;margin:2em;}"
    "h1{font-size:18pt;margin:0 0 .3em}h2{font-size:14pt;margin:1em 0 .4em}"
    "h3{font-size:12pt;margin:.2em 0}p.meta{color:#555;margin:0 0 1em}"
    "table{border-collapse:collapse;width:100%;table-layout:fixed}"
    "th,td{border-bottom:1px solid #ccc;padding:4px 6px;text-align:left;vertical-align:middle;"
    "overflow-wrap:anywhere}"
    "thead{display:table-header-group}tr{break-inside:avoid;page-break-inside:avoid}"
    "img.t{max-width:100%;max-height:70px;display:block}"
    "img.big{max-width:40%;max-height:170px;float:left;margin:0 12px 6px 0}"
    ".nothumb{color:#888;font-size:9pt}"
    "section.entry{overflow:hidden;margin:0 0 1em;break-inside:avoid;page-break-inside:avoid}"
    "blockquote{margin:.3em 0;overflow-wrap:anywhere}"
    "section.cat+section.cat,section.entrant+section.entrant{break-before:page;"
    "page-break-before:always}"
    "col.place{width:12%}col.title{width:30%}col.author{width:22%}col.score{width:10%}"
    "col.award{width:14%}col.img{width:12%}"
    "@page{size:A4;margin:15mm}"
    "@media print{body{margin:0}a{color:inherit;text-decoration:none}}";

static void html_head(GString *out, const char *what, const struct jv_export_opts *o)
{
    const char *name = o->competition ? o->competition->name : NULL;
    g_string_append(out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                         "<meta name=\"viewport\" content=\"width=device-width\"><title>");
    esc(out, what);
    g_string_append(out, " — ");
    esc(out, name ? name : o->round ? o->round : "Judge Vision");
    g_string_append_printf(out, "</title><style>%s</style></head><body>\n", css);
}

/*
 * The results sheet: one section per category (each on a new printed page),
 * its entries by rank with place (or rank, or status), title, author, score,
 * award and thumbnail.
 */
static void render_results(GString *out, const json_t *records, const struct jv_export_opts *o,
                           int max)
{
    html_head(out, "Results", o);
    GPtrArray *cats = jv_summary_categories(records);
    for (guint c = 0; c < cats->len; c++) {
        GPtrArray *items = jv_summary_category_order(records, cats->pdata[c]);
        g_string_append(out, "<section class=\"cat\"><h1>");
        esc(out, o->competition ? o->competition->name : o->round ? o->round : "Results");
        g_string_append(out, "</h1><h2>");
        esc(out, cats->pdata[c]);
        g_string_append_printf(out, "</h2><p class=\"meta\">%u entries, scored out of %d</p>",
                               items->len, max);
        g_string_append(out, "<table><colgroup><col class=\"place\"><col class=\"title\">"
                             "<col class=\"author\"><col class=\"score\"><col class=\"award\">"
                             "<col class=\"img\"></colgroup><thead><tr><th>Place</th>"
                             "<th>Title</th><th>Author</th><th>Score</th><th>Award</th><th></th>"
                             "</tr></thead><tbody>\n");
        for (guint k = 0; k < items->len; k++) {
            const json_t *r = items->pdata[k];
            char *title = jv_summary_entry_title(r);
            long long rank = jv_record_int(r, JV_REC_RANK, 0);
            g_string_append(out, "<tr><td>");
            if (str(r, JV_REC_PLACING))
                esc(out, str(r, JV_REC_PLACING));
            else if (rank > 0)
                g_string_append_printf(out, "%lld", rank);
            else
                esc(out, str(r, JV_REC_STATUS));
            g_string_append(out, "</td><td>");
            esc(out, title);
            g_string_append(out, "</td><td>");
            esc(out, str(r, JV_REC_AUTHOR));
            g_string_append(out, "</td><td>");
            score_text(out, r, max);
            g_string_append(out, "</td><td>");
            esc(out, str(r, JV_REC_CRITIQUE_AWARD));
            g_string_append(out, "</td><td>");
            thumb(out, r, o, "t");
            g_string_append(out, "</td></tr>\n");
            g_free(title);
        }
        g_string_append(out, "</tbody></table></section>\n");
        g_ptr_array_free(items, TRUE);
    }
    g_ptr_array_free(cats, TRUE);
    g_string_append(out, "</body></html>\n");
}

static const char unnamed[] = "Entrant not named";

static const char *author_of(const json_t *rec)
{
    const char *a = str(rec, JV_REC_AUTHOR);
    return a && *a ? a : unnamed;
}

/* Entrants by name, the entries without one last. */
static gint by_author(gconstpointer a, gconstpointer b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    if ((x == unnamed) != (y == unnamed))
        return x == unnamed ? 1 : -1;
    return g_utf8_collate(x, y);
}

/* One entry of an entrant's feedback: image, figures and critique. */
static void render_feedback_entry(GString *out, const json_t *r, const struct jv_export_opts *o,
                                  int max)
{
    char *title = jv_summary_entry_title(r);
    g_string_append(out, "<section class=\"entry\">");
    thumb(out, r, o, "big");
    g_string_append(out, "<h3>");
    esc(out, title);
    g_string_append(out, "</h3><p class=\"meta\">");
    esc(out, jv_summary_category_of(r));
    g_string_append(out, " · score ");
    score_text(out, r, max);
    if (str(r, JV_REC_CRITIQUE_AWARD)) {
        g_string_append(out, " · ");
        esc(out, str(r, JV_REC_CRITIQUE_AWARD));
    }
    if (str(r, JV_REC_PLACING)) {
        g_string_append(out, " · <strong>");
        esc(out, str(r, JV_REC_PLACING));
        g_string_append(out, "</strong>");
    }
    g_string_append(out, "</p>");
    if (str(r, JV_REC_CRITIQUE)) {
        g_string_append(out, "<blockquote>");
        esc(out, str(r, JV_REC_CRITIQUE));
        g_string_append(out, "</blockquote>");
    } else if (str(r, JV_REC_ERROR)) {
        g_string_append(out, "<p>Not judged: ");
        esc(out, str(r, JV_REC_ERROR));
        g_string_append(out, "</p>");
    }
    g_string_append(out, "</section>\n");
    g_free(title);
}

/* The entrants' feedback: one section per author, in name order. */
static void render_entrants(GString *out, const json_t *records, const struct jv_export_opts *o,
                            int max)
{
    html_head(out, "Feedback", o);
    GHashTable *by =
        g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)g_ptr_array_unref);
    GPtrArray *names = g_ptr_array_new();
    size_t i;
    json_t *rec;
    json_array_foreach(records, i, rec)
    {
        const char *a = author_of(rec);
        GPtrArray *mine = g_hash_table_lookup(by, a);
        if (!mine) {
            mine = g_ptr_array_new();
            g_hash_table_insert(by, (gpointer)a, mine);
            g_ptr_array_add(names, (gpointer)a);
        }
        g_ptr_array_add(mine, rec);
    }
    g_ptr_array_sort(names, by_author);
    for (guint k = 0; k < names->len; k++) {
        GPtrArray *mine = g_hash_table_lookup(by, names->pdata[k]);
        g_string_append(out, "<section class=\"entrant\"><h1>");
        esc(out, names->pdata[k]);
        g_string_append(out, "</h1><p class=\"meta\">");
        esc(out, o->competition ? o->competition->name : o->round ? o->round : "");
        g_string_append_printf(out, " — %u entr%s</p>\n", mine->len, mine->len == 1 ? "y" : "ies");
        for (guint e = 0; e < mine->len; e++)
            render_feedback_entry(out, mine->pdata[e], o, max);
        g_string_append(out, "</section>\n");
    }
    g_ptr_array_free(names, TRUE);
    g_hash_table_destroy(by);
    g_string_append(out, "</body></html>\n");
}

static void csv_field(GString *out, const char *s, bool last)
{
    s = s ? s : "";
    if (strpbrk(s, ",\"\r\n")) {
        g_string_append_c(out, '"');
        for (const char *p = s; *p; p++) {
            if (*p == '"')
                g_string_append_c(out, '"');
            g_string_append_c(out, *p);
        }
        g_string_append_c(out, '"');
    } else {
        g_string_append(out, s);
    }
    g_string_append(out, last ? "\r\n" : ",");
}

static char *joined_warnings(const json_t *r)
{
    GString *g = g_string_new(NULL);
    size_t j;
    json_t *w;
    json_array_foreach(jv_record_get(r, JV_REC_WARNINGS), j, w)
        g_string_append_printf(g, "%s%s", j ? "; " : "", json_string_value(w));
    return g_string_free(g, FALSE);
}

/*
 * The mail-merge CSV: a byte-order mark (spreadsheets read UTF-8 by it),
 * the header, then one row per entry, categories in first-seen order and
 * entries by rank, every field quoted where RFC 4180 needs it.
 */
static void render_csv(GString *out, const json_t *records, int max)
{
    g_string_append(out, "\xEF\xBB\xBF"
                         "category,rank,place,title,author,file,score,max,award,critique,"
                         "compliance,checks,status\r\n");
    GPtrArray *cats = jv_summary_categories(records);
    for (guint c = 0; c < cats->len; c++) {
        GPtrArray *items = jv_summary_category_order(records, cats->pdata[c]);
        for (guint k = 0; k < items->len; k++) {
            const json_t *r = items->pdata[k];
            char *title = jv_summary_entry_title(r);
            char *base = g_path_get_basename(str(r, JV_REC_IMAGE) ? str(r, JV_REC_IMAGE) : "");
            long long rank = jv_record_int(r, JV_REC_RANK, 0);
            char *rank_s = rank > 0 ? g_strdup_printf("%lld", rank) : g_strdup("");
            double v;
            char *score = jv_record_num(r, JV_REC_CRITIQUE_TOTAL, &v) ? g_strdup_printf("%.0f", v)
                                                                      : g_strdup("");
            char *max_s = g_strdup_printf("%d", max);
            const json_t *comp = jv_record_get(r, JV_REC_COMPLIANCE);
            const char *passed = json_is_false(json_object_get(comp, "passed"))  ? "breach"
                                 : json_is_true(json_object_get(comp, "passed")) ? "ok"
                                                                                 : "";
            char *checks = joined_warnings(r);
            const char *fields[] = {cats->pdata[c],
                                    rank_s,
                                    str(r, JV_REC_PLACING),
                                    title,
                                    str(r, JV_REC_AUTHOR),
                                    base,
                                    score,
                                    max_s,
                                    str(r, JV_REC_CRITIQUE_AWARD),
                                    str(r, JV_REC_CRITIQUE),
                                    passed,
                                    checks,
                                    str(r, JV_REC_STATUS)};
            for (size_t f = 0; f < JV_ARRAY_LEN(fields); f++)
                csv_field(out, fields[f], f + 1 == JV_ARRAY_LEN(fields));
            g_free(checks);
            g_free(max_s);
            g_free(score);
            g_free(rank_s);
            g_free(base);
            g_free(title);
        }
        g_ptr_array_free(items, TRUE);
    }
    g_ptr_array_free(cats, TRUE);
}

char *jv_export_render(const json_t *records, enum jv_export_format f,
                       const struct jv_export_opts *o, size_t *len)
{
    int max = o->competition ? o->competition->scale_max : JV_SCALE_MAX_DEFAULT;
    GString *out = g_string_new(NULL);
    if (f == JV_EXPORT_RESULTS)
        render_results(out, records, o, max);
    else if (f == JV_EXPORT_ENTRANTS)
        render_entrants(out, records, o, max);
    else
        render_csv(out, records, max);
    if (len)
        *len = out->len;
    return g_string_free(out, FALSE);
}
