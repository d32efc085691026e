/* deadline.c - a deadline for each request's headers and body: a watchdog cuts slow clients. */
#include "core/jv.h"

#include <sys/socket.h>

#include "web/deadline.h"

struct watched {
    struct jv_web_deadline *d;
    int fd;
    gint64 deadline; /* monotonic µs; 0 while a response is under way */
};

struct jv_web_deadline {
    GMutex lock;
    GCond wake;
    GHashTable *conns; /* struct watched * (owned) */
    gint64 span;       /* µs */
    bool stopping;
    unsigned int cut;
    GThread *thread;
};

#define TICK_US (100 * 1000)

static gpointer watchdog(gpointer p)
{
    struct jv_web_deadline *d = p;
    g_mutex_lock(&d->lock);
    while (!d->stopping) {
        gint64 now = g_get_monotonic_time();
        GHashTableIter it;
        gpointer k;
        g_hash_table_iter_init(&it, d->conns);
        while (g_hash_table_iter_next(&it, &k, NULL)) {
            struct watched *w = k;
            if (w->deadline == 0 || now < w->deadline)
                continue;
            /* The fd stays open until the CLOSED notice, taken under this lock. */
            (void)shutdown(w->fd, SHUT_RDWR);
            w->deadline = 0;
            d->cut++;
        }
        g_cond_wait_until(&d->wake, &d->lock, now + TICK_US);
    }
    g_mutex_unlock(&d->lock);
    return NULL;
}

struct jv_web_deadline *jv_web_deadline_new(double seconds)
{
    struct jv_web_deadline *d = g_new0(struct jv_web_deadline, 1);
    g_mutex_init(&d->lock);
    g_cond_init(&d->wake);
    d->conns = g_hash_table_new_full(g_direct_hash, g_direct_equal, g_free, NULL);
    d->span = (gint64)(seconds * G_USEC_PER_SEC);
    d->thread = g_thread_new("jv-deadline", watchdog, d);
    return d;
}

void jv_web_deadline_free(struct jv_web_deadline *d)
{
    if (!d)
        return;
    g_mutex_lock(&d->lock);
    d->stopping = true;
    g_cond_signal(&d->wake);
    g_mutex_unlock(&d->lock);
    g_thread_join(d->thread);
    g_hash_table_destroy(d->conns);
    g_cond_clear(&d->wake);
    g_mutex_clear(&d->lock);
    g_free(d);
}

void jv_web_deadline_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                            enum MHD_ConnectionNotificationCode code)
{
    struct jv_web_deadline *d = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        struct watched *w = g_new0(struct watched, 1);
        w->d = d;
        w->fd = ci ? ci->connect_fd : -1;
        w->deadline = w->fd >= 0 ? g_get_monotonic_time() + d->span : 0;
        g_mutex_lock(&d->lock);
        g_hash_table_add(d->conns, w);
        g_mutex_unlock(&d->lock);
        *socket_context = w;
    } else if (code == MHD_CONNECTION_NOTIFY_CLOSED && *socket_context) {
        struct watched *w = *socket_context;
        g_mutex_lock(&d->lock);
        g_hash_table_remove(d->conns, w); /* frees w */
        g_mutex_unlock(&d->lock);
        *socket_context = NULL;
    }
}

static void set_deadline(struct MHD_Connection *conn, bool armed)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    struct watched *w = ci ? ci->socket_context : NULL;
    if (!w)
        return;
    g_mutex_lock(&w->d->lock);
    w->deadline = armed ? g_get_monotonic_time() + w->d->span : 0;
    g_mutex_unlock(&w->d->lock);
}

void jv_web_deadline_request_in(struct MHD_Connection *conn)
{
    set_deadline(conn, false);
}

void jv_web_deadline_request_done(struct MHD_Connection *conn)
{
    set_deadline(conn, true);
}
