/* guard.c - the only ways the web server opens a run's files: no links, nothing outside. */
#include "core/jv.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "web/guard.h"

G_DEFINE_QUARK(jv - web - guard - error - quark, jv_web_guard_error)

static int refuse(GError **err, const char *fmt, ...) JV_PRINTF(2, 3);
static int refuse(GError **err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error_literal(err, JV_WEB_GUARD_ERROR, JV_WEB_GUARD_REFUSED, msg);
    g_free(msg);
    return -1;
}

static int open_failed(GError **err, const char *path, int e)
{
    if (e == ELOOP)
        return refuse(err, "%s: a symbolic link, not followed", path);
    if (e == ENOTDIR) /* what O_DIRECTORY | O_NOFOLLOW says of a link to a folder */
        return refuse(err, "%s: a symbolic link or not a folder on the way, not followed", path);
    g_set_error(err, JV_ERROR, e == ENOENT ? JV_ERR_NOT_FOUND : JV_ERR_IO, "cannot open %s: %s",
                path, g_strerror(e));
    return -1;
}

/* The part of `path` below `root` (lexically), or NULL. */
static const char *below(const char *root, const char *path)
{
    size_t rl = strlen(root);
    while (rl > 1 && root[rl - 1] == '/')
        rl--;
    if (rl == 1 && root[0] == '/')
        return path[0] == '/' ? path + 1 : NULL;
    if (strncmp(path, root, rl) != 0 || path[rl] != '/')
        return NULL;
    return path + rl + 1;
}

/* Takes `fd`: keeps it when it is a regular file, else closes it and refuses. */
static int regular_only(int fd, const char *path, GError **err)
{
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return refuse(err, "%s: not a regular file", path);
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        (void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    return fd;
}

int jv_web_open_beneath(const char *root, const char *path, GError **err)
{
    const char *rel = path ? below(root, path) : NULL;
    if (!rel || !*rel)
        return refuse(err, "%s: outside %s", path ? path : "(none)", root);
    int dir = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0)
        return open_failed(err, root, errno);
    char **parts = g_strsplit(rel, "/", -1);
    int fd = -1;
    for (size_t i = 0; parts[i]; i++) {
        const char *c = parts[i];
        bool last = parts[i + 1] == NULL;
        if (!*c || strcmp(c, ".") == 0 || strcmp(c, "..") == 0) {
            refuse(err, "%s: not a plain path", path);
            break;
        }
        int flags =
            O_RDONLY | O_CLOEXEC | O_NOFOLLOW | (last ? O_NOCTTY | O_NONBLOCK : O_DIRECTORY);
        int next = openat(dir, c, flags);
        int e = errno;
        close(dir);
        dir = -1;
        if (next < 0) {
            open_failed(err, path, e);
            break;
        }
        if (last)
            fd = next;
        else
            dir = next;
    }
    if (dir >= 0)
        close(dir);
    g_strfreev(parts);
    return fd < 0 ? -1 : regular_only(fd, path, err);
}

bool jv_web_file_beneath(const char *root, const char *path)
{
    int fd = jv_web_open_beneath(root, path, NULL);
    if (fd < 0)
        return false;
    close(fd);
    return true;
}

char *jv_web_read_beneath(const char *root, const char *path, size_t max_bytes, size_t *len,
                          GError **err)
{
    int fd = jv_web_open_beneath(root, path, err);
    if (fd < 0)
        return NULL;
    struct stat st;
    if (fstat(fd, &st) != 0 || (uint64_t)st.st_size > max_bytes) {
        g_set_error(err, JV_ERROR, JV_ERR_IO, "%s is too large (limit %zu bytes)", path, max_bytes);
        close(fd);
        return NULL;
    }
    GString *s = g_string_sized_new((gsize)st.st_size + 1);
    char buf[65536];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            g_set_error(err, JV_ERROR, JV_ERR_IO, "cannot read %s: %s", path, g_strerror(errno));
            close(fd);
            g_string_free(s, TRUE);
            return NULL;
        }
        if (n == 0)
            break;
        if (s->len + (size_t)n > max_bytes) {
            g_set_error(err, JV_ERROR, JV_ERR_IO, "%s is too large (limit %zu bytes)", path,
                        max_bytes);
            close(fd);
            g_string_free(s, TRUE);
            return NULL;
        }
        g_string_append_len(s, buf, n);
    }
    close(fd);
    if (len)
        *len = s->len;
    return g_string_free(s, FALSE);
}

