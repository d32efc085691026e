/*
 * The Prometheus text parser on arbitrary bytes, lenient and strict, and the
 * vLLM snapshot and delta built from what it accepts.
 */
#include "core/jv.h"

#include "net/promscrape.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct jv_prom_doc d;
    if (jv_prom_parse((const char *)data, size, 0, &d, NULL) == 0) {
        json_t *m = jv_server_metrics_from_doc(&d);
        if (m) {
            json_t *snap = json_pack("{s:o}", "metrics", m);
            json_t *delta = jv_server_metrics_delta(snap, snap);
            json_decref(delta);
            json_decref(snap);
        }
        for (guint i = 0; i < d.samples->len; i++)
            (void)jv_prom_label(&g_array_index(d.samples, struct jv_prom_sample, i), "le");
    }
    jv_prom_doc_release(&d);
    GError *err = NULL;
    if (jv_prom_parse((const char *)data, size, JV_PROM_STRICT, &d, &err) < 0)
        g_clear_error(&err);
    jv_prom_doc_release(&d);
    return 0;
}
