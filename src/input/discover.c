/*
 * discover.c - directory walk for the entries (see discover.h).
 */
#include "core/jv.h"

#include <dirent.h>
#include <sys/stat.h>

#include "core/fsutil.h"
#include "core/log.h"
#include "input/discover.h"

static const char *const extensions[] = {".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp"};

/* Case-insensitive substring search over bytes (names need not be UTF-8). */
static bool contains_ci(const char *s, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    for (size_t i = 0; i + m <= n; i++)
        if (g_ascii_strncasecmp(s + i, needle, m) == 0)
            return true;
    return false;
}

bool jv_discover_is_candidate(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (!dot || dot == name)
        return false;
    bool ext_ok = false;
    for (size_t i = 0; i < JV_ARRAY_LEN(extensions); i++)
        ext_ok = ext_ok || g_ascii_strcasecmp(dot, extensions[i]) == 0;
    if (!ext_ok)
        return false;
    size_t stem = (size_t)(dot - name);
    return !contains_ci(name, stem, "_lab_") && !contains_ci(name, stem, "backup");
}

struct walk {
    GPtrArray *out;
    GHashTable *visited; /* "dev:ino" of directories entered */
    GPtrArray *roots;    /* the input directories, symlinks resolved */
    bool recursive;
    bool follow_symlinks;
};

/* True when the resolved path `real` lies in one of the input trees. */
static bool inside_roots(const struct walk *w, const char *real)
{
    for (guint i = 0; i < w->roots->len; i++) {
        const char *root = w->roots->pdata[i];
        size_t n = strlen(root);
        if (strncmp(real, root, n) == 0 &&
            (real[n] == '\0' || real[n] == '/' || (n > 0 && root[n - 1] == '/')))
            return true;
    }
    return false;
}

/* What a non-regular file is, for the message that skips it. */
static const char *kind_of(mode_t mode)
{
    if (S_ISFIFO(mode))
        return "a FIFO";
    if (S_ISCHR(mode) || S_ISBLK(mode))
        return "a device";
    if (S_ISSOCK(mode))
        return "a socket";
    return "not a regular file";
}

/*
 * Whether the symlink `child` may be followed: without --follow-symlinks
 * only when it resolves inside an input tree (a link to /root must not send
 * its files to the VLM). Says why when it is not. A dangling link is left to
 * the caller's stat().
 */
static bool link_allowed(const struct walk *w, const char *child)
{
    if (w->follow_symlinks)
        return true;
    char *real = realpath(child, NULL);
    if (!real)
        return true;
    bool ok = inside_roots(w, real);
    if (!ok) {
        char *name = jv_path_utf8(child), *target = jv_path_utf8(real);
        jv_warn("skipping %s: a symbolic link to %s, outside the input folders "
                "(--follow-symlinks follows it)",
                name, target);
        g_free(name);
        g_free(target);
    }
    free(real);
    return ok;
}

/* Returns false if the directory was already entered (a loop or a repeat). */
static bool mark_visited(struct walk *w, const struct stat *st)
{
    char *key = g_strdup_printf("%ju:%ju", (uintmax_t)st->st_dev, (uintmax_t)st->st_ino);
    if (g_hash_table_contains(w->visited, key)) {
        g_free(key);
        return false;
    }
    g_hash_table_add(w->visited, key);
    return true;
}

