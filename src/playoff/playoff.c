/* playoff.c - the playoff driver: cohorts, rounds, the matches log, the adjusted scores. */
#include "core/jv.h"

#include <math.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/fsutil.h"
#include "core/jsonl.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/stats.h"
#include "outputs/layout.h"
#include "outputs/record.h"
#include "playoff/adjust.h"
#include "playoff/eig.h"
#include "playoff/playoff.h"
#include "playoff/posterior.h"
#include "playoff/rank.h"
#include "playoff/schedule.h"

#define NO_CATEGORY "(none)"

/* The run as a whole. */
struct run {
    const struct jv_playoff_params *p;
    GHashTable *logged; /* key -> json_t (owned) */
    int fd;             /* matches log, -1 = none */
    const char *log_path;
    size_t scheduled, completed, resumed, no_decision, failed;
    GError *write_error;
};

/* One category's cohort. */
struct cohort {
    struct run *run;
    const char *category;
    json_t *records; /* borrowed: the whole array */
    size_t n;
    size_t *rec;       /* record index of each entry */
    const char **path; /* image path of each entry (borrowed from the records) */
    double *initial;   /* Stage 2 score of each entry */
    double *latency;   /* summed match latencies per entry */
    uint64_t seed;     /* the category's */
    struct jv_schedule *sched;
    size_t done, total;
    struct jv_stats seconds;
};

/* The log key of a match: category, round and the pair in the order shown (the eig
 * schedule may show a pair both ways in one round). */
static char *match_key(const char *category, int round, const char *a, const char *b)
{
    return g_strdup_printf("%s\x1f%d\x1f%s\x1f%s", category, round, a, b);
}

/* Takes one line of the matches log into run->logged; a line that is no match is warned about. */
static bool log_line(const struct jv_jsonl_line *line, void *user)
{
    struct run *r = user;
    json_t *m = line->obj;
    const char *cat = json_string_value(json_object_get(m, "category"));
    const char *a = json_string_value(json_object_get(m, "a"));
    const char *b = json_string_value(json_object_get(m, "b"));
    json_t *round = json_object_get(m, "round");
    if (!cat || !a || !b || !json_is_integer(round)) {
        jv_warn("%s:%zu: not a match record, skipped", r->log_path, line->lineno);
        return true;
    }
    g_hash_table_replace(r->logged, match_key(cat, (int)json_integer_value(round), a, b),
                         json_incref(m));
    return true;
}

/*
 * Reads the matches log (if any) into run->logged, drops a torn last line (a
 * write cut short by a kill) and opens the log for appends.
 */
static int load_log(struct run *r, GError **err)
{
    r->fd = -1;
    if (!r->log_path)
        return 0;
    if (g_file_test(r->log_path, G_FILE_TEST_EXISTS)) {
        struct jv_jsonl_stats st;
        if (jv_jsonl_read(r->log_path, JV_LIMIT_MATCHES_LOG, log_line, r, &st, err) < 0)
            return -1;
        if (st.torn) {
            if (truncate(r->log_path, st.torn_offset) != 0) {
                g_set_error(err, JV_ERROR, JV_ERR_IO, "cannot drop the torn last line of %s: %s",
                            r->log_path, g_strerror(errno));
                return -1;
            }
            jv_warn("%s: dropped a torn last line", r->log_path);
        }
    }
    r->fd = jv_open_append(r->log_path, err);
    return r->fd < 0 ? -1 : 0;
}

