/* gc_layers_conv.c — built-in conv2d (stride, zero padding) and maxpool2d,
 * NCHW layout, direct loops; backward ADDS into the gradients. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gc_simd.h"
#include "td_gradcheck.h"

#define SZ(...) ((const size_t[]){ __VA_ARGS__ })

/* Output size of a window sweep, or 0 when the window does not fit. */
static size_t out_size(size_t n, size_t k, size_t stride, size_t pad)
{
    if (n + 2 * pad < k) return 0;
    return (n + 2 * pad - k) / stride + 1;
}

/* ---- conv2d: y[b,o,i,j] = bias[o] + Σ_{c,p,q} w[o,c,p,q] x[b,c,i·s+p−pad, j·s+q−pad] */
static const td_gc_key conv_keys[] = {
    { "batch", 2, 1, 1 << 16, 1 }, { "c", 2, 1, 1 << 16, 1 }, { "h", 5, 1, 1 << 16, 1 },
    { "w", 5, 1, 1 << 16, 1 }, { "oc", 3, 1, 1 << 16, 1 }, { "k", 3, 1, 1 << 10, 1 },
    { "stride", 1, 1, 1 << 10, 1 }, { "pad", 1, 0, 1 << 10, 1 },
};
enum { C_B, C_C, C_H, C_W, C_OC, C_K, C_S, C_P, C_OH, C_OW };

static void *conv_create(int n, const char *const *k, const char *const *v,
                         td_layer_desc *d, char *err, size_t cap)
{
    td_gc_inst *s = td_gc_inst_new(conv_keys, 8, n, k, v, err, cap);
    if (!s) return NULL;
    size_t B = (size_t)s->v[C_B], C = (size_t)s->v[C_C], H = (size_t)s->v[C_H],
           W = (size_t)s->v[C_W], O = (size_t)s->v[C_OC], K = (size_t)s->v[C_K],
           S = (size_t)s->v[C_S], P = (size_t)s->v[C_P];
    size_t OH = out_size(H, K, S, P), OW = out_size(W, K, S, P);
    if (!OH || !OW) {
        snprintf(err, cap, "kernel k=%zu does not fit %zux%zu with pad=%zu", K, H, W, P);
        free(s);
        return NULL;
    }
    s->v[C_OH] = (double)OH; s->v[C_OW] = (double)OW;
    d->n_in = 3;
    td_gc_tensor(&d->in[0], "x", TD_T_INPUT, 4, SZ(B, C, H, W));
    td_gc_tensor(&d->in[1], "w", TD_T_PARAM, 4, SZ(O, C, K, K));
    td_gc_tensor(&d->in[2], "bias", TD_T_PARAM, 1, SZ(O));
    d->n_out = 1;
    td_gc_tensor(&d->out[0], "y", 0, 4, SZ(B, O, OH, OW));
    d->flags = TD_LAYER_REENTRANT;
    return s;
}

/* Output positions i in [lo, hi) whose input row i·S + p − P lies inside [0, n). */
static void valid_range(size_t n, size_t out, size_t S, size_t P, size_t p, size_t *lo, size_t *hi)
{
    *lo = p >= P ? 0 : (P - p + S - 1) / S;
    *hi = n + P > p ? (n + P - p - 1) / S + 1 : 0;
    if (*hi > out) *hi = out;
    if (*lo > *hi) *lo = *hi;
}

/* One pass over every (output, weight, input) triple, kernel tap by kernel
 * tap with the valid output range precomputed (no bounds test inside):
 * forward when dy is NULL (y += w·x), backward otherwise (dx += w·dy,
 * dw += x·dy). */
