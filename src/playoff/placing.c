/* placing.c - the final ranking per category and its placings (see placing.h). */
#include "core/jv.h"

#include <math.h>

#include "core/jsonl.h"
#include "core/limits.h"
#include "outputs/record.h"
#include "playoff/placing.h"

enum basis {
    B_SCORE,
    B_STRENGTH,
    B_H2H,
    B_DECIDER,
    B_DECIDER_SPLIT,
    B_EARLIER,
    B_INITIAL,
    B_HASH,
    B_NONE, /* level on everything (cannot happen with distinct hashes) */
};

static const char *const basis_names[] = {
    "score",        "strength",      "head_to_head", "decider",      "decider_split",
    "earlier_rank", "initial_score", "content_hash", "content_hash",
};

/* One ranked entry of a category. */
struct entry {
    json_t *rec; /* borrowed */
    const char *image, *hash;
    double score, strength, initial;
    long long earlier; /* the rank it had, 0 when none */
    int h2h;           /* wins over the entries level with it */
    int decider;       /* decider wins among the entries level with it */
    bool decided;      /* decider matches were played for it */
    bool settled;      /* an earlier ranking settled its tie with a decider (rule 5 stands) */
    int basis;         /* deepest rule separating it from a neighbour */
};

static double num_or(const json_t *rec, enum jv_rec f, double dflt)
{
    double v;
    return jv_record_num(rec, f, &v) ? v : dflt;
}

/* "a\x1fb" -> wins of a over b, from every decided match in the log. */
static bool log_line(const struct jv_jsonl_line *line, void *user)
{
    GHashTable *wins = user;
    const char *a = json_string_value(json_object_get(line->obj, "a"));
    const char *b = json_string_value(json_object_get(line->obj, "b"));
    const char *w = json_string_value(json_object_get(line->obj, "winner"));
    if (!a || !b || !w)
        return true;
    bool a_won = g_ascii_strcasecmp(w, "A") == 0;
    if (!a_won && g_ascii_strcasecmp(w, "B") != 0)
        return true;
    char *key = g_strdup_printf("%s\x1f%s", a_won ? a : b, a_won ? b : a);
    gpointer n = g_hash_table_lookup(wins, key);
    g_hash_table_replace(wins, key, GINT_TO_POINTER(GPOINTER_TO_INT(n) + 1));
    return true;
}

static int wins_of(GHashTable *wins, const char *a, const char *b)
{
    char *key = g_strdup_printf("%s\x1f%s", a, b);
    int n = GPOINTER_TO_INT(g_hash_table_lookup(wins, key));
    g_free(key);
    return n;
}

/*
 * The rule at which x and y differ (B_NONE when level on all), and the sign
 * (x first: < 0). After a split decider the basis stays "decider_split"
 * whatever lower rule orders the two.
 */
static int compare(const struct entry *x, const struct entry *y, int *basis)
{
    *basis = B_SCORE;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    *basis = B_STRENGTH;
    if (x->strength != y->strength)
        return x->strength > y->strength ? -1 : 1;
    *basis = B_H2H;
    if (x->h2h != y->h2h)
        return x->h2h > y->h2h ? -1 : 1;
    *basis = B_DECIDER;
    bool decided = x->decided && y->decided;
    if (decided && x->decider != y->decider)
        return x->decider > y->decider ? -1 : 1;
    int c = 0, lower = B_NONE;
    if (x->earlier > 0 && y->earlier > 0 && x->earlier != y->earlier) {
        c = x->earlier < y->earlier ? -1 : 1;
        lower = B_EARLIER;
    } else if (x->initial != y->initial) {
        c = x->initial > y->initial ? -1 : 1;
        lower = B_INITIAL;
    } else if ((c = g_strcmp0(x->hash, y->hash)) != 0) {
        lower = B_HASH;
    }
    *basis = decided ? B_DECIDER_SPLIT : lower;
    return c;
}

static gint by_rules(gconstpointer a, gconstpointer b)
{
    int basis;
    return compare(*(struct entry *const *)a, *(struct entry *const *)b, &basis);
}

static gint by_score_strength(gconstpointer a, gconstpointer b)
{
    const struct entry *x = *(struct entry *const *)a, *y = *(struct entry *const *)b;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    if (x->strength != y->strength)
        return x->strength > y->strength ? -1 : 1;
    return 0;
}

