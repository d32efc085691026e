/*
 * category.h - which competition category an entry belongs to (doc/SPEC.md 2.2).
 */
#ifndef JV_CATEGORY_H
#define JV_CATEGORY_H

/*
 * Returns the category of the image at `path` (owned, g_free), first match
 * wins:
 *   1. `override` (the --critique-category option) when non-NULL and non-empty;
 *   2. the nearest parent folder whose name equals one of `categories`
 *      (case-insensitively; NULL-terminated, may be NULL) -> that category as
 *      spelled in the list;
 *   3. a file name starting with "01_" -> "Mono", otherwise "Colour" (spelled
 *      as in `categories` when the list holds them in another case).
 */
char *jv_category_for(const char *path, const char *override, const char *const *categories);

#endif
