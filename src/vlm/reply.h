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
 */
#ifndef JV_REPLY_H
#define JV_REPLY_H

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

#endif
