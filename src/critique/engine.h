/*
 * engine.h - the Stage 2 engine: turns critique jobs (one per image) into
 * chat-completions requests on the HTTP scheduler, reads the replies and
 * hands back a typed result per image (doc/SPEC.md 2.6, 3).
 *
 * Flow control. With `--concurrency N` and no pipelining, at most N requests
 * are in flight. With `--pipeline`, a request no longer counts against N once
 * its first token has arrived (its prefill is done and it is decoding), so
 * the next one is released then and its prefill overlaps the current decode:
 * at most N requests awaiting their first token and at most 2N in flight.
 * The engine pulls no job beyond that (see "Feeding jobs"), so memory stays
 * flat in the number of images. The engine sets the pool's own limit to 2N
 * so that the scheduler never holds its requests back. With
 * `--concurrency auto` a controller (net/capacity.h) sets the number instead
 * (jv_critique_engine_set_capacity).
 *
 * Groups. A job may open a group (`group` = g > 1: itself and the next
 * g - 1 jobs of the feeder; a panel's N judges of one photo, critique/panel.h).
 * The engine pulls it when one slot is free (never more than that one job
 * ahead), then holds it until g requests may go at once under the
 * limit above and sends the whole group in one go, so that the server sees
 * the photo's requests together (they share its prefix cache and decode in
 * one batch). The limit stays a hard bound: it is what --concurrency
 * promises the server (a server with --max-queue refuses the rest) and what
 * the automatic controller measured (net/capacity.h reads the number in
 * flight at each attempt's start as the load it tried, and an overshoot of
 * up to g - 1 would be taken for capacity that was never granted). The price
 * is that up to g - 1 slots can stay empty while a group waits for room
 * (with 8 and groups of 3: between 6 and 8 in flight). A group larger than
 * the limit (--concurrency 2 with 3 judges, or an automatic limit that
 * starts at 1) goes out one request at a time as slots free, as single jobs
 * do. Retries go out alone, before any held group.
 *
 * Replies: the verdict is parsed from the reply text (critique.h). A reply
 * that cannot be parsed, or is cut short (finish_reason "length"), is asked
 * again once at temperature 0 with 1.5x the token limit; if that fails too
 * the raw text is kept as the critique with status "parse_error". Transport
 * failures are retried by the scheduler (--max-retries, backoff); when they
 * persist the image gets status "error" with the message.
 *
 * Threading: everything runs on the thread that calls jv_http_sched_run();
 * job callbacks are called from there (never from inside
 * jv_critique_engine_kick()).
 *
 * Feeding jobs. Pipelining needs the next job the moment a first token
 * arrives, which happens inside jv_http_sched_run(). So the engine pulls
 * jobs from a feeder that it calls whenever it can release one; call
 * jv_critique_engine_kick() when jobs become ready while the engine is idle.
 * Jobs the feeder has not handed over yet stay with the caller (that is what
 * keeps memory flat in the number of images).
 *
 *     jv_critique_engine_set_feeder(engine, next_ready_job, pipeline);
 *     jv_critique_engine_kick(engine);
 *     while (jv_critique_engine_pending(engine) || more jobs to come) {
 *         jv_http_sched_run(sched, 100);
 *         if (new jobs became ready)
 *             jv_critique_engine_kick(engine);
 *     }
 */
#ifndef JV_CRITIQUE_ENGINE_H
#define JV_CRITIQUE_ENGINE_H

#include <jansson.h>

#include "critique/prompt.h"
#include "net/http.h"
#include "vlm/request.h"

/* Stage 2's own settings; the server connection is struct jv_vlm_config. */
struct jv_critique_config {
    int max_new_tokens; /* reply limit; <= 0: the profile's max_tokens */
    double temperature;
    double top_p;
    char *prompt_profile; /* built-in profile id */
    char *prompt_file;    /* a profile file of the user's; wins over prompt_profile */
    enum jv_structured_output structured_output;
    bool pipeline; /* release the next request at the first token */
    bool stream;
    char *notes; /* --critique-notes, added to the competition's notes */
};

struct jv_critique_job;

/* How one image's critique ended. */
enum jv_critique_status {
    JV_CRITIQUE_OK,          /* a verdict was parsed */
    JV_CRITIQUE_PARSE_ERROR, /* replies came, none could be used: `critique` is the raw text */
    JV_CRITIQUE_ERROR,       /* no usable reply: transport failure, unreadable image */
};

/*
 * What the engine found for one image, handed to the job's done callback.
 * Borrowed for the call only: copy what you keep. Strings are NULL when the
 * image did not get them.
 */
struct jv_critique_result {
    enum jv_critique_status status;
    const char *title;       /* the verdict's title */
    const char *style;       /* style inference */
    const char *critique;    /* the critique text; the raw reply on PARSE_ERROR */
    const json_t *subscores; /* the verdict's subscores object, or NULL */
    bool has_total;          /* a verdict: score_raw and total are set */
    double score_raw;        /* the score as the model wrote it */
    int total;               /* the score, clamped and rounded */
    const char *error;       /* why it failed (PARSE_ERROR, ERROR) */
    long prompt_tokens;      /* summed over the image's requests; -1 when none reported */
    long completion_tokens;  /* likewise */
    const char *finish_reason;
    double ttft_s;            /* the last request's time to first token; < 0 if unknown */
    double duration_s;        /* from release to report */
    double started, finished; /* wall clock, epoch seconds */
    int attempts;             /* HTTP attempts over all requests */
    int endpoint;             /* pool index of the last attempt; -1 if none */
    bool cancelled;           /* stopped by a cancel: not a result, do not record it */
    /* a panel's (critique/panel.h); n_judges 0 for a single judge */
    int n_judges;
    const double *judge_scores; /* n_judges raw scores, NAN for a judge without a verdict */
    double spread;              /* max - min of the judges' scores; NAN with fewer than two */
};

