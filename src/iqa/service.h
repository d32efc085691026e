/*
 * service.h - client of the IQA service (doc/SPEC.md 2.5), the TensorFlow server
 * that users already run for the neural metrics (NIMA aesthetic and
 * technical, MUSIQ):
 *   GET  {url}/health -> 200 {"status": "ok"}
 *   POST {url}/infer {"image_b64": ..., "image_name": ...}
 *     -> 200 {"nima_aesthetic": {"mean", "std"}, "nima_technical": {...},
 *             "musiq_spaq": mos}, any part replaced by "<key>_error": msg.
 *
 * Requests run on a jv_http_sched (the caller's, shared with the VLM
 * requests and driven by the same jv_http_sched_run() loop). The service has
 * its own limit of `concurrency` requests in flight, apart from the
 * scheduler's max_in_flight: its pool is given that limit
 * (jv_http_pool_set_limit), so IQA requests never take a VLM slot and never
 * wait behind VLM requests. Images wait in the service's own queue until a
 * slot is free and are read and base64-encoded only then, so memory stays
 * bounded by `concurrency` images however many are submitted.
 *
 * A failing or absent service never fails a run: every submission ends in
 * exactly one call of its `done` callback, with whatever metrics were
 * obtained (possibly none) and a note saying why something is missing.
 * After 3 submissions in a row fail at the connection level the service is
 * considered down for 60 s: submissions meanwhile are answered at once (on
 * the next jv_http_sched_run()) with a note, without waiting for timeouts.
 */
#ifndef JV_IQA_SERVICE_H
#define JV_IQA_SERVICE_H

#include <jansson.h>

#include "net/http.h"

struct jv_iqa_service;

/*
 * `url`: base URL of the service (e.g. "http://127.0.0.1:5000"; copied).
 * `concurrency`: requests in flight; < 1 (JV_CONCURRENCY_AUTO): found while
 * running by a controller of its own (net/capacity.h, probe mode: more while
 * replies do not slow down, fewer on 429/503/timeouts, at most 64). `timeout_s`: per request
 * (<= 0 means 120 s). Returns NULL only for an empty URL.
 */
struct jv_iqa_service *jv_iqa_service_new(const char *url, int concurrency, double timeout_s);

/*
 * Frees the service. Submissions not answered yet are dropped without
 * calling their `done` (the caller is going away); their requests still on
 * the scheduler finish or are cancelled there silently, so the service may
 * be freed before or after the scheduler.
 */
void jv_iqa_service_free(struct jv_iqa_service *s);

/* Its in-flight controller (borrowed; for the manifest), and the limit now. */
struct jv_capacity;
const struct jv_capacity *jv_iqa_service_capacity(const struct jv_iqa_service *s);
int jv_iqa_service_in_flight_limit(const struct jv_iqa_service *s);

/* GET /health (blocking, at most min(timeout, 10 s)): 0 when it answers 200 with status "ok". */
int jv_iqa_service_health(struct jv_iqa_service *s, GError **err);

/*
 * Called once per submission, from jv_http_sched_run() or
 * jv_http_sched_cancel_all() (never after jv_iqa_service_free()). `metrics` is a new reference to
 * an object (the callee owns it, possibly empty) with the keys obtained among nima_aesthetic_mean,
 * nima_aesthetic_std, nima_technical_mean, nima_technical_std (want_nima) and musiq_mos
 * (want_musiq), as reals. `error_note` is NULL when everything wanted arrived, else a borrowed
 * message saying what is missing and why (e.g. "musiq_spaq: model not
 * loaded", or the transport error naming the URL).
 */
typedef void (*jv_iqa_service_done_fn)(json_t *metrics, const char *error_note, void *user);

/*
 * Queues `image_path` (copied) for the service; the request goes out on
 * `sched` (borrowed; it must outlive the submission) when one of the
 * service's slots is free. With neither model wanted, nothing is sent and
 * `done` gets an empty object.
 */
void jv_iqa_service_submit(struct jv_iqa_service *s, struct jv_http_sched *sched,
                           const char *image_path, bool want_nima, bool want_musiq,
                           jv_iqa_service_done_fn done, void *user);

/*
 * Reads a /infer reply body: returns the metrics (new reference, keys as for
 * jv_iqa_service_done_fn, only those wanted) and sets *note (owned, g_free)
 * to what is missing and why ("musiq_spaq: model not loaded; ..."), or NULL.
 * Used by the submissions; public so that reply shapes can be tested.
 */
json_t *jv_iqa_service_parse(const char *body, size_t len, bool want_nima, bool want_musiq,
                             char **note);

/*
 * Counters {url, submitted, complete, partial, failed, in_flight, queued}
 * (new reference): complete = everything wanted arrived, partial = some
 * metrics with notes, failed = no metrics.
 */
json_t *jv_iqa_service_stats(const struct jv_iqa_service *s);

#endif
