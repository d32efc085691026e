/* checks.c - fail fast: the VLM server and the output paths before any photo; error hints. */
#include "core/jv.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outputs/layout.h"

#include "core/fsutil.h"
#include "core/log.h"
#include "net/http.h"
#include "pipeline/checks.h"

#define MODELS_TIMEOUT_S 10.0
#define MODELS_MAX_BYTES (4u << 20)

/* How one endpoint answered. */
enum answer {
    ANSWER_OK,          /* it lists the model (or cannot be checked further) */
    ANSWER_UNREACHABLE, /* no reply at all */
    ANSWER_UNUSABLE,    /* a reply that rules the endpoint out */
};

static void add_reason(GString *why, const char *fmt, ...) JV_PRINTF(2, 3);

static void add_reason(GString *why, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (why->len)
        g_string_append(why, "; ");
    g_string_append_vprintf(why, fmt, ap);
    va_end(ap);
}

/* The served name `id` is the asked `model`, also as Ollama's implicit ":latest" tag. */
static bool same_model(const char *id, const char *model)
{
    if (strcmp(id, model) == 0)
        return true;
    size_t n = strlen(model);
    return strncmp(id, model, n) == 0 && strcmp(id + n, ":latest") == 0;
}

/* A /models reply: is vlm->model among its ids? */
static enum answer check_listed(const struct jv_vlm_config *vlm, const char *base, const char *body,
                                GString *why)
{
    json_t *root = json_loads(body, 0, NULL);
    json_t *data = json_object_get(root, "data");
    enum answer a = ANSWER_OK;
    if (!json_is_array(data)) {
        jv_warn("%s/models did not answer with a model list: --model %s is not checked", base,
                vlm->model);
        json_decref(root);
        return a;
    }
    GString *names = g_string_new(NULL);
    bool found = false;
    size_t i;
    json_t *card;
    json_array_foreach(data, i, card)
    {
        const char *id = json_string_value(json_object_get(card, "id"));
        if (!id)
            continue;
        found = found || same_model(id, vlm->model);
        g_string_append_printf(names, "%s%s", names->len ? ", " : "", id);
    }
    if (!found && g_strcmp0(vlm->backend, "llamacpp") == 0) {
        jv_warn("%s serves %s and llama-server ignores the model name: --model %s is not checked",
                base, names->len ? names->str : "no listed model", vlm->model);
    } else if (!found) {
        add_reason(why, "%s does not serve the model \"%s\" (--model); it serves: %s", base,
                   vlm->model, names->len ? names->str : "no model at all");
        a = ANSWER_UNUSABLE;
    }
    g_string_free(names, TRUE);
    json_decref(root);
    return a;
}

/* The server's own words in an OpenAI error body {"error": {"message": ...}}, or NULL. */
static const char *server_message(json_t *root)
{
    json_t *e = json_object_get(root, "error");
    const char *m = json_string_value(json_object_get(e, "message"));
    return m ? m : json_string_value(e);
}

static enum answer check_endpoint(const struct jv_vlm_config *vlm, const char *base, GString *why)
{
    char *url = g_strdup_printf("%s/models", base);
    long status = 0;
    GError *e = NULL;
    char *body =
        jv_http_get_auth(url, vlm->api_key, MODELS_TIMEOUT_S, MODELS_MAX_BYTES, &status, &e);
    enum answer a = ANSWER_UNUSABLE;
    if (!body) {
        add_reason(why, "%s", e->message);
        a = ANSWER_UNREACHABLE;
    } else if (status == 401 || status == 403) {
        add_reason(why, "GET %s answered HTTP %ld: check --api-key (or JUDGE_VISION_API_KEY)", url,
                   status);
    } else if (status == 404 && !g_str_has_suffix(base, "/v1") && !g_str_has_suffix(base, "/v1/")) {
        add_reason(why,
                   "GET %s answered HTTP 404: the base URL probably lacks /v1 (try --base-url "
                   "%s/v1)",
                   url, base);
    } else if (status < 200 || status >= 300) {
        json_t *root = json_loads(body, 0, NULL);
        const char *m = server_message(root);
        add_reason(why, "GET %s answered HTTP %ld%s%s: is %s an OpenAI-compatible API base?", url,
                   status, m ? ": " : "", m ? m : "", base);
        json_decref(root);
    } else {
        a = check_listed(vlm, base, body, why);
    }
    g_clear_error(&e);
    g_free(body);
    g_free(url);
    return a;
}

