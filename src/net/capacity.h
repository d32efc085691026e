/*
 * capacity.h - how many requests a server takes at once: the in-flight limit
 * behind `--concurrency auto` (doc/SPEC.md 2.6 "Concurrency").
 *
 * A pure state machine: it is told what the server says and what happened
 * to requests, and answers the number of requests to keep in flight. It
 * does no I/O and reads no clock (every call takes `now`, monotonic
 * seconds), so it can be driven by tests without a server. The HTTP
 * scheduler feeds it the outcome of every attempt to a pool it is attached
 * to (jv_http_pool_set_capacity) and capacity_probe.h the server's figures.
 *
 * Modes, from what the server tells:
 *  - fixed: a number was given (`--concurrency N`); nothing changes it.
 *  - slots: the server said how many requests it runs at once (llama-server
 *    /props total_slots): limit = slots + headroom.
 *  - metrics: the server publishes its running and waiting requests (vLLM
 *    /metrics): the limit doubles while nothing waits on the server and we
 *    use all of it; once requests wait, the capacity is what runs and the
 *    limit is that plus a small queue (max(headroom, capacity / 8)); later it
 *    probes one more after a few scrapes without any waiting.
 *  - probe: the server says nothing (Ollama): start low and double while
 *    replies do not queue (a streamed reply queued when its TTFT exceeds the
 *    lowest TTFT by half the shortest decode and by twice the lowest; a plain
 *    one when its latency is 1.75 times the lowest); queued replies (two of
 *    the last few) mean the server holds what its rate of replies times the
 *    time of an unqueued one says (Little's law), fewer than the k in flight
 *    at their start: limit = that + headroom (at most halving at once); then one
 *    more after max(2 * limit, 8) replies in a row without queueing (twice
 *    as many after each such probe that queued, up to 16 times).
 * In every mode but fixed, 429, 503 and timeouts lower the limit to one
 * below what was in flight when the refused attempt started (when more than
 * one was: a request alone is left to the retry backoff; once per
 * setting: attempts that started under an older setting do not cut again);
 * a second refusal under that setting halves it. The limit then stays under
 * that ceiling until enough replies in a row succeed.
 *
 * Each change is recorded (time since creation, limit, reason), at most
 * JV_CAPACITY_MAX_DECISIONS of them (the rest are counted).
 *
 * Ownership: jv_capacity_new() returns an owned controller (free with
 * jv_capacity_free()); strings are copied; JSON returned is a new reference.
 */
#ifndef JV_CAPACITY_H
#define JV_CAPACITY_H

#include <jansson.h>

#define JV_CAPACITY_MAX_DECISIONS 500
/* The value of a --concurrency option set to "auto". */
#define JV_CONCURRENCY_AUTO 0
/* The most requests an automatic limit keeps in flight. */
#define JV_CAPACITY_AUTO_MAX 256

enum jv_capacity_mode {
    JV_CAPACITY_FIXED,
    JV_CAPACITY_PROBE,
    JV_CAPACITY_SLOTS,
    JV_CAPACITY_METRICS,
};

struct jv_capacity_config {
    int fixed;    /* > 0: pinned there, no adaptation */
    int start;    /* first limit in probe and metrics modes (< 1: 2) */
    int max;      /* ceiling (< 1: JV_CAPACITY_AUTO_MAX) */
    int headroom; /* requests kept waiting beyond the server's capacity (0 or 1) */
};

/* What happened to one attempt, as the scheduler saw it. */
struct jv_capacity_obs {
    int in_flight;       /* the pool's attempts running when it started, itself included */
    unsigned generation; /* jv_capacity_generation() when it started */
    long status;         /* HTTP status; 0 when no reply */
    bool timed_out;      /* no complete reply within the timeout */
    bool ok;             /* a complete 2xx reply */
    double ttft_s;       /* < 0: none (not streamed) */
    double latency_s;    /* start of the attempt to its end */
};

struct jv_capacity;

/* A controller named `name` ("vlm", "iqa_service": for the log) at monotonic time `now`. */
struct jv_capacity *jv_capacity_new(const char *name, const struct jv_capacity_config *cfg,
                                    double now);
void jv_capacity_free(struct jv_capacity *c);

/* The number of requests to keep in flight now (>= 1). */
int jv_capacity_limit(const struct jv_capacity *c);
enum jv_capacity_mode jv_capacity_mode(const struct jv_capacity *c);
/* "fixed", "probe", "slots" or "metrics". */
const char *jv_capacity_mode_name(enum jv_capacity_mode m);
/* Counts the changes of the limit: attempts remember it at their start. */
unsigned jv_capacity_generation(const struct jv_capacity *c);

/* The server runs `slots` requests at once (`source` says who said so, e.g. "/props"). */
void jv_capacity_server_slots(struct jv_capacity *c, int slots, const char *source, double now);
/*
 * The server's own figures: `running` and `waiting` requests (all clients),
 * while this controller's pool had `ours` attempts running. Switches to
 * metrics mode (unless fixed or slots).
 */
void jv_capacity_server_load(struct jv_capacity *c, double running, double waiting, int ours,
                             double now);
/* One attempt ended. */
void jv_capacity_observe(struct jv_capacity *c, const struct jv_capacity_obs *o, double now);
/*
 * A new kind of request starts (the playoff after Stage 2): the lowest
 * TTFT / latency seen so far no longer applies. The limit stays.
 */
void jv_capacity_new_phase(struct jv_capacity *c, const char *phase, double now);

/*
 * {mode, limit, min_limit, max_limit, capacity (estimate or null),
 * decisions: [{t, limit, reason}], decisions_dropped} (new reference);
 * t = seconds since creation.
 */
json_t *jv_capacity_to_json(const struct jv_capacity *c);

#endif
