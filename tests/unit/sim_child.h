/*
 * sim_child.h - starts judge-vision-sim as a child process for unit tests
 * ($JV_BUILD_DIR/sim/judge-vision-sim, --port 0, its "http://127.0.0.1:PORT"
 * line read from stdout) and stops it. Header-only, static functions.
 */
#ifndef JV_TEST_SIM_CHILD_H
#define JV_TEST_SIM_CHILD_H

#include <gio/gio.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

struct sim_child {
    GSubprocess *proc;
    char url[128]; /* http://127.0.0.1:PORT */
    char api[160]; /* url + /v1 */
};

/* Every simulator still running, so that a failed test (which longjmps out) leaves none. */
G_GNUC_UNUSED static GPtrArray *sim_children;

/* Starts the simulator with the arguments of `extra` (a NULL-terminated array, may be
 * NULL); fails the test if it cannot. */
G_GNUC_UNUSED static void sim_start_argv(struct sim_child *c, const char *const *extra)
{
    const char *build = g_getenv("JV_BUILD_DIR");
    char *bin = g_build_filename(build ? build : "build", "sim", "judge-vision-sim", NULL);
    GPtrArray *argv = g_ptr_array_new();
    g_ptr_array_add(argv, bin);
    g_ptr_array_add(argv, (gpointer) "--port");
    g_ptr_array_add(argv, (gpointer) "0");
    for (size_t i = 0; extra && extra[i]; i++)
        g_ptr_array_add(argv, (gpointer)extra[i]);
    g_ptr_array_add(argv, NULL);
    GError *err = NULL;
    c->proc =
        g_subprocess_newv((const char *const *)argv->pdata, G_SUBPROCESS_FLAGS_STDOUT_PIPE, &err);
    g_ptr_array_free(argv, TRUE);
    g_free(bin);
    if (!c->proc)
        fail_msg("cannot start the simulator: %s", err->message);
    GDataInputStream *in = g_data_input_stream_new(g_subprocess_get_stdout_pipe(c->proc));
    char *line = g_data_input_stream_read_line(in, NULL, NULL, &err);
    g_object_unref(in);
    if (!line || !g_str_has_prefix(line, "http://"))
        fail_msg("the simulator printed no URL (%s)", err ? err->message : "no line");
    g_strlcpy(c->url, line, sizeof c->url);
    snprintf(c->api, sizeof c->api, "%s/v1", c->url);
    g_free(line);
    if (!sim_children)
        sim_children = g_ptr_array_new();
    g_ptr_array_add(sim_children, g_object_ref(c->proc));
}

/* Starts the simulator with the given extra arguments (NULL-terminated). */
G_GNUC_UNUSED static void sim_start(struct sim_child *c, ...)
{
    GPtrArray *extra = g_ptr_array_new();
    va_list ap;
    va_start(ap, c);
    const char *a;
    while ((a = va_arg(ap, const char *)))
        g_ptr_array_add(extra, (gpointer)a);
    va_end(ap);
    g_ptr_array_add(extra, NULL);
    sim_start_argv(c, (const char *const *)extra->pdata);
    g_ptr_array_free(extra, TRUE);
}

G_GNUC_UNUSED static void sim_kill(GSubprocess *proc)
{
    g_subprocess_send_signal(proc, SIGTERM);
    g_subprocess_wait(proc, NULL, NULL);
}

G_GNUC_UNUSED static void sim_stop(struct sim_child *c)
{
    if (!c->proc)
        return;
    sim_kill(c->proc);
    if (sim_children && g_ptr_array_remove(sim_children, c->proc))
        g_object_unref(c->proc);
    g_clear_object(&c->proc);
}

/* cmocka teardown: stops the simulators a failed test left running. */
G_GNUC_UNUSED static int sim_stop_all(void **state)
{
    (void)state;
    while (sim_children && sim_children->len > 0) {
        GSubprocess *proc = g_ptr_array_steal_index(sim_children, sim_children->len - 1);
        sim_kill(proc);
        g_object_unref(proc);
    }
    if (sim_children)
        g_ptr_array_free(sim_children, TRUE);
    sim_children = NULL;
    return 0;
}

/* A local port with nothing listening (bound once, then released). */
G_GNUC_UNUSED static int sim_closed_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof sa;
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) != 0)
        fail_msg("cannot find a free port");
    close(fd);
    return ntohs(sa.sin_port);
}

#endif
