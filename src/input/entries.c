/* entries.c - the entry list CSV and file-name patterns (see entries.h). */
#include "core/jv.h"

#include "core/fsutil.h"
#include "core/limits.h"
#include "input/entries.h"

struct jv_entry_list {
    GPtrArray *entries;  /* struct jv_entry *, file order */
    GHashTable *by_name; /* casefolded base name -> entry (borrowed) */
    GHashTable *by_stem; /* casefolded stem of rows without extension -> entry */
};

static void entry_free(gpointer p)
{
    struct jv_entry *e = p;
    g_free(e->file);
    g_free(e->author);
    g_free(e->title);
    g_free(e->category);
    g_free(e);
}

void jv_entry_list_free(struct jv_entry_list *l)
{
    if (!l)
        return;
    g_hash_table_destroy(l->by_name);
    g_hash_table_destroy(l->by_stem);
    g_ptr_array_free(l->entries, TRUE);
    g_free(l);
}

size_t jv_entry_list_size(const struct jv_entry_list *l)
{
    return l ? l->entries->len : 0;
}

const struct jv_entry *jv_entry_list_get(const struct jv_entry_list *l, size_t i)
{
    return l && i < l->entries->len ? l->entries->pdata[i] : NULL;
}

/* The text as UTF-8 without a byte-order mark (owned), or NULL with err for a NUL byte. */
static char *as_utf8(const char *text, size_t len, const char *origin, GError **err)
{
    if (memchr(text, '\0', len)) {
        g_set_error(err, JV_ERROR, JV_ERR_PARSE, "%s: holds a NUL byte (not a CSV text file)",
                    origin);
        return NULL;
    }
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        text += 3;
        len -= 3;
    }
    if (g_utf8_validate(text, (gssize)len, NULL))
        return g_strndup(text, len);
    char *u = g_convert(text, (gssize)len, "UTF-8", "WINDOWS-1252", NULL, NULL, NULL);
    if (!u)
        u = g_convert(text, (gssize)len, "UTF-8", "ISO-8859-1", NULL, NULL, NULL);
    return u ? u : g_utf8_make_valid(text, (gssize)len);
}

struct reader {
    const char *p, *end;
    char sep;
    int line; /* of the next character */
};

/*
 * Reads one record into `fields` (owned strings). Returns 1 for a record, 0
 * at the end, -1 with err for an unterminated quote. A quoted field may span
 * lines; `*row_line` is where the record starts.
 */
static int read_row(struct reader *rd, GPtrArray *fields, int *row_line, const char *origin,
                    GError **err)
{
    g_ptr_array_set_size(fields, 0);
    if (rd->p >= rd->end)
        return 0;
    *row_line = rd->line;
    GString *f = g_string_new(NULL);
    bool quoted = false, was_quoted = false;
    int quote_line = 0;
    while (rd->p < rd->end) {
        char c = *rd->p++;
        if (quoted) {
            if (c == '"' && rd->p < rd->end && *rd->p == '"') {
                g_string_append_c(f, '"');
                rd->p++;
            } else if (c == '"') {
                quoted = false;
            } else {
                if (c == '\n')
                    rd->line++;
                g_string_append_c(f, c);
            }
        } else if (c == '"' && !was_quoted && f->len == 0) {
            quoted = was_quoted = true;
            quote_line = rd->line;
        } else if (c == rd->sep) {
            g_ptr_array_add(fields, g_string_free(f, FALSE));
            f = g_string_new(NULL);
            was_quoted = false;
        } else if (c == '\n' || c == '\r') {
            if (c == '\r' && rd->p < rd->end && *rd->p == '\n')
                rd->p++;
            rd->line++;
            break;
        } else {
            g_string_append_c(f, c);
        }
    }
    if (quoted) {
        g_string_free(f, TRUE);
        g_set_error(err, JV_ERROR, JV_ERR_PARSE, "%s:%d: a quoted field is never closed", origin,
                    quote_line);
        return -1;
    }
    g_ptr_array_add(fields, g_string_free(f, FALSE));
    return 1;
}

/* A header name reduced to letters: "Entry File" -> "entryfile". */
static char *column_key(const char *name)
{
    GString *k = g_string_new(NULL);
    for (const char *p = name; *p; p++)
        if (*p != ' ' && *p != '_' && *p != '-' && *p != '\t')
            g_string_append_c(k, g_ascii_tolower(*p));
    return g_string_free(k, FALSE);
}

enum col { COL_FILE, COL_AUTHOR, COL_TITLE, COL_CATEGORY, COL_N };

static int column_of(const char *name)
{
    static const char *const names[COL_N][6] = {
        {"file", "filename", "image", "photo", "entryfile", "imagefile"},
        {"author", "entrant", "member", "photographer", "name", "membername"},
        {"title", "entrytitle", "imagetitle"},
        {"category", "section", "class"},
    };
    char *k = column_key(name);
    int found = -1;
    for (int c = 0; c < COL_N && found < 0; c++)
        for (int i = 0; i < 6 && names[c][i]; i++)
            if (strcmp(k, names[c][i]) == 0)
                found = c;
    g_free(k);
    return found;
}

