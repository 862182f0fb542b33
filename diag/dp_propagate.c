/* dp_propagate.c — signal propagation through a model file: the layers of
 * its Keras model_config with the stored weights, a seeded batch of N(0,1)
 * inputs forward and a N(0,1) upstream gradient backward.
 *   Dense     y = act(x·W + b)            W (in,out), on the last axis
 *   Conv2D    y = act(x ⋆ W + b)          W (kh,kw,in,out), channels_last, valid/same
 *   BatchNormalization  y = γ(x−μ)/√(σ²+ε) + β  (moving statistics)
 *   Activation/ReLU/LeakyReLU, Dropout/Masking/InputLayer (identity),
 *   Flatten, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D.
 * Backward: g ← g⊙act'(y) (softmax: y⊙(g − Σ y g)), ∂L/∂W = Σ_batch xᵀg / B,
 * g_in = g·Wᵀ; BN scales g by γ/√(σ²+ε); max pooling routes g to the maximum. */
#include "td_dump.h"

#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "td_h5.h"

#define PROP_SEED 20261204ULL
#define PROP_MACS 3e8              /* multiply-adds of the forward pass, about */
#define PROP_MACS_MAX 1.5e9        /* one sample above this: not propagated */
#define PROP_BYTES (48u << 20)     /* stored outputs and gradients */
#define PROP_WEIGHTS (8u << 20)    /* weights read, in elements (64 MiB of doubles) */
#define SELU_L 1.0507009873554805
#define SELU_A 1.6732632423543772

typedef enum { K_DENSE, K_CONV, K_ACT, K_BN, K_ID, K_FLAT, K_MAXP, K_AVGP, K_GAP } kind;
typedef enum { A_LIN, A_RELU, A_RELU6, A_LEAKY, A_SIG, A_TANH, A_SOFTMAX, A_ELU, A_SELU, A_SOFTPLUS, A_SOFTSIGN, A_EXP } actk;

typedef struct {
    kind k;
    actk a;
    double alpha, eps;
    char name[64], cls[32], act[16];
    int li;                       /* td_dump layer, -1 */
    int kh, kw, sh, sw, pt, pl;   /* window, strides, padding top/left */
    int ih, iw, ic, oh, ow, oc;   /* input and output (H, W, C) */
    double *w, *b, *g, *be, *mu, *var; /* owned */
    float *y;                     /* output (B, oh, ow, oc) */
    double *dw;                   /* kernel gradient */
} lay;

static const struct { const char *n; actk a; } ACTS[] = {
    { "linear", A_LIN }, { "relu", A_RELU }, { "sigmoid", A_SIG }, { "tanh", A_TANH },
    { "softmax", A_SOFTMAX }, { "elu", A_ELU }, { "softplus", A_SOFTPLUS }, { "leaky_relu", A_LEAKY },
    { "relu6", A_RELU6 }, { "selu", A_SELU }, { "softsign", A_SOFTSIGN }, { "exponential", A_EXP },
};

static int act_of(const char *s, actk *a)
{
    for (size_t i = 0; i < sizeof ACTS / sizeof ACTS[0]; i++)
        if (strcmp(s, ACTS[i].n) == 0) { *a = ACTS[i].a; return 1; }
    return 0;
}

static const char *jstr(json_object *o, const char *k)
{
    json_object *v;
    return o && json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static int jint2(json_object *o, const char *k, int def, int *a, int *b)
{
    json_object *v;
    *a = *b = def;
    if (!o || !json_object_object_get_ex(o, k, &v) || json_object_is_type(v, json_type_null)) return 1;
    if (json_object_is_type(v, json_type_int)) { *a = *b = json_object_get_int(v); return *a > 0; }
    if (!json_object_is_type(v, json_type_array) || json_object_array_length(v) != 2) return 0;
    *a = json_object_get_int(json_object_array_get_idx(v, 0));
    *b = json_object_get_int(json_object_array_get_idx(v, 1));
    return *a > 0 && *b > 0 && *a < 4096 && *b < 4096;
}

static double jnum(json_object *o, const char *k, double def)
{
    json_object *v;
    if (!o || !json_object_object_get_ex(o, k, &v)) return def;
    if (json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int)) return json_object_get_double(v);
    return def;
}

static int shape_of(json_object *v, int *h, int *w, int *c);

/* Input shape (without the batch axis) from the first layers' configs, or
 * the model config's build_input_shape (Keras 3 Sequential). */
static int input_shape(json_object *cfg, json_object *layers, int *h, int *w, int *c)
{
    json_object *bis;
    if (cfg && json_object_is_type(cfg, json_type_object) && json_object_object_get_ex(cfg, "build_input_shape", &bis)
        && shape_of(bis, h, w, c)) return 1;
    static const char *const keys[] = { "batch_input_shape", "batch_shape" };
    for (size_t i = 0; i < json_object_array_length(layers) && i < 2; i++) {
        json_object *cfg, *v = NULL, *bc;
        if (!json_object_object_get_ex(json_object_array_get_idx(layers, i), "config", &cfg)) continue;
        for (size_t k = 0; k < 2 && !v; k++) if (!json_object_object_get_ex(cfg, keys[k], &v)) v = NULL;
        if (!v && json_object_object_get_ex(json_object_array_get_idx(layers, i), "build_config", &bc))
            json_object_object_get_ex(bc, "input_shape", &v);
        if (!v || !json_object_is_type(v, json_type_array)) continue;
        return shape_of(v, h, w, c);
    }
    return 0;
}

