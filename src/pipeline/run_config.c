#include "core/jv.h"

#include <getopt.h>
#include <math.h>
#include <unistd.h>

#include "core/log.h"
#include "pipeline/run_config.h"

static const char *const stage_names[] = {
    [JV_STAGE_FULL] = "full",         [JV_STAGE_IQA] = "iqa",
    [JV_STAGE_CRITIQUE] = "critique", [JV_STAGE_PAIRWISE] = "pairwise",
    [JV_STAGE_TWO_PASS] = "two-pass",
};

const char *jv_stage_mode_name(enum jv_stage_mode m)
{
    return stage_names[m];
}

void jv_run_config_init(struct jv_run_config *o)
{
    memset(o, 0, sizeof *o);
    o->recursive = true;
    o->stage = JV_STAGE_FULL;
    o->outputs.results = g_strdup(JV_DEFAULT_RESULTS);
    o->outputs.summary = g_strdup(JV_DEFAULT_SUMMARY);
    o->outputs.progress = g_strdup(JV_DEFAULT_PROGRESS);
    o->outputs.iqa_cache = g_strdup(JV_DEFAULT_IQA);
    o->outputs.log_file = g_strdup(JV_DEFAULT_LOG);
    o->outputs.log_level = JV_LOG_INFO;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    o->iqa.workers = cpus > 0 ? (int)cpus : 1;
    o->iqa.max_megapixels = 250;
    o->iqa.service_concurrency = 4;
    o->vlm.backend = g_strdup("vllm");
    o->vlm.model = g_strdup("Qwen/Qwen3-VL-8B-Instruct-FP8");
    o->vlm.timeout_s = 120;
    o->vlm.max_retries = 3;
    o->critique.max_new_tokens = 320;
    o->critique.temperature = 0.2;
    o->critique.top_p = 0.9;
    o->critique.prompt_profile = g_strdup("club_judge_compact");
    o->critique.structured_output = JV_STRUCTURED_NONE;
    o->vlm.concurrency = 1;
    o->critique.pipeline = true;
    o->critique.stream = true;
    o->vlm.max_side = 0;
    o->playoff.enabled = false;
    o->playoff.threshold = 17;
    o->playoff.seed = 42;
    o->playoff.schedule = JV_SCHEDULE_SWISS;
    o->outputs.flush_every = 16;
    o->telemetry.gpu_sample_every = 10;
}

void jv_run_config_release(struct jv_run_config *o)
{
    g_strfreev(o->input_dirs);
    g_free(o->competition_config);
    g_free(o->competition_id);
    g_free(o->iqa.category_override);
    g_free(o->critique.notes);
    g_free(o->outputs.results);
    g_free(o->outputs.summary);
    g_free(o->outputs.progress);
    g_free(o->outputs.iqa_cache);
    g_free(o->outputs.log_file);
    g_free(o->iqa.service_url);
    g_free(o->vlm.backend);
    g_strfreev(o->vlm.base_urls);
    if (o->vlm.api_key)
        memset(o->vlm.api_key, 0, strlen(o->vlm.api_key));
    g_free(o->vlm.api_key);
    g_free(o->vlm.model);
    g_free(o->critique.prompt_profile);
    g_free(o->critique.prompt_file);
    memset(o, 0, sizeof *o);
}

