/* test_web.c - unit tests of web/: run argv, runs, overrides, guard, events, thumbnails. */
#include "core/jv.h"

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <unistd.h>
#include <cmocka.h>

#include <vips/vips.h>

#include "core/fsutil.h"
#include "input/registry.h"
#include "outputs/layout.h"
#include "web/events.h"
#include "web/guard.h"
#include "web/runner.h"
#include "web/runs.h"
#include "image/thumbnail.h"

static bool argv_has(char **argv, const char *s)
{
    for (char **p = argv; *p; p++)
        if (strcmp(*p, s) == 0)
            return true;
    return false;
}

static void test_run_argv(void **state)
{
    (void)state;
    GError *err = NULL;
    json_t *s = json_pack(
        "{s:[s,s], s:s, s:{s:b, s:b, s:b}, s:b, s:i, s:s, s:i, s:b, s:s, s:s, s:s, s:s}", "inputs",
        "/photos/a", "/photos/b dir", "competition", "club_dpi_2025", "stages", "iqa", 1,
        "critique", 1, "playoff", 1, "fast", 1, "threshold", 16, "rounds", "5", "concurrency", 8,
        "pipeline", 0, "base_url", "http://h1:8000/v1 http://h2:8000/v1", "model", "qwen",
        "run_name", "round_1", "iqa_service_url", "http://iqa:5000");
    char **argv = jv_web_run_argv(s, "/bin/jv", "/reg/c.toml", "/out", &err);
    assert_non_null(argv);
    assert_string_equal(argv[0], "/bin/jv");
    assert_string_equal(argv[1], "run");
    assert_true(argv_has(argv, "--input-dir=/photos/a"));
    assert_true(argv_has(argv, "--input-dir=/photos/b dir"));
    assert_true(argv_has(argv, "--stage=full"));
    assert_true(argv_has(argv, "--pairwise"));
    assert_true(argv_has(argv, "--competition-config=/reg/c.toml"));
    assert_true(argv_has(argv, "--competition=club_dpi_2025"));
    assert_true(argv_has(argv, "--fast"));
    assert_true(argv_has(argv, "--pairwise-threshold=16"));
    assert_true(argv_has(argv, "--pairwise-rounds=5"));
    assert_true(argv_has(argv, "--concurrency=8"));
    assert_true(argv_has(argv, "--no-pipeline"));
    assert_true(argv_has(argv, "--base-url=http://h1:8000/v1"));
    assert_true(argv_has(argv, "--base-url=http://h2:8000/v1"));
    assert_true(argv_has(argv, "--model=qwen"));
    assert_true(argv_has(argv, "--iqa-service-url=http://iqa:5000"));
    assert_true(argv_has(argv, "--output-jsonl=/out/results/round_1.jsonl"));
    assert_true(argv_has(argv, "--progress-file=/out/" JV_LAYOUT_PROGRESS_REL));
    g_strfreev(argv);

    /* The page's text box: one folder per line; playoff alone = pairwise stage. */
    json_object_set_new(s, "inputs", json_string(" /x \n\n/y\n"));
    json_object_set_new(s, "stages",
                        json_pack("{s:b, s:b, s:b}", "iqa", 0, "critique", 0, "playoff", 1));
    argv = jv_web_run_argv(s, "/bin/jv", "/reg/c.toml", "/out", &err);
    assert_non_null(argv);
    assert_true(argv_has(argv, "--input-dir=/x"));
    assert_true(argv_has(argv, "--input-dir=/y"));
    assert_true(argv_has(argv, "--stage=pairwise"));
    g_strfreev(argv);

    static const char *const bad[][2] = {
        {"run_name", "\"../etc\""}, {"run_name", "\"a.b\""},
        {"competition", "\"x y\""}, {"threshold", "30"},
        {"concurrency", "0"},       {"inputs", "[]"},
        {"model", "\"a\\nb\""},     {"stages", "{\"iqa\":false,\"critique\":false}"},
        {"rounds", "\"many\""},
    };
    for (size_t i = 0; i < JV_ARRAY_LEN(bad); i++) {
        json_t *c = json_deep_copy(s);
        json_object_set_new(c, bad[i][0], json_loads(bad[i][1], JSON_DECODE_ANY, NULL));
        argv = jv_web_run_argv(c, "/bin/jv", "/reg/c.toml", "/out", &err);
        if (argv)
            fail_msg("setting %s=%s was accepted", bad[i][0], bad[i][1]);
        assert_int_equal(err->code, JV_ERR_USAGE);
        g_clear_error(&err);
        json_decref(c);
    }
    /* A competition without a registry file is refused. */
    argv = jv_web_run_argv(s, "/bin/jv", NULL, "/out", &err);
    assert_null(argv);
    g_clear_error(&err);
    json_decref(s);
}

