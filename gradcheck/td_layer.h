/* td_layer.h — the tdiag layer ABI, version 1.
 *
 * A layer is a table of C functions (td_layer_api) that a shared object
 * exports through one symbol:
 *
 *     const td_layer_api *td_layer_entry(void);     // TD_LAYER_ENTRY_SYMBOL
 *
 * The header is self-contained (only <stddef.h>/<stdint.h>/<stdlib.h>): a
 * plugin written in C, C++ (extern "C"), Rust or Fortran with a C ABI
 * includes or mirrors it and never links against libtdiag.
 *
 * Data model (everything is double at the ABI; a float32 layer converts
 * on entry and exit and says so with TD_LAYER_FLOAT32 — td_f32 below does
 * the converting):
 *   - a layer instance is made by create() from key=value pairs;
 *   - it fills a td_layer_desc: its inputs (data inputs and parameters,
 *     in one list, `in[0..n_in)`) and its outputs (`out[0..n_out)`), each
 *     a named, shaped, row-major (C order) tensor of doubles;
 *   - forward:  in -> out                        y = f(x, θ)
 *   - backward: dout -> din, ADDED into din      din[t] += (∂y/∂in[t])ᵀ dout
 *     (llm.c style: the caller zeroes the gradient buffers; a backward that
 *     overwrites instead of adding is a bug gradcheck reports);
 *   - tensors flagged TD_T_INDEX hold integer values (labels, token ids)
 *     stored as doubles: they are never perturbed, and din[t] is NULL.
 *
 * Optional parts (NULL when absent):
 *   - set_seed: stochastic layers (dropout) draw their randomness from this
 *     seed; the caller sets the same seed before every evaluation, so
 *     forward and backward see one mask;
 *   - reg_loss / reg_backward: a regularization term R(in) reported apart
 *     from the data output, so a checker can check the two separately;
 *   - kink_distance: how far an input element is from a point where the
 *     layer is not differentiable (ReLU at 0, max ties, hinge margins);
 *   - init: a characteristic point (e.g. labels in range, positive
 *     variances); without it a checker fills N(0,1) values and index
 *     tensors uniformly in [0, index_range).
 *
 * What a checker guarantees (gradcheck does all of it):
 *   - create() gets a zeroed *d: fields the layer leaves alone are 0
 *     (no flags, no reg term, rank 0, index_range 0);
 *   - before init(), in[] is already filled (N(0,1) values, index tensors
 *     uniform in [0, index_range)): init may keep, change or overwrite it;
 *   - *din arrives zeroed for the analytic gradient, and pre-filled with
 *     other values for the add-contract check (an overwrite shows there);
 *   - saved state: every backward() is preceded by a forward() on the same
 *     instance at the same in[] with nothing in between but other
 *     backward() calls at that point. A layer may therefore keep what its
 *     forward computed (llm.c's mean/rstd, attention's att) in self and
 *     read it in backward, instead of recomputing it. Such a layer keeps
 *     scratch state in self: it must not set TD_LAYER_REENTRANT;
 *   - tensors are described with their real shapes: bug names such as
 *     "transposed indexing" compare the gradient with the axis
 *     permutations of the declared shape (a flat (n) tensor hides them).
 *
 * Contract for every function taking `self`:
 *   - return 0 on success, non-zero on failure; after a failure
 *     last_error(self) (if given) returns a one-line message;
 *   - never print, never exit, never modify `in` or `dout`;
 *   - with TD_LAYER_REENTRANT set, forward/backward/reg_* may run
 *     concurrently on one instance from several threads (no scratch state
 *     in self); without it the caller serialises every call.
 */
#ifndef TD_LAYER_H
#define TD_LAYER_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped on any incompatible change; a loader refuses other versions. */
#define TD_LAYER_ABI_VERSION 1
#define TD_LAYER_ENTRY_SYMBOL "td_layer_entry"

#define TD_TENSOR_MAXRANK 6   /* dimensions per tensor */
#define TD_LAYER_MAXT 8       /* tensors per list (inputs, outputs) */
#define TD_NAME_MAX 32        /* tensor name bytes including the NUL */

/* Tensor kinds and flags. */
enum {
    TD_T_INPUT = 0,      /* data input x */
    TD_T_PARAM = 1       /* learnable parameter θ (weights, biases, γ, β) */
};
enum {
    TD_T_INDEX = 1u << 0 /* integer-valued, not differentiable (labels, ids) */
};

