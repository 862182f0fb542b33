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

/* One block: two passes in LANES independent lanes (no serial dependency). */
#define BLOCK(T, HADD)                                                               \
static void block_##T(td_dump_acc *acc, const T *x, size_t n)                        \
{                                                                                    \
    double s[LANES] = {0};                                                           \
    T mn[LANES], mx[LANES], bad[LANES];                                              \
    for (int j = 0; j < LANES; j++) { mn[j] = x[0]; mx[j] = x[0]; bad[j] = 0; }     \
    size_t i = 0;                                                                    \
    for (; i + LANES <= n; i += LANES)                                               \
        for (int j = 0; j < LANES; j++) {                                            \
            T v = x[i + j];                                                          \
            s[j] += v;                                                               \
            mn[j] = v < mn[j] ? v : mn[j];                                           \
            mx[j] = v > mx[j] ? v : mx[j];                                           \
            bad[j] += v * (T)0; /* NaN once a NaN or Inf passed */                   \
        }                                                                            \
    for (; i < n; i++) {                                                             \
        T v = x[i];                                                                  \
        s[0] += v; mn[0] = v < mn[0] ? v : mn[0]; mx[0] = v > mx[0] ? v : mx[0];     \
        bad[0] += v * (T)0;                                                          \
    }                                                                                \
    double sum = 0, lo = mn[0], hi = mx[0];                                          \
    int nonfinite = 0;                                                               \
    for (int j = 0; j < LANES; j++) {                                                \
        sum += s[j];                                                                 \
        if (mn[j] < lo) lo = mn[j];                                                  \
        if (mx[j] > hi) hi = mx[j];                                                  \
        if (bad[j] != 0 || bad[j] != bad[j]) nonfinite = 1;                          \
    }                                                                                \
    if (nonfinite) { /* rare: element by element, histogram of the finite ones */   \
        T fin[BLK];                                                                  \
        size_t nf = 0;                                                               \
        double flo = INFINITY, fhi = -INFINITY;                                      \
        for (i = 0; i < n; i++) {                                                    \
            td_stats_add(&acc->st, (double)x[i]);                                    \
            if (isfinite(x[i])) {                                                    \
                fin[nf++] = x[i];                                                    \
                if (x[i] < flo) flo = x[i];                                          \
                if (x[i] > fhi) fhi = x[i];                                          \
            }                                                                        \
        }                                                                            \
        if (acc->hist && nf) HADD(acc->hist, fin, nf, flo, fhi);                     \
        return;                                                                      \
    }                                                                                \
    double mean = sum / (double)n;                                                   \
    double m2[LANES] = {0}, sq[LANES] = {0};                                         \
    uint64_t z[LANES] = {0};                                                         \
    for (i = 0; i + LANES <= n; i += LANES)                                          \
        for (int j = 0; j < LANES; j++) {                                            \
            double v = (double)x[i + j], d = v - mean;                               \
            m2[j] += d * d;                                                          \
            sq[j] += v * v;                                                          \
            z[j] += (v == 0.0);                                                      \
        }                                                                            \
    for (; i < n; i++) {                                                             \
        double v = (double)x[i], d = v - mean;                                       \
        m2[0] += d * d; sq[0] += v * v; z[0] += (v == 0.0);                          \
    }                                                                                \
    td_stats b;                                                                      \
    td_stats_init(&b);                                                               \
    b.n = n; b.mean = mean; b.min = lo; b.max = hi;                                  \
    for (int j = 0; j < LANES; j++) { b.m2 += m2[j]; b.sumsq += sq[j]; b.zeros += z[j]; } \
    td_stats_merge(&acc->st, &b);                                                    \
    if (acc->hist) HADD(acc->hist, x, n, lo, hi);                                    \
}
BLOCK(float, td_hist_add_f32)
BLOCK(double, td_hist_add_f64)

void td_dump_acc_add_f32(td_dump_acc *acc, const float *x, size_t n, uint64_t offset)
{
    for (size_t i = 0; i < n; i += BLK) {
        size_t m = n - i < BLK ? n - i : BLK;
        block_float(acc, x + i, m);
    }
    if (acc->unit_nonzero || acc->sat_lo > -INFINITY || acc->sat_hi < INFINITY)
        extras_float(acc, x, n, offset);
}

void td_dump_acc_add_f64(td_dump_acc *acc, const double *x, size_t n, uint64_t offset)
{
    for (size_t i = 0; i < n; i += BLK) {
        size_t m = n - i < BLK ? n - i : BLK;
        block_double(acc, x + i, m);
    }
    if (acc->unit_nonzero || acc->sat_lo > -INFINITY || acc->sat_hi < INFINITY)
        extras_double(acc, x, n, offset);
}