static char *casefold_base(const char *path, bool stem)
{
    char *base = g_path_get_basename(path);
    if (stem) {
        char *dot = strrchr(base, '.');
        if (dot && dot != base)
            *dot = '\0';
    }
    char *k = g_utf8_casefold(base, -1);
    g_free(base);
    return k;
}

static char *field_or_null(GPtrArray *fields, int col)
{
    if (col < 0 || (guint)col >= fields->len)
        return NULL;
    char *s = g_strstrip(g_strdup(fields->pdata[col]));
    if (!*s) {
        g_free(s);
        return NULL;
    }
    return s;
}

/* Finds the columns of the header row; -1 with err when file or author is missing. */
static int read_header(GPtrArray *fields, int cols[COL_N], const char *origin, int line,
                       GError **err)
{
    for (int c = 0; c < COL_N; c++)
        cols[c] = -1;
    for (guint i = 0; i < fields->len; i++) {
        int c = column_of(fields->pdata[i]);
        if (c >= 0 && cols[c] < 0)
            cols[c] = (int)i;
    }
    if (cols[COL_FILE] < 0 || cols[COL_AUTHOR] < 0) {
        g_set_error(err, JV_ERROR, JV_ERR_PARSE,
                    "%s:%d: the header row must name a file column and an author column "
                    "(e.g. \"file,author,title,category\")",
                    origin, line);
        return -1;
    }
    return 0;
}

/* Adds the row's entry; -1 with err for a row without file or author, or a file seen before. */
static int add_row(struct jv_entry_list *l, GPtrArray *fields, const int cols[COL_N], int line,
                   const char *origin, GError **err)
{
    struct jv_entry *e = g_new0(struct jv_entry, 1);
    e->file = field_or_null(fields, cols[COL_FILE]);
    e->author = field_or_null(fields, cols[COL_AUTHOR]);
    e->title = field_or_null(fields, cols[COL_TITLE]);
    e->category = field_or_null(fields, cols[COL_CATEGORY]);
    e->line = line;
    const char *what = !e->file ? "has no file" : !e->author ? "has no author" : NULL;
    char *key = e->file ? casefold_base(e->file, false) : NULL;
    const struct jv_entry *dup = key ? g_hash_table_lookup(l->by_name, key) : NULL;
    if (what || dup) {
        if (dup)
            g_set_error(err, JV_ERROR, JV_ERR_PARSE, "%s:%d: %s is listed twice (also on line %d)",
                        origin, line, e->file, dup->line);
        else
            g_set_error(err, JV_ERROR, JV_ERR_PARSE, "%s:%d: the row %s", origin, line, what);
        g_free(key);
        entry_free(e);
        return -1;
    }
    g_ptr_array_add(l->entries, e);
    g_hash_table_insert(l->by_name, key, e);
    char *base = g_path_get_basename(e->file);
    if (!strchr(base, '.'))
        g_hash_table_insert(l->by_stem, g_utf8_casefold(base, -1), e);
    g_free(base);
    return 0;
}

static bool blank_row(GPtrArray *fields)
{
    for (guint i = 0; i < fields->len; i++) {
        const char *s = fields->pdata[i];
        while (*s == ' ' || *s == '\t')
            s++;
        if (*s)
            return false;
    }
    return true;
}

struct jv_entry_list *jv_entry_list_parse(const char *text, size_t len, const char *origin,
                                          GError **err)
{
    char *u = as_utf8(text ? text : "", text ? len : 0, origin, err);
    if (!u)
        return NULL;
    struct jv_entry_list *l = g_new0(struct jv_entry_list, 1);
    l->entries = g_ptr_array_new_with_free_func(entry_free);
    l->by_name = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    l->by_stem = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    const char *nl = strpbrk(u, "\r\n");
    size_t head_len = nl ? (size_t)(nl - u) : strlen(u);
    bool semi = memchr(u, ';', head_len) && !memchr(u, ',', head_len);
    struct reader rd = {.p = u, .end = u + strlen(u), .sep = semi ? ';' : ',', .line = 1};
    GPtrArray *fields = g_ptr_array_new_with_free_func(g_free);
    int cols[COL_N], line = 1, rc = 0;
    bool have_header = false;
    while ((rc = read_row(&rd, fields, &line, origin, err)) > 0) {
        if (blank_row(fields))
            continue;
        if (!have_header) {
            if (read_header(fields, cols, origin, line, err) < 0)
                break;
            have_header = true;
        } else if (add_row(l, fields, cols, line, origin, err) < 0) {
            break;
        }
    }
    if (rc == 0 && !have_header) {
        g_set_error(err, JV_ERROR, JV_ERR_PARSE, "%s: empty: no header row", origin);
        rc = -1;
    }
    g_ptr_array_free(fields, TRUE);
    g_free(u);
    if (rc != 0) {
        jv_entry_list_free(l);
        return NULL;
    }
    return l;
}