/* The driver's per-match hook: deciders are not logged (the results keep the outcome). */
static void decider_finished(struct jv_playoff_job *job, void *ctx)
{
    (void)job;
    (void)ctx;
}

/*
 * Plays the decider matches among entries [from, to) of `es`: each pair
 * twice, once in each order, all handed to the judge together. A win adds
 * one to the winner's `decider`. Returns the number of matches asked, or -1
 * with err when the judge stopped.
 */
static int play_deciders(GPtrArray *es, guint from, guint to, const char *category,
                         const struct jv_playoff_judge *judge, GError **err)
{
    GArray *jobs = g_array_new(FALSE, TRUE, sizeof(struct jv_playoff_job));
    for (guint i = from; i < to; i++)
        for (guint j = i + 1; j < to; j++)
            for (int order = 0; order < 2; order++) {
                const struct entry *a = es->pdata[order ? j : i], *b = es->pdata[order ? i : j];
                struct jv_playoff_job job = {
                    .category = category,
                    .round = -1,
                    .rec_a = a->rec,
                    .rec_b = b->rec,
                    .path_a = a->image,
                    .path_b = b->image,
                    .winner = -1,
                    .tokens = -1,
                };
                g_array_append_val(jobs, job);
            }
    int rc = judge->run(judge->user, (struct jv_playoff_job *)(void *)jobs->data, jobs->len,
                        decider_finished, NULL, err);
    for (guint k = 0; k < jobs->len; k++) {
        struct jv_playoff_job *job = &g_array_index(jobs, struct jv_playoff_job, k);
        if (rc == 0 && job->replied && job->winner >= 0) {
            const char *w = job->winner == 0 ? job->path_a : job->path_b;
            for (guint i = from; i < to; i++) {
                struct entry *e = es->pdata[i];
                if (strcmp(e->image, w) == 0)
                    e->decider++;
            }
        }
        g_free(job->reason);
    }
    for (guint i = from; rc == 0 && i < to; i++)
        ((struct entry *)es->pdata[i])->decided = true;
    int n = (int)jobs->len;
    g_array_free(jobs, TRUE);
    return rc < 0 ? -1 : n;
}

/* The end of the run of entries from `from` that compare level with it so far. */
static guint level_run(GPtrArray *es, guint from, GCompareFunc cmp)
{
    guint to = from + 1;
    while (to < es->len && cmp(&es->pdata[from], &es->pdata[to]) == 0)
        to++;
    return to;
}

/* Head-to-head wins inside each run of entries level on score and strength. */
static void head_to_head(GPtrArray *es, GHashTable *wins)
{
    for (guint from = 0; from < es->len;) {
        guint to = level_run(es, from, by_score_strength);
        for (guint i = from; to - from > 1 && i < to; i++) {
            struct entry *e = es->pdata[i];
            for (guint j = from; j < to; j++)
                if (j != i)
                    e->h2h += wins_of(wins, e->image, ((struct entry *)es->pdata[j])->image);
        }
        from = to;
    }
}

static gint by_h2h_stage(gconstpointer a, gconstpointer b)
{
    gint c = by_score_strength(a, b);
    if (c)
        return c;
    const struct entry *x = *(struct entry *const *)a, *y = *(struct entry *const *)b;
    return x->h2h == y->h2h ? 0 : (x->h2h > y->h2h ? -1 : 1);
}

/*
 * Ranks one category's entries: sorts by score and strength, adds
 * head-to-head, plays deciders where a level run straddles a placing, sorts
 * by every rule, and writes rank, placing and rank_basis. Returns the
 * decider matches asked (stats), or -1 with err.
 */
