/*
 * layout.h - where a run's outputs go: the settings that name the files
 * (--output-dir, --round, --output-jsonl, --summary, ...), and the files
 * derived from the round and from the results file's name. Every output file
 * name is derived here and nowhere else.
 *
 * A round is one judging of one competition (doc/SPEC.md 3): its files live
 * under the output dir (--output-dir, default "outputs") by its name ROUND:
 *   DIR/results/ROUND.jsonl               results
 *   DIR/results/ROUND.metadata.json       its manifest
 *   DIR/results/ROUND.matches.jsonl       its playoff matches log
 *   DIR/results/ROUND.overrides.json      the web page's edits
 *   DIR/results/ROUND.agreement.json      agreement with the club's judges (agree)
 *   DIR/results/ROUND.lock                the one writer's lock (its pid inside)
 *   DIR/results/ROUND.jsonl.N.bak         earlier results kept (--fresh, new model)
 *   DIR/summaries/ROUND_summary.md        summary
 *   DIR/metrics/ROUND_progress.json       progress
 *   DIR/logs/ROUND.log                    log
 *   DIR/cache/judge_vision_iqa.jsonl      IQA cache, shared by every round
 *                                         (keyed by content, so sharing is safe)
 *   DIR/bench/                            `judge-vision bench`
 *   DIR/exports/ROUND_results.html        `judge-vision export` / `summary`: the results
 *   DIR/exports/ROUND_entrants.html       sheet, the entrants' feedback and the CSV
 *   DIR/exports/ROUND.csv                 (outputs/export.h names them)
 *   DIR/cache/thumbs/                     thumbnails the exports embed
 * A path given explicitly (--output-jsonl, ...) wins over the derived one.
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

struct jv_outputs_config {
    char *dir;       /* --output-dir: where the rounds live */
    char *round;     /* --round: the round's name (set by the run config when not given) */
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

/* `judge-vision agree`'s report beside a results file: <stem>.agreement.json. */
char *jv_layout_agreement_path(const char *results);

/* The round's lock file beside a results file: <stem>.lock. */
char *jv_layout_lock_path(const char *results);

/*
 * The round a results path names: the base name of its stem
 * ("outputs/results/club.jsonl" -> "club"). Owned.
 */
char *jv_layout_round_of(const char *results);

/* True for a name a round may have: 1-64 of [A-Za-z0-9_.+-], not starting with '.' or '-'. */
bool jv_layout_round_name_valid(const char *name);

/* The progress file of an outputs directory: <outputs_dir>/metrics/judge_vision_progress.json. */
char *jv_layout_progress_in(const char *outputs_dir);

/*
 * The bench folder for a results path: <outputs dir>/bench, where the
 * outputs dir is the results file's folder, or its parent when that folder
 * is called "results" (outputs/results/x.jsonl -> outputs/bench).
 */
char *jv_layout_bench_dir(const char *results);

/*
 * The exports folder for a results path, found like the bench folder:
 * <outputs dir>/exports; and the thumbnail cache the exports use,
 * <outputs dir>/cache/thumbs.
 */
char *jv_layout_exports_dir(const char *results);
char *jv_layout_thumbs_dir(const char *results);

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
