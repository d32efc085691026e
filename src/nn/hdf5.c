/* hdf5.c - Keras weight files read through libhdf5 (layouts and limits in hdf5.h). */
#include "nn/hdf5.h"

#include <hdf5.h>

#define MAX_LAYERS  4096
#define MAX_WEIGHTS 64
#define MAX_NAME    1024

static GMutex h5_lock;

static void h5_init(void)
{
    static bool done;
    if (!done) {
        H5open();
        H5Eset_auto2(H5E_DEFAULT, NULL, NULL); /* errors are ours to report */
        done = true;
    }
}

static void weight_free(gpointer p)
{
    struct jv_h5_weight *w = p;
    g_free(w->name);
    jv_tensor_release(&w->t);
    g_free(w);
}

static void layer_free(gpointer p)
{
    struct jv_h5_layer *l = p;
    g_free(l->name);
    if (l->weights)
        g_ptr_array_unref(l->weights);
    g_free(l);
}

void jv_h5_free(struct jv_h5_file *f)
{
    if (!f)
        return;
    g_free(f->path);
    if (f->layers)
        g_ptr_array_unref(f->layers);
    g_free(f);
}

/* Appends the strings of one attribute (fixed or variable length; an empty one of any type)
 * to `out`. Returns 0, or -1 with a reason in `why`. */
static int read_strings(hid_t attr, GPtrArray *out, size_t max, const char **why)
{
    int rc = -1;
    hid_t ft = H5Aget_type(attr), sp = H5Aget_space(attr), mt = -1;
    hssize_t n = sp < 0 ? -1 : H5Sget_simple_extent_npoints(sp);
    void *buf = NULL;
    *why = "unreadable";
    if (ft < 0 || n < 0)
        goto out;
    if (n == 0) { /* Keras writes an empty list as an empty float array */
        rc = 0;
        goto out;
    }
    if (H5Tget_class(ft) != H5T_STRING) {
        *why = "not strings";
        goto out;
    }
    if ((size_t)n + out->len > max) {
        *why = "too many names";
        goto out;
    }
    mt = H5Tcopy(H5T_C_S1);
    if (H5Tis_variable_str(ft) > 0) {
        H5Tset_size(mt, H5T_VARIABLE);
        char **s = g_new0(char *, n);
        buf = s;
        if (H5Aread(attr, mt, s) < 0)
            goto out;
        for (hssize_t i = 0; i < n; i++)
            g_ptr_array_add(out, g_strndup(s[i] ? s[i] : "", MAX_NAME));
        H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, s);
    } else {
        size_t sz = H5Tget_size(ft);
        if (sz == 0 || sz > MAX_NAME) {
            *why = "names too long";
            goto out;
        }
        H5Tset_size(mt, sz);
        H5Tset_strpad(mt, H5T_STR_NULLPAD);
        char *s = g_malloc0((size_t)n * sz);
        buf = s;
        if (H5Aread(attr, mt, s) < 0)
            goto out;
        for (hssize_t i = 0; i < n; i++)
            g_ptr_array_add(out, g_strndup(s + (size_t)i * sz, sz));
    }
    rc = 0;
out:
    g_free(buf);
    if (mt >= 0)
        H5Tclose(mt);
    if (ft >= 0)
        H5Tclose(ft);
    if (sp >= 0)
        H5Sclose(sp);
    return rc;
}

/* The names in attribute `name` of `obj`, or in name0, name1, ... where Keras split a long
 * list. Returns an owned array, or NULL with `err`. */
static GPtrArray *read_names(hid_t obj, const char *name, size_t max, const char *path,
                             const char *where, GError **err)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    const char *why = "missing";
    for (int part = -1; part < 1000; part++) {
        char an[64];
        if (part < 0)
            g_strlcpy(an, name, sizeof an);
        else
            g_snprintf(an, sizeof an, "%s%d", name, part);
        if (H5Aexists(obj, an) <= 0) {
            if (part < 0)
                continue;
            if (part == 0)
                goto fail;
            break;
        }
        hid_t a = H5Aopen(obj, an, H5P_DEFAULT);
        int rc = a < 0 ? -1 : read_strings(a, out, max, &why);
        if (a >= 0)
            H5Aclose(a);
        if (rc < 0)
            goto fail;
        if (part < 0)
            break;
    }
    return out;
fail:
    g_set_error(err, JV_ERROR, JV_ERR_PARSE,
                "%s: attribute '%s' of %s is %s (not a Keras weight file?)", path, name, where,
                why);
    g_ptr_array_unref(out);
    return NULL;
}

