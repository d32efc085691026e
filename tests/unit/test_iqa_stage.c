/*
 * test_iqa_stage.c - Stage 1 on its worker pool: the bytes hashed are the
 * bytes decoded while a file is being rewritten, and the memory budget
 * across workers holds (a small budget, big images).
 */
#include "core/jv.h"

#include <setjmp.h>
#include <stdarg.h>
#include <fcntl.h>
#include <unistd.h>
#include <cmocka.h>
#include <vips/vips.h>

#include "core/hash.h"
#include "core/limits.h"
#include "core/log.h"
#include "iqa/stage.h"

#include "tmpdir.h"

static int setup(void **state)
{
    (void)state;
    if (VIPS_INIT("test_iqa_stage") != 0)
        return -1;
    jv_log_set_quiet(true);
    return tmpdir_make("jv-stage-XXXXXX");
}

static int teardown(void **state)
{
    (void)state;
    int rc = tmpdir_remove();
    vips_shutdown();
    return rc == 0 ? 0 : -1;
}

/* A PNG of w x h noisy RGB pixels, in memory (owned). */
static void *png_bytes(int w, int h, unsigned seed, size_t *len)
{
    size_t n = (size_t)w * (size_t)h * 3;
    uint8_t *px = g_malloc(n);
    GRand *r = g_rand_new_with_seed(seed);
    for (size_t i = 0; i < n; i++)
        px[i] = (uint8_t)g_rand_int_range(r, 0, 256);
    g_rand_free(r);
    VipsImage *img = vips_image_new_from_memory(px, n, w, h, 3, VIPS_FORMAT_UCHAR);
    assert_non_null(img);
    void *buf = NULL;
    assert_int_equal(vips_pngsave_buffer(img, &buf, len, "compression", 1, NULL), 0);
    g_object_unref(img);
    g_free(px);
    return buf;
}

static void start(struct jv_iqa_stage *st, struct jv_iqa_config *cfg, struct jv_iqa_cache **cache,
                  int workers, int memory_mib)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->workers = workers;
    cfg->max_megapixels = 100;
    cfg->memory_mib = memory_mib;
    cfg->disable_tonal = true;
    char *cpath = g_build_filename(tmpdir, "cache.jsonl", NULL);
    GError *err = NULL;
    *cache = jv_iqa_cache_open(cpath, true, &err);
    g_free(cpath);
    assert_non_null(*cache);
    assert_int_equal(jv_iqa_stage_start(st, cfg, false, NULL, *cache, NULL, NULL, &err), 0);
}

struct rewriter {
    char *path;
    const void *data[2];
    size_t len[2];
    volatile gint stop;
    volatile gint writes;
};

/* Rewrites the file in place, version after version, each in two halves. */
static gpointer rewrite_loop(gpointer data)
{
    struct rewriter *rw = data;
    for (int k = 0; !g_atomic_int_get(&rw->stop); k++) {
        int fd = open(rw->path, O_WRONLY | O_TRUNC | O_CLOEXEC);
        assert_true(fd >= 0);
        const char *p = rw->data[k % 2];
        size_t len = rw->len[k % 2], half = len / 2;
        assert_int_equal(write(fd, p, half), (ssize_t)half);
        g_usleep(50);
        assert_int_equal(write(fd, p + half, len - half), (ssize_t)(len - half));
        close(fd);
        g_atomic_int_inc(&rw->writes);
        g_usleep(200);
    }
    return NULL;
}

/*
 * A file rewritten while Stage 1 measures it: every ok item carries the
 * hash and the size of one and the same version (before, the hash could
 * come from one version and the size from the other).
 */
static void test_rewritten_file(void **state)
{
    (void)state;
    struct rewriter rw = {.path = g_build_filename(tmpdir, "moving.png", NULL)};
    void *v[2];
    v[0] = png_bytes(64, 48, 1, &rw.len[0]);
    v[1] = png_bytes(40, 90, 2, &rw.len[1]);
    char hash[2][JV_CONTENT_HASH_LEN];
    for (int i = 0; i < 2; i++) {
        rw.data[i] = v[i];
        jv_hash_buffer(v[i], rw.len[i], hash[i]);
    }
    assert_true(g_file_set_contents(rw.path, v[0], (gssize)rw.len[0], NULL));

    struct jv_iqa_stage st;
    struct jv_iqa_config cfg;
    struct jv_iqa_cache *cache;
    start(&st, &cfg, &cache, 2, 1024);
    GThread *writer = g_thread_new("rewriter", rewrite_loop, &rw);
    /* Two items in flight at a time until the file was rewritten a few
     * hundred times, so that reads fall at every moment of a rewrite. */
    enum { N = 4000 };
    struct jv_iqa_item *items = g_new0(struct jv_iqa_item, N);
    int pushed = 0, popped = 0, ok = 0, changed = 0, other = 0;
    gint64 end = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
    while (popped < N) {
        while (pushed < N && pushed - popped < 2 &&
               (g_atomic_int_get(&rw.writes) < 300 && g_get_monotonic_time() < end)) {
            jv_iqa_item_init(&items[pushed], rw.path);
            jv_iqa_stage_push(&st, &items[pushed++]);
        }
        if (popped == pushed)
            break;
        struct jv_iqa_item *it = g_async_queue_pop(st.done);
        popped++;
        if (it->error) {
            if (strstr(it->error, "file changed while being read"))
                changed++;
            else if (other++ == 0) /* a torn version caught between two writes */
                fprintf(stderr, "  e.g. %s\n", it->error);
            continue;
        }
        ok++;
        int which = strcmp(it->content_hash, hash[0]) == 0   ? 0
                    : strcmp(it->content_hash, hash[1]) == 0 ? 1
                                                             : -1;
        if (which < 0)
            fail_msg("an ok item with the hash of neither version (%dx%d)", it->width, it->height);
        int want_w = which == 0 ? 64 : 40, want_h = which == 0 ? 48 : 90;
        if (it->width != want_w || it->height != want_h)
            fail_msg("hash of version %d but size %dx%d", which, it->width, it->height);
        assert_int_equal(it->size, (int64_t)rw.len[which]);
    }
    g_atomic_int_set(&rw.stop, 1);
    g_thread_join(writer);
    fprintf(stderr, "  %d items: %d ok, %d changed while read, %d other errors; %d rewrites\n",
            popped, ok, changed, other, rw.writes);
    assert_true(ok > 0);
    jv_iqa_stage_release(&st, NULL);
    for (int i = 0; i < pushed; i++)
        jv_iqa_item_release(&items[i]);
    g_free(items);
    jv_iqa_cache_free(cache);
    g_free(v[0]);
    g_free(v[1]);
    g_free(rw.path);
}

