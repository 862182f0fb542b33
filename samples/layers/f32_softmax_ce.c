/* f32_softmax_ce.c — a CORRECT fused softmax + cross-entropy in float32,
 * written like llm.c's: forward keeps the probabilities, the fused
 * backward dlogits += (p − 1[i = target]) · dloss reads them.
 * logits (B,T,V), targets (B,T) index tensor -> losses (B,T).
 * Keys B, T, V. F32_BUG 1: the −1 at the target forgotten; 2: the sign
 * of dlogits flipped. */
#include <math.h>

#include "f32_sample.h"

static void *create(int n, const char *const *k, const char *const *v, td_layer_desc *d,
                    char *err, size_t cap)
{
    f32_layer *s = calloc(1, sizeof *s);
    if (!s) { snprintf(err, cap, "out of memory"); return NULL; }
    s->B = 2; s->T = 3; s->V = 10;
    if (f32_keys(s, "B,T,V", n, k, v, err, cap) != 0) { free(s); return NULL; }
    d->n_in = 2;
    f32_tensor(&d->in[0], "logits", TD_T_INPUT, 3, s->B, s->T, s->V);
    f32_tensor(&d->in[1], "targets", TD_T_INPUT, 2, s->B, s->T, 0);
    d->in[1].flags = TD_T_INDEX;
    d->in[1].index_range = s->V;
    d->n_out = 1;
    f32_tensor(&d->out[0], "losses", 0, 2, s->B, s->T, 0);
    if (f32_alloc(s, d, 1, (size_t)s->B * s->T * s->V, err, cap) != 0) { f32_free(s); return NULL; }
    return s;
}

static int forward(void *self, float *const *o, const float *const *in)
{
    f32_layer *s = self;
    int BT = s->B * s->T, V = s->V;
    for (int bt = 0; bt < BT; bt++) {
        const float *logits = in[0] + bt * V;
        float *probs = s->save[0] + bt * V, maxval = -10000.0f, sum = 0.0f;
        for (int i = 0; i < V; i++) if (logits[i] > maxval) maxval = logits[i];
        for (int i = 0; i < V; i++) { probs[i] = expf(logits[i] - maxval); sum += probs[i]; }
        for (int i = 0; i < V; i++) probs[i] /= sum;
        o[0][bt] = -logf(probs[(int)in[1][bt]]);
    }
    return 0;
}

static int backward(void *self, float *const *din, const float *const *dout,
                    const float *const *in, const float *const *out)
{
    f32_layer *s = self;
    int BT = s->B * s->T, V = s->V;
    (void)out;
    for (int bt = 0; bt < BT; bt++) {
        float *dlogits = din[0] + bt * V, dloss = dout[0][bt];
        const float *probs = s->save[0] + bt * V;
        int ix = (int)in[1][bt];
        for (int i = 0; i < V; i++) {
            float indicator = i == ix && F32_BUG != 1 ? 1.0f : 0.0f;
            float g = (probs[i] - indicator) * dloss;
            dlogits[i] += F32_BUG == 2 ? -g : g;
        }
    }
    return 0;
}

F32_EXPORT("f32_softmax_ce", "llm.c fused softmax + cross-entropy in float32: B=2,T=3,V=10", create, forward,
           backward)