/* [null, (h, w,) c] as (h, w, c), missing leading axes 1. */
static int shape_of(json_object *v, int *h, int *w, int *c)
{
    if (!v || !json_object_is_type(v, json_type_array)) return 0;
    size_t r = json_object_array_length(v);
    int d[3] = { 1, 1, 1 };
    if (r < 2 || r > 4) return 0;
    for (size_t j = 1; j < r; j++) {
        json_object *x = json_object_array_get_idx(v, j);
        if (!json_object_is_type(x, json_type_int) || json_object_get_int(x) <= 0 || json_object_get_int(x) > (1 << 20)) return 0;
        d[3 - (r - j)] = json_object_get_int(x);
    }
    *h = d[0]; *w = d[1]; *c = d[2];
    return 1;
}

/* Name of a layer's single input in a functional config, "" for none,
 * NULL when it has several (a branch) or cannot be read. */
static const char *inbound(json_object *l, char *buf, size_t cap)
{
    json_object *nodes, *n0, *x;
    buf[0] = 0;
    if (!json_object_object_get_ex(l, "inbound_nodes", &nodes) || !json_object_is_type(nodes, json_type_array)) return buf;
    size_t nn = json_object_array_length(nodes);
    if (nn == 0) return buf;
    if (nn > 1) return NULL;
    n0 = json_object_array_get_idx(nodes, 0);
    if (json_object_is_type(n0, json_type_array)) { /* Keras 2: [[name, i, j, {}], ...] */
        if (json_object_array_length(n0) != 1) return NULL;
        x = json_object_array_get_idx(n0, 0);
        if (!json_object_is_type(x, json_type_array)) return NULL;
        x = json_object_array_get_idx(x, 0);
    } else { /* Keras 3: {"args": [{"config": {"keras_history": [name, i, j]}}]} */
        json_object *args, *a0, *cfg, *hist;
        if (!json_object_object_get_ex(n0, "args", &args) || !json_object_is_type(args, json_type_array)
            || json_object_array_length(args) != 1) return NULL;
        a0 = json_object_array_get_idx(args, 0);
        if (!json_object_object_get_ex(a0, "config", &cfg) || !json_object_object_get_ex(cfg, "keras_history", &hist)
            || !json_object_is_type(hist, json_type_array)) return NULL;
        x = json_object_array_get_idx(hist, 0);
    }
    if (!x || !json_object_is_type(x, json_type_string)) return NULL;
    snprintf(buf, cap, "%s", json_object_get_string(x));
    return buf;
}

/* The stored parameter param of layer name at d's last step, read whole. */
static td_code read_param(const td_dump *d, int li, const char *param, uint64_t *budget,
                          double **out, size_t *n, int *over, td_err *e)
{
    long best = -1;
    *out = NULL; *n = 0;
    for (size_t i = 0; i < d->ntensors; i++) {
        const td_dump_tensor *t = &d->tensors[i];
        if (t->layer == li && t->kind == TD_DK_PARAM && strcmp(t->param, param) == 0 && (best < 0 || t->step > d->tensors[best].step))
            best = (long)i;
    }
    if (best < 0) return TD_OK;
    const td_dump_tensor *t = &d->tensors[best];
    if (t->shape.n > *budget) { *over = 1; return TD_OK; } /* left NULL: the caller stops */
    int rank;
    uint64_t dims[8];
    td_code rc = td_h5_read_f64(d->files[t->file], t->path, (size_t)t->shape.n, out, n, &rank, dims, e);
    if (rc == TD_OK) *budget -= *n;
    return rc;
}

typedef struct { lay *l; size_t n; char stop[200]; int ih, iw, ic; } net;

static void net_free(net *m)
{
    for (size_t i = 0; i < m->n; i++) {
        lay *l = &m->l[i];
        free(l->w); free(l->b); free(l->g); free(l->be); free(l->mu); free(l->var); free(l->y); free(l->dw);
    }
    free(m->l);
}

static int layer_of(const td_dump *d, const char *name)
{
    for (size_t i = 0; i < d->nlayers; i++) if (strcmp(d->layers[i].name, name) == 0) return (int)i;
    return -1;
}

static int out_size(int in, int k, int s, int same, int *pad)
{
    if (same) {
        int o = (in + s - 1) / s, tot = (o - 1) * s + k - in;
        *pad = tot > 0 ? tot / 2 : 0;
        return o;
    }
    *pad = 0;
    return in >= k ? (in - k) / s + 1 : 0;
}

/* Build the chain of layers with their weights and shapes; stops (m->stop
 * set) at the first layer it cannot pass. */
