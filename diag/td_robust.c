/* td_robust.c — quantiles, median and MAD (by selection, the values a sort
 * would give); relative error. */
#include "td.h"

#include <math.h>
#include <stdlib.h>

double td_select_kth(double *a, size_t m, size_t k)
{
    /* [lo, hi) holds place k; all before lo <= all in it <= all after hi.
     * Each round: pivot p the median of three of the range; one pass puts
     * the values < p first, a second puts those == p next (duplicates end
     * in one round), both by an unconditional swap and a counted step, no
     * branch on the data (the branches of Hoare's loops mispredict on
     * noisy curves: 12 % of curvecheck's time on the 1M-row log). */
    size_t lo = 0, hi = m;
    while (hi - lo > 16) {
        double x = a[lo], y = a[lo + (hi - lo) / 2], z = a[hi - 1];
        double p = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
        size_t s = lo;
        for (size_t i = lo; i < hi; i++) {
            double v = a[i];
            a[i] = a[s];
            a[s] = v;
            s += v < p;
        }
        if (k < s) { hi = s; continue; }
        size_t t = s; /* [s, hi) >= p, and p is one of them */
        for (size_t i = s; i < hi; i++) {
            double v = a[i];
            a[i] = a[t];
            a[t] = v;
            t += v == p;
        }
        if (k < t) return a[k]; /* == p */
        lo = t;
    }
    for (size_t i = lo + 1; i < hi; i++) { /* a few left: insertion */
        double v = a[i];
        size_t j = i;
        for (; j > lo && a[j - 1] > v; j--) a[j] = a[j - 1];
        a[j] = v;
    }
    return a[k];
}

/* The value at place k of x's finite values in a stable sort: a zero
 * takes the sign of the zero a stable sort would put there (selection
 * does not keep the order of equal values, and -0 == 0). */
static double cv_zero_sign(const double *x, size_t n, size_t k, double v)
{
    if (v != 0) return v;
    size_t below = 0;
    for (size_t i = 0; i < n; i++) below += isfinite(x[i]) && x[i] < 0;
    for (size_t i = 0; i < n; i++)
        if (x[i] == 0 && k-- == below) return x[i];
    return v;
}

double td_quantile(const double *x, size_t n, double q)
{
    double *c = malloc((n ? n : 1) * sizeof *c);
    if (!c) return NAN;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i])) c[m++] = x[i];
    if (m == 0) { free(c); return NAN; }
    if (q <= 0) q = 0;
    if (q >= 1) q = 1;
    double pos = q * (double)(m - 1);
    size_t lo = (size_t)floor(pos);
    size_t hi = lo + 1 < m ? lo + 1 : lo;
    /* the lo-th and hi-th of the sorted values, by selection (no sort) */
    td_select_kth(c, m, lo);
    double a = c[lo], b = a;
    for (size_t i = lo + 1; i < m; i++) if (i == lo + 1 || c[i] < b) b = c[i];
    if (hi == lo) b = a;
    a = cv_zero_sign(x, n, lo, a);
    b = cv_zero_sign(x, n, hi, b);
    double v = a + (pos - (double)lo) * (b - a);
    free(c);
    return v;
}

double td_median(const double *x, size_t n) { return td_quantile(x, n, 0.5); }

double td_mad(const double *x, size_t n)
{
    double med = td_median(x, n);
    if (isnan(med)) return NAN;
    double *d = malloc((n ? n : 1) * sizeof *d);
    if (!d) return NAN;
    for (size_t i = 0; i < n; i++) d[i] = isfinite(x[i]) ? fabs(x[i] - med) : NAN;
    double m = td_median(d, n);
    free(d);
    return 1.4826 * m;
}

double td_rel_error(double a, double n, double floor)
{
    double den = fmax(fmax(fabs(a), fabs(n)), floor);
    if (den == 0.0) return 0.0;
    return fabs(a - n) / den;
}
