/*
 * judge-vision-sim - an OpenAI-compatible VLM simulator for Judge Vision's
 * tests, benchmarks and demo (doc/SPEC.md 7). It is not a model: its critiques are
 * templates and say so.
 *
 *   judge-vision-sim [serve options]          serve until SIGTERM/SIGINT or POST /shutdown
 *   judge-vision-sim truth -i DIR -o FILE [--human CSV]   a truth file (and "human" marks)
 *
 * With --port 0 the server picks a free port; in every case it prints exactly
 * one line "http://HOST:PORT" on stdout once it accepts connections.
 */
#include "core/jv.h"

#include <glib-unix.h>
#include <math.h>
#include <signal.h>
#include <vips/vips.h>

#include "core/fsutil.h"
#include "core/hash.h"
#include "replies.h"
#include "server.h"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

static GMainLoop *main_loop;

static gboolean on_signal(gpointer data)
{
    (void)data;
    g_main_loop_quit(main_loop);
    return G_SOURCE_CONTINUE;
}

static gboolean quit_idle(gpointer data)
{
    (void)data;
    g_main_loop_quit(main_loop);
    return G_SOURCE_REMOVE;
}

/* Called from a server thread after POST /shutdown was answered. */
static void on_shutdown_request(void *data)
{
    (void)data;
    g_idle_add(quit_idle, NULL);
}

/* ---- truth ------------------------------------------------------------- */

struct truth_entry {
    char hash[JV_CONTENT_HASH_LEN];
    double key;
    char *rel;   /* path under DIR (owned) */
    double q;    /* the quality written */
    int human;   /* the human mark */
    int placing; /* 1..3 within its folder by human mark, else 0 */
};

static bool is_image_name(const char *name)
{
    static const char *const exts[] = {".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp"};
    char *lower = g_ascii_strdown(name, -1);
    bool yes = false;
    for (size_t i = 0; i < JV_ARRAY_LEN(exts) && !yes; i++)
        yes = g_str_has_suffix(lower, exts[i]);
    g_free(lower);
    return yes && name[0] != '.';
}

static int collect(const char *root, const char *dir, GArray *out, GHashTable *seen, GError **err)
{
    GDir *d = g_dir_open(dir, 0, err);
    if (!d)
        return -1;
    const char *name;
    int rc = 0;
    while (rc == 0 && (name = g_dir_read_name(d))) {
        char *path = g_build_filename(dir, name, NULL);
        if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
            if (name[0] != '.')
                rc = collect(root, path, out, seen, err);
        } else if (is_image_name(name) && g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
            struct truth_entry e = {.rel = NULL};
            rc = jv_hash_file(path, e.hash, err);
            if (rc == 0 && !g_hash_table_contains(seen, e.hash)) {
                size_t skip = strlen(root);
                while (path[skip] == G_DIR_SEPARATOR)
                    skip++;
                e.rel = g_strdup(path + skip);
                g_hash_table_add(seen, g_strdup(e.hash));
                g_array_append_val(out, e);
            }
        }
        g_free(path);
    }
    g_dir_close(d);
    return rc;
}

static gint by_key(gconstpointer a, gconstpointer b)
{
    const struct truth_entry *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return strcmp(x->hash, y->hash);
}

static gint by_folder_mark(gconstpointer a, gconstpointer b)
{
    const struct truth_entry *x = *(const struct truth_entry *const *)a;
    const struct truth_entry *y = *(const struct truth_entry *const *)b;
    char *dx = g_path_get_dirname(x->rel), *dy = g_path_get_dirname(y->rel);
    int c = strcmp(dx, dy);
    g_free(dx);
    g_free(dy);
    if (c)
        return c;
    if (x->human != y->human)
        return x->human > y->human ? -1 : 1;
    if (x->q != y->q)
        return x->q > y->q ? -1 : 1;
    return strcmp(x->rel, y->rel);
}

/* A CSV field, quoted when it holds a comma, quote or line break. */
static void csv_field(GString *g, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        g_string_append(g, s);
        return;
    }
    g_string_append_c(g, '"');
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            g_string_append_c(g, '"');
        g_string_append_c(g, *p);
    }
    g_string_append_c(g, '"');
}

