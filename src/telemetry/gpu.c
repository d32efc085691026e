/* gpu.c - GPU telemetry from NVML or nvidia-smi on a sampler thread that never blocks the run. */
#include "core/jv.h"

#include <dlfcn.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>
#include <gio/gio.h>
#include <fcntl.h>

#include "core/clock.h"
#include "core/log.h"
#include "telemetry/gpu.h"

/* The few NVML declarations we need (ABI of nvml.h, stable since CUDA 8). */
typedef int nvml_return_t; /* 0 = NVML_SUCCESS */
typedef struct nvml_device *nvml_device_t;
struct nvml_memory {
    unsigned long long total, free, used;
};
struct nvml_utilization {
    unsigned int gpu, memory;
};
typedef nvml_return_t (*nvml_init_fn)(void);
typedef nvml_return_t (*nvml_shutdown_fn)(void);
typedef nvml_return_t (*nvml_count_fn)(unsigned int *);
typedef nvml_return_t (*nvml_handle_fn)(unsigned int, nvml_device_t *);
typedef nvml_return_t (*nvml_name_fn)(nvml_device_t, char *, unsigned int);
typedef nvml_return_t (*nvml_meminfo_fn)(nvml_device_t, struct nvml_memory *);
typedef nvml_return_t (*nvml_util_fn)(nvml_device_t, struct nvml_utilization *);
typedef nvml_return_t (*nvml_driver_fn)(char *, unsigned int);

struct nvml {
    void *lib;
    nvml_init_fn init;
    nvml_shutdown_fn shutdown;
    nvml_count_fn count;
    nvml_handle_fn handle;
    nvml_name_fn name;
    nvml_meminfo_fn meminfo;
    nvml_util_fn util;
    nvml_driver_fn driver;
    unsigned ndev;
    nvml_device_t dev[64];
};

enum source { SRC_NONE = 0, SRC_NVML, SRC_SMI };

#define MAX_PENDING   8
#define SMI_MAX_BYTES (64 * 1024)
#define MAX_SAMPLES   100000

struct request {
    double t;
    int images_done;
    bool stop;
};

struct jv_gpu {
    enum source src;
    double timeout_s;
    char *smi_path;
    struct nvml nvml;
    json_t *snapshot;
    GAsyncQueue *queue; /* struct request * */
    GThread *thread;
    GMutex lock; /* samples, requested, answered */
    GCond answered_cond;
    json_t *samples;
    unsigned requested, answered;
};

static const char *const smi_args[] = {
    "--query-gpu=name,memory.total,driver_version,utilization.gpu,memory.used",
    "--format=csv,noheader,nounits"};

/* ---- nvidia-smi ---------------------------------------------------------- */

static void child_own_group(gpointer unused)
{
    (void)unused;
    setpgid(0, 0);
}

struct wait_ctx {
    GMainLoop *loop;
    bool done;
};

static void wait_done(GObject *obj, GAsyncResult *res, gpointer data)
{
    struct wait_ctx *w = data;
    g_subprocess_wait_finish(G_SUBPROCESS(obj), res, NULL);
    w->done = true;
    g_main_loop_quit(w->loop);
}

static gboolean wait_timeout(gpointer data)
{
    g_main_loop_quit(data);
    return G_SOURCE_REMOVE;
}

/* Waits for the child to exit for at most `seconds`; true if it did. */
static bool wait_child(GSubprocess *proc, double seconds)
{
    GMainContext *ctx = g_main_context_new();
    g_main_context_push_thread_default(ctx);
    struct wait_ctx w = {g_main_loop_new(ctx, FALSE), false};
    g_subprocess_wait_async(proc, NULL, wait_done, &w);
    GSource *t = g_timeout_source_new((guint)(seconds > 0 ? seconds * 1000 : 0));
    g_source_set_callback(t, wait_timeout, w.loop, NULL);
    g_source_attach(t, ctx);
    g_main_loop_run(w.loop);
    g_source_destroy(t);
    g_source_unref(t);
    while (!w.done && g_main_context_pending(ctx))
        g_main_context_iteration(ctx, FALSE);
    bool done = w.done;
    if (!done) {
        /* kill, then the wait completes promptly */
        const char *id = g_subprocess_get_identifier(proc);
        if (id)
            kill(-(pid_t)atoi(id), SIGKILL);
        g_subprocess_force_exit(proc);
        while (!w.done)
            g_main_context_iteration(ctx, TRUE);
    }
    g_main_loop_unref(w.loop);
    g_main_context_pop_thread_default(ctx);
    g_main_context_unref(ctx);
    return done;
}

