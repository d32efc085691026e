/* schedule.c - who meets whom in the playoff: eig, round robin, Swiss and random schedules. */
#include "core/jv.h"

#include "playoff/bt.h"
#include "playoff/eig.h"
#include "playoff/rank.h"
#include "playoff/schedule.h"

/* Depth-first pairing gives up after this many tries and pairs greedily. */
#define PAIRING_STEP_CAP 2000000

int jv_schedule_rounds_for_size(size_t n)
{
    if (n <= 10)
        return 3;
    if (n <= 20)
        return 4;
    if (n <= 35)
        return 5;
    return 6;
}

int jv_schedule_comparisons(int explicit_rounds, int competition_rounds, size_t n)
{
    if (explicit_rounds > 0)
        return explicit_rounds;
    if (competition_rounds > 0)
        return competition_rounds;
    return jv_schedule_rounds_for_size(n);
}

int jv_schedule_budget(size_t n, int rounds)
{
    if (n < 2)
        return 0;
    long pairs = (long)(n * (n - 1) / 2);
    long b = ((long)n * MAX(rounds, 1) + 1) / 2;
    b = MAX(b, MIN(28, pairs));
    return (int)MIN(b, 2 * pairs);
}

struct jv_schedule {
    size_t n;
    enum jv_schedule_kind kind;
    int rounds;
    uint64_t seed;
    int next_round;
    double *initial;
    int *wins;
    int *comparisons;
    int *byes;
    guint8 *met;     /* n*n */
    GArray *results; /* struct jv_bt_match */
    GArray *obs;     /* struct jv_post_obs, shown-first entry as a */
    struct jv_eig *eig;
    int budget; /* eig */
    /* scratch of the pairing search */
    unsigned *order;
    unsigned *partner;
    double *strength;
    int *strength_cls, *initial_cls; /* tie classes (rank.h) */
    long steps;
};

const char *jv_schedule_kind_name(enum jv_schedule_kind k)
{
    switch (k) {
    case JV_KIND_ROUND_ROBIN:
        return "round_robin";
    case JV_KIND_SWISS:
        return "swiss";
    case JV_KIND_RANDOM:
        return "random";
    case JV_KIND_EIG:
        return "eig";
    }
    return "unknown";
}

struct jv_schedule *jv_schedule_new(size_t n, const double *initial, int rounds,
                                    enum jv_playoff_schedule scheme, uint64_t seed)
{
    struct jv_schedule *s = g_new0(struct jv_schedule, 1);
    s->n = n;
    s->rounds = rounds < 1 ? 1 : rounds;
    s->seed = seed;
    if (scheme == JV_SCHEDULE_RANDOM)
        s->kind = JV_KIND_RANDOM;
    else
        s->kind = n <= JV_ROUND_ROBIN_MAX ? JV_KIND_ROUND_ROBIN : JV_KIND_SWISS;
    s->initial = g_new0(double, n ? n : 1);
    if (initial)
        memcpy(s->initial, initial, n * sizeof(double));
    s->wins = g_new0(int, n ? n : 1);
    s->comparisons = g_new0(int, n ? n : 1);
    s->byes = g_new0(int, n ? n : 1);
    s->met = g_new0(guint8, n ? n * n : 1);
    s->results = g_array_new(FALSE, FALSE, sizeof(struct jv_bt_match));
    s->obs = g_array_new(FALSE, FALSE, sizeof(struct jv_post_obs));
    if (scheme == JV_SCHEDULE_EIG) {
        s->kind = JV_KIND_EIG;
        s->budget = jv_schedule_budget(n, s->rounds);
        s->eig = jv_eig_new(n, s->initial, s->budget, JV_EIG_PER_ROUND, true, seed);
    }
    s->order = g_new0(unsigned, n ? n : 1);
    s->partner = g_new0(unsigned, n ? n : 1);
    s->strength = g_new0(double, n ? n : 1);
    s->strength_cls = g_new0(int, n ? n : 1);
    s->initial_cls = g_new0(int, n ? n : 1);
    return s;
}

struct jv_schedule *jv_schedule_new_eig(size_t n, const double *initial, int rounds, uint64_t seed,
                                        int per_round, bool podium)
{
    struct jv_schedule *s = jv_schedule_new(n, initial, rounds, JV_SCHEDULE_SWISS, seed);
    s->kind = JV_KIND_EIG;
    s->budget = jv_schedule_budget(n, s->rounds);
    s->eig = jv_eig_new(n, initial, s->budget, per_round, podium, seed);
    return s;
}