TD_HOT static void conv_pass(const td_gc_inst *s, double *y, const double *x, const double *w,
                      const double *dy, double *dx, double *dw)
{
    size_t B = (size_t)s->v[C_B], C = (size_t)s->v[C_C], H = (size_t)s->v[C_H],
           W = (size_t)s->v[C_W], O = (size_t)s->v[C_OC], K = (size_t)s->v[C_K],
           S = (size_t)s->v[C_S], P = (size_t)s->v[C_P], OH = (size_t)s->v[C_OH],
           OW = (size_t)s->v[C_OW];
    for (size_t b = 0; b < B; b++)
        for (size_t o = 0; o < O; o++)
            for (size_t c = 0; c < C; c++) {
                const double *xp = x + (b * C + c) * H * W;
                for (size_t p = 0; p < K; p++) {
                    size_t i0, i1;
                    valid_range(H, OH, S, P, p, &i0, &i1);
                    for (size_t q = 0; q < K; q++) {
                        size_t j0, j1, wi = ((o * C + c) * K + p) * K + q;
                        valid_range(W, OW, S, P, q, &j0, &j1);
                        double wv = w[wi], gw = 0;
                        for (size_t i = i0; i < i1; i++) {
                            size_t yrow = ((b * O + o) * OH + i) * OW, xrow = (i * S + p - P) * W + q - P;
                            if (!dy && S == 1) { /* contiguous: vectorizes */
                                double *restrict yr = y + yrow;
                                const double *restrict xr = xp + xrow;
                                for (size_t j = j0; j < j1; j++) yr[j] += wv * xr[j];
                            } else if (!dy) {
                                for (size_t j = j0; j < j1; j++) y[yrow + j] += wv * xp[xrow + j * S];
                            } else {
                                for (size_t j = j0; j < j1; j++) {
                                    if (dx) dx[(b * C + c) * H * W + xrow + j * S] += wv * dy[yrow + j];
                                    gw += xp[xrow + j * S] * dy[yrow + j];
                                }
                            }
                        }
                        if (dy && dw) dw[wi] += gw;
                    }
                }
            }
}

/* The columns of batch b for y[b] = w · col: col[(c,p,q), i·OW + j] =
 * x[b, c, i·S + p − P, j·S + q − P], 0 in the padding (zeroed first; the
 * valid ranges of a tap do not depend on c). adjoint = 1: the other way,
 * x[b] += the columns' values at the inputs they were copied from (x is
 * then dx). */
TD_HOT static void col_pass(const td_gc_inst *s, size_t b, double *x, double *col, int adjoint)
{
    size_t C = (size_t)s->v[C_C], H = (size_t)s->v[C_H], W = (size_t)s->v[C_W],
           K = (size_t)s->v[C_K], S = (size_t)s->v[C_S], P = (size_t)s->v[C_P],
           OH = (size_t)s->v[C_OH], OW = (size_t)s->v[C_OW], plane = OH * OW;
    if (!adjoint) memset(col, 0, C * K * K * plane * sizeof *col);
    for (size_t p = 0; p < K; p++) {
        size_t i0, i1;
        valid_range(H, OH, S, P, p, &i0, &i1);
        for (size_t q = 0; q < K; q++) {
            size_t j0, j1;
            valid_range(W, OW, S, P, q, &j0, &j1);
            for (size_t c = 0; c < C; c++) {
                double *xp = x + (b * C + c) * H * W, *cp = col + ((c * K + p) * K + q) * plane;
                for (size_t i = i0; i < i1; i++) {
                    double *restrict xr = xp + (i * S + p - P) * W + q - P, *restrict cr = cp + i * OW;
                    if (adjoint) for (size_t j = j0; j < j1; j++) xr[j * S] += cr[j];
                    else if (S == 1) for (size_t j = j0; j < j1; j++) cr[j] = xr[j]; /* short: no memcpy call */
                    else for (size_t j = j0; j < j1; j++) cr[j] = xr[j * S];
                }
            }
        }
    }
}

// x (B,C,H,W), w (O,C,K,K), bias (O) -> y (B,O,OH,OW): y = bias, then per
// batch + w (O × C·K·K) · columns (gc_gemm.c); the tap loops without the
// columns' memory
static int conv_forward(void *self, double *const *out, const double *const *in)
{
    const td_gc_inst *s = self;
    size_t B = (size_t)s->v[C_B], O = (size_t)s->v[C_OC], C = (size_t)s->v[C_C],
           K = (size_t)s->v[C_K], plane = (size_t)s->v[C_OH] * (size_t)s->v[C_OW], taps = C * K * K;
    for (size_t b = 0; b < B; b++)
        for (size_t o = 0; o < O; o++) {
            double *restrict yr = out[0] + (b * O + o) * plane, bv = in[2][o];
            for (size_t k = 0; k < plane; k++) yr[k] = bv;
        }
    double *col = malloc(taps * plane * sizeof *col);
    if (!col) {
        conv_pass(s, out[0], in[0], in[1], NULL, NULL, NULL);
        return 0;
    }
    for (size_t b = 0; b < B; b++) {
        col_pass(s, b, (double *)in[0], col, 0);
        td_gc_gemm(O, plane, taps, out[0] + b * O * plane, plane, in[1], taps, col, plane);
    }
    free(col);
    return 0;
}

