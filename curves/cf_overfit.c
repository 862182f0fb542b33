/* cf_overfit.c — generalization (seeds 000, 004):
 *   overfitting  the validation objective passes its smoothed minimum
 *                and ends more than z·σ_val above it (σ_val: its noise, or
 *                its late step-to-step noise when smaller) and more than
 *                sat_level × its level, with an upward trend
 *                after it (Kendall tau > 0; p < alpha when the stretch has
 *                min_points or more): validation worsens;
 *   gap_widening (info) else, over the tail the gap val - train widens
 *                significantly (Mann–Kendall p < alpha) by more than
 *                gap_rel × the validation level while training still
 *                improves (its own significant downward trend over that
 *                range) and validation stalls (over the tail it gains, by
 *                its Theil–Sen slope, less than stall_ratio × what training
 *                gains): overfitting beginning, not yet a worse model (the
 *                stalled validation itself is cf_progress.c's plateau) —
 *                overfitting when validation also worsens over the tail by
 *                more than worse_rel × its level and more than its late
 *                step-to-step noise, or when training's accuracy ends
 *                more than acc_gap (absolute, 0.1 = 10 points) above
 *                validation's (cs231n: the train–validation accuracy gap
 *                is the amount of overfitting; a few points between two
 *                near-perfect scores is a plateau, not memorisation);
 *   overfitting too when the validation objective never improves (its
 *                best within flat_rel × its start of it, no
 *                significant fall) while training falls by more than
 *                plateau_rel × its start;
 *   metric_disagreement  validation loss worsens as in (a) while the
 *                validation task metric (accuracy, error) keeps improving
 *                significantly after the loss's minimum.
 * Not judged when the training loss has impossible values (cf_impossible.c)
 * or itself rises or blows up (loss_rising, explosion, spike_unrecovered,
 * lr_far_too_high): a broken run is fixed first. */
#include "td_findings.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* The noise a rise is measured against: the curve's own σ, or its late
 * step-to-step noise when that is smaller (σ of a short run is inflated by
 * its first fast fall, which is no noise of the late rise). */
static double rise_noise(const td_curve *v)
{
    return v->sigma_late > 0 && v->sigma_late < v->sigma ? v->sigma_late : v->sigma;
}

/* (a): validation rises after its minimum. Fills *m, *rise, *p. */
static int val_rises(const td_detect_ctx *c, size_t *m, double *rise, double *p, double *tau)
{
    const td_detect_opts *o = c->o;
    const td_curve *v = &c->val;
    size_t n = v->n;
    *m = td_curve_argmin(v, 0, n);
    *rise = v->sm[n - 1] - v->sm[*m];
    *tau = td_trend_mann_kendall(v->y + *m, n - *m, p);
    if (n - *m < 3 || !(*rise > o->z * rise_noise(v)) || !(*tau > 0)) return 0;
    if (!(*rise > o->sat_level * td_curve_level(v, v->sm[*m]))) return 0; /* +0.02% is flat, not worse */
    return n - *m < o->min_points || *p < o->alpha;
}

/* The error rate (a fraction in [0, 1]) an accuracy or error curve ends at,
 * smoothed; -1 when c holds no such series. */
static double end_error(const td_curve *c)
{
    if (!c->s || c->n == 0 || (c->s->kind != TD_METRIC_ACCURACY && c->s->kind != TD_METRIC_ERROR)) return -1;
    return td_curve_level(c, c->sm[c->n - 1]) / (c->s->percent ? 100.0 : 1.0);
}

/* Training–validation task-metric gap at the end (validation error minus
 * training error, fractions), or NAN when either side is missing. */
static double task_gap(const td_detect_ctx *c)
{
    const td_curve *va = c->val_metric.s ? &c->val_metric : &c->val;
    const td_curve *tr = c->train_acc.s ? &c->train_acc : &c->train;
    double ev = end_error(va), et = end_error(tr);
    return ev < 0 || et < 0 ? NAN : ev - et;
}