static td_code build(const td_dump *d, json_object *layers, int functional, net *m, td_err *e)
{
    size_t nl = json_object_array_length(layers);
    uint64_t budget = PROP_WEIGHTS;
    if (!(m->l = calloc(nl ? nl : 1, sizeof *m->l))) return td_fail(e, TD_ENOMEM, "out of memory");
    int h = m->ih, w = m->iw, c = m->ic;
    char prev[64] = "", in[64];
    for (size_t i = 0; i < nl; i++) {
        json_object *jl = json_object_array_get_idx(layers, i), *cfg = NULL;
        const char *cls = jstr(jl, "class_name");
        json_object_object_get_ex(jl, "config", &cfg);
        const char *name = jstr(cfg, "name");
        if (!cls || !name) { snprintf(m->stop, sizeof m->stop, "layer %zu of the model config has no class or name", i); break; }
        char sn[64];
        td_safe_text(sn, sizeof sn, name);
        if (functional) {
            const char *src = inbound(jl, in, sizeof in);
            if (!src || (i > 0 && strcmp(src, prev) != 0)) { snprintf(m->stop, sizeof m->stop, "%s: not a single chain (branch or merge)", sn); break; }
        }
        snprintf(prev, sizeof prev, "%s", name);
        lay *l = &m->l[m->n];
        memset(l, 0, sizeof *l);
        snprintf(l->name, sizeof l->name, "%s", sn);
        td_safe_text(l->cls, sizeof l->cls, cls);
        l->li = layer_of(d, name);
        l->ih = h; l->iw = w; l->ic = c;
        l->a = A_LIN;
        const char *as = jstr(cfg, "activation");
        if (as && !act_of(as, &l->a)) { snprintf(m->stop, sizeof m->stop, "%s: activation '%.30s' not propagated", sn, as); break; }
        if (as) td_safe_text(l->act, sizeof l->act, as);
        l->alpha = 0.3;
        double *kern = NULL;
        size_t nk = 0, nb = 0;
        int over = 0;
        td_code rc = TD_OK;
        if (strcmp(cls, "InputLayer") == 0 || strcmp(cls, "Dropout") == 0 || strcmp(cls, "Masking") == 0
            || strcmp(cls, "SpatialDropout2D") == 0 || strcmp(cls, "GaussianNoise") == 0 || strcmp(cls, "AlphaDropout") == 0) {
            l->k = K_ID;
        } else if (strcmp(cls, "Activation") == 0 || strcmp(cls, "ReLU") == 0 || strcmp(cls, "LeakyReLU") == 0) {
            l->k = K_ACT;
            if (cls[0] == 'R') {
                double mx = jnum(cfg, "max_value", NAN), ns = jnum(cfg, "negative_slope", 0), th = jnum(cfg, "threshold", 0);
                if ((!isnan(mx) && mx != 6) || th != 0 || (ns != 0 && !isnan(mx))) {
                    snprintf(m->stop, sizeof m->stop, "%s: a ReLU with threshold or max_value is not propagated", sn);
                    break;
                }
                l->a = ns != 0 ? A_LEAKY : mx == 6 ? A_RELU6 : A_RELU;
                l->alpha = ns;
                snprintf(l->act, sizeof l->act, "%s", ns != 0 ? "leaky_relu" : mx == 6 ? "relu6" : "relu");
            }
            if (cls[0] == 'L') { l->a = A_LEAKY; l->alpha = jnum(cfg, "negative_slope", jnum(cfg, "alpha", 0.3)); snprintf(l->act, sizeof l->act, "leaky_relu"); }
            if (!as && cls[0] == 'A') { snprintf(m->stop, sizeof m->stop, "%s: Activation without a name", sn); break; }
        } else if (strcmp(cls, "Flatten") == 0) {
            l->k = K_FLAT; c = h * w * c; h = w = 1;
        } else if (strcmp(cls, "GlobalAveragePooling2D") == 0) {
            l->k = K_GAP; h = w = 1;
        } else if (strcmp(cls, "MaxPooling2D") == 0 || strcmp(cls, "AveragePooling2D") == 0) {
            l->k = cls[0] == 'M' ? K_MAXP : K_AVGP;
            const char *pad = jstr(cfg, "padding"), *df = jstr(cfg, "data_format");
            if (!jint2(cfg, "pool_size", 2, &l->kh, &l->kw) || !jint2(cfg, "strides", 0, &l->sh, &l->sw)
                || (df && strcmp(df, "channels_last") != 0)) { snprintf(m->stop, sizeof m->stop, "%s: pooling configuration not propagated", sn); break; }
            if (l->sh <= 0) { l->sh = l->kh; l->sw = l->kw; }
            int same = pad && strcmp(pad, "same") == 0;
            h = out_size(h, l->kh, l->sh, same, &l->pt);
            w = out_size(w, l->kw, l->sw, same, &l->pl);
        } else if (strcmp(cls, "Dense") == 0 || strcmp(cls, "Conv2D") == 0) {
            int conv = cls[0] == 'C';
            l->k = conv ? K_CONV : K_DENSE;
            int units = (int)jnum(cfg, conv ? "filters" : "units", 0), d1, d2, g1 = 1;
            if (conv) {
                const char *pad = jstr(cfg, "padding"), *df = jstr(cfg, "data_format");
                if (!jint2(cfg, "kernel_size", 0, &l->kh, &l->kw) || !jint2(cfg, "strides", 1, &l->sh, &l->sw)
                    || !jint2(cfg, "dilation_rate", 1, &d1, &d2) || d1 != 1 || d2 != 1 || (df && strcmp(df, "channels_last") != 0)
                    || (g1 = (int)jnum(cfg, "groups", 1)) != 1 || (pad && strcmp(pad, "same") != 0 && strcmp(pad, "valid") != 0)) {
                    snprintf(m->stop, sizeof m->stop, "%s: Conv2D configuration (dilation, groups, data format or padding) not propagated", sn);
                    break;
                }
                int same = pad && strcmp(pad, "same") == 0;
                h = out_size(h, l->kh, l->sh, same, &l->pt);
                w = out_size(w, l->kw, l->sw, same, &l->pl);
            } else {
                l->kh = l->kw = l->sh = l->sw = 1;
            }
            if (l->li < 0) { snprintf(m->stop, sizeof m->stop, "%s: its weights are not in the file", sn); break; }
            if ((rc = read_param(d, l->li, "kernel", &budget, &kern, &nk, &over, e)) != TD_OK) return rc;
            l->w = kern;
            if ((rc = read_param(d, l->li, "bias", &budget, &l->b, &nb, &over, e)) != TD_OK) return rc;
            if (over) { snprintf(m->stop, sizeof m->stop, "%s: the weights pass the propagation's 64 MiB budget", sn); break; }
            if (!kern || units <= 0 || nk != (size_t)l->kh * (size_t)l->kw * (size_t)c * (size_t)units || (l->b && nb != (size_t)units)) {
                snprintf(m->stop, sizeof m->stop, "%s: kernel missing or not of the shape the config implies", sn);
                break;
            }
            c = units;
        } else if (strcmp(cls, "BatchNormalization") == 0) {
            l->k = K_BN;
            l->eps = jnum(cfg, "epsilon", 1e-3);
            json_object *ax;
            int axis_ok = !json_object_object_get_ex(cfg, "axis", &ax) || (json_object_is_type(ax, json_type_int) && (json_object_get_int(ax) == -1 || json_object_get_int(ax) == 3 - (h == 1 && w == 1) * 2))
                          || (json_object_is_type(ax, json_type_array) && json_object_array_length(ax) == 1);
            size_t n1 = 0, n2 = 0, n3 = 0, n4 = 0;
            if (l->li >= 0 && ((rc = read_param(d, l->li, "gamma", &budget, &l->g, &n1, &over, e)) || (rc = read_param(d, l->li, "beta", &budget, &l->be, &n2, &over, e))
                || (rc = read_param(d, l->li, "moving_mean", &budget, &l->mu, &n3, &over, e)) || (rc = read_param(d, l->li, "moving_variance", &budget, &l->var, &n4, &over, e))))
                return rc;
            if (over) { snprintf(m->stop, sizeof m->stop, "%s: the weights pass the propagation's 64 MiB budget", sn); break; }
            if (!axis_ok || !l->mu || !l->var || n3 != (size_t)c || n4 != (size_t)c || (l->g && n1 != (size_t)c) || (l->be && n2 != (size_t)c)) {
                snprintf(m->stop, sizeof m->stop, "%s: BatchNormalization statistics missing or not on the last axis", sn);
                break;
            }
        } else {
            snprintf(m->stop, sizeof m->stop, "%s: a %s layer is not propagated", sn, l->cls);
            break;
        }
        if (h <= 0 || w <= 0) { snprintf(m->stop, sizeof m->stop, "%s: output would be empty", sn); break; }
        l->oh = h; l->ow = w; l->oc = c;
        m->n++;
    }
    return TD_OK;
}

