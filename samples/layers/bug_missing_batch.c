/* bug_missing_batch.c — least-squares loss L = 1/(2B) Σ_b (x_b·w − t_b)²
 * whose weight gradient forgets the 1/B of the mean: dw = Σ_b e_b x_b.
 * gradcheck: w wrong, "constant factor B" (analytic = B × numerical). */
#include "sample_layer.h"

static void *create(int n, const char *const *k, const char *const *v, td_layer_desc *d,
                    char *err, size_t cap)
{
    sample_dense *s = sample_dense_create(n, k, v, d, err, cap);
    if (!s) return NULL;
    d->n_in = 3; /* x (B,C), w (C), t (B) -> loss () */
    d->in[1].rank = 1; d->in[1].shape[0] = s->C; strcpy(d->in[1].name, "w");
    strcpy(d->in[2].name, "t"); d->in[2].kind = TD_T_INPUT; d->in[2].shape[0] = s->B;
    d->out[0].rank = 0; strcpy(d->out[0].name, "loss");
    return s;
}

static double residual(const sample_dense *s, const double *const *in, size_t b)
{
    double e = -in[2][b];
    for (size_t c = 0; c < s->C; c++) e += in[0][b * s->C + c] * in[1][c];
    return e;
}

static int forward(void *self, double *const *out, const double *const *in)
{
    const sample_dense *s = self;
    double acc = 0;
    for (size_t b = 0; b < s->B; b++) acc += residual(s, in, b) * residual(s, in, b);
    out[0][0] = acc / (2.0 * (double)s->B);
    return 0;
}

static int backward(void *self, double *const *din, const double *const *dout,
                    const double *const *in, const double *const *out)
{
    const sample_dense *s = self;
    (void)out;
    for (size_t b = 0; b < s->B; b++) {
        double e = residual(s, in, b), g = dout[0][0] * e / (double)s->B;
        for (size_t c = 0; c < s->C; c++) {
            din[0][b * s->C + c] += g * in[1][c];
            din[1][c] += dout[0][0] * e * in[0][b * s->C + c]; /* BUG: no / B */
        }
        din[2][b] -= g;
    }
    return 0;
}
SAMPLE_EXPORT("bug_missing_batch", "least squares with dw missing 1/batch: in=4,batch=3",
              create, forward, backward)