static td_code gap_widens(const td_detect_ctx *c, td_findings *out, td_err *e)
{
    const td_detect_opts *o = c->o;
    const td_curve *v = &c->val, *t = &c->train;
    size_t n = v->n, ts = td_curve_tail(v, o);
    if (n - ts < 3) return TD_OK;
    double *gap = malloc((n - ts) * sizeof *gap);
    if (!gap) return td_fail(e, TD_ENOMEM, "out of memory judging overfitting");
    for (size_t i = ts; i < n; i++) gap[i - ts] = v->y[i] - td_curve_at(t, v->x[i]);
    double p, tau = td_trend_mann_kendall(gap, n - ts, &p);
    double slope = td_trend_theil_sen(v->x + ts, gap, n - ts);
    free(gap);
    double widen = slope * (v->x[n - 1] - v->x[ts]);
    double tgain = td_curve_at(t, v->x[ts]) - td_curve_at(t, v->x[n - 1]);
    /* validation stalls: over the tail it gains (Theil–Sen) less than
     * stall_ratio × what training gains */
    double vslope = td_trend_theil_sen(v->x + ts, v->y + ts, n - ts);
    double vgain = -vslope * (v->x[n - 1] - v->x[ts]);
    /* training still improves: its own trend over the same x range */
    size_t a = 0, b = 0;
    while (a < t->n && t->x[a] < v->x[ts]) a++;
    b = t->n;
    double pt = 1, ttau = b - a >= 3 ? td_trend_mann_kendall(t->y + a, b - a, &pt) : 0;
    double level = td_curve_level(v, td_median(v->sm + ts, n - ts));
    if (!(tau > 0 && p < o->alpha && widen > o->gap_rel * level && ttau < 0 &&
          pt < o->alpha && tgain > 0 && vgain < o->stall_ratio * tgain))
        return TD_OK;
    const char *xn = c->run->x_name ? c->run->x_name : "step";
    /* the validation objective also got clearly worse — by more than
     * worse_rel of its level and more than its own step-to-step noise:
     * overfitting proper */
    int worse = vgain < -o->worse_rel * level && -vgain > v->sigma_late;
    double agap = task_gap(c);
    char why[96] = "";
    if (agap > o->acc_gap)
        snprintf(why, sizeof why, "; training accuracy ends %.1f points above validation's (limit %.0f)",
                 100 * agap, 100 * o->acc_gap);
    td_finding_kind k = worse || agap > o->acc_gap ? TD_FIND_OVERFITTING : TD_FIND_GAP_WIDENING;
    return td_findings_add(out, k, c->run, v->s, t->s, v->x[ts], v->x[n - 1],
                           v->line[ts], widen, o->gap_rel * level, v->sigma, p, e,
                           "from %s %g the validation-training gap widens by %.4g (%.0f%% of the validation level, limit %.0f%%; Mann-Kendall p %.2g) while training improves by %.4g (p %.2g) and validation stalls (gain %+.4g)%s",
                           xn, v->x[ts], widen, 100 * widen / level, 100 * o->gap_rel, p, tgain, pt, vgain, why);
}

/* (c): the validation objective never improved — its best (smoothed)
 * within flat_rel × its start of its start, no significant
 * downward trend — while training, the same kind, fell by more than
 * plateau_rel × its start: every gain is on the training set. */
static td_code val_never_improves(const td_detect_ctx *c, td_findings *out, td_err *e)
{
    const td_detect_opts *o = c->o;
    const td_curve *v = &c->val, *t = &c->train;
    if (!td_curve_ok(t, o) || t->s->kind != v->s->kind || v->sign < 0) return TD_OK;
    size_t n = v->n, m = td_curve_argmin(v, 0, n), mt = td_curve_argmin(t, 0, t->n);
    double vstart = v->sm[0], vgain = vstart - v->sm[m];
    double tstart = t->sm[0], tgain = tstart - t->sm[mt];
    double p, tau = td_trend_mann_kendall(v->y, n, &p);
    if (!(vgain <= o->flat_rel * fabs(vstart)) || (tau < 0 && p < o->alpha) ||
        !(tgain > o->plateau_rel * fabs(tstart)))
        return TD_OK;
    const char *xn = c->run->x_name ? c->run->x_name : "step";
    char qb[96], qe[96];
    return td_findings_add(out, TD_FIND_OVERFITTING, c->run, v->s, t->s, v->x[0], v->x[n - 1], v->line[0],
                           vgain, o->flat_rel * fabs(vstart), v->sigma, p, e,
                           "validation never improved: from %s to %s (best within %.2g of its start; Kendall tau %.2f, p %.2g) while training fell %.0f%% (%s %g..%g): every gain is on the training set",
                           td_curve_quote(v, 0, qb, sizeof qb), td_curve_quote(v, n - 1, qe, sizeof qe), vgain, tau, p,
                           100 * tgain / fabs(tstart), xn, t->x[0], t->x[t->n - 1]);
}