static double macs_of(const lay *l)
{
    double pos = (double)l->oh * l->ow;
    if (l->k == K_DENSE || l->k == K_CONV) return pos * l->kh * l->kw * l->ic * l->oc;
    return pos * l->oc;
}

static float actf(actk a, double x, double alpha)
{
    switch (a) {
    case A_RELU: return x > 0 ? (float)x : 0.0f;
    case A_LEAKY: return (float)(x > 0 ? x : alpha * x);
    case A_SIG: return (float)(1.0 / (1.0 + exp(-x)));
    case A_TANH: return (float)tanh(x);
    case A_ELU: return (float)(x > 0 ? x : expm1(x));
    case A_SOFTPLUS: return (float)(x > 30 ? x : log1p(exp(x)));
    case A_RELU6: return (float)(x < 0 ? 0 : x > 6 ? 6 : x);
    case A_SELU: return (float)(SELU_L * (x > 0 ? x : SELU_A * expm1(x)));
    case A_SOFTSIGN: return (float)(x / (1 + fabs(x)));
    case A_EXP: return (float)exp(x);
    default: return (float)x;
    }
}

/* act'(x) from y = act(x). */
static double dact(actk a, double y, double alpha)
{
    switch (a) {
    case A_RELU: return y > 0;
    case A_LEAKY: return y > 0 ? 1 : alpha;
    case A_SIG: return y * (1 - y);
    case A_TANH: return 1 - y * y;
    case A_ELU: return y > 0 ? 1 : y + 1;
    case A_SOFTPLUS: return -expm1(-y);
    case A_RELU6: return y > 0 && y < 6;
    case A_SELU: return y > 0 ? SELU_L : y + SELU_L * SELU_A;
    case A_SOFTSIGN: return (1 - fabs(y)) * (1 - fabs(y));
    case A_EXP: return y;
    default: return 1;
    }
}

static void softmax_rows(float *y, size_t rows, int c)
{
    for (size_t r = 0; r < rows; r++) {
        float *p = y + r * (size_t)c;
        double mx = p[0], s = 0;
        for (int k = 1; k < c; k++) if (p[k] > mx) mx = p[k];
        for (int k = 0; k < c; k++) s += exp((double)p[k] - mx);
        for (int k = 0; k < c; k++) p[k] = (float)(exp((double)p[k] - mx) / s);
    }
}

/* Forward of layer l over B samples from x (B, ih, iw, ic) into l->y;
 * acc holds l->oc doubles. */
