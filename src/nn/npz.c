/* npz.c - the .npz reader: zip central directory, raw inflate, .npy headers. */
#include "core/jv.h"

#include "nn/npz.h"

#include <gio/gio.h>

/* Zip record signatures and fixed sizes (APPNOTE.TXT 4.3). */
#define SIG_EOCD   0x06054b50u
#define SIG_EOCD64 0x06064b50u
#define SIG_LOC64  0x07064b50u
#define SIG_CDIR   0x02014b50u
#define SIG_LOCAL  0x04034b50u
#define EOCD_LEN   22u
#define CDIR_LEN   46u
#define LOCAL_LEN  30u
/* Deflate cannot expand more than about 1032:1; a claimed size beyond that lies. */
#define DEFLATE_MAX_RATIO 1100u
#define NPY_MAX_HEADER    65536u

struct jv_npz {
    char *label;
    GPtrArray *tensors;  /* struct jv_npz_tensor *, archive order */
    GHashTable *by_name; /* borrowed name -> tensor */
};

/* One central-directory entry, sizes already widened from zip64 extras. */
struct entry {
    const char *name;
    size_t name_len;
    unsigned method;
    unsigned flags;
    uint64_t csize;
    uint64_t usize;
    uint64_t local_off;
};

static uint32_t rd16(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t rd32(const uint8_t *p)
{
    return rd16(p) | rd16(p + 2) << 16;
}

static uint64_t rd64(const uint8_t *p)
{
    return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static void tensor_free(gpointer p)
{
    struct jv_npz_tensor *t = p;
    g_free(t->name);
    g_free(t->data);
    g_free(t);
}

static int fail(GError **err, const char *label, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

static int fail(GError **err, const char *label, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error(err, JV_ERROR, JV_ERR_PARSE, "%s: %s", label, msg);
    g_free(msg);
    return -1;
}

/* The end-of-central-directory record: where the directory lies and how many entries. */
static int find_directory(const uint8_t *b, size_t len, const char *label, uint64_t *cd_off,
                          uint64_t *cd_size, uint64_t *n_entries, GError **err)
{
    if (len < EOCD_LEN)
        return fail(err, label, "not a zip archive (too short)");
    size_t lowest = len > EOCD_LEN + 65535u ? len - EOCD_LEN - 65535u : 0;
    size_t at = len - EOCD_LEN;
    for (;; at--) {
        if (rd32(b + at) == SIG_EOCD && at + EOCD_LEN + rd16(b + at + 20) == len)
            break;
        if (at == lowest)
            return fail(err, label, "not a zip archive (no end-of-directory record)");
    }
    *n_entries = rd16(b + at + 10);
    *cd_size = rd32(b + at + 12);
    *cd_off = rd32(b + at + 16);
    if (*n_entries == 0xffff || *cd_size == 0xffffffffu || *cd_off == 0xffffffffu) {
        if (at < 20 || rd32(b + at - 20) != SIG_LOC64)
            return fail(err, label, "zip64 archive without its locator");
        uint64_t e64 = rd64(b + at - 20 + 8);
        if (e64 > len || len - e64 < 56 || rd32(b + e64) != SIG_EOCD64)
            return fail(err, label, "zip64 end-of-directory record out of bounds");
        *n_entries = rd64(b + e64 + 32);
        *cd_size = rd64(b + e64 + 40);
        *cd_off = rd64(b + e64 + 48);
    }
    if (*cd_off > len || *cd_size > len - *cd_off)
        return fail(err, label, "central directory out of bounds");
    if (*n_entries > *cd_size / CDIR_LEN)
        return fail(err, label, "central directory claims %" G_GUINT64_FORMAT " entries",
                    *n_entries);
    return 0;
}

/* Widens the 0xffffffff fields of `e` from a zip64 extra field (id 1), in APPNOTE order. */
static int read_zip64_extra(struct entry *e, const uint8_t *x, size_t xlen, uint32_t usize32,
                            uint32_t csize32, uint32_t off32)
{
    while (xlen >= 4) {
        uint32_t id = rd16(x), sz = rd16(x + 2);
        if (sz > xlen - 4)
            return -1;
        if (id == 1) {
            const uint8_t *p = x + 4, *end = x + 4 + sz;
            if (usize32 == 0xffffffffu) {
                if (end - p < 8)
                    return -1;
                e->usize = rd64(p);
                p += 8;
            }
            if (csize32 == 0xffffffffu) {
                if (end - p < 8)
                    return -1;
                e->csize = rd64(p);
                p += 8;
            }
            if (off32 == 0xffffffffu) {
                if (end - p < 8)
                    return -1;
                e->local_off = rd64(p);
            }
            return 0;
        }
        x += 4 + sz;
        xlen -= 4 + sz;
    }
    return 0;
}

/* Parses the central-directory entry at b[*pos], advancing *pos past it. */
static int read_entry(const uint8_t *b, uint64_t cd_end, uint64_t *pos, struct entry *e,
                      const char *label, GError **err)
{
    if (cd_end - *pos < CDIR_LEN || rd32(b + *pos) != SIG_CDIR)
        return fail(err, label, "damaged central directory");
    const uint8_t *h = b + *pos;
    uint32_t nlen = rd16(h + 28), xlen = rd16(h + 30), clen = rd16(h + 32);
    if (cd_end - *pos - CDIR_LEN < (uint64_t)nlen + xlen + clen)
        return fail(err, label, "damaged central directory (entry runs past it)");
    e->flags = rd16(h + 8);
    e->method = rd16(h + 10);
    uint32_t csize32 = rd32(h + 20), usize32 = rd32(h + 24), off32 = rd32(h + 42);
    e->csize = csize32;
    e->usize = usize32;
    e->local_off = off32;
    e->name = (const char *)h + CDIR_LEN;
    e->name_len = nlen;
    if (read_zip64_extra(e, h + CDIR_LEN + nlen, xlen, usize32, csize32, off32) < 0)
        return fail(err, label, "damaged zip64 extra field");
    *pos += CDIR_LEN + nlen + xlen + clen;
    return 0;
}

/* Inflates raw deflate `in` into exactly `out_len` bytes of `out`. */
static int inflate_raw(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_len,
                       const char *label, const char *entry, GError **err)
{
    GZlibDecompressor *z = g_zlib_decompressor_new(G_ZLIB_COMPRESSOR_FORMAT_RAW);
    size_t in_at = 0, out_at = 0;
    int rc = 0;
    uint8_t scratch[1];
    for (;;) {
        gsize r = 0, w = 0;
        GError *e = NULL;
        /* With the buffer full, one more byte of room tells a finished stream from a long one. */
        bool room = out_at < out_len;
        GConverterResult cr = g_converter_convert(
            G_CONVERTER(z), in + in_at, in_len - in_at, room ? out + out_at : scratch,
            room ? out_len - out_at : 1, G_CONVERTER_INPUT_AT_END, &r, &w, &e);
        in_at += r;
        if (!room && w > 0) {
            rc = fail(err, label, "entry %s: inflates to more than its stated size", entry);
            break;
        }
        out_at += w;
        if (cr == G_CONVERTER_ERROR) {
            rc = fail(err, label, "entry %s: %s", entry, e->message);
            g_error_free(e);
            break;
        }
        if (cr == G_CONVERTER_FINISHED)
            break;
        if (r == 0 && w == 0) {
            rc = fail(err, label, "entry %s: truncated deflate stream", entry);
            break;
        }
    }
    if (rc == 0 && out_at != out_len)
        rc = fail(err, label, "entry %s: inflates to %zu bytes, the directory says %zu", entry,
                  out_at, out_len);
    g_object_unref(z);
    return rc;
}

/* Parses "(3, 4)" / "(5,)" / "()" at `s` into t->shape; -1 on anything else. */
static int parse_shape(const char *s, struct jv_npz_tensor *t)
{
    while (*s == ' ')
        s++;
    if (*s++ != '(')
        return -1;
    t->ndim = 0;
    t->count = 1;
    for (;;) {
        while (*s == ' ')
            s++;
        if (*s == ')')
            return 0;
        if (!g_ascii_isdigit(*s) || t->ndim == JV_NPZ_MAX_DIMS)
            return -1;
        char *end = NULL;
        guint64 v = g_ascii_strtoull(s, &end, 10);
        if (end == s || v > ((guint64)1 << 40))
            return -1;
        if (v != 0 && t->count > SIZE_MAX / 8 / v)
            return -1;
        t->shape[t->ndim++] = (int64_t)v;
        t->count *= (size_t)v;
        s = end;
        while (*s == ' ')
            s++;
        if (*s == ',')
            s++;
        else if (*s != ')')
            return -1;
    }
}

/* The value text after `'key':` in a .npy header dict, or NULL. */
static const char *dict_value(const char *hdr, const char *key)
{
    const char *k = strstr(hdr, key);
    if (!k)
        return NULL;
    k += strlen(key);
    while (*k == ' ')
        k++;
    if (*k != ':')
        return NULL;
    k++;
    while (*k == ' ')
        k++;
    return k;
}

/*
 * Reads the .npy header of `npy` (len bytes): magic, version, the dict with
 * descr, fortran_order and shape. Sets *item (4 or 8), t->shape/count and
 * *data_off; checks that the data after the header is exactly count * item
 * bytes.
 */
static int parse_npy_header(const uint8_t *npy, size_t len, struct jv_npz_tensor *t, size_t *item,
                            size_t *data_off, const char *label, GError **err)
{
    if (len < 10 || memcmp(npy, "\x93NUMPY", 6) != 0)
        return fail(err, label, "entry %s.npy is not a .npy array", t->name);
    size_t hlen, start;
    if (npy[6] == 1) {
        hlen = rd16(npy + 8);
        start = 10;
    } else if ((npy[6] == 2 || npy[6] == 3) && len >= 12) {
        hlen = rd32(npy + 8);
        start = 12;
    } else {
        return fail(err, label, "entry %s.npy: unsupported .npy version %u", t->name, npy[6]);
    }
    if (hlen > NPY_MAX_HEADER || hlen > len - start)
        return fail(err, label, "entry %s.npy: header runs past the entry", t->name);
    char *hdr = g_strndup((const char *)npy + start, hlen);
    const char *descr = dict_value(hdr, "'descr'");
    const char *fortran = dict_value(hdr, "'fortran_order'");
    const char *shape = dict_value(hdr, "'shape'");
    int rc = 0;
    if (!descr || !fortran || !shape)
        rc = fail(err, label, "entry %s.npy: header lacks descr, fortran_order or shape", t->name);
    else if (g_str_has_prefix(descr, "'<f4'"))
        *item = 4;
    else if (g_str_has_prefix(descr, "'<f8'"))
        *item = 8;
    else
        rc = fail(err, label, "entry %s.npy: dtype %.8s is not float32/float64 little-endian",
                  t->name, descr);
    if (rc == 0 && !g_str_has_prefix(fortran, "False"))
        rc = fail(err, label, "entry %s.npy: Fortran order is not supported", t->name);
    if (rc == 0 && parse_shape(shape, t) < 0)
        rc = fail(err, label, "entry %s.npy: bad shape in header", t->name);
    g_free(hdr);
    if (rc < 0)
        return rc;
    *data_off = start + hlen;
    if ((len - *data_off) / *item != t->count || (len - *data_off) % *item != 0)
        return fail(err, label, "entry %s.npy: %zu data bytes for %zu elements of %zu bytes",
                    t->name, len - *data_off, t->count, *item);
    return 0;
}

/* Converts the raw little-endian payload into t->data (floats). */
static void take_payload(struct jv_npz_tensor *t, const uint8_t *p, size_t item)
{
    t->data = g_malloc(sizeof(float) * (t->count ? t->count : 1));
    if (item == 4) {
        memcpy(t->data, p, t->count * 4);
        return;
    }
    for (size_t i = 0; i < t->count; i++) {
        double d;
        memcpy(&d, p + 8 * i, 8);
        t->data[i] = (float)d;
    }
}

/*
 * Loads one entry: locates its data through the local header, inflates it
 * when deflated (into a buffer no larger than the ratio bound allows), reads
 * the .npy header and converts the payload. Returns an owned tensor or NULL.
 */
static struct jv_npz_tensor *load_entry(const uint8_t *b, size_t len, const struct entry *e,
                                        const char *label, GError **err)
{
    struct jv_npz_tensor *t = g_new0(struct jv_npz_tensor, 1);
    t->name = g_strndup(e->name, e->name_len - 4);
    uint8_t *buf = NULL;
    const uint8_t *npy = NULL;
    size_t item = 4, data_off = 0;
    int rc = 0;
    if (e->flags & 1u)
        rc = fail(err, label, "entry %s.npy is encrypted", t->name);
    else if (e->method != 0 && e->method != 8)
        rc = fail(err, label, "entry %s.npy: compression method %u is not stored or deflate",
                  t->name, e->method);
    uint64_t at = e->local_off;
    if (rc == 0 && (at > len || len - at < LOCAL_LEN || rd32(b + at) != SIG_LOCAL))
        rc = fail(err, label, "entry %s.npy: local header out of bounds", t->name);
    if (rc == 0) {
        at += LOCAL_LEN + (uint64_t)rd16(b + at + 26) + rd16(b + at + 28);
        if (at > len || e->csize > len - at)
            rc = fail(err, label, "entry %s.npy: data runs past the end of the file", t->name);
    }
    if (rc == 0 && e->method == 0) {
        if (e->usize != e->csize)
            rc = fail(err, label, "entry %s.npy: stored entry with two sizes", t->name);
        npy = b + at;
    } else if (rc == 0) {
        if (e->usize / DEFLATE_MAX_RATIO > e->csize + 1)
            rc = fail(err, label, "entry %s.npy: claims an impossible inflated size", t->name);
        else if (e->usize > SIZE_MAX / 2)
            rc = fail(err, label, "entry %s.npy: too large", t->name);
        else {
            buf = g_malloc(e->usize ? (size_t)e->usize : 1);
            rc = inflate_raw(b + at, (size_t)e->csize, buf, (size_t)e->usize, label, t->name, err);
            npy = buf;
        }
    }
    if (rc == 0)
        rc = parse_npy_header(npy, (size_t)e->usize, t, &item, &data_off, label, err);
    if (rc == 0)
        take_payload(t, npy + data_off, item);
    g_free(buf);
    if (rc < 0) {
        tensor_free(t);
        return NULL;
    }
    return t;
}

static struct jv_npz *npz_new(const char *label)
{
    struct jv_npz *z = g_new0(struct jv_npz, 1);
    z->label = g_strdup(label);
    z->tensors = g_ptr_array_new_with_free_func(tensor_free);
    z->by_name = g_hash_table_new(g_str_hash, g_str_equal);
    return z;
}

static bool wanted(const struct entry *e, const char *prefix)
{
    size_t plen = prefix ? strlen(prefix) : 0;
    return e->name_len >= plen && memcmp(e->name, prefix ? prefix : "", plen) == 0;
}

struct jv_npz *jv_npz_open_bytes(const uint8_t *b, size_t len, const char *label,
                                 const char *prefix, GError **err)
{
    uint64_t cd_off = 0, cd_size = 0, n = 0;
    if (find_directory(b, len, label, &cd_off, &cd_size, &n, err) < 0)
        return NULL;
    struct jv_npz *z = npz_new(label);
    uint64_t pos = cd_off, cd_end = cd_off + cd_size;
    for (uint64_t i = 0; i < n; i++) {
        struct entry e = {0};
        if (read_entry(b, cd_end, &pos, &e, label, err) < 0)
            goto fail;
        if (e.name_len < 5 || memcmp(e.name + e.name_len - 4, ".npy", 4) != 0 ||
            memchr(e.name, '\0', e.name_len)) {
            fail(err, label, "entry %.*s is not a .npy file", (int)MIN(e.name_len, 200), e.name);
            goto fail;
        }
        if (!wanted(&e, prefix))
            continue;
        struct jv_npz_tensor *t = load_entry(b, len, &e, label, err);
        if (!t)
            goto fail;
        if (g_hash_table_contains(z->by_name, t->name)) {
            fail(err, label, "entry %s.npy appears twice", t->name);
            tensor_free(t);
            goto fail;
        }
        g_ptr_array_add(z->tensors, t);
        g_hash_table_insert(z->by_name, t->name, t);
    }
    return z;
fail:
    jv_npz_free(z);
    return NULL;
}

struct jv_npz *jv_npz_open(const char *path, const char *prefix, GError **err)
{
    GError *e = NULL;
    GMappedFile *m = g_mapped_file_new(path, FALSE, &e);
    if (!m) {
        g_set_error(err, JV_ERROR, JV_ERR_IO, "%s: %s", path, e->message);
        g_error_free(e);
        return NULL;
    }
    struct jv_npz *z = jv_npz_open_bytes((const uint8_t *)g_mapped_file_get_contents(m),
                                         g_mapped_file_get_length(m), path, prefix, err);
    g_mapped_file_unref(m);
    return z;
}

const char *jv_npz_label(const struct jv_npz *z)
{
    return z->label;
}

guint jv_npz_count(const struct jv_npz *z)
{
    return z->tensors->len;
}

const struct jv_npz_tensor *jv_npz_at(const struct jv_npz *z, guint i)
{
    return i < z->tensors->len ? g_ptr_array_index(z->tensors, i) : NULL;
}

const struct jv_npz_tensor *jv_npz_get(const struct jv_npz *z, const char *name)
{
    return g_hash_table_lookup(z->by_name, name);
}

static void append_shape(GString *s, int ndim, const int64_t *shape)
{
    g_string_append_c(s, '(');
    for (int i = 0; i < ndim; i++)
        g_string_append_printf(s, "%s%" G_GINT64_FORMAT, i ? ", " : "", shape[i]);
    g_string_append(s, ndim == 1 ? ",)" : ")");
}

const struct jv_npz_tensor *jv_npz_expect(const struct jv_npz *z, const char *name, int ndim,
                                          const int64_t *shape, GError **err)
{
    const struct jv_npz_tensor *t = jv_npz_get(z, name);
    if (!t) {
        g_set_error(err, JV_ERROR, JV_ERR_NOT_FOUND, "%s: missing tensor %s", z->label, name);
        return NULL;
    }
    bool ok = t->ndim == ndim;
    for (int i = 0; ok && i < ndim; i++)
        ok = shape[i] < 0 || shape[i] == t->shape[i];
    if (ok)
        return t;
    GString *s = g_string_new(NULL);
    g_string_append_printf(s, "%s: tensor %s has shape ", z->label, name);
    append_shape(s, t->ndim, t->shape);
    g_string_append(s, ", expected ");
    append_shape(s, ndim, shape);
    g_set_error_literal(err, JV_ERROR, JV_ERR_PARSE, s->str);
    g_string_free(s, TRUE);
    return NULL;
}

const struct jv_npz_tensor *jv_npz_expect_count(const struct jv_npz *z, const char *name,
                                                size_t count, GError **err)
{
    const struct jv_npz_tensor *t = jv_npz_get(z, name);
    if (!t) {
        g_set_error(err, JV_ERROR, JV_ERR_NOT_FOUND, "%s: missing tensor %s", z->label, name);
        return NULL;
    }
    if (t->count == count)
        return t;
    g_set_error(err, JV_ERROR, JV_ERR_PARSE, "%s: tensor %s has %zu elements, expected %zu",
                z->label, name, t->count, count);
    return NULL;
}

void jv_npz_free(struct jv_npz *z)
{
    if (!z)
        return;
    g_hash_table_destroy(z->by_name);
    g_ptr_array_free(z->tensors, TRUE);
    g_free(z->label);
    g_free(z);
}
