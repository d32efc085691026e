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

/* C = min(max(A·B + bias, lo), hi), fused into the kernels' last pass over each tile (no
 * second pass over C); `bias` (nullable) has n values; -INFINITY/INFINITY clamp nothing.
 * Rows go over `pool` (nullable) as for jv_gemm_pool. Each element is computed as
 * jv_gemm's, then bias added once, then clamped: the bits of jv_gemm + a separate pass. */
void jv_gemm_bias_clamp(struct jv_nn_pool *pool, int m, int n, int k, const float *a, int lda,
                        const float *b, int ldb, float *c, int ldc, const float *bias, float lo,
                        float hi);

/*
 * B[K×N] packed once, for the kernel this CPU uses, into the layout the kernels read: a
 * model's weights are packed at load and every product after reads them in place (packing
 * per product cost a tenth of NIMA's time). Owned by the caller: jv_gemm_b_free.
 */
struct jv_gemm_b;
struct jv_gemm_b *jv_gemm_b_pack(int k, int n, const float *b, int ldb);
void jv_gemm_b_free(struct jv_gemm_b *pb);
size_t jv_gemm_b_bytes(const struct jv_gemm_b *pb);
int jv_gemm_b_rows(const struct jv_gemm_b *pb); /* K */
int jv_gemm_b_cols(const struct jv_gemm_b *pb); /* N */

/* jv_gemm_bias_clamp and jv_gemm_pool with a packed B (its K and N). */
void jv_gemm_packed_bias_clamp(struct jv_nn_pool *pool, int m, const float *a, int lda,
                               const struct jv_gemm_b *b, float *c, int ldc, const float *bias,
                               float lo, float hi);
void jv_gemm_packed(struct jv_nn_pool *pool, int m, const float *a, int lda,
                    const struct jv_gemm_b *b, float *c, int ldc, bool accumulate);

/* The kernel jv_gemm uses on this CPU: "avx512", "avx2" or "portable". */
const char *jv_gemm_kernel(void);

/* Forces a kernel by name (tests and benchmarks); returns false when the CPU
 * lacks it or the name is unknown, leaving the choice unchanged. */
bool jv_gemm_force_kernel(const char *name);

#endif
