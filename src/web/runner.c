/* runner.c - the judging run the page starts: its argv from the settings, the child process. */
#include "core/jv.h"

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <gio/gio.h>

#include "outputs/layout.h"
#include "core/fsutil.h"
#include "outputs/round.h"
#include "pipeline/run_config.h"
#include "web/runner.h"

#define JV_LINE_MAX 4096

struct jv_web_runner {
    GMutex lock;
    GCond spawned; /* the reader thread has spawned the child (or failed to) */
    struct jv_web_events *events;
    GSubprocess *proc;
    GThread *reader;
    bool spawn_done;
    GError *spawn_err;
    pid_t adopted;      /* a run found writing a round at start-up, not our child */
    bool stop_watching; /* the adopted run's watcher should return */
    char **argv;
    char *started;
    char *finished;
    int exit_status; /* -1 while running or never ran */
    int term_signal;
    bool running;
    bool cancelled;
};

static bool valid_name(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max)
        return false;
    for (const char *p = s; *p; p++)
        if (!g_ascii_isalnum(*p) && *p != '_' && *p != '-' && *p != '.')
            return false;
    return s[0] != '.' && s[0] != '-';
}

static bool get_bool(json_t *o, const char *key, bool dflt)
{
    json_t *v = json_object_get(o, key);
    return json_is_boolean(v) ? json_is_true(v) : dflt;
}

/* A plain string setting without control characters; "" when absent. */
static int get_str(json_t *o, const char *key, const char **out, GError **err)
{
    json_t *v = json_object_get(o, key);
    *out = "";
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v) || json_string_length(v) > 4096) {
        g_set_error(err, JV_ERROR, JV_ERR_USAGE, "setting '%s' must be a string", key);
        return -1;
    }
    for (const char *p = json_string_value(v); *p; p++)
        if ((unsigned char)*p < 0x20 && *p != '\t') {
            g_set_error(err, JV_ERROR, JV_ERR_USAGE, "setting '%s' has control characters", key);
            return -1;
        }
    *out = json_string_value(v);
    return 0;
}

static int get_num(json_t *o, const char *key, double lo, double hi, double *out, bool *present,
                   GError **err)
{
    json_t *v = json_object_get(o, key);
    *present = false;
    if (!v || json_is_null(v) || (json_is_string(v) && json_string_length(v) == 0))
        return 0;
    double d;
    if (json_is_number(v)) {
        d = json_number_value(v);
    } else if (json_is_string(v)) {
        char *end = NULL;
        d = g_ascii_strtod(json_string_value(v), &end);
        if (!end || *end) {
            g_set_error(err, JV_ERROR, JV_ERR_USAGE, "setting '%s' must be a number", key);
            return -1;
        }
    } else {
        g_set_error(err, JV_ERROR, JV_ERR_USAGE, "setting '%s' must be a number", key);
        return -1;
    }
    if (!(d >= lo && d <= hi)) {
        g_set_error(err, JV_ERROR, JV_ERR_USAGE, "setting '%s' must lie in %g..%g", key, lo, hi);
        return -1;
    }
    *out = d;
    *present = true;
    return 0;
}

/*
 * Appends "--NAME=value" (value non-NULL) or the flag "--NAME" for the run
 * option `o`, found in the run option table (NULL: the table lacks it, a
 * programming error reported as such). Returns 0 or -1.
 */
static int push_opt(GPtrArray *a, const struct jv_option *o, const char *what, const char *value,
                    GError **err)
{
    if (!o) {
        g_set_error(err, JV_ERROR, JV_ERR_FAILED, "no run option for '%s'", what);
        return -1;
    }
    g_ptr_array_add(a, value ? g_strdup_printf("--%s=%s", o->long_name, value)
                             : g_strdup_printf("--%s", o->long_name));
    return 0;
}

/* The run option recorded under manifest `key`, with `value`. */
static int push_key(GPtrArray *a, const char *key, const char *value, GError **err)
{
    return push_opt(a, jv_run_config_option(key), key, value, err);
}

