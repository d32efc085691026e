/*
 * toml.c - recursive-descent TOML 1.0 parser (see toml.h).
 *
 * The tree is built directly as jansson values. TOML's rules about which
 * tables may be reopened or extended depend on how a table came to exist, and
 * jansson has no room for that, so a side table (`kinds`, keyed by the json_t
 * pointer) records for every object or array how it was created:
 *   IMPLICIT - made as an intermediate of a [a.b.c] header; may later be
 *              defined once by its own header;
 *   HEADER   - defined by a [header] or as an element of [[array]]; never
 *              defined again;
 *   DOTTED   - made by a dotted key (a.b = 1); dotted keys may extend it, a
 *              header may create sub-tables below it but not redefine it;
 *   INLINE   - an inline table (and everything inside it): frozen;
 *   AOT      - an array made by [[header]]; only [[header]] may append.
 * Any array not marked AOT is a static array and can never be extended.
 */
#include "core/jv.h"

#include <math.h>

#include "input/toml.h"

enum kind {
    K_IMPLICIT = 1,
    K_HEADER = 2,
    K_DOTTED = 4,
    K_INLINE = 8,
    K_AOT = 16,
};

struct parser {
    const char *s;
    size_t len;
    size_t pos;
    const char *filename;
    GError **err;
    bool failed;
    GHashTable *kinds; /* json_t* -> enum kind bits */
};

/* One key of a dotted key path; keys may hold NUL (from \u0000). */
struct key {
    char *str;
    size_t len;
    size_t pos; /* where the key starts, for error messages */
};

static void fail_at(struct parser *p, size_t at, const char *fmt, ...) JV_PRINTF(3, 4);

static void fail_at(struct parser *p, size_t at, const char *fmt, ...)
{
    if (p->failed)
        return;
    p->failed = true;
    if (at > p->len)
        at = p->len;
    /* Line and column are computed only on failure: a rescan is cheaper than
     * tracking them for every byte. Columns count code points. */
    size_t line = 1, col = 1;
    for (size_t i = 0; i < at; i++) {
        unsigned char c = (unsigned char)p->s[i];
        if (c == '\n') {
            line++;
            col = 1;
        } else if ((c & 0xC0) != 0x80) {
            col++;
        }
    }
    va_list ap;
    va_start(ap, fmt);
    char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error(p->err, JV_ERROR, JV_ERR_PARSE, "%s:%zu:%zu: %s",
                p->filename ? p->filename : "<input>", line, col, msg);
    g_free(msg);
}

/* Byte at pos+k, or 0 at the end (NUL never occurs in validated input). */
static inline int peek(const struct parser *p, size_t k)
{
    return p->pos + k < p->len ? (unsigned char)p->s[p->pos + k] : 0;
}

static inline bool at_end(const struct parser *p)
{
    return p->pos >= p->len;
}

static unsigned get_kind(struct parser *p, const json_t *v)
{
    return GPOINTER_TO_UINT(g_hash_table_lookup(p->kinds, v));
}

static void set_kind(struct parser *p, json_t *v, unsigned k)
{
    g_hash_table_insert(p->kinds, v, GUINT_TO_POINTER(k));
}

static void skip_ws(struct parser *p)
{
    while (peek(p, 0) == ' ' || peek(p, 0) == '\t')
        p->pos++;
}

/* True at "\n" or "\r\n". */
static bool at_newline(const struct parser *p)
{
    return peek(p, 0) == '\n' || (peek(p, 0) == '\r' && peek(p, 1) == '\n');
}

static void skip_newline(struct parser *p)
{
    p->pos += peek(p, 0) == '\r' ? 2 : 1;
}

/* Control characters TOML forbids in strings and comments (tab is allowed). */
static bool is_bad_control(int c)
{
    return (c < 0x20 && c != '\t') || c == 0x7F;
}

