/*
 * jsonl.h - JSON Lines files (results, IQA cache, matches log): the one
 * reader, the one torn-line rule, the read-back of one line and the append
 * of one.
 *
 * The torn-line rule. A writer appends each object as one write() of a whole
 * line, newline included, so a line is trusted only once its newline is in
 * the file: a last line without one is torn (a writer killed mid-write, or
 * still writing) and is never parsed; the reader reports it in the stats,
 * with where it starts, so a writer can cut it off before appending. A
 * complete line that is not a JSON object is bad: it is handed to the
 * callback with obj NULL and an error text, never mistaken for a good one.
 * An empty line (nothing, or only blanks, before the newline) is skipped and
 * counted.
 *
 * Streaming: lines are handed over one at a time, so memory stays flat in
 * the size of the file (but for one line).
 *
 * Ownership: the line handed to the callback, its object and its text are
 * borrowed for the duration of the call (json_incref() the object to keep
 * it). jv_jsonl_read_at() and jv_jsonl_first() return a new reference.
 * Appends borrow their object.
 */
#ifndef JV_JSONL_H
#define JV_JSONL_H

#include <jansson.h>
#include <sys/types.h>

/* One complete, non-empty line. */
struct jv_jsonl_line {
    json_t *obj;       /* the parsed object, NULL for a bad line */
    const char *error; /* why a bad line is bad (NULL for a good one) */
    const char *text;  /* the line's bytes without the newline (not NUL-terminated) */
    size_t len;        /* bytes of text */
    off_t offset;      /* where the line starts in the file */
    size_t lineno;     /* 1-based, empty lines counted */
};

/* What a read saw. */
struct jv_jsonl_stats {
    size_t good, bad, empty; /* complete lines of each kind */
    bool torn;               /* the file ended in a line without its newline */
    off_t torn_offset;       /* where that line starts: the end of the trusted lines */
    size_t torn_len;         /* its bytes */
    off_t end;               /* bytes read in all (the file's size as read) */
};

/* Called for each complete, non-empty line; returns true to go on, false to stop. */
typedef bool (*jv_jsonl_fn)(const struct jv_jsonl_line *line, void *user);

/*
 * Streams the lines of the file at `path` to `fn`. `max_bytes` (0 = no cap)
 * refuses a file larger than that. `stats` may be NULL. Returns 0 (also when
 * `fn` stopped early), or -1 with err: JV_ERR_NOT_FOUND when there is no such
 * file, JV_ERR_IO when it cannot be read or is over the cap.
 */
int jv_jsonl_read(const char *path, size_t max_bytes, jv_jsonl_fn fn, void *user,
                  struct jv_jsonl_stats *stats, GError **err);

/*
 * The same over an open fd (borrowed), read from offset 0 with pread (the
 * fd's position is left alone). `name` names the file in errors.
 */
int jv_jsonl_read_fd(int fd, const char *name, size_t max_bytes, jv_jsonl_fn fn, void *user,
                     struct jv_jsonl_stats *stats, GError **err);

/*
 * The first line of `path` parsed, when it is complete (has its newline),
 * at most `max_line` bytes long and a JSON object; else NULL (err, may be
 * NULL, says why). Reads no more than max_line + 1 bytes.
 */
json_t *jv_jsonl_first(const char *path, size_t max_line, GError **err);

/*
 * Reads back the line at `offset`, `len` bytes (as a reader reported it)
 * from `fd` (borrowed) and parses it. Returns the object (new reference), or
 * NULL with err (may be NULL) when the bytes cannot be read or are not a
 * JSON object.
 */
json_t *jv_jsonl_read_at(int fd, off_t offset, size_t len, GError **err);

/*
 * `obj` (borrowed) as one compact line with its newline (owned, g_free);
 * *len (may be NULL) gets its length, newline included. NULL when jansson
 * cannot encode it.
 */
char *jv_jsonl_encode(const json_t *obj, size_t *len);

/*
 * Appends `obj` (borrowed) to `fd` as one line, in one write() of the whole
 * line, so a killed process leaves a torn line at worst, never half a line
 * followed by another. `name` names the file in errors. *line_len (may be
 * NULL) gets the line's length without the newline (what a reader reports
 * as len). Returns 0 or -1 with err.
 */
int jv_jsonl_append(int fd, const json_t *obj, const char *name, size_t *line_len, GError **err);

#endif
