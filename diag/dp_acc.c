/* dp_acc.c — per-tensor accumulation of a stream of values: moments by
 * blocks (sum, then Σ(x-mean)² while the block is in cache) merged into a
 * td_stats, histograms, saturation and per-unit firing for activations. */
#include "td_dump.h"

#include <math.h>
#include <string.h>

#define BLK 4096
#define LANES 8

void td_dump_acc_init(td_dump_acc *acc)
{
    memset(acc, 0, sizeof *acc);
    td_stats_init(&acc->st);
    acc->sat_lo = -INFINITY;
    acc->sat_hi = INFINITY;
}

/* Saturation and units, element by element (activations only). */
#define EXTRAS(T)                                                                    \
static void extras_##T(td_dump_acc *acc, const T *x, size_t n, uint64_t off)         \
{                                                                                    \
    int sat = acc->sat_lo > -INFINITY || acc->sat_hi < INFINITY;                     \
    for (size_t i = 0; i < n; i++) {                                                 \
        double v = (double)x[i];                                                     \
        if (sat && (v <= acc->sat_lo || v >= acc->sat_hi)) acc->saturated++;         \
        if (acc->unit_nonzero && v != 0.0) {                                         \
            uint64_t inner = acc->unit_inner ? acc->unit_inner : 1;                  \
            acc->unit_nonzero[((off + i) / inner) % acc->units]++;                   \
        }                                                                            \
    }                                                                                \
}
EXTRAS(float)
EXTRAS(double)

/* One block, one pass in LANES independent lanes (no serial dependency):
 * shifted by K = the block's first value, S = Σ(x−K), Q = Σ(x−K)², so
 * mean = K + S/n, m2 = Q − S²/n, Σx² = Q + 2KS + nK² (exact enough: the
 * shift keeps S small). Returns 0, or -1 when a NaN/Inf is in the block
 * (then nothing was added). lo/hi widen to the block's finite range. */
#define BLOCK(T)                                                                     \
static int block_##T(td_stats *st, const T *x, size_t n, double *lo, double *hi)     \
{                                                                                    \
    const double K = isfinite(x[0]) ? (double)x[0] : 0;                              \
    double s[LANES] = {0}, q[LANES] = {0};                                           \
    T mn[LANES], mx[LANES];                                                          \
    uint64_t z[LANES] = {0};                                                         \
    for (int j = 0; j < LANES; j++) { mn[j] = x[0]; mx[j] = x[0]; }                 \
    size_t i = 0;                                                                    \
    for (; i + LANES <= n; i += LANES)                                               \
        for (int j = 0; j < LANES; j++) {                                            \
            T v = x[i + j];                                                          \
            double d = (double)v - K;                                                \
            s[j] += d;                                                               \
            q[j] += d * d;                                                           \
            z[j] += (v == 0);                                                        \
            mn[j] = v < mn[j] ? v : mn[j];                                           \
            mx[j] = v > mx[j] ? v : mx[j];                                           \
        }                                                                            \
    for (; i < n; i++) {                                                             \
        T v = x[i];                                                                  \
        double d = (double)v - K;                                                    \
        s[0] += d; q[0] += d * d; z[0] += (v == 0);                                  \
        mn[0] = v < mn[0] ? v : mn[0]; mx[0] = v > mx[0] ? v : mx[0];                \
    }                                                                                \
    double S = 0, Q = 0, bmin = mn[0], bmax = mx[0];                                 \
    td_stats b;                                                                      \
    td_stats_init(&b);                                                               \
    for (int j = 0; j < LANES; j++) {                                                \
        S += s[j]; Q += q[j]; b.zeros += z[j];                                       \
        if (mn[j] < bmin) bmin = mn[j];                                              \
        if (mx[j] > bmax) bmax = mx[j];                                              \
    }                                                                                \
    /* a NaN or Inf makes S or Q non-finite (so does Σd² overflowing): the      \
     * caller then takes the block value by value */                             \
    if (!isfinite(S) || !isfinite(Q)) return -1;                                     \
    double dn = (double)n;                                                           \
    b.n = n;                                                                         \
    b.mean = K + S / dn;                                                             \
    b.m2 = Q - S * S / dn;                                                           \
    if (b.m2 < 0) b.m2 = 0;                                                          \
    b.sumsq = Q + 2 * K * S + dn * K * K;                                            \
    b.min = bmin; b.max = bmax;                                                      \
    td_stats_merge(st, &b);                                                          \
    if (bmin < *lo) *lo = bmin;                                                      \
    if (bmax > *hi) *hi = bmax;                                                      \
    return 0;                                                                        \
}
BLOCK(float)
BLOCK(double)

