/* mlp.c — a sample model plugin for sanitycheck (gradcheck/td_model.h):
 * a two-layer MLP with softmax cross-entropy and L2 regularization.
 *
 *   h = relu(x W1 + b1)        x (B,D), W1 (D,H), b1 (H), h (B,H)
 *   s = h W2 + b2              W2 (H,C), b2 (C), s (B,C)
 *   L_data = (1/B) Σ_b -log softmax(s_b)[y_b]
 *   R = (λ/2) (‖W1‖² + ‖W2‖²)
 *   init: W1 ~ N(0, 2/D)·scale (He), W2 ~ N(0, 1e-4/H)·scale (small last
 *         layer: scores ≈ 0, so the loss starts at ln C), biases 0.
 *
 * Built once correct and once per classic bug (BUG=...), each caught by
 * one of sanitycheck's checks:
 *   BUG_BIGINIT  weights drawn with std 3: the first loss is far above ln C
 *   BUG_NOLEARN  backward ignores the label (always pushes class 0): the
 *                gradients cannot fit 20 examples
 *   BUG_REGSIGN  R = -(λ/2)‖W‖²: more regularization lowers the loss
 *   BUG_SUM      the loss and its gradient summed over the batch, not averaged
 *   BUG_CRASH    forward writes through a NULL pointer (a plugin crash)
 *   BUG_HANG     backward never returns (a plugin hang)
 * Keys: in (D), hidden (H, default 16), classes (C, default 3).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "td_model.h"

typedef struct {
    size_t D, H, C;
    double lambda;
    double *h, *p; /* caches of the last forward: (B,H) activations, (B,C) probabilities */
    size_t cap;
    char err[160];
} mlp;

/* splitmix64 + Box–Muller: a plugin does not link libtdiag */
static uint64_t next_u64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
static double normal(uint64_t *s)
{
    double u1 = ((double)(next_u64(s) >> 11) + 0.5) / 9007199254740992.0;
    double u2 = (double)(next_u64(s) >> 11) / 9007199254740992.0;
    return sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
}

static int parse_size(const char *v, size_t lo, size_t hi, size_t *out)
{
    char *end;
    long long x = strtoll(v, &end, 10);
    if (end == v || *end || x < (long long)lo || x > (long long)hi) return -1;
    *out = (size_t)x;
    return 0;
}

static void tensor(td_tensor_desc *t, const char *name, size_t a, size_t b)
{
    memset(t, 0, sizeof *t);
    snprintf(t->name, sizeof t->name, "%s", name);
    t->kind = TD_T_PARAM;
    t->rank = b ? 2 : 1;
    t->shape[0] = a;
    t->shape[1] = b;
}

static void *create(int n, const char *const *keys, const char *const *vals, td_model_desc *d,
                    char *err, size_t errcap)
{
    size_t D = 0, H = 16, C = 3;
    for (int i = 0; i < n; i++) {
        size_t *dst = !strcmp(keys[i], "in") ? &D : !strcmp(keys[i], "hidden") ? &H
                    : !strcmp(keys[i], "classes") ? &C : NULL;
        if (!dst) { snprintf(err, errcap, "unknown key '%s' (keys: in, hidden, classes)", keys[i]); return NULL; }
        if (parse_size(vals[i], 1, 100000, dst)) { snprintf(err, errcap, "%s: '%s' is not an integer in [1, 100000]", keys[i], vals[i]); return NULL; }
    }
    if (!D) { snprintf(err, errcap, "in: the input size is required"); return NULL; }
    if (C < 2) { snprintf(err, errcap, "classes: need at least 2"); return NULL; }
    mlp *m = calloc(1, sizeof *m);
    if (!m) { snprintf(err, errcap, "out of memory"); return NULL; }
    m->D = D; m->H = H; m->C = C;
    memset(d, 0, sizeof *d);
    d->in_dim = D;
    d->classes = (long)C;
    d->loss = TD_LOSS_SOFTMAX;
    d->margin = 1;
    d->n_params = 4;
    tensor(&d->params[0], "W1", D, H);
    tensor(&d->params[1], "b1", H, 0);
    tensor(&d->params[2], "W2", H, C);
    tensor(&d->params[3], "b2", C, 0);
    return m;
}

static void destroy(void *self)
{
    mlp *m = self;
    if (!m) return;
    free(m->h);
    free(m->p);
    free(m);
}

static int init(void *self, double *const *params, double scale, uint64_t seed)
{
    mlp *m = self;
    uint64_t s = seed * 0x2545F4914F6CDD1DULL + 1;
#ifdef BUG_BIGINIT
    double s1 = 3.0, s2 = 3.0;
#else
    double s1 = sqrt(2.0 / (double)m->D), s2 = 0.01 / sqrt((double)m->H);
#endif
    for (size_t i = 0; i < m->D * m->H; i++) params[0][i] = scale * s1 * normal(&s);
    for (size_t i = 0; i < m->H * m->C; i++) params[2][i] = scale * s2 * normal(&s);
    memset(params[1], 0, m->H * sizeof(double));
    memset(params[3], 0, m->C * sizeof(double));
    return 0;
}

static void set_reg(void *self, double lambda)
{
    ((mlp *)self)->lambda = lambda;
}

