/* fma_peak.c - this core's fp32 multiply-add peak with AVX2/FMA, the ceiling of any GEMM.
 *
 * Ten independent chains of 8-wide fused multiply-adds (more than the FMA latency times
 * the issue width, so the units never wait), from values the compiler cannot fold.
 * Prints GFLOP/s of the best of five runs, for bench/nima_bench.sh: NIMA's
 * 1.14 GFLOP per model per photo over this figure is the fastest any fp32 code runs it.
 */
#define _POSIX_C_SOURCE 200809L
#include <immintrin.h>
#include <stdio.h>
#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

#define CHAINS 10
__attribute__((target("avx2,fma"))) static double run(long steps, volatile float *seed)
{
    __m256 a[CHAINS];
    for (int i = 0; i < CHAINS; i++)
        a[i] = _mm256_set1_ps(seed[i]);
    const __m256 m = _mm256_set1_ps(0.9999999f), c = _mm256_set1_ps(1e-7f);
    double t = now();
    for (long k = 0; k < steps; k++) {
        a[0] = _mm256_fmadd_ps(a[0], m, c), a[1] = _mm256_fmadd_ps(a[1], m, c);
        a[2] = _mm256_fmadd_ps(a[2], m, c), a[3] = _mm256_fmadd_ps(a[3], m, c);
        a[4] = _mm256_fmadd_ps(a[4], m, c), a[5] = _mm256_fmadd_ps(a[5], m, c);
        a[6] = _mm256_fmadd_ps(a[6], m, c), a[7] = _mm256_fmadd_ps(a[7], m, c);
        a[8] = _mm256_fmadd_ps(a[8], m, c), a[9] = _mm256_fmadd_ps(a[9], m, c);
    }
    t = now() - t;
    __m256 s = a[0];
    for (int i = 1; i < CHAINS; i++)
        s = _mm256_add_ps(s, a[i]);
    float out[8];
    _mm256_storeu_ps(out, s);
    seed[0] = out[0]; /* keeps the chains live */
    return (double)steps * CHAINS * 16 / t / 1e9;
}

int main(void)
{
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) {
        printf("fma_peak: no AVX2/FMA on this CPU\n");
        return 0;
    }
    volatile float seed[CHAINS] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    double best = 0;
    for (int r = 0; r < 5; r++) {
        double g = run(100000000L, seed);
        best = g > best ? g : best;
    }
    printf("fp32 AVX2 FMA peak of one core: %.1f GFLOP/s\n", best);
    return 0;
}
