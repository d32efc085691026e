/*
 * npz.h - NumPy .npz weight files (a zip of .npy arrays), read once per process.
 *
 * An .npz as numpy.savez / savez_compressed writes it: a zip archive (entries
 * stored or deflated, zip64 extras understood) whose entries are .npy files
 * named "<tensor name>.npy". Only little-endian float arrays in C order are
 * accepted ('<f4', and '<f8' converted to float); every other dtype, a Fortran
 * order, a size that does not match the bytes in the archive, a truncated or
 * overlapping entry gives an error naming the file and the entry. Sizes are
 * checked against the archive before anything is allocated, so a lying header
 * cannot ask for a huge buffer.
 *
 * Ownership: jv_npz_open() returns an owned archive (jv_npz_free()); the
 * tensors it holds are borrowed by the callers for the archive's lifetime and
 * are read-only, so one archive may be shared by any number of threads.
 */
#ifndef JV_NN_NPZ_H
#define JV_NN_NPZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#define JV_NPZ_MAX_DIMS 8

/* One array: its name (without ".npy"), shape and float data (row-major). */
struct jv_npz_tensor {
    char *name;
    int ndim;
    int64_t shape[JV_NPZ_MAX_DIMS];
    size_t count; /* product of the shape */
    float *data;
};

struct jv_npz;

/*
 * Reads the archive at `path` and loads every entry whose name starts with
 * `prefix` (NULL or "" for all; others are skipped without being inflated).
 * Returns an owned archive, or NULL with `err` naming the file and the
 * problem.
 */
struct jv_npz *jv_npz_open(const char *path, const char *prefix, GError **err);

/*
 * The same from bytes in memory (borrowed; copied as needed). `label` names
 * the archive in error messages.
 */
struct jv_npz *jv_npz_open_bytes(const uint8_t *bytes, size_t len, const char *label,
                                 const char *prefix, GError **err);

/* The file name or label the archive was opened with (borrowed). */
const char *jv_npz_label(const struct jv_npz *z);

/* Number of tensors loaded, and the i-th in archive order (borrowed). */
guint jv_npz_count(const struct jv_npz *z);
const struct jv_npz_tensor *jv_npz_at(const struct jv_npz *z, guint i);

/* The tensor named `name` (borrowed), or NULL. */
const struct jv_npz_tensor *jv_npz_get(const struct jv_npz *z, const char *name);

/*
 * The tensor `name` checked against an expected shape of `ndim` dimensions
 * (a dimension of -1 matches any size). Returns the borrowed tensor, or NULL
 * with `err` naming the file, the tensor and what was expected ("missing
 * tensor" or "has shape (3, 4), expected (3, 5)").
 */
const struct jv_npz_tensor *jv_npz_expect(const struct jv_npz *z, const char *name, int ndim,
                                          const int64_t *shape, GError **err);

/*
 * The tensor `name` whose element count is `count`, whatever its shape
 * (normalisation scales stored as (C,) or (1, 1, 1, C)). NULL with `err`
 * as jv_npz_expect().
 */
const struct jv_npz_tensor *jv_npz_expect_count(const struct jv_npz *z, const char *name,
                                                size_t count, GError **err);

void jv_npz_free(struct jv_npz *z);

#endif
