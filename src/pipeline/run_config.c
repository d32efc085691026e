/* run_config.c - the one table of `run` options and the run config built from it. */
#include "core/jv.h"

#include <unistd.h>

#include "core/log.h"
#include "outputs/round.h"
#include "net/capacity.h"
#include "net/http.h"
#include "pipeline/run_config.h"

#define F(member) offsetof(struct jv_run_config, member)

/* The enum fields are written as int by core/optparse. */
_Static_assert(sizeof(enum jv_stage_mode) == sizeof(int), "enum jv_stage_mode is int-sized");
_Static_assert(sizeof(enum jv_structured_output) == sizeof(int), "structured output int-sized");
_Static_assert(sizeof(enum jv_playoff_schedule) == sizeof(int), "schedule int-sized");

#define DEFAULT_BASE_URL "http://127.0.0.1:8000/v1"

static const char *const stage_names[] = {
    [JV_STAGE_FULL] = "full",         [JV_STAGE_IQA] = "iqa",
    [JV_STAGE_CRITIQUE] = "critique", [JV_STAGE_PLAYOFF] = "pairwise",
    [JV_STAGE_TWO_PASS] = "two-pass",
};

const char *jv_stage_mode_name(enum jv_stage_mode m)
{
    return stage_names[m];
}

static const struct jv_opt_choice auto_choice[] = {
    {"auto", JV_CONCURRENCY_AUTO, false},
    {NULL, 0, false},
};

static const struct jv_opt_choice stage_choices[] = {
    {"iqa", JV_STAGE_IQA, false},          {"critique", JV_STAGE_CRITIQUE, false},
    {"pairwise", JV_STAGE_PLAYOFF, false}, {"two-pass", JV_STAGE_TWO_PASS, false},
    {"full", JV_STAGE_FULL, false},        {NULL, 0, false},
};

static const struct jv_opt_choice log_level_choices[] = {
    {"debug", JV_LOG_DEBUG, false}, {"info", JV_LOG_INFO, false},   {"warn", JV_LOG_WARN, false},
    {"error", JV_LOG_ERROR, false}, {"warning", JV_LOG_WARN, true}, {NULL, 0, false},
};

static const struct jv_opt_choice backend_choices[] = {
    {"vllm", 0, false},   {"ollama", 0, false}, {"llamacpp", 0, false},
    {"openai", 0, false}, {NULL, 0, false},
};

static const struct jv_opt_choice structured_choices[] = {
    {"json_schema", JV_STRUCTURED_JSON_SCHEMA, false},
    {"json_object", JV_STRUCTURED_JSON_OBJECT, false},
    {"none", JV_STRUCTURED_NONE, false},
    {NULL, 0, false},
};

static const struct jv_opt_choice combine_choices[] = {
    {"median", JV_PANEL_MEDIAN, false},
    {"sum", JV_PANEL_SUM, false},
    {NULL, 0, false},
};

static const struct jv_opt_choice schedule_choices[] = {
    {"eig", JV_SCHEDULE_EIG, false},
    {"swiss", JV_SCHEDULE_SWISS, false},
    {"random", JV_SCHEDULE_RANDOM, false},
    {NULL, 0, false},
};

static const char *const fast_also[] = {"disable-musiq", "disable-tonal", NULL};

#define G_INPUT "Input"
#define G_OUT   "Outputs"
#define G_IQA   "Stage 1 (image quality)"
#define G_CRIT  "Stage 2 (critique)"
#define G_PLAY  "Stage 3 (playoff)"
#define G_DURA  "Durability and telemetry"

/*
 * Every `run` option, in the order of the help and of the manifest's
 * `parameters` (which hold the options that have a key).
 */
