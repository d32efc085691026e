/* nima.h - NIMA (Talebi & Milanfar): MobileNet v1 with a 10-class head, from Keras weights.
 *
 * The network is the one idealo/image-quality-assessment trained and the
 * Python version ran: keras.applications.MobileNet(alpha 1, 224×224,
 * include_top=False, pooling="avg") → Dropout → Dense(10, softmax). Weights
 * come from its HDF5 files (nn/hdf5.h, either layout), looked up by layer
 * name (conv1, conv1_bn, conv_dw_1, conv_dw_1_bn, conv_pw_1, ...); batch
 * normalisation (ε = 1e-3) is folded into the kernels at load. The dense
 * head's name varies between files (dense, dense_1, ...): it is found by
 * shape, a (1024, 10) kernel with a (10,) bias; no such layer or more than
 * one is an error, never a head left random.
 *
 * Input as Keras' load_img(target_size=(224, 224)) gave it: Pillow's
 * NEAREST resize of the RGB image, aspect ratio ignored (nn/resize.h), then
 * x / 127.5 - 1.
 *
 * Ownership: a loaded model is read-only and may be used by several
 * threads at once (each call allocates its own activations, about 10 MB).
 */
#ifndef JV_NN_NIMA_H
#define JV_NN_NIMA_H

#include "core/jv.h"

#define JV_NIMA_SIZE    224
#define JV_NIMA_CLASSES 10

struct jv_nn_pool;
struct jv_nima;

/* Loads and folds the weights of `path`. Returns NULL with `err` naming the file and the
 * missing or misshaped weight. */
struct jv_nima *jv_nima_load(const char *path, GError **err);
void jv_nima_free(struct jv_nima *m);

/* The file the model came from, and the name of the dense layer used as its head (borrowed). */
const char *jv_nima_path(const struct jv_nima *m);
const char *jv_nima_head(const struct jv_nima *m);
/* Bytes of folded weights held. */
size_t jv_nima_bytes(const struct jv_nima *m);

/* The network's input from a packed RGB image (borrowed): 224×224×3 floats into `x`. */
void jv_nima_input(const uint8_t *rgb, int width, int height, float *x);

/* The 10 probabilities of a prepared input (jv_nima_input). Returns 0, or -1 when memory
 * runs out. `pool` (nullable) lends helper threads. */
int jv_nima_forward(const struct jv_nima *m, const float *x, struct jv_nn_pool *pool,
                    float probs[JV_NIMA_CLASSES]);

/* jv_nima_input then jv_nima_forward. */
int jv_nima_predict(const struct jv_nima *m, const uint8_t *rgb, int width, int height,
                    struct jv_nn_pool *pool, float probs[JV_NIMA_CLASSES]);

/* mean = Σ p_i·i and std = sqrt(Σ p_i (i − mean)²) over i = 1..10. */
void jv_nima_score(const float probs[JV_NIMA_CLASSES], double *mean, double *std);

#endif
