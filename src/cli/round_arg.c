/* round_arg.c - finds the results file a command's ROUND argument names. */
#include "core/jv.h"

#include <jansson.h>
#include <sys/stat.h>

#include "cli/round_arg.h"
#include "core/fsutil.h"
#include "outputs/layout.h"

/* True when the manifest at `path` lists folder `abs` among its round's inputs. */
static bool manifest_judged(const char *path, const char *abs)
{
    json_t *m = json_load_file(path, 0, NULL);
    json_t *inputs = json_object_get(json_object_get(m, "round"), "inputs");
    bool yes = false;
    size_t i;
    json_t *v;
    json_array_foreach(inputs, i, v)
    {
        yes = yes || g_strcmp0(json_string_value(v), abs) == 0;
    }
    json_decref(m);
    return yes;
}

/* The results of the latest round in `results_dir` that judged folder `abs`, or NULL. */
static char *latest_round_of(const char *results_dir, const char *abs)
{
    GDir *d = g_dir_open(results_dir, 0, NULL);
    if (!d)
        return NULL;
    const char *name;
    char *best = NULL;
    gint64 best_t = -1;
    while ((name = g_dir_read_name(d))) {
        if (!g_str_has_suffix(name, ".metadata.json"))
            continue;
        char *path = g_build_filename(results_dir, name, NULL);
        struct stat st;
        if (stat(path, &st) == 0 && (gint64)st.st_mtime >= best_t && manifest_judged(path, abs)) {
            char *stem = g_strndup(name, strlen(name) - strlen(".metadata.json"));
            char *results = g_strdup_printf("%s/%s.jsonl", results_dir, stem);
            g_free(stem);
            if (g_file_test(results, G_FILE_TEST_IS_REGULAR)) {
                g_free(best);
                best = results;
                best_t = (gint64)st.st_mtime;
            } else {
                g_free(results);
            }
        }
        g_free(path);
    }
    g_dir_close(d);
    return best;
}

char *jv_round_arg_results(const char *arg, const char *outputs_dir, GError **err)
{
    if (jv_layout_is_results_name(arg) && g_file_test(arg, G_FILE_TEST_IS_REGULAR))
        return g_strdup(arg);
    char *results_dir = g_build_filename(outputs_dir, JV_LAYOUT_RESULTS_DIR, NULL);
    char *out = NULL;
    if (g_file_test(arg, G_FILE_TEST_IS_DIR)) {
        char *abs = jv_abspath(arg);
        out = latest_round_of(results_dir, abs);
        if (!out)
            g_set_error(err, JV_ERROR, JV_ERR_NOT_FOUND, "no round in %s judged the folder %s",
                        results_dir, abs);
        g_free(abs);
    } else {
        char *name = g_strconcat(arg, ".jsonl", NULL);
        out = g_build_filename(results_dir, name, NULL);
        g_free(name);
        if (!g_file_test(out, G_FILE_TEST_IS_REGULAR)) {
            g_set_error(err, JV_ERROR, JV_ERR_NOT_FOUND,
                        "no round '%s': %s does not exist (give a round's name, its results file "
                        "or a folder it judged; --output-dir says where rounds are)",
                        arg, out);
            g_clear_pointer(&out, g_free);
        }
    }
    g_free(results_dir);
    return out;
}
