/*
 * Fuzzes the reply side of Stage 2: the input is fed as SSE payloads (split
 * at newlines) and as a non-streamed body to jv_reply, and the accumulated
 * text and the raw input go through jv_critique_parse. Checks the parser's
 * promises: a parsed verdict has a critique, a total within 0..20 and a
 * style from the list; a failure leaves the struct empty.
 */
#include "core/jv.h"

#include <jansson.h>

#include "critique/critique.h"
#include "vlm/reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_verdict(const char *text)
{
    struct jv_critique c;
    jv_critique_init(&c);
    GError *err = NULL;
    if (jv_critique_parse(text, &c, &err) == 0) {
        if (!c.critique || c.total < 0 || c.total > 20)
            abort();
        bool known = false;
        for (const char *const *s = jv_critique_styles(); *s; s++)
            known = known || strcmp(*s, c.style) == 0;
        if (!known)
            abort();
    } else {
        if (!err || c.critique || c.title || c.subscores)
            abort();
        g_error_free(err);
    }
    jv_critique_release(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = g_strndup((const char *)data, size);
    struct jv_reply r;
    jv_reply_init(&r);
    const char *p = (const char *)data, *end = p + size;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        GError *err = NULL;
        if (jv_reply_feed_sse(&r, p, len, &err) != 0) {
            if (!err)
                abort();
            g_error_free(err);
        }
        p += len + 1;
    }
    check_verdict(r.content->str);
    jv_reply_reset(&r);
    GError *err = NULL;
    if (jv_reply_parse_nonstream(&r, text, &err) != 0)
        g_clear_error(&err);
    check_verdict(r.content->str);
    jv_reply_release(&r);
    check_verdict(text);
    g_free(text);
    return 0;
}
