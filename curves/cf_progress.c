/* cf_progress.c — was the run the right length (seed 000)?
 * For a curve that learned (total improvement D = sm[0] - min sm above
 * z·σ), with level L = td_curve_level of its final smoothed value:
 *   saturated       the rest of the run — from sat_before of its x range to
 *                   the end, at least min_points points — moved by less
 *                   than sat_level·L either way (practically flat, however
 *                   significant a tiny creep may be);
 *   still improving not saturated, the tail gained at least sat_gain·D (or
 *                   sat_gain of its own starting level) and trends down: Mann–Kendall tau < 0 and p < alpha, or, for
 *                   a tail too short to test, its best raw value is one of
 *                   its last two points.
 * The still_improving evidence adds when the learning rate is still rising
 * at the end (the run stopped inside its warm-up).
 * saturation (the playbook's question: would more steps help the objective
 * one cares about?) is raised when
 *   (a) the training and the validation objectives (each that exists) are
 *       both saturated: wasted compute;
 *   (b) else the validation objective (loss, else its task metric) stalls
 *       over the last plateau_frac of the run (late_stretch below; and did
 *       not worsen significantly: that is overfitting), while training
 *       still improves over the same stretch (a significant downward trend
 *       and more than sat_level × its level): more steps fit the training
 *       set only; or training is flat there too and the learning rate sat
 *       at a floor (lr_at_floor): more steps at that rate do not help;
 *   (c) else, with no validation, the training objective stalls there:
 *       converged;
 *   (d) first of all, a held-out series named "best ..." (printed only when
 *       it improves) that ends plateau_frac/3 of the run or more before the
 *       run does: no new best over the rest of the run;
 * still_improving is judged on the validation objective, else the training
 * one. */
#include "td_findings.h"

#include <math.h>
#include <string.h>

typedef struct {
    int ok;          /* the curve learned enough to judge */
    int saturated;
    size_t h;        /* where "the rest of the run" starts */
    size_t r;        /* first point within sat_level·L of the final level */
    double rest;     /* gain over [h, end] */
    double level;    /* L */
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
    g.level = td_curve_level(v, v->sm[n - 1]);
    while (g.h < n - 1 && td_curve_xfrac(v, g.h) < o->sat_before) g.h++;
    g.rest = v->sm[g.h] - v->sm[n - 1];
    g.saturated = n - g.h >= o->min_points && fabs(g.rest) < o->sat_level * g.level;
    double lim = v->sm[n - 1] + o->sat_level * g.level;
    while (g.r < n - 1 && v->sm[g.r] > lim) g.r++;
    g.t = td_curve_tail(v, o);
    g.gain = v->sm[g.t] - v->sm[n - 1];
    g.tau = td_trend_mann_kendall(v->y + g.t, n - g.t, &g.p);
    return g;
}

static int improving(const td_curve *v, const progress *g, const td_detect_opts *o)
{
    /* the tail gained sat_gain of the total, or sat_gain of where the tail
     * started (a first point far above the rest makes the total huge) */
    double from = td_curve_level(v, v->sm[g->t]);
    int gained = g->gain >= o->sat_gain * g->drop || g->gain >= o->sat_gain * from;
    if (!g->ok || g->saturated || !gained || !(g->tau < 0)) return 0;
    if (g->p < o->alpha) return 1;
    size_t best = g->t;
    for (size_t i = g->t; i < v->n; i++) if (v->y[i] <= v->y[best]) best = i;
    return v->n - g->t < 8 && best + 2 >= v->n;
}

/* 1 when the run's judged objective is still improving at the end (used by
 * cf_learning.c: underfitting is not called on a run still learning). */
int cf_still_improving(const td_detect_ctx *c)
{
    const td_curve *j = td_curve_ok(&c->val, c->o) ? &c->val : &c->train;
    progress g = measure(j, c->o);
    return improving(j, &g, c->o);
}

/* " ; learning rate still warming up (a -> b)" when the run's learning
 * rate rose over its last half and ends at its maximum: the run stopped
 * inside its warm-up (far too short); "" otherwise. */
static void warmup_note(const td_run *r, char *buf, size_t cap)
{
    buf[0] = '\0';
    for (size_t k = 0; k < r->nseries; k++) {
        const td_series *s = &r->series[k];
        if (s->kind != TD_METRIC_LR || s->n < 4) continue;
        size_t h = s->n / 2, i;
        double mx = -INFINITY;
        for (i = 0; i < s->n; i++) if (isfinite(s->y[i]) && s->y[i] > mx) mx = s->y[i];
        double a = s->y[h], b = s->y[s->n - 1];
        if (isfinite(a) && isfinite(b) && b > a && b >= mx)
            snprintf(buf, cap, "; learning rate still warming up (%.3g -> %.3g)", a, b);
        return;
    }
}

