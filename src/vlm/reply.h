/*
 * reply.h - a chat-completions reply, accumulated from a stream of SSE
 * events or read from a whole (non-streamed) body.
 *
 * Streamed layouts handled (examples in tests/data/replies/):
 *   vLLM: chat.completion.chunk events with delta.role / delta.content, a
 *     finish_reason in the last choice chunk, then (with include_usage) a
 *     usage chunk with "choices": [], then [DONE];
 *   llama-server: usage (and timings) inside the finish chunk;
 *   Ollama (OpenAI-compatible layer): as vLLM, with its own fields.
 * An event {"error": {...}} (a server failing after it sent 200) and a
 * top-level {"object": "error", ...} make the reply an error.
 *
 * One reader for both users of the protocol: the critique engine feeds SSE
 * events as they come and finishes with jv_reply_finish(); the playoff, not
 * streamed, only calls jv_reply_finish().
 *
 * Ownership: struct jv_reply owns its strings; the caller provides the
 * struct (jv_reply_init / jv_reply_release). Inputs are borrowed.
 */
#ifndef JV_REPLY_H
#define JV_REPLY_H

#include "net/http.h"

struct jv_reply {
    GString *content;       /* the assistant text so far */
    char *finish_reason;    /* NULL until the server says ("stop", "length", ...) */
    long prompt_tokens;     /* -1 until reported */
    long completion_tokens; /* -1 until reported */
    char *error;            /* the server's error message after a 200, or NULL */
    bool done;              /* [DONE] seen */
    size_t events;          /* events fed (including [DONE]) */
};

void jv_reply_init(struct jv_reply *r);
void jv_reply_release(struct jv_reply *r);
/* Empties the reply for a new attempt. */
void jv_reply_reset(struct jv_reply *r);

/*
 * Feeds one SSE `data:` payload of `len` bytes (without the "data: " prefix).
 * Returns 0, or -1 with err: JV_ERR_PARSE for a payload that is not JSON,
 * JV_ERR_HTTP for an error event (r->error holds the message).
 */
int jv_reply_feed_sse(struct jv_reply *r, const char *data, size_t len, GError **err);

/*
 * Reads a whole non-streamed reply body (NUL-terminated): choices[0].message
 * .content, finish_reason and usage. Returns 0 or -1 with err as above.
 */
int jv_reply_parse_nonstream(struct jv_reply *r, const char *body, GError **err);

/*
 * Finishes the reply from the scheduler's final result of its request.
 * A transport failure (res->error) gives -1 with err keeping its domain and
 * code (JV_ERR_CANCELLED stays recognisable) and its message, followed by
 * " (<stream_error>)" when `stream_error` (why the caller's on_sse_event
 * rejected the stream; may be NULL) is given. A 2xx reply that brought no
 * SSE event but a body (a plain reply, also to a streamed request) is read
 * with jv_reply_parse_nonstream(). Returns 0, or -1 with err.
 */
int jv_reply_finish(struct jv_reply *r, const struct jv_http_result *res, const char *stream_error,
                    GError **err);

/*
 * Adds the reply's reported usage to running sums kept per question (over
 * its requests): a sum stays -1 until something is reported. Either pointer
 * may be NULL.
 */
void jv_reply_add_usage(const struct jv_reply *r, long *prompt_sum, long *completion_sum);

#endif