static void rm_tree(const char *dir)
{
    char *cmd = g_strdup_printf("rm -rf '%s'", dir);
    g_spawn_command_line_sync(cmd, NULL, NULL, NULL, NULL);
    g_free(cmd);
}

static char *write_tmp(const char *dir, const char *name, const char *text)
{
    char *p = g_build_filename(dir, name, NULL);
    assert_int_equal(jv_write_file_atomic(p, text, strlen(text), NULL), 0);
    return p;
}

static void test_runs(void **state)
{
    (void)state;
    GError *err = NULL;
    char *dir = g_dir_make_tmp("jv-web-XXXXXX", NULL);
    g_free(write_tmp(dir, "results/a.jsonl",
                     "{\"schema_version\":1,\"image\":\"/p/1.jpg\",\"critique_total\":15,"
                     "\"critique_award\":null,\"competition_category\":\"Colour\","
                     "\"image_title\":\"=HYPERLINK(\\\"x\\\")\"}\n"
                     "{\"schema_version\":1,\"image\":\"/p/2.jpg\",\"critique_total\":18,"
                     "\"critique_award\":\"Distinction\",\"competition_category\":\"Colour\","
                     "\"image_title\":\"Say \\\"cheese\\\", please\"}\n"
                     "{\"schema_version\":1,\"image\":\"/p/3.j"));
    g_free(write_tmp(dir, "results/a.matches.jsonl", "{\"category\":\"Colour\"}\n"));
    g_free(write_tmp(dir, "cache/judge_vision_iqa.jsonl", "{\"image\":\"/p/1.jpg\",\"size\":1}\n"));
    g_free(write_tmp(dir, "bench/b/x.jsonl", "{\"image\":\"/p/9.png\",\"critique_total\":3}\n"));
    g_free(
        write_tmp(dir, "bench/b/x.metadata.json", "{\"run_id\":\"r9\",\"status\":\"complete\"}"));

    struct jv_web_runs *runs = jv_web_runs_new(dir, "key-1");
    json_t *list = jv_web_runs_list(runs);
    assert_int_equal(json_array_size(list), 2); /* not the matches log, not the cache */
    const char *id_a = NULL;
    size_t i;
    json_t *r;
    json_array_foreach(list, i, r)
    {
        assert_true(jv_web_run_id_valid(json_string_value(json_object_get(r, "id"))));
        if (strcmp(json_string_value(json_object_get(r, "name")), "a") == 0) /* the round name */
            id_a = json_string_value(json_object_get(r, "id"));
        else
            assert_string_equal(
                json_string_value(json_object_get(json_object_get(r, "manifest"), "run_id")), "r9");
    }
    assert_non_null(id_a);
    assert_false(jv_web_run_id_valid("../../etc/passwd"));
    assert_false(jv_web_run_id_valid("0123456789ABCDEF"));
    assert_null(jv_web_runs_find(runs, "/etc/passwd", &err));
    assert_int_equal(err->code, JV_ERR_USAGE);
    g_clear_error(&err);
    assert_null(jv_web_runs_find(runs, "0123456789abcdef", &err));
    assert_int_equal(err->code, JV_ERR_NOT_FOUND);
    g_clear_error(&err);

    struct jv_web_run *run = jv_web_runs_find(runs, id_a, &err);
    assert_non_null(run);
    json_t *recs = jv_web_run_load_records(run, &err);
    assert_int_equal(json_array_size(recs), 2); /* the torn line is left out */
    json_decref(recs);
    char *img = jv_web_runs_image(runs, run, 1, &err);
    assert_string_equal(img, "/p/2.jpg");
    g_free(img);
    assert_null(jv_web_runs_image(runs, run, 2, &err));
    g_clear_error(&err);

    /* Edits: validated, written beside the results, applied on read. */
    json_t *bad = json_pack("{s:i, s:i}", "idx", 0, "score", 21);
    assert_null(jv_web_run_save_overrides(run, bad, NULL, &err));
    g_clear_error(&err);
    json_decref(bad);
    bad = json_pack("{s:s, s:i}", "image", "/p/elsewhere.jpg", "score", 12);
    assert_null(jv_web_run_save_overrides(run, bad, NULL, &err));
    g_clear_error(&err);
    json_decref(bad);
    /* On a competition's own scale: 1-10 refuses 11 and takes 10. */
    char *toml = g_build_filename(dir, "print.toml", NULL);
    assert_true(g_file_set_contents(toml,
                                    "[competition.print]\nname = \"Print\"\n"
                                    "categories = [\"Open\"]\nscale = [1, 10]\n"
                                    "score_bands = { Commended = [8] }\n",
                                    -1, NULL));
    struct jv_competition *print = jv_competition_load(toml, "print", &err);
    assert_non_null(print);
    bad = json_pack("{s:i, s:i}", "idx", 0, "score", 11);
    assert_null(jv_web_run_save_overrides(run, bad, print, &err));
    assert_non_null(strstr(err->message, "1-10"));
    g_clear_error(&err);
    json_decref(bad);
    json_t *edit = json_pack("{s:i, s:i}", "idx", 0, "score", 10);
    json_t *ov = jv_web_run_save_overrides(run, edit, print, &err);
    assert_non_null(ov);
    json_decref(ov);
    json_decref(edit);
    jv_competition_free(print);
    g_free(toml);

    edit =
        json_pack("{s:[{s:i, s:i, s:s}]}", "edits", "idx", 0, "score", 19, "award", "Distinction");
    ov = jv_web_run_save_overrides(run, edit, NULL, &err);
    assert_non_null(ov);
    json_decref(ov);
    json_decref(edit);
    assert_true(g_file_test(run->overrides, G_FILE_TEST_IS_REGULAR));
    recs = jv_web_run_load_records(run, &err);
    ov = jv_web_run_load_overrides(run, &err);
    jv_web_apply_overrides(recs, ov);
    json_t *r0 = json_array_get(recs, 0);
    assert_int_equal(json_integer_value(json_object_get(r0, "critique_total")), 19);
    assert_int_equal(json_integer_value(json_object_get(r0, "original_critique_total")), 15);
    assert_string_equal(json_string_value(json_object_get(r0, "critique_award")), "Distinction");

    char *csv = jv_web_export_csv(recs);
    /* Highest score first; formula cells neutralised; quotes doubled. */
    char **lines = g_strsplit(csv, "\r\n", -1);
    assert_true(g_str_has_prefix(lines[1],
                                 "Colour,1.jpg,\"'=HYPERLINK(\"\"x\"\")\",,19,15,Distinction,yes"));
    assert_true(g_str_has_prefix(lines[2], "Colour,2.jpg,\"Say \"\"cheese\"\", please\",,18,"));
    g_strfreev(lines);
    g_free(csv);
    json_decref(recs);
    json_decref(ov);

    /* score and award null: the override goes. */
    edit = json_pack("{s:i, s:n, s:n}", "idx", 0, "score", "award");
    ov = jv_web_run_save_overrides(run, edit, NULL, &err);
    assert_int_equal(json_object_size(ov), 0);
    json_decref(ov);
    json_decref(edit);

    jv_web_run_free(run);
    json_decref(list);
    jv_web_runs_free(runs);
    rm_tree(dir);
    g_free(dir);
}

