/*
 * deadline.h - a deadline for each request's headers and body, against slow
 * clients (doc/SPEC.md 6).
 *
 * libmicrohttpd's connection timeout counts idle time only, so a client that
 * trickles a byte now and then holds its connection (and, one thread per
 * connection, a thread) for ever. Here every connection is watched from the
 * moment it is accepted, and again from the end of each request while it
 * waits for the next one: the request's headers and body must all be in
 * within `seconds`, or a watchdog thread shuts the socket down (the
 * connection's own thread then closes it as usual). Responses are not timed:
 * an event stream may last as long as the page stays open.
 *
 * Use: pass jv_web_deadline_notify with the watcher as
 * MHD_OPTION_NOTIFY_CONNECTION; call jv_web_deadline_request_in() when a
 * request is wholly read (its response is queued) and
 * jv_web_deadline_request_done() when it has ended
 * (MHD_OPTION_NOTIFY_COMPLETED). Free the watcher after MHD_stop_daemon().
 */
#ifndef JV_WEB_DEADLINE_H
#define JV_WEB_DEADLINE_H

#include <microhttpd.h>

struct jv_web_deadline;

/* Starts the watchdog (owned by the caller). */
struct jv_web_deadline *jv_web_deadline_new(double seconds);

/* Stops the watchdog and frees; every connection must be closed already. NULL is fine. */
void jv_web_deadline_free(struct jv_web_deadline *d);

/* MHD_NotifyConnectionCallback; `cls` is the watcher. */
void jv_web_deadline_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                            enum MHD_ConnectionNotificationCode code);

/* The request on `conn` is read: its deadline no longer applies. */
void jv_web_deadline_request_in(struct MHD_Connection *conn);

/* The request on `conn` has ended: the next one's clock starts now. */
void jv_web_deadline_request_done(struct MHD_Connection *conn);

#endif
