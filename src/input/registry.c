/*
 * registry.c - loads competitions from a TOML registry (see registry.h).
 */
#include "core/jv.h"

#include <math.h>

#include "core/limits.h"

#include "core/fsutil.h"
#include "input/entries.h"
#include "input/registry.h"
#include "input/toml.h"

/* A registry is a hand-written text file; anything bigger is a mistake. */

/* Reads and parses the registry; returns its `competition` table (new ref). */
static json_t *load_competitions(const char *path, GError **err)
{
    size_t len = 0;
    char *text = jv_read_file(path, JV_LIMIT_REGISTRY, &len, err);
    if (!text)
        return NULL;
    json_t *root = jv_toml_parse(text, len, path, err);
    g_free(text);
    if (!root)
        return NULL;
    json_t *comps = json_object_get(root, "competition");
    if (!json_is_object(comps)) {
        g_set_error(err, JV_ERROR, JV_ERR_PARSE,
                    "%s: no [competition.ID] tables (see doc/SPEC.md 2.3 for the format)", path);
        json_decref(root);
        return NULL;
    }
    json_incref(comps);
    json_decref(root);
    return comps;
}

static bool type_error(GError **err, const char *path, const char *id, const char *key,
                       const char *what)
{
    g_set_error(err, JV_ERROR, JV_ERR_PARSE, "%s: competition.%s.%s: %s", path, id, key, what);
    return false;
}

/* Fetches an optional string; *out stays NULL when absent. */
static bool get_string(json_t *obj, const char *key, char **out, const char *path, const char *id,
                       GError **err)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return true;
    if (!json_is_string(v))
        return type_error(err, path, id, key, "expected a string");
    *out = g_strdup(json_string_value(v));
    return true;
}

static bool get_int(json_t *obj, const char *key, int *out, const char *path, const char *id,
                    GError **err)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return true;
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > INT_MAX)
        return type_error(err, path, id, key, "expected a non-negative integer");
    *out = (int)json_integer_value(v);
    return true;
}

/* A NULL-terminated string vector from an array of strings. */
static bool get_strv(json_t *obj, const char *key, char ***out, const char *path, const char *id,
                     GError **err)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return true;
    if (!json_is_array(v))
        return type_error(err, path, id, key, "expected an array of strings");
    GPtrArray *a = g_ptr_array_new_with_free_func(g_free); /* a refused list frees its strings */
    size_t i;
    json_t *s;
    json_array_foreach(v, i, s)
    {
        if (!json_is_string(s)) {
            g_ptr_array_free(a, TRUE);
            g_strfreev(*out);
            *out = NULL;
            return type_error(err, path, id, key, "expected an array of strings");
        }
        g_ptr_array_add(a, g_strdup(json_string_value(s)));
    }
    g_ptr_array_add(a, NULL);
    g_strfreev(*out);
    g_ptr_array_set_free_func(a, NULL);
    *out = (char **)g_ptr_array_free(a, FALSE);
    return true;
}

static bool get_bands(struct jv_competition *c, json_t *obj, const char *path, GError **err)
{
    json_t *v = json_object_get(obj, "score_bands");
    if (!v)
        return true;
    if (!json_is_object(v))
        return type_error(err, path, c->id, "score_bands", "expected a table of band = [scores]");
    c->bands = g_new0(struct jv_band, json_object_size(v));
    const char *name;
    json_t *scores;
    /* jansson keeps insertion order, so bands stay in file order. */
    json_object_foreach(v, name, scores)
    {
        if (!json_is_array(scores))
            return type_error(err, path, c->id, "score_bands",
                              "each band must be an array of integer scores");
        struct jv_band *b = &c->bands[c->n_bands++];
        b->name = g_strdup(name);
        b->scores = g_new0(int, json_array_size(scores) + 1);
        size_t i;
        json_t *s;
        json_array_foreach(scores, i, s)
        {
            if (!json_is_integer(s) || json_integer_value(s) < INT_MIN ||
                json_integer_value(s) > INT_MAX)
                return type_error(err, path, c->id, "score_bands",
                                  "each band must be an array of integer scores");
            b->scores[b->n_scores++] = (int)json_integer_value(s);
        }
    }
    return true;
}

