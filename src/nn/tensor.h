/* tensor.h - a dense float32 array with a shape, as the weight loaders hand them out.
 *
 * Row-major (C order, as Keras/numpy store them). Ownership: a tensor owns
 * `data` (g_free); jv_tensor_release() frees it and clears the struct.
 */
#ifndef JV_NN_TENSOR_H
#define JV_NN_TENSOR_H

#include "core/jv.h"

#define JV_TENSOR_MAX_DIMS 6

struct jv_tensor {
    int ndim;
    int64_t shape[JV_TENSOR_MAX_DIMS];
    size_t len; /* elements: the product of shape */
    float *data;
};

/* Frees the data and zeroes the tensor; NULL is allowed. */
void jv_tensor_release(struct jv_tensor *t);
/* Whether the shape is exactly `ndim` dimensions of `shape`. */
bool jv_tensor_has_shape(const struct jv_tensor *t, int ndim, const int64_t *shape);
/* "(3, 3, 32, 1)" into buf (at least 96 bytes); returns buf. */
char *jv_tensor_shape_str(const struct jv_tensor *t, char *buf, size_t size);
/* The same for a shape not in a tensor. */
char *jv_shape_str(int ndim, const int64_t *shape, char *buf, size_t size);

#endif
