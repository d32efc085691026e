/*
 * test_npz.c - the .npz reader on archives built here, byte by byte: stored
 * and deflated entries, float32 and float64, a prefix filter, zip64 extras,
 * and malformed archives (truncated, lying sizes, bad dtype, Fortran order,
 * out-of-bounds offsets) that must fail with an error naming the file and
 * the entry, without a crash or a large allocation. Every archive is parsed
 * from an exact-size heap copy so the sanitizer build catches over-reads.
 */
#include "core/jv.h"

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>
#include <gio/gio.h>

#include "nn/npz.h"

struct member {
    const char *name;
    GBytes *npy;
    bool deflate;
    bool zip64; /* sizes in a zip64 extra (numpy's force_zip64 local headers) */
};

static void put16(GByteArray *b, uint32_t v)
{
    uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    g_byte_array_append(b, x, 2);
}

static void put32(GByteArray *b, uint32_t v)
{
    put16(b, v & 0xffff);
    put16(b, v >> 16);
}

static void put64(GByteArray *b, uint64_t v)
{
    put32(b, (uint32_t)v);
    put32(b, (uint32_t)(v >> 32));
}

static GBytes *npy(const char *descr, const char *fortran, const char *shape, const void *data,
                   size_t len)
{
    char *h = g_strdup_printf("{'descr': '%s', 'fortran_order': %s, 'shape': %s, }", descr, fortran,
                              shape);
    GByteArray *b = g_byte_array_new();
    g_byte_array_append(b, (const uint8_t *)"\x93NUMPY\x01\x00", 8);
    put16(b, (uint32_t)strlen(h) + 1);
    g_byte_array_append(b, (const uint8_t *)h, (guint)strlen(h));
    g_byte_array_append(b, (const uint8_t *)"\n", 1);
    g_byte_array_append(b, data, (guint)len);
    g_free(h);
    return g_byte_array_free_to_bytes(b);
}

static GBytes *deflate_raw(GBytes *in)
{
    GZlibCompressor *z = g_zlib_compressor_new(G_ZLIB_COMPRESSOR_FORMAT_RAW, 6);
    GInputStream *mem = g_memory_input_stream_new_from_bytes(in);
    GInputStream *conv = g_converter_input_stream_new(mem, G_CONVERTER(z));
    GByteArray *out = g_byte_array_new();
    uint8_t buf[4096];
    gssize n;
    while ((n = g_input_stream_read(conv, buf, sizeof buf, NULL, NULL)) > 0)
        g_byte_array_append(out, buf, (guint)n);
    g_object_unref(conv);
    g_object_unref(mem);
    g_object_unref(z);
    return g_byte_array_free_to_bytes(out);
}

/* A zip of `n` members; sizes stated in the directory can be overridden by `usize_lie`. */
static GBytes *zip(const struct member *m, int n, uint64_t usize_lie)
{
    GByteArray *b = g_byte_array_new(), *cd = g_byte_array_new();
    for (int i = 0; i < n; i++) {
        GBytes *data = m[i].deflate ? deflate_raw(m[i].npy) : g_bytes_ref(m[i].npy);
        uint32_t off = b->len, nlen = (uint32_t)strlen(m[i].name);
        uint64_t usize = usize_lie ? usize_lie : g_bytes_get_size(m[i].npy);
        uint64_t csize = g_bytes_get_size(data);
        put32(b, 0x04034b50);
        put16(b, 20);
        put16(b, 0);
        put16(b, m[i].deflate ? 8 : 0);
        put32(b, 0);
        put32(b, 0);
        put32(b, m[i].zip64 ? 0xffffffffu : (uint32_t)csize);
        put32(b, m[i].zip64 ? 0xffffffffu : (uint32_t)usize);
        put16(b, nlen);
        put16(b, m[i].zip64 ? 20 : 0);
        g_byte_array_append(b, (const uint8_t *)m[i].name, nlen);
        if (m[i].zip64) {
            put16(b, 1);
            put16(b, 16);
            put64(b, usize);
            put64(b, csize);
        }
        g_byte_array_append(b, g_bytes_get_data(data, NULL), (guint)csize);
        put32(cd, 0x02014b50);
        put16(cd, 20);
        put16(cd, 20);
        put16(cd, 0);
        put16(cd, m[i].deflate ? 8 : 0);
        put32(cd, 0);
        put32(cd, 0);
        put32(cd, m[i].zip64 ? 0xffffffffu : (uint32_t)csize);
        put32(cd, m[i].zip64 ? 0xffffffffu : (uint32_t)usize);
        put16(cd, nlen);
        put16(cd, m[i].zip64 ? 20 : 0);
        put16(cd, 0);
        put16(cd, 0);
        put16(cd, 0);
        put32(cd, 0);
        put32(cd, off);
        g_byte_array_append(cd, (const uint8_t *)m[i].name, nlen);
        if (m[i].zip64) {
            put16(cd, 1);
            put16(cd, 16);
            put64(cd, usize);
            put64(cd, csize);
        }
        g_bytes_unref(data);
    }
    uint32_t cd_off = b->len;
    g_byte_array_append(b, cd->data, cd->len);
    put32(b, 0x06054b50);
    put16(b, 0);
    put16(b, 0);
    put16(b, (uint32_t)n);
    put16(b, (uint32_t)n);
    put32(b, cd->len);
    put32(b, cd_off);
    put16(b, 0);
    g_byte_array_free(cd, TRUE);
    return g_byte_array_free_to_bytes(b);
}

