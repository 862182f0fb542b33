/* bad_hang_forward.c — a dense layer whose forward never returns (a loop
 * whose exit condition never becomes true). gradcheck: "hung in forward",
 * exit 3, after --timeout seconds. */
#include "sample_layer.h"

static int forward(void *self, double *const *out, const double *const *in)
{
    volatile int done = 0;
    while (!done) {} /* BUG: nothing sets done */
    return sample_dense_forward(self, out, in);
}

static int backward(void *self, double *const *din, const double *const *dout,
                    const double *const *in, const double *const *out)
{
    (void)self; (void)din; (void)dout; (void)in; (void)out;
    return 0;
}
SAMPLE_EXPORT("bad_hang_forward", "dense whose forward never returns: in=4,out=3,batch=3",
              sample_dense_create, forward, backward)