static int conv_backward(void *self, double *const *din, const double *const *dout,
                         const double *const *in, const double *const *out)
{
    (void)out;
    const td_gc_inst *s = self;
    size_t B = (size_t)s->v[C_B], O = (size_t)s->v[C_OC], C = (size_t)s->v[C_C], K = (size_t)s->v[C_K],
           plane = (size_t)s->v[C_OH] * (size_t)s->v[C_OW], taps = C * K * K;
    /* columns, their transpose and w transposed (taps × O) */
    double *col = malloc((2 * taps * plane + taps * O) * sizeof *col), *colT = col + taps * plane,
           *wt = colT + taps * plane;
    if (!col) conv_pass(s, NULL, in[0], in[1], dout[0], din[0], din[1]);
    else {
        for (size_t o = 0; o < O; o++)
            for (size_t k = 0; k < taps; k++) wt[k * O + o] = in[1][o * taps + k];
        for (size_t b = 0; b < B && (din[0] || din[1]); b++) {
            const double *dy = dout[0] + b * O * plane;
            if (din[1]) { /* dw += dy (O × plane) · colᵀ (plane × taps) */
                col_pass(s, b, (double *)in[0], col, 0);
                for (size_t k = 0; k < taps; k++)
                    for (size_t n = 0; n < plane; n++) colT[n * taps + k] = col[k * plane + n];
                td_gc_gemm(O, taps, plane, din[1], taps, dy, plane, colT, taps);
            }
            if (din[0]) { /* dcol = wᵀ (taps × O) · dy (O × plane), added back into dx */
                memset(col, 0, taps * plane * sizeof *col);
                td_gc_gemm(taps, plane, O, col, plane, wt, O, dy, plane);
                col_pass(s, b, din[0], col, 1);
            }
        }
        free(col);
    }
    if (din[2])
        for (size_t b = 0; b < B; b++)
            for (size_t o = 0; o < O; o++)
                for (size_t k = 0; k < plane; k++) din[2][o] += dout[0][(b * O + o) * plane + k];
    return 0;
}

const td_layer_api td_gc_conv2d_api = {
    .abi_version = TD_LAYER_ABI_VERSION, .api_size = sizeof(td_layer_api),
    .name = "conv2d",
    .help = "2-D convolution, NCHW: batch=2,c=2,h=5,w=5,oc=3,k=3,stride=1,pad=1",
    .create = conv_create, .destroy = td_gc_inst_free,
    .forward = conv_forward, .backward = conv_backward,
};

/* ---- maxpool2d: y[b,c,i,j] = max over the k×k window at (i·s, j·s) -------- */
static const td_gc_key pool_keys[] = {
    { "batch", 2, 1, 1 << 16, 1 }, { "c", 2, 1, 1 << 16, 1 }, { "h", 4, 1, 1 << 16, 1 },
    { "w", 4, 1, 1 << 16, 1 }, { "k", 2, 1, 1 << 10, 1 }, { "stride", 2, 1, 1 << 10, 1 },
};
enum { M_B, M_C, M_H, M_W, M_K, M_S, M_OH, M_OW };

static void *pool_create(int n, const char *const *k, const char *const *v,
                         td_layer_desc *d, char *err, size_t cap)
{
    td_gc_inst *s = td_gc_inst_new(pool_keys, 6, n, k, v, err, cap);
    if (!s) return NULL;
    size_t B = (size_t)s->v[M_B], C = (size_t)s->v[M_C], H = (size_t)s->v[M_H],
           W = (size_t)s->v[M_W], K = (size_t)s->v[M_K], S = (size_t)s->v[M_S];
    size_t OH = out_size(H, K, S, 0), OW = out_size(W, K, S, 0);
    if (!OH || !OW) {
        snprintf(err, cap, "window k=%zu does not fit %zux%zu", K, H, W);
        free(s);
        return NULL;
    }
    s->v[M_OH] = (double)OH; s->v[M_OW] = (double)OW;
    d->n_in = 1;
    td_gc_tensor(&d->in[0], "x", TD_T_INPUT, 4, SZ(B, C, H, W));
    d->n_out = 1;
    td_gc_tensor(&d->out[0], "y", 0, 4, SZ(B, C, OH, OW));
    d->flags = TD_LAYER_REENTRANT;
    return s;
}

