/* trust.c - the run's panel of judges and calibration, and their manifest figures. */
#include "core/jv.h"

#include <math.h>

#include "core/fsutil.h"
#include "core/hash.h"
#include "core/limits.h"
#include "core/jsonl.h"
#include "core/log.h"
#include "core/stats.h"
#include "outputs/record.h"
#include "pipeline/trust.h"

/* The most judges a panel may have (the option's range; the registry's too). */
#define TRUST_MAX_JUDGES 16

/* ---- consistency: the same request twice ------------------------------ */

/* A repeat of a sampled photo's request: the job with copies of what it borrows. */
struct twin {
    struct jv_trust *t;
    struct jv_critique_job job;
    char *strings[9];
    json_t *metrics;
};

static void sample_free(gpointer p)
{
    struct jv_trust_sample *s = p;
    g_free(s->image);
    g_free(s);
}

static void twin_free(struct twin *tw)
{
    for (size_t i = 0; i < JV_ARRAY_LEN(tw->strings); i++)
        g_free(tw->strings[i]);
    json_decref(tw->metrics);
    g_free(tw);
}

static void on_twin_done(struct jv_critique_job *job, const struct jv_critique_result *res,
                         void *user)
{
    struct twin *tw = user;
    struct jv_trust_sample *s = g_hash_table_lookup(tw->t->samples, job->content_hash);
    if (s && !res->cancelled && res->has_total && res->status == JV_CRITIQUE_OK) {
        s->has_second = true;
        s->second = res->score_raw;
    }
    twin_free(tw);
}

/* A twin of `job` that owns copies of its strings and signals. */
static struct twin *twin_new(struct jv_trust *t, const struct jv_critique_job *job)
{
    struct twin *tw = g_new0(struct twin, 1);
    tw->t = t;
    tw->job = *job;
    const char **fields[] = {
        &tw->job.image_path,        &tw->job.content_hash, &tw->job.title,
        &tw->job.category,          &tw->job.caption,      &tw->job.rules,
        &tw->job.competition_notes, &tw->job.compliance,   &tw->job.tonal_summary};
    for (size_t i = 0; i < JV_ARRAY_LEN(fields); i++) {
        tw->strings[i] = g_strdup(*fields[i]);
        *fields[i] = tw->strings[i];
    }
    tw->metrics = job->metrics ? json_deep_copy(job->metrics) : NULL;
    tw->job.metrics = tw->metrics;
    tw->job.done = on_twin_done;
    tw->job.user = tw;
    tw->job.group = 1;
    return tw;
}

/* The engine's feeder with a sample: a queued twin first, else the next job (maybe sampled). */
static struct jv_critique_job *trust_feed(void *user)
{
    struct jv_trust *t = user;
    struct twin *tw = g_queue_pop_head(&t->twins);
    if (tw)
        return &tw->job;
    struct jv_critique_job *job = t->inner(t->inner_user);
    bool first_judge = job && (!job->has_seed || job->seed == 1);
    if (!first_judge || !job->content_hash)
        return job;
    size_t k = t->seen++;
    if (k % t->stride == 0 && g_hash_table_size(t->samples) < (guint)t->sample &&
        !g_hash_table_contains(t->samples, job->content_hash)) {
        struct jv_trust_sample *s = g_new0(struct jv_trust_sample, 1);
        s->image = g_strdup(job->image_path);
        g_hash_table_replace(t->samples, g_strdup(job->content_hash), s);
        g_queue_push_tail(&t->twins, twin_new(t, job));
        job->group = MAX(job->group, 1) + 1; /* the twin goes out right after it, with it */
    }
    return job;
}

/* The sampled photo's first answer, from its record (the first judge's raw score). */
static void note_first(const struct jv_trust *t, const json_t *rec)
{
    const char *hash = jv_record_str(rec, JV_REC_CONTENT_HASH);
    struct jv_trust_sample *s = t->samples && hash ? g_hash_table_lookup(t->samples, hash) : NULL;
    if (!s)
        return;
    const json_t *judges = jv_record_get(rec, JV_REC_CRITIQUE_JUDGES);
    const json_t *first = json_array_get(judges, 0);
    if (json_is_number(first)) {
        s->first = json_number_value(first);
        s->has_first = true;
    } else if (!judges) {
        s->has_first = jv_record_num(rec, JV_REC_CRITIQUE_TOTAL_INITIAL, &s->first);
    }
}

static json_t *consistency_json(const struct jv_trust *t)
{
    struct jv_stats diff;
    jv_stats_init(&diff);
    size_t same = 0;
    json_t *pairs = json_array();
    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init(&it, t->samples);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
        const struct jv_trust_sample *s = v;
        if (!s->has_first || !s->has_second)
            continue;
        jv_stats_add(&diff, fabs(s->first - s->second));
        same += s->first == s->second;
        json_array_append_new(pairs, json_pack("{s:s, s:f, s:f}", "image", s->image, "first",
                                               s->first, "second", s->second));
    }
    size_t n = jv_stats_count(&diff);
    json_t *j = json_pack("{s:i, s:I, s:o, s:o, s:o}", "sample", t->sample, "photos", (json_int_t)n,
                          "identical_share", n ? json_real((double)same / (double)n) : json_null(),
                          "difference", jv_stats_to_json(&diff), "pairs", pairs);
    jv_stats_release(&diff);
    return j;
}

