/* gc_layers_norm.c — built-in layernorm, batchnorm (training mode: batch
 * statistics), dropout (seeded, inverted) and embedding.
 * Backward ADDS into the gradients. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "td_gradcheck.h"

#define SZ(...) ((const size_t[]){ __VA_ARGS__ })

/* ---- normalisation of one group of n values at stride st ------------------
 *   μ = mean x, σ² = mean (x − μ)², x̂ = (x − μ)/√(σ² + eps)
 *   y_i = γ_i x̂_i + β_i          (γ, β at stride gs: 1 per element, 0 shared)
 *   dx_i += (dx̂_i − mean dx̂ − x̂_i mean(dx̂ ⊙ x̂)) / √(σ² + eps),  dx̂ = dy ⊙ γ
 *   dγ_i += dy_i x̂_i,  dβ_i += dy_i */
typedef struct { size_t n, st, gs; double eps; } norm_group;

static void group_stats(const norm_group *g, const double *x, double *mu, double *rstd)
{
    double m = 0, v = 0;
    for (size_t i = 0; i < g->n; i++) m += x[i * g->st];
    m /= (double)g->n;
    for (size_t i = 0; i < g->n; i++) v += (x[i * g->st] - m) * (x[i * g->st] - m);
    *mu = m;
    *rstd = 1 / sqrt(v / (double)g->n + g->eps);
}

static void group_forward(const norm_group *g, double *y, const double *x,
                          const double *gamma, const double *beta)
{
    double mu, rstd;
    group_stats(g, x, &mu, &rstd);
    for (size_t i = 0; i < g->n; i++)
        y[i * g->st] = (x[i * g->st] - mu) * rstd * gamma[i * g->gs] + beta[i * g->gs];
}

static void group_backward(const norm_group *g, double *dx, double *dgamma, double *dbeta,
                           const double *dy, const double *x, const double *gamma)
{
    double mu, rstd, mean_d = 0, mean_dn = 0;
    group_stats(g, x, &mu, &rstd);
    for (size_t i = 0; i < g->n; i++) {
        double dn = dy[i * g->st] * gamma[i * g->gs], xh = (x[i * g->st] - mu) * rstd;
        mean_d += dn;
        mean_dn += dn * xh;
    }
    mean_d /= (double)g->n;
    mean_dn /= (double)g->n;
    for (size_t i = 0; i < g->n; i++) {
        double d = dy[i * g->st], xh = (x[i * g->st] - mu) * rstd;
        if (dx) dx[i * g->st] += rstd * (d * gamma[i * g->gs] - mean_d - xh * mean_dn);
        if (dgamma) dgamma[i * g->gs] += d * xh;
        if (dbeta) dbeta[i * g->gs] += d;
    }
}

static const td_gc_key norm_keys[] = {
    { "batch", 4, 1, 1 << 20, 1 }, { "c", 6, 1, 1 << 20, 1 }, { "eps", 1e-5, 0, 1, 0 },
    { "layer", 0, 0, 1, 1 },
};
enum { N_B, N_C, N_EPS, N_LAYER };

static void *norm_create(int layer, int n, const char *const *k, const char *const *v,
                         td_layer_desc *d, char *err, size_t cap)
{
    td_gc_inst *s = td_gc_inst_new(norm_keys, 3, n, k, v, err, cap);
    if (!s) return NULL;
    s->v[N_LAYER] = layer;
    size_t B = (size_t)s->v[N_B], C = (size_t)s->v[N_C];
    if ((layer ? C : B) < 2) {
        snprintf(err, cap, "%s needs at least 2 values to normalise", layer ? "c" : "batch");
        free(s);
        return NULL;
    }
    d->n_in = 3;
    td_gc_tensor(&d->in[0], "x", TD_T_INPUT, 2, SZ(B, C));
    td_gc_tensor(&d->in[1], "gamma", TD_T_PARAM, 1, SZ(C));
    td_gc_tensor(&d->in[2], "beta", TD_T_PARAM, 1, SZ(C));
    d->n_out = 1;
    td_gc_tensor(&d->out[0], "y", 0, 2, SZ(B, C));
    d->flags = TD_LAYER_REENTRANT;
    return s;
}

