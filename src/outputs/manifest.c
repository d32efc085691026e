/* manifest.c - the run manifest: built during the run, written atomically, read back. */
#include "core/jv.h"

#include "core/buildinfo.h"
#include "core/clock.h"
#include "core/fsutil.h"
#include "core/limits.h"
#include "core/log.h"
#include "outputs/layout.h"
#include "outputs/manifest.h"

static char *new_run_id(void)
{
    char ts[JV_ISO8601_LEN];
    jv_clock_iso8601(jv_clock_wall(), ts);
    /* 2026-11-26T13:30:42.123Z -> 20261126T133042Z-xxxxxx */
    char compact[32];
    size_t j = 0;
    for (size_t i = 0; ts[i] && i < 19 && j < sizeof compact - 1; i++)
        if (ts[i] != '-' && ts[i] != ':')
            compact[j++] = ts[i];
    compact[j] = '\0';
    return g_strdup_printf("%sZ-%06x", compact, g_random_int() & 0xffffff);
}

void jv_manifest_init(struct jv_manifest *m, const char *path, json_t *parameters, int argc,
                      char **argv)
{
    char ts[JV_ISO8601_LEN];
    memset(m, 0, sizeof *m);
    m->path = g_strdup(path);
    m->started_wall = jv_clock_wall();
    m->started_mono = jv_clock_mono();
    m->root = json_object();
    char *id = new_run_id();
    json_object_set_new(m->root, "run_id", json_string(id));
    g_free(id);
    json_object_set_new(m->root, "tool_version", json_string(jv_build_version()));
    json_object_set_new(m->root, "git_commit", json_string(jv_build_git_commit()));
    json_object_set_new(m->root, "git_dirty", json_boolean(jv_build_git_dirty()));
    json_t *cmd = json_array();
    json_array_append_new(cmd, json_string("judge-vision"));
    for (int i = 0; i < argc; i++) {
        /* The API key never reaches the manifest, even when given on the command line. */
        if (i > 0 && strcmp(argv[i - 1], "--api-key") == 0)
            json_array_append_new(cmd, json_string("***"));
        else if (g_str_has_prefix(argv[i], "--api-key="))
            json_array_append_new(cmd, json_string("--api-key=***"));
        else
            json_array_append_new(cmd, json_string(argv[i]));
    }
    json_object_set_new(m->root, "command", cmd);
    json_object_set_new(m->root, "parameters", parameters);
    json_object_set_new(m->root, "stages", json_array());
    json_object_set_new(m->root, "started", json_string(jv_clock_iso8601(m->started_wall, ts)));
    json_object_set_new(m->root, "finished", json_null());
    json_object_set_new(m->root, "wall_seconds", json_null());
    json_object_set_new(m->root, "status", json_string("running"));
}

void jv_manifest_release(struct jv_manifest *m)
{
    g_free(m->path);
    json_decref(m->root);
    memset(m, 0, sizeof *m);
}

const char *jv_manifest_run_id(const struct jv_manifest *m)
{
    return json_string_value(json_object_get(m->root, "run_id"));
}

void jv_manifest_set(struct jv_manifest *m, const char *key, json_t *value)
{
    json_object_set_new(m->root, key, value ? value : json_null());
}

void jv_manifest_stage(struct jv_manifest *m, const char *name, double started, double finished,
                       const struct jv_stats *item_durations)
{
    char a[JV_ISO8601_LEN], b[JV_ISO8601_LEN];
    json_t *stage = jv_stats_to_json(item_durations);
    json_object_del(stage, "sum");
    json_object_set_new(stage, "name", json_string(name));
    json_object_set_new(stage, "started", json_string(jv_clock_iso8601(started, a)));
    json_object_set_new(stage, "finished", json_string(jv_clock_iso8601(finished, b)));
    json_object_set_new(stage, "duration_seconds", json_real(finished - started));
    json_object_set_new(stage, "items_seconds_sum", json_real(jv_stats_sum(item_durations)));
    json_t *stages = json_object_get(m->root, "stages");
    size_t i;
    json_t *s;
    json_array_foreach(stages, i, s)
    {
        if (g_strcmp0(json_string_value(json_object_get(s, "name")), name) == 0) {
            json_array_set_new(stages, i, stage);
            return;
        }
    }
    json_array_append_new(stages, stage);
}