static int band_max(const struct jv_band *b)
{
    int m = INT_MIN;
    for (size_t i = 0; i < b->n_scores; i++)
        m = MAX(m, b->scores[i]);
    return m;
}

/* Default awards: band names, the band reaching the highest score first. */
static char **default_awards(const struct jv_competition *c)
{
    GPtrArray *order = g_ptr_array_new();
    for (size_t i = 0; i < c->n_bands; i++)
        g_ptr_array_add(order, &c->bands[i]);
    for (guint i = 1; i < order->len; i++) { /* stable insertion sort, tiny n */
        for (guint j = i; j > 0; j--) {
            struct jv_band *a = order->pdata[j - 1], *b = order->pdata[j];
            if (band_max(a) >= band_max(b))
                break;
            order->pdata[j - 1] = b;
            order->pdata[j] = a;
        }
    }
    char **out = g_new0(char *, order->len + 1);
    for (guint i = 0; i < order->len; i++)
        out[i] = g_strdup(((struct jv_band *)order->pdata[i])->name);
    g_ptr_array_free(order, TRUE);
    return out;
}

static const char *const known_keys[] = {
    "name",
    "categories",
    "score_bands",
    "awards",
    "pairwise_rounds",
    "notes",
    "anchors",
    "rules",
    "scale",
    "step",
    "placings",
    "max_entries_per_author",
    "filename_pattern",
};

/*
 * The scheme (doc/SPEC.md 2.3): scale = [min, max] (integers, min < max),
 * step a positive integer dividing max - min; every band score must be a
 * score of the scale, so a registry cannot give an award no entry can get.
 */
static bool get_scheme(struct jv_competition *c, json_t *t, const char *path, GError **err)
{
    c->scale_min = JV_SCALE_MIN_DEFAULT;
    c->scale_max = JV_SCALE_MAX_DEFAULT;
    c->scale_step = 1;
    json_t *v = json_object_get(t, "scale");
    if (v) {
        json_t *lo = json_array_get(v, 0), *hi = json_array_get(v, 1);
        if (!json_is_array(v) || json_array_size(v) != 2 || !json_is_integer(lo) ||
            !json_is_integer(hi) || json_integer_value(lo) < 0 || json_integer_value(hi) > 1000 ||
            json_integer_value(lo) >= json_integer_value(hi))
            return type_error(err, path, c->id, "scale",
                              "expected [min, max], two integers 0 <= min < max <= 1000");
        c->scale_min = (int)json_integer_value(lo);
        c->scale_max = (int)json_integer_value(hi);
    }
    if (!get_int(t, "step", &c->scale_step, path, c->id, err))
        return false;
    if (c->scale_step < 1 || (c->scale_max - c->scale_min) % c->scale_step != 0)
        return type_error(err, path, c->id, "step",
                          "expected a positive integer that divides max - min of the scale");
    for (size_t i = 0; i < c->n_bands; i++)
        for (size_t j = 0; j < c->bands[i].n_scores; j++) {
            int s = c->bands[i].scores[j];
            if (s < c->scale_min || s > c->scale_max || (s - c->scale_min) % c->scale_step) {
                char *what =
                    g_strdup_printf("band \"%s\" holds %d, which is not a score of "
                                    "the scale [%d, %d] step %d",
                                    c->bands[i].name, s, c->scale_min, c->scale_max, c->scale_step);
                type_error(err, path, c->id, "score_bands", what);
                g_free(what);
                return false;
            }
        }
    return true;
}

/*
 * Fills competition `c` from its registry table `t` (borrowed): name,
 * categories, score bands, awards, pairwise_rounds, notes, anchors and rules,
 * with defaults for what is absent. Returns false with err naming the file,
 * the competition and the key that is wrong.
 */
