/*
 * sse.h - incremental parser for text/event-stream (the WHATWG "server-sent
 * events" format) as OpenAI-compatible servers stream chat completions.
 *
 * Bytes go in with jv_sse_feed() at arbitrary chunk boundaries; each complete
 * event (terminated by a blank line) is handed to the callback. Lines end in
 * CRLF, LF or CR; a line starting with ':' is a comment; "data" fields of one
 * event are joined with '\n'; "event" sets the event type (default
 * "message"); "id" and "retry" are accepted and ignored; a UTF-8 BOM at the
 * start of the stream is skipped. An event whose data (with its joining
 * newlines) exceeds `max_event` bytes, or a line longer than `max_event` + 32
 * bytes, is refused with an error (a runaway or hostile stream stops there). An unterminated event
 * at the end of the stream is discarded, as the format requires.
 */
#ifndef JV_SSE_H
#define JV_SSE_H

/*
 * Called once per event with at least one data field. `type` and `data` are
 * borrowed for the call; `data` is NUL-terminated (it may contain '\n').
 * Return 0 to go on, -1 to stop: jv_sse_feed() then fails with an error.
 */
typedef int (*jv_sse_event_fn)(const char *type, const char *data, size_t len, void *user);

struct jv_sse {
    jv_sse_event_fn on_event;
    void *user;
    size_t max_event;
    GString *line;  /* the current, unterminated line */
    GString *data;  /* data of the current event, each field + '\n' */
    GString *type;  /* the event type; empty = "message" */
    bool have_data; /* a data field was seen in the current event */
    bool after_cr;  /* the previous byte was CR (a following LF is skipped) */
    bool started;   /* past the optional BOM at the start */
    bool failed;    /* an error was reported; further input is refused */
    uint64_t events;
};

/* Sets up `p`; `max_event` bounds one event's data (bytes), see above. */
void jv_sse_init(struct jv_sse *p, size_t max_event, jv_sse_event_fn on_event, void *user);
void jv_sse_release(struct jv_sse *p);
/* Forgets all partial state (a new stream, e.g. a retried attempt). */
void jv_sse_reset(struct jv_sse *p);

/*
 * Parses `len` bytes, delivering the events they complete. Returns 0, or -1
 * with err when an event is too large or the callback refused one; after an
 * error the parser refuses input until jv_sse_reset().
 */
int jv_sse_feed(struct jv_sse *p, const char *buf, size_t len, GError **err);

/* True when no partial line or event is buffered (the stream ended cleanly). */
bool jv_sse_idle(const struct jv_sse *p);

#endif
