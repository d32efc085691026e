/* server.c - the simulator's HTTP server: chat API, /models, /metrics, IQA service, faults. */
#include "core/jv.h"

#include <arpa/inet.h>
#include <math.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <vips/vips.h>

#include "core/fsutil.h"
#include "core/hash.h"
#include "latency.h"
#include "server.h"

#define DEFAULT_MODEL "judge-vision-sim"
/* Judge Vision's default --model (src/pipeline/run_config.c), also listed without --model-name. */
#define JV_DEFAULT_CLIENT_MODEL "Qwen/Qwen3-VL-8B-Instruct-FP8"
#define CHUNK_TOKENS            3 /* output tokens per streamed content delta */

static const char *const fault_names[JV_SIM_FAULT_COUNT] = {
    "500",
    "502",
    "503",
    "429",
    "stall",
    "cut_stream",
    "malformed_json",
    "prose",
    "truncate",
    "error_event",
    "endless_stream",
    "fail_first",
};

const char *jv_sim_mode_name(enum jv_sim_mode m)
{
    static const char *const names[] = {"vllm", "llamacpp", "ollama"};
    return (unsigned)m < JV_ARRAY_LEN(names) ? names[m] : "unknown";
}

const char *jv_sim_fault_name(enum jv_sim_fault f)
{
    return (unsigned)f < JV_SIM_FAULT_COUNT ? fault_names[f] : "unknown";
}

void jv_sim_config_init(struct jv_sim_config *c)
{
    memset(c, 0, sizeof *c);
    c->host = g_strdup("127.0.0.1");
    c->max_seqs = 16;
    c->time_scale = 1.0;
    c->cache_blocks = 8192;
    c->max_body = 64u << 20;
    c->reply.score_noise = 1.0;
    c->reply.sample_share = 0.5;
    c->reply.pairwise_noise = 0.1;
    c->retry_after = 1;
    c->stall_seconds = 300.0;
    c->fail_first_status = 503;
    c->max_queue = -1;
}

void jv_sim_config_release(struct jv_sim_config *c)
{
    g_free(c->host);
    g_free(c->model_name);
    g_free(c->truth_path);
    c->host = c->model_name = c->truth_path = NULL;
    g_clear_pointer(&c->reply.category_bias, g_hash_table_destroy);
}

/* ---- metrics ----------------------------------------------------------- */

static const double ttft_buckets[] = {0.001, 0.005, 0.01, 0.02,  0.04,  0.06,  0.08, 0.1,
                                      0.25,  0.5,   0.75, 1.0,   2.5,   5.0,   7.5,  10.0,
                                      20.0,  40.0,  80.0, 160.0, 640.0, 2560.0};
static const double e2e_buckets[] = {0.3,  0.5,   0.8,   1.0,   1.5,   2.0,    2.5,
                                     5.0,  10.0,  15.0,  20.0,  30.0,  40.0,   50.0,
                                     60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0};

struct histogram {
    const double *le;
    size_t n;
    guint64 counts[32];
    guint64 count;
    double sum;
};

static void hist_observe(struct histogram *h, double v)
{
    for (size_t i = 0; i < h->n; i++)
        if (v <= h->le[i])
            h->counts[i]++;
    h->count++;
    h->sum += v;
}

struct metrics {
    GMutex lock;
    guint64 prompt_tokens, generation_tokens;
    guint64 success_stop, success_length;
    guint64 faults[JV_SIM_FAULT_COUNT];
    guint64 http_requests;
    guint64 busy; /* 503s of a full queue (--max-queue) */
    struct histogram ttft, e2e;
};

/* ---- server ------------------------------------------------------------ */

struct jv_sim_server {
    const struct jv_sim_config *cfg;
    struct MHD_Daemon *daemon;
    struct jv_sim_engine *engine;
    struct jv_sim_truth truth;
    struct metrics m;
    gint chat_seq; /* chat requests seen (atomic) */
    int port;
    void (*on_shutdown)(void *);
    void *shutdown_data;
};

/* Per-connection request state (MHD's con_cls). */
struct req {
    GString *body;
    bool too_large;
    bool shutdown_after;
    double arrival; /* monotonic seconds */
};

static double mono(void)
{
    return (double)g_get_monotonic_time() / 1e6;
}

static const char *model_label(const struct jv_sim_server *s)
{
    return s->cfg->model_name ? s->cfg->model_name : DEFAULT_MODEL;
}

static bool fault_fires(struct jv_sim_server *s, enum jv_sim_fault f, long reqno)
{
    double rate = s->cfg->fault_rate[f];
    if (rate <= 0.0)
        return false;
    bool fire = rate >= 1.0;
    if (!fire) {
        char key[32];
        snprintf(key, sizeof key, "req:%ld", reqno);
        fire = jv_sim_uniform(s->cfg->reply.seed, key, fault_names[f]) < rate;
    }
    if (fire) {
        g_mutex_lock(&s->m.lock);
        s->m.faults[f]++;
        g_mutex_unlock(&s->m.lock);
    }
    return fire;
}

