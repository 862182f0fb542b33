/* gc_gemm.c — the one hot kernel of the built-in dense and conv2d layers:
 *   Y (M×N, row stride ldy) += A (M×K, lda) · B (K×N, ldb),
 * register-blocked 4 rows × 8 columns so that the 32 sums stay in
 * registers while k runs (each A value loaded once per 8 columns, each B
 * row once per 4 rows); the constant-size inner loops are what the
 * compiler turns into SIMD. Every Y element receives its K products in
 * the order k = 0, 1, ..., K−1, as the plain triple loop does (a
 * separate multiply and add: the same bits in every clone) (the 8
 * sums are named v4 values: an array of them was spilled to memory). */
#include <stddef.h>

#include "gc_simd.h"
#include "td_gradcheck.h"

enum { MR = 4, NR = 8 };

#ifdef TD_V4
/* One MR×NR block at Y[0][0]. */
static TD_INLINE void block(size_t K, double *restrict Y, size_t ldy, const double *restrict A,
                            size_t lda, const double *restrict B, size_t ldb)
{
    v4 y00 = ld4(Y), y01 = ld4(Y + 4), y10 = ld4(Y + ldy), y11 = ld4(Y + ldy + 4),
       y20 = ld4(Y + 2 * ldy), y21 = ld4(Y + 2 * ldy + 4), y30 = ld4(Y + 3 * ldy),
       y31 = ld4(Y + 3 * ldy + 4);
    for (size_t k = 0; k < K; k++) {
        v4 b0 = ld4(B + k * ldb), b1 = ld4(B + k * ldb + 4);
        double a0 = A[k], a1 = A[lda + k], a2 = A[2 * lda + k], a3 = A[3 * lda + k];
        y00 += a0 * b0; y01 += a0 * b1;
        y10 += a1 * b0; y11 += a1 * b1;
        y20 += a2 * b0; y21 += a2 * b1;
        y30 += a3 * b0; y31 += a3 * b1;
    }
    st4(Y, y00); st4(Y + 4, y01); st4(Y + ldy, y10); st4(Y + ldy + 4, y11);
    st4(Y + 2 * ldy, y20); st4(Y + 2 * ldy + 4, y21); st4(Y + 3 * ldy, y30); st4(Y + 3 * ldy + 4, y31);
}
#else
/* One MR×NR block at Y[0][0] (plain build). */
static TD_INLINE void block(size_t K, double *restrict Y, size_t ldy, const double *restrict A,
                            size_t lda, const double *restrict B, size_t ldb)
{
    double acc[MR][NR];
    for (int r = 0; r < MR; r++)
        for (int j = 0; j < NR; j++) acc[r][j] = Y[r * ldy + j];
    for (size_t k = 0; k < K; k++)
        for (int r = 0; r < MR; r++)
            for (int j = 0; j < NR; j++) acc[r][j] += A[r * lda + k] * B[k * ldb + j];
    for (int r = 0; r < MR; r++)
        for (int j = 0; j < NR; j++) Y[r * ldy + j] = acc[r][j];
}
#endif

/* Rows [0, m) (m ≤ MR, or any m for the plain tail) over columns [0, n). */
static TD_INLINE void edge(size_t m, size_t n, size_t K, double *restrict Y, size_t ldy,
                 const double *restrict A, size_t lda, const double *restrict B, size_t ldb)
{
    for (size_t r = 0; r < m; r++)
        for (size_t j = 0; j < n; j++) {
            double acc = Y[r * ldy + j];
            for (size_t k = 0; k < K; k++) acc += A[r * lda + k] * B[k * ldb + j];
            Y[r * ldy + j] = acc;
        }
}

TD_HOT void td_gc_gemm(size_t M, size_t N, size_t K, double *Y, size_t ldy, const double *A,
                       size_t lda, const double *B, size_t ldb)
{
    size_t i = 0, n8 = N - N % NR;
    for (; i + MR <= M; i += MR) {
        for (size_t j = 0; j < n8; j += NR) block(K, Y + i * ldy + j, ldy, A + i * lda, lda, B + j, ldb);
        if (n8 < N) edge(MR, N - n8, K, Y + i * ldy + n8, ldy, A + i * lda, lda, B + n8, ldb);
    }
    if (i < M) edge(M - i, N, K, Y + i * ldy, ldy, A + i * lda, lda, B, ldb);
}
