/* replies.c - the simulator's deterministic replies: hidden quality, critiques, verdicts. */
#include "core/jv.h"

#include <math.h>
#include <xxhash.h>

#include "core/fsutil.h"
#include "replies.h"

/* ---- truth ------------------------------------------------------------- */

void jv_sim_truth_init(struct jv_sim_truth *t)
{
    t->q = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
}

void jv_sim_truth_release(struct jv_sim_truth *t)
{
    if (t->q)
        g_hash_table_destroy(t->q);
    t->q = NULL;
}

int jv_sim_truth_load(struct jv_sim_truth *t, const char *path, GError **err)
{
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr);
    if (!root) {
        g_set_error(err, JV_ERROR, JV_ERR_PARSE, "truth file %s: %s (line %d)", path, jerr.text,
                    jerr.line);
        return -1;
    }
    int rc = 0;
    if (!json_is_object(root)) {
        g_set_error(err, JV_ERROR, JV_ERR_PARSE, "truth file %s: not a JSON object", path);
        rc = -1;
        goto out;
    }
    const char *key;
    json_t *val;
    json_object_foreach(root, key, val)
    {
        double q = json_number_value(val);
        if (!json_is_number(val) || !(q >= 0.0 && q <= 1.0)) {
            g_set_error(err, JV_ERROR, JV_ERR_PARSE,
                        "truth file %s: quality of %s is not a number in 0..1", path, key);
            rc = -1;
            goto out;
        }
        double *v = g_new(double, 1);
        *v = q;
        g_hash_table_replace(t->q, g_ascii_strdown(key, -1), v);
    }
out:
    json_decref(root);
    return rc;
}

double jv_sim_uniform(guint64 seed, const char *key, const char *purpose)
{
    XXH3_state_t *st = XXH3_createState();
    XXH3_64bits_reset_withSeed(st, seed);
    XXH3_64bits_update(st, key, strlen(key));
    XXH3_64bits_update(st, "\x1f", 1);
    XXH3_64bits_update(st, purpose, strlen(purpose));
    guint64 h = XXH3_64bits_digest(st);
    XXH3_freeState(st);
    return (double)(h >> 11) / 9007199254740992.0; /* 53 bits */
}

double jv_sim_normal(guint64 seed, const char *key, const char *purpose)
{
    char *p1 = g_strconcat(purpose, "/n1", NULL);
    char *p2 = g_strconcat(purpose, "/n2", NULL);
    double u1 = jv_sim_uniform(seed, key, p1);
    double u2 = jv_sim_uniform(seed, key, p2);
    g_free(p1);
    g_free(p2);
    if (u1 < 1e-300)
        u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(2.0 * G_PI * u2);
}

double jv_sim_quality_from_hash(const char *hash_hex, guint64 seed)
{
    return jv_sim_uniform(seed, hash_hex, "quality");
}

double jv_sim_quality(const struct jv_sim_truth *t, const char *hash_hex)
{
    if (t && t->q) {
        const double *v = g_hash_table_lookup(t->q, hash_hex);
        if (v)
            return *v;
    }
    return jv_sim_quality_from_hash(hash_hex, 0);
}

/* ---- critiques --------------------------------------------------------- */

static const char *const openings[3][3] = {
    {
        "The overall character of this image is uncertain, and at the moment it reads more as a "
        "record of the scene than as a considered photograph.",
        "This picture has an interesting starting point, but its overall character is muddled "
        "and the viewer is left unsure what the photographer wanted to say.",
        "At first sight the overall character is flat and hesitant, and the image struggles to "
        "hold attention among the stronger entries in the round.",
    },
    {
        "This is a pleasant, competent image whose overall character is quiet rather than "
        "commanding, with a good idea at its heart that is not yet fully realised.",
        "The overall character of this picture is honest and agreeable, and there is clear "
        "promise in the subject, although the treatment stops a little short of its potential.",
        "A solid club-standard entry with a calm overall character; it shows care in the making, "
        "yet it lacks the extra spark that would lift it higher.",
    },
    {
        "This is a confident, well-resolved image with a clear sense of purpose, and its overall "
        "character is one of calm authority that holds the viewer from the first glance.",
        "An accomplished picture whose overall character is bold and assured; the photographer "
        "has seen something worth showing and has presented it with real conviction.",
        "The overall character here is striking and mature, the kind of image that stands out in "
        "a club round because every element seems to have been considered.",
    },
};

