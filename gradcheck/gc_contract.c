/* gc_contract.c — what backward and forward promise besides their values:
 *  - deterministic: forward twice and backward twice at one point agree
 *    bit for bit (stochastic layers get the same seed before each call);
 *  - backward ADDS into din: started from a non-zero buffer P it must end
 *    at P + g (a backward that overwrites ends at g), to 1e-12 in float64
 *    and to the rounding of float additions for a float32 layer;
 *  - neither call modifies its inputs (x, the outputs given to backward,
 *    or dout). */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "td_gradcheck.h"

/* Largest |a − b| over n values. */
static double max_diff(const double *a, const double *b, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++) m = fmax(m, fabs(a[i] - b[i]));
    return m;
}

static double max_abs(const double *a, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++) m = fmax(m, fabs(a[i]));
    return m;
}

/* Compare the work copy of the point (and r, y) with the originals after a
 * call; a change is a finding naming the tensor. Returns 1 when changed. */
static int inputs_changed(td_gc_ctx *c, td_gc_work *w, double *const *rcopy, double *const *ycopy,
                          const char *call, td_gc_result *res)
{
    char safe[TD_NAME_MAX];
    for (int t = 0; t < c->d.n_in; t++)
        if (memcmp(w->x[t], c->x[t], c->nin[t] * sizeof(double)) != 0) {
            td_gc_note(res, 1, "%s modified its input %s (inputs must be read-only)", call,
                       td_safe_text(safe, sizeof safe, c->d.in[t].name));
            return 1;
        }
    for (int k = 0; rcopy && k < c->d.n_out; k++)
        if (memcmp(rcopy[k], c->r[k], c->nout[k] * sizeof(double)) != 0 ||
            memcmp(ycopy[k], c->y[k], c->nout[k] * sizeof(double)) != 0) {
            td_gc_note(res, 1, "%s modified dout or its output %s (both are read-only)", call,
                       td_safe_text(safe, sizeof safe, c->d.out[k].name));
            return 1;
        }
    return 0;
}

td_code td_gc_contract(td_gc_ctx *c, td_gc_result *res, td_err *e)
{
    td_gc_work w;
    td_code rc = td_gc_work_init(c, &w, e);
    if (rc != TD_OK) return rc;
    double *din[TD_LAYER_MAXT] = { 0 }, *rc_[TD_LAYER_MAXT] = { 0 }, *yc[TD_LAYER_MAXT] = { 0 };
    for (int t = 0; t < c->d.n_in; t++)
        if (c->g[0][t] && !(din[t] = malloc(c->nin[t] * sizeof(double)))) goto oom;
    for (int k = 0; k < c->d.n_out; k++) {
        if (!(rc_[k] = malloc(c->nout[k] * sizeof(double)))) goto oom;
        if (!(yc[k] = malloc(c->nout[k] * sizeof(double)))) goto oom;
        memcpy(rc_[k], c->r[k], c->nout[k] * sizeof(double));
    }

    /* forward again: same outputs, inputs untouched */
    if ((rc = td_gc_forward(c, w.y, (const double *const *)w.x, e)) != TD_OK) goto done;
    c->evals++;
    if (inputs_changed(c, &w, NULL, NULL, "forward", res)) goto done;
    for (int k = 0; k < c->d.n_out; k++) {
        double d = max_diff(w.y[k], c->y[k], c->nout[k]);
        if (d > 0) {
            td_gc_note(res, 1, "not deterministic: forward gave outputs differing by %.3g at the same "
                       "point; fix its seed or turn dropout off for the check", d);
            goto done;
        }
        memcpy(yc[k], c->y[k], c->nout[k] * sizeof(double));
    }

    /* backward again from zero: the same gradients */
    for (int t = 0; t < c->d.n_in; t++)
        if (din[t]) memset(din[t], 0, c->nin[t] * sizeof(double));
    if ((rc = td_gc_backward(c, din, (const double *const *)rc_, (const double *const *)w.x,
                             (const double *const *)yc, e)) != TD_OK) goto done;
    if (inputs_changed(c, &w, rc_, yc, "backward", res)) goto done;
    for (int t = 0; t < c->d.n_in; t++) {
        double d = din[t] ? max_diff(din[t], c->g[0][t], c->nin[t]) : 0;
        if (d > 0) {
            td_gc_note(res, 1, "not deterministic: backward gave gradients differing by %.3g at the "
                       "same point; fix its seed or turn dropout off for the check", d);
            goto done;
        }
    }

    /* backward from P = 1 + (i mod 7)/4 must end at P + g */
    for (int t = 0; t < c->d.n_in; t++)
        if (din[t]) for (size_t i = 0; i < c->nin[t]; i++) din[t][i] = 1 + (double)(i % 7) / 4;
    if ((rc = td_gc_backward(c, din, (const double *const *)rc_, (const double *const *)w.x,
                             (const double *const *)yc, e)) != TD_OK) goto done;
    if (inputs_changed(c, &w, rc_, yc, "backward", res)) goto done;
    for (int t = 0; t < c->d.n_in; t++) {
        if (!din[t]) continue;
        double gmax = max_abs(c->g[0][t], c->nin[t]), added = 0, over = 0;
        for (size_t i = 0; i < c->nin[t]; i++) {
            double p = 1 + (double)(i % 7) / 4;
            added = fmax(added, fabs(din[t][i] - p - c->g[0][t][i]));
            over = fmax(over, fabs(din[t][i] - c->g[0][t][i]));
        }
        /* float64: 1e-12 relative; a float32 layer adds in float (td_f32:
         * din = float(P + g), each += of its sum rounded by ε_f at the size
         * of the buffer, P ≤ 2.5): 64 ε_f of the sizes involved */
        double tol = c->d.flags & TD_LAYER_FLOAT32 ? 64 * FLT_EPSILON * (gmax + 2.5)
                                                   : 1e-12 * (gmax + 4);
        char safe[TD_NAME_MAX];
        td_safe_text(safe, sizeof safe, c->d.in[t].name);
        if (added <= tol) continue;
        if (over <= tol) {
            c->overwrite[t] = 1;
            td_gc_note(res, 1, "backward overwrites the gradient of %s instead of adding to it "
                       "(llm.c contract: din += ...)", safe);
        } else {
            td_gc_note(res, 1, "backward does not simply add into the gradient of %s: from a "
                       "non-zero buffer it ends %.3g away from buffer + gradient", safe, added);
        }
    }
done:
    for (int t = 0; t < TD_LAYER_MAXT; t++) { free(din[t]); free(rc_[t]); free(yc[t]); }
    td_gc_work_free(c, &w);
    return rc;
oom:
    rc = td_fail(e, TD_ENOMEM, "out of memory");
    goto done;
}
