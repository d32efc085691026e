/* human_csv.c - the club's own results as CSV: fields, columns by name, rows. */
#include "core/jv.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "core/fsutil.h"
#include "input/human_csv.h"

#define HUMAN_CSV_MAX_BYTES (16 * 1024 * 1024)

enum col { COL_FILE, COL_TITLE, COL_SCORE, COL_AWARD, COL_PLACING, COL_N };

static const char *const col_names[COL_N][5] = {
    [COL_FILE] = {"file", "filename", "image", "path", NULL},
    [COL_TITLE] = {"title", NULL},
    [COL_SCORE] = {"score", "mark", "total", NULL},
    [COL_AWARD] = {"award", NULL},
    [COL_PLACING] = {"placing", "place", "position", "rank", NULL},
};

/* A reader over the text: the position and line of the next field. */
struct reader {
    const char *p, *end;
    int line;
};

/*
 * Reads the fields of one record into `fields` (owned strings) and moves past
 * its line end. Returns 1 for a record, 0 at the end of the text, -1 with
 * err for a quote left open.
 */
static int read_record(struct reader *rd, GPtrArray *fields, const char *origin, GError **err)
{
    g_ptr_array_set_size(fields, 0);
    if (rd->p >= rd->end)
        return 0;
    int start_line = rd->line;
    GString *f = g_string_new(NULL);
    for (;;) {
        bool quoted = rd->p < rd->end && *rd->p == '"';
        if (quoted) {
            rd->p++;
            for (;;) {
                if (rd->p >= rd->end) {
                    g_set_error(err, JV_ERROR, JV_ERR_PARSE, "%s:%d: a quoted field is not closed",
                                origin, start_line);
                    g_string_free(f, TRUE);
                    return -1;
                }
                char c = *rd->p++;
                if (c == '"' && rd->p < rd->end && *rd->p == '"') {
                    g_string_append_c(f, '"');
                    rd->p++;
                } else if (c == '"') {
                    break;
                } else {
                    if (c == '\n')
                        rd->line++;
                    g_string_append_c(f, c);
                }
            }
        }
        /* the unquoted rest of the field (after a closing quote too) */
        while (rd->p < rd->end && *rd->p != ',' && *rd->p != '\n' && *rd->p != '\r')
            g_string_append_c(f, *rd->p++);
        g_ptr_array_add(fields, g_strdup(f->str));
        g_string_truncate(f, 0);
        if (rd->p < rd->end && *rd->p == ',') {
            rd->p++;
            continue;
        }
        if (rd->p < rd->end && *rd->p == '\r')
            rd->p++;
        if (rd->p < rd->end && *rd->p == '\n')
            rd->p++;
        rd->line++;
        break;
    }
    g_string_free(f, TRUE);
    return 1;
}

static char *trimmed_or_null(const char *s)
{
    char *t = g_strstrip(g_strdup(s ? s : ""));
    if (!*t) {
        g_free(t);
        return NULL;
    }
    return t;
}

/* Which column each header field is (-1: ignored). -1 with err for a repeated column. */
static int map_header(GPtrArray *fields, int *where, const char *origin, GError **err)
{
    for (int c = 0; c < COL_N; c++)
        where[c] = -1;
    for (guint i = 0; i < fields->len; i++) {
        char *name = g_ascii_strdown(g_strstrip((char *)g_ptr_array_index(fields, i)), -1);
        for (int c = 0; c < COL_N; c++)
            for (const char *const *n = col_names[c]; *n; n++)
                if (strcmp(name, *n) == 0) {
                    if (where[c] >= 0) {
                        g_set_error(err, JV_ERROR, JV_ERR_PARSE, "%s:1: two columns name the %s",
                                    origin, col_names[c][0]);
                        g_free(name);
                        return -1;
                    }
                    where[c] = (int)i;
                }
        g_free(name);
    }
    if (where[COL_FILE] < 0 && where[COL_TITLE] < 0) {
        g_set_error(err, JV_ERROR, JV_ERR_PARSE, "%s:1: the header names no file or title column",
                    origin);
        return -1;
    }
    if (where[COL_SCORE] < 0 && where[COL_AWARD] < 0 && where[COL_PLACING] < 0) {
        g_set_error(err, JV_ERROR, JV_ERR_PARSE,
                    "%s:1: the header names no score, award or placing column", origin);
        return -1;
    }
    return 0;
}

static const char *field(GPtrArray *fields, int at)
{
    return at >= 0 && (guint)at < fields->len ? g_ptr_array_index(fields, at) : NULL;
}

