/* calibration.c - the calibration file: a fitted monotone mapping, read, written, applied. */
#include "core/jv.h"

#include <math.h>

#include "core/fsutil.h"
#include "core/hash.h"
#include "core/limits.h"
#include "outputs/calibration.h"

#define CALIBRATION_FORMAT "judge-vision-calibration"
/* A calibration file is a few curves: anything larger is not one. */
#define CALIBRATION_MAX_BYTES (4 * 1024 * 1024)

static void curve_free(gpointer p)
{
    struct jv_calibration_curve *cv = p;
    jv_isotonic_release(&cv->f);
    g_free(cv);
}

struct jv_calibration *jv_calibration_new(const char *origin)
{
    struct jv_calibration *c = g_new0(struct jv_calibration, 1);
    c->origin = g_strdup(origin);
    jv_isotonic_init(&c->overall);
    c->per_category = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, curve_free);
    c->meta = json_object();
    return c;
}

void jv_calibration_free(struct jv_calibration *c)
{
    if (!c)
        return;
    g_free(c->origin);
    g_free(c->sha256);
    jv_isotonic_release(&c->overall);
    g_hash_table_destroy(c->per_category);
    json_decref(c->meta);
    g_free(c);
}

/* Reads {"pairs", "x", "y"} into f. -1 with err naming `where`. */
static int read_curve(const json_t *j, struct jv_isotonic *f, size_t *pairs, const char *origin,
                      const char *where, GError **err)
{
    const json_t *x = json_object_get(j, "x"), *y = json_object_get(j, "y");
    const json_t *n = json_object_get(j, "pairs");
    if (!json_is_object(j) || !json_is_array(x) || !json_is_array(y) ||
        json_array_size(x) != json_array_size(y) || json_array_size(x) == 0) {
        g_set_error(err, JV_ERROR, JV_ERR_PARSE,
                    "%s: %s needs arrays x and y of one length (at least one knot)", origin, where);
        return -1;
    }
    g_array_set_size(f->x, 0);
    g_array_set_size(f->y, 0);
    for (size_t i = 0; i < json_array_size(x); i++) {
        double xi = json_number_value(json_array_get(x, i));
        double yi = json_number_value(json_array_get(y, i));
        bool numbers = json_is_number(json_array_get(x, i)) && json_is_number(json_array_get(y, i));
        bool rising = i == 0 || (xi > g_array_index(f->x, double, i - 1) &&
                                 yi >= g_array_index(f->y, double, i - 1));
        if (!numbers || !isfinite(xi) || !isfinite(yi) || !rising) {
            g_set_error(err, JV_ERROR, JV_ERR_PARSE,
                        "%s: %s knot %zu: x must rise and y must not fall (finite numbers)", origin,
                        where, i);
            return -1;
        }
        g_array_append_val(f->x, xi);
        g_array_append_val(f->y, yi);
    }
    *pairs = json_is_integer(n) && json_integer_value(n) > 0 ? (size_t)json_integer_value(n) : 0;
    return 0;
}

