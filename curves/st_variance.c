/* st_variance.c — trial variance (seed 000, "试验方差"; seed 002: repeat to
 * know an improvement is real).
 *
 * Trials with the same hyperparameter values (the seed column aside) form a
 * configuration. Configurations with >= 2 OK trials give the pooled
 * within-configuration standard deviation
 *     sd = sqrt( Σ_g Σ_i (y_gi - ȳ_g)² / Σ_g (n_g - 1) ).
 * The two best configurations by mean objective tie when their gap is
 * below tie_z (2) standard errors, se = sd sqrt(1/n_1 + 1/n_2): a finding,
 * "treat them as tied; repeat". With no repeated configuration the trial
 * variance is unknown: a note, not a finding.
 */
#include "td_study.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* 1 when trials i and j have the same values for every hyperparameter. */
static int same_config(const td_study *s, size_t i, size_t j)
{
    for (size_t k = 0; k < s->nhp; k++) {
        double a = s->hp[k].v[i], b = s->hp[k].v[j];
        if (!(a == b || (isnan(a) && isnan(b)))) return 0;
    }
    return 1;
}

td_code td_study_check_variance(const td_study *s, const td_study_cfg *c, td_study_report *r, td_err *e)
{
    size_t n = s->n ? s->n : 1;
    size_t *cnt = calloc(n, sizeof *cnt);
    double *mean = calloc(n, sizeof *mean), *m2 = calloc(n, sizeof *m2);
    size_t *first = malloc(n * sizeof *first);
    if (!cnt || !mean || !m2 || !first) {
        free(cnt); free(mean); free(m2); free(first);
        return td_fail(e, TD_ENOMEM, "variance: out of memory");
    }
    size_t ng = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (s->state[i] != TD_TRIAL_OK) continue;
        size_t g = 0;
        while (g < ng && !same_config(s, first[g], i)) g++;
        if (g == ng) first[ng++] = i;
        double d = s->y[i] - mean[g]; /* Welford */
        cnt[g]++;
        mean[g] += d / (double)cnt[g];
        m2[g] += d * (s->y[i] - mean[g]);
    }
    double ss = 0, dof = 0;
    size_t rep = 0;
    for (size_t g = 0; g < ng; g++)
        if (cnt[g] >= 2) { ss += m2[g]; dof += (double)(cnt[g] - 1); rep++; }
    r->groups_repeated = rep;
    r->trial_sd = dof > 0 ? sqrt(ss / dof) : NAN;
    td_code rc = TD_OK;
    if (rep == 0) {
        if (r->ok >= 2)
            rc = td_study_add(r, TD_SF_NO_REPEATS, 0, -1, 0, NAN, NAN,
                              "no configuration was run twice: the trial (seed) variance is unknown, so a small "
                              "gap between the best trials may be noise; rerun the top configurations with 3+ seeds");
    } else if (ng >= 2) {
        size_t g1 = (size_t)-1, g2 = (size_t)-1;
        for (size_t g = 0; g < ng; g++) {
            if (g1 == (size_t)-1 || td_study_better(s, mean[g], mean[g1])) { g2 = g1; g1 = g; }
            else if (g2 == (size_t)-1 || td_study_better(s, mean[g], mean[g2])) g2 = g;
        }
        double gap = fabs(mean[g1] - mean[g2]);
        double se = r->trial_sd * sqrt(1.0 / (double)cnt[g1] + 1.0 / (double)cnt[g2]);
        if (gap < c->tie_z * se)
            rc = td_study_add(r, TD_SF_SEED_TIE, 1, -1, 0, gap, se,
                              "the two best configurations (%s %.4g over %zu run%s, %s %zu; %.4g over %zu run%s, "
                              "%s %zu) differ by %.3g, less than %.0f standard errors (%.0f x %.3g) of the trial noise "
                              "(sd %.3g from %zu repeated configurations): treat them as tied and repeat before "
                              "choosing", s->objective, mean[g1], cnt[g1], cnt[g1] == 1 ? "" : "s", s->row_word,
                              s->row[first[g1]], mean[g2], cnt[g2], cnt[g2] == 1 ? "" : "s", s->row_word,
                              s->row[first[g2]], gap, c->tie_z, c->tie_z, se, r->trial_sd, rep);
    }
    free(cnt); free(mean); free(m2); free(first);
    return rc;
}
