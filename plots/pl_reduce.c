/* pl_reduce.c — M4 reduction of long series: first, min, max, last per
 * pixel column, so a 1,000,000-point curve plots fast with its spikes. */
#include "td_plot.h"

#include <math.h>

/* One column's four candidates, kept as indices into the input. */
typedef struct { size_t first, lo, hi, last; int used; } m4_col;

static size_t m4_flush(const m4_col *c, const double *x, const double *y,
                       double *xo, double *yo, size_t k)
{
    size_t idx[4] = {c->first, c->lo, c->hi, c->last};
    /* sort the four indices (tiny insertion sort) and drop repeats */
    for (int i = 1; i < 4; i++)
        for (int j = i; j > 0 && idx[j] < idx[j - 1]; j--) {
            size_t t = idx[j]; idx[j] = idx[j - 1]; idx[j - 1] = t;
        }
    for (int i = 0; i < 4; i++) {
        if (i > 0 && idx[i] == idx[i - 1]) continue;
        xo[k] = x[idx[i]];
        yo[k] = y[idx[i]];
        k++;
    }
    return k;
}

size_t td_plot_reduce(const double *x, const double *y, size_t n, size_t columns,
                      double *xo, double *yo)
{
    double x0 = INFINITY, x1 = -INFINITY, prev = -INFINITY;
    size_t nfin = 0;
    int ascending = 1;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i]) || !isfinite(y[i])) continue;
        if (x[i] < prev) ascending = 0;
        prev = x[i];
        if (x[i] < x0) x0 = x[i];
        if (x[i] > x1) x1 = x[i];
        nfin++;
    }
    size_t k = 0;
    if (columns == 0 || nfin <= 4 * columns) {
        for (size_t i = 0; i < n; i++)
            if (isfinite(x[i]) && isfinite(y[i])) { xo[k] = x[i]; yo[k] = y[i]; k++; }
        return k;
    }
    double width = x1 - x0;
    m4_col c = {0, 0, 0, 0, 0};
    size_t col = 0, seen = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i]) || !isfinite(y[i])) continue;
        size_t ci;
        if (ascending && width > 0) {
            double f = (x[i] - x0) / width * (double)columns;
            ci = f >= (double)columns ? columns - 1 : (size_t)f;
        } else {
            ci = seen * columns / nfin; /* equal point counts */
        }
        seen++;
        if (c.used && ci != col) {
            k = m4_flush(&c, x, y, xo, yo, k);
            c.used = 0;
        }
        if (!c.used) {
            c.first = c.lo = c.hi = c.last = i;
            c.used = 1;
            col = ci;
            continue;
        }
        if (y[i] < y[c.lo]) c.lo = i;
        if (y[i] > y[c.hi]) c.hi = i;
        c.last = i;
    }
    if (c.used) k = m4_flush(&c, x, y, xo, yo, k);
    return k;
}
