/* api.c - the web page's JSON API: one handler per route behind one table. */
#include "core/jv.h"

#include <fcntl.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fsutil.h"
#include "core/jsonl.h"
#include "core/limits.h"
#include "input/registry.h"
#include "outputs/layout.h"
#include "outputs/record.h"
#include "pipeline/papers.h"
#include "web/api.h"
#include "web/guard.h"

/* ---- replies ---- */

void jv_web_reply_bytes(struct jv_web_reply *out, unsigned int status, char *data, size_t len,
                        const char *content_type)
{
    out->status = status;
    out->resp = MHD_create_response_from_buffer_with_free_callback(len, data, g_free);
    MHD_add_response_header(out->resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    MHD_add_response_header(out->resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
}

void jv_web_reply_json(struct jv_web_reply *out, unsigned int status, json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(j);
    if (!s) {
        s = strdup("{\"error\":\"cannot encode the reply\"}");
        status = MHD_HTTP_INTERNAL_SERVER_ERROR;
    }
    /* jansson allocates with malloc; hand MHD a GLib copy it can g_free. */
    size_t len = strlen(s);
    char *copy = g_memdup2(s, len);
    free(s);
    jv_web_reply_bytes(out, status, copy, len, "application/json");
}

void jv_web_reply_error(struct jv_web_reply *out, unsigned int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    jv_web_reply_json(out, status, json_pack("{s:s}", "error", msg));
    g_free(msg);
}

static unsigned int status_of(const GError *e)
{
    if (e->domain == JV_WEB_GUARD_ERROR)
        return MHD_HTTP_FORBIDDEN;
    if (e->domain != JV_ERROR)
        return MHD_HTTP_INTERNAL_SERVER_ERROR;
    switch (e->code) {
    case JV_ERR_NOT_FOUND:
        return MHD_HTTP_NOT_FOUND;
    case JV_ERR_USAGE:
    case JV_ERR_PARSE:
        return MHD_HTTP_BAD_REQUEST;
    case JV_ERR_IMAGE:
        return MHD_HTTP_UNPROCESSABLE_CONTENT;
    default:
        return MHD_HTTP_INTERNAL_SERVER_ERROR;
    }
}

static void reply_gerror(struct jv_web_reply *out, GError *e)
{
    jv_web_reply_error(out, status_of(e), "%s", e->message);
    g_error_free(e);
}

/* Serves an open file (takes `fd`). */
static void reply_fd(struct jv_web_reply *out, int fd, const char *content_type,
                     const char *download_name)
{
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        jv_web_reply_error(out, MHD_HTTP_NOT_FOUND, "not a regular file");
        return;
    }
    out->status = MHD_HTTP_OK;
    out->resp = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
    MHD_add_response_header(out->resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    if (download_name) {
        char *cd = g_strdup_printf("attachment; filename=\"%s\"", download_name);
        MHD_add_response_header(out->resp, MHD_HTTP_HEADER_CONTENT_DISPOSITION, cd);
        g_free(cd);
    }
}

/* Serves the file at `path` below `root`, reached without following links (web/guard.h). */
static void reply_path(struct jv_web_reply *out, const char *root, const char *path,
                       const char *content_type, const char *download_name)
{
    GError *e = NULL;
    int fd = jv_web_open_beneath(root, path, &e);
    if (fd < 0) {
        jv_web_reply_error(out, status_of(e), "%s: %s", download_name ? download_name : "file",
                           e->message);
        g_error_free(e);
        return;
    }
    reply_fd(out, fd, content_type, download_name);
}

static json_t *parse_body(const char *body, size_t len, struct jv_web_reply *out)
{
    json_error_t je;
    if (!body || len == 0) {
        jv_web_reply_error(out, MHD_HTTP_BAD_REQUEST, "a JSON body is required");
        return NULL;
    }
    json_t *j = json_loadb(body, len, 0, &je);
    if (!j) {
        jv_web_reply_error(out, MHD_HTTP_BAD_REQUEST, "malformed JSON at line %d column %d: %s",
                           je.line, je.column, je.text);
        return NULL;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        jv_web_reply_error(out, MHD_HTTP_BAD_REQUEST, "the body must be a JSON object");
        return NULL;
    }
    return j;
}

static const char *arg(struct MHD_Connection *conn, const char *name)
{
    return MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, name);
}

/* A non-negative decimal integer argument, or -1. */
static long long arg_index(struct MHD_Connection *conn, const char *name)
{
    const char *s = arg(conn, name);
    if (!s || !*s || strlen(s) > 12)
        return -1;
    for (const char *p = s; *p; p++)
        if (!g_ascii_isdigit(*p))
            return -1;
    return g_ascii_strtoll(s, NULL, 10);
}

static struct jv_web_run *find_run(struct jv_web_ctx *ctx, struct MHD_Connection *conn,
                                   struct jv_web_reply *out)
{
    GError *e = NULL;
    const char *id = arg(conn, "run");
    if (!id) {
        jv_web_reply_error(out, MHD_HTTP_BAD_REQUEST, "the 'run' parameter is required");
        return NULL;
    }
    struct jv_web_run *run = jv_web_runs_find(ctx->runs, id, &e);
    if (!run)
        reply_gerror(out, e);
    return run;
}

static json_t *records_with_overrides(const struct jv_web_run *run, json_t **overrides,
                                      GError **err)
{
    json_t *records = jv_web_run_load_records(run, err);
    if (!records)
        return NULL;
    json_t *ov = jv_web_run_load_overrides(run, err);
    if (!ov) {
        json_decref(records);
        return NULL;
    }
    jv_web_apply_overrides(records, ov);
    if (overrides)
        *overrides = ov;
    else
        json_decref(ov);
    return records;
}

/* ---- handlers ---- */

/*
 * ctx->registries grows while handlers read it (POST /api/registries): it has
 * room for JV_WEB_REGISTRIES_MAX paths from the start, a slot is filled once
 * (atomically, under registries_add_lock) and never changed, so a reader sees
 * each path whole or the NULL that ends the list.
 */
static GMutex registries_add_lock;

static const char *registry_at(struct jv_web_ctx *ctx, int i)
{
    return i < JV_WEB_REGISTRIES_MAX ? g_atomic_pointer_get(&ctx->registries[i]) : NULL;
}

static void h_session(struct jv_web_ctx *ctx, struct jv_web_reply *out)
{
    json_t *j = json_pack("{s:s, s:s, s:s}", "token", ctx->session_token, "version", JV_VERSION,
                          "outputs", ctx->outputs);
    const char *first = registry_at(ctx, 0);
    json_object_set_new(j, "registry", first ? json_string(first) : json_null());
    jv_web_reply_json(out, MHD_HTTP_OK, j);
}

static json_t *registry_json(int id, const char *path)
{
    char *base = g_path_get_basename(path);
    json_t *j = json_pack("{s:i, s:s, s:s}", "id", id, "name", base, "path", path);
    g_free(base);
    return j;
}

static void h_registries(struct jv_web_ctx *ctx, struct jv_web_reply *out)
{
    json_t *a = json_array();
    const char *p;
    for (int i = 0; (p = registry_at(ctx, i)); i++)
        json_array_append_new(a, registry_json(i, p));
    jv_web_reply_json(out, MHD_HTTP_OK, a);
}

/*
 * POST /api/registries {path}: offers one more registry file, picked on the
 * page. It must be an absolute path to a regular file named *.toml; whether
 * it parses is what GET /api/competitions then says. Answers {id, name, path}.
 */
static void h_registry_add(struct jv_web_ctx *ctx, const char *body, size_t len,
                           struct jv_web_reply *out)
{
    json_t *j = parse_body(body, len, out);
    if (!j)
        return;
    const char *path = json_string_value(json_object_get(j, "path"));
    if (!path || !g_path_is_absolute(path) || !g_str_has_suffix(path, ".toml") ||
        !g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
        jv_web_reply_error(out, MHD_HTTP_BAD_REQUEST,
                           "%s: not a registry file (an absolute path to an existing *.toml)",
                           path ? path : "(no \"path\")");
        json_decref(j);
        return;
    }
    char *abs = jv_abspath(path);
    json_decref(j);
    g_mutex_lock(&registries_add_lock);
    int i = 0;
    const char *p;
    while ((p = registry_at(ctx, i)) && strcmp(p, abs) != 0)
        i++;
    if (!p && i < JV_WEB_REGISTRIES_MAX - 1)
        g_atomic_pointer_set(&ctx->registries[i], g_strdup(abs));
    p = registry_at(ctx, i);
    g_mutex_unlock(&registries_add_lock);
    if (p)
        jv_web_reply_json(out, MHD_HTTP_OK, registry_json(i, p));
    else
        jv_web_reply_error(out, MHD_HTTP_CONFLICT, "at most %d registry files can be offered",
                           JV_WEB_REGISTRIES_MAX - 1);
    g_free(abs);
}

/* The registry file chosen by id (an index into ctx->registries), or NULL. */
static const char *registry_by_id(struct jv_web_ctx *ctx, json_t *id_json, const char *id_str)
{
    long long n = 0;
    if (json_is_integer(id_json)) {
        n = json_integer_value(id_json);
    } else if (json_is_string(id_json) || id_str) {
        const char *s = id_str ? id_str : json_string_value(id_json);
        if (!*s || strlen(s) > 6)
            return NULL;
        for (const char *p = s; *p; p++)
            if (!g_ascii_isdigit(*p))
                return NULL;
        n = g_ascii_strtoll(s, NULL, 10);
    }
    return n >= 0 && n < JV_WEB_REGISTRIES_MAX ? registry_at(ctx, (int)n) : NULL;
}

static void h_competitions(struct jv_web_ctx *ctx, struct MHD_Connection *conn,
                           struct jv_web_reply *out)
{
    const char *rid = arg(conn, "registry");
    const char *path = registry_by_id(ctx, NULL, rid ? rid : "0");
    if (!path) {
        jv_web_reply_error(out, MHD_HTTP_NOT_FOUND, "no such registry file");
        return;
    }
    GError *e = NULL;
    json_t *list = jv_registry_list(path, &e);
    if (!list) {
        jv_web_reply_error(out, MHD_HTTP_UNPROCESSABLE_CONTENT, "%s", e->message);
        g_error_free(e);
        return;
    }
    json_t *comps = json_array();
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item)
    {
        const char *id = json_is_string(item) ? json_string_value(item)
                                              : json_string_value(json_object_get(item, "id"));
        struct jv_competition *c = id ? jv_competition_load(path, id, NULL) : NULL;
        json_t *full = c ? jv_competition_to_json(c) : NULL;
        if (c)
            jv_competition_free(c);
        if (full && id && !json_object_get(full, "id"))
            json_object_set_new(full, "id", json_string(id));
        json_array_append_new(comps, full ? full : json_incref(item));
    }
    json_decref(list);
    char *base = g_path_get_basename(path);
    jv_web_reply_json(out, MHD_HTTP_OK,
                      json_pack("{s:{s:s, s:s}, s:o}", "registry", "id", rid ? rid : "0", "name",
                                base, "competitions", comps));
    g_free(base);
}

