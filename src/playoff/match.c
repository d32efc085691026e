/* match.c - one playoff match as the VLM is asked it, and its answer read. */
#include "core/jv.h"

#include "core/hash.h"
#include "image/encode.h"
#include "iqa/techblock.h"
#include "core/fsutil.h"
#include "outputs/record.h"
#include "playoff/match.h"
#include "vlm/request.h"
#include "vlm/retry.h"

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
    char *raw = jv_path_from_utf8(path); /* records name photos by their text */
    char *full = jv_image_data_url(raw, c->max_side, err);
    g_free(raw);
    if (!full)
        goto out;
    g_hash_table_insert(c->urls, g_strdup(path), full);
    c->encodings++;
    url = full;
out:
    g_mutex_unlock(&c->lock);
    return url;
}

static const char *rec_str(const json_t *rec, enum jv_rec f)
{
    const char *v = jv_record_str(rec, f);
    return v && *v ? v : NULL;
}

static char *entry_text(const json_t *rec, const char *label)
{
    const char *title = rec_str(rec, JV_REC_IMAGE_TITLE);
    if (!title)
        title = rec_str(rec, JV_REC_CRITIQUE_TITLE);
    char *stem = NULL;
    if (!title && rec_str(rec, JV_REC_IMAGE)) {
        char *base = g_path_get_basename(rec_str(rec, JV_REC_IMAGE));
        char *dot = strrchr(base, '.');
        if (dot && dot != base)
            *dot = '\0';
        stem = base;
        title = stem;
    }
    const char *category = rec_str(rec, JV_REC_COMPETITION_CATEGORY);
    const char *style = rec_str(rec, JV_REC_STYLE_INFERENCE);
    char *summary = jv_match_summary(rec_str(rec, JV_REC_CRITIQUE), JV_MATCH_SUMMARY_MAX);
    const json_t *sig = jv_record_get(rec, JV_REC_TECHNICAL_SIGNALS);
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

static const char question[] = "Which entry is the stronger competition image? "
                               "JSON only: {\"winner\": \"A\" or \"B\", \"reason\": \"...\"}";

/*
 * The body of a match request with the given sampling: text A, image A,
 * text B, image B, the question; not streamed, no top_p. Returns a new
 * reference.
 */
static json_t *match_json(const json_t *rec_a, const json_t *rec_b, const char *url_a,
                          const char *url_b, const char *model, struct jv_vlm_sampling s)
{
    char *text_a = entry_text(rec_a, "Entry A (first image)");
    char *text_b = entry_text(rec_b, "Entry B (second image)");
    const struct jv_vlm_part parts[] = {
        {JV_VLM_PART_TEXT, text_a},     {JV_VLM_PART_IMAGE_URL, url_a}, {JV_VLM_PART_TEXT, text_b},
        {JV_VLM_PART_IMAGE_URL, url_b}, {JV_VLM_PART_TEXT, question},
    };
    struct jv_vlm_request r = {
        .model = model,
        .system = system_prompt,
        .parts = parts,
        .n_parts = JV_ARRAY_LEN(parts),
        .max_tokens = s.max_tokens,
        .temperature = s.temperature,
    };
    json_t *body = jv_vlm_request_json(&r);
    g_free(text_a);
    g_free(text_b);
    return body;
}

char *jv_match_prompt_sha256(void)
{
    char *text = g_strconcat(system_prompt, "\n", question, NULL);
    char *sha = jv_sha256_hex(text, strlen(text));
    g_free(text);
    return sha;
}

json_t *jv_match_request(const json_t *rec_a, const json_t *rec_b, const char *url_a,
                         const char *url_b, const char *model, double temperature)
{
    struct jv_vlm_sampling s = {JV_MATCH_MAX_TOKENS, temperature};
    return match_json(rec_a, rec_b, url_a, url_b, model, s);
}

char *jv_match_request_body(const json_t *rec_a, const json_t *rec_b, const char *url_a,
                            const char *url_b, const char *model, int request_no)
{
    struct jv_vlm_sampling first = {JV_MATCH_MAX_TOKENS, JV_MATCH_TEMPERATURE};
    struct jv_vlm_sampling s =
        jv_vlm_retry_sampling(first, request_no, JV_MATCH_RETRY_TOKEN_FACTOR);
    json_t *body = match_json(rec_a, rec_b, url_a, url_b, model, s);
    char *dump = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    char *out = g_strdup(dump);
    free(dump);
    return out;
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
