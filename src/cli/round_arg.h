/*
 * round_arg.h - the ROUND argument of the commands that read a round
 * (agree, calibrate): a results file, a round's name or a folder of photos
 * a round judged.
 */
#ifndef JV_CLI_ROUND_ARG_H
#define JV_CLI_ROUND_ARG_H

#include <glib.h>

/*
 * The results file `arg` names (owned): `arg` itself when it is a .jsonl
 * file; for a folder, the results of the latest round in `outputs_dir`
 * whose manifest lists that folder among its inputs; else
 * `outputs_dir`/results/`arg`.jsonl when it exists. NULL with err
 * (JV_ERR_NOT_FOUND) naming what was looked for.
 */
char *jv_round_arg_results(const char *arg, const char *outputs_dir, GError **err);

#endif
