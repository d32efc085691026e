/*
 * papers.h - a finished round as the club's papers (doc/SPEC.md 3.1): its
 * results read back with the web page's edits applied (outputs/overrides.h)
 * and the placings re-ranked without asking the VLM (playoff/placing.h: an
 * earlier decider's order stands), then the summary and the exports. Used
 * by `judge-vision summary`, `judge-vision export` and the page's downloads.
 *
 * A round is named by its results file, its name (a round under
 * `outputs_dir`), or a folder: an outputs folder holding one round, or the
 * photo folder a round judged (the latest such round).
 *
 * Ownership: struct jv_papers owns its contents (jv_papers_release).
 */
#ifndef JV_PIPELINE_PAPERS_H
#define JV_PIPELINE_PAPERS_H

#include <jansson.h>

#include "input/registry.h"
#include "outputs/export.h"

struct jv_papers {
    char *results; /* the results file */
    char *round;   /* the round's name */
    char *summary; /* where its summary goes */
    char *run_id;  /* nullable */
    json_t *records;
    json_t *playoff;                    /* the manifest's playoff figures, nullable */
    struct jv_competition *competition; /* nullable: the manifest names none */
    size_t edits;                       /* records changed by the page's edits */
};

/*
 * The results file of the round `arg` names (owned), looked up in
 * `outputs_dir` (nullable: "outputs") as above. NULL with err
 * (JV_ERR_NOT_FOUND naming what was tried).
 */
char *jv_papers_find_results(const char *arg, const char *outputs_dir, GError **err);

/*
 * Reads the round whose results file is `results`: records, manifest, the
 * competition (`registry` and `competition_id` when given, else those the
 * manifest names), the edits. Returns 0 or -1 with err (*p released).
 */
int jv_papers_open(struct jv_papers *p, const char *results, const char *registry,
                   const char *competition_id, GError **err);
void jv_papers_release(struct jv_papers *p);

/*
 * The export (owned text; *len its length) with thumbnails from the round's
 * cache. `image_path` and `user` as in struct jv_export_opts (nullable).
 */
char *jv_papers_export(const struct jv_papers *p, enum jv_export_format f,
                       char *(*image_path)(const json_t *rec, void *user), void *user, size_t *len);

/* The summary as Markdown (owned). */
char *jv_papers_summary_text(const struct jv_papers *p);

/*
 * Writes the summary and the three exports (<outputs dir>/exports/, see
 * outputs/layout.h), each atomically; the paths written are added to
 * `written` (owned strings) when it is not NULL. Returns 0 or -1 with err.
 */
int jv_papers_write_all(const struct jv_papers *p, GPtrArray *written, GError **err);

#endif