static enum MHD_Result send_text(struct MHD_Connection *conn, unsigned status, const char *ctype,
                                 char *body_owned, const char *retry_after)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(body_owned), body_owned, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    if (retry_after)
        MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, retry_after);
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* Sends `obj` (takes) as JSON. */
static enum MHD_Result send_json(struct MHD_Connection *conn, unsigned status, json_t *obj,
                                 const char *retry_after)
{
    /* json_dumps() allocates with malloc(), which MHD_RESPMEM_MUST_FREE frees. */
    char *dump = json_dumps(obj, JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
    json_decref(obj);
    return send_text(conn, status, "application/json", dump, retry_after);
}

static const char *error_type(unsigned status)
{
    switch (status) {
    case 400:
    case 413:
        return "invalid_request_error";
    case 404:
        return "not_found_error";
    case 405:
        return "method_not_allowed";
    case 429:
        return "rate_limit_error";
    case 502:
        return "bad_gateway";
    case 503:
        return "service_unavailable";
    default:
        return "internal_server_error";
    }
}

static json_t *error_object(unsigned status, const char *message, const char *param)
{
    return json_pack("{s:{s:s,s:s,s:o,s:i}}", "error", "message", message, "type",
                     error_type(status), "param", param ? json_string(param) : json_null(), "code",
                     (int)status);
}

static enum MHD_Result send_error(struct MHD_Connection *conn, unsigned status, const char *param,
                                  const char *fmt, ...) JV_PRINTF(4, 5);

static enum MHD_Result send_error(struct MHD_Connection *conn, unsigned status, const char *param,
                                  const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    json_t *obj = error_object(status, msg, param);
    g_free(msg);
    return send_json(conn, status, obj, NULL);
}

/* ---- simple endpoints -------------------------------------------------- */

static json_t *model_card(const char *id)
{
    return json_pack("{s:s,s:s,s:I,s:s,s:s,s:i}", "id", id, "object", "model", "created",
                     (json_int_t)(g_get_real_time() / 1000000), "owned_by", "judge-vision-sim",
                     "root", id, "max_model_len", 32768);
}

/*
 * The served names. Without --model-name the simulator answers for any model,
 * like vLLM with several --served-model-name aliases: it lists its own name
 * and Judge Vision's default --model, so that a run with default options
 * passes the run's start-up check (the model must be listed).
 */
static enum MHD_Result handle_models(struct jv_sim_server *s, struct MHD_Connection *conn)
{
    json_t *data = json_array();
    json_array_append_new(data, model_card(model_label(s)));
    if (!s->cfg->model_name)
        json_array_append_new(data, model_card(JV_DEFAULT_CLIENT_MODEL));
    return send_json(conn, 200, json_pack("{s:s,s:o}", "object", "list", "data", data), NULL);
}

static void metric_head(GString *o, const char *name, const char *type, const char *help)
{
    g_string_append_printf(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void metric_hist(GString *o, const char *name, const char *help, const char *labels,
                        const struct histogram *h)
{
    metric_head(o, name, "histogram", help);
    for (size_t i = 0; i < h->n; i++)
        g_string_append_printf(o, "%s_bucket{%s,le=\"%g\"} %" G_GUINT64_FORMAT ".0\n", name, labels,
                               h->le[i], h->counts[i]);
    g_string_append_printf(o, "%s_bucket{%s,le=\"+Inf\"} %" G_GUINT64_FORMAT ".0\n", name, labels,
                           h->count);
    g_string_append_printf(o, "%s_count{%s} %" G_GUINT64_FORMAT ".0\n", name, labels, h->count);
    g_string_append_printf(o, "%s_sum{%s} %.6f\n", name, labels, h->sum);
}

static enum MHD_Result handle_metrics(struct jv_sim_server *s, struct MHD_Connection *conn)
{
    struct jv_sim_engine_stats es;
    jv_sim_engine_stats(s->engine, &es);
    char *labels = g_strdup_printf("engine=\"0\",model_name=\"%s\"", model_label(s));
    GString *o = g_string_new(NULL);
    g_mutex_lock(&s->m.lock);
    metric_head(o, "vllm:num_requests_running", "gauge",
                "Number of requests in model execution batches.");
    g_string_append_printf(o, "vllm:num_requests_running{%s} %ld.0\n", labels, es.running);
    metric_head(o, "vllm:num_requests_waiting", "gauge",
                "Number of requests waiting to be processed.");
    g_string_append_printf(o, "vllm:num_requests_waiting{%s} %ld.0\n", labels, es.waiting);
    metric_head(o, "vllm:gpu_cache_usage_perc", "gauge",
                "GPU KV-cache usage. 1 means 100 percent usage.");
    g_string_append_printf(
        o, "vllm:gpu_cache_usage_perc{%s} %.6f\n", labels,
        es.cache_blocks_max > 0 ? (double)es.cache_blocks_used / (double)es.cache_blocks_max : 0.0);
    metric_head(o, "vllm:prefix_cache_queries_total", "counter",
                "Prefix cache queries, in terms of number of queried tokens.");
    g_string_append_printf(o, "vllm:prefix_cache_queries_total{%s} %lld.0\n", labels,
                           es.cache_queries);
    metric_head(o, "vllm:prefix_cache_hits_total", "counter",
                "Prefix cache hits, in terms of number of cached tokens.");
    g_string_append_printf(o, "vllm:prefix_cache_hits_total{%s} %lld.0\n", labels, es.cache_hits);
    metric_head(o, "vllm:prompt_tokens_total", "counter", "Number of prefill tokens processed.");
    g_string_append_printf(o, "vllm:prompt_tokens_total{%s} %" G_GUINT64_FORMAT ".0\n", labels,
                           s->m.prompt_tokens);
    metric_head(o, "vllm:generation_tokens_total", "counter",
                "Number of generation tokens processed.");
    g_string_append_printf(o, "vllm:generation_tokens_total{%s} %" G_GUINT64_FORMAT ".0\n", labels,
                           s->m.generation_tokens);
    metric_head(o, "vllm:request_success_total", "counter",
                "Count of successfully processed requests.");
    g_string_append_printf(o,
                           "vllm:request_success_total{%s,finished_reason=\"stop\"} "
                           "%" G_GUINT64_FORMAT ".0\n",
                           labels, s->m.success_stop);
    g_string_append_printf(o,
                           "vllm:request_success_total{%s,finished_reason=\"length\"} "
                           "%" G_GUINT64_FORMAT ".0\n",
                           labels, s->m.success_length);
    metric_hist(o, "vllm:time_to_first_token_seconds",
                "Histogram of time to first token in seconds.", labels, &s->m.ttft);
    metric_hist(o, "vllm:e2e_request_latency_seconds",
                "Histogram of e2e request latency in seconds.", labels, &s->m.e2e);
    metric_head(o, "sim_faults_total", "counter", "Faults injected by the simulator, by kind.");
    for (int f = 0; f < JV_SIM_FAULT_COUNT; f++)
        g_string_append_printf(o, "sim_faults_total{kind=\"%s\"} %" G_GUINT64_FORMAT ".0\n",
                               fault_names[f], s->m.faults[f]);
    metric_head(o, "sim_busy_total", "counter", "Chat requests refused with 503: queue full.");
    g_string_append_printf(o, "sim_busy_total %" G_GUINT64_FORMAT ".0\n", s->m.busy);
    metric_head(o, "sim_http_requests_total", "counter", "HTTP requests received.");
    g_string_append_printf(o, "sim_http_requests_total %" G_GUINT64_FORMAT ".0\n",
                           s->m.http_requests);
    g_mutex_unlock(&s->m.lock);
    g_free(labels);
    char *body = strdup(o->str);
    g_string_free(o, TRUE);
    return send_text(conn, 200, "text/plain; version=0.0.4; charset=utf-8", body, NULL);
}

/* ---- images ------------------------------------------------------------ */

struct image {
    char hash[JV_CONTENT_HASH_LEN];
    int width, height;
    long tokens;
};

/* Reads the image header from its bytes with libvips. */
static int image_probe(const void *data, size_t len, struct image *img, GError **err)
{
    jv_hash_buffer(data, len, img->hash);
    VipsImage *im =
        vips_image_new_from_buffer(data, len, "", "access", VIPS_ACCESS_SEQUENTIAL, NULL);
    if (!im) {
        char *msg = g_strstrip(g_strdup(vips_error_buffer()));
        vips_error_clear();
        g_set_error(err, JV_ERROR, JV_ERR_IMAGE, "not a decodable image (%s)",
                    *msg ? msg : "unknown format");
        g_free(msg);
        return -1;
    }
    img->width = vips_image_get_width(im);
    img->height = vips_image_get_height(im);
    g_object_unref(im);
    img->tokens = jv_sim_image_tokens(img->width, img->height);
    return 0;
}

static bool base64_valid(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!(g_ascii_isalnum(c) || c == '+' || c == '/' || c == '=' || c == '\n' || c == '\r'))
            return false;
    }
    return true;
}

static guchar *b64_decode(const char *s, size_t len, size_t *out_len)
{
    if (len == 0 || !base64_valid(s, len))
        return NULL;
    char *copy = g_strndup(s, len);
    gsize n = 0;
    guchar *d = g_base64_decode_inplace(copy, &n);
    if (n == 0) {
        g_free(copy);
        return NULL;
    }
    *out_len = n;
    return d;
}

/* Decodes a data:<mime>;base64, URL and probes the image. */
static int image_from_url(const char *url, struct image *img, GError **err)
{
    if (!g_str_has_prefix(url, "data:")) {
        g_set_error(err, JV_ERROR, JV_ERR_IMAGE,
                    "image_url must be a data:<mime>;base64, URL (the simulator fetches nothing)");
        return -1;
    }
    const char *comma = strchr(url, ',');
    const char *semi = strstr(url, ";base64,");
    if (!comma || !semi || semi + 7 != comma || !g_str_has_prefix(url + 5, "image/")) {
        g_set_error(err, JV_ERROR, JV_ERR_IMAGE,
                    "image_url is not of the form data:image/<type>;base64,<data>");
        return -1;
    }
    size_t n = 0;
    guchar *bytes = b64_decode(comma + 1, strlen(comma + 1), &n);
    if (!bytes) {
        g_set_error(err, JV_ERROR, JV_ERR_IMAGE, "image_url carries invalid or empty base64");
        return -1;
    }
    int rc = image_probe(bytes, n, img, err);
    g_free(bytes);
    return rc;
}

/* ---- chat requests ----------------------------------------------------- */

struct chat {
    /* request */
    char *model;
    bool stream, include_usage, ignore_eos;
    long max_tokens;
    json_int_t seed; /* the request's "seed", 0 when absent */
    struct jv_sim_prompt prompt;
    GArray *images; /* struct image, in order */
    bool pairwise;
    GString *text; /* all message text, for hashing and detection */
    char *title;
    char *category; /* the prompt's category line (the model's bias, --category-bias) */
    /* reply */
    long reqno;
    char *id;
    gint64 created;
    char *content;
    GPtrArray *pieces; /* output tokens to send */
    const char *finish;
    bool fault_cut, fault_error_event, fault_endless;
};

static void chat_free(struct chat *c)
{
    if (!c)
        return;
    g_free(c->model);
    jv_sim_prompt_release(&c->prompt);
    if (c->images)
        g_array_free(c->images, TRUE);
    if (c->text)
        g_string_free(c->text, TRUE);
    g_free(c->title);
    g_free(c->category);
    g_free(c->id);
    g_free(c->content);
    if (c->pieces)
        g_ptr_array_unref(c->pieces);
    g_free(c);
}

/*
 * Finds a line "KEY X" (KEY such as "title:", case aside, after any list
 * marks) in the user text: X, or NULL when absent or "n/a"-like.
 */
static char *find_field(const char *text, const char *key)
{
    char **lines = g_strsplit(text, "\n", -1);
    char *title = NULL;
    size_t klen = strlen(key);
    for (char **l = lines; *l && !title; l++) {
        char *line = g_strstrip(*l);
        while (*line == '-' || *line == '*' || *line == ' ')
            line++;
        if (g_ascii_strncasecmp(line, key, klen) != 0)
            continue;
        char *v = g_strstrip(g_strdup(line + klen));
        size_t n = strlen(v);
        if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
            memmove(v, v + 1, n - 2);
            v[n - 2] = '\0';
        }
        if (*v && g_ascii_strcasecmp(v, "n/a") && g_ascii_strcasecmp(v, "none") &&
            g_ascii_strcasecmp(v, "untitled") && g_ascii_strcasecmp(v, "null"))
            title = v;
        else
            g_free(v);
    }
    g_strfreev(lines);
    return title;
}

