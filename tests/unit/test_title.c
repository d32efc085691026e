/*
 * test_title.c - titles from real JPEG files written by libvips with XMP,
 * IPTC and EXIF blocks, read back from disk; each source and the precedence
 * (XMP title > IPTC ObjectName > XMP description > EXIF ImageDescription).
 */
#include "core/jv.h"

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>
#include <glib/gstdio.h>

#include "input/title.h"

static char *tmpdir;

static int setup(void **state)
{
    (void)state;
    if (VIPS_INIT("test_title"))
        return -1;
    tmpdir = g_dir_make_tmp("jvtitle-XXXXXX", NULL);
    return tmpdir ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    g_rmdir(tmpdir);
    g_free(tmpdir);
    vips_shutdown();
    return 0;
}

/* An XMP packet with optional dc:title (one or two languages) and
 * dc:description, as editors write it. */
static char *xmp_packet(const char *title, const char *title_fr, const char *desc)
{
    GString *s =
        g_string_new("<?xpacket begin=\"\xEF\xBB\xBF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n"
                     "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n"
                     " <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n"
                     "  <rdf:Description rdf:about=\"\" "
                     "xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n");
    if (title || title_fr) {
        g_string_append(s, "   <dc:title><rdf:Alt>\n");
        /* The French entry first: x-default must still win. */
        if (title_fr)
            g_string_append_printf(s, "    <rdf:li xml:lang=\"fr-FR\">%s</rdf:li>\n", title_fr);
        if (title)
            g_string_append_printf(s, "    <rdf:li xml:lang=\"x-default\">%s</rdf:li>\n", title);
        g_string_append(s, "   </rdf:Alt></dc:title>\n");
    }
    if (desc)
        g_string_append_printf(s,
                               "   <dc:description><rdf:Alt><rdf:li xml:lang=\"x-default\">%s"
                               "</rdf:li></rdf:Alt></dc:description>\n",
                               desc);
    g_string_append(s, "  </rdf:Description>\n </rdf:RDF>\n</x:xmpmeta>\n"
                       "<?xpacket end=\"w\"?>");
    return g_string_free(s, FALSE);
}

/* Photoshop APP13 block holding IPTC-IIM with ObjectName; `utf8` adds the
 * 1:90 coded-character-set record. */
static GByteArray *iptc_block_ds(const char *name, size_t name_len, bool utf8, guint8 ds)
{
    GByteArray *iim = g_byte_array_new();
    if (utf8) {
        static const guint8 cs[] = {0x1C, 1, 90, 0, 3, 0x1B, '%', 'G'};
        g_byte_array_append(iim, cs, sizeof cs);
    }
    static const guint8 version[] = {0x1C, 2, 0, 0, 2, 0, 4}; /* 2:00 record version */
    g_byte_array_append(iim, version, sizeof version);
    guint8 hdr[] = {0x1C, 2, ds, (guint8)(name_len >> 8), (guint8)name_len};
    g_byte_array_append(iim, hdr, sizeof hdr);
    g_byte_array_append(iim, (const guint8 *)name, (guint)name_len);

    GByteArray *b = g_byte_array_new();
    g_byte_array_append(b, (const guint8 *)"Photoshop 3.0", 14);
    guint8 res[] = {'8', 'B', 'I', 'M', 0x04, 0x04, 0, 0, 0, 0, 0, 0};
    res[8] = (guint8)(iim->len >> 24 & 0xFF);
    res[9] = (guint8)(iim->len >> 16 & 0xFF);
    res[10] = (guint8)(iim->len >> 8 & 0xFF);
    res[11] = (guint8)(iim->len & 0xFF);
    g_byte_array_append(b, res, sizeof res);
    g_byte_array_append(b, iim->data, iim->len);
    if (iim->len & 1)
        g_byte_array_append(b, (const guint8 *)"", 1);
    g_byte_array_free(iim, TRUE);
    return b;
}

static GByteArray *iptc_block(const char *name, size_t name_len, bool utf8)
{
    return iptc_block_ds(name, name_len, utf8, 5);
}

/*
 * Saves an 16x16 JPEG with the given metadata, reads it back from disk and
 * returns its title. Also checks that vips really stored each block.
 */
