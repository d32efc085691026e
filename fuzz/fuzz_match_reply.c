/*
 * Fuzzes the playoff's reply handling: the chat-completions body parser
 * (jv_match_reply_content), the winner parser (jv_match_parse_reply) on the
 * raw bytes and on the extracted content, and the critique summary cut.
 * Checks the promises: a winner is 0 or 1 with a reason; the summary is
 * valid UTF-8 of at most 280 characters.
 */
#include "core/jv.h"

#include "playoff/match.h"

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
    long tokens = 0;
    GError *err = NULL;
    char *content = jv_match_reply_content(text, &tokens, &err);
    if (content)
        parse(content);
    else if (!err)
        abort();
    g_free(content);
    g_clear_error(&err);
    char *summary = jv_match_summary(text, JV_MATCH_SUMMARY_MAX);
    if (!g_utf8_validate(summary, -1, NULL) || g_utf8_strlen(summary, -1) > JV_MATCH_SUMMARY_MAX)
        abort();
    g_free(summary);
    g_free(text);
    return 0;
}
