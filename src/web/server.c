/* server.c - `judge-vision serve`: the local web server, its security checks and static files. */
#include "core/jv.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <gio/gio.h>
#include <microhttpd.h>

#include "core/fsutil.h"
#include "outputs/layout.h"
#include "jv-web-resources.h"
#include "web/api.h"
#include "web/deadline.h"
#include "web/server.h"

#define JV_RESOURCE_PREFIX "/org/judgevision/web/"

/*
 * Connections: one thread each (event streams block). The headers and body of
 * a request must be in within JV_WEB_REQUEST_DEADLINE seconds (deadline.h),
 * so slow clients are cut; there is room for JV_WEB_CONNECTIONS at once
 * (JV_WEB_CONNECTIONS_PER_IP from one address, all of them on loopback), and
 * an idle connection is closed after JV_WEB_IDLE_TIMEOUT seconds.
 */
#define JV_WEB_REQUEST_DEADLINE   10.0
#define JV_WEB_CONNECTIONS        512u
#define JV_WEB_CONNECTIONS_PER_IP 256u
#define JV_WEB_IDLE_TIMEOUT       120u

struct jv_web_server {
    struct MHD_Daemon *daemon;
    struct jv_web_ctx ctx;
    char *url;
    char **allowed_hosts; /* Host header values accepted (lowercase) */
    bool check_host;
    char *access_token; /* NULL unless allow_remote */
    GResource *resource;
    struct jv_web_deadline *deadline;
};

/* Per-request state kept between the access handler's calls. */
struct request {
    GString *body;
    bool too_large;
};

