/* st_density.c — enough trials? (seed 000, "在搜索空间中没有足够的采样点").
 *
 *   few trials: ok < cfg.per_hp (10) x tuned hyperparameters (those with
 *       more than one value: a fixed config column is not tuned) -> finding
 *       "run more trials or tune fewer hyperparameters" (a rule of thumb:
 *       the playbook gives no number, it says to calibrate by how many
 *       points land in the good region).
 *   good region: the OK trials whose objective lies within
 *       good_frac (0.25) of the best-to-median gap from the best,
 *       widened to the trial noise when repeats measured it (st_variance runs
 *       first): |y - best| <= max(good_frac |median - best|, 2 sd); fewer
 *       than cfg.min_good (3)
 *       there -> finding "the good region was sampled by N trials".
 */
#include "td_study.h"

#include <math.h>
#include <stdlib.h>

td_code td_study_check_density(const td_study *s, const td_study_cfg *c, td_study_report *r, td_err *e)
{
    td_code rc = TD_OK;
    size_t tuned = 0; /* a column with one value (a fixed config entry) is not tuned */
    for (size_t k = 0; k < s->nhp; k++)
        tuned += s->hp[k].type == TD_HP_CAT ? s->hp[k].nlevels > 1 : s->hp[k].hi > s->hp[k].lo;
    if (tuned && (double)r->ok < c->per_hp * (double)tuned)
        rc = td_study_add(r, TD_SF_FEW_TRIALS, 1, -1, 0, (double)r->ok, c->per_hp * (double)tuned,
                          "%zu feasible trials for %zu tuned hyperparameters (fewer than %.0f each): run more "
                          "trials or tune fewer hyperparameters before drawing conclusions",
                          r->ok, tuned, c->per_hp);
    if (rc != TD_OK || r->ok < 3 || r->best == (size_t)-1) return rc;
    double *y = malloc(r->ok * sizeof *y);
    if (!y) return td_fail(e, TD_ENOMEM, "density: out of memory");
    size_t m = 0;
    for (size_t i = 0; i < s->n; i++)
        if (s->state[i] == TD_TRIAL_OK) y[m++] = s->y[i];
    double best = s->y[r->best], med = td_median(y, m), gap = fabs(med - best);
    double width = c->good_frac * gap;
    if (!isnan(r->trial_sd) && 2 * r->trial_sd > width) width = 2 * r->trial_sd;
    free(y);
    size_t good = 0;
    for (size_t i = 0; i < s->n; i++)
        if (s->state[i] == TD_TRIAL_OK && fabs(s->y[i] - best) <= width) good++;
    r->good = good;
    if (good < c->min_good)
        rc = td_study_add(r, TD_SF_SPARSE_GOOD, 1, -1, 0, (double)good, (double)c->min_good,
                          "only %zu trial%s within %.0f%% of the best-to-median gap of the best objective: the "
                          "good region is sampled too thinly to trust the best point; sample more there",
                          good, good == 1 ? " lies" : "s lie", 100 * c->good_frac);
    return rc;
}