/* ---- the playoff's swapped sides --------------------------------------- */

struct flips {
    GHashTable *ways; /* "category\x1fa\x1fb" -> GArray of int: 1 = a won, 0 = b won */
};

static bool note_match(const struct jv_jsonl_line *line, void *user)
{
    struct flips *f = user;
    const char *cat = json_string_value(json_object_get(line->obj, "category"));
    const char *a = json_string_value(json_object_get(line->obj, "a"));
    const char *b = json_string_value(json_object_get(line->obj, "b"));
    const char *w = json_string_value(json_object_get(line->obj, "winner"));
    if (!a || !b || !w)
        return true;
    char *key = g_strjoin("\x1f", cat ? cat : "", a, b, NULL);
    GArray *arr = g_hash_table_lookup(f->ways, key);
    if (!arr) {
        arr = g_array_new(FALSE, FALSE, sizeof(int));
        g_hash_table_insert(f->ways, key, arr);
    } else {
        g_free(key);
    }
    int a_won = strcmp(w, "A") == 0;
    g_array_append_val(arr, a_won);
    return true;
}

void jv_trust_playoff_consistency(json_t *manifest, const char *matches_log)
{
    struct flips f = {
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_array_unref)};
    if (jv_jsonl_read(matches_log, JV_LIMIT_MATCHES_LOG, note_match, &f, NULL, NULL) < 0) {
        g_hash_table_destroy(f.ways);
        return;
    }
    size_t pairs = 0, comparisons = 0, flipped = 0;
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, f.ways);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        char **p = g_strsplit(k, "\x1f", 3);
        if (g_strv_length(p) == 3 && strcmp(p[1], p[2]) < 0) {
            char *rev = g_strjoin("\x1f", p[0], p[2], p[1], NULL);
            GArray *other = g_hash_table_lookup(f.ways, rev);
            g_free(rev);
            GArray *one = v;
            pairs += other != NULL;
            for (guint i = 0; other && i < one->len; i++)
                for (guint j = 0; j < other->len; j++) {
                    comparisons++;
                    /* the winner changes with the sides when the entry shown first wins (or
                     * loses) both times */
                    flipped += g_array_index(one, int, i) == g_array_index(other, int, j);
                }
        }
        g_strfreev(p);
    }
    g_hash_table_destroy(f.ways);
    json_t *c = json_object_get(manifest, "consistency");
    if (!c) {
        c = json_object();
        json_object_set_new(manifest, "consistency", c);
    }
    json_object_set_new(
        c, "playoff",
        json_pack("{s:I, s:I, s:I, s:o}", "swapped_pairs", (json_int_t)pairs, "comparisons",
                  (json_int_t)comparisons, "flips", (json_int_t)flipped, "flip_share",
                  comparisons ? json_real((double)flipped / (double)comparisons) : json_null()));
}

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

static struct jv_critique_job *trust_feed(void *user);

int jv_trust_open(struct jv_trust *t, const struct jv_trust_config *cfg,
                  const struct jv_competition *c, struct jv_critique_engine *e,
                  struct jv_http_sched *sched, const struct jv_prompt *p, size_t photos,
                  jv_critique_feed_fn feed, void *user, GError **err)
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
        json_t *st = jv_critique_panel_stats(t->panel);
        GString *id = g_string_new(NULL);
        g_string_append_printf(id, "panel %d %s\n", t->judges, jv_panel_combine_name(t->combine));
        size_t i;
        json_t *v;
        json_array_foreach(json_object_get(st, "prompts"), i, v)
        {
            g_string_append_printf(id, "%s\n", json_string_value(json_object_get(v, "sha256")));
        }
        t->panel_sha256 = jv_sha256_hex(id->str, id->len);
        g_string_free(id, TRUE);
        json_decref(st);
    } else {
        jv_critique_engine_set_feeder(e, feed, user);
    }
    if (cfg->consistency_sample > 0) {
        t->sample = cfg->consistency_sample;
        t->stride = MAX(photos / (size_t)t->sample, 1);
        g_queue_init(&t->twins);
        t->samples = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, sample_free);
        t->inner = t->panel ? jv_critique_panel_feed : feed;
        t->inner_user = t->panel ? (void *)t->panel : user;
        jv_critique_engine_set_feeder(e, trust_feed, t);
    }
    return 0;
}

const char *jv_trust_prompt_sha256(const struct jv_trust *t, const struct jv_prompt *p)
{
    return t->panel_sha256 ? t->panel_sha256 : p->sha256;
}

