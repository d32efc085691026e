#include "core/jv.h"

#include <math.h>

#include "core/fsutil.h"
#include "image/encode.h"
#include "iqa/techblock.h"
#include "vlm/request.h"
#include "playoff/match.h"

static const char system_prompt[] =
    "You are an experienced UK camera-club judge (PAGB style) deciding a head-to-head "
    "between two competition entries. Judge the images themselves: about half the weight "
    "on impact, about 40 % on composition and design, about 10 % on technical quality "
    "(penalise technique only where it visibly distracts). The TECHNICAL ANALYSIS figures "
    "are measurements: do not contradict them. The first image is Entry A, the second "
    "Entry B; their order means nothing. Reply with JSON only: "
    "{\"winner\": \"A\" or \"B\", \"reason\": \"one short sentence\"}.";

char *jv_match_summary(const char *critique, size_t max_chars)
{
    GString *flat = g_string_new(NULL);
    bool space = false;
    for (const char *p = critique ? critique : ""; *p; p++) {
        if (g_ascii_isspace(*p)) {
            space = flat->len > 0;
            continue;
        }
        if (space)
            g_string_append_c(flat, ' ');
        space = false;
        g_string_append_c(flat, *p);
    }
    if (!g_utf8_validate(flat->str, (gssize)flat->len, NULL)) {
        char *valid = g_utf8_make_valid(flat->str, (gssize)flat->len);
        g_string_assign(flat, valid);
        g_free(valid);
    }
    if ((size_t)g_utf8_strlen(flat->str, -1) <= max_chars)
        return g_string_free(flat, FALSE);

    /* Keep max_chars - 1 characters, back to the last space, then the ellipsis. */
    const char *end =
        g_utf8_offset_to_pointer(flat->str, (glong)(max_chars > 0 ? max_chars - 1 : 0));
    const char *cut = end;
    if (*end != ' ') {
        while (cut > flat->str && *cut != ' ')
            cut--;
        if (cut == flat->str)
            cut = end; /* one long word: cut inside it */
    }
    while (cut > flat->str && cut[-1] == ' ')
        cut--;
    while (cut > flat->str && strchr(",;:-", cut[-1]))
        cut--;
    GString *out = g_string_new_len(flat->str, cut - flat->str);
    if (max_chars > 0)
        g_string_append(out, "\u2026");
    g_string_free(flat, TRUE);
    return g_string_free(out, FALSE);
}

void jv_match_images_init(struct jv_match_images *c)
{
    c->urls = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    c->encodings = 0;
    c->max_side = 0;
    g_mutex_init(&c->lock);
}

void jv_match_images_release(struct jv_match_images *c)
{
    if (c->urls)
        g_hash_table_destroy(c->urls);
    c->urls = NULL;
    g_mutex_clear(&c->lock);
}

const char *jv_match_images_get(struct jv_match_images *c, const char *path, GError **err)
{
    g_mutex_lock(&c->lock);
    const char *url = g_hash_table_lookup(c->urls, path);
    if (url)
        goto out;
    char *full = jv_image_data_url(path, c->max_side, err);
    if (!full)
        goto out;
    g_hash_table_insert(c->urls, g_strdup(path), full);
    c->encodings++;
    url = full;
out:
    g_mutex_unlock(&c->lock);
    return url;
}

static const char *rec_str(const json_t *rec, const char *key)
{
    const char *v = json_string_value(json_object_get(rec, key));
    return v && *v ? v : NULL;
}

static char *entry_text(const json_t *rec, const char *label)
{
    const char *title = rec_str(rec, "image_title");
    if (!title)
        title = rec_str(rec, "critique_title");
    char *stem = NULL;
    if (!title && rec_str(rec, "image")) {
        char *base = g_path_get_basename(rec_str(rec, "image"));
        char *dot = strrchr(base, '.');
        if (dot && dot != base)
            *dot = '\0';
        stem = base;
        title = stem;
    }
    const char *category = rec_str(rec, "competition_category");
    const char *style = rec_str(rec, "style_inference");
    char *summary = jv_match_summary(rec_str(rec, "critique"), JV_MATCH_SUMMARY_MAX);
    const json_t *sig = json_object_get(rec, "technical_signals");
    char *tech =
        jv_technical_analysis(json_object_get(sig, "metrics"),
                              json_string_value(json_object_get(sig, "tonal_summary")), false);
    char *text = g_strdup_printf("%s\nTitle: %s\nCategory: %s\nStyle: %s\nCritique summary: %s\n%s",
                                 label, title ? title : "untitled", category ? category : "n/a",
                                 style ? style : "n/a", *summary ? summary : "n/a", tech);
    g_free(stem);
    g_free(summary);
    g_free(tech);
    return text;
}

