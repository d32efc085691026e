/* layout.c - the one derivation of output file names from the results path. */
#include "core/jv.h"

#include "outputs/layout.h"

#define RESULTS_EXT      ".jsonl"
#define MANIFEST_SUFFIX  ".metadata.json"
#define MATCHES_SUFFIX   ".matches.jsonl"
#define OVERRIDES_SUFFIX ".overrides.json"
#define LOCK_SUFFIX      ".lock"
#define ROUND_NAME_MAX   64

bool jv_layout_is_results_name(const char *path)
{
    return g_str_has_suffix(path, RESULTS_EXT);
}

bool jv_layout_is_matches_log(const char *path)
{
    return g_str_has_suffix(path, MATCHES_SUFFIX);
}

char *jv_layout_results_stem(const char *path)
{
    if (jv_layout_is_results_name(path))
        return g_strndup(path, strlen(path) - strlen(RESULTS_EXT));
    return g_strdup(path);
}

/* `results` with `suffix` in place of ".jsonl" (or after it, for another name). */
static char *beside(const char *results, const char *suffix)
{
    char *stem = jv_layout_results_stem(results);
    char *out = g_strconcat(stem, suffix, NULL);
    g_free(stem);
    return out;
}

char *jv_layout_manifest_path(const char *results)
{
    const char *dot = strrchr(results, '.');
    const char *slash = strrchr(results, '/');
    size_t stem = (dot && (!slash || dot > slash)) ? (size_t)(dot - results) : strlen(results);
    return g_strdup_printf("%.*s" MANIFEST_SUFFIX, (int)stem, results);
}

char *jv_layout_matches_path(const char *results)
{
    return beside(results, MATCHES_SUFFIX);
}

char *jv_layout_overrides_path(const char *results)
{
    return beside(results, OVERRIDES_SUFFIX);
}

char *jv_layout_agreement_path(const char *results)
{
    return beside(results, ".agreement.json");
}

char *jv_layout_lock_path(const char *results)
{
    return beside(results, LOCK_SUFFIX);
}

char *jv_layout_round_of(const char *results)
{
    char *stem = jv_layout_results_stem(results);
    char *name = g_path_get_basename(stem);
    g_free(stem);
    return name;
}

bool jv_layout_round_name_valid(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > ROUND_NAME_MAX || name[0] == '.' || name[0] == '-')
        return false;
    for (const char *p = name; *p; p++)
        if (!g_ascii_isalnum(*p) && !strchr("_.+-", *p))
            return false;
    return true;
}

char *jv_layout_progress_in(const char *outputs_dir)
{
    return g_build_filename(outputs_dir, JV_LAYOUT_PROGRESS_REL, NULL);
}

/* <outputs dir>/sub, the outputs dir being the results file's folder or its parent "results". */
static char *beside_results(const char *results, const char *sub)
{
    char *dir = g_path_get_dirname(results);
    char *base = g_path_get_basename(dir);
    char *root = strcmp(base, JV_LAYOUT_RESULTS_DIR) == 0 ? g_path_get_dirname(dir) : g_strdup(dir);
    char *out = g_build_filename(root, sub, NULL);
    g_free(root);
    g_free(base);
    g_free(dir);
    return out;
}

char *jv_layout_bench_dir(const char *results)
{
    return beside_results(results, JV_LAYOUT_BENCH_DIR);
}

char *jv_layout_exports_dir(const char *results)
{
    return beside_results(results, "exports");
}

char *jv_layout_thumbs_dir(const char *results)
{
    return beside_results(results, JV_LAYOUT_CACHE_DIR "/thumbs");
}

char *jv_layout_file(const char *dir, const char *name, enum jv_layout_file f)
{
    static const struct {
        const char *folder, *suffix;
    } files[] = {
        [JV_FILE_RESULTS] = {JV_LAYOUT_RESULTS_DIR, ".jsonl"},
        [JV_FILE_SUMMARY] = {JV_LAYOUT_SUMMARIES_DIR, "_summary.md"},
        [JV_FILE_PROGRESS] = {JV_LAYOUT_METRICS_DIR, "_progress.json"},
        [JV_FILE_IQA_CACHE] = {JV_LAYOUT_CACHE_DIR, "_iqa.jsonl"},
        [JV_FILE_LOG] = {"logs", ".log"},
    };
    char *base = g_strconcat(name, files[f].suffix, NULL);
    char *path = g_build_filename(dir, files[f].folder, base, NULL);
    g_free(base);
    return path;
}
