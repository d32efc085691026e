/*
 * The IQA service client against the real simulator's /health and /infer,
 * and against nothing at all (a closed port).
 */
#include "core/jv.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>
#include <vips/vips.h>

#include "core/clock.h"
#include "core/fsutil.h"
#include "iqa/service.h"
#include "net/http.h"

#include "sim_child.h"

static char *tmpdir;

/* Writes a small JPEG with a gradient varying with `seed`; returns its path (owned). */
static char *make_image(int seed)
{
    char *path = g_strdup_printf("%s/img%d.jpg", tmpdir, seed);
    VipsImage *x = NULL, *y = NULL;
    assert_int_equal(vips_xyz(&x, 64 + seed, 48, NULL), 0);
    assert_int_equal(vips_linear1(x, &y, 2.0 + seed, (double)seed * 7, NULL), 0);
    VipsImage *u8 = NULL;
    assert_int_equal(vips_cast_uchar(y, &u8, NULL), 0);
    VipsImage *rgb = NULL;
    VipsImage *bands[3] = {u8, u8, u8};
    assert_int_equal(vips_bandjoin(bands, &rgb, 3, NULL), 0);
    assert_int_equal(vips_image_write_to_file(rgb, path, NULL), 0);
    g_object_unref(x);
    g_object_unref(y);
    g_object_unref(u8);
    g_object_unref(rgb);
    return path;
}

struct outcome {
    bool called;
    int calls;
    json_t *metrics;
    char *note;
    size_t sched_running_max;
    struct jv_http_sched *sched;
};

static void done_cb(json_t *metrics, const char *note, void *user)
{
    struct outcome *o = user;
    o->called = true;
    o->calls++;
    json_decref(o->metrics);
    o->metrics = metrics;
    g_free(o->note);
    o->note = g_strdup(note);
}

static void outcome_release(struct outcome *o)
{
    json_decref(o->metrics);
    g_free(o->note);
}

static void run_all(struct jv_http_sched *s, double limit_s)
{
    double end = jv_clock_mono() + limit_s;
    while (jv_http_sched_pending(s) > 0 && jv_clock_mono() < end)
        jv_http_sched_run(s, 200);
    assert_int_equal(jv_http_sched_pending(s), 0);
}

static void check_range(json_t *m, const char *key, double lo, double hi)
{
    json_t *v = json_object_get(m, key);
    if (!json_is_real(v))
        fail_msg("%s missing", key);
    double d = json_real_value(v);
    if (!(d >= lo && d <= hi))
        fail_msg("%s = %g outside [%g, %g]", key, d, lo, hi);
}

static void test_infer(void **state)
{
    (void)state;
    struct sim_child sim;
    sim_start(&sim, "--time-scale", "0.01", NULL);
    struct jv_iqa_service *svc = jv_iqa_service_new(sim.url, 2, 10);
    GError *err = NULL;
    assert_int_equal(jv_iqa_service_health(svc, &err), 0);
    struct jv_http_sched *s = jv_http_sched_new(8);
    enum { N = 6 };
    char *paths[N];
    struct outcome o[N + 3] = {0};
    for (int i = 0; i < N; i++) {
        paths[i] = make_image(i);
        jv_iqa_service_submit(svc, s, paths[i], true, true, done_cb, &o[i]);
    }
    /* NIMA only, nothing wanted, a file that is not an image, a missing file */
    jv_iqa_service_submit(svc, s, paths[0], true, false, done_cb, &o[N]);
    jv_iqa_service_submit(svc, s, paths[0], false, false, done_cb, &o[N + 1]);
    char *text = g_build_filename(tmpdir, "notes.txt", NULL);
    assert_int_equal(jv_write_file_atomic(text, "not an image", 12, &err), 0);
    jv_iqa_service_submit(svc, s, text, true, true, done_cb, &o[N + 2]);
    struct outcome missing = {0};
    char *gone = g_build_filename(tmpdir, "gone.jpg", NULL);
    jv_iqa_service_submit(svc, s, gone, true, true, done_cb, &missing);
    run_all(s, 30);

    for (int i = 0; i < N; i++) {
        assert_int_equal(o[i].calls, 1);
        if (o[i].note)
            fail_msg("unexpected note: %s", o[i].note);
        assert_int_equal(json_object_size(o[i].metrics), 5);
        check_range(o[i].metrics, "nima_aesthetic_mean", 1, 10);
        check_range(o[i].metrics, "nima_aesthetic_std", 0, 5);
        check_range(o[i].metrics, "nima_technical_mean", 1, 10);
        check_range(o[i].metrics, "nima_technical_std", 0, 5);
        check_range(o[i].metrics, "musiq_mos", 0, 100);
    }
    /* deterministic per image: the NIMA-only answer for image 0 matches */
    assert_null(o[N].note);
    assert_int_equal(json_object_size(o[N].metrics), 4);
    assert_null(json_object_get(o[N].metrics, "musiq_mos"));
    assert_true(json_equal(json_object_get(o[N].metrics, "nima_aesthetic_mean"),
                           json_object_get(o[0].metrics, "nima_aesthetic_mean")));
    assert_int_equal(o[N + 1].calls, 1);
    assert_null(o[N + 1].note);
    assert_int_equal(json_object_size(o[N + 1].metrics), 0);
    /* refused by the service: a note naming the image and the server's reason */
    assert_int_equal(json_object_size(o[N + 2].metrics), 0);
    assert_non_null(o[N + 2].note);
    assert_non_null(strstr(o[N + 2].note, "notes.txt"));
    assert_non_null(strstr(o[N + 2].note, "HTTP 400"));
    assert_non_null(missing.note);
    assert_non_null(strstr(missing.note, "gone.jpg"));

    /* the service's own limit held although the scheduler allowed 8 */
    json_t *st = jv_http_sched_stats(s);
    assert_int_equal(json_integer_value(json_object_get(st, "max_running")), 2);
    json_decref(st);
    st = jv_iqa_service_stats(svc);
    assert_int_equal(json_integer_value(json_object_get(st, "submitted")), N + 4);
    assert_int_equal(json_integer_value(json_object_get(st, "complete")), N + 2);
    assert_int_equal(json_integer_value(json_object_get(st, "failed")), 2);
    json_decref(st);

    for (int i = 0; i < N; i++) {
        unlink(paths[i]);
        g_free(paths[i]);
    }
    for (int i = 0; i < N + 3; i++)
        outcome_release(&o[i]);
    outcome_release(&missing);
    unlink(text);
    g_free(text);
    g_free(gone);
    jv_http_sched_free(s);
    jv_iqa_service_free(svc);
    sim_stop(&sim);
}

