/* cf_lr_shape.c — the learning rate read from the training loss's shape
 * (seed 003's figure; "far too high" is in cf_explosion.c):
 *   too high  fast drop — D = sm[0] - the tail's median level, above z times the smoothed
 *             level's standard error 1.25·σ/√w, 80% of it within
 *             the first fast_frac of the run — then stuck: no significant
 *             downward trend over the tail, above half the start, and
 *             high: it bounces (late step noise / level > noise_cv) or,
 *             with --classes C, stays above underfit_rel × ln C;
 *   too low   slow, nearly linear (judged from 2·noise_points points on,
 *             since the start of any decay looks linear): both halves fall significantly
 *             (Mann–Kendall p < alpha), the late Theil–Sen slope is
 *             between linear_ratio and 1/linear_ratio × the early one
 *             (much steeper late is a delayed start), and less than half of
 *             the start (the median of the first min_points values) has
 *             been gained by the end. */
#include "td_findings.h"

#include <math.h>

static td_code too_high(const td_detect_ctx *c, const td_curve *v, td_findings *out, td_err *e)
{
    const td_detect_opts *o = c->o;
    size_t n = v->n, t = td_curve_tail(v, o);
    /* D: from the start to the level it is stuck at (median over the tail;
     * the minimum would be a noise dip) */
    double level = td_median(v->sm + t, n - t), start = v->sm[0], drop = start - level;
    /* the drop is between smoothed levels: compare it with their standard
     * error, ~1.25·σ/√w for a running median of w */
    if (!(drop > o->z * 1.25 * v->sigma / sqrt((double)v->w)) || start <= 0) return TD_OK;
    size_t k = 0;
    while (k < n && v->sm[k] > start - 0.8 * drop) k++;
    double fk = td_curve_xfrac(v, k < n ? k : n - 1);
    double pt, tt = td_trend_mann_kendall(v->y + t, n - t, &pt);
    double cv = v->sigma_late / fabs(level);
    /* stuck "high": bouncing (late noise above noise_cv of the level), or,
     * with --classes, above underfit_rel × ln C */
    int high = cv > o->noise_cv ||
               (o->classes >= 2 && level > o->underfit_rel * log((double)o->classes));
    if (fk <= o->fast_frac && !(tt < 0 && pt < o->alpha) && level > 0.5 * start && high)
        return td_findings_add(out, TD_FIND_LR_TOO_HIGH, c->run, v->s, NULL, v->x[0],
                               v->x[n - 1], v->line[0], cv, o->noise_cv, v->sigma_late, NAN, e,
                               "80%% of its drop by %.0f%% of the run, then stuck at %.4g (start %.4g%s) with noise %.3g (%.0f%% of the level)",
                               100 * fk, level, start, o->classes >= 2 ? ", chance ln C" : "",
                               v->sigma_late, 100 * cv);
    return TD_OK;
}

static td_code too_low(const td_detect_ctx *c, const td_curve *v, td_findings *out, td_err *e)
{
    const td_detect_opts *o = c->o;
    size_t n = v->n, h = n / 2;
    /* the start of any decay looks linear: judge the shape on 2·noise_points or more */
    if (h < o->min_points || n < 2 * o->noise_points) return TD_OK;
    double p1, p2, tau1 = td_trend_mann_kendall(v->y, h, &p1);
    double tau2 = td_trend_mann_kendall(v->y + h, n - h, &p2);
    double s1 = td_trend_theil_sen(v->x, v->y, h), s2 = td_trend_theil_sen(v->x + h, v->y + h, n - h);
    /* the start: the median of the first min_points values (the running
     * median's first value spans a tenth of the run and hides a fast first
     * drop: detectron2's 0.95 -> 0.33 in 3% of the iterations) */
    double start = td_median(v->y, o->min_points), end = v->sm[n - 1];
    if (!(tau1 < 0 && p1 < o->alpha && tau2 < 0 && p2 < o->alpha && s1 < 0 && s2 < 0)) return TD_OK;
    double ratio = s2 / s1;
    /* a late slope much steeper than the early one is a delayed start, not linear */
    if (!(ratio >= o->linear_ratio && ratio <= 1 / o->linear_ratio) || !(start > 0) || !(end > 0.5 * start)) return TD_OK;
    return td_findings_add(out, TD_FIND_LR_TOO_LOW, c->run, v->s, NULL, v->x[0], v->x[n - 1],
                           v->line[0], ratio, o->linear_ratio, v->sigma, p2, e,
                           "nearly linear decrease %.4g -> %.4g: late slope %.3g is %.2f of the early slope %.3g (limit %.2f)",
                           start, end, s2, ratio, s1, o->linear_ratio);
}

td_code cf_detect_lr_shape(const td_detect_ctx *c, td_findings *out, td_err *e)
{
    const td_curve *v = &c->train;
    if (!td_curve_ok(v, c->o) || v->sign < 0 || v->s->kind != TD_METRIC_LOSS) return TD_OK;
    td_code rc = too_high(c, v, out, e);
    return rc ? rc : too_low(c, v, out, e);
}
