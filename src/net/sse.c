/* sse.c - an incremental parser of text/event-stream (server-sent events). */
#include "core/jv.h"

#include "net/sse.h"

/* A line may exceed the data limit by this much: room for "data: " and the like. */
#define SSE_FIELD_ROOM 32

void jv_sse_init(struct jv_sse *p, size_t max_event, jv_sse_event_fn on_event, void *user)
{
    memset(p, 0, sizeof(*p));
    p->on_event = on_event;
    p->user = user;
    p->max_event = max_event ? max_event : 1;
    p->line = g_string_new(NULL);
    p->data = g_string_new(NULL);
    p->type = g_string_new(NULL);
}

void jv_sse_release(struct jv_sse *p)
{
    if (p->line)
        g_string_free(p->line, TRUE);
    if (p->data)
        g_string_free(p->data, TRUE);
    if (p->type)
        g_string_free(p->type, TRUE);
    p->line = p->data = p->type = NULL;
}

void jv_sse_reset(struct jv_sse *p)
{
    g_string_truncate(p->line, 0);
    g_string_truncate(p->data, 0);
    g_string_truncate(p->type, 0);
    p->have_data = false;
    p->after_cr = false;
    p->started = false;
    p->failed = false;
}

bool jv_sse_idle(const struct jv_sse *p)
{
    return p->line->len == 0 && !p->have_data && p->type->len == 0;
}

/* Ends the current event: delivers it when it has data, then clears it. */
static int dispatch(struct jv_sse *p, GError **err)
{
    int rc = 0;
    if (p->have_data) {
        /* every data field appended a '\n'; the last one is not part of the data */
        if (p->data->len > 0)
            g_string_truncate(p->data, p->data->len - 1);
        /* a name made empty by a NUL byte counts as no name */
        const char *type = p->type->str[0] ? p->type->str : "message";
        p->events++;
        if (p->on_event(type, p->data->str, p->data->len, p->user) != 0) {
            g_set_error(err, JV_ERROR, JV_ERR_PARSE,
                        "server-sent event %" G_GUINT64_FORMAT " was rejected by its reader",
                        p->events);
            rc = -1;
        }
    }
    g_string_truncate(p->data, 0);
    g_string_truncate(p->type, 0);
    p->have_data = false;
    return rc;
}

/* Interprets one complete line (without its terminator). */
static int process_line(struct jv_sse *p, GError **err)
{
    const char *s = p->line->str;
    size_t n = p->line->len;
    if (n == 0)
        return dispatch(p, err);
    if (s[0] == ':')
        return 0;
    const char *colon = memchr(s, ':', n);
    size_t name_len = colon ? (size_t)(colon - s) : n;
    const char *value = colon ? colon + 1 : s + n;
    size_t value_len = (size_t)(s + n - value);
    if (value_len > 0 && value[0] == ' ') {
        value++;
        value_len--;
    }
    if (name_len == 4 && memcmp(s, "data", 4) == 0) {
        if (p->data->len + value_len + 1 > p->max_event) {
            g_set_error(err, JV_ERROR, JV_ERR_PARSE,
                        "server-sent event data exceeds the limit of %zu bytes", p->max_event);
            return -1;
        }
        g_string_append_len(p->data, value, (gssize)value_len);
        g_string_append_c(p->data, '\n');
        p->have_data = true;
    } else if (name_len == 5 && memcmp(s, "event", 5) == 0) {
        g_string_truncate(p->type, 0);
        g_string_append_len(p->type, value, (gssize)value_len);
    }
    /* "id", "retry" and unknown fields are ignored */
    return 0;
}

int jv_sse_feed(struct jv_sse *p, const char *buf, size_t len, GError **err)
{
    if (p->failed) {
        g_set_error(err, JV_ERROR, JV_ERR_PARSE, "server-sent event stream already failed");
        return -1;
    }
    size_t i = 0;
    if (!p->started) {
        /* skip a UTF-8 BOM, which may itself arrive split across chunks */
        static const char bom[] = "\xEF\xBB\xBF";
        size_t have = p->line->len;
        while (i < len && have + i < 3 && buf[i] == bom[have + i])
            i++;
        if (have + i == 3) {
            g_string_truncate(p->line, 0);
            p->started = true;
        } else if (i == len) {
            g_string_append_len(p->line, buf, (gssize)len); /* a BOM prefix so far */
            return 0;
        } else {
            /* not a BOM: what was held back is ordinary text */
            p->started = true;
            i = 0;
        }
    }
    while (i < len) {
        char c = buf[i];
        if (c == '\n' && p->after_cr) {
            p->after_cr = false;
            i++;
            continue;
        }
        p->after_cr = false;
        if (c == '\r' || c == '\n') {
            p->after_cr = (c == '\r');
            i++;
            if (process_line(p, err) != 0) {
                p->failed = true;
                return -1;
            }
            g_string_truncate(p->line, 0);
            continue;
        }
        /* copy the run of ordinary bytes up to the next line end at once */
        size_t j = i;
        while (j < len && buf[j] != '\r' && buf[j] != '\n')
            j++;
        if (p->line->len + (j - i) > p->max_event + SSE_FIELD_ROOM) {
            g_set_error(err, JV_ERROR, JV_ERR_PARSE,
                        "server-sent event line exceeds the limit of %zu bytes", p->max_event);
            p->failed = true;
            return -1;
        }
        g_string_append_len(p->line, buf + i, (gssize)(j - i));
        i = j;
    }
    return 0;
}
