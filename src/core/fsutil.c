/* fsutil.c - file helpers: capped whole-file reads, atomic replace, folders, UTF-8 paths. */
#include "core/jv.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fsutil.h"

int jv_mkdir_parents(const char *path, GError **err)
{
    char *dir = g_path_get_dirname(path);
    int rc = 0;
    if (g_mkdir_with_parents(dir, 0755) != 0) {
        g_set_error(err, JV_ERROR, JV_ERR_IO, "cannot create directory %s: %s", dir,
                    g_strerror(errno));
        rc = -1;
    }
    g_free(dir);
    return rc;
}

int jv_write_all(int fd, const void *data, size_t len, const char *what, GError **err)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            g_set_error(err, JV_ERROR, JV_ERR_IO, "cannot write %s: %s", what, g_strerror(errno));
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int write_replace(const char *path, const void *data, size_t len, bool sync, GError **err)
{
    int rc = -1;
    int fd = -1;
    char *tmp = NULL;

    if (jv_mkdir_parents(path, err) < 0)
        goto out;
    tmp = g_strdup_printf("%s.tmp.%d.%p", path, (int)getpid(), (void *)g_thread_self());
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        g_set_error(err, JV_ERROR, JV_ERR_IO, "cannot create %s: %s", tmp, g_strerror(errno));
        goto out;
    }
    if (jv_write_all(fd, data, len, tmp, err) < 0)
        goto out;
    if (sync && fsync(fd) != 0) {
        g_set_error(err, JV_ERROR, JV_ERR_IO, "cannot sync %s: %s", tmp, g_strerror(errno));
        goto out;
    }
    close(fd);
    fd = -1;
    if (rename(tmp, path) != 0) {
        g_set_error(err, JV_ERROR, JV_ERR_IO, "cannot rename %s to %s: %s", tmp, path,
                    g_strerror(errno));
        goto out;
    }
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    if (rc < 0 && tmp)
        unlink(tmp);
    g_free(tmp);
    return rc;
}

int jv_write_file_atomic(const char *path, const void *data, size_t len, GError **err)
{
    return write_replace(path, data, len, true, err);
}

int jv_write_file_replace(const char *path, const void *data, size_t len, GError **err)
{
    return write_replace(path, data, len, false, err);
}

char *jv_read_file(const char *path, size_t max_bytes, size_t *len, GError **err)
{
    char *buf = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        g_set_error(err, JV_ERROR, errno == ENOENT ? JV_ERR_NOT_FOUND : JV_ERR_IO,
                    "cannot open %s: %s", path, g_strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        g_set_error(err, JV_ERROR, JV_ERR_IO, "cannot stat %s: %s", path, g_strerror(errno));
        goto fail;
    }
    if (S_ISDIR(st.st_mode)) {
        g_set_error(err, JV_ERROR, JV_ERR_IO, "%s is a directory", path);
        goto fail;
    }
    if ((uint64_t)st.st_size > max_bytes) {
        g_set_error(err, JV_ERROR, JV_ERR_IO, "%s is too large (%lld bytes, limit %zu)", path,
                    (long long)st.st_size, max_bytes);
        goto fail;
    }
    size_t cap = (size_t)st.st_size + 1, used = 0;
    buf = g_malloc(cap);
    for (;;) {
        if (used + 1 >= cap) {
            if (cap > max_bytes) {
                g_set_error(err, JV_ERROR, JV_ERR_IO, "%s grew beyond %zu bytes", path, max_bytes);
                goto fail;
            }
            cap *= 2;
            buf = g_realloc(buf, cap);
        }
        ssize_t n = read(fd, buf + used, cap - used - 1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            g_set_error(err, JV_ERROR, JV_ERR_IO, "cannot read %s: %s", path, g_strerror(errno));
            goto fail;
        }
        if (n == 0)
            break;
        used += (size_t)n;
    }
    buf[used] = '\0';
    if (len)
        *len = used;
    close(fd);
    return buf;
fail:
    g_free(buf);
    close(fd);
    return NULL;
}

int jv_open_append(const char *path, GError **err)
{
    if (jv_mkdir_parents(path, err) < 0)
        return -1;
    int fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        g_set_error(err, JV_ERROR, JV_ERR_IO, "cannot open %s for appending: %s", path,
                    g_strerror(errno));
    return fd;
}

int jv_truncate_torn_tail(int fd, const char *path, GError **err)
{
    struct stat st;
    if (fstat(fd, &st) != 0) {
        g_set_error(err, JV_ERROR, JV_ERR_IO, "cannot stat %s: %s", path, g_strerror(errno));
        return -1;
    }
    off_t end = st.st_size;
    char chunk[4096];
    off_t keep = 0;
    /* Scan backwards for the last newline. */
    while (end > 0) {
        off_t start = end > (off_t)sizeof chunk ? end - (off_t)sizeof chunk : 0;
        ssize_t n = pread(fd, chunk, (size_t)(end - start), start);
        if (n <= 0) {
            g_set_error(err, JV_ERROR, JV_ERR_IO, "cannot read %s: %s", path,
                        n < 0 ? g_strerror(errno) : "short read");
            return -1;
        }
        for (ssize_t i = n - 1; i >= 0; i--) {
            if (chunk[i] == '\n') {
                keep = start + i + 1;
                goto found;
            }
        }
        end = start;
    }
found:
    if (keep != st.st_size && ftruncate(fd, keep) != 0) {
        g_set_error(err, JV_ERROR, JV_ERR_IO, "cannot truncate torn line of %s: %s", path,
                    g_strerror(errno));
        return -1;
    }
    return 0;
}

char *jv_abspath(const char *path)
{
    return g_canonicalize_filename(path, NULL);
}

char *jv_path_utf8(const char *path)
{
    const char *end = NULL;
    if (g_utf8_validate(path, -1, &end))
        return g_strdup(path);
    GString *out = g_string_new(NULL);
    const char *p = path;
    while (*p) {
        if (g_utf8_validate(p, -1, &end)) {
            g_string_append(out, p);
            break;
        }
        g_string_append_len(out, p, end - p);
        g_string_append_printf(out, "\\x%02X", (unsigned char)*end);
        p = end + 1;
    }
    return g_string_free(out, FALSE);
}
