/* bug_leaky_alpha.c — leaky ReLU (alpha = 0.01) whose backward forgets
 * alpha: dx = dy for x > 0 and 0 otherwise, a zero slope on one side of
 * the kink. Those entries ARE written (with 0): gradcheck says x wrong:
 * zero on one branch, not "entries never written". */
#include "sample_layer.h"

static int forward(void *self, double *const *out, const double *const *in)
{
    const sample_dense *s = self;
    for (size_t i = 0; i < s->B * s->C; i++) out[0][i] = in[0][i] > 0 ? in[0][i] : 0.01 * in[0][i];
    return 0;
}

static int backward(void *self, double *const *din, const double *const *dout,
                    const double *const *in, const double *const *out)
{
    const sample_dense *s = self;
    (void)out;
    for (size_t i = 0; i < s->B * s->C; i++)
        din[0][i] += in[0][i] > 0 ? dout[0][i] : 0; /* BUG: 0.01 * dout[0][i] */
    return 0;
}
SAMPLE_EXPORT("bug_leaky_alpha", "leaky ReLU with alpha forgotten in backward: batch=2,n=8",
              sample_elementwise_create, forward, backward)
