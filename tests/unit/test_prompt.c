/* test_prompt.c - unit tests of prompt profiles: parsing, errors, rendering, hashes. */
#include "core/jv.h"

#include <math.h>
#include <setjmp.h>
#include <unistd.h>
#include <stdarg.h>
#include <cmocka.h>
#include <jansson.h>
#include <vips/vips.h>

#include "core/fsutil.h"
#include "critique/prompt.h"
#include "critique/request.h"
#include "image/encode.h"
#include "iqa/techblock.h"

static const char custom_profile[] = "# a comment\n"
                                     "id: my_profile\n"
                                     "version: 2\n"
                                     "max_tokens: 200\n"
                                     "\n"
                                     "=== system ===\n"
                                     "\n"
                                     "Judge it. Reply {\"score\": number}. Literal {{title}.\n"
                                     "\n"
                                     "=== user ===\n"
                                     "T={title} C={category} X={caption}\n"
                                     "{technical_analysis}\n\n";

static void test_builtin_profiles(void **state)
{
    (void)state;
    GError *err = NULL;
    char **ids = jv_prompt_list_ids();
    assert_int_equal(g_strv_length(ids), 2);
    assert_string_equal(ids[0], "club_judge_compact");
    assert_string_equal(ids[1], "club_judge_v1");
    for (size_t i = 0; ids[i]; i++) {
        struct jv_prompt *p = jv_prompt_load(ids[i], NULL, &err);
        assert_non_null(p);
        assert_string_equal(p->id, ids[i]);
        assert_int_equal(strlen(p->sha256), 64);
        /* Every requirement of doc/SPEC.md 2.6 is asked for in the system text. */
        const char *needles[] = {
            "PAGB",         "50%",     "40%",         "10%",       "TECHNICAL ANALYSIS",
            "ground truth", "110",     "150",         "British",   "impact",
            "composition",  "0 to 20", "Documentary", "Landscape", "\"critique\"",
            "\"score\""};
        for (size_t n = 0; n < JV_ARRAY_LEN(needles); n++)
            assert_non_null(strstr(p->system, needles[n]));
        assert_non_null(strstr(p->user_template, "{technical_analysis}"));
        jv_prompt_free(p);
    }
    g_strfreev(ids);

    struct jv_prompt *v1 = jv_prompt_load("club_judge_v1", NULL, &err);
    struct jv_prompt *compact = jv_prompt_load("club_judge_compact", NULL, &err);
    assert_int_equal(v1->max_tokens, 512);
    assert_true(v1->verbose_analysis);
    assert_false(compact->verbose_analysis);
    assert_true(strlen(compact->system) < strlen(v1->system));
    assert_true(strlen(compact->user_template) < strlen(v1->user_template));
    assert_string_not_equal(v1->sha256, compact->sha256);

    /* The sha is the SHA-256 of the documented canonical text. */
    char *canon =
        g_strdup_printf("id: %s\nversion: %s\ntechnical_analysis: compact\n"
                        "=== system ===\n%s\n=== user ===\n%s\n",
                        compact->id, compact->version, compact->system, compact->user_template);
    char *sha = g_compute_checksum_for_string(G_CHECKSUM_SHA256, canon, -1);
    assert_string_equal(sha, compact->sha256);
    g_free(sha);
    g_free(canon);

    /* Loading twice gives the same hash. */
    struct jv_prompt *again = jv_prompt_load("club_judge_compact", NULL, &err);
    assert_string_equal(again->sha256, compact->sha256);
    jv_prompt_free(again);
    jv_prompt_free(v1);
    jv_prompt_free(compact);
}

static void test_unknown_id(void **state)
{
    (void)state;
    GError *err = NULL;
    assert_null(jv_prompt_load("no_such_profile", NULL, &err));
    assert_int_equal(err->code, JV_ERR_NOT_FOUND);
    assert_non_null(strstr(err->message, "no_such_profile"));
    assert_non_null(strstr(err->message, "club_judge_compact"));
    g_clear_error(&err);
    assert_null(jv_prompt_load("../etc/passwd", NULL, &err));
    assert_int_equal(err->code, JV_ERR_NOT_FOUND);
    g_clear_error(&err);
}

static struct jv_prompt *parse(const char *text, GError **err)
{
    return jv_prompt_parse(text, strlen(text), "test.prompt", err);
}

