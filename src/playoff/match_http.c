/* match_http.c - the playoff judge that asks the VLM server, one request per match. */
#include "core/jv.h"

#include "core/log.h"
#include "playoff/match_http.h"
#include "vlm/reply.h"
#include "vlm/request.h"
#include "vlm/retry.h"

struct round_state;

/* One match's requests. */
struct call {
    struct round_state *rs;
    struct jv_playoff_job *job;
    const char *url_a, *url_b; /* borrowed from the image cache */
    int request_no;            /* 1, or 2 for the retry after an unparseable reply */
};

struct round_state {
    struct jv_match_http *h;
    void (*finished)(struct jv_playoff_job *job, void *ctx);
    void *ctx;
    size_t remaining;
    GPtrArray *again; /* calls to ask once more (struct call *, borrowed) */
};

static void finish(struct call *c)
{
    c->rs->finished(c->job, c->rs->ctx);
    c->rs->remaining--;
}

/*
 * The scheduler's outcome of one match request (`user` is its struct call).
 * A transport failure leaves the match unreplied; a reply with a winner
 * decides it; any other reply is asked once more (queued on rs->again for
 * the round loop) and, the second time, counts as no decision with the
 * reason why. Tokens are added to the job either way.
 */
static void on_done(struct jv_http_request *req, const struct jv_http_result *res, void *user)
{
    (void)req;
    struct call *c = user;
    struct jv_playoff_job *job = c->job;
    job->latency_s += res->total_s;
    if (res->error) {
        /* A cancelled match (the run is stopping) is asked again next time: nothing to warn of. */
        if (!g_error_matches(res->error, JV_ERROR, JV_ERR_CANCELLED))
            jv_warn("playoff: match %s vs %s: %s", job->path_a, job->path_b, res->error->message);
        job->replied = false;
        finish(c);
        return;
    }
    GError *perr = NULL;
    struct jv_reply reply;
    jv_reply_init(&reply);
    int rc = jv_reply_finish(&reply, res, NULL, &perr);
    jv_reply_add_usage(&reply, NULL, &job->tokens);
    int winner = -1;
    char *reason = NULL;
    if (rc == 0 && jv_match_parse_reply(reply.content->str, &winner, &reason, &perr) == 0) {
        job->replied = true;
        job->winner = winner;
        g_free(job->reason);
        job->reason = reason;
        jv_reply_release(&reply);
        finish(c);
        return;
    }
    jv_reply_release(&reply);
    if (jv_vlm_retry_allowed(c->request_no)) {
        g_ptr_array_add(c->rs->again, c);
        g_clear_error(&perr);
        return;
    }
    jv_warn("playoff: match %s vs %s: no decision (%s)", job->path_a, job->path_b,
            perr ? perr->message : "unparseable reply");
    job->replied = true;
    job->winner = -1;
    g_free(job->reason);
    job->reason = g_strdup(perr ? perr->message : "unparseable reply");
    g_clear_error(&perr);
    finish(c);
}

static const struct jv_http_callbacks callbacks = {.on_done = on_done};

static void submit(struct call *c)
{
    struct jv_match_http *h = c->rs->h;
    c->request_no++;
    char *body = jv_match_request_body(c->job->rec_a, c->job->rec_b, c->url_a, c->url_b, h->model,
                                       c->request_no);
    struct jv_http_request *req = jv_vlm_http_request(h->pool, body, false, h->api_key,
                                                      h->timeout_s, h->max_retries, &callbacks, c);
    g_free(body);
    jv_http_sched_submit(h->sched, req);
}

/*
 * The judge's run(): submits every match of the round whose two images could
 * be encoded (the others are reported unreplied at once), then drives the
 * scheduler until each has been reported through `finished`, re-submitting
 * the retries between runs and cancelling everything once the caller's
 * cancelled() says so. Returns 0, or -1 with JV_ERR_CANCELLED.
 */
static int run_round(void *user, struct jv_playoff_job *jobs, size_t n,
                     void (*finished)(struct jv_playoff_job *job, void *ctx), void *ctx,
                     GError **err)
{
    struct jv_match_http *h = user;
    struct round_state rs = {h, finished, ctx, 0, g_ptr_array_new()};
    struct call *calls = g_new0(struct call, n ? n : 1);
    bool cancelled = false;
    for (size_t k = 0; k < n; k++) {
        struct call *c = &calls[k];
        c->rs = &rs;
        c->job = &jobs[k];
        GError *ierr = NULL;
        c->url_a = jv_match_images_get(&h->images, jobs[k].path_a, &ierr);
        if (c->url_a)
            c->url_b = jv_match_images_get(&h->images, jobs[k].path_b, &ierr);
        if (!c->url_a || !c->url_b) {
            jv_warn("playoff: match %s vs %s not asked: %s", jobs[k].path_a, jobs[k].path_b,
                    ierr->message);
            g_error_free(ierr);
            jobs[k].replied = false;
            finished(&jobs[k], ctx);
            continue;
        }
        rs.remaining++;
        submit(c);
    }
    while (rs.remaining > 0) {
        if (!cancelled && h->cancelled && h->cancelled(h->cancel_user))
            cancelled = true;
        if (cancelled)
            jv_http_sched_cancel_all(h->sched);
        jv_http_sched_run(h->sched, 200);
        for (guint i = 0; i < rs.again->len; i++) {
            struct call *c = g_ptr_array_index(rs.again, i);
            if (cancelled) {
                c->job->replied = false;
                finish(c);
            } else {
                submit(c);
            }
        }
        g_ptr_array_set_size(rs.again, 0);
    }
    g_ptr_array_free(rs.again, TRUE);
    g_free(calls);
    if (cancelled) {
        g_set_error(err, JV_ERROR, JV_ERR_CANCELLED, "playoff interrupted");
        return -1;
    }
    return 0;
}

static size_t encodings(void *user)
{
    struct jv_match_http *h = user;
    return h->images.encodings;
}

void jv_match_http_init(struct jv_match_http *h, struct jv_http_sched *sched,
                        struct jv_http_pool *pool, const char *api_key, const char *model,
                        double timeout_s, int max_retries)
{
    memset(h, 0, sizeof(*h));
    h->sched = sched;
    h->pool = pool;
    h->api_key = g_strdup(api_key);
    h->model = g_strdup(model);
    h->timeout_s = timeout_s;
    h->max_retries = max_retries;
    jv_match_images_init(&h->images);
    h->judge.run = run_round;
    h->judge.encodings = encodings;
    h->judge.user = h;
}

void jv_match_http_release(struct jv_match_http *h)
{
    g_free(h->api_key);
    g_free(h->model);
    jv_match_images_release(&h->images);
    h->api_key = h->model = NULL;
}

const struct jv_playoff_judge *jv_match_http_judge(struct jv_match_http *h)
{
    return &h->judge;
}
