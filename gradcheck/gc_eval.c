/* gc_eval.c — evaluating the layer for the check: guarded forward and
 * backward calls, the scalar objectives, the layer's kink hint, worker
 * copies of the point, the centered/one-sided differences spread over the
 * workers, element selection, and the floors and noise they are judged by. */
#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "td_gradcheck.h"

static void set_stage(const td_gc_ctx *c, int st) { if (c->stage) *c->stage = st; }

/* The layer's message after a failed call, or a default. */
static const char *layer_msg(const td_gc_ctx *c)
{
    const char *m = c->api->last_error ? c->api->last_error(c->self) : NULL;
    return m && *m ? m : "no message";
}

/* TD_EPLUGIN naming the first non-finite output, or TD_OK. */
static td_code check_finite(const td_gc_ctx *c, double *const *y, td_err *e)
{
    for (int k = 0; k < c->d.n_out; k++)
        for (size_t i = 0; i < c->nout[k]; i++)
            if (!isfinite(y[k][i])) {
                char ix[96], safe[TD_NAME_MAX];
                td_gc_multi_index(ix, sizeof ix, i, c->d.out[k].rank, c->d.out[k].shape);
                return td_fail(e, TD_EPLUGIN, "forward %s %s%s",
                               isnan(y[k][i]) ? "left NaN (or did not write) at" : "returned Inf at",
                               td_safe_text(safe, sizeof safe, c->d.out[k].name), ix);
            }
    return TD_OK;
}

/* A layer call returned rc: TD_OK, or TD_EPLUGIN naming the call and the
 * layer's own message. */
static td_code call_result(const td_gc_ctx *c, int rc, const char *call, td_err *e)
{
    if (rc == 0) return TD_OK;
    char safe[200];
    return td_fail(e, TD_EPLUGIN, "%s failed (returned %d): %s", call, rc,
                   td_safe_text(safe, sizeof safe, layer_msg(c)));
}

/* The call itself: seed, stage, forward. The stage stays set after the
 * call (workers share it: a hang in one must not be overwritten by
 * another's "idle"). */
static td_code call_forward(const td_gc_ctx *c, double *const *y, const double *const *x, td_err *e)
{
    if (c->api->set_seed) c->api->set_seed(c->self, c->seed);
    set_stage(c, TD_GC_ST_FORWARD);
    return call_result(c, c->api->forward(c->self, y, x), "forward", e);
}

td_code td_gc_forward(const td_gc_ctx *c, double *const *y, const double *const *x, td_err *e)
{
    for (int k = 0; k < c->d.n_out; k++)
        for (size_t i = 0; i < c->nout[k]; i++) y[k][i] = NAN;
    td_code rc = call_forward(c, y, x, e);
    return rc == TD_OK ? check_finite(c, y, e) : rc;
}

td_code td_gc_backward(const td_gc_ctx *c, double *const *din, const double *const *dout,
                       const double *const *x, const double *const *y, td_err *e)
{
    if (c->api->set_seed) c->api->set_seed(c->self, c->seed);
    set_stage(c, TD_GC_ST_BACKWARD);
    return call_result(c, c->api->backward(c->self, din, dout, x, y), "backward", e);
}

td_code td_gc_objective(const td_gc_ctx *c, td_gc_work *w, int obj, double *const *y,
                        double *val, double *scale, td_err *e)
{
    if (!y) y = w->y;
    w->evals++;
    if (obj == 1) {
        double r = NAN;
        set_stage(c, TD_GC_ST_REG);
        td_code rc = call_result(c, c->api->reg_loss(c->self, &r, (const double *const *)w->x), "reg_loss", e);
        if (rc != TD_OK) return rc;
        if (!isfinite(r)) return td_fail(e, TD_EPLUGIN, "reg_loss returned %g", r);
        *val = r;
        *scale = fabs(r);
        return TD_OK;
    }
    td_code rc = td_gc_forward(c, y, (const double *const *)w->x, e);
    if (rc != TD_OK) return rc;
    double L = 0, S = 0;
    for (int k = 0; k < c->d.n_out; k++) {
        double lk, sk;
        td_gc_rsum(c->nout[k], c->r[k], y[k], &lk, &sk);
        L += lk;
        S = fmax(S, sk);
    }
    *val = L;
    *scale = S;
    return TD_OK;
}