/*
 * Parses and validates the request body into a chat. On failure sets *status,
 * *param and err (the message for the client).
 */
static struct chat *chat_parse(struct jv_sim_server *s, const char *body, size_t len,
                               unsigned *status, const char **param, GError **err)
{
    *status = 400;
    *param = NULL;
    json_error_t jerr;
    json_t *root = json_loadb(body, len, 0, &jerr);
    if (!root) {
        g_set_error(err, JV_ERROR, JV_ERR_PARSE, "malformed JSON body: %s (line %d, column %d)",
                    jerr.text, jerr.line, jerr.column);
        return NULL;
    }
    struct chat *c = g_new0(struct chat, 1);
    jv_sim_prompt_init(&c->prompt);
    c->images = g_array_new(FALSE, FALSE, sizeof(struct image));
    c->text = g_string_new(NULL);
    if (!json_is_object(root)) {
        g_set_error(err, JV_ERROR, JV_ERR_PARSE, "the request body must be a JSON object");
        goto fail;
    }
    json_t *model = json_object_get(root, "model");
    if (model && !json_is_string(model)) {
        *param = "model";
        g_set_error(err, JV_ERROR, JV_ERR_PARSE, "model must be a string");
        goto fail;
    }
    c->model = g_strdup(model ? json_string_value(model) : model_label(s));
    if (s->cfg->model_name && strcmp(c->model, s->cfg->model_name) != 0) {
        *status = 404;
        *param = "model";
        g_set_error(err, JV_ERROR, JV_ERR_NOT_FOUND, "The model `%s` does not exist.", c->model);
        goto fail;
    }
    json_t *stream = json_object_get(root, "stream");
    if (stream && !json_is_boolean(stream) && !json_is_null(stream)) {
        *param = "stream";
        g_set_error(err, JV_ERROR, JV_ERR_PARSE, "stream must be a boolean");
        goto fail;
    }
    c->stream = json_is_true(stream);
    json_t *so = json_object_get(root, "stream_options");
    if (so && !json_is_null(so)) {
        if (!c->stream) {
            *param = "stream_options";
            g_set_error(err, JV_ERROR, JV_ERR_PARSE,
                        "Stream options can only be defined when `stream=True`.");
            goto fail;
        }
        if (!json_is_object(so)) {
            *param = "stream_options";
            g_set_error(err, JV_ERROR, JV_ERR_PARSE, "stream_options must be an object");
            goto fail;
        }
        c->include_usage = json_is_true(json_object_get(so, "include_usage"));
    }
    json_t *mt = json_object_get(root, "max_completion_tokens");
    if (!mt || json_is_null(mt))
        mt = json_object_get(root, "max_tokens");
    c->max_tokens = 4096;
    if (mt && !json_is_null(mt)) {
        if (!json_is_integer(mt) || json_integer_value(mt) < 1) {
            *param = "max_tokens";
            g_set_error(err, JV_ERROR, JV_ERR_PARSE, "max_tokens must be a positive integer");
            goto fail;
        }
        c->max_tokens = (long)json_integer_value(mt);
    }
    c->ignore_eos = json_is_true(json_object_get(root, "ignore_eos"));
    json_t *seed = json_object_get(root, "seed");
    if (seed && !json_is_null(seed) && !json_is_integer(seed)) {
        *param = "seed";
        g_set_error(err, JV_ERROR, JV_ERR_PARSE, "seed must be an integer");
        goto fail;
    }
    c->seed = seed ? json_integer_value(seed) : 0;
    json_t *msgs = json_object_get(root, "messages");
    if (!json_is_array(msgs) || json_array_size(msgs) == 0) {
        *param = "messages";
        g_set_error(err, JV_ERROR, JV_ERR_PARSE, "messages must be a non-empty array");
        goto fail;
    }
    size_t i;
    json_t *msg;
    json_array_foreach(msgs, i, msg)
    {
        json_t *role = json_object_get(msg, "role");
        if (!json_is_object(msg) || !json_is_string(role)) {
            *param = "messages";
            g_set_error(err, JV_ERROR, JV_ERR_PARSE, "messages[%zu] needs a string role", i);
            goto fail;
        }
        jv_sim_prompt_add_role(&c->prompt, json_string_value(role));
        json_t *content = json_object_get(msg, "content");
        if (json_is_string(content)) {
            const char *t = json_string_value(content);
            size_t tl = json_string_length(content);
            jv_sim_prompt_add_text(&c->prompt, t, tl);
            g_string_append_len(c->text, t, (gssize)tl);
            g_string_append_c(c->text, '\n');
            continue;
        }
        if (!content || json_is_null(content))
            continue;
        if (!json_is_array(content)) {
            *param = "messages";
            g_set_error(err, JV_ERROR, JV_ERR_PARSE,
                        "messages[%zu].content must be a string or an array of parts", i);
            goto fail;
        }
        int images_here = 0;
        size_t k;
        json_t *part;
        json_array_foreach(content, k, part)
        {
            const char *type = json_string_value(json_object_get(part, "type"));
            if (type && strcmp(type, "text") == 0) {
                json_t *tx = json_object_get(part, "text");
                if (!json_is_string(tx)) {
                    *param = "messages";
                    g_set_error(err, JV_ERROR, JV_ERR_PARSE,
                                "messages[%zu].content[%zu].text must be a string", i, k);
                    goto fail;
                }
                jv_sim_prompt_add_text(&c->prompt, json_string_value(tx), json_string_length(tx));
                g_string_append_len(c->text, json_string_value(tx), (gssize)json_string_length(tx));
                g_string_append_c(c->text, '\n');
            } else if (type && strcmp(type, "image_url") == 0) {
                json_t *iu = json_object_get(part, "image_url");
                const char *url = json_is_string(iu)
                                      ? json_string_value(iu)
                                      : json_string_value(json_object_get(iu, "url"));
                if (!url) {
                    *param = "messages";
                    g_set_error(err, JV_ERROR, JV_ERR_PARSE,
                                "messages[%zu].content[%zu].image_url.url is missing", i, k);
                    goto fail;
                }
                struct image img;
                GError *ierr = NULL;
                if (image_from_url(url, &img, &ierr) < 0) {
                    *param = "messages";
                    g_set_error(err, JV_ERROR, JV_ERR_IMAGE, "messages[%zu].content[%zu]: %s", i, k,
                                ierr->message);
                    g_error_free(ierr);
                    goto fail;
                }
                g_array_append_val(c->images, img);
                jv_sim_prompt_add_image(&c->prompt, img.hash, img.tokens);
                images_here++;
            } else {
                *param = "messages";
                g_set_error(err, JV_ERROR, JV_ERR_PARSE,
                            "messages[%zu].content[%zu] has an unsupported type '%s'", i, k,
                            type ? type : "(none)");
                goto fail;
            }
        }
        if (images_here >= 2)
            c->pairwise = true;
    }
    if (strstr(c->text->str, "\"winner\""))
        c->pairwise = true;
    c->title = find_field(c->text->str, "title:");
    /* the profiles write "Category: X" (club_judge_v1: "Competition category: X") */
    c->category = find_field(c->text->str, "category:");
    if (!c->category)
        c->category = find_field(c->text->str, "competition category:");
    json_decref(root);
    return c;
fail:
    json_decref(root);
    chat_free(c);
    return NULL;
}