static int rank_category(GPtrArray *es, const char *category, const struct jv_placing_params *p,
                         GHashTable *wins, json_t *cat_stats, GError **err)
{
    size_t n_placings = p->placings ? g_strv_length((char **)p->placings) : 0;
    g_ptr_array_sort(es, by_score_strength);
    head_to_head(es, wins);
    g_ptr_array_sort(es, by_h2h_stage);
    int deciders = 0;
    for (guint from = 0; from < es->len;) {
        guint to = level_run(es, from, by_h2h_stage);
        bool settled = true;
        for (guint i = from; i < to; i++)
            settled = settled && ((struct entry *)es->pdata[i])->settled;
        if (to - from > 1 && from < n_placings && p->judge && !settled) {
            int n = play_deciders(es, from, to, category, p->judge, err);
            if (n < 0)
                return -1;
            deciders += n;
        }
        from = to;
    }
    g_ptr_array_sort(es, by_rules);
    int split = 0;
    for (guint i = 0; i < es->len; i++) {
        struct entry *e = es->pdata[i];
        int b = B_SCORE;
        if (i > 0)
            compare(es->pdata[i - 1], e, &b);
        e->basis = b;
        if (i + 1 < es->len) {
            compare(e, es->pdata[i + 1], &b);
            e->basis = MAX(e->basis, b);
        }
        split += e->basis == B_DECIDER_SPLIT;
        jv_record_set_int(e->rec, JV_REC_RANK, (long long)i + 1);
        jv_record_set_str(e->rec, JV_REC_PLACING, i < n_placings ? p->placings[i] : NULL);
        jv_record_set_str(e->rec, JV_REC_RANK_BASIS, basis_names[e->basis]);
    }
    json_object_set_new(cat_stats, "ranked", json_integer(es->len));
    json_object_set_new(cat_stats, "deciders", json_integer(deciders));
    json_object_set_new(cat_stats, "decider_split", json_integer(split));
    return deciders;
}

int jv_placing_rank(json_t *records, const struct jv_placing_params *p, json_t **stats_out,
                    GError **err)
{
    GHashTable *wins = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    GError *e = NULL;
    if (p->matches_log &&
        jv_jsonl_read(p->matches_log, JV_LIMIT_MATCHES_LOG, log_line, wins, NULL, &e) < 0) {
        if (!g_error_matches(e, JV_ERROR, JV_ERR_NOT_FOUND)) {
            g_propagate_error(err, e);
            g_hash_table_destroy(wins);
            return -1;
        }
        g_clear_error(&e);
    }
    GHashTable *cats =
        g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)g_ptr_array_unref);
    GPtrArray *order = g_ptr_array_new(); /* category names, first seen first */
    size_t i;
    json_t *rec;
    json_array_foreach(records, i, rec)
    {
        double score;
        const char *cat = jv_record_str(rec, JV_REC_COMPETITION_CATEGORY);
        bool ranked = jv_record_is_ok(rec) && jv_record_num(rec, JV_REC_CRITIQUE_TOTAL, &score);
        if (!ranked) {
            jv_record_set(rec, JV_REC_RANK, NULL);
            jv_record_set(rec, JV_REC_PLACING, NULL);
            jv_record_set(rec, JV_REC_RANK_BASIS, NULL);
            continue;
        }
        cat = cat ? cat : "Uncategorised";
        GPtrArray *es = g_hash_table_lookup(cats, cat);
        if (!es) {
            es = g_ptr_array_new_with_free_func(g_free);
            g_hash_table_insert(cats, (gpointer)cat, es);
            g_ptr_array_add(order, (gpointer)cat);
        }
        struct entry *en = g_new0(struct entry, 1);
        en->rec = rec;
        en->image = jv_record_str(rec, JV_REC_IMAGE);
        en->image = en->image ? en->image : "";
        en->hash = jv_record_str(rec, JV_REC_CONTENT_HASH);
        en->score = score;
        en->strength = num_or(rec, JV_REC_PAIRWISE_STRENGTH, -INFINITY);
        en->initial = num_or(rec, JV_REC_CRITIQUE_TOTAL_INITIAL, score);
        en->earlier = jv_record_int(rec, JV_REC_RANK, 0);
        const char *was = jv_record_str(rec, JV_REC_RANK_BASIS);
        en->settled = en->earlier > 0 && was &&
                      (!strcmp(was, "decider") || !strcmp(was, "decider_split") ||
                       !strcmp(was, "earlier_rank"));
        g_ptr_array_add(es, en);
    }
    json_t *per = json_object();
    int total = 0, rc = 0;
    for (guint k = 0; k < order->len && rc == 0; k++) {
        json_t *cs = json_object();
        int n = rank_category(g_hash_table_lookup(cats, order->pdata[k]), order->pdata[k], p, wins,
                              cs, err);
        json_object_set_new(per, order->pdata[k], cs);
        rc = n < 0 ? -1 : 0;
        total += MAX(n, 0);
    }
    if (stats_out && rc == 0)
        *stats_out = json_pack("{s:i, s:o}", "deciders", total, "per_category", json_incref(per));
    json_decref(per);
    g_ptr_array_free(order, TRUE);
    g_hash_table_destroy(cats);
    g_hash_table_destroy(wins);
    return rc;
}
