/* gc_layers_loss.c — built-in softmax, losses (softmax cross-entropy,
 * Weston–Watkins multiclass SVM, MSE) and L2 regularization.
 * Losses are means over the batch; backward ADDS into the gradients. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "td_gradcheck.h"

#define SZ(...) ((const size_t[]){ __VA_ARGS__ })

static const td_gc_key cls_keys[] = {
    { "batch", 4, 1, 1 << 20, 1 }, { "classes", 5, 2, 1 << 20, 1 },
};
enum { K_B, K_C };

/* p = softmax(x) of one row of C values, stably. */
static void softmax_row(double *p, const double *x, size_t C)
{
    double mx = x[0], sum = 0;
    for (size_t c = 1; c < C; c++) mx = fmax(mx, x[c]);
    for (size_t c = 0; c < C; c++) { p[c] = exp(x[c] - mx); sum += p[c]; }
    for (size_t c = 0; c < C; c++) p[c] /= sum;
}

/* Shared create: x (B,C) and, when labelled, labels (B) indices in [0,C). */
static void *cls_create(int labelled, int scalar_out, int n, const char *const *k,
                        const char *const *v, td_layer_desc *d, char *err, size_t cap)
{
    td_gc_inst *s = td_gc_inst_new(cls_keys, 2, n, k, v, err, cap);
    if (!s) return NULL;
    size_t B = (size_t)s->v[K_B], C = (size_t)s->v[K_C];
    d->n_in = 1;
    td_gc_tensor(&d->in[0], "x", TD_T_INPUT, 2, SZ(B, C));
    if (labelled) {
        d->n_in = 2;
        td_gc_tensor(&d->in[1], "labels", TD_T_INPUT, 1, SZ(B));
        d->in[1].flags = TD_T_INDEX;
        d->in[1].index_range = (long)C;
    }
    d->n_out = 1;
    if (scalar_out) td_gc_tensor(&d->out[0], "loss", 0, 0, NULL);
    else td_gc_tensor(&d->out[0], "y", 0, 2, SZ(B, C));
    d->flags = TD_LAYER_REENTRANT;
    return s;
}

/* ---- softmax: y_c = exp(x_c) / Σ exp(x_j) per row ------------------------- */
static void *softmax_create(int n, const char *const *k, const char *const *v,
                            td_layer_desc *d, char *err, size_t cap)
{ return cls_create(0, 0, n, k, v, d, err, cap); }

// x (B,C) -> y (B,C)
static int softmax_forward(void *self, double *const *out, const double *const *in)
{
    const td_gc_inst *s = self;
    size_t B = (size_t)s->v[K_B], C = (size_t)s->v[K_C];
    for (size_t b = 0; b < B; b++) softmax_row(out[0] + b * C, in[0] + b * C, C);
    return 0;
}

// dx = y ⊙ (dy − Σ_j dy_j y_j)
static int softmax_backward(void *self, double *const *din, const double *const *dout,
                            const double *const *in, const double *const *out)
{
    (void)in;
    const td_gc_inst *s = self;
    size_t B = (size_t)s->v[K_B], C = (size_t)s->v[K_C];
    if (!din[0]) return 0;
    for (size_t b = 0; b < B; b++) {
        const double *y = out[0] + b * C, *dy = dout[0] + b * C;
        double dot = 0;
        for (size_t c = 0; c < C; c++) dot += dy[c] * y[c];
        for (size_t c = 0; c < C; c++) din[0][b * C + c] += y[c] * (dy[c] - dot);
    }
    return 0;
}

const td_layer_api td_gc_softmax_api = {
    .abi_version = TD_LAYER_ABI_VERSION, .api_size = sizeof(td_layer_api),
    .name = "softmax", .help = "row-wise softmax: batch=4,classes=5",
    .create = softmax_create, .destroy = td_gc_inst_free,
    .forward = softmax_forward, .backward = softmax_backward,
};

/* ---- softmax cross-entropy: L = −(1/B) Σ_b log softmax(x_b)[y_b] ------------ */
static void *sce_create(int n, const char *const *k, const char *const *v,
                        td_layer_desc *d, char *err, size_t cap)
{ return cls_create(1, 1, n, k, v, d, err, cap); }

static int label_of(void *self, const double *labels, size_t b, size_t C, size_t *y)
{
    double l = labels[b];
    if (!(l >= 0 && l < (double)C) || l != floor(l)) {
        td_gc_inst *s = self;
        snprintf(s->err, sizeof s->err, "label %zu is %g, not an index in [0,%zu)", b, l, C);
        return -1;
    }
    *y = (size_t)l;
    return 0;
}