/* Skips a comment if one starts here; validates its characters. */
static bool skip_comment(struct parser *p)
{
    if (peek(p, 0) != '#')
        return true;
    while (!at_end(p) && !at_newline(p)) {
        int c = peek(p, 0);
        if (is_bad_control(c)) {
            fail_at(p, p->pos, "control character U+%04X is not allowed in a comment", c);
            return false;
        }
        p->pos++;
    }
    return true;
}

/* Skips whitespace, comments and newlines (inside arrays). */
static bool skip_ws_comments_newlines(struct parser *p)
{
    for (;;) {
        skip_ws(p);
        if (peek(p, 0) == '#') {
            if (!skip_comment(p))
                return false;
        } else if (at_newline(p)) {
            skip_newline(p);
        } else {
            return true;
        }
    }
}

/* After a key/value pair or header: optional comment, then newline or EOF. */
static bool expect_line_end(struct parser *p)
{
    skip_ws(p);
    if (!skip_comment(p))
        return false;
    if (at_end(p))
        return true;
    if (at_newline(p)) {
        skip_newline(p);
        return true;
    }
    fail_at(p, p->pos, "expected a newline or end of file");
    return false;
}

static int hex_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Parses an escape after the backslash at p->pos; appends it to `out`. */
static bool parse_escape(struct parser *p, GString *out)
{
    size_t start = p->pos;
    int c = peek(p, 1);
    p->pos += 2;
    switch (c) {
    case 'b':
        g_string_append_c(out, '\b');
        return true;
    case 't':
        g_string_append_c(out, '\t');
        return true;
    case 'n':
        g_string_append_c(out, '\n');
        return true;
    case 'f':
        g_string_append_c(out, '\f');
        return true;
    case 'r':
        g_string_append_c(out, '\r');
        return true;
    case '"':
        g_string_append_c(out, '"');
        return true;
    case '\\':
        g_string_append_c(out, '\\');
        return true;
    case 'u':
    case 'U': {
        int digits = c == 'u' ? 4 : 8;
        guint32 cp = 0;
        for (int i = 0; i < digits; i++) {
            int h = hex_value(peek(p, 0));
            if (h < 0) {
                fail_at(p, start, "\\%c escape needs %d hex digits", c, digits);
                return false;
            }
            cp = cp * 16 + (guint32)h;
            p->pos++;
        }
        if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            fail_at(p, start, "escape \\%c%0*X is not a Unicode scalar value", c, digits, cp);
            return false;
        }
        g_string_append_unichar(out, cp);
        return true;
    }
    default:
        if (c == 0)
            fail_at(p, start, "unterminated string");
        else if (c < 0x80 && g_ascii_isprint((gchar)c))
            fail_at(p, start, "invalid escape sequence \\%c", c);
        else
            fail_at(p, start, "invalid escape sequence");
        return false;
    }
}

/*
 * Parses any of the four string forms at p->pos. Returns the unescaped bytes
 * (owned GString) or NULL. `allow_multi` is false for keys.
 */