int jv_check_vlm_server(const struct jv_vlm_config *vlm, GError **err)
{
    GString *why = g_string_new(NULL), *down = g_string_new(NULL);
    size_t ok = 0, unusable = 0;
    for (size_t i = 0; vlm->base_urls && vlm->base_urls[i]; i++) {
        GString *one = g_string_new(NULL);
        enum answer a = check_endpoint(vlm, vlm->base_urls[i], one);
        if (a == ANSWER_OK)
            ok++;
        else if (a == ANSWER_UNUSABLE)
            unusable++;
        if (one->len)
            add_reason(a == ANSWER_UNREACHABLE ? down : why, "%s", one->str);
        g_string_free(one, TRUE);
    }
    int rc = 0;
    if (unusable > 0) {
        g_set_error(err, JV_ERROR, JV_ERR_HTTP, "the VLM server cannot judge: %s", why->str);
        rc = -1;
    } else if (ok == 0) {
        g_set_error(err, JV_ERROR, JV_ERR_HTTP,
                    "cannot reach the VLM server: %s. Start it, or point --base-url at it "
                    "(e.g. http://127.0.0.1:8000/v1 for vLLM)",
                    down->len ? down->str : "no --base-url");
        rc = -1;
    } else if (down->len) {
        jv_warn("some VLM endpoints cannot be reached now (judging with the others): %s",
                down->str);
    }
    g_string_free(why, TRUE);
    g_string_free(down, TRUE);
    return rc;
}

/*
 * One output path: its folder exists (created), the file opens for appending
 * without being truncated (a file created here is removed again), and the
 * folder takes new files, as the atomic replaces need.
 */
static int check_writable(const char *what, const char *path, GError **err)
{
    GError *e = NULL;
    if (jv_mkdir_parents(path, &e) < 0) {
        g_set_error(err, JV_ERROR, JV_ERR_IO, "%s %s cannot be written: %s", what, path,
                    e->message);
        g_error_free(e);
        return -1;
    }
    bool existed = g_file_test(path, G_FILE_TEST_EXISTS);
    if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
        g_set_error(err, JV_ERROR, JV_ERR_IO, "%s %s is a folder, not a file", what, path);
        return -1;
    }
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
    if (fd < 0) {
        g_set_error(err, JV_ERROR, JV_ERR_IO, "%s %s cannot be written: %s", what, path,
                    g_strerror(errno));
        return -1;
    }
    close(fd);
    if (!existed)
        unlink(path);
    char *dir = g_path_get_dirname(path);
    int rc = 0;
    if (access(dir, W_OK | X_OK) != 0) {
        g_set_error(err, JV_ERROR, JV_ERR_IO,
                    "%s %s cannot be replaced: no new file can be made in %s: %s", what, path, dir,
                    g_strerror(errno));
        rc = -1;
    }
    g_free(dir);
    return rc;
}

int jv_check_outputs(const struct jv_run_config *o, bool judged, bool iqa, bool playoff,
                     GError **err)
{
    const struct jv_outputs_config *out = &o->outputs;
    char *manifest = jv_layout_manifest_path(out->results);
    char *matches = playoff ? jv_layout_matches_path(out->results) : NULL;
    const struct {
        const char *what, *path;
    } files[] = {
        {"the results file (--output-jsonl)", judged ? out->results : NULL},
        {"the summary (--summary)", judged ? out->summary : NULL},
        {"the IQA cache (--iqa-cache)", iqa ? out->iqa_cache : NULL},
        {"the matches log", matches},
        {"the manifest", manifest},
        {"the progress file (--progress-file)", out->progress},
    };
    int rc = 0;
    for (size_t i = 0; i < JV_ARRAY_LEN(files) && rc == 0; i++)
        if (files[i].path)
            rc = check_writable(files[i].what, files[i].path, err);
    g_free(manifest);
    g_free(matches);
    return rc;
}

const char *jv_check_hint(const char *error)
{
    static const struct {
        const char *needle, *hint;
    } hints[] = {
        {"does not exist", "check --model: GET <base-url>/models lists the served models"},
        {"HTTP 401", "check --api-key (or JUDGE_VISION_API_KEY)"},
        {"HTTP 403", "check --api-key (or JUDGE_VISION_API_KEY)"},
        {"HTTP 404", "check --base-url (an OpenAI-compatible API base usually ends in /v1) and "
                     "--model"},
        {"HTTP 413", "the request is too large for the server: try --vlm-max-side 1600"},
        {"HTTP 429", "the server is rate-limiting: lower --concurrency"},
        {"HTTP 5", "the server failed: see its log"},
        {"Connection refused", "is the server running? check --base-url"},
        {"Could not connect", "is the server running? check --base-url"},
        {"Couldn't connect", "is the server running? check --base-url"},
        {"Failed to connect", "is the server running? check --base-url"},
        {"resolve host", "check the host name in --base-url"},
        {"no complete reply within", "the server is slow or stuck: raise --timeout or lower "
                                     "--concurrency"},
        {"timed out", "the server is slow or stuck: raise --timeout or lower --concurrency"},
        {"No space left", "the disk is full: free some space, then rerun the same command"},
        {"cannot write", "free some space or fix the permissions, then rerun the same command"},
        {"cannot sync", "free some space or fix the permissions, then rerun the same command"},
        {"parse_error", "the replies are not the JSON verdict asked for: try --structured-output "
                        "json_schema, or another --prompt-profile"},
    };
    for (size_t i = 0; error && i < JV_ARRAY_LEN(hints); i++)
        if (strstr(error, hints[i].needle))
            return hints[i].hint;
    return NULL;
}
