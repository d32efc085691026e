/* trust.c - the run's panel of judges and calibration, and their manifest figures. */
#include "core/jv.h"

#include "core/fsutil.h"
#include "core/limits.h"
#include "core/log.h"
#include "outputs/record.h"
#include "pipeline/trust.h"

/* The most judges a panel may have (the option's range; the registry's too). */
#define TRUST_MAX_JUDGES 16

/* The competition's `judges`: 0 when absent, -1 with err when it is not 1..16. */
static int registry_judges(const struct jv_competition *c, GError **err)
{
    json_t *v = c && c->extra ? json_object_get(c->extra, "judges") : NULL;
    if (!v)
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < 1 ||
        json_integer_value(v) > TRUST_MAX_JUDGES) {
        g_set_error(err, JV_ERROR, JV_ERR_PARSE,
                    "%s: competition.%s.judges: expected an integer from 1 to %d", c->source_path,
                    c->id, TRUST_MAX_JUDGES);
        return -1;
    }
    return (int)json_integer_value(v);
}

int jv_trust_open(struct jv_trust *t, const struct jv_trust_config *cfg,
                  const struct jv_competition *c, struct jv_critique_engine *e,
                  struct jv_http_sched *sched, const struct jv_prompt *p, jv_critique_feed_fn feed,
                  void *user, GError **err)
{
    memset(t, 0, sizeof *t);
    int from_registry = registry_judges(c, err);
    if (from_registry < 0)
        return -1;
    t->judges = cfg->judges > 0 ? cfg->judges : (from_registry > 0 ? from_registry : 1);
    t->combine = (enum jv_panel_combine)cfg->combine;
    if (cfg->calibration) {
        t->calibration = jv_calibration_load(cfg->calibration, err);
        if (!t->calibration)
            return -1;
    }
    if (t->judges > 1) {
        t->panel = jv_critique_panel_new(e, sched, p, t->judges, t->combine, err);
        if (!t->panel)
            return -1;
        jv_critique_panel_set_feeder(t->panel, feed, user);
    } else {
        jv_critique_engine_set_feeder(e, feed, user);
    }
    return 0;
}

void jv_trust_cancel_queued(struct jv_trust *t, struct jv_critique_engine *e)
{
    if (t->panel)
        jv_critique_panel_cancel_queued(t->panel);
    else
        jv_critique_engine_cancel_queued(e);
}

void jv_trust_record(const struct jv_trust *t, json_t *rec, const struct jv_competition *c)
{
    double raw;
    if (!t->calibration || !jv_record_num(rec, JV_REC_CRITIQUE_TOTAL_RAW, &raw))
        return;
    const char *category = jv_record_str(rec, JV_REC_COMPETITION_CATEGORY);
    int total = jv_calibration_total(t->calibration, category, raw);
    jv_record_set_int(rec, JV_REC_CRITIQUE_TOTAL, total);
    if (c)
        jv_record_set_str(rec, JV_REC_CRITIQUE_AWARD, jv_competition_award_for(c, total));
}

static json_t *anchors_json(const struct jv_trust *t, int *warnings);

void jv_trust_to_manifest(const struct jv_trust *t, json_t *manifest)
{
    if (t->anchors && t->anchors->len) {
        int warnings = 0;
        json_object_set_new(manifest, "anchors", anchors_json(t, &warnings));
        json_object_set_new(manifest, "anchor_warnings", json_integer(warnings));
    }
    if (t->panel)
        json_object_set_new(manifest, "panel", jv_critique_panel_stats(t->panel));
    if (t->calibration)
        json_object_set_new(manifest, "calibration",
                            json_pack("{s:s, s:s?}", "path", t->calibration->origin, "sha256",
                                      t->calibration->sha256));
}

void jv_trust_release(struct jv_trust *t)
{
    jv_critique_panel_free(t->panel);
    jv_calibration_free(t->calibration);
    if (t->anchors)
        g_array_free(t->anchors, TRUE);
    memset(t, 0, sizeof *t);
}

/* ---- anchors ------------------------------------------------------------ */

static void anchor_clear(gpointer p)
{
    struct jv_trust_anchor *a = p;
    g_free(a->path);
    g_free(a->error);
}

/* Reads anchor `i` of the registry: its path (absolute) and band. -1 with err. */
static int read_anchor(const struct jv_competition *c, size_t i, const json_t *v,
                       struct jv_trust_anchor *a, GError **err)
{
    const char *path = json_string_value(json_object_get(v, "path"));
    const json_t *band = json_object_get(v, "band");
    const json_t *lo = json_array_get(band, 0), *hi = json_array_get(band, 1);
    if (!json_is_object(v) || !path || !path[0] || json_array_size(band) != 2 ||
        !json_is_integer(lo) || !json_is_integer(hi) || json_integer_value(lo) < 0 ||
        json_integer_value(hi) < json_integer_value(lo)) {
        g_set_error(err, JV_ERROR, JV_ERR_PARSE,
                    "%s: competition.%s.anchors[%zu]: expected { path = \"...\", band = [lo, hi] } "
                    "with 0 <= lo <= hi",
                    c->source_path, c->id, i);
        return -1;
    }
    char *dir = g_path_get_dirname(c->source_path ? c->source_path : ".");
    char *joined = g_path_is_absolute(path) ? g_strdup(path) : g_build_filename(dir, path, NULL);
    a->path = g_canonicalize_filename(joined, NULL);
    g_free(joined);
    g_free(dir);
    a->lo = (int)json_integer_value(lo);
    a->hi = (int)json_integer_value(hi);
    if (!g_file_test(a->path, G_FILE_TEST_IS_REGULAR)) {
        g_set_error(err, JV_ERROR, JV_ERR_NOT_FOUND,
                    "%s: competition.%s.anchors[%zu]: %s is not a file", c->source_path, c->id, i,
                    a->path);
        return -1;
    }
    return 0;
}

