/* IQA cache, results resume and the manifest path: the files a run leaves behind. */
#include "core/jv.h"

#include <setjmp.h>
#include <stdarg.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/fsutil.h"
#include "iqa/cache.h"
#include "outputs/layout.h"
#include "outputs/manifest.h"
#include "outputs/record.h"
#include "outputs/results.h"
#include "outputs/round.h"

#include "tmpdir.h"

static int setup(void **state)
{
    (void)state;
    return tmpdir_make("jvout-XXXXXX");
}

static int teardown(void **state)
{
    (void)state;
    int rc = tmpdir_remove();
    return rc;
}

static json_t *signals(double v)
{
    return json_pack("{s:{s:f},s:s,s:n}", "metrics", "mean_luma", v, "notes", "nominal",
                     "tonal_summary");
}

static void test_cache_hits_and_misses(void **state)
{
    (void)state;
    GError *err = NULL;
    char *path = g_build_filename(tmpdir, "c1", "iqa.jsonl", NULL);
    unsigned full = JV_IQA_BASIC | JV_IQA_TONAL;
    struct jv_iqa_cache *c = jv_iqa_cache_open(path, false, &err);
    assert_non_null(c);
    assert_false(jv_iqa_cache_existed(c));
    assert_null(jv_iqa_cache_lookup(c, "/p/a.jpg", 10, 111, "hashA", full));
    json_t *sig = signals(0.5);
    assert_int_equal(jv_iqa_cache_store(c, "/p/a.jpg", 10, 111, "hashA", full, 640, 480, sig, &err),
                     0);
    /* A --fast entry (no tonal) for b. */
    assert_int_equal(
        jv_iqa_cache_store(c, "/p/b.jpg", 20, 222, "hashB", JV_IQA_BASIC, 10, 10, sig, &err), 0);
    json_decref(sig);
    jv_iqa_cache_free(c);

    c = jv_iqa_cache_open(path, false, &err);
    assert_true(jv_iqa_cache_existed(c));
    /* same file */
    json_t *e = jv_iqa_cache_lookup(c, "/p/a.jpg", 10, 111, "hashA", full);
    assert_non_null(e);
    assert_int_equal(json_integer_value(json_object_get(e, "width")), 640);
    json_decref(e);
    /* renamed or copied, unchanged: hit by content hash */
    e = jv_iqa_cache_lookup(c, "/q/renamed.jpg", 10, 999, "hashA", full);
    assert_non_null(e);
    json_decref(e);
    /* changed file: size/mtime and hash differ */
    assert_null(jv_iqa_cache_lookup(c, "/p/a.jpg", 11, 112, "hashA2", full));
    /* a --fast entry does not satisfy a full request, but does a fast one */
    assert_null(jv_iqa_cache_lookup(c, "/p/b.jpg", 20, 222, "hashB", full));
    e = jv_iqa_cache_lookup(c, "/p/b.jpg", 20, 222, "hashB", JV_IQA_BASIC);
    assert_non_null(e);
    json_decref(e);
    assert_int_equal(jv_iqa_cache_hits(c), 3);
    assert_int_equal(jv_iqa_cache_misses(c), 2);
    json_t *st = jv_iqa_cache_stats(c);
    assert_true(json_real_value(json_object_get(st, "hit_ratio")) > 0.59);
    json_decref(st);
    jv_iqa_cache_free(c);
    g_free(path);
}