/* Reads dataset `name` of group `g` as float32 into `t`, within the bytes left. */
static int read_dataset(hid_t g, const char *name, struct jv_tensor *t, size_t *left,
                        const char **why)
{
    int rc = -1;
    hid_t d = H5Dopen2(g, name, H5P_DEFAULT);
    hid_t ft = d < 0 ? -1 : H5Dget_type(d), sp = d < 0 ? -1 : H5Dget_space(d);
    *why = "missing";
    if (d < 0 || ft < 0 || sp < 0)
        goto out;
    *why = "not a float array";
    if (H5Tget_class(ft) != H5T_FLOAT)
        goto out;
    int nd = H5Sget_simple_extent_ndims(sp);
    *why = "of an unsupported rank";
    if (nd < 1 || nd > JV_TENSOR_MAX_DIMS)
        goto out;
    hsize_t dims[JV_TENSOR_MAX_DIMS];
    H5Sget_simple_extent_dims(sp, dims, NULL);
    size_t len = 1;
    *why = "larger than the weight limit";
    for (int i = 0; i < nd; i++) {
        if (dims[i] > INT32_MAX || (dims[i] && len > *left / sizeof(float) / dims[i]))
            goto out;
        len *= (size_t)dims[i];
        t->shape[i] = (int64_t)dims[i];
    }
    t->ndim = nd;
    t->len = len;
    t->data = g_malloc(sizeof(float) * (len ? len : 1));
    *why = "unreadable";
    if (H5Dread(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, t->data) < 0) {
        jv_tensor_release(t);
        goto out;
    }
    *left -= len * sizeof(float);
    rc = 0;
out:
    if (sp >= 0)
        H5Sclose(sp);
    if (ft >= 0)
        H5Tclose(ft);
    if (d >= 0)
        H5Dclose(d);
    return rc;
}

/* One layer group: its weight_names, then each weight. */
static struct jv_h5_layer *read_layer(hid_t root, const char *path, const char *name, size_t *left,
                                      GError **err)
{
    struct jv_h5_layer *l = g_new0(struct jv_h5_layer, 1);
    l->name = g_strdup(name);
    l->weights = g_ptr_array_new_with_free_func(weight_free);
    hid_t g = H5Gopen2(root, name, H5P_DEFAULT);
    GPtrArray *names = NULL;
    if (g < 0) {
        g_set_error(err, JV_ERROR, JV_ERR_PARSE, "%s: layer '%s' has no group", path, name);
        goto fail;
    }
    char *where = g_strdup_printf("layer '%s'", name);
    names = read_names(g, "weight_names", MAX_WEIGHTS, path, where, err);
    g_free(where);
    if (!names)
        goto fail;
    for (guint i = 0; i < names->len; i++) {
        struct jv_h5_weight *w = g_new0(struct jv_h5_weight, 1);
        w->name = g_strdup(names->pdata[i]);
        const char *slash = strrchr(w->name, '/');
        w->leaf = slash ? (char *)slash + 1 : w->name;
        g_ptr_array_add(l->weights, w);
        const char *why;
        if (read_dataset(g, w->name, &w->t, left, &why) < 0) {
            g_set_error(err, JV_ERROR, JV_ERR_PARSE, "%s: layer '%s': weight '%s' is %s", path,
                        name, w->name, why);
            goto fail;
        }
    }
    g_ptr_array_unref(names);
    H5Gclose(g);
    return l;
fail:
    if (names)
        g_ptr_array_unref(names);
    if (g >= 0)
        H5Gclose(g);
    layer_free(l);
    return NULL;
}

static int read_layers(struct jv_h5_file *f, hid_t file, size_t max_bytes, GError **err)
{
    int rc = -1;
    hid_t root = -1;
    GPtrArray *names = NULL;
    if (H5Lexists(file, "model_weights", H5P_DEFAULT) > 0) {
        f->model_save = true;
        root = H5Gopen2(file, "model_weights", H5P_DEFAULT);
    } else {
        root = H5Gopen2(file, "/", H5P_DEFAULT);
    }
    if (root < 0) {
        g_set_error(err, JV_ERROR, JV_ERR_PARSE, "%s: no root group", f->path);
        goto out;
    }
    names = read_names(root, "layer_names", MAX_LAYERS, f->path,
                       f->model_save ? "model_weights/" : "the root group", err);
    if (!names)
        goto out;
    size_t left = max_bytes;
    for (guint i = 0; i < names->len; i++) {
        struct jv_h5_layer *l = read_layer(root, f->path, names->pdata[i], &left, err);
        if (!l)
            goto out;
        g_ptr_array_add(f->layers, l);
    }
    f->bytes = max_bytes - left;
    rc = 0;
out:
    if (names)
        g_ptr_array_unref(names);
    if (root >= 0)
        H5Gclose(root);
    return rc;
}