/* The flag that sets the bool recorded under `key` to `on` (--pipeline / --no-pipeline). */
static int push_flag(GPtrArray *a, const char *key, bool on, GError **err)
{
    return push_opt(a, jv_opt_find_flag(jv_run_config_options(), key, on), key, NULL, err);
}

/* The setting `inputs` (an array, or the text box's one folder per line) as -i options. */
static int push_inputs(GPtrArray *a, json_t *settings, GError **err)
{
    json_t *inputs = json_object_get(settings, "inputs");
    if (json_is_string(inputs)) {
        char **lines = g_strsplit(json_string_value(inputs), "\n", -1);
        inputs = json_array();
        for (char **l = lines; *l; l++) {
            char *t = g_strstrip(*l);
            if (*t)
                json_array_append_new(inputs, json_string(t));
        }
        g_strfreev(lines);
    } else {
        json_incref(inputs);
    }
    int rc = 0;
    if (!json_is_array(inputs) || json_array_size(inputs) == 0) {
        g_set_error(err, JV_ERROR, JV_ERR_USAGE, "no input folder given");
        rc = -1;
    }
    size_t i;
    json_t *in;
    json_array_foreach(inputs, i, in)
    {
        const char *p = json_string_value(in);
        if (rc == 0 && (!p || !*p || strchr(p, '\n'))) {
            g_set_error(err, JV_ERROR, JV_ERR_USAGE, "input folder %zu is not a path", i + 1);
            rc = -1;
        }
        if (rc == 0)
            rc = push_key(a, "input_dirs", p, err);
    }
    json_decref(inputs);
    return rc;
}

/* The setting `stages` {iqa, critique, playoff} as --stage and the playoff flag. */
static int push_stages(GPtrArray *a, json_t *settings, GError **err)
{
    json_t *stages = json_object_get(settings, "stages");
    bool iqa = get_bool(stages, "iqa", true);
    bool critique = get_bool(stages, "critique", true);
    bool playoff = get_bool(stages, "playoff", false);
    enum jv_stage_mode mode;
    if (iqa && critique)
        mode = JV_STAGE_FULL;
    else if (iqa && !playoff)
        mode = JV_STAGE_IQA;
    else if (critique && !iqa)
        mode = JV_STAGE_CRITIQUE;
    else if (playoff && !iqa && !critique)
        mode = JV_STAGE_PLAYOFF;
    else {
        g_set_error(err, JV_ERROR, JV_ERR_USAGE,
                    "choose IQA and/or Critique, or the Playoff alone");
        return -1;
    }
    if (push_key(a, "stage", jv_stage_mode_name(mode), err) < 0)
        return -1;
    return push_flag(a, "pairwise", playoff, err);
}

/* The setting `competition`: the registry file and the competition id. */
static int push_competition(GPtrArray *a, json_t *settings, const char *registry, GError **err)
{
    const char *s;
    if (get_str(settings, "competition", &s, err) < 0)
        return -1;
    if (!*s)
        return 0;
    if (!valid_name(s, 128)) {
        g_set_error(err, JV_ERROR, JV_ERR_USAGE, "competition id '%s' is not valid", s);
        return -1;
    }
    if (!registry) {
        g_set_error(err, JV_ERROR, JV_ERR_USAGE, "a competition needs a registry file");
        return -1;
    }
    if (push_key(a, "competition_config", registry, err) < 0)
        return -1;
    return push_key(a, "competition", s, err);
}

/* A numeric setting of the page and the run option it becomes. */
struct num_setting {
    const char *setting;
    const char *key; /* the run option's manifest key */
    double lo, hi;   /* what the page may send */
    bool integer;    /* passed as %d (else %g) */
    bool zero_unset; /* 0 means "not given" */
};

static int push_num(GPtrArray *a, json_t *settings, const struct num_setting *n, GError **err)
{
    double d;
    bool present;
    if (get_num(settings, n->setting, n->lo, n->hi, &d, &present, err) < 0)
        return -1;
    if (!present || (n->zero_unset && d <= 0))
        return 0;
    char *v = n->integer ? g_strdup_printf("%d", (int)d) : g_strdup_printf("%g", d);
    int rc = push_key(a, n->key, v, err);
    g_free(v);
    return rc;
}