/* Flat input index of the maximum of window (bc, i, j) (first on ties);
 * *gap receives the distance of element `probe` to changing that argmax. */
static size_t pool_argmax(const td_gc_inst *s, const double *x, size_t bc, size_t i,
                          size_t j, size_t probe, double *gap)
{
    size_t H = (size_t)s->v[M_H], W = (size_t)s->v[M_W], K = (size_t)s->v[M_K],
           S = (size_t)s->v[M_S], best = 0;
    double mx = -INFINITY, second = -INFINITY;
    for (size_t p = 0; p < K; p++)
        for (size_t q = 0; q < K; q++) {
            size_t xi = (bc * H + i * S + p) * W + j * S + q;
            if (x[xi] > mx) { second = mx; mx = x[xi]; best = xi; }
            else if (x[xi] > second) second = x[xi];
        }
    if (gap) *gap = probe == best ? mx - second : mx - x[probe];
    return best;
}

// x (B,C,H,W) -> y (B,C,OH,OW)
static int pool_forward(void *self, double *const *out, const double *const *in)
{
    const td_gc_inst *s = self;
    size_t BC = (size_t)s->v[M_B] * (size_t)s->v[M_C], OH = (size_t)s->v[M_OH],
           OW = (size_t)s->v[M_OW];
    for (size_t bc = 0; bc < BC; bc++)
        for (size_t i = 0; i < OH; i++)
            for (size_t j = 0; j < OW; j++)
                out[0][(bc * OH + i) * OW + j] = in[0][pool_argmax(s, in[0], bc, i, j, 0, NULL)];
    return 0;
}

static int pool_backward(void *self, double *const *din, const double *const *dout,
                         const double *const *in, const double *const *out)
{
    (void)out;
    const td_gc_inst *s = self;
    size_t BC = (size_t)s->v[M_B] * (size_t)s->v[M_C], OH = (size_t)s->v[M_OH],
           OW = (size_t)s->v[M_OW];
    if (!din[0]) return 0;
    for (size_t bc = 0; bc < BC; bc++)
        for (size_t i = 0; i < OH; i++)
            for (size_t j = 0; j < OW; j++)
                din[0][pool_argmax(s, in[0], bc, i, j, 0, NULL)] += dout[0][(bc * OH + i) * OW + j];
    return 0;
}

/* A kink where the element ties with the maximum of a window holding it. */
static double pool_kink(void *self, const double *const *in, int t, size_t idx)
{
    const td_gc_inst *s = self;
    size_t H = (size_t)s->v[M_H], W = (size_t)s->v[M_W], K = (size_t)s->v[M_K],
           S = (size_t)s->v[M_S], OH = (size_t)s->v[M_OH], OW = (size_t)s->v[M_OW];
    size_t bc = idx / (H * W), r = idx / W % H, c = idx % W;
    double d = INFINITY, gap;
    (void)t;
    for (size_t i = 0; i < OH; i++)
        for (size_t j = 0; j < OW; j++)
            if (r >= i * S && r < i * S + K && c >= j * S && c < j * S + K) {
                pool_argmax(s, in[0], bc, i, j, idx, &gap);
                d = fmin(d, gap);
            }
    return d;
}

const td_layer_api td_gc_maxpool2d_api = {
    .abi_version = TD_LAYER_ABI_VERSION, .api_size = sizeof(td_layer_api),
    .name = "maxpool2d", .help = "max pooling, NCHW: batch=2,c=2,h=4,w=4,k=2,stride=2",
    .create = pool_create, .destroy = td_gc_inst_free,
    .forward = pool_forward, .backward = pool_backward, .kink_distance = pool_kink,
};
