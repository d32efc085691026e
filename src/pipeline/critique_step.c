#include "core/jv.h"

#include "critique/engine.h"
#include "critique/prompt.h"
#include "input/compliance.h"
#include "input/registry.h"
#include "pipeline/critique_step.h"

/* One image on its way through the engine: the engine's job plus ours. */
struct pending {
    struct jv_critique_job cj;
    struct jv_job *job;
    struct jv_stage2 *s;
    char *compliance;
};

struct jv_stage2 {
    const struct jv_run_config *o;
    const struct jv_competition *competition;
    struct jv_prompt *prompt;
    struct jv_http_pool *pool;
    struct jv_critique_engine *engine;
    char *competition_notes;
    char *rules;
    jv_stage2_done_fn done;
    void *user;
    jv_stage2_feed_fn feed;
    void *feed_user;
    size_t in_flight;
};

static char *rules_text(const struct jv_competition *c)
{
    if (!c || !c->rules)
        return NULL;
    GString *out = g_string_new(NULL);
    const char *k;
    json_t *v;
    json_object_foreach(c->rules, k, v)
    {
        char *val = json_is_string(v) ? g_strdup(json_string_value(v))
                                      : json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
        g_string_append_printf(out, "%s%s: %s", out->len ? "; " : "", k, val);
        if (json_is_string(v))
            g_free(val);
        else
            free(val);
    }
    return g_string_free(out, FALSE);
}

static char *notes_text(const struct jv_run_config *o, const struct jv_competition *c)
{
    const char *a = c && c->notes ? c->notes : NULL;
    const char *b = o->critique.notes;
    if (a && b) {
        char *trimmed = g_strstrip(g_strdup(a));
        char *both = g_strdup_printf("%s\n%s", trimmed, b);
        g_free(trimmed);
        return both;
    }
    return g_strdup(a ? a : b);
}

static void on_done(struct jv_critique_job *cj, json_t *fields, void *user)
{
    (void)user;
    struct pending *p = (struct pending *)cj;
    struct jv_stage2 *s = p->s;
    struct jv_job *job = p->job;
    s->in_flight--;
    g_free(p->compliance);
    g_free(p);
    if (json_is_true(json_object_get(fields, "cancelled"))) {
        /* Stopped by a signal: not a result; the next run redoes it. */
        json_decref(fields);
        jv_job_free(job);
        return;
    }
    /* The award comes from the competition's bands. */
    json_t *total = json_object_get(fields, "critique_total");
    const char *award = NULL;
    if (s->competition && json_is_number(total))
        award = jv_competition_award_for(s->competition, (int)json_number_value(total));
    json_object_set_new(fields, "critique_award", award ? json_string(award) : json_null());
    s->done(job, fields, s->user);
}

static struct pending *wrap(struct jv_stage2 *s, struct jv_job *job)
{
    struct pending *p = g_new0(struct pending, 1);
    p->s = s;
    p->job = job;
    p->compliance = jv_compliance_summary(job->compliance);
    p->cj.image_path = job->path;
    p->cj.content_hash = job->content_hash;
    p->cj.title = job->title;
    p->cj.category = job->category;
    p->cj.caption = NULL;
    p->cj.competition_notes = s->competition_notes;
    p->cj.rules = s->rules;
    p->cj.compliance = p->compliance;
    p->cj.metrics = json_object_get(job->signals, "metrics");
    p->cj.tonal_summary = json_string_value(json_object_get(job->signals, "tonal_summary"));
    p->cj.done = on_done;
    p->cj.user = s;
    s->in_flight++;
    return p;
}

static struct jv_critique_job *feed_engine(void *user)
{
    struct jv_stage2 *s = user;
    if (!s->feed)
        return NULL;
    struct jv_job *job = s->feed(s->feed_user);
    return job ? &wrap(s, job)->cj : NULL;
}

struct jv_stage2 *jv_stage2_new(const struct jv_run_config *o, const struct jv_competition *c,
                                struct jv_http_sched *sched, jv_stage2_done_fn done, void *user,
                                GError **err)
{
    struct jv_prompt *prompt =
        jv_prompt_load(o->critique.prompt_profile, o->critique.prompt_file, err);
    if (!prompt)
        return NULL;
    struct jv_stage2 *s = g_new0(struct jv_stage2, 1);
    s->o = o;
    s->competition = c;
    s->prompt = prompt;
    s->done = done;
    s->user = user;
    s->pool = jv_http_pool_new((const char *const *)o->vlm.base_urls);
    s->engine = jv_critique_engine_new(&o->vlm, &o->critique, prompt, sched, s->pool);
    s->competition_notes = notes_text(o, c);
    s->rules = rules_text(c);
    return s;
}

void jv_stage2_free(struct jv_stage2 *s)
{
    if (!s)
        return;
    if (s->engine)
        jv_critique_engine_free(s->engine);
    jv_http_pool_free(s->pool);
    jv_prompt_free(s->prompt);
    g_free(s->competition_notes);
    g_free(s->rules);
    g_free(s);
}

const char *jv_stage2_prompt_sha256(const struct jv_stage2 *s)
{
    return s->prompt->sha256;
}

json_t *jv_stage2_prompt_json(const struct jv_stage2 *s)
{
    return json_pack("{s:s,s:s,s:s,s:s}", "profile", s->prompt->id, "version", s->prompt->version,
                     "sha256", s->prompt->sha256, "origin", s->prompt->origin);
}

void jv_stage2_set_feeder(struct jv_stage2 *s, jv_stage2_feed_fn feed, void *user)
{
    s->feed = feed;
    s->feed_user = user;
    jv_critique_engine_set_feeder(s->engine, feed ? feed_engine : NULL, s);
}

void jv_stage2_kick(struct jv_stage2 *s)
{
    jv_critique_engine_kick(s->engine);
}

void jv_stage2_cancel_queued(struct jv_stage2 *s)
{
    jv_critique_engine_cancel_queued(s->engine);
}

size_t jv_stage2_in_flight(const struct jv_stage2 *s)
{
    return s->in_flight;
}

json_t *jv_stage2_stats(const struct jv_stage2 *s)
{
    json_t *st = jv_critique_engine_stats(s->engine);
    json_object_set_new(st, "endpoints", jv_http_pool_stats(s->pool));
    /* The share of replies cut at max_tokens: the figure that says whether the limit fits. */
    json_int_t requests = json_integer_value(json_object_get(st, "requests"));
    json_int_t truncated = json_integer_value(json_object_get(st, "truncated"));
    json_object_set_new(st, "truncated_share",
                        requests > 0 ? json_real((double)truncated / (double)requests)
                                     : json_null());
    return st;
}