/* A string setting of the page as the run option recorded under `key`, when not empty. */
static int push_str(GPtrArray *a, json_t *settings, const char *setting, const char *key,
                    GError **err)
{
    const char *s;
    if (get_str(settings, setting, &s, err) < 0)
        return -1;
    return *s ? push_key(a, key, s, err) : 0;
}

/* Stage 1 and 2 tuning: fast, the IQA service, the playoff's numbers, the server. */
static int push_tuning(GPtrArray *a, json_t *settings, GError **err)
{
    static const struct num_setting nums[] = {
        {"threshold", "pairwise_threshold", 0, 20, false, false},
        {"rounds", "pairwise_rounds", 0, 100, true, true},
        {"concurrency", "concurrency", 1, 256, true, false},
    };
    const char *s;
    if (get_bool(settings, "fast", false) &&
        push_opt(a, jv_opt_find(jv_run_config_options(), "fast"), "fast", NULL, err) < 0)
        return -1;
    if (push_str(a, settings, "iqa_service_url", "iqa_service_url", err) < 0)
        return -1;
    for (size_t i = 0; i < JV_ARRAY_LEN(nums); i++)
        if (push_num(a, settings, &nums[i], err) < 0)
            return -1;
    if (push_flag(a, "pipeline", get_bool(settings, "pipeline", true), err) < 0)
        return -1;
    if (get_str(settings, "base_url", &s, err) < 0)
        return -1;
    char **urls = g_strsplit_set(s, " \t\n,", -1);
    int rc = 0;
    for (char **u = urls; rc == 0 && *u; u++)
        if (**u)
            rc = push_key(a, "base_urls", *u, err);
    g_strfreev(urls);
    if (rc < 0)
        return -1;
    return push_str(a, settings, "model", "model", err);
}

/*
 * The outputs under `outputs`: the round named by the setting `run_name`
 * (its results, summary and log), or, without one, the round the child
 * names itself from the competition or the folders (outputs/round.h); the
 * progress file the page watches and the IQA cache are shared.
 */
static int push_outputs(GPtrArray *a, json_t *settings, const char *outputs, GError **err)
{
    const char *name;
    if (get_str(settings, "run_name", &name, err) < 0)
        return -1;
    if (*name && (!valid_name(name, 64) || strchr(name, '.'))) {
        g_set_error(err, JV_ERROR, JV_ERR_USAGE,
                    "run name '%s' may only hold letters, digits, '_' and '-'", name);
        return -1;
    }
    struct {
        const char *key;
        char *path;
    } paths[] = {
        {"output_dir", g_strdup(outputs)},
        {"round", *name ? g_strdup(name) : NULL},
        {"output_jsonl", *name ? jv_layout_file(outputs, name, JV_FILE_RESULTS) : NULL},
        {"summary", *name ? jv_layout_file(outputs, name, JV_FILE_SUMMARY) : NULL},
        {"progress_file", jv_layout_file(outputs, JV_LAYOUT_SHARED, JV_FILE_PROGRESS)},
        {"iqa_cache", jv_layout_file(outputs, JV_LAYOUT_SHARED, JV_FILE_IQA_CACHE)},
        {"log_file", *name ? jv_layout_file(outputs, name, JV_FILE_LOG) : NULL},
    };
    int rc = 0;
    for (size_t i = 0; i < JV_ARRAY_LEN(paths); i++) {
        if (rc == 0 && paths[i].path)
            rc = push_key(a, paths[i].key, paths[i].path, err);
        g_free(paths[i].path);
    }
    return rc;
}

char **jv_web_run_argv(json_t *settings, const char *self_exe, const char *registry,
                       const char *outputs, GError **err)
{
    if (!json_is_object(settings)) {
        g_set_error(err, JV_ERROR, JV_ERR_USAGE, "settings must be a JSON object");
        return NULL;
    }
    GPtrArray *a = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(a, g_strdup(self_exe));
    g_ptr_array_add(a, g_strdup("run"));
    if (push_inputs(a, settings, err) < 0 || push_stages(a, settings, err) < 0 ||
        push_competition(a, settings, registry, err) < 0 || push_tuning(a, settings, err) < 0 ||
        push_outputs(a, settings, outputs, err) < 0) {
        g_ptr_array_free(a, TRUE);
        return NULL;
    }
    g_ptr_array_add(a, NULL);
    return (char **)g_ptr_array_free(a, FALSE);
}