static GString *parse_string(struct parser *p, bool allow_multi)
{
    size_t start = p->pos;
    int q = peek(p, 0);
    bool literal = q == '\'';
    bool multi = peek(p, 1) == q && peek(p, 2) == q;
    GString *out = g_string_new(NULL);

    if (multi && !allow_multi) {
        fail_at(p, start, "a key cannot be a multi-line string");
        goto bad;
    }
    if (!multi) {
        p->pos++;
        for (;;) {
            int c = peek(p, 0);
            if (at_end(p) || c == '\n' || c == '\r') {
                fail_at(p, start, "unterminated string");
                goto bad;
            }
            if (c == q) {
                p->pos++;
                return out;
            }
            if (!literal && c == '\\') {
                if (!parse_escape(p, out))
                    goto bad;
                continue;
            }
            if (is_bad_control(c)) {
                fail_at(p, p->pos, "control character U+%04X must be escaped", c);
                goto bad;
            }
            g_string_append_c(out, (char)c);
            p->pos++;
        }
    }

    p->pos += 3;
    /* A newline right after the opening delimiter is trimmed. */
    if (at_newline(p))
        skip_newline(p);
    for (;;) {
        int c = peek(p, 0);
        if (at_end(p)) {
            fail_at(p, start, "unterminated multi-line string");
            goto bad;
        }
        if (c == q && peek(p, 1) == q && peek(p, 2) == q) {
            /* Up to two quotes may sit just before the closing three. */
            size_t n = 3;
            while (peek(p, n) == q)
                n++;
            if (n > 5) {
                fail_at(p, p->pos, "too many quotes at the end of a multi-line string");
                goto bad;
            }
            for (size_t i = 3; i < n; i++)
                g_string_append_c(out, (char)q);
            p->pos += n;
            return out;
        }
        if (at_newline(p)) {
            skip_newline(p);
            g_string_append_c(out, '\n');
            continue;
        }
        if (!literal && c == '\\') {
            /* Line-ending backslash: trims whitespace and newlines up to the
             * next non-whitespace character. */
            size_t k = 1;
            while (peek(p, k) == ' ' || peek(p, k) == '\t')
                k++;
            if (peek(p, k) == '\n' || (peek(p, k) == '\r' && peek(p, k + 1) == '\n')) {
                p->pos += k;
                while (peek(p, 0) == ' ' || peek(p, 0) == '\t' || at_newline(p)) {
                    if (at_newline(p))
                        skip_newline(p);
                    else
                        p->pos++;
                }
                continue;
            }
            if (!parse_escape(p, out))
                goto bad;
            continue;
        }
        if (is_bad_control(c)) {
            fail_at(p, p->pos, "control character U+%04X must be escaped", c);
            goto bad;
        }
        g_string_append_c(out, (char)c);
        p->pos++;
    }
bad:
    g_string_free(out, TRUE);
    return NULL;
}

static bool is_bare_key_char(int c)
{
    return g_ascii_isalnum((gchar)c) || c == '_' || c == '-';
}

static void keys_free(GArray *keys)
{
    for (guint i = 0; i < keys->len; i++)
        g_free(g_array_index(keys, struct key, i).str);
    g_array_free(keys, TRUE);
}

/* Parses a (possibly dotted) key. Returns an owned GArray of struct key. */
static GArray *parse_key(struct parser *p)
{
    GArray *keys = g_array_new(FALSE, FALSE, sizeof(struct key));
    for (;;) {
        skip_ws(p);
        struct key k = {.pos = p->pos};
        int c = peek(p, 0);
        if (c == '"' || c == '\'') {
            GString *s = parse_string(p, false);
            if (!s)
                goto bad;
            k.len = s->len;
            k.str = g_string_free(s, FALSE);
        } else if (is_bare_key_char(c)) {
            size_t b = p->pos;
            while (is_bare_key_char(peek(p, 0)))
                p->pos++;
            k.len = p->pos - b;
            k.str = g_strndup(p->s + b, k.len);
        } else {
            if (at_end(p) || at_newline(p))
                fail_at(p, p->pos, "expected a key");
            else if (c < 0x80 && g_ascii_isprint((gchar)c))
                fail_at(p, p->pos, "expected a key, found '%c'", c);
            else
                fail_at(p, p->pos,
                        "invalid character in key (bare keys allow A-Za-z0-9_-; "
                        "quote others)");
            goto bad;
        }
        g_array_append_val(keys, k);
        if (keys->len > JV_TOML_MAX_DEPTH) {
            fail_at(p, k.pos, "dotted key nests deeper than %d", JV_TOML_MAX_DEPTH);
            goto bad;
        }
        skip_ws(p);
        if (peek(p, 0) != '.')
            return keys;
        p->pos++;
    }
bad:
    keys_free(keys);
    return NULL;
}

static char *key_display(const struct key *k)
{
    /* Keys with NUL print up to the NUL: good enough for a message. */
    return g_strescape(k->str, NULL);
}