/* clang-format off */
static const struct jv_option run_options[] = {
    /* input */
    {.long_name = "input-dir", .short_name = 'i', .kind = JV_OPT_STRV, .offset = F(input_dirs),
     .metavar = "PATH", .help = "photo folder or single file, required", .group = G_INPUT,
     .key = "input_dirs"},
    {.long_name = "recursive", .kind = JV_OPT_TRUE, .offset = F(recursive),
     .help = "descend into sub-folders", .group = G_INPUT, .key = "recursive", .def.b = true},
    {.long_name = "no-recursive", .kind = JV_OPT_FALSE, .offset = F(recursive),
     .help = "only the given folders' own files", .group = G_INPUT, .def.b = true},
    {.long_name = "follow-symlinks", .kind = JV_OPT_TRUE, .offset = F(follow_symlinks),
     .help = "also follow links out of the input folders", .group = G_INPUT,
     .key = "follow_symlinks"},
    {.long_name = "stage", .kind = JV_OPT_ENUM, .offset = F(stage), .metavar = "MODE",
     .help = "what to run; full overlaps IQA and critique", .group = G_INPUT, .key = "stage",
     .choices = stage_choices, .def.i = JV_STAGE_FULL},
    {.long_name = "competition-config", .kind = JV_OPT_STRING, .offset = F(competition_config),
     .metavar = "F", .help = "competition registry (TOML)", .group = G_INPUT,
     .key = "competition_config"},
    {.long_name = "competition", .kind = JV_OPT_STRING, .offset = F(competition_id),
     .metavar = "ID", .help = "competition id in the registry", .group = G_INPUT,
     .key = "competition"},
    {.long_name = "entries", .kind = JV_OPT_STRING, .offset = F(entries), .metavar = "F",
     .help = "entry list CSV: file, author, [title], [category]", .group = G_INPUT,
     .key = "entries"},
    {.long_name = "critique-category", .kind = JV_OPT_STRING, .offset = F(iqa.category_override),
     .metavar = "C", .help = "force this category for every image", .group = G_INPUT,
     .key = "critique_category"},
    {.long_name = "critique-notes", .kind = JV_OPT_STRING, .offset = F(critique.notes),
     .metavar = "TEXT", .help = "extra notes passed to the judge", .group = G_INPUT,
     .key = "critique_notes"},
    /* outputs */
    {.long_name = "output-dir", .kind = JV_OPT_STRING, .offset = F(outputs.dir),
     .metavar = "DIR", .help = "where the rounds' files go", .group = G_OUT, .key = "output_dir",
     .def.s = JV_LAYOUT_ROOT},
    {.long_name = "round", .kind = JV_OPT_STRING, .offset = F(outputs.round), .metavar = "NAME",
     .help = "the round: its files are DIR/results/NAME.jsonl, ...", .group = G_OUT,
     .key = "round", .def_text = "the competition and the date, or the folder's name"},
    {.long_name = "output-jsonl", .kind = JV_OPT_STRING, .offset = F(outputs.results),
     .metavar = "FILE", .help = "results", .group = G_OUT, .key = "output_jsonl",
     .def_text = "DIR/results/NAME.jsonl"},
    {.long_name = "summary", .kind = JV_OPT_STRING, .offset = F(outputs.summary), .metavar = "FILE",
     .help = "Markdown summary", .group = G_OUT, .key = "summary",
     .def_text = "DIR/summaries/NAME_summary.md"},
    {.long_name = "progress-file", .kind = JV_OPT_STRING, .offset = F(outputs.progress),
     .metavar = "FILE", .help = "progress JSON", .group = G_OUT, .key = "progress_file",
     .def_text = "DIR/metrics/NAME_progress.json"},
    {.long_name = "iqa-cache", .kind = JV_OPT_STRING, .offset = F(outputs.iqa_cache),
     .metavar = "FILE", .help = "IQA cache, shared by the rounds", .group = G_OUT,
     .key = "iqa_cache", .def_text = "DIR/" JV_LAYOUT_IQA_REL},
    {.long_name = "log-file", .kind = JV_OPT_STRING, .offset = F(outputs.log_file),
     .metavar = "FILE", .help = "JSON-lines log", .group = G_OUT, .key = "log_file",
     .def_text = "DIR/logs/NAME.log"},
    {.long_name = "log-level", .kind = JV_OPT_ENUM, .offset = F(outputs.log_level),
     .metavar = "LEVEL", .help = "least important log event written", .group = G_OUT,
     .choices = log_level_choices, .def.i = JV_LOG_INFO, .flags = JV_OPTF_NOCASE},
    {.long_name = "quiet", .kind = JV_OPT_TRUE, .offset = F(outputs.quiet),
     .help = "no progress lines on stderr", .group = G_OUT},
    /* Stage 1 */
    {.long_name = "iqa-workers", .kind = JV_OPT_INT, .offset = F(iqa.workers), .metavar = "N",
     .help = "images measured in parallel", .group = G_IQA, .key = "iqa_workers", .imin = 1,
     .imax = 256, .def_text = "the number of CPUs"},
    {.long_name = "max-megapixels", .kind = JV_OPT_DOUBLE, .offset = F(iqa.max_megapixels),
     .metavar = "N", .help = "refuse larger images before decoding", .group = G_IQA,
     .key = "max_megapixels", .dmin = 0.01, .dmax = 100000, .def.d = JV_IQA_DEFAULT_MAX_MP},
    {.long_name = "iqa-memory", .kind = JV_OPT_INT, .offset = F(iqa.memory_mib), .metavar = "MIB",
     .help = "decoded images held at once, all workers (one always)", .group = G_IQA,
     .key = "iqa_memory_mib", .imin = 1, .imax = 16 * 1024 * 1024,
     .def.i = JV_IQA_DEFAULT_MEMORY_MIB},
    {.long_name = "disable-musiq", .kind = JV_OPT_TRUE, .offset = F(iqa.disable_musiq),
     .help = "skip MUSIQ", .group = G_IQA, .key = "disable_musiq"},
    {.long_name = "musiq-weights", .kind = JV_OPT_STRING, .offset = F(iqa.musiq_weights),
     .metavar = "FILE.npz", .help = "MUSIQ checkpoint computed here (official .npz)",
     .group = G_IQA, .key = "musiq_weights",
     .def_text = "spaq/koniq/paq2piq/ava_ckpt.npz in $XDG_DATA_HOME/judge-vision/models"},
    {.long_name = "disable-nima", .kind = JV_OPT_TRUE, .offset = F(iqa.disable_nima),
     .help = "skip NIMA", .group = G_IQA, .key = "disable_nima"},
    {.long_name = "disable-tonal", .kind = JV_OPT_TRUE, .offset = F(iqa.disable_tonal),
     .help = "skip the tonal metrics and summary", .group = G_IQA, .key = "disable_tonal"},
    {.long_name = "fast", .kind = JV_OPT_ALIAS, .help = "the quicker Stage 1", .group = G_IQA,
     .also = fast_also},
    {.long_name = "iqa-service-url", .kind = JV_OPT_STRING, .offset = F(iqa.service_url),
     .metavar = "URL", .help = "NIMA/MUSIQ service (GET /health, POST /infer)", .group = G_IQA,
     .key = "iqa_service_url"},
    {.long_name = "iqa-service-concurrency", .kind = JV_OPT_INT,
     .offset = F(iqa.service_concurrency), .metavar = "N",
     .help = "requests in flight to it (auto: found while running)", .group = G_IQA,
     .key = "iqa_service_concurrency", .imin = 1, .imax = 64, .choices = auto_choice,
     .def.i = JV_CONCURRENCY_AUTO},
    {.long_name = "nima-weights", .kind = JV_OPT_STRING, .offset = F(iqa.nima_weights),
     .metavar = "DIR", .help = "folder of NIMA's two .hdf5 files (judge-vision models)",
     .group = G_IQA, .key = "nima_weights", .def_text = "$XDG_DATA_HOME/judge-vision/models"},
    /* Stage 2 */
    {.long_name = "backend", .kind = JV_OPT_STRING, .offset = F(vlm.backend), .metavar = "NAME",
     .help = "the kind of server", .group = G_CRIT, .key = "backend", .choices = backend_choices,
     .def.s = "vllm"},
    {.long_name = "base-url", .kind = JV_OPT_STRV, .offset = F(vlm.base_urls), .metavar = "URL",
     .help = "OpenAI-compatible API base", .group = G_CRIT, .key = "base_urls",
     .def_text = DEFAULT_BASE_URL},
    {.long_name = "api-key", .kind = JV_OPT_SECRET, .offset = F(vlm.api_key), .metavar = "KEY",
     .help = "or JUDGE_VISION_API_KEY / OPENAI_API_KEY", .group = G_CRIT, .key = "api_key_set"},
    {.long_name = "model", .kind = JV_OPT_STRING, .offset = F(vlm.model), .metavar = "NAME",
     .help = "model name", .group = G_CRIT, .key = "model",
     .def.s = "Qwen/Qwen3-VL-8B-Instruct-FP8"},
    {.long_name = "timeout", .kind = JV_OPT_DOUBLE, .offset = F(vlm.timeout_s), .metavar = "S",
     .help = "per-request timeout in seconds", .group = G_CRIT, .key = "timeout", .dmin = 0.001,
     .dmax = 86400, .def.d = 120},
    {.long_name = "max-retries", .kind = JV_OPT_INT, .offset = F(vlm.max_retries), .metavar = "N",
     .help = "retries on errors, 429 and 5xx", .group = G_CRIT, .key = "max_retries", .imin = 0,
     .imax = 100, .def.i = 3},
    {.long_name = "max-new-tokens", .kind = JV_OPT_INT, .offset = F(critique.max_new_tokens),
     .metavar = "N", .help = "reply token limit", .group = G_CRIT, .key = "max_new_tokens",
     .imin = 1, .imax = 1000000, .def.i = 320},
    {.long_name = "temperature", .kind = JV_OPT_DOUBLE, .offset = F(critique.temperature),
     .metavar = "T", .help = "sampling temperature", .group = G_CRIT, .key = "temperature",
     .dmin = 0, .dmax = 5, .def.d = 0.2},
    {.long_name = "top-p", .kind = JV_OPT_DOUBLE, .offset = F(critique.top_p), .metavar = "P",
     .help = "nucleus sampling", .group = G_CRIT, .key = "top_p", .dmin = 0, .dmax = 1,
     .def.d = 0.9},
    {.long_name = "prompt-profile", .kind = JV_OPT_STRING, .offset = F(critique.prompt_profile),
     .metavar = "ID", .help = "built-in prompt profile: club_judge_compact | club_judge_v1",
     .group = G_CRIT, .key = "prompt_profile", .def.s = "club_judge_compact"},
    {.long_name = "prompt-file", .kind = JV_OPT_STRING, .offset = F(critique.prompt_file),
     .metavar = "PATH", .help = "your own prompt profile", .group = G_CRIT, .key = "prompt_file"},
    {.long_name = "structured-output", .kind = JV_OPT_ENUM, .offset = F(critique.structured_output),
     .metavar = "M", .help = "ask the server for JSON replies", .group = G_CRIT,
     .key = "structured_output", .choices = structured_choices, .def.i = JV_STRUCTURED_NONE},
    {.long_name = "concurrency", .kind = JV_OPT_INT, .offset = F(vlm.concurrency), .metavar = "N",
     .help = "requests in flight: auto finds what the server takes while running (llama-server "
             "/props, vLLM /metrics, else probing), a number pins it",
     .group = G_CRIT, .key = "concurrency", .imin = 1, .imax = 1024, .choices = auto_choice,
     .def.i = JV_CONCURRENCY_AUTO},
    {.long_name = "pipeline", .kind = JV_OPT_TRUE, .offset = F(critique.pipeline),
     .help = "submit the next request at the first token", .group = G_CRIT, .key = "pipeline",
     .def.b = true},
    {.long_name = "no-pipeline", .kind = JV_OPT_FALSE, .offset = F(critique.pipeline),
     .help = "strictly one request after another", .group = G_CRIT, .def.b = true},
    {.long_name = "no-stream", .kind = JV_OPT_FALSE, .offset = F(critique.stream),
     .help = "non-streaming requests", .group = G_CRIT, .key = "stream", .def.b = true},
    {.long_name = "vlm-max-side", .kind = JV_OPT_INT, .offset = F(vlm.max_side), .metavar = "PX",
     .help = "downscale images above PX before sending", .def_text = "0 = never", .group = G_CRIT,
     .key = "vlm_max_side", .imin = 0, .imax = 100000, .def.i = 0},
    {.long_name = "judges", .kind = JV_OPT_INT, .offset = F(trust.judges), .metavar = "N",
     .help = "a panel: N critiques per photo, sent together, combined", .group = G_CRIT,
     .key = "judges", .imin = 1, .imax = 16, .def_text = "the registry's judges, else 1"},
    {.long_name = "panel-combine", .kind = JV_OPT_ENUM, .offset = F(trust.combine), .metavar = "M",
     .help = "median | sum (schemes that add the judges' marks)", .group = G_CRIT,
     .key = "panel_combine", .choices = combine_choices, .def.i = JV_PANEL_MEDIAN},
    {.long_name = "calibration", .kind = JV_OPT_STRING, .offset = F(trust.calibration),
     .metavar = "FILE",
     .help = "map raw scores to the club's marks (judge-vision calibrate; a rerun "
             "re-marks the resumed records with it, or without one)",
     .group = G_CRIT, .key = "calibration"},
    {.long_name = "consistency-sample", .kind = JV_OPT_INT, .offset = F(trust.consistency_sample),
     .metavar = "N", .help = "ask N photos' requests twice and report the spread", .group = G_CRIT,
     .key = "consistency_sample", .imin = 0, .imax = 1000000, .def_text = "0 = off"},
    /* Stage 3 */
    {.long_name = "pairwise", .kind = JV_OPT_TRUE, .offset = F(playoff.enabled),
     .help = "run the head-to-head playoff", .group = G_PLAY, .key = "pairwise"},
    {.long_name = "no-pairwise", .kind = JV_OPT_FALSE, .offset = F(playoff.enabled),
     .help = "no playoff", .group = G_PLAY},
    {.long_name = "pairwise-rounds", .kind = JV_OPT_INT, .offset = F(playoff.rounds),
     .metavar = "N", .help = "comparisons per image", .group = G_PLAY, .key = "pairwise_rounds",
     .imin = 1, .imax = 1000, .def_text = "by cohort size"},
    {.long_name = "pairwise-threshold", .kind = JV_OPT_DOUBLE, .offset = F(playoff.threshold),
     .metavar = "N", .help = "minimum score to enter", .group = G_PLAY, .key = "pairwise_threshold",
     .dmin = 0, .dmax = 20, .def.d = JV_PLAYOFF_THRESHOLD_DEFAULT},
    {.long_name = "pairwise-seed", .kind = JV_OPT_UINT64, .offset = F(playoff.seed), .metavar = "N",
     .help = "seed for pairings and sides", .group = G_PLAY, .key = "pairwise_seed", .def.u = 42},
    {.long_name = "pairwise-schedule", .kind = JV_OPT_ENUM, .offset = F(playoff.schedule),
     .metavar = "S", .help = "how pairs are drawn", .group = G_PLAY, .key = "pairwise_schedule",
     .choices = schedule_choices, .def.i = JV_SCHEDULE_EIG},
    {.long_name = "pairwise-podium", .kind = JV_OPT_TRUE, .offset = F(playoff.podium),
     .help = "eig: after half the budget, favour pairs that may hold the winner",
     .group = G_PLAY, .key = "pairwise_podium", .def.b = true},
    {.long_name = "no-pairwise-podium", .kind = JV_OPT_FALSE, .offset = F(playoff.podium),
     .help = "eig: information gain alone to the end", .group = G_PLAY, .def.b = true},
    /* durability and telemetry */
    {.long_name = "flush-every", .kind = JV_OPT_INT, .offset = F(outputs.flush_every),
     .metavar = "N", .help = "fsync results every N records", .group = G_DURA, .key = "flush_every",
     .imin = 1, .imax = 1000000, .def.i = 16},
    {.long_name = "fresh", .kind = JV_OPT_TRUE, .offset = F(outputs.fresh),
     .help = "start over, playoff too (old files kept as .N.bak)", .group = G_DURA,
     .key = "fresh"},
    {.long_name = "max-consecutive-failures", .kind = JV_OPT_INT,
     .offset = F(max_consecutive_failures), .metavar = "N",
     .help = "stop after N identical failures in a row", .def_text = "5; 0 = never",
     .group = G_DURA, .key = "max_consecutive_failures", .imin = 0, .imax = 1000000, .def.i = 5},
    {.long_name = "gpu-sample-every", .kind = JV_OPT_INT, .offset = F(telemetry.gpu_sample_every),
     .metavar = "N", .help = "GPU sample every N images", .group = G_DURA,
     .key = "gpu_sample_every", .imin = 1, .imax = 1000000, .def.i = 10},
    {.long_name = "help", .short_name = 'h', .kind = JV_OPT_HELP, .help = "this help",
     .group = G_DURA},
    /* bench only (hidden): recorded for the Python-baseline run */
    {.long_name = "baseline-io", .kind = JV_OPT_TRUE, .offset = F(baseline_io),
     .key = "baseline_io"},
    {0},
};
/* clang-format on */