enum {
    OPT_RECURSIVE = 1000,
    OPT_NO_RECURSIVE,
    OPT_STAGE,
    OPT_COMP_CONFIG,
    OPT_COMP,
    OPT_CRIT_CATEGORY,
    OPT_CRIT_NOTES,
    OPT_OUTPUT_JSONL,
    OPT_SUMMARY,
    OPT_PROGRESS,
    OPT_IQA_CACHE,
    OPT_LOG_FILE,
    OPT_LOG_LEVEL,
    OPT_IQA_WORKERS,
    OPT_MAX_MP,
    OPT_NO_MUSIQ,
    OPT_NO_NIMA,
    OPT_NO_TONAL,
    OPT_FAST,
    OPT_IQA_URL,
    OPT_IQA_CONC,
    OPT_BACKEND,
    OPT_BASE_URL,
    OPT_API_KEY,
    OPT_MODEL,
    OPT_TIMEOUT,
    OPT_MAX_RETRIES,
    OPT_MAX_TOKENS,
    OPT_TEMPERATURE,
    OPT_TOP_P,
    OPT_PROFILE,
    OPT_PROMPT_FILE,
    OPT_STRUCTURED,
    OPT_CONCURRENCY,
    OPT_PIPELINE,
    OPT_NO_PIPELINE,
    OPT_NO_STREAM,
    OPT_MAX_SIDE,
    OPT_PAIRWISE,
    OPT_NO_PAIRWISE,
    OPT_PW_ROUNDS,
    OPT_PW_THRESHOLD,
    OPT_PW_SEED,
    OPT_PW_SCHEDULE,
    OPT_FLUSH_EVERY,
    OPT_FRESH,
    OPT_GPU_EVERY,
    OPT_QUIET,
    OPT_BASELINE_IO,
};

static const struct option long_options[] = {
    {"help", no_argument, NULL, 'h'},
    {"input-dir", required_argument, NULL, 'i'},
    {"recursive", no_argument, NULL, OPT_RECURSIVE},
    {"no-recursive", no_argument, NULL, OPT_NO_RECURSIVE},
    {"stage", required_argument, NULL, OPT_STAGE},
    {"competition-config", required_argument, NULL, OPT_COMP_CONFIG},
    {"competition", required_argument, NULL, OPT_COMP},
    {"critique-category", required_argument, NULL, OPT_CRIT_CATEGORY},
    {"critique-notes", required_argument, NULL, OPT_CRIT_NOTES},
    {"output-jsonl", required_argument, NULL, OPT_OUTPUT_JSONL},
    {"summary", required_argument, NULL, OPT_SUMMARY},
    {"progress-file", required_argument, NULL, OPT_PROGRESS},
    {"iqa-cache", required_argument, NULL, OPT_IQA_CACHE},
    {"log-file", required_argument, NULL, OPT_LOG_FILE},
    {"log-level", required_argument, NULL, OPT_LOG_LEVEL},
    {"iqa-workers", required_argument, NULL, OPT_IQA_WORKERS},
    {"max-megapixels", required_argument, NULL, OPT_MAX_MP},
    {"disable-musiq", no_argument, NULL, OPT_NO_MUSIQ},
    {"disable-nima", no_argument, NULL, OPT_NO_NIMA},
    {"disable-tonal", no_argument, NULL, OPT_NO_TONAL},
    {"fast", no_argument, NULL, OPT_FAST},
    {"iqa-service-url", required_argument, NULL, OPT_IQA_URL},
    {"iqa-service-concurrency", required_argument, NULL, OPT_IQA_CONC},
    {"backend", required_argument, NULL, OPT_BACKEND},
    {"base-url", required_argument, NULL, OPT_BASE_URL},
    {"api-key", required_argument, NULL, OPT_API_KEY},
    {"model", required_argument, NULL, OPT_MODEL},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"max-retries", required_argument, NULL, OPT_MAX_RETRIES},
    {"max-new-tokens", required_argument, NULL, OPT_MAX_TOKENS},
    {"temperature", required_argument, NULL, OPT_TEMPERATURE},
    {"top-p", required_argument, NULL, OPT_TOP_P},
    {"prompt-profile", required_argument, NULL, OPT_PROFILE},
    {"prompt-file", required_argument, NULL, OPT_PROMPT_FILE},
    {"structured-output", required_argument, NULL, OPT_STRUCTURED},
    {"concurrency", required_argument, NULL, OPT_CONCURRENCY},
    {"pipeline", no_argument, NULL, OPT_PIPELINE},
    {"no-pipeline", no_argument, NULL, OPT_NO_PIPELINE},
    {"no-stream", no_argument, NULL, OPT_NO_STREAM},
    {"vlm-max-side", required_argument, NULL, OPT_MAX_SIDE},
    {"pairwise", no_argument, NULL, OPT_PAIRWISE},
    {"no-pairwise", no_argument, NULL, OPT_NO_PAIRWISE},
    {"pairwise-rounds", required_argument, NULL, OPT_PW_ROUNDS},
    {"pairwise-threshold", required_argument, NULL, OPT_PW_THRESHOLD},
    {"pairwise-seed", required_argument, NULL, OPT_PW_SEED},
    {"pairwise-schedule", required_argument, NULL, OPT_PW_SCHEDULE},
    {"flush-every", required_argument, NULL, OPT_FLUSH_EVERY},
    {"fresh", no_argument, NULL, OPT_FRESH},
    {"gpu-sample-every", required_argument, NULL, OPT_GPU_EVERY},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {"baseline-io", no_argument, NULL, OPT_BASELINE_IO},
    {NULL, 0, NULL, 0},
};

