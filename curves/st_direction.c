/* st_direction.c — which way is better when the objective's name does not
 * say (Optuna's "value", "objective", "score"): the evidence of the
 * outcomes whose names do, moving with it across the trials (rule and maths
 * in td_study.h, td_study_direction). Never a silent guess: without
 * evidence the study keeps TD_DIR_UNKNOWN and the report says so. */
#include "td_study.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ST_DIR_MIN_TRIALS 8
#define ST_DIR_MIN_RHO 0.7

typedef struct { double v; size_t i; } st_iv;

static int by_v(const void *a, const void *b)
{
    double x = ((const st_iv *)a)->v, y = ((const st_iv *)b)->v;
    return (x > y) - (x < y);
}

/* Average ranks (1-based) of x[0..m) into rank; tmp holds m entries. */
static void ranks(const double *x, size_t m, double *rank, st_iv *tmp)
{
    for (size_t i = 0; i < m; i++) tmp[i] = (st_iv){x[i], i};
    qsort(tmp, m, sizeof *tmp, by_v);
    for (size_t i = 0; i < m;) {
        size_t j = i;
        while (j + 1 < m && tmp[j + 1].v == tmp[i].v) j++;
        double r = 0.5 * (double)(i + j) + 1.0;
        for (size_t k = i; k <= j; k++) rank[tmp[k].i] = r;
        i = j + 1;
    }
}

/* Pearson's r of a and b[0..m); NaN when either is constant. */
static double pearson(const double *a, const double *b, size_t m)
{
    double ma = 0, mb = 0, sab = 0, saa = 0, sbb = 0;
    for (size_t i = 0; i < m; i++) { ma += a[i]; mb += b[i]; }
    ma /= (double)m;
    mb /= (double)m;
    for (size_t i = 0; i < m; i++) {
        sab += (a[i] - ma) * (b[i] - mb);
        saa += (a[i] - ma) * (a[i] - ma);
        sbb += (b[i] - mb) * (b[i] - mb);
    }
    return saa > 0 && sbb > 0 ? sab / sqrt(saa * sbb) : NAN;
}

/* Spearman's rho of the objective and outcome o over the OK trials where
 * both are finite; *m gets their number. NaN when too few or on no memory. */
static double spearman(const td_study *s, const td_outcome *o, size_t *m)
{
    size_t n = s->n ? s->n : 1;
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    double *rx = malloc(n * sizeof *rx), *ry = malloc(n * sizeof *ry);
    st_iv *tmp = malloc(n * sizeof *tmp);
    double rho = NAN;
    *m = 0;
    if (x && y && rx && ry && tmp) {
        for (size_t i = 0; i < s->n; i++)
            if (s->state[i] == TD_TRIAL_OK && isfinite(s->y[i]) && isfinite(o->v[i])) {
                x[*m] = s->y[i];
                y[(*m)++] = o->v[i];
            }
        if (*m >= ST_DIR_MIN_TRIALS) {
            ranks(x, *m, rx, tmp);
            ranks(y, *m, ry, tmp);
            rho = pearson(rx, ry, *m);
        }
    }
    free(x);
    free(y);
    free(rx);
    free(ry);
    free(tmp);
    return rho;
}

void td_study_direction(td_study *s)
{
    if (s->direction_from != TD_DIR_UNKNOWN) return;
    long best = -1;
    double best_rho = 0;
    size_t best_m = 0;
    int up = 0, down = 0;
    for (size_t k = 0; k < s->noutcome; k++) {
        const td_outcome *o = &s->outcome[k];
        if (o->direction == 0) continue;
        size_t m;
        double rho = spearman(s, o, &m);
        if (!(fabs(rho) >= ST_DIR_MIN_RHO)) continue;
        int d = o->direction * (rho > 0 ? 1 : -1);
        up |= d > 0;
        down |= d < 0;
        if (best < 0 || fabs(rho) > fabs(best_rho)) {
            best = (long)k;
            best_rho = rho;
            best_m = m;
        }
    }
    if (best < 0 || (up && down)) return;
    char obj[96], name[96];
    const td_outcome *o = &s->outcome[best];
    s->maximize = up;
    s->direction_from = TD_DIR_EVIDENCE;
    snprintf(s->direction_why, sizeof s->direction_why, "%s %s with %s (%s is better; Spearman rho %.2f over %zu trials)",
             td_safe_text(obj, sizeof obj, s->objective), best_rho > 0 ? "rises" : "falls",
             td_safe_text(name, sizeof name, o->name), o->direction > 0 ? "larger" : "smaller", best_rho, best_m);
}
