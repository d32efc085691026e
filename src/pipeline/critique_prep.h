/*
 * critique_prep.h - what the pipeline adds around the critique engine: the
 * competition's rules and notes as prompt text, a job's critique part filled
 * from its Stage 0-1 item, the award from the competition's bands, and the
 * manifest's "critique" figures.
 */
#ifndef JV_PIPELINE_CRITIQUE_PREP_H
#define JV_PIPELINE_CRITIQUE_PREP_H

#include <jansson.h>

#include "net/http.h"
#include "pipeline/job.h"

struct jv_competition;

/* The competition's rules as "key: value; ..." (owned), or NULL without rules. */
char *jv_critique_prep_rules(const struct jv_competition *c);

/* The competition's notes and --critique-notes, one per line (owned; nullable). */
char *jv_critique_prep_notes(const struct jv_competition *c, const char *critique_notes);

/*
 * Fills job->critique from job->iqa: borrows the item's strings and signals,
 * `notes` and `rules` (which must outlive the job's critique), and makes the
 * compliance summary the job owns.
 */
void jv_critique_prep_job(struct jv_job *job, const char *notes, const char *rules,
                          jv_critique_done_fn done, void *user);

/*
 * A result's total on the competition's scale (registry scale/step): the
 * model's raw score snapped to the scale; on the default 0-20 scale the
 * verdict's own total (critique/critique.h). -1 when the result has none.
 */
int jv_critique_prep_total(const struct jv_competition *c, const struct jv_critique_result *res);

/* The award for a result's total from the competition's bands (static; NULL: none). */
const char *jv_critique_prep_award(const struct jv_competition *c,
                                   const struct jv_critique_result *res);

/* The engine's counters with the endpoints' and the truncated share (new reference). */
json_t *jv_critique_prep_stats(const struct jv_critique_engine *e, const struct jv_http_pool *pool);

#endif