static bool fill(struct jv_competition *c, json_t *t, const char *path, GError **err)
{
    if (!json_is_object(t))
        return type_error(err, path, c->id, "", "expected a table");
    if (!get_string(t, "name", &c->name, path, c->id, err) ||
        !get_strv(t, "categories", &c->categories, path, c->id, err) ||
        !get_bands(c, t, path, err) || !get_strv(t, "awards", &c->awards, path, c->id, err) ||
        !get_int(t, "pairwise_rounds", &c->playoff_rounds, path, c->id, err) ||
        !get_string(t, "notes", &c->notes, path, c->id, err) || !get_scheme(c, t, path, err) ||
        !get_strv(t, "placings", &c->placings, path, c->id, err) ||
        !get_int(t, "max_entries_per_author", &c->max_entries_per_author, path, c->id, err) ||
        !get_string(t, "filename_pattern", &c->filename_pattern, path, c->id, err))
        return false;
    char *bad = c->filename_pattern ? jv_filename_pattern_check(c->filename_pattern) : NULL;
    if (bad) {
        type_error(err, path, c->id, "filename_pattern", bad);
        g_free(bad);
        return false;
    }
    if (!c->placings) {
        const char *def[] = {"1st", "2nd", "3rd", NULL};
        c->placings = g_strdupv((char **)def);
    }
    if (!c->name)
        c->name = g_strdup(c->id);
    if (!c->categories) {
        const char *def[] = {"Colour", "Mono", NULL};
        c->categories = g_strdupv((char **)def);
    }
    if (!c->awards)
        c->awards = default_awards(c);

    json_t *anchors = json_object_get(t, "anchors");
    if (anchors && !json_is_array(anchors))
        return type_error(err, path, c->id, "anchors", "expected an array");
    c->anchors = anchors ? json_deep_copy(anchors) : json_array();

    json_t *rules = json_object_get(t, "rules");
    if (rules && !json_is_object(rules))
        return type_error(err, path, c->id, "rules", "expected a table");
    c->rules = rules ? json_deep_copy(rules) : json_object();
    const char *rid = c->id;
    char *ctx = g_strdup_printf("%s.rules", rid);
    bool ok = get_int(c->rules, "max_width", &c->max_width, path, ctx, err) &&
              get_int(c->rules, "max_height", &c->max_height, path, ctx, err) &&
              get_int(c->rules, "min_width", &c->min_width, path, ctx, err) &&
              get_int(c->rules, "min_height", &c->min_height, path, ctx, err) &&
              get_string(c->rules, "borders", &c->borders, path, ctx, err) &&
              get_string(c->rules, "manipulation", &c->manipulation, path, ctx, err);
    if (ok) {
        json_t *w = json_object_get(c->rules, "watermark_allowed");
        c->watermark_allowed = true;
        if (w && !json_is_boolean(w))
            ok = type_error(err, path, ctx, "watermark_allowed", "expected true or false");
        else if (w) {
            c->watermark_allowed = json_is_true(w);
            c->has_watermark_rule = true;
        }
    }
    g_free(ctx);
    if (!ok)
        return false;

    c->extra = json_object();
    const char *key;
    json_t *v;
    json_object_foreach(t, key, v)
    {
        bool known = false;
        for (size_t i = 0; i < JV_ARRAY_LEN(known_keys); i++)
            known = known || strcmp(key, known_keys[i]) == 0;
        if (!known)
            json_object_set(c->extra, key, v);
    }
    return true;
}

struct jv_competition *jv_competition_load(const char *path, const char *id, GError **err)
{
    json_t *comps = load_competitions(path, err);
    if (!comps)
        return NULL;
    json_t *t = json_object_get(comps, id);
    if (!t) {
        GString *ids = g_string_new(NULL);
        const char *key;
        json_t *v;
        json_object_foreach(comps, key, v)
        {
            g_string_append_printf(ids, "%s%s", ids->len ? ", " : "", key);
        }
        g_set_error(err, JV_ERROR, JV_ERR_NOT_FOUND,
                    "%s: no competition '%s' (competitions present: %s)", path, id,
                    ids->len ? ids->str : "none");
        g_string_free(ids, TRUE);
        json_decref(comps);
        return NULL;
    }
    struct jv_competition *c = g_new0(struct jv_competition, 1);
    c->id = g_strdup(id);
    c->source_path = g_strdup(path);
    bool ok = fill(c, t, path, err);
    json_decref(comps);
    if (!ok) {
        jv_competition_free(c);
        return NULL;
    }
    return c;
}

