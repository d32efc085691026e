/* vips_error.c - libvips' error buffer copied into a GError and cleared. */
#include "core/jv.h"

#include <stdarg.h>

#include <vips/vips.h>

#include "image/vips_error.h"

void jv_image_vips_error(GError **err, int code, const char *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *what = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    char *buf = vips_error_buffer_copy();
    vips_error_clear();
    char *valid = g_utf8_make_valid(buf ? buf : "", -1);
    g_strstrip(valid);
    char *name = g_filename_display_name(path ? path : "");
    g_set_error(err, JV_ERROR, code, "%s: %s%s%s", name, what, valid[0] ? ": " : "", valid);
    g_free(name);
    g_free(valid);
    g_free(buf);
    g_free(what);
}
