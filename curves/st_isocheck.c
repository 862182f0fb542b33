/* st_isocheck.c — scientific vs nuisance hyperparameters (seed 000, "隔离图").
 *
 * With --scientific NAME the trials are bucketed by that hyperparameter
 * (td_study_isolation); each bucket's best is its value after optimising
 * the nuisance hyperparameters. Comparing buckets is fair only when each
 * got a similar tuning budget: a bucket with fewer than half the median
 * number of feasible trials per bucket (or none) is a finding
 * ("optimizer = sgd got 2 feasible trials vs a median of 9"). And a
 * value whose best trial has a numeric nuisance hyperparameter within
 * cfg.edge of an end of its range (log-aware), and one more of its three
 * best within 2 cfg.edge of that end, may not be optimised over it: a note, not a finding,
 * since in a random search this also happens by chance when the nuisance
 * hyperparameter barely matters (the overall best trial is the boundary
 * check's).
 */
#include "td_study.h"

#include <math.h>
#include <stdlib.h>

/* How many of bucket b's 3 best feasible trials have nuisance n within
 * 2 cfg.edge of the same end (side), as the boundary check counts: one lucky best at an edge of a
 * nuisance hyperparameter that barely matters is common in a random
 * search, two of the top three there is not. */
static size_t top_at_edge(const td_study *s, const td_study_cfg *c, const td_study_iso *iso, size_t b,
                          const td_hp *n, int side, unsigned char *mask)
{
    for (size_t i = 0; i < s->n; i++) mask[i] = td_study_iso_bucket(s, (size_t)c->scientific, iso, i) == b;
    size_t top[3], m = td_study_top(s, mask, top, 3), k = 0;
    for (size_t j = 0; j < m; j++) {
        double v = n->v[top[j]];
        if (isnan(v)) continue;
        double u = td_hp_unit(n, v);
        k += side > 0 ? u >= 1 - 2 * c->edge : u <= 2 * c->edge;
    }
    return k;
}

td_code td_study_check_isolation(const td_study *s, const td_study_cfg *c, td_study_report *r, td_err *e)
{
    if (c->scientific < 0 || (size_t)c->scientific >= s->nhp) return TD_OK;
    td_study_iso iso;
    td_code rc = td_study_isolation(s, (size_t)c->scientific, c->buckets, &iso, e);
    if (rc != TD_OK) return rc;
    double *cnt = malloc((iso.n ? iso.n : 1) * sizeof *cnt);
    if (!cnt) { td_study_iso_free(&iso); return td_fail(e, TD_ENOMEM, "isolation: out of memory"); }
    for (size_t b = 0; b < iso.n; b++) cnt[b] = (double)iso.feasible[b];
    double med = td_median(cnt, iso.n);
    free(cnt);
    const td_hp *h = &s->hp[c->scientific];
    char name[96], val[128], lv[64];
    td_safe_text(name, sizeof name, h->name);
    for (size_t b = 0; b < iso.n && rc == TD_OK; b++) {
        if (!(iso.feasible[b] == 0 || (med >= 2 && (double)iso.feasible[b] < 0.5 * med))) continue;
        if (h->type == TD_HP_CAT) snprintf(val, sizeof val, "= %s", td_safe_text(lv, sizeof lv, h->levels[b]));
        else if (iso.lo[b] == iso.hi[b]) snprintf(val, sizeof val, "= %.4g", iso.x[b]);
        else snprintf(val, sizeof val, "in [%.4g, %.4g)", iso.lo[b], iso.hi[b]);
        rc = td_study_add(r, TD_SF_ISOLATION, 1, c->scientific, 0, (double)iso.feasible[b], med,
                          "scientific %s %s got %zu feasible trial%s (%zu run) vs a median of %.0f per value: its "
                          "nuisance hyperparameters are less tuned, so its best is not comparable; give it "
                          "as many trials", name, val, iso.feasible[b], iso.feasible[b] == 1 ? "" : "s",
                          iso.trials[b], med);
    }
    /* a scientific value whose best trials sit at the edge of a nuisance
     * hyperparameter's range may not be optimised over that nuisance one
     * (the overall best is left to the boundary check) */
    unsigned char *mask = malloc(s->n ? s->n : 1);
    if (!mask && rc == TD_OK) rc = td_fail(e, TD_ENOMEM, "isolation: out of memory");
    for (size_t b = 0; b < iso.n && rc == TD_OK; b++) {
        size_t i = iso.best_trial[b];
        if (i == (size_t)-1 || i == r->best) continue;
        for (size_t k = 0; k < s->nhp && rc == TD_OK; k++) {
            const td_hp *n = &s->hp[k];
            if ((long)k == c->scientific || n->type == TD_HP_CAT || isnan(n->v[i]) || !(n->hi > n->lo)) continue;
            double u = td_hp_unit(n, n->v[i]);
            int side = u >= 1 - c->edge ? 1 : u <= c->edge ? -1 : 0;
            if (!side || top_at_edge(s, c, &iso, b, n, side, mask) < 2) continue;
            char nn[96];
            if (h->type == TD_HP_CAT) snprintf(val, sizeof val, "= %s", td_safe_text(lv, sizeof lv, h->levels[b]));
            else if (iso.lo[b] == iso.hi[b]) snprintf(val, sizeof val, "= %.4g", iso.x[b]);
            else snprintf(val, sizeof val, "in [%.4g, %.4g)", iso.lo[b], iso.hi[b]);
            rc = td_study_add(r, TD_SF_ISOLATION, 0, (long)k, side, n->v[i], side > 0 ? n->hi : n->lo,
                              "the best trials for %s %s have nuisance %s at the %s edge of its range (best "
                              "%.4g): that value may not be optimised over it, so its best may not be comparable; "
                              "widen %s %s for it", name, val, td_safe_text(nn, sizeof nn, n->name),
                              side > 0 ? "upper" : "lower", n->v[i], nn, side > 0 ? "upward" : "downward");
        }
    }
    free(mask);
    td_study_iso_free(&iso);
    return rc;
}
