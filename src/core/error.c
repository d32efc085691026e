/* error.c - the project's GError domain. */
#include "core/jv.h"

G_DEFINE_QUARK(judge - vision - error - quark, jv_error)