static char *random_token(void)
{
    guint8 raw[16];
    size_t got = 0;
    while (got < sizeof raw) {
        ssize_t n = getrandom(raw + got, sizeof raw - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    for (; got < sizeof raw; got++) /* getrandom cannot fail on Linux ≥ 3.17; belt and braces */
        raw[got] = (guint8)g_random_int();
    GString *s = g_string_new(NULL);
    for (size_t i = 0; i < sizeof raw; i++)
        g_string_append_printf(s, "%02x", raw[i]);
    return g_string_free(s, FALSE);
}

/* Compares without an early exit, so timing tells nothing about the token. */
static bool token_equal(const char *a, const char *b)
{
    if (!a || !b)
        return false;
    size_t la = strlen(a), lb = strlen(b);
    unsigned char d = (unsigned char)(la != lb);
    for (size_t i = 0; i < la; i++)
        d |= (unsigned char)(a[i] ^ b[i % (lb ? lb : 1)]);
    return d == 0;
}

static void add_security_headers(struct MHD_Response *r)
{
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    /* No other site may embed what we serve (<img src=...> of a photo, a script). */
    MHD_add_response_header(r, "Cross-Origin-Resource-Policy", "same-origin");
    MHD_add_response_header(r, "Content-Security-Policy",
                            "default-src 'self'; img-src 'self' data: blob:; "
                            "style-src 'self' 'unsafe-inline'; script-src 'self'; "
                            "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
                            "form-action 'self'");
}

/* ---- static assets (embedded) ---- */

static void serve_asset(struct jv_web_server *s, const char *url, struct jv_web_reply *out)
{
    static const struct {
        const char *url, *name, *type;
    } assets[] = {
        {"/", "index.html", "text/html; charset=utf-8"},
        {"/index.html", "index.html", "text/html; charset=utf-8"},
        {"/app.js", "app.js", "text/javascript; charset=utf-8"},
        {"/style.css", "style.css", "text/css; charset=utf-8"},
        {"/club.js", "club.js", "text/javascript; charset=utf-8"},
        /* Presentation mode (SPEC 6): GET /present?run=ID. */
        {"/present", "present.html", "text/html; charset=utf-8"},
        {"/present.js", "present.js", "text/javascript; charset=utf-8"},
        {"/present.css", "present.css", "text/css; charset=utf-8"},
    };
    for (size_t i = 0; i < JV_ARRAY_LEN(assets); i++) {
        if (strcmp(url, assets[i].url) != 0)
            continue;
        char *rpath = g_strconcat(JV_RESOURCE_PREFIX, assets[i].name, NULL);
        GBytes *b = g_resource_lookup_data(s->resource, rpath, G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
        g_free(rpath);
        if (!b)
            break;
        gsize len = 0;
        const char *data = g_bytes_get_data(b, &len);
        char *copy;
        if (strcmp(assets[i].name, "index.html") == 0) {
            GString *html = g_string_new_len(data, (gssize)len);
            g_string_replace(html, "{{JV_TOKEN}}", s->ctx.session_token, 0);
            len = html->len;
            copy = g_string_free(html, FALSE);
        } else {
            copy = g_memdup2(data, len);
        }
        g_bytes_unref(b);
        jv_web_reply_bytes(out, MHD_HTTP_OK, copy, len, assets[i].type);
        return;
    }
    jv_web_reply_error(out, MHD_HTTP_NOT_FOUND, "not found");
}

/* ---- checks ---- */

static bool host_allowed(struct jv_web_server *s, const char *host)
{
    if (!s->check_host)
        return true;
    if (!host)
        return false;
    for (char **h = s->allowed_hosts; *h; h++)
        if (g_ascii_strcasecmp(host, *h) == 0)
            return true;
    return false;
}

/* Origin "http://host:port" of a browser request, when present, must be ours. */
static bool origin_allowed(struct jv_web_server *s, const char *origin)
{
    if (!origin || !s->check_host)
        return true;
    if (g_str_has_prefix(origin, "http://"))
        return host_allowed(s, origin + strlen("http://"));
    return false;
}

static const char *header(struct MHD_Connection *c, const char *name)
{
    return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

/*
 * A browser names where a request comes from (Sec-Fetch-Site): the API and
 * the photos answer only our own page ("same-origin") and the user's own
 * navigation ("none"); another site, or another port of the same host
 * ("same-site"), gets 403. Clients that send no such header (curl, the
 * tests) are not browsers and are let through.
 */
static bool fetch_site_allowed(struct MHD_Connection *conn, const char *url)
{
    const char *site = header(conn, "Sec-Fetch-Site");
    if (!site || !g_str_has_prefix(url, "/api/"))
        return true;
    return g_ascii_strcasecmp(site, "cross-site") != 0 &&
           g_ascii_strcasecmp(site, "same-site") != 0;
}

/* ---- the access handler ---- */

static enum MHD_Result queue(struct MHD_Connection *conn, struct jv_web_reply *r,
                             const char *set_cookie)
{
    jv_web_deadline_request_in(conn);
    add_security_headers(r->resp);
    if (set_cookie)
        MHD_add_response_header(r->resp, MHD_HTTP_HEADER_SET_COOKIE, set_cookie);
    enum MHD_Result rc = MHD_queue_response(conn, r->status, r->resp);
    MHD_destroy_response(r->resp);
    return rc;
}

/*
 * libmicrohttpd's handler, called several times per request: the first call
 * sets up the per-connection state, the middle ones collect the body (capped,
 * 413 beyond), the last one checks Host, origin and token, then serves the
 * API or a static file. Returns MHD_YES, or MHD_NO to drop the connection.
 */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    struct jv_web_server *s = cls;
    struct jv_web_reply r = {0};
    char *cookie = NULL;
    (void)version;

    if (*con_cls == NULL) {
        struct request *req = g_new0(struct request, 1);
        req->body = g_string_new(NULL);
        *con_cls = req;
        /* Refuse an announced oversized body before reading it. */
        const char *cl = header(conn, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && g_ascii_strtoull(cl, NULL, 10) > JV_LIMIT_WEB_BODY) {
            jv_web_reply_error(&r, MHD_HTTP_CONTENT_TOO_LARGE, "request body over %zu bytes",
                               JV_LIMIT_WEB_BODY);
            return queue(conn, &r, NULL);
        }
        return MHD_YES;
    }
    struct request *req = *con_cls;
    if (*upload_data_size > 0) {
        if (req->body->len + *upload_data_size > JV_LIMIT_WEB_BODY)
            req->too_large = true;
        else
            g_string_append_len(req->body, upload_data, (gssize)*upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }

    if (!host_allowed(s, header(conn, MHD_HTTP_HEADER_HOST))) {
        jv_web_reply_error(&r, MHD_HTTP_MISDIRECTED_REQUEST,
                           "the Host header does not name this server");
        return queue(conn, &r, NULL);
    }
    if (!fetch_site_allowed(conn, url)) {
        jv_web_reply_error(&r, MHD_HTTP_FORBIDDEN, "requests from another site are refused");
        return queue(conn, &r, NULL);
    }
    if (s->access_token) {
        const char *q = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "token");
        const char *ck = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, "jv_access");
        const char *hd = header(conn, "X-JV-Access");
        if (token_equal(q, s->access_token)) {
            cookie =
                g_strdup_printf("jv_access=%s; Path=/; HttpOnly; SameSite=Strict", s->access_token);
        } else if (!token_equal(ck, s->access_token) && !token_equal(hd, s->access_token)) {
            jv_web_reply_error(&r, MHD_HTTP_UNAUTHORIZED,
                               "an access token is required (open the URL with ?token=...)");
            return queue(conn, &r, NULL);
        }
    }
    if (req->too_large) {
        jv_web_reply_error(&r, MHD_HTTP_CONTENT_TOO_LARGE, "request body over %zu bytes",
                           JV_LIMIT_WEB_BODY);
        goto send;
    }
    bool changes = strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0;
    if (changes) {
        if (!token_equal(header(conn, "X-JV-Token"), s->ctx.session_token) ||
            !origin_allowed(s, header(conn, "Origin"))) {
            jv_web_reply_error(&r, MHD_HTTP_FORBIDDEN,
                               "missing or wrong session token (X-JV-Token)");
            goto send;
        }
    }
    if (g_str_has_prefix(url, "/api/")) {
        jv_web_api_handle(&s->ctx, conn, method, url, req->body->str, req->body->len, &r);
    } else if (changes) {
        jv_web_reply_error(&r, MHD_HTTP_METHOD_NOT_ALLOWED, "%s is not allowed here", method);
    } else {
        serve_asset(s, url, &r);
    }
send:;
    enum MHD_Result rc = queue(conn, &r, cookie);
    g_free(cookie);
    return rc;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)toe;
    jv_web_deadline_request_done(conn);
    struct request *req = *con_cls;
    if (!req)
        return;
    g_string_free(req->body, TRUE);
    g_free(req);
    *con_cls = NULL;
}

/* libmicrohttpd's messages, less the one every closed event stream causes. */
static void mhd_log(void *cls, const char *fmt, va_list ap) JV_PRINTF(2, 0);
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char *msg = g_strdup_vprintf(fmt, ap);
    if (!strstr(msg, "no longer available"))
        fprintf(stderr, "judge-vision serve: %s", msg);
    g_free(msg);
}

