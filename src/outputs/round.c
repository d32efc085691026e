/* round.c - a round's default name, its writer lock and its manifest entry. */
#include "core/jv.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fsutil.h"
#include "core/limits.h"
#include "outputs/layout.h"
#include "outputs/round.h"

#define NAME_ROOM 56 /* of the 64 a name may have: room for "-N" */

static json_t *abs_inputs(const char *const *inputs)
{
    json_t *a = json_array();
    for (size_t i = 0; inputs && inputs[i]; i++) {
        char *p = jv_abspath(inputs[i]);
        char *u = jv_path_utf8(p);
        json_array_append_new(a, json_string(u));
        g_free(u);
        g_free(p);
    }
    return a;
}

json_t *jv_round_json(const char *name, const char *competition, const char *const *inputs)
{
    return json_pack("{s:s, s:o, s:s?}", "name", name, "inputs", abs_inputs(inputs), "competition",
                     competition);
}

/*
 * True for a name this module gives from `stem`: the stem itself or the stem
 * with "-N"; with `dated`, the stem ("<competition>_") and any date after it.
 */
static bool named_from(const char *name, const char *stem, bool dated)
{
    if (!g_str_has_prefix(name, stem))
        return false;
    const char *rest = name + strlen(stem);
    if (dated)
        return strlen(rest) >= 10 && g_ascii_isdigit(rest[0]);
    if (*rest == '\0')
        return true;
    if (*rest++ != '-' || !*rest)
        return false;
    for (; *rest; rest++)
        if (!g_ascii_isdigit(*rest))
            return false;
    return true;
}

/*
 * The name of the round in `dir`/results that judged these inputs last
 * among those named from `stem` (a round named with --round is not taken
 * over by a run without one), or NULL.
 */
static char *matching_round(const char *dir, const json_t *want, const char *stem, bool dated)
{
    char *results = g_build_filename(dir, JV_LAYOUT_RESULTS_DIR, NULL);
    GDir *d = g_dir_open(results, 0, NULL);
    char *best = NULL;
    gint64 best_mtime = 0;
    const char *name;
    while (d && (name = g_dir_read_name(d))) {
        if (!g_str_has_suffix(name, ".metadata.json"))
            continue;
        char *path = g_build_filename(results, name, NULL);
        char *text = jv_read_file(path, JV_LIMIT_MANIFEST, NULL, NULL);
        json_t *m = text ? json_loads(text, 0, NULL) : NULL;
        json_t *round = json_object_get(m, "round");
        const char *rn = json_string_value(json_object_get(round, "name"));
        struct stat st;
        const char *comp = json_string_value(json_object_get(round, "competition"));
        const char *want_comp = json_string_value(json_object_get(want, "competition"));
        if (rn && jv_layout_round_name_valid(rn) && named_from(rn, stem, dated) &&
            g_strcmp0(comp, want_comp) == 0 &&
            json_equal(json_object_get(round, "inputs"), json_object_get(want, "inputs")) &&
            stat(path, &st) == 0 && (!best || (gint64)st.st_mtime >= best_mtime)) {
            g_free(best);
            best = g_strdup(rn);
            best_mtime = (gint64)st.st_mtime;
        }
        json_decref(m);
        g_free(text);
        g_free(path);
    }
    if (d)
        g_dir_close(d);
    g_free(results);
    return best;
}

/* `s` with every character a round name may not hold as '_', appended to `out`. */
static void append_clean(GString *out, const char *s)
{
    for (const char *p = s; *p && out->len < NAME_ROOM; p++)
        g_string_append_c(out, g_ascii_isalnum(*p) || strchr("_.-", *p) ? *p : '_');
}

