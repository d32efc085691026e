/* Unit tests of the simulator's latency model (token counts, prefix cache,
 * batch) and its deterministic replies. */
#include "core/jv.h"

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include "latency.h"
#include "replies.h"

static void test_image_tokens(void **state)
{
    (void)state;
    /* doc/SPEC.md 7: a 1600x1200 photo is 2,451 tokens (1596 x 1204 / 784). */
    assert_int_equal(jv_sim_image_tokens(1600, 1200), 2451);
    assert_int_equal(jv_sim_image_tokens(1200, 1600), 2451);
    /* 28x28 multiples are kept: 56x56 -> 4 tokens; tiny images scale up to min_pixels. */
    assert_int_equal(jv_sim_image_tokens(56, 56), 4);
    assert_int_equal(jv_sim_image_tokens(10, 10), 4);
    /* 8000x6000 exceeds max_pixels: scaled by sqrt(48e6/12845056) to 4116x3080. */
    assert_int_equal(jv_sim_image_tokens(8000, 6000), 4116 * 3080 / 784);
    assert_true(jv_sim_image_tokens(8000, 6000) * 784 <= JV_SIM_MAX_PIXELS);
    assert_int_equal(jv_sim_image_tokens(0, 100), 0);
    assert_int_equal(jv_sim_text_tokens(0), 0);
    assert_int_equal(jv_sim_text_tokens(1), 1);
    assert_int_equal(jv_sim_text_tokens(4), 1);
    assert_int_equal(jv_sim_text_tokens(4001), 1001);
}

static void build(struct jv_sim_prompt *p, const char *sys, const char *user, const char *img)
{
    jv_sim_prompt_init(p);
    jv_sim_prompt_add_role(p, "system");
    jv_sim_prompt_add_text(p, sys, strlen(sys));
    jv_sim_prompt_add_role(p, "user");
    jv_sim_prompt_add_text(p, user, strlen(user));
    if (img)
        jv_sim_prompt_add_image(p, img, 2451);
}

static void test_prefix_cache(void **state)
{
    (void)state;
    char sys[4001];
    memset(sys, 'x', 4000);
    sys[4000] = '\0';
    struct jv_sim_engine *e = jv_sim_engine_new(4, 0.0, 1000);
    struct jv_sim_prompt a, b;
    build(&a, sys, "first entry", "00000000000000000000000000000001");
    build(&b, sys, "second entry", "00000000000000000000000000000002");
    long na = jv_sim_prompt_tokens(&a);
    assert_int_equal(na, 4 + 1000 + 4 + 3 + 2451);
    assert_int_equal(jv_sim_engine_cache_lookup(e, &a), 0);
    /* b shares the system marker, the 1,000-token system text and the user
     * marker: 1,008 tokens, exactly 63 cached blocks. */
    assert_int_equal(jv_sim_engine_cache_lookup(e, &b), 1008);
    /* the same prompt again: everything but the last token */
    long nb = jv_sim_prompt_tokens(&b);
    long full = nb / 16 * 16;
    long again = jv_sim_engine_cache_lookup(e, &b);
    assert_int_equal(again, full == nb ? nb - 1 : full);
    struct jv_sim_engine_stats st;
    jv_sim_engine_stats(e, &st);
    assert_int_equal(st.cache_queries, na + 2 * nb);
    assert_int_equal(st.cache_hits, 1008 + again);
    assert_true(st.cache_blocks_used <= 1000);
    jv_sim_engine_free(e);

    /* a tiny cache forgets: LRU bound of 10 blocks */
    e = jv_sim_engine_new(4, 0.0, 10);
    assert_int_equal(jv_sim_engine_cache_lookup(e, &a), 0);
    assert_int_equal(jv_sim_engine_cache_lookup(e, &a), 0);
    jv_sim_engine_stats(e, &st);
    assert_int_equal(st.cache_blocks_used, 10);
    jv_sim_engine_free(e);
    jv_sim_prompt_release(&a);
    jv_sim_prompt_release(&b);
}