static void assert_refused(int fd, GError **err)
{
    assert_int_equal(fd, -1);
    assert_non_null(*err);
    if ((*err)->domain != JV_WEB_GUARD_ERROR)
        fail_msg("not a refusal: %s", (*err)->message);
    g_clear_error(err);
}

static void assert_opens(int fd, GError **err)
{
    if (fd < 0)
        fail_msg("refused: %s", (*err)->message);
    close(fd);
}

/* Side files through no link; photos only inside the input folders; salted run ids. */
/* A score edited without an award takes its band's award; a hand-set award stays. */
static void test_band_awards(void **state)
{
    (void)state;
    json_t *recs = json_pack("[{s:s, s:i, s:s}, {s:s, s:i, s:s}, {s:s, s:i, s:s}, {s:s, s:i, s:s}]",
                             "image", "/p/a.jpg", "critique_total", 12, "critique_award", "Old",
                             "image", "/p/b.jpg", "critique_total", 12, "critique_award", "Old",
                             "image", "/p/c.jpg", "critique_total", 17, "critique_award", "Credit",
                             "image", "/p/d.jpg", "critique_total", 15, "critique_award", "Merit");
    json_t *ov = json_pack("{s:{s:i}, s:{s:i, s:s}, s:{s:i}}", "/p/a.jpg", "score", 18, "/p/b.jpg",
                           "score", 18, "award", "By hand", "/p/c.jpg", "score", 9);
    int merit[] = {14, 15}, dist[] = {18, 19, 20};
    char merit_name[] = "Merit", dist_name[] = "Distinction";
    struct jv_band bands[] = {{.name = merit_name, .scores = merit, .n_scores = 2},
                              {.name = dist_name, .scores = dist, .n_scores = 3}};
    struct jv_competition comp = {.bands = bands, .n_bands = 2};
    jv_web_apply_overrides(recs, ov);
    jv_web_apply_band_awards(recs, &comp);
    const char *aw[4];
    for (size_t i = 0; i < 4; i++)
        aw[i] = json_string_value(json_object_get(json_array_get(recs, i), "critique_award"));
    assert_string_equal(aw[0], "Distinction");
    assert_string_equal(aw[1], "By hand");
    assert_null(aw[2]);                  /* 9 is in no band */
    assert_string_equal(aw[3], "Merit"); /* not edited */
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(recs, 0), "original_critique_award")),
        "Old");
    /* No competition: no bands, no award. */
    jv_web_apply_band_awards(recs, NULL);
    assert_null(json_string_value(json_object_get(json_array_get(recs, 0), "critique_award")));
    json_decref(recs);
    json_decref(ov);
}