/* y[0..n) (oriented) trends down: Mann–Kendall tau < 0 with p < alpha, or,
 * for a stretch under 8 points (too short for the test to reach alpha),
 * tau < 0 with its best value among its last two. */
static int falling(const double *y, size_t n, double tau, double p, const td_detect_opts *o)
{
    if (!(tau < 0)) return 0;
    if (p < o->alpha) return 1;
    if (n >= 8 || n < 3) return 0;
    size_t best = 0;
    for (size_t i = 0; i < n; i++) if (y[i] <= y[best]) best = i;
    return best + 2 >= n;
}

/* The last plateau_frac of v: its start index, its gain (oriented: > 0
 * improved, by the Theil–Sen slope over the stretch) and that stretch's
 * Mann-Kendall trend. 1 when it stalls: gained less than sat_gain·D and
 * less than plateau_rel × the final level L (a drop from 0.44 to 0.34
 * after a fall from 2.2 is no plateau), and either less than sat_level·L
 * or without a significant downward trend (a noisy stretch); 0 too when v
 * did not learn or the stretch is shorter than min_points. */
typedef struct {
    size_t p0, r;   /* stretch start; first point within sat_gain·D of the best */
    double gain, drop, level, p, tau;
} stretch;

static int late_stretch(const td_curve *v, const td_detect_opts *o, stretch *st)
{
    if (!td_curve_ok(v, o)) return 0;
    size_t n = v->n, m = td_curve_argmin(v, 0, n);
    st->drop = v->sm[0] - v->sm[m];
    /* learned: the smoothed curve fell by more than z × the noise of a
     * smoothed value (σ/√w; a noisy per-iteration loss learns too) */
    double sig_sm = (v->sigma > 0 ? v->sigma : 0) / sqrt((double)(v->w > 1 ? v->w : 1));
    if (!(st->drop > o->z * sig_sm) || !(st->drop > 0)) return 0;
    st->p0 = 0;
    while (st->p0 < n - 1 && td_curve_xfrac(v, st->p0) < 1 - o->plateau_frac) st->p0++;
    if (n - st->p0 < o->min_points) return 0;
    /* the stretch's gain by its Theil–Sen slope: noise-proof, unlike two smoothed ends */
    st->gain = -td_trend_theil_sen(v->x + st->p0, v->y + st->p0, n - st->p0) * (v->x[n - 1] - v->x[st->p0]);
    st->tau = td_trend_mann_kendall(v->y + st->p0, n - st->p0, &st->p);
    st->r = 0;
    while (st->r < n - 1 && v->sm[st->r] - v->sm[m] > o->sat_gain * st->drop) st->r++;
    if (st->r > st->p0) st->r = st->p0;
    st->level = td_curve_level(v, v->sm[n - 1]);
    int trendless = !falling(v->y + st->p0, n - st->p0, st->tau, st->p, o);
    return st->gain < o->sat_gain * st->drop && st->gain < o->plateau_rel * st->level &&
           (st->gain < o->sat_level * st->level || trendless);
}

/* 1 when the run's learning rate stays within a factor 2 of its lowest
 * value *floor_lr over [x0, x1], and that is a tenth or less of its
 * maximum over the run (*peak_lr): it decayed to a floor and stayed there
 * (ReduceLROnPlateau at min_lr), unlike a schedule annealing on to its
 * end. 0 without a learning-rate series. */
static int lr_at_floor(const td_run *r, double x0, double x1, double *floor_lr, double *peak_lr)
{
    for (size_t k = 0; k < r->nseries; k++) {
        const td_series *s = &r->series[k];
        if (s->kind != TD_METRIC_LR || s->n < 2) continue;
        double lo = INFINITY, hi = -INFINITY, peak = -INFINITY;
        size_t in = 0;
        for (size_t i = 0; i < s->n; i++) {
            if (!isfinite(s->y[i])) continue;
            if (s->y[i] > peak) peak = s->y[i];
            if (s->x[i] < x0 || s->x[i] > x1) continue;
            in++;
            if (s->y[i] < lo) lo = s->y[i];
            if (s->y[i] > hi) hi = s->y[i];
        }
        if (in < 2 || !(lo > 0)) return 0;
        *floor_lr = lo;
        *peak_lr = peak;
        return hi <= 2 * lo && peak >= 10 * lo;
    }
    return 0;
}

/* (b): the held-out objective v stalls over its late stretch while the
 * training objective t still improves there. */