static void write_match(struct run *r, const struct jv_playoff_job *job)
{
    char ts[JV_ISO8601_LEN];
    json_t *line = json_pack(
        "{s:s, s:s, s:s, s:o, s:s?, s:f, s:o, s:i, s:s, s:s?, s:s?, s:s?, s:s?}", "category",
        job->category, "a", job->path_a, "b", job->path_b, "winner",
        job->winner == 0   ? json_string("A")
        : job->winner == 1 ? json_string("B")
                           : json_null(),
        "reason", job->reason, "latency", job->latency_s, "tokens",
        job->tokens >= 0 ? json_integer(job->tokens) : json_null(), "round", job->round,
        "timestamp", jv_clock_iso8601(jv_clock_wall(), ts), "model", r->p->model, "prompt_sha256",
        r->p->prompt_sha256, "hash_a", jv_record_str(job->rec_a, JV_REC_CONTENT_HASH), "hash_b",
        jv_record_str(job->rec_b, JV_REC_CONTENT_HASH));
    jv_log_event(JV_LOG_INFO, "stage3_match",
                 json_pack("{s:s, s:s, s:s, s:O, s:f, s:O}", "category", job->category, "a",
                           job->path_a, "b", job->path_b, "winner", json_object_get(line, "winner"),
                           "latency", job->latency_s, "tokens", json_object_get(line, "tokens")));
    if (r->fd >= 0 && !r->write_error &&
        jv_jsonl_append(r->fd, line, r->log_path, NULL, &r->write_error) < 0)
        jv_warn("%s", r->write_error->message);
    json_decref(line);
}

static void progress(struct cohort *c, const char *message)
{
    const struct jv_playoff_params *p = c->run->p;
    if (p->progress)
        p->progress(p->user, c->category, c->done, c->total, message);
}

/* Accounts one finished match (asked or replayed) of entries i and j. */
static void account(struct cohort *c, unsigned i, unsigned j, const struct jv_playoff_job *job,
                    bool replayed)
{
    struct run *r = c->run;
    if (!job->replied) {
        r->failed++;
        return;
    }
    r->completed++;
    if (replayed)
        r->resumed++;
    if (job->winner < 0)
        r->no_decision++;
    c->latency[i] += job->latency_s;
    c->latency[j] += job->latency_s;
    jv_stats_add(&c->seconds, job->latency_s);
}

struct finish_ctx {
    struct cohort *c;
    struct jv_playoff_job *jobs;
    struct jv_pair *pairs; /* of the jobs, entry indices */
};

static void on_finished(struct jv_playoff_job *job, void *ctx)
{
    struct finish_ctx *f = ctx;
    struct jv_pair *pr = &f->pairs[job - f->jobs];
    if (job->replied)
        write_match(f->c->run, job);
    account(f->c, pr->a, pr->b, job, false);
    f->c->done++;
    progress(f->c, NULL);
}

static void job_for(struct cohort *c, int round, const struct jv_pair *pr,
                    struct jv_playoff_job *job)
{
    memset(job, 0, sizeof(*job));
    job->category = c->category;
    job->round = round;
    job->rec_a = json_array_get(c->records, c->rec[pr->a]);
    job->rec_b = json_array_get(c->records, c->rec[pr->b]);
    job->path_a = c->path[pr->a];
    job->path_b = c->path[pr->b];
    job->winner = -1;
    job->tokens = -1;
}

/* A logged field equals `want`; a line without the field never does (an older log). */
static bool logged_is(const json_t *m, const char *field, const char *want)
{
    const json_t *v = json_object_get(m, field);
    return v && g_strcmp0(json_string_value(v), want) == 0;
}

/* The logged match was judged by this model and prompt, on these very images. */
static bool same_judging(const struct jv_playoff_params *p, const json_t *m,
                         const struct jv_playoff_job *job, const char *la)
{
    bool a_first = g_strcmp0(la, job->path_a) == 0;
    const json_t *ra = a_first ? job->rec_a : job->rec_b, *rb = a_first ? job->rec_b : job->rec_a;
    return logged_is(m, "model", p->model) && logged_is(m, "prompt_sha256", p->prompt_sha256) &&
           logged_is(m, "hash_a", jv_record_str(ra, JV_REC_CONTENT_HASH)) &&
           logged_is(m, "hash_b", jv_record_str(rb, JV_REC_CONTENT_HASH));
}

/* Replays a logged match into `job`; false when the pair is not in the log or was judged otherwise.
 */
