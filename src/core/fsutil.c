/* fsutil.c - file helpers: capped whole-file reads, atomic replace, folders, UTF-8 paths. */
#include "core/jv.h"

#include <fcntl.h>
#include <signal.h>
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

/* Whether the file behind `fd` is still the version `before` described. */
static bool same_version(const struct stat *before, const struct stat *after)
{
    return before->st_ino == after->st_ino && before->st_dev == after->st_dev &&
           before->st_size == after->st_size && before->st_mtim.tv_sec == after->st_mtim.tv_sec &&
           before->st_mtim.tv_nsec == after->st_mtim.tv_nsec &&
           before->st_ctim.tv_sec == after->st_ctim.tv_sec &&
           before->st_ctim.tv_nsec == after->st_ctim.tv_nsec;
}

/* Reads `fd` to its end into a new buffer of at most `max_bytes`; NULL on error. */
static char *read_fd_all(int fd, const char *path, size_t hint, size_t max_bytes, size_t *len,
                         GError **err)
{
    size_t cap = hint + 1, used = 0;
    char *buf = g_malloc(cap);
    for (;;) {
        if (used + 1 >= cap) {
            if (cap > max_bytes) {
                g_set_error(err, JV_ERROR, JV_ERR_IO, "%s grew beyond %zu bytes", path, max_bytes);
                g_free(buf);
                return NULL;
            }
            cap *= 2;
            buf = g_realloc(buf, cap);
        }
        ssize_t n = read(fd, buf + used, cap - used - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            g_set_error(err, JV_ERROR, JV_ERR_IO, "cannot read %s: %s", path, g_strerror(errno));
            g_free(buf);
            return NULL;
        }
        if (n == 0)
            break;
        used += (size_t)n;
    }
    buf[used] = '\0';
    *len = used;
    return buf;
}

