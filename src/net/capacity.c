/* capacity.c - the in-flight limit of --concurrency auto: a state machine fed with observations. */
#include "core/jv.h"

#include <limits.h>
#include <math.h>

#include "core/log.h"
#include "net/capacity.h"

#define DEFAULT_START       2
#define QUEUED_DECODE_SHARE 0.5  /* TTFT over the lowest by this much of a decode: queued */
#define QUEUED_PLAIN_FACTOR 1.75 /* latency of a plain reply this many times the lowest */
#define DONE_WINDOW         64
#define METRICS_QUIET_RUN   3 /* scrapes without waiting before one more (capacity known) */
#define METRICS_LOW_RUN     3 /* scrapes of a smaller batch before the capacity is lowered */

struct decision {
    double t;
    int limit;
    char *reason;
};

struct jv_capacity {
    char *name;
    struct jv_capacity_config cfg;
    enum jv_capacity_mode mode;
    int limit;
    int min_seen, max_seen;
    unsigned generation;
    double t0;
    int capacity;      /* the server's, estimated; 0 = unknown */
    bool found;        /* the capacity has been met (no more doubling) */
    int ceiling;       /* after a refusal: the limit stays at or under it */
    int ok_run;        /* successes in a row since the last refusal */
    unsigned cut_gen;  /* generation set by the last refusal */
    double base;       /* lowest TTFT of this phase; < 0 = none yet */
    double decode;     /* shortest latency - TTFT of this phase; < 0 = none yet */
    double base_plain; /* lowest latency of a plain (not streamed) reply; < 0 = none */
    int streak;        /* replies in a row of this generation that did not queue */
    int streak_filled; /* the most in flight among them */
    int quiet;         /* scrapes in a row without waiting, at the limit */
    int low;           /* scrapes in a row with waiting at fewer running than the capacity */
    int queued_recent; /* queued replies lately: +1 each, -1 per one that did not queue */
    bool raised;       /* the last change was a raise by replies that did not queue */
    int probe_fails;   /* raises past the capacity taken back in a row */
    GArray *decisions; /* struct decision */
    GArray *done_at;   /* double: the times of the last DONE_WINDOW replies (probe mode) */
    unsigned dropped;
};

const char *jv_capacity_mode_name(enum jv_capacity_mode m)
{
    static const char *const names[] = {"fixed", "probe", "slots", "metrics"};
    return (unsigned)m < JV_ARRAY_LEN(names) ? names[m] : "?";
}

static int clamp_limit(const struct jv_capacity *c, int n)
{
    if (n > c->cfg.max)
        n = c->cfg.max;
    if (n > c->ceiling)
        n = c->ceiling;
    return n < 1 ? 1 : n;
}

/*
 * Sets the limit and records why: a change, or with `always` a decision
 * that keeps the number (entering a mode).
 */
static void decide(struct jv_capacity *c, bool always, int limit, double now, const char *fmt, ...)
    G_GNUC_PRINTF(5, 6);

static void decide(struct jv_capacity *c, bool always, int limit, double now, const char *fmt, ...)
{
    limit = clamp_limit(c, limit);
    bool changed = limit != c->limit;
    if (!changed && !always)
        return;
    if (changed) {
        c->limit = limit;
        c->generation++;
        c->streak = c->streak_filled = 0;
        c->quiet = 0;
        c->min_seen = MIN(c->min_seen, limit);
        c->max_seen = MAX(c->max_seen, limit);
    }
    va_list ap;
    va_start(ap, fmt);
    char *reason = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    if (c->decisions->len >= JV_CAPACITY_MAX_DECISIONS) {
        c->dropped++;
        g_free(reason);
        return;
    }
    struct decision d = {now - c->t0, c->limit, reason};
    g_array_append_val(c->decisions, d);
    jv_log_event(JV_LOG_INFO, "concurrency",
                 json_pack("{s:s, s:s, s:i, s:s}", "server", c->name, "mode",
                           jv_capacity_mode_name(c->mode), "in_flight", c->limit, "reason",
                           reason));
}

