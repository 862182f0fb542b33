/* gc_sweep.c — --h-sweep: the error of every checked element (up to
 * SWEEP_SAMPLES per tensor) for h = 1e-1 … 1e-10. Too large an h makes
 * truncation error (O(h²)), too small an h rounding error (O(ε/h)): the
 * curve is a U and its bottom is the step to use. Each tensor gets its own
 * step: the h whose score is smallest (ties: the larger h), where the
 * score is the largest error over the tensor's non-kink elements, and at
 * least KINK_COST when some element straddles a kink at that h (a kink
 * takes the element out of judgement: a step that makes kinks must buy a
 * clearly smaller error). The printed curve is the largest score over the
 * tensors; the check then runs each tensor at its own h. */
#include <math.h>
#include <stdlib.h>

#include "td_gradcheck.h"

#define SWEEP_SAMPLES 512

/* What a kink costs in the score: the edge of "correct" in the precision
 * the layer computes in. */
static double kink_cost(const td_gc_ctx *c)
{
    return c->d.flags & TD_LAYER_FLOAT32 ? 1e-3 : 1e-7;
}

/* Score of tensor t at step h (elements idx[m], buf of 4m doubles);
 * *kinks receives the count of kink elements. */
static td_code score(td_gc_ctx *c, int t, const size_t *idx, size_t m, double h, double *buf,
                     double *sc, size_t *kinks, td_err *e)
{
    td_code rc = td_gc_numeric(c, 0, t, idx, m, h, buf, buf + m, buf + 2 * m, buf + 3 * m, e);
    double worst = 0;
    *kinks = 0;
    for (size_t q = 0; q < m && rc == TD_OK; q++) {
        double a = c->g[0][t][idx[q]], moved = buf[3 * m + q];
        double err = td_rel_error(a, buf[q], td_gc_floor_moved(c, td_gc_floor(c, 0, h), moved, h));
        int kink;
        td_gc_classify(a, buf[q], buf[m + q], buf[2 * m + q], err, td_gc_noise(c, 0, h, moved),
                       td_gc_kink_hint(c, t, idx[q]), h, &kink);
        if (kink) (*kinks)++;
        else worst = fmax(worst, err);
    }
    *sc = *kinks ? fmax(worst, kink_cost(c)) : worst;
    return rc;
}

td_code td_gc_sweep(td_gc_ctx *c, td_gc_result *res, double *best_h, td_err *e)
{
    td_code rc = TD_OK;
    double best[TD_LAYER_MAXT];
    *best_h = c->h;
    res->nsweep = TD_GC_SWEEP_N;
    for (int s = 0; s < TD_GC_SWEEP_N; s++) {
        res->sweep_h[s] = pow(10, -(s + 1));
        res->sweep_err[s] = 0;
        res->sweep_kinks[s] = 0;
    }
    for (int t = 0; t < c->d.n_in && rc == TD_OK; t++) {
        if (c->d.in[t].flags & TD_T_INDEX) continue;
        size_t m, *idx = td_gc_select(c, t, SWEEP_SAMPLES, &m);
        double *buf = idx ? malloc(4 * m * sizeof *buf) : NULL;
        if (!buf) { free(idx); return td_fail(e, TD_ENOMEM, "out of memory"); }
        best[t] = INFINITY;
        for (int s = 0; s < TD_GC_SWEEP_N && rc == TD_OK; s++) {
            double sc;
            size_t kinks;
            rc = score(c, t, idx, m, res->sweep_h[s], buf, &sc, &kinks, e);
            if (rc != TD_OK) break;
            res->sweep_err[s] = fmax(res->sweep_err[s], sc);
            res->sweep_kinks[s] += kinks;
            if (sc < best[t]) { best[t] = sc; c->ht[t] = res->sweep_h[s]; }
        }
        free(buf);
        free(idx);
    }
    /* the h of the whole check (header, jacobian, fast): the best of the curve */
    double b = INFINITY;
    for (int s = 0; s < res->nsweep; s++)
        if (res->sweep_err[s] < b) { b = res->sweep_err[s]; *best_h = res->sweep_h[s]; }
    return rc;
}