static char *title_of(const char *xmp, const GByteArray *iptc, const char *exif_desc)
{
    VipsImage *black = NULL, *img = NULL;
    assert_int_equal(vips_black(&black, 16, 16, "bands", 3, NULL), 0);
    assert_int_equal(vips_copy(black, &img, NULL), 0);
    g_object_unref(black);
    if (xmp)
        vips_image_set_blob_copy(img, "xmp-data", xmp, strlen(xmp));
    if (iptc)
        vips_image_set_blob_copy(img, "iptc-data", iptc->data, iptc->len);
    if (exif_desc)
        vips_image_set_string(img, "exif-ifd0-ImageDescription", exif_desc);
    /* A new name each time: libvips caches loads by file name. */
    static int serial;
    char *name = g_strdup_printf("t%d.jpg", serial++);
    char *path = g_build_filename(tmpdir, name, NULL);
    g_free(name);
    assert_int_equal(vips_jpegsave(img, path, NULL), 0);
    g_object_unref(img);

    VipsImage *back = vips_image_new_from_file(path, NULL);
    assert_non_null(back);
    assert_int_equal(vips_image_get_typeof(back, "xmp-data") != 0, xmp != NULL);
    assert_int_equal(vips_image_get_typeof(back, "iptc-data") != 0, iptc != NULL);
    assert_int_equal(vips_image_get_typeof(back, "exif-ifd0-ImageDescription") != 0,
                     exif_desc != NULL);
    char *t = jv_image_title(back);
    g_object_unref(back);
    g_unlink(path);
    g_free(path);
    return t;
}

static void expect(char *got, const char *want)
{
    if (!want) {
        assert_null(got);
        return;
    }
    assert_non_null(got);
    assert_string_equal(got, want);
    g_free(got);
}

static void test_precedence(void **state)
{
    (void)state;
    char *full = xmp_packet("Dawn &amp; Mist", "Aube", "A long description");
    GByteArray *iptc = iptc_block("IPTC Name", 9, false);
    /* All four present: XMP title (x-default, entity decoded). */
    expect(title_of(full, iptc, "Exif text"), "Dawn & Mist");
    /* No XMP title: IPTC ObjectName. */
    char *desc_only = xmp_packet(NULL, NULL, "A long description");
    expect(title_of(desc_only, iptc, "Exif text"), "IPTC Name");
    /* No XMP title, no IPTC: XMP description. */
    expect(title_of(desc_only, NULL, "Exif text"), "A long description");
    /* Only EXIF: the libexif decoration is stripped. */
    expect(title_of(NULL, NULL, "Harbour (at night), 2024"), "Harbour (at night), 2024");
    /* Nothing. */
    expect(title_of(NULL, NULL, NULL), NULL);
    /* A blank XMP title does not count: the next source is used. */
    char *blank = xmp_packet("   ", NULL, NULL);
    expect(title_of(blank, iptc, NULL), "IPTC Name");
    /* No x-default: the first language given. */
    char *fr = xmp_packet(NULL, "Aube", NULL);
    expect(title_of(fr, NULL, "Exif text"), "Aube");
    g_free(full);
    g_free(desc_only);
    g_free(blank);
    g_free(fr);
    g_byte_array_free(iptc, TRUE);
}

static void test_iptc_charsets(void **state)
{
    (void)state;
    /* UTF-8 declared by record 1:90. */
    GByteArray *b = iptc_block("Caf\xC3\xA9", 5, true);
    expect(title_of(NULL, b, NULL), "Caf\xC3\xA9");
    g_byte_array_free(b, TRUE);
    /* Undeclared and not UTF-8: ISO-8859-1, converted. */
    b = iptc_block("Caf\xE9", 4, false);
    expect(title_of(NULL, b, NULL), "Caf\xC3\xA9");
    g_byte_array_free(b, TRUE);
    /* Raw IIM without the Photoshop wrapper. */
    static const guint8 raw[] = {0x1C, 2, 5, 0, 4, 'R', 'a', 'w', '!'};
    expect(jv_iptc_object_name(raw, sizeof raw), "Raw!");
    /* Truncated data is ignored, not over-read. */
    static const guint8 cut[] = {0x1C, 2, 5, 0, 40, 'x'};
    expect(jv_iptc_object_name(cut, sizeof cut), NULL);
    static const guint8 ext[] = {0x1C, 2, 5, 0x80, 0x02, 0, 2, 'o', 'k'};
    expect(jv_iptc_object_name(ext, sizeof ext), "ok");
}

