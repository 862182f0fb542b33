/* bug_maxpool_argmax.c — 1-D max pooling over windows of 4 (x (B,N) ->
 * y (B,N/4)) whose backward, in the last window of each row (a tail loop
 * written apart), looks for the argmax from the window's second element:
 * where that window's max is its first element the gradient goes to the
 * wrong place. A handful of elements out of B·N are wrong, so a check on a
 * sample misses them; --fast must localise its disagreeing direction
 * instead (gradcheck: x wrong). Keys batch, n (n a multiple of 4). */
#include "sample_layer.h"

static void *create(int n, const char *const *k, const char *const *v, td_layer_desc *d, char *err,
                    size_t cap)
{
    sample_dense *s = sample_elementwise_create(n, k, v, d, err, cap);
    if (s && s->C % 4) {
        snprintf(err, cap, "n=%zu is not a multiple of 4", s->C);
        free(s);
        return NULL;
    }
    if (s) d->out[0].shape[1] = s->C / 4;
    return s;
}

static int forward(void *self, double *const *out, const double *const *in)
{
    const sample_dense *s = self;
    for (size_t w = 0; w < s->B * s->C / 4; w++) {
        const double *x = in[0] + 4 * w;
        double m = x[0];
        for (int j = 1; j < 4; j++) if (x[j] > m) m = x[j];
        out[0][w] = m;
    }
    return 0;
}

static int backward(void *self, double *const *din, const double *const *dout,
                    const double *const *in, const double *const *out)
{
    const sample_dense *s = self;
    (void)out;
    for (size_t w = 0; w < s->B * s->C / 4; w++) {
        const double *x = in[0] + 4 * w;
        int tail = (w + 1) % (s->C / 4) == 0;
        int best = tail; /* BUG: the tail window's argmax starts at its second element */
        for (int j = best + 1; j < 4; j++) if (x[j] > x[best]) best = j;
        din[0][4 * w + best] += dout[0][w];
    }
    return 0;
}
SAMPLE_EXPORT("bug_maxpool_argmax", "1-D max pool (window 4), tail window argmax from its 2nd element: batch=2,n=8",
              create, forward, backward)