static void test_guard(void **state)
{
    (void)state;
    GError *err = NULL;
    char *dir = g_dir_make_tmp("jv-guard-XXXXXX", NULL);
    char *out = g_build_filename(dir, "outputs", NULL);
    char *in = g_build_filename(dir, "photos", NULL);
    char *secret = write_tmp(dir, "secret.jpg", "top secret");
    char *photo = write_tmp(in, "sub/a.jpg", "jpeg bytes");
    char *res =
        write_tmp(out, "results/r.jsonl", "{\"image\":\"/p/1.jpg\",\"critique_total\":3}\n");
    char *link = g_build_filename(in, "sub/evil.jpg", NULL);
    assert_int_equal(symlink(secret, link), 0);
    char *inner = g_build_filename(in, "inner.jpg", NULL);
    assert_int_equal(symlink(photo, inner), 0);
    char *man = g_build_filename(out, "results/r.metadata.json", NULL);
    assert_int_equal(symlink(secret, man), 0);
    char *linkdir = g_build_filename(out, "elsewhere", NULL);
    assert_int_equal(symlink(in, linkdir), 0);
    char *via = g_build_filename(linkdir, "sub/a.jpg", NULL);

    assert_opens(jv_web_open_beneath(out, res, &err), &err);
    assert_refused(jv_web_open_beneath(out, man, &err), &err);    /* a linked file */
    assert_refused(jv_web_open_beneath(out, via, &err), &err);    /* through a linked folder */
    assert_refused(jv_web_open_beneath(out, secret, &err), &err); /* outside */
    char *dots = g_strconcat(out, "/results/../results/r.jsonl", NULL);
    assert_refused(jv_web_open_beneath(out, dots, &err), &err);
    char *dir_itself = g_build_filename(out, "results", NULL);
    assert_refused(jv_web_open_beneath(out, dir_itself, &err), &err); /* not a regular file */
    char *none = g_build_filename(out, "results/none.json", NULL);
    assert_int_equal(jv_web_open_beneath(out, none, &err), -1);
    assert_int_equal(err->code, JV_ERR_NOT_FOUND);
    g_clear_error(&err);
    assert_false(jv_web_file_beneath(out, man));
    assert_null(jv_web_read_beneath(out, man, 1000, NULL, &err));
    g_clear_error(&err);

    json_t *m = json_pack("{s:{s:[s]}}", "parameters", "input_dirs", in);
    bool follow = true;
    char **inputs = jv_web_manifest_inputs(m, &follow);
    assert_false(follow);
    assert_string_equal(inputs[0], in);
    char *real = NULL;
    assert_opens(jv_web_open_photo(inputs, false, photo, &real, &err), &err);
    assert_string_equal(real, photo);
    g_free(real);
    assert_opens(jv_web_open_photo(inputs, false, inner, NULL, &err), &err); /* a link inside */
    assert_refused(jv_web_open_photo(inputs, false, link, NULL, &err), &err);
    assert_refused(jv_web_open_photo(inputs, false, secret, NULL, &err), &err);
    assert_refused(jv_web_open_photo(inputs, false, "/etc/passwd", NULL, &err), &err);
    assert_refused(jv_web_open_photo(inputs, false, "p/rel.jpg", NULL, &err), &err);
    /* Only with follow_symlinks may a linked folder lead to photos, and still not to a link. */
    char **sub_only = g_new0(char *, 2);
    sub_only[0] = g_build_filename(in, "sub", NULL);
    char *far = write_tmp(dir, "far/b.jpg", "far");
    char *far_link = g_build_filename(in, "sub/far", NULL);
    char *far_dir = g_build_filename(dir, "far", NULL);
    assert_int_equal(symlink(far_dir, far_link), 0);
    char *far_photo = g_build_filename(far_link, "b.jpg", NULL);
    assert_refused(jv_web_open_photo(sub_only, false, far_photo, NULL, &err), &err);
    assert_opens(jv_web_open_photo(sub_only, true, far_photo, NULL, &err), &err);
    assert_refused(jv_web_open_photo(sub_only, true, link, NULL, &err), &err);
    char **empty = g_new0(char *, 1);
    assert_refused(jv_web_open_photo(empty, false, photo, NULL, &err), &err);

    /* Run ids: the same under one key, another under another. */
    char a[JV_WEB_RUN_ID_LEN], b[JV_WEB_RUN_ID_LEN], c[JV_WEB_RUN_ID_LEN];
    jv_web_run_id_make("key-1", "results/r.jsonl", a);
    jv_web_run_id_make("key-1", "results/r.jsonl", b);
    jv_web_run_id_make("key-2", "results/r.jsonl", c);
    assert_true(jv_web_run_id_valid(a));
    assert_string_equal(a, b);
    assert_string_not_equal(a, c);
    struct jv_web_runs *r1 = jv_web_runs_new(out, "key-1");
    struct jv_web_runs *r2 = jv_web_runs_new(out, "key-2");
    json_t *l1 = jv_web_runs_list(r1);
    json_t *l2 = jv_web_runs_list(r2);
    assert_int_equal(json_array_size(l1), 1);
    json_t *run1 = json_array_get(l1, 0);
    assert_string_equal(json_string_value(json_object_get(run1, "id")), a);
    assert_string_not_equal(json_string_value(json_object_get(json_array_get(l2, 0), "id")), a);
    assert_false(json_is_true(json_object_get(run1, "has_manifest"))); /* the linked one */
    assert_true(json_is_null(json_object_get(run1, "manifest")));

    json_decref(l1);
    json_decref(l2);
    jv_web_runs_free(r1);
    jv_web_runs_free(r2);
    g_strfreev(empty);
    g_strfreev(sub_only);
    g_strfreev(inputs);
    json_decref(m);
    rm_tree(dir);
    g_free(far);
    g_free(far_link);
    g_free(far_dir);
    g_free(far_photo);
    g_free(none);
    g_free(dir_itself);
    g_free(dots);
    g_free(via);
    g_free(linkdir);
    g_free(man);
    g_free(inner);
    g_free(link);
    g_free(res);
    g_free(photo);
    g_free(secret);
    g_free(in);
    g_free(out);
    g_free(dir);
}

