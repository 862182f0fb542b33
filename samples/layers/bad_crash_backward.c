/* bad_crash_backward.c — a dense layer whose backward indexes its
 * gradient buffer far out of bounds (a stride multiplied twice).
 * gradcheck: "crashed with SIGSEGV ... in backward", exit 3. */
#include "sample_layer.h"

static int backward(void *self, double *const *din, const double *const *dout,
                    const double *const *in, const double *const *out)
{
    const sample_dense *s = self;
    (void)in; (void)out;
    size_t stride = s->C * 1000000000u; /* BUG: an element stride taken for a byte stride, twice */
    for (size_t i = 0; i < s->B; i++) din[0][i * stride * stride + 1] += dout[0][i];
    return 0;
}
SAMPLE_EXPORT("bad_crash_backward", "dense whose backward dereferences NULL: in=4,out=3,batch=3",
              sample_dense_create, sample_dense_forward, backward)
