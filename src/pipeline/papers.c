/* papers.c - a finished round read back with its edits: summary and exports (see papers.h). */
#include "core/jv.h"

#include "outputs/layout.h"

#include "core/fsutil.h"
#include "image/thumbnail.h"
#include "outputs/manifest.h"
#include "outputs/overrides.h"
#include "outputs/record.h"
#include "outputs/results.h"
#include "outputs/summary.h"
#include "pipeline/papers.h"
#include "pipeline/ranking_step.h"
#include "playoff/placing.h"

/* The latest round in `dir`/results whose manifest lists `folder` (absolute) as an input. */
static char *round_of_inputs(const char *dir, const char *folder)
{
    char *rdir = g_build_filename(dir, JV_LAYOUT_RESULTS_DIR, NULL);
    GDir *d = g_dir_open(rdir, 0, NULL);
    char *best = NULL;
    const char *best_started = "";
    char *abs = jv_abspath(folder);
    const char *name;
    while (d && (name = g_dir_read_name(d))) {
        if (!g_str_has_suffix(name, ".metadata.json"))
            continue;
        char *mp = g_build_filename(rdir, name, NULL);
        json_t *m = json_load_file(mp, 0, NULL);
        json_t *inputs = json_object_get(json_object_get(m, "round"), "inputs");
        const char *started = json_string_value(json_object_get(m, "started"));
        size_t i;
        json_t *in;
        bool has = false;
        json_array_foreach(inputs, i, in) has = has || !g_strcmp0(json_string_value(in), abs);
        if (has && started && strcmp(started, best_started) > 0) {
            g_free(best);
            char *stem = g_strndup(name, strlen(name) - strlen(".metadata.json"));
            best = jv_layout_file(dir, stem, JV_FILE_RESULTS);
            g_free(stem);
            best_started = g_intern_string(started);
        }
        json_decref(m);
        g_free(mp);
    }
    if (d)
        g_dir_close(d);
    g_free(abs);
    g_free(rdir);
    return best;
}

/* The one round of an outputs folder, NULL when it has none or several. */
static char *only_round(const char *dir)
{
    char *rdir = g_build_filename(dir, JV_LAYOUT_RESULTS_DIR, NULL);
    GDir *d = g_dir_open(rdir, 0, NULL);
    char *found = NULL;
    int n = 0;
    const char *name;
    while (d && (name = g_dir_read_name(d))) {
        if (!jv_layout_is_results_name(name) || jv_layout_is_matches_log(name))
            continue;
        n++;
        g_free(found);
        found = g_build_filename(rdir, name, NULL);
    }
    if (d)
        g_dir_close(d);
    g_free(rdir);
    if (n != 1)
        g_clear_pointer(&found, g_free);
    return found;
}

char *jv_papers_find_results(const char *arg, const char *outputs_dir, GError **err)
{
    const char *dir = outputs_dir ? outputs_dir : JV_LAYOUT_ROOT;
    if (g_file_test(arg, G_FILE_TEST_IS_REGULAR) && jv_layout_is_results_name(arg))
        return g_strdup(arg);
    if (jv_layout_round_name_valid(arg)) {
        char *r = jv_layout_file(dir, arg, JV_FILE_RESULTS);
        if (g_file_test(r, G_FILE_TEST_IS_REGULAR))
            return r;
        g_free(r);
    }
    if (g_file_test(arg, G_FILE_TEST_IS_DIR)) {
        char *r = only_round(arg);
        if (!r)
            r = round_of_inputs(dir, arg);
        if (r)
            return r;
    }
    g_set_error(err, JV_ERROR, JV_ERR_NOT_FOUND,
                "no round '%s': not a results file, not a round in %s/%s, and no round there "
                "judged such a folder",
                arg, dir, JV_LAYOUT_RESULTS_DIR);
    return NULL;
}

void jv_papers_release(struct jv_papers *p)
{
    g_free(p->results);
    g_free(p->round);
    g_free(p->summary);
    g_free(p->run_id);
    json_decref(p->records);
    json_decref(p->playoff);
    jv_competition_free(p->competition);
    memset(p, 0, sizeof *p);
}

/* The summary path the run used (the manifest's parameters), else the layout's. */
static char *summary_path(const char *results, const json_t *params, const char *round)
{
    const char *s = json_string_value(json_object_get(params, "summary"));
    if (s)
        return g_strdup(s);
    char *exports = jv_layout_exports_dir(results);
    char *root = g_path_get_dirname(exports);
    char *out = jv_layout_file(root, round, JV_FILE_SUMMARY);
    g_free(root);
    g_free(exports);
    return out;
}