/* Fills `row` from a record's fields. -1 with err for a bad score or placing. */
static int fill_row(struct jv_human_row *row, GPtrArray *fields, const int *where,
                    const char *origin, GError **err)
{
    row->file = trimmed_or_null(field(fields, where[COL_FILE]));
    row->title = trimmed_or_null(field(fields, where[COL_TITLE]));
    row->award = trimmed_or_null(field(fields, where[COL_AWARD]));
    char *score = trimmed_or_null(field(fields, where[COL_SCORE]));
    char *placing = trimmed_or_null(field(fields, where[COL_PLACING]));
    int rc = 0;
    if (score) {
        char *endp = NULL;
        errno = 0;
        row->score = g_ascii_strtod(score, &endp);
        row->has_score = true;
        if (errno || !endp || *endp || !isfinite(row->score)) {
            g_set_error(err, JV_ERROR, JV_ERR_PARSE, "%s:%d: score '%s' is not a number", origin,
                        row->line, score);
            rc = -1;
        }
    }
    if (rc == 0 && placing) {
        char *endp = NULL;
        gint64 v = g_ascii_strtoll(placing, &endp, 10);
        if (!endp || *endp || v < 1 || v > 1000000) {
            g_set_error(err, JV_ERROR, JV_ERR_PARSE,
                        "%s:%d: placing '%s' is not a whole number from 1", origin, row->line,
                        placing);
            rc = -1;
        }
        row->placing = (int)v;
    }
    if (rc == 0 && !row->file && !row->title) {
        g_set_error(err, JV_ERROR, JV_ERR_PARSE, "%s:%d: the row names no file or title", origin,
                    row->line);
        rc = -1;
    }
    g_free(score);
    g_free(placing);
    return rc;
}

static void row_clear(gpointer p)
{
    struct jv_human_row *r = p;
    g_free(r->file);
    g_free(r->title);
    g_free(r->award);
}

static bool blank_record(GPtrArray *fields)
{
    for (guint i = 0; i < fields->len; i++) {
        const char *s = g_ptr_array_index(fields, i);
        while (*s == ' ' || *s == '\t')
            s++;
        if (*s)
            return false;
    }
    return true;
}

struct jv_human *jv_human_parse(const char *text, size_t len, const char *origin, GError **err)
{
    struct reader rd = {text, text + len, 1};
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        rd.p += 3;
    if (!g_utf8_validate(rd.p, (gssize)(rd.end - rd.p), NULL)) {
        g_set_error(err, JV_ERROR, JV_ERR_PARSE, "%s: not UTF-8 text", origin);
        return NULL;
    }
    struct jv_human *h = g_new0(struct jv_human, 1);
    h->origin = g_strdup(origin);
    h->rows = g_array_new(FALSE, TRUE, sizeof(struct jv_human_row));
    g_array_set_clear_func(h->rows, row_clear);
    GPtrArray *fields = g_ptr_array_new_with_free_func(g_free);
    int where[COL_N];
    int rc = read_record(&rd, fields, origin, err);
    if (rc == 0)
        g_set_error(err, JV_ERROR, JV_ERR_PARSE, "%s: empty (a header row is needed)", origin);
    if (rc <= 0 || map_header(fields, where, origin, err) < 0)
        goto fail;
    guint width = fields->len;
    h->has_score = where[COL_SCORE] >= 0;
    h->has_award = where[COL_AWARD] >= 0;
    h->has_placing = where[COL_PLACING] >= 0;
    for (;;) {
        int line = rd.line;
        rc = read_record(&rd, fields, origin, err);
        if (rc < 0)
            goto fail;
        if (rc == 0)
            break;
        if (blank_record(fields))
            continue;
        if (fields->len > width) {
            g_set_error(err, JV_ERROR, JV_ERR_PARSE, "%s:%d: %u fields, the header has %u", origin,
                        line, fields->len, width);
            goto fail;
        }
        struct jv_human_row row = {.line = line};
        g_array_append_val(h->rows, row);
        if (fill_row(&g_array_index(h->rows, struct jv_human_row, h->rows->len - 1), fields, where,
                     origin, err) < 0)
            goto fail;
    }
    if (h->rows->len == 0) {
        g_set_error(err, JV_ERROR, JV_ERR_PARSE, "%s: no entries after the header", origin);
        goto fail;
    }
    g_ptr_array_unref(fields);
    return h;
fail:
    g_ptr_array_unref(fields);
    jv_human_free(h);
    return NULL;
}

struct jv_human *jv_human_load(const char *path, GError **err)
{
    size_t len = 0;
    GError *local = NULL;
    char *text = jv_read_file(path, HUMAN_CSV_MAX_BYTES, &len, &local);
    if (!text) {
        g_set_error(err, JV_ERROR, local->code, "human results: %s", local->message);
        g_error_free(local);
        return NULL;
    }
    struct jv_human *h = jv_human_parse(text, len, path, err);
    g_free(text);
    return h;
}

void jv_human_free(struct jv_human *h)
{
    if (!h)
        return;
    g_array_free(h->rows, TRUE);
    g_free(h->origin);
    g_free(h);
}
