/*
 * fuzz_npz.c - libFuzzer target for the .npz reader: any byte string must load
 * or fail cleanly with an error naming the archive (no crash, no leak, no read
 * past the input, no allocation beyond what the bytes can inflate to), and
 * every loaded tensor's element count must match its shape.
 */
#include "core/jv.h"

#include "nn/npz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    GError *err = NULL;
    struct jv_npz *z = jv_npz_open_bytes(data, size, "fuzz.npz", NULL, &err);
    if (z) {
        for (guint i = 0; i < jv_npz_count(z); i++) {
            const struct jv_npz_tensor *t = jv_npz_at(z, i);
            size_t n = 1;
            for (int d = 0; d < t->ndim; d++)
                n *= (size_t)t->shape[d];
            if (n != t->count || jv_npz_get(z, t->name) != t)
                abort();
            volatile float sink = t->count ? t->data[t->count - 1] : 0.0f;
            (void)sink;
        }
        jv_npz_free(z);
    } else if (!err || !g_str_has_prefix(err->message, "fuzz.npz: ")) {
        abort();
    }
    g_clear_error(&err);
    return 0;
}