int jv_sim_check_request(const char *body, size_t len, unsigned *status, GError **err)
{
    static const struct jv_sim_config cfg; /* no --model-name: any model */
    struct jv_sim_server s = {.cfg = &cfg};
    const char *param;
    struct chat *c = chat_parse(&s, body, len, status, &param, err);
    if (!c)
        return -1;
    chat_free(c);
    *status = 200;
    return 0;
}

/*
 * A prompt that names another scale (critique/prompt.h jv_prompt_apply_scale:
 * "SCORING SCALE: scores run from MIN to MAX in steps of STEP") gets its
 * 0-20 score mapped onto it, as a model that follows the prompt would.
 */
static void rescale_score(struct chat *c)
{
    const char *at = strstr(c->text->str, "SCORING SCALE: scores run from ");
    int lo, hi, step;
    if (!at ||
        sscanf(at, "SCORING SCALE: scores run from %d to %d in steps of %d", &lo, &hi, &step) !=
            3 ||
        lo >= hi || step < 1)
        return;
    json_t *j = json_loads(c->content, 0, NULL);
    json_t *score = json_object_get(j, "score");
    if (json_is_integer(score)) {
        double x = lo + (double)json_integer_value(score) / 20.0 * (hi - lo);
        int k = (int)floor((x - lo) / step + 0.5);
        json_object_set_new(j, "score", json_integer(CLAMP(lo + k * step, lo, hi)));
        char *dump = json_dumps(j, JSON_PRESERVE_ORDER);
        g_free(c->content);
        c->content = g_strdup(dump);
        free(dump);
    }
    json_decref(j);
}

