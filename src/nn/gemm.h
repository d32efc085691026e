/* gemm.h - dense matrix multiply for the neural quality models.
 *
 * Ownership: the caller owns every buffer; jv_gemm reads A and B and writes C
 * only. Row-major throughout. Used by the NIMA (MobileNet) and MUSIQ models in
 * src/nn/; the implementation picks SIMD kernels at run time. */
#ifndef JV_NN_GEMM_H
#define JV_NN_GEMM_H

#include <stdbool.h>

/* C[M×N] (+)= A[M×K] · B[K×N]; lda/ldb/ldc are row strides in floats.
 * With accumulate false C is overwritten, with true it is added to. */
void jv_gemm(int m, int n, int k, const float *a, int lda, const float *b, int ldb, float *c,
             int ldc, bool accumulate);

#endif
