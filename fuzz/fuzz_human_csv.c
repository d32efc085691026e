/*
 * fuzz_human_csv.c - libFuzzer target for the club's results CSV
 * (input/human_csv.h): a file from any spreadsheet must parse or fail with a
 * message, never crash, leak or read past its end; every row it keeps names
 * a file or a title and has a finite score when it has one.
 */
#include "core/jv.h"

#include <math.h>

#include "input/human_csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = g_malloc(size ? size : 1); /* exact size: reads past the end are caught */
    memcpy(copy, data, size);
    GError *err = NULL;
    struct jv_human *h = jv_human_parse(copy, size, "fuzz.csv", &err);
    if (h) {
        for (guint i = 0; i < h->rows->len; i++) {
            const struct jv_human_row *r = &g_array_index(h->rows, struct jv_human_row, i);
            if ((!r->file && !r->title) || (r->has_score && !isfinite(r->score)))
                abort();
        }
        jv_human_free(h);
    } else if (!err || !err->message[0]) {
        abort();
    }
    g_clear_error(&err);
    g_free(copy);
    return 0;
}