void jv_schedule_free(struct jv_schedule *s)
{
    if (!s)
        return;
    jv_eig_free(s->eig);
    g_array_free(s->obs, TRUE);
    g_free(s->initial);
    g_free(s->wins);
    g_free(s->comparisons);
    g_free(s->byes);
    g_free(s->met);
    g_array_free(s->results, TRUE);
    g_free(s->order);
    g_free(s->partner);
    g_free(s->strength);
    g_free(s->strength_cls);
    g_free(s->initial_cls);
    g_free(s);
}

enum jv_schedule_kind jv_schedule_kind_of(const struct jv_schedule *s)
{
    return s->kind;
}

static void mark_met(struct jv_schedule *s, unsigned i, unsigned j)
{
    s->met[(size_t)i * s->n + j] = 1;
    s->met[(size_t)j * s->n + i] = 1;
}

int jv_schedule_wins(const struct jv_schedule *s, unsigned i)
{
    return i < s->n ? s->wins[i] : 0;
}

int jv_schedule_decided(const struct jv_schedule *s, unsigned i)
{
    return i < s->n ? s->comparisons[i] : 0;
}

int jv_schedule_byes(const struct jv_schedule *s, unsigned i)
{
    return i < s->n ? s->byes[i] : 0;
}

void jv_schedule_strengths(const struct jv_schedule *s, double *out)
{
    jv_bt_fit(s->n, (const struct jv_bt_match *)(void *)s->results->data, s->results->len, out);
}

const struct jv_post_obs *jv_schedule_observations(const struct jv_schedule *s, size_t *count)
{
    *count = s->obs->len;
    return (const struct jv_post_obs *)(void *)s->obs->data;
}

size_t jv_schedule_planned(const struct jv_schedule *s)
{
    switch (s->kind) {
    case JV_KIND_EIG:
        return (size_t)s->budget;
    case JV_KIND_ROUND_ROBIN:
        return s->n * (s->n - (s->n > 0)) / 2;
    case JV_KIND_SWISS:
        return (s->n / 2) * (size_t)s->rounds;
    case JV_KIND_RANDOM:
        return (s->n * (size_t)s->rounds + 1) / 2;
    }
    return 0;
}

void jv_schedule_record(struct jv_schedule *s, unsigned a, unsigned b, int winner)
{
    if (a >= s->n || b >= s->n || a == b)
        return;
    mark_met(s, a, b);
    if (winner != 0 && winner != 1)
        return;
    struct jv_bt_match m = {winner == 0 ? a : b, winner == 0 ? b : a};
    g_array_append_val(s->results, m);
    struct jv_post_obs o = {a, b, winner == 0};
    g_array_append_val(s->obs, o);
    s->wins[m.winner]++;
    s->comparisons[a]++;
    s->comparisons[b]++;
}

/* Per-round generator: the same seed and round always give the same draws. */
static void round_rng(const struct jv_schedule *s, int round, struct jv_rng *r)
{
    jv_rng_seed(r, s->seed ^ ((uint64_t)(round + 1) * UINT64_C(0xD1B54A32D192ED03)));
    jv_rng_next(r);
}

static void append_pair(GArray *out, struct jv_rng *r, unsigned x, unsigned y)
{
    struct jv_pair p = {x, y};
    if (jv_rng_next(r) >> 63) {
        p.a = y;
        p.b = x;
    }
    g_array_append_val(out, p);
}

/* Standing order: better first (strength and score by tie class, so never by rounding noise). */
static gint by_standing(gconstpointer pa, gconstpointer pb, gpointer data)
{
    const struct jv_schedule *s = data;
    unsigned a = *(const unsigned *)pa, b = *(const unsigned *)pb;
    if (s->wins[a] != s->wins[b])
        return s->wins[a] > s->wins[b] ? -1 : 1;
    if (s->strength_cls[a] != s->strength_cls[b])
        return s->strength_cls[a] < s->strength_cls[b] ? -1 : 1;
    if (s->initial_cls[a] != s->initial_cls[b])
        return s->initial_cls[a] < s->initial_cls[b] ? -1 : 1;
    return a < b ? -1 : (a > b);
}

/*
 * Pairs the entries order[0..m) (by standing), skipping `skip`: the first
 * unpaired entry takes the closest-standing unpaired entry it has not met;
 * backtracks when the rest cannot be paired. partner[] holds pairings by
 * position (UINT_MAX = unpaired). Returns true when every entry is paired.
 */
