/* bug_softmax_ce_label.c — mean softmax cross-entropy whose gradient is
 * p/B without the −1 at the label. gradcheck: x wrong. */
#include <math.h>

#include "sample_layer.h"

static void *create(int n, const char *const *k, const char *const *v, td_layer_desc *d,
                    char *err, size_t cap)
{
    sample_dense *s = sample_elementwise_create(n, k, v, d, err, cap);
    if (!s) return NULL;
    d->n_in = 2; /* x (B,C), labels (B) -> loss () */
    strcpy(d->in[1].name, "labels"); d->in[1].rank = 1; d->in[1].shape[0] = s->B;
    d->in[1].flags = TD_T_INDEX; d->in[1].index_range = (long)s->C;
    d->out[0].rank = 0; strcpy(d->out[0].name, "loss");
    return s;
}

static void probs(const double *x, size_t C, double *p)
{
    double mx = x[0], sum = 0;
    for (size_t c = 1; c < C; c++) mx = x[c] > mx ? x[c] : mx;
    for (size_t c = 0; c < C; c++) sum += p[c] = exp(x[c] - mx);
    for (size_t c = 0; c < C; c++) p[c] /= sum;
}

static int forward(void *self, double *const *out, const double *const *in)
{
    const sample_dense *s = self;
    double p[4096], loss = 0;
    for (size_t b = 0; b < s->B; b++) {
        probs(in[0] + b * s->C, s->C, p);
        loss -= log(p[(size_t)in[1][b]]);
    }
    out[0][0] = loss / (double)s->B;
    return 0;
}

static int backward(void *self, double *const *din, const double *const *dout,
                    const double *const *in, const double *const *out)
{
    const sample_dense *s = self;
    double p[4096];
    (void)out;
    for (size_t b = 0; b < s->B; b++) {
        probs(in[0] + b * s->C, s->C, p);
        for (size_t c = 0; c < s->C; c++)
            din[0][b * s->C + c] += dout[0][0] * p[c] / (double)s->B; /* BUG: no −1 at the label */
    }
    return 0;
}
SAMPLE_EXPORT("bug_softmax_ce_label", "softmax-CE missing the -1 at the label: batch=2,n=8 (n classes)",
              create, forward, backward)