/*
 * Eight 1000x1000 images of noise (3 MB file + 3 MB decoded each) on four
 * workers with an 8 MiB budget: never two held at once, the others wait; all are measured.
 * A single image larger than the whole budget still goes through.
 */
static void test_memory_budget(void **state)
{
    (void)state;
    enum { N = 8 };
    char *paths[N];
    for (int i = 0; i < N; i++) {
        size_t len;
        void *png = png_bytes(1000, 1000, (unsigned)i + 10, &len);
        char *name = g_strdup_printf("big%d.png", i);
        paths[i] = g_build_filename(tmpdir, name, NULL);
        assert_true(g_file_set_contents(paths[i], png, (gssize)len, NULL));
        g_free(name);
        g_free(png);
    }
    struct jv_iqa_stage st;
    struct jv_iqa_config cfg;
    struct jv_iqa_cache *cache;
    start(&st, &cfg, &cache, 4, 8);
    struct jv_iqa_item items[N];
    for (int i = 0; i < N; i++) {
        jv_iqa_item_init(&items[i], paths[i]);
        jv_iqa_stage_push(&st, &items[i]);
    }
    for (int i = 0; i < N; i++) {
        struct jv_iqa_item *it = g_async_queue_pop(st.done);
        if (it->error)
            fail_msg("%s", it->error);
        assert_int_equal(it->width, 1000);
        assert_non_null(it->signals);
    }
    uint64_t peak = jv_budget_peak(&st.budget), waits = jv_budget_waits(&st.budget);
    fprintf(stderr,
            "  peak %" G_GUINT64_FORMAT " bytes of %" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
            " waits\n",
            peak, st.budget.cap, waits);
    assert_true(peak >= 6000000 && peak <= 8 * JV_MIB);
    assert_true(waits > 0);
    jv_iqa_stage_release(&st, NULL);
    jv_iqa_cache_free(cache);

    /* one image over the whole budget (1 MiB) is measured alone */
    start(&st, &cfg, &cache, 2, 1);
    jv_iqa_item_release(&items[0]);
    jv_iqa_item_init(&items[0], paths[0]);
    jv_iqa_stage_push(&st, &items[0]);
    struct jv_iqa_item *it = g_async_queue_pop(st.done);
    assert_null(it->error);
    assert_true(jv_budget_peak(&st.budget) > JV_MIB);
    jv_iqa_stage_release(&st, NULL);
    jv_iqa_cache_free(cache);
    for (int i = 0; i < N; i++) {
        jv_iqa_item_release(&items[i]);
        g_free(paths[i]);
    }
}

/* A FIFO in the photo's place is refused at once, not waited on. */
static void test_fifo_not_opened(void **state)
{
    (void)state;
    char *path = g_build_filename(tmpdir, "pipe.jpg", NULL);
    assert_int_equal(mkfifo(path, 0644), 0);
    struct jv_iqa_stage st;
    struct jv_iqa_config cfg;
    struct jv_iqa_cache *cache;
    start(&st, &cfg, &cache, 1, 1024);
    struct jv_iqa_item item;
    jv_iqa_item_init(&item, path);
    jv_iqa_stage_push(&st, &item);
    struct jv_iqa_item *it = g_async_queue_timeout_pop(st.done, 10 * G_USEC_PER_SEC);
    assert_non_null(it);
    assert_non_null(it->error);
    assert_non_null(strstr(it->error, "not a regular file"));
    jv_iqa_stage_release(&st, NULL);
    jv_iqa_item_release(&item);
    jv_iqa_cache_free(cache);
    g_free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rewritten_file),
        cmocka_unit_test(test_memory_budget),
        cmocka_unit_test(test_fifo_not_opened),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
