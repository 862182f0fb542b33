/* cf_spikes.c — spikes: points more than spike_z·σ (the series' own noise)
 * and more than 25% above the level before them (median of the w points
 * before: the recent past only, so a jump that stays is seen too), and
 * more than spike_z·σ above the previous point (abrupt, not a steady rise). A spike recovers when the
 * level after it (median of the next w points, and the final smoothed
 * level) comes back within z·σ of the level before it (median of the w
 * points before); one that does not is a divergence (spike_unrecovered,
 * error); recovered ones are reported once per series (spikes, info).
 * Judged on the training and validation objectives and on gradient norms,
 * except a series already found diverging (explosion, lr far too high,
 * NaN/Inf). */
#include "td_findings.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static td_code judge(const td_detect_ctx *c, const td_curve *v, td_findings *out, td_err *e)
{
    const td_detect_opts *o = c->o;
    if (!td_curve_ok(v, o) || !(v->sigma > 0)) return TD_OK;
    /* a series that diverged is explained already: its growth is no spike */
    static const td_finding_kind DIVERGED[] = {TD_FIND_EXPLOSION, TD_FIND_LR_FAR_TOO_HIGH,
                                               TD_FIND_NONFINITE};
    for (size_t k = 0; k < sizeof DIVERGED / sizeof DIVERGED[0]; k++)
        if (td_findings_has(out, DIVERGED[k], c->run->name, v->s->name)) return TD_OK;
    size_t n = v->n, w = v->w, count = 0, big = 0;
    double big_ratio = 0, big_ref = 0;
    const char *xn = c->run->x_name ? c->run->x_name : "step";
    double *buf = malloc((w + 1) * sizeof *buf);
    if (!buf) return td_fail(e, TD_ENOMEM, "out of memory judging spikes");
    td_code rc = TD_OK;
    for (size_t i = 2; i < n; i++) {
        size_t b0 = i > w ? i - w : 0, a1 = i + 1 + w < n ? i + 1 + w : n;
        memcpy(buf, v->y + b0, (i - b0) * sizeof *buf);
        double before = td_trend_median(buf, i - b0); /* the recent past only */
        double r = v->y[i] - before;
        /* abrupt: also a jump from the previous point (a steady rise is a trend) */
        double jump = v->y[i] - v->y[i - 1];
        if (!(r > o->spike_z * v->sigma && jump > o->spike_z * v->sigma && r > 0.25 * fabs(before)))
            continue;
        count++;
        double ratio = r / v->sigma;
        if (ratio > big_ratio) { big_ratio = ratio; big = i; big_ref = before; }
        if (a1 <= i + 1) continue; /* the last point: nothing after it yet */
        memcpy(buf, v->y + i + 1, (a1 - i - 1) * sizeof *buf);
        double after = td_trend_median(buf, a1 - i - 1);
        double lim = before + o->z * v->sigma;
        if (after > lim && v->sm[n - 1] > lim) {
            rc = td_findings_add(out, TD_FIND_SPIKE_UNRECOVERED, c->run, v->s, NULL, v->x[i],
                                 v->x[n - 1], v->line[i], after - before, o->z * v->sigma,
                                 v->sigma, NAN, e,
                                 "jumped to %.4g at %s %g and stayed up: level %.4g before, %.4g after, %.4g at the end (noise %.3g)",
                                 td_curve_value(v, v->y[i]), xn, v->x[i],
                                 td_curve_value(v, before), td_curve_value(v, after),
                                 td_curve_value(v, v->sm[n - 1]), v->sigma);
            free(buf);
            return rc;
        }
    }
    free(buf);
    if (!count) return TD_OK;
    return td_findings_add(out, TD_FIND_SPIKES, c->run, v->s, NULL, v->x[big], v->x[big],
                           v->line[big], (double)count, o->spike_z, v->sigma, NAN, e,
                           "%zu spike%s that recovered; the largest %.4g at %s %g (%.1f noise above the level %.4g before it)",
                           count, count > 1 ? "s" : "", td_curve_value(v, v->y[big]), xn,
                           v->x[big], big_ratio, td_curve_value(v, big_ref));
}

static int is_grad_norm(const td_series *s)
{
    return s->name && (strstr(s->name, "grad_norm") || strstr(s->name, "gradnorm") ||
                       strstr(s->name, "grad-norm"));
}

td_code cf_detect_spikes(const td_detect_ctx *c, td_findings *out, td_err *e)
{
    td_code rc = judge(c, &c->train, out, e);
    if (!rc) rc = judge(c, &c->val, out, e);
    for (size_t k = 0; !rc && k < c->run->nseries; k++) {
        const td_series *s = &c->run->series[k];
        if (!is_grad_norm(s)) continue;
        td_curve g;
        if ((rc = td_curve_make(&g, s, 1.0, c->o, e))) break;
        rc = judge(c, &g, out, e);
        td_curve_free(&g);
    }
    return rc;
}