/* layernorm: one group per row b (stride 1, γ per element);
 * batchnorm: one group per channel c (stride C, γ shared in the group). */
static void norm_groups(const td_gc_inst *s, norm_group *g, size_t *ngroups,
                        size_t *step, size_t *gstep)
{
    size_t B = (size_t)s->v[N_B], C = (size_t)s->v[N_C];
    g->eps = s->v[N_EPS];
    if (s->v[N_LAYER] != 0) { g->n = C; g->st = 1; g->gs = 1; *ngroups = B; *step = C; *gstep = 0; }
    else { g->n = B; g->st = C; g->gs = 0; *ngroups = C; *step = 1; *gstep = 1; }
}

// x (B,C), gamma (C), beta (C) -> y (B,C)
static int norm_forward(void *self, double *const *out, const double *const *in)
{
    norm_group g;
    size_t ng, step, gstep;
    norm_groups(self, &g, &ng, &step, &gstep);
    for (size_t k = 0; k < ng; k++)
        group_forward(&g, out[0] + k * step, in[0] + k * step, in[1] + k * gstep, in[2] + k * gstep);
    return 0;
}

static int norm_backward(void *self, double *const *din, const double *const *dout,
                         const double *const *in, const double *const *out)
{
    (void)out;
    norm_group g;
    size_t ng, step, gstep;
    norm_groups(self, &g, &ng, &step, &gstep);
    for (size_t k = 0; k < ng; k++)
        group_backward(&g, din[0] ? din[0] + k * step : NULL,
                       din[1] ? din[1] + k * gstep : NULL, din[2] ? din[2] + k * gstep : NULL,
                       dout[0] + k * step, in[0] + k * step, in[1] + k * gstep);
    return 0;
}

static void *ln_create(int n, const char *const *k, const char *const *v,
                       td_layer_desc *d, char *err, size_t cap)
{ return norm_create(1, n, k, v, d, err, cap); }
static void *bn_create(int n, const char *const *k, const char *const *v,
                       td_layer_desc *d, char *err, size_t cap)
{ return norm_create(0, n, k, v, d, err, cap); }

const td_layer_api td_gc_layernorm_api = {
    .abi_version = TD_LAYER_ABI_VERSION, .api_size = sizeof(td_layer_api),
    .name = "layernorm", .help = "layer normalisation over c: batch=4,c=6,eps=1e-5",
    .create = ln_create, .destroy = td_gc_inst_free,
    .forward = norm_forward, .backward = norm_backward,
};
const td_layer_api td_gc_batchnorm_api = {
    .abi_version = TD_LAYER_ABI_VERSION, .api_size = sizeof(td_layer_api),
    .name = "batchnorm", .help = "batch normalisation, training mode: batch=4,c=6,eps=1e-5",
    .create = bn_create, .destroy = td_gc_inst_free,
    .forward = norm_forward, .backward = norm_backward,
};

/* ---- dropout (inverted): y = x ⊙ m / (1 − p),  m_i = [u_i ≥ p], u from seed */
static const td_gc_key drop_keys[] = {
    { "batch", 2, 1, 1 << 20, 1 }, { "n", 8, 1, 1 << 24, 1 }, { "p", 0.5, 0, 0.99, 0 },
};

static void *drop_create(int n, const char *const *k, const char *const *v,
                         td_layer_desc *d, char *err, size_t cap)
{
    td_gc_inst *s = td_gc_inst_new(drop_keys, 3, n, k, v, err, cap);
    if (!s) return NULL;
    size_t B = (size_t)s->v[0], N = (size_t)s->v[1];
    d->n_in = 1;
    td_gc_tensor(&d->in[0], "x", TD_T_INPUT, 2, SZ(B, N));
    d->n_out = 1;
    td_gc_tensor(&d->out[0], "y", 0, 2, SZ(B, N));
    d->flags = TD_LAYER_STOCHASTIC; /* set_seed writes self: not reentrant */
    return s;
}

static void drop_seed(void *self, uint64_t seed) { ((td_gc_inst *)self)->seed = seed; }