/*
 * Called once per job, from the scheduler's thread, with the result
 * (borrowed for the call). The job may be freed in the callback.
 */
typedef void (*jv_critique_done_fn)(struct jv_critique_job *job,
                                    const struct jv_critique_result *res, void *user);

/*
 * One image to judge. The caller owns the job and everything it points to;
 * all of it must stay valid until `done` has been called. Strings may be
 * NULL (rendered as "none" in the prompt).
 */
struct jv_critique_job {
    const char *image_path;         /* required */
    const char *content_hash;       /* for the log; may be NULL */
    const char *title;              /* image title; NULL: the file's stem is used */
    const char *category;           /* competition category */
    const char *caption;            /* the entrant's caption / description */
    const char *competition_notes;  /* competition notes and --critique-notes */
    const char *rules;              /* the competition's rules as text */
    const char *compliance;         /* compliance summary ("passed" / the issues) */
    const json_t *metrics;          /* technical_signals.metrics, borrowed; may be NULL */
    const char *tonal_summary;      /* technical_signals.tonal_summary */
    const struct jv_prompt *prompt; /* the profile to ask with; NULL: the engine's */
    bool has_seed;                  /* send `seed` (a panel's judges, critique/panel.h) */
    long long seed;
    int group;                /* > 1: opens a group of that many jobs ("Groups") */
    jv_critique_done_fn done; /* required */
    void *user;
};

struct jv_critique_engine;

/*
 * Creates an engine. Borrows `vlm` (model, api_key, timeout_s, max_retries,
 * concurrency, max_side), `c`, `p`, `sched` and `pool`; all must outlive the
 * engine. The reply limit is c->max_new_tokens when > 0, else the profile's
 * max_tokens. Requests go to "<base url>/chat/completions".
 */
struct jv_critique_engine *jv_critique_engine_new(const struct jv_vlm_config *vlm,
                                                  const struct jv_critique_config *c,
                                                  const struct jv_prompt *p,
                                                  struct jv_http_sched *sched,
                                                  struct jv_http_pool *pool);

/* Frees the engine. Only when jv_critique_engine_pending() is 0. */
void jv_critique_engine_free(struct jv_critique_engine *e);

/*
 * Returns the next job ready to be judged, or NULL when none is ready now
 * (or none is left). Called from inside the engine (in kick and the
 * scheduler's callbacks); it must not call back into the engine. A returned
 * job is borrowed until its done callback.
 */
typedef struct jv_critique_job *(*jv_critique_feed_fn)(void *user);

/* Sets (or with NULL clears) the feeder the engine pulls jobs from when a slot is free. */
void jv_critique_engine_set_feeder(struct jv_critique_engine *e, jv_critique_feed_fn feed,
                                   void *user);

/*
 * With `--concurrency auto`: the number of requests in flight (all of them,
 * awaiting a first token or not) is jv_capacity_limit(cap) at each release
 * (with pipelining, one fewer may await their first token: the last is
 * released at a first token, as with a fixed number),
 * and the pool reports every attempt to `cap` (borrowed; it must outlive the
 * engine). A fixed controller (or NULL) leaves the engine as created.
 * Call jv_critique_engine_kick() after the limit rose to use it at once.
 */
struct jv_capacity;
void jv_critique_engine_set_capacity(struct jv_critique_engine *e, struct jv_capacity *cap);
/* Requests sent and not done. */
size_t jv_critique_engine_in_flight(const struct jv_critique_engine *e);

/* Pulls jobs from the feeder now if flow control allows (new jobs became ready). */
void jv_critique_engine_kick(struct jv_critique_engine *e);

/*
 * Jobs handed over and not yet reported (in flight, waiting to ask again,
 * being reported, or held for its group's room).
 */
size_t jv_critique_engine_pending(const struct jv_critique_engine *e);

/*
 * Clears the feeder and reports every job waiting to be sent again (and
 * one held for its group's room) as cancelled, from the next
 * jv_http_sched_run(). In-flight requests are
 * stopped with jv_http_sched_cancel_all() by the caller; jobs the feeder
 * never handed over are the caller's.
 */
void jv_critique_engine_cancel_queued(struct jv_critique_engine *e);

/*
 * Counters for the manifest's "critique" section (new reference):
 * {images, ok, parse_errors, errors, cancelled, requests, attempts, retries
 * (transport), parse_retries, truncated (replies with finish_reason length),
 * max_in_flight, max_awaiting_first_token, prompt_tokens, completion_tokens,
 * ttft_seconds, request_seconds, stage2_duration_seconds} where the last
 * five are jv_stats objects {count, sum, min, max, mean, p50, p95}
 * (tokens per request as the server reported them; TTFT and latency per
 * request; duration per image).
 */
json_t *jv_critique_engine_stats(const struct jv_critique_engine *e);

#endif