/*
 * The "human" judges' results for the entries of `list` (q and rel set):
 * CSV file,score,award,placing (file relative to DIR), a mark per entry from
 * jv_sim_human_score() with its own noise, the award from the mark, and
 * placings 1-3 per folder by mark. Returns the owned text.
 */
static char *human_csv(GArray *list, guint64 seed, double noise)
{
    GPtrArray *order = g_ptr_array_new();
    for (guint i = 0; i < list->len; i++) {
        struct truth_entry *e = &g_array_index(list, struct truth_entry, i);
        e->human = jv_sim_human_score(seed, e->hash, e->q, noise);
        g_ptr_array_add(order, e);
    }
    g_ptr_array_sort(order, by_folder_mark);
    char *folder = NULL;
    int place = 0;
    for (guint i = 0; i < order->len; i++) {
        struct truth_entry *e = g_ptr_array_index(order, i);
        char *d = g_path_get_dirname(e->rel);
        if (!folder || strcmp(folder, d) != 0) {
            g_free(folder);
            folder = g_strdup(d);
            place = 0;
        }
        g_free(d);
        e->placing = ++place <= 3 ? place : 0;
    }
    g_free(folder);
    GString *g = g_string_new("file,score,award,placing\n");
    for (guint i = 0; i < order->len; i++) {
        const struct truth_entry *e = g_ptr_array_index(order, i);
        csv_field(g, e->rel);
        g_string_append_printf(g, ",%d,", e->human);
        csv_field(g, jv_sim_human_award(e->human));
        if (e->placing)
            g_string_append_printf(g, ",%d\n", e->placing);
        else
            g_string_append(g, ",\n");
    }
    g_ptr_array_unref(order);
    return g_string_free(g, FALSE);
}

/*
 * judge-vision-sim truth -i DIR -o FILE [--seed N]: hashes every image under
 * DIR and writes FILE, {content hash: quality}, the qualities spread evenly
 * over 0..1 in a seeded order. Returns the exit code.
 */
static int cmd_truth(int argc, char **argv)
{
    char *in_dir = NULL, *out_path = NULL, *human_path = NULL;
    gint64 seed = 0;
    double human_noise = 1.0;
    GOptionEntry entries[] = {
        {"human", 0, 0, G_OPTION_ARG_FILENAME, &human_path,
         "Also write the \"human\" judges' results (CSV file,score,award,placing)", "CSV"},
        {"human-noise", 0, 0, G_OPTION_ARG_DOUBLE, &human_noise,
         "SD of the human marks' own noise in points (default 1.0)", "SD"},
        {"input-dir", 'i', 0, G_OPTION_ARG_FILENAME, &in_dir, "Folder of images (recursive)",
         "DIR"},
        {"output", 'o', 0, G_OPTION_ARG_FILENAME, &out_path, "Truth file to write (JSON)", "FILE"},
        {"seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Seed of the qualities (default 0)", "N"},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    GOptionContext *ctx = g_option_context_new("- write a simulator truth file for a folder");
    g_option_context_set_summary(
        ctx, "Maps each image's content hash (xxh3-128 of the file bytes) to a hidden quality in "
             "0..1,\nspread evenly over the images (stratified by a seeded hash draw).");
    g_option_context_add_main_entries(ctx, entries, NULL);
    GError *err = NULL;
    int rc = EXIT_OK;
    GArray *list = g_array_new(FALSE, FALSE, sizeof(struct truth_entry));
    GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
        g_printerr("judge-vision-sim truth: %s\n", err->message);
        rc = EXIT_USAGE;
        goto out;
    }
    if (!in_dir || !out_path || argc > 1) {
        g_printerr("judge-vision-sim truth: need -i DIR and -o FILE\n");
        rc = EXIT_USAGE;
        goto out;
    }
    if (collect(in_dir, in_dir, list, seen, &err) < 0) {
        g_printerr("judge-vision-sim truth: %s\n", err->message);
        rc = EXIT_FAIL;
        goto out;
    }
    for (guint i = 0; i < list->len; i++) {
        struct truth_entry *e = &g_array_index(list, struct truth_entry, i);
        e->key = jv_sim_quality_from_hash(e->hash, (guint64)seed);
    }
    g_array_sort(list, by_key);
    json_t *obj = json_object();
    for (guint i = 0; i < list->len; i++) {
        struct truth_entry *e = &g_array_index(list, struct truth_entry, i);
        double jitter = 0.1 + 0.8 * jv_sim_uniform((guint64)seed, e->hash, "truth-jitter");
        double q = ((double)i + jitter) / (double)list->len;
        e->q = round(q * 1e6) / 1e6;
        json_object_set_new(obj, e->hash, json_real(e->q));
    }
    char *dump = json_dumps(obj, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(6));
    json_decref(obj);
    GString *text = g_string_new(dump);
    free(dump);
    g_string_append_c(text, '\n');
    if (jv_write_file_atomic(out_path, text->str, text->len, &err) < 0) {
        g_printerr("judge-vision-sim truth: %s\n", err->message);
        rc = EXIT_FAIL;
    } else {
        g_printerr("judge-vision-sim truth: %u images -> %s\n", list->len, out_path);
    }
    g_string_free(text, TRUE);
    if (rc == EXIT_OK && human_path) {
        char *csv = human_csv(list, (guint64)seed, human_noise);
        if (jv_write_file_atomic(human_path, csv, strlen(csv), &err) < 0) {
            g_printerr("judge-vision-sim truth: %s\n", err->message);
            rc = EXIT_FAIL;
        }
        g_free(csv);
    }
out:
    g_clear_error(&err);
    for (guint i = 0; i < list->len; i++)
        g_free(g_array_index(list, struct truth_entry, i).rel);
    g_array_free(list, TRUE);
    g_hash_table_destroy(seen);
    g_option_context_free(ctx);
    g_free(in_dir);
    g_free(out_path);
    g_free(human_path);
    return rc;
}