static void test_absent_service(void **state)
{
    (void)state;
    char *url = g_strdup_printf("http://127.0.0.1:%d", sim_closed_port());
    struct jv_iqa_service *svc = jv_iqa_service_new(url, 2, 5);
    GError *err = NULL;
    assert_int_equal(jv_iqa_service_health(svc, &err), -1);
    assert_non_null(strstr(err->message, url));
    g_clear_error(&err);
    struct jv_http_sched *s = jv_http_sched_new(1);
    char *img = make_image(1);
    enum { N = 8 };
    struct outcome o[N] = {0};
    double t0 = jv_clock_mono();
    for (int i = 0; i < N; i++)
        jv_iqa_service_submit(svc, s, img, true, true, done_cb, &o[i]);
    run_all(s, 30);
    double elapsed = jv_clock_mono() - t0;
    int down = 0;
    for (int i = 0; i < N; i++) {
        assert_int_equal(o[i].calls, 1);
        assert_int_equal(json_object_size(o[i].metrics), 0);
        assert_non_null(o[i].note);
        assert_non_null(strstr(o[i].note, url));
        if (strstr(o[i].note, "is down"))
            down++;
        outcome_release(&o[i]);
    }
    /* after repeated refusals the rest are answered without trying */
    assert_true(down >= 1);
    assert_true(elapsed < 10);
    json_t *st = jv_iqa_service_stats(svc);
    assert_int_equal(json_integer_value(json_object_get(st, "failed")), N);
    json_decref(st);
    unlink(img);
    g_free(img);
    jv_http_sched_free(s);
    jv_iqa_service_free(svc);
    g_free(url);
}

static void test_cancel_queued(void **state)
{
    (void)state;
    struct sim_child sim;
    sim_start(&sim, "--time-scale", "0.01", NULL);
    struct jv_iqa_service *svc = jv_iqa_service_new(sim.url, 1, 10);
    struct jv_http_sched *s = jv_http_sched_new(4);
    char *img = make_image(2);
    struct outcome o[4] = {0};
    for (int i = 0; i < 4; i++)
        jv_iqa_service_submit(svc, s, img, true, true, done_cb, &o[i]);
    jv_http_sched_cancel_all(s);
    assert_int_equal(jv_http_sched_pending(s), 0);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(o[i].calls, 1);
        assert_non_null(strstr(o[i].note, "cancelled"));
        outcome_release(&o[i]);
    }
    unlink(img);
    g_free(img);
    jv_http_sched_free(s);
    jv_iqa_service_free(svc);
    sim_stop(&sim);
}

