/* gc_fast.c — --fast: k random directional derivatives per tensor,
 *   numerical  (L(x + h u) − L(x − h u)) / 2h     vs    analytic ⟨g, u⟩,
 * 2k evaluations per tensor instead of 2n. The error of a direction is
 * judged against the floor of every output it moved, in the precision the
 * layer computes in (td_gc_floor_moved: 1e-7 float64; float32 with the
 * float32 floor, 1e-3 growing with the layer's size: accept_tol). A direction that disagrees is evidence: the tensor
 * is then localised, never passed on a sample —
 *   - tensors up to TD_GC_AUTO_ALL elements are checked element by element
 *     (every element, as full mode would);
 *   - larger ones are bisected: the direction is split into the halves of
 *     its support and the half that still disagrees (the worse one when
 *     both do) is kept, down to FAST_LEAF elements checked one by one.
 * If the elements then explain nothing (no wrong or suspicious element,
 * no kink) the direction's own error stands: "wrong" beyond 1e-2,
 * else "suspicious", with a note saying the disagreement was not
 * localised. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "td_gradcheck.h"

#define FAST_LEAF 256

/* The largest direction error that counts as agreement: 1e-7 in float64;
 * in float32 the rounding of the layer's own sums, which grows as the
 * square root of their length: 1e-3 up to 65536 elements in the layer's
 * largest tensor (a correct float32 dense 32x256->256 reached 6e-4 over
 * 40 seeds, 16x1024->1024 9.9e-4), × √(size / 65536) beyond, at most
 * 1e-2 (the "wrong" band, the only one a float32 check can show). */
static double accept_tol(const td_gc_ctx *c)
{
    if (!(c->d.flags & TD_LAYER_FLOAT32)) return 1e-7;
    size_t big = 0;
    for (int t = 0; t < c->d.n_in; t++) big = c->nin[t] > big ? c->nin[t] : big;
    for (int k = 0; k < c->d.n_out; k++) big = c->nout[k] > big ? c->nout[k] : big;
    return fmin(1e-2, 1e-3 * fmax(1, sqrt((double)big / 65536)));
}

/* One direction u over elements sel[m] of tensor t (u zero elsewhere):
 * its relative error. x is the worker's copy of the tensor. */
static td_code one_direction(td_gc_ctx *c, td_gc_work *w, int obj, int t, const size_t *sel,
                             size_t m, const double *u, double *err, td_err *e)
{
    double *x = w->x[t], fp, fm, s, an = 0;
    const double *x0 = c->x[t], *g = c->g[obj][t], h = c->h;
    if (c->d.flags & TD_LAYER_FLOAT32) /* the steps really taken, in float */
        for (size_t q = 0; q < m; q++) {
            size_t i = sel[q];
            double xp = td_gc_step(c, x0[i], h * u[q]), xm = td_gc_step(c, x0[i], -h * u[q]);
            an += g[i] * (xp - xm) / (2 * h);
            x[i] = xp;
        }
    else
        for (size_t q = 0; q < m; q++) { an += g[sel[q]] * u[q]; x[sel[q]] = x0[sel[q]] + h * u[q]; }
    td_code rc = td_gc_objective(c, w, obj, w->yp, &fp, &s, e);
    for (size_t q = 0; q < m && rc == TD_OK; q++) x[sel[q]] = td_gc_step(c, x0[sel[q]], -h * u[q]);
    if (rc == TD_OK) rc = td_gc_objective(c, w, obj, w->y, &fm, &s, e);
    for (size_t q = 0; q < m; q++) x[sel[q]] = c->x[t][sel[q]];
    if (rc != TD_OK) return rc;
    double diff, moved = 0;
    if (obj == 0) {
        diff = td_gc_rdiff(c, w->yp, w->y);
        double sq = 0;
        for (int k = 0; k < c->d.n_out; k++)
            for (size_t i = 0; i < c->nout[k]; i++)
                if (w->yp[k][i] != w->y[k][i]) sq += (c->r[k][i] * c->y[k][i]) * (c->r[k][i] * c->y[k][i]);
        moved = sqrt(sq);
    } else {
        diff = fp - fm;
        moved = fabs(c->f0[1]);
    }
    double floor = td_gc_floor_moved(c, td_gc_floor(c, obj, c->h), moved, c->h);
    *err = td_rel_error(an, diff / (2 * c->h), floor);
    return TD_OK;
}