static bool replay(struct cohort *c, struct jv_playoff_job *job)
{
    char *key = match_key(c->category, job->round, job->path_a, job->path_b);
    json_t *m = g_hash_table_lookup(c->run->logged, key);
    g_free(key);
    const char *la = json_string_value(json_object_get(m, "a"));
    const char *lb = json_string_value(json_object_get(m, "b"));
    if (!m || !same_judging(c->run->p, m, job, la))
        return false;
    const char *w = json_string_value(json_object_get(m, "winner"));
    const char *winner_path = w && !g_ascii_strcasecmp(w, "A")   ? la
                              : w && !g_ascii_strcasecmp(w, "B") ? lb
                                                                 : NULL;
    job->replied = true;
    job->winner = winner_path ? (strcmp(winner_path, job->path_a) == 0 ? 0 : 1) : -1;
    const char *reason = json_string_value(json_object_get(m, "reason"));
    job->reason = reason ? g_strdup(reason) : NULL;
    job->latency_s = json_number_value(json_object_get(m, "latency"));
    json_t *t = json_object_get(m, "tokens");
    job->tokens = json_is_integer(t) ? (long)json_integer_value(t) : -1;
    return true;
}

/*
 * Plays one round of a cohort: pairs already in the matches log are replayed
 * from it, the others are handed to the judge together; then every result
 * goes to the schedule in pair order. Returns 0, or -1 with err when the
 * judge stopped.
 */
static int run_round(struct cohort *c, int round, GArray *pairs, GError **err)
{
    struct run *r = c->run;
    size_t n = pairs->len;
    struct jv_playoff_job *jobs = g_new0(struct jv_playoff_job, n ? n : 1);
    struct jv_pair *ask_pairs = g_new0(struct jv_pair, n ? n : 1);
    struct jv_playoff_job *ask = g_new0(struct jv_playoff_job, n ? n : 1);
    size_t *asked_as = g_new(size_t, n ? n : 1); /* pair -> index in ask, or SIZE_MAX */
    size_t nask = 0;
    int rc = 0;

    r->scheduled += n;
    for (size_t k = 0; k < n; k++) {
        struct jv_pair *pr = &g_array_index(pairs, struct jv_pair, k);
        job_for(c, round, pr, &jobs[k]);
        asked_as[k] = SIZE_MAX;
        if (replay(c, &jobs[k])) {
            account(c, pr->a, pr->b, &jobs[k], true);
            c->done++;
            continue;
        }
        asked_as[k] = nask;
        ask[nask] = jobs[k];
        ask_pairs[nask++] = *pr;
    }
    if (nask < n)
        progress(c, NULL);
    if (nask > 0) {
        struct finish_ctx f = {c, ask, ask_pairs};
        rc = r->p->judge->run(r->p->judge->user, ask, nask, on_finished, &f, err);
    }
    /* Results go in pair order, whether replayed or asked, so a resumed run adds
     * them to the Bradley–Terry fit in the same order as the first run did. */
    for (size_t k = 0; k < n; k++) {
        struct jv_pair *pr = &g_array_index(pairs, struct jv_pair, k);
        struct jv_playoff_job *job = asked_as[k] == SIZE_MAX ? &jobs[k] : &ask[asked_as[k]];
        jv_schedule_record(c->sched, pr->a, pr->b, job->replied ? job->winner : -1);
        g_free(job->reason);
    }
    g_free(asked_as);
    g_free(jobs);
    g_free(ask);
    g_free(ask_pairs);
    return rc;
}

static double initial_score(const json_t *rec)
{
    double v;
    if (jv_record_num(rec, JV_REC_PAIRWISE_SCORE_INITIAL, &v) ||
        jv_record_num(rec, JV_REC_CRITIQUE_TOTAL, &v))
        return v;
    return NAN;
}

static void set_award(const struct jv_playoff_params *p, json_t *rec, int score)
{
    if (!p->award_for)
        return;
    char *award = p->award_for(p->user, score);
    jv_record_set_str(rec, JV_REC_CRITIQUE_AWARD, award);
    g_free(award);
}

static const enum jv_rec playoff_fields[] = {
    JV_REC_PAIRWISE_SCORE_INITIAL, JV_REC_PAIRWISE_WINS,     JV_REC_PAIRWISE_COMPARISONS,
    JV_REC_PAIRWISE_WIN_RATIO,     JV_REC_PAIRWISE_STRENGTH, JV_REC_STAGE3_DURATION_SECONDS,
};

