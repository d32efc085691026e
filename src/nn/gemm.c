/* gemm.c - dense matrix multiply (portable reference kernel). */
#include "nn/gemm.h"

#include <string.h>

void jv_gemm(int m, int n, int k, const float *a, int lda, const float *b, int ldb, float *c,
             int ldc, bool accumulate)
{
    for (int i = 0; i < m; i++) {
        float *ci = c + (long)i * ldc;
        if (!accumulate)
            memset(ci, 0, sizeof(float) * (size_t)n);
        const float *ai = a + (long)i * lda;
        for (int p = 0; p < k; p++) {
            float aip = ai[p];
            const float *bp = b + (long)p * ldb;
            for (int j = 0; j < n; j++)
                ci[j] += aip * bp[j];
        }
    }
}
