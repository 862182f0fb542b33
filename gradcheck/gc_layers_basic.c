/* gc_layers_basic.c — built-in dense layer and element-wise activations
 * (relu, leaky_relu, tanh, sigmoid, gelu) as forward/backward pairs.
 * Backward ADDS into the gradient buffers. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "td_gradcheck.h"

#define SZ(...) ((const size_t[]){ __VA_ARGS__ })

/* ---- dense: y = x W + b,  R = reg/2 · Σ W² --------------------------------- */
static const td_gc_key dense_keys[] = {
    { "in", 4, 1, 1 << 20, 1 }, { "out", 3, 1, 1 << 20, 1 },
    { "batch", 2, 1, 1 << 20, 1 }, { "reg", 0, 0, 1e6, 0 },
};
enum { D_IN, D_OUT, D_B, D_REG };

static void *dense_create(int n, const char *const *k, const char *const *v,
                          td_layer_desc *d, char *err, size_t cap)
{
    td_gc_inst *s = td_gc_inst_new(dense_keys, 4, n, k, v, err, cap);
    if (!s) return NULL;
    size_t B = (size_t)s->v[D_B], C = (size_t)s->v[D_IN], O = (size_t)s->v[D_OUT];
    d->n_in = 3;
    td_gc_tensor(&d->in[0], "x", TD_T_INPUT, 2, SZ(B, C));
    td_gc_tensor(&d->in[1], "W", TD_T_PARAM, 2, SZ(C, O));
    td_gc_tensor(&d->in[2], "b", TD_T_PARAM, 1, SZ(O));
    d->n_out = 1;
    td_gc_tensor(&d->out[0], "y", 0, 2, SZ(B, O));
    d->flags = TD_LAYER_REENTRANT;
    d->has_reg = s->v[D_REG] > 0;
    return s;
}

// x (B,C), W (C,O), b (O) -> y (B,O): y = b, then + x W (gc_gemm.c)
static int dense_forward(void *self, double *const *out, const double *const *in)
{
    const td_gc_inst *s = self;
    size_t B = (size_t)s->v[D_B], C = (size_t)s->v[D_IN], O = (size_t)s->v[D_OUT];
    for (size_t i = 0; i < B; i++) memcpy(out[0] + i * O, in[2], O * sizeof(double));
    td_gc_gemm(B, O, C, out[0], O, in[0], C, in[1], O);
    return 0;
}

/* dx += dy Wᵀ, dW += xᵀ dy (gc_gemm.c, with the transposes copied), db += Σ_i dy */
static int dense_backward(void *self, double *const *din, const double *const *dout,
                          const double *const *in, const double *const *out)
{
    (void)out;
    const td_gc_inst *s = self;
    size_t B = (size_t)s->v[D_B], C = (size_t)s->v[D_IN], O = (size_t)s->v[D_OUT];
    const double *x = in[0], *W = in[1], *dy = dout[0];
    double *tr = malloc((C * O > B * C ? C * O : B * C) * sizeof *tr);
    if (!tr) {
        snprintf(((td_gc_inst *)self)->err, sizeof s->err, "out of memory for a transpose");
        return 1;
    }
    if (din[0]) { /* Wᵀ (O × C) */
        for (size_t c = 0; c < C; c++)
            for (size_t o = 0; o < O; o++) tr[o * C + c] = W[c * O + o];
        td_gc_gemm(B, C, O, din[0], C, dy, O, tr, C);
    }
    if (din[1]) { /* xᵀ (C × B) */
        for (size_t i = 0; i < B; i++)
            for (size_t c = 0; c < C; c++) tr[c * B + i] = x[i * C + c];
        td_gc_gemm(C, O, B, din[1], O, tr, B, dy, O);
    }
    free(tr);
    if (din[2])
        for (size_t i = 0; i < B; i++)
            for (size_t o = 0; o < O; o++) din[2][o] += dy[i * O + o];
    return 0;
}

static int dense_reg(void *self, double *r, const double *const *in)
{
    const td_gc_inst *s = self;
    size_t n = (size_t)s->v[D_IN] * (size_t)s->v[D_OUT];
    double acc = 0;
    for (size_t i = 0; i < n; i++) acc += in[1][i] * in[1][i];
    *r = 0.5 * s->v[D_REG] * acc;
    return 0;
}

static int dense_reg_backward(void *self, double *const *din, const double *const *in)
{
    const td_gc_inst *s = self;
    size_t n = (size_t)s->v[D_IN] * (size_t)s->v[D_OUT];
    if (din[1]) for (size_t i = 0; i < n; i++) din[1][i] += s->v[D_REG] * in[1][i];
    return 0;
}

const td_layer_api td_gc_dense_api = {
    .abi_version = TD_LAYER_ABI_VERSION, .api_size = sizeof(td_layer_api),
    .name = "dense", .help = "y = x W + b (+ reg/2 |W|^2): in=4,out=3,batch=2,reg=0",
    .create = dense_create, .destroy = td_gc_inst_free,
    .forward = dense_forward, .backward = dense_backward,
    .reg_loss = dense_reg, .reg_backward = dense_reg_backward,
    .last_error = td_gc_inst_error,
};

/* ---- element-wise activations: one operator table ------------------------ */
typedef struct {
    double (*f)(double x, double alpha);   /* y = f(x) */
    double (*df)(double x, double alpha);  /* dy/dx at x */
    int kink_at_zero;                      /* not differentiable at x = 0 */
} act_op;