/* forward when dx is NULL (y = m x / keep), backward otherwise (dx += m dy / keep) */
static void drop_pass(const td_gc_inst *s, double *y, const double *x, double *dx, const double *dy)
{
    size_t n = (size_t)s->v[0] * (size_t)s->v[1];
    double p = s->v[2], keep = 1 - p;
    td_rng r;
    td_rng_seed(&r, s->seed);
    for (size_t i = 0; i < n; i++) {
        double m = td_rng_uniform(&r) >= p ? 1 / keep : 0;
        if (dx) dx[i] += m * dy[i];
        else y[i] = m * x[i];
    }
}

// x (B,N) -> y (B,N)
static int drop_forward(void *self, double *const *out, const double *const *in)
{
    drop_pass(self, out[0], in[0], NULL, NULL);
    return 0;
}

static int drop_backward(void *self, double *const *din, const double *const *dout,
                         const double *const *in, const double *const *out)
{
    (void)in; (void)out;
    if (din[0]) drop_pass(self, NULL, NULL, din[0], dout[0]);
    return 0;
}

const td_layer_api td_gc_dropout_api = {
    .abi_version = TD_LAYER_ABI_VERSION, .api_size = sizeof(td_layer_api),
    .name = "dropout", .help = "inverted dropout with a seeded mask: batch=2,n=8,p=0.5",
    .create = drop_create, .destroy = td_gc_inst_free,
    .forward = drop_forward, .backward = drop_backward, .set_seed = drop_seed,
};

/* ---- embedding: y[b,:] = table[ids[b], :] ------------------------------------ */
static const td_gc_key emb_keys[] = {
    { "batch", 5, 1, 1 << 20, 1 }, { "vocab", 7, 1, 1 << 24, 1 }, { "dim", 3, 1, 1 << 20, 1 },
};

static void *emb_create(int n, const char *const *k, const char *const *v,
                        td_layer_desc *d, char *err, size_t cap)
{
    td_gc_inst *s = td_gc_inst_new(emb_keys, 3, n, k, v, err, cap);
    if (!s) return NULL;
    size_t B = (size_t)s->v[0], V = (size_t)s->v[1], D = (size_t)s->v[2];
    d->n_in = 2;
    td_gc_tensor(&d->in[0], "ids", TD_T_INPUT, 1, SZ(B));
    d->in[0].flags = TD_T_INDEX;
    d->in[0].index_range = (long)V;
    td_gc_tensor(&d->in[1], "table", TD_T_PARAM, 2, SZ(V, D));
    d->n_out = 1;
    td_gc_tensor(&d->out[0], "y", 0, 2, SZ(B, D));
    d->flags = TD_LAYER_REENTRANT;
    return s;
}

static int emb_id(void *self, double id, size_t *out)
{
    td_gc_inst *s = self;
    if (!(id >= 0 && id < s->v[1]) || id != floor(id)) {
        snprintf(s->err, sizeof s->err, "id %g is not in [0,%g)", id, s->v[1]);
        return -1;
    }
    *out = (size_t)id;
    return 0;
}

// ids (B), table (V,D) -> y (B,D)
static int emb_forward(void *self, double *const *out, const double *const *in)
{
    const td_gc_inst *s = self;
    size_t B = (size_t)s->v[0], D = (size_t)s->v[2], id;
    for (size_t b = 0; b < B; b++) {
        if (emb_id(self, in[0][b], &id) != 0) return -1;
        for (size_t j = 0; j < D; j++) out[0][b * D + j] = in[1][id * D + j];
    }
    return 0;
}

static int emb_backward(void *self, double *const *din, const double *const *dout,
                        const double *const *in, const double *const *out)
{
    (void)out;
    const td_gc_inst *s = self;
    size_t B = (size_t)s->v[0], D = (size_t)s->v[2], id;
    if (!din[1]) return 0;
    for (size_t b = 0; b < B; b++) {
        if (emb_id(self, in[0][b], &id) != 0) return -1;
        for (size_t j = 0; j < D; j++) din[1][id * D + j] += dout[0][b * D + j];
    }
    return 0;
}

const td_layer_api td_gc_embedding_api = {
    .abi_version = TD_LAYER_ABI_VERSION, .api_size = sizeof(td_layer_api),
    .name = "embedding", .help = "table lookup by integer ids: batch=5,vocab=7,dim=3",
    .create = emb_create, .destroy = td_gc_inst_free,
    .forward = emb_forward, .backward = emb_backward, .last_error = td_gc_inst_error,
};
