/* f32_layernorm.c — a CORRECT float32 layernorm written like llm.c's
 * (train_gpt2.c): forward caches mean and rstd per (b,t) position, and
 * backward reads them from that cache instead of recomputing them (the
 * checker calls forward at the same point before every backward, see
 * td_layer.h). x (B,T,C), w (C), b (C) -> y (B,T,C). Keys B, T, C.
 * F32_BUG 1: dbias overwritten (`=` for `+=`); 2: the mean term of dx
 * forgotten. */
#include <math.h>

#include "f32_sample.h"

static void *create(int n, const char *const *k, const char *const *v, td_layer_desc *d,
                    char *err, size_t cap)
{
    f32_layer *s = calloc(1, sizeof *s);
    if (!s) { snprintf(err, cap, "out of memory"); return NULL; }
    s->B = 2; s->T = 3; s->C = 8;
    if (f32_keys(s, "B,T,C", n, k, v, err, cap) != 0) { free(s); return NULL; }
    d->n_in = 3;
    f32_tensor(&d->in[0], "x", TD_T_INPUT, 3, s->B, s->T, s->C);
    f32_tensor(&d->in[1], "w", TD_T_PARAM, 1, s->C, 0, 0);
    f32_tensor(&d->in[2], "b", TD_T_PARAM, 1, s->C, 0, 0);
    d->n_out = 1;
    f32_tensor(&d->out[0], "y", 0, 3, s->B, s->T, s->C);
    if (f32_alloc(s, d, 2, (size_t)s->B * s->T, err, cap) != 0) { f32_free(s); return NULL; }
    return s;
}

static int forward(void *self, float *const *o, const float *const *in)
{
    f32_layer *s = self;
    int B = s->B, T = s->T, C = s->C;
    const float *inp = in[0], *weight = in[1], *bias = in[2];
    float *out = o[0], *mean = s->save[0], *rstd = s->save[1], eps = 1e-5f;
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++) {
            const float *x = inp + b * T * C + t * C;
            float m = 0.0f;
            for (int i = 0; i < C; i++) m += x[i];
            m = m / C;
            float var = 0.0f;
            for (int i = 0; i < C; i++) { float xs = x[i] - m; var += xs * xs; }
            var = var / C;
            float r = 1.0f / sqrtf(var + eps);
            float *out_bt = out + b * T * C + t * C;
            for (int i = 0; i < C; i++) out_bt[i] = (r * (x[i] - m)) * weight[i] + bias[i];
            mean[b * T + t] = m; /* the cache backward reads */
            rstd[b * T + t] = r;
        }
    return 0;
}

static int backward(void *self, float *const *din, const float *const *dout_,
                    const float *const *in, const float *const *out)
{
    f32_layer *s = self;
    int B = s->B, T = s->T, C = s->C;
    const float *inp = in[0], *weight = in[1], *dout = dout_[0];
    float *dinp = din[0], *dweight = din[1], *dbias = din[2];
    const float *mean = s->save[0], *rstd = s->save[1];
    (void)out;
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++) {
            const float *dout_bt = dout + b * T * C + t * C, *inp_bt = inp + b * T * C + t * C;
            float *dinp_bt = dinp + b * T * C + t * C;
            float mean_bt = mean[b * T + t], rstd_bt = rstd[b * T + t];
            float dnorm_mean = 0.0f, dnorm_norm_mean = 0.0f;
            for (int i = 0; i < C; i++) {
                float norm_bti = (inp_bt[i] - mean_bt) * rstd_bt;
                float dnorm_i = weight[i] * dout_bt[i];
                dnorm_mean += dnorm_i;
                dnorm_norm_mean += dnorm_i * norm_bti;
            }
            dnorm_mean = dnorm_mean / C;
            dnorm_norm_mean = dnorm_norm_mean / C;
            for (int i = 0; i < C; i++) {
                float norm_bti = (inp_bt[i] - mean_bt) * rstd_bt;
                float dnorm_i = weight[i] * dout_bt[i];
                if (F32_BUG == 1) dbias[i] = dout_bt[i];
                else dbias[i] += dout_bt[i];
                dweight[i] += norm_bti * dout_bt[i];
                float dval = 0.0f;
                dval += dnorm_i;
                if (F32_BUG != 2) dval -= dnorm_mean;
                dval -= norm_bti * dnorm_norm_mean;
                dval *= rstd_bt;
                dinp_bt[i] += dval;
            }
        }
    return 0;
}

F32_EXPORT("f32_layernorm", "llm.c layernorm in float32, mean/rstd cached: B=2,T=3,C=8", create, forward, backward)