static void add_text(json_t *parts, char *text)
{
    json_array_append_new(parts, json_pack("{s:s, s:s}", "type", "text", "text", text));
    g_free(text);
}

static void add_image(json_t *parts, const char *url)
{
    json_array_append_new(
        parts, json_pack("{s:s, s:{s:s}}", "type", "image_url", "image_url", "url", url));
}

json_t *jv_match_request(const json_t *rec_a, const json_t *rec_b, const char *url_a,
                         const char *url_b, const char *model, double temperature)
{
    json_t *parts = json_array();
    add_text(parts, entry_text(rec_a, "Entry A (first image)"));
    add_image(parts, url_a);
    add_text(parts, entry_text(rec_b, "Entry B (second image)"));
    add_image(parts, url_b);
    add_text(parts, g_strdup("Which entry is the stronger competition image? "
                             "JSON only: {\"winner\": \"A\" or \"B\", \"reason\": \"...\"}"));
    json_t *messages = json_pack("[{s:s, s:s}, {s:s, s:o}]", "role", "system", "content",
                                 system_prompt, "role", "user", "content", parts);
    return json_pack("{s:s, s:o, s:i, s:f, s:b}", "model", model ? model : "", "messages", messages,
                     "max_tokens", JV_MATCH_MAX_TOKENS, "temperature", temperature, "stream", 0);
}

/* "A", "b", "Entry A", "entry b", "Image A" -> 0 / 1; else -1. */
static int winner_of(const char *s)
{
    if (!s)
        return -1;
    while (g_ascii_isspace(*s) || *s == '"' || *s == '*')
        s++;
    if (!g_ascii_strncasecmp(s, "entry", 5) || !g_ascii_strncasecmp(s, "image", 5)) {
        s += 5;
        while (g_ascii_isspace(*s))
            s++;
    }
    char c = g_ascii_toupper(*s);
    if (c != 'A' && c != 'B')
        return -1;
    s++;
    while (g_ascii_isspace(*s) || *s == '"' || *s == '*' || *s == '.')
        s++;
    if (*s)
        return -1;
    return c == 'A' ? 0 : 1;
}

int jv_match_parse_reply(const char *text, int *winner, char **reason, GError **err)
{
    if (!text)
        text = "";
    for (const char *p = strchr(text, '{'); p; p = strchr(p + 1, '{')) {
        json_error_t jerr;
        json_t *obj = json_loads(p, JSON_DISABLE_EOF_CHECK, &jerr);
        if (!json_is_object(obj)) {
            json_decref(obj);
            continue;
        }
        json_t *w = json_object_get(obj, "winner");
        int wv = winner_of(json_string_value(w));
        if (wv < 0) {
            json_decref(obj);
            continue;
        }
        const char *r = json_string_value(json_object_get(obj, "reason"));
        *winner = wv;
        *reason = g_strdup(r ? r : "");
        json_decref(obj);
        return 0;
    }
    int bare = winner_of(text);
    if (bare >= 0) {
        *winner = bare;
        *reason = g_strdup("");
        return 0;
    }
    char *head = g_strndup(text, 80);
    g_set_error(err, JV_ERROR, JV_ERR_PARSE, "match reply has no winner A or B: \"%s\"", head);
    g_free(head);
    return -1;
}

char *jv_match_reply_content(const char *body, long *tokens, GError **err)
{
    *tokens = -1;
    json_error_t jerr;
    json_t *root = json_loads(body ? body : "", 0, &jerr);
    if (!root) {
        g_set_error(err, JV_ERROR, JV_ERR_PARSE, "match response is not JSON: %s", jerr.text);
        return NULL;
    }
    json_t *usage = json_object_get(root, "usage");
    json_t *ct = json_object_get(usage, "completion_tokens");
    if (json_is_integer(ct))
        *tokens = (long)json_integer_value(ct);
    json_t *msg = json_object_get(json_array_get(json_object_get(root, "choices"), 0), "message");
    const char *content = json_string_value(json_object_get(msg, "content"));
    char *out = content ? g_strdup(content) : NULL;
    if (!out)
        g_set_error(err, JV_ERROR, JV_ERR_PARSE,
                    "match response has no choices[0].message.content");
    json_decref(root);
    return out;
}