/*
 * Runs nvidia-smi with the query and returns its stdout (owned), or NULL with
 * *reason set (owned). Never waits longer than timeout_s (plus a short reap).
 */
static char *run_smi(const char *path, double timeout_s, char **reason)
{
    GError *err = NULL;
    /* our own pipe: the read end stays here (close-on-exec), the launcher
     * owns the write end and closes it when freed, right after the spawn */
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) != 0) {
        *reason = g_strdup_printf("cannot run %s: pipe: %s", path, g_strerror(errno));
        return NULL;
    }
    GSubprocessLauncher *l = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDERR_SILENCE);
    g_subprocess_launcher_take_stdout_fd(l, pfd[1]);
    g_subprocess_launcher_set_child_setup(l, child_own_group, NULL, NULL);
    GSubprocess *proc = g_subprocess_launcher_spawn(l, &err, path, smi_args[0], smi_args[1], NULL);
    g_object_unref(l);
    int fd = pfd[0];
    if (!proc) {
        *reason = g_strdup_printf("cannot run %s: %s", path, err->message);
        g_error_free(err);
        close(fd);
        return NULL;
    }
    const char *id = g_subprocess_get_identifier(proc);
    pid_t pgid = id ? (pid_t)atoi(id) : 0;
    GString *out = g_string_new(NULL);
    double deadline = jv_clock_mono() + timeout_s;
    bool timed_out = false, too_big = false;
    for (;;) {
        double left = deadline - jv_clock_mono();
        if (left <= 0) {
            timed_out = true;
            break;
        }
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int r = poll(&p, 1, (int)ceil(left * 1000));
        if (r < 0 && errno == EINTR)
            continue;
        if (r == 0) {
            timed_out = true;
            break;
        }
        if (r < 0)
            break;
        char buf[4096];
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break; /* EOF or error */
        g_string_append_len(out, buf, n);
        if (out->len > SMI_MAX_BYTES) {
            too_big = true;
            break;
        }
    }
    bool exited = false;
    if (!timed_out && !too_big) {
        double left = deadline - jv_clock_mono();
        exited = wait_child(proc, left > 0.05 ? left : 0.05);
        if (!exited)
            timed_out = true;
    }
    if (!exited) {
        if (pgid > 0)
            kill(-pgid, SIGKILL);
        g_subprocess_force_exit(proc);
        wait_child(proc, 1.0);
    }
    close(fd);
    char *result = NULL;
    if (timed_out)
        *reason = g_strdup_printf("%s did not answer within %.1f s", path, timeout_s);
    else if (too_big)
        *reason = g_strdup_printf("%s wrote more than %d bytes", path, SMI_MAX_BYTES);
    else if (!g_subprocess_get_if_exited(proc) || g_subprocess_get_exit_status(proc) != 0)
        *reason = g_strdup_printf(
            "%s failed (exit status %d)", path,
            g_subprocess_get_if_exited(proc) ? g_subprocess_get_exit_status(proc) : -1);
    else
        result = g_string_free(g_steal_pointer(&out), FALSE);
    if (out)
        g_string_free(out, TRUE);
    g_object_unref(proc);
    return result;
}

/* A figure of nvidia-smi: a number, or null for "[N/A]", "[Not Supported]"... */
static int smi_number(const char *s, json_t **out)
{
    if (s[0] == '[' || g_ascii_strcasecmp(s, "N/A") == 0) {
        *out = json_null();
        return 0;
    }
    char *end;
    errno = 0;
    double v = g_ascii_strtod(s, &end);
    if (end == s || *end != '\0' || errno != 0 || !isfinite(v) || v < 0)
        return -1;
    *out = json_real(v);
    return 0;
}

