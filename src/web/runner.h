/*
 * runner.h - the judging run the page starts: `judge-vision run` as a child
 * process (GSubprocess), its output lines and exit pushed to the event hub.
 *
 * jv_web_run_argv() turns the page's settings into the child's argv; it is
 * separate so it can be tested without starting anything. At most one run at
 * a time; cancel sends SIGINT, after which the pipeline flushes and marks its
 * manifest interrupted, and a later start resumes it.
 *
 * The child dies with the server: it is spawned with PR_SET_PDEATHSIG
 * (SIGTERM, so it stops as after a Ctrl-C: what is judged is kept), from the
 * thread that reads it and lives as long as it does. A run that still
 * writes a round when the server starts (a CLI run, or a child finishing
 * its requests in flight after its server died) is found by its round's
 * lock (outputs/round.h) and shown as running: jv_web_runner_adopt().
 */
#ifndef JV_WEB_RUNNER_H
#define JV_WEB_RUNNER_H

#include <jansson.h>

#include "web/events.h"

/*
 * Builds the argv (owned, g_strfreev) of `self_exe run ...` from `settings`
 * (borrowed): {inputs: [dir...], competition, stages: {iqa, critique,
 * playoff}, fast, iqa_service_url, threshold, rounds, concurrency, pipeline,
 * base_url (whitespace-separated list), model, run_name}. `registry` (may be
 * NULL) is the resolved registry file, used when a competition is chosen.
 * Output paths go under `outputs`. Returns NULL with JV_ERR_USAGE naming the
 * offending setting.
 */
char **jv_web_run_argv(json_t *settings, const char *self_exe, const char *registry,
                       const char *outputs, GError **err);

struct jv_web_runner;

/* `events` is borrowed and must outlive the runner. */
struct jv_web_runner *jv_web_runner_new(struct jv_web_events *events);

/* Stops a running child (see jv_web_runner_stop) and frees. */
void jv_web_runner_free(struct jv_web_runner *r);

/*
 * Starts the child with `argv` (borrowed). Fails with JV_ERR_FAILED when a run
 * is already going, JV_ERR_IO when it cannot be spawned.
 */
int jv_web_runner_start(struct jv_web_runner *r, const char *const *argv, GError **err);

/* Sends SIGINT to the running child. Returns false when none runs. */
bool jv_web_runner_cancel(struct jv_web_runner *r);

/*
 * At start-up: a run writing a round under `outputs` (its lock held) is
 * shown as the running one (argv from /proc, `adopted` true) until its
 * process is gone; cancel sends it SIGINT; shutdown leaves it alone.
 * Returns its pid, or 0 when none runs.
 */
int jv_web_runner_adopt(struct jv_web_runner *r, const char *outputs);

/*
 * {running, pid, argv, started, finished, exit_status, signal, cancelled,
 * adopted} (new reference).
 */
json_t *jv_web_runner_state(struct jv_web_runner *r);

/*
 * For shutdown: SIGINT to the child, up to `grace_ms` for it to exit, then
 * SIGKILL; waits for the reader thread.
 */
void jv_web_runner_stop(struct jv_web_runner *r, int grace_ms);

#endif
