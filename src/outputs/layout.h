/*
 * layout.h - where a run's outputs go: the settings that name the files
 * (--output-jsonl, --summary, ...), their defaults, and the files derived
 * from the results file's name.
 *
 * Paths in the struct are owned by whoever fills it (the run config releases
 * its own).
 */
#ifndef JV_OUTPUTS_LAYOUT_H
#define JV_OUTPUTS_LAYOUT_H

#include <stdbool.h>

/* Default output paths, relative to the working directory. */
#define JV_DEFAULT_RESULTS  "outputs/results/judge_vision.jsonl"
#define JV_DEFAULT_SUMMARY  "outputs/summaries/judge_vision_summary.md"
#define JV_DEFAULT_PROGRESS "outputs/metrics/judge_vision_progress.json"
#define JV_DEFAULT_IQA      "outputs/cache/judge_vision_iqa.jsonl"
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

#endif
