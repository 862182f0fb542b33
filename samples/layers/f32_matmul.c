/* f32_matmul.c — a CORRECT float32 matmul written like llm.c's: the
 * forward is tiled by 8 rows when B·T is a multiple of 8 and naive
 * otherwise; inp (B,T,C), weight (OC,C), bias (OC) -> out (B,T,OC).
 * Keys B, T, C, OC. F32_BUG 1: dweight written transposed (a (C,OC)
 * layout into the (OC,C) buffer); 2: dinp skips the rows after the last
 * full tile of 8 (entries never written when B·T is not a multiple of 8). */
#include "f32_sample.h"

static void *create(int n, const char *const *k, const char *const *v, td_layer_desc *d,
                    char *err, size_t cap)
{
    f32_layer *s = calloc(1, sizeof *s);
    if (!s) { snprintf(err, cap, "out of memory"); return NULL; }
    s->B = 2; s->T = 5; s->C = 8; s->OC = 6;
    if (f32_keys(s, "B,T,C,OC", n, k, v, err, cap) != 0) { free(s); return NULL; }
    d->n_in = 3;
    f32_tensor(&d->in[0], "inp", TD_T_INPUT, 3, s->B, s->T, s->C);
    f32_tensor(&d->in[1], "weight", TD_T_PARAM, 2, s->OC, s->C, 0);
    f32_tensor(&d->in[2], "bias", TD_T_PARAM, 1, s->OC, 0, 0);
    d->n_out = 1;
    f32_tensor(&d->out[0], "out", 0, 3, s->B, s->T, s->OC);
    if (f32_alloc(s, d, 0, 0, err, cap) != 0) { f32_free(s); return NULL; }
    return s;
}

static int forward(void *self, float *const *o, const float *const *in)
{
    const f32_layer *s = self;
    int BT = s->B * s->T, C = s->C, OC = s->OC;
    const float *inp = in[0], *weight = in[1], *bias = in[2];
    float *out = o[0];
    if (BT % 8 != 0) { /* llm.c's matmul_forward_naive */
        for (int bt = 0; bt < BT; bt++)
            for (int oc = 0; oc < OC; oc++) {
                float val = bias[oc];
                for (int i = 0; i < C; i++) val += inp[bt * C + i] * weight[oc * C + i];
                out[bt * OC + oc] = val;
            }
        return 0;
    }
    for (int obt = 0; obt < BT; obt += 8) /* the tiled loop */
        for (int oc = 0; oc < OC; oc++) {
            float result[8];
            for (int ibt = 0; ibt < 8; ibt++) result[ibt] = bias[oc];
            for (int i = 0; i < C; i++) {
                float w = weight[i + oc * C];
                for (int ibt = 0; ibt < 8; ibt++) result[ibt] += inp[(obt + ibt) * C + i] * w;
            }
            for (int ibt = 0; ibt < 8; ibt++) out[(obt + ibt) * OC + oc] = result[ibt];
        }
    return 0;
}

static int backward(void *self, float *const *din, const float *const *dout_,
                    const float *const *in, const float *const *out)
{
    const f32_layer *s = self;
    int BT = s->B * s->T, C = s->C, OC = s->OC;
    const float *inp = in[0], *weight = in[1], *dout = dout_[0];
    float *dinp = din[0], *dweight = din[1], *dbias = din[2];
    (void)out;
    int rows = F32_BUG == 2 ? BT - BT % 8 : BT;
    for (int bt = 0; bt < rows; bt++)
        for (int oc = 0; oc < OC; oc++) {
            float d = dout[bt * OC + oc];
            for (int i = 0; i < C; i++) dinp[bt * C + i] += weight[oc * C + i] * d;
        }
    for (int oc = 0; oc < OC; oc++)
        for (int bt = 0; bt < BT; bt++) {
            float d = dout[bt * OC + oc];
            dbias[oc] += d;
            for (int i = 0; i < C; i++) {
                if (F32_BUG == 1) dweight[i * OC + oc] += inp[bt * C + i] * d;
                else dweight[oc * C + i] += inp[bt * C + i] * d;
            }
        }
    return 0;
}

F32_EXPORT("f32_matmul", "llm.c matmul in float32 (tiled when B*T % 8 == 0): B=2,T=5,C=8,OC=6", create,
           forward, backward)