GBytes *jv_read_file_stable(const char *path, size_t max_bytes, struct stat *st, GError **err)
{
    GBytes *out = NULL;
    char *buf = NULL;
    size_t len = 0;
    /* O_NONBLOCK: a FIFO put in the photo's place must not hang the worker. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        g_set_error(err, JV_ERROR, errno == ENOENT ? JV_ERR_NOT_FOUND : JV_ERR_IO,
                    "cannot open %s: %s", path, g_strerror(errno));
        return NULL;
    }
    struct stat before, after;
    if (fstat(fd, &before) != 0) {
        g_set_error(err, JV_ERROR, JV_ERR_IO, "cannot stat %s: %s", path, g_strerror(errno));
        goto out;
    }
    if (!S_ISREG(before.st_mode)) {
        g_set_error(err, JV_ERROR, JV_ERR_IMAGE, "%s: not a regular file", path);
        goto out;
    }
    if ((uint64_t)before.st_size > max_bytes) {
        g_set_error(err, JV_ERROR, JV_ERR_IO, "%s is too large (%lld bytes, limit %zu)", path,
                    (long long)before.st_size, max_bytes);
        goto out;
    }
    buf = read_fd_all(fd, path, (size_t)before.st_size, max_bytes, &len, err);
    if (!buf)
        goto out;
    if (fstat(fd, &after) != 0) {
        g_set_error(err, JV_ERROR, JV_ERR_IO, "cannot stat %s: %s", path, g_strerror(errno));
        goto out;
    }
    if (!same_version(&before, &after) || len != (size_t)before.st_size) {
        g_set_error(err, JV_ERROR, JV_ERR_IO, "%s: file changed while being read", path);
        goto out;
    }
    if (st)
        *st = before;
    out = g_bytes_new_take(buf, len);
    buf = NULL;
out:
    g_free(buf);
    close(fd);
    return out;
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

/* True when `p` starts with the text of an escape, \xHH. */
static bool looks_escaped(const char *p)
{
    return p[0] == '\\' && p[1] == 'x' && g_ascii_isxdigit(p[2]) && g_ascii_isxdigit(p[3]);
}

char *jv_path_utf8(const char *path)
{
    GString *out = g_string_sized_new(strlen(path));
    const char *p = path;
    while (*p) {
        /* A backslash that would read as an escape is escaped itself, so that
         * the file named "caf\xE9.jpg" and the Latin-1 "caf<E9>.jpg" differ. */
        if (looks_escaped(p)) {
            g_string_append(out, "\\x5C");
            p++;
            continue;
        }
        size_t len = (size_t)g_utf8_skip[*(const guchar *)p];
        size_t left = strlen(p);
        if (len <= left && g_utf8_validate(p, (gssize)len, NULL)) {
            g_string_append_len(out, p, (gssize)len);
            p += len;
        } else {
            g_string_append_printf(out, "\\x%02X", (unsigned char)*p);
            p++;
        }
    }
    return g_string_free(out, FALSE);
}

char *jv_path_from_utf8(const char *text)
{
    GString *out = g_string_sized_new(strlen(text));
    for (const char *p = text; *p;) {
        if (looks_escaped(p)) {
            int hi = g_ascii_xdigit_value(p[2]), lo = g_ascii_xdigit_value(p[3]);
            char byte = (char)(hi * 16 + lo);
            if (byte == '\0') /* not a path byte: keep the text */
                g_string_append_len(out, p, 4);
            else
                g_string_append_c(out, byte);
            p += 4;
        } else {
            g_string_append_c(out, *p++);
        }
    }
    return g_string_free(out, FALSE);
}

/* Copies `src` to a new temp file and links it as `dst`; -1 with errno EEXIST when `dst` exists. */
static int copy_to_new(const char *src, const char *dst, GError **err)
{
    char *tmp = g_strdup_printf("%s.tmp.%d", dst, (int)getpid());
    int in = open(src, O_RDONLY | O_CLOEXEC);
    int out = in < 0 ? -1 : open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int rc = in < 0 || out < 0 ? -1 : 0;
    char buf[65536];
    ssize_t n = 0;
    while (rc == 0 && (n = read(in, buf, sizeof buf)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        rc = n < 0 ? -1 : jv_write_all(out, buf, (size_t)n, tmp, err);
    }
    if (rc == 0 && fsync(out) != 0)
        rc = -1;
    int saved = errno;
    if (rc == 0 && link(tmp, dst) != 0) {
        saved = errno;
        rc = -1;
    }
    if (rc < 0 && saved != EEXIST && err && !*err)
        g_set_error(err, JV_ERROR, JV_ERR_IO, "cannot copy %s to %s: %s", src, dst,
                    g_strerror(saved));
    if (out >= 0)
        close(out);
    if (in >= 0)
        close(in);
    unlink(tmp);
    g_free(tmp);
    errno = saved;
    return rc;
}

char *jv_backup_numbered(const char *path, bool move, GError **err)
{
    if (!g_file_test(path, G_FILE_TEST_EXISTS))
        return NULL;
    for (int n = 1; n < 100000; n++) {
        char *bak = g_strdup_printf("%s.%d.bak", path, n);
        /* link() refuses an existing name: an earlier backup is never replaced. */
        int rc = move ? link(path, bak) : copy_to_new(path, bak, err);
        if (rc == 0 && (!move || unlink(path) == 0))
            return bak;
        int e = errno;
        if (rc == 0 || e != EEXIST) {
            if (err && !*err)
                g_set_error(err, JV_ERROR, JV_ERR_IO, "cannot keep %s as %s: %s", path, bak,
                            g_strerror(e));
            g_free(bak);
            return NULL;
        }
        g_free(bak);
    }
    g_set_error(err, JV_ERROR, JV_ERR_IO, "cannot keep %s: too many backups", path);
    return NULL;
}

/* The pid of a temp name "<base>.tmp.<pid>[.<any>]", or 0 when `name` is not one. */
static long tmp_pid(const char *name, const char *base)
{
    size_t bl = strlen(base);
    if (strncmp(name, base, bl) != 0 || strncmp(name + bl, ".tmp.", 5) != 0)
        return 0;
    char *end = NULL;
    long pid = strtol(name + bl + 5, &end, 10);
    return end && end != name + bl + 5 && (*end == '\0' || *end == '.') && pid > 0 ? pid : 0;
}

int jv_remove_stale_tmp(const char *path)
{
    char *dir = g_path_get_dirname(path);
    char *base = g_path_get_basename(path);
    GDir *d = g_dir_open(dir, 0, NULL);
    int removed = 0;
    const char *name;
    while (d && (name = g_dir_read_name(d))) {
        long pid = tmp_pid(name, base);
        if (pid == 0 || pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        char *p = g_build_filename(dir, name, NULL);
        if (unlink(p) == 0)
            removed++;
        g_free(p);
    }
    if (d)
        g_dir_close(d);
    g_free(base);
    g_free(dir);
    return removed;
}
