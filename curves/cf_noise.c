/* cf_noise.c — late noise (seed 000): the step-to-step noise over the tail
 * (σ_late: the standard deviation of the raw points' leave-one-out
 * residuals, td_trend_noise_rms, isolated spikes beyond spike_z left to
 * cf_spikes.c) relative to the late level —
 * the median smoothed value over the tail, or for accuracy the remaining
 * error (1 or 100 minus it), but at least noise_floor × the starting level
 * so that a loss converging to 0 is not called noisy for tiny wiggles —
 * above noise_cv, when the tail has at least noise_points points (a scale
 * from fewer is too uncertain) — and the same with the residual farthest out
 * left out (σ_late_1), so that a single dip of a short tail, which inflates
 * the rms, is not called noise. A training loss logged per minibatch
 * (per_step below) is noisy by nature and judged against noise_cv_step.
 * Judged on the training and validation objectives. */
#include "td_findings.h"

#include <math.h>
#include <string.h>

/* v is a training loss logged per step (minibatch values, noisy by
 * nature): a Lightning "_step" column, two or more points an epoch, or four
 * times as many raw points as the held-out objective, or 200 or more points
 * without one. */
static int per_step(const td_detect_ctx *c, const td_curve *v)
{
    if (v != &c->train || !v->s) return 0;
    if (v->s->agg == 1) return 1;
    /* over epochs, two or more points an epoch: values logged inside an
     * epoch ("Epoch [6/6], Step [10/1549], Loss: 0.04") */
    const td_series *s = v->s;
    if (c->run->x_name && strcmp(c->run->x_name, "epoch") == 0 && s->n &&
        (double)v->nraw >= 2 * (s->x[s->n - 1] - s->x[0] + 1))
        return 1;
    if (c->val.s) return v->nraw >= 4 * (c->val.nraw + c->val.nonfinite);
    return v->nraw >= 200;
}

static td_code judge(const td_detect_ctx *c, const td_curve *v, td_findings *out, td_err *e)
{
    const td_detect_opts *o = c->o;
    if (!td_curve_ok(v, o) || !(v->sigma_late > 0)) return TD_OK;
    size_t n = v->n, t = td_curve_tail(v, o);
    if (n - t < o->noise_points) return TD_OK; /* too few points to estimate a scale */
    double late = td_curve_level(v, td_median(v->sm + t, n - t));
    double floor = o->noise_floor * td_curve_level(v, v->sm[0]);
    double level = fmax(late, floor);
    if (!(level > 0)) return TD_OK;
    double cv = v->sigma_late / level;
    int step = per_step(c, v);
    double limit = step ? o->noise_cv_step : o->noise_cv;
    /* and without its farthest residual: one dip in a short tail is no
     * step-to-step variance */
    double cv_1 = v->sigma_late_1 / level;
    if (!(cv > limit) || !(cv_1 > limit)) return TD_OK;
    const char *xn = c->run->x_name ? c->run->x_name : "step";
    return td_findings_add(out, TD_FIND_NOISE, c->run, v->s, NULL, v->x[t], v->x[n - 1],
                           v->line[t], cv, limit, v->sigma_late, NAN, e,
                           "from %s %g the step-to-step noise %.3g (%.3g without its largest step) is %.0f%% of the %s %.4g%s (limit %.0f%%%s)",
                           xn, v->x[t], v->sigma_late, v->sigma_late_1, 100 * fmin(cv, cv_1),
                           v->sign < 0 ? "remaining error" : "level", level,
                           level > late ? " (the floor: a share of the start)" : "",
                           100 * limit, step ? " for a loss logged per minibatch" : "");
}

td_code cf_detect_noise(const td_detect_ctx *c, td_findings *out, td_err *e)
{
    td_code rc = judge(c, &c->train, out, e);
    return rc ? rc : judge(c, &c->val, out, e);
}
