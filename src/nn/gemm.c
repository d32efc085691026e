/* gemm.c - dense matrix multiply: packed, cache-blocked, with SIMD micro-kernels.
 *
 * The loop nest is the usual one of BLIS and OpenBLAS: B is packed in panels
 * of KC rows by NC columns, A in blocks of MC rows by KC; a micro-kernel
 * multiplies one MR-row sliver of packed A by one NR-column sliver of packed
 * B into an MR×NR tile of C kept in registers. The kernels (AVX-512F 8×32,
 * AVX2+FMA 6×16, portable 4×8) are compiled with target attributes, so one
 * binary runs everywhere, and chosen once from __builtin_cpu_supports().
 * Packing buffers are per thread (GPrivate, freed when the thread ends). */
#include "core/jv.h"

#include <immintrin.h>

#include "nn/gemm.h"
#include "nn/pool.h"

#define KC 256
#define MC 96  /* a multiple of every MR */
#define NC 512 /* a multiple of every NR */

/* What is done to a tile after its last K panel: C = min(max(C + bias, lo), hi). */
struct epi {
    const float *bias; /* the tile's columns, nullable */
    float lo, hi;
};

/* A's element (i, p) is ap[i * rsa + p * csa]: A read where it lies (rsa = lda, csa = 1) or a
 * packed sliver (rsa = 1, csa = mr). */
typedef void (*kernel_fn)(int kc, const float *ap, long rsa, long csa, const float *bp, long ldbp,
                          float *c, long ldc, bool load_c, int mr, int nr, const struct epi *e);

struct kernel {
    const char *name;
    int mr, nr;
    kernel_fn fn;
};

/* A partial tile goes through a full one on the stack, so that the kernels only ever see
 * full tiles; the arithmetic of each element is the same either way. */
static void tile_in(float *t, int tnr, const float *c, long ldc, bool load_c, int mr, int nr)
{
    for (int i = 0; i < mr; i++)
        for (int j = 0; j < nr; j++)
            t[i * tnr + j] = load_c ? c[i * ldc + j] : 0.0f;
}

static void tile_out(const float *t, int tnr, float *c, long ldc, int mr, int nr)
{
    for (int i = 0; i < mr; i++)
        memcpy(c + i * ldc, t + i * tnr, sizeof(float) * (size_t)nr);
}

#define P_MR 4
#define P_NR 8
static void kern_portable(int kc, const float *ap, long rsa, long csa, const float *bp, long ldbp,
                          float *c, long ldc, bool load_c, int mr, int nr, const struct epi *e)
{
    float acc[P_MR][P_NR];
    for (int i = 0; i < P_MR; i++)
        for (int j = 0; j < P_NR; j++)
            acc[i][j] = (load_c && i < mr && j < nr) ? c[i * ldc + j] : 0.0f;
    for (int p = 0; p < kc; p++, ap += csa, bp += ldbp)
        for (int i = 0; i < P_MR; i++)
            for (int j = 0; j < P_NR; j++)
                acc[i][j] += ap[i * rsa] * bp[j];
    for (int i = 0; i < mr; i++)
        for (int j = 0; j < nr; j++) {
            float v = acc[i][j];
            if (e) {
                v += e->bias ? e->bias[j] : 0.0f;
                v = v < e->lo ? e->lo : v > e->hi ? e->hi : v;
            }
            c[i * ldc + j] = v;
        }
}