static const char *const impacts[3] = {
    "In terms of impact, the image has %s visual presence, with the main subject catching the "
    "eye and the colour and tone working together to set the mood.",
    "The impact is %s: the light gives the subject shape, and the emotional pull of the scene is "
    "something a judge would recognise straight away.",
    "Its impact is %s, carried mainly by the play of light and shade, which draws the eye towards "
    "the centre of interest and rewards a longer look.",
};
static const char *const impact_words[3] = {"limited", "moderate", "strong"};

static const char *const compositions[3] = {
    "Compositionally, the placement of the subject is %s, the lines lead the eye through the "
    "frame, and the edges deserve checking for anything that pulls attention away.",
    "The composition is %s; the balance between the main subject and the surrounding space "
    "matters here, and a slightly tighter crop would strengthen the design.",
    "As a piece of design the arrangement is %s, with the foreground and background relating "
    "sensibly and the horizon placed with some thought.",
};
static const char *const composition_words[3] = {"rather unresolved", "sound but conventional",
                                                 "well judged"};

static const char *const technicals[2] = {
    "Technically the exposure and sharpness support the picture rather than distract from it, "
    "and the tonal range is handled with %s care.",
    "On the technical side, focus and processing show %s control, and little in the highlights "
    "or shadows spoils the overall effect.",
};
static const char *const technical_words[3] = {"uneven", "reasonable", "evident"};

static const char *const closings[3] = {
    "Revisit the scene with a clearer idea of the subject and this could develop into a far "
    "stronger picture.",
    "With a little more attention to its strongest element, this could become a much more "
    "memorable image.",
    "This is a fine entry that would sit comfortably near the top of any club competition.",
};

static const char *const styles[] = {"Open",     "Nature", "Portrait",  "Creative", "Documentary",
                                     "Abstract", "Street", "Landscape", "Other"};

#define DISCLAIMER                                                                                 \
    "Note: this critique was written by the Judge Vision simulator from a template, not by a "     \
    "vision model."

/*
 * Appends `tmpl` with its "%s" slots filled by `a` then `b` (the templates
 * are data, so no printf on them).
 */
static void append_fill(GString *g, const char *tmpl, const char *a, const char *b)
{
    const char *args[2] = {a, b};
    int n = 0;
    for (const char *p = tmpl; *p; p++) {
        if (p[0] == '%' && p[1] == 's' && n < 2) {
            const char *v = args[n++];
            g_string_append(g, v ? v : "");
            p++;
        } else {
            g_string_append_c(g, *p);
        }
    }
}

static size_t pick(guint64 seed, const char *hash, const char *purpose, size_t n)
{
    size_t i = (size_t)(jv_sim_uniform(seed, hash, purpose) * (double)n);
    return i < n ? i : n - 1;
}

int jv_sim_category_bias_parse(struct jv_sim_reply_opts *o, const char *spec, GError **err)
{
    if (!o->category_bias)
        o->category_bias = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    char **items = g_strsplit(spec, ",", -1);
    int rc = 0;
    for (char **it = items; *it && rc == 0; it++) {
        char *item = g_strstrip(*it);
        char *eq = strrchr(item, '=');
        char *end = NULL;
        double v = eq ? g_ascii_strtod(eq + 1, &end) : NAN;
        if (eq)
            *eq = '\0';
        char *name = g_strstrip(item);
        if (!eq || !*name || end == eq + 1 || *g_strstrip(end) || !(v >= -20 && v <= 20)) {
            g_set_error(err, JV_ERROR, JV_ERR_PARSE,
                        "--category-bias: item %td: expected NAME=POINTS with POINTS in "
                        "-20..20 (e.g. Mono=-2,Nature=+1)",
                        it - items + 1);
            rc = -1;
            break;
        }
        double *p = g_new(double, 1);
        *p = v;
        g_hash_table_replace(o->category_bias, g_utf8_casefold(name, -1), p);
    }
    g_strfreev(items);
    return rc;
}

