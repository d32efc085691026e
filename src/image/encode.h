/*
 * encode.h - an image as the VLM is sent it: its MIME type from its bytes and
 * the whole file as a data: URL, shrunk first when it is larger than asked.
 *
 * Ownership: returned strings are owned by the caller (g_free) unless the
 * comment says static.
 */
#ifndef JV_IMAGE_ENCODE_H
#define JV_IMAGE_ENCODE_H

#include <stddef.h>

/*
 * MIME type of an image by its first bytes: "image/jpeg", "image/png",
 * "image/tiff", "image/webp", or NULL for anything else (static string).
 */
const char *jv_image_mime_sniff(const void *data, size_t len);

/*
 * Reads the image at `path` and returns "data:<mime>;base64,<...>" (owned).
 * The file's own bytes and MIME type are sent as they are, unless
 * `max_side` > 0 and the image's longer side exceeds it: then it is shrunk
 * with vips_thumbnail (EXIF orientation applied, alpha flattened on white,
 * 16-bit made 8-bit) to fit max_side x max_side and re-encoded as JPEG at
 * quality 90. libvips must be initialised. Returns NULL with err
 * (JV_ERR_IO, or JV_ERR_IMAGE for an unsupported or undecodable file).
 */
char *jv_image_data_url(const char *path, int max_side, GError **err);

#endif
