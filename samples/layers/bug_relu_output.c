/* bug_relu_output.c — ReLU whose backward takes its mask from the output
 * with y >= 0, which is always true: the gradient leaks through units
 * that are off. gradcheck: x wrong. */
#include "sample_layer.h"

static int backward(void *self, double *const *din, const double *const *dout,
                    const double *const *in, const double *const *out)
{
    const sample_dense *s = self;
    (void)in;
    for (size_t i = 0; i < s->B * s->C; i++)
        din[0][i] += out[0][i] >= 0 ? dout[0][i] : 0; /* BUG: y >= 0 holds everywhere */
    return 0;
}
SAMPLE_EXPORT("bug_relu_output", "ReLU with the mask taken at 0 from the output: batch=2,n=8",
              sample_elementwise_create, sample_relu_forward, backward)
