/*
 * category.c - category of an entry from options, folders and file names.
 */
#include "core/jv.h"

#include "input/category.h"

/* The list's spelling of `name`, or NULL if the list lacks it. Folder names
 * may not be UTF-8, so the comparison is ASCII case-insensitive on bytes. */
static const char *find_category(const char *name, size_t len, const char *const *categories)
{
    for (size_t i = 0; categories && categories[i]; i++)
        if (strlen(categories[i]) == len && g_ascii_strncasecmp(categories[i], name, len) == 0)
            return categories[i];
    return NULL;
}

char *jv_category_for(const char *path, const char *override, const char *const *categories)
{
    if (override && *override)
        return g_strdup(override);

    /* Walk the parent folders from the nearest outwards. */
    const char *base = strrchr(path, '/');
    const char *end = base;
    while (end && end > path) {
        const char *start = end;
        while (start > path && start[-1] != '/')
            start--;
        const char *hit = find_category(start, (size_t)(end - start), categories);
        if (hit)
            return g_strdup(hit);
        end = start > path ? start - 1 : NULL;
    }

    const char *file = base ? base + 1 : path;
    const char *fallback = g_str_has_prefix(file, "01_") ? "Mono" : "Colour";
    const char *spelled = find_category(fallback, strlen(fallback), categories);
    return g_strdup(spelled ? spelled : fallback);
}
