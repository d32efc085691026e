/* failures.c - the failed images of a run by kind of error: the commonest, the streak. */
#include "core/jv.h"

#include "pipeline/failures.h"

struct jv_failure_kind {
    size_t n;
    char *first; /* the first message of this kind */
};

static void kind_free(gpointer p)
{
    struct jv_failure_kind *k = p;
    g_free(k->first);
    g_free(k);
}

void jv_failures_init(struct jv_failures *f)
{
    memset(f, 0, sizeof *f);
    f->kinds = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, kind_free);
}

void jv_failures_release(struct jv_failures *f)
{
    if (f->kinds)
        g_hash_table_destroy(f->kinds);
    g_free(f->streak_kind);
    memset(f, 0, sizeof *f);
}

char *jv_failures_kind(const char *error)
{
    GString *kind = g_string_sized_new(strlen(error));
    for (const char *p = error; *p;) {
        if (!g_ascii_isdigit(*p)) {
            g_string_append_c(kind, *p++);
            continue;
        }
        const char *end = p;
        while (g_ascii_isdigit(*end))
            end++;
        bool status = kind->len >= 5 && strcmp(kind->str + kind->len - 5, "HTTP ") == 0;
        if (status)
            g_string_append_len(kind, p, end - p);
        else
            g_string_append_c(kind, '#');
        p = end;
    }
    return g_string_free(kind, FALSE);
}

size_t jv_failures_add(struct jv_failures *f, const char *error, bool in_a_row)
{
    char *kind = jv_failures_kind(error);
    struct jv_failure_kind *k = g_hash_table_lookup(f->kinds, kind);
    if (!k) {
        k = g_new0(struct jv_failure_kind, 1);
        k->first = g_strdup(error);
        g_hash_table_insert(f->kinds, g_strdup(kind), k);
    }
    k->n++;
    if (!in_a_row) {
        g_free(kind);
        return 0;
    }
    if (g_strcmp0(kind, f->streak_kind) != 0) {
        g_free(f->streak_kind);
        f->streak_kind = kind;
        f->streak = 0;
    } else {
        g_free(kind);
    }
    return ++f->streak;
}

void jv_failures_ok(struct jv_failures *f)
{
    g_clear_pointer(&f->streak_kind, g_free);
    f->streak = 0;
}

const char *jv_failures_commonest(const struct jv_failures *f, size_t *count)
{
    GHashTableIter it;
    gpointer key, value;
    const char *best_kind = NULL, *best = NULL;
    size_t most = 0;
    g_hash_table_iter_init(&it, f->kinds);
    while (g_hash_table_iter_next(&it, &key, &value)) {
        const struct jv_failure_kind *k = value;
        if (k->n > most || (k->n == most && strcmp(key, best_kind) < 0)) {
            best_kind = key;
            best = k->first;
            most = k->n;
        }
    }
    if (count)
        *count = most;
    return best;
}
