/*
 * warnings.h - the round's checks after judging (doc/SPEC.md 2.9): rule
 * breaches and likely mistakes a club must see before the results are read
 * out. Each is a sentence naming the entries it concerns:
 *   entries_per_author  an author with more entries in the round than the
 *                       registry's max_entries_per_author;
 *   duplicate           the same photo (content hash) entered more than once;
 *   colour_in_mono      a photo in a mono category whose measured mean
 *                       saturation (Stage 1 `saturation`, 0-1) is above
 *                       JV_MONO_MAX_SATURATION: a colour photo;
 *   no_category         a sub-folder of an input folder whose name is no
 *                       category of the competition (its photos were filed
 *                       by the file-name rule instead);
 *   compliance          every Stage 0 compliance issue.
 */
#ifndef JV_PIPELINE_WARNINGS_H
#define JV_PIPELINE_WARNINGS_H

#include <jansson.h>

#include "input/registry.h"

/*
 * Mono: a photo whose mean HSV saturation is at most this. Toned mono
 * (sepia, selenium) stays well below it; the lowest-saturation colour
 * photos of the test sets are above 0.2.
 */
#define JV_MONO_MAX_SATURATION 0.15

/* True for a category name that means monochrome ("Mono", "Monochrome", "Black and White"). */
bool jv_category_is_mono(const char *name);

/*
 * Checks `records` (borrowed array; each record's `warnings` is set, to null
 * when it has none) against competition `c` (nullable) with the run's input
 * folders (NULL-terminated, nullable). Returns the round's warnings as a new
 * array of {"kind", "message", "images": [image paths]}.
 */
json_t *jv_warnings_check(json_t *records, const struct jv_competition *c,
                          const char *const *input_dirs);

#endif