#ifdef __SSE2__
#include <emmintrin.h>
/* block_float with SSE2 (every x86-64): the same sums, two doubles per
 * operation, 8 values per iteration in 4 independent accumulators. */
static int block_float_sse2(td_stats *st, const float *x, size_t n, double *lo, double *hi)
{
    if (n < 8) return block_float(st, x, n, lo, hi);
    const double K = isfinite(x[0]) ? (double)x[0] : 0;
    const __m128d k2 = _mm_set1_pd(K);
    __m128d s0 = _mm_setzero_pd(), s1 = s0, s2 = s0, s3 = s0, q0 = s0, q1 = s0, q2 = s0, q3 = s0;
    __m128 mn = _mm_set1_ps(x[0]), mx = mn, zero = _mm_setzero_ps();
    __m128i z = _mm_setzero_si128();
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m128 a = _mm_loadu_ps(x + i), b = _mm_loadu_ps(x + i + 4);
        mn = _mm_min_ps(mn, _mm_min_ps(a, b));
        mx = _mm_max_ps(mx, _mm_max_ps(a, b));
        z = _mm_sub_epi32(z, _mm_castps_si128(_mm_cmpeq_ps(a, zero))); /* -1 per zero */
        z = _mm_sub_epi32(z, _mm_castps_si128(_mm_cmpeq_ps(b, zero)));
        __m128d a0 = _mm_sub_pd(_mm_cvtps_pd(a), k2), a1 = _mm_sub_pd(_mm_cvtps_pd(_mm_movehl_ps(a, a)), k2);
        __m128d b0 = _mm_sub_pd(_mm_cvtps_pd(b), k2), b1 = _mm_sub_pd(_mm_cvtps_pd(_mm_movehl_ps(b, b)), k2);
        s0 = _mm_add_pd(s0, a0); s1 = _mm_add_pd(s1, a1); s2 = _mm_add_pd(s2, b0); s3 = _mm_add_pd(s3, b1);
        q0 = _mm_add_pd(q0, _mm_mul_pd(a0, a0)); q1 = _mm_add_pd(q1, _mm_mul_pd(a1, a1));
        q2 = _mm_add_pd(q2, _mm_mul_pd(b0, b0)); q3 = _mm_add_pd(q3, _mm_mul_pd(b1, b1));
    }
    double sv[2], qv[2];
    float mnv[4], mxv[4];
    int32_t zv[4];
    _mm_storeu_pd(sv, _mm_add_pd(_mm_add_pd(s0, s1), _mm_add_pd(s2, s3)));
    _mm_storeu_pd(qv, _mm_add_pd(_mm_add_pd(q0, q1), _mm_add_pd(q2, q3)));
    _mm_storeu_ps(mnv, mn);
    _mm_storeu_ps(mxv, mx);
    _mm_storeu_si128((__m128i *)zv, z);
    double S = sv[0] + sv[1], Q = qv[0] + qv[1], bmin = mnv[0], bmax = mxv[0];
    uint64_t zeros = (uint64_t)zv[0] + (uint64_t)zv[1] + (uint64_t)zv[2] + (uint64_t)zv[3];
    for (int j = 1; j < 4; j++) { if (mnv[j] < bmin) bmin = mnv[j]; if (mxv[j] > bmax) bmax = mxv[j]; }
    for (; i < n; i++) {
        double v = (double)x[i], d = v - K;
        S += d; Q += d * d; zeros += (v == 0);
        if (v < bmin) bmin = v;
        if (v > bmax) bmax = v;
    }
    if (!isfinite(S) || !isfinite(Q)) return -1; /* NaN/Inf (or overflow): value by value */
    td_stats b;
    td_stats_init(&b);
    double dn = (double)n;
    b.n = n;
    b.mean = K + S / dn;
    b.m2 = Q - S * S / dn;
    if (b.m2 < 0) b.m2 = 0;
    b.sumsq = Q + 2 * K * S + dn * K * K;
    b.min = bmin; b.max = bmax; b.zeros = zeros;
    td_stats_merge(st, &b);
    if (bmin < *lo) *lo = bmin;
    if (bmax > *hi) *hi = bmax;
    return 0;
}
#define block_float block_float_sse2
#endif