#ifdef BUG_REGSIGN
#define REG_SIGN (-1.0)
#else
#define REG_SIGN 1.0
#endif
#ifdef BUG_SUM
#define BATCH_SCALE(B) 1.0
#else
#define BATCH_SCALE(B) (1.0 / (double)(B))
#endif

static int forward(void *self, double loss[2], double *scores, const double *const *params,
                   const double *x, const double *y, size_t B)
{
    mlp *m = self;
    size_t D = m->D, H = m->H, C = m->C;
#ifdef BUG_CRASH
    volatile double *nowhere = NULL;
    *nowhere = x[0];
#endif
    if (B > m->cap) {
        double *h = realloc(m->h, B * H * sizeof *h), *p = h ? realloc(m->p, B * C * sizeof *p) : NULL;
        if (h) m->h = h;
        if (p) m->p = p;
        if (!h || !p) { snprintf(m->err, sizeof m->err, "out of memory for a batch of %zu", B); return 1; }
        m->cap = B;
    }
    const double *W1 = params[0], *b1 = params[1], *W2 = params[2], *b2 = params[3];
    double total = 0;
    for (size_t b = 0; b < B; b++) {
        double *h = m->h + b * H, *p = m->p + b * C;
        for (size_t j = 0; j < H; j++) {
            double a = b1[j];
            for (size_t i = 0; i < D; i++) a += x[b * D + i] * W1[i * H + j];
            h[j] = a > 0 ? a : 0;
        }
        double mx = -INFINITY;
        for (size_t k = 0; k < C; k++) {
            double s = b2[k];
            for (size_t j = 0; j < H; j++) s += h[j] * W2[j * C + k];
            p[k] = s;
            if (scores) scores[b * C + k] = s;
            if (s > mx) mx = s;
        }
        double z = 0;
        for (size_t k = 0; k < C; k++) z += exp(p[k] - mx);
        size_t yb = (size_t)y[b];
        if (y[b] < 0 || yb >= C) { snprintf(m->err, sizeof m->err, "label %g outside [0, %zu)", y[b], C); return 1; }
        total += -(p[yb] - mx - log(z));
        for (size_t k = 0; k < C; k++) p[k] = exp(p[k] - mx) / z;
    }
    double r = 0;
    for (size_t i = 0; i < D * H; i++) r += W1[i] * W1[i];
    for (size_t i = 0; i < H * C; i++) r += W2[i] * W2[i];
    loss[0] = total * BATCH_SCALE(B);
    loss[1] = REG_SIGN * 0.5 * m->lambda * r;
    return 0;
}

static int backward(void *self, double *const *dparams, const double *const *params,
                    const double *x, const double *y, size_t B)
{
    mlp *m = self;
    size_t D = m->D, H = m->H, C = m->C;
    const double *W1 = params[0], *W2 = params[2];
    double *dW1 = dparams[0], *db1 = dparams[1], *dW2 = dparams[2], *db2 = dparams[3];
    double *ds = malloc(C * sizeof *ds), *dh = malloc(H * sizeof *dh);
    if (!ds || !dh) { free(ds); free(dh); snprintf(m->err, sizeof m->err, "out of memory"); return 1; }
    double scale = BATCH_SCALE(B);
#ifdef BUG_HANG
    for (volatile int spin = 1; spin;) {}
#endif
    for (size_t b = 0; b < B; b++) {
        const double *h = m->h + b * H, *p = m->p + b * C;
        for (size_t k = 0; k < C; k++) ds[k] = scale * p[k];
#ifdef BUG_NOLEARN
        ds[0] -= scale; /* the label is never looked at */
        (void)y;
#else
        ds[(size_t)y[b]] -= scale;
#endif
        for (size_t k = 0; k < C; k++) db2[k] += ds[k];
        for (size_t j = 0; j < H; j++) {
            double g = 0;
            for (size_t k = 0; k < C; k++) {
                dW2[j * C + k] += h[j] * ds[k];
                g += W2[j * C + k] * ds[k];
            }
            dh[j] = h[j] > 0 ? g : 0;
            db1[j] += dh[j];
        }
        for (size_t i = 0; i < D; i++)
            for (size_t j = 0; j < H; j++) dW1[i * H + j] += x[b * D + i] * dh[j];
    }
    for (size_t i = 0; i < D * H; i++) dW1[i] += REG_SIGN * m->lambda * W1[i];
    for (size_t i = 0; i < H * C; i++) dW2[i] += REG_SIGN * m->lambda * W2[i];
    free(ds);
    free(dh);
    return 0;
}

static const char *last_error(void *self)
{
    return self ? ((mlp *)self)->err : NULL;
}

static const td_model_api api = {
    .abi_version = TD_MODEL_ABI_VERSION,
    .api_size = sizeof(td_model_api),
    .name = "mlp",
    .help = "in=D,hidden=16,classes=3: relu MLP, softmax cross-entropy, L2",
    .create = create,
    .destroy = destroy,
    .init = init,
    .set_reg = set_reg,
    .forward = forward,
    .backward = backward,
    .set_seed = NULL,
    .last_error = last_error,
};

const td_model_api *td_model_entry(void)
{
    return &api;
}