static void test_parse_and_render(void **state)
{
    (void)state;
    GError *err = NULL;
    struct jv_prompt *p = parse(custom_profile, &err);
    assert_non_null(p);
    assert_string_equal(p->id, "my_profile");
    assert_string_equal(p->version, "2");
    assert_int_equal(p->max_tokens, 200);
    assert_string_equal(p->system, "Judge it. Reply {\"score\": number}. Literal {title}.");
    assert_string_equal(p->user_template, "T={title} C={category} X={caption}\n"
                                          "{technical_analysis}");

    GHashTable *v = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_hash_table_insert(v, g_strdup("title"), g_strdup("Dawn {light}"));
    g_hash_table_insert(v, g_strdup("category"), g_strdup("Mono"));
    g_hash_table_insert(v, g_strdup("caption"), g_strdup(""));
    char *user = jv_prompt_render_user(p, v);
    assert_string_equal(user, "T=Dawn {light} C=Mono X=none\nnone");
    g_free(user);
    g_hash_table_destroy(v);

    /* Sha stability: comments, max_tokens and surrounding blank lines do not count... */
    char *variant = g_strdup(custom_profile);
    char *at = strstr(variant, "max_tokens: 200");
    memcpy(at, "max_tokens: 999", 15);
    at = strstr(variant, "# a comment");
    memcpy(at, "# other text", 11);
    struct jv_prompt *q = parse(variant, &err);
    assert_non_null(q);
    assert_string_equal(q->sha256, p->sha256);
    jv_prompt_free(q);
    g_free(variant);

    /* ...any change to the wording, id or version does. */
    const char *edits[][2] = {
        {"Judge it.", "Judge It."},
        {"T={title}", "T:{title}"},
        {"version: 2", "version: 3"},
        {"id: my_profile", "id: my_profilf"},
    };
    for (size_t i = 0; i < JV_ARRAY_LEN(edits); i++) {
        char **parts = g_strsplit(custom_profile, edits[i][0], 2);
        assert_int_equal(g_strv_length(parts), 2);
        char *text = g_strjoin(edits[i][1], parts[0], parts[1], NULL);
        q = parse(text, &err);
        assert_non_null(q);
        assert_string_not_equal(q->sha256, p->sha256);
        jv_prompt_free(q);
        g_free(text);
        g_strfreev(parts);
    }
    jv_prompt_free(p);
}

static void expect_parse_error(const char *text, const char *needle)
{
    GError *err = NULL;
    struct jv_prompt *p = parse(text, &err);
    assert_null(p);
    assert_non_null(err);
    assert_int_equal(err->code, JV_ERR_PARSE);
    if (!strstr(err->message, needle))
        fail_msg("'%s' not in '%s'", needle, err->message);
    g_error_free(err);
}

static void test_parse_errors(void **state)
{
    (void)state;
    expect_parse_error("id: a\nversion: 1\n=== system ===\nS\n=== user ===\nHi {titel}\n",
                       "test.prompt:6: unknown placeholder {titel}");
    expect_parse_error("id: a\nversion: 1\n=== system ===\nS {title}\n=== user ===\nU\n",
                       "placeholder {title} in the system text");
    expect_parse_error("id: a\nversion: 1\n", "no '=== system ==='");
    expect_parse_error("id: a\nversion: 1\n=== user ===\nU\n", "got '=== user ==='");
    expect_parse_error("id: a\nversion: 1\n=== system ===\nS\n", "no '=== user ==='");
    expect_parse_error("version: 1\n=== system ===\nS\n=== user ===\nU\n", "'id' and 'version'");
    expect_parse_error("id: a\nversion: 1\ncolour: red\n=== system ===\nS\n=== user ===\nU\n",
                       "unknown header key 'colour'");
    expect_parse_error("id: a\nversion: 1\nmax_tokens: lots\n=== system ===\nS\n=== user ===\nU\n",
                       "invalid value 'lots'");
    expect_parse_error("id: a b\nversion: 1\n=== system ===\nS\n=== user ===\nU\n",
                       "invalid value 'a b'");
    expect_parse_error("id: a\nversion: 1\n=== system ===\n\n=== user ===\nU\n",
                       "system text is empty");
    expect_parse_error("id: a\nversion: 1\n=== system ===\nS\n=== user ===\nU\n=== user ===\n",
                       "section marker after");
    expect_parse_error("id: a\nversion: 1\nnonsense\n=== system ===\nS\n=== user ===\nU\n",
                       "test.prompt:3: expected 'key: value'");
}