// x (B,C), labels (B) -> loss ()
static int sce_forward(void *self, double *const *out, const double *const *in)
{
    const td_gc_inst *s = self;
    size_t B = (size_t)s->v[K_B], C = (size_t)s->v[K_C], y;
    double *p = malloc(C * sizeof *p), loss = 0;
    if (!p) return -1;
    for (size_t b = 0; b < B; b++) {
        if (label_of(self, in[1], b, C, &y) != 0) { free(p); return -1; }
        softmax_row(p, in[0] + b * C, C);
        loss -= log(p[y]);
    }
    free(p);
    out[0][0] = loss / (double)B;
    return 0;
}

// dx_bc = dL · (p_bc − [c = y_b]) / B
static int sce_backward(void *self, double *const *din, const double *const *dout,
                        const double *const *in, const double *const *out)
{
    (void)out;
    const td_gc_inst *s = self;
    size_t B = (size_t)s->v[K_B], C = (size_t)s->v[K_C], y;
    if (!din[0]) return 0;
    double *p = malloc(C * sizeof *p), g = dout[0][0] / (double)B;
    if (!p) return -1;
    for (size_t b = 0; b < B; b++) {
        if (label_of(self, in[1], b, C, &y) != 0) { free(p); return -1; }
        softmax_row(p, in[0] + b * C, C);
        for (size_t c = 0; c < C; c++) din[0][b * C + c] += g * (p[c] - (c == y));
    }
    free(p);
    return 0;
}

const td_layer_api td_gc_softmax_ce_api = {
    .abi_version = TD_LAYER_ABI_VERSION, .api_size = sizeof(td_layer_api),
    .name = "softmax_ce", .help = "mean softmax cross-entropy: batch=4,classes=5",
    .create = sce_create, .destroy = td_gc_inst_free,
    .forward = sce_forward, .backward = sce_backward, .last_error = td_gc_inst_error,
};

/* ---- multiclass SVM (Weston–Watkins):
 *      L = (1/B) Σ_b Σ_{j≠y_b} max(0, x_bj − x_by + 1) ---------------------- */
// x (B,C), labels (B) -> loss ()
static int svm_forward(void *self, double *const *out, const double *const *in)
{
    const td_gc_inst *s = self;
    size_t B = (size_t)s->v[K_B], C = (size_t)s->v[K_C], y;
    double loss = 0;
    for (size_t b = 0; b < B; b++) {
        if (label_of(self, in[1], b, C, &y) != 0) return -1;
        const double *x = in[0] + b * C;
        for (size_t j = 0; j < C; j++)
            if (j != y) loss += fmax(0, x[j] - x[y] + 1);
    }
    out[0][0] = loss / (double)B;
    return 0;
}

static int svm_backward(void *self, double *const *din, const double *const *dout,
                        const double *const *in, const double *const *out)
{
    (void)out;
    const td_gc_inst *s = self;
    size_t B = (size_t)s->v[K_B], C = (size_t)s->v[K_C], y;
    if (!din[0]) return 0;
    double g = dout[0][0] / (double)B;
    for (size_t b = 0; b < B; b++) {
        if (label_of(self, in[1], b, C, &y) != 0) return -1;
        const double *x = in[0] + b * C;
        for (size_t j = 0; j < C; j++)
            if (j != y && x[j] - x[y] + 1 > 0) {
                din[0][b * C + j] += g;
                din[0][b * C + y] -= g;
            }
    }
    return 0;
}

/* Kinks where a margin x_bj − x_by + 1 is 0; the label's score moves all. */
static double svm_kink(void *self, const double *const *in, int t, size_t i)
{
    const td_gc_inst *s = self;
    size_t C = (size_t)s->v[K_C], b = i / C, j = i % C, y;
    if (t != 0 || label_of(self, in[1], b, C, &y) != 0) return INFINITY;
    const double *x = in[0] + b * C;
    if (j != y) return fabs(x[j] - x[y] + 1);
    double d = INFINITY;
    for (size_t c = 0; c < C; c++)
        if (c != y) d = fmin(d, fabs(x[c] - x[y] + 1));
    return d;
}

const td_layer_api td_gc_svm_api = {
    .abi_version = TD_LAYER_ABI_VERSION, .api_size = sizeof(td_layer_api),
    .name = "svm", .help = "Weston-Watkins multiclass hinge loss: batch=4,classes=5",
    .create = sce_create, .destroy = td_gc_inst_free,
    .forward = svm_forward, .backward = svm_backward,
    .kink_distance = svm_kink, .last_error = td_gc_inst_error,
};

