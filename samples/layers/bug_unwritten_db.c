/* bug_unwritten_db.c — dense layer whose bias-gradient loop stops one
 * short (o < O − 1): the last entry of db is never written.
 * gradcheck: b wrong, "1 entries never written". */
#include "sample_layer.h"

static int backward(void *self, double *const *din, const double *const *dout,
                    const double *const *in, const double *const *out)
{
    const sample_dense *s = self;
    (void)out;
    sample_dense_dx(s, din[0], dout[0], in[1]);
    for (size_t i = 0; i < s->B; i++) {
        for (size_t o = 0; o < s->O; o++)
            for (size_t c = 0; c < s->C; c++)
                din[1][c * s->O + o] += in[0][i * s->C + c] * dout[0][i * s->O + o];
        for (size_t o = 0; o + 1 < s->O; o++) din[2][o] += dout[0][i * s->O + o]; /* BUG: o + 1 < O */
    }
    return 0;
}
SAMPLE_EXPORT("bug_unwritten_db", "dense whose last db entry is never written: in=4,out=3,batch=3",
              sample_dense_create, sample_dense_forward, backward)