/* AVX2: 6 rows × 16 columns = 12 accumulators, 2 loads of B and 6 broadcasts of A per step. */
#define A2_MR 6
#define A2_NR 16
__attribute__((target("avx2,fma"))) static void kern_avx2(int kc, const float *ap, long rsa,
                                                          long csa, const float *bp, long ldbp,
                                                          float *c, long ldc, bool load_c, int mr,
                                                          int nr, const struct epi *e)
{
    float tile[A2_MR * A2_NR];
    float *cc = c;
    long ld = ldc;
    if (mr < A2_MR || nr < A2_NR) {
        tile_in(tile, A2_NR, c, ldc, load_c, mr, nr);
        cc = tile, ld = A2_NR, load_c = true;
    }
    __m256 c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
    if (load_c) {
#define LD2(i) c##i##0 = _mm256_loadu_ps(cc + i * ld), c##i##1 = _mm256_loadu_ps(cc + i * ld + 8)
        LD2(0), LD2(1), LD2(2), LD2(3), LD2(4), LD2(5);
    } else {
        c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = c40 = c41 = c50 = c51 = _mm256_setzero_ps();
    }
    const float *a0 = ap, *a1 = ap + rsa, *a2 = ap + 2 * rsa, *a3 = ap + 3 * rsa,
                *a4 = ap + 4 * rsa, *a5 = ap + 5 * rsa;
    long off = 0;
    for (int p = 0; p < kc; p++, off += csa, bp += ldbp) {
        __m256 b0 = _mm256_loadu_ps(bp), b1 = _mm256_loadu_ps(bp + 8), a;
#define FM2(i)                                                                                     \
    a = _mm256_broadcast_ss(a##i + off), c##i##0 = _mm256_fmadd_ps(a, b0, c##i##0),                \
    c##i##1 = _mm256_fmadd_ps(a, b1, c##i##1)
        FM2(0), FM2(1), FM2(2), FM2(3), FM2(4), FM2(5);
    }
    if (e) {
        __m256 b0 = e->bias ? _mm256_loadu_ps(e->bias) : _mm256_setzero_ps();
        __m256 b1 = e->bias ? _mm256_loadu_ps(e->bias + 8) : _mm256_setzero_ps();
        __m256 lo = _mm256_set1_ps(e->lo), hi = _mm256_set1_ps(e->hi);
#define EP2(i)                                                                                     \
    c##i##0 = _mm256_min_ps(_mm256_max_ps(_mm256_add_ps(c##i##0, b0), lo), hi),                    \
    c##i##1 = _mm256_min_ps(_mm256_max_ps(_mm256_add_ps(c##i##1, b1), lo), hi)
        EP2(0), EP2(1), EP2(2), EP2(3), EP2(4), EP2(5);
    }
#define ST2(i) _mm256_storeu_ps(cc + i * ld, c##i##0), _mm256_storeu_ps(cc + i * ld + 8, c##i##1)
    ST2(0), ST2(1), ST2(2), ST2(3), ST2(4), ST2(5);
    if (cc == tile)
        tile_out(tile, A2_NR, c, ldc, mr, nr);
}

/* AVX-512: 8 rows × 32 columns = 16 accumulators; A's broadcasts fold into the FMAs. */
#define A5_MR 8
#define A5_NR 32
__attribute__((target("avx512f"))) static void kern_avx512(int kc, const float *ap, long rsa,
                                                           long csa, const float *bp, long ldbp,
                                                           float *c, long ldc, bool load_c, int mr,
                                                           int nr, const struct epi *e)
{
    float tile[A5_MR * A5_NR];
    float *cc = c;
    long ld = ldc;
    if (mr < A5_MR || nr < A5_NR) {
        tile_in(tile, A5_NR, c, ldc, load_c, mr, nr);
        cc = tile, ld = A5_NR, load_c = true;
    }
    __m512 c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71;
    if (load_c) {
#define LD5(i) c##i##0 = _mm512_loadu_ps(cc + i * ld), c##i##1 = _mm512_loadu_ps(cc + i * ld + 16)
        LD5(0), LD5(1), LD5(2), LD5(3), LD5(4), LD5(5), LD5(6), LD5(7);
    } else {
        c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = c40 = c41 = c50 = c51 = c60 = c61 = c70 =
            c71 = _mm512_setzero_ps();
    }
    for (int p = 0; p < kc; p++, ap += csa, bp += ldbp) {
        __m512 b0 = _mm512_loadu_ps(bp), b1 = _mm512_loadu_ps(bp + 16), a;
#define FM5(i)                                                                                     \
    a = _mm512_set1_ps(ap[i * rsa]), c##i##0 = _mm512_fmadd_ps(a, b0, c##i##0),                    \
    c##i##1 = _mm512_fmadd_ps(a, b1, c##i##1)
        FM5(0), FM5(1), FM5(2), FM5(3), FM5(4), FM5(5), FM5(6), FM5(7);
    }
    if (e) {
        __m512 b0 = e->bias ? _mm512_loadu_ps(e->bias) : _mm512_setzero_ps();
        __m512 b1 = e->bias ? _mm512_loadu_ps(e->bias + 16) : _mm512_setzero_ps();
        __m512 lo = _mm512_set1_ps(e->lo), hi = _mm512_set1_ps(e->hi);
#define EP5(i)                                                                                     \
    c##i##0 = _mm512_min_ps(_mm512_max_ps(_mm512_add_ps(c##i##0, b0), lo), hi),                    \
    c##i##1 = _mm512_min_ps(_mm512_max_ps(_mm512_add_ps(c##i##1, b1), lo), hi)
        EP5(0), EP5(1), EP5(2), EP5(3), EP5(4), EP5(5), EP5(6), EP5(7);
    }
#define ST5(i) _mm512_storeu_ps(cc + i * ld, c##i##0), _mm512_storeu_ps(cc + i * ld + 16, c##i##1)
    ST5(0), ST5(1), ST5(2), ST5(3), ST5(4), ST5(5), ST5(6), ST5(7);
    if (cc == tile)
        tile_out(tile, A5_NR, c, ldc, mr, nr);
}

static const struct kernel kernels[] = {
    {"avx512", A5_MR, A5_NR, kern_avx512},
    {"avx2", A2_MR, A2_NR, kern_avx2},
    {"portable", P_MR, P_NR, kern_portable},
};

static bool cpu_has(const struct kernel *k)
{
    __builtin_cpu_init();
    if (k->fn == kern_avx512)
        return __builtin_cpu_supports("avx512f");
    if (k->fn == kern_avx2)
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    return true;
}

static const struct kernel *volatile chosen;

static const struct kernel *kernel_get(void)
{
    static gsize once;
    if (g_once_init_enter(&once)) {
        const struct kernel *k = &kernels[JV_ARRAY_LEN(kernels) - 1];
        for (size_t i = 0; i < JV_ARRAY_LEN(kernels); i++)
            if (cpu_has(&kernels[i])) {
                k = &kernels[i];
                break;
            }
        chosen = k;
        g_once_init_leave(&once, 1);
    }
    return chosen;
}

const char *jv_gemm_kernel(void)
{
    return kernel_get()->name;
}

bool jv_gemm_force_kernel(const char *name)
{
    kernel_get();
    for (size_t i = 0; i < JV_ARRAY_LEN(kernels); i++)
        if (strcmp(kernels[i].name, name) == 0 && cpu_has(&kernels[i])) {
            chosen = &kernels[i];
            return true;
        }
    return false;
}

/* Per-thread packing buffers: room for one MC×KC block of A and one KC×NC panel of B. */
struct packbuf {
    float *a, *b;
};

static void packbuf_free(gpointer p)
{
    struct packbuf *pb = p;
    free(pb->a);
    free(pb->b);
    free(pb);
}

static GPrivate packbuf_key = G_PRIVATE_INIT(packbuf_free);

static struct packbuf *packbuf_get(void)
{
    struct packbuf *pb = g_private_get(&packbuf_key);
    if (!pb) {
        pb = calloc(1, sizeof *pb);
        pb->a = aligned_alloc(64, sizeof(float) * MC * KC);
        pb->b = aligned_alloc(64, sizeof(float) * KC * NC);
        if (!pb->a || !pb->b)
            g_error("out of memory for the GEMM's packing buffers");
        g_private_set(&packbuf_key, pb);
    }
    return pb;
}

/* A[rows×kc] (rows <= mr) into one sliver stored column after column; short rows are zero. */
static void pack_a_sliver(const float *a, long lda, int rows, int kc, int mr, float *dst)
{
    for (int p = 0; p < kc; p++, dst += mr) {
        for (int i = 0; i < rows; i++)
            dst[i] = a[i * lda + p];
        for (int i = rows; i < mr; i++)
            dst[i] = 0.0f;
    }
}

/* B[kc×nc] into slivers of nr columns, each stored row after row; short columns are zero. */
static void pack_b(const float *b, long ldb, int kc, int nc, int nr, float *dst)
{
    for (int j0 = 0; j0 < nc; j0 += nr) {
        int cols = nc - j0 < nr ? nc - j0 : nr;
        for (int p = 0; p < kc; p++) {
            const float *src = b + p * ldb + j0;
            memcpy(dst, src, sizeof(float) * (size_t)cols);
            for (int j = cols; j < nr; j++)
                dst[j] = 0.0f;
            dst += nr;
        }
    }
}

/*
 * One KC-deep panel of C's columns [jc, jc+nc): B packed once per panel, except that with
 * few rows of C (the 7×7 and 14×14 layers) full slivers of B are read where they lie:
 * packing them would cost as much as the multiply. A is read where it lies, its rows
 * broadcast one by one (packing it, a transpose, took an eighth of the time); only a short
 * last sliver of rows is packed, padded with zeros, so that no kernel reads past A.
 */
static void gemm_panel(const struct kernel *kr, struct packbuf *pb, int m, int nc, int kc,
                       const float *a, int lda, const float *b, int ldb, const float *pre,
                       long pre_ld, float *c, int ldc, bool load_c, const struct epi *last)
{
    bool direct = m <= 2 * MC;
    if (pre)
        direct = false;
    else if (!direct)
        pack_b(b, ldb, kc, nc, kr->nr, pb->b);
    else if (nc % kr->nr) /* the last, short sliver is always packed */
        pack_b(b + nc / kr->nr * kr->nr, ldb, kc, nc % kr->nr, kr->nr, pb->b);
    /* Packed A pays for itself once a block is read by more than eight slivers of B. */
    bool pack = nc > 8 * kr->nr;
    int tail = m % kr->mr;
    if (tail && !pack)
        pack_a_sliver(a + (long)(m - tail) * lda, lda, tail, kc, kr->mr, pb->a);
    for (int ic = 0; ic < m; ic += MC) {
        int mc = m - ic < MC ? m - ic : MC;
        for (int ir = 0; pack && ir < mc; ir += kr->mr)
            pack_a_sliver(a + (long)(ic + ir) * lda, lda, MIN(kr->mr, mc - ir), kc, kr->mr,
                          pb->a + (long)ir * kc);
        for (int jr = 0; jr < nc; jr += kr->nr) {
            int nr = nc - jr < kr->nr ? nc - jr : kr->nr;
            const float *bp = pb->b + (long)(jr / kr->nr) * kc * kr->nr;
            long ldbp = kr->nr;
            if (pre)
                bp = pre + (long)(jr / kr->nr) * pre_ld;
            else if (direct && nr == kr->nr)
                bp = b + jr, ldbp = ldb;
            else if (direct)
                bp = pb->b;
            /* The epilogue's bias for this sliver; a short sliver's is padded. */
            struct epi e, *ep = NULL;
            float pad[64] = {0};
            if (last) {
                e = *last, ep = &e;
                if (e.bias && nr < kr->nr) {
                    memcpy(pad, e.bias + jr, sizeof(float) * (size_t)nr);
                    e.bias = pad;
                } else if (e.bias) {
                    e.bias += jr;
                }
            }
            for (int ir = 0; ir < mc; ir += kr->mr) {
                int mr = mc - ir < kr->mr ? mc - ir : kr->mr;
                float *ct = c + (long)(ic + ir) * ldc + jr;
                if (pack)
                    kr->fn(kc, pb->a + (long)ir * kc, 1, kr->mr, bp, ldbp, ct, ldc, load_c, mr, nr,
                           ep);
                else if (mr == kr->mr)
                    kr->fn(kc, a + (long)(ic + ir) * lda, lda, 1, bp, ldbp, ct, ldc, load_c, mr, nr,
                           ep);
                else
                    kr->fn(kc, pb->a, 1, kr->mr, bp, ldbp, ct, ldc, load_c, mr, nr, ep);
            }
        }
    }
}

/* B[k×n] packed once for one kernel: sliver s (columns s·nr…) holds rows 0..k−1 of nr floats. */
struct jv_gemm_b {
    const struct kernel *kr;
    int k, n;
    float *data;
};

/* The whole product, with the epilogue `e` (nullable) applied after the last K panel; B is
 * `b` or, when `pre` is set, the packed one. */
static void gemm_ex(int m, int n, int k, const float *a, int lda, const float *b, int ldb,
                    const struct jv_gemm_b *pre, float *c, int ldc, bool accumulate,
                    const struct epi *e)
{
    if (m <= 0 || n <= 0)
        return;
    if (k <= 0) {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
                float v = accumulate ? c[(long)i * ldc + j] : 0.0f;
                if (e) {
                    v += e->bias ? e->bias[j] : 0.0f;
                    v = v < e->lo ? e->lo : v > e->hi ? e->hi : v;
                }
                c[(long)i * ldc + j] = v;
            }
        return;
    }
    const struct kernel *kr = pre ? pre->kr : kernel_get();
    struct packbuf *pb = packbuf_get();
    for (int jc = 0; jc < n; jc += NC) {
        int nc = n - jc < NC ? n - jc : NC;
        struct epi ej, *ep = NULL;
        if (e) {
            ej = *e, ep = &ej;
            if (ej.bias)
                ej.bias += jc;
        }
        for (int pc = 0; pc < k; pc += KC) {
            int kc = k - pc < KC ? k - pc : KC;
            const float *pp =
                pre ? pre->data + (long)(jc / kr->nr) * k * kr->nr + (long)pc * kr->nr : NULL;
            gemm_panel(kr, pb, m, nc, kc, a + pc, lda, pre ? NULL : b + (long)pc * ldb + jc, ldb,
                       pp, (long)k * kr->nr, c + jc, ldc, accumulate || pc > 0,
                       pc + kc >= k ? ep : NULL);
        }
    }
}