const struct jv_option *jv_run_config_options(void)
{
    return run_options;
}

const struct jv_option *jv_run_config_option(const char *key)
{
    return jv_opt_find_key(run_options, key);
}

void jv_run_config_init(struct jv_run_config *o)
{
    memset(o, 0, sizeof *o);
    jv_opt_defaults(run_options, o);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    o->iqa.workers = cpus > 0 ? (int)cpus : 1; /* the table's "the number of CPUs" */
}

void jv_run_config_release(struct jv_run_config *o)
{
    jv_opt_release(run_options, o);
    memset(o, 0, sizeof *o);
}

void jv_run_config_copy(struct jv_run_config *dst, const struct jv_run_config *src)
{
    *dst = *src;
    jv_opt_copy_strings(run_options, dst);
}

/* Sets `*field` to `path` (owned) unless the option was given. */
static void derive(char **field, char *path)
{
    if (*field)
        g_free(path);
    else
        *field = path;
}

/*
 * The round and every output path not given explicitly (outputs/layout.h):
 * the round is --round, else the explicit results file's name, else the
 * default name for these inputs (outputs/round.h).
 */
static int derive_outputs(struct jv_run_config *o, GError **err)
{
    struct jv_outputs_config *out = &o->outputs;
    if (out->round && !jv_layout_round_name_valid(out->round)) {
        g_set_error(err, JV_ERROR, JV_ERR_USAGE,
                    "--round '%s': a round name has 1-64 letters, digits, '_', '.', '+' or '-'",
                    out->round);
        return -1;
    }
    if (!out->round && out->results) {
        out->round = jv_layout_round_of(out->results);
    } else if (!out->round && (!o->input_dirs || !o->input_dirs[0])) {
        g_set_error(err, JV_ERROR, JV_ERR_USAGE,
                    "which round? --stage pairwise needs --round NAME (or the -i folders "
                    "the round judged)");
        return -1;
    } else if (!out->round) {
        out->round =
            jv_round_default_name(out->dir, o->competition_id, (const char *const *)o->input_dirs);
    }
    derive(&out->results, jv_layout_file(out->dir, out->round, JV_FILE_RESULTS));
    derive(&out->summary, jv_layout_file(out->dir, out->round, JV_FILE_SUMMARY));
    derive(&out->progress, jv_layout_file(out->dir, out->round, JV_FILE_PROGRESS));
    derive(&out->log_file, jv_layout_file(out->dir, out->round, JV_FILE_LOG));
    derive(&out->iqa_cache, jv_layout_file(out->dir, JV_LAYOUT_SHARED, JV_FILE_IQA_CACHE));
    return 0;
}

