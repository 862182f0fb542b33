/* st_infeasible.c — infeasible trials (seed 000, "不可行的试验"): their share,
 * and where they concentrate.
 *
 *   share = infeasible / (ok + infeasible); share > cfg.max_infeasible (0.2)
 *           is a finding: "adjust the search space to avoid them".
 *   concentration: sort the analysed trials by one numeric hyperparameter;
 *           a run of >= 3 infeasible trials at one end, holding at least
 *           half of all infeasible trials, means "every trial with
 *           lr >= t diverged" (a stability limit / a region to cut); for a
 *           categorical, a level with >= 3 trials all infeasible.
 *   a large share that concentrates nowhere: "suspect a bug in the
 *           training code" (the playbook's words).
 */
#include "td_study.h"

#include <math.h>
#include <stdlib.h>

void td_study_infeasible_run(const td_study *s, size_t hp, int side, size_t *n, double *threshold,
                             double *feasible_edge)
{
    /* In sorted order the run is every infeasible trial strictly beyond the
     * outermost feasible value on that side (a tie with it ends the run):
     * one pass for that value, one for the run. O(n), no sorting. */
    const double *v = s->hp[hp].v;
    double edge = NAN, thr = NAN;
    size_t k = 0;
    for (size_t i = 0; i < s->n; i++)
        if (s->state[i] == TD_TRIAL_OK && !isnan(v[i]) && (isnan(edge) || (side > 0 ? v[i] > edge : v[i] < edge)))
            edge = v[i];
    for (size_t i = 0; i < s->n; i++) {
        if (s->state[i] != TD_TRIAL_INFEASIBLE || isnan(v[i])) continue;
        if (!isnan(edge) && !(side > 0 ? v[i] > edge : v[i] < edge)) continue;
        k++;
        if (isnan(thr) || (side > 0 ? v[i] < thr : v[i] > thr)) thr = v[i];
    }
    *n = k;
    *threshold = thr;
    *feasible_edge = edge;
}

td_code td_study_check_infeasible(const td_study *s, const td_study_cfg *c, td_study_report *r, td_err *e)
{
    (void)e;
    size_t analysed = r->ok + r->infeasible;
    if (analysed == 0 || r->infeasible == 0) return TD_OK;
    double share = (double)r->infeasible / (double)analysed;
    int concentrated = 0;
    char name[96];
    td_code rc = TD_OK;
    for (size_t k = 0; k < s->nhp && rc == TD_OK; k++) {
        const td_hp *h = &s->hp[k];
        td_safe_text(name, sizeof name, h->name);
        if (h->type == TD_HP_CAT) {
            for (size_t l = 0; l < h->nlevels && rc == TD_OK; l++) {
                size_t n = 0, bad = 0;
                for (size_t i = 0; i < s->n; i++)
                    if (s->state[i] != TD_TRIAL_SKIPPED && h->v[i] == (double)l) {
                        n++;
                        bad += s->state[i] == TD_TRIAL_INFEASIBLE;
                    }
                if (n >= 3 && bad == n && 2 * bad >= r->infeasible) {
                    char lv[64];
                    concentrated = 1;
                    rc = td_study_add(r, TD_SF_CONCENTRATED, 1, (long)k, 0, (double)l, (double)n,
                                      "every trial with %s = %s (%zu trials) was infeasible: drop that value "
                                      "or fix what makes it diverge", name,
                                      td_safe_text(lv, sizeof lv, h->levels[l]), n);
                }
            }
            continue;
        }
        for (int side = -1; side <= 1 && rc == TD_OK; side += 2) {
            size_t n;
            double thr, edge;
            td_study_infeasible_run(s, k, side, &n, &thr, &edge);
            if (n < 3 || 2 * n < r->infeasible || isnan(edge)) continue;
            concentrated = 1;
            char tb[32], eb[32];
            rc = td_study_add(r, TD_SF_CONCENTRATED, 1, (long)k, side, thr, edge,
                              "every trial with %s %s %s (%zu trials) was infeasible; the %s feasible %s was "
                              "%s: a stability limit, cut the search space there or make training stable "
                              "(warm-up, clipping)", name, side > 0 ? ">=" : "<=",
                              td_study_num(tb, sizeof tb, thr, edge), n, side > 0 ? "largest" : "smallest", name,
                              td_study_num(eb, sizeof eb, edge, thr));
        }
    }
    if (rc == TD_OK && share > c->max_infeasible)
        rc = td_study_add(r, TD_SF_INFEASIBLE, 1, -1, 0, share, c->max_infeasible,
                          "%zu of %zu trials (%.0f%%) were infeasible (diverged, NaN or failed), more than %.0f%%: "
                          "%s", r->infeasible, analysed, 100 * share, 100 * c->max_infeasible,
                          concentrated ? "reparameterise the search space to avoid the region above"
                                       : "they concentrate in no hyperparameter, so suspect a bug in the training code");
    return rc;
}
