/* gc_diagnose.c — name the classic bug a mismatch fits (seed 003 and the
 * issue's list): a ≈ −n (sign flip), a ≈ c·n (constant factor, e.g. the
 * missing 1/batch), a = 0 where n ≠ 0 (zero gradient, or some entries
 * never written; or zero on one branch, where the true slopes are
 * small: a forgotten factor like leaky ReLU's alpha), a ≈ n with permuted
 * axes (transposed indexing, rank 2..4: matrices and conv weights).
 *
 * A pattern "fits" when the residual ‖a − model(n)‖ is below 1e-3·‖a‖
 * (or ‖n‖), over the checked elements. */
#include <math.h>
#include <stdlib.h>

#include "td_gradcheck.h"

/* ‖a − c·b‖ / max(‖a‖, ‖c·b‖) over m pairs; a tiny value means a ≈ c·b. */
static double misfit(const double *a, const double *b, size_t m, double c)
{
    double r = 0, na = 0, nb = 0;
    for (size_t i = 0; i < m; i++) {
        r += (a[i] - c * b[i]) * (a[i] - c * b[i]);
        na += a[i] * a[i];
        nb += c * c * b[i] * b[i];
    }
    double den = fmax(na, nb);
    return den > 0 ? sqrt(r / den) : 0;
}

/* The next permutation of p[0..r) in lexicographic order; 0 after the last. */
static int next_perm(int *p, int r)
{
    int i = r - 2;
    while (i >= 0 && p[i] >= p[i + 1]) i--;
    if (i < 0) return 0;
    int j = r - 1;
    while (p[j] <= p[i]) j--;
    int t = p[i]; p[i] = p[j]; p[j] = t;
    for (int lo = i + 1, hi = r - 1; lo < hi; lo++, hi--) { t = p[lo]; p[lo] = p[hi]; p[hi] = t; }
    return 1;
}

/* Flat index of multi-index ix in shape sh (rank r), and back. */
static size_t flat_of(const size_t *ix, const size_t *sh, int r)
{
    size_t f = 0;
    for (int d = 0; d < r; d++) f = f * sh[d] + ix[d];
    return f;
}
static void index_of(size_t f, const size_t *sh, int r, size_t *ix)
{
    for (int d = r - 1; d >= 0; d--) { ix[d] = f % sh[d]; f /= sh[d]; }
}

/* a ≈ n with its axes permuted ("transposed indexing"), for a tensor of
 * rank 2..4 checked whole: for a permutation σ ≠ id of the axes, either
 *   - the buffer is laid out in the permuted shape S∘σ: the gradient of
 *     element I sits at flat(I∘σ; S∘σ) (a (C,R) array in an (R,C) buffer,
 *     a conv weight written as (kh,kw,c,oc)), or
 *   - the same shape (S∘σ = S) indexed with permuted axes: a[I] = n[I∘σ]
 *     (a square Wᵀ).
 * A fit: ‖a − permuted n‖ < 1e-3 ‖a‖ while a itself is far from n. */
static int fits_transposed(const double *a, const double *n, const size_t *idx, size_t m,
                           int rank, const size_t *shape)
{
    if (rank < 2 || rank > 4) return 0;
    size_t numel = 1;
    for (int d = 0; d < rank; d++) numel *= shape[d];
    if (m != numel || misfit(a, n, m, 1) <= 1e-2) return 0;
    double *nt = malloc(m * sizeof *nt);
    if (!nt) return 0;
    int p[4] = { 0, 1, 2, 3 }, fit = 0;
    while (!fit && next_perm(p, rank)) {
        size_t ps[4], I[4], J[4];
        int same = 1;
        for (int d = 0; d < rank; d++) { ps[d] = shape[p[d]]; same &= ps[d] == shape[d]; }
        for (int layout = 0; layout < 2 && !fit; layout++) {
            if (layout == 1 && !same) continue;
            for (size_t q = 0; q < m; q++) {
                if (layout == 0) { /* a's flat idx[q] is J in shape ps, J = I∘σ */
                    index_of(idx[q], ps, rank, J);
                    for (int d = 0; d < rank; d++) I[p[d]] = J[d];
                    nt[q] = n[flat_of(I, shape, rank)];
                } else {           /* a[I] = n[I∘σ], same shape */
                    index_of(idx[q], shape, rank, I);
                    for (int d = 0; d < rank; d++) J[d] = I[p[d]];
                    nt[q] = n[flat_of(J, shape, rank)];
                }
            }
            fit = misfit(a, nt, m, 1) < 1e-3;
        }
    }
    free(nt);
    return fit;
}

/* The ratio c = 1/k or k (k = 2..4096) nearest to `factor` within 1e-3. */
static double nice_factor(double factor)
{
    for (int k = 2; k <= 4096; k++) {
        if (fabs(factor - k) < 1e-3 * k) return k;
        if (fabs(factor - 1.0 / k) < 1e-3 / k) return 1.0 / k;
    }
    return factor;
}

td_gc_bug td_gc_diagnose(const double *a, const double *n, const size_t *idx,
                         size_t m, int rank, const size_t *shape,
                         double *factor, size_t *count)
{
    *factor = 1;
    *count = 0;
    if (m == 0) return TD_GC_BUG_NONE;
    double an = 0, nn = 0, amax = 0, nmax = 0;
    size_t zeros = 0, nonzero_n = 0;
    for (size_t i = 0; i < m; i++) {
        an += a[i] * n[i];
        nn += n[i] * n[i];
        amax = fmax(amax, fabs(a[i]));
        nmax = fmax(nmax, fabs(n[i]));
    }
    for (size_t i = 0; i < m; i++)
        if (fabs(n[i]) > 1e-6 * nmax) { nonzero_n++; if (a[i] == 0.0) zeros++; }
    if (nmax == 0) return TD_GC_BUG_NONE;
    if (amax == 0) return TD_GC_BUG_ZERO;
    if (idx && fits_transposed(a, n, idx, m, rank, shape)) return TD_GC_BUG_TRANSPOSED;
    double c = an / nn;
    if (misfit(a, n, m, c) < 1e-3 && fabs(c - 1) > 1e-3) {
        if (fabs(c + 1) < 1e-3) return TD_GC_BUG_SIGN;
        *factor = nice_factor(c);
        return TD_GC_BUG_FACTOR;
    }
    if (zeros > 0 && zeros < nonzero_n) {
        /* the written entries must be right for "unwritten" to be the story */
        double r = 0, s = 0, nz = 0, nw = 0;
        for (size_t i = 0; i < m; i++)
            if (a[i] != 0.0) { r += (a[i] - n[i]) * (a[i] - n[i]); s += a[i] * a[i]; nw += n[i] * n[i]; }
            else nz += n[i] * n[i];
        if (r <= 1e-6 * s) {
            *count = zeros;
            /* the zeros' true slopes are far smaller than the others': a
             * branch's factor forgotten (leaky ReLU's alpha: a zero slope
             * on one side of the kink), not entries left unwritten */
            double rms_z = sqrt(nz / (double)zeros), rms_w = sqrt(nw / (double)(m - zeros));
            return rms_z < 0.1 * rms_w ? TD_GC_BUG_ZERO_BRANCH : TD_GC_BUG_UNWRITTEN;
        }
    }
    return TD_GC_BUG_NONE;
}