/* The "gopher:" of a URL for a message, without what may follow (credentials). */
static char *url_scheme(const char *url)
{
    const char *colon = strchr(url, ':');
    size_t n = colon ? (size_t)(colon - url) : strlen(url);
    return g_strndup(url, MIN(n, 32));
}

/* Only http(s) servers: any other scheme libcurl knows (gopher, dict, file...)
 * would send the request's bytes somewhere no OpenAI server listens. */
static int check_url_schemes(const struct jv_run_config *o, GError **err)
{
    const char *flag = NULL, *bad = NULL;
    for (size_t i = 0; !bad && o->vlm.base_urls && o->vlm.base_urls[i]; i++)
        if (!jv_http_url_scheme_ok(o->vlm.base_urls[i]))
            flag = "--base-url", bad = o->vlm.base_urls[i];
    if (!bad && o->iqa.service_url && *o->iqa.service_url &&
        !jv_http_url_scheme_ok(o->iqa.service_url))
        flag = "--iqa-service-url", bad = o->iqa.service_url;
    if (!bad)
        return 0;
    char *scheme = url_scheme(bad);
    g_set_error(err, JV_ERROR, JV_ERR_USAGE,
                "%s: '%s' is not an http:// or https:// URL; only HTTP(S) servers are supported",
                flag, scheme);
    g_free(scheme);
    return -1;
}