/* Builds the reply text and its output tokens, applying content faults. */
static void chat_prepare_reply(struct jv_sim_server *s, struct chat *c)
{
    const struct jv_sim_reply_opts *o = &s->cfg->reply;
    char text_hash[JV_CONTENT_HASH_LEN];
    jv_hash_buffer(c->text->str, c->text->len, text_hash);
    const struct image *imgs = (const struct image *)(const void *)c->images->data;
    if (c->pairwise) {
        const char *ha = c->images->len > 0 ? imgs[0].hash : text_hash;
        const char *hb = c->images->len > 1 ? imgs[1].hash : text_hash;
        c->content = jv_sim_pairwise(o, ha, jv_sim_quality(&s->truth, ha), hb,
                                     jv_sim_quality(&s->truth, hb), c->text->str);
    } else {
        const char *h = c->images->len > 0 ? imgs[0].hash : text_hash;
        /* A sample is drawn per request: from its seed and its whole prompt text. */
        char *sample_key = g_strdup_printf("%" JSON_INTEGER_FORMAT ":%s", c->seed, text_hash);
        c->content = jv_sim_critique(o, h, jv_sim_quality(&s->truth, h), c->title, c->category,
                                     sample_key, NULL);
        g_free(sample_key);
        rescale_score(c);
    }
    c->finish = "stop";
    if (fault_fires(s, JV_SIM_FAULT_PROSE, c->reqno)) {
        json_t *j = json_loads(c->content, 0, NULL);
        const char *crit = json_string_value(json_object_get(j, "critique"));
        if (!crit)
            crit = json_string_value(json_object_get(j, "reason"));
        char *prose = g_strdup_printf("Certainly! Here is my assessment of the photograph. %s "
                                      "Overall I would place it fairly in this round.",
                                      crit ? crit : "It is a pleasant picture.");
        json_decref(j);
        g_free(c->content);
        c->content = prose;
    } else if (fault_fires(s, JV_SIM_FAULT_MALFORMED_JSON, c->reqno)) {
        /* drop the closing brace, break a separator and leave a dangling comma */
        GString *g = g_string_new(c->content);
        if (g->len && g->str[g->len - 1] == '}')
            g_string_truncate(g, g->len - 1);
        char *sep = strstr(g->str, "\": ");
        if (sep)
            sep[1] = ' ';
        g_string_append(g, ",\n  \"score\": ");
        g_free(c->content);
        c->content = g_string_free(g, FALSE);
    }
    c->pieces = jv_sim_tokenize(c->content);
    if (fault_fires(s, JV_SIM_FAULT_TRUNCATE, c->reqno)) {
        g_ptr_array_set_size(c->pieces, c->pieces->len / 2);
        c->finish = "length";
    }
    if ((long)c->pieces->len > c->max_tokens) {
        g_ptr_array_set_size(c->pieces, (guint)c->max_tokens);
        c->finish = "length";
    }
    /* vLLM's ignore_eos (used by benchmarks) generates up to max_tokens: the
     * reply is padded with whitespace tokens, so its JSON still parses. */
    if (c->ignore_eos && c->max_tokens <= 65536 && (long)c->pieces->len < c->max_tokens) {
        while ((long)c->pieces->len < c->max_tokens)
            g_ptr_array_add(c->pieces, g_strdup(" "));
        c->finish = "length";
    }
    if (c->pieces->len == 0)
        g_ptr_array_add(c->pieces, g_strdup(""));
}

static void record_success(struct jv_sim_server *s, struct chat *c, double arrival, double ttft_at)
{
    double now = mono();
    g_mutex_lock(&s->m.lock);
    s->m.prompt_tokens += (guint64)jv_sim_prompt_tokens(&c->prompt);
    s->m.generation_tokens += c->pieces->len;
    if (strcmp(c->finish, "length") == 0)
        s->m.success_length++;
    else
        s->m.success_stop++;
    hist_observe(&s->m.ttft, ttft_at - arrival);
    hist_observe(&s->m.e2e, now - arrival);
    g_mutex_unlock(&s->m.lock);
}

static json_t *usage_object(const struct chat *c)
{
    long p = jv_sim_prompt_tokens(&c->prompt);
    long g = (long)c->pieces->len;
    return json_pack("{s:I,s:I,s:I}", "prompt_tokens", (json_int_t)p, "completion_tokens",
                     (json_int_t)g, "total_tokens", (json_int_t)(p + g));
}

/* The prefill (with the prefix cache); returns false on shutdown. */
static bool run_prefill(struct jv_sim_server *s, struct chat *c)
{
    long cached = jv_sim_engine_cache_lookup(s->engine, &c->prompt);
    return jv_sim_engine_prefill(s->engine, jv_sim_prompt_tokens(&c->prompt) - cached);
}

/* ---- non-streaming ----------------------------------------------------- */