/* The stem of a new round's name: "<competition>_", else the folders' names joined by '+'. */
static char *name_stem(const char *competition, const char *const *inputs)
{
    GString *s = g_string_new(NULL);
    if (competition) {
        append_clean(s, competition);
        g_string_append_c(s, '_');
    } else {
        for (size_t i = 0; inputs && inputs[i]; i++) {
            char *abs = jv_abspath(inputs[i]);
            char *base = g_path_get_basename(abs);
            if (s->len)
                g_string_append_c(s, '+');
            append_clean(s, base);
            g_free(base);
            g_free(abs);
        }
    }
    while (s->len && (s->str[0] == '.' || s->str[0] == '-'))
        g_string_erase(s, 0, 1);
    if (!jv_layout_round_name_valid(s->str))
        g_string_assign(s, JV_LAYOUT_SHARED);
    return g_string_free(s, FALSE);
}

/* True when a round of this name has files in `dir` already. */
static bool taken(const char *dir, const char *name)
{
    char *res = jv_layout_file(dir, name, JV_FILE_RESULTS);
    char *man = jv_layout_manifest_path(res);
    char *lock = jv_layout_lock_path(res);
    bool t = g_file_test(res, G_FILE_TEST_EXISTS) || g_file_test(man, G_FILE_TEST_EXISTS) ||
             g_file_test(lock, G_FILE_TEST_EXISTS);
    g_free(lock);
    g_free(man);
    g_free(res);
    return t;
}

char *jv_round_default_name(const char *dir, const char *competition, const char *const *inputs)
{
    char *stem = name_stem(competition, inputs);
    json_t *want = jv_round_json("", competition, inputs);
    char *name = matching_round(dir, want, stem, competition != NULL);
    json_decref(want);
    if (name) {
        g_free(stem);
        return name;
    }
    char *base = g_strdup(stem);
    if (competition) {
        GDateTime *now = g_date_time_new_now_local();
        char *day = g_date_time_format(now, "%Y-%m-%d");
        g_free(base);
        base = g_strconcat(stem, day, NULL);
        g_free(day);
        g_date_time_unref(now);
    }
    name = g_strdup(base);
    for (int n = 2; taken(dir, name); n++) {
        g_free(name);
        name = g_strdup_printf("%s-%d", base, n);
    }
    g_free(base);
    g_free(stem);
    return name;
}

int jv_round_lock_take(struct jv_round_lock *l, const char *results, const char *round,
                       GError **err)
{
    l->fd = -1;
    l->path = jv_layout_lock_path(results);
    if (jv_mkdir_parents(l->path, err) < 0)
        return -1;
    int fd = open(l->path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        g_set_error(err, JV_ERROR, JV_ERR_IO, "cannot open the round's lock %s: %s", l->path,
                    g_strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        char buf[32] = {0};
        ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
        long pid = n > 0 ? strtol(buf, NULL, 10) : 0;
        close(fd);
        if (e == EWOULDBLOCK)
            g_set_error(err, JV_ERROR, JV_ERR_FAILED,
                        "another judge-vision run (pid %ld) is writing %s", pid, round);
        else
            g_set_error(err, JV_ERROR, JV_ERR_IO, "cannot lock %s: %s", l->path, g_strerror(e));
        return -1;
    }
    char pid[32];
    int len = g_snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)len, 0) != len) {
        g_set_error(err, JV_ERROR, JV_ERR_IO, "cannot write %s: %s", l->path, g_strerror(errno));
        close(fd);
        return -1;
    }
    l->fd = fd;
    return 0;
}

void jv_round_lock_release(struct jv_round_lock *l)
{
    if (l->fd >= 0) {
        if (ftruncate(l->fd, 0) != 0) {
            /* the pid stays in the file: harmless, nobody holds the lock */
        }
        close(l->fd);
    }
    g_free(l->path);
    l->path = NULL;
    l->fd = -1;
}

pid_t jv_round_lock_holder(const char *lock_path)
{
    int fd = open(lock_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return 0;
    pid_t pid = 0;
    if (flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK) {
        char buf[32] = {0};
        ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
        pid = n > 0 ? (pid_t)strtol(buf, NULL, 10) : 0;
        if (pid <= 0)
            pid = -1; /* held, pid not yet written */
    }
    close(fd);
    return pid;
}
