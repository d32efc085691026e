/*
 * match_http.h - the playoff judge of a real run: each match is one
 * non-streamed chat-completions request on the shared HTTP scheduler
 * (src/net/http.h), all matches of a round in flight together (up to the
 * scheduler's max_in_flight, i.e. --concurrency), sent and read by the VLM
 * client (vlm/). Transport retries (timeouts, 429, 5xx) are the scheduler's;
 * an unparseable reply is asked once more at temperature 0 (vlm/retry.h),
 * then counts as no decision. Images are encoded once for the
 * whole stage (struct jv_match_images).
 *
 * Use:
 *     struct jv_match_http mh;
 *     jv_match_http_init(&mh, sched, pool, api_key, model, timeout_s, max_retries);
 *     params.judge = jv_match_http_judge(&mh);
 *     jv_playoff_run(records, &params, &stats, &err);
 *     jv_match_http_release(&mh);
 */
#ifndef JV_MATCH_HTTP_H
#define JV_MATCH_HTTP_H

#include "net/http.h"
#include "playoff/match.h"
#include "playoff/playoff.h"

struct jv_match_http {
    struct jv_http_sched *sched; /* borrowed */
    struct jv_http_pool *pool;   /* borrowed */
    char *api_key;               /* owned copy; may be NULL; never logged */
    char *model;                 /* owned copy */
    double timeout_s;
    int max_retries;
    /* optional: polled while a round runs; true = cancel in-flight requests */
    bool (*cancelled)(void *user);
    void *cancel_user;
    struct jv_match_images images;
    struct jv_playoff_judge judge;
};

/* Borrows sched and pool (they must outlive it); copies the strings. */
void jv_match_http_init(struct jv_match_http *h, struct jv_http_sched *sched,
                        struct jv_http_pool *pool, const char *api_key, const char *model,
                        double timeout_s, int max_retries);
void jv_match_http_release(struct jv_match_http *h);

/* The judge for jv_playoff_params.judge (borrowed: points into h). */
const struct jv_playoff_judge *jv_match_http_judge(struct jv_match_http *h);

#endif