static td_code val_plateau(const td_detect_ctx *c, const td_curve *v, const td_curve *t,
                           td_findings *out, td_err *e)
{
    const td_detect_opts *o = c->o;
    stretch st;
    if (!late_stretch(v, o, &st) || !td_curve_ok(t, o)) return TD_OK;
    if (td_findings_has(out, TD_FIND_OVERFITTING, c->run->name, v->s->name)) return TD_OK;
    double x0 = v->x[st.p0], x1 = v->x[v->n - 1];
    size_t a = 0;
    while (a < t->n && t->x[a] < x0) a++;
    if (t->n - a < 3) return TD_OK;
    double pt, ttau = td_trend_mann_kendall(t->y + a, t->n - a, &pt);
    double tgain = td_curve_at(t, x0) - t->sm[t->n - 1];
    double tlevel = td_curve_level(t, t->sm[t->n - 1]);
    const char *xn = c->run->x_name ? c->run->x_name : "step";
    if (!(falling(t->y + a, t->n - a, ttau, pt, o) && tgain > o->sat_level * tlevel)) {
        /* training flat too: a plateau when the learning rate sat at a
         * floor over the stretch (a decayed schedule with nothing left to
         * give, ReduceLROnPlateau at min_lr); a schedule still annealing
         * to its end flattens both by design */
        double floor_lr, peak_lr;
        if (!lr_at_floor(c->run, x0, x1, &floor_lr, &peak_lr)) return TD_OK;
        return td_findings_add(out, TD_FIND_SATURATION, c->run, v->s, t->s, v->x[st.r], x1, v->line[st.r],
                               st.gain / st.drop, o->sat_gain, v->sigma, st.p, e,
                               "validation plateau: from %s %g on within %.0f%% of its total gain of its best; over the last %.0f%% of the run (%s %g..%g) it moved %.4g -> %.4g (%.1f%% of its total gain, limit %.0f%%), training flat too, the learning rate at its floor %.3g (from %.3g): more steps at this rate do not help",
                               xn, v->x[st.r], 100 * o->sat_gain, 100 * o->plateau_frac, xn, x0, x1,
                               td_curve_value(v, v->sm[v->n - 1] + st.gain), td_curve_value(v, v->sm[v->n - 1]),
                               100 * st.gain / st.drop, 100 * o->sat_gain, floor_lr, peak_lr);
    }
    return td_findings_add(out, TD_FIND_SATURATION, c->run, v->s, t->s, v->x[st.r], x1, v->line[st.r],
                           st.gain / st.drop, o->sat_gain, v->sigma, st.p, e,
                           "validation plateau: from %s %g on within %.0f%% of its total gain of its best; over the last %.0f%% of the run (%s %g..%g) it moved %.4g -> %.4g (%.1f%% of its total gain, limit %.0f%%) while training still improves %.4g -> %.4g (%.1f%% of its level; Mann-Kendall p %.2g): more steps fit the training set only",
                           xn, v->x[st.r], 100 * o->sat_gain, 100 * o->plateau_frac, xn, x0, x1,
                           td_curve_value(v, v->sm[v->n - 1] + st.gain), td_curve_value(v, v->sm[v->n - 1]),
                           100 * st.gain / st.drop, 100 * o->sat_gain, td_curve_value(t, td_curve_at(t, x0)),
                           td_curve_value(t, t->sm[t->n - 1]), 100 * tgain / tlevel, pt);
}

/* (c): no validation; the training objective t has converged. */
static td_code train_plateau(const td_detect_ctx *c, const td_curve *t, td_findings *out, td_err *e)
{
    const td_detect_opts *o = c->o;
    stretch st;
    if (!late_stretch(t, o, &st)) return TD_OK;
    const char *xn = c->run->x_name ? c->run->x_name : "step";
    double x0 = t->x[st.p0], x1 = t->x[t->n - 1];
    return td_findings_add(out, TD_FIND_SATURATION, c->run, t->s, NULL, t->x[st.r], x1, t->line[st.r],
                           st.gain / st.drop, o->sat_gain, t->sigma, st.p, e,
                           "plateau: from %s %g on within %.0f%% of its total gain of its best; over the last %.0f%% of the run (%s %g..%g) it moved %.4g -> %.4g (%.1f%% of its total gain, limit %.0f%%; Mann-Kendall p %.2g); no validation series to say whether it generalizes",
                           xn, t->x[st.r], 100 * o->sat_gain, 100 * o->plateau_frac, xn, x0, x1,
                           td_curve_value(t, t->sm[t->n - 1] + st.gain), td_curve_value(t, t->sm[t->n - 1]),
                           100 * st.gain / st.drop, 100 * o->sat_gain, st.p);
}