static void test_batch(void **state)
{
    (void)state;
    struct jv_sim_engine *e = jv_sim_engine_new(2, 0.0, 0);
    assert_true(jv_sim_engine_admit(e));
    assert_true(jv_sim_engine_admit(e));
    struct jv_sim_engine_stats st;
    jv_sim_engine_stats(e, &st);
    assert_int_equal(st.running, 2);
    double clock = 0;
    assert_true(jv_sim_engine_decode(e, 10, &clock));
    assert_true(jv_sim_engine_prefill(e, 1000));
    jv_sim_engine_leave(e);
    jv_sim_engine_leave(e);
    jv_sim_engine_shutdown(e);
    assert_false(jv_sim_engine_admit(e));
    assert_false(jv_sim_engine_sleep(e, 1.0));
    jv_sim_engine_free(e);
}

/* --category-bias: the model's offset by category, parsed, looked up without case, seeded. */
static void test_category_bias(void **state)
{
    (void)state;
    const char *h = "0123456789abcdef0123456789abcdef";
    struct jv_sim_reply_opts o = {.seed = 5, .score_noise = 1.0};
    GError *err = NULL;
    assert_int_equal(jv_sim_category_bias_parse(&o, " Mono=-3, Nature = +1.5 ,Open=0", &err), 0);
    assert_true(jv_sim_category_bias(&o, "mono") == -3.0);
    assert_true(jv_sim_category_bias(&o, "MONO") == -3.0);
    assert_true(jv_sim_category_bias(&o, "Nature") == 1.5);
    assert_true(jv_sim_category_bias(&o, "Colour") == 0.0);
    assert_true(jv_sim_category_bias(&o, NULL) == 0.0);
    /* the score moves by the offset (away from the ends of the scale) */
    int base = jv_sim_critique_score(&o, h, 0.5, NULL, "k");
    assert_int_equal(jv_sim_critique_score(&o, h, 0.5, "Mono", "k"), base - 3);
    assert_int_equal(jv_sim_critique_score(&o, h, 0.5, "Colour", "k"), base);
    /* a seeded SD for the others: the same name the same offset, names differ */
    o.category_bias_sd = 2.0;
    double a = jv_sim_category_bias(&o, "Colour"), b = jv_sim_category_bias(&o, "colour");
    assert_true(a == b && a != 0.0);
    assert_true(jv_sim_category_bias(&o, "Travel") != a);
    assert_true(jv_sim_category_bias(&o, "Mono") == -3.0);
    const char *bad[] = {"Mono", "=2", "Mono=", "Mono=x", "Mono=2x", "Mono=21", "A=1,,B=2"};
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        assert_int_equal(jv_sim_category_bias_parse(&o, bad[i], &err), -1);
        assert_non_null(strstr(err->message, "--category-bias: item"));
        g_clear_error(&err);
    }
    g_hash_table_destroy(o.category_bias);
}