static void test_prompt_file(void **state)
{
    (void)state;
    GError *err = NULL;
    char *dir = g_dir_make_tmp("jvprompt-XXXXXX", &err);
    char *path = g_build_filename(dir, "mine.prompt", NULL);
    assert_int_equal(jv_write_file_atomic(path, custom_profile, strlen(custom_profile), &err), 0);
    struct jv_prompt *p = jv_prompt_load("club_judge_compact", path, &err);
    assert_non_null(p);
    assert_string_equal(p->id, "my_profile");
    assert_string_equal(p->origin, path);
    json_t *j = jv_prompt_to_json(p);
    assert_string_equal(json_string_value(json_object_get(j, "sha256")), p->sha256);
    json_decref(j);
    jv_prompt_free(p);
    unlink(path);
    assert_null(jv_prompt_load(NULL, path, &err));
    assert_non_null(strstr(err->message, "mine.prompt"));
    g_clear_error(&err);
    rmdir(dir);
    g_free(path);
    g_free(dir);
}

static void test_techblock(void **state)
{
    (void)state;
    json_t *m = json_pack("{s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f}", "musiq_mos",
                          63.25, "nima_aesthetic_mean", 5.412, "nima_aesthetic_std", 1.618,
                          "dynamic_range", 0.8231, "mean_luminance", 0.4567, "histogram_centre",
                          0.4411, "clip_low_percent", 0.31, "clip_high_percent", 1.25,
                          "local_contrast", 0.0512, "mid_tone_range", 0.4812, "contrast", 0.2);
    char *t = jv_technical_analysis(m, "Punchy tones.", false);
    assert_true(g_str_has_prefix(t, "TECHNICAL ANALYSIS"));
    assert_non_null(strstr(t, "MUSIQ 63.2/100"));
    assert_non_null(strstr(t, "NIMA aesthetic 5.41 ± 1.62 /10"));
    assert_non_null(strstr(t, "NIMA technical n/a /10"));
    assert_non_null(strstr(t, "dynamic range 0.82"));
    assert_non_null(strstr(t, "highlights clipped 1.2%"));
    assert_non_null(strstr(t, "local contrast 0.051"));
    assert_non_null(strstr(t, "Tonal summary: Punchy tones."));
    g_free(t);

    char *v = jv_technical_analysis(m, NULL, true);
    assert_non_null(strstr(v, "(standard deviation 1.62)"));
    assert_non_null(strstr(v, "Global contrast (standard deviation of brightness, 0 to 1): 0.200"));
    assert_non_null(strstr(v, "Colour saturation (0 is monochrome, 1 is fully saturated): n/a"));
    assert_non_null(strstr(v, "Tonal summary: n/a"));
    assert_true(strlen(v) > 2 * strlen("TECHNICAL ANALYSIS (measured; ground truth)\n") + 400);
    g_free(v);
    json_decref(m);

    /* Nothing measured: every figure n/a, and a non-number counts as missing. */
    json_t *odd = json_pack("{s:s}", "musiq_mos", "high");
    t = jv_technical_analysis(odd, "", false);
    assert_non_null(strstr(t, "MUSIQ n/a/100"));
    assert_null(strstr(t, "0."));
    g_free(t);
    json_decref(odd);
    t = jv_technical_analysis(NULL, NULL, false);
    assert_non_null(strstr(t, "mid-tone range n/a"));
    g_free(t);
}

static json_t *body_of(const struct jv_critique_request_params *p)
{
    char *s = jv_critique_request_body(p);
    json_t *j = json_loads(s, 0, NULL);
    g_free(s);
    assert_non_null(j);
    return j;
}

