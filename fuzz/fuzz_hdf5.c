/*
 * fuzz_hdf5 - arbitrary bytes as a Keras weight file: jv_h5_load (through
 * libhdf5, which reads files, so each input is written to one temporary file)
 * and, when that succeeds, NIMA's lookups (jv_nima_load: weights by name and
 * shape, the dense head by shape). Any input must give a model or an error,
 * never a crash, and never an allocation beyond the loader's limit. libhdf5
 * runs in a forked child (nn/hdf5.h), so its own crashes on damaged files
 * (1.10.8 has use-after-free on some) become errors; the child's coverage is
 * not seen here, the parent's answer parsing and NIMA's lookups are.
 */
#include "core/jv.h"

#include <unistd.h>

#include "nn/hdf5.h"
#include "nn/nima.h"

static char *input_path;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!input_path)
        input_path = g_strdup_printf("%s/jv-fuzz-hdf5-%d.h5", g_get_tmp_dir(), (int)getpid());
    if (!g_file_set_contents(input_path, (const char *)data, (gssize)size, NULL))
        return 0;
    GError *err = NULL;
    struct jv_h5_file *f = jv_h5_load(input_path, 1u << 20, &err);
    if (f) {
        for (guint i = 0; i < f->layers->len; i++)
            (void)jv_h5_layer(f, ((struct jv_h5_layer *)f->layers->pdata[i])->name);
        jv_h5_free(f);
    } else {
        g_clear_error(&err);
    }
    struct jv_nima *m = jv_nima_load(input_path, &err);
    if (m)
        jv_nima_free(m);
    g_clear_error(&err);
    return 0;
}