td_code cf_detect_overfit(const td_detect_ctx *c, td_findings *out, td_err *e)
{
    const td_detect_opts *o = c->o;
    const td_curve *v = &c->val, *t = &c->train;
    if (!td_curve_ok(v, o)) return TD_OK;
    /* a training loss with impossible values (NaN/Inf, negative) is a broken
     * run: generalization is not judged until it is fixed */
    if (t->s && (td_findings_has(out, TD_FIND_NEGATIVE_LOSS, c->run->name, t->s->name) ||
                 td_findings_has(out, TD_FIND_NONFINITE, c->run->name, t->s->name)))
        return TD_OK;
    /* a training objective that itself rises or blows up: validation
     * worsening with it is divergence, not overfitting */
    static const td_finding_kind broken[] = {TD_FIND_LOSS_RISING, TD_FIND_EXPLOSION, TD_FIND_SPIKE_UNRECOVERED,
                                             TD_FIND_LR_FAR_TOO_HIGH};
    for (size_t k = 0; t->s && k < sizeof broken / sizeof *broken; k++)
        if (td_findings_has(out, broken[k], c->run->name, t->s->name)) return TD_OK;
    const char *xn = c->run->x_name ? c->run->x_name : "step";
    size_t m, n = v->n;
    double rise, p, tau;
    td_code rc = TD_OK;
    if (!c->secondary && ((rc = val_never_improves(c, out, e)) != TD_OK ||
                          td_findings_has(out, TD_FIND_OVERFITTING, c->run->name, v->s->name)))
        return rc;
    int rises = val_rises(c, &m, &rise, &p, &tau);
    if (c->secondary && !rises) return TD_OK;
    if (rises) {
        char qb[96], qe[96];
        rc = td_findings_add(out, TD_FIND_OVERFITTING, c->run, v->s, t->s, v->x[m], v->x[n - 1],
                             v->line[m], rise, o->z * rise_noise(v), rise_noise(v), p, e,
                             "best %s at %s %g, then %s at the end (%+.4g > %g noise %.3g; Kendall tau %.2f, p %.2g after the minimum)",
                             td_curve_quote(v, m, qb, sizeof qb), xn, v->x[m],
                             td_curve_quote(v, n - 1, qe, sizeof qe),
                             td_curve_value(v, v->sm[n - 1]) - td_curve_value(v, v->sm[m]), o->z,
                             rise_noise(v), tau, p);
    } else if (td_curve_ok(t, o) && t->s->kind == v->s->kind) {
        rc = gap_widens(c, out, e);
    }
    if (rc || !rises || !td_curve_ok(&c->val_metric, o)) return rc;
    /* the task metric after the loss's minimum */
    const td_curve *a = &c->val_metric;
    size_t j = 0;
    while (j < a->n && a->x[j] < v->x[m]) j++;
    if (a->n - j < 3) return TD_OK;
    double pa, ta = td_trend_mann_kendall(a->y + j, a->n - j, &pa);
    double gain = a->sm[j] - a->sm[a->n - 1];
    if (!(ta < 0 && gain > o->z * a->sigma && (a->n - j < o->min_points || pa < o->alpha)))
        return TD_OK;
    return td_findings_add(out, TD_FIND_METRIC_DISAGREEMENT, c->run, v->s, a->s, v->x[m],
                           v->x[n - 1], v->line[m], gain, o->z * a->sigma, a->sigma, pa, e,
                           "after %s %g validation loss rises %+.4g while %s improves %.4g -> %.4g (Kendall tau %.2f, p %.2g)",
                           xn, v->x[m], rise, a->s->name ? a->s->name : "the task metric",
                           td_curve_value(a, a->sm[j]), td_curve_value(a, a->sm[a->n - 1]), -ta, pa);
}
