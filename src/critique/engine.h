/*
 * engine.h - the Stage 2 engine: turns critique jobs (one per image) into
 * chat-completions requests on the HTTP scheduler, reads the replies and
 * hands back the record fields of each image (SPEC 2.6, 3).
 *
 * Flow control. With `--concurrency N` and no pipelining, at most N requests
 * are in flight. With `--pipeline`, a request no longer counts against N once
 * its first token has arrived (its prefill is done and it is decoding), so
 * the next one is released then and its prefill overlaps the current decode:
 * at most N requests awaiting their first token and at most 2N in flight.
 * Jobs submitted beyond that wait in the engine's queue (they are small: no
 * image is read until a job is released), so memory stays flat in the
 * number of images. The engine sets the pool's own limit to 2N so that the
 * scheduler never holds its requests back.
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
 * jv_critique_engine_submit()).
 *
 * Typical use (the pipeline owns the loop):
 *
 *     while (work left) {
 *         while (next job ready && jv_critique_engine_can_accept(engine))
 *             jv_critique_engine_submit(engine, job);
 *         jv_http_sched_run(sched, 100);
 *     }
 */
#ifndef JV_CRITIQUE_ENGINE_H
#define JV_CRITIQUE_ENGINE_H

#include <jansson.h>

#include "critique/prompt.h"
#include "net/http.h"
#include "run/options.h"

struct jv_critique_job;

/*
 * Called once per job with the record fields of the image (a new reference
 * that the callee owns):
 *   critique_title, style_inference, critique, critique_subscores,
 *   critique_total_initial, critique_total, status ("ok" | "parse_error" |
 *   "error"), error (message or null), usage {prompt_tokens,
 *   completion_tokens} (summed over the image's requests; null when the
 *   server reported none), finish_reason, ttft_seconds,
 *   stage2_duration_seconds, timestamp_stage2_started,
 *   timestamp_stage2_finished (ISO 8601 UTC), attempts (HTTP attempts, all
 *   requests), retries (attempts - 1), endpoint (pool index of the last
 *   attempt, or null), cancelled (true only when jv_http_sched_cancel_all()
 *   or jv_critique_engine_cancel_queued() stopped it: do not record it as
 *   done).
 * Values the image did not get are JSON null. The job may be freed in the
 * callback.
 */
typedef void (*jv_critique_done_fn)(struct jv_critique_job *job, json_t *fields, void *user);

/*
 * One image to judge. The caller owns the job and everything it points to;
 * all of it must stay valid until `done` has been called. Strings may be
 * NULL (rendered as "none" in the prompt).
 */
struct jv_critique_job {
    const char *image_path;        /* required */
    const char *content_hash;      /* for the log; may be NULL */
    const char *title;             /* image title; NULL: the file's stem is used */
    const char *category;          /* competition category */
    const char *caption;           /* the entrant's caption / description */
    const char *competition_notes; /* competition notes and --critique-notes */
    const char *rules;             /* the competition's rules as text */
    const char *compliance;        /* compliance summary ("passed" / the issues) */
    const json_t *metrics;         /* technical_signals.metrics, borrowed; may be NULL */
    const char *tonal_summary;     /* technical_signals.tonal_summary */
    jv_critique_done_fn done;      /* required */
    void *user;
};

struct jv_critique_engine;

/*
 * Creates an engine. Borrows `o` (model, max_new_tokens, temperature, top_p,
 * stream, structured_output, concurrency, pipeline, timeout_s, max_retries,
 * api_key, vlm_max_side), `p`, `sched` and `pool`; all must outlive the
 * engine. The reply limit is o->max_new_tokens when > 0, else the profile's
 * max_tokens. Requests go to "<base url>/chat/completions".
 */
struct jv_critique_engine *jv_critique_engine_new(const struct jv_options *o,
                                                  const struct jv_prompt *p,
                                                  struct jv_http_sched *sched,
                                                  struct jv_http_pool *pool);

/* Frees the engine. Only when jv_critique_engine_pending() is 0. */
void jv_critique_engine_free(struct jv_critique_engine *e);

/*
 * Queues a job (borrowed until its done callback). It is released (image
 * encoded, request sent) as soon as flow control allows, possibly at once.
 */
void jv_critique_engine_submit(struct jv_critique_engine *e, struct jv_critique_job *job);

/* True when a job submitted now would be released at once (queue empty, slot free). */
bool jv_critique_engine_can_accept(const struct jv_critique_engine *e);

/* Jobs submitted and not yet reported (queued, in flight, or being reported). */
size_t jv_critique_engine_pending(const struct jv_critique_engine *e);

/*
 * Reports every job still queued (not yet sent) as cancelled, from the next
 * jv_http_sched_run(). In-flight requests are stopped with
 * jv_http_sched_cancel_all() by the caller.
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