static void test_events(void **state)
{
    (void)state;
    struct jv_web_events *ev = jv_web_events_new();
    uint64_t seq = 0;
    assert_null(jv_web_events_snapshot(ev, &seq));
    assert_null(jv_web_events_wait(ev, &seq, 10));
    jv_web_events_push(ev, "progress", json_pack("{s:i}", "processed", 1));
    jv_web_events_push(ev, "log", json_pack("{s:s}", "line", "hello"));
    char *t = jv_web_events_wait(ev, &seq, 10);
    assert_non_null(t);
    assert_non_null(strstr(t, "event: progress\ndata: {\"processed\":1}\n\n"));
    assert_non_null(strstr(t, "event: log"));
    g_free(t);
    assert_null(jv_web_events_wait(ev, &seq, 10));
    /* A new client starts with the latest progress, then only newer events. */
    uint64_t fresh = 0;
    t = jv_web_events_snapshot(ev, &fresh);
    assert_non_null(strstr(t, "\"processed\":1"));
    assert_null(strstr(t, "hello"));
    g_free(t);
    assert_null(jv_web_events_wait(ev, &fresh, 10));
    jv_web_events_push(ev, "log", json_pack("{s:s}", "line", "later"));
    t = jv_web_events_wait(ev, &fresh, 10);
    assert_non_null(strstr(t, "later"));
    assert_null(strstr(t, "hello"));
    g_free(t);
    jv_web_events_close(ev);
    assert_null(jv_web_events_wait(ev, &seq, 1000));
    jv_web_events_free(ev);
}