static bool pair_from(struct jv_schedule *s, size_t m, size_t skip)
{
    size_t first = 0;
    while (first < m && (first == skip || s->partner[first] != UINT_MAX))
        first++;
    if (first == m)
        return true;
    for (size_t c = first + 1; c < m; c++) {
        if (c == skip || s->partner[c] != UINT_MAX)
            continue;
        if (s->met[(size_t)s->order[first] * s->n + s->order[c]])
            continue;
        if (++s->steps > PAIRING_STEP_CAP)
            return false;
        s->partner[first] = (unsigned)c;
        s->partner[c] = (unsigned)first;
        if (pair_from(s, m, skip))
            return true;
        s->partner[first] = UINT_MAX;
        s->partner[c] = UINT_MAX;
    }
    return false;
}

/*
 * The preferred pairing order of this round (Dutch system): entries in
 * standing order, skipping `skip`, grouped by wins; within a group the top
 * half meets the bottom half (1st v (h+1)th, 2nd v (h+2)th ...), written as
 * consecutive positions; an odd group's lowest entry floats down to the top
 * of the next group. Pairing by closeness of standing alone (1st v 2nd)
 * ranks worse: early lucky wins are never tested against the field
 * (bench/playoff_quality.sh measures both).
 */
static size_t pairing_order(struct jv_schedule *s, const unsigned *standing, size_t skip)
{
    size_t n = s->n, m = 0;
    unsigned *group = s->partner; /* scratch; reset before the pairing search */
    size_t g = 0;                 /* members of the current group, a floater first */
    bool members = false;         /* the group has an entry of its own wins yet */
    int wins = 0;
    for (size_t pos = 0; pos <= n; pos++) {
        if (pos == skip)
            continue;
        if (pos < n && (!members || s->wins[standing[pos]] == wins)) {
            group[g++] = standing[pos];
            wins = s->wins[standing[pos]];
            members = true;
            continue;
        }
        size_t h = g / 2;
        for (size_t i = 0; i < h; i++) {
            s->order[m++] = group[i];
            s->order[m++] = group[h + i];
        }
        g = g % 2;
        if (g)
            group[0] = group[2 * h]; /* the lowest floats down */
        members = false;
        if (pos < n) {
            group[g++] = standing[pos];
            wins = s->wins[standing[pos]];
            members = true;
        }
    }
    for (size_t i = 0; i < g; i++) /* a last floater (cannot happen with an even count) */
        s->order[m++] = group[i];
    return m;
}

/*
 * One Swiss round: orders the entries by standing, gives the bye (odd n) to
 * the lowest-standing entry among those with the fewest byes, then pairs the
 * rest Dutch style with backtracking so that no pair meets twice. Appends the
 * pairs to `out` (sides from the round's seeded generator) and stores the bye
 * in *bye (-1 for none).
 */
static void swiss_round(struct jv_schedule *s, int round, GArray *out, int *bye)
{
    size_t n = s->n;
    jv_schedule_strengths(s, s->strength);
    jv_tie_classes(s->strength, n, JV_TIE_TOL, s->strength_cls);
    jv_tie_classes(s->initial, n, JV_TIE_TOL, s->initial_cls);
    unsigned *standing = g_new(unsigned, n);
    for (size_t i = 0; i < n; i++)
        standing[i] = (unsigned)i;
    g_qsort_with_data(standing, (gint)n, sizeof(unsigned), by_standing, s);

    /*
     * Bye candidates: the entries with the fewest byes, lowest standing first
     * (only those, so nobody has a second bye before everyone had one).
     */
    GArray *cand = g_array_new(FALSE, FALSE, sizeof(size_t));
    if (n % 2 == 1) {
        int min_byes = INT_MAX;
        for (size_t i = 0; i < n; i++)
            min_byes = MIN(min_byes, s->byes[i]);
        for (size_t pos = n; pos-- > 0;)
            if (s->byes[standing[pos]] == min_byes)
                g_array_append_val(cand, pos);
    } else {
        size_t none = SIZE_MAX;
        g_array_append_val(cand, none);
    }

    bool paired = false;
    size_t skip = SIZE_MAX, m = 0;
    s->steps = 0;
    for (guint c = 0; c < cand->len && !paired; c++) {
        skip = g_array_index(cand, size_t, c);
        m = pairing_order(s, standing, skip);
        for (size_t i = 0; i < m; i++)
            s->partner[i] = UINT_MAX;
        paired = pair_from(s, m, SIZE_MAX);
        if (s->steps > PAIRING_STEP_CAP)
            break;
    }
    if (!paired) {
        /*
         * No complete pairing without a rematch was found in the step budget:
         * pair greedily, leaving out whoever has no new opponent this round.
         */
        skip = g_array_index(cand, size_t, 0);
        m = pairing_order(s, standing, skip);
        for (size_t i = 0; i < m; i++)
            s->partner[i] = UINT_MAX;
        for (size_t i = 0; i < m; i++) {
            if (s->partner[i] != UINT_MAX)
                continue;
            for (size_t c = i + 1; c < m; c++) {
                if (s->partner[c] != UINT_MAX || s->met[(size_t)s->order[i] * n + s->order[c]])
                    continue;
                s->partner[i] = (unsigned)c;
                s->partner[c] = (unsigned)i;
                break;
            }
        }
    }
    g_array_free(cand, TRUE);

    struct jv_rng r;
    round_rng(s, round, &r);
    for (size_t i = 0; i < m; i++) {
        if (s->partner[i] == UINT_MAX || s->partner[i] < i)
            continue;
        unsigned x = s->order[i], y = s->order[s->partner[i]];
        mark_met(s, x, y);
        append_pair(out, &r, x, y);
    }
    if (skip != SIZE_MAX) {
        s->byes[standing[skip]]++;
        if (bye)
            *bye = (int)standing[skip];
    }
    g_free(standing);
}

