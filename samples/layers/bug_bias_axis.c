/* bug_bias_axis.c — dense layer that sums the bias gradient over the
 * wrong axis: db[o] += Σ_j dy[o mod B, j] (a row of dy) instead of
 * Σ_i dy[i, o] (a column). gradcheck: b wrong. */
#include "sample_layer.h"

static int backward(void *self, double *const *din, const double *const *dout,
                    const double *const *in, const double *const *out)
{
    const sample_dense *s = self;
    (void)out;
    sample_dense_dx(s, din[0], dout[0], in[1]);
    for (size_t i = 0; i < s->B; i++)
        for (size_t o = 0; o < s->O; o++)
            for (size_t c = 0; c < s->C; c++)
                din[1][c * s->O + o] += in[0][i * s->C + c] * dout[0][i * s->O + o];
    for (size_t o = 0; o < s->O; o++)
        for (size_t j = 0; j < s->O; j++) din[2][o] += dout[0][(o % s->B) * s->O + j]; /* BUG */
    return 0;
}
SAMPLE_EXPORT("bug_bias_axis", "dense with db summed over the wrong axis: in=4,out=3,batch=3",
              sample_dense_create, sample_dense_forward, backward)
