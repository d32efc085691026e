/* stage.c - Stage 0-1 of one image: measured on a worker, finished on the caller's thread. */
#include "core/jv.h"

#include <sys/stat.h>

#include "core/clock.h"
#include "core/fsutil.h"
#include "core/log.h"
#include "input/category.h"
#include "input/compliance.h"
#include "input/registry.h"
#include "input/title.h"
#include "image/decode.h"
#include "iqa/metrics.h"
#include "iqa/stage.h"

void jv_iqa_item_init(struct jv_iqa_item *it, const char *path)
{
    memset(it, 0, sizeof *it);
    it->path = g_strdup(path);
    it->path_utf8 = jv_path_utf8(path);
    it->width = it->height = -1;
}

void jv_iqa_item_release(struct jv_iqa_item *it)
{
    if (!it)
        return;
    g_free(it->path);
    g_free(it->path_utf8);
    g_free(it->title);
    g_free(it->category);
    json_decref(it->compliance);
    json_decref(it->signals);
    g_free(it->error);
    memset(it, 0, sizeof *it);
}

unsigned jv_iqa_stage_groups(const struct jv_iqa_config *o)
{
    unsigned g = JV_IQA_BASIC;
    if (!o->disable_tonal)
        g |= JV_IQA_TONAL;
    if (o->service_url && !o->disable_nima)
        g |= JV_IQA_NIMA;
    if (o->service_url && !o->disable_musiq)
        g |= JV_IQA_MUSIQ;
    return g;
}

static void fail_job(struct jv_iqa_item *job, const char *why)
{
    g_free(job->error);
    job->error = jv_path_utf8(why); /* decoder messages quote the raw file name */
}

/*
 * Stage 0 + 1 of one image, on a worker thread: stat, content hash, the
 * resume question, then decode and measure (or take the cache's entry).
 * Fills the item; failures are recorded in job->error, never returned.
 */