void jv_trust_cancel_queued(struct jv_trust *t, struct jv_critique_engine *e)
{
    struct twin *tw;
    while (t->samples && (tw = g_queue_pop_head(&t->twins)))
        twin_free(tw);
    if (t->panel)
        jv_critique_panel_cancel_queued(t->panel);
    else
        jv_critique_engine_cancel_queued(e);
}

void jv_trust_record(const struct jv_trust *t, json_t *rec, const struct jv_competition *c)
{
    note_first(t, rec);
    double raw;
    if (!t->calibration || !jv_record_num(rec, JV_REC_CRITIQUE_TOTAL_RAW, &raw))
        return;
    const char *category = jv_record_str(rec, JV_REC_COMPETITION_CATEGORY);
    int total = jv_calibration_total(t->calibration, category, raw);
    jv_record_set_int(rec, JV_REC_CRITIQUE_TOTAL, total);
    if (c)
        jv_record_set_str(rec, JV_REC_CRITIQUE_AWARD, jv_competition_award_for(c, total));
}

/* The Stage 2 mark of a record under this run's calibration; false without a raw total. */
static bool stage2_mark(const struct jv_trust *t, const json_t *rec, int *mark)
{
    double raw;
    if (!jv_record_num(rec, JV_REC_CRITIQUE_TOTAL_RAW, &raw))
        return false;
    const char *category = jv_record_str(rec, JV_REC_COMPETITION_CATEGORY);
    *mark = t->calibration ? jv_calibration_total(t->calibration, category, raw) : (int)lround(raw);
    return true;
}

size_t jv_trust_recalibrate(struct jv_trust *t, json_t *records, const struct jv_competition *c)
{
    size_t changed = 0, i;
    json_t *rec;
    json_array_foreach(records, i, rec)
    {
        int mark;
        double now, initial;
        if (!stage2_mark(t, rec, &mark))
            continue;
        bool played = jv_record_num(rec, JV_REC_PAIRWISE_SCORE_INITIAL, &initial);
        double stage2 =
            played ? initial : (jv_record_num(rec, JV_REC_CRITIQUE_TOTAL, &now) ? now : NAN);
        if (stage2 == mark)
            continue;
        jv_record_set_int(rec, JV_REC_CRITIQUE_TOTAL, mark);
        if (played)
            jv_record_set_int(rec, JV_REC_PAIRWISE_SCORE_INITIAL, mark);
        if (c)
            jv_record_set_str(rec, JV_REC_CRITIQUE_AWARD, jv_competition_award_for(c, mark));
        changed++;
    }
    if (changed) {
        t->recalibrated += changed;
        jv_info("%zu record(s) of an earlier run were marked with another calibration: their "
                "totals are now %s",
                changed,
                t->calibration ? "this run's calibration of their raw totals"
                               : "their raw totals (this run has no calibration)");
    }
    return changed;
}

static json_t *anchors_json(const struct jv_trust *t, int *warnings);

void jv_trust_to_manifest(const struct jv_trust *t, json_t *manifest)
{
    if (t->anchors && t->anchors->len) {
        int warnings = 0;
        json_object_set_new(manifest, "anchors", anchors_json(t, &warnings));
        json_object_set_new(manifest, "anchor_warnings", json_integer(warnings));
    }
    if (t->panel) {
        json_t *panel = jv_critique_panel_stats(t->panel);
        json_object_set_new(panel, "sha256", json_string(t->panel_sha256));
        json_object_set_new(manifest, "panel", panel);
    }
    if (t->samples) {
        /* kept: the playoff's part (jv_trust_playoff_consistency) sits beside it */
        json_t *c = json_object_get(manifest, "consistency");
        if (!json_is_object(c)) {
            c = json_object();
            json_object_set_new(manifest, "consistency", c);
        }
        json_object_set_new(c, "critique", consistency_json(t));
    }
    if (t->calibration) {
        /* the curve too, so that the page can draw it without reading the file */
        json_t *file = jv_calibration_to_json(t->calibration);
        json_object_set_new(manifest, "calibration",
                            json_pack("{s:s, s:s?, s:O, s:O, s:I}", "path", t->calibration->origin,
                                      "sha256", t->calibration->sha256, "overall",
                                      json_object_get(file, "overall"), "per_category",
                                      json_object_get(file, "per_category"), "recalibrated",
                                      (json_int_t)t->recalibrated));
        json_decref(file);
    }
}

void jv_trust_release(struct jv_trust *t)
{
    jv_critique_panel_free(t->panel);
    g_free(t->panel_sha256);
    jv_calibration_free(t->calibration);
    if (t->anchors)
        g_array_free(t->anchors, TRUE);
    if (t->samples) {
        struct twin *tw;
        while ((tw = g_queue_pop_head(&t->twins)))
            twin_free(tw);
        g_hash_table_destroy(t->samples);
    }
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