double jv_sim_category_bias(const struct jv_sim_reply_opts *o, const char *category)
{
    if (!category || !*category)
        return 0;
    char *key = g_utf8_casefold(category, -1);
    const double *v = o->category_bias ? g_hash_table_lookup(o->category_bias, key) : NULL;
    double bias = v ? *v : 0;
    if (!v && o->category_bias_sd > 0)
        bias = o->category_bias_sd * jv_sim_normal(o->seed, key, "category-bias");
    g_free(key);
    return bias;
}

int jv_sim_critique_score(const struct jv_sim_reply_opts *o, const char *hash_hex, double q,
                          const char *category, const char *sample_key)
{
    double share = o->sample_share < 0 ? 0 : (o->sample_share > 1 ? 1 : o->sample_share);
    double noise = sqrt(1.0 - share) * jv_sim_normal(o->seed, hash_hex, "score");
    if (share > 0) {
        char *key = g_strconcat(hash_hex, ":", sample_key ? sample_key : "", NULL);
        noise += sqrt(share) * jv_sim_normal(o->seed, key, "sample");
        g_free(key);
    }
    double raw = 8.0 + 12.0 * q + o->score_noise * noise + jv_sim_category_bias(o, category);
    int score = (int)lround(raw);
    return score < 0 ? 0 : (score > 20 ? 20 : score);
}

int jv_sim_human_score(guint64 seed, const char *hash_hex, double q, double human_noise)
{
    double raw = 4.0 + 16.0 * q + human_noise * jv_sim_normal(seed, hash_hex, "human");
    int score = (int)lround(raw);
    return score < 0 ? 0 : (score > 20 ? 20 : score);
}

const char *jv_sim_human_award(int score)
{
    return score >= 18 ? "Distinction" : score >= 16 ? "Credit" : score >= 14 ? "Merit" : "";
}

char *jv_sim_critique(const struct jv_sim_reply_opts *o, const char *hash_hex, double q,
                      const char *title, const char *category, const char *sample_key,
                      int *score_out)
{
    int band = q < 0.4 ? 0 : (q < 0.7 ? 1 : 2);
    guint64 s = o->seed;
    GString *c = g_string_new(NULL);
    g_string_append(c, openings[band][pick(s, hash_hex, "open", 3)]);
    g_string_append_c(c, ' ');
    append_fill(c, impacts[pick(s, hash_hex, "impact", 3)], impact_words[band], NULL);
    g_string_append_c(c, ' ');
    append_fill(c, compositions[pick(s, hash_hex, "comp", 3)], composition_words[band], NULL);
    g_string_append_c(c, ' ');
    append_fill(c, technicals[pick(s, hash_hex, "tech", 2)], technical_words[band], NULL);
    g_string_append_c(c, ' ');
    g_string_append(c, closings[band]);
    g_string_append_c(c, ' ');
    g_string_append(c, DISCLAIMER);

    int score = jv_sim_critique_score(o, hash_hex, q, category, sample_key);
    if (score_out)
        *score_out = score;

    json_t *obj = json_object();
    json_object_set_new(obj, "title", title ? json_string(title) : json_null());
    json_object_set_new(obj, "style",
                        json_string(styles[pick(s, hash_hex, "style", JV_ARRAY_LEN(styles))]));
    json_object_set_new(obj, "critique", json_string(c->str));
    json_object_set_new(obj, "score", json_integer(score));
    char *dump = json_dumps(obj, JSON_PRESERVE_ORDER);
    json_decref(obj);
    g_string_free(c, TRUE);
    char *out = g_strdup(dump);
    free(dump);
    return out;
}

