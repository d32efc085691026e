/*
 * layout.h - where a run's outputs go: the settings that name the files
 * (--output-jsonl, --summary, ...), their defaults, and the files derived
 * from the results file's name. Every output file name is derived here and
 * nowhere else.
 *
 * The default tree, relative to the working directory:
 *   outputs/results/judge_vision.jsonl            results
 *   outputs/results/judge_vision.metadata.json    its manifest
 *   outputs/results/judge_vision.matches.jsonl    its playoff matches log
 *   outputs/results/judge_vision.overrides.json   the web page's edits
 *   outputs/summaries/judge_vision_summary.md     summary
 *   outputs/metrics/judge_vision_progress.json    progress
 *   outputs/cache/judge_vision_iqa.jsonl          IQA cache
 *   outputs/bench/                                `judge-vision bench`
 *   logs/judge_vision.log                         log
 *
 * Paths in the struct are owned by whoever fills it (the run config releases
 * its own). The functions below return owned strings (g_free).
 */
#ifndef JV_OUTPUTS_LAYOUT_H
#define JV_OUTPUTS_LAYOUT_H

#include <stdbool.h>

/* The folders of an outputs directory, and the files a run finds by name in it. */
#define JV_LAYOUT_ROOT "outputs"
/* The name of the files runs share (the default run's, the IQA cache, progress). */
#define JV_LAYOUT_SHARED        "judge_vision"
#define JV_LAYOUT_RESULTS_DIR   "results"
#define JV_LAYOUT_SUMMARIES_DIR "summaries"
#define JV_LAYOUT_METRICS_DIR   "metrics"
#define JV_LAYOUT_CACHE_DIR     "cache"
#define JV_LAYOUT_BENCH_DIR     "bench"
#define JV_LAYOUT_PROGRESS_REL  JV_LAYOUT_METRICS_DIR "/judge_vision_progress.json"
#define JV_LAYOUT_IQA_REL       JV_LAYOUT_CACHE_DIR "/judge_vision_iqa.jsonl"

/* Default output paths, relative to the working directory. */
#define JV_DEFAULT_RESULTS  JV_LAYOUT_ROOT "/" JV_LAYOUT_RESULTS_DIR "/judge_vision.jsonl"
#define JV_DEFAULT_SUMMARY  JV_LAYOUT_ROOT "/" JV_LAYOUT_SUMMARIES_DIR "/judge_vision_summary.md"
#define JV_DEFAULT_PROGRESS JV_LAYOUT_ROOT "/" JV_LAYOUT_PROGRESS_REL
#define JV_DEFAULT_IQA      JV_LAYOUT_ROOT "/" JV_LAYOUT_IQA_REL
#define JV_DEFAULT_LOG      "logs/judge_vision.log"

struct jv_outputs_config {
    char *results;   /* --output-jsonl */
    char *summary;   /* --summary */
    char *progress;  /* --progress-file */
    char *iqa_cache; /* --iqa-cache */
    char *log_file;  /* --log-file */
    int log_level;   /* enum jv_log_level */
    int flush_every; /* fsync the results every N records */
    bool fresh;      /* start over: the old results are kept as a backup */
    bool quiet;      /* no progress lines on stderr */
};

/*
 * The files beside a results file "<dir>/<stem>.jsonl".
 *
 * The manifest drops whatever extension the results file has ("r.json" ->
 * "r.metadata.json"); the matches log and the overrides drop only ".jsonl"
 * ("r.json" -> "r.json.matches.jsonl"). For the usual ".jsonl" name, and for
 * a name with no extension, all three agree. The two rules are kept as they
 * were so that runs made before still find their files.
 */
char *jv_layout_manifest_path(const char *results);  /* <stem>.metadata.json */
char *jv_layout_matches_path(const char *results);   /* <stem>.matches.jsonl */
char *jv_layout_overrides_path(const char *results); /* <stem>.overrides.json */

/* True for a matches log's name (a .jsonl that is not a results file). */
bool jv_layout_is_matches_log(const char *path);

/* True for a name a results file may have (it ends in .jsonl). */
bool jv_layout_is_results_name(const char *path);

/* `path` without its ".jsonl" (a copy of it when it has none). */
char *jv_layout_results_stem(const char *path);

/* The progress file of an outputs directory: <outputs_dir>/metrics/judge_vision_progress.json. */
char *jv_layout_progress_in(const char *outputs_dir);

/*
 * The bench folder for a results path: <outputs dir>/bench, where the
 * outputs dir is the results file's folder, or its parent when that folder
 * is called "results" (outputs/results/x.jsonl -> outputs/bench).
 */
char *jv_layout_bench_dir(const char *results);

/* The files of a run named NAME kept together under one folder DIR. */
enum jv_layout_file {
    JV_FILE_RESULTS,   /* DIR/results/NAME.jsonl */
    JV_FILE_SUMMARY,   /* DIR/summaries/NAME_summary.md */
    JV_FILE_PROGRESS,  /* DIR/metrics/NAME_progress.json */
    JV_FILE_IQA_CACHE, /* DIR/cache/NAME_iqa.jsonl */
    JV_FILE_LOG,       /* DIR/logs/NAME.log */
};

/* The path of file `f` of run `name` under `dir` (owned). */
char *jv_layout_file(const char *dir, const char *name, enum jv_layout_file f);

#endif