typedef struct {
    char name[TD_NAME_MAX];           /* "x", "W", "b", "y", ... */
    int kind;                         /* TD_T_INPUT or TD_T_PARAM (outputs: 0) */
    unsigned flags;                   /* TD_T_INDEX */
    int rank;                         /* 0..TD_TENSOR_MAXRANK (0 = scalar) */
    size_t shape[TD_TENSOR_MAXRANK];  /* row-major dims; numel = Π shape */
    long index_range;                 /* TD_T_INDEX: values in [0, index_range) */
} td_tensor_desc;

/* Layer flags. */
enum {
    TD_LAYER_REENTRANT  = 1u << 0, /* calls may run concurrently on one instance */
    TD_LAYER_STOCHASTIC = 1u << 1, /* output depends on set_seed (dropout) */
    TD_LAYER_FLOAT32    = 1u << 2  /* computes in float32 internally: the checker
                                      judges against float32 rounding */
};

typedef struct {
    int n_in;                           /* inputs and parameters */
    td_tensor_desc in[TD_LAYER_MAXT];
    int n_out;
    td_tensor_desc out[TD_LAYER_MAXT];
    unsigned flags;                     /* TD_LAYER_* */
    int has_reg;                        /* reg_loss/reg_backward are meaningful */
} td_layer_desc;

typedef struct td_layer_api {
    int abi_version;     /* TD_LAYER_ABI_VERSION the layer was built against */
    size_t api_size;     /* sizeof(td_layer_api) at build time */
    const char *name;    /* "dense", "mylayer", ... */
    const char *help;    /* one line: keys and defaults, "in=4,out=3,batch=2" */

    /* Make an instance from n key=value pairs and describe it in *d.
     * Unknown keys and malformed values are errors: return NULL and write
     * a one-line message into err (errcap bytes, NUL-terminated). */
    void *(*create)(int n, const char *const *keys, const char *const *vals,
                    td_layer_desc *d, char *err, size_t errcap);
    void (*destroy)(void *self);                 /* accepts NULL */

    /* out[k] (numel of d->out[k]) = f(in); writes every output element. */
    int (*forward)(void *self, double *const *out, const double *const *in);
    /* din[t] += (∂out/∂in[t])ᵀ dout for each t with din[t] != NULL.
     * in/out are the values of the forward at the same point. */
    int (*backward)(void *self, double *const *din, const double *const *dout,
                    const double *const *in, const double *const *out);

    /* --- optional (NULL when absent) --- */
    void (*set_seed)(void *self, uint64_t seed);
    /* R(in) and din[t] += ∂R/∂in[t] (only when d->has_reg). */
    int (*reg_loss)(void *self, double *r, const double *const *in);
    int (*reg_backward)(void *self, double *const *din, const double *const *in);
    /* Distance of element i of in[t] to the nearest kink along that
     * coordinate (e.g. |x_i| for ReLU; +inf: smooth there; negative: the
     * layer does not know, the checker decides from the numbers). */
    double (*kink_distance)(void *self, const double *const *in, int t, size_t i);
    /* Fill in[] with a characteristic point drawn from seed. */
    int (*init)(void *self, double *const *in, uint64_t seed);
    /* One-line message for the last failure of self (or NULL). */
    const char *(*last_error)(void *self);
} td_layer_api;

/* The symbol every plugin exports. */
typedef const td_layer_api *(*td_layer_entry_fn)(void);

/* Helper for layer authors: number of elements of a tensor (0 for an
 * overflowing shape; a checker rejects those before any call). */
static inline size_t td_tensor_numel(const td_tensor_desc *t)
{
    size_t n = 1;
    for (int i = 0; i < t->rank; i++) {
        if (t->shape[i] != 0 && n > (size_t)-1 / t->shape[i]) return 0;
        n *= t->shape[i];
    }
    return n;
}

/* ---- float32 layers: td_f32 ------------------------------------------------
 * Float buffers for every tensor of a layer, so that a float32 kernel
 * (llm.c, kann) is wrapped in a few lines:
 *
 *     typedef struct { ...; td_f32 f; float *mean, *rstd; } my;    // in self
 *     create:   describe d, d->flags |= TD_LAYER_FLOAT32;
 *               if (td_f32_init(&s->f, d) != 0) fail
 *     forward:  return td_f32_forward(&s->f, my_forward_f32, s, out, in);
 *     backward: return td_f32_backward(&s->f, my_backward_f32, s, din, dout, in, out);
 *     destroy:  td_f32_free(&s->f);
 *
 * with my_forward_f32(self, float *const *out, const float *const *in) and
 * my_backward_f32(self, float *const *din, const float *const *dout,
 * const float *const *in, const float *const *out) written in float.
 * Index tensors arrive as floats holding the integers (exact below 2^24).
 * td_f32_backward pre-fills the float din[t] FROM the double din[t] and
 * copies it back after the call: the kernel's own `+=` does the adding
 * (in float, as in training), and a kernel that overwrites instead of
 * adding still shows as one to the checker. din[t] NULL (index tensors)
 * stays NULL. The buffers live in self: such a layer is not reentrant. */
