/* reply.c - chat-completions replies read from SSE events or a whole body. */
#include "core/jv.h"

#include <jansson.h>

#include "vlm/reply.h"

void jv_reply_init(struct jv_reply *r)
{
    memset(r, 0, sizeof(*r));
    r->content = g_string_new(NULL);
    r->prompt_tokens = -1;
    r->completion_tokens = -1;
}

void jv_reply_release(struct jv_reply *r)
{
    if (r->content)
        g_string_free(r->content, TRUE);
    g_free(r->finish_reason);
    g_free(r->error);
    memset(r, 0, sizeof(*r));
}

void jv_reply_reset(struct jv_reply *r)
{
    jv_reply_release(r);
    jv_reply_init(r);
}

/* The error message of {"error": {...}} / {"error": "..."} / {"object": "error"}, or NULL. */
static char *error_message(const json_t *root)
{
    const json_t *e = json_object_get(root, "error");
    if (!e) {
        const char *obj = json_string_value(json_object_get(root, "object"));
        if (!obj || strcmp(obj, "error") != 0)
            return NULL;
        e = root;
    }
    if (json_is_null(e))
        return NULL;
    if (json_is_string(e))
        return g_strdup(json_string_value(e));
    const char *msg = json_string_value(json_object_get(e, "message"));
    if (msg)
        return g_strdup(msg);
    char *dump = json_dumps(e, JSON_COMPACT);
    char *out = g_strdup(dump ? dump : "unknown error");
    free(dump);
    return out;
}

static void take_usage(struct jv_reply *r, const json_t *usage)
{
    if (!json_is_object(usage))
        return;
    const json_t *p = json_object_get(usage, "prompt_tokens");
    const json_t *c = json_object_get(usage, "completion_tokens");
    if (json_is_integer(p))
        r->prompt_tokens = (long)json_integer_value(p);
    if (json_is_integer(c))
        r->completion_tokens = (long)json_integer_value(c);
}

static void take_finish(struct jv_reply *r, const json_t *choice)
{
    const char *fr = json_string_value(json_object_get(choice, "finish_reason"));
    if (fr && fr[0]) {
        g_free(r->finish_reason);
        r->finish_reason = g_strdup(fr);
    }
}

static int fail_error_event(struct jv_reply *r, char *msg, GError **err)
{
    g_free(r->error);
    r->error = msg;
    g_set_error(err, JV_ERROR, JV_ERR_HTTP, "the server reported an error: %s", msg);
    return -1;
}

int jv_reply_feed_sse(struct jv_reply *r, const char *data, size_t len, GError **err)
{
    r->events++;
    while (len && g_ascii_isspace(data[0])) {
        data++;
        len--;
    }
    while (len && g_ascii_isspace(data[len - 1]))
        len--;
    if (len == 6 && memcmp(data, "[DONE]", 6) == 0) {
        r->done = true;
        return 0;
    }
    json_error_t jerr;
    json_t *root = json_loadb(data, len, 0, &jerr);
    if (!json_is_object(root)) {
        /* data need not be NUL-terminated: quote at most len bytes. */
        g_set_error(err, JV_ERROR, JV_ERR_PARSE, "malformed stream event (%s): %.*s",
                    root ? "not an object" : jerr.text, (int)MIN(len, 80), data);
        json_decref(root);
        return -1;
    }
    char *msg = error_message(root);
    if (msg) {
        json_decref(root);
        return fail_error_event(r, msg, err);
    }
    const json_t *choices = json_object_get(root, "choices");
    if (json_is_array(choices) && json_array_size(choices) > 0) {
        const json_t *choice = json_array_get(choices, 0);
        const json_t *delta = json_object_get(choice, "delta");
        const char *text = json_string_value(json_object_get(delta, "content"));
        if (text)
            g_string_append(r->content, text);
        take_finish(r, choice);
    }
    take_usage(r, json_object_get(root, "usage"));
    json_decref(root);
    return 0;
}

int jv_reply_parse_nonstream(struct jv_reply *r, const char *body, GError **err)
{
    json_error_t jerr;
    json_t *root = json_loads(body, 0, &jerr);
    int ret = -1;
    if (!json_is_object(root)) {
        g_set_error(err, JV_ERROR, JV_ERR_PARSE, "malformed reply body (%s): %.80s",
                    root ? "not an object" : jerr.text, body);
        goto out;
    }
    char *msg = error_message(root);
    if (msg) {
        ret = fail_error_event(r, msg, err);
        goto out;
    }
    /* Usage first: the tokens were spent even when the message is missing. */
    take_usage(r, json_object_get(root, "usage"));
    const json_t *choice = json_array_get(json_object_get(root, "choices"), 0);
    const json_t *message = json_object_get(choice, "message");
    if (!json_is_object(message)) {
        g_set_error(err, JV_ERROR, JV_ERR_PARSE, "reply body has no choices[0].message");
        goto out;
    }
    const char *text = json_string_value(json_object_get(message, "content"));
    if (text)
        g_string_append(r->content, text);
    take_finish(r, choice);
    r->done = true;
    ret = 0;
out:
    json_decref(root);
    return ret;
}

int jv_reply_finish(struct jv_reply *r, const struct jv_http_result *res, const char *stream_error,
                    GError **err)
{
    if (res->error) {
        if (stream_error)
            g_set_error(err, res->error->domain, res->error->code, "%s (%s)", res->error->message,
                        stream_error);
        else
            g_set_error_literal(err, res->error->domain, res->error->code, res->error->message);
        return -1;
    }
    if (r->events == 0 && res->body && res->body[0])
        return jv_reply_parse_nonstream(r, res->body, err);
    return 0;
}

static void add_count(long *sum, long n)
{
    if (sum && n >= 0)
        *sum = MAX(*sum, 0) + n;
}

void jv_reply_add_usage(const struct jv_reply *r, long *prompt_sum, long *completion_sum)
{
    add_count(prompt_sum, r->prompt_tokens);
    add_count(completion_sum, r->completion_tokens);
}