static json_t *parse_value(struct parser *p, int depth);

static bool days_ok(int y, int m, int d)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return !(m == 2 && d == 29 && !leap);
}

/* Reads exactly n digits at pos+off into *v. */
static bool digits_at(const struct parser *p, size_t off, int n, int *v)
{
    *v = 0;
    for (int i = 0; i < n; i++) {
        int c = peek(p, off + (size_t)i);
        if (!g_ascii_isdigit((gchar)c))
            return false;
        *v = *v * 10 + (c - '0');
    }
    return true;
}

/* Parses HH:MM:SS[.frac] at p->pos (TOML 1.0 requires the seconds). */
static bool parse_time(struct parser *p)
{
    int h, m, s;
    if (!digits_at(p, 0, 2, &h) || peek(p, 2) != ':' || !digits_at(p, 3, 2, &m) ||
        peek(p, 5) != ':' || !digits_at(p, 6, 2, &s)) {
        fail_at(p, p->pos, "invalid time (expected HH:MM:SS)");
        return false;
    }
    if (h > 23 || m > 59 || s > 60) {
        fail_at(p, p->pos, "time out of range");
        return false;
    }
    p->pos += 8;
    if (peek(p, 0) == '.') {
        p->pos++;
        if (!g_ascii_isdigit((gchar)peek(p, 0))) {
            fail_at(p, p->pos, "expected digits after the decimal point of a time");
            return false;
        }
        while (g_ascii_isdigit((gchar)peek(p, 0)))
            p->pos++;
    }
    return true;
}

/* Dates and times are validated and kept as the text written (see toml.h). */
static json_t *parse_datetime(struct parser *p)
{
    size_t start = p->pos;
    if (peek(p, 2) == ':') {
        if (!parse_time(p))
            return NULL;
        return json_stringn(p->s + start, p->pos - start);
    }
    int y, mo, d;
    if (!digits_at(p, 0, 4, &y) || peek(p, 4) != '-' || !digits_at(p, 5, 2, &mo) ||
        peek(p, 7) != '-' || !digits_at(p, 8, 2, &d)) {
        fail_at(p, start, "invalid date (expected YYYY-MM-DD)");
        return NULL;
    }
    if (!days_ok(y, mo, d)) {
        fail_at(p, start, "date out of range");
        return NULL;
    }
    p->pos += 10;
    int sep = peek(p, 0);
    int dummy;
    if (sep == 'T' || sep == 't' ||
        (sep == ' ' && digits_at(p, 1, 2, &dummy) && peek(p, 3) == ':')) {
        p->pos++;
        if (!parse_time(p))
            return NULL;
        int c = peek(p, 0);
        if (c == 'Z' || c == 'z') {
            p->pos++;
        } else if (c == '+' || c == '-') {
            int oh, om;
            if (!digits_at(p, 1, 2, &oh) || peek(p, 3) != ':' || !digits_at(p, 4, 2, &om) ||
                oh > 23 || om > 59) {
                fail_at(p, p->pos, "invalid time offset (expected +HH:MM)");
                return NULL;
            }
            p->pos += 6;
        }
    }
    return json_stringn(p->s + start, p->pos - start);
}

/*
 * Copies digits from `t` (length n) into `out`, checking that every
 * underscore sits between two digits. Returns false on a misplaced one or
 * when there are no digits.
 */
static bool copy_digits(const char *t, size_t n, bool (*isdig)(int), GString *out)
{
    if (n == 0 || !isdig((unsigned char)t[0]) || !isdig((unsigned char)t[n - 1]))
        return false;
    for (size_t i = 0; i < n; i++) {
        if (t[i] == '_') {
            if (!isdig((unsigned char)t[i + 1]))
                return false;
            continue;
        }
        if (!isdig((unsigned char)t[i]))
            return false;
        g_string_append_c(out, t[i]);
    }
    return true;
}