td_code td_gc_work_init(const td_gc_ctx *c, td_gc_work *w, td_err *e)
{
    memset(w, 0, sizeof *w);
    for (int t = 0; t < c->d.n_in; t++) {
        w->x[t] = malloc(c->nin[t] * sizeof(double));
        if (!w->x[t]) goto oom;
        memcpy(w->x[t], c->x[t], c->nin[t] * sizeof(double));
    }
    for (int k = 0; k < c->d.n_out; k++)
        if (!(w->y[k] = malloc(c->nout[k] * sizeof(double))) ||
            !(w->yp[k] = malloc(c->nout[k] * sizeof(double)))) goto oom;
    return TD_OK;
oom:
    td_gc_work_free(c, w);
    return td_fail(e, TD_ENOMEM, "out of memory for a copy of the point");
}

void td_gc_work_free(const td_gc_ctx *c, td_gc_work *w)
{
    for (int t = 0; t < c->d.n_in; t++) { free(w->x[t]); w->x[t] = NULL; }
    for (int k = 0; k < c->d.n_out; k++) {
        free(w->y[k]); w->y[k] = NULL;
        free(w->yp[k]); w->yp[k] = NULL;
    }
}

double td_gc_kink_hint(const td_gc_ctx *c, int t, size_t i)
{
    if (!c->api->kink_distance) return -1;
    double d = c->api->kink_distance(c->self, (const double *const *)c->x, t, i);
    return isnan(d) ? -1 : d;
}

/* ---- differences over workers --------------------------------------------- */
typedef struct {
    td_gc_ctx *c;
    td_gc_work w;
    int obj, t;
    const size_t *idx;
    size_t lo, hi;
    double h, *n, *dm, *dp, *moved;
    td_code rc;
} diff_job;

/* Σ_k r_k (yp_k − y0_k) and Σ_k r_k (y0_k − ym_k) in one pass, and the
 * size √Σ (r_k y0_k)² of the terms the step moved (their rounding is the
 * noise of this element's difference). */
static void rdiff2(const td_gc_ctx *c, double *const *yp, double *const *ym, double *up, double *um,
                   double *moved)
{
    double a = 0, b = 0, sq = 0;
    for (int k = 0; k < c->d.n_out; k++) {
        double ak, bk, qk;
        td_gc_rdiff2(c->nout[k], c->r[k], c->y[k], yp[k], ym[k], &ak, &bk, &qk);
        a += ak;
        b += bk;
        sq += qk;
    }
    *up = a;
    *um = b;
    *moved = sqrt(sq);
}

/* The hot loop: two evaluations per element. For the data objective the
 * outputs are not NaN-filled (that check ran at the point); a non-finite
 * sum sends us to the scan that names the element. */
static void *diff_run(void *arg)
{
    diff_job *j = arg;
    const td_gc_ctx *c = j->c;
    double *x = j->w.x[j->t], f0 = c->f0[j->obj], s;
    j->rc = TD_OK;
    for (size_t q = j->lo; q < j->hi; q++) {
        size_t i = j->idx[q];
        double orig = x[i], fp = 0, fm = 0, up, um;
        double xp = td_gc_step(c, orig, j->h), xm = td_gc_step(c, orig, -j->h);
        x[i] = xp;
        if (j->obj == 0) {
            j->rc = call_forward(c, j->w.yp, (const double *const *)j->w.x, &j->w.err);
            x[i] = xm;
            if (j->rc == TD_OK) j->rc = call_forward(c, j->w.y, (const double *const *)j->w.x, &j->w.err);
            j->w.evals += 2;
        } else {
            j->rc = td_gc_objective(c, &j->w, 1, NULL, &fp, &s, &j->w.err);
            x[i] = xm;
            if (j->rc == TD_OK) j->rc = td_gc_objective(c, &j->w, 1, NULL, &fm, &s, &j->w.err);
        }
        double hp = xp - orig, hm = orig - xm; /* the steps really taken */
        x[i] = orig;
        if (j->rc != TD_OK) break;
        if (j->obj == 0) { /* Σ r Δy: untouched outputs contribute exact zeros */
            rdiff2(c, j->w.yp, j->w.y, &up, &um, &j->moved[q]);
            if (!isfinite(up + um)) {
                j->rc = check_finite(c, j->w.yp, &j->w.err);
                if (j->rc == TD_OK) j->rc = check_finite(c, j->w.y, &j->w.err);
                if (j->rc == TD_OK) j->rc = td_fail(&j->w.err, TD_EPLUGIN, "objective overflowed");
                break;
            }
        } else {
            up = fp - f0;
            um = f0 - fm;
            j->moved[q] = fabs(f0);
        }
        j->n[q] = (up + um) / (hp + hm);
        j->dp[q] = up / hp;
        j->dm[q] = um / hm;
    }
    return NULL;
}