static enum MHD_Result chat_blocking(struct jv_sim_server *s, struct MHD_Connection *conn,
                                     struct chat *c, double arrival)
{
    if (!jv_sim_engine_admit(s->engine))
        return MHD_NO;
    bool ok = run_prefill(s, c);
    double ttft_at = mono(), clock = ttft_at;
    for (guint i = 1; ok && i < c->pieces->len; i += 16) {
        long n = (long)MIN(16u, c->pieces->len - i);
        ok = jv_sim_engine_decode(s->engine, n, &clock);
    }
    jv_sim_engine_leave(s->engine);
    if (!ok)
        return MHD_NO;
    GString *text = g_string_new(NULL);
    for (guint i = 0; i < c->pieces->len; i++)
        g_string_append(text, g_ptr_array_index(c->pieces, i));
    json_t *obj = json_pack("{s:s,s:s,s:I,s:s,s:[{s:i,s:{s:s,s:s%,s:[]},s:n,s:s,s:n}],s:o}", "id",
                            c->id, "object", "chat.completion", "created", (json_int_t)c->created,
                            "model", c->model, "choices", "index", 0, "message", "role",
                            "assistant", "content", text->str, text->len, "tool_calls", "logprobs",
                            "finish_reason", c->finish, "stop_reason", "usage", usage_object(c));
    g_string_free(text, TRUE);
    record_success(s, c, arrival, ttft_at);
    if (fault_fires(s, JV_SIM_FAULT_CUT_STREAM, c->reqno)) {
        /* The connection closes without a reply. */
        json_decref(obj);
        return MHD_NO;
    }
    return send_json(conn, 200, obj, NULL);
}

/* ---- streaming --------------------------------------------------------- */

enum phase { PH_START, PH_DECODE, PH_FINISH, PH_END };

struct stream {
    struct jv_sim_server *s;
    struct chat *c;
    double arrival, ttft_at, clock;
    enum phase phase;
    bool admitted;
    guint next; /* next piece to send */
    GString *out;
    size_t off;
};

static void sse_obj(GString *out, json_t *obj)
{
    char *dump = json_dumps(obj, JSON_PRESERVE_ORDER | JSON_COMPACT);
    json_decref(obj);
    g_string_append(out, "data: ");
    g_string_append(out, dump);
    g_string_append(out, "\n\n");
    free(dump);
}

static json_t *chunk_base(const struct chat *c)
{
    return json_pack("{s:s,s:s,s:I,s:s}", "id", c->id, "object", "chat.completion.chunk", "created",
                     (json_int_t)c->created, "model", c->model);
}

static void sse_delta(GString *out, const struct chat *c, json_t *delta, const char *finish)
{
    json_t *obj = chunk_base(c);
    json_t *choice = json_pack("{s:i,s:o,s:n,s:o}", "index", 0, "delta", delta, "logprobs",
                               "finish_reason", finish ? json_string(finish) : json_null());
    if (finish)
        json_object_set_new(choice, "stop_reason", json_null());
    json_object_set_new(obj, "choices", json_pack("[o]", choice));
    sse_obj(out, obj);
}

/* Produces the next piece of the stream into st->out; false ends with an error. */
static bool stream_produce(struct stream *st)
{
    struct chat *c = st->c;
    struct jv_sim_server *s = st->s;
    switch (st->phase) {
    case PH_START:
        if (!jv_sim_engine_admit(s->engine))
            return false;
        st->admitted = true;
        if (!run_prefill(s, c))
            return false;
        st->ttft_at = st->clock = mono();
        sse_delta(st->out, c, json_pack("{s:s,s:s}", "role", "assistant", "content", ""), NULL);
        sse_delta(st->out, c, json_pack("{s:s}", "content", g_ptr_array_index(c->pieces, 0)), NULL);
        st->next = 1;
        st->phase = PH_DECODE;
        return true;
    case PH_DECODE:
        if (st->next >= c->pieces->len && c->fault_endless) {
            /* A runaway generation: no stop token, max_tokens ignored; the
             * reply starts over, still at the engine's decoding pace. */
            st->next = 0;
        } else if (st->next >= c->pieces->len) {
            st->phase = PH_FINISH;
            return true;
        }
        if (st->next >= c->pieces->len / 2 && (c->fault_cut || c->fault_error_event)) {
            if (c->fault_cut)
                return false;
            sse_obj(st->out,
                    error_object(500, "simulated engine error in the middle of a stream", NULL));
            g_string_append(st->out, "data: [DONE]\n\n");
            jv_sim_engine_leave(s->engine);
            st->admitted = false;
            st->phase = PH_END;
            return true;
        }
        {
            guint n = MIN(CHUNK_TOKENS, c->pieces->len - st->next);
            if (!jv_sim_engine_decode(s->engine, n, &st->clock))
                return false;
            GString *t = g_string_new(NULL);
            for (guint i = 0; i < n; i++)
                g_string_append(t, g_ptr_array_index(c->pieces, st->next + i));
            st->next += n;
            sse_delta(st->out, c, json_pack("{s:s%}", "content", t->str, t->len), NULL);
            g_string_free(t, TRUE);
        }
        return true;
    case PH_FINISH:
        sse_delta(st->out, c, json_object(), c->finish);
        if (c->include_usage) {
            json_t *obj = chunk_base(c);
            json_object_set_new(obj, "choices", json_array());
            json_object_set_new(obj, "usage", usage_object(c));
            sse_obj(st->out, obj);
        }
        g_string_append(st->out, "data: [DONE]\n\n");
        jv_sim_engine_leave(s->engine);
        st->admitted = false;
        record_success(s, c, st->arrival, st->ttft_at);
        st->phase = PH_END;
        return true;
    case PH_END:
        break;
    }
    return true;
}

static ssize_t stream_cb(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    struct stream *st = cls;
    while (st->off >= st->out->len) {
        g_string_truncate(st->out, 0);
        st->off = 0;
        if (st->phase == PH_END)
            return MHD_CONTENT_READER_END_OF_STREAM;
        if (!stream_produce(st))
            return MHD_CONTENT_READER_END_WITH_ERROR;
    }
    size_t n = MIN(max, st->out->len - st->off);
    memcpy(buf, st->out->str + st->off, n);
    st->off += n;
    return (ssize_t)n;
}

static void stream_free(void *cls)
{
    struct stream *st = cls;
    if (st->admitted)
        jv_sim_engine_leave(st->s->engine);
    chat_free(st->c);
    g_string_free(st->out, TRUE);
    g_free(st);
}