/* ---- serve ------------------------------------------------------------- */

/* The range of one numeric serve option (GOptionEntry has none of its own). */
struct sim_range {
    const char *name; /* the entry's long name */
    double lo, hi;
};

static const struct sim_range serve_ranges[] = {
    {"port", 0, 65535},
    {"max-seqs", 1, INFINITY},
    {"time-scale", 0, INFINITY},
    {"score-noise", 0, INFINITY},
    {"pairwise-noise", 0, INFINITY},
    {"position-bias", -1, 1},
    {"category-bias-sd", 0, 20},
    {"cache-blocks", 0, INFINITY},
    {"max-body-bytes", 1, INFINITY},
    {"fail-500", 0, 1},
    {"fail-502", 0, 1},
    {"fail-503", 0, 1},
    {"fail-429", 0, 1},
    {"retry-after", 0, INFINITY},
    {"stall", 0, 1},
    {"stall-seconds", 0, INFINITY},
    {"cut-stream", 0, 1},
    {"malformed-json", 0, 1},
    {"prose", 0, 1},
    {"truncate", 0, 1},
    {"error-event", 0, 1},
    {"fail-first", 0, INFINITY},
    {"fail-first-status", 400, 599},
    {"max-queue", -1, INFINITY},
};

/* The parsed value of a numeric entry. */
static double entry_value(const GOptionEntry *e)
{
    switch (e->arg) {
    case G_OPTION_ARG_INT:
        return *(const int *)e->arg_data;
    case G_OPTION_ARG_INT64:
        return (double)*(const gint64 *)e->arg_data;
    default:
        return *(const double *)e->arg_data;
    }
}

/* Checks every ranged entry; false (with a message naming the option) if one is outside. */
static bool check_ranges(const GOptionEntry *entries)
{
    for (size_t i = 0; i < JV_ARRAY_LEN(serve_ranges); i++) {
        const struct sim_range *r = &serve_ranges[i];
        const GOptionEntry *e = entries;
        while (e->long_name && strcmp(e->long_name, r->name) != 0)
            e++;
        if (!e->long_name)
            continue;
        double v = entry_value(e);
        if (!(v >= r->lo && v <= r->hi)) {
            if (isinf(r->hi))
                g_printerr("judge-vision-sim: --%s must be at least %g (got %g)\n", r->name, r->lo,
                           v);
            else
                g_printerr("judge-vision-sim: --%s must be in %g..%g (got %g)\n", r->name, r->lo,
                           r->hi, v);
            return false;
        }
    }
    return true;
}

