/* bbuf.c - a growable byte buffer with a size cap, for replies from the network. */
#include "core/jv.h"

#include "net/bbuf.h"

void jv_bbuf_init(struct jv_bbuf *b, size_t cap)
{
    b->s = g_string_new(NULL);
    b->cap = cap;
    b->overflow = false;
}

void jv_bbuf_release(struct jv_bbuf *b)
{
    if (b->s)
        g_string_free(b->s, TRUE);
    b->s = NULL;
}

void jv_bbuf_reset(struct jv_bbuf *b)
{
    g_string_truncate(b->s, 0);
    b->overflow = false;
}

int jv_bbuf_append(struct jv_bbuf *b, const void *data, size_t len)
{
    if (len > b->cap || b->s->len > b->cap - len) {
        b->overflow = true;
        return -1;
    }
    g_string_append_len(b->s, data, (gssize)len);
    return 0;
}

const char *jv_bbuf_str(const struct jv_bbuf *b)
{
    return b->s->str;
}

size_t jv_bbuf_len(const struct jv_bbuf *b)
{
    return b->s->len;
}

char *jv_bbuf_steal(struct jv_bbuf *b, size_t *len)
{
    if (len)
        *len = b->s->len;
    char *out = g_string_free(b->s, FALSE);
    b->s = g_string_new(NULL);
    b->overflow = false;
    return out;
}