static bool is_dec(int c)
{
    return c >= '0' && c <= '9';
}
static bool is_hex(int c)
{
    return hex_value(c) >= 0;
}
static bool is_oct(int c)
{
    return c >= '0' && c <= '7';
}
static bool is_bin(int c)
{
    return c == '0' || c == '1';
}

/*
 * A TOML integer (decimal, 0x, 0o, 0b, underscores between digits) or float
 * (fraction, exponent; inf and nan refused: JSON has no such numbers),
 * scanned from p->pos. Returns a new jansson integer or real, or NULL with
 * the parser's error set.
 */
static json_t *parse_number(struct parser *p)
{
    size_t start = p->pos;
    while (g_ascii_isalnum((gchar)peek(p, 0)) || peek(p, 0) == '_' || peek(p, 0) == '.' ||
           peek(p, 0) == '+' || peek(p, 0) == '-')
        p->pos++;
    const char *t = p->s + start;
    size_t n = p->pos - start;
    GString *digits = g_string_new(NULL);
    json_t *result = NULL;

    size_t i = 0;
    bool neg = false, signed_ = false;
    if (n > 0 && (t[0] == '+' || t[0] == '-')) {
        neg = t[0] == '-';
        signed_ = true;
        i = 1;
    }
    if ((n - i == 3 && (memcmp(t + i, "inf", 3) == 0 || memcmp(t + i, "nan", 3) == 0))) {
        fail_at(p, start, "inf and nan are not supported (JSON cannot represent them)");
        goto out;
    }
    if (n - i >= 2 && t[i] == '0' && (t[i + 1] == 'x' || t[i + 1] == 'o' || t[i + 1] == 'b')) {
        if (signed_) {
            fail_at(p, start, "hexadecimal, octal and binary integers cannot have a sign");
            goto out;
        }
        int base = t[i + 1] == 'x' ? 16 : t[i + 1] == 'o' ? 8 : 2;
        bool (*isdig)(int) = base == 16 ? is_hex : base == 8 ? is_oct : is_bin;
        if (!copy_digits(t + i + 2, n - i - 2, isdig, digits)) {
            fail_at(p, start, "invalid base-%d integer", base);
            goto out;
        }
        guint64 v = 0;
        for (size_t k = 0; k < digits->len; k++) {
            guint64 dv = (guint64)hex_value(digits->str[k]);
            if (v > ((guint64)INT64_MAX - dv) / (guint64)base) {
                fail_at(p, start, "integer does not fit in 64 bits");
                goto out;
            }
            v = v * (guint64)base + dv;
        }
        result = json_integer((json_int_t)v);
        goto out;
    }

    /* Decimal integer or float: int part, optional .frac, optional exponent. */
    size_t int_end = i;
    while (int_end < n && (is_dec((unsigned char)t[int_end]) || t[int_end] == '_'))
        int_end++;
    if (neg)
        g_string_append_c(digits, '-');
    if (!copy_digits(t + i, int_end - i, is_dec, digits)) {
        fail_at(p, start, "invalid number");
        goto out;
    }
    if (t[i] == '0' && int_end - i > 1) {
        fail_at(p, start, "leading zeros are not allowed");
        goto out;
    }
    bool is_float = false;
    size_t k = int_end;
    if (k < n && t[k] == '.') {
        size_t fb = ++k;
        while (k < n && (is_dec((unsigned char)t[k]) || t[k] == '_'))
            k++;
        g_string_append_c(digits, '.');
        if (!copy_digits(t + fb, k - fb, is_dec, digits)) {
            fail_at(p, start, "invalid float: digits must follow the decimal point");
            goto out;
        }
        is_float = true;
    }
    if (k < n && (t[k] == 'e' || t[k] == 'E')) {
        k++;
        g_string_append_c(digits, 'e');
        if (k < n && (t[k] == '+' || t[k] == '-'))
            g_string_append_c(digits, t[k++]);
        size_t eb = k;
        while (k < n && (is_dec((unsigned char)t[k]) || t[k] == '_'))
            k++;
        if (!copy_digits(t + eb, k - eb, is_dec, digits)) {
            fail_at(p, start, "invalid float exponent");
            goto out;
        }
        is_float = true;
    }
    if (k != n) {
        fail_at(p, start, "invalid number");
        goto out;
    }
    if (is_float) {
        double v = g_ascii_strtod(digits->str, NULL);
        if (!isfinite(v)) {
            fail_at(p, start, "float out of range");
            goto out;
        }
        result = json_real(v);
    } else {
        errno = 0;
        gint64 v = g_ascii_strtoll(digits->str, NULL, 10);
        if (errno == ERANGE) {
            fail_at(p, start, "integer does not fit in 64 bits");
            goto out;
        }
        result = json_integer((json_int_t)v);
    }
out:
    g_string_free(digits, TRUE);
    return result;
}

