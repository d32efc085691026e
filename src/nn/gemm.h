/* gemm.h - dense matrix multiply for the neural quality models.
 *
 * Ownership: the caller owns every buffer; jv_gemm reads A and B and writes C
 * only. Row-major throughout. Used by the NIMA (MobileNet) and MUSIQ models in
 * src/nn/; the implementation picks SIMD kernels at run time (AVX-512F, else
 * AVX2 with FMA, else portable C), from __builtin_cpu_supports() once per
 * process. Results are deterministic for one kernel and one shape (no
 * threads change the order of a sum: a threaded call splits rows of C), but
 * differ in the last bits between kernels (FMA rounds once).
 */
#ifndef JV_NN_GEMM_H
#define JV_NN_GEMM_H

#include <stdbool.h>

struct jv_nn_pool;

/* C[M×N] (+)= A[M×K] · B[K×N]; lda/ldb/ldc are row strides in floats.
 * With accumulate false C is overwritten, with true it is added to. */
void jv_gemm(int m, int n, int k, const float *a, int lda, const float *b, int ldb, float *c,
             int ldc, bool accumulate);

/* The same with the rows of C shared out over `pool` (borrowed, nullable:
 * NULL or a pool without threads runs jv_gemm on the caller's thread). The
 * bits are those of jv_gemm. */
void jv_gemm_pool(struct jv_nn_pool *pool, int m, int n, int k, const float *a, int lda,
                  const float *b, int ldb, float *c, int ldc, bool accumulate);

/* The kernel jv_gemm uses on this CPU: "avx512", "avx2" or "portable". */
const char *jv_gemm_kernel(void);

/* Forces a kernel by name (tests and benchmarks); returns false when the CPU
 * lacks it or the name is unknown, leaving the choice unchanged. */
bool jv_gemm_force_kernel(const char *name);

#endif
