/* cf_learning.c — is it learning at all, and is that enough (seeds 003, 004).
 *   initial_loss  with --classes C and a loss objective: the first training
 *                 loss differs from chance ln C by more than chance_tol·ln C;
 *   not_learning  the objective (training, else validation) never improves
 *                 by more than max(z·σ, flat_rel·|start|) and has no
 *                 significant downward trend: flat at its initial value
 *                 (not for a run resumed late: its x starts beyond its
 *                 own length);
 *                 or a loss that ends flat (its last plateau_frac within
 *                 sat_level of its end) within trivial_tol of a constant
 *                 predictor's loss — 0.25 (MSE of 0.5 on 0/1 targets), ln 2,
 *                 ln C with --classes: stuck at the trivial solution;
 *   underfitting  it learned but stays poor — final training loss above
 *                 underfit_rel·ln C (needs --classes), or final training
 *                 accuracy below 1 - underfit_rel — while validation is
 *                 close to training (within z·σ or 10%), and the run is
 *                 not still improving at the end (then it is too early), has
 *                 noise_points points or more, and
 *                 ends below its start (else it diverged). */
#include "td_findings.h"

#include <math.h>

static double first_finite(const td_series *s, size_t *at)
{
    for (size_t i = 0; i < s->n; i++)
        if (isfinite(s->y[i])) { *at = i; return s->y[i]; }
    return NAN;
}

static td_code initial_loss(const td_detect_ctx *c, td_findings *out, td_err *e)
{
    const td_detect_opts *o = c->o;
    const td_curve *v = &c->train;
    if (o->classes < 2 || !v->s || v->s->kind != TD_METRIC_LOSS) return TD_OK;
    size_t at = 0;
    double first = first_finite(v->s, &at), chance = log((double)o->classes);
    if (!isfinite(first) || fabs(first - chance) <= o->chance_tol * chance) return TD_OK;
    return td_findings_add(out, TD_FIND_INITIAL_LOSS, c->run, v->s, NULL, v->s->x[at],
                           v->s->x[at], v->s->line ? v->s->line[at] : 0, first, chance, NAN,
                           NAN, e, "first loss %.4g, chance ln(%d) = %.4g: %s by %.0f%% (tolerance %.0f%%)",
                           first, o->classes, chance, first > chance ? "above" : "below",
                           100 * fabs(first - chance) / chance, 100 * o->chance_tol);
}

/* 1 when v is flat at its start (reported), 0 otherwise. */
static int flat(const td_detect_ctx *c, const td_curve *v, td_findings *out, td_code *rc, td_err *e)
{
    const td_detect_opts *o = c->o;
    size_t n = v->n, m = td_curve_argmin(v, 0, n);
    double sig = v->sigma > 0 ? v->sigma : 0, start = v->sm[0];
    double gain = start - v->sm[m], need = fmax(o->z * sig, o->flat_rel * fabs(start));
    double p, tau = td_trend_mann_kendall(v->y, n, &p);
    if (gain > need || p < o->alpha) return 0; /* learned, or a real trend (rising: cf_explosion) */
    /* a run resumed late (its x starts beyond its own length: "epoch 143"
     * of a continued training) that stays flat has converged before; it is
     * the plateau detector's, not "not learning" */
    if (v->x[0] > v->x[n - 1] - v->x[0] && v->x[0] > 0) return 0;
    *rc = td_findings_add(out, TD_FIND_NOT_LEARNING, c->run, v->s, NULL, v->x[0], v->x[n - 1],
                          v->line[0], gain, need, v->sigma, p, e,
                          "stays at its start %.4g: best improvement %.4g <= %.4g (max of %g noise %.3g and %g of the start); Mann-Kendall tau %.2f, p %.2g",
                          td_curve_value(v, start), gain, need, o->z, v->sigma, o->flat_rel, tau, p);
    return 1;
}

/* The losses of a constant prediction (the trivial solution): a model
 * stuck there outputs the same thing for every input. ln C comes from
 * --classes only (ln C for an unknown C is too dense a grid to tell). */
static const struct { double value; const char *what; } TRIVIAL[] = {
    {0.25, "the MSE of predicting 0.5 for targets in {0, 1} (the mean)"},
    {0.69314718055994531, "ln 2, binary cross-entropy of predicting 0.5"},
};

/* 1 when v's loss converges onto a trivial solution's value (reported):
 * its smoothed end within trivial_tol of the value and its last
 * plateau_frac within sat_level of that end. */
