/* gc_element.c — judging the elements of one tensor: centered differences
 * at the check's step, each element's relative error against the floor,
 * its verdict (kinks included, gc_kink.c), the re-measures that settle it
 * (a step short of a hinted kink, h/10 for a float32 kink without a hint,
 * Richardson at h/2 for a float32 element over 1e-2), the row's counts,
 * failing elements and worst element, and the bug the row fits. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "td_gradcheck.h"

void td_gc_row_init(const td_gc_ctx *c, int t, int obj, td_gc_row *row)
{
    memset(row, 0, sizeof *row);
    char safe[TD_NAME_MAX];
    td_safe_text(safe, sizeof safe, c->d.in[t].name);
    snprintf(row->name, sizeof row->name, "%s%s", safe, obj ? " (reg)" : "");
    row->kind = c->d.in[t].kind;
    row->rank = c->d.in[t].rank;
    memcpy(row->shape, c->d.in[t].shape, sizeof row->shape);
    row->numel = c->nin[t];
    row->tensor = t;
    row->obj = obj;
    row->h = c->h;
}


/* Re-check element i with a step h2 that does not reach the kink: the
 * verdict of a smooth element (TD_GC_CORRECT becomes TD_GC_KINK). */
static td_code recheck_inside(td_gc_ctx *c, int obj, int t, size_t i, double a, double h2,
                              double floor, td_gc_verdict *v, td_err *e)
{
    double n, dm, dp, moved;
    td_code rc = td_gc_numeric(c, obj, t, &i, 1, h2, &n, &dm, &dp, &moved, e);
    if (rc != TD_OK) return rc;
    double err = td_rel_error(a, n, td_gc_floor_moved(c, floor, moved, h2));
    int kink;
    *v = td_gc_classify(a, n, dm, dp, err, td_gc_noise(c, obj, h2, moved), INFINITY, h2, &kink);
    if (*v == TD_GC_CORRECT) *v = TD_GC_KINK;
    return TD_OK;
}

/* A float32 element judged wrong at h: measure it again at h/2 and judge
 * the Richardson value (4 n(h/2) − n(h)) / 3, free of the O(h²)
 * truncation a large step makes, against the floor of the h/2 step
 * (its noise is 4/3 of that step's plus 1/3 of h's: 1.5x). */
static td_code richardson(td_gc_ctx *c, int obj, int t, size_t i, double a, double n1,
                          double floor, double *n, double *err, td_gc_verdict *v, td_err *e)
{
    double n2, dm, dp, moved, h2 = c->h / 2;
    td_code rc = td_gc_numeric(c, obj, t, &i, 1, h2, &n2, &dm, &dp, &moved, e);
    if (rc != TD_OK) return rc;
    double nr = (4 * n2 - n1) / 3;
    double er = td_rel_error(a, nr, 1.5 * td_gc_floor_moved(c, 2 * floor, moved, h2));
    if (er < *err) { *err = er; *n = nr; }
    *v = *err > 1e-2 ? TD_GC_WRONG : *err > 1e-7 ? TD_GC_SUSPICIOUS : TD_GC_CORRECT;
    return TD_OK;
}

/* Re-measure element i at h/10 and classify it there (no hint). The
 * one-sided slopes tell a smooth element from a real kink: a smooth one's
 * jump h·L'' shrinks with the step (to ~1/10), a kink's does not shrink
 * at all while the smaller step still straddles it, and vanishes once the
 * step stays short of it. So: still straddling -> the kink verdict at h
 * stands; jump gone (< 1/20 of it, above the noise) -> a kink the smaller
 * step avoids, judged there like recheck_inside; else smooth -> judged at
 * h/10 and not a kink. dm1/dp1: the slopes at h. */
static td_code smaller_step(td_gc_ctx *c, int obj, int t, size_t i, double a, double floor,
                            double dm1, double dp1, double *n, double *err, td_gc_verdict *v,
                            int *kink, td_err *e)
{
    double n2, dm, dp, moved, h2 = c->h / 10;
    td_code rc = td_gc_numeric(c, obj, t, &i, 1, h2, &n2, &dm, &dp, &moved, e);
    if (rc != TD_OK) return rc;
    double e2 = td_rel_error(a, n2, td_gc_floor_moved(c, floor, moved, h2));
    double noise2 = td_gc_noise(c, obj, h2, moved);
    int k2;
    td_gc_verdict v2 = td_gc_classify(a, n2, dm, dp, e2, noise2, -1, h2, &k2);
    if (k2) return TD_OK;
    double j1 = fabs(dp1 - dm1), j2 = fabs(dp - dm);
    int avoided = j2 < j1 / 20 && j1 > 40 * noise2;
    *err = e2;
    *n = n2;
    *kink = avoided;
    *v = avoided && v2 == TD_GC_CORRECT ? TD_GC_KINK : v2;
    return TD_OK;
}

