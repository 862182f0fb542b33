/* td_stats.c — streaming moments (Welford), mergeable across chunks (Chan). */
#include "td.h"

#include <math.h>

void td_stats_init(td_stats *s)
{
    s->n = 0;
    s->mean = s->m2 = s->sumsq = 0.0;
    s->min = INFINITY;
    s->max = -INFINITY;
    s->zeros = s->nans = s->infs = 0;
}

void td_stats_add(td_stats *s, double x)
{
    if (isnan(x)) { s->nans++; return; }
    if (isinf(x)) { s->infs++; return; }
    if (x == 0.0) s->zeros++;
    s->n++;
    double d = x - s->mean;
    s->mean += d / (double)s->n;
    s->m2 += d * (x - s->mean);
    s->sumsq += x * x;
    if (x < s->min) s->min = x;
    if (x > s->max) s->max = x;
}

void td_stats_add_array(td_stats *s, const double *x, size_t n)
{
    for (size_t i = 0; i < n; i++) td_stats_add(s, x[i]);
}

void td_stats_merge(td_stats *a, const td_stats *b)
{
    a->zeros += b->zeros;
    a->nans += b->nans;
    a->infs += b->infs;
    if (b->n == 0) return;
    if (a->n == 0) {
        a->n = b->n; a->mean = b->mean; a->m2 = b->m2; a->sumsq = b->sumsq;
        a->min = b->min; a->max = b->max;
        return;
    }
    double na = (double)a->n, nb = (double)b->n, n = na + nb;
    double d = b->mean - a->mean;
    a->mean += d * nb / n;
    a->m2 += b->m2 + d * d * na * nb / n;
    a->sumsq += b->sumsq;
    a->n += b->n;
    if (b->min < a->min) a->min = b->min;
    if (b->max > a->max) a->max = b->max;
}

double td_stats_var(const td_stats *s) { return s->n ? s->m2 / (double)s->n : NAN; }
double td_stats_std(const td_stats *s) { return s->n ? sqrt(s->m2 / (double)s->n) : NAN; }
double td_stats_rms(const td_stats *s) { return s->n ? sqrt(s->sumsq / (double)s->n) : NAN; }
double td_stats_norm(const td_stats *s) { return sqrt(s->sumsq); }
