/* gc_diagnose.c — name the classic bug a mismatch fits (seed 003 and the
 * issue's list): a ≈ −n (sign flip), a ≈ c·n (constant factor, e.g. the
 * missing 1/batch), a = 0 where n ≠ 0 (zero gradient, or some entries
 * never written), a ≈ nᵀ (transposed indexing of a 2-D tensor).
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

/* a ≈ nᵀ: the checked elements are the whole 2-D tensor (R,C) and
 * a[i,j] = n[j,i] (square) or the buffer holds nᵀ (a (C,R) row-major). */
static int fits_transposed(const double *a, const double *n, const size_t *idx, size_t m,
                           int rank, const size_t *shape)
{
    if (rank != 2 || shape[0] < 2 || shape[1] < 2 || m != shape[0] * shape[1]) return 0;
    size_t R = shape[0], C = shape[1];
    double *nt = malloc(m * sizeof *nt);
    if (!nt) return 0;
    int fit = 0;
    for (int layout = 0; layout < 2 && !fit; layout++) {
        if (layout == 0 && R != C) continue;
        for (size_t q = 0; q < m; q++) {
            size_t i = idx[q] / C, j = idx[q] % C;
            /* layout 0: a[i,j] vs n[j,i]; layout 1: a's buffer is (C,R): a[k] = n[k%R, k/R] */
            nt[q] = layout == 0 ? n[j * C + i] : n[(idx[q] % R) * C + idx[q] / R];
        }
        fit = misfit(a, nt, m, 1) < 1e-3 && misfit(a, n, m, 1) > 1e-2;
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
        double r = 0, s = 0;
        for (size_t i = 0; i < m; i++)
            if (a[i] != 0.0) { r += (a[i] - n[i]) * (a[i] - n[i]); s += a[i] * a[i]; }
        if (r <= 1e-6 * s) {
            *count = zeros;
            return TD_GC_BUG_UNWRITTEN;
        }
    }
    return TD_GC_BUG_NONE;
}
