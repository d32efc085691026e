/* jsonl.c - the one JSON Lines reader (torn-line rule), read-back and append. */
#include "core/jv.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fsutil.h"
#include "core/jsonl.h"

#define READ_CHUNK ((size_t)64 << 10)

struct reader {
    int fd;
    const char *name;
    size_t max_bytes;
    jv_jsonl_fn fn;
    void *user;
    struct jv_jsonl_stats st;
    size_t lineno;
};

static bool blank(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
            return false;
    return true;
}

/* Hands one complete line (newline stripped) to the callback; false = stop. */
static bool take_line(struct reader *r, const char *text, size_t len, off_t offset)
{
    r->lineno++;
    if (blank(text, len)) {
        r->st.empty++;
        return true;
    }
    json_error_t je;
    json_t *j = json_loadb(text, len, 0, &je);
    struct jv_jsonl_line line = {.text = text, .len = len, .offset = offset, .lineno = r->lineno};
    if (json_is_object(j)) {
        line.obj = j;
        r->st.good++;
    } else {
        line.error = j ? "not a JSON object" : je.text;
        r->st.bad++;
    }
    bool go = r->fn ? r->fn(&line, r->user) : true;
    json_decref(j);
    return go;
}

static int check_size(struct reader *r, GError **err)
{
    struct stat st;
    if (fstat(r->fd, &st) != 0) {
        g_set_error(err, JV_ERROR, JV_ERR_IO, "cannot stat %s: %s", r->name, g_strerror(errno));
        return -1;
    }
    if (S_ISDIR(st.st_mode)) {
        g_set_error(err, JV_ERROR, JV_ERR_IO, "%s is a directory", r->name);
        return -1;
    }
    if (r->max_bytes && (uint64_t)st.st_size > r->max_bytes) {
        g_set_error(err, JV_ERROR, JV_ERR_IO, "%s is too large (%lld bytes, limit %zu)", r->name,
                    (long long)st.st_size, r->max_bytes);
        return -1;
    }
    return 0;
}

/*
 * The reading loop: fills a buffer with pread from offset 0, hands each
 * complete line over and keeps the unfinished rest (growing the buffer for
 * a line longer than it). What is left at the end of the file is the torn
 * line. Returns 0 or -1 with err (read error, file over the cap).
 */
static int read_lines(struct reader *r, GError **err)
{
    size_t cap = READ_CHUNK, used = 0;
    char *buf = g_malloc(cap);
    off_t pos = 0;  /* bytes read so far */
    off_t base = 0; /* file offset of buf[0] */
    int rc = 0;
    for (;;) {
        if (used == cap) {
            cap *= 2;
            buf = g_realloc(buf, cap);
        }
        ssize_t n = pread(r->fd, buf + used, cap - used, pos);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            g_set_error(err, JV_ERROR, JV_ERR_IO, "cannot read %s: %s", r->name, g_strerror(errno));
            rc = -1;
            goto out;
        }
        if (n == 0)
            break;
        pos += n;
        if (r->max_bytes && (uint64_t)pos > r->max_bytes) {
            g_set_error(err, JV_ERROR, JV_ERR_IO, "%s grew beyond %zu bytes", r->name,
                        r->max_bytes);
            rc = -1;
            goto out;
        }
        size_t start = 0, from = used;
        used += (size_t)n;
        char *nl;
        while ((nl = memchr(buf + from, '\n', used - from))) {
            size_t end = (size_t)(nl - buf);
            if (!take_line(r, buf + start, end - start, base + (off_t)start))
                goto out; /* stopped by the callback: nothing is torn */
            start = from = end + 1;
        }
        memmove(buf, buf + start, used - start);
        used -= start;
        base += (off_t)start;
    }
    if (used > 0) {
        r->st.torn = true;
        r->st.torn_offset = base;
        r->st.torn_len = used;
    }
out:
    r->st.end = pos;
    g_free(buf);
    return rc;
}