/* An entry's neural groups count only for the weights that computed them. */
static void test_cache_models(void **state)
{
    (void)state;
    GError *err = NULL;
    char *path = g_build_filename(tmpdir, "models.jsonl", NULL);
    unsigned neural = JV_IQA_BASIC | JV_IQA_NIMA | JV_IQA_MUSIQ;
    json_t *sig = signals(0.5);
    struct jv_iqa_cache *c = jv_iqa_cache_open(path, false, &err);
    /* Written before models were recorded: no "models". */
    assert_int_equal(jv_iqa_cache_store(c, "/p/old.jpg", 1, 1, "h0", neural, 1, 1, sig, &err), 0);
    jv_iqa_cache_set_models(c, "nima: a 01", "musiq: spaq 02");
    assert_int_equal(jv_iqa_cache_store(c, "/p/a.jpg", 1, 1, "h1", neural, 1, 1, sig, &err), 0);
    jv_iqa_cache_free(c);

    c = jv_iqa_cache_open(path, false, &err);
    jv_iqa_cache_set_models(c, "nima: a 01", "musiq: spaq 02");
    json_t *e = jv_iqa_cache_lookup(c, "/p/a.jpg", 1, 1, "h1", neural);
    assert_non_null(e);
    assert_string_equal(json_string_value(json_object_get(json_object_get(e, "models"), "musiq")),
                        "musiq: spaq 02");
    json_decref(e);
    assert_null(jv_iqa_cache_lookup(c, "/p/old.jpg", 1, 1, "h0", neural));
    /* The old entry still serves what does not depend on weights. */
    e = jv_iqa_cache_lookup(c, "/p/old.jpg", 1, 1, "h0", JV_IQA_BASIC);
    assert_non_null(e);
    json_decref(e);
    /* Another MUSIQ checkpoint: a miss for MUSIQ, by path and by content hash; NIMA still hits. */
    jv_iqa_cache_set_models(c, "nima: a 01", "musiq: koniq 03");
    assert_null(jv_iqa_cache_lookup(c, "/p/a.jpg", 1, 1, "h1", neural));
    assert_null(jv_iqa_cache_lookup(c, "/q/copy.jpg", 5, 5, "h1", neural));
    e = jv_iqa_cache_lookup(c, "/p/a.jpg", 1, 1, "h1", JV_IQA_BASIC | JV_IQA_NIMA);
    assert_non_null(e);
    json_decref(e);
    json_decref(sig);
    jv_iqa_cache_free(c);
    g_free(path);
}

static void test_cache_torn_line(void **state)
{
    (void)state;
    GError *err = NULL;
    char *path = g_build_filename(tmpdir, "torn.jsonl", NULL);
    struct jv_iqa_cache *c = jv_iqa_cache_open(path, false, &err);
    json_t *sig = signals(0.25);
    assert_int_equal(jv_iqa_cache_store(c, "/p/a.jpg", 1, 1, "h1", JV_IQA_BASIC, 1, 1, sig, &err),
                     0);
    jv_iqa_cache_free(c);
    /* A killed writer leaves half a line. */
    int fd = jv_open_append(path, &err);
    assert_int_equal(jv_write_all(fd, "{\"image\": \"/p/b.jpg\", \"si", 26, path, &err), 0);
    close(fd);

    c = jv_iqa_cache_open(path, false, &err);
    assert_non_null(c);
    json_t *e = jv_iqa_cache_lookup(c, "/p/a.jpg", 1, 1, "h1", JV_IQA_BASIC);
    assert_non_null(e);
    json_decref(e);
    assert_null(jv_iqa_cache_lookup(c, "/p/b.jpg", 1, 1, "h2", JV_IQA_BASIC));
    /* Appending after a torn tail starts a fresh, parseable line. */
    assert_int_equal(jv_iqa_cache_store(c, "/p/c.jpg", 3, 3, "h3", JV_IQA_BASIC, 1, 1, sig, &err),
                     0);
    jv_iqa_cache_free(c);
    json_decref(sig);
    c = jv_iqa_cache_open(path, true, &err);
    e = jv_iqa_cache_lookup(c, "/p/c.jpg", 3, 3, "h3", JV_IQA_BASIC);
    assert_non_null(e);
    json_decref(e);
    jv_iqa_cache_free(c);
    g_free(path);
}

static json_t *record(const char *image, const char *hash, const char *status)
{
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:i}", "image", image, "content_hash", hash,
                     "prompt_sha256", "P", "model", "M", "status", status, "critique_total", 15);
}

