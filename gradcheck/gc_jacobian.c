/* gc_jacobian.c — --jacobian: every (output k, input i) pair, like torch's
 * slow gradcheck. Analytic row k: backward with dout = e_k; numerical
 * column i: (y(x + h e_i) − y(x − h e_i)) / 2h. One row per input tensor
 * with the largest error over all pairs; the worst element is the input
 * element (its output index goes into the notes when it is wrong). */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "td_gradcheck.h"

#define JAC_MAX_PAIRS ((size_t)1 << 24)

td_code td_gc_jacobian(td_gc_ctx *c, td_gc_result *res, td_err *e)
{
    size_t nout = 0, nin = 0;
    for (int k = 0; k < c->d.n_out; k++) nout += c->nout[k];
    for (int t = 0; t < c->d.n_in; t++)
        if (!(c->d.in[t].flags & TD_T_INDEX)) nin += c->nin[t];
    if (nin > JAC_MAX_PAIRS / nout)
        return td_fail(e, TD_EUSAGE, "--jacobian: %zu x %zu pairs are too many (max %zu); use smaller shapes",
                       nout, nin, JAC_MAX_PAIRS);
    td_gc_work w;
    td_code rc = td_gc_work_init(c, &w, e);
    if (rc != TD_OK) return rc;
    double *J = calloc(nout * nin, sizeof *J);                 /* analytic (nout, nin) */
    double *dout[TD_LAYER_MAXT] = { 0 }, *din[TD_LAYER_MAXT] = { 0 };
    if (!J) { rc = td_fail(e, TD_ENOMEM, "out of memory"); goto done; }
    for (int k = 0; k < c->d.n_out; k++)
        if (!(dout[k] = calloc(c->nout[k], sizeof(double)))) { rc = td_fail(e, TD_ENOMEM, "out of memory"); goto done; }
    for (int t = 0; t < c->d.n_in; t++)
        if (c->g[0][t] && !(din[t] = malloc(c->nin[t] * sizeof(double)))) { rc = td_fail(e, TD_ENOMEM, "out of memory"); goto done; }
    /* a forward at the point first: a layer may read in backward what its
     * last forward saved (td_layer.h), and a --h-sweep ran forwards elsewhere */
    if ((rc = td_gc_forward(c, w.y, (const double *const *)w.x, e)) != TD_OK) goto done;
    w.evals++;
    /* analytic rows */
    size_t row = 0;
    for (int k = 0; k < c->d.n_out && rc == TD_OK; k++)
        for (size_t o = 0; o < c->nout[k] && rc == TD_OK; o++, row++) {
            for (int t = 0; t < c->d.n_in; t++)
                if (din[t]) memset(din[t], 0, c->nin[t] * sizeof(double));
            dout[k][o] = 1;
            rc = td_gc_backward(c, din, (const double *const *)dout, (const double *const *)c->x,
                                (const double *const *)c->y, e);
            dout[k][o] = 0;
            size_t col = 0;
            for (int t = 0; t < c->d.n_in; t++)
                if (din[t]) { memcpy(J + row * nin + col, din[t], c->nin[t] * sizeof(double)); col += c->nin[t]; }
        }
    /* numerical columns, compared as they come */
    double ymax = 0;
    for (int k = 0; k < c->d.n_out; k++)
        for (size_t o = 0; o < c->nout[k]; o++) ymax = fmax(ymax, fabs(c->y[k][o]));
    double noise = c->d.flags & TD_LAYER_FLOAT32 ? TD_GC_F32_NOISE * FLT_EPSILON * fmax(ymax, 1e-300) / c->h
                                                 : DBL_EPSILON * fmax(ymax, 1e-300) / c->h;
    double floor = td_gc_floor_moved(c, 1e-10, ymax, c->h); /* the rounding of one output */
    size_t col = 0;
    for (int t = 0; t < c->d.n_in && rc == TD_OK; t++) {
        if (!din[t]) continue;
        td_gc_row r;
        td_gc_row_init(c, t, 0, &r);
        r.checked = c->nin[t];
        double *x = w.x[t];
        size_t worst_out = 0;
        for (size_t i = 0; i < c->nin[t] && rc == TD_OK; i++, col++) {
            double orig = x[i], s, v;
            x[i] = orig + c->h;
            rc = td_gc_objective(c, &w, 0, w.yp, &v, &s, e);
            x[i] = orig - c->h;
            if (rc == TD_OK) rc = td_gc_objective(c, &w, 0, w.y, &v, &s, e);
            x[i] = orig;
            double hp = (orig + c->h) - orig, hm = orig - (orig - c->h);
            size_t q = 0;
            for (int k = 0; k < c->d.n_out && rc == TD_OK; k++)
                for (size_t o = 0; o < c->nout[k]; o++, q++) {
                    double up = w.yp[k][o] - c->y[k][o], um = c->y[k][o] - w.y[k][o];
                    double n = (up + um) / (hp + hm), a = J[q * nin + col];
                    double err = td_rel_error(a, n, floor);
                    int kink;
                    td_gc_verdict v2 = td_gc_classify(a, n, um / hm, up / hp, err, noise,
                                                      td_gc_kink_hint(c, t, i), c->h, &kink);
                    if (kink) { r.kinks++; if (v2 == TD_GC_WRONG) r.verdict = TD_GC_WRONG; continue; }
                    if (v2 > r.verdict) r.verdict = v2;
                    if (err > r.max_err || (i == 0 && q == 0)) {
                        r.max_err = err; r.worst = i; r.worst_a = a; r.worst_n = n; worst_out = q;
                    }
                }
        }
        if (rc == TD_OK && r.verdict != TD_GC_CORRECT)
            td_gc_note(res, 0, "jacobian: %s worst at output element %zu (flat over all outputs)", r.name, worst_out);
        if (rc == TD_OK && res->nrows < TD_GC_MAX_ROWS) res->rows[res->nrows++] = r;
    }
done:
    free(J);
    for (int t = 0; t < TD_LAYER_MAXT; t++) { free(dout[t]); free(din[t]); }
    c->evals += w.evals;
    td_gc_work_free(c, &w);
    return rc;
}
