/* td_robust.c — quantiles, median and MAD of small arrays; relative error. */
#include "td.h"

#include <math.h>
#include <stdlib.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double td_quantile(const double *x, size_t n, double q)
{
    double *c = malloc((n ? n : 1) * sizeof *c);
    if (!c) return NAN;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i])) c[m++] = x[i];
    if (m == 0) { free(c); return NAN; }
    qsort(c, m, sizeof *c, cmp_double);
    if (q <= 0) q = 0;
    if (q >= 1) q = 1;
    double pos = q * (double)(m - 1);
    size_t lo = (size_t)floor(pos);
    size_t hi = lo + 1 < m ? lo + 1 : lo;
    double v = c[lo] + (pos - (double)lo) * (c[hi] - c[lo]);
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