static void test_results_resume(void **state)
{
    (void)state;
    GError *err = NULL;
    char *path = g_build_filename(tmpdir, "r", "results.jsonl", NULL);
    struct jv_results r;
    assert_int_equal(jv_results_open(&r, path, 2, false, &err), 0);
    const char *imgs[] = {"/a.jpg", "/b.jpg", "/c.jpg"};
    const char *status[] = {"ok", "error", "ok"};
    for (int i = 0; i < 3; i++) {
        json_t *rec = record(imgs[i], "H", status[i]);
        assert_int_equal(jv_results_append(&r, rec, &err), 0);
        json_decref(rec);
    }
    jv_results_close(&r);
    /* torn last line */
    int fd = jv_open_append(path, &err);
    jv_write_all(fd, "{\"image\":\"/d.jpg\",\"st", 20, path, &err);
    close(fd);

    assert_int_equal(jv_results_open(&r, path, 16, false, &err), 0);
    assert_int_equal(r.dropped, 2); /* the error record and the torn line */
    assert_true(jv_results_take_resumable(&r, "/a.jpg", "H", "P", "M"));
    assert_false(jv_results_take_resumable(&r, "/a.jpg", "H", "P", "M"));  /* taken once */
    assert_false(jv_results_take_resumable(&r, "/b.jpg", "H", "P", "M"));  /* not ok */
    assert_false(jv_results_take_resumable(&r, "/c.jpg", "H2", "P", "M")); /* changed */
    assert_false(jv_results_take_resumable(&r, "/c.jpg", "H", "P2", "M")); /* new prompt */
    assert_int_equal(jv_results_untaken(&r), 1);
    jv_results_close(&r);

    json_t *all = jv_results_load(path, &err);
    assert_int_equal(json_array_size(all), 2); /* a and c survive, every line parses */
    json_decref(all);

    /* the round was judged with P and M: nothing else */
    assert_false(jv_results_judged_otherwise(path, "P", "M"));
    assert_true(jv_results_judged_otherwise(path, "P", "other-model"));
    assert_true(jv_results_judged_otherwise(path, "P2", "M"));

    /* --fresh keeps numbered backups and never overwrites one (was: one .bak) */
    assert_int_equal(jv_results_open(&r, path, 16, true, &err), 0);
    assert_int_equal(jv_results_untaken(&r), 0);
    json_t *rec = record("/e.jpg", "H", "ok");
    assert_int_equal(jv_results_append(&r, rec, &err), 0);
    json_decref(rec);
    jv_results_close(&r);
    assert_int_equal(jv_results_open(&r, path, 16, true, &err), 0);
    jv_results_close(&r);
    char *bak1 = g_strdup_printf("%s.1.bak", path), *bak2 = g_strdup_printf("%s.2.bak", path);
    json_t *first = jv_results_load(bak1, &err), *second = jv_results_load(bak2, &err);
    assert_int_equal(json_array_size(first), 2); /* a and c: the original round */
    assert_int_equal(json_array_size(second), 1);
    json_decref(first);
    json_decref(second);
    /* a copy: the file stays, the next free number is taken */
    char *bak3 = jv_backup_numbered(bak1, false, &err);
    assert_non_null(bak3);
    assert_true(g_str_has_suffix(bak3, ".1.bak.1.bak"));
    assert_true(g_file_test(bak1, G_FILE_TEST_EXISTS));
    assert_null(jv_backup_numbered("/nonexistent/x", true, &err));
    assert_null(err);
    g_free(bak3);
    g_free(bak1);
    g_free(bak2);
    g_free(path);
}

/* A failed attempt never replaces an ok record of the same image. */
static void test_results_ok_stays(void **state)
{
    (void)state;
    GError *err = NULL;
    char *path = g_build_filename(tmpdir, "okstays", "results.jsonl", NULL);
    struct jv_results r;
    assert_int_equal(jv_results_open(&r, path, 1, false, &err), 0);
    const char *imgs[] = {"/a.jpg", "/b.jpg", "/a.jpg", "/b.jpg", "/c.jpg", "/c.jpg"};
    const char *status[] = {"ok", "error", "error", "ok", "ok", "ok"};
    const char *hashes[] = {"A", "B1", "A", "B2", "C1", "C2"};
    for (int i = 0; i < 6; i++) {
        json_t *rec = record(imgs[i], hashes[i], status[i]);
        assert_int_equal(jv_results_append(&r, rec, &err), 0);
        json_decref(rec);
    }
    jv_results_close(&r);
    assert_int_equal(jv_results_open(&r, path, 1, false, &err), 0);
    assert_true(jv_resume_index_has(jv_results_resume_index(&r), "/a.jpg"));
    json_t *fail = record("/a.jpg", "A", "error");
    assert_int_equal(jv_results_append(&r, fail, &err), 0);
    json_decref(fail);
    jv_results_close(&r);
    assert_int_equal(jv_results_finalize(path, NULL, &err), 0);
    json_t *all = jv_results_load(path, &err);
    assert_int_equal(json_array_size(all), 3);
    const char *want_hash[] = {"A", "B2", "C2"}; /* a: its ok record; b, c: the latest ok */
    for (size_t i = 0; i < 3; i++) {
        json_t *rec = json_array_get(all, i);
        assert_string_equal(json_string_value(json_object_get(rec, "status")), "ok");
        assert_string_equal(json_string_value(json_object_get(rec, "content_hash")), want_hash[i]);
    }
    json_decref(all);
    g_free(path);
}