static void forward(lay *l, const float *x, int B, double *acc)
{
    size_t in_s = (size_t)l->ih * l->iw * l->ic, out_s = (size_t)l->oh * l->ow * l->oc;
    int C = l->ic, O = l->oc;
    for (int b = 0; b < B; b++) {
        const float *xb = x + (size_t)b * in_s;
        float *yb = l->y + (size_t)b * out_s;
        for (int oy = 0; oy < l->oh; oy++)
            for (int ox = 0; ox < l->ow; ox++) {
                float *yp = yb + ((size_t)oy * l->ow + ox) * O;
                if (l->k == K_DENSE || l->k == K_CONV) {
                    for (int o = 0; o < O; o++) acc[o] = l->b ? l->b[o] : 0;
                    for (int ky = 0; ky < l->kh; ky++) {
                        int iy = oy * l->sh + ky - l->pt;
                        if (iy < 0 || iy >= l->ih) continue;
                        for (int kx = 0; kx < l->kw; kx++) {
                            int ix = ox * l->sw + kx - l->pl;
                            if (ix < 0 || ix >= l->iw) continue;
                            const float *xp = xb + ((size_t)iy * l->iw + ix) * C;
                            const double *wp = l->w + ((size_t)ky * l->kw + kx) * (size_t)C * O;
                            for (int ci = 0; ci < C; ci++) {
                                double xv = xp[ci];
                                const double *wr = wp + (size_t)ci * O;
                                for (int o = 0; o < O; o++) acc[o] += xv * wr[o];
                            }
                        }
                    }
                    for (int o = 0; o < O; o++) yp[o] = actf(l->a, acc[o], l->alpha);
                } else if (l->k == K_MAXP || l->k == K_AVGP) {
                    for (int o = 0; o < O; o++) {
                        double best = -INFINITY, s = 0;
                        int n = 0;
                        for (int ky = 0; ky < l->kh; ky++)
                            for (int kx = 0; kx < l->kw; kx++) {
                                int iy = oy * l->sh + ky - l->pt, ix = ox * l->sw + kx - l->pl;
                                if (iy < 0 || iy >= l->ih || ix < 0 || ix >= l->iw) continue;
                                double v = xb[((size_t)iy * l->iw + ix) * C + o];
                                if (v > best) best = v;
                                s += v; n++;
                            }
                        yp[o] = (float)(l->k == K_MAXP ? best : s / (n ? n : 1));
                    }
                } else if (l->k == K_GAP) {
                    for (int o = 0; o < O; o++) {
                        double s = 0;
                        for (size_t p = 0; p < (size_t)l->ih * l->iw; p++) s += xb[p * C + o];
                        yp[o] = (float)(s / ((double)l->ih * l->iw));
                    }
                } else if (l->k == K_BN) {
                    const float *xp = xb + ((size_t)oy * l->ow + ox) * C;
                    for (int o = 0; o < O; o++)
                        yp[o] = (float)((l->g ? l->g[o] : 1) * (xp[o] - l->mu[o]) / sqrt(l->var[o] + l->eps) + (l->be ? l->be[o] : 0));
                } else { /* identity, flatten, activation: same elements */
                    const float *xp = xb + ((size_t)oy * l->ow + ox) * O;
                    for (int o = 0; o < O; o++) yp[o] = l->k == K_ACT ? actf(l->a, xp[o], l->alpha) : xp[o];
                }
            }
    }
    if (l->a == A_SOFTMAX) softmax_rows(l->y, (size_t)B * l->oh * l->ow, O);
}

/* Backward of layer l: g (B, oh, ow, oc) in, gin (B, ih, iw, ic) out (zeroed
 * here), l->dw accumulated; x is the layer's input. */
static void backward(lay *l, const float *x, double *g, double *gin, int B, int is_top)
{
    size_t in_s = (size_t)l->ih * l->iw * l->ic, out_s = (size_t)l->oh * l->ow * l->oc;
    int C = l->ic, O = l->oc;
    size_t rows = (size_t)B * l->oh * l->ow;
    if (l->a == A_SOFTMAX && is_top && O > 1) {
        /* the output softmax: the random gradient is taken at its logits, as
         * cross-entropy's p − y is (a saturated softmax would hide everything) */
    } else if (l->a == A_SOFTMAX) {
        for (size_t r = 0; r < rows; r++) {
            const float *y = l->y + r * (size_t)O;
            double *gp = g + r * (size_t)O, s = 0;
            for (int o = 0; o < O; o++) s += y[o] * gp[o];
            for (int o = 0; o < O; o++) gp[o] = y[o] * (gp[o] - s);
        }
    } else if (l->a != A_LIN) {
        for (size_t i = 0; i < rows * (size_t)O; i++) g[i] *= dact(l->a, l->y[i], l->alpha);
    }
    memset(gin, 0, (size_t)B * in_s * sizeof *gin);
    for (int b = 0; b < B; b++) {
        const float *xb = x + (size_t)b * in_s;
        double *gb = g + (size_t)b * out_s, *gib = gin + (size_t)b * in_s;
        for (int oy = 0; oy < l->oh; oy++)
            for (int ox = 0; ox < l->ow; ox++) {
                const double *gp = gb + ((size_t)oy * l->ow + ox) * O;
                if (l->k == K_DENSE || l->k == K_CONV) {
                    for (int ky = 0; ky < l->kh; ky++) {
                        int iy = oy * l->sh + ky - l->pt;
                        if (iy < 0 || iy >= l->ih) continue;
                        for (int kx = 0; kx < l->kw; kx++) {
                            int ix = ox * l->sw + kx - l->pl;
                            if (ix < 0 || ix >= l->iw) continue;
                            size_t xo = ((size_t)iy * l->iw + ix) * C, wo = ((size_t)ky * l->kw + kx) * (size_t)C * O;
                            for (int ci = 0; ci < C; ci++) {
                                const double *wr = l->w + wo + (size_t)ci * O;
                                double *dr = l->dw + wo + (size_t)ci * O, xv = xb[xo + ci] / B, s = 0;
                                for (int o = 0; o < O; o++) { s += wr[o] * gp[o]; dr[o] += xv * gp[o]; }
                                gib[xo + ci] += s;
                            }
                        }
                    }
                } else if (l->k == K_MAXP || l->k == K_AVGP) {
                    for (int o = 0; o < O; o++) {
                        double best = -INFINITY;
                        size_t at = 0;
                        int n = 0;
                        for (int pass = 0; pass < 2; pass++)
                            for (int ky = 0; ky < l->kh; ky++)
                                for (int kx = 0; kx < l->kw; kx++) {
                                    int iy = oy * l->sh + ky - l->pt, ix = ox * l->sw + kx - l->pl;
                                    if (iy < 0 || iy >= l->ih || ix < 0 || ix >= l->iw) continue;
                                    size_t p = ((size_t)iy * l->iw + ix) * C + o;
                                    if (pass == 0) { if (xb[p] > best) { best = xb[p]; at = p; } n++; }
                                    else if (l->k == K_AVGP) gib[p] += gp[o] / (n > 0 ? n : 1);
                                }
                        if (l->k == K_MAXP) gib[at] += gp[o];
                    }
                } else if (l->k == K_GAP) {
                    for (int o = 0; o < O; o++)
                        for (size_t p = 0; p < (size_t)l->ih * l->iw; p++) gib[p * C + o] += gp[o] / ((double)l->ih * l->iw);
                } else {
                    double *gq = gib + ((size_t)oy * l->ow + ox) * O;
                    for (int o = 0; o < O; o++)
                        gq[o] += l->k == K_BN ? gp[o] * (l->g ? l->g[o] : 1) / sqrt(l->var[o] + l->eps) : gp[o];
                }
            }
    }
}

