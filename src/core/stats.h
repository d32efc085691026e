/*
 * stats.h - summary statistics of a series of samples (durations, token
 * counts): count, min, max, mean, p50, p95, sum.
 */
#ifndef JV_STATS_H
#define JV_STATS_H

#include <jansson.h>

struct jv_stats {
    GArray *values; /* double */
};

void jv_stats_init(struct jv_stats *s);
void jv_stats_release(struct jv_stats *s);
void jv_stats_add(struct jv_stats *s, double v);
size_t jv_stats_count(const struct jv_stats *s);
double jv_stats_sum(const struct jv_stats *s);
double jv_stats_mean(const struct jv_stats *s);
/* Percentile 0..100 by linear interpolation between closest ranks (numpy's default). */
double jv_stats_percentile(const struct jv_stats *s, double pct);

/*
 * Returns a new object {count, sum, min, max, mean, p50, p95}; with no samples
 * the figures other than count and sum are null.
 */
json_t *jv_stats_to_json(const struct jv_stats *s);

#endif
