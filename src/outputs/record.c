/* record.c - the results record's schema (JV_RECORD_FIELDS) and typed access. */
#include "core/jv.h"

#include "core/fsutil.h"
#include "outputs/record.h"

static const char *const keys[JV_REC_COUNT] = {
#define JV_REC_KEY(name, key, type) [JV_REC_##name] = key,
    JV_RECORD_FIELDS(JV_REC_KEY)
#undef JV_REC_KEY
};

const char *jv_record_key(enum jv_rec f)
{
    return (unsigned)f < JV_REC_COUNT ? keys[f] : NULL;
}

json_t *jv_record_keys_json(void)
{
    json_t *a = json_array();
    for (size_t i = 0; i < JV_REC_COUNT; i++)
        json_array_append_new(a, json_string(keys[i]));
    return a;
}

json_t *jv_record_new(void)
{
    json_t *r = json_object();
    for (size_t i = 0; i < JV_REC_COUNT; i++)
        json_object_set_new(r, keys[i], json_null());
    return r;
}

json_t *jv_record_get(const json_t *rec, enum jv_rec f)
{
    return json_object_get(rec, jv_record_key(f));
}

const char *jv_record_str(const json_t *rec, enum jv_rec f)
{
    return json_string_value(jv_record_get(rec, f));
}

bool jv_record_num(const json_t *rec, enum jv_rec f, double *out)
{
    json_t *v = jv_record_get(rec, f);
    if (!json_is_number(v))
        return false;
    *out = json_number_value(v);
    return true;
}

long long jv_record_int(const json_t *rec, enum jv_rec f, long long dflt)
{
    json_t *v = jv_record_get(rec, f);
    if (json_is_integer(v))
        return json_integer_value(v);
    if (json_is_real(v))
        return (long long)json_real_value(v);
    return dflt;
}

void jv_record_set(json_t *rec, enum jv_rec f, json_t *value)
{
    json_object_set_new(rec, jv_record_key(f), value ? value : json_null());
}

void jv_record_set_str(json_t *rec, enum jv_rec f, const char *s)
{
    jv_record_set(rec, f, s ? json_string(s) : json_null());
}

void jv_record_set_int(json_t *rec, enum jv_rec f, long long v)
{
    jv_record_set(rec, f, json_integer((json_int_t)v));
}

void jv_record_set_num(json_t *rec, enum jv_rec f, double v)
{
    jv_record_set(rec, f, json_real(v));
}

bool jv_record_is_ok(const json_t *rec)
{
    return g_strcmp0(jv_record_str(rec, JV_REC_STATUS), JV_STATUS_OK) == 0;
}

char *jv_record_image_raw(const char *path, const char *image)
{
    if (!path || !image || strcmp(path, image) == 0)
        return NULL;
    return g_base64_encode((const guchar *)path, strlen(path));
}

char *jv_record_image_path(const json_t *rec)
{
    const char *raw = jv_record_str(rec, JV_REC_IMAGE_RAW);
    if (raw && *raw) {
        gsize len = 0;
        guchar *bytes = g_base64_decode(raw, &len);
        /* A path has no NUL byte; anything else is not ours to open. */
        if (bytes && len > 0 && !memchr(bytes, 0, len)) {
            char *path = g_strndup((const char *)bytes, len);
            g_free(bytes);
            return path;
        }
        g_free(bytes);
    }
    const char *image = jv_record_str(rec, JV_REC_IMAGE);
    return image ? jv_path_from_utf8(image) : NULL;
}
