/*
 * server_metrics_probe: scrapes a server's Prometheus /metrics the way the
 * pipeline does and prints the snapshot as JSON; given an earlier snapshot
 * file, prints the before/after delta instead (jv_server_metrics_delta).
 *
 *   build/bench/server_metrics_probe http://127.0.0.1:8000/v1 > before.json
 *   ... run something ...
 *   build/bench/server_metrics_probe http://127.0.0.1:8000/v1 before.json
 *
 * Exit 0 with JSON on stdout; 1 with the reason on stderr when the server
 * has no usable /metrics.
 */
#include "core/jv.h"

#include "net/promscrape.h"

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: server_metrics_probe BASE_URL [BEFORE.json]\n");
        return 2;
    }
    json_t *before = NULL;
    if (argc == 3) {
        json_error_t je;
        before = json_load_file(argv[2], 0, &je);
        if (!before) {
            fprintf(stderr, "server_metrics_probe: %s: %s\n", argv[2], je.text);
            return 1;
        }
    }
    GError *err = NULL;
    json_t *snap = jv_server_metrics_scrape_full(argv[1], 5.0, &err);
    if (!snap) {
        fprintf(stderr, "server_metrics_probe: %s\n", err->message);
        g_error_free(err);
        json_decref(before);
        return 1;
    }
    json_t *out = before ? jv_server_metrics_delta(before, snap) : json_incref(snap);
    char *text = json_dumps(out, JSON_INDENT(2));
    printf("%s\n", text);
    free(text);
    json_decref(out);
    json_decref(snap);
    json_decref(before);
    return 0;
}
