/* progress.c - the progress file and the terminal's progress line. */
#include "core/jv.h"

#include <unistd.h>

#include "core/clock.h"
#include "core/fsutil.h"
#include "core/log.h"
#include "outputs/progress.h"

static const char *const stage_keys[JV_PROG_NSTAGES] = {"iqa", "critique", "pairwise"};

void jv_progress_init(struct jv_progress *p, const char *path, bool quiet)
{
    memset(p, 0, sizeof *p);
    p->path = g_strdup(path);
    p->history = json_array();
    p->status = g_strdup("idle");
    p->phase = g_strdup("start");
    p->message = g_strdup("");
    p->started = jv_clock_mono();
    p->quiet = quiet;
    p->interactive = !quiet && isatty(STDERR_FILENO);
}

void jv_progress_release(struct jv_progress *p)
{
    g_free(p->path);
    json_decref(p->history);
    g_free(p->status);
    g_free(p->phase);
    g_free(p->message);
    g_free(p->current_image);
    memset(p, 0, sizeof *p);
}

static void set(char **dst, const char *v)
{
    char *copy = g_strdup(v ? v : "");
    g_free(*dst);
    *dst = copy;
}

static size_t sum(const size_t *v)
{
    size_t s = 0;
    for (int i = 0; i < JV_PROG_NSTAGES; i++)
        s += v[i];
    return s;
}

/* ETA from the rate of the slowest running stage (items left / items per second). */
static double eta_seconds(const struct jv_progress *p)
{
    double now = jv_clock_mono(), eta = -1;
    for (int i = 0; i < JV_PROG_NSTAGES; i++) {
        if (p->total[i] == 0 || p->done[i] == 0 || p->done[i] >= p->total[i])
            continue;
        double rate = (double)p->done[i] / (now - p->stage_started[i]);
        double left = (double)(p->total[i] - p->done[i]) / rate;
        if (left > eta)
            eta = left;
    }
    return eta;
}

void jv_progress_write(struct jv_progress *p)
{
    char ts[JV_ISO8601_LEN];
    json_t *stages = json_object();
    for (int i = 0; i < JV_PROG_NSTAGES; i++)
        json_object_set_new(stages, stage_keys[i],
                            json_pack("{s:I,s:I}", "done", (json_int_t)p->done[i], "total",
                                      (json_int_t)p->total[i]));
    double eta = eta_seconds(p);
    json_t *j = json_object();
    json_object_set_new(j, "total", json_integer((json_int_t)sum(p->total)));
    json_object_set_new(j, "processed", json_integer((json_int_t)sum(p->done)));
    json_object_set_new(j, "current_image",
                        p->current_image ? json_string(p->current_image) : json_null());
    json_object_set_new(j, "status", json_string(p->status));
    json_object_set_new(j, "message", json_string(p->message));
    json_object_set_new(j, "phase", json_string(p->phase));
    json_object_set_new(j, "history", json_incref(p->history));
    json_object_set_new(j, "stages", stages);
    json_object_set_new(j, "eta_seconds", eta >= 0 ? json_real(eta) : json_null());
    json_object_set_new(j, "elapsed_seconds", json_real(jv_clock_mono() - p->started));
    json_object_set_new(j, "updated", json_string(jv_clock_iso8601(jv_clock_wall(), ts)));
    json_object_set_new(j, "pid", json_integer(getpid()));
    if (p->in_flight_limit > 0)
        json_object_set_new(
            j, "in_flight",
            json_pack("{s:i,s:i}", "now", p->in_flight, "limit", p->in_flight_limit));
    char *text = json_dumps(j, JSON_INDENT(1) | JSON_ENSURE_ASCII);
    json_decref(j);
    GError *err = NULL;
    static bool warned;
    if (jv_write_file_replace(p->path, text, strlen(text), &err) < 0) {
        if (!warned)
            jv_warn("progress file: %s", err->message);
        warned = true;
        g_error_free(err);
    }
    free(text);
    p->last_write = jv_clock_mono();
}

static void draw_line(struct jv_progress *p, int s)
{
    if (p->quiet)
        return;
    double elapsed = jv_clock_mono() - p->stage_started[s];
    double rate = elapsed > 0 ? (double)p->done[s] / elapsed : 0;
    double eta = eta_seconds(p);
    char etabuf[64] = "";
    int at = 0;
    if (p->in_flight_limit > 0 && s == JV_PROG_CRITIQUE)
        at = snprintf(etabuf, sizeof etabuf, ", %d in flight", p->in_flight);
    if (eta >= 0)
        snprintf(etabuf + at, sizeof etabuf - (size_t)at, ", ETA %.0fs", eta);
    /* Plain lines (not a terminal) at most once a second, and at the end. */
    double now = jv_clock_mono();
    if (!p->interactive && p->done[s] < p->total[s] && now - p->last_line[s] < 1.0)
        return;
    p->last_line[s] = now;
    if (p->interactive) {
        fprintf(stderr, "\r\033[K%s %zu/%zu (%.2f/s%s) %s", stage_keys[s], p->done[s], p->total[s],
                rate, etabuf, p->current_image ? p->current_image : "");
        p->line_open = true;
    } else {
        fprintf(stderr, "judge-vision: %s %zu/%zu (%.2f/s%s) %s\n", stage_keys[s], p->done[s],
                p->total[s], rate, etabuf, p->current_image ? p->current_image : "");
    }
    fflush(stderr);
}

void jv_progress_finish_line(struct jv_progress *p)
{
    if (p->interactive && p->line_open) {
        fputc('\n', stderr);
        fflush(stderr);
    }
    p->line_open = false;
}

void jv_progress_phase(struct jv_progress *p, const char *phase, const char *status,
                       const char *message)
{
    char ts[JV_ISO8601_LEN];
    set(&p->phase, phase);
    set(&p->status, status);
    set(&p->message, message);
    json_array_append_new(p->history,
                          json_pack("{s:s,s:s,s:I,s:I,s:s,s:s}", "phase", phase, "status", status,
                                    "processed", (json_int_t)sum(p->done), "total",
                                    (json_int_t)sum(p->total), "message", message ? message : "",
                                    "timestamp", jv_clock_iso8601(jv_clock_wall(), ts)));
    jv_progress_write(p);
}

void jv_progress_set_in_flight(struct jv_progress *p, int in_flight, int limit)
{
    p->in_flight = in_flight;
    p->in_flight_limit = limit;
}

void jv_progress_set_total(struct jv_progress *p, enum jv_progress_stage s, size_t total)
{
    p->total[s] = total;
    p->stage_started[s] = jv_clock_mono();
}

void jv_progress_step(struct jv_progress *p, enum jv_progress_stage s, const char *image,
                      const char *message)
{
    p->done[s]++;
    if (image) {
        g_free(p->current_image);
        p->current_image = g_strdup(image);
    }
    if (message)
        set(&p->message, message);
    jv_progress_write(p);
    draw_line(p, s);
}
