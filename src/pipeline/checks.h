/*
 * checks.h - fail fast (doc/SPEC.md 5): what a run checks before any photo,
 * so that a mistyped --model, a --base-url without /v1 or an unwritable
 * output path costs one line at the start instead of a whole round; and the
 * hint that goes with an error seen during the run.
 *
 * Messages are complete sentences naming the URL or the path and the option
 * to change. Nothing here keeps state; all arguments are borrowed.
 */
#ifndef JV_PIPELINE_CHECKS_H
#define JV_PIPELINE_CHECKS_H

#include "pipeline/run_config.h"

/*
 * GET {base}/models on every --base-url (with the API key): each must answer
 * and list vlm->model. Fails (-1 with err) when no endpoint can be reached,
 * when one refuses the key, answers 404 (the message suggests /v1 when the
 * URL lacks it) or another error status, or lists other models (the message
 * names them). With --backend llamacpp, whose server ignores the model name,
 * an unlisted model is a warning. An endpoint that cannot be reached while
 * another one answers, or a reply that is not a model list, is a warning.
 */
int jv_check_vlm_server(const struct jv_vlm_config *vlm, GError **err);

/*
 * Every file the run will write can be written: the folders are created, each
 * file is opened for appending (created when missing and then removed again,
 * never truncated) and its folder takes new files (the atomic replaces).
 * `judged`: the run writes results and a summary; `iqa`: the IQA cache;
 * `playoff`: the matches log. The progress file and the manifest always.
 * Returns 0, or -1 with err naming the option, the path and why.
 */
int jv_check_outputs(const struct jv_run_config *o, bool judged, bool iqa, bool playoff,
                     GError **err);

/*
 * What to try for an error message seen during the run (a static string), or
 * NULL when there is nothing better to say than the message itself.
 */
const char *jv_check_hint(const char *error);

#endif