/* Reply shapes of the IQA service protocol (doc/SPEC.md 2.5): body, wanted groups, keys, note. */
static void test_reply_shapes(void **state)
{
    (void)state;
    static const struct {
        const char *body;
        bool nima, musiq;
        int keys;
        const char *note; /* substring, NULL = no note */
    } cases[] = {
        {"{\"nima_aesthetic\": {\"mean\": 5.5, \"std\": 1.5}, \"nima_technical\": {\"mean\": 6, "
         "\"std\": 1.2}, \"musiq_spaq\": 61.25}",
         true, true, 5, NULL},
        {"{\"nima_aesthetic\": {\"mean\": 5.5, \"std\": 1.5}, \"nima_technical\": {\"mean\": 6, "
         "\"std\": 1.2}, \"musiq_spaq_error\": \"MUSIQ model not loaded\"}",
         true, true, 4, "musiq_spaq: MUSIQ model not loaded"},
        {"{\"nima_aesthetic_error\": \"OOM\", \"nima_technical_error\": {\"code\": 3}, "
         "\"musiq_spaq\": 40}",
         true, true, 1, "nima_aesthetic: OOM; nima_technical: {\"code\":3}"},
        {"{\"musiq_spaq\": 40}", true, true, 1, "nima_aesthetic: missing"},
        {"{\"musiq_spaq\": 40}", false, true, 1, NULL},
        {"{\"musiq_spaq\": {\"mos\": 40}}", false, true, 1, NULL},
        {"{\"musiq_spaq\": \"high\"}", false, true, 0, "musiq_spaq: missing"},
        {"{\"nima_aesthetic\": {\"std\": 1}, \"nima_technical\": {\"mean\": 6}}", true, false, 2,
         "nima_aesthetic: the reply has no numeric mean"},
        {"[1, 2]", true, true, 0, "not a JSON object"},
        {"<html>", true, true, 0, "not a JSON object"},
        {"", true, true, 0, "not a JSON object"},
    };
    for (size_t i = 0; i < JV_ARRAY_LEN(cases); i++) {
        char *note = NULL;
        json_t *m = jv_iqa_service_parse(cases[i].body, strlen(cases[i].body), cases[i].nima,
                                         cases[i].musiq, &note);
        if ((int)json_object_size(m) != cases[i].keys)
            fail_msg("case %zu: %zu keys", i, json_object_size(m));
        if (!cases[i].note && note)
            fail_msg("case %zu: unexpected note %s", i, note);
        if (cases[i].note && (!note || !strstr(note, cases[i].note)))
            fail_msg("case %zu: note '%s' lacks '%s'", i, note ? note : "", cases[i].note);
        g_free(note);
        json_decref(m);
    }
    char *note = NULL;
    const char *one = "{\"nima_aesthetic\": {\"mean\": 5.5, \"std\": 1.5}}";
    json_t *m = jv_iqa_service_parse(one, strlen(one), true, false, &note);
    assert_null(strstr(note, "nima_aesthetic"));
    assert_non_null(strstr(note, "nima_technical: missing"));
    assert_true(fabs(json_real_value(json_object_get(m, "nima_aesthetic_mean")) - 5.5) < 1e-12);
    assert_true(fabs(json_real_value(json_object_get(m, "nima_aesthetic_std")) - 1.5) < 1e-12);
    json_decref(m);
    g_free(note);
}

/* A port that accepts connections (the kernel's backlog) and never answers: a hung service. */
static int hung_listener(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof sa;
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(fd, 16), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    *port = ntohs(sa.sin_port);
    return fd;
}

static void test_free_before_scheduler(void **state)
{
    (void)state;
    int port = 0;
    int fd = hung_listener(&port);
    char *url = g_strdup_printf("http://127.0.0.1:%d", port);
    struct jv_iqa_service *svc = jv_iqa_service_new(url, 2, 10);
    struct jv_http_sched *s = jv_http_sched_new(4);
    char *img = make_image(3);
    struct outcome o[5] = {0};
    for (int i = 0; i < 4; i++)
        jv_iqa_service_submit(svc, s, img, true, true, done_cb, &o[i]);
    jv_http_sched_run(s, 50);
    assert_int_equal(jv_http_sched_running(s), 2);
    jv_iqa_service_submit(svc, s, img, false, false, done_cb, &o[4]); /* a deferred answer */
    /* the owner goes first (an error path of the pipeline): nothing is called back */
    jv_iqa_service_free(svc);
    jv_http_sched_run(s, 50);
    jv_http_sched_cancel_all(s);
    assert_int_equal(jv_http_sched_pending(s), 0);
    for (int i = 0; i < 5; i++)
        assert_int_equal(o[i].calls, 0);
    /* and the other order: requests still queued and running when the scheduler goes */
    svc = jv_iqa_service_new(url, 2, 10);
    for (int i = 0; i < 3; i++)
        jv_iqa_service_submit(svc, s, img, true, true, done_cb, &o[i]);
    jv_http_sched_run(s, 50);
    jv_iqa_service_free(svc);
    jv_http_sched_free(s);
    for (int i = 0; i < 3; i++)
        assert_int_equal(o[i].calls, 0);
    close(fd);
    unlink(img);
    g_free(img);
    g_free(url);
}

static int setup(void **state)
{
    (void)state;
    tmpdir = g_dir_make_tmp("jviqa-XXXXXX", NULL);
    return tmpdir ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    rmdir(tmpdir);
    g_free(tmpdir);
    return 0;
}

int main(int argc, char **argv)
{
    (void)argc;
    if (VIPS_INIT(argv[0]))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reply_shapes),
        cmocka_unit_test_teardown(test_infer, sim_stop_all),
        cmocka_unit_test_teardown(test_absent_service, sim_stop_all),
        cmocka_unit_test_teardown(test_cancel_queued, sim_stop_all),
        cmocka_unit_test_teardown(test_free_before_scheduler, sim_stop_all),
    };
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    vips_shutdown();
    return rc;
}
