/*
 * Fuzzes prompt-profile parsing and rendering: any input either fails with
 * an error or gives a profile whose texts are non-empty, whose hash is 64
 * hex digits, and whose user template renders.
 */
#include "core/jv.h"

#include "critique/prompt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    GError *err = NULL;
    struct jv_prompt *p = jv_prompt_parse((const char *)data, size, "fuzz", &err);
    if (!p) {
        if (!err)
            abort();
        g_error_free(err);
        return 0;
    }
    if (!p->system[0] || !p->user_template[0] || strlen(p->sha256) != 64)
        abort();
    GHashTable *v = g_hash_table_new(g_str_hash, g_str_equal);
    g_hash_table_insert(v, (gpointer) "title", (gpointer) "{title}");
    char *user = jv_prompt_render_user(p, v);
    g_free(user);
    g_hash_table_destroy(v);
    jv_prompt_free(p);
    return 0;
}