td_code td_gc_numeric(td_gc_ctx *c, int obj, int t, const size_t *idx, size_t m,
                      double h, double *n, double *dm, double *dp, double *moved, td_err *e)
{
    int nw = c->workers > 1 && m >= 64 ? c->workers : 1;
    if (nw > 4) nw = 4;
    diff_job jobs[4];
    pthread_t th[4];
    int started[4] = { 0 };
    td_code rc = TD_OK;
    for (int k = 0; k < nw; k++) {
        jobs[k] = (diff_job){ .c = c, .obj = obj, .t = t, .idx = idx, .lo = m * (size_t)k / (size_t)nw,
                              .hi = m * (size_t)(k + 1) / (size_t)nw, .h = h, .n = n, .dm = dm, .dp = dp, .moved = moved };
        if ((rc = td_gc_work_init(c, &jobs[k].w, e)) != TD_OK) { nw = k; break; }
    }
    if (rc == TD_OK) {
        for (int k = 1; k < nw; k++)
            started[k] = pthread_create(&th[k], NULL, diff_run, &jobs[k]) == 0;
        diff_run(&jobs[0]);
        for (int k = 1; k < nw; k++) {
            if (started[k]) pthread_join(th[k], NULL);
            else diff_run(&jobs[k]);
        }
    }
    for (int k = 0; k < nw; k++) {
        if (rc == TD_OK && jobs[k].rc != TD_OK) {
            rc = jobs[k].rc;
            if (e) *e = jobs[k].w.err;
        }
        c->evals += jobs[k].w.evals;
        td_gc_work_free(c, &jobs[k].w);
    }
    return rc;
}

/* ---- element selection ------------------------------------------------------- */
static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

size_t *td_gc_select(td_gc_ctx *c, int t, long samples, size_t *m)
{
    size_t numel = c->nin[t], want;
    if (samples > 0) want = (size_t)samples < numel ? (size_t)samples : numel;
    else want = numel <= TD_GC_AUTO_ALL ? numel : TD_GC_AUTO_SAMPLE;
    size_t *idx = malloc((want ? want : 1) * sizeof *idx);
    if (!idx) return NULL;
    if (want == numel) {
        for (size_t i = 0; i < numel; i++) idx[i] = i;
    } else {
        /* Floyd's sampling with a bitmap: want distinct indices in [0, numel) */
        unsigned char *seen = calloc(numel / 8 + 1, 1);
        if (!seen) { free(idx); return NULL; }
        size_t k = 0;
        for (size_t j = numel - want; j < numel; j++) {
            size_t v = (size_t)td_rng_below(&c->rng, j + 1);
            if (seen[v / 8] & (1u << (v % 8))) v = j;
            seen[v / 8] |= (unsigned char)(1u << (v % 8));
            idx[k++] = v;
        }
        free(seen);
        qsort(idx, want, sizeof *idx, cmp_size);
    }
    *m = want;
    return idx;
}

double td_gc_rdiff(const td_gc_ctx *c, double *const *ya, double *const *yb)
{
    double acc = 0;
    for (int k = 0; k < c->d.n_out; k++)
        for (size_t i = 0; i < c->nout[k]; i++) acc += c->r[k][i] * (ya[k][i] - yb[k][i]);
    return acc;
}

/* Rounding noise of a difference of the objective: ε max|r_k y_k| / h
 * (float64); for a float32 layer TD_GC_F32_NOISE ε_f max(max|r_k y_k|,
 * moved) / h: its outputs and the sums inside it are rounded to float. */
double td_gc_noise(const td_gc_ctx *c, int obj, double h, double moved)
{
    if (c->d.flags & TD_LAYER_FLOAT32)
        return TD_GC_F32_NOISE * FLT_EPSILON * fmax(fmax(c->scale[obj], moved), DBL_MIN) / h;
    return DBL_EPSILON * fmax(c->scale[obj], DBL_MIN) / h;
}

/* The floor does not grow for h below 1e-5 (float32: below its default
 * 1e-2): a too small step must show its rounding error (the U-curve of
 * --h-sweep), not hide it. */
double td_gc_floor(const td_gc_ctx *c, int obj, double h)
{
    if (c->d.flags & TD_LAYER_FLOAT32)
        return fmax(1e-10, TD_GC_F32_FLOOR * FLT_EPSILON * fmax(c->scale[obj], DBL_MIN) / fmax(h, 1e-2));
    return fmax(1e-10, 1e7 * DBL_EPSILON * fmax(c->scale[obj], DBL_MIN) / fmax(h, 1e-5));
}

double td_gc_floor_moved(const td_gc_ctx *c, double floor, double moved, double h)
{
    if (c->d.flags & TD_LAYER_FLOAT32)
        return fmax(floor, TD_GC_F32_FLOOR * FLT_EPSILON * moved / fmax(h, 1e-2));
    return fmax(floor, 1e8 * DBL_EPSILON * moved / fmax(h, 1e-5));
}
