/*
 * failures.h - the failed images of a run, by kind of error: the commonest
 * one for the closing lines, and how many of the same kind came in a row
 * (doc/SPEC.md 5: identical failures in a row stop a run).
 *
 * Two messages are of the same kind when they differ only in numbers other
 * than an HTTP status (a request number, a port, a duration). Single-threaded;
 * strings passed in are borrowed and copied.
 */
#ifndef JV_PIPELINE_FAILURES_H
#define JV_PIPELINE_FAILURES_H

#include <stdbool.h>
#include <stddef.h>

#include <glib.h>

struct jv_failures {
    GHashTable *kinds; /* kind -> struct jv_failure_kind (private) */
    char *streak_kind; /* the kind of the failures in a row, NULL after an ok image */
    size_t streak;     /* how many in a row */
};

void jv_failures_init(struct jv_failures *f);
void jv_failures_release(struct jv_failures *f);

/*
 * One failed image with `error`. `in_a_row`: it continues (or starts) a
 * streak, as Stage 2 failures do; other failures leave the streak as it is.
 * Returns the length of the streak of this kind (0 when not in_a_row).
 */
size_t jv_failures_add(struct jv_failures *f, const char *error, bool in_a_row);

/* An image that did not fail: the streak ends. */
void jv_failures_ok(struct jv_failures *f);

/*
 * The first message of the commonest kind (the first kind in byte order among
 * equals; borrowed, NULL when nothing failed), and in *count how many.
 */
const char *jv_failures_commonest(const struct jv_failures *f, size_t *count);

/* The kind of an error message (owned): every number masked, an HTTP status kept. */
char *jv_failures_kind(const char *error);

#endif