static double relu_f(double x, double a) { (void)a; return x > 0 ? x : 0; }
static double relu_df(double x, double a) { (void)a; return x > 0 ? 1 : 0; }
static double lrelu_f(double x, double a) { return x > 0 ? x : a * x; }
static double lrelu_df(double x, double a) { return x > 0 ? 1 : a; }
static double tanh_f(double x, double a) { (void)a; return tanh(x); }
static double tanh_df(double x, double a) { (void)a; double t = tanh(x); return 1 - t * t; }
static double sigm_f(double x, double a) { (void)a; return 1 / (1 + exp(-x)); }
static double sigm_df(double x, double a) { (void)a; double s = 1 / (1 + exp(-x)); return s * (1 - s); }
/* gelu(x) = x Φ(x) (exact, erf form); gelu'(x) = Φ(x) + x φ(x) */
static double gelu_f(double x, double a) { (void)a; return 0.5 * x * (1 + erf(x / sqrt(2.0))); }
static double gelu_df(double x, double a)
{
    (void)a;
    return 0.5 * (1 + erf(x / sqrt(2.0))) + x * exp(-0.5 * x * x) / sqrt(2 * M_PI);
}

enum { OP_RELU, OP_LRELU, OP_TANH, OP_SIGM, OP_GELU };
static const act_op act_ops[] = {
    [OP_RELU] = { relu_f, relu_df, 1 },  [OP_LRELU] = { lrelu_f, lrelu_df, 1 },
    [OP_TANH] = { tanh_f, tanh_df, 0 },  [OP_SIGM] = { sigm_f, sigm_df, 0 },
    [OP_GELU] = { gelu_f, gelu_df, 0 },
};

static const td_gc_key act_keys[] = {
    { "batch", 2, 1, 1 << 20, 1 }, { "n", 8, 1, 1 << 24, 1 }, { "alpha", 0.01, 0, 1, 0 },
};
enum { A_B, A_N, A_ALPHA, A_OP };

static void *act_create(int op, int n, const char *const *k, const char *const *v,
                        td_layer_desc *d, char *err, size_t cap)
{
    td_gc_inst *s = td_gc_inst_new(act_keys, op == OP_LRELU ? 3 : 2, n, k, v, err, cap);
    if (!s) return NULL;
    if (op != OP_LRELU) s->v[A_ALPHA] = 0;
    s->v[A_OP] = op;
    size_t B = (size_t)s->v[A_B], N = (size_t)s->v[A_N];
    d->n_in = 1;
    td_gc_tensor(&d->in[0], "x", TD_T_INPUT, 2, SZ(B, N));
    d->n_out = 1;
    td_gc_tensor(&d->out[0], "y", 0, 2, SZ(B, N));
    d->flags = TD_LAYER_REENTRANT;
    return s;
}

// x (B,N) -> y (B,N)
static int act_forward(void *self, double *const *out, const double *const *in)
{
    const td_gc_inst *s = self;
    const act_op *op = &act_ops[(int)s->v[A_OP]];
    size_t n = (size_t)s->v[A_B] * (size_t)s->v[A_N];
    for (size_t i = 0; i < n; i++) out[0][i] = op->f(in[0][i], s->v[A_ALPHA]);
    return 0;
}

static int act_backward(void *self, double *const *din, const double *const *dout,
                        const double *const *in, const double *const *out)
{
    (void)out;
    const td_gc_inst *s = self;
    const act_op *op = &act_ops[(int)s->v[A_OP]];
    size_t n = (size_t)s->v[A_B] * (size_t)s->v[A_N];
    if (din[0])
        for (size_t i = 0; i < n; i++) din[0][i] += dout[0][i] * op->df(in[0][i], s->v[A_ALPHA]);
    return 0;
}

static double act_kink(void *self, const double *const *in, int t, size_t i)
{
    const td_gc_inst *s = self;
    (void)t;
    return act_ops[(int)s->v[A_OP]].kink_at_zero ? fabs(in[0][i]) : INFINITY;
}

#define ACT_API(var, opname, str, helptext)                                              \
    static void *var##_create(int n, const char *const *k, const char *const *v,         \
                              td_layer_desc *d, char *err, size_t cap)                   \
    { return act_create(opname, n, k, v, d, err, cap); }                                 \
    const td_layer_api td_gc_##var##_api = {                                              \
        .abi_version = TD_LAYER_ABI_VERSION, .api_size = sizeof(td_layer_api),            \
        .name = str, .help = helptext, .create = var##_create,                            \
        .destroy = td_gc_inst_free, .forward = act_forward, .backward = act_backward,     \
        .kink_distance = act_kink,                                                        \
    };

ACT_API(relu, OP_RELU, "relu", "y = max(0, x): batch=2,n=8")
ACT_API(leaky_relu, OP_LRELU, "leaky_relu", "y = x > 0 ? x : alpha x: batch=2,n=8,alpha=0.01")
ACT_API(tanh, OP_TANH, "tanh", "y = tanh(x): batch=2,n=8")
ACT_API(sigmoid, OP_SIGM, "sigmoid", "y = 1/(1+exp(-x)): batch=2,n=8")
ACT_API(gelu, OP_GELU, "gelu", "y = x Phi(x) (erf form): batch=2,n=8")
