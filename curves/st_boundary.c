/* st_boundary.c — search-space boundaries (seed 000, "识别不好的搜索空间边界").
 *
 * For each numeric hyperparameter, u = td_hp_unit(best value) is the best
 * trial's position across the search range (log-aware). When an infeasible
 * run (td_study_infeasible_run, >= 2 trials) lies beyond the best on one
 * side and the best is within cfg.edge of the feasible edge (in unit
 * terms), the best sits at a stability cliff: "every trial with lr > t
 * diverged", the model may not be able to use larger values — a finding of
 * its own, not a reason to widen the range. Otherwise u >= 1 - edge or
 * u <= edge (edge = 0.1) is a boundary finding, "expand lr upward", when
 * the objective gets better towards that end: Kendall's tau between the
 * value and the objective's goodness over the OK trials has that sign with
 * one-sided Mann–Kendall p < cfg.alpha (0.05). (One lucky best at the edge
 * of a hyperparameter that barely matters is common in a random search: in
 * 200 simulated sound 40-trial studies with two nearly irrelevant
 * hyperparameters, the bare "best at the edge" rule fired in 12%.)
 * Without a spec the range is the observed one: the best is then among the
 * most extreme values tried.
 */
#include "td_study.h"

#include "td_curves.h"
#include "td_findings.h"

#include <math.h>
#include <stdlib.h>

typedef struct {
    double v, y;
} st_vy;

static int by_value(const void *a, const void *b)
{
    double x = ((const st_vy *)a)->v, y = ((const st_vy *)b)->v;
    return (x > y) - (x < y);
}

/* Kendall's tau between hp h's value and the objective's goodness over the
 * OK trials (positive: better at larger values), with its two-sided
 * Mann–Kendall p (curvecheck's td_trend_mann_kendall on the objective in
 * the order of h). NaN on allocation failure or with < 3 trials. */
static double trend_along(const td_study *s, const td_hp *h, double *p)
{
    *p = 1;
    st_vy *a = malloc((s->n ? s->n : 1) * sizeof *a);
    double *g = malloc((s->n ? s->n : 1) * sizeof *g);
    size_t m = 0;
    if (a && g)
        for (size_t i = 0; i < s->n; i++)
            if (s->state[i] == TD_TRIAL_OK && !isnan(h->v[i])) a[m++] = (st_vy){h->v[i], s->maximize ? s->y[i] : -s->y[i]};
    double tau = NAN;
    if (a && g && m >= 3) {
        qsort(a, m, sizeof *a, by_value);
        for (size_t i = 0; i < m; i++) g[i] = a[i].y;
        tau = td_trend_mann_kendall(g, m, p);
    }
    free(a);
    free(g);
    return tau;
}

td_code td_study_check_boundary(const td_study *s, const td_study_cfg *c, td_study_report *r, td_err *e)
{
    (void)e;
    size_t b = r->best;
    if (b == (size_t)-1) return TD_OK;
    td_code rc = TD_OK;
    for (size_t k = 0; k < s->nhp && rc == TD_OK; k++) {
        const td_hp *h = &s->hp[k];
        double v = h->v[b];
        if (h->type == TD_HP_CAT || isnan(v) || !(h->hi > h->lo)) continue;
        char name[96];
        td_safe_text(name, sizeof name, h->name);
        double u = td_hp_unit(h, v);
        int cliff = 0;
        for (int side = -1; side <= 1 && rc == TD_OK; side += 2) {
            size_t n;
            double thr, edge;
            td_study_infeasible_run(s, k, side, &n, &thr, &edge);
            if (n < 2 || isnan(edge) || fabs(td_hp_unit(h, edge) - u) > c->edge) continue;
            cliff = side;
            char vb[32], tb[32];
            rc = td_study_add(r, TD_SF_STABILITY, 1, (long)k, side, v, thr,
                              "best trial has %s = %s at the edge of an infeasible region: every trial with "
                              "%s %s %s (%zu) was infeasible, so the model may be unstable at %s %s; a "
                              "stability limit, not a search-space boundary (try warm-up or clipping)",
                              name, td_study_num(vb, sizeof vb, v, thr), name, side > 0 ? ">=" : "<=",
                              td_study_num(tb, sizeof tb, thr, v), n, side > 0 ? "larger" : "smaller", name);
        }
        int side = u >= 1 - c->edge ? 1 : u <= c->edge ? -1 : 0;
        if (!side || side == cliff || rc != TD_OK) continue;
        double p, tau = trend_along(s, h, &p); /* better and better towards that end? */
        if (isnan(tau) || tau * side <= 0 || p / 2 >= c->alpha) continue;
        rc = td_study_add(r, TD_SF_BOUNDARY, 1, (long)k, side, v, side > 0 ? h->hi : h->lo,
                          "best trial has %s = %.4g in the %s %.0f%% of the %s [%.4g, %.4g]%s and the objective "
                          "improves towards it (Kendall tau %.2f, p %.2g): expand %s %s", name, v,
                          side > 0 ? "top" : "bottom", 100 * c->edge, h->spec_range ? "search range" : "values tried",
                          h->lo, h->hi, h->log ? " (log scale)" : "", tau, p / 2, name,
                          side > 0 ? "upward" : "downward");
    }
    return rc;
}
