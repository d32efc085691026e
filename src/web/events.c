/* events.c - the web server's event hub: numbered events, waiting readers, the progress poller. */
#include "core/jv.h"

#include <sys/stat.h>

#include "core/fsutil.h"
#include "core/limits.h"
#include "web/events.h"

#define JV_EVENTS_KEEP 2000

struct event {
    uint64_t seq;
    char *text;
};

struct jv_web_events {
    GMutex lock;
    GCond cond;
    GQueue queue; /* struct event *, oldest first */
    uint64_t next_seq;
    char *last_progress; /* SSE text */
    char *last_run;      /* SSE text */
    bool closed;
    GThread *poller;
    char *progress_path;
    int interval_ms;
};

struct jv_web_events *jv_web_events_new(void)
{
    struct jv_web_events *ev = g_new0(struct jv_web_events, 1);
    g_mutex_init(&ev->lock);
    g_cond_init(&ev->cond);
    g_queue_init(&ev->queue);
    ev->next_seq = 1;
    return ev;
}

static void event_free(gpointer p)
{
    struct event *e = p;
    g_free(e->text);
    g_free(e);
}

void jv_web_events_close(struct jv_web_events *ev)
{
    g_mutex_lock(&ev->lock);
    ev->closed = true;
    g_cond_broadcast(&ev->cond);
    g_mutex_unlock(&ev->lock);
    if (ev->poller) {
        g_thread_join(ev->poller);
        ev->poller = NULL;
    }
}

bool jv_web_events_closed(struct jv_web_events *ev)
{
    g_mutex_lock(&ev->lock);
    bool c = ev->closed;
    g_mutex_unlock(&ev->lock);
    return c;
}

void jv_web_events_free(struct jv_web_events *ev)
{
    if (!ev)
        return;
    jv_web_events_close(ev);
    g_queue_clear_full(&ev->queue, event_free);
    g_free(ev->last_progress);
    g_free(ev->last_run);
    g_free(ev->progress_path);
    g_mutex_clear(&ev->lock);
    g_cond_clear(&ev->cond);
    g_free(ev);
}

void jv_web_events_push(struct jv_web_events *ev, const char *type, json_t *data)
{
    char *js = json_dumps(data ? data : json_null(), JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(data);
    if (!js)
        return;
    g_mutex_lock(&ev->lock);
    struct event *e = g_new0(struct event, 1);
    e->seq = ev->next_seq++;
    /* JSON from json_dumps has no raw newlines, so one data line suffices. */
    e->text =
        g_strdup_printf("id: %" G_GUINT64_FORMAT "\nevent: %s\ndata: %s\n\n", e->seq, type, js);
    if (strcmp(type, "progress") == 0) {
        g_free(ev->last_progress);
        ev->last_progress = g_strdup(e->text);
    } else if (strcmp(type, "run") == 0) {
        g_free(ev->last_run);
        ev->last_run = g_strdup(e->text);
    }
    g_queue_push_tail(&ev->queue, e);
    while (g_queue_get_length(&ev->queue) > JV_EVENTS_KEEP)
        event_free(g_queue_pop_head(&ev->queue));
    g_cond_broadcast(&ev->cond);
    g_mutex_unlock(&ev->lock);
    free(js);
}

char *jv_web_events_snapshot(struct jv_web_events *ev, uint64_t *seq)
{
    g_mutex_lock(&ev->lock);
    char *s = g_strconcat(ev->last_run ? ev->last_run : "",
                          ev->last_progress ? ev->last_progress : "", NULL);
    *seq = ev->next_seq - 1;
    g_mutex_unlock(&ev->lock);
    if (!*s)
        g_clear_pointer(&s, g_free);
    return s;
}

char *jv_web_events_wait(struct jv_web_events *ev, uint64_t *seq, int timeout_ms)
{
    GString *out = NULL;
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;

    g_mutex_lock(&ev->lock);
    while (!ev->closed && ev->next_seq - 1 <= *seq) {
        if (!g_cond_wait_until(&ev->cond, &ev->lock, deadline))
            break;
    }
    if (!ev->closed) {
        for (GList *l = ev->queue.head; l; l = l->next) {
            struct event *e = l->data;
            if (e->seq <= *seq)
                continue;
            if (!out)
                out = g_string_new(NULL);
            g_string_append(out, e->text);
            *seq = e->seq;
        }
    }
    g_mutex_unlock(&ev->lock);
    return out ? g_string_free(out, FALSE) : NULL;
}

static gpointer poller_main(gpointer data)
{
    struct jv_web_events *ev = data;
    gint64 last_mtime = -1;
    gint64 last_size = -1;
    gint64 last_ino = -1;

    for (;;) {
        g_mutex_lock(&ev->lock);
        gint64 deadline = g_get_monotonic_time() + (gint64)ev->interval_ms * 1000;
        while (!ev->closed && g_cond_wait_until(&ev->cond, &ev->lock, deadline))
            ;
        bool closed = ev->closed;
        g_mutex_unlock(&ev->lock);
        if (closed)
            break;

        struct stat st;
        if (stat(ev->progress_path, &st) != 0)
            continue;
        gint64 mtime = (gint64)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
        if (mtime == last_mtime && (gint64)st.st_size == last_size && (gint64)st.st_ino == last_ino)
            continue;
        char *text = jv_read_file(ev->progress_path, JV_LIMIT_PROGRESS, NULL, NULL);
        if (!text)
            continue;
        json_t *j = json_loads(text, 0, NULL);
        g_free(text);
        if (!j || !json_is_object(j)) {
            /* A half-written file from a writer that does not rename: retry. */
            json_decref(j);
            continue;
        }
        last_mtime = mtime;
        last_size = (gint64)st.st_size;
        last_ino = (gint64)st.st_ino;
        jv_web_events_push(ev, "progress", j);
    }
    return NULL;
}

int jv_web_events_start_poller(struct jv_web_events *ev, const char *progress_path, int interval_ms,
                               GError **err)
{
    g_free(ev->progress_path);
    ev->progress_path = g_strdup(progress_path);
    ev->interval_ms = interval_ms > 0 ? interval_ms : 250;
    ev->poller = g_thread_try_new("jv-progress", poller_main, ev, NULL);
    if (!ev->poller) {
        g_set_error(err, JV_ERROR, JV_ERR_FAILED, "cannot start the progress poller thread");
        return -1;
    }
    return 0;
}