static bool in_paths(const GPtrArray *paths, const char *path)
{
    for (guint i = 0; i < paths->len; i++)
        if (strcmp(g_ptr_array_index(paths, i), path) == 0)
            return true;
    return false;
}

int jv_trust_add_anchors(struct jv_trust *t, const struct jv_competition *c, GPtrArray *paths,
                         GError **err)
{
    size_t n = c && c->anchors ? json_array_size(c->anchors) : 0;
    if (n == 0)
        return 0;
    t->anchors = g_array_new(FALSE, TRUE, sizeof(struct jv_trust_anchor));
    g_array_set_clear_func(t->anchors, anchor_clear);
    t->first_anchor = paths->len;
    GPtrArray *add = g_ptr_array_new();
    for (size_t i = 0; i < n; i++) {
        struct jv_trust_anchor a = {0};
        if (read_anchor(c, i, json_array_get(c->anchors, i), &a, err) < 0) {
            anchor_clear(&a);
            g_ptr_array_free(add, TRUE);
            return -1;
        }
        if (in_paths(paths, a.path) || in_paths(add, a.path)) {
            jv_warn("anchor %s is also an entry (or listed twice): judged as an entry only",
                    a.path);
            anchor_clear(&a);
            continue;
        }
        g_ptr_array_add(add, a.path);
        g_array_append_val(t->anchors, a);
    }
    for (guint i = 0; i < add->len; i++)
        g_ptr_array_add(paths, g_strdup(g_ptr_array_index(add, i)));
    g_ptr_array_free(add, TRUE);
    return 0;
}

size_t jv_trust_n_anchors(const struct jv_trust *t)
{
    return t->anchors ? t->anchors->len : 0;
}

bool jv_trust_is_anchor(const struct jv_trust *t, size_t index)
{
    return t->anchors && index >= t->first_anchor && index - t->first_anchor < t->anchors->len;
}

void jv_trust_anchor_result(struct jv_trust *t, size_t index, const char *category,
                            const struct jv_critique_result *res, const char *error)
{
    if (!jv_trust_is_anchor(t, index))
        return;
    struct jv_trust_anchor *a =
        &g_array_index(t->anchors, struct jv_trust_anchor, index - t->first_anchor);
    if (res && res->has_total && res->status == JV_CRITIQUE_OK) {
        a->judged = true;
        a->total = t->calibration ? jv_calibration_total(t->calibration, category, res->total)
                                  : res->total;
        if (a->total < a->lo || a->total > a->hi)
            jv_warn("anchor %s scored %d, outside its band %d-%d: the model, prompt or server "
                    "may have drifted",
                    a->path, a->total, a->lo, a->hi);
        return;
    }
    g_free(a->error);
    a->error = g_strdup(error ? error : res && res->error ? res->error : "no score");
    jv_warn("anchor %s was not judged: %s", a->path, a->error);
}

static json_t *anchors_json(const struct jv_trust *t, int *warnings)
{
    json_t *arr = json_array();
    *warnings = 0;
    for (guint i = 0; i < t->anchors->len; i++) {
        const struct jv_trust_anchor *a = &g_array_index(t->anchors, struct jv_trust_anchor, i);
        bool in = a->judged && a->total >= a->lo && a->total <= a->hi;
        *warnings += !in;
        json_array_append_new(arr, json_pack("{s:s, s:[i,i], s:o, s:b, s:s?}", "path", a->path,
                                             "band", a->lo, a->hi, "total",
                                             a->judged ? json_integer(a->total) : json_null(),
                                             "in_band", in, "error", a->error));
    }
    return arr;
}

int jv_trust_summary_append(const struct jv_trust *t, const char *path, GError **err)
{
    if (!t->anchors || t->anchors->len == 0)
        return 0;
    size_t len = 0;
    char *text = jv_read_file(path, JV_LIMIT_RESULTS, &len, err);
    if (!text)
        return -1;
    GString *g = g_string_new_len(text, (gssize)len);
    g_free(text);
    g_string_append(g, "\n## Anchors\n\nPhotos of known standing judged with the round; one "
                       "outside its band means the model, prompt or server has drifted.\n\n"
                       "| Anchor | Band | Mark | |\n|---|---|---|---|\n");
    for (guint i = 0; i < t->anchors->len; i++) {
        const struct jv_trust_anchor *a = &g_array_index(t->anchors, struct jv_trust_anchor, i);
        char *base = g_path_get_basename(a->path);
        bool in = a->judged && a->total >= a->lo && a->total <= a->hi;
        char mark[16];
        g_snprintf(mark, sizeof mark, "%d", a->total);
        g_string_append_printf(
            g, "| %s | %d–%d | %s | %s |\n", base, a->lo, a->hi, a->judged ? mark : "—",
            in ? "ok" : (a->judged ? "**warning: outside its band**" : "**warning: not judged**"));
        g_free(base);
    }
    int rc = jv_write_file_atomic(path, g->str, g->len, err);
    g_string_free(g, TRUE);
    return rc;
}
