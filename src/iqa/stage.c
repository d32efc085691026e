/* stage.c - Stage 0-1 of one image: measured on a worker, finished on the caller's thread. */
#include "core/jv.h"

#include <sys/stat.h>

#include "core/budget.h"
#include "core/clock.h"
#include "core/fsutil.h"
#include "core/limits.h"
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
    g_free(it->author);
    g_free(it->category);
    json_decref(it->compliance);
    json_decref(it->signals);
    g_free(it->error);
    memset(it, 0, sizeof *it);
}

unsigned jv_iqa_stage_groups(const struct jv_iqa_config *o, const struct jv_iqa_neural *n)
{
    unsigned g = JV_IQA_BASIC;
    if (!o->disable_tonal)
        g |= JV_IQA_TONAL;
    for (unsigned group = JV_IQA_NIMA; group <= JV_IQA_MUSIQ; group <<= 1) {
        bool off = group == JV_IQA_NIMA ? o->disable_nima : o->disable_musiq;
        if (n ? jv_iqa_neural_group_has(n, group, JV_IQA_SRC_NATIVE) ||
                    jv_iqa_neural_group_has(n, group, JV_IQA_SRC_SERVICE)
              : o->service_url && !off)
            g |= group;
    }
    return g;
}

static void fail_job(struct jv_iqa_item *job, const char *why)
{
    g_free(job->error);
    job->error = jv_path_utf8(why); /* decoder messages quote the raw file name */
}

/*
 * The file read once, as one version, and hashed from memory: the bytes
 * hashed are the bytes decoded (a file rewritten between a hash and a decode
 * used to be recorded with one version's hash and the other's size). Fills
 * size, mtime and content hash. Returns the bytes, or NULL with job->error.
 */
