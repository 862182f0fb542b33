/* bad_nondeterministic.c — a dense layer whose forward adds noise from a
 * counter it keeps between calls (like an unseeded dropout or augmenter).
 * gradcheck: "not deterministic: ... fix its seed or turn dropout off". */
#include "sample_layer.h"

typedef struct { sample_dense d; unsigned calls; } noisy;

static void *create(int n, const char *const *k, const char *const *v, td_layer_desc *d,
                    char *err, size_t cap)
{
    sample_dense *s = sample_dense_create(n, k, v, d, err, cap);
    noisy *z = s ? calloc(1, sizeof *z) : NULL;
    if (z) { z->d = *s; d->flags = 0; }
    free(s);
    return z;
}

static int forward(void *self, double *const *out, const double *const *in)
{
    noisy *z = self;
    sample_dense_forward(&z->d, out, in);
    out[0][0] += 1e-6 * (double)(z->calls++ % 3); /* BUG: state changes the output */
    return 0;
}

static int backward(void *self, double *const *din, const double *const *dout,
                    const double *const *in, const double *const *out)
{
    const sample_dense *s = &((noisy *)self)->d;
    (void)out;
    sample_dense_dx(s, din[0], dout[0], in[1]);
    for (size_t i = 0; i < s->B; i++)
        for (size_t o = 0; o < s->O; o++) {
            for (size_t c = 0; c < s->C; c++)
                din[1][c * s->O + o] += in[0][i * s->C + c] * dout[0][i * s->O + o];
            din[2][o] += dout[0][i * s->O + o];
        }
    return 0;
}
SAMPLE_EXPORT("bad_nondeterministic", "dense with call-dependent output: in=4,out=3,batch=3",
              create, forward, backward)
