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

/* A trial's hyperparameter values, for sorting trials into configurations. */
typedef struct {
    const double *v; /* (nhp) */
    size_t nhp;
    size_t i;        /* trial index */
} st_cfg;

/* Lexicographic on the values (NaN = absent sorts first and equals NaN),
 * then by trial index, so each configuration's first trial comes first. */
static int cfg_cmp_values(const st_cfg *x, const st_cfg *y)
{
    for (size_t k = 0; k < x->nhp; k++) {
        double a = x->v[k], b = y->v[k];
        if (isnan(a) || isnan(b)) {
            if (isnan(a) != isnan(b)) return isnan(a) ? -1 : 1;
            continue;
        }
        if (a != b) return a < b ? -1 : 1;
    }
    return 0;
}

static int cfg_cmp(const void *pa, const void *pb)
{
    const st_cfg *x = pa, *y = pb;
    int c = cfg_cmp_values(x, y);
    return c ? c : (x->i > y->i) - (x->i < y->i);
}

td_code td_study_check_variance(const td_study *s, const td_study_cfg *c, td_study_report *r, td_err *e)
{
    size_t n = s->n ? s->n : 1, cells;
    if (td_mul_size(n, s->nhp ? s->nhp : 1, &cells) != 0) return td_fail(e, TD_ENOMEM, "variance: too large");
    size_t *cnt = calloc(n, sizeof *cnt);
    double *mean = calloc(n, sizeof *mean), *m2 = calloc(n, sizeof *m2), *vals = malloc(cells * sizeof *vals);
    size_t *first = malloc(n * sizeof *first);
    st_cfg *order = malloc(n * sizeof *order);
    if (!cnt || !mean || !m2 || !first || !vals || !order) {
        free(cnt); free(mean); free(m2); free(first); free(vals); free(order);
        return td_fail(e, TD_ENOMEM, "variance: out of memory");
    }
    size_t m = 0; /* OK trials, sorted into configurations: O(n log n) */
    for (size_t i = 0; i < s->n; i++) {
        if (s->state[i] != TD_TRIAL_OK) continue;
        for (size_t k = 0; k < s->nhp; k++) vals[m * s->nhp + k] = s->hp[k].v[i];
        order[m] = (st_cfg){vals + m * s->nhp, s->nhp, i};
        m++;
    }
    qsort(order, m, sizeof *order, cfg_cmp);
    size_t ng = 0;
    for (size_t j = 0; j < m; j++) {
        if (j == 0 || cfg_cmp_values(&order[j - 1], &order[j]) != 0) first[ng++] = order[j].i;
        size_t g = ng - 1, i = order[j].i;
        double d = s->y[i] - mean[g]; /* Welford */
        cnt[g]++;
        mean[g] += d / (double)cnt[g];
        m2[g] += d * (s->y[i] - mean[g]);
    }
    free(vals);
    free(order);
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
    } else {
        /* the three best configurations by mean, for the report */
        size_t best[3], nb = 0;
        for (size_t g = 0; g < ng; g++) {
            size_t p = nb < 3 ? nb++ : 3;
            while (p > 0 && td_study_better(s, mean[g], mean[best[p - 1]])) {
                if (p < 3) best[p] = best[p - 1];
                p--;
            }
            if (p < 3) best[p] = g;
        }
        for (size_t k = 0; k < nb; k++) {
            size_t g = best[k];
            r->top[k].trial = first[g];
            r->top[k].n = cnt[g];
            r->top[k].mean = mean[g];
            r->top[k].sd = cnt[g] >= 2 ? sqrt(m2[g] / (double)(cnt[g] - 1)) : NAN;
        }
        r->ntop = nb;
    }
    if (rep > 0 && ng >= 2) {
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
