/*
 * title.c - image titles from XMP, IPTC and EXIF (see title.h).
 *
 * Metadata comes from cameras, editors and club software of every age, so
 * every reader here is lenient: it takes what it can find and never fails the
 * image. Output is always valid UTF-8.
 */
#include "core/jv.h"

#include "input/title.h"

/* Owned, valid UTF-8, whitespace-trimmed copy; NULL if nothing is left. */
static char *clean(const char *s, gssize len)
{
    if (!s)
        return NULL;
    char *valid = g_utf8_make_valid(s, len);
    g_strstrip(valid);
    if (!*valid) {
        g_free(valid);
        return NULL;
    }
    return valid;
}

/* ---- XMP ---------------------------------------------------------------- */

struct xmp_ctx {
    const char *prop; /* "dc:title" or "dc:description" */
    int in_prop;      /* nesting inside the property element */
    bool in_li;
    GString *li_text;
    bool li_default;
    char *x_default; /* rdf:li with xml:lang="x-default" */
    char *first_li;  /* first non-empty rdf:li of any language */
    GString *direct; /* text directly inside the property (simple form) */
    char *attr;      /* attribute form: <rdf:Description dc:title="..."> */
};

static void xmp_start(GMarkupParseContext *ctx, const char *name, const char **attr_names,
                      const char **attr_values, gpointer data, GError **err)
{
    (void)ctx;
    (void)err;
    struct xmp_ctx *x = data;
    for (size_t i = 0; attr_names[i]; i++)
        if (!x->attr && strcmp(attr_names[i], x->prop) == 0)
            x->attr = clean(attr_values[i], -1);
    if (strcmp(name, x->prop) == 0) {
        x->in_prop++;
    } else if (x->in_prop && strcmp(name, "rdf:li") == 0) {
        x->in_li = true;
        g_string_truncate(x->li_text, 0);
        x->li_default = false;
        for (size_t i = 0; attr_names[i]; i++)
            if (strcmp(attr_names[i], "xml:lang") == 0 &&
                g_ascii_strcasecmp(attr_values[i], "x-default") == 0)
                x->li_default = true;
    }
}

static void xmp_end(GMarkupParseContext *ctx, const char *name, gpointer data, GError **err)
{
    (void)ctx;
    (void)err;
    struct xmp_ctx *x = data;
    if (strcmp(name, x->prop) == 0 && x->in_prop > 0) {
        x->in_prop--;
    } else if (x->in_li && strcmp(name, "rdf:li") == 0) {
        x->in_li = false;
        char *t = clean(x->li_text->str, (gssize)x->li_text->len);
        if (t && x->li_default && !x->x_default)
            x->x_default = g_strdup(t);
        if (t && !x->first_li)
            x->first_li = g_strdup(t);
        g_free(t);
    }
}

static void xmp_text(GMarkupParseContext *ctx, const char *text, gsize len, gpointer data,
                     GError **err)
{
    (void)ctx;
    (void)err;
    struct xmp_ctx *x = data;
    if (x->in_li)
        g_string_append_len(x->li_text, text, (gssize)len);
    else if (x->in_prop)
        g_string_append_len(x->direct, text, (gssize)len);
}

char *jv_xmp_property(const char *xmp, size_t len, const char *prop)
{
    if (!xmp || len == 0 || len > G_MAXSSIZE)
        return NULL;
    char *qname = g_strconcat("dc:", prop, NULL);
    struct xmp_ctx x = {.prop = qname, .li_text = g_string_new(NULL), .direct = g_string_new(NULL)};
    static const GMarkupParser parser = {
        .start_element = xmp_start, .end_element = xmp_end, .text = xmp_text};
    GMarkupParseContext *ctx = g_markup_parse_context_new(&parser, 0, &x, NULL);
    /* Whatever was found before a syntax error is still used. Packets often
     * end with NUL padding, which GMarkup refuses: stop at the first NUL. */
    const char *nul = memchr(xmp, '\0', len);
    size_t n = nul ? (size_t)(nul - xmp) : len;
    if (g_markup_parse_context_parse(ctx, xmp, (gssize)n, NULL))
        g_markup_parse_context_end_parse(ctx, NULL);
    g_markup_parse_context_free(ctx);

    char *out = NULL;
    if (x.x_default)
        out = g_strdup(x.x_default);
    else if (x.first_li)
        out = g_strdup(x.first_li);
    else if ((out = clean(x.direct->str, (gssize)x.direct->len)) == NULL && x.attr)
        out = g_strdup(x.attr);
    g_free(x.x_default);
    g_free(x.first_li);
    g_free(x.attr);
    g_string_free(x.li_text, TRUE);
    g_string_free(x.direct, TRUE);
    g_free(qname);
    return out;
}

/* ---- IPTC --------------------------------------------------------------- */