static void test_xmp_forms(void **state)
{
    (void)state;
    const char *attr = "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF "
                       "xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">"
                       "<rdf:Description xmlns:dc=\"http://purl.org/dc/elements/1.1/\" "
                       "dc:title=\"Attr &quot;title&quot;\" dc:description=\"d\"/>"
                       "</rdf:RDF></x:xmpmeta>";
    expect(jv_xmp_property(attr, strlen(attr), "title"), "Attr \"title\"");
    expect(jv_xmp_property(attr, strlen(attr), "description"), "d");
    /* A real JPEG with the attribute form. */
    expect(title_of(attr, NULL, NULL), "Attr \"title\"");
    /* Broken XML: what was read before the error is still used. */
    const char *broken = "<a xmlns:dc='x'><dc:title><rdf:Alt><rdf:li xml:lang='x-default'>"
                         "Kept</rdf:li></rdf:Alt></dc:title><oops";
    expect(jv_xmp_property(broken, strlen(broken), "title"), "Kept");
    /* Padding NULs after the packet. */
    const char padded[] = "<dc:title>Simple</dc:title>\0\0\0";
    expect(jv_xmp_property(padded, sizeof padded, "title"), "Simple");
    expect(jv_xmp_property("", 0, "title"), NULL);
}

/* A real JPEG with the given XMP, IPTC and EXIF Artist, read back: its author. */
static char *author_of(const char *xmp, const GByteArray *iptc, const char *artist)
{
    VipsImage *black = NULL, *img = NULL;
    assert_int_equal(vips_black(&black, 16, 16, "bands", 3, NULL), 0);
    assert_int_equal(vips_copy(black, &img, NULL), 0);
    g_object_unref(black);
    if (xmp)
        vips_image_set_blob_copy(img, "xmp-data", xmp, strlen(xmp));
    if (iptc)
        vips_image_set_blob_copy(img, "iptc-data", iptc->data, iptc->len);
    if (artist)
        vips_image_set_string(img, "exif-ifd0-Artist", artist);
    static int serial;
    char *name = g_strdup_printf("a%d.jpg", serial++);
    char *path = g_build_filename(tmpdir, name, NULL);
    g_free(name);
    assert_int_equal(vips_jpegsave(img, path, NULL), 0);
    g_object_unref(img);
    VipsImage *back = vips_image_new_from_file(path, NULL);
    assert_non_null(back);
    char *a = jv_image_author(back);
    g_object_unref(back);
    g_unlink(path);
    g_free(path);
    return a;
}

/* The author: XMP dc:creator > IPTC By-line (2:80) > EXIF Artist (doc/SPEC.md 2.2). */
static void test_author(void **state)
{
    (void)state;
    const char *xmp = "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF "
                      "xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">"
                      "<rdf:Description xmlns:dc=\"http://purl.org/dc/elements/1.1/\">"
                      "<dc:creator><rdf:Seq><rdf:li>Jane Smith</rdf:li><rdf:li>Second</rdf:li>"
                      "</rdf:Seq></dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>";
    static const guint8 byline[] = {0x1C, 2, 80, 0, 8, 'P', 'a', 't', ' ', 'L', 'e', 'e', '!'};
    GByteArray *iptc = iptc_block_ds("Pat Lee!", 8, false, 80); /* Photoshop-wrapped */
    expect(jv_iptc_byline(byline, sizeof byline), "Pat Lee!");
    expect(jv_iptc_object_name(byline, sizeof byline), NULL);
    expect(author_of(xmp, iptc, "Exif Artist"), "Jane Smith");
    expect(author_of(NULL, iptc, "Exif Artist"), "Pat Lee!");
    expect(author_of(NULL, NULL, "Exif Artist"), "Exif Artist");
    expect(author_of(NULL, NULL, NULL), NULL);
    g_byte_array_free(iptc, TRUE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_precedence),
        cmocka_unit_test(test_iptc_charsets),
        cmocka_unit_test(test_xmp_forms),
        cmocka_unit_test(test_author),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