void jv_run_config_print_help(FILE *out, const char *prog)
{
    fprintf(out,
            "Usage: %s run [options]\n"
            "Judge a folder of competition photos: Stage 0 compliance, Stage 1 image\n"
            "quality measurements, Stage 2 VLM critique, Stage 3 pairwise playoff.\n"
            "\n"
            "Input:\n"
            "  -i, --input-dir PATH        photo folder or single file (repeatable, required)\n"
            "      --recursive             descend into sub-folders (default)\n"
            "      --no-recursive          only the given folders' own files\n"
            "      --stage MODE            iqa | critique | pairwise | two-pass | full\n"
            "                              (default full: IQA and critique overlapped)\n"
            "      --competition-config F  competition registry (TOML)\n"
            "      --competition ID        competition id in the registry\n"
            "      --critique-category C   force this category for every image\n"
            "      --critique-notes TEXT   extra notes passed to the judge\n"
            "\n"
            "Outputs:\n"
            "      --output-jsonl FILE     results (default " JV_DEFAULT_RESULTS ")\n"
            "      --summary FILE          Markdown summary (default " JV_DEFAULT_SUMMARY ")\n"
            "      --progress-file FILE    progress JSON (default " JV_DEFAULT_PROGRESS ")\n"
            "      --iqa-cache FILE        IQA cache (default " JV_DEFAULT_IQA ")\n"
            "      --log-file FILE         JSON-lines log (default " JV_DEFAULT_LOG ")\n"
            "      --log-level LEVEL       debug | info | warn | error (default info)\n"
            "      --quiet                 no progress lines on stderr\n"
            "\n"
            "Stage 1 (image quality):\n"
            "      --iqa-workers N         images measured in parallel (default: CPUs)\n"
            "      --max-megapixels N      refuse larger images before decoding (default 250)\n"
            "      --disable-musiq         skip MUSIQ\n"
            "      --disable-nima          skip NIMA\n"
            "      --disable-tonal         skip the tonal metrics and summary\n"
            "      --fast                  same as --disable-musiq --disable-tonal\n"
            "      --iqa-service-url URL   NIMA/MUSIQ service (GET /health, POST /infer)\n"
            "      --iqa-service-concurrency N  requests in flight to it (default 4)\n"
            "\n"
            "Stage 2 (critique):\n"
            "      --backend NAME          vllm | ollama | llamacpp | openai (default vllm)\n"
            "      --base-url URL          OpenAI-compatible API base, e.g.\n"
            "                              http://127.0.0.1:8000/v1 (repeatable)\n"
            "      --api-key KEY           or JUDGE_VISION_API_KEY / OPENAI_API_KEY\n"
            "      --model NAME            model name (default Qwen/Qwen3-VL-8B-Instruct-FP8)\n"
            "      --timeout S             per-request timeout in seconds (default 120)\n"
            "      --max-retries N         retries on errors, 429 and 5xx (default 3)\n"
            "      --max-new-tokens N      reply token limit (default 320)\n"
            "      --temperature T         sampling temperature (default 0.2)\n"
            "      --top-p P               nucleus sampling (default 0.9)\n"
            "      --prompt-profile ID     club_judge_compact (default) | club_judge_v1\n"
            "      --prompt-file PATH      your own prompt profile\n"
            "      --structured-output M   json_schema | json_object | none (default none)\n"
            "      --concurrency N         requests in flight (default 1)\n"
            "      --pipeline              submit the next request at the first token (default)\n"
            "      --no-pipeline           strictly one request after another\n"
            "      --no-stream             non-streaming requests\n"
            "      --vlm-max-side PX       downscale images above PX before sending (0 = never)\n"
            "\n"
            "Stage 3 (playoff):\n"
            "      --pairwise | --no-pairwise  run the head-to-head playoff (default off)\n"
            "      --pairwise-rounds N     comparisons per image (default by cohort size)\n"
            "      --pairwise-threshold N  minimum score to enter (default 17)\n"
            "      --pairwise-seed N       seed for pairings and sides (default 42)\n"
            "      --pairwise-schedule S   swiss (default) | random\n"
            "\n"
            "Durability and telemetry:\n"
            "      --flush-every N         fsync results every N records (default 16)\n"
            "      --fresh                 start over (old results kept as .bak)\n"
            "      --gpu-sample-every N    GPU sample every N images (default 10)\n"
            "  -h, --help                  this help\n"
            "\n"
            "Exit codes: 0 all images ok, 3 completed but some images failed, 2 usage\n"
            "error, 1 fatal error, 130/143 interrupted.\n",
            prog);
}

