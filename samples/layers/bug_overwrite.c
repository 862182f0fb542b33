/* bug_overwrite.c — dense layer whose backward ASSIGNS the bias gradient
 * instead of adding to it (db = Σ dy): right values from a zeroed buffer,
 * wrong as soon as gradients accumulate (several uses of the layer, or
 * micro-batches). gradcheck: b wrong, "overwrites instead of adding". */
#include "sample_layer.h"

static int backward(void *self, double *const *din, const double *const *dout,
                    const double *const *in, const double *const *out)
{
    const sample_dense *s = self;
    (void)out;
    sample_dense_dx(s, din[0], dout[0], in[1]);
    for (size_t o = 0; o < s->O; o++) {
        double db = 0;
        for (size_t i = 0; i < s->B; i++) {
            for (size_t c = 0; c < s->C; c++)
                din[1][c * s->O + o] += in[0][i * s->C + c] * dout[0][i * s->O + o];
            db += dout[0][i * s->O + o];
        }
        din[2][o] = db; /* BUG: = instead of += */
    }
    return 0;
}
SAMPLE_EXPORT("bug_overwrite", "dense whose db overwrites instead of adding: in=4,out=3,batch=3",
              sample_dense_create, sample_dense_forward, backward)