static void test_results_finalize(void **state)
{
    (void)state;
    GError *err = NULL;
    char *path = g_build_filename(tmpdir, "fin", "results.jsonl", NULL);
    struct jv_results r;
    assert_int_equal(jv_results_open(&r, path, 1, false, &err), 0);
    const char *imgs[] = {"/z.jpg", "/a.jpg", "/gone.jpg", "/a.jpg", "/m.jpg"};
    const char *hashes[] = {"Z", "A1", "G", "A2", "M"};
    for (int i = 0; i < 5; i++) {
        json_t *rec = record(imgs[i], hashes[i], "ok");
        assert_int_equal(jv_results_append(&r, rec, &err), 0);
        json_decref(rec);
    }
    jv_results_close(&r);
    GHashTable *keep = g_hash_table_new(g_str_hash, g_str_equal);
    g_hash_table_add(keep, (gpointer) "/a.jpg");
    g_hash_table_add(keep, (gpointer) "/m.jpg");
    g_hash_table_add(keep, (gpointer) "/z.jpg");
    assert_int_equal(jv_results_finalize(path, keep, &err), 0);
    g_hash_table_destroy(keep);
    json_t *all = jv_results_load(path, &err);
    /* one record per kept image, the latest one, sorted by path */
    assert_int_equal(json_array_size(all), 3);
    const char *want_img[] = {"/a.jpg", "/m.jpg", "/z.jpg"};
    const char *want_hash[] = {"A2", "M", "Z"};
    for (size_t i = 0; i < 3; i++) {
        json_t *rec = json_array_get(all, i);
        assert_string_equal(json_string_value(json_object_get(rec, "image")), want_img[i]);
        assert_string_equal(json_string_value(json_object_get(rec, "content_hash")), want_hash[i]);
    }
    json_decref(all);
    g_free(path);
}

static void touch(const char *dir, const char *name, const char *text)
{
    char *p = g_build_filename(dir, name, NULL);
    assert_int_equal(jv_write_file_atomic(p, text, strlen(text), NULL), 0);
    g_free(p);
}