static bool parse_mode(const char *name, enum jv_sim_mode *out)
{
    for (int m = JV_SIM_MODE_VLLM; m <= JV_SIM_MODE_OLLAMA; m++)
        if (strcmp(name, jv_sim_mode_name((enum jv_sim_mode)m)) == 0) {
            *out = (enum jv_sim_mode)m;
            return true;
        }
    return false;
}

/*
 * After parsing: --version (prints it, returns 1), a stray operand, a value
 * out of range or an unknown --mode (message, returns -1); else 0 with the
 * mode in *mode_out.
 */
static int check_parsed(const GOptionEntry *entries, const GOptionEntry *faults, gboolean version,
                        int argc, char **argv, const char *mode, enum jv_sim_mode *mode_out)
{
    if (version) {
        printf("judge-vision-sim %s\n", JV_VERSION);
        return 1;
    }
    if (argc > 1) {
        g_printerr("judge-vision-sim: unexpected argument '%s'\n", argv[1]);
        return -1;
    }
    if (!check_ranges(entries) || !check_ranges(faults))
        return -1;
    if (mode && !parse_mode(mode, mode_out)) {
        g_printerr("judge-vision-sim: --mode must be vllm, llamacpp or ollama (got '%s')\n", mode);
        return -1;
    }
    return 0;
}

/* Serves `cfg` until SIGTERM, SIGINT or POST /shutdown; returns the exit code. */
static int serve_until_stopped(const struct jv_sim_config *cfg, GError **err)
{
    int rc = EXIT_OK;
    signal(SIGPIPE, SIG_IGN);
    main_loop = g_main_loop_new(NULL, FALSE);
    guint sig_term = g_unix_signal_add(SIGTERM, on_signal, NULL);
    guint sig_int = g_unix_signal_add(SIGINT, on_signal, NULL);
    struct jv_sim_server *srv = jv_sim_server_start(cfg, on_shutdown_request, NULL, err);
    if (!srv) {
        g_printerr("judge-vision-sim: %s\n", (*err)->message);
        rc = EXIT_FAIL;
    } else {
        printf("http://%s:%d\n", cfg->host, jv_sim_server_port(srv));
        fflush(stdout);
        g_main_loop_run(main_loop);
        jv_sim_server_stop(srv);
    }
    g_source_remove(sig_term);
    g_source_remove(sig_int);
    g_main_loop_unref(main_loop);
    main_loop = NULL;
    return rc;
}