/* ---- start / stop ---- */

static int resolve(const char *host, struct sockaddr_storage *ss, socklen_t *len, GError **err)
{
    struct addrinfo hints = {0};
    struct addrinfo *res = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo(host, NULL, &hints, &res);
    if (rc != 0) {
        g_set_error(err, JV_ERROR, JV_ERR_USAGE, "cannot resolve host '%s': %s", host,
                    gai_strerror(rc));
        return -1;
    }
    /* IPv4 first: "localhost" should mean 127.0.0.1 on every machine. */
    struct addrinfo *pick = NULL;
    for (struct addrinfo *a = res; a; a = a->ai_next)
        if (a->ai_family == AF_INET) {
            pick = a;
            break;
        }
    for (struct addrinfo *a = res; a && !pick; a = a->ai_next)
        if (a->ai_family == AF_INET6)
            pick = a;
    if (!pick) {
        freeaddrinfo(res);
        g_set_error(err, JV_ERROR, JV_ERR_USAGE, "host '%s' has no IP address", host);
        return -1;
    }
    memcpy(ss, pick->ai_addr, pick->ai_addrlen);
    *len = pick->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

static bool addr_is_loopback(const struct sockaddr_storage *ss)
{
    if (ss->ss_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr) >> 24) == 127;
    return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)ss)->sin6_addr);
}