/* Marks an inline table and every table inside it as frozen. */
static void freeze(struct parser *p, json_t *v)
{
    if (json_is_object(v)) {
        set_kind(p, v, K_INLINE);
        const char *key;
        json_t *child;
        json_object_foreach(v, key, child)
        {
            freeze(p, child);
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *child;
        json_array_foreach(v, i, child)
        {
            freeze(p, child);
        }
    }
}

static bool parse_keyval(struct parser *p, json_t *table, int depth);

/*
 * An inline table { k = v, ... } at p->pos (on the '{'): one line, no
 * trailing comma, frozen once closed so later tables cannot extend it.
 * Returns a new object or NULL with the parser's error.
 */
static json_t *parse_inline_table(struct parser *p, int depth)
{
    size_t start = p->pos;
    p->pos++;
    json_t *obj = json_object();
    skip_ws(p);
    if (peek(p, 0) == '}') {
        p->pos++;
        freeze(p, obj);
        return obj;
    }
    for (;;) {
        if (!parse_keyval(p, obj, depth))
            goto bad;
        skip_ws(p);
        int c = peek(p, 0);
        if (c == '}') {
            p->pos++;
            freeze(p, obj);
            return obj;
        }
        if (c != ',') {
            fail_at(p, at_end(p) ? start : p->pos,
                    at_end(p) || at_newline(p)
                        ? "unterminated inline table (newlines are not allowed inside one)"
                        : "expected ',' or '}' in inline table");
            goto bad;
        }
        p->pos++;
        skip_ws(p);
        if (at_newline(p)) {
            fail_at(p, p->pos, "newlines are not allowed inside an inline table");
            goto bad;
        }
        if (peek(p, 0) == '}') {
            fail_at(p, p->pos, "trailing comma is not allowed in an inline table");
            goto bad;
        }
    }
bad:
    json_decref(obj);
    return NULL;
}

static json_t *parse_array(struct parser *p, int depth)
{
    size_t start = p->pos;
    p->pos++;
    json_t *arr = json_array();
    for (;;) {
        if (!skip_ws_comments_newlines(p))
            goto bad;
        if (peek(p, 0) == ']') {
            p->pos++;
            return arr;
        }
        json_t *v = parse_value(p, depth + 1);
        if (!v)
            goto bad;
        json_array_append_new(arr, v);
        if (!skip_ws_comments_newlines(p))
            goto bad;
        int c = peek(p, 0);
        if (c == ',') {
            p->pos++;
        } else if (c == ']') {
            p->pos++;
            return arr;
        } else {
            fail_at(p, at_end(p) ? start : p->pos,
                    at_end(p) ? "unterminated array" : "expected ',' or ']' in array");
            goto bad;
        }
    }
bad:
    json_decref(arr);
    return NULL;
}

/* `depth` is the nesting level the value will sit at in the tree. */
static json_t *parse_value(struct parser *p, int depth)
{
    if (depth > JV_TOML_MAX_DEPTH) {
        fail_at(p, p->pos, "nesting deeper than %d", JV_TOML_MAX_DEPTH);
        return NULL;
    }
    int c = peek(p, 0);
    if (c == '"' || c == '\'') {
        GString *s = parse_string(p, true);
        if (!s)
            return NULL;
        json_t *v = json_stringn(s->str, s->len);
        g_string_free(s, TRUE);
        return v;
    }
    if (c == 't' && p->len - p->pos >= 4 && memcmp(p->s + p->pos, "true", 4) == 0) {
        p->pos += 4;
        return json_true();
    }
    if (c == 'f' && p->len - p->pos >= 5 && memcmp(p->s + p->pos, "false", 5) == 0) {
        p->pos += 5;
        return json_false();
    }
    if (c == '[')
        return parse_array(p, depth);
    if (c == '{')
        return parse_inline_table(p, depth);
    int d;
    if (digits_at(p, 0, 4, &d) && peek(p, 4) == '-')
        return parse_datetime(p);
    if (digits_at(p, 0, 2, &d) && peek(p, 2) == ':')
        return parse_datetime(p);
    if (g_ascii_isdigit((gchar)c) || c == '+' || c == '-' || c == 'i' || c == 'n')
        return parse_number(p);
    fail_at(p, p->pos, at_end(p) || at_newline(p) ? "expected a value" : "invalid value");
    return NULL;
}

/*
 * Walks the dotted prefix of `keys` (all but the last) from `table` for a
 * key/value pair, creating DOTTED tables. Returns the table that receives the
 * last key, or NULL.
 */
static json_t *walk_dotted(struct parser *p, json_t *table, GArray *keys)
{
    for (guint i = 0; i + 1 < keys->len; i++) {
        struct key *k = &g_array_index(keys, struct key, i);
        json_t *child = json_object_getn(table, k->str, k->len);
        if (!child) {
            child = json_object();
            json_object_setn_new(table, k->str, k->len, child);
            set_kind(p, child, K_DOTTED);
        } else {
            unsigned kind = get_kind(p, child);
            if (!json_is_object(child) || !(kind & K_DOTTED) || (kind & K_INLINE)) {
                char *name = key_display(k);
                fail_at(p, k->pos,
                        json_is_object(child) && (kind & K_INLINE)
                            ? "cannot extend inline table '%s'"
                            : "cannot add to '%s' with a dotted key: it is already defined",
                        name);
                g_free(name);
                return NULL;
            }
        }
        table = child;
    }
    return table;
}

static bool parse_keyval(struct parser *p, json_t *table, int depth)
{
    GArray *keys = parse_key(p);
    if (!keys)
        return false;
    bool ok = false;
    skip_ws(p);
    if (peek(p, 0) != '=') {
        fail_at(p, p->pos, "expected '=' after key");
        goto out;
    }
    p->pos++;
    skip_ws(p);
    json_t *v = parse_value(p, depth + (int)keys->len);
    if (!v)
        goto out;
    json_t *target = walk_dotted(p, table, keys);
    if (!target) {
        json_decref(v);
        goto out;
    }
    struct key *last = &g_array_index(keys, struct key, keys->len - 1);
    if (json_object_getn(target, last->str, last->len)) {
        char *name = key_display(last);
        fail_at(p, last->pos, "duplicate key '%s'", name);
        g_free(name);
        json_decref(v);
        goto out;
    }
    json_object_setn_new(target, last->str, last->len, v);
    ok = true;
out:
    keys_free(keys);
    return ok;
}

/*
 * Parses a [table] or [[array of tables]] header. Returns the table that
 * following key/value pairs go into, and its depth in *depth_out.
 */
static json_t *parse_header(struct parser *p, json_t *root, int *depth_out)
{
    size_t start = p->pos;
    bool aot = peek(p, 1) == '[';
    p->pos += aot ? 2 : 1;
    GArray *keys = parse_key(p);
    if (!keys)
        return NULL;
    json_t *result = NULL;
    skip_ws(p);
    if (peek(p, 0) != ']' || (aot && peek(p, 1) != ']')) {
        fail_at(p, p->pos,
                aot ? "expected ']]' to close the header" : "expected ']' to close the header");
        goto out;
    }
    p->pos += aot ? 2 : 1;

    json_t *table = root;
    int depth = 0;
    for (guint i = 0; i + 1 < keys->len; i++) {
        struct key *k = &g_array_index(keys, struct key, i);
        json_t *child = json_object_getn(table, k->str, k->len);
        depth++;
        if (!child) {
            child = json_object();
            json_object_setn_new(table, k->str, k->len, child);
            set_kind(p, child, K_IMPLICIT);
        } else if (json_is_array(child) && (get_kind(p, child) & K_AOT)) {
            /* [a.b] after [[a]] goes into the last element of a. */
            child = json_array_get(child, json_array_size(child) - 1);
            depth++;
        } else if (!json_is_object(child) || (get_kind(p, child) & K_INLINE)) {
            char *name = key_display(k);
            fail_at(p, k->pos, "'%s' is already defined as a value and cannot hold tables", name);
            g_free(name);
            goto out;
        }
        table = child;
    }
    struct key *last = &g_array_index(keys, struct key, keys->len - 1);
    json_t *existing = json_object_getn(table, last->str, last->len);
    char *name = key_display(last);
    depth++;
    if (aot) {
        if (!existing) {
            existing = json_array();
            json_object_setn_new(table, last->str, last->len, existing);
            set_kind(p, existing, K_AOT);
        } else if (!json_is_array(existing) || !(get_kind(p, existing) & K_AOT)) {
            fail_at(p, last->pos, "cannot define '%s' as an array of tables: it is already defined",
                    name);
            g_free(name);
            goto out;
        }
        json_t *elem = json_object();
        json_array_append_new(existing, elem);
        set_kind(p, elem, K_HEADER);
        result = elem;
        depth++;
    } else if (!existing) {
        existing = json_object();
        json_object_setn_new(table, last->str, last->len, existing);
        set_kind(p, existing, K_HEADER);
        result = existing;
    } else if (json_is_object(existing) && get_kind(p, existing) == K_IMPLICIT) {
        set_kind(p, existing, K_HEADER);
        result = existing;
    } else {
        fail_at(p, json_is_object(existing) ? start : last->pos,
                json_is_object(existing)
                    ? "table '%s' is defined more than once"
                    : "cannot define table '%s': the key already holds a value",
                name);
    }
    g_free(name);
    *depth_out = depth;
out:
    keys_free(keys);
    return result;
}

json_t *jv_toml_parse(const char *text, size_t len, const char *filename, GError **err)
{
    struct parser p = {.s = text, .len = len, .filename = filename, .err = err};
    const char *bad = NULL;
    if (!g_utf8_validate_len(text, len, &bad)) {
        p.pos = (size_t)(bad - text);
        fail_at(&p, p.pos, *bad ? "invalid UTF-8" : "NUL character is not allowed");
        return NULL;
    }
    p.kinds = g_hash_table_new(g_direct_hash, g_direct_equal);
    json_t *root = json_object();
    json_t *cur = root;
    int depth = 0;
    /* A UTF-8 byte order mark is allowed at the very start. */
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        p.pos = 3;

    while (!at_end(&p) && !p.failed) {
        skip_ws(&p);
        int c = peek(&p, 0);
        if (c == '#' || at_newline(&p) || at_end(&p)) {
            expect_line_end(&p);
        } else if (c == '[') {
            cur = parse_header(&p, root, &depth);
            if (cur)
                expect_line_end(&p);
        } else {
            if (parse_keyval(&p, cur, depth))
                expect_line_end(&p);
        }
    }
    g_hash_table_destroy(p.kinds);
    if (p.failed) {
        json_decref(root);
        return NULL;
    }
    return root;
}
