/*
 * fuzz_toml.c - libFuzzer target for the TOML parser: any byte string must
 * parse or fail cleanly (no crash, no leak, no read past the input), and a
 * successful parse must be serialisable JSON.
 */
#include "core/jv.h"

#include "input/toml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    GError *err = NULL;
    json_t *root = jv_toml_parse((const char *)data, size, "fuzz.toml", &err);
    if (root) {
        char *text = json_dumps(root, JSON_COMPACT);
        if (!text)
            abort();
        free(text);
        json_decref(root);
    } else if (!err || !g_str_has_prefix(err->message, "fuzz.toml:")) {
        abort();
    }
    g_clear_error(&err);
    return 0;
}
