/* fuzz_sim_category_bias.c - libFuzzer target: the simulator's --category-bias parser. */
#include "core/jv.h"

#include "replies.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *spec = g_strndup((const char *)data, size);
    struct jv_sim_reply_opts o = {.category_bias_sd = 1.0};
    GError *err = NULL;
    if (jv_sim_category_bias_parse(&o, spec, &err) == 0) {
        /* every name parsed looks up to a finite offset in range */
        GHashTableIter it;
        gpointer k, v;
        g_hash_table_iter_init(&it, o.category_bias);
        while (g_hash_table_iter_next(&it, &k, &v)) {
            double b = jv_sim_category_bias(&o, k);
            if (!(b >= -20 && b <= 20))
                abort();
        }
    } else if (!err) {
        abort();
    }
    g_clear_error(&err);
    if (o.category_bias)
        g_hash_table_destroy(o.category_bias);
    g_free(spec);
    return 0;
}
