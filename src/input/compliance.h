/*
 * compliance.h - Stage 0: does an entry meet the competition's rules
 * (doc/SPEC.md 2.4)?
 */
#ifndef JV_COMPLIANCE_H
#define JV_COMPLIANCE_H

#include <jansson.h>

struct jv_competition;

/*
 * Checks an image of width x height pixels against competition `c` (may be
 * NULL: only the size is recorded). Returns a new object:
 *   {"passed": bool, "issues": [str], "warnings": [str],
 *    "checks": {"resolution": {"width": int|null, "height": int|null}}}
 * Issues name the numbers ("width 2000 px exceeds the maximum of 1600 px");
 * warnings restate the border, manipulation and watermark policies the
 * competition states. When `decode_error` is non-NULL the image could not be
 * read: passed is false, the only issue is the decoder's reason, and width
 * and height are null.
 */
json_t *jv_compliance_check(int width, int height, const struct jv_competition *c,
                            const char *decode_error);

/*
 * One line for prompts and summaries (owned): "passed (1600x1067)" or
 * "failed: issue; issue (2000x1500)".
 */
char *jv_compliance_summary(const json_t *compliance);

#endif