struct jv_capacity *jv_capacity_new(const char *name, const struct jv_capacity_config *cfg,
                                    double now)
{
    struct jv_capacity *c = g_new0(struct jv_capacity, 1);
    c->name = g_strdup(name ? name : "server");
    c->cfg = *cfg;
    if (c->cfg.start < 1)
        c->cfg.start = DEFAULT_START;
    if (c->cfg.max < 1)
        c->cfg.max = JV_CAPACITY_AUTO_MAX;
    c->cfg.headroom = MAX(c->cfg.headroom, 0);
    c->ceiling = INT_MAX;
    c->base = c->decode = c->base_plain = -1;
    c->t0 = now;
    c->decisions = g_array_new(FALSE, FALSE, sizeof(struct decision));
    c->done_at = g_array_new(FALSE, FALSE, sizeof(double));
    c->min_seen = INT_MAX;
    if (cfg->fixed > 0) {
        /* a pinned number is not held to the automatic ceiling */
        c->mode = JV_CAPACITY_FIXED;
        c->cfg.max = MAX(c->cfg.max, cfg->fixed);
        decide(c, true, cfg->fixed, now, "fixed by --concurrency %d", cfg->fixed);
    } else {
        c->mode = JV_CAPACITY_PROBE;
        decide(c, true, c->cfg.start, now, "start low: the server has not said what it takes");
    }
    return c;
}

void jv_capacity_free(struct jv_capacity *c)
{
    if (!c)
        return;
    for (guint i = 0; i < c->decisions->len; i++)
        g_free(g_array_index(c->decisions, struct decision, i).reason);
    g_array_free(c->decisions, TRUE);
    g_array_free(c->done_at, TRUE);
    g_free(c->name);
    g_free(c);
}

int jv_capacity_limit(const struct jv_capacity *c)
{
    return c->limit;
}

enum jv_capacity_mode jv_capacity_mode(const struct jv_capacity *c)
{
    return c->mode;
}

unsigned jv_capacity_generation(const struct jv_capacity *c)
{
    return c->generation;
}

void jv_capacity_server_slots(struct jv_capacity *c, int slots, const char *source, double now)
{
    if (c->mode == JV_CAPACITY_FIXED || slots < 1)
        return;
    c->mode = JV_CAPACITY_SLOTS;
    c->capacity = slots;
    c->found = true;
    decide(c, true, slots + c->cfg.headroom, now, "%s: the server runs %d at once%s", source, slots,
           c->cfg.headroom ? ", one more waits" : "");
}

/* The queue kept on a server of known capacity: enough to refill the batch at once. */
static int queue_of(const struct jv_capacity *c, int capacity)
{
    return MAX(c->cfg.headroom, (capacity + 7) / 8);
}

void jv_capacity_server_load(struct jv_capacity *c, double running, double waiting, int ours,
                             double now)
{
    if (c->mode == JV_CAPACITY_FIXED || c->mode == JV_CAPACITY_SLOTS)
        return;
    if (!(running >= 0) || !(waiting >= 0))
        return;
    if (c->mode != JV_CAPACITY_METRICS) {
        c->mode = JV_CAPACITY_METRICS;
        decide(c, true, c->limit, now, "the server publishes its running and waiting requests");
    }
    int r = (int)lround(running), w = (int)lround(waiting);
    if (w > 0 && r > 0) {
        c->quiet = 0;
        /* One scrape can fall between a reply leaving the batch and the next joining it:
         * a smaller batch is believed only when it stays over several scrapes. */
        if (c->found && r < c->capacity && ++c->low < METRICS_LOW_RUN)
            return;
        c->low = 0;
        c->found = true;
        c->capacity = r;
        int target = r + queue_of(c, r);
        if (target != c->limit)
            decide(c, false, target, now, "%d waiting on the server at %d running: capacity %d", w,
                   r, r);
        return;
    }
    c->low = 0;
    if (w > 0 || ours < c->limit || r < MAX(1, ours - ours / 8)) {
        c->quiet = 0;
        return; /* nothing learnt: we do not use what we have, or it has not arrived */
    }
    if (!c->found) {
        decide(c, false, c->limit * 2, now, "nothing waits on the server at %d running: doubling",
               r);
        return;
    }
    if (++c->quiet >= METRICS_QUIET_RUN) {
        c->quiet = 0;
        decide(c, false, c->limit + 1, now,
               "nothing waited over %d scrapes at %d running: one more", METRICS_QUIET_RUN, r);
    }
}

