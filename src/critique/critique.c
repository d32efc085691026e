/* critique.c - reading the judge's verdict (title, style, critique, score) from a reply. */
#include "core/jv.h"

#include <math.h>

#include "critique/critique.h"

/* Replies longer than this are not searched further (a runaway model). */
#define SCAN_MAX_BYTES (256 * 1024)
#define MAX_CANDIDATES 64

static const char *const styles[] = {
    "Open",     "Nature", "Portrait",  "Creative", "Documentary",
    "Abstract", "Street", "Landscape", "Other",    NULL,
};

static const struct {
    const char *word;
    const char *style;
} synonyms[] = {
    {"wildlife", "Nature"},
    {"natural history", "Nature"},
    {"portraiture", "Portrait"},
    {"landscapes", "Landscape"},
    {"seascape", "Landscape"},
    {"abstraction", "Abstract"},
    {"photojournalism", "Documentary"},
    {"reportage", "Documentary"},
};

static const char *const subscore_keys[] = {"impact", "composition", "technical", "category_fit"};

const char *const *jv_critique_styles(void)
{
    return styles;
}

void jv_critique_init(struct jv_critique *c)
{
    memset(c, 0, sizeof(*c));
    c->style = "Other";
}

void jv_critique_release(struct jv_critique *c)
{
    g_free(c->title);
    g_free(c->critique);
    json_decref(c->subscores);
    jv_critique_init(c);
}

/* True when `s` (length n) equals `word` ignoring case. */
static bool word_is(const char *s, size_t n, const char *word)
{
    return strlen(word) == n && g_ascii_strncasecmp(s, word, n) == 0;
}

const char *jv_critique_style_normalise(const char *label)
{
    if (!label)
        return "Other";
    /* Trim space and punctuation at both ends. */
    const char *b = label, *e = label + strlen(label);
    while (b < e && !g_ascii_isalnum(*b))
        b++;
    while (e > b && !g_ascii_isalnum(e[-1]))
        e--;
    size_t n = (size_t)(e - b);
    if (!n)
        return "Other";
    for (size_t i = 0; styles[i]; i++)
        if (word_is(b, n, styles[i]))
            return styles[i];
    for (size_t i = 0; i < JV_ARRAY_LEN(synonyms); i++)
        if (word_is(b, n, synonyms[i].word))
            return synonyms[i].style;
    /* First word: "Street photography", "Nature (wildlife)". */
    size_t w = 0;
    while (w < n && g_ascii_isalpha(b[w]))
        w++;
    if (w < n) {
        for (size_t i = 0; styles[i]; i++)
            if (word_is(b, w, styles[i]))
                return styles[i];
        for (size_t i = 0; i < JV_ARRAY_LEN(synonyms); i++)
            if (word_is(b, w, synonyms[i].word))
                return synonyms[i].style;
    }
    return "Other";
}

/*
 * From text[start] == '{', finds the matching '}' (strings respected).
 * Returns its index, or -1 when the text ends first.
 */
static long balanced_end(const char *text, size_t len, size_t start)
{
    int depth = 0;
    bool in_string = false;
    for (size_t i = start; i < len; i++) {
        char c = text[i];
        if (in_string) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_string = false;
            continue;
        }
        if (c == '"')
            in_string = true;
        else if (c == '{')
            depth++;
        else if (c == '}' && --depth == 0)
            return (long)i;
    }
    return -1;
}

static bool looks_like_verdict(const json_t *o)
{
    return json_object_get(o, "critique") || json_object_get(o, "score") ||
           json_object_get(o, "title") || json_object_get(o, "style");
}

/* The first verdict-like JSON object in the text (new reference) or NULL. */
static json_t *find_object(const char *text)
{
    size_t len = strnlen(text, SCAN_MAX_BYTES);
    int tries = 0;
    for (const char *p = memchr(text, '{', len); p && tries < MAX_CANDIDATES;
         p = memchr(p + 1, '{', len - (size_t)(p + 1 - text))) {
        size_t start = (size_t)(p - text);
        long end = balanced_end(text, len, start);
        tries++;
        if (end < 0)
            continue;
        json_t *o = json_loadb(p, (size_t)end - start + 1, 0, NULL);
        if (json_is_object(o) && looks_like_verdict(o))
            return o;
        json_decref(o);
    }
    return NULL;
}

/* A number, or a string that starts with one ("17", " 17/20"). */
static bool number_of(const json_t *v, double *out)
{
    if (json_is_number(v)) {
        *out = json_number_value(v);
        return isfinite(*out);
    }
    const char *s = json_string_value(v);
    if (!s)
        return false;
    char *end = NULL;
    double d = g_ascii_strtod(s, &end);
    if (end == s || !isfinite(d))
        return false;
    *out = d;
    return true;
}

/* Clamped subscores (new reference) or NULL when none is a number. */
static json_t *subscores_of(const json_t *root)
{
    const json_t *src = json_object_get(root, "subscores");
    if (!json_is_object(src))
        src = root;
    json_t *out = json_object();
    for (size_t i = 0; i < JV_ARRAY_LEN(subscore_keys); i++) {
        double v;
        if (number_of(json_object_get(src, subscore_keys[i]), &v))
            json_object_set_new(out, subscore_keys[i],
                                json_real(fmin(fmax(v, 0.0), JV_SUBSCORE_MAX)));
    }
    if (json_object_size(out) == 0) {
        json_decref(out);
        return NULL;
    }
    return out;
}

static char *trimmed_or_null(const json_t *v)
{
    const char *s = json_string_value(v);
    if (!s)
        return NULL;
    char *t = g_strstrip(g_strdup(s));
    if (!t[0]) {
        g_free(t);
        return NULL;
    }
    return t;
}

int jv_critique_parse(const char *content, struct jv_critique *out, GError **err)
{
    jv_critique_release(out);
    json_t *root = content ? find_object(content) : NULL;
    if (!root) {
        g_set_error(err, JV_ERROR, JV_ERR_PARSE, "the reply holds no JSON verdict object");
        return -1;
    }
    out->critique = trimmed_or_null(json_object_get(root, "critique"));
    if (!out->critique) {
        g_set_error(err, JV_ERROR, JV_ERR_PARSE, "the reply's JSON has no \"critique\" text");
        goto fail;
    }
    out->subscores = subscores_of(root);
    double raw;
    if (!number_of(json_object_get(root, "score"), &raw)) {
        if (!out->subscores) {
            g_set_error(err, JV_ERROR, JV_ERR_PARSE,
                        "the reply's JSON has neither a numeric \"score\" nor subscores");
            goto fail;
        }
        raw = 0;
        const char *k;
        json_t *v;
        json_object_foreach(out->subscores, k, v)
        {
            raw += json_real_value(v);
        }
    }
    out->score_raw = raw;
    /* Halves go to the even neighbour, as Python's round() did in the earlier tool. */
    out->total = (int)nearbyint(fmin(fmax(raw, 0.0), 20.0));
    out->title = trimmed_or_null(json_object_get(root, "title"));
    out->style = jv_critique_style_normalise(json_string_value(json_object_get(root, "style")));
    json_decref(root);
    return 0;
fail:
    json_decref(root);
    jv_critique_release(out);
    return -1;
}