int jv_papers_open(struct jv_papers *p, const char *results, const char *registry,
                   const char *competition_id, GError **err)
{
    memset(p, 0, sizeof *p);
    p->results = g_strdup(results);
    p->round = jv_layout_round_of(results);
    char *mpath = jv_layout_manifest_path(results);
    json_t *m = json_load_file(mpath, 0, NULL); /* a round without one still has its results */
    g_free(mpath);
    json_t *params = json_object_get(m, "parameters");
    p->run_id = g_strdup(json_string_value(json_object_get(m, "run_id")));
    json_t *po = json_object_get(m, "pairwise");
    p->playoff = json_is_object(po) ? json_incref(po) : NULL;
    p->summary = summary_path(results, params, p->round);
    const char *reg =
        registry ? registry : json_string_value(json_object_get(params, "competition_config"));
    const char *id =
        competition_id ? competition_id : json_string_value(json_object_get(params, "competition"));
    bool bad_registry = reg && id && !(p->competition = jv_competition_load(reg, id, err));
    json_decref(m); /* reg and id point into it */
    json_t *ov = NULL;
    if (bad_registry || !(p->records = jv_results_load(results, err)) ||
        !(ov = jv_overrides_load(results, err))) {
        jv_papers_release(p);
        return -1;
    }
    p->edits = jv_overrides_apply(p->records, ov, p->competition);
    json_decref(ov);
    char *log = jv_layout_matches_path(results);
    struct jv_placing_params pp = {
        .placings =
            p->competition ? (const char *const *)p->competition->placings : jv_default_placings,
        .matches_log = log,
    };
    int rc = jv_placing_rank(p->records, &pp, NULL, err);
    g_free(log);
    if (rc < 0)
        jv_papers_release(p);
    return rc;
}

char *jv_papers_export(const struct jv_papers *p, enum jv_export_format f,
                       char *(*image_path)(const json_t *rec, void *user), void *user, size_t *len)
{
    char *tdir = jv_layout_thumbs_dir(p->results);
    struct jv_image_thumbs *thumbs = f == JV_EXPORT_CSV ? NULL : jv_image_thumbs_new(tdir);
    struct jv_export_opts o = {
        .competition = p->competition,
        .round = p->round,
        .thumbs = thumbs,
        .image_path = image_path,
        .user = user,
    };
    char *text = jv_export_render(p->records, f, &o, len);
    jv_image_thumbs_free(thumbs);
    g_free(tdir);
    return text;
}

char *jv_papers_summary_text(const struct jv_papers *p)
{
    struct jv_summary_opts so = {
        .playoff = p->playoff,
        .run_id = p->run_id,
        .competition = p->competition,
        .edits = p->edits,
    };
    return jv_summary_render(p->records, &so);
}

static int write_one(const char *path, const char *text, size_t len, GPtrArray *written,
                     GError **err)
{
    char *dir = g_path_get_dirname(path);
    int rc = g_mkdir_with_parents(dir, 0755);
    if (rc < 0)
        g_set_error(err, JV_ERROR, JV_ERR_IO, "cannot create %s: %s", dir, g_strerror(errno));
    g_free(dir);
    if (rc == 0)
        rc = jv_write_file_atomic(path, text, len, err);
    if (rc == 0 && written)
        g_ptr_array_add(written, g_strdup(path));
    return rc;
}

int jv_papers_write_all(const struct jv_papers *p, GPtrArray *written, GError **err)
{
    char *text = jv_papers_summary_text(p);
    int rc = write_one(p->summary, text, strlen(text), written, err);
    g_free(text);
    char *dir = jv_layout_exports_dir(p->results);
    for (int f = JV_EXPORT_RESULTS; rc == 0 && f <= JV_EXPORT_CSV; f++) {
        size_t len = 0;
        char *name = jv_export_file_name(p->round, (enum jv_export_format)f);
        char *path = g_build_filename(dir, name, NULL);
        text = jv_papers_export(p, (enum jv_export_format)f, NULL, NULL, &len);
        rc = write_one(path, text, len, written, err);
        g_free(text);
        g_free(path);
        g_free(name);
    }
    g_free(dir);
    return rc;
}
