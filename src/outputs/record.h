/*
 * record.h - the results record of one photo (doc/SPEC.md 3), the product's
 * central data: its schema, written once, and typed access to a record held
 * as a JSON object.
 *
 * JV_RECORD_FIELDS lists every key in the order the writer emits it, with
 * the JSON type its value has when set (every field may also be null). From
 * it come enum jv_rec (JV_REC_IMAGE, ...), the key names
 * (jv_record_key(JV_REC_IMAGE) == "image"), the key list the writer, the
 * web page's columns and resume use, and the typed getters and setters
 * below. No record key is spelled as a string anywhere else, except where
 * the record is built (pipeline/record.c).
 *
 * Ownership: getters borrow from the record (returned strings live as long
 * as the record's value); setters take the value they are given (jansson's
 * _new convention) and replace what was there.
 */
#ifndef JV_OUTPUTS_RECORD_H
#define JV_OUTPUTS_RECORD_H

#include <jansson.h>
#include <stdbool.h>

#define JV_RESULTS_SCHEMA_VERSION 1

/*
 * X(NAME, "key", type) with type one of INT, NUM, STR, BOOL, OBJ, ARR.
 * The entrant and placing fields (doc/SPEC.md 3): author and where it came
 * from ("entry_list", "metadata", "filename"); rank (1 = best in its
 * category, ok records only), placing (the competition's placing name or
 * null), rank_basis (what separated the entry from the next one:
 * "score", "strength", "head_to_head", "decider", "decider_split",
 * "initial_score", "content_hash"); warnings: the rule breaches and
 * checks that concern the entry, as sentences.
 */
#define JV_RECORD_FIELDS(X)                                                                        \
    X(SCHEMA_VERSION, "schema_version", INT)                                                       \
    X(RUN_ID, "run_id", STR)                                                                       \
    X(IMAGE, "image", STR)                                                                         \
    X(IMAGE_RAW, "image_raw", STR)                                                                 \
    X(CONTENT_HASH, "content_hash", STR)                                                           \
    X(IMAGE_TITLE, "image_title", STR)                                                             \
    X(COMPETITION_CATEGORY, "competition_category", STR)                                           \
    X(CRITIQUE_CATEGORY, "critique_category", STR)                                                 \
    X(STYLE_INFERENCE, "style_inference", STR)                                                     \
    X(CRITIQUE_TITLE, "critique_title", STR)                                                       \
    X(CRITIQUE, "critique", STR)                                                                   \
    X(CRITIQUE_SUBSCORES, "critique_subscores", OBJ)                                               \
    X(CRITIQUE_TOTAL_INITIAL, "critique_total_initial", NUM)                                       \
    X(CRITIQUE_TOTAL, "critique_total", INT)                                                       \
    X(CRITIQUE_TOTAL_RAW, "critique_total_raw", INT)                                               \
    X(CRITIQUE_JUDGES, "critique_judges", OBJ)                                                     \
    X(CRITIQUE_SPREAD, "critique_spread", NUM)                                                     \
    X(CRITIQUE_AWARD, "critique_award", STR)                                                       \
    X(CRITIQUE_COMPLIANCE_FLAG, "critique_compliance_flag", BOOL)                                  \
    X(TECHNICAL_SIGNALS, "technical_signals", OBJ)                                                 \
    X(COMPLIANCE, "compliance", OBJ)                                                               \
    X(BACKEND, "backend", STR)                                                                     \
    X(MODEL, "model", STR)                                                                         \
    X(PROMPT_PROFILE, "prompt_profile", STR)                                                       \
    X(PROMPT_SHA256, "prompt_sha256", STR)                                                         \
    X(STATUS, "status", STR)                                                                       \
    X(ERROR, "error", STR)                                                                         \
    X(USAGE, "usage", OBJ)                                                                         \
    X(FINISH_REASON, "finish_reason", STR)                                                         \
    X(DURATION_SECONDS, "duration_seconds", NUM)                                                   \
    X(STAGE1_DURATION_SECONDS, "stage1_duration_seconds", NUM)                                     \
    X(STAGE2_DURATION_SECONDS, "stage2_duration_seconds", NUM)                                     \
    X(STAGE3_DURATION_SECONDS, "stage3_duration_seconds", NUM)                                     \
    X(TIMESTAMP_STAGE2_STARTED, "timestamp_stage2_started", STR)                                   \
    X(TIMESTAMP_STAGE2_FINISHED, "timestamp_stage2_finished", STR)                                 \
    X(TTFT_SECONDS, "ttft_seconds", NUM)                                                           \
    X(PAIRWISE_SCORE_INITIAL, "pairwise_score_initial", NUM)                                       \
    X(PAIRWISE_WINS, "pairwise_wins", INT)                                                         \
    X(PAIRWISE_COMPARISONS, "pairwise_comparisons", INT)                                           \
    X(PAIRWISE_WIN_RATIO, "pairwise_win_ratio", NUM)                                               \
    X(PAIRWISE_STRENGTH, "pairwise_strength", NUM)                                                 \
    X(AUTHOR, "author", STR)                                                                       \
    X(AUTHOR_SOURCE, "author_source", STR)                                                         \
    X(RANK, "rank", INT)                                                                           \
    X(PLACING, "placing", STR)                                                                     \
    X(RANK_BASIS, "rank_basis", STR)                                                               \
    X(WARNINGS, "warnings", ARR)

