/* gc_kink.c — the verdict of one element, kinks included (seed 003 bands).
 *
 * A centered difference across a non-differentiable point (ReLU at 0, a
 * max tie, a hinge margin) disagrees with any analytic value. Such an
 * element shows it in its one-sided slopes d− = (L(x) − L(x−h))/h and
 * d+ = (L(x+h) − L(x))/h: they differ by a jump, and the analytic value
 * (the derivative on the side where x lies) sits at one end of [d−, d+].
 * For a smooth function the two differ by only h·L'' and the analytic
 * value sits in the middle; a wrong gradient sits near neither end.
 * A kink element is "kink" (not an error) when the analytic value is a
 * subgradient: it lies between d− and d+. The layer's kink_distance hint,
 * when given, decides whether x ± h straddles a kink at all. */
#include <math.h>

#include "td_gradcheck.h"

td_gc_verdict td_gc_classify(double a, double n, double dm, double dp, double err,
                             double noise, double hint, double h, int *is_kink)
{
    *is_kink = 0;
    if (err <= 1e-7) return TD_GC_CORRECT;
    double jump = fabs(dp - dm), lo = fmin(dm, dp), hi = fmax(dm, dp);
    double near = fmin(fabs(a - dm), fabs(a - dp));
    int straddles;
    if (hint >= 0) straddles = hint <= 2 * h;       /* the layer knows */
    else straddles = jump > 4 * noise && near <= 0.25 * jump;
    if (straddles) {
        *is_kink = 1;
        double tol = 1e-7 * fmax(fabs(lo), fabs(hi)) + 4 * noise;
        return a >= lo - tol && a <= hi + tol ? TD_GC_KINK : TD_GC_WRONG;
    }
    (void)n;
    return err > 1e-2 ? TD_GC_WRONG : TD_GC_SUSPICIOUS;
}