static bool refused(const struct jv_capacity_obs *o)
{
    return o->timed_out || o->status == 429 || o->status == 503;
}

/*
 * A refusal (429, 503, timeout) of an attempt that started with k > 1 in
 * flight: under the current setting the first one sets the ceiling to k - 1,
 * a second one halves the limit; refusals of attempts from older settings are
 * news already acted on, and one of a request alone is left to the retry
 * backoff (a rate limit or a fault, not a capacity).
 */
static void on_refused(struct jv_capacity *c, const struct jv_capacity_obs *o, double now)
{
    c->ok_run = 0;
    /* older settings were acted on already; refused alone, it says nothing of capacity */
    if (o->generation != c->generation || o->in_flight <= 1 || c->limit <= 1)
        return;
    char what[32];
    if (o->timed_out)
        g_strlcpy(what, "a timeout", sizeof what);
    else
        g_snprintf(what, sizeof what, "HTTP %ld", o->status);
    int target = c->cut_gen == c->generation && c->generation > 1 ? c->limit / 2
                                                                  : MIN(c->limit, o->in_flight) - 1;
    target = MAX(target, 1);
    c->ceiling = target;
    c->found = true;
    decide(c, false, target, now, "%s at %d in flight: backing off", what, o->in_flight);
    c->cut_gen = c->generation;
}

/*
 * Whether a reply queued on the server for a place, not only behind other
 * prefills: a streamed reply whose TTFT exceeds the lowest TTFT by half the
 * shortest decode seen (waiting for a place means waiting for another reply
 * to finish) and by twice the lowest, or a plain reply whose latency is 1.75
 * times the lowest.
 */
static bool queued(struct jv_capacity *c, const struct jv_capacity_obs *o, double *sig,
                   double *limit)
{
    if (o->ttft_s >= 0) {
        double decode = o->latency_s - o->ttft_s;
        if (c->base < 0 || o->ttft_s < c->base)
            c->base = o->ttft_s;
        if (decode > 0 && (c->decode < 0 || decode < c->decode))
            c->decode = decode;
        *sig = o->ttft_s;
        *limit = c->base + fmax(2 * c->base, QUEUED_DECODE_SHARE * fmax(c->decode, 0));
    } else {
        if (!(o->latency_s >= 0))
            return false;
        if (c->base_plain < 0 || o->latency_s < c->base_plain)
            c->base_plain = o->latency_s;
        *sig = o->latency_s;
        *limit = QUEUED_PLAIN_FACTOR * c->base_plain;
    }
    return *sig > *limit && o->in_flight > 1;
}

/*
 * The places the server serves at once by Little's law: replies per second
 * over the last max(2 * limit, 8) replies times the time one takes when it
 * does not queue (lowest TTFT + shortest decode, or the lowest plain
 * latency). INT_MAX when not known yet.
 */
static int places_served(const struct jv_capacity *c)
{
    guint n = MIN(c->done_at->len, (guint)MAX(2 * c->limit, 8));
    double service = c->base >= 0 && c->decode >= 0 ? c->base + c->decode : c->base_plain;
    if (n < 4 || !(service > 0))
        return INT_MAX;
    double span = g_array_index(c->done_at, double, c->done_at->len - 1) -
                  g_array_index(c->done_at, double, c->done_at->len - n);
    if (!(span > 0))
        return INT_MAX;
    double rate = (double)(n - 1) / span;
    return MAX(1, (int)lround(rate * service));
}

static void note_done(struct jv_capacity *c, double now)
{
    if (c->done_at->len >= DONE_WINDOW)
        g_array_remove_index(c->done_at, 0);
    g_array_append_val(c->done_at, now);
}

