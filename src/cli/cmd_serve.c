/*
 * judge-vision serve: the local web page (doc/SPEC.md 6).
 */
#include "core/jv.h"

#include <glib-unix.h>

#include "cli/commands.h"
#include "core/optparse.h"
#include "web/server.h"

#define DEFAULT_REGISTRY "examples/competitions.toml"

/* serve's options, parsed from argv; jv_web_config borrows them. */
struct serve_opts {
    char *host;
    int port;
    bool allow_remote;
    char *token;
    char *outputs;
    char *registry;
};

#define SO(member) offsetof(struct serve_opts, member)

/* clang-format off */
static const struct jv_option serve_options[] = {
    {.long_name = "host", .kind = JV_OPT_STRING, .offset = SO(host), .metavar = "H",
     .help = "address to listen on", .def_text = "127.0.0.1"},
    {.long_name = "port", .kind = JV_OPT_INT, .offset = SO(port), .metavar = "P",
     .help = "port; 0 = any free port", .imin = 0, .imax = 65535, .def.i = JV_WEB_DEFAULT_PORT},
    {.long_name = "allow-remote", .kind = JV_OPT_TRUE, .offset = SO(allow_remote),
     .help = "permit a non-loopback address (needs --token)"},
    {.long_name = "token", .kind = JV_OPT_SECRET, .offset = SO(token), .metavar = "T",
     .help = "access token every request must then carry"},
    {.long_name = "outputs", .kind = JV_OPT_STRING, .offset = SO(outputs), .metavar = "DIR",
     .help = "results root", .def_text = "outputs"},
    {.long_name = "registry", .kind = JV_OPT_STRING, .offset = SO(registry), .metavar = "FILE",
     .help = "competition registry", .def_text = DEFAULT_REGISTRY " if present"},
    {.long_name = "help", .short_name = 'h', .kind = JV_OPT_HELP, .help = "this help"},
    {0},
};
/* clang-format on */

static void usage(FILE *out)
{
    fprintf(out, "Usage: judge-vision serve [options]\n\n"
                 "Serves the web page: set up and start runs, follow them live, review and\n"
                 "adjust results, compare performance.\n\n");
    jv_opt_print_help(out, serve_options);
    fprintf(out, "\nPrints the page's URL (one line) on stdout; Ctrl-C stops.\n");
}

static gboolean on_signal(gpointer data)
{
    g_main_loop_quit(data);
    return G_SOURCE_CONTINUE;
}

/*
 * Parses serve's command line into `so` and checks the combinations.
 * Returns -1 to go on, else the exit code (help shown or usage error).
 */
static int parse_serve(struct serve_opts *so, int argc, char **argv)
{
    GError *err = NULL;
    int rest = argc;
    int rc = jv_opt_parse(serve_options, so, argc, argv, &rest, &err);
    if (rc < 0) {
        fprintf(stderr, "judge-vision serve: %s\n", err->message);
        g_error_free(err);
        return JV_EXIT_USAGE;
    }
    if (rc == 1) {
        usage(stdout);
        return JV_EXIT_OK;
    }
    const char *why = NULL;
    if (rest < argc) {
        fprintf(stderr, "judge-vision serve: unexpected argument '%s'\n", argv[rest]);
        return JV_EXIT_USAGE;
    }
    if (so->token && !so->allow_remote)
        why = "--token only applies with --allow-remote";
    else if (so->allow_remote && !so->token)
        why = "--allow-remote needs --token T";
    if (why) {
        fprintf(stderr, "judge-vision serve: %s\n", why);
        return JV_EXIT_USAGE;
    }
    if (so->registry && !g_file_test(so->registry, G_FILE_TEST_IS_REGULAR)) {
        fprintf(stderr, "judge-vision serve: registry file %s not found\n", so->registry);
        return JV_EXIT_USAGE;
    }
    if (!so->registry && g_file_test(DEFAULT_REGISTRY, G_FILE_TEST_IS_REGULAR))
        so->registry = g_strdup(DEFAULT_REGISTRY);
    return -1;
}

/* Serves until SIGINT/SIGTERM; returns the exit code. */
static int serve(const struct jv_web_config *cfg)
{
    GError *err = NULL;
    struct jv_web_server *srv = jv_web_server_start(cfg, &err);
    if (!srv) {
        fprintf(stderr, "judge-vision serve: %s\n", err->message);
        int rc = err->code == JV_ERR_USAGE ? JV_EXIT_USAGE : JV_EXIT_FATAL;
        g_error_free(err);
        return rc;
    }
    printf("%s\n", jv_web_server_url(srv));
    fflush(stdout);

    GMainLoop *loop = g_main_loop_new(NULL, FALSE);
    guint s1 = g_unix_signal_add(SIGINT, on_signal, loop);
    guint s2 = g_unix_signal_add(SIGTERM, on_signal, loop);
    g_main_loop_run(loop);
    g_source_remove(s1);
    g_source_remove(s2);
    g_main_loop_unref(loop);
    fprintf(stderr, "judge-vision serve: stopping\n");
    jv_web_server_stop(srv);
    return JV_EXIT_OK;
}

int cmd_serve(int argc, char **argv)
{
    struct serve_opts so = {0};
    jv_opt_defaults(serve_options, &so);
    int rc = parse_serve(&so, argc, argv);
    if (rc >= 0) {
        jv_opt_release(serve_options, &so);
        return rc;
    }
    struct jv_web_config cfg = {.host = so.host,
                                .port = so.port,
                                .allow_remote = so.allow_remote,
                                .access_token = so.token,
                                .outputs = so.outputs,
                                .registry = so.registry};
    rc = serve(&cfg);
    jv_opt_release(serve_options, &so);
    return rc;
}