td_code td_gc_check_tensor(td_gc_ctx *c, int obj, int t, const size_t *idx, size_t m,
                           td_gc_row *row, td_err *e)
{
    double *buf = malloc(5 * (m ? m : 1) * sizeof(double));
    if (!buf) return td_fail(e, TD_ENOMEM, "out of memory");
    double *n = buf, *dm = buf + m, *dp = buf + 2 * m, *a = buf + 3 * m, *moved = buf + 4 * m;
    td_code rc = td_gc_numeric(c, obj, t, idx, m, c->h, n, dm, dp, moved, e);
    if (rc != TD_OK) { free(buf); return rc; }
    double floor = td_gc_floor(c, obj, c->h);
    row->checked = m;
    row->verdict = TD_GC_CORRECT;
    row->max_err = 0;
    int have_worst = 0;
    for (size_t q = 0; q < m; q++) {
        a[q] = c->g[obj][t][idx[q]];
        double err = td_rel_error(a[q], n[q], td_gc_floor_moved(c, floor, moved[q], c->h));
        int kink;
        double hint = td_gc_kink_hint(c, t, idx[q]);
        td_gc_verdict v = td_gc_classify(a[q], n[q], dm[q], dp[q], err,
                                         td_gc_noise(c, obj, c->h, moved[q]), hint, c->h, &kink);
        if (kink && hint < 0 && (c->d.flags & TD_LAYER_FLOAT32)) {
            /* a float32 kink without the layer's word: at h/10 a smooth
             * element loses its truncation (100x) and its look of a kink */
            rc = smaller_step(c, obj, t, idx[q], a[q], floor, dm[q], dp[q], &n[q], &err, &v, &kink, e);
            if (rc != TD_OK) { free(buf); return rc; }
        }
        if (!kink && v == TD_GC_WRONG && (c->d.flags & TD_LAYER_FLOAT32)) {
            rc = richardson(c, obj, t, idx[q], a[q], n[q], floor, &n[q], &err, &v, e);
            if (rc != TD_OK) { free(buf); return rc; }
        }
        if (kink && hint > 1e-8 && hint <= 2 * c->h) {
            /* the layer says where the kink is: a step of half that distance
             * stays on x's side, where the analytic value must be exact */
            rc = recheck_inside(c, obj, t, idx[q], a[q], hint / 2, floor, &v, e);
            if (rc != TD_OK) { free(buf); return rc; }
        }
        if (kink) row->kinks++;
        else {
            static const double edge[3] = { 1e-7, 1e-4, 1e-2 };
            for (int b = 0; b < 3; b++) row->over[b] += err > edge[b];
            row->max_abs = fmax(row->max_abs, fabs(a[q] - n[q]));
        }
        row->scale = fmax(row->scale, fmax(fabs(a[q]), fabs(n[q])));
        if (n[q] == 0 && moved[q] == 0 && a[q] != 0) row->unresolved++;
        if ((!kink && err > 1e-4) || v == TD_GC_WRONG) {
            if (row->nfail < TD_GC_ROW_FAILS) {
                row->fail[row->nfail].i = idx[q];
                row->fail[row->nfail].a = a[q];
                row->fail[row->nfail].n = n[q];
                row->fail[row->nfail].err = err;
            }
            row->nfail++;
        }
        /* the worst element: a wrong one first, else the largest non-kink error */
        int worse = !have_worst || (v == TD_GC_WRONG && row->verdict != TD_GC_WRONG)
                    || (!kink && err > row->max_err && !(row->verdict == TD_GC_WRONG && v != TD_GC_WRONG));
        if (!kink) row->max_err = fmax(row->max_err, err);
        if (v > row->verdict && v != TD_GC_KINK) row->verdict = v;
        if (worse) {
            have_worst = 1;
            row->worst = idx[q];
            row->worst_a = a[q];
            row->worst_n = n[q];
        }
    }
    if (row->verdict != TD_GC_CORRECT)
        row->bug = td_gc_diagnose(a, n, idx, m, row->rank, row->shape, &row->factor, &row->bug_count);
    free(buf);
    return TD_OK;
}
