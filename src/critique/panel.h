/*
 * panel.h - a panel of judges for Stage 2 (doc/SPEC.md 2.6): N independent
 * critiques of each photo, combined into one result.
 *
 * The panel sits between the caller's feeder and the engine: the engine
 * pulls from the panel, which pulls one photo from the caller and hands the
 * engine that photo's N requests one after another, the first opening a
 * group of N (engine.h "Groups"), so that they go out together and share
 * the server's prefix cache (the photo's image and text).
 * Judge k (1..N) asks with its own `seed` (k) and, for k > 1, with the
 * profile's paraphrased variant k where one ships (jv_prompt_load_variant),
 * else the profile itself.
 *
 * When the N judges are back the photo's job gets one result: the median of
 * the judges' raw scores (the mean of the middle two for an even count), or
 * with JV_PANEL_SUM their sum (scaled by N / judges with a verdict when some
 * failed) for schemes that add the judges' marks; total is that rounded
 * (halves to even) and clamped to 0..20 (0..20N for a sum). The critique,
 * title, style and subscores shown are those of the judge whose score is
 * closest to the final one (for a sum: to the sum / N), the first such judge
 * on a tie. Tokens and attempts are summed over the judges. A photo with no
 * verdict from any judge gets the first judge's failure; a photo one of
 * whose requests was cancelled is reported cancelled.
 *
 * Ownership: the panel borrows the engine, the profile and the scheduler,
 * which must outlive it; it owns the variants it loads. The caller's jobs
 * are borrowed until their done callback, as with the engine.
 */
#ifndef JV_CRITIQUE_PANEL_H
#define JV_CRITIQUE_PANEL_H

#include <jansson.h>

#include "critique/engine.h"
#include "critique/prompt.h"
#include "net/http.h"

enum jv_panel_combine {
    JV_PANEL_MEDIAN = 0,
    JV_PANEL_SUM,
};

struct jv_critique_panel;

/*
 * A panel of `judges` (>= 2) over engine `e`: sets the engine's feeder to
 * the panel's. Returns NULL with err when a variant of `p` does not parse.
 */
struct jv_critique_panel *jv_critique_panel_new(struct jv_critique_engine *e,
                                                struct jv_http_sched *sched,
                                                const struct jv_prompt *p, int judges,
                                                enum jv_panel_combine how, GError **err);

/* Frees the panel. Only when no photo is pending (the engine's jobs are all back). */
void jv_critique_panel_free(struct jv_critique_panel *panel);

/*
 * The feeder the panel gave the engine (its `user` is the panel): for a
 * caller that puts a feeder of its own in front of the engine and pulls
 * the panel's jobs through it.
 */
struct jv_critique_job *jv_critique_panel_feed(void *panel);

/* Sets the caller's feeder (as jv_critique_engine_set_feeder does without a panel). */
void jv_critique_panel_set_feeder(struct jv_critique_panel *panel, jv_critique_feed_fn feed,
                                  void *user);

/*
 * Stops pulling photos: the engine's queued retries are cancelled, and the
 * requests of a photo not yet handed to the engine are reported cancelled
 * (from the next jv_http_sched_run()), so the photo is reported cancelled.
 */
void jv_critique_panel_cancel_queued(struct jv_critique_panel *panel);

/*
 * The manifest's "panel" figures (new reference): {judges, combine
 * ("median"|"sum"), prompts: [{profile, sha256}] per judge, photos (with
 * every judge's verdict), kendall_w (the judges' agreement over those
 * photos, null below two), spread (jv_stats of max - min per photo),
 * widest: {image, spread} (null without photos)}.
 */
json_t *jv_critique_panel_stats(const struct jv_critique_panel *panel);

/* "median" | "sum" (static). */
const char *jv_panel_combine_name(enum jv_panel_combine how);

#endif