typedef struct {
    int n_in, n_out;
    size_t nin[TD_LAYER_MAXT], nout[TD_LAYER_MAXT];
    float *in[TD_LAYER_MAXT], *out[TD_LAYER_MAXT];
    float *din[TD_LAYER_MAXT], *dout[TD_LAYER_MAXT];
} td_f32;

typedef int (*td_f32_forward_fn)(void *self, float *const *out, const float *const *in);
typedef int (*td_f32_backward_fn)(void *self, float *const *din, const float *const *dout,
                                  const float *const *in, const float *const *out);

/* Release the buffers (a zeroed or half-made td_f32 is fine). */
static inline void td_f32_free(td_f32 *f)
{
    for (int t = 0; t < TD_LAYER_MAXT; t++) {
        free(f->in[t]); free(f->din[t]); free(f->out[t]); free(f->dout[t]);
        f->in[t] = f->din[t] = f->out[t] = f->dout[t] = NULL;
    }
}

/* Allocate float buffers for the tensors d describes. 0, or -1 (out of
 * memory or a bad description; *f is then freed). */
static inline int td_f32_init(td_f32 *f, const td_layer_desc *d)
{
    for (int t = 0; t < TD_LAYER_MAXT; t++) f->in[t] = f->din[t] = f->out[t] = f->dout[t] = NULL;
    if (d->n_in < 0 || d->n_in > TD_LAYER_MAXT || d->n_out < 0 || d->n_out > TD_LAYER_MAXT) return -1;
    f->n_in = d->n_in;
    f->n_out = d->n_out;
    for (int t = 0; t < d->n_in; t++) {
        f->nin[t] = td_tensor_numel(&d->in[t]);
        if (!(f->in[t] = (float *)malloc((f->nin[t] ? f->nin[t] : 1) * sizeof(float))) ||
            !(f->din[t] = (float *)malloc((f->nin[t] ? f->nin[t] : 1) * sizeof(float)))) goto fail;
    }
    for (int k = 0; k < d->n_out; k++) {
        f->nout[k] = td_tensor_numel(&d->out[k]);
        if (!(f->out[k] = (float *)malloc((f->nout[k] ? f->nout[k] : 1) * sizeof(float))) ||
            !(f->dout[k] = (float *)malloc((f->nout[k] ? f->nout[k] : 1) * sizeof(float)))) goto fail;
    }
    return 0;
fail:
    td_f32_free(f);
    return -1;
}

/* n doubles into floats and back. */
static inline void td_f32_down(float *dst, const double *src, size_t n)
{
    for (size_t i = 0; i < n; i++) dst[i] = (float)src[i];
}
static inline void td_f32_up(double *dst, const float *src, size_t n)
{
    for (size_t i = 0; i < n; i++) dst[i] = (double)src[i];
}

/* in -> float, fn(self, f->out, f->in), float out -> out. fn's result. */
static inline int td_f32_forward(td_f32 *f, td_f32_forward_fn fn, void *self, double *const *out,
                                 const double *const *in)
{
    for (int t = 0; t < f->n_in; t++) td_f32_down(f->in[t], in[t], f->nin[t]);
    int rc = fn(self, f->out, (const float *const *)f->in);
    if (rc == 0)
        for (int k = 0; k < f->n_out; k++) td_f32_up(out[k], f->out[k], f->nout[k]);
    return rc;
}

/* in, out, dout and din (pre-fill) -> float, fn(...), float din -> din.
 * fn's result (din is left alone when fn fails). */
static inline int td_f32_backward(td_f32 *f, td_f32_backward_fn fn, void *self, double *const *din,
                                  const double *const *dout, const double *const *in,
                                  const double *const *out)
{
    float *fdin[TD_LAYER_MAXT] = { 0 };
    for (int t = 0; t < f->n_in; t++) {
        td_f32_down(f->in[t], in[t], f->nin[t]);
        if (din[t]) { fdin[t] = f->din[t]; td_f32_down(fdin[t], din[t], f->nin[t]); }
    }
    for (int k = 0; k < f->n_out; k++) {
        td_f32_down(f->out[k], out[k], f->nout[k]);
        td_f32_down(f->dout[k], dout[k], f->nout[k]);
    }
    int rc = fn(self, fdin, (const float *const *)f->dout, (const float *const *)f->in,
                (const float *const *)f->out);
    if (rc == 0)
        for (int t = 0; t < f->n_in; t++)
            if (din[t]) td_f32_up(din[t], fdin[t], f->nin[t]);
    return rc;
}

#ifdef __cplusplus
}
#endif
#endif
