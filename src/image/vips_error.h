/*
 * vips_error.h - the one step from libvips' error buffer to our GError.
 *
 * libvips appends its messages to one process-wide buffer that the caller
 * must read and clear (tools/vipsthumbnail.c does the same). Every libvips failure
 * in image/ goes through jv_image_vips_error(), so messages have one shape:
 *     "<file>: <what we were doing>: <libvips' reason>"
 * with the file name in display form (any bytes made readable) and libvips'
 * text made valid UTF-8 and stripped of its trailing newline.
 */
#ifndef JV_IMAGE_VIPS_ERROR_H
#define JV_IMAGE_VIPS_ERROR_H

/*
 * Sets `err` (JV_ERROR domain, `code`) to "<path>: <fmt ...>[: <vips buffer>]"
 * and clears libvips' error buffer, so a later failure does not repeat old
 * messages. `path` (borrowed) may be any bytes; `err` may be NULL
 * (the buffer is cleared all the same).
 */
void jv_image_vips_error(GError **err, int code, const char *path, const char *fmt, ...)
    JV_PRINTF(4, 5);

#endif