/*
 * The competition a run was judged under, as its manifest names it
 * (parameters.competition_config and .competition), looked up only in the
 * registry files this server offers: the same file first, else the first
 * offered file that holds that id. Returns an owned struct, or NULL when the
 * run names none or no offered file has it.
 */
static struct jv_competition *run_competition(struct jv_web_ctx *ctx, const struct jv_web_run *run)
{
    char *text = jv_web_read_beneath(run->root, run->manifest, JV_LIMIT_MANIFEST, NULL, NULL);
    json_t *m = text ? json_loads(text, 0, NULL) : NULL;
    g_free(text);
    json_t *params = json_object_get(m, "parameters");
    const char *id = json_string_value(json_object_get(params, "competition"));
    const char *file = json_string_value(json_object_get(params, "competition_config"));
    char *want = file ? jv_abspath(file) : NULL;
    struct jv_competition *c = NULL;
    const char *reg;
    for (int pass = 0; id && !c && pass < 2; pass++)
        for (int i = 0; !c && (reg = registry_at(ctx, i)); i++)
            if (pass == 1 || g_strcmp0(want, reg) == 0)
                c = jv_competition_load(reg, id, NULL);
    g_free(want);
    json_decref(m);
    return c;
}

static void h_competition(struct jv_web_ctx *ctx, struct MHD_Connection *conn,
                          struct jv_web_reply *out)
{
    struct jv_web_run *run = find_run(ctx, conn, out);
    if (!run)
        return;
    struct jv_competition *c = run_competition(ctx, run);
    jv_web_run_free(run);
    json_t *j = c ? jv_competition_to_json(c) : json_null();
    if (c)
        jv_competition_free(c);
    jv_web_reply_json(out, MHD_HTTP_OK, json_pack("{s:o}", "competition", j));
}