json_t *jv_gpu_parse_smi_csv(const char *text, GError **err)
{
    json_t *arr = json_array();
    char **lines = g_strsplit(text ? text : "", "\n", -1);
    int lineno = 0;
    for (char **lp = lines; *lp; lp++) {
        lineno++;
        char *line = g_strstrip(*lp);
        if (line[0] == '\0')
            continue;
        char **f = g_strsplit(line, ",", -1);
        guint nf = g_strv_length(f);
        json_t *mt = NULL, *ut = NULL, *mu = NULL;
        bool ok = nf >= 5;
        if (ok) {
            /* the name may itself hold commas: the last four fields are fixed */
            for (guint i = 0; i < nf; i++)
                g_strstrip(f[i]);
            ok = smi_number(f[nf - 4], &mt) == 0 && smi_number(f[nf - 2], &ut) == 0 &&
                 smi_number(f[nf - 1], &mu) == 0 && f[nf - 3][0] != '\0' && f[0][0] != '\0' &&
                 g_utf8_validate(line, -1, NULL);
        }
        if (!ok) {
            char *shown = g_utf8_make_valid(line, MIN((gssize)strlen(line), 80));
            g_set_error(err, JV_ERROR, JV_ERR_PARSE, "unparseable nvidia-smi output, line %d: '%s'",
                        lineno, shown);
            g_free(shown);
            json_decref(mt);
            json_decref(ut);
            json_decref(mu);
            g_strfreev(f);
            g_strfreev(lines);
            json_decref(arr);
            return NULL;
        }
        /* rebuild the name from the leading fields */
        GString *nm = g_string_new(f[0]);
        for (guint i = 1; i + 4 < nf; i++)
            g_string_append_printf(nm, ",%s", f[i]);
        json_array_append_new(arr, json_pack("{s:s, s:o, s:s, s:o, s:o}", "name", nm->str,
                                             "memory_total_mb", mt, "driver", f[nf - 3],
                                             "util_percent", ut, "memory_used_mb", mu));
        g_string_free(nm, TRUE);
        g_strfreev(f);
    }
    g_strfreev(lines);
    if (json_array_size(arr) == 0) {
        g_set_error(err, JV_ERROR, JV_ERR_PARSE, "nvidia-smi printed no GPU line");
        json_decref(arr);
        return NULL;
    }
    return arr;
}

/* ---- NVML ---------------------------------------------------------------- */

/*
 * Loads libnvidia-ml with dlopen and resolves the few symbols we use, then
 * initialises NVML. Returns true, or false with *reason (owned) saying why
 * (no library, a missing symbol, an NVML error), leaving nothing open.
 */
static bool nvml_open(struct nvml *n, char **reason)
{
    n->lib = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!n->lib) {
        const char *e = dlerror();
        *reason = g_strdup_printf("NVML not loadable: %s", e ? e : "dlopen failed");
        return false;
    }
#define SYM(field, type, sym)                                                                      \
    do {                                                                                           \
        void *p_ = dlsym(n->lib, sym);                                                             \
        if (!p_) {                                                                                 \
            *reason = g_strdup_printf("NVML lacks %s", sym);                                       \
            goto fail;                                                                             \
        }                                                                                          \
        memcpy(&n->field, &p_, sizeof p_);                                                         \
    } while (0)
    SYM(init, nvml_init_fn, "nvmlInit_v2");
    SYM(shutdown, nvml_shutdown_fn, "nvmlShutdown");
    SYM(count, nvml_count_fn, "nvmlDeviceGetCount_v2");
    SYM(handle, nvml_handle_fn, "nvmlDeviceGetHandleByIndex_v2");
    SYM(name, nvml_name_fn, "nvmlDeviceGetName");
    SYM(meminfo, nvml_meminfo_fn, "nvmlDeviceGetMemoryInfo");
    SYM(util, nvml_util_fn, "nvmlDeviceGetUtilizationRates");
    SYM(driver, nvml_driver_fn, "nvmlSystemGetDriverVersion");
#undef SYM
    int rc = n->init();
    if (rc != 0) {
        *reason = g_strdup_printf("nvmlInit_v2 failed (NVML error %d)", rc);
        goto fail;
    }
    unsigned cnt = 0;
    rc = n->count(&cnt);
    if (rc != 0 || cnt == 0) {
        *reason = rc != 0 ? g_strdup_printf("nvmlDeviceGetCount_v2 failed (NVML error %d)", rc)
                          : g_strdup("NVML reports no GPU");
        n->shutdown();
        goto fail;
    }
    n->ndev = MIN(cnt, (unsigned)JV_ARRAY_LEN(n->dev));
    for (unsigned i = 0; i < n->ndev; i++) {
        rc = n->handle(i, &n->dev[i]);
        if (rc != 0) {
            *reason =
                g_strdup_printf("nvmlDeviceGetHandleByIndex_v2(%u) failed (NVML error %d)", i, rc);
            n->shutdown();
            goto fail;
        }
    }
    return true;
fail:
    dlclose(n->lib);
    n->lib = NULL;
    return false;
}

static json_t *nvml_snapshot_gpus(struct nvml *n)
{
    char driver[96] = "";
    if (n->driver(driver, sizeof driver) != 0)
        g_strlcpy(driver, "unknown", sizeof driver);
    json_t *gpus = json_array();
    for (unsigned i = 0; i < n->ndev; i++) {
        char name[96] = "";
        struct nvml_memory m = {0};
        if (n->name(n->dev[i], name, sizeof name) != 0)
            g_strlcpy(name, "unknown", sizeof name);
        json_t *total = n->meminfo(n->dev[i], &m) == 0
                            ? json_real((double)m.total / (1024.0 * 1024.0))
                            : json_null();
        json_array_append_new(gpus, json_pack("{s:s, s:o, s:s}", "name", name, "memory_total_mb",
                                              total, "driver", driver));
    }
    return gpus;
}