/* Undoes an earlier playoff on this record: back to the Stage 2 score. */
static void reset_record(const struct jv_playoff_params *p, json_t *rec)
{
    double init;
    if (!jv_record_num(rec, JV_REC_PAIRWISE_SCORE_INITIAL, &init))
        return;
    int score = (int)lround(init);
    jv_record_set_int(rec, JV_REC_CRITIQUE_TOTAL, score);
    set_award(p, rec, score);
    for (size_t i = 0; i < JV_ARRAY_LEN(playoff_fields); i++)
        jv_record_set(rec, playoff_fields[i], NULL);
}

static const char *category_of(const json_t *rec)
{
    const char *c = jv_record_str(rec, JV_REC_COMPETITION_CATEGORY);
    return c && *c ? c : NO_CATEGORY;
}

static gint by_path(gconstpointer a, gconstpointer b, gpointer data)
{
    json_t *records = data;
    const char *pa = jv_record_str(json_array_get(records, *(const size_t *)a), JV_REC_IMAGE);
    const char *pb = jv_record_str(json_array_get(records, *(const size_t *)b), JV_REC_IMAGE);
    return strcmp(pa, pb);
}

/*
 * P(1st): the share of JV_PLAYOFF_FIRST_DRAWS posterior draws (seeded by the
 * category) in which entry `first` is the strongest.
 */
static double p_first(const struct cohort *c, const struct jv_posterior *post, size_t first)
{
    struct jv_rng r;
    jv_rng_seed(&r, c->seed ^ UINT64_C(0x5851F42D4C957F2D));
    double *theta = g_new(double, c->n);
    int hits = 0;
    for (int d = 0; d < JV_PLAYOFF_FIRST_DRAWS; d++) {
        jv_posterior_draw(post, &r, theta);
        bool top = true;
        for (size_t i = 0; i < c->n && top; i++)
            top = i == first || theta[i] < theta[first];
        hits += top;
    }
    g_free(theta);
    return (double)hits / JV_PLAYOFF_FIRST_DRAWS;
}

/*
 * The cohort's final figures: the posterior refit with the side term, the
 * order by its strengths (rank.h), the score adjustment on that order, the
 * records' fields, and beta, the side term, the winner and P(1st) into `cs`.
 */
static void finish_cohort(struct cohort *c, json_t *cs)
{
    const struct jv_playoff_params *p = c->run->p;
    size_t count;
    const struct jv_post_obs *obs = jv_schedule_observations(c->sched, &count);
    struct jv_posterior post;
    jv_posterior_init(&post, c->n, c->initial, true, NULL);
    jv_posterior_fit(&post, obs, count);
    double *theta = g_new(double, c->n);
    double mean = 0;
    for (size_t i = 0; i < c->n; i++) {
        theta[i] = jv_posterior_theta(&post, i);
        mean += theta[i];
    }
    mean /= (double)c->n;
    size_t *order = g_new(size_t, c->n);
    jv_rank_final(c->n, theta, c->initial, c->path, obs, count, order);
    struct jv_adjust_entry *e = g_new0(struct jv_adjust_entry, c->n);
    for (unsigned i = 0; i < c->n; i++) {
        e[i].path = c->path[i];
        e[i].initial = (int)lround(c->initial[i]);
        e[i].wins = jv_schedule_wins(c->sched, i);
        e[i].comparisons = jv_schedule_decided(c->sched, i);
        e[i].strength = exp(theta[i] - mean);
    }
    jv_adjust_apply(e, c->n, order);
    for (unsigned i = 0; i < c->n; i++) {
        json_t *rec = json_array_get(c->records, c->rec[i]);
        jv_record_set_int(rec, JV_REC_PAIRWISE_SCORE_INITIAL, e[i].initial);
        jv_record_set_int(rec, JV_REC_PAIRWISE_WINS, e[i].wins);
        jv_record_set_int(rec, JV_REC_PAIRWISE_COMPARISONS, e[i].comparisons);
        jv_record_set_num(rec, JV_REC_PAIRWISE_WIN_RATIO, jv_adjust_win_ratio(&e[i]));
        jv_record_set_num(rec, JV_REC_PAIRWISE_STRENGTH, e[i].strength);
        jv_record_set_num(rec, JV_REC_STAGE3_DURATION_SECONDS, c->latency[i]);
        jv_record_set_int(rec, JV_REC_CRITIQUE_TOTAL, e[i].score);
        set_award(p, rec, e[i].score);
    }
    json_object_set_new(cs, "beta", json_real(jv_posterior_beta(&post)));
    json_object_set_new(cs, "side_term", json_real(jv_posterior_side(&post)));
    json_object_set_new(cs, "first", json_string(c->path[order[0]]));
    json_object_set_new(cs, "p_first", json_real(p_first(c, &post, order[0])));
    jv_posterior_release(&post);
    g_free(e);
    g_free(order);
    g_free(theta);
}

