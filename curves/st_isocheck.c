/* st_isocheck.c — scientific vs nuisance hyperparameters (seed 000, "隔离图").
 *
 * With --scientific NAME the trials are bucketed by that hyperparameter
 * (td_study_isolation); each bucket's best is its value after optimising
 * the nuisance hyperparameters. Comparing buckets is fair only when each
 * got a similar tuning budget: a bucket with fewer than half the median
 * number of feasible trials per bucket (or none) is a finding
 * ("optimizer = sgd got 2 feasible trials vs a median of 9").
 */
#include "td_study.h"

#include <stdlib.h>

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
    td_study_iso_free(&iso);
    return rc;
}