static const char *const reasons[3] = {
    "Entry %s has the stronger impact and the more resolved composition, while Entry %s, though "
    "competent, holds the eye for less time.",
    "Entry %s communicates its subject more clearly and its light is better handled; Entry %s "
    "is pleasing but less memorable.",
    "On balance Entry %s is the more complete photograph, with better design and presence than "
    "Entry %s.",
};

char *jv_sim_pairwise(const struct jv_sim_reply_opts *o, const char *hash_a, double qa,
                      const char *hash_b, double qb, const char *request_text)
{
    double scale = o->pairwise_noise > 1e-9 ? o->pairwise_noise : 1e-9;
    double p_a = 1.0 / (1.0 + exp(-(qa - qb) / scale)) + o->position_bias;
    p_a = p_a < 0 ? 0 : (p_a > 1 ? 1 : p_a);
    char *text_hash = jv_sha256_hex(request_text, strlen(request_text));
    char *key = g_strconcat(hash_a, ":", hash_b, ":", text_hash, NULL);
    bool a_wins = jv_sim_uniform(o->seed, key, "pairwise") < p_a;
    const char *fmt = reasons[pick(o->seed, key, "reason", 3)];
    GString *reason = g_string_new(NULL);
    append_fill(reason, fmt, a_wins ? "A" : "B", a_wins ? "B" : "A");
    g_string_append(reason, " (Judge Vision simulator verdict, not a model.)");
    char *full = g_string_free(reason, FALSE);
    json_t *obj = json_object();
    json_object_set_new(obj, "winner", json_string(a_wins ? "A" : "B"));
    json_object_set_new(obj, "reason", json_string(full));
    char *dump = json_dumps(obj, JSON_PRESERVE_ORDER);
    char *out = g_strdup(dump);
    free(dump);
    json_decref(obj);
    g_free(full);
    g_free(key);
    g_free(text_hash);
    return out;
}

static double clampd(double v, double lo, double hi)
{
    return v < lo ? lo : (v > hi ? hi : v);
}

static double round4(double v)
{
    return round(v * 1e4) / 1e4;
}

json_t *jv_sim_iqa(const struct jv_sim_reply_opts *o, const char *hash_hex, double q)
{
    guint64 s = o->seed;
    double am = clampd(3.6 + 3.2 * q + 0.15 * jv_sim_normal(s, hash_hex, "nima_a"), 1, 10);
    double as = clampd(1.75 - 0.25 * q + 0.05 * jv_sim_normal(s, hash_hex, "nima_as"), 0.5, 3);
    double tm = clampd(3.9 + 2.8 * q + 0.2 * jv_sim_normal(s, hash_hex, "nima_t"), 1, 10);
    double ts = clampd(1.6 - 0.2 * q + 0.05 * jv_sim_normal(s, hash_hex, "nima_ts"), 0.5, 3);
    double mos = clampd(30.0 + 45.0 * q + 3.0 * jv_sim_normal(s, hash_hex, "musiq"), 0, 100);
    return json_pack("{s:{s:f,s:f},s:{s:f,s:f},s:f}", "nima_aesthetic", "mean", round4(am), "std",
                     round4(as), "nima_technical", "mean", round4(tm), "std", round4(ts),
                     "musiq_spaq", round4(mos));
}

/* ---- output tokens ----------------------------------------------------- */

GPtrArray *jv_sim_tokenize(const char *text)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    const char *p = text;
    while (*p) {
        const char *start = p;
        if (*p == ' ' && g_ascii_isalnum(p[1]))
            p++; /* a leading space joins the word */
        if (g_ascii_isalnum(*p)) {
            int n = 0;
            while (g_ascii_isalnum(*p) && n < 8) {
                p++;
                n++;
            }
        } else if (g_ascii_isspace(*p)) {
            while (g_ascii_isspace(*p))
                p++;
        } else {
            /* one character (a UTF-8 sequence stays whole) */
            p++;
            while ((*p & 0xC0) == 0x80)
                p++;
        }
        g_ptr_array_add(out, g_strndup(start, (gsize)(p - start)));
    }
    return out;
}