static json_t *wait_finished(struct jv_web_runner *r)
{
    for (int i = 0; i < 500; i++) {
        json_t *st = jv_web_runner_state(r);
        if (!json_is_true(json_object_get(st, "running")))
            return st;
        json_decref(st);
        g_usleep(10000);
    }
    fail_msg("the child did not finish");
    return NULL;
}

static void test_runner(void **state)
{
    (void)state;
    GError *err = NULL;
    struct jv_web_events *ev = jv_web_events_new();
    struct jv_web_runner *r = jv_web_runner_new(ev);
    uint64_t seq = 0;

    const char *const echo[] = {"/bin/sh", "-c", "echo hello from the child; echo oops >&2; exit 3",
                                NULL};
    assert_int_equal(jv_web_runner_start(r, echo, &err), 0);
    json_t *st = wait_finished(r);
    assert_int_equal(json_integer_value(json_object_get(st, "exit_status")), 3);
    json_decref(st);
    jv_web_runner_stop(r, 1000); /* joins the reader: every line is in */
    GString *all = g_string_new(NULL);
    char *t;
    while ((t = jv_web_events_wait(ev, &seq, 10))) {
        g_string_append(all, t);
        g_free(t);
    }
    assert_non_null(strstr(all->str, "hello from the child"));
    assert_non_null(strstr(all->str, "oops"));
    assert_non_null(strstr(all->str, "\"exit_status\":3"));
    g_string_free(all, TRUE);

    /* Cancel = SIGINT; a second start while running is refused. */
    const char *const sleeper[] = {"/bin/sleep", "30", NULL};
    assert_int_equal(jv_web_runner_start(r, sleeper, &err), 0);
    assert_int_equal(jv_web_runner_start(r, sleeper, &err), -1);
    assert_int_equal(err->code, JV_ERR_FAILED);
    g_clear_error(&err);
    assert_true(jv_web_runner_cancel(r));
    st = wait_finished(r);
    assert_int_equal(json_integer_value(json_object_get(st, "signal")), SIGINT);
    assert_true(json_is_true(json_object_get(st, "cancelled")));
    json_decref(st);
    assert_false(jv_web_runner_cancel(r));

    const char *const missing[] = {"/nonexistent/judge-vision", "run", NULL};
    assert_int_equal(jv_web_runner_start(r, missing, &err), -1);
    assert_int_equal(err->code, JV_ERR_IO);
    g_clear_error(&err);

    /* Shutdown with a child still running stops it. */
    assert_int_equal(jv_web_runner_start(r, sleeper, &err), 0);
    jv_web_runner_free(r);
    jv_web_events_free(ev);
}