int jv_run_config_finish(struct jv_run_config *o, GError **err)
{
    if (o->stage != JV_STAGE_PLAYOFF && (!o->input_dirs || !o->input_dirs[0])) {
        g_set_error(err, JV_ERROR, JV_ERR_USAGE, "no photos given: use -i FOLDER (see --help)");
        return -1;
    }
    if ((o->competition_config == NULL) != (o->competition_id == NULL)) {
        g_set_error(err, JV_ERROR, JV_ERR_USAGE,
                    "--competition-config and --competition must be given together");
        return -1;
    }
    if (!o->vlm.api_key) {
        const char *k = g_getenv("JUDGE_VISION_API_KEY");
        if (!k || !*k)
            k = g_getenv("OPENAI_API_KEY");
        if (k && *k && jv_opt_set(run_options, o, "api-key", k, err) < 0)
            return -1;
    }
    if (!o->vlm.base_urls && jv_opt_set(run_options, o, "base-url", DEFAULT_BASE_URL, err) < 0)
        return -1;
    if (check_url_schemes(o, err) < 0)
        return -1;
    return derive_outputs(o, err);
}

void jv_run_config_print_help(FILE *out, const char *prog)
{
    fprintf(out,
            "Usage: %s run [options]\n"
            "Judge a folder of competition photos: Stage 0 compliance, Stage 1 image\n"
            "quality measurements, Stage 2 VLM critique, Stage 3 pairwise playoff.\n"
            "\n",
            prog);
    jv_opt_print_help(out, run_options);
    fprintf(out, "\n"
                 "Exit codes: 0 all images ok, 3 completed but some images failed, 1 fatal\n"
                 "error or every image failed, 2 usage error, 130/143 interrupted (rerun the\n"
                 "same command to resume).\n");
}

json_t *jv_run_config_to_json(const struct jv_run_config *o)
{
    return jv_opt_to_json(run_options, o);
}