struct jv_h5_file *jv_h5_load(const char *path, size_t max_bytes, GError **err)
{
    if (!g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
        g_set_error(err, JV_ERROR, JV_ERR_NOT_FOUND, "%s: no such file", path);
        return NULL;
    }
    struct jv_h5_file *f = g_new0(struct jv_h5_file, 1);
    f->path = g_strdup(path);
    f->layers = g_ptr_array_new_with_free_func(layer_free);
    g_mutex_lock(&h5_lock);
    h5_init();
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    int rc = -1;
    if (file < 0)
        g_set_error(err, JV_ERROR, JV_ERR_PARSE, "%s: not an HDF5 file (or unreadable)", path);
    else
        rc = read_layers(f, file, max_bytes, err);
    if (file >= 0)
        H5Fclose(file);
    g_mutex_unlock(&h5_lock);
    if (rc < 0) {
        jv_h5_free(f);
        return NULL;
    }
    return f;
}

const struct jv_h5_layer *jv_h5_layer(const struct jv_h5_file *f, const char *name)
{
    for (guint i = 0; i < f->layers->len; i++) {
        const struct jv_h5_layer *l = f->layers->pdata[i];
        if (strcmp(l->name, name) == 0)
            return l;
    }
    return NULL;
}

static const struct jv_h5_weight *layer_weight(const struct jv_h5_layer *l, const char *leaf)
{
    for (guint i = 0; i < l->weights->len; i++) {
        const struct jv_h5_weight *w = l->weights->pdata[i];
        if (strcmp(w->leaf, leaf) == 0)
            return w;
    }
    return NULL;
}

const struct jv_tensor *jv_h5_get(const struct jv_h5_file *f, const char *layer, const char *leaf,
                                  int ndim, const int64_t *shape, GError **err)
{
    const struct jv_h5_layer *l = jv_h5_layer(f, layer);
    const struct jv_h5_weight *w = l ? layer_weight(l, leaf) : NULL;
    char want[96], got[96];
    if (!l || !w) {
        g_set_error(err, JV_ERROR, JV_ERR_PARSE,
                    "%s: no weight '%s/%s' %s (a MobileNet NIMA file?)", f->path, layer, leaf,
                    jv_shape_str(ndim, shape, want, sizeof want));
        return NULL;
    }
    if (!jv_tensor_has_shape(&w->t, ndim, shape)) {
        g_set_error(err, JV_ERROR, JV_ERR_PARSE, "%s: weight '%s/%s' has shape %s, expected %s",
                    f->path, layer, w->name, jv_tensor_shape_str(&w->t, got, sizeof got),
                    jv_shape_str(ndim, shape, want, sizeof want));
        return NULL;
    }
    return &w->t;
}

static bool layer_fits(const struct jv_h5_layer *l, const char *leaf, int ndim,
                       const int64_t *shape)
{
    const struct jv_h5_weight *w = layer_weight(l, leaf);
    return w && jv_tensor_has_shape(&w->t, ndim, shape);
}

const char *jv_h5_find_layer(const struct jv_h5_file *f, const char *leaf, int ndim,
                             const int64_t *shape, const char *leaf2, int ndim2,
                             const int64_t *shape2, GError **err)
{
    const char *found = NULL;
    GString *all = g_string_new(NULL);
    int n = 0;
    for (guint i = 0; i < f->layers->len; i++) {
        const struct jv_h5_layer *l = f->layers->pdata[i];
        if (!layer_fits(l, leaf, ndim, shape) || (leaf2 && !layer_fits(l, leaf2, ndim2, shape2)))
            continue;
        found = l->name;
        g_string_append_printf(all, "%s'%s'", n++ ? ", " : "", l->name);
    }
    char want[96];
    jv_shape_str(ndim, shape, want, sizeof want);
    if (n == 0)
        g_set_error(err, JV_ERROR, JV_ERR_PARSE, "%s: no layer has a %s of shape %s", f->path, leaf,
                    want);
    else if (n > 1)
        g_set_error(err, JV_ERROR, JV_ERR_PARSE,
                    "%s: %d layers have a %s of shape %s (%s): which is the head is unclear",
                    f->path, n, leaf, want, all->str);
    g_string_free(all, TRUE);
    return n == 1 ? found : NULL;
}
