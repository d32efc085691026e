/*
 * Fuzzes what the web page sends and the server turns into actions: the input
 * is a JSON document used as run settings (jv_web_run_argv must either refuse
 * it or build an argv whose every element is a --option, with no element
 * starting a second command) and as records + overrides (applying them and
 * exporting the CSV must not crash, and every CSV row must end in CRLF).
 */
#include "core/jv.h"

#include <jansson.h>

#include "web/runner.h"
#include "web/runs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *j = json_loadb((const char *)data, size, 0, NULL);
    if (!j)
        return 0;
    GError *err = NULL;
    char **argv = jv_web_run_argv(j, "/bin/jv", "/reg.toml", "/out", &err);
    if (argv) {
        if (strcmp(argv[0], "/bin/jv") != 0 || strcmp(argv[1], "run") != 0)
            abort();
        for (char **p = argv + 2; *p; p++)
            if (strncmp(*p, "--", 2) != 0 || strchr(*p, '\n'))
                abort();
        g_strfreev(argv);
    } else if (!err) {
        abort();
    }
    g_clear_error(&err);

    json_t *records = json_object_get(j, "records");
    json_t *ov = json_object_get(j, "overrides");
    if (json_is_array(records)) {
        json_t *copy = json_deep_copy(records);
        jv_web_apply_overrides(copy, ov);
        char *csv = jv_web_export_csv(copy);
        size_t n = strlen(csv);
        if (n < 2 || csv[n - 2] != '\r' || csv[n - 1] != '\n')
            abort();
        g_free(csv);
        json_decref(copy);
    }
    json_decref(j);
    return 0;
}
