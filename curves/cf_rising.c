/* cf_rising.c — training loss rising during training (seed 000: usually a
 * pipeline bug). Over the tail the training objective trends up
 * (Mann–Kendall tau > 0, p < alpha) and its smoothed value ends more than
 * z·σ/√w (the noise of a smoothed value, window w) and more than sat_level
 * × its level above its smoothed minimum; either after it had learned, or from the start when it
 * stays below far_factor × its start (beyond that it is lr_far_too_high,
 * and an explosion after learning is cf_explosion.c's). */
#include "td_findings.h"

#include <math.h>

td_code cf_detect_rising(const td_detect_ctx *c, td_findings *out, td_err *e)
{
    const td_detect_opts *o = c->o;
    const td_curve *v = &c->train;
    if (!td_curve_ok(v, o)) return TD_OK;
    size_t n = v->n, t = td_curve_tail(v, o), m = td_curve_argmin(v, 0, n);
    double sig = v->sigma > 0 ? v->sigma : 0;
    double start = v->sm[0], lo = v->sm[m], end = v->sm[n - 1];
    int learned = start - lo > o->z * sig;
    if (v->sign > 0 && v->s->kind == TD_METRIC_LOSS) {
        if (learned && lo > 0 && end > o->explode_factor * lo && end > start)
            return TD_OK; /* an explosion */
        if (!learned && start > 0 && end > o->far_factor * start)
            return TD_OK; /* lr far too high */
    }
    double p, tau = td_trend_mann_kendall(v->y + t, n - t, &p);
    double rise = end - lo;
    /* the rise of the smoothed curve against the noise of a smoothed value
     * (σ/√w: a thousand noisy steps rising 3% is a rise) and material:
     * more than sat_level × the level */
    double sig_sm = v->w > 1 ? sig / sqrt((double)v->w) : sig;
    if (!(tau > 0 && p < o->alpha && rise > o->z * sig_sm && m < n - 1 &&
          rise > o->sat_level * td_curve_level(v, lo)))
        return TD_OK;
    const char *xn = c->run->x_name ? c->run->x_name : "step";
    char qb[96], qe[96];
    return td_findings_add(out, TD_FIND_LOSS_RISING, c->run, v->s, NULL, v->x[m], v->x[n - 1],
                           v->line[m], rise, o->z * sig_sm, sig_sm, p, e,
                           "%s %s at %s %g, then rising to %s (%+.4g > %g noise %.3g of the smoothed curve; Mann-Kendall tau %.2f, p %.2g over the last %zu points)",
                           learned ? "best" : "starts near its best", td_curve_quote(v, m, qb, sizeof qb), xn,
                           v->x[m], td_curve_quote(v, n - 1, qe, sizeof qe),
                           td_curve_value(v, end) - td_curve_value(v, lo), o->z, sig_sm, tau,
                           p, n - t);
}
