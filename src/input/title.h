/*
 * title.h - the entry's title from its metadata (doc/SPEC.md 2.2).
 */
#ifndef JV_TITLE_H
#define JV_TITLE_H

#include <vips/vips.h>

/*
 * Returns the title of `img` (owned, valid UTF-8, trimmed), the first
 * non-empty of: XMP dc:title (x-default preferred), IPTC ObjectName (2:05),
 * XMP dc:description, EXIF ImageDescription. NULL when none has text.
 * Borrows `img`.
 */
char *jv_image_title(VipsImage *img);

/*
 * Returns the photographer of `img` (owned, valid UTF-8, trimmed), the first
 * non-empty of: XMP dc:creator (the first rdf:li of its rdf:Seq), IPTC
 * By-line (2:80), EXIF Artist. NULL when none has text. Borrows `img`.
 */
char *jv_image_author(VipsImage *img);

/*
 * The parts, exposed for tests and fuzzing. Each returns an owned trimmed
 * UTF-8 string or NULL.
 *   jv_xmp_property: `prop` is "title", "description" or "creator" of the dc namespace,
 *     from an XMP packet (element rdf:Alt/rdf:li form or attribute form).
 *   jv_iptc_object_name: from raw IIM data or a Photoshop "8BIM" resource
 *     block (as libvips's "iptc-data" holds it).
 */
char *jv_xmp_property(const char *xmp, size_t len, const char *prop);
char *jv_iptc_object_name(const unsigned char *data, size_t len);
char *jv_iptc_byline(const unsigned char *data, size_t len);

#endif