void jv_gemm(int m, int n, int k, const float *a, int lda, const float *b, int ldb, float *c,
             int ldc, bool accumulate)
{
    gemm_ex(m, n, k, a, lda, b, ldb, NULL, c, ldc, accumulate, NULL);
}

struct gemm_job {
    int m, n, k, lda, ldb, ldc, rows; /* rows of C per task */
    const float *a, *b;
    const struct jv_gemm_b *pre;
    float *c;
    bool accumulate;
    const struct epi *e;
};

static void gemm_task(int i, void *user)
{
    const struct gemm_job *j = user;
    int r0 = i * j->rows;
    int rows = j->m - r0 < j->rows ? j->m - r0 : j->rows;
    gemm_ex(rows, j->n, j->k, j->a + (long)r0 * j->lda, j->lda, j->b, j->ldb, j->pre,
            j->c + (long)r0 * j->ldc, j->ldc, j->accumulate, j->e);
}

/* The rows of C in whole MC blocks, about two tasks per thread to even out the ends. */
static void gemm_shared(struct jv_nn_pool *pool, int m, int n, int k, const float *a, int lda,
                        const float *b, int ldb, const struct jv_gemm_b *pre, float *c, int ldc,
                        bool accumulate, const struct epi *e)
{
    int threads = jv_nn_pool_threads(pool) + 1;
    int mr = pre ? pre->kr->mr : kernel_get()->mr;
    if (threads < 2 || m < 2 * MC) {
        gemm_ex(m, n, k, a, lda, b, ldb, pre, c, ldc, accumulate, e);
        return;
    }
    int blocks = (m + MC - 1) / MC;
    int tasks = blocks < 2 * threads ? blocks : 2 * threads;
    int rows = ((blocks + tasks - 1) / tasks) * MC;
    rows = (rows + mr - 1) / mr * mr;
    struct gemm_job j = {m, n, k, lda, ldb, ldc, rows, a, b, pre, c, accumulate, e};
    jv_nn_parallel_for(pool, (m + rows - 1) / rows, gemm_task, &j);
}

