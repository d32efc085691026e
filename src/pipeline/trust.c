/* trust.c - the run's panel of judges and calibration, and their manifest figures. */
#include "core/jv.h"

#include "core/log.h"
#include "outputs/record.h"
#include "pipeline/trust.h"

/* The most judges a panel may have (the option's range; the registry's too). */
#define TRUST_MAX_JUDGES 16

/* The competition's `judges`: 0 when absent, -1 with err when it is not 1..16. */
static int registry_judges(const struct jv_competition *c, GError **err)
{
    json_t *v = c && c->extra ? json_object_get(c->extra, "judges") : NULL;
    if (!v)
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < 1 ||
        json_integer_value(v) > TRUST_MAX_JUDGES) {
        g_set_error(err, JV_ERROR, JV_ERR_PARSE,
                    "%s: competition.%s.judges: expected an integer from 1 to %d", c->source_path,
                    c->id, TRUST_MAX_JUDGES);
        return -1;
    }
    return (int)json_integer_value(v);
}

int jv_trust_open(struct jv_trust *t, const struct jv_trust_config *cfg,
                  const struct jv_competition *c, struct jv_critique_engine *e,
                  struct jv_http_sched *sched, const struct jv_prompt *p, jv_critique_feed_fn feed,
                  void *user, GError **err)
{
    memset(t, 0, sizeof *t);
    int from_registry = registry_judges(c, err);
    if (from_registry < 0)
        return -1;
    t->judges = cfg->judges > 0 ? cfg->judges : (from_registry > 0 ? from_registry : 1);
    t->combine = (enum jv_panel_combine)cfg->combine;
    if (cfg->calibration) {
        t->calibration = jv_calibration_load(cfg->calibration, err);
        if (!t->calibration)
            return -1;
    }
    if (t->judges > 1) {
        t->panel = jv_critique_panel_new(e, sched, p, t->judges, t->combine, err);
        if (!t->panel)
            return -1;
        jv_critique_panel_set_feeder(t->panel, feed, user);
    } else {
        jv_critique_engine_set_feeder(e, feed, user);
    }
    return 0;
}

void jv_trust_cancel_queued(struct jv_trust *t, struct jv_critique_engine *e)
{
    if (t->panel)
        jv_critique_panel_cancel_queued(t->panel);
    else
        jv_critique_engine_cancel_queued(e);
}

void jv_trust_record(const struct jv_trust *t, json_t *rec, const struct jv_competition *c)
{
    double raw;
    if (!t->calibration || !jv_record_num(rec, JV_REC_CRITIQUE_TOTAL_RAW, &raw))
        return;
    const char *category = jv_record_str(rec, JV_REC_COMPETITION_CATEGORY);
    int total = jv_calibration_total(t->calibration, category, raw);
    jv_record_set_int(rec, JV_REC_CRITIQUE_TOTAL, total);
    if (c)
        jv_record_set_str(rec, JV_REC_CRITIQUE_AWARD, jv_competition_award_for(c, total));
}

void jv_trust_to_manifest(const struct jv_trust *t, json_t *manifest)
{
    if (t->panel)
        json_object_set_new(manifest, "panel", jv_critique_panel_stats(t->panel));
    if (t->calibration)
        json_object_set_new(manifest, "calibration",
                            json_pack("{s:s, s:s?}", "path", t->calibration->origin, "sha256",
                                      t->calibration->sha256));
}

void jv_trust_release(struct jv_trust *t)
{
    jv_critique_panel_free(t->panel);
    jv_calibration_free(t->calibration);
    memset(t, 0, sizeof *t);
}