/* ---- MSE: L = (1/(B N)) Σ (x − t)² --------------------------------------- */
static const td_gc_key mse_keys[] = { { "batch", 2, 1, 1 << 20, 1 }, { "n", 4, 1, 1 << 24, 1 } };

static void *mse_create(int n, const char *const *k, const char *const *v,
                        td_layer_desc *d, char *err, size_t cap)
{
    td_gc_inst *s = td_gc_inst_new(mse_keys, 2, n, k, v, err, cap);
    if (!s) return NULL;
    size_t B = (size_t)s->v[0], N = (size_t)s->v[1];
    d->n_in = 2;
    td_gc_tensor(&d->in[0], "x", TD_T_INPUT, 2, SZ(B, N));
    td_gc_tensor(&d->in[1], "target", TD_T_INPUT, 2, SZ(B, N));
    d->n_out = 1;
    td_gc_tensor(&d->out[0], "loss", 0, 0, NULL);
    d->flags = TD_LAYER_REENTRANT;
    return s;
}

// x (B,N), target (B,N) -> loss ()
static int mse_forward(void *self, double *const *out, const double *const *in)
{
    const td_gc_inst *s = self;
    size_t n = (size_t)s->v[0] * (size_t)s->v[1];
    double acc = 0;
    for (size_t i = 0; i < n; i++) acc += (in[0][i] - in[1][i]) * (in[0][i] - in[1][i]);
    out[0][0] = acc / (double)n;
    return 0;
}

static int mse_backward(void *self, double *const *din, const double *const *dout,
                        const double *const *in, const double *const *out)
{
    (void)out;
    const td_gc_inst *s = self;
    size_t n = (size_t)s->v[0] * (size_t)s->v[1];
    double g = 2 * dout[0][0] / (double)n;
    for (size_t i = 0; i < n; i++) {
        double d = g * (in[0][i] - in[1][i]);
        if (din[0]) din[0][i] += d;
        if (din[1]) din[1][i] -= d;
    }
    return 0;
}

const td_layer_api td_gc_mse_api = {
    .abi_version = TD_LAYER_ABI_VERSION, .api_size = sizeof(td_layer_api),
    .name = "mse", .help = "mean squared error: batch=2,n=4",
    .create = mse_create, .destroy = td_gc_inst_free,
    .forward = mse_forward, .backward = mse_backward,
};

/* ---- L2 regularization: L = lambda/2 · Σ w² ------------------------------- */
static const td_gc_key l2_keys[] = { { "n", 6, 1, 1 << 24, 1 }, { "lambda", 0.1, 0, 1e6, 0 } };

static void *l2_create(int n, const char *const *k, const char *const *v,
                       td_layer_desc *d, char *err, size_t cap)
{
    td_gc_inst *s = td_gc_inst_new(l2_keys, 2, n, k, v, err, cap);
    if (!s) return NULL;
    d->n_in = 1;
    td_gc_tensor(&d->in[0], "w", TD_T_PARAM, 1, SZ((size_t)s->v[0]));
    d->n_out = 1;
    td_gc_tensor(&d->out[0], "loss", 0, 0, NULL);
    d->flags = TD_LAYER_REENTRANT;
    return s;
}

// w (N) -> loss ()
static int l2_forward(void *self, double *const *out, const double *const *in)
{
    const td_gc_inst *s = self;
    size_t n = (size_t)s->v[0];
    double acc = 0;
    for (size_t i = 0; i < n; i++) acc += in[0][i] * in[0][i];
    out[0][0] = 0.5 * s->v[1] * acc;
    return 0;
}

static int l2_backward(void *self, double *const *din, const double *const *dout,
                       const double *const *in, const double *const *out)
{
    (void)out;
    const td_gc_inst *s = self;
    size_t n = (size_t)s->v[0];
    if (din[0]) for (size_t i = 0; i < n; i++) din[0][i] += dout[0][0] * s->v[1] * in[0][i];
    return 0;
}

const td_layer_api td_gc_l2_api = {
    .abi_version = TD_LAYER_ABI_VERSION, .api_size = sizeof(td_layer_api),
    .name = "l2", .help = "L2 penalty lambda/2 |w|^2: n=6,lambda=0.1",
    .create = l2_create, .destroy = td_gc_inst_free,
    .forward = l2_forward, .backward = l2_backward,
};