static void test_request_body(void **state)
{
    (void)state;
    struct jv_critique_request_params p = {
        .model = "m",
        .system = "SYS",
        .user_text = "USER \"quoted\"",
        .image_url = "data:image/png;base64,AAAA",
        .max_tokens = 320,
        .temperature = 0.2,
        .top_p = 0.9,
        .stream = true,
    };
    json_t *j = body_of(&p);
    assert_string_equal(json_string_value(json_object_get(j, "model")), "m");
    assert_int_equal(json_integer_value(json_object_get(j, "max_tokens")), 320);
    assert_true(json_is_true(json_object_get(j, "stream")));
    assert_true(
        json_is_true(json_object_get(json_object_get(j, "stream_options"), "include_usage")));
    assert_null(json_object_get(j, "response_format"));
    json_t *msgs = json_object_get(j, "messages");
    assert_int_equal(json_array_size(msgs), 2);
    json_t *sys = json_array_get(msgs, 0), *user = json_array_get(msgs, 1);
    assert_string_equal(json_string_value(json_object_get(sys, "role")), "system");
    assert_string_equal(json_string_value(json_object_get(sys, "content")), "SYS");
    assert_string_equal(json_string_value(json_object_get(user, "role")), "user");
    json_t *parts = json_object_get(user, "content");
    assert_int_equal(json_array_size(parts), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(parts, 0), "text")),
                        "USER \"quoted\"");
    json_t *img = json_array_get(parts, 1);
    assert_string_equal(json_string_value(json_object_get(img, "type")), "image_url");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(img, "image_url"), "url")),
        "data:image/png;base64,AAAA");
    assert_true(fabs(json_real_value(json_object_get(j, "temperature")) - 0.2) < 1e-12);
    assert_true(fabs(json_real_value(json_object_get(j, "top_p")) - 0.9) < 1e-12);
    json_decref(j);

    /* No stream: no stream_options (vLLM refuses them). */
    p.stream = false;
    p.structured = JV_STRUCTURED_JSON_OBJECT;
    j = body_of(&p);
    assert_true(json_is_false(json_object_get(j, "stream")));
    assert_null(json_object_get(j, "stream_options"));
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(j, "response_format"), "type")),
        "json_object");
    json_decref(j);

    p.structured = JV_STRUCTURED_JSON_SCHEMA;
    j = body_of(&p);
    json_t *rf = json_object_get(j, "response_format");
    assert_string_equal(json_string_value(json_object_get(rf, "type")), "json_schema");
    json_t *schema = json_object_get(json_object_get(rf, "json_schema"), "schema");
    assert_int_equal(json_array_size(json_object_get(schema, "required")), 4);
    json_t *score = json_object_get(json_object_get(schema, "properties"), "score");
    assert_int_equal(json_integer_value(json_object_get(score, "maximum")), 20);
    json_t *styles =
        json_object_get(json_object_get(json_object_get(schema, "properties"), "style"), "enum");
    assert_int_equal(json_array_size(styles), 9);
    json_decref(j);
}

static char *make_image(const char *dir, const char *name, int w, int h, int bands)
{
    char *path = g_build_filename(dir, name, NULL);
    VipsImage *img = NULL, *cast = NULL;
    assert_int_equal(vips_xyz(&img, w, h, NULL), 0);
    /* xyz gives 2 bands (x, y); add a band or two for RGB / RGBA. */
    VipsImage *b = NULL;
    if (bands > 2) {
        VipsImage *extra[2] = {img, img};
        VipsImage *joined = NULL;
        assert_int_equal(vips_bandjoin(extra, &joined, 2, NULL), 0);
        assert_int_equal(vips_extract_band(joined, &b, 0, "n", bands, NULL), 0);
        g_object_unref(joined);
    } else {
        b = img;
        g_object_ref(b);
    }
    assert_int_equal(vips_cast(b, &cast, VIPS_FORMAT_UCHAR, NULL), 0);
    if (vips_image_write_to_file(cast, path, NULL) != 0)
        fail_msg("cannot write %s: %s", path, vips_error_buffer());
    g_object_unref(cast);
    g_object_unref(b);
    g_object_unref(img);
    return path;
}

static guchar *decode_url(const char *url, const char *mime, gsize *len)
{
    char *prefix = g_strdup_printf("data:%s;base64,", mime);
    if (!g_str_has_prefix(url, prefix))
        fail_msg("%.40s does not start with %s", url, prefix);
    guchar *bytes = g_base64_decode(url + strlen(prefix), len);
    g_free(prefix);
    return bytes;
}