struct jv_calibration *jv_calibration_parse(const char *text, size_t len, const char *origin,
                                            GError **err)
{
    json_error_t jerr;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        g_set_error(err, JV_ERROR, JV_ERR_PARSE, "%s: not JSON: %s (line %d)", origin, jerr.text,
                    jerr.line);
        return NULL;
    }
    struct jv_calibration *c = jv_calibration_new(origin);
    const char *format = json_string_value(json_object_get(root, "format"));
    json_t *per = json_object_get(root, "per_category");
    if (!json_is_object(root) || !format || strcmp(format, CALIBRATION_FORMAT) != 0 ||
        json_integer_value(json_object_get(root, "version")) != 1) {
        g_set_error(err, JV_ERROR, JV_ERR_PARSE,
                    "%s: not a calibration file (format \"%s\", version 1)", origin,
                    CALIBRATION_FORMAT);
        goto fail;
    }
    if (read_curve(json_object_get(root, "overall"), &c->overall, &c->overall_pairs, origin,
                   "overall", err) < 0)
        goto fail;
    if (per && !json_is_null(per) && !json_is_object(per)) {
        g_set_error(err, JV_ERROR, JV_ERR_PARSE, "%s: per_category must be an object", origin);
        goto fail;
    }
    const char *name;
    json_t *cj;
    json_object_foreach(per, name, cj)
    {
        struct jv_calibration_curve *cv = g_new0(struct jv_calibration_curve, 1);
        jv_isotonic_init(&cv->f);
        g_hash_table_replace(c->per_category, g_strdup(name), cv);
        char *where = g_strdup_printf("per_category.%s", name);
        int rc = read_curve(cj, &cv->f, &cv->pairs, origin, where, err);
        g_free(where);
        if (rc < 0)
            goto fail;
    }
    const char *keep[] = {"fitted", "human", "rounds"};
    for (size_t i = 0; i < JV_ARRAY_LEN(keep); i++) {
        json_t *v = json_object_get(root, keep[i]);
        if (v)
            json_object_set(c->meta, keep[i], v);
    }
    json_decref(root);
    return c;
fail:
    json_decref(root);
    jv_calibration_free(c);
    return NULL;
}

struct jv_calibration *jv_calibration_load(const char *path, GError **err)
{
    size_t len = 0;
    GError *local = NULL;
    char *text = jv_read_file(path, CALIBRATION_MAX_BYTES, &len, &local);
    if (!text) {
        g_set_error(err, JV_ERROR, local->code, "calibration file: %s", local->message);
        g_error_free(local);
        return NULL;
    }
    struct jv_calibration *c = jv_calibration_parse(text, len, path, err);
    if (c)
        c->sha256 = jv_sha256_hex(text, len);
    g_free(text);
    return c;
}

static json_t *curve_json(const struct jv_isotonic *f, size_t pairs)
{
    json_t *x = json_array(), *y = json_array();
    for (guint i = 0; i < f->x->len; i++) {
        json_array_append_new(x, json_real(g_array_index(f->x, double, i)));
        json_array_append_new(y, json_real(round(g_array_index(f->y, double, i) * 1e4) / 1e4));
    }
    return json_pack("{s:I, s:o, s:o}", "pairs", (json_int_t)pairs, "x", x, "y", y);
}

json_t *jv_calibration_to_json(const struct jv_calibration *c)
{
    json_t *j = json_pack("{s:s, s:i, s:s}", "format", CALIBRATION_FORMAT, "version", 1, "method",
                          "isotonic");
    json_object_update(j, c->meta);
    json_object_set_new(j, "overall", curve_json(&c->overall, c->overall_pairs));
    json_t *per = json_object();
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, c->per_category);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        const struct jv_calibration_curve *cv = v;
        json_object_set_new(per, k, curve_json(&cv->f, cv->pairs));
    }
    json_object_set_new(j, "per_category", per);
    return j;
}

int jv_calibration_save(const struct jv_calibration *c, const char *path, GError **err)
{
    json_t *j = jv_calibration_to_json(c);
    char *dump = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(10));
    json_decref(j);
    GString *text = g_string_new(dump);
    free(dump);
    g_string_append_c(text, '\n');
    int rc = jv_write_file_atomic(path, text->str, text->len, err);
    g_string_free(text, TRUE);
    return rc;
}

double jv_calibration_apply(const struct jv_calibration *c, const char *category, double raw)
{
    const struct jv_calibration_curve *cv =
        category ? g_hash_table_lookup(c->per_category, category) : NULL;
    return jv_isotonic_apply(cv ? &cv->f : &c->overall, raw);
}

int jv_calibration_total(const struct jv_calibration *c, const char *category, double raw)
{
    double v = jv_calibration_apply(c, category, raw);
    return (int)nearbyint(fmin(fmax(v, 0.0), 20.0));
}