char **jv_web_manifest_inputs(json_t *manifest, bool *follow)
{
    json_t *params = json_object_get(manifest, "parameters");
    /* The round's inputs are absolute (the run's folders as it resolved them);
     * the parameters hold them as typed, relative to where the run started. */
    json_t *dirs = json_object_get(json_object_get(manifest, "round"), "inputs");
    if (!json_is_array(dirs) || json_array_size(dirs) == 0)
        dirs = json_object_get(params, "input_dirs");
    if (follow)
        *follow = json_is_true(json_object_get(params, "follow_symlinks"));
    GPtrArray *a = g_ptr_array_new();
    if (json_is_string(dirs) && json_string_length(dirs) > 0)
        g_ptr_array_add(a, g_canonicalize_filename(json_string_value(dirs), NULL));
    size_t i;
    json_t *d;
    json_array_foreach(dirs, i, d)
    {
        if (json_is_string(d) && json_string_length(d) > 0)
            g_ptr_array_add(a, g_canonicalize_filename(json_string_value(d), NULL));
    }
    g_ptr_array_add(a, NULL);
    return (char **)g_ptr_array_free(a, FALSE);
}

/* The descriptor of `real` (a resolved path) when one input admits it, else -1 (no error). */
static int open_in_input(const char *input, bool follow, const char *image, const char *real,
                         GError **err)
{
    char *rd = realpath(input, NULL);
    if (!rd)
        return -1;
    int fd = -1;
    if (strcmp(real, rd) == 0 || below(rd, real)) {
        /* Inside the folder or the input file itself: open with no link on the way. */
        fd = jv_web_open_beneath("/", real, err);
    } else if (follow) {
        /* Reached through a linked folder: the record's own path lies in the input, and the
         * photo is not itself a link. */
        char *canon = g_canonicalize_filename(image, NULL);
        struct stat st;
        if (below(input, canon) && lstat(canon, &st) == 0 && S_ISREG(st.st_mode))
            fd = jv_web_open_beneath("/", real, err);
        g_free(canon);
    }
    free(rd);
    return fd;
}

int jv_web_open_photo(char *const *inputs, bool follow, const char *image, char **real,
                      GError **err)
{
    if (!image || !g_path_is_absolute(image))
        return refuse(err, "the record names no absolute photo path");
    if (!inputs || !inputs[0])
        return refuse(err, "the run's manifest records no input folders");
    char *ri = realpath(image, NULL);
    if (!ri)
        return open_failed(err, image, errno);
    int fd = -1;
    GError *e = NULL;
    for (size_t i = 0; inputs[i] && fd < 0 && !e; i++)
        fd = open_in_input(inputs[i], follow, image, ri, &e);
    if (fd < 0 && !e)
        refuse(&e, "%s is not inside the run's input folders", image);
    if (fd < 0) {
        g_propagate_error(err, e);
        free(ri);
        return -1;
    }
    if (real)
        *real = g_strdup(ri);
    free(ri);
    return fd;
}

void jv_web_run_id_make(const char *key, const char *rel, char out[JV_WEB_RUN_ID_LEN])
{
    char *mac =
        g_compute_hmac_for_string(G_CHECKSUM_SHA256, (const guchar *)key, strlen(key), rel, -1);
    memcpy(out, mac, JV_WEB_RUN_ID_LEN - 1);
    out[JV_WEB_RUN_ID_LEN - 1] = '\0';
    g_free(mac);
}
