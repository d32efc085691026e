/*
 * fuzz_title.c - libFuzzer target for the metadata readers behind image
 * titles: image files carry XMP and IPTC blocks from any source, so both
 * parsers must take any bytes without crashing, leaking or over-reading,
 * and must return valid UTF-8.
 */
#include "core/jv.h"

#include "input/title.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(char *s)
{
    if (s && !g_utf8_validate(s, -1, NULL))
        abort();
    g_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Exact-size copy so that any read past the end is caught. */
    char *copy = g_malloc(size ? size : 1);
    memcpy(copy, data, size);
    check(jv_iptc_object_name((const unsigned char *)copy, size));
    check(jv_xmp_property(copy, size, "title"));
    check(jv_xmp_property(copy, size, "description"));
    g_free(copy);
    return 0;
}