/*
 * Probe mode. A reply of the current setting that queued when it started
 * with k in flight says the server holds fewer than k, and the rate of
 * replies how many (places_served): the limit goes to that + headroom if
 * lower (but at most halves at once, and only
 * when two of the last few replies queued). Replies of the current setting that did
 * not queue, as many as the limit and with the limit in flight at least
 * once, raise it: doubling until the first queueing, then one at a time.
 */
static void probe_signal(struct jv_capacity *c, const struct jv_capacity_obs *o, double now)
{
    double sig = 0, lim = 0;
    if (queued(c, o, &sig, &lim)) {
        if (o->generation == c->generation)
            c->streak = c->streak_filled = 0;
        c->queued_recent = MIN(c->queued_recent + 1, 4);
        int cap = MIN(o->in_flight - 1, places_served(c));
        /* at most halved at once: part of a burst's wait is for the prefill, not a place */
        int target = MAX(cap + c->cfg.headroom, c->limit / 2);
        /* one slow reply may be noise: two of the last few are a queue */
        if (o->generation == c->generation && target < c->limit && c->queued_recent >= 2) {
            if (c->found && c->raised)
                c->probe_fails++;
            c->raised = false;
            c->found = true;
            c->capacity = cap;
            decide(c, false, target, now, "replies queue: %s %.3g s (over %.3g s) at %d in flight",
                   o->ttft_s >= 0 ? "TTFT" : "latency", sig, lim, o->in_flight);
        }
        return;
    }
    c->queued_recent = MAX(c->queued_recent - 1, 0);
    if (o->generation != c->generation)
        return;
    c->streak++;
    c->streak_filled = MAX(c->streak_filled, o->in_flight);
    /* once the capacity was met, probing past it needs a longer run (it costs queued
     * replies), twice as long after each probe that queued */
    int needed = c->found ? MAX(2 * c->limit, 8) << MIN(c->probe_fails, 4) : c->limit;
    if (c->streak < needed || c->streak_filled < c->limit)
        return;
    if (c->raised)
        c->probe_fails = 0; /* the last raise held */
    c->raised = true;
    if (!c->found)
        decide(c, false, c->limit * 2, now, "%d replies without queueing at %d in flight: doubling",
               c->streak, c->limit);
    else
        decide(c, false, c->limit + 1, now, "%d replies without queueing at %d in flight: one more",
               c->streak, c->limit);
}

void jv_capacity_observe(struct jv_capacity *c, const struct jv_capacity_obs *o, double now)
{
    if (c->mode == JV_CAPACITY_FIXED)
        return;
    if (refused(o)) {
        on_refused(c, o, now);
        return;
    }
    if (!o->ok)
        return;
    /* after a refusal, the ceiling lifts by one per run of successes as long as the limit */
    if (c->ceiling != INT_MAX && ++c->ok_run >= MAX(c->limit * 2, 4)) {
        c->ok_run = 0;
        c->ceiling++;
    }
    if (c->mode == JV_CAPACITY_PROBE) {
        note_done(c, now);
        probe_signal(c, o, now);
    }
}

void jv_capacity_new_phase(struct jv_capacity *c, const char *phase, double now)
{
    (void)now;
    (void)phase;
    c->base = c->decode = c->base_plain = -1;
    c->streak = c->streak_filled = 0;
    g_array_set_size(c->done_at, 0);
}

json_t *jv_capacity_to_json(const struct jv_capacity *c)
{
    json_t *list = json_array();
    for (guint i = 0; i < c->decisions->len; i++) {
        const struct decision *d = &g_array_index(c->decisions, struct decision, i);
        json_array_append_new(list, json_pack("{s:f, s:i, s:s}", "t", round(d->t * 1000) / 1000,
                                              "limit", d->limit, "reason", d->reason));
    }
    return json_pack("{s:s, s:i, s:i, s:i, s:o, s:o, s:i}", "mode", jv_capacity_mode_name(c->mode),
                     "limit", c->limit, "min_limit", c->min_seen, "max_limit", c->max_seen,
                     "capacity", c->capacity > 0 ? json_integer(c->capacity) : json_null(),
                     "decisions", list, "decisions_dropped", (int)c->dropped);
}