void jv_gemm_pool(struct jv_nn_pool *pool, int m, int n, int k, const float *a, int lda,
                  const float *b, int ldb, float *c, int ldc, bool accumulate)
{
    gemm_shared(pool, m, n, k, a, lda, b, ldb, NULL, c, ldc, accumulate, NULL);
}

void jv_gemm_bias_clamp(struct jv_nn_pool *pool, int m, int n, int k, const float *a, int lda,
                        const float *b, int ldb, float *c, int ldc, const float *bias, float lo,
                        float hi)
{
    const struct epi e = {bias, lo, hi};
    gemm_shared(pool, m, n, k, a, lda, b, ldb, NULL, c, ldc, false, &e);
}

struct jv_gemm_b *jv_gemm_b_pack(int k, int n, const float *b, int ldb)
{
    struct jv_gemm_b *pb = g_new0(struct jv_gemm_b, 1);
    pb->kr = kernel_get();
    pb->k = k, pb->n = n;
    int nr = pb->kr->nr, slivers = (n + nr - 1) / nr;
    pb->data = g_new(float, (size_t)slivers *(size_t)k *(size_t)nr);
    pack_b(b, ldb, k, n, nr, pb->data);
    return pb;
}

void jv_gemm_b_free(struct jv_gemm_b *pb)
{
    if (!pb)
        return;
    g_free(pb->data);
    g_free(pb);
}

int jv_gemm_b_rows(const struct jv_gemm_b *pb)
{
    return pb->k;
}

int jv_gemm_b_cols(const struct jv_gemm_b *pb)
{
    return pb->n;
}

size_t jv_gemm_b_bytes(const struct jv_gemm_b *pb)
{
    int nr = pb->kr->nr;
    return sizeof(float) * (size_t)((pb->n + nr - 1) / nr) * (size_t)pb->k * (size_t)nr;
}

void jv_gemm_packed_bias_clamp(struct jv_nn_pool *pool, int m, const float *a, int lda,
                               const struct jv_gemm_b *b, float *c, int ldc, const float *bias,
                               float lo, float hi)
{
    const struct epi e = {bias, lo, hi};
    gemm_shared(pool, m, b->n, b->k, a, lda, NULL, 0, b, c, ldc, false, &e);
}

void jv_gemm_packed(struct jv_nn_pool *pool, int m, const float *a, int lda,
                    const struct jv_gemm_b *b, float *c, int ldc, bool accumulate)
{
    gemm_shared(pool, m, b->n, b->k, a, lda, NULL, 0, b, c, ldc, accumulate, NULL);
}
