/* libFuzzer target: the simulator's chat-completions request parser
 * (JSON, messages, data: URLs, base64, image headers via libvips). */
#include "core/jv.h"

#include <vips/vips.h>

#include "server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    if (!ready) {
        if (VIPS_INIT("fuzz_sim_request"))
            return 0;
        ready = true;
    }
    unsigned status = 0;
    GError *err = NULL;
    if (jv_sim_check_request((const char *)data, size, &status, &err) < 0) {
        if (status != 400 && status != 404)
            abort();
        g_clear_error(&err);
    } else if (status != 200) {
        abort();
    }
    return 0;
}