static int parse_int(const char *opt, const char *arg, long lo, long hi, int *out, GError **err)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(arg, &end, 10);
    if (errno || !end || *end || end == arg || v < lo || v > hi) {
        g_set_error(err, JV_ERROR, JV_ERR_USAGE,
                    "--%s: expected an integer from %ld to %ld, got '%s'", opt, lo, hi, arg);
        return -1;
    }
    *out = (int)v;
    return 0;
}

static int parse_double(const char *opt, const char *arg, double lo, double hi, double *out,
                        GError **err)
{
    char *end = NULL;
    errno = 0;
    double v = g_ascii_strtod(arg, &end);
    if (errno || !end || *end || end == arg || !isfinite(v) || v < lo || v > hi) {
        g_set_error(err, JV_ERROR, JV_ERR_USAGE, "--%s: expected a number from %g to %g, got '%s'",
                    opt, lo, hi, arg);
        return -1;
    }
    *out = v;
    return 0;
}

static void set_str(char **dst, const char *v)
{
    g_free(*dst);
    *dst = g_strdup(v);
}

static void push_str(char ***vec, const char *v)
{
    guint n = *vec ? g_strv_length(*vec) : 0;
    *vec = g_realloc_n(*vec, n + 2, sizeof(char *));
    (*vec)[n] = g_strdup(v);
    (*vec)[n + 1] = NULL;
}