/* FNV-1a: a stable per-category seed, so categories do not share side draws. */
static uint64_t category_seed(uint64_t seed, const char *category)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (const unsigned char *s = (const unsigned char *)category; *s; s++)
        h = (h ^ *s) * UINT64_C(0x100000001b3);
    return seed ^ h;
}

/* Whether the photo a record names (by its text, core/fsutil.h) is still there. */
static bool path_is_file(const char *image)
{
    char *raw = jv_path_from_utf8(image);
    bool ok = g_file_test(raw, G_FILE_TEST_IS_REGULAR);
    g_free(raw);
    return ok;
}

/*
 * The playoff of one category: picks the eligible members (score at least
 * the threshold, image still there), plays the scheduled rounds and writes
 * the adjusted figures into their records; fills the category's entry of
 * `per_cat`. Fewer than two eligible entries is a note, not an error.
 * Returns 0, or -1 with err when a round failed.
 */
static int run_category(struct run *r, json_t *records, const char *category, GArray *members,
                        json_t *per_cat, GError **err)
{
    const struct jv_playoff_params *p = r->p;
    struct cohort c = {.run = r, .category = category, .records = records};
    GArray *eligible = g_array_new(FALSE, FALSE, sizeof(size_t));
    for (guint k = 0; k < members->len; k++) {
        size_t idx = g_array_index(members, size_t, k);
        json_t *rec = json_array_get(records, idx);
        double score = initial_score(rec);
        const char *path = jv_record_str(rec, JV_REC_IMAGE);
        if (isnan(score) || score < p->threshold || !path)
            continue;
        if (!path_is_file(path)) {
            jv_warn("playoff: %s is no longer there; left out of the %s playoff", path, category);
            continue;
        }
        g_array_append_val(eligible, idx);
    }
    g_qsort_with_data(eligible->data, (gint)eligible->len, sizeof(size_t), by_path, records);
    c.n = eligible->len;
    json_t *cs = json_object();
    json_object_set_new(per_cat, category, cs);
    json_object_set_new(cs, "eligible", json_integer((json_int_t)c.n));
    int rc = 0;
    if (c.n < 2) {
        char *note = g_strdup_printf("%zu eligible entr%s (score >= %g): nothing to compare", c.n,
                                     c.n == 1 ? "y" : "ies", p->threshold);
        json_object_set_new(cs, "matches", json_integer(0));
        json_object_set_new(cs, "mean_seconds", json_null());
        json_object_set_new(cs, "note", json_string(note));
        progress(&c, note);
        jv_info("playoff %s: %s", category, note);
        g_free(note);
        g_array_free(eligible, TRUE);
        return 0;
    }

    c.rec = (size_t *)(void *)eligible->data;
    c.path = g_new(const char *, c.n);
    c.latency = g_new0(double, c.n);
    c.initial = g_new(double, c.n);
    for (size_t i = 0; i < c.n; i++) {
        json_t *rec = json_array_get(records, c.rec[i]);
        c.path[i] = jv_record_str(rec, JV_REC_IMAGE);
        c.initial[i] = initial_score(rec);
    }
    int rounds = jv_schedule_comparisons(p->rounds, p->competition_rounds, c.n);
    c.seed = category_seed(p->seed, category);
    if (p->schedule == JV_SCHEDULE_EIG)
        c.sched = jv_schedule_new_eig(c.n, c.initial, rounds, c.seed,
                                      p->per_round > 0 ? MIN(p->per_round, JV_EIG_PER_ROUND) : 0,
                                      !p->no_podium);
    else
        c.sched = jv_schedule_new(c.n, c.initial, rounds, p->schedule, c.seed);
    c.total = jv_schedule_planned(c.sched);
    jv_stats_init(&c.seconds);
    progress(&c, NULL);

    GArray *pairs = g_array_new(FALSE, FALSE, sizeof(struct jv_pair));
    int round;
    while ((round = jv_schedule_next_round(c.sched, pairs, NULL)) >= 0) {
        rc = run_round(&c, round, pairs, err);
        if (rc < 0)
            break;
    }
    if (rc == 0) {
        c.total = c.done;
        finish_cohort(&c, cs);
        progress(&c, NULL);
    }
    json_object_set_new(cs, "matches", json_integer((json_int_t)jv_stats_count(&c.seconds)));
    json_object_set_new(cs, "mean_seconds",
                        jv_stats_count(&c.seconds) ? json_real(jv_stats_mean(&c.seconds))
                                                   : json_null());
    json_object_set_new(cs, "schedule",
                        json_string(jv_schedule_kind_name(jv_schedule_kind_of(c.sched))));
    json_object_set_new(cs, "rounds", json_integer(rounds));
    json_object_set_new(cs, "budget", json_integer((json_int_t)jv_schedule_planned(c.sched)));

    g_array_free(pairs, TRUE);
    jv_stats_release(&c.seconds);
    jv_schedule_free(c.sched);
    g_free(c.initial);
    g_free(c.latency);
    g_free(c.path);
    g_array_free(eligible, TRUE);
    return rc;
}