struct jv_entry_list *jv_entry_list_load(const char *path, GError **err)
{
    size_t len = 0;
    char *text = jv_read_file(path, JV_LIMIT_ENTRIES, &len, err);
    if (!text)
        return NULL;
    struct jv_entry_list *l = jv_entry_list_parse(text, len, path, err);
    g_free(text);
    return l;
}

const struct jv_entry *jv_entry_list_find(const struct jv_entry_list *l, const char *path)
{
    if (!l || !path)
        return NULL;
    char *utf8 = g_utf8_make_valid(path, -1);
    char *key = casefold_base(utf8, false);
    const struct jv_entry *e = g_hash_table_lookup(l->by_name, key);
    g_free(key);
    if (!e) {
        key = casefold_base(utf8, true);
        e = g_hash_table_lookup(l->by_stem, key);
        g_free(key);
    }
    g_free(utf8);
    return e;
}

/* ---- file-name patterns ---------------------------------------------- */

enum part { PART_TITLE, PART_AUTHOR, PART_CATEGORY, PART_SKIP };

/*
 * Turns the pattern into an anchored regular expression, one lazy group per
 * placeholder (the last one greedy), recording which part each group is.
 * Returns the regex text (owned) or NULL with *why (owned) set.
 */
static char *pattern_regex(const char *pattern, GArray *parts, char **why)
{
    GString *re = g_string_new("^");
    const char *p = pattern;
    while (*p) {
        const char *open = strchr(p, '{');
        if (!open) {
            char *lit = g_regex_escape_string(p, -1);
            g_string_append(re, lit);
            g_free(lit);
            break;
        }
        char *lit = g_regex_escape_string(p, (gint)(open - p));
        g_string_append(re, lit);
        g_free(lit);
        const char *close = strchr(open, '}');
        if (!close) {
            *why = g_strdup_printf("\"%s\": a '{' is never closed", pattern);
            g_string_free(re, TRUE);
            return NULL;
        }
        char *name = g_strndup(open + 1, (gsize)(close - open - 1));
        int part = strcmp(name, "title") == 0      ? PART_TITLE
                   : strcmp(name, "author") == 0   ? PART_AUTHOR
                   : strcmp(name, "category") == 0 ? PART_CATEGORY
                   : strcmp(name, "*") == 0        ? PART_SKIP
                                                   : -1;
        if (part < 0) {
            *why = g_strdup_printf("\"%s\": unknown placeholder {%s} (known: {title}, {author}, "
                                   "{category}, {*})",
                                   pattern, name);
            g_free(name);
            g_string_free(re, TRUE);
            return NULL;
        }
        g_free(name);
        g_array_append_val(parts, part);
        g_string_append(re, close[1] ? "(.*?)" : "(.*)");
        p = close + 1;
    }
    g_string_append(re, "$");
    return g_string_free(re, FALSE);
}

char *jv_filename_pattern_check(const char *pattern)
{
    char *why = NULL;
    GArray *parts = g_array_new(FALSE, FALSE, sizeof(int));
    char *re = pattern_regex(pattern ? pattern : "", parts, &why);
    if (re && parts->len == 0)
        why = g_strdup_printf("\"%s\": names no placeholder ({title}, {author}, ...)", pattern);
    g_free(re);
    g_array_free(parts, TRUE);
    return why;
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

bool jv_filename_pattern_match(const char *pattern, const char *stem, char **title, char **author,
                               char **category)
{
    *title = *author = *category = NULL;
    if (!pattern || !stem || !g_utf8_validate(stem, -1, NULL))
        return false;
    char *why = NULL;
    GArray *parts = g_array_new(FALSE, FALSE, sizeof(int));
    char *re_text = pattern_regex(pattern, parts, &why);
    bool ok = false;
    GRegex *re = re_text ? g_regex_new(re_text, G_REGEX_DOTALL, 0, NULL) : NULL;
    GMatchInfo *mi = NULL;
    if (re && g_regex_match(re, stem, 0, &mi)) {
        ok = true;
        for (guint i = 0; i < parts->len; i++) {
            char *s = g_match_info_fetch(mi, (gint)i + 1);
            int part = g_array_index(parts, int, i);
            char **slot = part == PART_TITLE      ? title
                          : part == PART_AUTHOR   ? author
                          : part == PART_CATEGORY ? category
                                                  : NULL;
            if (slot && !*slot)
                *slot = trimmed_or_null(s);
            g_free(s);
        }
    }
    if (mi)
        g_match_info_free(mi);
    if (re)
        g_regex_unref(re);
    g_free(re_text);
    g_free(why);
    g_array_free(parts, TRUE);
    return ok;
}
