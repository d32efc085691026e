/*
 * log.h - the structured run log (doc/SPEC.md 3: one JSON object per line) and the
 * human-facing stderr messages.
 *
 * The log is process-wide: jv_log_open() once in the command layer, then any
 * thread may call jv_log_event(). Each event is written with a single write()
 * under a mutex, so lines stay whole and valid JSON under concurrency.
 * Without jv_log_open() events are dropped (library use, unit tests).
 */
#ifndef JV_LOG_H
#define JV_LOG_H

#include <jansson.h>

enum jv_log_level { JV_LOG_DEBUG = 0, JV_LOG_INFO, JV_LOG_WARN, JV_LOG_ERROR };

/* Opens (appends to) the log file, creating parent directories. */
int jv_log_open(const char *path, enum jv_log_level min_level, GError **err);
void jv_log_close(void);

/*
 * Writes {"ts": ISO8601, "level": ..., "event": event, ...fields}.
 * Takes ownership of `fields` (may be NULL). Thread-safe.
 */
void jv_log_event(enum jv_log_level level, const char *event, json_t *fields);

/*
 * Human messages on stderr ("judge-vision: warning: ..."), also recorded in
 * the log as event "message". Thread-safe.
 */
void jv_warn(const char *fmt, ...) JV_PRINTF(1, 2);
void jv_info(const char *fmt, ...) JV_PRINTF(1, 2);
void jv_error(const char *fmt, ...) JV_PRINTF(1, 2);

/* Suppresses jv_info() on stderr (--quiet, tests). */
void jv_log_set_quiet(bool quiet);

#endif