/* ---- readings ------------------------------------------------------------ */

/*
 * One reading: a new array of {util_percent, memory_used_mb} per GPU, or NULL
 * with *reason (owned).
 */
static json_t *read_figures(struct jv_gpu *g, char **reason)
{
    if (g->src == SRC_NVML) {
        json_t *arr = json_array();
        for (unsigned i = 0; i < g->nvml.ndev; i++) {
            struct nvml_utilization u = {0};
            struct nvml_memory m = {0};
            json_t *ut = g->nvml.util(g->nvml.dev[i], &u) == 0 ? json_real(u.gpu) : json_null();
            json_t *mu = g->nvml.meminfo(g->nvml.dev[i], &m) == 0
                             ? json_real((double)m.used / (1024.0 * 1024.0))
                             : json_null();
            json_array_append_new(
                arr, json_pack("{s:o, s:o}", "util_percent", ut, "memory_used_mb", mu));
        }
        return arr;
    }
    char *text = run_smi(g->smi_path, g->timeout_s, reason);
    if (!text)
        return NULL;
    GError *err = NULL;
    json_t *rows = jv_gpu_parse_smi_csv(text, &err);
    g_free(text);
    if (!rows) {
        *reason = g_strdup(err->message);
        g_error_free(err);
        return NULL;
    }
    json_t *arr = json_array();
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        json_array_append_new(arr, json_pack("{s:O, s:O}", "util_percent",
                                             json_object_get(row, "util_percent"), "memory_used_mb",
                                             json_object_get(row, "memory_used_mb")));
    }
    json_decref(rows);
    return arr;
}

static json_t *make_sample(struct jv_gpu *g, const struct request *r)
{
    char *reason = NULL;
    json_t *per = read_figures(g, &reason);
    json_t *s = json_pack("{s:f, s:i}", "t", r->t, "images_done", r->images_done);
    if (!per) {
        json_object_set_new(s, "util_percent", json_null());
        json_object_set_new(s, "memory_used_mb", json_null());
        json_object_set_new(s, "error", json_string(reason));
        g_free(reason);
        return s;
    }
    double util = 0, mem = 0;
    int nu = 0, nm = 0;
    size_t i;
    json_t *p;
    json_array_foreach(per, i, p)
    {
        json_t *u = json_object_get(p, "util_percent"), *m = json_object_get(p, "memory_used_mb");
        if (json_is_number(u)) {
            util += json_number_value(u);
            nu++;
        }
        if (json_is_number(m)) {
            mem += json_number_value(m);
            nm++;
        }
    }
    json_object_set_new(s, "util_percent", nu ? json_real(util / nu) : json_null());
    json_object_set_new(s, "memory_used_mb", nm ? json_real(mem) : json_null());
    if (json_array_size(per) > 1)
        json_object_set_new(s, "per_gpu", per);
    else
        json_decref(per);
    return s;
}

static gpointer sampler_main(gpointer data)
{
    struct jv_gpu *g = data;
    for (;;) {
        struct request *r = g_async_queue_pop(g->queue);
        if (r->stop) {
            g_free(r);
            break;
        }
        json_t *s = make_sample(g, r);
        g_free(r);
        jv_log_event(JV_LOG_INFO, "gpu_sample", json_deep_copy(s));
        g_mutex_lock(&g->lock);
        if (json_array_size(g->samples) < MAX_SAMPLES)
            json_array_append_new(g->samples, s);
        else
            json_decref(s);
        g->answered++;
        g_cond_broadcast(&g->answered_cond);
        g_mutex_unlock(&g->lock);
    }
    return NULL;
}

/* ---- public -------------------------------------------------------------- */

struct jv_gpu *jv_gpu_open(void)
{
    return jv_gpu_open_full(0, JV_GPU_DEFAULT_TIMEOUT_S);
}

struct jv_gpu *jv_gpu_open_full(unsigned flags, double timeout_s)
{
    struct jv_gpu *g = g_new0(struct jv_gpu, 1);
    g->timeout_s = timeout_s > 0 ? timeout_s : JV_GPU_DEFAULT_TIMEOUT_S;
    g_mutex_init(&g->lock);
    g_cond_init(&g->answered_cond);
    g->samples = json_array();
    char *nvml_reason = NULL, *smi_reason = NULL;