static guint32 be(const unsigned char *p, size_t n)
{
    guint32 v = 0;
    for (size_t i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/* Finds dataset 2:`want` in IIM records (2:05 ObjectName, 2:80 By-line). Record 1:90 says
 * whether text is UTF-8; without it text is ISO-8859-1 by the standard's default. */
static char *iim_dataset(const unsigned char *d, size_t len, unsigned want)
{
    bool utf8 = false;
    const unsigned char *name = NULL;
    size_t name_len = 0;
    size_t i = 0;
    while (i + 5 <= len) {
        if (d[i] != 0x1C) {
            i++;
            continue;
        }
        unsigned rec = d[i + 1], ds = d[i + 2];
        size_t n = be(d + i + 3, 2);
        i += 5;
        if (n & 0x8000) { /* extended dataset: the length of the length */
            size_t ll = n & 0x7FFF;
            if (ll == 0 || ll > 4 || ll > len - i)
                break;
            n = be(d + i, ll);
            i += ll;
        }
        if (n > len - i)
            break;
        if (rec == 1 && ds == 90 && n >= 3 && memcmp(d + i, "\x1B%G", 3) == 0)
            utf8 = true;
        if (rec == 2 && ds == want && !name) {
            name = d + i;
            name_len = n;
        }
        i += n;
    }
    if (!name)
        return NULL;
    if (!utf8 && !g_utf8_validate((const char *)name, (gssize)name_len, NULL)) {
        char *conv = g_convert((const char *)name, (gssize)name_len, "UTF-8", "ISO-8859-1", NULL,
                               NULL, NULL);
        if (conv) {
            char *out = clean(conv, -1);
            g_free(conv);
            return out;
        }
    }
    return clean((const char *)name, (gssize)name_len);
}

static char *iptc_dataset(const unsigned char *data, size_t len, unsigned want)
{
    if (!data || len > G_MAXSSIZE)
        return NULL;
    static const char ps[] = "Photoshop 3.0";
    size_t pos = 0;
    if (len >= sizeof ps && memcmp(data, ps, sizeof ps) == 0)
        pos = sizeof ps; /* includes the NUL after the signature */
    if (pos == 0 && (len < 4 || memcmp(data, "8BIM", 4) != 0))
        return iim_dataset(data, len, want);

    /* Photoshop image resources: "8BIM", id, padded Pascal name, size, data
     * padded to even length. IPTC-IIM is resource 0x0404. */
    while (pos + 12 <= len && memcmp(data + pos, "8BIM", 4) == 0) {
        guint32 id = be(data + pos + 4, 2);
        pos += 6;
        size_t name_len = data[pos] + 1u;
        pos += name_len + (name_len & 1);
        if (pos + 4 > len)
            break;
        size_t size = be(data + pos, 4);
        pos += 4;
        if (size > len - pos)
            break;
        if (id == 0x0404)
            return iim_dataset(data + pos, size, want);
        pos += size + (size & 1);
    }
    return NULL;
}

char *jv_iptc_object_name(const unsigned char *data, size_t len)
{
    return iptc_dataset(data, len, 5);
}

char *jv_iptc_byline(const unsigned char *data, size_t len)
{
    return iptc_dataset(data, len, 80);
}

/* ---- EXIF --------------------------------------------------------------- */

/*
 * libvips (via libexif) presents EXIF strings as "TEXT (TEXT, ASCII, N
 * components, N bytes)". The suffix repeats the text, so the split point is
 * the first " (" that is followed by the text before it and a comma.
 */
static char *exif_text(const char *v)
{
    size_t n = strlen(v);
    for (size_t k = 0; k + 2 < n; k++) {
        if (v[k] == ' ' && v[k + 1] == '(' && n - (k + 2) > k && strncmp(v + k + 2, v, k) == 0 &&
            v[2 * k + 2] == ',' && v[n - 1] == ')')
            return clean(v, (gssize)k);
    }
    return clean(v, -1);
}

char *jv_image_title(VipsImage *img)
{
    const void *blob = NULL;
    size_t len = 0;
    bool has_xmp = vips_image_get_typeof(img, "xmp-data") &&
                   vips_image_get_blob(img, "xmp-data", &blob, &len) == 0;
    const char *xmp = has_xmp ? blob : NULL;
    size_t xmp_len = has_xmp ? len : 0;

    char *t = jv_xmp_property(xmp, xmp_len, "title");
    if (!t && vips_image_get_typeof(img, "iptc-data") &&
        vips_image_get_blob(img, "iptc-data", &blob, &len) == 0)
        t = jv_iptc_object_name(blob, len);
    if (!t)
        t = jv_xmp_property(xmp, xmp_len, "description");
    const char *desc = NULL;
    if (!t && vips_image_get_typeof(img, "exif-ifd0-ImageDescription") &&
        vips_image_get_string(img, "exif-ifd0-ImageDescription", &desc) == 0 && desc)
        t = exif_text(desc);
    return t;
}

char *jv_image_author(VipsImage *img)
{
    const void *blob = NULL;
    size_t len = 0;
    char *a = NULL;
    if (vips_image_get_typeof(img, "xmp-data") &&
        vips_image_get_blob(img, "xmp-data", &blob, &len) == 0)
        a = jv_xmp_property(blob, len, "creator");
    if (!a && vips_image_get_typeof(img, "iptc-data") &&
        vips_image_get_blob(img, "iptc-data", &blob, &len) == 0)
        a = jv_iptc_byline(blob, len);
    const char *artist = NULL;
    if (!a && vips_image_get_typeof(img, "exif-ifd0-Artist") &&
        vips_image_get_string(img, "exif-ifd0-Artist", &artist) == 0 && artist)
        a = exif_text(artist);
    return a;
}