/* Opens an exact-size heap copy of `z`. */
static struct jv_npz *open_copy(GBytes *z, const char *prefix, GError **err)
{
    gsize len;
    const void *p = g_bytes_get_data(z, &len);
    uint8_t *copy = g_memdup2(p, len);
    struct jv_npz *r = jv_npz_open_bytes(copy, len, "w.npz", prefix, err);
    g_free(copy);
    return r;
}

static const float f4[6] = {1, 2, 3, 4, 5, -6.5f};
static const double f8[3] = {0.25, -1e3, 3.5};

static void test_stored_and_deflated(void **state)
{
    (void)state;
    struct member m[3] = {
        {"opt/target/a.npy", npy("<f4", "False", "(2, 3)", f4, sizeof f4), false, false},
        {"opt/target/b/c.npy", npy("<f8", "False", "(3,)", f8, sizeof f8), true, false},
        {"opt/state/x.npy", npy("<i8", "False", "()", f8, 8), false, false},
    };
    GBytes *z = zip(m, 3, 0);
    GError *err = NULL;
    struct jv_npz *a = open_copy(z, "opt/target/", &err);
    assert_null(err);
    assert_non_null(a);
    assert_int_equal(jv_npz_count(a), 2);
    const int64_t sa[2] = {2, 3}, sb[1] = {3}, wrong[2] = {3, 2};
    const struct jv_npz_tensor *t = jv_npz_expect(a, "opt/target/a", 2, sa, &err);
    assert_non_null(t);
    assert_memory_equal(t->data, f4, sizeof f4);
    t = jv_npz_expect(a, "opt/target/b/c", 1, sb, &err);
    assert_non_null(t);
    assert_true(t->data[0] == 0.25f && t->data[1] == -1000.0f && t->data[2] == 3.5f);
    assert_null(jv_npz_expect(a, "opt/target/a", 2, wrong, &err));
    assert_non_null(strstr(err->message, "w.npz: tensor opt/target/a has shape (2, 3)"));
    g_clear_error(&err);
    assert_null(jv_npz_expect(a, "opt/target/zz", 2, sa, &err));
    assert_string_equal(err->message, "w.npz: missing tensor opt/target/zz");
    g_clear_error(&err);
    jv_npz_free(a);
    /* Without a prefix the int64 entry is read and refused, by name. */
    assert_null(open_copy(z, NULL, &err));
    assert_non_null(strstr(err->message, "w.npz: entry opt/state/x.npy: dtype"));
    g_clear_error(&err);
    g_bytes_unref(z);
    for (int i = 0; i < 3; i++)
        g_bytes_unref(m[i].npy);
}