int jv_run_config_parse(struct jv_run_config *o, int argc, char **argv, bool *want_help,
                        GError **err)
{
    *want_help = false;
    optind = 0; /* full re-initialisation of getopt (GNU) */
    opterr = 0;
    int c, longidx = 0;
    while ((c = getopt_long(argc, argv, ":hi:", long_options, &longidx)) != -1) {
        const char *name = longidx >= 0 && longidx < (int)JV_ARRAY_LEN(long_options)
                               ? long_options[longidx].name
                               : "?";
        int iv = 0;
        switch (c) {
        case 'h':
            *want_help = true;
            return 0;
        case 'i':
            push_str(&o->input_dirs, optarg);
            break;
        case OPT_RECURSIVE:
            o->recursive = true;
            break;
        case OPT_NO_RECURSIVE:
            o->recursive = false;
            break;
        case OPT_STAGE: {
            bool found = false;
            for (size_t i = 0; i < JV_ARRAY_LEN(stage_names); i++)
                if (strcmp(optarg, stage_names[i]) == 0) {
                    o->stage = (enum jv_stage_mode)i;
                    found = true;
                }
            if (!found) {
                g_set_error(err, JV_ERROR, JV_ERR_USAGE,
                            "--stage: expected iqa, critique, pairwise, two-pass or full, got '%s'",
                            optarg);
                return -1;
            }
            break;
        }
        case OPT_COMP_CONFIG:
            set_str(&o->competition_config, optarg);
            break;
        case OPT_COMP:
            set_str(&o->competition_id, optarg);
            break;
        case OPT_CRIT_CATEGORY:
            set_str(&o->iqa.category_override, optarg);
            break;
        case OPT_CRIT_NOTES:
            set_str(&o->critique.notes, optarg);
            break;
        case OPT_OUTPUT_JSONL:
            set_str(&o->outputs.results, optarg);
            break;
        case OPT_SUMMARY:
            set_str(&o->outputs.summary, optarg);
            break;
        case OPT_PROGRESS:
            set_str(&o->outputs.progress, optarg);
            break;
        case OPT_IQA_CACHE:
            set_str(&o->outputs.iqa_cache, optarg);
            break;
        case OPT_LOG_FILE:
            set_str(&o->outputs.log_file, optarg);
            break;
        case OPT_LOG_LEVEL:
            o->outputs.log_level = jv_log_level_parse(optarg);
            if (o->outputs.log_level < 0) {
                g_set_error(err, JV_ERROR, JV_ERR_USAGE,
                            "--log-level: expected debug, info, warn or error, got '%s'", optarg);
                return -1;
            }
            break;
        case OPT_IQA_WORKERS:
            if (parse_int(name, optarg, 1, 256, &o->iqa.workers, err) < 0)
                return -1;
            break;
        case OPT_MAX_MP:
            if (parse_double(name, optarg, 0.01, 100000, &o->iqa.max_megapixels, err) < 0)
                return -1;
            break;
        case OPT_NO_MUSIQ:
            o->iqa.disable_musiq = true;
            break;
        case OPT_NO_NIMA:
            o->iqa.disable_nima = true;
            break;
        case OPT_NO_TONAL:
            o->iqa.disable_tonal = true;
            break;
        case OPT_FAST:
            o->iqa.disable_musiq = true;
            o->iqa.disable_tonal = true;
            break;
        case OPT_IQA_URL:
            set_str(&o->iqa.service_url, optarg);
            break;
        case OPT_IQA_CONC:
            if (parse_int(name, optarg, 1, 64, &o->iqa.service_concurrency, err) < 0)
                return -1;
            break;
        case OPT_BACKEND:
            if (strcmp(optarg, "vllm") && strcmp(optarg, "ollama") && strcmp(optarg, "llamacpp") &&
                strcmp(optarg, "openai")) {
                g_set_error(err, JV_ERROR, JV_ERR_USAGE,
                            "--backend: expected vllm, ollama, llamacpp or openai, got '%s'",
                            optarg);
                return -1;
            }
            set_str(&o->vlm.backend, optarg);
            break;
        case OPT_BASE_URL:
            push_str(&o->vlm.base_urls, optarg);
            break;
        case OPT_API_KEY:
            set_str(&o->vlm.api_key, optarg);
            break;
        case OPT_MODEL:
            set_str(&o->vlm.model, optarg);
            break;
        case OPT_TIMEOUT:
            if (parse_double(name, optarg, 0.001, 86400, &o->vlm.timeout_s, err) < 0)
                return -1;
            break;
        case OPT_MAX_RETRIES:
            if (parse_int(name, optarg, 0, 100, &o->vlm.max_retries, err) < 0)
                return -1;
            break;
        case OPT_MAX_TOKENS:
            if (parse_int(name, optarg, 1, 1000000, &o->critique.max_new_tokens, err) < 0)
                return -1;
            break;
        case OPT_TEMPERATURE:
            if (parse_double(name, optarg, 0, 5, &o->critique.temperature, err) < 0)
                return -1;
            break;
        case OPT_TOP_P:
            if (parse_double(name, optarg, 0, 1, &o->critique.top_p, err) < 0)
                return -1;
            break;
        case OPT_PROFILE:
            set_str(&o->critique.prompt_profile, optarg);
            break;
        case OPT_PROMPT_FILE:
            set_str(&o->critique.prompt_file, optarg);
            break;
        case OPT_STRUCTURED:
            if (strcmp(optarg, "json_schema") == 0)
                o->critique.structured_output = JV_STRUCTURED_JSON_SCHEMA;
            else if (strcmp(optarg, "json_object") == 0)
                o->critique.structured_output = JV_STRUCTURED_JSON_OBJECT;
            else if (strcmp(optarg, "none") == 0)
                o->critique.structured_output = JV_STRUCTURED_NONE;
            else {
                g_set_error(err, JV_ERROR, JV_ERR_USAGE,
                            "--structured-output: expected json_schema, json_object or none, "
                            "got '%s'",
                            optarg);
                return -1;
            }
            break;
        case OPT_CONCURRENCY:
            if (parse_int(name, optarg, 1, 1024, &o->vlm.concurrency, err) < 0)
                return -1;
            break;
        case OPT_PIPELINE:
            o->critique.pipeline = true;
            break;
        case OPT_NO_PIPELINE:
            o->critique.pipeline = false;
            break;
        case OPT_NO_STREAM:
            o->critique.stream = false;
            break;
        case OPT_MAX_SIDE:
            if (parse_int(name, optarg, 0, 100000, &o->vlm.max_side, err) < 0)
                return -1;
            break;
        case OPT_PAIRWISE:
            o->playoff.enabled = true;
            break;
        case OPT_NO_PAIRWISE:
            o->playoff.enabled = false;
            break;
        case OPT_PW_ROUNDS:
            if (parse_int(name, optarg, 1, 1000, &o->playoff.rounds, err) < 0)
                return -1;
            break;
        case OPT_PW_THRESHOLD:
            if (parse_double(name, optarg, 0, 20, &o->playoff.threshold, err) < 0)
                return -1;
            break;
        case OPT_PW_SEED: {
            char *end = NULL;
            errno = 0;
            unsigned long long v = strtoull(optarg, &end, 10);
            if (errno || !end || *end || end == optarg) {
                g_set_error(err, JV_ERROR, JV_ERR_USAGE,
                            "--pairwise-seed: expected a non-negative integer, got '%s'", optarg);
                return -1;
            }
            o->playoff.seed = v;
            break;
        }
        case OPT_PW_SCHEDULE:
            if (strcmp(optarg, "swiss") == 0)
                o->playoff.schedule = JV_SCHEDULE_SWISS;
            else if (strcmp(optarg, "random") == 0)
                o->playoff.schedule = JV_SCHEDULE_RANDOM;
            else {
                g_set_error(err, JV_ERROR, JV_ERR_USAGE,
                            "--pairwise-schedule: expected swiss or random, got '%s'", optarg);
                return -1;
            }
            break;
        case OPT_FLUSH_EVERY:
            if (parse_int(name, optarg, 1, 1000000, &o->outputs.flush_every, err) < 0)
                return -1;
            break;
        case OPT_FRESH:
            o->outputs.fresh = true;
            break;
        case OPT_GPU_EVERY:
            if (parse_int(name, optarg, 1, 1000000, &iv, err) < 0)
                return -1;
            o->telemetry.gpu_sample_every = iv;
            break;
        case OPT_QUIET:
            o->outputs.quiet = true;
            break;
        case OPT_BASELINE_IO:
            o->baseline_io = true;
            break;
        case ':':
            g_set_error(err, JV_ERROR, JV_ERR_USAGE, "option %s needs a value", argv[optind - 1]);
            return -1;
        default:
            g_set_error(err, JV_ERROR, JV_ERR_USAGE, "unknown option '%s' (see --help)",
                        argv[optind - 1]);
            return -1;
        }
        longidx = -1;
    }
    if (optind < argc) {
        g_set_error(err, JV_ERROR, JV_ERR_USAGE,
                    "unexpected argument '%s' (photo folders go after -i)", argv[optind]);
        return -1;
    }
    if (o->stage != JV_STAGE_PAIRWISE && (!o->input_dirs || !o->input_dirs[0])) {
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
        if (k && *k)
            o->vlm.api_key = g_strdup(k);
    }
    if (!o->vlm.base_urls)
        push_str(&o->vlm.base_urls, "http://127.0.0.1:8000/v1");
    return 0;
}

