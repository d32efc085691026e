/* tensor.c - shapes of the loaded weights. */
#include "nn/tensor.h"

void jv_tensor_release(struct jv_tensor *t)
{
    if (!t)
        return;
    g_free(t->data);
    memset(t, 0, sizeof *t);
}

bool jv_tensor_has_shape(const struct jv_tensor *t, int ndim, const int64_t *shape)
{
    if (t->ndim != ndim)
        return false;
    for (int i = 0; i < ndim; i++)
        if (t->shape[i] != shape[i])
            return false;
    return true;
}

char *jv_shape_str(int ndim, const int64_t *shape, char *buf, size_t size)
{
    GString *s = g_string_new("(");
    for (int i = 0; i < ndim; i++)
        g_string_append_printf(s, "%s%" G_GINT64_FORMAT, i ? ", " : "", shape[i]);
    g_string_append(s, ndim == 1 ? ",)" : ")");
    g_strlcpy(buf, s->str, size);
    g_string_free(s, TRUE);
    return buf;
}

char *jv_tensor_shape_str(const struct jv_tensor *t, char *buf, size_t size)
{
    return jv_shape_str(t->ndim, t->shape, buf, size);
}