/* Values of a block holding NaN/Inf: element by element; the finite ones
 * are compacted to the front of fin (n entries) for the histogram. */
#define SLOW(T)                                                                      \
static size_t slow_##T(td_stats *st, const T *x, size_t n, T *fin, double *lo, double *hi) \
{                                                                                    \
    size_t nf = 0;                                                                   \
    for (size_t i = 0; i < n; i++) {                                                 \
        td_stats_add(st, (double)x[i]);                                              \
        if (isfinite(x[i])) {                                                        \
            fin[nf++] = x[i];                                                        \
            if (x[i] < *lo) *lo = x[i];                                              \
            if (x[i] > *hi) *hi = x[i];                                              \
        }                                                                            \
    }                                                                                \
    return nf;                                                                       \
}
SLOW(float)
SLOW(double)

/* Moments by block, then one histogram call over the whole run. */
#define ADD(T, HADD)                                                                 \
static void add_##T(td_dump_acc *acc, const T *x, size_t n, uint64_t offset)         \
{                                                                                    \
    double lo = INFINITY, hi = -INFINITY;                                            \
    int clean = 1;                                                                   \
    for (size_t i = 0; i < n; i += BLK) {                                            \
        size_t m = n - i < BLK ? n - i : BLK;                                        \
        if (block_##T(&acc->st, x + i, m, &lo, &hi) != 0) clean = 0;                 \
    }                                                                                \
    if (clean) {                                                                     \
        if (acc->hist) HADD(acc->hist, x, n, lo, hi);                                \
    } else { /* redo the blocks with NaN/Inf element by element */                   \
        T fin[BLK];                                                                  \
        for (size_t i = 0; i < n; i += BLK) {                                        \
            size_t m = n - i < BLK ? n - i : BLK;                                    \
            double blo = INFINITY, bhi = -INFINITY;                                  \
            td_stats seen; /* clean blocks are in acc->st already */                 \
            td_stats_init(&seen);                                                    \
            const T *h = x + i;                                                      \
            size_t nf = m;                                                           \
            if (block_##T(&seen, x + i, m, &blo, &bhi) != 0) {                       \
                nf = slow_##T(&acc->st, x + i, m, fin, &blo, &bhi);                  \
                h = fin;                                                             \
            }                                                                        \
            if (acc->hist && nf) HADD(acc->hist, h, nf, blo, bhi);                   \
        }                                                                            \
    }                                                                                \
    if (acc->unit_nonzero || acc->sat_lo > -INFINITY || acc->sat_hi < INFINITY)      \
        extras_##T(acc, x, n, offset);                                               \
}
ADD(float, td_hist_add_f32)
ADD(double, td_hist_add_f64)

void td_dump_acc_add_f32(td_dump_acc *acc, const float *x, size_t n, uint64_t offset)
{
    add_float(acc, x, n, offset);
}

void td_dump_acc_add_f64(td_dump_acc *acc, const double *x, size_t n, uint64_t offset)
{
    add_double(acc, x, n, offset);
}