    if (!(flags & JV_GPU_NO_NVML) && nvml_open(&g->nvml, &nvml_reason)) {
        g->src = SRC_NVML;
        g->snapshot = json_pack("{s:b, s:s, s:o}", "available", 1, "source", "nvml", "gpus",
                                nvml_snapshot_gpus(&g->nvml));
    } else {
        if (!nvml_reason)
            nvml_reason = g_strdup("NVML skipped");
        g->smi_path = g_find_program_in_path("nvidia-smi");
        if (!g->smi_path) {
            smi_reason = g_strdup("nvidia-smi not found on PATH");
        } else {
            char *text = run_smi(g->smi_path, g->timeout_s, &smi_reason);
            if (text) {
                GError *err = NULL;
                json_t *rows = jv_gpu_parse_smi_csv(text, &err);
                if (rows) {
                    json_t *gpus = json_array();
                    size_t i;
                    json_t *row;
                    json_array_foreach(rows, i, row)
                    {
                        json_array_append_new(
                            gpus,
                            json_pack("{s:O, s:O, s:O}", "name", json_object_get(row, "name"),
                                      "memory_total_mb", json_object_get(row, "memory_total_mb"),
                                      "driver", json_object_get(row, "driver")));
                    }
                    json_decref(rows);
                    g->src = SRC_SMI;
                    g->snapshot = json_pack("{s:b, s:s, s:o}", "available", 1, "source",
                                            "nvidia-smi", "gpus", gpus);
                } else {
                    smi_reason = g_strdup(err->message);
                    g_error_free(err);
                }
                g_free(text);
            }
        }
    }
    if (g->src == SRC_NONE) {
        char *reason = g_strdup_printf("%s; %s", nvml_reason, smi_reason);
        g->snapshot = json_pack("{s:b, s:s}", "available", 0, "reason", reason);
        g_free(reason);
    }
    g_free(nvml_reason);
    g_free(smi_reason);
    jv_log_event(JV_LOG_INFO, "gpu_probe", json_deep_copy(g->snapshot));
    if (g->src != SRC_NONE && !(flags & JV_GPU_NO_SAMPLER)) {
        g->queue = g_async_queue_new();
        g->thread = g_thread_new("jv-gpu", sampler_main, g);
    }
    return g;
}

bool jv_gpu_available(const struct jv_gpu *g)
{
    return g && g->src != SRC_NONE;
}

json_t *jv_gpu_snapshot(struct jv_gpu *g)
{
    return json_deep_copy(g->snapshot);
}

void jv_gpu_request_sample(struct jv_gpu *g, double t, int images_done)
{
    if (!g || !g->queue)
        return;
    g_mutex_lock(&g->lock);
    bool behind = g->requested - g->answered >= MAX_PENDING;
    if (!behind)
        g->requested++;
    g_mutex_unlock(&g->lock);
    if (behind)
        return;
    struct request *r = g_new0(struct request, 1);
    r->t = t;
    r->images_done = images_done;
    g_async_queue_push(g->queue, r);
}

bool jv_gpu_flush(struct jv_gpu *g, double timeout_s)
{
    if (!g || !g->queue)
        return true;
    gint64 end = g_get_monotonic_time() + (gint64)(timeout_s * G_USEC_PER_SEC);
    g_mutex_lock(&g->lock);
    bool ok = true;
    while (g->answered < g->requested) {
        if (!g_cond_wait_until(&g->answered_cond, &g->lock, end)) {
            ok = g->answered >= g->requested;
            break;
        }
    }
    g_mutex_unlock(&g->lock);
    return ok;
}

json_t *jv_gpu_samples(struct jv_gpu *g)
{
    if (!g)
        return json_array();
    g_mutex_lock(&g->lock);
    json_t *copy = json_deep_copy(g->samples);
    g_mutex_unlock(&g->lock);
    return copy;
}

void jv_gpu_close(struct jv_gpu *g)
{
    if (!g)
        return;
    if (g->thread) {
        /* drop what is still queued, then stop after the reading in progress */
        struct request *r;
        while ((r = g_async_queue_try_pop(g->queue)) != NULL)
            g_free(r);
        struct request *stop = g_new0(struct request, 1);
        stop->stop = true;
        g_async_queue_push(g->queue, stop);
        g_thread_join(g->thread);
        g_async_queue_unref(g->queue);
    }
    if (g->src == SRC_NVML) {
        g->nvml.shutdown();
        dlclose(g->nvml.lib);
    }
    json_decref(g->snapshot);
    json_decref(g->samples);
    g_free(g->smi_path);
    g_mutex_clear(&g->lock);
    g_cond_clear(&g->answered_cond);
    g_free(g);
}
