/* dp_hist.c — mergeable histograms: an adaptive power-of-two linear grid and
 * TensorBoard-style exponential buckets (see td_dump.h for the contract). */
#include "td_dump.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define GRID_KMIN (-1000)
#define GRID_KMAX 1020
#define GRID_MAXIDX 4.0e18 /* |x|/2^k must stay well inside int64 */

/* floor(g / 2^s) for s >= 0, exact for negative g too. */
static int64_t floor_shift(int64_t g, int s)
{
    if (s <= 0) return g;
    if (s >= 63) return g < 0 ? -1 : 0;
    int64_t d = (int64_t)1 << s;
    int64_t q = g / d;
    if (g % d != 0 && g < 0) q--;
    return q;
}

/* Grid index of x at width 2^k: floor(x / 2^k). Caller keeps it in range. */
static int64_t grid_index(double x, int k)
{
    return (int64_t)floor(ldexp(x, -k));
}

static int grid_fits(double x, int k)
{
    return fabs(ldexp(x, -k)) < GRID_MAXIDX;
}

/* Lowest and highest used fine bins, or -1 when empty. */
static void used_range(const td_hist *h, int *lo, int *hi)
{
    *lo = *hi = -1;
    for (int b = 0; b < TD_HIST_FINE; b++)
        if (h->fine[b]) { if (*lo < 0) *lo = b; *hi = b; }
}

/* Double the bin width once: bins pair up on the global grid. */
static void coarsen(td_hist *h)
{
    uint64_t tmp[TD_HIST_FINE];
    memset(tmp, 0, sizeof tmp);
    int64_t ns = floor_shift(h->start, 1);
    for (int b = 0; b < TD_HIST_FINE; b++) {
        if (!h->fine[b]) continue;
        int64_t nb = floor_shift(h->start + b, 1) - ns;
        tmp[nb] += h->fine[b]; /* nb < TD_HIST_FINE/2 + 1 */
    }
    memcpy(h->fine, tmp, sizeof tmp);
    h->start = ns;
    h->k++;
}

/* Make the grid cover [lo, hi] (finite, lo <= hi), keeping counts. */
static void grid_cover(td_hist *h, double lo, double hi)
{
    if (!h->used) {
        double span = hi - lo, mag = fmax(fabs(lo), fabs(hi));
        if (!(span > 0)) span = mag > 0 ? mag * 1e-6 : 1e-300;
        if (!isfinite(span)) span = 1.7e308;
        int e;
        frexp(span / (TD_HIST_FINE / 2), &e); /* 2^(e-1) <= q < 2^e */
        int k = e;
        if (k < GRID_KMIN) k = GRID_KMIN;
        while (k < GRID_KMAX && !(grid_fits(lo, k) && grid_fits(hi, k))) k++;
        if (k > GRID_KMAX) k = GRID_KMAX;
        h->k = k;
        h->start = grid_index(lo, k);
        h->used = 1;
        memset(h->fine, 0, sizeof h->fine);
    }
    for (;;) {
        if (h->k < GRID_KMAX && !(grid_fits(lo, h->k) && grid_fits(hi, h->k))) { coarsen(h); continue; }
        int ulo, uhi;
        used_range(h, &ulo, &uhi);
        int64_t a = grid_index(lo, h->k), b = grid_index(hi, h->k);
        if (ulo >= 0) {
            if (h->start + ulo < a) a = h->start + ulo;
            if (h->start + uhi > b) b = h->start + uhi;
        }
        if (b - a < TD_HIST_FINE || h->k >= GRID_KMAX) {
            if (a < h->start || b >= h->start + TD_HIST_FINE) { /* slide the window to start at a */
                uint64_t tmp[TD_HIST_FINE];
                memset(tmp, 0, sizeof tmp);
                for (int i = 0; i < TD_HIST_FINE; i++) {
                    if (!h->fine[i]) continue;
                    int64_t nb = h->start + i - a;
                    if (nb < 0) nb = 0;
                    if (nb >= TD_HIST_FINE) nb = TD_HIST_FINE - 1;
                    tmp[nb] += h->fine[i];
                }
                memcpy(h->fine, tmp, sizeof tmp);
                h->start = a;
            }
            return;
        }
        coarsen(h);
    }
}

/* Exponential sub-bucket within an octave from the top 7 mantissa bits m:
 * the number of edges 2^(1/4), 2^(2/4), 2^(3/4) at or below the cell's
 * centre 1 + (m + 0.5)/128 (TD_HIST_EXP_PER_OCT is 4; edges are exact to
 * 1/128 of an octave). */
static inline int sub_bucket(unsigned m)
{
    return (m >= 24) + (m >= 53) + (m >= 87);
}

void td_hist_init(td_hist *h)
{
    memset(h, 0, sizeof *h);
}

