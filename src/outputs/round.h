/*
 * round.h - a round of judging (doc/SPEC.md 3): the name it gets when none is
 * given, its one writer (a lock), and what the manifest says about it.
 *
 * One writer per round: jv_round_lock_take() takes an exclusive flock(2) on
 * the round's lock file (<results stem>.lock, layout.h) for the whole run and
 * writes its pid into it; a second run on the same round is refused at once
 * with "another judge-vision run (pid N) is writing ROUND". The kernel drops
 * the lock when the process dies however it dies, so a lock is never stale;
 * the pid in a file nobody holds means nothing.
 *
 * Returned strings are owned (g_free); arguments are borrowed.
 */
#ifndef JV_OUTPUTS_ROUND_H
#define JV_OUTPUTS_ROUND_H

#include <jansson.h>
#include <sys/types.h>

/*
 * The round a run over `inputs` (NULL-terminated) of `competition` (may be
 * NULL) belongs to when no --round is given. The latest round in
 * `dir`/results with a name this rule gives whose manifest records the same
 * input folders (absolute) and competition is reused, so rerunning the same
 * command resumes it (the next day too); a round named with --round is
 * never taken over.
 * Otherwise a new name: "<competition>_<YYYY-MM-DD>" with a competition, else
 * the input folders' names joined by '+' (characters a round name may not
 * hold become '_'), with "-2", "-3", ... added while the name is taken by
 * another round. Judging a new folder therefore never touches an earlier
 * round.
 */
char *jv_round_default_name(const char *dir, const char *competition, const char *const *inputs);

/* What the manifest records of the round: {"name", "inputs": [absolute], "competition"}. New. */
json_t *jv_round_json(const char *name, const char *competition, const char *const *inputs);

/* The round's writer lock. */
struct jv_round_lock {
    int fd; /* -1 when not held */
    char *path;
};

/*
 * Takes the lock of the round whose results file is `results` (named `round`
 * in messages), creating the folder and the lock file. Returns 0, or -1 with
 * err (JV_ERR_FAILED "another judge-vision run (pid N) is writing ROUND" when
 * another process holds it).
 */
int jv_round_lock_take(struct jv_round_lock *l, const char *results, const char *round,
                       GError **err);
/* Releases the lock (the file stays, emptied: removing it would race a new taker). */
void jv_round_lock_release(struct jv_round_lock *l);

/*
 * The pid of the run writing the round whose lock file is `lock_path`, 0
 * when none is (no file, or nobody holds it), -1 when one is whose pid is
 * not written yet. Probes with a shared lock,
 * held for no longer than the call.
 */
pid_t jv_round_lock_holder(const char *lock_path);

#endif
