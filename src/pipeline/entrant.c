/* entrant.c - the author, title and category of an entry (see entrant.h). */
#include "core/jv.h"

#include "pipeline/entrant.h"

static void replace(char **slot, const char *v)
{
    char *copy = g_strdup(v);
    g_free(*slot);
    *slot = copy;
}

/* The competition's spelling of `name` when it is one of its categories, else NULL. */
static const char *known_category(const struct jv_competition *c, const char *name)
{
    for (size_t i = 0; c && name && c->categories[i]; i++)
        if (g_utf8_collate(c->categories[i], name) == 0 ||
            g_ascii_strcasecmp(c->categories[i], name) == 0)
            return c->categories[i];
    return NULL;
}

void jv_entrant_resolve(struct jv_job *job, const struct jv_entry_list *entries,
                        const struct jv_competition *c, const char *category_override)
{
    struct jv_iqa_item *it = &job->iqa;
    const struct jv_entry *e = jv_entry_list_find(entries, it->path_utf8);
    char *pt = NULL, *pa = NULL, *pc = NULL;
    if (c && c->filename_pattern) {
        char *base = g_path_get_basename(it->path_utf8);
        char *dot = strrchr(base, '.');
        if (dot && dot != base)
            *dot = '\0';
        jv_filename_pattern_match(c->filename_pattern, base, &pt, &pa, &pc);
        g_free(base);
    }
    job->author_source = it->author ? JV_AUTHOR_FROM_METADATA : NULL;
    if (e) {
        replace(&it->author, e->author);
        job->author_source = JV_AUTHOR_FROM_ENTRY_LIST;
    } else if (!it->author && pa) {
        replace(&it->author, pa);
        job->author_source = JV_AUTHOR_FROM_FILENAME;
    }
    if (e && e->title)
        replace(&it->title, e->title);
    else if (!it->title && pt)
        replace(&it->title, pt);
    bool forced = category_override && *category_override;
    const char *cat = known_category(c, e ? e->category : NULL);
    if (!cat)
        cat = known_category(c, pc);
    if (!forced && cat)
        replace(&it->category, cat);
    g_free(pt);
    g_free(pa);
    g_free(pc);
}
