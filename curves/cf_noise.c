/* cf_noise.c — late noise (seed 000): the step-to-step noise over the tail
 * (robust residual scale σ_late around a running median of the raw
 * points) relative to the late level — the median smoothed value over the
 * tail, or for accuracy the remaining error (1 or 100 minus it) — above
 * noise_cv, when the tail has at least noise_points points (a scale from
 * fewer is too uncertain). Judged on the training and validation
 * objectives. */
#include "td_findings.h"

#include <math.h>

static td_code judge(const td_detect_ctx *c, const td_curve *v, td_findings *out, td_err *e)
{
    const td_detect_opts *o = c->o;
    if (!td_curve_ok(v, o) || !(v->sigma_late > 0)) return TD_OK;
    size_t n = v->n, t = td_curve_tail(v, o);
    if (n - t < o->noise_points) return TD_OK; /* too few points to estimate a scale */
    double level = td_curve_level(v, td_median(v->sm + t, n - t));
    if (!(level > 0)) return TD_OK;
    double cv = v->sigma_late / fabs(level);
    if (!(cv > o->noise_cv)) return TD_OK;
    const char *xn = c->run->x_name ? c->run->x_name : "step";
    return td_findings_add(out, TD_FIND_NOISE, c->run, v->s, NULL, v->x[t], v->x[n - 1],
                           v->line[t], cv, o->noise_cv, v->sigma_late, NAN, e,
                           "from %s %g the step-to-step noise %.3g is %.0f%% of the %s %.4g (limit %.0f%%)",
                           xn, v->x[t], v->sigma_late, 100 * cv,
                           v->sign < 0 ? "remaining error" : "level", level, 100 * o->noise_cv);
}

td_code cf_detect_noise(const td_detect_ctx *c, td_findings *out, td_err *e)
{
    td_code rc = judge(c, &c->train, out, e);
    return rc ? rc : judge(c, &c->val, out, e);
}