void jv_manifest_write(struct jv_manifest *m)
{
    GError *err = NULL;
    char *text = json_dumps(m->root, JSON_INDENT(2) | JSON_ENSURE_ASCII);
    if (jv_write_file_atomic(m->path, text, strlen(text), &err) < 0) {
        jv_warn("manifest: %s", err->message);
        g_error_free(err);
    }
    free(text);
}

void jv_manifest_finish(struct jv_manifest *m, const char *status)
{
    char ts[JV_ISO8601_LEN];
    double now = jv_clock_wall();
    json_object_set_new(m->root, "finished", json_string(jv_clock_iso8601(now, ts)));
    json_object_set_new(m->root, "wall_seconds", json_real(jv_clock_mono() - m->started_mono));
    json_object_set_new(m->root, "status", json_string(status));
    jv_manifest_write(m);
}

/* ---- validation ---------------------------------------------------------- */

static int bad(GError **err, const char *key, const char *want)
{
    g_set_error(err, JV_ERROR, JV_ERR_PARSE, "key '%s' %s", key, want);
    return -1;
}

/* `key` of `sec`, when present, is a number or null. */
static int check_figure(const json_t *sec, const char *secname, const char *key, GError **err)
{
    json_t *v = json_object_get(sec, key);
    if (!v || json_is_number(v) || json_is_null(v))
        return 0;
    char *path = g_strdup_printf("%s.%s", secname, key);
    bad(err, path, "must be a number or null");
    g_free(path);
    return -1;
}

/* The figures of a statistics object ({count, sum, min, max, mean, p50, p95}). */
static int check_stats(const json_t *sec, const char *secname, const char *key, GError **err)
{
    json_t *st = json_object_get(sec, key);
    if (!st || json_is_null(st))
        return 0;
    char *path = g_strdup_printf("%s.%s", secname, key);
    int rc = 0;
    if (!json_is_object(st)) {
        rc = bad(err, path, "must be an object");
    } else {
        static const char *const figs[] = {"count", "sum", "min", "max", "mean", "p50", "p95"};
        for (size_t i = 0; i < JV_ARRAY_LEN(figs) && rc == 0; i++)
            rc = check_figure(st, path, figs[i], err);
    }
    g_free(path);
    return rc;
}