static enum MHD_Result chat_stream(struct jv_sim_server *s, struct MHD_Connection *conn,
                                   struct chat *c, double arrival)
{
    c->fault_cut = fault_fires(s, JV_SIM_FAULT_CUT_STREAM, c->reqno);
    if (!c->fault_cut)
        c->fault_error_event = fault_fires(s, JV_SIM_FAULT_ERROR_EVENT, c->reqno);
    if (!c->fault_cut && !c->fault_error_event)
        c->fault_endless = fault_fires(s, JV_SIM_FAULT_ENDLESS_STREAM, c->reqno);
    struct stream *st = g_new0(struct stream, 1);
    st->s = s;
    st->c = c;
    st->arrival = arrival;
    st->out = g_string_new(NULL);
    struct MHD_Response *r =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, stream_cb, st, stream_free);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream; charset=utf-8");
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    enum MHD_Result ret = MHD_queue_response(conn, 200, r);
    MHD_destroy_response(r);
    return ret;
}

/* llama-server's GET /props: what the slots are (total_slots is what clients read). */
static enum MHD_Result handle_props(struct jv_sim_server *s, struct MHD_Connection *conn)
{
    return send_json(conn, 200,
                     json_pack("{s:i, s:s, s:{s:i}, s:s}", "total_slots", s->cfg->max_seqs,
                               "model_path", model_label(s), "default_generation_settings", "n_ctx",
                               32768, "build_info", "judge-vision-sim " JV_VERSION),
                     NULL);
}

/* Ollama-like servers refuse what their queue cannot hold (--max-queue). */
static bool queue_full(struct jv_sim_server *s)
{
    if (s->cfg->max_queue < 0)
        return false;
    struct jv_sim_engine_stats es;
    jv_sim_engine_stats(s->engine, &es);
    return es.running >= s->cfg->max_seqs && es.waiting >= s->cfg->max_queue;
}

static enum MHD_Result handle_chat(struct jv_sim_server *s, struct MHD_Connection *conn,
                                   struct req *rq)
{
    unsigned status;
    const char *param;
    GError *err = NULL;
    struct chat *c = chat_parse(s, rq->body->str, rq->body->len, &status, &param, &err);
    if (!c) {
        enum MHD_Result r = send_error(conn, status, param, "%s", err->message);
        g_error_free(err);
        return r;
    }
    c->reqno = g_atomic_int_add(&s->chat_seq, 1);
    c->created = g_get_real_time() / 1000000;
    c->id = g_strdup_printf("chatcmpl-%08lx%016" G_GINT64_MODIFIER "x", (unsigned long)c->reqno,
                            (gint64)g_get_real_time());

    enum MHD_Result ret;
    const struct jv_sim_config *cfg = s->cfg;
    if (c->reqno < cfg->fail_first) {
        g_mutex_lock(&s->m.lock);
        s->m.faults[JV_SIM_FAULT_FAIL_FIRST]++;
        g_mutex_unlock(&s->m.lock);
        ret = send_error(conn, (unsigned)cfg->fail_first_status, NULL,
                         "simulated failure of request %ld (--fail-first)", c->reqno);
        goto done;
    }
    if (fault_fires(s, JV_SIM_FAULT_429, c->reqno)) {
        char ra[16];
        snprintf(ra, sizeof ra, "%d", cfg->retry_after);
        ret = send_json(conn, 429,
                        error_object(429, "simulated rate limit: too many requests", NULL), ra);
        goto done;
    }
    if (queue_full(s)) {
        g_mutex_lock(&s->m.lock);
        s->m.busy++;
        g_mutex_unlock(&s->m.lock);
        ret = send_error(conn, 503, NULL, "server busy: %d running and %ld waiting (--max-queue)",
                         cfg->max_seqs, cfg->max_queue);
        goto done;
    }
    static const enum jv_sim_fault status_faults[] = {JV_SIM_FAULT_500, JV_SIM_FAULT_502,
                                                      JV_SIM_FAULT_503};
    static const unsigned statuses[] = {500, 502, 503};
    for (size_t i = 0; i < JV_ARRAY_LEN(status_faults); i++) {
        if (fault_fires(s, status_faults[i], c->reqno)) {
            ret = send_error(conn, statuses[i], NULL, "simulated server error %u", statuses[i]);
            goto done;
        }
    }
    if (fault_fires(s, JV_SIM_FAULT_STALL, c->reqno) &&
        !jv_sim_engine_sleep(s->engine, cfg->stall_seconds)) {
        ret = MHD_NO;
        goto done;
    }
    chat_prepare_reply(s, c);
    if (cfg->log_prompts)
        g_printerr("judge-vision-sim: prompt %ld: %s\n", c->reqno, c->text->str);
    if (cfg->verbose) {
        const struct image *imgs = (const struct image *)(const void *)c->images->data;
        g_printerr("judge-vision-sim: request %ld: %ld prompt tokens, %u images, %s, %s, image "
                   "%.12s, seed %" JSON_INTEGER_FORMAT ", arrived %.4f\n",
                   c->reqno, jv_sim_prompt_tokens(&c->prompt), c->images->len,
                   c->pairwise ? "pairwise" : "critique", c->stream ? "stream" : "blocking",
                   c->images->len ? imgs[0].hash : "-", c->seed, rq->arrival);
    }
    if (c->stream)
        return chat_stream(s, conn, c, rq->arrival); /* takes c */
    ret = chat_blocking(s, conn, c, rq->arrival);
done:
    chat_free(c);
    return ret;
}

/* ---- IQA service ------------------------------------------------------- */

static enum MHD_Result handle_infer(struct jv_sim_server *s, struct MHD_Connection *conn,
                                    struct req *rq)
{
    json_error_t jerr;
    json_t *root = json_loadb(rq->body->str, rq->body->len, 0, &jerr);
    if (!json_is_object(root)) {
        json_decref(root);
        return send_error(conn, 400, NULL, "malformed JSON body: %s",
                          root ? "not an object" : jerr.text);
    }
    enum MHD_Result ret;
    guchar *bytes = NULL;
    size_t n = 0;
    const char *b64 = json_string_value(json_object_get(root, "image_b64"));
    const char *path = json_string_value(json_object_get(root, "image_path"));
    if (b64) {
        bytes = b64_decode(b64, strlen(b64), &n);
        if (!bytes) {
            ret = send_error(conn, 400, "image_b64", "image_b64 is not valid base64");
            goto out;
        }
    } else if (path) {
        GError *err = NULL;
        bytes = (guchar *)jv_read_file(path, s->cfg->max_body, &n, &err);
        if (!bytes) {
            ret = send_error(conn, 400, "image_path", "%s", err->message);
            g_error_free(err);
            goto out;
        }
    } else {
        ret = send_error(conn, 400, NULL, "give image_b64 or image_path");
        goto out;
    }
    struct image img;
    GError *err = NULL;
    if (image_probe(bytes, n, &img, &err) < 0) {
        ret = send_error(conn, 400, b64 ? "image_b64" : "image_path", "%s: %s",
                         path ? path : "image_b64", err->message);
        g_error_free(err);
        goto out;
    }
    ret = send_json(
        conn, 200, jv_sim_iqa(&s->cfg->reply, img.hash, jv_sim_quality(&s->truth, img.hash)), NULL);
out:
    g_free(bytes);
    json_decref(root);
    return ret;
}

