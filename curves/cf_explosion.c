/* cf_explosion.c — the loss blows up. Two shapes (seed 003's figure):
 *   explosion        it had learned (smoothed minimum more than z·σ below
 *                    the start), then the smoothed loss exceeds
 *                    explode_factor × that minimum and the start;
 *   lr_far_too_high  it never learned (minimum within z·σ of the start),
 *                    rises significantly (Mann–Kendall p < alpha) by more
 *                    than z·σ and ends above far_factor × its start: the
 *                    learning rate is far too high (a milder rise from the
 *                    start is loss_rising, cf_rising.c).
 * Judged on the training and validation losses (train first). */
#include "td_findings.h"

#include <math.h>

static td_code judge(const td_detect_ctx *c, const td_curve *v, td_findings *out, td_err *e)
{
    const td_detect_opts *o = c->o;
    if (!td_curve_ok(v, o) || v->sign < 0 || v->s->kind != TD_METRIC_LOSS) return TD_OK;
    size_t n = v->n, m = td_curve_argmin(v, 0, n);
    double start = v->sm[0], lo = v->sm[m], sig = v->sigma > 0 ? v->sigma : 0;
    const char *xn = c->run->x_name ? c->run->x_name : "step";
    if (start - lo > o->z * sig && lo > 0) {
        double lim = o->explode_factor * lo;
        for (size_t j = m + 1; j < n; j++) {
            if (v->sm[j] > lim && v->sm[j] > start)
                return td_findings_add(out, TD_FIND_EXPLOSION, c->run, v->s, NULL, v->x[m],
                                       v->x[j], v->line[j], v->sm[j] / lo, o->explode_factor,
                                       v->sigma, NAN, e,
                                       "fell to %.4g at %s %g, then rose to %.4g by %s %g (%.3gx the minimum, limit %gx)",
                                       lo, xn, v->x[m], v->sm[j], xn, v->x[j], v->sm[j] / lo,
                                       o->explode_factor);
        }
        return TD_OK;
    }
    if (start - lo <= o->z * sig) {
        double p, tau = td_trend_mann_kendall(v->y, n, &p);
        double rise = v->sm[n - 1] - start;
        if (tau > 0 && p < o->alpha && rise > o->z * sig && v->sm[n - 1] > o->far_factor * start)
            return td_findings_add(out, TD_FIND_LR_FAR_TOO_HIGH, c->run, v->s, NULL, v->x[0],
                                   v->x[n - 1], v->line[0], v->sm[n - 1] / start, o->far_factor, v->sigma, p, e,
                                   "never fell below its start %.4g and rose to %.4g (%.2gx the start, limit %gx; Mann-Kendall tau %.2f, p %.2g)",
                                   start, v->sm[n - 1], v->sm[n - 1] / start, o->far_factor, tau, p);
    }
    return TD_OK;
}

td_code cf_detect_explosion(const td_detect_ctx *c, td_findings *out, td_err *e)
{
    td_code rc = judge(c, &c->train, out, e);
    return rc ? rc : judge(c, &c->val, out, e);
}
