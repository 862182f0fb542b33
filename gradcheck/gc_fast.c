/* gc_fast.c — --fast: k random directional derivatives per tensor,
 *   numerical  (L(x + h u) − L(x − h u)) / 2h     vs    analytic ⟨g, u⟩,
 * 2k evaluations per tensor instead of 2n. A tensor whose directions
 * disagree (> 1e-7) is then checked element by element on a sample, so a
 * mismatch still names the failing elements (and kinks are told apart). */
#include <math.h>
#include <stdlib.h>

#include "td_gradcheck.h"

#define FAST_FALLBACK_SAMPLES 256

/* Directional check of tensor t for objective obj: largest relative error. */
static td_code directions(td_gc_ctx *c, td_gc_work *w, int obj, int t, int k, double *worst,
                          td_err *e)
{
    size_t n = c->nin[t];
    double *u = malloc(n * sizeof *u), *x = w->x[t], fp, fm, s;
    if (!u) return td_fail(e, TD_ENOMEM, "out of memory");
    td_code rc = TD_OK;
    *worst = 0;
    for (int d = 0; d < k && rc == TD_OK; d++) {
        double an = 0, norm = 0;
        for (size_t i = 0; i < n; i++) { u[i] = td_rng_normal(&c->rng); norm += u[i] * u[i]; }
        norm = sqrt(norm);
        for (size_t i = 0; i < n; i++) { u[i] /= norm; an += c->g[obj][t][i] * u[i]; }
        for (size_t i = 0; i < n; i++) x[i] = c->x[t][i] + c->h * u[i];
        rc = td_gc_objective(c, w, obj, w->yp, &fp, &s, e);
        for (size_t i = 0; i < n && rc == TD_OK; i++) x[i] = c->x[t][i] - c->h * u[i];
        if (rc == TD_OK) rc = td_gc_objective(c, w, obj, w->y, &fm, &s, e);
        for (size_t i = 0; i < n; i++) x[i] = c->x[t][i];
        double diff = obj == 0 ? td_gc_rdiff(c, w->yp, w->y) : fp - fm;
        if (rc == TD_OK)
            *worst = fmax(*worst, td_rel_error(an, diff / (2 * c->h), td_gc_floor(c, obj, c->h)));
    }
    free(u);
    return rc;
}

td_code td_gc_fast(td_gc_ctx *c, int k, td_gc_result *res, td_err *e)
{
    td_gc_work w;
    td_code rc = td_gc_work_init(c, &w, e);
    if (rc != TD_OK) return rc;
    for (int obj = 0; obj < (c->d.has_reg ? 2 : 1) && rc == TD_OK; obj++)
        for (int t = 0; t < c->d.n_in && rc == TD_OK; t++) {
            if (c->d.in[t].flags & TD_T_INDEX) continue;
            td_gc_row row;
            td_gc_row_init(c, t, obj, &row);
            double worst = 0;
            if ((rc = directions(c, &w, obj, t, k, &worst, e)) != TD_OK) break;
            if (worst <= 1e-7) {
                row.checked = (size_t)k; /* directions, each touching every element */
                row.max_err = worst;
                row.verdict = TD_GC_CORRECT;
                row.worst = 0;
                row.worst_a = row.worst_n = NAN;
                int silent = obj == 1 && worst == 0;
                if (!silent && res->nrows < TD_GC_MAX_ROWS) res->rows[res->nrows++] = row;
                continue;
            }
            size_t m, *idx = td_gc_select(c, t, FAST_FALLBACK_SAMPLES, &m);
            if (!idx) { rc = td_fail(e, TD_ENOMEM, "out of memory"); break; }
            rc = td_gc_check_tensor(c, obj, t, idx, m, &row, e);
            free(idx);
            if (rc == TD_OK && res->nrows < TD_GC_MAX_ROWS) res->rows[res->nrows++] = row;
        }
    c->evals += w.evals;
    td_gc_work_free(c, &w);
    return rc;
}
