/* panel.c - a panel of judges: N critiques per photo sent together, combined into one. */
#include "core/jv.h"

#include <math.h>

#include "core/agreement.h"
#include "core/stats.h"
#include "critique/panel.h"

/* What one judge answered, copied from its result (which is borrowed for the call). */
struct verdict {
    enum jv_critique_status status;
    bool has_total, cancelled;
    double score_raw;
    char *title, *style, *critique, *error, *finish_reason;
    json_t *subscores;
    long prompt_tokens, completion_tokens;
    double ttft, started, finished;
    int attempts, endpoint;
};

/* One photo of the caller's: its N engine jobs and their verdicts. */
struct photo {
    struct jv_critique_panel *panel;
    struct jv_critique_job *outer;
    struct jv_critique_job *subs; /* judges */
    struct verdict *v;            /* judges */
    int released, done;
};

struct jv_critique_panel {
    struct jv_critique_engine *e;
    struct jv_http_sched *sched;
    int judges;
    enum jv_panel_combine how;
    const struct jv_prompt **prompts; /* per judge: the profile or a variant */
    GPtrArray *owned;                 /* struct jv_prompt *: the variants */
    jv_critique_feed_fn feed;
    void *feed_user;
    struct photo *current; /* a photo whose requests are not all handed out */
    /* figures */
    GArray *rows; /* double, judges per photo with every verdict */
    struct jv_stats spread;
    double widest;
    char *widest_image;
};

const char *jv_panel_combine_name(enum jv_panel_combine how)
{
    return how == JV_PANEL_SUM ? "sum" : "median";
}

static void verdict_release(struct verdict *v)
{
    g_free(v->title);
    g_free(v->style);
    g_free(v->critique);
    g_free(v->error);
    g_free(v->finish_reason);
    json_decref(v->subscores);
}

static void photo_free(struct photo *ph)
{
    for (int k = 0; k < ph->panel->judges; k++)
        verdict_release(&ph->v[k]);
    g_free(ph->v);
    g_free(ph->subs);
    g_free(ph);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : (x > y);
}

/* The combined raw score of the n_ok scores in `s` (sorted here). */
static double combine(const struct jv_critique_panel *pn, double *s, int n_ok)
{
    if (pn->how == JV_PANEL_SUM) {
        double sum = 0;
        for (int i = 0; i < n_ok; i++)
            sum += s[i];
        return sum * (double)pn->judges / (double)n_ok;
    }
    qsort(s, (size_t)n_ok, sizeof *s, cmp_double);
    return n_ok % 2 ? s[n_ok / 2] : (s[n_ok / 2 - 1] + s[n_ok / 2]) / 2.0;
}

/* The judge whose score is closest to `target` (the first on a tie), or -1. */
static int closest(const struct photo *ph, double target)
{
    int best = -1;
    for (int k = 0; k < ph->panel->judges; k++)
        if (ph->v[k].has_total &&
            (best < 0 || fabs(ph->v[k].score_raw - target) < fabs(ph->v[best].score_raw - target)))
            best = k;
    return best;
}

static void note_figures(struct jv_critique_panel *pn, const struct photo *ph, double spread)
{
    if (isnan(spread))
        return;
    jv_stats_add(&pn->spread, spread);
    if (!pn->widest_image || spread > pn->widest) {
        g_free(pn->widest_image);
        pn->widest_image = g_strdup(ph->outer->image_path);
        pn->widest = spread;
    }
    bool all = true;
    for (int k = 0; k < pn->judges; k++)
        all = all && ph->v[k].has_total;
    for (int k = 0; all && k < pn->judges; k++)
        g_array_append_val(pn->rows, ph->v[k].score_raw);
}

/* Sums a token count over the judges: -1 when no judge reported one. */
static long sum_tokens(const struct photo *ph, bool completion)
{
    long sum = -1;
    for (int k = 0; k < ph->panel->judges; k++) {
        long t = completion ? ph->v[k].completion_tokens : ph->v[k].prompt_tokens;
        if (t >= 0)
            sum = (sum < 0 ? 0 : sum) + t;
    }
    return sum;
}

/*
 * Every judge of the photo is back: builds the combined result (see
 * panel.h), hands it to the caller's job and frees the photo.
 */
