/*
 * Fuzzes the SSE parser: the input is split into chunks at positions taken
 * from its first bytes, and every delivered event is checked for the
 * parser's promises (NUL-terminated, within the bound, no stray CR/LF at the
 * end). Also runs the error-body extraction on the same bytes.
 */
#include "core/jv.h"

#include "net/http_internal.h"
#include "net/sse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_state {
    size_t max_event;
    size_t events;
};

static int on_event(const char *type, const char *d, size_t len, void *user)
{
    struct fuzz_state *st = user;
    if (strlen(d) > len || len > st->max_event || type[0] == '\0')
        abort();
    if (len > 0 && memchr(d, '\r', len))
        abort();
    st->events++;
    return len > 0 && d[0] == '!' ? -1 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    struct fuzz_state st = {.max_event = (size_t)data[0] + 1};
    size_t step = (size_t)data[1] % 17 + 1;
    data += 2;
    size -= 2;
    struct jv_sse p;
    jv_sse_init(&p, st.max_event, on_event, &st);
    GError *err = NULL;
    for (size_t i = 0; i < size; i += step) {
        size_t n = size - i < step ? size - i : step;
        if (jv_sse_feed(&p, (const char *)data + i, n, &err) != 0) {
            if (!err)
                abort();
            g_clear_error(&err);
            jv_sse_reset(&p);
        }
    }
    jv_sse_release(&p);
    char *detail = jv_http_error_detail((const char *)data, size);
    if (detail && strlen(detail) > 303)
        abort();
    g_free(detail);
    return 0;
}
