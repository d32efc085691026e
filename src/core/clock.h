/*
 * clock.h - monotonic and wall-clock time.
 */
#ifndef JV_CLOCK_H
#define JV_CLOCK_H

/* Seconds on the monotonic clock (for durations). */
double jv_clock_mono(void);

/* Seconds since the epoch, wall clock (for timestamps). */
double jv_clock_wall(void);

/*
 * Formats epoch seconds `t` as ISO 8601 UTC with milliseconds
 * ("2026-11-26T13:30:42.123Z") into `buf` of at least JV_ISO8601_LEN bytes.
 * Returns buf.
 */
#define JV_ISO8601_LEN 96
char *jv_clock_iso8601(double t, char *buf);

#endif