static json_t *strv_json(char **v)
{
    json_t *a = json_array();
    for (size_t i = 0; v && v[i]; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

json_t *jv_run_config_to_json(const struct jv_run_config *o)
{
    static const char *const structured[] = {"none", "json_schema", "json_object"};
    json_t *j = json_object();
    json_object_set_new(j, "input_dirs", strv_json(o->input_dirs));
    json_object_set_new(j, "recursive", json_boolean(o->recursive));
    json_object_set_new(j, "stage", json_string(jv_stage_mode_name(o->stage)));
    json_object_set_new(j, "competition_config", str_or_null(o->competition_config));
    json_object_set_new(j, "competition", str_or_null(o->competition_id));
    json_object_set_new(j, "critique_category", str_or_null(o->iqa.category_override));
    json_object_set_new(j, "critique_notes", str_or_null(o->critique.notes));
    json_object_set_new(j, "output_jsonl", json_string(o->outputs.results));
    json_object_set_new(j, "summary", json_string(o->outputs.summary));
    json_object_set_new(j, "progress_file", json_string(o->outputs.progress));
    json_object_set_new(j, "iqa_cache", json_string(o->outputs.iqa_cache));
    json_object_set_new(j, "log_file", json_string(o->outputs.log_file));
    json_object_set_new(j, "iqa_workers", json_integer(o->iqa.workers));
    json_object_set_new(j, "max_megapixels", json_real(o->iqa.max_megapixels));
    json_object_set_new(j, "disable_musiq", json_boolean(o->iqa.disable_musiq));
    json_object_set_new(j, "disable_nima", json_boolean(o->iqa.disable_nima));
    json_object_set_new(j, "disable_tonal", json_boolean(o->iqa.disable_tonal));
    json_object_set_new(j, "iqa_service_url", str_or_null(o->iqa.service_url));
    json_object_set_new(j, "iqa_service_concurrency", json_integer(o->iqa.service_concurrency));
    json_object_set_new(j, "backend", json_string(o->vlm.backend));
    json_object_set_new(j, "base_urls", strv_json(o->vlm.base_urls));
    json_object_set_new(j, "api_key_set", json_boolean(o->vlm.api_key != NULL));
    json_object_set_new(j, "model", json_string(o->vlm.model));
    json_object_set_new(j, "timeout", json_real(o->vlm.timeout_s));
    json_object_set_new(j, "max_retries", json_integer(o->vlm.max_retries));
    json_object_set_new(j, "max_new_tokens", json_integer(o->critique.max_new_tokens));
    json_object_set_new(j, "temperature", json_real(o->critique.temperature));
    json_object_set_new(j, "top_p", json_real(o->critique.top_p));
    json_object_set_new(j, "prompt_profile", json_string(o->critique.prompt_profile));
    json_object_set_new(j, "prompt_file", str_or_null(o->critique.prompt_file));
    json_object_set_new(j, "structured_output",
                        json_string(structured[o->critique.structured_output]));
    json_object_set_new(j, "concurrency", json_integer(o->vlm.concurrency));
    json_object_set_new(j, "pipeline", json_boolean(o->critique.pipeline));
    json_object_set_new(j, "stream", json_boolean(o->critique.stream));
    json_object_set_new(j, "vlm_max_side", json_integer(o->vlm.max_side));
    json_object_set_new(j, "pairwise", json_boolean(o->playoff.enabled));
    json_object_set_new(j, "pairwise_rounds", json_integer(o->playoff.rounds));
    json_object_set_new(j, "pairwise_threshold", json_real(o->playoff.threshold));
    json_object_set_new(j, "pairwise_seed", json_integer((json_int_t)o->playoff.seed));
    json_object_set_new(j, "pairwise_schedule",
                        json_string(o->playoff.schedule == JV_SCHEDULE_SWISS ? "swiss" : "random"));
    json_object_set_new(j, "flush_every", json_integer(o->outputs.flush_every));
    json_object_set_new(j, "fresh", json_boolean(o->outputs.fresh));
    json_object_set_new(j, "gpu_sample_every", json_integer(o->telemetry.gpu_sample_every));
    json_object_set_new(j, "baseline_io", json_boolean(o->baseline_io));
    return j;
}
