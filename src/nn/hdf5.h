/* hdf5.h - Keras weight files (HDF5) read through libhdf5.
 *
 * Both layouts Keras writes are read: save_weights() puts the root
 * attribute `layer_names` and one group per layer at the top; a whole-model
 * save puts the same under `model_weights/`. Each layer group has the
 * attribute `weight_names` ("conv1/kernel:0", ...), each naming a float
 * dataset inside the group. Every weight is read as float32 once, into
 * memory the caller then owns through the struct.
 *
 * Limits: at most `max_bytes` of weights in all (a file claiming more is
 * refused before anything is allocated), 4096 layers, 64 weights a layer,
 * names of 1 KiB, 1 to 6 dimensions. libhdf5 (Debian's serial build) is not
 * thread-safe: every call into it here holds one process-wide lock.
 *
 * Ownership: jv_h5_load() returns an owned struct (jv_h5_free()); the
 * tensors and names inside are borrowed from it.
 */
#ifndef JV_NN_HDF5_H
#define JV_NN_HDF5_H

#include "nn/tensor.h"

struct jv_h5_weight {
    char *name; /* the full weight name, e.g. "conv1/kernel:0" */
    char *leaf; /* after the last '/': "kernel:0" */
    struct jv_tensor t;
};

struct jv_h5_layer {
    char *name;
    GPtrArray *weights; /* struct jv_h5_weight * */
};

struct jv_h5_file {
    char *path;
    bool model_save;   /* read from model_weights/ */
    GPtrArray *layers; /* struct jv_h5_layer *, in the file's order */
    size_t bytes;
};

/* Reads every layer's weights. Returns NULL with `err` naming the file and what is wrong. */
struct jv_h5_file *jv_h5_load(const char *path, size_t max_bytes, GError **err);
void jv_h5_free(struct jv_h5_file *f);

/* The layer called `name`, or NULL. */
const struct jv_h5_layer *jv_h5_layer(const struct jv_h5_file *f, const char *name);

/*
 * The weight of `layer` whose leaf is `leaf` ("kernel:0"), checked to have
 * `ndim` dimensions of `shape`. Returns NULL with `err` naming the file, the
 * layer, the weight and the shape found against the shape wanted.
 */
const struct jv_tensor *jv_h5_get(const struct jv_h5_file *f, const char *layer, const char *leaf,
                                  int ndim, const int64_t *shape, GError **err);

/*
 * The one layer having a weight `leaf` of `ndim`×`shape` and, when
 * `leaf2` is not NULL, one `leaf2` of ndim2×shape2 (a dense head: kernel and
 * bias). Returns its name (borrowed), or NULL with `err` when no layer or
 * more than one layer fits (the message lists them).
 */
const char *jv_h5_find_layer(const struct jv_h5_file *f, const char *leaf, int ndim,
                             const int64_t *shape, const char *leaf2, int ndim2,
                             const int64_t *shape2, GError **err);

#endif