/* A random unit direction over m elements into u. */
static void random_unit(td_gc_ctx *c, double *u, size_t m)
{
    double norm = 0;
    for (size_t q = 0; q < m; q++) { u[q] = td_rng_normal(&c->rng); norm += u[q] * u[q]; }
    norm = sqrt(norm);
    for (size_t q = 0; q < m; q++) u[q] /= norm;
}

/* Bisect the disagreeing direction (u over all n elements) down to at most
 * FAST_LEAF elements: sel receives them (sorted), *m their count. */
static td_code bisect(td_gc_ctx *c, td_gc_work *w, int obj, int t, double *u, size_t *sel,
                      size_t *m, td_err *e)
{
    size_t lo = 0, n = c->nin[t];
    for (size_t i = 0; i < n; i++) sel[i] = i;
    while (n > FAST_LEAF) {
        size_t half = n / 2;
        double e1, e2;
        td_code rc = one_direction(c, w, obj, t, sel + lo, half, u + lo, &e1, e);
        if (rc == TD_OK) rc = one_direction(c, w, obj, t, sel + lo + half, n - half, u + lo + half, &e2, e);
        if (rc != TD_OK) return rc;
        if (e1 >= e2) n = half;
        else { lo += half; n -= half; }
    }
    memmove(sel, sel + lo, n * sizeof *sel);
    *m = n;
    return TD_OK;
}

td_code td_gc_fast(td_gc_ctx *c, int k, td_gc_result *res, td_err *e)
{
    td_gc_work w;
    td_code rc = td_gc_work_init(c, &w, e);
    if (rc != TD_OK) return rc;
    for (int obj = 0; obj < (c->d.has_reg ? 2 : 1) && rc == TD_OK; obj++)
        for (int t = 0; t < c->d.n_in && rc == TD_OK; t++) {
            if (c->d.in[t].flags & TD_T_INDEX) continue;
            size_t n = c->nin[t], m = 0;
            double *u = malloc(n * sizeof *u), worst = 0, du_err;
            size_t *sel = malloc(n * sizeof *sel);
            if (!u || !sel) { free(u); free(sel); rc = td_fail(e, TD_ENOMEM, "out of memory"); break; }
            for (size_t i = 0; i < n; i++) sel[i] = i;
            int bad = -1; /* the first disagreeing direction is kept in u */
            for (int d = 0; d < k && rc == TD_OK && bad < 0; d++) {
                random_unit(c, u, n);
                rc = one_direction(c, &w, obj, t, sel, n, u, &du_err, e);
                worst = fmax(worst, du_err);
                if (rc == TD_OK && du_err > accept_tol(c)) bad = d;
            }
            td_gc_row row;
            td_gc_row_init(c, t, obj, &row);
            if (rc == TD_OK && bad < 0) {
                row.checked = (size_t)k; /* directions, each touching every element */
                row.max_err = worst;
                row.verdict = TD_GC_CORRECT;
                row.worst_a = row.worst_n = NAN;
                int silent = obj == 1 && worst == 0;
                if (!silent && res->nrows < TD_GC_MAX_ROWS) res->rows[res->nrows++] = row;
            } else if (rc == TD_OK) {
                if (n <= TD_GC_AUTO_ALL) m = n;
                else rc = bisect(c, &w, obj, t, u, sel, &m, e);
                if (rc == TD_OK) rc = td_gc_check_tensor(c, obj, t, sel, m, &row, e);
                if (rc == TD_OK && row.verdict == TD_GC_CORRECT && row.kinks == 0) {
                    /* the elements explain nothing: the direction's error stands */
                    row.verdict = worst > 1e-2 ? TD_GC_WRONG : TD_GC_SUSPICIOUS;
                    row.max_err = fmax(row.max_err, worst);
                    td_gc_note(res, 0, "--fast: a direction through %s disagreed (rel. error %.3g) but "
                               "none of the %zu elements checked one by one did; run without --fast",
                               row.name, worst, m);
                }
                if (rc == TD_OK && res->nrows < TD_GC_MAX_ROWS) res->rows[res->nrows++] = row;
            }
            free(u);
            free(sel);
        }
    c->evals += w.evals;
    td_gc_work_free(c, &w);
    return rc;
}