static void measure(struct jv_iqa_stage *st, struct jv_iqa_item *job)
{
    const struct jv_iqa_config *o = st->cfg;
    GError *err = NULL;
    struct jv_image im = {0};
    uint8_t *rgb = NULL;
    double t0 = jv_clock_mono();
    job->iqa_started = jv_clock_wall();
    job->width = job->height = -1;

    const char *const *cats =
        st->competition ? (const char *const *)st->competition->categories : NULL;
    job->category = jv_category_for(job->path, o->category_override, cats);

    struct stat sb;
    if (stat(job->path, &sb) != 0) {
        char *why = g_strdup_printf("cannot read %s: %s", job->path_utf8, g_strerror(errno));
        fail_job(job, why);
        g_free(why);
        goto out;
    }
    job->size = (int64_t)sb.st_size;
    job->mtime_ns = (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
    if (jv_hash_file(job->path, job->content_hash, &err) < 0) {
        fail_job(job, err->message);
        goto out;
    }

    if (st->resume && st->resume(job->path_utf8, job->content_hash, st->resume_user)) {
        job->resumed = true;
        goto out;
    }

    if (jv_image_open(job->path, o->max_megapixels, &im, &err) < 0) {
        fail_job(job, err->message);
        goto out;
    }
    job->width = im.width;
    job->height = im.height;
    job->mime = im.mime;
    job->title = jv_image_title(im.img);

    json_t *entry = jv_iqa_cache_lookup(st->cache, job->path_utf8, job->size, job->mtime_ns,
                                        job->content_hash, st->groups);
    if (entry) {
        job->cache_hit = true;
        job->signals = json_deep_copy(json_object_get(entry, "technical_signals"));
        job->groups = jv_iqa_groups_from_json(json_object_get(entry, "enabled"));
        json_decref(entry);
        goto out;
    }
    if (st->cache_only) {
        char *why =
            g_strdup_printf("no IQA cache entry for %s: run --stage iqa first", job->path_utf8);
        fail_job(job, why);
        g_free(why);
        goto out;
    }
    if (jv_image_load_rgb8(&im, &rgb, &err) < 0) {
        fail_job(job, err->message);
        goto out;
    }
    json_t *metrics =
        jv_metrics_compute(rgb, im.width, im.height, (st->groups & JV_IQA_TONAL) != 0);
    g_free(rgb);
    rgb = NULL;
    job->signals = json_object();
    json_object_set_new(job->signals, "metrics", metrics);
    job->groups = st->groups & (JV_IQA_BASIC | JV_IQA_TONAL);
    job->needs_store = true;
out:
    job->compliance = jv_compliance_check(job->width, job->height, st->competition, job->error);
    if (im.img)
        jv_image_release(&im);
    g_free(rgb);
    g_clear_error(&err);
    job->stage1_s = jv_clock_mono() - t0;
    job->iqa_finished = jv_clock_wall();
}

static void worker(gpointer data, gpointer user)
{
    struct jv_iqa_stage *st = user;
    struct jv_iqa_item *job = data;
    if (!g_atomic_int_get(&st->stop))
        measure(st, job);
    else
        fail_job(job, "interrupted");
    g_async_queue_push(st->done, job);
}

int jv_iqa_stage_start(struct jv_iqa_stage *st, const struct jv_iqa_config *o, bool cache_only,
                       const struct jv_competition *competition, struct jv_iqa_cache *cache,
                       jv_iqa_resume_fn resume, void *resume_user, GError **err)
{
    memset(st, 0, sizeof *st);
    st->cfg = o;
    st->competition = competition;
    st->cache = cache;
    st->resume = resume;
    st->resume_user = resume_user;
    st->groups = jv_iqa_stage_groups(o);
    st->cache_only = cache_only;
    st->done = g_async_queue_new();
    st->pool = g_thread_pool_new(worker, st, o->workers, FALSE, err);
    return st->pool ? 0 : -1;
}

void jv_iqa_stage_push(struct jv_iqa_stage *st, struct jv_iqa_item *it)
{
    g_thread_pool_push(st->pool, it, NULL);
}

void jv_iqa_stage_stop(struct jv_iqa_stage *st)
{
    g_atomic_int_set(&st->stop, 1);
}

void jv_iqa_stage_release(struct jv_iqa_stage *st, void (*drop)(struct jv_iqa_item *it))
{
    if (st->pool) {
        /* Let the workers drain what is queued (marked interrupted when stopping). */
        g_thread_pool_free(st->pool, FALSE, TRUE);
        st->pool = NULL;
    }
    if (st->done) {
        struct jv_iqa_item *it;
        while ((it = g_async_queue_try_pop(st->done)))
            if (drop)
                drop(it);
        g_async_queue_unref(st->done);
        st->done = NULL;
    }
}

bool jv_iqa_stage_wants_service(const struct jv_iqa_stage *st, const struct jv_iqa_item *it)
{
    return it->needs_store && !it->error && !it->resumed &&
           (st->groups & (JV_IQA_NIMA | JV_IQA_MUSIQ));
}

void jv_iqa_item_merge_service(struct jv_iqa_item *it, const json_t *metrics, const char *note)
{
    json_t *mine = json_object_get(it->signals, "metrics");
    if (metrics) {
        json_object_update(mine, (json_t *)metrics);
        if (json_object_get(metrics, "nima_aesthetic_mean"))
            it->groups |= JV_IQA_NIMA;
        if (json_object_get(metrics, "musiq_mos"))
            it->groups |= JV_IQA_MUSIQ;
    }
    if (note)
        json_object_set_new(it->signals, "service_note", json_string(note));
}

void jv_iqa_stage_finish(struct jv_iqa_stage *st, struct jv_iqa_item *job)
{
    if (job->error || job->resumed || !job->signals)
        return;
    json_t *metrics = json_object_get(job->signals, "metrics");
    if (!job->cache_hit) {
        char *notes = jv_iqa_notes(metrics);
        char *tonal = jv_iqa_tonal_summary(metrics);
        json_object_set_new(job->signals, "notes", notes ? json_string(notes) : json_null());
        json_object_set_new(job->signals, "tonal_summary",
                            tonal ? json_string(tonal) : json_null());
        g_free(notes);
        g_free(tonal);
    }
    if (job->needs_store) {
        GError *err = NULL;
        if (jv_iqa_cache_store(st->cache, job->path_utf8, job->size, job->mtime_ns,
                               job->content_hash, job->groups, job->width, job->height,
                               job->signals, &err) < 0) {
            jv_warn("%s", err->message);
            g_error_free(err);
        }
    }
}
