/*
 * server.h - `judge-vision serve`: the local web page and its API on
 * libmicrohttpd (one thread per connection, so event streams may block).
 *
 * Security model: by default the server binds a loopback address only. The
 * Host header must name the bound address (defeats DNS rebinding); every
 * POST/PUT must carry the per-session token (X-JV-Token, generated at start
 * and given to the page in a meta tag and by /api/session); request bodies are
 * capped at JV_LIMIT_WEB_BODY (413 beyond). A non-loopback address needs
 * allow_remote and an access token, which every request must then present
 * (cookie jv_access, set after the first ?token=T, or the X-JV-Access header).
 * Static files come from the embedded GResource only; run files and images
 * are reached through opaque run ids (runs.h), never through client paths,
 * and opened only as guard.h allows (no links, photos inside the run's input
 * folders). Every response says Cross-Origin-Resource-Policy: same-origin;
 * /api/ requests that a browser marks Sec-Fetch-Site cross-site or same-site
 * get 403. A request's headers and body must be in within a deadline
 * (deadline.h), so slow clients cannot hold the connections.
 */
#ifndef JV_WEB_SERVER_H
#define JV_WEB_SERVER_H

#include "core/limits.h"

#define JV_WEB_DEFAULT_PORT 8765

struct jv_web_config {
    const char *host;         /* address or name to bind; NULL = 127.0.0.1 */
    int port;                 /* 0 = any free port */
    bool allow_remote;        /* permit a non-loopback address */
    const char *access_token; /* required with allow_remote */
    const char *outputs;      /* results root; NULL = "outputs" */
    const char *registry;     /* registry file offered first; may be NULL */
    const char *self_exe;     /* the judge-vision binary for runs; NULL = /proc/self/exe */
};

struct jv_web_server;

/*
 * Starts serving. Fails with JV_ERR_USAGE for a refused configuration (a
 * non-loopback host without allow_remote and a token, an unresolvable host)
 * and JV_ERR_IO when the port cannot be bound.
 */
struct jv_web_server *jv_web_server_start(const struct jv_web_config *cfg, GError **err);

/* "http://HOST:PORT/" (borrowed). */
const char *jv_web_server_url(const struct jv_web_server *s);

/*
 * Stops a running child run (SIGINT, then a kill after a grace period), ends
 * event streams, stops the daemon and frees everything. NULL is fine.
 */
void jv_web_server_stop(struct jv_web_server *s);

#endif