void jv_competition_free(struct jv_competition *c)
{
    if (!c)
        return;
    g_free(c->id);
    g_free(c->name);
    g_strfreev(c->categories);
    for (size_t i = 0; i < c->n_bands; i++) {
        g_free(c->bands[i].name);
        g_free(c->bands[i].scores);
    }
    g_free(c->bands);
    g_strfreev(c->awards);
    g_free(c->notes);
    json_decref(c->anchors);
    json_decref(c->rules);
    json_decref(c->extra);
    g_free(c->borders);
    g_free(c->manipulation);
    g_free(c->source_path);
    g_strfreev(c->placings);
    g_free(c->filename_pattern);
    g_free(c);
}

int jv_competition_snap_score(const struct jv_competition *c, double score)
{
    int lo = c ? c->scale_min : JV_SCALE_MIN_DEFAULT;
    int hi = c ? c->scale_max : JV_SCALE_MAX_DEFAULT;
    int step = c && c->scale_step > 0 ? c->scale_step : 1;
    if (!(score > lo)) /* also NaN */
        return lo;
    if (score >= hi)
        return hi;
    int k = (int)floor((score - lo) / step + 0.5);
    return MIN(hi, lo + k * step);
}

const char *jv_competition_award_for(const struct jv_competition *c, int score)
{
    for (size_t i = 0; c && i < c->n_bands; i++)
        for (size_t j = 0; j < c->bands[i].n_scores; j++)
            if (c->bands[i].scores[j] == score)
                return c->bands[i].name;
    return NULL;
}

static json_t *strv_json(char **v)
{
    json_t *a = json_array();
    for (size_t i = 0; v && v[i]; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

static json_t *int_or_null(int v)
{
    return v > 0 ? json_integer(v) : json_null();
}

json_t *jv_competition_to_json(const struct jv_competition *c)
{
    json_t *bands = json_object();
    for (size_t i = 0; i < c->n_bands; i++) {
        json_t *scores = json_array();
        for (size_t j = 0; j < c->bands[i].n_scores; j++)
            json_array_append_new(scores, json_integer(c->bands[i].scores[j]));
        json_object_set_new(bands, c->bands[i].name, scores);
    }
    json_t *j = json_pack(
        "{s:s, s:s, s:o, s:o, s:o, s:i, s:o, s:O, s:O, s:{s:o, s:o, s:o, s:o, "
        "s:o, s:o, s:o}, s:O}",
        "id", c->id, "name", c->name, "categories", strv_json(c->categories), "score_bands", bands,
        "awards", strv_json(c->awards), "pairwise_rounds", c->playoff_rounds, "notes",
        c->notes ? json_string(c->notes) : json_null(), "anchors", c->anchors, "rules", c->rules,
        "limits", "max_width", int_or_null(c->max_width), "max_height", int_or_null(c->max_height),
        "min_width", int_or_null(c->min_width), "min_height", int_or_null(c->min_height), "borders",
        c->borders ? json_string(c->borders) : json_null(), "manipulation",
        c->manipulation ? json_string(c->manipulation) : json_null(), "watermark_allowed",
        c->has_watermark_rule ? json_boolean(c->watermark_allowed) : json_null(), "extra",
        c->extra);
    json_object_set_new(j, "scale", json_pack("[i,i]", c->scale_min, c->scale_max));
    json_object_set_new(j, "step", json_integer(c->scale_step));
    json_object_set_new(j, "placings", strv_json(c->placings));
    json_object_set_new(j, "max_entries_per_author", int_or_null(c->max_entries_per_author));
    json_object_set_new(j, "filename_pattern",
                        c->filename_pattern ? json_string(c->filename_pattern) : json_null());
    return j;
}

json_t *jv_registry_list(const char *path, GError **err)
{
    json_t *comps = load_competitions(path, err);
    if (!comps)
        return NULL;
    json_t *out = json_array();
    const char *key;
    json_t *v;
    json_object_foreach(comps, key, v)
    {
        json_t *name = json_is_object(v) ? json_object_get(v, "name") : NULL;
        json_array_append_new(out, json_pack("{s:s, s:s}", "id", key, "name",
                                             json_is_string(name) ? json_string_value(name) : key));
    }
    json_decref(comps);
    return out;
}