static bool addr_is_wildcard(const struct sockaddr_storage *ss)
{
    if (ss->ss_family == AF_INET)
        return ((const struct sockaddr_in *)ss)->sin_addr.s_addr == htonl(INADDR_ANY);
    return IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)ss)->sin6_addr);
}

static char **registries_offered(const char *registry)
{
    GPtrArray *a = g_ptr_array_new();
    if (registry && g_file_test(registry, G_FILE_TEST_IS_REGULAR)) {
        char *main_path = jv_abspath(registry);
        g_ptr_array_add(a, main_path);
        /* Other registries beside it (e.g. the examples folder). */
        char *dir = g_path_get_dirname(main_path);
        GDir *d = g_dir_open(dir, 0, NULL);
        GPtrArray *more = g_ptr_array_new();
        const char *name;
        while (d && (name = g_dir_read_name(d))) {
            if (!g_str_has_suffix(name, ".toml") || name[0] == '.')
                continue;
            char *p = g_build_filename(dir, name, NULL);
            if (strcmp(p, main_path) != 0 && g_file_test(p, G_FILE_TEST_IS_REGULAR))
                g_ptr_array_add(more, p);
            else
                g_free(p);
        }
        if (d)
            g_dir_close(d);
        g_ptr_array_sort(more, (GCompareFunc)g_strcmp0);
        for (guint i = 0; i < more->len; i++) {
            if (a->len < JV_WEB_REGISTRIES_MAX / 2)
                g_ptr_array_add(a, g_ptr_array_index(more, i));
            else
                g_free(g_ptr_array_index(more, i));
        }
        g_ptr_array_free(more, TRUE);
        g_free(dir);
    }
    /* Free slots for the page's picks (POST /api/registries), NULL-terminated. */
    while (a->len < JV_WEB_REGISTRIES_MAX)
        g_ptr_array_add(a, NULL);
    return (char **)g_ptr_array_free(a, FALSE);
}

void jv_web_server_stop(struct jv_web_server *s)
{
    if (!s)
        return;
    if (s->ctx.runner)
        jv_web_runner_stop(s->ctx.runner, 15000);
    if (s->ctx.events)
        jv_web_events_close(s->ctx.events);
    if (s->daemon)
        MHD_stop_daemon(s->daemon);
    jv_web_deadline_free(s->deadline);
    jv_web_runner_free(s->ctx.runner);
    jv_web_events_free(s->ctx.events);
    jv_web_runs_free(s->ctx.runs);
    jv_image_thumbs_free(s->ctx.thumbs);
    g_free(s->ctx.session_token);
    g_free(s->ctx.outputs);
    g_strfreev(s->ctx.registries);
    g_free(s->ctx.self_exe);
    g_free(s->ctx.settings_path);
    g_mutex_clear(&s->ctx.settings_lock);
    g_free(s->url);
    g_strfreev(s->allowed_hosts);
    g_free(s->access_token);
    g_free(s);
}

struct jv_web_server *jv_web_server_start(const struct jv_web_config *cfg, GError **err)
{
    const char *host = cfg->host ? cfg->host : "127.0.0.1";
    struct sockaddr_storage ss = {0};
    socklen_t sslen = 0;

    if (cfg->port < 0 || cfg->port > 65535) {
        g_set_error(err, JV_ERROR, JV_ERR_USAGE, "port %d is out of range", cfg->port);
        return NULL;
    }
    if (resolve(host, &ss, &sslen, err) < 0)
        return NULL;
    bool loopback = addr_is_loopback(&ss);
    if (!loopback && !cfg->allow_remote) {
        g_set_error(err, JV_ERROR, JV_ERR_USAGE,
                    "refusing to serve on %s, which is not a loopback address: anyone on "
                    "the network could start runs and read photos. Pass --allow-remote "
                    "--token SECRET to do it on purpose",
                    host);
        return NULL;
    }
    if (cfg->allow_remote && (!cfg->access_token || strlen(cfg->access_token) < 8)) {
        g_set_error(err, JV_ERROR, JV_ERR_USAGE,
                    "--allow-remote needs --token with at least 8 characters");
        return NULL;
    }
    if (ss.ss_family == AF_INET)
        ((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)cfg->port);
    else
        ((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)cfg->port);

