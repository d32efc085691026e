/*
 * What the in-flight controller reads from a server: llama-server's /props
 * (total_slots) and the running/waiting figures of a /metrics body, on
 * arbitrary bytes; a reading is then fed to a controller.
 */
#include "core/jv.h"

#include "net/capacity.h"
#include "net/capacity_probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct jv_capacity_config cfg = {.start = 1, .headroom = 1};
    struct jv_capacity *c = jv_capacity_new("fuzz", &cfg, 0);
    int slots = jv_capacity_props_slots((const char *)data, size);
    if (slots > 0)
        jv_capacity_server_slots(c, slots, "fuzz", 1);
    double r = 0, w = 0;
    if (jv_capacity_metrics_load((const char *)data, size, &r, &w))
        jv_capacity_server_load(c, r, w, jv_capacity_limit(c), 2);
    json_decref(jv_capacity_to_json(c));
    jv_capacity_free(c);
    return 0;
}