/* One writer per round; a round's default name; dead runs' temp files. */
static void test_round(void **state)
{
    (void)state;
    GError *err = NULL;
    char *dir = g_build_filename(tmpdir, "rounds", NULL);
    char *res = jv_layout_file(dir, "club", JV_FILE_RESULTS);
    struct jv_round_lock a, b;
    assert_int_equal(jv_round_lock_take(&a, res, "club", &err), 0);
    assert_int_equal(jv_round_lock_take(&b, res, "club", &err), -1);
    char *want =
        g_strdup_printf("another judge-vision run (pid %ld) is writing club", (long)getpid());
    assert_string_equal(err->message, want);
    g_free(want);
    g_clear_error(&err);
    jv_round_lock_release(&b);
    char *lock = jv_layout_lock_path(res);
    assert_true(g_str_has_suffix(lock, "/results/club.lock"));
    assert_int_equal(jv_round_lock_holder(lock), getpid());
    jv_round_lock_release(&a);
    assert_int_equal(jv_round_lock_holder(lock), 0);
    g_free(lock);

    /* names: the folder's, then a free one when another round has it */
    const char *in1[] = {"/x/photos", NULL}, *in2[] = {"/y/photos", NULL};
    char *n = jv_round_default_name(dir, NULL, in1);
    assert_string_equal(n, "photos");
    g_free(n);
    touch(dir, "results/photos.metadata.json",
          "{\"round\": {\"name\": \"photos\", \"inputs\": [\"/x/photos\"]}}");
    n = jv_round_default_name(dir, NULL, in1); /* the same folders: the same round */
    assert_string_equal(n, "photos");
    g_free(n);
    n = jv_round_default_name(dir, NULL, in2);
    assert_string_equal(n, "photos-2");
    g_free(n);
    /* a round named with --round is not taken over by a run without one */
    touch(dir, "results/busy.metadata.json",
          "{\"round\": {\"name\": \"busy\", \"inputs\": [\"/y/photos\"]}}");
    n = jv_round_default_name(dir, NULL, in2);
    assert_string_equal(n, "photos-2");
    g_free(n);
    /* a competition's round of an earlier day is resumed */
    touch(dir, "results/club_dpi_2020-01-01.metadata.json",
          "{\"round\": {\"name\": \"club_dpi_2020-01-01\", \"inputs\": [\"/x/photos\"], "
          "\"competition\": \"club dpi\"}}");
    n = jv_round_default_name(dir, "club dpi", in1);
    assert_string_equal(n, "club_dpi_2020-01-01");
    g_free(n);
    n = jv_round_default_name(dir, "club dpi", in2); /* with a competition: its name and the date */
    assert_true(g_str_has_prefix(n, "club_dpi_20"));
    assert_true(jv_layout_round_name_valid(n));
    g_free(n);
    const char *odd[] = {"/p/.hidden dir", "/q/b", NULL};
    n = jv_round_default_name(dir, NULL, odd);
    assert_string_equal(n, "hidden_dir+b");
    g_free(n);

    /* a dead pid's temp file goes; ours and a live process's stay */
    char *ours = g_strdup_printf("club.jsonl.tmp.%ld", (long)getpid());
    touch(dir, "results/club.jsonl.tmp.999999999", "x");
    touch(dir, "results/club.jsonl.tmp.999999998.0x1234", "x");
    touch(dir, "results/club.jsonl.tmp.1", "x");
    touch(dir, "results/other.jsonl.tmp.999999999", "x");
    char *ours_rel = g_build_filename("results", ours, NULL);
    touch(dir, ours_rel, "x");
    assert_int_equal(jv_remove_stale_tmp(res), 2);
    char *keep = g_build_filename(dir, ours_rel, NULL);
    assert_true(g_file_test(keep, G_FILE_TEST_EXISTS));
    g_free(keep);
    g_free(ours_rel);
    g_free(ours);
    g_free(res);
    g_free(dir);
}

static void test_manifest_path(void **state)
{
    (void)state;
    char *p = jv_layout_manifest_path("outputs/results/judge_vision.jsonl");
    assert_string_equal(p, "outputs/results/judge_vision.metadata.json");
    g_free(p);
    p = jv_layout_manifest_path("out.d/results");
    assert_string_equal(p, "out.d/results.metadata.json");
    g_free(p);
}

/* The path to open from a record: image_raw when set, else the text unescaped. */
static void test_record_image_path(void **state)
{
    (void)state;
    static const char *const paths[] = {"/p/plain.jpg", "/p/caf\xe9.jpg", "/p/caf\\xE9.jpg"};
    for (size_t i = 0; i < JV_ARRAY_LEN(paths); i++) {
        char *text = jv_path_utf8(paths[i]);
        char *raw = jv_record_image_raw(paths[i], text);
        assert_true((raw == NULL) == (i == 0)); /* null for an ordinary name */
        json_t *rec = jv_record_new();
        jv_record_set_str(rec, JV_REC_IMAGE, text);
        jv_record_set_str(rec, JV_REC_IMAGE_RAW, raw);
        char *back = jv_record_image_path(rec);
        assert_string_equal(back, paths[i]);
        g_free(back);
        /* a record written before image_raw existed (old escaping of the Latin-1 name) */
        jv_record_set_str(rec, JV_REC_IMAGE_RAW, NULL);
        back = jv_record_image_path(rec);
        if (i < 2)
            assert_string_equal(back, paths[i]);
        g_free(back);
        json_decref(rec);
        g_free(raw);
        g_free(text);
    }
    json_t *rec = jv_record_new();
    assert_null(jv_record_image_path(rec));
    json_decref(rec);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cache_hits_and_misses), cmocka_unit_test(test_cache_models),
        cmocka_unit_test(test_cache_torn_line),       cmocka_unit_test(test_results_resume),
        cmocka_unit_test(test_results_ok_stays),      cmocka_unit_test(test_results_finalize),
        cmocka_unit_test(test_manifest_path),         cmocka_unit_test(test_round),
        cmocka_unit_test(test_record_image_path),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
