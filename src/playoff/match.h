/*
 * match.h - one Stage 3 match as the VLM sees it (doc/SPEC.md 2.7): the request
 * body, the image data URLs (encoded once per image for the whole stage) and
 * the parsing of the reply.
 *
 * The request shows Entry A first and Entry B second: for each, a text part
 * (title, category, style, a <=280-character summary of its critique, its
 * TECHNICAL ANALYSIS block from iqa/techblock.h, compact form) followed by
 * its image as a data URL; then the question. It asks for JSON only:
 * {"winner": "A"|"B", "reason": "..."}; max_tokens 128, temperature 0.2, not
 * streamed. The body is built by the VLM client (vlm/request.h) and the
 * reply read by it (vlm/reply.h); this module knows what a match says.
 *
 * Ownership: records and URLs are borrowed; returned text is owned (g_free)
 * and JSON a new reference.
 */
#ifndef JV_MATCH_H
#define JV_MATCH_H

#include <jansson.h>

#define JV_MATCH_SUMMARY_MAX 280
#define JV_MATCH_MAX_TOKENS  128
#define JV_MATCH_TEMPERATURE 0.2
/* The ask-again after an unparseable reply keeps the token limit (vlm/retry.h). */
#define JV_MATCH_RETRY_TOKEN_FACTOR 1.0

/*
 * The critique cut to at most `max_chars` characters (UTF-8 characters,
 * whitespace runs collapsed to one space), on a word boundary, ending in "…"
 * when cut. Returns owned text ("" for NULL).
 */
char *jv_match_summary(const char *critique, size_t max_chars);

/*
 * Encoded images for a whole stage: a cache of data URLs keyed by path.
 * jv_match_images_get() returns the borrowed data URL (valid until
 * jv_match_images_release()), reading and encoding the file on first use.
 * `encodings` counts the files actually encoded (it equals the number of
 * distinct images asked for). Encoding is Stage 2's (jv_image_data_url()):
 * the MIME type from the file's bytes, and images above `max_side` pixels
 * (--vlm-max-side; 0 = never) downscaled and re-encoded as JPEG.
 */
struct jv_match_images {
    GHashTable *urls; /* path -> data URL, both owned */
    size_t encodings;
    int max_side;
    GMutex lock;
};
void jv_match_images_init(struct jv_match_images *c);
void jv_match_images_release(struct jv_match_images *c);
const char *jv_match_images_get(struct jv_match_images *c, const char *path, GError **err);

/*
 * The chat-completions body for a match between two result records
 * (borrowed; fields image_title / critique_title, competition_category,
 * style_inference, critique, technical_signals). `temperature` is
 * JV_MATCH_TEMPERATURE for a first try. Returns a new reference.
 */
json_t *jv_match_request(const json_t *rec_a, const json_t *rec_b, const char *url_a,
                         const char *url_b, const char *model, double temperature);

/*
 * The same body as compact JSON text (owned, g_free) for request number
 * `request_no` of the match: 1 at JV_MATCH_TEMPERATURE, the one retry after
 * an unparseable reply (vlm/retry.h) at temperature 0 with the same token
 * limit.
 */
char *jv_match_request_body(const json_t *rec_a, const json_t *rec_b, const char *url_a,
                            const char *url_b, const char *model, int request_no);

/*
 * The SHA-256 (hex) of the match prompt: its system text and its question.
 * The matches log records it; a logged match is replayed only under the same
 * prompt. Owned.
 */
char *jv_match_prompt_sha256(void);

/*
 * Parses the model's text: finds the JSON object holding "winner" (markdown
 * fences and prose around it are tolerated); "A"/"B", "Entry A"/"Entry B" in
 * any case; a bare "A" or "B" reply is accepted too. On success stores 0 (A)
 * or 1 (B) in *winner and the reason (owned, may be "") in *reason.
 */
int jv_match_parse_reply(const char *text, int *winner, char **reason, GError **err);

#endif