static void test_image_data_url(void **state)
{
    (void)state;
    GError *err = NULL;
    char *dir = g_dir_make_tmp("jvimg-XXXXXX", &err);
    char *jpg = make_image(dir, "a.jpg", 300, 200, 3);
    char *png = make_image(dir, "b.png", 120, 80, 4);
    char *tif = make_image(dir, "c.tif", 64, 64, 3);
    char *webp = make_image(dir, "d.webp", 64, 48, 3);

    /* As they are: the file's own bytes and MIME type, whatever the extension. */
    const char *files[][2] = {
        {jpg, "image/jpeg"}, {png, "image/png"}, {tif, "image/tiff"}, {webp, "image/webp"}};
    for (size_t i = 0; i < JV_ARRAY_LEN(files); i++) {
        char *url = jv_image_data_url(files[i][0], 0, &err);
        assert_non_null(url);
        gsize len = 0, flen = 0;
        guchar *bytes = decode_url(url, files[i][1], &len);
        char *orig = jv_read_file(files[i][0], 1 << 24, &flen, &err);
        assert_int_equal(len, flen);
        assert_memory_equal(bytes, orig, len);
        g_free(orig);
        g_free(bytes);
        g_free(url);
    }
    char *renamed = g_build_filename(dir, "png-named.jpg", NULL);
    assert_int_equal(rename(png, renamed), 0);
    char *url = jv_image_data_url(renamed, 0, &err);
    assert_true(g_str_has_prefix(url, "data:image/png;base64,"));
    g_free(url);

    /* Larger than max_side: a JPEG within 100x100, alpha flattened. */
    const char *big[] = {jpg, renamed};
    for (size_t i = 0; i < JV_ARRAY_LEN(big); i++) {
        url = jv_image_data_url(big[i], 100, &err);
        assert_non_null(url);
        gsize len = 0;
        guchar *bytes = decode_url(url, "image/jpeg", &len);
        VipsImage *im = vips_image_new_from_buffer(bytes, len, "", NULL);
        assert_non_null(im);
        int w = vips_image_get_width(im), h = vips_image_get_height(im);
        assert_true(w <= 100 && h <= 100);
        assert_true(w == 100 || h == 100);
        assert_int_equal(vips_image_get_bands(im), 3);
        g_object_unref(im);
        g_free(bytes);
        g_free(url);
    }
    /* Within max_side: untouched. */
    url = jv_image_data_url(tif, 100, &err);
    assert_true(g_str_has_prefix(url, "data:image/tiff;base64,"));
    g_free(url);

    char *txt = g_build_filename(dir, "x.jpg", NULL);
    assert_int_equal(jv_write_file_atomic(txt, "GIF89a....", 10, &err), 0);
    assert_null(jv_image_data_url(txt, 0, &err));
    assert_int_equal(err->code, JV_ERR_IMAGE);
    assert_non_null(strstr(err->message, "x.jpg"));
    g_clear_error(&err);
    assert_null(jv_image_data_url("/nonexistent/y.jpg", 0, &err));
    g_clear_error(&err);

    const char *all[] = {jpg, renamed, tif, webp, txt};
    for (size_t i = 0; i < JV_ARRAY_LEN(all); i++)
        unlink(all[i]);
    rmdir(dir);
    g_free(jpg);
    g_free(png);
    g_free(tif);
    g_free(webp);
    g_free(renamed);
    g_free(txt);
    g_free(dir);
}

/* The competition's scale in the prompt (doc/SPEC.md 2.6): the rubric restated, the hash changed.
 */
static void test_scale(void **state)
{
    (void)state;
    GError *err = NULL;
    struct jv_prompt *p = jv_prompt_load("club_judge_compact", NULL, &err);
    assert_non_null(p);
    char *sha = g_strdup(p->sha256);
    char *sys = g_strdup(p->system);
    jv_prompt_apply_scale(p, 0, 20, 1); /* the rubric's own: nothing changes */
    assert_string_equal(p->sha256, sha);
    assert_string_equal(p->system, sys);
    jv_prompt_apply_scale(p, 1, 10, 1);
    assert_string_not_equal(p->sha256, sha);
    assert_true(g_str_has_prefix(p->system, sys));
    assert_non_null(strstr(p->system, "SCORING SCALE: scores run from 1 to 10 in steps of 1"));
    assert_non_null(strstr(p->system, "20 -> 10; 18-19 -> 9; 16-17 -> 8; 14-15 -> 7"));
    assert_non_null(strstr(p->system, "Give \"score\" as a number from 1 to 10"));
    assert_int_equal(jv_prompt_scale_point(17, 1, 10, 1), 9);
    assert_int_equal(jv_prompt_scale_point(0, 1, 10, 1), 1);
    assert_int_equal(jv_prompt_scale_point(20, 2, 15, 1), 15);
    assert_int_equal(jv_prompt_scale_point(11, 0, 10, 2), 6);
    g_free(sha);
    g_free(sys);
    jv_prompt_free(p);
}

int main(int argc, char **argv)
{
    (void)argc;
    if (VIPS_INIT(argv[0]))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builtin_profiles),
        cmocka_unit_test(test_unknown_id),
        cmocka_unit_test(test_parse_and_render),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_prompt_file),
        cmocka_unit_test(test_techblock),
        cmocka_unit_test(test_request_body),
        cmocka_unit_test(test_image_data_url),
        cmocka_unit_test(test_scale),
    };
    int r = cmocka_run_group_tests(tests, NULL, NULL);
    vips_shutdown();
    return r;
}
