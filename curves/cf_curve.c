/* cf_curve.c — one series as the detectors see it (td_curve): finite
 * points, oriented lower-is-better, binned to TD_CURVE_MAX, smoothed, with
 * its own noise scale. */
#include "td_findings.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LATE_MAX 4096 /* raw tail points kept for the step-noise estimate */

void td_curve_free(td_curve *c)
{
    if (!c) return;
    free(c->x); free(c->y); free(c->line); free(c->sm);
    memset(c, 0, sizeof *c);
}

size_t td_curve_tail(const td_curve *c, const td_detect_opts *o)
{
    size_t k = (size_t)ceil(o->tail_frac * (double)c->n);
    if (k < o->min_points) k = o->min_points;
    if (k > c->n) k = c->n;
    return c->n - k;
}

static size_t window_of(size_t n, const td_detect_opts *o)
{
    size_t w = (size_t)(o->smooth_frac * (double)n);
    if (w < 3) w = 3;
    if (w % 2 == 0) w++;
    if (w > n) w = n % 2 ? n : n - 1;
    return w ? w : 1;
}

td_code td_curve_make(td_curve *c, const td_series *s, double sign,
                      const td_detect_opts *o, td_err *e)
{
    memset(c, 0, sizeof *c);
    if (!s) return TD_OK;
    size_t nraw = 0;
    for (size_t i = 0; i < s->n; i++) nraw += isfinite(s->y[i]) && isfinite(s->x[i]);
    size_t bin = nraw > TD_CURVE_MAX ? (nraw + TD_CURVE_MAX - 1) / TD_CURVE_MAX : 1;
    size_t n = (nraw + bin - 1) / bin;
    size_t cap = n ? n : 1, lcap = nraw < LATE_MAX ? (nraw ? nraw : 1) : LATE_MAX;
    double *by = malloc(bin * sizeof *by);
    double *late = malloc(lcap * sizeof *late);
    c->x = malloc(cap * sizeof *c->x);
    c->y = malloc(cap * sizeof *c->y);
    c->sm = malloc(cap * sizeof *c->sm);
    c->line = malloc(cap * sizeof *c->line);
    if (!by || !late || !c->x || !c->y || !c->sm || !c->line) goto nomem;
    c->s = s;
    c->sign = sign;
    c->nraw = nraw;
    c->nonfinite = s->n - nraw;
    /* raw tail for the step noise: the last tail_frac of the finite points,
     * on an even stride so that at most LATE_MAX are kept */
    size_t tail_k = (size_t)ceil(o->tail_frac * (double)nraw);
    if (tail_k < o->min_points) tail_k = o->min_points;
    if (tail_k > nraw) tail_k = nraw;
    size_t tail_from = nraw - tail_k;
    size_t lstride = tail_k > LATE_MAX ? (tail_k + LATE_MAX - 1) / LATE_MAX : 1;
    size_t nl = 0, k = 0, m = 0, first_line = 0;
    double sx = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (!(isfinite(s->y[i]) && isfinite(s->x[i]))) continue;
        double v = sign * s->y[i];
        if (k >= tail_from && (k - tail_from) % lstride == 0 && nl < lcap) late[nl++] = v;
        if (m == 0) first_line = s->line ? s->line[i] : 0;
        sx += s->x[i];
        by[m++] = v;
        k++;
        if (m == bin || k == nraw) {
            size_t j = c->n++;
            c->x[j] = sx / (double)m;
            double sy = 0; /* the mean: a logged loss is an average, and so is its bin */
            for (size_t q = 0; q < m; q++) sy += by[q];
            c->y[j] = sy / (double)m;
            c->line[j] = first_line;
            m = 0;
            sx = 0;
        }
    }
    c->w = window_of(c->n, o);
    if (c->n && td_trend_smooth(c->y, c->n, c->w, c->sm) != 0) goto nomem;
    c->sigma = td_trend_noise(c->y, c->n, c->w, 0);
    c->sigma_late = td_trend_noise_rms(late, nl, o->spike_z, 0);
    c->sigma_late_1 = td_trend_noise_rms(late, nl, o->spike_z, 1);
    free(by); free(late);
    return TD_OK;
nomem:
    free(by); free(late);
    td_curve_free(c);
    return td_fail(e, TD_ENOMEM, "out of memory judging a series");
}

int td_curve_ok(const td_curve *c, const td_detect_opts *o)
{
    return c->s && c->n >= o->min_points && c->n >= 2;
}

size_t td_curve_argmin(const td_curve *c, size_t from, size_t to)
{
    size_t m = from;
    for (size_t i = from; i < to && i < c->n; i++)
        if (c->sm[i] < c->sm[m]) m = i;
    return m;
}

double td_curve_xfrac(const td_curve *c, size_t i)
{
    double span = c->x[c->n - 1] - c->x[0];
    return span > 0 ? (c->x[i] - c->x[0]) / span : 1.0;
}

double td_curve_level(const td_curve *c, double y)
{
    double v = td_curve_value(c, y);
    if (c->sign < 0) v = (c->s && c->s->percent ? 100.0 : 1.0) - v;
    return fabs(v);
}

double td_curve_at(const td_curve *c, double x)
{
    size_t n = c->n;
    if (x <= c->x[0]) return c->sm[0];
    if (x >= c->x[n - 1]) return c->sm[n - 1];
    size_t lo = 0, hi = n - 1;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->x[mid] <= x) lo = mid; else hi = mid;
    }
    double f = c->x[hi] > c->x[lo] ? (x - c->x[lo]) / (c->x[hi] - c->x[lo]) : 0;
    return c->sm[lo] + f * (c->sm[hi] - c->sm[lo]);
}

char *td_curve_quote(const td_curve *c, size_t i, char *buf, size_t cap)
{
    double sm = td_curve_value(c, c->sm[i]);
    const td_series *s = c->s;
    size_t j = s ? s->n : 0;
    for (size_t k = 0; s && s->line && k < s->n; k++)
        if (s->line[k] == c->line[i]) { j = k; break; }
    if (j < (s ? s->n : 0) && s->y[j] != sm)
        snprintf(buf, cap, "%.4g (smoothed; logged %.4g at line %zu)", sm, s->y[j], s->line[j]);
    else
        snprintf(buf, cap, "%.4g", sm);
    return buf;
}