enum jv_rec {
#define JV_REC_ENUM(name, key, type) JV_REC_##name,
    JV_RECORD_FIELDS(JV_REC_ENUM)
#undef JV_REC_ENUM
        JV_REC_COUNT
};

/* The status values of a record. */
#define JV_STATUS_OK          "ok"
#define JV_STATUS_PARSE_ERROR "parse_error"
#define JV_STATUS_ERROR       "error"

/* The key of field `f` (static string). */
const char *jv_record_key(enum jv_rec f);

/* Every key in schema order as a JSON array of strings (new reference). */
json_t *jv_record_keys_json(void);

/* A new record with every field present and null. */
json_t *jv_record_new(void);

/* The field's value (borrowed; NULL when absent). */
json_t *jv_record_get(const json_t *rec, enum jv_rec f);

/* The string, or NULL when absent, null or not a string. */
const char *jv_record_str(const json_t *rec, enum jv_rec f);

/* True and *out set when the field holds a number (integer or real). */
bool jv_record_num(const json_t *rec, enum jv_rec f, double *out);

/* The integer value, or `dflt` when the field holds no number. */
long long jv_record_int(const json_t *rec, enum jv_rec f, long long dflt);

/* Sets the field to `value` (taken; NULL stores null). */
void jv_record_set(json_t *rec, enum jv_rec f, json_t *value);

/* Convenience setters: NULL strings store null. */
void jv_record_set_str(json_t *rec, enum jv_rec f, const char *s);
void jv_record_set_int(json_t *rec, enum jv_rec f, long long v);
void jv_record_set_num(json_t *rec, enum jv_rec f, double v);

/* True when the record's status is "ok". */
bool jv_record_is_ok(const json_t *rec);

/*
 * `image` is the photo's path as text (core/fsutil.h jv_path_utf8(): bytes
 * that are not UTF-8 escaped, one-to-one); `image_raw` is null for ordinary
 * names and, where the text differs from the path, the path's exact bytes in
 * base64. The path to open is therefore image_raw decoded when set, else
 * `image` with its escapes undone (which also serves records written before
 * image_raw existed). Returns it owned, or NULL when the record names no
 * image.
 */
char *jv_record_image_path(const json_t *rec);

/* The value of image_raw for `path` (owned; NULL for an ordinary name). */
char *jv_record_image_raw(const char *path, const char *image);

#endif