static int trivial(const td_detect_ctx *c, const td_curve *v, td_findings *out, td_code *rc, td_err *e)
{
    const td_detect_opts *o = c->o;
    if (!v->s || v->s->kind != TD_METRIC_LOSS || v->sign < 0) return 0;
    size_t n = v->n, p0 = 0;
    double end = v->sm[n - 1];
    while (p0 < n - 1 && td_curve_xfrac(v, p0) < 1 - o->plateau_frac) p0++;
    if (n - p0 < o->min_points) return 0;
    for (size_t i = p0; i < n; i++)
        if (fabs(v->sm[i] - end) > o->sat_level * fabs(end)) return 0; /* not flat at the end */
    double chance = o->classes >= 2 ? log((double)o->classes) : NAN;
    for (size_t k = 0; k <= sizeof TRIVIAL / sizeof *TRIVIAL; k++) {
        double val = k < sizeof TRIVIAL / sizeof *TRIVIAL ? TRIVIAL[k].value : chance;
        if (!(fabs(end - val) <= o->trivial_tol * val)) continue;
        char what[96];
        if (k < sizeof TRIVIAL / sizeof *TRIVIAL) snprintf(what, sizeof what, "%s", TRIVIAL[k].what);
        else snprintf(what, sizeof what, "ln %d, cross-entropy of a uniform prediction", o->classes);
        *rc = td_findings_add(out, TD_FIND_NOT_LEARNING, c->run, v->s, NULL, v->x[p0], v->x[n - 1], v->line[p0],
                              end, val, v->sigma, NAN, e,
                              "converged onto %.5g from %s %g on: %.5g is %s (within %.2g%%): stuck at the trivial solution, the same output for every input",
                              td_curve_value(v, end), c->run->x_name ? c->run->x_name : "step", v->x[p0], val,
                              what, 100 * o->trivial_tol);
        return 1;
    }
    return 0;
}

static td_code underfit(const td_detect_ctx *c, td_findings *out, td_err *e)
{
    const td_detect_opts *o = c->o;
    const td_curve *t = &c->train, *va = &c->val;
    double poor = NAN, lim = NAN;
    const char *what = NULL;
    if (o->classes >= 2 && t->s->kind == TD_METRIC_LOSS) {
        poor = t->sm[t->n - 1];
        lim = o->underfit_rel * log((double)o->classes);
        what = "loss";
        if (!(poor > lim)) return TD_OK;
    } else if (td_curve_ok(&c->train_acc, o)) {
        const td_curve *a = &c->train_acc;
        double top = a->s->percent ? 100.0 : 1.0;
        poor = td_curve_value(a, a->sm[a->n - 1]);
        lim = top * (1 - o->underfit_rel);
        what = "accuracy";
        if (!(poor < lim)) return TD_OK;
    } else {
        return TD_OK;
    }
    if (td_curve_ok(va, o) && va->s->kind == t->s->kind) {
        double gap = fabs(va->sm[va->n - 1] - t->sm[t->n - 1]);
        double close = fmax(o->z * (va->sigma > 0 ? va->sigma : 0), 0.1 * fabs(t->sm[t->n - 1]));
        if (gap > close) return TD_OK;
    }
    return td_findings_add(out, TD_FIND_UNDERFITTING, c->run, t->s, va->s, t->x[0],
                           t->x[t->n - 1], t->line[t->n - 1], poor, lim, t->sigma, NAN, e,
                           "final training %s %.4g is poor (limit %.4g)%s", what, poor, lim,
                           va->s ? " and validation is as poor" : "");
}

td_code cf_detect_learning(const td_detect_ctx *c, td_findings *out, td_err *e)
{
    td_code rc = initial_loss(c, out, e);
    if (rc) return rc;
    const td_curve *v = td_curve_ok(&c->train, c->o) ? &c->train
                      : td_curve_ok(&c->val, c->o) ? &c->val : NULL;
    if (!v) return TD_OK;
    if (flat(c, v, out, &rc, e) || trivial(c, v, out, &rc, e)) return rc;
    if (v != &c->train || v->n < c->o->noise_points || cf_still_improving(c))
        return TD_OK; /* too short to call poor, or still learning */
    if (!(v->sm[v->n - 1] < v->sm[0])) return TD_OK;           /* diverging, not underfitting */
    return underfit(c, out, e);
}