int jv_playoff_run(json_t *records, const struct jv_playoff_params *p, json_t **stats_out,
                   GError **err)
{
    if (stats_out)
        *stats_out = NULL;
    if (!p->judge || !p->judge->run) {
        g_set_error(err, JV_ERROR, JV_ERR_FAILED, "playoff: no judge given");
        return -1;
    }
    struct run r = {.p = p, .log_path = p->matches_log, .fd = -1};
    r.logged = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)json_decref);
    GHashTable *by_cat =
        g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)g_array_unref);
    json_t *per_cat = json_object();
    GList *names = NULL;
    int rc = load_log(&r, err);
    if (rc < 0)
        goto out;

    for (size_t i = 0; i < json_array_size(records); i++) {
        json_t *rec = json_array_get(records, i);
        if (!json_is_object(rec))
            continue;
        reset_record(p, rec);
        const char *cat = category_of(rec);
        GArray *members = g_hash_table_lookup(by_cat, cat);
        if (!members) {
            members = g_array_new(FALSE, FALSE, sizeof(size_t));
            g_hash_table_insert(by_cat, (gpointer)cat, members);
        }
        g_array_append_val(members, i);
    }
    names = g_list_sort(g_hash_table_get_keys(by_cat), (GCompareFunc)strcmp);
    for (GList *l = names; l; l = l->next) {
        rc = run_category(&r, records, l->data, g_hash_table_lookup(by_cat, l->data), per_cat, err);
        if (rc < 0)
            break;
    }
    if (rc == 0 && r.fd >= 0 && fsync(r.fd) < 0)
        jv_warn("%s: fsync failed: %s", r.log_path, g_strerror(errno));

out:
    if (stats_out) {
        size_t enc = p->judge && p->judge->encodings ? p->judge->encodings(p->judge->user) : 0;
        *stats_out =
            json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:O}", "scheduled", (json_int_t)r.scheduled,
                      "completed", (json_int_t)r.completed, "resumed", (json_int_t)r.resumed,
                      "no_decision", (json_int_t)r.no_decision, "failed", (json_int_t)r.failed,
                      "encodings", (json_int_t)enc, "per_category", per_cat);
    }
    if (r.fd >= 0)
        close(r.fd);
    g_clear_error(&r.write_error);
    g_list_free(names);
    json_decref(per_cat);
    g_hash_table_destroy(by_cat);
    g_hash_table_destroy(r.logged);
    return rc;
}