/*
 * The Python version's scheme: random opponents without rematches until each
 * entry has `rounds` comparisons (or nobody new is left to meet). The entry
 * with the fewest comparisons picks next (ties at random), so nobody is left
 * out while others fill up.
 */
static void random_round(struct jv_schedule *s, GArray *out)
{
    size_t n = s->n;
    struct jv_rng r;
    round_rng(s, 0, &r);
    int *count = g_new0(int, n);
    guint8 *stuck = g_new0(guint8, n);
    unsigned *cand = g_new(unsigned, n);
    for (;;) {
        /* the open entries with the fewest comparisons */
        size_t nc = 0;
        int least = INT_MAX;
        for (unsigned i = 0; i < n; i++) {
            if (stuck[i] || count[i] >= s->rounds)
                continue;
            if (count[i] < least) {
                least = count[i];
                nc = 0;
            }
            if (count[i] == least)
                cand[nc++] = i;
        }
        if (nc == 0)
            break;
        unsigned i = cand[jv_rng_below(&r, nc)];
        nc = 0;
        for (unsigned j = 0; j < n; j++)
            if (j != i && count[j] < s->rounds && !s->met[(size_t)i * n + j])
                cand[nc++] = j;
        if (nc == 0) {
            stuck[i] = 1;
            continue;
        }
        unsigned j = cand[jv_rng_below(&r, nc)];
        mark_met(s, i, j);
        count[i]++;
        count[j]++;
        append_pair(out, &r, i, j);
    }
    g_free(count);
    g_free(stuck);
    g_free(cand);
}

static void round_robin(struct jv_schedule *s, GArray *out)
{
    struct jv_rng r;
    round_rng(s, 0, &r);
    for (unsigned i = 0; i < s->n; i++)
        for (unsigned j = i + 1; j < s->n; j++) {
            mark_met(s, i, j);
            append_pair(out, &r, i, j);
        }
}

int jv_schedule_next_round(struct jv_schedule *s, GArray *out, int *bye)
{
    g_array_set_size(out, 0);
    if (bye)
        *bye = -1;
    if (s->kind == JV_KIND_EIG) {
        if (s->n < 2 ||
            !jv_eig_next_round(s->eig, s->next_round, (const void *)s->obs->data, s->obs->len, out))
            return -1;
        for (guint k = 0; k < out->len; k++) {
            struct jv_pair *p = &g_array_index(out, struct jv_pair, k);
            mark_met(s, p->a, p->b);
        }
        return s->next_round++;
    }
    int last = s->kind == JV_KIND_SWISS ? s->rounds : 1;
    if (s->n < 2 || s->next_round >= last)
        return -1;
    int round = s->next_round++;
    switch (s->kind) {
    case JV_KIND_EIG:
        break;
    case JV_KIND_ROUND_ROBIN:
        round_robin(s, out);
        break;
    case JV_KIND_RANDOM:
        random_round(s, out);
        break;
    case JV_KIND_SWISS:
        swiss_round(s, round, out, bye);
        if (out->len == 0) {
            /* everyone has met everyone they can: the schedule ends early */
            s->next_round = last;
            return -1;
        }
        break;
    }
    return round;
}