static void test_replies(void **state)
{
    (void)state;
    struct jv_sim_reply_opts o = {.seed = 0, .score_noise = 0, .pairwise_noise = 0.1};
    const char *h = "0123456789abcdef0123456789abcdef";
    int score = -1;
    char *c = jv_sim_critique(&o, h, 1.0, "A Title", NULL, NULL, &score);
    assert_int_equal(score, 20);
    json_t *j = json_loads(c, 0, NULL);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "title")), "A Title");
    assert_int_equal(json_integer_value(json_object_get(j, "score")), 20);
    const char *crit = json_string_value(json_object_get(j, "critique"));
    assert_non_null(strstr(crit, "Judge Vision simulator"));
    /* the pieces put back together are the text; about 1.3 tokens per word */
    GPtrArray *pieces = jv_sim_tokenize(crit);
    GString *back = g_string_new(NULL);
    for (guint i = 0; i < pieces->len; i++)
        g_string_append(back, g_ptr_array_index(pieces, i));
    assert_string_equal(back->str, crit);
    gchar **words = g_strsplit(crit, " ", -1);
    double ratio = (double)pieces->len / (double)g_strv_length(words);
    assert_true(ratio > 1.1 && ratio < 1.5);
    g_strfreev(words);
    g_string_free(back, TRUE);
    g_ptr_array_unref(pieces);
    json_decref(j);
    char *c2 = jv_sim_critique(&o, h, 1.0, "A Title", NULL, NULL, NULL);
    assert_string_equal(c, c2);
    g_free(c);
    g_free(c2);
    c = jv_sim_critique(&o, h, 0.0, NULL, NULL, NULL, &score);
    assert_int_equal(score, 8);
    g_free(c);

    /* per-request noise: judges (sample keys) differ, the same key answers the same */
    struct jv_sim_reply_opts n = {.seed = 0, .score_noise = 2.0, .sample_share = 0.5};
    int differ = 0, same = 0;
    for (int i = 0; i < 20; i++) {
        char k1[32], k2[32];
        g_snprintf(k1, sizeof k1, "%d:a", i);
        g_snprintf(k2, sizeof k2, "%d:b", i);
        differ += jv_sim_critique_score(&n, h, 0.5, NULL, k1) !=
                  jv_sim_critique_score(&n, h, 0.5, NULL, k2);
        same += jv_sim_critique_score(&n, h, 0.5, NULL, k1) ==
                jv_sim_critique_score(&n, h, 0.5, NULL, k1);
    }
    assert_int_equal(same, 20);
    assert_true(differ >= 8);
    n.sample_share = 0;
    assert_int_equal(jv_sim_critique_score(&n, h, 0.5, NULL, "1:a"),
                     jv_sim_critique_score(&n, h, 0.5, NULL, "2:b"));
    /* the human marks: a scale of their own, awards from the marks */
    assert_int_equal(jv_sim_human_score(0, h, 1.0, 0), 20);
    assert_int_equal(jv_sim_human_score(0, h, 0.0, 0), 4);
    assert_string_equal(jv_sim_human_award(18), "Distinction");
    assert_string_equal(jv_sim_human_award(13), "");

    /* pairwise: the clearly better entry wins on either side; bias 1 favours A */
    const char *h2 = "fedcba9876543210fedcba9876543210";
    char *p = jv_sim_pairwise(&o, h, 0.95, h2, 0.05, "req");
    assert_non_null(strstr(p, "\"winner\": \"A\""));
    g_free(p);
    p = jv_sim_pairwise(&o, h2, 0.05, h, 0.95, "req");
    assert_non_null(strstr(p, "\"winner\": \"B\""));
    g_free(p);
    o.position_bias = 1.0;
    p = jv_sim_pairwise(&o, h2, 0.05, h, 0.95, "req");
    assert_non_null(strstr(p, "\"winner\": \"A\""));
    g_free(p);

    /* qualities from hashes are uniform-ish and in range */
    double lo = 1, hi = 0;
    for (int i = 0; i < 200; i++) {
        char key[33];
        snprintf(key, sizeof key, "%032x", i);
        double q = jv_sim_quality_from_hash(key, 0);
        assert_true(q >= 0 && q < 1);
        lo = MIN(lo, q);
        hi = MAX(hi, q);
    }
    assert_true(lo < 0.05 && hi > 0.95);
    json_t *iqa = jv_sim_iqa(&o, h, 0.5);
    double mos = json_real_value(json_object_get(iqa, "musiq_spaq"));
    assert_true(mos > 30 && mos < 80);
    json_decref(iqa);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_image_tokens),  cmocka_unit_test(test_prefix_cache),
        cmocka_unit_test(test_batch),         cmocka_unit_test(test_replies),
        cmocka_unit_test(test_category_bias),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