static GBytes *read_and_hash(struct jv_iqa_item *job)
{
    GError *err = NULL;
    struct stat sb;
    GBytes *bytes = jv_read_file_stable(job->path, JV_LIMIT_IMAGE_FILE, &sb, &err);
    if (!bytes) {
        if (err->code == JV_ERR_NOT_FOUND) {
            char *why = g_strdup_printf("cannot read %s: %s", job->path_utf8, g_strerror(ENOENT));
            fail_job(job, why);
            g_free(why);
        } else {
            fail_job(job, err->message);
        }
        g_error_free(err);
        return NULL;
    }
    job->size = (int64_t)sb.st_size;
    job->mtime_ns = (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
    gsize len = 0;
    const void *data = g_bytes_get_data(bytes, &len);
    jv_hash_buffer(data, len, job->content_hash);
    return bytes;
}

/*
 * The pixels of an opened image decoded and measured, inside the stage's
 * memory budget: the file's bytes and the decoded RGB buffer are counted
 * across all workers, so that many big images (or decompression bombs just
 * under the pixel limit) wait for each other instead of all being in
 * memory at once. Fills signals; failures go to job->error.
 */
static void decode_and_measure(struct jv_iqa_stage *st, struct jv_iqa_item *job,
                               struct jv_image *im)
{
    GError *err = NULL;
    uint8_t *rgb = NULL;
    gsize file_len = 0;
    if (im->bytes)
        g_bytes_get_data(im->bytes, &file_len);
    uint64_t need = (uint64_t)file_len + (uint64_t)im->width * (uint64_t)im->height * 3;
    if (jv_budget_acquire(&st->budget, need))
        jv_log_event(JV_LOG_DEBUG, "iqa_memory_wait",
                     json_pack("{s:s, s:I}", "image", job->path_utf8, "bytes", (json_int_t)need));
    if (jv_image_load_rgb8(im, &rgb, &err) < 0) {
        fail_job(job, err->message);
        g_clear_error(&err);
        goto out;
    }
    json_t *metrics =
        jv_metrics_compute(rgb, im->width, im->height, (st->groups & JV_IQA_TONAL) != 0);
    job->signals = json_object();
    json_object_set_new(job->signals, "metrics", metrics);
    job->groups = st->groups & (JV_IQA_BASIC | JV_IQA_TONAL);
    json_t *notes = json_array();
    job->groups |= jv_iqa_neural_measure(&st->neural, rgb, im->width, im->height, metrics, notes);
    if (json_array_size(notes))
        json_object_set_new(job->signals, "native_note",
                            json_string(json_string_value(json_array_get(notes, 0))));
    json_decref(notes);
    job->needs_store = true;
out:
    g_free(rgb);
    /* The file's bytes go with the pixels, before the budget is given back. */
    jv_image_release(im);
    jv_budget_release(&st->budget, need);
}

/*
 * Stage 0 + 1 of one image, on a worker thread: the file read once and
 * hashed, the resume question, then decode and measure (or take the
 * cache's entry). Fills the item; failures are recorded in job->error,
 * never returned.
 */
static void measure(struct jv_iqa_stage *st, struct jv_iqa_item *job)
{
    const struct jv_iqa_config *o = st->cfg;
    GError *err = NULL;
    struct jv_image im = {0};
    GBytes *bytes = NULL;
    double t0 = jv_clock_mono();
    job->iqa_started = jv_clock_wall();
    job->width = job->height = -1;

    const char *const *cats =
        st->competition ? (const char *const *)st->competition->categories : NULL;
    job->category = jv_category_for(job->path, o->category_override, cats);

    bytes = read_and_hash(job);
    if (!bytes)
        goto out;
    if (st->resume && st->resume(job->path_utf8, job->content_hash, st->resume_user)) {
        job->resumed = true;
        goto out;
    }
    if (jv_image_open_bytes(bytes, job->path, o->max_megapixels, &im, &err) < 0) {
        fail_job(job, err->message);
        goto out;
    }
    g_clear_pointer(&bytes, g_bytes_unref); /* the image holds them now */
    job->width = im.width;
    job->height = im.height;
    job->mime = im.mime;
    job->title = jv_image_title(im.img);
    job->author = jv_image_author(im.img);

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
    decode_and_measure(st, job, &im);
out:
    job->compliance = jv_compliance_check(job->width, job->height, st->competition, job->error);
    if (im.img)
        jv_image_release(&im);
    if (bytes)
        g_bytes_unref(bytes);
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
    st->cache_only = cache_only;
    const struct jv_iqa_neural_opts nopts = {o->nima_weights,  o->musiq_weights, o->disable_nima,
                                             o->disable_musiq, o->service_url,   o->workers};
    if (!cache_only && jv_iqa_neural_open(&st->neural, &nopts, err) < 0)
        return -1;
    st->groups = jv_iqa_stage_groups(o, cache_only ? NULL : &st->neural);
    if (!cache_only && cache) {
        char *nima = jv_iqa_neural_ident(&st->neural, JV_IQA_NIMA);
        char *musiq = jv_iqa_neural_ident(&st->neural, JV_IQA_MUSIQ);
        jv_iqa_cache_set_models(cache, nima, musiq);
        g_free(nima);
        g_free(musiq);
    }
    jv_budget_init(&st->budget, (uint64_t)(o->memory_mib > 0 ? o->memory_mib : 0) * JV_MIB);
    st->budget_ready = true;
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
    if (st->budget_ready) {
        jv_log_event(JV_LOG_INFO, "iqa_memory",
                     json_pack("{s:I, s:I, s:I}", "budget_bytes", (json_int_t)st->budget.cap,
                               "peak_bytes", (json_int_t)jv_budget_peak(&st->budget), "waits",
                               (json_int_t)jv_budget_waits(&st->budget)));
        jv_budget_clear(&st->budget);
        st->budget_ready = false;
    }
    jv_iqa_neural_release(&st->neural);
}

bool jv_iqa_stage_wants_service(const struct jv_iqa_stage *st, const struct jv_iqa_item *it)
{
    return it->needs_store && !it->error && !it->resumed &&
           jv_iqa_neural_group_has(&st->neural, JV_IQA_NIMA | JV_IQA_MUSIQ, JV_IQA_SRC_SERVICE);
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
