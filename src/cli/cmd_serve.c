/*
 * judge-vision serve: the local web page (SPEC 6).
 */
#include "core/jv.h"

#include <getopt.h>

#include <glib-unix.h>

#include "cli/commands.h"
#include "web/server.h"

#define DEFAULT_REGISTRY "examples/competitions.toml"

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: judge-vision serve [options]\n\n"
            "Serves the web page: set up and start runs, follow them live, review and\n"
            "adjust results, compare performance.\n\n"
            "      --host H         address to listen on (default 127.0.0.1)\n"
            "      --port P         port (default %d; 0 = any free port)\n"
            "      --allow-remote   permit a non-loopback address (needs --token)\n"
            "      --token T        access token every request must then carry\n"
            "      --outputs DIR    results root (default outputs)\n"
            "      --registry FILE  competition registry (default %s if present)\n"
            "  -h, --help           this help\n\n"
            "Prints the page's URL (one line) on stdout; Ctrl-C stops.\n",
            JV_WEB_DEFAULT_PORT, DEFAULT_REGISTRY);
}

static gboolean on_signal(gpointer data)
{
    g_main_loop_quit(data);
    return G_SOURCE_CONTINUE;
}

static int parse_port(const char *s, int *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || !end || *end || end == s || v < 0 || v > 65535)
        return -1;
    *out = (int)v;
    return 0;
}

int cmd_serve(int argc, char **argv)
{
    enum { OPT_HOST = 1000, OPT_PORT, OPT_REMOTE, OPT_TOKEN, OPT_OUTPUTS, OPT_REGISTRY };
    static const struct option longopts[] = {
        {"host", required_argument, NULL, OPT_HOST},
        {"port", required_argument, NULL, OPT_PORT},
        {"allow-remote", no_argument, NULL, OPT_REMOTE},
        {"token", required_argument, NULL, OPT_TOKEN},
        {"outputs", required_argument, NULL, OPT_OUTPUTS},
        {"registry", required_argument, NULL, OPT_REGISTRY},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct jv_web_config cfg = {.port = JV_WEB_DEFAULT_PORT};
    GError *err = NULL;
    int c;

    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_HOST:
            cfg.host = optarg;
            break;
        case OPT_PORT:
            if (parse_port(optarg, &cfg.port) < 0) {
                fprintf(stderr, "judge-vision serve: --port '%s' is not a port (0-65535)\n",
                        optarg);
                return JV_EXIT_USAGE;
            }
            break;
        case OPT_REMOTE:
            cfg.allow_remote = true;
            break;
        case OPT_TOKEN:
            cfg.access_token = optarg;
            break;
        case OPT_OUTPUTS:
            cfg.outputs = optarg;
            break;
        case OPT_REGISTRY:
            cfg.registry = optarg;
            break;
        case 'h':
            usage(stdout);
            return JV_EXIT_OK;
        case ':':
            fprintf(stderr, "judge-vision serve: option '%s' needs a value\n", argv[optind - 1]);
            return JV_EXIT_USAGE;
        default:
            fprintf(stderr, "judge-vision serve: unknown option '%s'\n", argv[optind - 1]);
            usage(stderr);
            return JV_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "judge-vision serve: unexpected argument '%s'\n", argv[optind]);
        return JV_EXIT_USAGE;
    }
    if (cfg.access_token && !cfg.allow_remote) {
        fprintf(stderr, "judge-vision serve: --token only applies with --allow-remote\n");
        return JV_EXIT_USAGE;
    }
    if (cfg.allow_remote && !cfg.access_token) {
        fprintf(stderr, "judge-vision serve: --allow-remote needs --token T\n");
        return JV_EXIT_USAGE;
    }
    if (cfg.registry && !g_file_test(cfg.registry, G_FILE_TEST_IS_REGULAR)) {
        fprintf(stderr, "judge-vision serve: registry file %s not found\n", cfg.registry);
        return JV_EXIT_USAGE;
    }
    if (!cfg.registry && g_file_test(DEFAULT_REGISTRY, G_FILE_TEST_IS_REGULAR))
        cfg.registry = DEFAULT_REGISTRY;

    struct jv_web_server *srv = jv_web_server_start(&cfg, &err);
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
