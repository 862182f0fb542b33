/* gc_sweep.c — --h-sweep: the largest relative error over a few elements
 * of every tensor for h = 1e-1 … 1e-10. Too large an h makes truncation
 * error (O(h²)), too small an h rounding error (O(ε/h)): the curve is a U
 * and its bottom is the step to use (the largest h within 10x of it).
 * Kink elements are left out. */
#include <math.h>
#include <stdlib.h>

#include "td_gradcheck.h"

#define SWEEP_SAMPLES 16

td_code td_gc_sweep(td_gc_ctx *c, td_gc_result *res, double *best_h, td_err *e)
{
    td_code rc = TD_OK;
    double best = INFINITY;
    *best_h = c->h;
    res->nsweep = 0;
    for (int s = 0; s < TD_GC_SWEEP_N && rc == TD_OK; s++) {
        double h = pow(10, -(s + 1)), worst = 0;
        for (int t = 0; t < c->d.n_in && rc == TD_OK; t++) {
            if (c->d.in[t].flags & TD_T_INDEX) continue;
            size_t m, *idx = td_gc_select(c, t, SWEEP_SAMPLES, &m);
            double *buf = idx ? malloc(4 * m * sizeof *buf) : NULL;
            if (!buf) { free(idx); return td_fail(e, TD_ENOMEM, "out of memory"); }
            rc = td_gc_numeric(c, 0, t, idx, m, h, buf, buf + m, buf + 2 * m, buf + 3 * m, e);
            for (size_t q = 0; q < m && rc == TD_OK; q++) {
                double a = c->g[0][t][idx[q]];
                double err = td_rel_error(a, buf[q], td_gc_floor_moved(c, td_gc_floor(c, 0, h), buf[3 * m + q], h));
                int kink;
                td_gc_classify(a, buf[q], buf[m + q], buf[2 * m + q], err, td_gc_noise(c, 0, h, buf[3 * m + q]),
                               td_gc_kink_hint(c, t, idx[q]), h, &kink);
                if (!kink) worst = fmax(worst, err);
            }
            free(buf);
            free(idx);
        }
        res->sweep_h[s] = h;
        res->sweep_err[s] = worst;
        res->nsweep = s + 1;
        best = fmin(best, fmax(worst, 1e-12));
    }
    /* the largest h within 10x of the smallest error: the errors come from a
     * sample, and past the bottom of the U rounding only grows (an exact,
     * piecewise-linear layer has errors ~0 at every h: keep a large one) */
    for (int s = 0; s < res->nsweep; s++)
        if (fmax(res->sweep_err[s], 1e-12) <= 10 * best) { *best_h = res->sweep_h[s]; break; }
    return rc;
}