double td_hist_exp_edge(int j)
{
    return ldexp(pow(2.0, (double)(j % TD_HIST_EXP_PER_OCT) / TD_HIST_EXP_PER_OCT),
                 TD_HIST_EXP_MINE + j / TD_HIST_EXP_PER_OCT);
}

/* Add count values of sign neg, unbiased exponent e (e < -1000: zero or
 * subnormal) and top 7 mantissa bits m to the exponential buckets. */
static void exp_add(td_hist *h, int neg, int e, unsigned m, uint64_t count)
{
    if (e < TD_HIST_EXP_MINE) { h->exp_zero += count; return; }
    int j = (e - TD_HIST_EXP_MINE) * TD_HIST_EXP_PER_OCT + sub_bucket(m);
    if (j >= TD_HIST_EXP_N) j = TD_HIST_EXP_N - 1;
    if (neg) h->exp_neg[j] += count;
    else h->exp_pos[j] += count;
}

static inline void fine_add(td_hist *h, double v, double inv, double off, uint64_t count)
{
    double b = v * inv - off;
    b = b < 0 ? 0 : b > TD_HIST_FINE - 1 ? TD_HIST_FINE - 1 : b;
    h->fine[(int)b] += count;
}

/* float32 fast path: count each value's cell, a 1/128 of an octave (sign,
 * exponent from 2^MINE to 2^MAXE, 7 mantissa bits; smaller |x| share one
 * zero cell) in a table small enough for the cache, then place each cell
 * whole: in the linear bin holding its centre and in its exponential
 * bucket. Used when a cell at the largest |x| (below 2^MAXE) is at most
 * half a linear bin, so a value can only move to a neighbour bin when it
 * lies within half a cell of an edge; otherwise every value is placed
 * exactly. */
#define EOFF (127 + TD_HIST_EXP_MINE - 1)                 /* biased exponent of cell row 0 */
#define EROWS (TD_HIST_EXP_MAXE - TD_HIST_EXP_MINE + 1)   /* row 0: |x| < 2^MINE */
#define NKEYS (2 * EROWS * 128)
#define MAX_CALL ((size_t)1 << 31) /* uint32 cells never overflow */

void td_hist_add_f32(td_hist *h, const float *x, size_t n, double lo, double hi)
{
    if (n == 0) return;
    if (n > MAX_CALL) {
        td_hist_add_f32(h, x, MAX_CALL, lo, hi);
        td_hist_add_f32(h, x + MAX_CALL, n - MAX_CALL, lo, hi);
        return;
    }
    grid_cover(h, lo, hi);
    const double inv = ldexp(1.0, -h->k), off = (double)h->start;
    int em;
    frexp(fmax(fabs(lo), fabs(hi)), &em); /* |x| < 2^em: cells there are 2^(em-8) wide */
    uint32_t *key = em <= h->k + 7 && em <= TD_HIST_EXP_MAXE && n >= 4096 ? calloc(NKEYS, sizeof *key) : NULL;
    if (!key) { /* exact, value by value */
        for (size_t i = 0; i < n; i++) {
            fine_add(h, (double)x[i], inv, off, 1);
            uint32_t u;
            memcpy(&u, &x[i], 4);
            int e = (int)((u >> 23) & 0xff);
            exp_add(h, (int)(u >> 31), e ? e - 127 : -10000, (u >> 16) & 0x7f, 1);
        }
        return;
    }
    size_t i = 0;
#ifdef __SSE2__
    /* the same cell index, four values at a time (EROWS = 65 = 64 + 1) */
    _Static_assert(EROWS == 65, "the SSE2 cell index multiplies by 65 with a shift");
    const __m128i eoff = _mm_set1_epi32(EOFF), zero = _mm_setzero_si128();
    const __m128i m7 = _mm_set1_epi32(0x7f), ff = _mm_set1_epi32(0xff);
    for (; i + 4 <= n; i += 4) {
        __m128i u = _mm_loadu_si128((const __m128i *)(const void *)(x + i));
        __m128i row = _mm_sub_epi32(_mm_and_si128(_mm_srli_epi32(u, 23), ff), eoff);
        row = _mm_and_si128(row, _mm_cmpgt_epi32(row, zero)); /* max(row, 0) */
        __m128i sg = _mm_srli_epi32(u, 31);
        __m128i t = _mm_add_epi32(_mm_add_epi32(_mm_slli_epi32(sg, 6), sg), row);
        __m128i k = _mm_add_epi32(_mm_slli_epi32(t, 7), _mm_and_si128(_mm_srli_epi32(u, 16), m7));
        uint32_t kk[4];
        _mm_storeu_si128((__m128i *)(void *)kk, k);
        key[kk[0]]++; key[kk[1]]++; key[kk[2]]++; key[kk[3]]++;
    }
#endif
    for (; i < n; i++) {
        uint32_t u;
        memcpy(&u, &x[i], 4);
        int row = (int)((u >> 23) & 0xff) - EOFF;
        row = row < 0 ? 0 : row;
        key[((u >> 31) * EROWS + (uint32_t)row) * 128 + ((u >> 16) & 0x7f)]++;
    }
    for (uint32_t k = 0; k < NKEYS; k++) {
        if (!key[k]) continue;
        int neg = (int)(k / (EROWS * 128)), row = (int)(k / 128 % EROWS);
        unsigned m = k & 0x7f;
        int e = row + EOFF - 127; /* unbiased exponent of the row */
        double c = row ? ldexp(1.0 + (m + 0.5) / 128.0, e) : 0.0; /* the cell's centre */
        fine_add(h, neg ? -c : c, inv, off, key[k]);
        exp_add(h, neg, row ? e : -10000, m, key[k]);
    }
    free(key);
}

