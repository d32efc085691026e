/* log.c - the structured JSON-lines run log and the terminal's warnings. */
#include "core/jv.h"

#include <stdarg.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/fsutil.h"
#include "core/log.h"

static GMutex log_lock;
static int log_fd = -1;
static enum jv_log_level log_min = JV_LOG_INFO;
static bool log_quiet;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

int jv_log_open(const char *path, enum jv_log_level min_level, GError **err)
{
    int fd = jv_open_append(path, err);
    if (fd < 0)
        return -1;
    g_mutex_lock(&log_lock);
    if (log_fd >= 0)
        close(log_fd);
    log_fd = fd;
    log_min = min_level;
    g_mutex_unlock(&log_lock);
    return 0;
}

void jv_log_close(void)
{
    g_mutex_lock(&log_lock);
    if (log_fd >= 0)
        close(log_fd);
    log_fd = -1;
    g_mutex_unlock(&log_lock);
}

void jv_log_set_quiet(bool quiet)
{
    log_quiet = quiet;
}

void jv_log_event(enum jv_log_level level, const char *event, json_t *fields)
{
    if (log_fd < 0 || level < log_min) {
        json_decref(fields);
        return;
    }
    char ts[JV_ISO8601_LEN];
    json_t *line = json_object();
    json_object_set_new(line, "ts", json_string(jv_clock_iso8601(jv_clock_wall(), ts)));
    json_object_set_new(line, "level", json_string(level_names[level]));
    json_object_set_new(line, "event", json_string(event));
    if (fields)
        json_object_update(line, fields);
    json_decref(fields);
    char *text = json_dumps(line, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(line);
    if (!text)
        return;
    size_t n = strlen(text);
    char *buf = g_malloc(n + 2);
    memcpy(buf, text, n);
    buf[n] = '\n';
    free(text);
    g_mutex_lock(&log_lock);
    if (log_fd >= 0)
        jv_write_all(log_fd, buf, n + 1, "log", NULL);
    g_mutex_unlock(&log_lock);
    g_free(buf);
}

__attribute__((format(printf, 3, 0))) static void emit(enum jv_log_level level, const char *prefix,
                                                       const char *fmt, va_list ap)
{
    char *msg = g_strdup_vprintf(fmt, ap);
    if (!(level == JV_LOG_INFO && log_quiet)) {
        char *line = g_strdup_printf("judge-vision: %s%s\n", prefix, msg);
        g_mutex_lock(&log_lock);
        fputs(line, stderr);
        fflush(stderr);
        g_mutex_unlock(&log_lock);
        g_free(line);
    }
    jv_log_event(level, "message", json_pack("{s:s}", "message", msg));
    g_free(msg);
}

void jv_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit(JV_LOG_WARN, "warning: ", fmt, ap);
    va_end(ap);
}

void jv_info(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit(JV_LOG_INFO, "", fmt, ap);
    va_end(ap);
}

void jv_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit(JV_LOG_ERROR, "error: ", fmt, ap);
    va_end(ap);
}