/* ---- dispatch ---------------------------------------------------------- */

static enum MHD_Result route(struct jv_sim_server *s, struct MHD_Connection *conn, const char *url,
                             const char *method, struct req *rq)
{
    bool get = strcmp(method, "GET") == 0;
    bool post = strcmp(method, "POST") == 0;
    if (rq->too_large)
        return send_error(conn, 413, NULL, "request body larger than %zu bytes", s->cfg->max_body);
    if (strcmp(url, "/health") == 0 && get)
        return send_json(conn, 200, json_pack("{s:s}", "status", "ok"), NULL);
    if (strcmp(url, "/v1/models") == 0 && get)
        return handle_models(s, conn);
    enum jv_sim_mode mode = s->cfg->mode;
    if (strcmp(url, "/metrics") == 0 && get && mode == JV_SIM_MODE_VLLM)
        return handle_metrics(s, conn);
    if (strcmp(url, "/props") == 0 && get && mode == JV_SIM_MODE_LLAMACPP)
        return handle_props(s, conn);
    if (strcmp(url, "/v1/chat/completions") == 0 && post)
        return handle_chat(s, conn, rq);
    if (strcmp(url, "/infer") == 0 && post)
        return handle_infer(s, conn, rq);
    if (strcmp(url, "/shutdown") == 0 && post) {
        rq->shutdown_after = true;
        return send_json(conn, 200, json_pack("{s:s}", "status", "shutting down"), NULL);
    }
    if (get && (strcmp(url, "/metrics") == 0 || strcmp(url, "/props") == 0))
        return send_error(conn, 404, NULL, "no route %s %s (this server is in --mode %s)", method,
                          url, jv_sim_mode_name(mode));
    static const char *const known[] = {"/health", "/v1/models", "/metrics", "/v1/chat/completions",
                                        "/infer",  "/shutdown"};
    for (size_t i = 0; i < JV_ARRAY_LEN(known); i++)
        if (strcmp(url, known[i]) == 0)
            return send_error(conn, 405, NULL, "method %s not allowed on %s", method, url);
    return send_error(conn, 404, NULL, "no route %s %s", method, url);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_size, void **con_cls)
{
    (void)version;
    struct jv_sim_server *s = cls;
    struct req *rq = *con_cls;
    if (!rq) {
        rq = g_new0(struct req, 1);
        rq->body = g_string_new(NULL);
        rq->arrival = mono();
        const char *cl =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && g_ascii_strtoull(cl, NULL, 10) > s->cfg->max_body)
            rq->too_large = true;
        *con_cls = rq;
        g_mutex_lock(&s->m.lock);
        s->m.http_requests++;
        g_mutex_unlock(&s->m.lock);
        return MHD_YES;
    }
    if (*upload_size > 0) {
        if (!rq->too_large) {
            if (rq->body->len + *upload_size > s->cfg->max_body) {
                rq->too_large = true;
                g_string_free(rq->body, TRUE);
                rq->body = g_string_new(NULL);
            } else {
                g_string_append_len(rq->body, upload_data, (gssize)*upload_size);
            }
        }
        *upload_size = 0;
        return MHD_YES;
    }
    return route(s, conn, url, method, rq);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)conn;
    struct jv_sim_server *s = cls;
    struct req *rq = *con_cls;
    if (!rq)
        return;
    if (rq->shutdown_after && toe == MHD_REQUEST_TERMINATED_COMPLETED_OK && s->on_shutdown)
        s->on_shutdown(s->shutdown_data);
    g_string_free(rq->body, TRUE);
    g_free(rq);
    *con_cls = NULL;
}

struct jv_sim_server *jv_sim_server_start(const struct jv_sim_config *cfg,
                                          void (*on_shutdown)(void *), void *data, GError **err)
{
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)cfg->port);
    if (inet_pton(AF_INET, cfg->host, &addr.sin_addr) != 1) {
        g_set_error(err, JV_ERROR, JV_ERR_USAGE, "--host %s is not an IPv4 address", cfg->host);
        return NULL;
    }
    struct jv_sim_server *s = g_new0(struct jv_sim_server, 1);
    s->cfg = cfg;
    s->on_shutdown = on_shutdown;
    s->shutdown_data = data;
    g_mutex_init(&s->m.lock);
    s->m.ttft.le = ttft_buckets;
    s->m.ttft.n = JV_ARRAY_LEN(ttft_buckets);
    s->m.e2e.le = e2e_buckets;
    s->m.e2e.n = JV_ARRAY_LEN(e2e_buckets);
    jv_sim_truth_init(&s->truth);
    if (cfg->truth_path && jv_sim_truth_load(&s->truth, cfg->truth_path, err) < 0)
        goto fail;
    s->engine = jv_sim_engine_new(cfg->max_seqs, cfg->time_scale, cfg->cache_blocks);
    s->daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ITC, 0, NULL,
        NULL, on_request, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned int)0, MHD_OPTION_END);
    if (!s->daemon) {
        g_set_error(err, JV_ERROR, JV_ERR_IO, "cannot listen on %s:%d", cfg->host, cfg->port);
        goto fail;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : cfg->port;
    return s;
fail:
    jv_sim_engine_free(s->engine);
    jv_sim_truth_release(&s->truth);
    g_mutex_clear(&s->m.lock);
    g_free(s);
    return NULL;
}

int jv_sim_server_port(const struct jv_sim_server *s)
{
    return s->port;
}

void jv_sim_server_stop(struct jv_sim_server *s)
{
    if (!s)
        return;
    jv_sim_engine_shutdown(s->engine);
    MHD_stop_daemon(s->daemon);
    jv_sim_engine_free(s->engine);
    jv_sim_truth_release(&s->truth);
    g_mutex_clear(&s->m.lock);
    g_free(s);
}