static int cmp_paths(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Walks `dir` (already marked visited). Returns -1 only when it cannot be
 * opened and `top` (the user named it), so that the error names it. */
static int walk_dir(struct walk *w, const char *dir, bool top, GError **err)
{
    DIR *d = opendir(dir);
    if (!d) {
        int e = errno;
        if (top) {
            g_set_error(err, JV_ERROR, JV_ERR_IO, "cannot read input directory %s: %s", dir,
                        g_strerror(e));
            return -1;
        }
        jv_warn("skipping unreadable directory %s: %s", dir, g_strerror(e));
        return 0;
    }
    /* Subdirectories are entered after the listing is closed, so an open
     * DIR per level never piles up on deep trees. */
    GPtrArray *subdirs = g_ptr_array_new_with_free_func(g_free);
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char *child = g_build_filename(dir, de->d_name, NULL);
        struct stat st;
        if (lstat(child, &st) == 0 && S_ISLNK(st.st_mode) && !link_allowed(w, child)) {
            g_free(child);
            continue;
        }
        if (stat(child, &st) != 0) {
            jv_warn("skipping %s: %s", child, g_strerror(errno));
            g_free(child);
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            if (w->recursive && mark_visited(w, &st)) {
                g_ptr_array_add(subdirs, child);
                child = NULL;
            }
        } else if (jv_discover_is_candidate(de->d_name)) {
            if (S_ISREG(st.st_mode)) {
                g_ptr_array_add(w->out, child);
                child = NULL;
            } else {
                char *name = jv_path_utf8(child);
                jv_warn("skipping %s: %s, not a photo file", name, kind_of(st.st_mode));
                g_free(name);
            }
        }
        g_free(child);
    }
    closedir(d);
    /* readdir order is arbitrary; sorting makes the choice between two
     * aliases of one directory (via symlinks) the same on every run. */
    g_ptr_array_sort(subdirs, cmp_paths);
    for (guint i = 0; i < subdirs->len; i++)
        walk_dir(w, subdirs->pdata[i], false, NULL);
    g_ptr_array_free(subdirs, TRUE);
    return 0;
}

GPtrArray *jv_discover(const char *const *inputs, bool recursive, bool follow_symlinks,
                       GError **err)
{
    struct walk w = {
        .out = g_ptr_array_new_with_free_func(g_free),
        .visited = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL),
        .roots = g_ptr_array_new_with_free_func(free),
        .recursive = recursive,
        .follow_symlinks = follow_symlinks,
    };
    /* Input directories are claimed before any walk, so that a symlink
     * inside one input leading to another input does not walk that input
     * under the symlink's name. */
    for (size_t i = 0; inputs && inputs[i]; i++) {
        struct stat st;
        if (stat(inputs[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            mark_visited(&w, &st);
            char *real = realpath(inputs[i], NULL);
            if (real)
                g_ptr_array_add(w.roots, real);
        }
    }
    GHashTable *walked = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    for (size_t i = 0; inputs && inputs[i]; i++) {
        char *abs = jv_abspath(inputs[i]);
        struct stat st;
        if (stat(abs, &st) != 0) {
            int e = errno;
            g_set_error(err, JV_ERROR, e == ENOENT ? JV_ERR_NOT_FOUND : JV_ERR_IO, "input %s: %s",
                        inputs[i], g_strerror(e));
            g_free(abs);
            goto fail;
        }
        if (S_ISDIR(st.st_mode)) {
            /* The same directory named twice is walked once. */
            char *key = g_strdup_printf("%ju:%ju", (uintmax_t)st.st_dev, (uintmax_t)st.st_ino);
            bool first = g_hash_table_add(walked, key);
            int rc = first ? walk_dir(&w, abs, true, err) : 0;
            g_free(abs);
            if (rc != 0)
                goto fail;
        } else {
            char *name = g_path_get_basename(abs);
            if (S_ISREG(st.st_mode) && jv_discover_is_candidate(name)) {
                g_ptr_array_add(w.out, abs);
            } else if (!S_ISREG(st.st_mode)) {
                jv_warn("skipping input %s: %s, not a photo file", inputs[i], kind_of(st.st_mode));
                g_free(abs);
            } else {
                jv_warn("skipping input %s: not a supported image file name", inputs[i]);
                g_free(abs);
            }
            g_free(name);
        }
    }
    g_hash_table_destroy(walked);
    g_hash_table_destroy(w.visited);
    g_ptr_array_free(w.roots, TRUE);
    g_ptr_array_sort(w.out, cmp_paths);
    /* Sorted, so duplicates (a file named twice) are neighbours. */
    for (guint i = 1; i < w.out->len;) {
        if (strcmp(w.out->pdata[i - 1], w.out->pdata[i]) == 0)
            g_ptr_array_remove_index(w.out, i);
        else
            i++;
    }
    return w.out;
fail:
    g_hash_table_destroy(walked);
    g_hash_table_destroy(w.visited);
    g_ptr_array_free(w.roots, TRUE);
    g_ptr_array_free(w.out, TRUE);
    return NULL;
}