static void finish_photo(struct photo *ph)
{
    struct jv_critique_panel *pn = ph->panel;
    int n = pn->judges, n_ok = 0;
    double *scores = g_new(double, (gsize)n), *ok = g_new(double, (gsize)n);
    double lo = INFINITY, hi = -INFINITY, started = INFINITY, finished = 0;
    bool cancelled = false;
    int attempts = 0;
    for (int k = 0; k < n; k++) {
        const struct verdict *v = &ph->v[k];
        scores[k] = v->has_total ? v->score_raw : NAN;
        if (v->has_total) {
            ok[n_ok++] = v->score_raw;
            lo = fmin(lo, v->score_raw);
            hi = fmax(hi, v->score_raw);
        }
        cancelled = cancelled || v->cancelled;
        attempts += v->attempts;
        if (v->started > 0)
            started = fmin(started, v->started);
        finished = fmax(finished, v->finished);
    }
    double spread = n_ok >= 2 ? hi - lo : NAN;
    double raw = n_ok ? combine(pn, ok, n_ok) : 0;
    int shown = n_ok ? closest(ph, pn->how == JV_PANEL_SUM ? raw / n : raw) : 0;
    const struct verdict *s = &ph->v[shown];
    double top = pn->how == JV_PANEL_SUM ? 20.0 * n : 20.0;
    struct jv_critique_result res = {
        .status = n_ok ? JV_CRITIQUE_OK : s->status,
        .title = s->title,
        .style = s->style,
        .critique = s->critique,
        .subscores = s->subscores,
        .has_total = n_ok > 0,
        .score_raw = raw,
        .total = n_ok ? (int)nearbyint(fmin(fmax(raw, 0.0), top)) : 0,
        .error = n_ok ? NULL : s->error,
        .prompt_tokens = sum_tokens(ph, false),
        .completion_tokens = sum_tokens(ph, true),
        .finish_reason = s->finish_reason,
        .ttft_s = s->ttft,
        .duration_s = isfinite(started) && finished >= started ? finished - started : 0,
        .started = isfinite(started) ? started : finished,
        .finished = finished,
        .attempts = attempts,
        .endpoint = s->endpoint,
        .cancelled = cancelled,
        .n_judges = n,
        .judge_scores = scores,
        .spread = spread,
    };
    if (!cancelled)
        note_figures(pn, ph, spread);
    ph->outer->done(ph->outer, &res, ph->outer->user);
    g_free(scores);
    g_free(ok);
    photo_free(ph);
}

static void on_judge_done(struct jv_critique_job *sub, const struct jv_critique_result *res,
                          void *user)
{
    struct photo *ph = user;
    struct verdict *v = &ph->v[sub - ph->subs];
    *v = (struct verdict){
        .status = res->status,
        .has_total = res->has_total && res->status == JV_CRITIQUE_OK,
        .cancelled = res->cancelled,
        .score_raw = res->score_raw,
        .title = g_strdup(res->title),
        .style = g_strdup(res->style),
        .critique = g_strdup(res->critique),
        .error = g_strdup(res->error),
        .finish_reason = g_strdup(res->finish_reason),
        .subscores = res->subscores ? json_deep_copy(res->subscores) : NULL,
        .prompt_tokens = res->prompt_tokens,
        .completion_tokens = res->completion_tokens,
        .ttft = res->ttft_s,
        .started = res->started,
        .finished = res->finished,
        .attempts = res->attempts,
        .endpoint = res->endpoint,
    };
    if (++ph->done == ph->panel->judges)
        finish_photo(ph);
}

static struct photo *photo_new(struct jv_critique_panel *pn, struct jv_critique_job *outer)
{
    struct photo *ph = g_new0(struct photo, 1);
    ph->panel = pn;
    ph->outer = outer;
    ph->subs = g_new(struct jv_critique_job, (gsize)pn->judges);
    ph->v = g_new0(struct verdict, (gsize)pn->judges);
    for (int k = 0; k < pn->judges; k++) {
        ph->subs[k] = *outer;
        ph->subs[k].prompt = pn->prompts[k];
        ph->subs[k].has_seed = true;
        ph->subs[k].seed = k + 1;
        ph->subs[k].group = k == 0 ? pn->judges : 1; /* the photo's requests go out together */
        ph->subs[k].done = on_judge_done;
        ph->subs[k].user = ph;
    }
    return ph;
}

