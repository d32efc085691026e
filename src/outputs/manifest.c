#include "core/jv.h"

#include "core/buildinfo.h"
#include "core/clock.h"
#include "core/fsutil.h"
#include "core/log.h"
#include "outputs/manifest.h"

char *jv_manifest_path_for(const char *results_path)
{
    const char *dot = strrchr(results_path, '.');
    const char *slash = strrchr(results_path, '/');
    size_t stem =
        (dot && (!slash || dot > slash)) ? (size_t)(dot - results_path) : strlen(results_path);
    return g_strdup_printf("%.*s.metadata.json", (int)stem, results_path);
}

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
