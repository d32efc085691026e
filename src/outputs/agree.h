/*
 * agree.h - how the model's marks of a round compare with the club's own
 * judges' (doc/SPEC.md 3.2), and the pairs a calibration is fitted on.
 *
 * Matching: a human row's `file` matches the record whose image path ends
 * with it at a folder boundary ("Mono/p1.jpg" matches ".../round/Mono/p1.jpg");
 * without a file, its `title` matches the record's image_title or file stem
 * (without regard to case). A row that matches no record, or more than one,
 * is listed as unmatched, never guessed.
 *
 * Ownership: the functions borrow their inputs and return new references.
 */
#ifndef JV_OUTPUTS_AGREE_H
#define JV_OUTPUTS_AGREE_H

#include <jansson.h>

#include "input/human_csv.h"

/*
 * The agreement report of `records` (a results array) with `human`:
 *   {human, matched, unmatched: [{line, file, title, why}], overall: FIGURES,
 *    per_category: {name: FIGURES}, entries: [ENTRY], differ_most: [ENTRY]}
 * FIGURES: {n, scored (pairs with both scores), spearman, kendall_tau_b,
 *   within: {"0", "1", "2"} (shares of scored pairs within that many marks),
 *   mean_difference (model - human), awards: {labels, table (rows model,
 *   columns human; "" is no award), agreement} or null without an award
 *   column, placing: {model_top3, human_top3 (images), in_both, same_place}
 *   or null}; a figure that is undefined is null.
 * ENTRY: {image, title, category, model, model_raw, human, difference,
 *   model_award, human_award, model_placing, human_placing}; entries are
 *   sorted by |difference| (largest first), differ_most holds those at least
 *   2 marks apart (at most 10).
 * The model's score is critique_total; its placing is the rank in its
 * category by critique_total, then pairwise_strength; the human placing is
 * the CSV's, else the rank by the human score.
 */
json_t *jv_agree_report(const json_t *records, const struct jv_human *human);

/*
 * The (raw model score, human mark, category) triples for a calibration:
 * {"x": [critique_total_raw, else critique_total], "y": [human score],
 *  "category": [...]} over the rows with both (new reference). *unmatched
 * counts the rows left out.
 */
json_t *jv_agree_pairs(const json_t *records, const struct jv_human *human, size_t *unmatched);

#endif