struct jv_web_runner *jv_web_runner_new(struct jv_web_events *events)
{
    struct jv_web_runner *r = g_new0(struct jv_web_runner, 1);
    g_mutex_init(&r->lock);
    g_cond_init(&r->spawned);
    r->events = events;
    r->exit_status = -1;
    return r;
}

static char *now_iso(void)
{
    GDateTime *dt = g_date_time_new_now_utc();
    char *s = g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ");
    g_date_time_unref(dt);
    return s;
}

static json_t *state_locked(struct jv_web_runner *r)
{
    json_t *argv = json_array();
    for (char **p = r->argv; p && *p; p++)
        json_array_append_new(argv, json_string(*p));
    json_t *j = json_pack("{s:b, s:o, s:b}", "running", r->running, "argv", argv, "cancelled",
                          r->cancelled);
    const char *pid = r->proc && r->running ? g_subprocess_get_identifier(r->proc) : NULL;
    if (r->running && r->adopted > 0)
        json_object_set_new(j, "pid", json_integer(r->adopted));
    else
        json_object_set_new(j, "pid", pid ? json_integer(atoi(pid)) : json_null());
    json_object_set_new(j, "adopted", json_boolean(r->adopted != 0));
    json_object_set_new(j, "started", r->started ? json_string(r->started) : json_null());
    json_object_set_new(j, "finished", r->finished ? json_string(r->finished) : json_null());
    json_object_set_new(j, "exit_status",
                        r->exit_status >= 0 ? json_integer(r->exit_status) : json_null());
    json_object_set_new(j, "signal", r->term_signal ? json_integer(r->term_signal) : json_null());
    return j;
}

json_t *jv_web_runner_state(struct jv_web_runner *r)
{
    g_mutex_lock(&r->lock);
    json_t *j = state_locked(r);
    g_mutex_unlock(&r->lock);
    return j;
}

/* In the child before exec: die with the serve process (its SIGTERM stops the run cleanly). */
static void die_with_parent(gpointer parent)
{
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != (pid_t)GPOINTER_TO_INT(parent))
        _exit(143); /* the parent died before the line above */
}

/*
 * Spawns r->argv from the reader thread: PR_SET_PDEATHSIG fires when the
 * thread that forked the child ends, and this thread lives exactly as long
 * as the child (a connection's thread would end with the request). Tells
 * jv_web_runner_start() how it went. Returns a new reference or NULL.
 */
static GSubprocess *spawn_child(struct jv_web_runner *r)
{
    g_mutex_lock(&r->lock);
    char **argv = g_strdupv(r->argv);
    g_mutex_unlock(&r->lock);
    GSubprocessLauncher *l =
        g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE);
    g_subprocess_launcher_set_child_setup(l, die_with_parent, GINT_TO_POINTER((int)getpid()), NULL);
    GError *e = NULL;
    GSubprocess *proc = g_subprocess_launcher_spawnv(l, (const char *const *)argv, &e);
    g_object_unref(l);
    g_strfreev(argv);
    g_mutex_lock(&r->lock);
    if (proc) {
        /* set here, not by the starter: the child may be gone before the starter wakes */
        g_clear_object(&r->proc);
        r->proc = g_object_ref(proc);
        g_free(r->started);
        r->started = now_iso();
        g_clear_pointer(&r->finished, g_free);
        r->exit_status = -1;
        r->term_signal = 0;
        r->running = true;
        r->cancelled = false;
    }
    r->spawn_err = e;
    r->spawn_done = true;
    g_cond_signal(&r->spawned);
    g_mutex_unlock(&r->lock);
    return proc;
}

/*
 * The reader thread of one child (`data`, the runner): pushes each line of
 * its merged stdout/stderr as a "log" event (cut at JV_LINE_MAX), then waits
 * for it and records its exit status or signal with a final "run" event.
 */