/* (d): a held-out "best ..." series (printed only when it improves: "get
 * best test loss 0.925") that stops well before the run does: no new best
 * over the rest of the run, at least plateau_frac/3 of it. 1 when found. */
static int no_new_best(const td_detect_ctx *c, const td_curve *v, td_findings *out, td_code *rc, td_err *e)
{
    const td_detect_opts *o = c->o;
    if (!v->s || !v->s->name || !strstr(v->s->name, "best") || v->n < 2) return 0;
    double x0 = INFINITY, x1 = -INFINITY;
    for (size_t k = 0; k < c->run->nseries; k++) {
        const td_series *s = &c->run->series[k];
        if (s->n == 0 || s->kind == TD_METRIC_OTHER) continue;
        if (s->x[0] < x0) x0 = s->x[0];
        if (s->x[s->n - 1] > x1) x1 = s->x[s->n - 1];
    }
    double last = v->x[v->n - 1];
    if (!(x1 > x0) || !(x1 - last >= o->plateau_frac / 3 * (x1 - x0))) return 0;
    const char *xn = c->run->x_name ? c->run->x_name : "step";
    *rc = td_findings_add(out, TD_FIND_SATURATION, c->run, v->s, NULL, last, x1, v->line[v->n - 1],
                          (x1 - last) / (x1 - x0), o->plateau_frac / 3, v->sigma, NAN, e,
                          "no new best since %s %g (%.4g): the run went on to %s %g (%.0f%% of it, limit %.0f%%) without improving it",
                          xn, last, td_curve_value(v, v->sm[v->n - 1]), xn, x1, 100 * (x1 - last) / (x1 - x0),
                          100 * o->plateau_frac / 3);
    return 1;
}

td_code cf_detect_progress(const td_detect_ctx *c, td_findings *out, td_err *e)
{
    const td_detect_opts *o = c->o;
    const td_curve *t = &c->train, *v = &c->val;
    progress gt = measure(t, o), gv = measure(v, o);
    int have_t = td_curve_ok(t, o), have_v = td_curve_ok(v, o);
    td_code brc = TD_OK;
    if (have_v && no_new_best(c, v, out, &brc, e)) return brc;
    const char *xn = c->run->x_name ? c->run->x_name : "step";
    if ((have_t || have_v) && (!have_t || gt.saturated) && (!have_v || gv.saturated)) {
        const td_curve *a = have_v ? v : t, *b = have_v && have_t ? t : NULL;
        const progress *ga = have_v ? &gv : &gt;
        /* from where both are at their final level to the later end */
        double x0 = a->x[ga->r], x1 = a->x[a->n - 1];
        if (b && b->x[gt.r] > x0) x0 = b->x[gt.r];
        if (b && b->x[b->n - 1] > x1) x1 = b->x[b->n - 1];
        if (x0 > x1) x0 = x1;
        return td_findings_add(out, TD_FIND_SATURATION, c->run, a->s, b ? b->s : NULL, x0, x1,
                               a->line[ga->r], ga->rest / ga->level, o->sat_level, a->sigma, NAN, e,
                               "near its final level %.4g from %s %g%s; from %s %g on it gained only %.3g (%.1f%% of the level, limit %.1f%%)",
                               td_curve_value(a, a->sm[a->n - 1]), xn, x0,
                               b ? " (training too)" : "", xn, a->x[ga->h], ga->rest,
                               100 * ga->rest / ga->level, 100 * o->sat_level);
    }
    td_code rc = have_v ? val_plateau(c, v, t, out, e) : train_plateau(c, t, out, e);
    if (rc != TD_OK || td_findings_has(out, TD_FIND_SATURATION, c->run->name, NULL)) return rc;
    const td_curve *j = have_v ? v : t;
    const progress *gj = have_v ? &gv : &gt;
    if (!(have_v || have_t) || !improving(j, gj, o)) return TD_OK;
    char warm[96];
    warmup_note(c->run, warm, sizeof warm);
    return td_findings_add(out, TD_FIND_STILL_IMPROVING, c->run, j->s, NULL, j->x[gj->t],
                           j->x[j->n - 1], j->line[gj->t], gj->gain, o->sat_gain * gj->drop,
                           j->sigma, gj->p, e,
                           "still improving at the end: %.4g -> %.4g (smoothed) over the last %zu points (%.0f%% of the total gain, %.0f%% of where they started; Mann-Kendall tau %.2f, p %.2g)%s",
                           td_curve_value(j, j->sm[gj->t]), td_curve_value(j, j->sm[j->n - 1]),
                           j->n - gj->t, 100 * gj->gain / gj->drop,
                           100 * gj->gain / td_curve_level(j, j->sm[gj->t]), gj->tau, gj->p, warm);
}
