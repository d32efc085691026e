/*
 * events.h - the server's event hub for the page's live view (server-sent
 * events): run progress read from the progress file, the child's stderr
 * lines, run start/exit.
 *
 * Producers (the progress poller, the child's reader thread, the API) call
 * jv_web_events_push(); each SSE connection keeps the sequence number of the
 * last event it sent and waits in jv_web_events_wait() for newer ones. The
 * hub keeps the latest JSON_EVENTS_KEEP events; a client that falls further
 * behind skips the oldest. The latest "progress" and "run" events are also
 * kept apart so that a new connection starts with the current state.
 *
 * Thread-safe. Events are stored as their ready-to-send SSE text.
 */
#ifndef JV_WEB_EVENTS_H
#define JV_WEB_EVENTS_H

#include <jansson.h>

struct jv_web_events;

struct jv_web_events *jv_web_events_new(void);
void jv_web_events_free(struct jv_web_events *ev);

/* Appends an event of type `type` (an SSE event name) with `data` (takes). */
void jv_web_events_push(struct jv_web_events *ev, const char *type, json_t *data);

/*
 * For a new connection: returns (owned, g_free; NULL when there is none yet)
 * the SSE text of the latest run and progress states, and sets *seq to the
 * newest event, so that jv_web_events_wait() continues from there.
 */
char *jv_web_events_snapshot(struct jv_web_events *ev, uint64_t *seq);

/*
 * Returns (owned, g_free) the SSE text of all events newer than *seq and
 * advances *seq; waits up to `timeout_ms` for one to arrive. Returns NULL on
 * timeout or once jv_web_events_close() was called.
 */
char *jv_web_events_wait(struct jv_web_events *ev, uint64_t *seq, int timeout_ms);

/* Wakes every waiter for good (server shutdown). */
void jv_web_events_close(struct jv_web_events *ev);
bool jv_web_events_closed(struct jv_web_events *ev);

/*
 * Progress poller: a thread that stats `progress_path` every `interval_ms`
 * and pushes a "progress" event with the file's JSON whenever its mtime or
 * size changes (the pipeline replaces it atomically, so a changed file is a
 * whole one). Stopped by jv_web_events_close().
 */
int jv_web_events_start_poller(struct jv_web_events *ev, const char *progress_path, int interval_ms,
                               GError **err);

#endif
