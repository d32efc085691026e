/*
 * Fuzzes the playoff's reply handling: the chat-completions body reader
 * (jv_reply_parse_nonstream, as the playoff reads a reply), the winner parser
 * (jv_match_parse_reply) on the raw bytes and on the extracted content, and the critique summary
 * cut. Checks the promises: a winner is 0 or 1 with a reason; the summary is valid UTF-8 of at most
 * 280 characters.
 */
#include "core/jv.h"

#include "playoff/match.h"
#include "vlm/reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void parse(const char *text)
{
    int winner = -1;
    char *reason = NULL;
    GError *err = NULL;
    if (jv_match_parse_reply(text, &winner, &reason, &err) == 0) {
        if ((winner != 0 && winner != 1) || !reason)
            abort();
    } else if (!err || reason) {
        abort();
    }
    g_free(reason);
    g_clear_error(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = g_strndup((const char *)data, size);
    parse(text);
    struct jv_reply reply;
    jv_reply_init(&reply);
    GError *err = NULL;
    if (jv_reply_parse_nonstream(&reply, text, &err) == 0) {
        if (err)
            abort();
        parse(reply.content->str);
    } else if (!err) {
        abort();
    }
    jv_reply_release(&reply);
    g_clear_error(&err);
    char *summary = jv_match_summary(text, JV_MATCH_SUMMARY_MAX);
    if (!g_utf8_validate(summary, -1, NULL) || g_utf8_strlen(summary, -1) > JV_MATCH_SUMMARY_MAX)
        abort();
    g_free(summary);
    g_free(text);
    return 0;
}