/* Per-layer statistics of the forward pass. */
static void layer_stats(const lay *l, int B, double margin, td_dump_prop *p)
{
    size_t n = (size_t)B * l->oh * l->ow * l->oc, pos = (size_t)B * l->oh * l->ow;
    td_stats st;
    td_stats_init(&st);
    uint64_t sat = 0;
    int is_sig = l->a == A_SIG, is_tanh = l->a == A_TANH, is_relu = l->a == A_RELU || l->a == A_RELU6;
    for (size_t i = 0; i < n; i++) {
        double v = l->y[i];
        td_stats_add(&st, v);
        if (is_sig) sat += v <= margin || v >= 1 - margin;
        if (is_tanh) sat += fabs(v) >= 1 - margin;
    }
    p->act_std = td_stats_std(&st);
    p->sat_frac = is_sig || is_tanh ? (double)sat / (double)n : NAN;
    p->dead_frac = NAN;
    p->units = (uint64_t)l->oc;
    if (is_relu && pos >= 16) {
        uint64_t dead = 0;
        for (int o = 0; o < l->oc; o++) {
            int alive = 0;
            for (size_t r = 0; r < pos && !alive; r++) alive = l->y[r * (size_t)l->oc + o] != 0;
            dead += !alive;
        }
        p->dead_frac = (double)dead / (double)l->oc;
    }
}

static double rms_of(const double *x, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) s += x[i] * x[i];
    return n ? sqrt(s / (double)n) : NAN;
}

static double std_of(const double *x, size_t n)
{
    td_stats st;
    td_stats_init(&st);
    for (size_t i = 0; i < n; i++) td_stats_add(&st, x[i]);
    return td_stats_std(&st);
}

/* Layer index of a finding: the prop layer's own, else the nearest weighted one before it. */
static int finding_layer(const td_dump_prop *p, size_t k)
{
    for (size_t i = k + 1; i-- > 0;) if (p[i].layer >= 0) return p[i].layer;
    return -1;
}

static td_code judge(td_dump *d, const td_dump_opts *o, td_err *e)
{
    td_dump_prop *p = d->prop;
    size_t n = d->nprop;
    td_code rc = TD_OK;
    long first = -1, last = -1;
    for (size_t i = 0; i < n; i++) if (isfinite(p[i].grad_rms)) { if (first < 0) first = (long)i; last = (long)i; }
    char pre[96];
    snprintf(pre, sizeof pre, "signal propagation (%d seeded N(0,1) inputs)", d->prop_batch);
    /* gradient across depth */
    if (first >= 0 && first < last) {
        double gf = p[first].grad_rms, gl = p[last].grad_rms;
        const td_dump_prop *out = &p[n - 1];
        if (gl == 0 && gf == 0 && strcmp(out->act, "softmax") == 0 && out->units == 1)
            rc = td_dump_add_finding(d, e, TD_DF_VANISHING_GRAD, p[last].layer, -1, 0, 0,
                                     "%s: the output %s is a softmax over a single unit, always 1: the gradient is exactly zero at every layer", pre, out->name);
        else if (gl == 0 && gf == 0)
            rc = td_dump_add_finding(d, e, TD_DF_VANISHING_GRAD, p[last].layer, -1, 0, 0,
                                     "%s: the gradient is exactly zero at every layer, %s included: no gradient reaches any weight", pre, p[last].name);
        else if (gl > 0 && gf / gl < 1.0 / o->grad_depth)
            rc = td_dump_add_finding(d, e, TD_DF_VANISHING_GRAD, p[first].layer, -1, gf / gl, 1.0 / o->grad_depth,
                                     "%s: kernel gradient RMS %.3g at %s is %.2g of %.3g at %s: the gradient vanishes by the first layer",
                                     pre, gf, p[first].name, gf / gl, gl, p[last].name);
        else if (gl > 0 && gf / gl > o->grad_depth)
            rc = td_dump_add_finding(d, e, TD_DF_EXPLODING_GRAD, p[first].layer, -1, gf / gl, o->grad_depth,
                                     "%s: kernel gradient RMS %.3g at %s is %.3g times %.3g at %s: the gradient explodes toward the input",
                                     pre, gf, p[first].name, gf / gl, gl, p[last].name);
    }
    /* activations collapsing with depth (hidden layers, softmax outputs aside) */
    double ref = 1.0;
    for (size_t i = 0; i < n; i++) if (isfinite(p[i].act_std) && strcmp(p[i].act, "softmax") != 0) { ref = fmax(1.0, p[i].act_std); break; }
    for (size_t i = 0; i + 1 < n && rc == TD_OK; i++) {
        if (strcmp(p[i].act, "softmax") == 0 || !(p[i].act_std < 1e-2 * ref)) continue;
        size_t endl = i, kb = 0, kt = 0; /* the last hidden layer; weighted layers up to i, in all */
        for (size_t k = i; k + 1 < n; k++) if (strcmp(p[k].act, "softmax") != 0) endl = k;
        for (size_t k = 0; k < n; k++) { kt += isfinite(p[k].wstd_he); kb += k <= i && isfinite(p[k].wstd_he); }
        rc = td_dump_add_finding(d, e, TD_DF_COLLAPSE, finding_layer(p, i), -1, p[i].act_std, 1e-2 * ref,
                                 "%s: activations collapse with depth: output std %.3g at %s (after %zu of %zu weighted layers; below 1e-2 of the input's), %.3g at %s: the signal dies",
                                 pre, p[i].act_std, p[i].name, kb, kt, p[endl].act_std, p[endl].name);
        break;
    }
    for (size_t i = 0; i < n && rc == TD_OK; i++) {
        double rmsv = p[i].act_std; /* std as a lower bound of the RMS */
        if (rmsv > o->act_explode) {
            rc = td_dump_add_finding(d, e, TD_DF_EXPLODING_ACT, finding_layer(p, i), -1, rmsv, o->act_explode,
                                     "%s: output std %.3g at %s (> %.3g): activations explode with depth", pre, rmsv, p[i].name, o->act_explode);
            break;
        }
    }
    for (size_t i = 0; i < n && rc == TD_OK; i++)
        if (p[i].dead_frac == 1.0)
            rc = td_dump_add_finding(d, e, TD_DF_DEAD_RELU, finding_layer(p, i), -1, 1, o->dead_frac,
                                     "%s: every one of the %llu ReLU units of %s is zero for the whole batch: a dead layer",
                                     pre, (unsigned long long)p[i].units, p[i].name);
    /* kernels far from every standard init scale (trained or not) */
    size_t nfar = 0, nk = 0;
    double lo_r = INFINITY, hi_r = 0;
    int below = 0, above = 0, firstl = -1;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(p[i].wstd_he) || p[i].layer < 0) continue;
        const td_dump_layer *l = &d->layers[p[i].layer];
        nk++;
        if (!isfinite(l->he)) continue;
        double lo = fmin(l->he, fmin(l->glorot, l->lecun)) / o->init_factor, hi = fmax(l->he, fmax(l->glorot, l->lecun)) * o->init_factor;
        double sd = p[i].wstd_he * l->he;
        if (sd >= lo && sd <= hi) continue;
        nfar++;
        below |= sd < lo; above |= sd > hi;
        lo_r = fmin(lo_r, p[i].wstd_he); hi_r = fmax(hi_r, p[i].wstd_he);
        if (firstl < 0) firstl = p[i].layer;
        d->layers[p[i].layer].flags |= TD_DF_INIT_SCALE;
    }
    if (nfar && rc == TD_OK)
        rc = td_dump_add_finding(d, e, TD_DF_INIT_SCALE, firstl, -1, lo_r, below ? 1.0 / o->init_factor : o->init_factor,
                                 "%zu of %zu kernels have a std far %s every standard init scale (std/He %.2g..%.2g; He, Glorot, LeCun within %gx)",
                                 nfar, nk, below && above ? "outside" : below ? "below" : "above", lo_r, hi_r, o->init_factor);
    return rc;
}

