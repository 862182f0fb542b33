/* gc_sums.c — the sums over a layer's outputs that every evaluation of
 * the check pays for, written as four independent lanes so that the
 * compiler runs them as SIMD (a plain sequential sum of doubles cannot
 * be reordered by it):
 *   td_gc_rsum     L = Σ r_k y_k and max_k |r_k y_k|         (the objective)
 *   td_gc_rdiff2   Σ r_k (p_k − y0_k), Σ r_k (y0_k − m_k) and the size
 *                  √Σ (r_k y0_k)² of the terms the steps moved  (a difference)
 * Each lane sums every fourth output in order (the tail into lane 0); the
 * lanes are added at the end ((l0 + l1) + (l2 + l3)), the v4 build and the
 * plain one alike. */
#include <limits.h>
#include <math.h>
#include <stddef.h>

#include "gc_simd.h"
#include "td_gradcheck.h"

static double amax(double a, double b) { return a > b ? a : b; }

#ifdef TD_V4

TD_HOT void td_gc_rsum(size_t n, const double *r, const double *y, double *sum, double *maxabs)
{
    v4 l = { 0, 0, 0, 0 }, mx = { 0, 0, 0, 0 };
    const v4i nosign = { LLONG_MAX, LLONG_MAX, LLONG_MAX, LLONG_MAX }; /* all bits but the sign */
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        v4 t = ld4(r + i) * ld4(y + i);
        l += t;
        v4 at = (v4)((v4i)t & nosign);
        v4i gt = at > mx;
        mx = (v4)(((v4i)at & gt) | ((v4i)mx & ~gt));
    }
    double l0 = l[0], m0 = mx[0];
    for (; i < n; i++) {
        double t = r[i] * y[i];
        l0 += t;
        m0 = amax(m0, fabs(t));
    }
    *sum = (l0 + l[1]) + (l[2] + l[3]);
    *maxabs = amax(amax(m0, mx[1]), amax(mx[2], mx[3]));
}

TD_HOT void td_gc_rdiff2(size_t n, const double *r, const double *y0, const double *p,
                         const double *m, double *up, double *um, double *sq)
{
    v4 a = { 0, 0, 0, 0 }, b = { 0, 0, 0, 0 }, q = { 0, 0, 0, 0 }, zero = { 0, 0, 0, 0 };
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        v4 rv = ld4(r + i), yv = ld4(y0 + i), dp = ld4(p + i) - yv, dm = yv - ld4(m + i), ry = rv * yv;
        a += rv * dp;
        b += rv * dm;
        q += (v4)((v4i)(ry * ry) & ((dp != zero) | (dm != zero)));
    }
    double a0 = a[0], b0 = b[0], q0 = q[0];
    for (; i < n; i++) {
        double dp_ = p[i] - y0[i], dm_ = y0[i] - m[i], ry_ = r[i] * y0[i];
        a0 += r[i] * dp_;
        b0 += r[i] * dm_;
        q0 += (dp_ != 0) | (dm_ != 0) ? ry_ * ry_ : 0.0;
    }
    *up = (a0 + a[1]) + (a[2] + a[3]);
    *um = (b0 + b[1]) + (b[2] + b[3]);
    *sq = (q0 + q[1]) + (q[2] + q[3]);
}
#else
TD_HOT void td_gc_rsum(size_t n, const double *r, const double *y, double *sum, double *maxabs)
{
    double l0 = 0, l1 = 0, l2 = 0, l3 = 0, m0 = 0, m1 = 0, m2 = 0, m3 = 0;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        double t0 = r[i] * y[i], t1 = r[i + 1] * y[i + 1], t2 = r[i + 2] * y[i + 2],
               t3 = r[i + 3] * y[i + 3];
        l0 += t0; l1 += t1; l2 += t2; l3 += t3;
        m0 = amax(m0, fabs(t0)); m1 = amax(m1, fabs(t1));
        m2 = amax(m2, fabs(t2)); m3 = amax(m3, fabs(t3));
    }
    for (; i < n; i++) {
        double t = r[i] * y[i];
        l0 += t;
        m0 = amax(m0, fabs(t));
    }
    *sum = (l0 + l1) + (l2 + l3);
    *maxabs = amax(amax(m0, m1), amax(m2, m3));
}

/* One output's share of td_gc_rdiff2: lane sums a, b, q. */
#define RDIFF_LANE(i, a, b, q)                                                         \
    do {                                                                               \
        double dp_ = p[i] - y0[i], dm_ = y0[i] - m[i], ry_ = r[i] * y0[i];             \
        a += r[i] * dp_;                                                               \
        b += r[i] * dm_;                                                               \
        q += (dp_ != 0) | (dm_ != 0) ? ry_ * ry_ : 0.0;                                \
    } while (0)

TD_HOT void td_gc_rdiff2(size_t n, const double *r, const double *y0, const double *p,
                         const double *m, double *up, double *um, double *sq)
{
    double a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0,
           q0 = 0, q1 = 0, q2 = 0, q3 = 0;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        RDIFF_LANE(i, a0, b0, q0);
        RDIFF_LANE(i + 1, a1, b1, q1);
        RDIFF_LANE(i + 2, a2, b2, q2);
        RDIFF_LANE(i + 3, a3, b3, q3);
    }
    for (; i < n; i++) RDIFF_LANE(i, a0, b0, q0);
    *up = (a0 + a1) + (a2 + a3);
    *um = (b0 + b1) + (b2 + b3);
    *sq = (q0 + q1) + (q2 + q3);
}
#endif
