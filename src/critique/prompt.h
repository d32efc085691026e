/*
 * prompt.h - prompt profiles for the Stage 2 critique (doc/SPEC.md 2.6).
 *
 * A profile is a small text file (format in prompts/README.md): an id, a
 * version, an optional default reply limit, the system text (every
 * instruction that does not change between images) and a user template with
 * named placeholders such as {title} or {technical_analysis}. The profiles in
 * prompts/ are compiled into the binary with GResource; a user's own file can
 * be loaded instead.
 *
 * Each profile carries the SHA-256 of its canonical text, recorded with every
 * run so that results can be tied to the exact wording:
 *
 *     "id: " id "\n" "version: " version "\n"
 *     "technical_analysis: " ("compact" | "verbose") "\n"
 *     "=== system ===\n" system "\n" "=== user ===\n" user_template "\n"
 *
 * (comments, max_tokens and blank lines around the texts do not count).
 */
#ifndef JV_PROMPT_H
#define JV_PROMPT_H

#include <jansson.h>

/* The reply limit of a profile that names none. */
#define JV_PROMPT_DEFAULT_MAX_TOKENS 320

struct jv_prompt {
    char *id;
    char *version;
    char *system;          /* no placeholders */
    char *user_template;   /* placeholders validated at load time */
    int max_tokens;        /* the profile's default reply limit */
    bool verbose_analysis; /* header technical_analysis: verbose (else compact) */
    char *sha256;          /* 64 lowercase hex digits of the canonical text */
    char *origin;          /* "builtin:<id>" or the file's path */
};

/*
 * Loads a profile: from `prompt_file` when it is not NULL (a user's own file;
 * `profile_id` is then ignored, the file names its own id), else the built-in
 * profile `profile_id`. Returns an owned profile (jv_prompt_free) or NULL with
 * err: JV_ERR_NOT_FOUND for an unknown id (the message lists the known ones)
 * or a missing file, JV_ERR_PARSE for a malformed profile or an unknown
 * placeholder (the message names the file, line and placeholder).
 */
struct jv_prompt *jv_prompt_load(const char *profile_id, const char *prompt_file, GError **err);

/*
 * Parses profile text of `len` bytes (need not be NUL-terminated). `origin`
 * names the source in error messages. Returns owned or NULL with err.
 */
struct jv_prompt *jv_prompt_parse(const char *text, size_t len, const char *origin, GError **err);

void jv_prompt_free(struct jv_prompt *p);

/*
 * Renders the user template. `values` maps placeholder names (char *) to
 * their text (char *); borrowed, may be NULL. A placeholder with no value, a
 * NULL value or an empty one renders as "none". Returns owned text (g_free).
 */
char *jv_prompt_render_user(const struct jv_prompt *p, GHashTable *values);

/*
 * Puts the competition's scoring scheme into the profile (doc/SPEC.md 2.6):
 * when the scale is not the rubric's own 0-20, a SCORING SCALE paragraph is
 * appended to the system text, restating each band of the 0-20 rubric on
 * the scale [min, max] in steps of `step` and asking for the score on it;
 * the hash is recomputed (the wording changed). On [0, 20] step 1 nothing
 * changes. The line the model reads starts
 * "SCORING SCALE: scores run from MIN to MAX in steps of STEP".
 */
void jv_prompt_apply_scale(struct jv_prompt *p, int min, int max, int step);

/* The score `v` of the 0-20 rubric on the scale [min, max] step `step`. */
int jv_prompt_scale_point(double v, int min, int max, int step);

/*
 * The wording of judge `k` (2, 3, ...) of a panel for built-in profile `p`:
 * prompts/variants/<id>.<k>.prompt, whose id must be "<id>.<k>". Returns an
 * owned profile, or NULL: without err when none ships (a user's file never
 * has one), with err when the variant does not parse.
 */
struct jv_prompt *jv_prompt_load_variant(const struct jv_prompt *p, int k, GError **err);

/* Ids of the built-in profiles, sorted (owned, g_strfreev). */
char **jv_prompt_list_ids(void);

/*
 * The profile as JSON {profile, version, sha256, max_tokens,
 * technical_analysis, origin} (new reference).
 */
json_t *jv_prompt_to_json(const struct jv_prompt *p);

#endif