static json_t *load_settings(struct jv_web_ctx *ctx)
{
    char *text =
        jv_web_read_beneath(ctx->outputs, ctx->settings_path, JV_LIMIT_SETTINGS, NULL, NULL);
    json_t *j = text ? json_loads(text, 0, NULL) : NULL;
    g_free(text);
    if (!json_is_object(j)) {
        json_decref(j);
        j = json_object();
    }
    return j;
}

static void h_settings_get(struct jv_web_ctx *ctx, struct jv_web_reply *out)
{
    g_mutex_lock(&ctx->settings_lock);
    json_t *j = load_settings(ctx);
    g_mutex_unlock(&ctx->settings_lock);
    jv_web_reply_json(out, MHD_HTTP_OK, j);
}

static void h_settings_put(struct jv_web_ctx *ctx, const char *body, size_t len,
                           struct jv_web_reply *out)
{
    json_t *j = parse_body(body, len, out);
    if (!j)
        return;
    GError *e = NULL;
    char *text = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
    g_mutex_lock(&ctx->settings_lock);
    int rc = jv_write_file_atomic(ctx->settings_path, text, strlen(text), &e);
    g_mutex_unlock(&ctx->settings_lock);
    free(text);
    if (rc < 0) {
        json_decref(j);
        reply_gerror(out, e);
        return;
    }
    jv_web_reply_json(out, MHD_HTTP_OK, j);
}

static void h_run_start(struct jv_web_ctx *ctx, const char *body, size_t len,
                        struct jv_web_reply *out)
{
    json_t *settings;
    if (body && len > 0) {
        settings = parse_body(body, len, out);
        if (!settings)
            return;
    } else {
        g_mutex_lock(&ctx->settings_lock);
        settings = load_settings(ctx);
        g_mutex_unlock(&ctx->settings_lock);
    }
    GError *e = NULL;
    json_t *rj = json_object_get(settings, "registry");
    const char *registry = registry_by_id(ctx, rj, rj ? NULL : "0");
    char **argv = jv_web_run_argv(settings, ctx->self_exe, registry, ctx->outputs, &e);
    json_decref(settings);
    if (!argv) {
        reply_gerror(out, e);
        return;
    }
    int rc = jv_web_runner_start(ctx->runner, (const char *const *)argv, &e);
    g_strfreev(argv);
    if (rc < 0) {
        unsigned int st =
            e->code == JV_ERR_FAILED ? MHD_HTTP_CONFLICT : MHD_HTTP_INTERNAL_SERVER_ERROR;
        jv_web_reply_error(out, st, "%s", e->message);
        g_error_free(e);
        return;
    }
    jv_web_reply_json(out, MHD_HTTP_ACCEPTED, jv_web_runner_state(ctx->runner));
}

static void h_run_cancel(struct jv_web_ctx *ctx, struct jv_web_reply *out)
{
    if (!jv_web_runner_cancel(ctx->runner)) {
        jv_web_reply_error(out, MHD_HTTP_CONFLICT, "no run is going");
        return;
    }
    jv_web_reply_json(out, MHD_HTTP_ACCEPTED, jv_web_runner_state(ctx->runner));
}

