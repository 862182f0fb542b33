/* bug_transposed_dw.c — dense layer that writes its weight gradient in
 * (O,C) order into the (C,O) buffer: dW[o][c] instead of dW[c][o].
 * gradcheck: W wrong, "transposed indexing". */
#include "sample_layer.h"

static int backward(void *self, double *const *din, const double *const *dout,
                    const double *const *in, const double *const *out)
{
    const sample_dense *s = self;
    (void)out;
    sample_dense_dx(s, din[0], dout[0], in[1]);
    for (size_t i = 0; i < s->B; i++)
        for (size_t o = 0; o < s->O; o++) {
            for (size_t c = 0; c < s->C; c++)
                din[1][o * s->C + c] += in[0][i * s->C + c] * dout[0][i * s->O + o]; /* BUG: o*C+c */
            din[2][o] += dout[0][i * s->O + o];
        }
    return 0;
}
SAMPLE_EXPORT("bug_transposed_dw", "dense with dW stored transposed: in=4,out=3,batch=3",
              sample_dense_create, sample_dense_forward, backward)