int jv_jsonl_read_fd(int fd, const char *name, size_t max_bytes, jv_jsonl_fn fn, void *user,
                     struct jv_jsonl_stats *stats, GError **err)
{
    struct reader r = {.fd = fd, .name = name, .max_bytes = max_bytes, .fn = fn, .user = user};
    int rc = check_size(&r, err);
    if (rc == 0)
        rc = read_lines(&r, err);
    if (stats)
        *stats = r.st;
    return rc;
}

int jv_jsonl_read(const char *path, size_t max_bytes, jv_jsonl_fn fn, void *user,
                  struct jv_jsonl_stats *stats, GError **err)
{
    if (stats)
        memset(stats, 0, sizeof *stats);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        g_set_error(err, JV_ERROR, errno == ENOENT ? JV_ERR_NOT_FOUND : JV_ERR_IO,
                    "cannot open %s: %s", path, g_strerror(errno));
        return -1;
    }
    int rc = jv_jsonl_read_fd(fd, path, max_bytes, fn, user, stats, err);
    close(fd);
    return rc;
}

/* Reads exactly `len` bytes at `offset`; false on an error or an early end. */
static bool pread_all(int fd, char *buf, size_t len, off_t offset)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = pread(fd, buf + got, len - got, offset + (off_t)got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        got += (size_t)n;
    }
    return true;
}

static json_t *parse_object(const char *text, size_t len, const char *what, GError **err)
{
    json_error_t je;
    json_t *j = json_loadb(text, len, 0, &je);
    if (!json_is_object(j)) {
        g_set_error(err, JV_ERROR, JV_ERR_PARSE, "%s: %s", what, j ? "not a JSON object" : je.text);
        json_decref(j);
        return NULL;
    }
    return j;
}

json_t *jv_jsonl_first(const char *path, size_t max_line, GError **err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        g_set_error(err, JV_ERROR, errno == ENOENT ? JV_ERR_NOT_FOUND : JV_ERR_IO,
                    "cannot open %s: %s", path, g_strerror(errno));
        return NULL;
    }
    char *buf = g_malloc(max_line + 1);
    size_t used = 0;
    char *nl = NULL;
    while (!nl && used < max_line + 1) {
        ssize_t n = pread(fd, buf + used, max_line + 1 - used, (off_t)used);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        nl = memchr(buf + used, '\n', (size_t)n);
        used += (size_t)n;
    }
    close(fd);
    json_t *j = NULL;
    if (!nl)
        g_set_error(err, JV_ERROR, JV_ERR_PARSE, "%s: no complete first line within %zu bytes",
                    path, max_line);
    else
        j = parse_object(buf, (size_t)(nl - buf), path, err);
    g_free(buf);
    return j;
}

json_t *jv_jsonl_read_at(int fd, off_t offset, size_t len, GError **err)
{
    char *buf = g_malloc(len ? len : 1);
    json_t *j = NULL;
    if (!pread_all(fd, buf, len, offset))
        g_set_error(err, JV_ERROR, JV_ERR_IO, "cannot read back %zu bytes at %lld", len,
                    (long long)offset);
    else
        j = parse_object(buf, len, "line read back", err);
    g_free(buf);
    return j;
}

char *jv_jsonl_encode(const json_t *obj, size_t *len)
{
    char *text = json_dumps(obj, JSON_COMPACT);
    if (!text)
        return NULL;
    size_t n = strlen(text);
    char *line = g_malloc(n + 2);
    memcpy(line, text, n);
    line[n] = '\n';
    line[n + 1] = '\0';
    free(text);
    if (len)
        *len = n + 1;
    return line;
}

int jv_jsonl_append(int fd, const json_t *obj, const char *name, size_t *line_len, GError **err)
{
    size_t n = 0;
    char *line = jv_jsonl_encode(obj, &n);
    if (!line) {
        g_set_error(err, JV_ERROR, JV_ERR_FAILED, "%s: cannot encode the line", name);
        return -1;
    }
    int rc = jv_write_all(fd, line, n, name, err);
    g_free(line);
    if (rc == 0 && line_len)
        *line_len = n - 1;
    return rc;
}