void td_hist_add_f64(td_hist *h, const double *x, size_t n, double lo, double hi)
{
    if (n == 0) return;
    grid_cover(h, lo, hi);
    const double inv = ldexp(1.0, -h->k), off = (double)h->start;
    for (size_t i = 0; i < n; i++) {
        int64_t b = (int64_t)(x[i] * inv - off);
        h->fine[b < 0 ? 0 : b >= TD_HIST_FINE ? TD_HIST_FINE - 1 : b]++;
        uint64_t u;
        memcpy(&u, &x[i], 8);
        int e = (int)((u >> 52) & 0x7ff);
        exp_add(h, (int)(u >> 63), e ? e - 1023 : -10000, (unsigned)((u >> 45) & 0x7f), 1);
    }
}

void td_hist_merge(td_hist *into, const td_hist *o)
{
    into->exp_zero += o->exp_zero;
    for (int j = 0; j < TD_HIST_EXP_N; j++) {
        into->exp_pos[j] += o->exp_pos[j];
        into->exp_neg[j] += o->exp_neg[j];
    }
    if (!o->used) return;
    int olo, ohi;
    used_range(o, &olo, &ohi);
    if (olo < 0) return;
    /* the value range of o's used bins, then cover it at >= o's width */
    double lo = ldexp((double)(o->start + olo), o->k);
    double hi = ldexp((double)(o->start + ohi), o->k);
    if (!into->used) {
        into->used = 1;
        into->k = o->k;
        into->start = o->start + olo;
        memset(into->fine, 0, sizeof into->fine);
    }
    while (into->k < o->k) coarsen(into);
    grid_cover(into, lo, hi);
    while (into->k < o->k) coarsen(into);
    int s = into->k - o->k;
    for (int b = olo; b <= ohi; b++) {
        if (!o->fine[b]) continue;
        int64_t nb = floor_shift(o->start + b, s) - into->start;
        if (nb < 0) nb = 0;
        if (nb >= TD_HIST_FINE) nb = TD_HIST_FINE - 1;
        into->fine[nb] += o->fine[b];
    }
}

/* Output bin of x in nb bins of width W from lo, clamped to [0, nb-1]
 * before the cast (an overflowing span gives inf/inf = NaN: bin 0). */
static int out_bin(double x, double lo, double W, int nb)
{
    double t = floor((x - lo) / W);
    return !(t >= 0) ? 0 : t >= nb ? nb - 1 : (int)t;
}

void td_hist_rebin(const td_hist *h, double lo, double hi, int nb, double *counts)
{
    for (int i = 0; i < nb; i++) counts[i] = 0;
    if (nb <= 0 || !h->used) return;
    double W = hi > lo ? (hi - lo) / nb : 0;
    for (int b = 0; b < TD_HIST_FINE; b++) {
        if (!h->fine[b]) continue;
        double c = (double)h->fine[b];
        /* the bin's interval, clipped to [lo, hi] where its values lie */
        double a0 = fmax(ldexp((double)(h->start + b), h->k), lo);
        double a1 = fmin(ldexp((double)(h->start + b + 1), h->k), hi);
        if (!(W > 0) || !(a1 > a0)) { /* one point: the output bin holding it */
            counts[W > 0 ? out_bin(a0, lo, W, nb) : 0] += c;
            continue;
        }
        /* spread uniformly over the output bins it overlaps */
        int o0 = out_bin(a0, lo, W, nb), o1 = out_bin(a1, lo, W, nb);
        for (int o = o0; o <= o1; o++) {
            double e0 = fmax(a0, lo + o * W), e1 = fmin(a1, lo + (o + 1) * W);
            if (e1 > e0) counts[o] += c * (e1 - e0) / (a1 - a0);
        }
    }
}
