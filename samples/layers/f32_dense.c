/* f32_dense.c — a CORRECT dense layer that computes in float32 and wraps
 * itself for the double ABI (converts on entry and exit), saying so with
 * TD_LAYER_FLOAT32. gradcheck reports "precision float32", raises the
 * default step to 1e-2 and explains that float32 rounding alone gives
 * relative errors of 1e-5..1e-2 (seed 003: check in double precision). */
#include "sample_layer.h"

static void *create(int n, const char *const *k, const char *const *v, td_layer_desc *d,
                    char *err, size_t cap)
{
    void *s = sample_dense_create(n, k, v, d, err, cap);
    if (s) d->flags |= TD_LAYER_FLOAT32;
    return s;
}

// y = x W + b accumulated in float
static int forward(void *self, double *const *out, const double *const *in)
{
    const sample_dense *s = self;
    for (size_t i = 0; i < s->B; i++)
        for (size_t o = 0; o < s->O; o++) {
            float acc = (float)in[2][o];
            for (size_t c = 0; c < s->C; c++) acc += (float)in[0][i * s->C + c] * (float)in[1][c * s->O + o];
            out[0][i * s->O + o] = acc;
        }
    return 0;
}

static int backward(void *self, double *const *din, const double *const *dout,
                    const double *const *in, const double *const *out)
{
    const sample_dense *s = self;
    (void)out;
    for (size_t i = 0; i < s->B; i++)
        for (size_t o = 0; o < s->O; o++) {
            float g = (float)dout[0][i * s->O + o];
            for (size_t c = 0; c < s->C; c++) {
                din[0][i * s->C + c] += (float)(g * (float)in[1][c * s->O + o]);
                din[1][c * s->O + o] += (float)(g * (float)in[0][i * s->C + c]);
            }
            din[2][o] += g;
        }
    return 0;
}
SAMPLE_EXPORT("f32_dense", "dense computed in float32: in=4,out=3,batch=3", create, forward, backward)