/* The engine's feeder: the current photo's next judge, else the next photo's first. */
struct jv_critique_job *jv_critique_panel_feed(void *user)
{
    struct jv_critique_panel *pn = user;
    if (!pn->current) {
        struct jv_critique_job *outer = pn->feed ? pn->feed(pn->feed_user) : NULL;
        if (!outer)
            return NULL;
        pn->current = photo_new(pn, outer);
    }
    struct photo *ph = pn->current;
    struct jv_critique_job *job = &ph->subs[ph->released++];
    if (ph->released == pn->judges)
        pn->current = NULL;
    return job;
}

struct jv_critique_panel *jv_critique_panel_new(struct jv_critique_engine *e,
                                                struct jv_http_sched *sched,
                                                const struct jv_prompt *p, int judges,
                                                enum jv_panel_combine how, GError **err)
{
    struct jv_critique_panel *pn = g_new0(struct jv_critique_panel, 1);
    pn->e = e;
    pn->sched = sched;
    pn->judges = MAX(judges, 2);
    pn->how = how;
    pn->prompts = g_new(const struct jv_prompt *, (gsize)pn->judges);
    pn->owned = g_ptr_array_new_with_free_func((GDestroyNotify)jv_prompt_free);
    pn->rows = g_array_new(FALSE, FALSE, sizeof(double));
    jv_stats_init(&pn->spread);
    for (int k = 0; k < pn->judges; k++) {
        GError *local = NULL;
        struct jv_prompt *v = k ? jv_prompt_load_variant(p, k + 1, &local) : NULL;
        if (local) {
            g_propagate_error(err, local);
            jv_critique_panel_free(pn);
            return NULL;
        }
        if (v)
            g_ptr_array_add(pn->owned, v);
        pn->prompts[k] = v ? v : p;
    }
    jv_critique_engine_set_feeder(e, jv_critique_panel_feed, pn);
    return pn;
}

void jv_critique_panel_free(struct jv_critique_panel *pn)
{
    if (!pn)
        return;
    g_free(pn->prompts);
    g_ptr_array_unref(pn->owned);
    g_array_free(pn->rows, TRUE);
    jv_stats_release(&pn->spread);
    g_free(pn->widest_image);
    g_free(pn);
}

void jv_critique_panel_set_feeder(struct jv_critique_panel *pn, jv_critique_feed_fn feed,
                                  void *user)
{
    pn->feed = feed;
    pn->feed_user = user;
}

static void cancel_rest(void *user)
{
    struct photo *ph = user;
    struct jv_critique_result res = {.status = JV_CRITIQUE_ERROR,
                                     .error = "cancelled before it was sent",
                                     .prompt_tokens = -1,
                                     .completion_tokens = -1,
                                     .ttft_s = -1,
                                     .endpoint = -1,
                                     .cancelled = true};
    int n = ph->panel->judges;
    for (int k = ph->released; k < n; k++) {
        ph->released++;
        on_judge_done(&ph->subs[k], &res, ph); /* the last one frees the photo */
    }
}

void jv_critique_panel_cancel_queued(struct jv_critique_panel *pn)
{
    pn->feed = NULL;
    jv_critique_engine_cancel_queued(pn->e);
    struct photo *ph = pn->current;
    pn->current = NULL;
    if (ph)
        jv_http_sched_defer(pn->sched, cancel_rest, ph);
}

json_t *jv_critique_panel_stats(const struct jv_critique_panel *pn)
{
    json_t *prompts = json_array();
    for (int k = 0; k < pn->judges; k++)
        json_array_append_new(prompts, json_pack("{s:s, s:s}", "profile", pn->prompts[k]->id,
                                                 "sha256", pn->prompts[k]->sha256));
    size_t m = (size_t)pn->judges, photos = pn->rows->len / m;
    /* rows are per photo; Kendall's W wants them per judge */
    double *by_judge = g_new(double, photos *m + 1);
    const double *rows = (const double *)(const void *)pn->rows->data;
    for (size_t i = 0; i < photos; i++)
        for (size_t j = 0; j < m; j++)
            by_judge[j * photos + i] = rows[i * m + j];
    double w = jv_kendall_w(by_judge, m, photos);
    g_free(by_judge);
    return json_pack("{s:i, s:s, s:o, s:I, s:o, s:o, s:o}", "judges", pn->judges, "combine",
                     jv_panel_combine_name(pn->how), "prompts", prompts, "photos",
                     (json_int_t)photos, "kendall_w", isfinite(w) ? json_real(w) : json_null(),
                     "spread", jv_stats_to_json(&pn->spread), "widest",
                     pn->widest_image
                         ? json_pack("{s:s, s:f}", "image", pn->widest_image, "spread", pn->widest)
                         : json_null());
}
