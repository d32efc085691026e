/*
 * Fuzzes the JSONL reader: the input is a file (in memory, memfd), read with
 * a cap taken from its first byte; every line handed over is checked for the
 * reader's promises (its bytes are the file's, its newline is there, lines
 * come in order and do not overlap, bad lines say why), the torn tail is
 * exactly what follows the last newline, and every good line reads back to
 * the same object.
 */
#include "core/jv.h"

#include <sys/mman.h>
#include <unistd.h>

#include "core/jsonl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct check {
    const uint8_t *data;
    size_t size;
    int fd;
    off_t next; /* lines start at or after this */
    size_t lines;
};

static bool on_line(const struct jv_jsonl_line *line, void *user)
{
    struct check *c = user;
    size_t off = (size_t)line->offset;
    if (line->offset < c->next || off + line->len >= c->size)
        abort();
    if (c->data[off + line->len] != '\n' || memcmp(line->text, c->data + off, line->len) != 0)
        abort();
    if (memchr(line->text, '\n', line->len) || line->len == 0)
        abort();
    if ((line->obj == NULL) != (line->error != NULL) || (line->obj && !json_is_object(line->obj)))
        abort();
    if (line->obj) {
        json_t *back = jv_jsonl_read_at(c->fd, line->offset, line->len, NULL);
        if (!back || !json_equal(back, line->obj))
            abort();
        json_decref(back);
    }
    c->next = line->offset + (off_t)line->len + 1;
    c->lines++;
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t cap = data[0] < 16 ? 0 : (size_t)data[0] * 8; /* 0 = no cap */
    data++;
    size--;
    int fd = memfd_create("fuzz_jsonl", MFD_CLOEXEC);
    if (fd < 0)
        return 0;
    if (size && write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return 0;
    }
    struct check c = {.data = data, .size = size, .fd = fd};
    struct jv_jsonl_stats st;
    GError *err = NULL;
    int rc = jv_jsonl_read_fd(fd, "fuzz", cap, on_line, &c, &st, &err);
    if (cap && size > cap) {
        if (rc != -1 || !err || c.lines != 0)
            abort();
    } else {
        if (rc != 0 || err || st.end != (off_t)size || c.lines != st.good + st.bad)
            abort();
        const uint8_t *last = size ? memrchr(data, '\n', size) : NULL;
        size_t tail = last ? (size_t)(data + size - last - 1) : size;
        if (st.torn != (tail > 0) ||
            (st.torn && (st.torn_len != tail || st.torn_offset != (off_t)(size - tail))))
            abort();
    }
    g_clear_error(&err);
    /* The first line alone: an object only when it is complete and short enough. */
    char *self = g_strdup_printf("/proc/self/fd/%d", fd);
    size_t max_line = cap ? cap : 64;
    json_t *first = jv_jsonl_first(self, max_line, NULL);
    const uint8_t *nl = memchr(data, '\n', size);
    if (first && (!nl || (size_t)(nl - data) > max_line || !json_is_object(first)))
        abort();
    json_decref(first);
    g_free(self);
    close(fd);
    return 0;
}