static void test_zip64_extra(void **state)
{
    (void)state;
    struct member m[2] = {
        {"a.npy", npy("<f4", "False", "(6,)", f4, sizeof f4), false, true},
        {"b.npy", npy("<f4", "False", "(3, 2)", f4, sizeof f4), true, true},
    };
    GBytes *z = zip(m, 2, 0);
    GError *err = NULL;
    struct jv_npz *a = open_copy(z, NULL, &err);
    assert_non_null(a);
    assert_memory_equal(jv_npz_get(a, "b")->data, f4, sizeof f4);
    jv_npz_free(a);
    g_bytes_unref(z);
    g_bytes_unref(m[0].npy);
    g_bytes_unref(m[1].npy);
}

/* One malformed archive: it must fail with `want` in the message. */
static void expect_fail(GBytes *z, const char *want)
{
    GError *err = NULL;
    struct jv_npz *a = open_copy(z, NULL, &err);
    assert_null(a);
    assert_non_null(err);
    if (!strstr(err->message, want))
        fail_msg("message \"%s\" lacks \"%s\"", err->message, want);
    assert_true(g_str_has_prefix(err->message, "w.npz: "));
    g_error_free(err);
}

static void test_malformed(void **state)
{
    (void)state;
    struct member m = {"a.npy", npy(">f4", "False", "(6,)", f4, sizeof f4), false, false};
    GBytes *z = zip(&m, 1, 0);
    expect_fail(z, "entry a.npy: dtype '>f4'");
    g_bytes_unref(z);
    g_bytes_unref(m.npy);
    m.npy = npy("<f4", "True", "(6,)", f4, sizeof f4);
    z = zip(&m, 1, 0);
    expect_fail(z, "Fortran order");
    g_bytes_unref(z);
    g_bytes_unref(m.npy);
    m.npy = npy("<f4", "False", "(7,)", f4, sizeof f4);
    z = zip(&m, 1, 0);
    expect_fail(z, "24 data bytes for 7 elements");
    g_bytes_unref(z);
    g_bytes_unref(m.npy);
    m.npy = npy("<f4", "False", "(1099511627776, 1099511627776)", f4, sizeof f4);
    z = zip(&m, 1, 0);
    expect_fail(z, "bad shape");
    g_bytes_unref(z);
    g_bytes_unref(m.npy);
    /* A deflated entry claiming 4 GB: refused before any allocation. */
    m.npy = npy("<f4", "False", "(6,)", f4, sizeof f4);
    m.deflate = true;
    z = zip(&m, 1, 0xfffffff0u);
    expect_fail(z, "impossible inflated size");
    g_bytes_unref(z);
    /* Claiming a little more or less than it inflates to. */
    z = zip(&m, 1, g_bytes_get_size(m.npy) + 3);
    expect_fail(z, "inflates to");
    g_bytes_unref(z);
    z = zip(&m, 1, g_bytes_get_size(m.npy) - 3);
    expect_fail(z, "more than its stated size");
    g_bytes_unref(z);
    /* Every truncation of a valid archive fails cleanly. */
    z = zip(&m, 1, 0);
    gsize len;
    const uint8_t *p = g_bytes_get_data(z, &len);
    for (gsize cut = 0; cut < len; cut++) {
        GBytes *t = g_bytes_new(p, cut);
        GError *err = NULL;
        struct jv_npz *a = open_copy(t, NULL, &err);
        assert_null(a);
        assert_non_null(err);
        g_error_free(err);
        g_bytes_unref(t);
    }
    /* A local-header offset past the end. */
    uint8_t *bad = g_memdup2(p, len);
    bad[len - 22 - 5 - 1] = 0x7f; /* high byte of the local offset, just before the name */
    GBytes *t = g_bytes_new_take(bad, len);
    expect_fail(t, "local header out of bounds");
    g_bytes_unref(t);
    g_bytes_unref(z);
    g_bytes_unref(m.npy);
    static const char junk_text[] = "PK\x05\x06 not really";
    GBytes *junk = g_bytes_new_static(junk_text, sizeof junk_text - 1);
    expect_fail(junk, "not a zip archive");
    g_bytes_unref(junk);
}

static void test_missing_file(void **state)
{
    (void)state;
    GError *err = NULL;
    assert_null(jv_npz_open("/nonexistent/spaq_ckpt.npz", NULL, &err));
    assert_non_null(strstr(err->message, "/nonexistent/spaq_ckpt.npz"));
    g_error_free(err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stored_and_deflated),
        cmocka_unit_test(test_zip64_extra),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_missing_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