static gpointer reader_main(gpointer data)
{
    struct jv_web_runner *r = data;
    GSubprocess *proc = spawn_child(r);
    if (!proc)
        return NULL;

    GInputStream *out = g_subprocess_get_stdout_pipe(proc);
    GDataInputStream *din = g_data_input_stream_new(out);
    for (;;) {
        gsize len = 0;
        GError *err = NULL;
        char *line = g_data_input_stream_read_line_utf8(din, &len, NULL, &err);
        if (!line) {
            if (err) {
                /* Not UTF-8 or a read error: report once and stop reading. */
                jv_web_events_push(
                    r->events, "log",
                    json_pack("{s:s, s:s}", "stream", "server", "line", err->message));
                g_error_free(err);
            }
            break;
        }
        if (len > JV_LINE_MAX)
            line[JV_LINE_MAX] = '\0';
        jv_web_events_push(r->events, "log",
                           json_pack("{s:s, s:s}", "stream", "child", "line", line));
        g_free(line);
    }
    g_object_unref(din);
    g_subprocess_wait(proc, NULL, NULL);

    g_mutex_lock(&r->lock);
    r->running = false;
    if (g_subprocess_get_if_exited(proc)) {
        r->exit_status = g_subprocess_get_exit_status(proc);
    } else if (g_subprocess_get_if_signaled(proc)) {
        r->term_signal = g_subprocess_get_term_sig(proc);
        r->exit_status = 128 + r->term_signal;
    }
    g_free(r->finished);
    r->finished = now_iso();
    json_t *st = state_locked(r);
    g_mutex_unlock(&r->lock);
    jv_web_events_push(r->events, "run", st);
    g_object_unref(proc);
    return NULL;
}

int jv_web_runner_start(struct jv_web_runner *r, const char *const *argv, GError **err)
{
    int rc = -1;
    GThread *old = NULL;
    g_mutex_lock(&r->lock);
    if (r->running) {
        g_set_error(err, JV_ERROR, JV_ERR_FAILED, "a run is already going");
        goto out;
    }
    old = r->reader;
    r->reader = NULL;
    g_mutex_unlock(&r->lock);
    if (old)
        g_thread_join(old);
    g_mutex_lock(&r->lock);
    if (r->running) {
        g_set_error(err, JV_ERROR, JV_ERR_FAILED, "a run is already going");
        goto out;
    }
    g_strfreev(r->argv);
    r->argv = g_strdupv((char **)argv);
    r->spawn_done = false;
    r->adopted = 0;
    r->reader = g_thread_new("jv-run-reader", reader_main, r);
    while (!r->spawn_done)
        g_cond_wait(&r->spawned, &r->lock);
    if (r->spawn_err) {
        g_set_error(err, JV_ERROR, JV_ERR_IO, "cannot start %s: %s", argv[0],
                    r->spawn_err->message);
        g_clear_error(&r->spawn_err);
        GThread *t = r->reader;
        r->reader = NULL;
        g_mutex_unlock(&r->lock);
        g_thread_join(t);
        return -1;
    }
    json_t *st = state_locked(r);
    g_mutex_unlock(&r->lock);
    jv_web_events_push(r->events, "run", st);
    return 0;
out:
    g_mutex_unlock(&r->lock);
    return rc;
}

bool jv_web_runner_cancel(struct jv_web_runner *r)
{
    bool sent = false;
    g_mutex_lock(&r->lock);
    if (r->running && r->adopted > 0) {
        sent = kill(r->adopted, SIGINT) == 0;
        r->cancelled = sent;
    } else if (r->running && r->proc) {
        g_subprocess_send_signal(r->proc, SIGINT);
        r->cancelled = true;
        sent = true;
    }
    g_mutex_unlock(&r->lock);
    return sent;
}