int jv_manifest_validate(const json_t *m, GError **err)
{
    if (!json_is_object(m))
        return bad(err, "(top level)", "must be a JSON object");
    static const char *const strings[] = {"run_id", "tool_version", "git_commit", "started"};
    for (size_t i = 0; i < JV_ARRAY_LEN(strings); i++)
        if (!json_is_string(json_object_get(m, strings[i])))
            return bad(err, strings[i],
                       json_object_get(m, strings[i]) ? "must be a string" : "is missing");
    if (!json_is_boolean(json_object_get(m, "git_dirty")))
        return bad(err, "git_dirty", "must be true or false");
    if (!json_is_array(json_object_get(m, "command")))
        return bad(err, "command", "must be an array");
    if (!json_is_object(json_object_get(m, "parameters")))
        return bad(err, "parameters", "must be an object");
    json_t *fin = json_object_get(m, "finished");
    if (!json_is_string(fin) && !json_is_null(fin))
        return bad(err, "finished", "must be a string or null");
    json_t *wall = json_object_get(m, "wall_seconds");
    if (!json_is_number(wall) && !json_is_null(wall))
        return bad(err, "wall_seconds", "must be a number or null");
    const char *status = json_string_value(json_object_get(m, "status"));
    if (!status || (strcmp(status, "running") != 0 && strcmp(status, "complete") != 0 &&
                    strcmp(status, "interrupted") != 0 && strcmp(status, "failed") != 0))
        return bad(err, "status", "must be running, complete, interrupted or failed");
    json_t *stages = json_object_get(m, "stages");
    if (!json_is_array(stages))
        return bad(err, "stages", "must be an array");
    size_t i;
    json_t *s;
    json_array_foreach(stages, i, s)
    {
        char key[64];
        snprintf(key, sizeof key, "stages[%zu]", i);
        if (!json_is_object(s))
            return bad(err, key, "must be an object");
        if (!json_is_string(json_object_get(s, "name")))
            return bad(err, key, "has no string name");
        json_t *d = json_object_get(s, "duration_seconds");
        if (!json_is_number(d) && !json_is_null(d))
            return bad(err, key, "needs duration_seconds (a number or null)");
        static const char *const figs[] = {"count", "min", "max", "mean", "p50", "p95"};
        for (size_t f = 0; f < JV_ARRAY_LEN(figs); f++) {
            json_t *v = json_object_get(s, figs[f]);
            if (v && !json_is_number(v) && !json_is_null(v))
                return bad(err, key, "has a figure that is not a number");
        }
    }
    static const char *const sections[] = {"prompt",   "images", "iqa_cache",     "critique",
                                           "pairwise", "gpu",    "server_metrics"};
    for (size_t k = 0; k < JV_ARRAY_LEN(sections); k++) {
        json_t *sec = json_object_get(m, sections[k]);
        if (sec && !json_is_object(sec) && !json_is_null(sec))
            return bad(err, sections[k], "must be an object or null");
    }
    /* the figures the report reads; other members are free */
    static const struct {
        const char *section, *key;
    } figures[] = {
        {"images", "discovered"},        {"images", "processed"},
        {"images", "resumed"},           {"images", "failed"},
        {"iqa_cache", "hits"},           {"iqa_cache", "misses"},
        {"iqa_cache", "hit_ratio"},      {"critique", "requests"},
        {"critique", "retries"},         {"critique", "errors"},
        {"critique", "parse_errors"},    {"critique", "truncated"},
        {"critique", "truncated_share"}, {"pairwise", "scheduled"},
        {"pairwise", "completed"},       {"pairwise", "encodings"},
    };
    for (size_t k = 0; k < JV_ARRAY_LEN(figures); k++) {
        json_t *sec = json_object_get(m, figures[k].section);
        if (json_is_object(sec) && check_figure(sec, figures[k].section, figures[k].key, err) < 0)
            return -1;
    }
    json_t *crit = json_object_get(m, "critique");
    if (json_is_object(crit)) {
        static const char *const st[] = {"prompt_tokens", "completion_tokens", "ttft",
                                         "ttft_seconds", "request_seconds"};
        for (size_t k = 0; k < JV_ARRAY_LEN(st); k++)
            if (check_stats(crit, "critique", st[k], err) < 0)
                return -1;
    }
    json_t *gpu = json_object_get(m, "gpu");
    if (json_is_object(gpu)) {
        json_t *samples = json_object_get(gpu, "samples");
        if (samples && !json_is_array(samples))
            return bad(err, "gpu.samples", "must be an array");
        json_t *snap = json_object_get(gpu, "snapshot");
        if (snap && !json_is_object(snap) && !json_is_null(snap))
            return bad(err, "gpu.snapshot", "must be an object");
    }
    return 0;
}

json_t *jv_manifest_load(const char *path, GError **err)
{
    GError *e = NULL;
    char *text = jv_read_file(path, JV_LIMIT_MANIFEST, NULL, &e);
    if (!text) {
        g_set_error(err, JV_ERROR, e->code == JV_ERR_NOT_FOUND ? JV_ERR_NOT_FOUND : JV_ERR_IO,
                    "manifest %s: %s", path, e->message);
        g_error_free(e);
        return NULL;
    }
    json_error_t je;
    json_t *m = json_loads(text, 0, &je);
    g_free(text);
    if (!m) {
        g_set_error(err, JV_ERROR, JV_ERR_PARSE, "manifest %s: not valid JSON (line %d: %s)", path,
                    je.line, je.text);
        return NULL;
    }
    if (jv_manifest_validate(m, &e) < 0) {
        g_set_error(err, JV_ERROR, JV_ERR_PARSE, "manifest %s: %s", path, e->message);
        g_error_free(e);
        json_decref(m);
        return NULL;
    }
    return m;
}
