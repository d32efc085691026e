/*
 * bbuf.h - a growable byte buffer with a size cap, for network replies: a
 * runaway reply stops at the cap instead of exhausting memory.
 */
#ifndef JV_BBUF_H
#define JV_BBUF_H

struct jv_bbuf {
    GString *s;
    size_t cap;
    bool overflow; /* an append was refused */
};

void jv_bbuf_init(struct jv_bbuf *b, size_t cap);
void jv_bbuf_release(struct jv_bbuf *b);
/* Empties the buffer (keeps the cap, clears the overflow flag). */
void jv_bbuf_reset(struct jv_bbuf *b);
/* Appends; returns -1 (and appends nothing) when the cap would be exceeded. */
int jv_bbuf_append(struct jv_bbuf *b, const void *data, size_t len);
/* The contents, NUL-terminated, borrowed. */
const char *jv_bbuf_str(const struct jv_bbuf *b);
size_t jv_bbuf_len(const struct jv_bbuf *b);
/* Hands the contents over (owned, g_free) and empties the buffer. */
char *jv_bbuf_steal(struct jv_bbuf *b, size_t *len);

#endif