/* ---- server-sent events ---- */

struct sse {
    struct jv_web_events *ev;
    uint64_t seq;
    char *pending;
    size_t off;
    gint64 last_send;
};

static ssize_t sse_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct sse *s = cls;
    (void)pos;
    for (;;) {
        if (s->pending) {
            size_t left = strlen(s->pending + s->off);
            size_t n = left < max ? left : max;
            memcpy(buf, s->pending + s->off, n);
            s->off += n;
            if (s->off >= strlen(s->pending)) {
                g_free(s->pending);
                s->pending = NULL;
                s->off = 0;
            }
            s->last_send = g_get_monotonic_time();
            return (ssize_t)n;
        }
        char *text = jv_web_events_wait(s->ev, &s->seq, 500);
        if (text) {
            s->pending = text;
            continue;
        }
        if (jv_web_events_closed(s->ev))
            return MHD_CONTENT_READER_END_OF_STREAM;
        /* A comment now and then keeps proxies and the connection timeout happy. */
        if (g_get_monotonic_time() - s->last_send > 15 * G_USEC_PER_SEC)
            s->pending = g_strdup(": ping\n\n");
    }
}

static void sse_free(void *cls)
{
    struct sse *s = cls;
    g_free(s->pending);
    g_free(s);
}

static void h_events(struct jv_web_ctx *ctx, struct jv_web_reply *out)
{
    struct sse *s = g_new0(struct sse, 1);
    s->ev = ctx->events;
    char *snap = jv_web_events_snapshot(ctx->events, &s->seq);
    s->pending = g_strconcat("retry: 2000\n\n", snap ? snap : "", NULL);
    g_free(snap);
    s->last_send = g_get_monotonic_time();
    out->status = MHD_HTTP_OK;
    out->resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, sse_read, s, sse_free);
    MHD_add_response_header(out->resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream");
    MHD_add_response_header(out->resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    MHD_add_response_header(out->resp, "X-Accel-Buffering", "no");
}

/* ---- runs ---- */

/*
 * The last few /api/results bodies, keyed by run id and valid while the
 * results and overrides files keep their size and mtime: the page asks again
 * after every edit and tab change.
 */
struct results_cache_entry {
    char *key; /* "<id> <results size> <mtime> <overrides size> <mtime>" */
    GBytes *body;
};
static GMutex results_cache_lock;
static struct results_cache_entry results_cache[4];
static unsigned int results_cache_next;

static char *results_cache_key(const struct jv_web_run *run)
{
    struct stat a, b;
    if (stat(run->results, &a) != 0)
        return NULL;
    bool has_ov = stat(run->overrides, &b) == 0;
    return g_strdup_printf(
        "%s %lld %lld.%09ld %lld %lld.%09ld", run->id, (long long)a.st_size,
        (long long)a.st_mtim.tv_sec, a.st_mtim.tv_nsec, has_ov ? (long long)b.st_size : -1LL,
        has_ov ? (long long)b.st_mtim.tv_sec : 0LL, has_ov ? b.st_mtim.tv_nsec : 0L);
}

static GBytes *results_cache_get(const char *key)
{
    GBytes *found = NULL;
    g_mutex_lock(&results_cache_lock);
    for (size_t i = 0; i < JV_ARRAY_LEN(results_cache); i++)
        if (results_cache[i].key && strcmp(results_cache[i].key, key) == 0)
            found = g_bytes_ref(results_cache[i].body);
    g_mutex_unlock(&results_cache_lock);
    return found;
}

static void results_cache_put(const char *key, GBytes *body)
{
    g_mutex_lock(&results_cache_lock);
    struct results_cache_entry *e = NULL;
    const char *sp = strchr(key, ' ');
    size_t idlen = sp ? (size_t)(sp - key) : strlen(key);
    /* A newer version of the same run replaces the old one. */
    for (size_t i = 0; i < JV_ARRAY_LEN(results_cache) && !e; i++)
        if (results_cache[i].key && strncmp(results_cache[i].key, key, idlen) == 0 &&
            results_cache[i].key[idlen] == ' ')
            e = &results_cache[i];
    if (!e)
        e = &results_cache[results_cache_next++ % JV_ARRAY_LEN(results_cache)];
    g_free(e->key);
    if (e->body)
        g_bytes_unref(e->body);
    e->key = g_strdup(key);
    e->body = g_bytes_ref(body);
    g_mutex_unlock(&results_cache_lock);
}

static void reply_cached(struct jv_web_reply *out, GBytes *body)
{
    gsize len = 0;
    const void *data = g_bytes_get_data(body, &len);
    jv_web_reply_bytes(out, MHD_HTTP_OK, g_memdup2(data, len), len, "application/json");
}

/* The records part of an /api/results body, built line by line. */
struct results_body {
    GString *s;
    json_t *ov;  /* the run's overrides (borrowed) */
    json_t *one; /* a one-record array for jv_web_apply_overrides() */
    bool first;
};

/*
 * Appends one record: each line is parsed (a torn or broken line is left
 * out) but re-encoded only when an override changes it, which keeps a
 * 5,000-record run quick to serve.
 */
static bool results_line(const struct jv_jsonl_line *line, void *user)
{
    struct results_body *b = user;
    if (!line->obj)
        return true;
    if (!b->first)
        g_string_append_c(b->s, ',');
    b->first = false;
    const char *image = jv_record_str(line->obj, JV_REC_IMAGE);
    if (image && json_object_get(b->ov, image)) {
        json_array_append(b->one, line->obj);
        jv_web_apply_overrides(b->one, b->ov);
        char *d = json_dumps(line->obj, JSON_COMPACT);
        g_string_append(b->s, d ? d : "null");
        free(d);
        json_array_clear(b->one);
    } else {
        size_t n = line->len;
        while (n > 0 && (line->text[n - 1] == '\r' || line->text[n - 1] == ' '))
            n--;
        g_string_append_len(b->s, line->text, (gssize)n);
    }
    return true;
}

/*
 * {run, name, overrides, fields, records}: `fields` is the record schema's
 * key list (outputs/record.h), in the order the writer emits them.
 */
static GBytes *results_body(const struct jv_web_run *run, GError **err)
{
    json_t *ov = jv_web_run_load_overrides(run, err);
    if (!ov)
        return NULL;
    json_t *head = json_pack("{s:s, s:s, s:O, s:o}", "run", run->id, "name", run->name, "overrides",
                             ov, "fields", jv_record_keys_json());
    char *hs = json_dumps(head, JSON_COMPACT);
    json_decref(head);
    struct results_body b = {.s = g_string_new(NULL), .ov = ov, .one = json_array(), .first = true};
    g_string_append_len(b.s, hs, (gssize)strlen(hs) - 1); /* without the closing brace */
    free(hs);
    g_string_append(b.s, ",\"records\":[");
    int rc = jv_jsonl_read(run->results, JV_LIMIT_RESULTS, results_line, &b, NULL, err);
    g_string_append(b.s, "]}");
    json_decref(b.one);
    json_decref(ov);
    if (rc < 0) {
        g_string_free(b.s, TRUE);
        return NULL;
    }
    return g_string_free_to_bytes(b.s);
}

static void h_results(struct jv_web_ctx *ctx, struct MHD_Connection *conn, struct jv_web_reply *out)
{
    struct jv_web_run *run = find_run(ctx, conn, out);
    if (!run)
        return;
    char *key = results_cache_key(run);
    GBytes *body = key ? results_cache_get(key) : NULL;
    GError *e = NULL;
    if (!body) {
        body = results_body(run, &e);
        if (body && key)
            results_cache_put(key, body);
    }
    jv_web_run_free(run);
    g_free(key);
    if (!body) {
        reply_gerror(out, e);
        return;
    }
    reply_cached(out, body);
    g_bytes_unref(body);
}

static void h_overrides(struct jv_web_ctx *ctx, struct MHD_Connection *conn, const char *body,
                        size_t len, struct jv_web_reply *out)
{
    json_t *j = parse_body(body, len, out);
    if (!j)
        return;
    struct jv_web_run *run = find_run(ctx, conn, out);
    if (!run) {
        json_decref(j);
        return;
    }
    GError *e = NULL;
    struct jv_competition *comp = run_competition(ctx, run);
    json_t *ov = jv_web_run_save_overrides(run, j, comp, &e);
    if (comp)
        jv_competition_free(comp);
    json_decref(j);
    jv_web_run_free(run);
    if (!ov) {
        reply_gerror(out, e);
        return;
    }
    jv_web_reply_json(out, MHD_HTTP_OK, json_pack("{s:o}", "overrides", ov));
}

static void h_manifest(struct jv_web_ctx *ctx, struct MHD_Connection *conn,
                       struct jv_web_reply *out)
{
    struct jv_web_run *run = find_run(ctx, conn, out);
    if (!run)
        return;
    const char *dl = arg(conn, "download");
    char *base = g_path_get_basename(run->manifest);
    reply_path(out, run->root, run->manifest, "application/json",
               dl && strcmp(dl, "1") == 0 ? base : NULL);
    if (out->status == MHD_HTTP_OK)
        MHD_add_response_header(out->resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    g_free(base);
    jv_web_run_free(run);
}

/*
 * GET /api/agreement: `judge-vision agree`'s report beside the run, or JSON
 * null when the round has none (a round without one is the usual case, not
 * an error).
 */
static void h_agreement(struct jv_web_ctx *ctx, struct MHD_Connection *conn,
                        struct jv_web_reply *out)
{
    struct jv_web_run *run = find_run(ctx, conn, out);
    if (!run)
        return;
    char *path = jv_layout_agreement_path(run->results);
    GError *e = NULL;
    int fd = jv_web_open_beneath(run->root, path, &e);
    if (fd < 0 && g_error_matches(e, JV_ERROR, JV_ERR_NOT_FOUND)) {
        jv_web_reply_json(out, MHD_HTTP_OK, json_null());
    } else if (fd < 0) {
        jv_web_reply_error(out, status_of(e), "agreement: %s", e->message);
    } else {
        reply_fd(out, fd, "application/json", NULL);
        MHD_add_response_header(out->resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    }
    g_clear_error(&e);
    g_free(path);
    jv_web_run_free(run);
}

static void h_matches(struct jv_web_ctx *ctx, struct MHD_Connection *conn, struct jv_web_reply *out)
{
    struct jv_web_run *run = find_run(ctx, conn, out);
    if (!run)
        return;
    /* No log, or one that is a link (never followed): no matches. */
    json_t *arr = jv_web_read_objects(run->root, run->matches, JV_LIMIT_MATCHES_LOG, NULL);
    jv_web_run_free(run);
    jv_web_reply_json(out, MHD_HTTP_OK, arr ? arr : json_array());
}

static void h_export_csv(struct jv_web_ctx *ctx, struct MHD_Connection *conn,
                         struct jv_web_reply *out)
{
    struct jv_web_run *run = find_run(ctx, conn, out);
    if (!run)
        return;
    GError *e = NULL;
    json_t *records = records_with_overrides(run, NULL, &e);
    if (!records) {
        jv_web_run_free(run);
        reply_gerror(out, e);
        return;
    }
    struct jv_competition *comp = run_competition(ctx, run);
    jv_web_apply_band_awards(records, comp);
    if (comp)
        jv_competition_free(comp);
    char *csv = jv_web_export_csv(records);
    json_decref(records);
    jv_web_reply_bytes(out, MHD_HTTP_OK, csv, strlen(csv), "text/csv; charset=utf-8");
    char *base = g_path_get_basename(run->name);
    char *cd = g_strdup_printf("attachment; filename=\"%s.csv\"", base);
    MHD_add_response_header(out->resp, MHD_HTTP_HEADER_CONTENT_DISPOSITION, cd);
    g_free(cd);
    g_free(base);
    jv_web_run_free(run);
}

/* The page's downloads embed only photos inside the run's input folders (web/guard.h). */
struct guarded {
    struct jv_web_ctx *ctx;
    const struct jv_web_run *run;
};

static char *guarded_image(const json_t *rec, void *user)
{
    const struct guarded *g = user;
    char *image = jv_record_image_path(rec);
    char *real = NULL;
    int fd = image ? jv_web_runs_open_photo(g->ctx->runs, g->run, image, &real, NULL) : -1;
    if (fd >= 0)
        close(fd);
    g_free(image);
    return fd >= 0 ? real : (g_free(real), NULL);
}

/*
 * GET /api/summary?run=ID and GET /api/export?run=ID&format=results|entrants|csv:
 * the round's summary (Markdown) and papers (pipeline/papers.h) with the
 * page's edits applied, as downloads.
 */
static void h_papers(struct jv_web_ctx *ctx, struct MHD_Connection *conn, bool summary,
                     struct jv_web_reply *out)
{
    const char *fmt_name = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "format");
    int f = summary ? 0 : jv_export_format_parse(fmt_name ? fmt_name : "results");
    if (f < 0) {
        jv_web_reply_error(out, MHD_HTTP_BAD_REQUEST, "format must be results, entrants or csv");
        return;
    }
    struct jv_web_run *run = find_run(ctx, conn, out);
    if (!run)
        return;
    GError *e = NULL;
    struct jv_papers p;
    if (jv_papers_open(&p, run->results, NULL, NULL, &e) < 0) {
        jv_web_run_free(run);
        reply_gerror(out, e);
        return;
    }
    struct guarded g = {ctx, run};
    size_t len = 0;
    char *text = summary ? jv_papers_summary_text(&p)
                         : jv_papers_export(&p, (enum jv_export_format)f, guarded_image, &g, &len);
    if (summary)
        len = strlen(text);
    char *name = summary ? g_strdup_printf("%s_summary.md", p.round)
                         : jv_export_file_name(p.round, (enum jv_export_format)f);
    jv_web_reply_bytes(out, MHD_HTTP_OK, text, len,
                       summary ? "text/markdown; charset=utf-8"
                               : jv_export_mime((enum jv_export_format)f));
    char *cd = g_strdup_printf("attachment; filename=\"%s\"", name);
    MHD_add_response_header(out->resp, MHD_HTTP_HEADER_CONTENT_DISPOSITION, cd);
    MHD_add_response_header(out->resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    g_free(cd);
    g_free(name);
    jv_papers_release(&p);
    jv_web_run_free(run);
}

/*
 * GET /api/metrics.jsonl: one line per record of the run with its timings,
 * tokens and scores (a fixed subset of the record's fields, in that order)
 * and the IQA metrics, served as an NDJSON download.
 */
static void h_metrics(struct jv_web_ctx *ctx, struct MHD_Connection *conn, struct jv_web_reply *out)
{
    static const enum jv_rec keys[] = {
        JV_REC_IMAGE,
        JV_REC_STATUS,
        JV_REC_CONTENT_HASH,
        JV_REC_DURATION_SECONDS,
        JV_REC_STAGE1_DURATION_SECONDS,
        JV_REC_STAGE2_DURATION_SECONDS,
        JV_REC_STAGE3_DURATION_SECONDS,
        JV_REC_TIMESTAMP_STAGE2_STARTED,
        JV_REC_TIMESTAMP_STAGE2_FINISHED,
        JV_REC_TTFT_SECONDS,
        JV_REC_USAGE,
        JV_REC_FINISH_REASON,
        JV_REC_CRITIQUE_TOTAL_INITIAL,
        JV_REC_CRITIQUE_TOTAL,
        JV_REC_PAIRWISE_COMPARISONS,
    };
    struct jv_web_run *run = find_run(ctx, conn, out);
    if (!run)
        return;
    GError *e = NULL;
    json_t *records = jv_web_run_load_records(run, &e);
    if (!records) {
        jv_web_run_free(run);
        reply_gerror(out, e);
        return;
    }
    GString *s = g_string_new(NULL);
    size_t i;
    json_t *r;
    json_array_foreach(records, i, r)
    {
        json_t *o = json_object();
        for (size_t k = 0; k < JV_ARRAY_LEN(keys); k++) {
            json_t *v = jv_record_get(r, keys[k]);
            json_object_set(o, jv_record_key(keys[k]), v ? v : json_null());
        }
        json_object_set(o, "metrics",
                        json_object_get(jv_record_get(r, JV_REC_TECHNICAL_SIGNALS), "metrics")
                            ?: json_null());
        char *line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
        json_decref(o);
        if (line) {
            g_string_append(s, line);
            g_string_append_c(s, '\n');
            free(line);
        }
    }
    json_decref(records);
    size_t len = s->len;
    jv_web_reply_bytes(out, MHD_HTTP_OK, g_string_free(s, FALSE), len, "application/x-ndjson");
    char *base = g_path_get_basename(run->name);
    char *cd = g_strdup_printf("attachment; filename=\"%s.metrics.jsonl\"", base);
    MHD_add_response_header(out->resp, MHD_HTTP_HEADER_CONTENT_DISPOSITION, cd);
    g_free(cd);
    g_free(base);
    jv_web_run_free(run);
}

/* The MIME type of a photo by its extension; NULL for anything else. */
static const char *image_type(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (!dot)
        return NULL;
    if (!g_ascii_strcasecmp(dot, ".jpg") || !g_ascii_strcasecmp(dot, ".jpeg"))
        return "image/jpeg";
    if (!g_ascii_strcasecmp(dot, ".png"))
        return "image/png";
    if (!g_ascii_strcasecmp(dot, ".webp"))
        return "image/webp";
    if (!g_ascii_strcasecmp(dot, ".tif") || !g_ascii_strcasecmp(dot, ".tiff"))
        return "image/tiff";
    return NULL;
}

/* The image path (owned) of record `idx` of the requested run, or NULL (reply filled). */
static char *record_image(struct jv_web_ctx *ctx, struct MHD_Connection *conn,
                          struct jv_web_reply *out)
{
    long long idx = arg_index(conn, "idx");
    if (idx < 0) {
        jv_web_reply_error(out, MHD_HTTP_BAD_REQUEST, "'idx' must be a record index");
        return NULL;
    }
    struct jv_web_run *run = find_run(ctx, conn, out);
    if (!run)
        return NULL;
    GError *e = NULL;
    char *path = jv_web_runs_image(ctx->runs, run, (size_t)idx, &e);
    jv_web_run_free(run);
    if (!path && e->code != JV_ERR_NOT_FOUND) {
        reply_gerror(out, e);
        return NULL;
    }
    g_clear_error(&e);
    /* Only photos: a record naming any other kind of file gets nothing. */
    if (path && !image_type(path))
        g_clear_pointer(&path, g_free);
    if (!path)
        jv_web_reply_error(out, MHD_HTTP_NOT_FOUND, "no image for record %lld", idx);
    return path;
}

/*
 * Opens the photo `path` of the requested run (a record's, from
 * record_image) only inside the run's input folders (web/guard.h); *real
 * (may be NULL) gets the path opened. -1 with the reply filled.
 */
static int open_photo(struct jv_web_ctx *ctx, struct MHD_Connection *conn, const char *path,
                      char **real, struct jv_web_reply *out)
{
    struct jv_web_run *run = find_run(ctx, conn, out);
    if (!run)
        return -1;
    GError *e = NULL;
    int fd = jv_web_runs_open_photo(ctx->runs, run, path, real, &e);
    jv_web_run_free(run);
    if (fd < 0)
        reply_gerror(out, e);
    return fd;
}

static void h_image(struct jv_web_ctx *ctx, struct MHD_Connection *conn, struct jv_web_reply *out)
{
    char *path = record_image(ctx, conn, out);
    if (!path)
        return;
    int fd = open_photo(ctx, conn, path, NULL, out);
    if (fd >= 0)
        reply_fd(out, fd, image_type(path), NULL);
    if (out->status == MHD_HTTP_OK)
        MHD_add_response_header(out->resp, MHD_HTTP_HEADER_CACHE_CONTROL, "private, max-age=300");
    g_free(path);
}

static void h_thumb(struct jv_web_ctx *ctx, struct MHD_Connection *conn, struct jv_web_reply *out)
{
    long long size = arg_index(conn, "size");
    if (size < 0)
        size = 256;
    char *path = record_image(ctx, conn, out);
    if (!path)
        return;
    char *real = NULL;
    int fd = open_photo(ctx, conn, path, &real, out);
    g_free(path);
    if (fd < 0)
        return;
    close(fd);
    GError *e = NULL;
    char *thumb =
        jv_image_thumb_path(ctx->thumbs, real, jv_image_thumb_size((int)MIN(size, 4096)), &e);
    g_free(real);
    if (!thumb) {
        reply_gerror(out, e);
        return;
    }
    reply_path(out, ctx->outputs, thumb, "image/jpeg", NULL);
    if (out->status == MHD_HTTP_OK)
        MHD_add_response_header(out->resp, MHD_HTTP_HEADER_CACHE_CONTROL, "private, max-age=300");
    g_free(thumb);
}

/* ---- dispatch ---- */

struct route {
    const char *method;
    const char *path;
    int id;
};

enum {
    R_SESSION,
    R_REGISTRIES,
    R_REGISTRY_ADD,
    R_COMPETITIONS,
    R_COMPETITION,
    R_SETTINGS_GET,
    R_SETTINGS_PUT,
    R_RUN_GET,
    R_RUN_POST,
    R_RUN_CANCEL,
    R_EVENTS,
    R_RUNS,
    R_RESULTS,
    R_OVERRIDES,
    R_MANIFEST,
    R_MATCHES,
    R_AGREEMENT,
    R_EXPORT,
    R_METRICS,
    R_IMAGE,
    R_THUMB,
    R_SUMMARY,
    R_PAPERS,
};

static const struct route routes[] = {
    {"GET", "/api/session", R_SESSION},
    {"GET", "/api/registries", R_REGISTRIES},
    {"POST", "/api/registries", R_REGISTRY_ADD},
    {"GET", "/api/competitions", R_COMPETITIONS},
    {"GET", "/api/competition", R_COMPETITION},
    {"GET", "/api/settings", R_SETTINGS_GET},
    {"PUT", "/api/settings", R_SETTINGS_PUT},
    {"GET", "/api/run", R_RUN_GET},
    {"POST", "/api/run", R_RUN_POST},
    {"POST", "/api/run/cancel", R_RUN_CANCEL},
    {"GET", "/api/events", R_EVENTS},
    {"GET", "/api/runs", R_RUNS},
    {"GET", "/api/results", R_RESULTS},
    {"POST", "/api/overrides", R_OVERRIDES},
    {"GET", "/api/manifest", R_MANIFEST},
    {"GET", "/api/matches", R_MATCHES},
    {"GET", "/api/agreement", R_AGREEMENT},
    {"GET", "/api/export.csv", R_EXPORT},
    {"GET", "/api/metrics.jsonl", R_METRICS},
    {"GET", "/api/image", R_IMAGE},
    {"GET", "/api/thumb", R_THUMB},
    {"GET", "/api/summary", R_SUMMARY},
    {"GET", "/api/export", R_PAPERS},
};

void jv_web_api_handle(struct jv_web_ctx *ctx, struct MHD_Connection *conn, const char *method,
                       const char *url, const char *body, size_t body_len, struct jv_web_reply *out)
{
    bool path_known = false;
    int id = -1;
    /* HEAD is answered like GET (MHD drops the body). */
    const char *m = strcmp(method, "HEAD") == 0 ? "GET" : method;
    for (size_t i = 0; i < JV_ARRAY_LEN(routes); i++) {
        if (strcmp(url, routes[i].path) != 0)
            continue;
        path_known = true;
        if (strcmp(m, routes[i].method) == 0) {
            id = routes[i].id;
            break;
        }
    }
    if (id < 0) {
        if (path_known)
            jv_web_reply_error(out, MHD_HTTP_METHOD_NOT_ALLOWED, "%s is not allowed on %s", method,
                               url);
        else
            jv_web_reply_error(out, MHD_HTTP_NOT_FOUND, "no such API route");
        return;
    }
    switch (id) {
    case R_SESSION:
        h_session(ctx, out);
        break;
    case R_REGISTRIES:
        h_registries(ctx, out);
        break;
    case R_REGISTRY_ADD:
        h_registry_add(ctx, body, body_len, out);
        break;
    case R_COMPETITIONS:
        h_competitions(ctx, conn, out);
        break;
    case R_COMPETITION:
        h_competition(ctx, conn, out);
        break;
    case R_SETTINGS_GET:
        h_settings_get(ctx, out);
        break;
    case R_SETTINGS_PUT:
        h_settings_put(ctx, body, body_len, out);
        break;
    case R_RUN_GET:
        jv_web_reply_json(out, MHD_HTTP_OK, jv_web_runner_state(ctx->runner));
        break;
    case R_RUN_POST:
        h_run_start(ctx, body, body_len, out);
        break;
    case R_RUN_CANCEL:
        h_run_cancel(ctx, out);
        break;
    case R_EVENTS:
        h_events(ctx, out);
        break;
    case R_RUNS:
        jv_web_reply_json(out, MHD_HTTP_OK, jv_web_runs_list(ctx->runs));
        break;
    case R_RESULTS:
        h_results(ctx, conn, out);
        break;
    case R_OVERRIDES:
        h_overrides(ctx, conn, body, body_len, out);
        break;
    case R_MANIFEST:
        h_manifest(ctx, conn, out);
        break;
    case R_MATCHES:
        h_matches(ctx, conn, out);
        break;
    case R_AGREEMENT:
        h_agreement(ctx, conn, out);
        break;
    case R_EXPORT:
        h_export_csv(ctx, conn, out);
        break;
    case R_METRICS:
        h_metrics(ctx, conn, out);
        break;
    case R_IMAGE:
        h_image(ctx, conn, out);
        break;
    case R_THUMB:
        h_thumb(ctx, conn, out);
        break;
    case R_SUMMARY:
        h_papers(ctx, conn, true, out);
        break;
    case R_PAPERS:
        h_papers(ctx, conn, false, out);
        break;
    default:
        jv_web_reply_error(out, MHD_HTTP_NOT_FOUND, "no such API route");
        break;
    }
}