/* The fault options (their values land in cfg, --fail-first in *fail_first). */
#define N_FAULT_ENTRIES 15
static void fault_entries(GOptionEntry out[N_FAULT_ENTRIES + 1], struct jv_sim_config *cfg,
                          gint64 *fail_first)
{
    const GOptionEntry entries[] = {
        {"fail-500", 0, 0, G_OPTION_ARG_DOUBLE, &cfg->fault_rate[JV_SIM_FAULT_500],
         "Rate of 500 errors", "R"},
        {"fail-502", 0, 0, G_OPTION_ARG_DOUBLE, &cfg->fault_rate[JV_SIM_FAULT_502],
         "Rate of 502 errors", "R"},
        {"fail-503", 0, 0, G_OPTION_ARG_DOUBLE, &cfg->fault_rate[JV_SIM_FAULT_503],
         "Rate of 503 errors", "R"},
        {"fail-429", 0, 0, G_OPTION_ARG_DOUBLE, &cfg->fault_rate[JV_SIM_FAULT_429],
         "Rate of 429 errors (with Retry-After)", "R"},
        {"retry-after", 0, 0, G_OPTION_ARG_INT, &cfg->retry_after,
         "Retry-After seconds of 429 replies (default 1)", "S"},
        {"stall", 0, 0, G_OPTION_ARG_DOUBLE, &cfg->fault_rate[JV_SIM_FAULT_STALL],
         "Rate of requests held for --stall-seconds before any answer", "R"},
        {"stall-seconds", 0, 0, G_OPTION_ARG_DOUBLE, &cfg->stall_seconds,
         "Length of a stall, scaled by --time-scale (default 300)", "S"},
        {"cut-stream", 0, 0, G_OPTION_ARG_DOUBLE, &cfg->fault_rate[JV_SIM_FAULT_CUT_STREAM],
         "Rate of replies cut half-way (stream: no [DONE]; blocking: connection closed)", "R"},
        {"malformed-json", 0, 0, G_OPTION_ARG_DOUBLE, &cfg->fault_rate[JV_SIM_FAULT_MALFORMED_JSON],
         "Rate of replies whose content is broken JSON", "R"},
        {"prose", 0, 0, G_OPTION_ARG_DOUBLE, &cfg->fault_rate[JV_SIM_FAULT_PROSE],
         "Rate of replies in prose instead of JSON", "R"},
        {"truncate", 0, 0, G_OPTION_ARG_DOUBLE, &cfg->fault_rate[JV_SIM_FAULT_TRUNCATE],
         "Rate of replies cut with finish_reason length", "R"},
        {"error-event", 0, 0, G_OPTION_ARG_DOUBLE, &cfg->fault_rate[JV_SIM_FAULT_ERROR_EVENT],
         "Rate of streams that send an error event after starting", "R"},
        {"endless-stream", 0, 0, G_OPTION_ARG_DOUBLE, &cfg->fault_rate[JV_SIM_FAULT_ENDLESS_STREAM],
         "Rate of streams that never end (valid deltas, the reply repeated, no [DONE])", "R"},
        {"fail-first", 0, 0, G_OPTION_ARG_INT64, fail_first,
         "Fail the first N chat requests (default 0)", "N"},
        {"fail-first-status", 0, 0, G_OPTION_ARG_INT, &cfg->fail_first_status,
         "HTTP status of --fail-first failures (default 503)", "CODE"},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    G_STATIC_ASSERT(G_N_ELEMENTS(entries) == N_FAULT_ENTRIES + 1);
    memcpy(out, entries, sizeof entries);
}

static const char serve_summary[] =
    "An OpenAI-compatible server that behaves like vLLM serving a vision model, with\n"
    "deterministic template replies, a calibrated latency model and fault injection.\n"
    "Prints one line http://HOST:PORT on stdout when ready.\n"
    "Endpoints: GET /health /v1/models /metrics (vllm mode) /props (llamacpp mode), POST\n"
    "/v1/chat/completions /infer /shutdown.\n"
    "`judge-vision-sim truth --help` describes the truth-file command.";

/*
 * judge-vision-sim [serve options]: parses the options (GOptionEntry, ranges
 * from serve_ranges) into a jv_sim_config and serves. Returns the exit code.
 */
static int cmd_serve(int argc, char **argv)
{
    struct jv_sim_config cfg;
    jv_sim_config_init(&cfg);
    gint64 seed = 0, max_body = (gint64)cfg.max_body, cache_blocks = cfg.cache_blocks,
           fail_first = 0;
    int port = 0, max_seqs = cfg.max_seqs;
    char *host = NULL, *model = NULL, *truth = NULL, *mode = NULL, *category_bias = NULL;
    gint64 max_queue = -1;
    gboolean version = FALSE, verbose = FALSE, log_prompts = FALSE;
    GOptionEntry faults[N_FAULT_ENTRIES + 1];
    fault_entries(faults, &cfg, &fail_first);
    GOptionEntry entries[] = {
        {"host", 0, 0, G_OPTION_ARG_STRING, &host, "IPv4 address to bind (default 127.0.0.1)",
         "ADDR"},
        {"port", 'p', 0, G_OPTION_ARG_INT, &port, "Port (default 0: a free port)", "N"},
        {"model-name", 0, 0, G_OPTION_ARG_STRING, &model,
         "Served model name; requests for another model get 404 (default: accept any)", "NAME"},
        {"max-seqs", 0, 0, G_OPTION_ARG_INT, &max_seqs,
         "Sequences in the continuous batch (default 16)", "N"},
        {"mode", 0, 0, G_OPTION_ARG_STRING, &mode,
         "vllm (/metrics), llamacpp (/props total_slots) or ollama (neither) (default vllm)", "M"},
        {"max-queue", 0, 0, G_OPTION_ARG_INT64, &max_queue,
         "Chat requests that may wait for the batch; more get 503 (default -1: any)", "N"},
        {"time-scale", 0, 0, G_OPTION_ARG_DOUBLE, &cfg.time_scale,
         "Multiply every delay (default 1; 0.01 for tests)", "X"},
        {"seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Seed of noise and faults (default 0)", "N"},
        {"truth", 0, 0, G_OPTION_ARG_FILENAME, &truth,
         "JSON {content hash: quality 0..1} (default: qualities from the hashes)", "FILE"},
        {"score-noise", 0, 0, G_OPTION_ARG_DOUBLE, &cfg.reply.score_noise,
         "SD of the critique score noise in points (default 1.0)", "SD"},
        {"sample-share", 0, 0, G_OPTION_ARG_DOUBLE, &cfg.reply.sample_share,
         "Share of the score noise's variance drawn per request from its seed and prompt; the "
         "rest is the image's own (default 0.5)",
         "F"},
        {"category-bias", 0, 0, G_OPTION_ARG_STRING, &category_bias,
         "The model's leniency (+) or harshness (-) by category, added to its score before "
         "rounding: NAME=POINTS,... (e.g. Mono=-2,Nature=+1; names as the prompt's category "
         "line, case aside; default none)",
         "LIST"},
        {"category-bias-sd", 0, 0, G_OPTION_ARG_DOUBLE, &cfg.reply.category_bias_sd,
         "SD of a seeded offset for every category not in --category-bias (default 0)", "SD"},
        {"pairwise-noise", 0, 0, G_OPTION_ARG_DOUBLE, &cfg.reply.pairwise_noise,
         "P(A wins) = sigmoid((qA - qB) / NOISE) (default 0.1)", "NOISE"},
        {"position-bias", 0, 0, G_OPTION_ARG_DOUBLE, &cfg.reply.position_bias,
         "Extra probability that Entry A wins (default 0)", "B"},
        {"cache-blocks", 0, 0, G_OPTION_ARG_INT64, &cache_blocks,
         "Prefix-cache capacity in 16-token blocks (default 8192)", "N"},
        {"max-body-bytes", 0, 0, G_OPTION_ARG_INT64, &max_body,
         "Largest request body; larger gets 413 (default 64 MiB)", "N"},
        {"verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose,
         "Log each request on stderr (arrival on the monotonic clock, image hash, seed)", NULL},
        {"log-prompts", 0, 0, G_OPTION_ARG_NONE, &log_prompts,
         "Log the text of each chat request on stderr (tests: what the judge was told)", NULL},
        {"version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version", NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    GOptionContext *ctx =
        g_option_context_new("[truth -i DIR -o FILE] - Judge Vision's VLM simulator");
    g_option_context_set_summary(ctx, serve_summary);
    g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_add_main_entries(ctx, faults, NULL);
    GError *err = NULL;
    int rc = EXIT_OK;
    if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
        g_printerr("judge-vision-sim: %s\n", err->message);
        rc = EXIT_USAGE;
        goto out;
    }
    int ok = check_parsed(entries, faults, version, argc, argv, mode, &cfg.mode);
    if (ok == 0 && category_bias && jv_sim_category_bias_parse(&cfg.reply, category_bias, &err))
        ok = -1;
    if (ok != 0) {
        if (err)
            g_printerr("judge-vision-sim: %s\n", err->message);
        rc = ok < 0 ? EXIT_USAGE : EXIT_OK;
        goto out;
    }
    cfg.max_queue = (long)max_queue;
    if (host) {
        g_free(cfg.host);
        cfg.host = g_steal_pointer(&host);
    }
    cfg.model_name = g_steal_pointer(&model);
    cfg.truth_path = g_steal_pointer(&truth);
    cfg.port = port;
    cfg.max_seqs = max_seqs;
    cfg.reply.seed = (guint64)seed;
    cfg.max_body = (size_t)max_body;
    cfg.cache_blocks = (long)cache_blocks;
    cfg.fail_first = (long)fail_first;
    cfg.verbose = verbose;
    cfg.log_prompts = log_prompts;

    rc = serve_until_stopped(&cfg, &err);
out:
    g_clear_error(&err);
    g_option_context_free(ctx);
    g_free(host);
    g_free(model);
    g_free(truth);
    g_free(mode);
    g_free(category_bias);
    jv_sim_config_release(&cfg);
    return rc;
}

int main(int argc, char **argv)
{
    if (VIPS_INIT(argv[0]))
        return EXIT_FAIL;
    int rc = (argc > 1 && strcmp(argv[1], "truth") == 0) ? cmd_truth(argc - 1, argv + 1)
                                                         : cmd_serve(argc, argv);
    vips_shutdown();
    return rc;
}