void jv_web_runner_stop(struct jv_web_runner *r, int grace_ms)
{
    g_mutex_lock(&r->lock);
    bool adopted = r->adopted != 0;
    r->stop_watching = true; /* an adopted run is not ours to stop: just stop watching it */
    g_mutex_unlock(&r->lock);
    if (!adopted && jv_web_runner_cancel(r)) {
        gint64 deadline = g_get_monotonic_time() + (gint64)grace_ms * 1000;
        for (;;) {
            g_mutex_lock(&r->lock);
            bool running = r->running;
            g_mutex_unlock(&r->lock);
            if (!running)
                break;
            if (g_get_monotonic_time() > deadline) {
                g_mutex_lock(&r->lock);
                if (r->running && r->proc)
                    g_subprocess_force_exit(r->proc);
                g_mutex_unlock(&r->lock);
                break;
            }
            g_usleep(20000);
        }
    }
    g_mutex_lock(&r->lock);
    GThread *t = r->reader;
    r->reader = NULL;
    g_mutex_unlock(&r->lock);
    if (t)
        g_thread_join(t);
}

void jv_web_runner_free(struct jv_web_runner *r)
{
    if (!r)
        return;
    jv_web_runner_stop(r, 10000);
    g_clear_object(&r->proc);
    g_strfreev(r->argv);
    g_free(r->started);
    g_free(r->finished);
    g_clear_error(&r->spawn_err);
    g_cond_clear(&r->spawned);
    g_mutex_clear(&r->lock);
    g_free(r);
}

/* Watches an adopted run (`data`, the runner) until its process is gone. */
static gpointer watch_main(gpointer data)
{
    struct jv_web_runner *r = data;
    for (;;) {
        g_mutex_lock(&r->lock);
        pid_t pid = r->adopted;
        bool stop = r->stop_watching;
        g_mutex_unlock(&r->lock);
        if (stop)
            return NULL;
        if (kill(pid, 0) != 0 && errno == ESRCH)
            break;
        g_usleep(200000);
    }
    g_mutex_lock(&r->lock);
    r->running = false; /* not our child: its exit status is not ours to know */
    g_free(r->finished);
    r->finished = now_iso();
    json_t *st = state_locked(r);
    g_mutex_unlock(&r->lock);
    jv_web_events_push(r->events, "run", st);
    return NULL;
}

/* The argv of process `pid` from /proc (owned), or a one-word stand-in. */
static char **proc_argv(pid_t pid)
{
    char *path = g_strdup_printf("/proc/%ld/cmdline", (long)pid);
    char *text = NULL;
    gsize len = 0;
    GPtrArray *a = g_ptr_array_new();
    if (g_file_get_contents(path, &text, &len, NULL))
        for (gsize i = 0; i < len; i += strlen(text + i) + 1)
            g_ptr_array_add(a, jv_path_utf8(text + i));
    if (a->len == 0)
        g_ptr_array_add(a, g_strdup("judge-vision"));
    g_ptr_array_add(a, NULL);
    g_free(text);
    g_free(path);
    return (char **)g_ptr_array_free(a, FALSE);
}

int jv_web_runner_adopt(struct jv_web_runner *r, const char *outputs)
{
    char *dir = g_build_filename(outputs, JV_LAYOUT_RESULTS_DIR, NULL);
    GDir *d = g_dir_open(dir, 0, NULL);
    pid_t found = 0;
    const char *name;
    while (d && !found && (name = g_dir_read_name(d))) {
        if (!g_str_has_suffix(name, ".lock"))
            continue;
        char *path = g_build_filename(dir, name, NULL);
        pid_t pid = jv_round_lock_holder(path);
        if (pid > 0 && pid != getpid())
            found = pid;
        g_free(path);
    }
    if (d)
        g_dir_close(d);
    g_free(dir);
    if (!found)
        return 0;
    g_mutex_lock(&r->lock);
    if (r->running) {
        g_mutex_unlock(&r->lock);
        return 0;
    }
    r->adopted = found;
    r->running = true;
    r->stop_watching = false;
    g_strfreev(r->argv);
    r->argv = proc_argv(found);
    g_free(r->started);
    r->started = NULL;
    r->reader = g_thread_new("jv-run-watch", watch_main, r);
    g_mutex_unlock(&r->lock);
    return (int)found;
}
