/* cf_progress.c — was the run the right length (seed 000)?
 * For a curve with total improvement D = sm[0] - min sm (more than z·σ):
 *   its final level is reached at the first point r whose smoothed value is
 *   within sat_gain·D of the final smoothed value;
 *   saturated       r lies before sat_before of the run (x axis);
 *   still improving the tail gains at least sat_gain·D and falls
 *                   significantly (Mann–Kendall tau < 0 with p < alpha,
 *                   or a gain above z·σ when the tail is too short to test).
 * saturation is raised when the training and the validation objectives
 * (each that exists) are both saturated; still_improving is judged on the
 * validation objective, else the training one. */
#include "td_findings.h"

#include <math.h>

typedef struct {
    int ok;          /* the curve learned enough to judge */
    size_t r;        /* where the final level was reached */
    double fr;       /* its x fraction */
    double gain;     /* tail gain */
    double drop;     /* D */
    double p, tau;   /* tail trend */
    size_t t;        /* tail start */
} progress;

static progress measure(const td_curve *v, const td_detect_opts *o)
{
    progress g = {0};
    if (!td_curve_ok(v, o)) return g;
    size_t n = v->n, m = td_curve_argmin(v, 0, n);
    g.drop = v->sm[0] - v->sm[m];
    if (!(g.drop > o->z * (v->sigma > 0 ? v->sigma : 0)) || !(g.drop > 0)) return g;
    g.ok = 1;
    double lim = v->sm[n - 1] + o->sat_gain * g.drop;
    while (g.r < n - 1 && v->sm[g.r] > lim) g.r++;
    g.fr = td_curve_xfrac(v, g.r);
    g.t = td_curve_tail(v, o);
    g.gain = v->sm[g.t] - v->sm[n - 1];
    g.tau = td_trend_mann_kendall(v->y + g.t, n - g.t, &g.p);
    return g;
}

static int improving(const td_curve *v, const progress *g, const td_detect_opts *o)
{
    if (!g->ok || !(g->gain >= o->sat_gain * g->drop) || !(g->tau < 0)) return 0;
    size_t k = v->n - g->t;
    double sig = v->sigma > 0 ? v->sigma : 0;
    return g->p < o->alpha || (k < 8 && g->gain > o->z * sig);
}

td_code cf_detect_progress(const td_detect_ctx *c, td_findings *out, td_err *e)
{
    const td_detect_opts *o = c->o;
    const td_curve *t = &c->train, *v = &c->val;
    progress gt = measure(t, o), gv = measure(v, o);
    int have_t = td_curve_ok(t, o), have_v = td_curve_ok(v, o);
    int sat_t = gt.ok && gt.fr < o->sat_before, sat_v = gv.ok && gv.fr < o->sat_before;
    const char *xn = c->run->x_name ? c->run->x_name : "step";
    if ((have_t || have_v) && (!have_t || sat_t) && (!have_v || sat_v)) {
        const td_curve *a = have_v ? v : t, *b = have_v && have_t ? t : NULL;
        const progress *ga = have_v ? &gv : &gt;
        double fr = have_v && have_t ? fmax(gt.fr, gv.fr) : ga->fr;
        double x0 = a->x[ga->r], x1 = a->x[a->n - 1];
        if (b && b->x[gt.r] > x0) x0 = b->x[gt.r];
        return td_findings_add(out, TD_FIND_SATURATION, c->run, a->s, b ? b->s : NULL, x0, x1,
                               a->line[ga->r], fr, o->sat_before, a->sigma, ga->p, e,
                               "reached its final level %.4g by %s %g (%.0f%% of the run, limit %.0f%%)%s; the rest gained %.3g of %.3g",
                               td_curve_value(a, a->sm[a->n - 1]), xn, x0, 100 * fr,
                               100 * o->sat_before, b ? ", training too" : "", ga->gain, ga->drop);
    }
    const td_curve *j = have_v ? v : t;
    const progress *gj = have_v ? &gv : &gt;
    if (!(have_v || have_t) || !improving(j, gj, o)) return TD_OK;
    return td_findings_add(out, TD_FIND_STILL_IMPROVING, c->run, j->s, NULL, j->x[gj->t],
                           j->x[j->n - 1], j->line[gj->t], gj->gain, o->sat_gain * gj->drop,
                           j->sigma, gj->p, e,
                           "still improving at the end: %.4g -> %.4g over the last %zu points (%.0f%% of the total gain; Mann-Kendall tau %.2f, p %.2g)",
                           td_curve_value(j, j->sm[gj->t]), td_curve_value(j, j->sm[j->n - 1]),
                           j->n - gj->t, 100 * gj->gain / gj->drop, gj->tau, gj->p);
}
