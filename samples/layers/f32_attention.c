/* f32_attention.c — a CORRECT causal self-attention in float32 written
 * like llm.c's attention_forward/backward: forward keeps att (B,NH,T,T)
 * for backward. inp (B,T,3C) holding Q,K,V -> out (B,T,C). Keys B, T, C,
 * NH (C a multiple of NH). F32_BUG 1: the 1/√hs scale forgotten in the
 * query/key gradients. */
#include <math.h>

#include "f32_sample.h"

static void *create(int n, const char *const *k, const char *const *v, td_layer_desc *d,
                    char *err, size_t cap)
{
    f32_layer *s = calloc(1, sizeof *s);
    if (!s) { snprintf(err, cap, "out of memory"); return NULL; }
    s->B = 1; s->T = 4; s->C = 8; s->NH = 2;
    if (f32_keys(s, "B,T,C,NH", n, k, v, err, cap) != 0) { free(s); return NULL; }
    if (s->C % s->NH) {
        snprintf(err, cap, "C=%d is not a multiple of NH=%d", s->C, s->NH);
        free(s);
        return NULL;
    }
    d->n_in = 1;
    f32_tensor(&d->in[0], "inp", TD_T_INPUT, 3, s->B, s->T, 3 * (size_t)s->C);
    d->n_out = 1;
    f32_tensor(&d->out[0], "out", 0, 3, s->B, s->T, s->C);
    size_t att = (size_t)s->B * s->NH * s->T * s->T;
    /* save[0]: att; save[1]: datt and dpreatt scratch for backward */
    if (f32_alloc(s, d, 2, 2 * att, err, cap) != 0) { f32_free(s); return NULL; }
    return s;
}

static int forward(void *self, float *const *o, const float *const *in)
{
    f32_layer *s = self;
    int B = s->B, T = s->T, C = s->C, NH = s->NH, C3 = 3 * C, hs = C / NH;
    const float *inp = in[0];
    float *out = o[0], scale = 1.0f / sqrtf((float)hs);
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++)
            for (int h = 0; h < NH; h++) {
                const float *query_t = inp + b * T * C3 + t * C3 + h * hs;
                float *att_bth = s->save[0] + b * NH * T * T + h * T * T + t * T, maxval = -10000.0f;
                for (int t2 = 0; t2 <= t; t2++) {
                    const float *key_t2 = inp + b * T * C3 + t2 * C3 + h * hs + C;
                    float val = 0.0f;
                    for (int i = 0; i < hs; i++) val += query_t[i] * key_t2[i];
                    val *= scale;
                    if (val > maxval) maxval = val;
                    att_bth[t2] = val;
                }
                float expsum = 0.0f;
                for (int t2 = 0; t2 <= t; t2++) { att_bth[t2] = expf(att_bth[t2] - maxval); expsum += att_bth[t2]; }
                float inv = expsum == 0.0f ? 0.0f : 1.0f / expsum;
                for (int t2 = 0; t2 < T; t2++) att_bth[t2] = t2 <= t ? att_bth[t2] * inv : 0.0f;
                float *out_bth = out + b * T * C + t * C + h * hs;
                for (int i = 0; i < hs; i++) out_bth[i] = 0.0f;
                for (int t2 = 0; t2 <= t; t2++) {
                    const float *value_t2 = inp + b * T * C3 + t2 * C3 + h * hs + 2 * C;
                    for (int i = 0; i < hs; i++) out_bth[i] += att_bth[t2] * value_t2[i];
                }
            }
    return 0;
}

static int backward(void *self, float *const *din, const float *const *dout_,
                    const float *const *in, const float *const *out)
{
    f32_layer *s = self;
    int B = s->B, T = s->T, C = s->C, NH = s->NH, C3 = 3 * C, hs = C / NH;
    size_t natt = (size_t)B * NH * T * T;
    const float *inp = in[0], *dout = dout_[0], *att = s->save[0];
    float *dinp = din[0], *datt = s->save[1], *dpreatt = s->save[1] + natt;
    float scale = F32_BUG == 1 ? 1.0f : 1.0f / sqrtf((float)hs);
    (void)out;
    memset(s->save[1], 0, 2 * natt * sizeof(float)); /* llm.c zeroes its grads first */
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++)
            for (int h = 0; h < NH; h++) {
                const float *att_bth = att + b * NH * T * T + h * T * T + t * T;
                float *datt_bth = datt + b * NH * T * T + h * T * T + t * T;
                float *dpreatt_bth = dpreatt + b * NH * T * T + h * T * T + t * T;
                float *dquery_t = dinp + b * T * C3 + t * C3 + h * hs;
                const float *query_t = inp + b * T * C3 + t * C3 + h * hs;
                const float *dout_bth = dout + b * T * C + t * C + h * hs;
                for (int t2 = 0; t2 <= t; t2++) {
                    const float *value_t2 = inp + b * T * C3 + t2 * C3 + h * hs + 2 * C;
                    float *dvalue_t2 = dinp + b * T * C3 + t2 * C3 + h * hs + 2 * C;
                    for (int i = 0; i < hs; i++) {
                        datt_bth[t2] += value_t2[i] * dout_bth[i];
                        dvalue_t2[i] += att_bth[t2] * dout_bth[i];
                    }
                }
                for (int t2 = 0; t2 <= t; t2++)
                    for (int t3 = 0; t3 <= t; t3++) {
                        float indicator = t2 == t3 ? 1.0f : 0.0f;
                        dpreatt_bth[t3] += att_bth[t2] * (indicator - att_bth[t3]) * datt_bth[t2];
                    }
                for (int t2 = 0; t2 <= t; t2++) {
                    const float *key_t2 = inp + b * T * C3 + t2 * C3 + h * hs + C;
                    float *dkey_t2 = dinp + b * T * C3 + t2 * C3 + h * hs + C;
                    for (int i = 0; i < hs; i++) {
                        dquery_t[i] += key_t2[i] * dpreatt_bth[t2] * scale;
                        dkey_t2[i] += query_t[i] * dpreatt_bth[t2] * scale;
                    }
                }
            }
    return 0;
}

F32_EXPORT("f32_attention", "llm.c causal attention in float32, att cached: B=1,T=4,C=8,NH=2", create,
           forward, backward)