static void test_thumbs(void **state)
{
    (void)state;
    GError *err = NULL;
    assert_int_equal(jv_image_thumb_size(1), 64);
    assert_int_equal(jv_image_thumb_size(200), 256);
    assert_int_equal(jv_image_thumb_size(100000), 1024);

    char *dir = g_dir_make_tmp("jv-thumb-XXXXXX", NULL);
    char *img = g_build_filename(dir, "p.png", NULL);
    VipsImage *black = NULL;
    assert_int_equal(vips_black(&black, 800, 400, "bands", 3, NULL), 0);
    assert_int_equal(vips_image_write_to_file(black, img, NULL), 0);
    g_object_unref(black);

    char *cache = g_build_filename(dir, "thumbs", NULL);
    struct jv_image_thumbs *t = jv_image_thumbs_new(cache);
    char *p = jv_image_thumb_path(t, img, 128, &err);
    assert_non_null(p);
    VipsImage *th = vips_image_new_from_file(p, NULL);
    assert_non_null(th);
    assert_int_equal(vips_image_get_width(th), 128);
    assert_int_equal(vips_image_get_height(th), 64);
    g_object_unref(th);
    char *again = jv_image_thumb_path(t, img, 128, &err);
    assert_string_equal(p, again);
    g_free(again);
    g_free(p);

    char *text = g_build_filename(dir, "not-an-image.jpg", NULL);
    assert_int_equal(jv_write_file_atomic(text, "hello", 5, NULL), 0);
    assert_null(jv_image_thumb_path(t, text, 128, &err));
    assert_int_equal(err->code, JV_ERR_IMAGE);
    g_clear_error(&err);
    assert_null(jv_image_thumb_path(t, "/nonexistent.jpg", 128, &err));
    g_clear_error(&err);

    jv_image_thumbs_free(t);
    rm_tree(dir);
    g_free(text);
    g_free(cache);
    g_free(img);
    g_free(dir);
}

int main(int argc, char **argv)
{
    (void)argc;
    if (VIPS_INIT(argv[0]) != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_run_argv),    cmocka_unit_test(test_runs),
        cmocka_unit_test(test_band_awards), cmocka_unit_test(test_guard),
        cmocka_unit_test(test_events),      cmocka_unit_test(test_runner),
        cmocka_unit_test(test_thumbs),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    vips_shutdown();
    return rc;
}
