/* cf_trend.c — robust trend and noise statistics of one curve: running
 * median, residual noise by MAD, Theil–Sen slope, Mann–Kendall test.
 * Contracts and formulas in td_findings.h. */
#include "td_findings.h"

#include <math.h>
#include <stdlib.h>

#define TREND_MAX 200 /* pairwise statistics keep at most this many points */

double td_trend_median(double *a, size_t m)
{
    if (m == 0) return NAN;
    double hi = td_select_kth(a, m, m / 2);
    if (m % 2) return hi;
    double lo = a[0]; /* the largest of the lower half */
    for (size_t i = 1; i < m / 2; i++) if (a[i] > lo) lo = a[i];
    return 0.5 * (lo + hi);
}

int td_trend_smooth(const double *y, size_t n, size_t w, double *out)
{
    if (n == 0) return 0;
    if (w < 1) w = 1;
    if (w > n) w = n;
    if (w % 2 == 0) w--;
    size_t h = w / 2;
    double *buf = malloc(w * sizeof *buf);
    if (!buf) return -1;
    for (size_t i = 0; i < n; i++) {
        /* window [i-h, i+h] cut at the ends: the end values are medians of
         * h+1 points, not single noisy points (they lag a trend a little) */
        size_t k = 0;
        for (size_t j = i > h ? i - h : 0; j <= i + h && j < n; j++)
            if (isfinite(y[j])) buf[k++] = y[j];
        out[i] = td_trend_median(buf, k);
    }
    free(buf);
    return 0;
}

/* Leave-one-out residuals of the interior points of y[from..n) into res
 * (see td_trend_noise); returns how many, or (size_t)-1 on ENOMEM. */
static size_t loo_residuals(const double *y, size_t n, size_t w, size_t from, double *res)
{
    if (w < 3) w = 3;
    size_t h = w / 2, m = 0;
    double *nb = malloc(2 * h * sizeof *nb);
    if (!nb) return (size_t)-1;
    for (size_t i = from; i + 1 < n; i++) {
        /* the neighbours within r <= h on BOTH sides (a symmetric window, so
         * a linear trend cancels), the point itself left out, so the
         * reference follows neither the trend nor the point's own noise */
        size_t r = h, k = 0;
        if (i < r) r = i;
        if (n - 1 - i < r) r = n - 1 - i;
        for (size_t j = i - r; j <= i + r; j++)
            if (j != i && isfinite(y[j])) nb[k++] = y[j];
        if (k && isfinite(y[i])) res[m++] = y[i] - td_trend_median(nb, k);
    }
    free(nb);
    return m;
}

double td_trend_noise(const double *y, size_t n, size_t w, size_t from)
{
    if (from < 1) from = 1; /* the ends have neighbours on one side only */
    if (n < 3 || from >= n - 1 || n - 1 - from < 3) return NAN;
    double *res = malloc((n - from) * sizeof *res);
    if (!res) return NAN;
    size_t m = loo_residuals(y, n, w, from, res);
    double s = m != (size_t)-1 && m >= 3 ? td_mad(res, m) : NAN;
    free(res);
    return s;
}

/* Clipped rms of the leave-one-out residuals of y[0..n) (see
 * td_trend_noise_rms); *far gets the index in y of the point whose residual
 * lies farthest from their median. NaN when too few. */
static double residual_rms(const double *y, size_t n, double clip, size_t *far)
{
    double *res = malloc(n * sizeof *res);
    if (!res) return NAN;
    size_t m = loo_residuals(y, n, 5, 1, res);
    double s = NAN;
    if (m != (size_t)-1 && m >= 3) {
        double med = td_median(res, m), lim = clip > 0 ? clip * td_mad(res, m) : INFINITY;
        td_stats st;
        td_stats_init(&st);
        size_t f = 0;
        for (size_t i = 0; i < m; i++) {
            if (fabs(res[i] - med) <= lim) td_stats_add(&st, res[i]);
            if (fabs(res[i] - med) > fabs(res[f] - med)) f = i;
        }
        *far = f + 1; /* residuals start at y[1] (all of y finite here) */
        if (st.n >= 2) s = sqrt(st.m2 / (double)(st.n - 1)) / TD_TREND_RMS_INFLATION;
    }
    free(res);
    return s;
}

double td_trend_noise_rms(const double *y, size_t n, double clip, int drop_far)
{
    if (n < 5) return NAN;
    size_t far = 0;
    double s = residual_rms(y, n, clip, &far);
    if (!drop_far || isnan(s) || n < 6) return s;
    double *z = malloc(n * sizeof *z);
    if (!z) return NAN;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (i != far) z[k++] = y[i];
    s = residual_rms(z, k, clip, &far);
    free(z);
    return s;
}

/* The points the pairwise statistics see: all of (x, y)[0..n) when n <=
 * TREND_MAX, else the means of consecutive groups of ceil(n / TREND_MAX)
 * (every point counts; a stride would throw most of a long curve away).
 * Non-finite y are skipped. x may be NULL (gx then unused). Returns how
 * many into gx/gy (capacity TREND_MAX, or n when n <= TREND_MAX). */
static size_t trend_points(const double *x, const double *y, size_t n, double *gx, double *gy)
{
    size_t st = n > TREND_MAX ? (n + TREND_MAX - 1) / TREND_MAX : 1, m = 0;
    for (size_t i = 0; i < n; i += st) {
        double sx = 0, sy = 0;
        size_t k = 0;
        for (size_t j = i; j < i + st && j < n; j++)
            if (isfinite(y[j])) { sx += x ? x[j] : 0; sy += y[j]; k++; }
        if (!k) continue;
        if (x) gx[m] = sx / (double)k;
        gy[m++] = sy / (double)k;
    }
    return m;
}

double td_trend_theil_sen(const double *x, const double *y, size_t n)
{
    size_t cap = n < TREND_MAX ? n : TREND_MAX;
    if (cap < 2) return NAN;
    double *gx = malloc(cap * sizeof *gx), *gy = malloc(cap * sizeof *gy);
    double *sl = malloc(cap * (cap - 1) / 2 * sizeof *sl);
    double s = NAN;
    if (gx && gy && sl) {
        size_t m = trend_points(x, y, n, gx, gy), k = 0;
        for (size_t i = 0; i < m; i++)
            for (size_t j = i + 1; j < m; j++)
                if (gx[j] != gx[i]) sl[k++] = (gy[j] - gy[i]) / (gx[j] - gx[i]);
        if (k) s = td_median(sl, k);
    }
    free(gx); free(gy); free(sl);
    return s;
}

double td_trend_mann_kendall(const double *y, size_t n, double *p)
{
    size_t cap = n < TREND_MAX ? n : TREND_MAX;
    double *gy = malloc((cap ? cap : 1) * sizeof *gy);
    double s = 0, m = gy ? (double)trend_points(NULL, y, n, NULL, gy) : 0;
    for (size_t i = 0; i < (size_t)m; i++)
        for (size_t j = i + 1; j < (size_t)m; j++) s += (gy[j] > gy[i]) - (gy[j] < gy[i]);
    free(gy);
    if (m < 3) { if (p) *p = 1.0; return 0.0; }
    double var = m * (m - 1) * (2 * m + 5) / 18.0;
    double zs = (s - (s > 0) + (s < 0)) / sqrt(var);
    if (p) *p = erfc(fabs(zs) / sqrt(2.0));
    return s / (m * (m - 1) / 2);
}
