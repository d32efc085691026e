/*
 * api.h - the JSON API and event stream behind the web page (routes under
 * /api/). The server (server.c) has already checked the Host header, the
 * access token, the session token of state-changing requests and the body
 * size; these handlers validate everything else (run ids, indices, JSON).
 *
 * Routes (query parameters in brackets):
 *   GET  /api/session                    {token, version, outputs, registry}
 *   GET  /api/registries                 [{id, name, path}] registry files offered
 *   POST /api/registries {path}          offer one more (an absolute *.toml path)
 *   GET  /api/competitions [registry=ID] {registry, competitions: [...]}
 *   GET  /api/competition [run=ID]       {competition}: the one the run was judged under
 *   GET  /api/settings   PUT /api/settings   the page's form, kept on disk
 *   GET  /api/run        POST /api/run   POST /api/run/cancel
 *   GET  /api/events                     server-sent events: run, progress, log
 *   GET  /api/runs                       results files under the outputs dir
 *   GET  /api/results [run=ID]           {run, name, overrides, fields, records}
 *   POST /api/overrides [run=ID]         score/award edits
 *   GET  /api/manifest [run=ID, download=1]
 *   GET  /api/matches [run=ID]           the playoff log as a JSON array
 *   GET  /api/export.csv [run=ID]        final table, overrides applied (an edited score
 *                                        without an award takes its band's)
 *   GET  /api/metrics.jsonl [run=ID]     per-image timings and tokens
 *   GET  /api/image [run=ID, idx=N]      a record's photo
 *   GET  /api/thumb [run=ID, idx=N, size=S]
 */
#ifndef JV_WEB_API_H
#define JV_WEB_API_H

#include <microhttpd.h>

#include "web/events.h"
#include "web/runner.h"
#include "web/runs.h"
#include "image/thumbnail.h"

/* Slots of jv_web_ctx.registries, the closing NULL included. */
#define JV_WEB_REGISTRIES_MAX 64

/* Everything the handlers share; owned by the server. */
struct jv_web_ctx {
    char *session_token;
    char *outputs; /* absolute */
    /* Absolute paths offered to the page, NULL-terminated, with room for
     * JV_WEB_REGISTRIES_MAX - 1 (api.c fills free slots; never shrinks). */
    char **registries;
    char *self_exe;
    char *settings_path; /* <outputs>/gui/settings.json */
    GMutex settings_lock;
    struct jv_web_events *events;
    struct jv_web_runner *runner;
    struct jv_web_runs *runs;
    struct jv_image_thumbs *thumbs;
};

/* A handler's answer: the status and the response (owned by the caller). */
struct jv_web_reply {
    unsigned int status;
    struct MHD_Response *resp;
};

/*
 * Dispatches an /api/ request. `body` (may be NULL) has `body_len` bytes.
 * Always fills `out` (404 for an unknown route, 405 for a wrong method).
 */
void jv_web_api_handle(struct jv_web_ctx *ctx, struct MHD_Connection *conn, const char *method,
                       const char *url, const char *body, size_t body_len,
                       struct jv_web_reply *out);

/* {"error": message} with `status` (helpers shared with server.c). */
void jv_web_reply_error(struct jv_web_reply *out, unsigned int status, const char *fmt, ...)
    JV_PRINTF(3, 4);
/* Takes `j`. */
void jv_web_reply_json(struct jv_web_reply *out, unsigned int status, json_t *j);
/* Takes `data` (g_free'd). */
void jv_web_reply_bytes(struct jv_web_reply *out, unsigned int status, char *data, size_t len,
                        const char *content_type);

#endif