td_code td_dump_propagate(td_dump *d, const td_dump_opts *o, td_err *e)
{
    td_code rc = TD_OK;
    net m = { 0 };
    char note[320];
    const char *file = d->files[d->nfiles - 1];
    if (!d->model_config) return td_dump_add_note(d, file, "--propagate: no Keras model_config in the file, nothing to propagate") < 0
                                  ? td_fail(e, TD_ENOMEM, "out of memory") : TD_OK;
    json_object *j = json_tokener_parse(d->model_config), *cfg = NULL, *layers = NULL;
    const char *mcls = jstr(j, "class_name");
    if (j) json_object_object_get_ex(j, "config", &cfg);
    if (cfg && json_object_is_type(cfg, json_type_array)) layers = cfg; /* Keras 2.2 Sequential */
    else if (cfg) json_object_object_get_ex(cfg, "layers", &layers);
    int functional = mcls && (strcmp(mcls, "Model") == 0 || strcmp(mcls, "Functional") == 0);
    if (!mcls || !layers || !json_object_is_type(layers, json_type_array) || (!functional && strcmp(mcls, "Sequential") != 0)) {
        snprintf(note, sizeof note, "signal propagation: the model config is not a Sequential or functional model's, not propagated");
        goto noted;
    }
    if (!input_shape(cfg, layers, &m.ih, &m.iw, &m.ic)) {
        snprintf(note, sizeof note, "signal propagation: no input shape in the model config, not propagated");
        goto noted;
    }
    if ((rc = build(d, layers, functional, &m, e)) != TD_OK) goto done;
    if (m.n == 0) { snprintf(note, sizeof note, "signal propagation stopped at the first layer: %s", m.stop); goto noted; }
    /* batch size within the compute and memory budgets */
    double macs = 0, bytes = (double)m.ih * m.iw * m.ic * 4, gmax = (double)m.ih * m.iw * m.ic;
    for (size_t i = 0; i < m.n; i++) {
        macs += macs_of(&m.l[i]);
        double sz = (double)m.l[i].oh * m.l[i].ow * m.l[i].oc;
        bytes += 4 * sz;
        gmax = fmax(gmax, sz);
    }
    bytes += 16 * gmax;
    if (macs > PROP_MACS_MAX || bytes > PROP_BYTES) {
        snprintf(note, sizeof note, "signal propagation skipped: %.3g multiply-adds and %.0f MiB per sample, over its budget", macs, bytes / 1048576);
        goto noted;
    }
    int B = 64;
    while (B > 1 && (B * macs > PROP_MACS || B * bytes > PROP_BYTES)) B /= 2;
    size_t in_n = (size_t)B * m.ih * m.iw * m.ic;
    float *x0 = malloc(in_n * sizeof *x0);
    double *g = malloc((size_t)(B * gmax) * sizeof *g), *gin = malloc((size_t)(B * gmax) * sizeof *gin);
    int maxc = 1;
    for (size_t i = 0; i < m.n; i++) if (m.l[i].oc > maxc) maxc = m.l[i].oc;
    double *acc = malloc((size_t)maxc * sizeof *acc);
    int ok = x0 && g && gin && acc;
    for (size_t i = 0; i < m.n && ok; i++) {
        lay *l = &m.l[i];
        ok = (l->y = malloc((size_t)B * l->oh * l->ow * l->oc * sizeof *l->y)) != NULL;
        if (ok && l->w) ok = (l->dw = calloc((size_t)l->kh * l->kw * l->ic * l->oc, sizeof *l->dw)) != NULL;
    }
    free(d->prop);
    d->nprop = 0;
    if (ok) ok = (d->prop = calloc(m.n, sizeof *d->prop)) != NULL;
    if (!ok) { free(x0); free(g); free(gin); free(acc); rc = td_fail(e, TD_ENOMEM, "out of memory"); goto done; }
    td_rng r;
    td_rng_seed(&r, PROP_SEED);
    for (size_t i = 0; i < in_n; i++) x0[i] = (float)td_rng_normal(&r);
    for (size_t i = 0; i < m.n; i++) forward(&m.l[i], i ? m.l[i - 1].y : x0, B, acc);
    free(acc);
    const lay *top = &m.l[m.n - 1];
    size_t gn = (size_t)B * top->oh * top->ow * top->oc;
    for (size_t i = 0; i < gn; i++) g[i] = td_rng_normal(&r);
    for (size_t i = m.n; i-- > 0;) {
        backward(&m.l[i], i ? m.l[i - 1].y : x0, g, gin, B, i + 1 == m.n || (i + 2 == m.n && m.l[i + 1].k == K_ID));
        double *t = g; g = gin; gin = t;
    }
    free(x0); free(g); free(gin);
    d->prop_batch = B;
    d->nprop = m.n;
    for (size_t i = 0; i < m.n; i++) {
        const lay *l = &m.l[i];
        td_dump_prop *p = &d->prop[i];
        snprintf(p->name, sizeof p->name, "%s", l->name);
        snprintf(p->cls, sizeof p->cls, "%s", l->cls);
        snprintf(p->act, sizeof p->act, "%s", l->act);
        p->layer = l->li;
        layer_stats(l, B, o->sat_margin, p);
        size_t nw = l->w ? (size_t)l->kh * l->kw * l->ic * l->oc : 0;
        p->grad_rms = nw ? rms_of(l->dw, nw) : NAN;
        p->wstd_he = nw ? std_of(l->w, nw) / sqrt(2.0 / ((double)l->kh * l->kw * l->ic)) : NAN;
    }
    if ((rc = judge(d, o, e)) != TD_OK) goto done;
    if (!m.stop[0]) goto done;
    snprintf(note, sizeof note, "signal propagation stopped after %s: %s", m.l[m.n - 1].name, m.stop);
noted:
    if (td_dump_add_note(d, file, note) < 0) rc = td_fail(e, TD_ENOMEM, "out of memory");
done:
    json_object_put(j);
    net_free(&m);
    return rc;
}