    struct jv_web_server *s = g_new0(struct jv_web_server, 1);
    g_mutex_init(&s->ctx.settings_lock);
    s->resource = jv_web_get_resource();
    s->ctx.session_token = random_token();
    s->ctx.outputs = jv_abspath(cfg->outputs ? cfg->outputs : "outputs");
    s->ctx.registries = registries_offered(cfg->registry);
    s->ctx.self_exe =
        cfg->self_exe ? g_strdup(cfg->self_exe) : g_file_read_link("/proc/self/exe", NULL);
    if (!s->ctx.self_exe)
        s->ctx.self_exe = g_strdup("judge-vision");
    s->ctx.settings_path = g_build_filename(s->ctx.outputs, "gui", "settings.json", NULL);
    s->ctx.events = jv_web_events_new();
    s->ctx.runner = jv_web_runner_new(s->ctx.events);
    jv_web_runner_adopt(s->ctx.runner, s->ctx.outputs);
    char *id_key = random_token(); /* run ids differ on every start (guard.h) */
    s->ctx.runs = jv_web_runs_new(s->ctx.outputs, id_key);
    g_free(id_key);
    char *thumbs = g_build_filename(s->ctx.outputs, "cache", "thumbs", NULL);
    s->ctx.thumbs = jv_image_thumbs_new(thumbs);
    g_free(thumbs);
    /* Asked for remote access, the token is required whatever the address. */
    if (cfg->allow_remote)
        s->access_token = g_strdup(cfg->access_token);

    unsigned int flags =
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    s->deadline = jv_web_deadline_new(JV_WEB_REQUEST_DEADLINE);
    s->daemon = MHD_start_daemon(
        flags, (uint16_t)cfg->port, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log,
        s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss, MHD_OPTION_CONNECTION_LIMIT,
        JV_WEB_CONNECTIONS, MHD_OPTION_PER_IP_CONNECTION_LIMIT, JV_WEB_CONNECTIONS_PER_IP,
        MHD_OPTION_CONNECTION_TIMEOUT, JV_WEB_IDLE_TIMEOUT, MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, s, MHD_OPTION_NOTIFY_CONNECTION, jv_web_deadline_notify, s->deadline,
        MHD_OPTION_END);
    if (!s->daemon) {
        g_set_error(err, JV_ERROR, JV_ERR_IO, "cannot listen on %s port %d: %s", host, cfg->port,
                    errno ? g_strerror(errno) : "libmicrohttpd refused");
        jv_web_server_stop(s);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    unsigned int port = info ? info->port : (unsigned int)cfg->port;

    bool v6literal = strchr(host, ':') != NULL;
    char *hostport =
        v6literal ? g_strdup_printf("[%s]:%u", host, port) : g_strdup_printf("%s:%u", host, port);
    s->url = g_strdup_printf("http://%s/", hostport);
    GPtrArray *hosts = g_ptr_array_new();
    g_ptr_array_add(hosts, g_ascii_strdown(hostport, -1));
    if (loopback) {
        g_ptr_array_add(hosts, g_strdup_printf("127.0.0.1:%u", port));
        g_ptr_array_add(hosts, g_strdup_printf("localhost:%u", port));
        g_ptr_array_add(hosts, g_strdup_printf("[::1]:%u", port));
    }
    g_ptr_array_add(hosts, NULL);
    s->allowed_hosts = (char **)g_ptr_array_free(hosts, FALSE);
    g_free(hostport);
    /* Bound to every interface, any name may reach us; the access token guards it. */
    s->check_host = !(cfg->allow_remote && addr_is_wildcard(&ss));

    char *progress = jv_layout_progress_in(s->ctx.outputs);
    int rc = jv_web_events_start_poller(s->ctx.events, progress, 250, err);
    g_free(progress);
    if (rc < 0) {
        jv_web_server_stop(s);
        return NULL;
    }
    return s;
}

const char *jv_web_server_url(const struct jv_web_server *s)
{
    return s->url;
}
