/* bad_modifies_input.c — a ReLU whose backward uses its input buffer as
 * scratch (casting const away): x is overwritten with the mask.
 * gradcheck: "backward modified its input x". */
#include "sample_layer.h"

static int backward(void *self, double *const *din, const double *const *dout,
                    const double *const *in, const double *const *out)
{
    const sample_dense *s = self;
    double *x = (double *)in[0]; /* BUG: writes into a read-only input */
    (void)out;
    for (size_t i = 0; i < s->B * s->C; i++) {
        x[i] = x[i] > 0;
        din[0][i] += x[i] * dout[0][i];
    }
    return 0;
}
SAMPLE_EXPORT("bad_modifies_input", "ReLU whose backward overwrites x: batch=2,n=8",
              sample_elementwise_create, sample_relu_forward, backward)