void td_dump_write_prop_text(const td_dump *d, td_out *out)
{
    if (!d->nprop) return;
    td_out_printf(out, "propagation: %d seeded N(0,1) inputs forward, a N(0,1) gradient backward (inference mode)\n", d->prop_batch);
    td_out_printf(out, "%-3s %-24s %-20s %-8s %10s %7s %7s %10s %7s\n", "#", "layer", "class", "act", "out_std", "dead", "sat", "grad_rms", "std/He");
    for (size_t i = 0; i < d->nprop; i++) {
        const td_dump_prop *p = &d->prop[i];
        char dead[16] = "-", sat[16] = "-", gr[16] = "-", he[16] = "-";
        if (!isnan(p->dead_frac)) snprintf(dead, sizeof dead, "%.0f%%", 100 * p->dead_frac);
        if (!isnan(p->sat_frac)) snprintf(sat, sizeof sat, "%.0f%%", 100 * p->sat_frac);
        if (!isnan(p->grad_rms)) snprintf(gr, sizeof gr, "%.2e", p->grad_rms);
        if (!isnan(p->wstd_he)) snprintf(he, sizeof he, "%.2f", p->wstd_he);
        td_out_printf(out, "%-3zu %-24s %-20s %-8s %10.3g %7s %7s %10s %7s\n", i, p->name, p->cls, p->act[0] ? p->act : "-",
                      p->act_std, dead, sat, gr, he);
    }
}

void td_dump_write_prop_json(const td_dump *d, td_json *j)
{
    td_json_key(j, "propagation");
    if (!d->nprop) { td_json_null(j); return; }
    td_json_obj(j);
    td_json_kint(j, "batch", d->prop_batch);
    td_json_key(j, "layers");
    td_json_arr(j);
    for (size_t i = 0; i < d->nprop; i++) {
        const td_dump_prop *p = &d->prop[i];
        td_json_obj(j);
        td_json_kstr(j, "name", p->name);
        td_json_kstr(j, "class", p->cls);
        td_json_kstr(j, "activation", p->act[0] ? p->act : NULL);
        td_json_kint(j, "layer", p->layer);
        td_json_kint(j, "units", (long long)p->units);
        td_json_knum(j, "out_std", p->act_std);
        td_json_knum(j, "dead_frac", p->dead_frac);
        td_json_knum(j, "saturated_frac", p->sat_frac);
        td_json_knum(j, "grad_rms", p->grad_rms);
        td_json_knum(j, "std_over_he", p->wstd_he);
        td_json_end_obj(j);
    }
    td_json_end_arr(j);
    td_json_end_obj(j);
}
