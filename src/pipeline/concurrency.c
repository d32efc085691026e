/* concurrency.c - --concurrency auto in a run: the VLM controller, its probe, the manifest record.
 */
#include "core/jv.h"

#include "core/clock.h"
#include "pipeline/concurrency.h"

/* How often a server that publishes its load is scraped. */
#define SCRAPE_INTERVAL_S 0.1

void jv_run_concurrency_start(struct jv_run_concurrency *c, const struct jv_run_config *o,
                              struct jv_http_sched *sched, struct jv_http_pool *pool)
{
    struct jv_capacity_config cfg = {
        .fixed = o->vlm.concurrency,
        .start = 1, /* a first reply alone gives the TTFT of a request that did not queue */
        .max = JV_CAPACITY_AUTO_MAX,
        .headroom = o->critique.pipeline ? 1 : 0,
    };
    c->cap = jv_capacity_new("vlm", &cfg, jv_clock_mono());
    c->probe = NULL;
    if (o->vlm.concurrency == JV_CONCURRENCY_AUTO && sched && pool)
        c->probe =
            jv_capacity_probe_start(c->cap, sched, pool, (const char *const *)o->vlm.base_urls,
                                    o->vlm.api_key, SCRAPE_INTERVAL_S);
}

void jv_run_concurrency_stop_probe(struct jv_run_concurrency *c)
{
    jv_capacity_probe_stop(c->probe);
    c->probe = NULL;
}

void jv_run_concurrency_release(struct jv_run_concurrency *c)
{
    jv_run_concurrency_stop_probe(c);
    jv_capacity_free(c->cap);
    c->cap = NULL;
}

int jv_run_sched_slots(const struct jv_run_config *o)
{
    int vlm =
        o->vlm.concurrency == JV_CONCURRENCY_AUTO ? JV_CAPACITY_AUTO_MAX : o->vlm.concurrency * 2;
    int iqa = o->iqa.service_concurrency == JV_CONCURRENCY_AUTO ? 64 : o->iqa.service_concurrency;
    return vlm + iqa + 2;
}

json_t *jv_run_concurrency_json(const struct jv_capacity *vlm, const struct jv_capacity *iqa)
{
    return json_pack("{s:o, s:o}", "vlm", vlm ? jv_capacity_to_json(vlm) : json_null(),
                     "iqa_service", iqa ? jv_capacity_to_json(iqa) : json_null());
}
