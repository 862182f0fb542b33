/* td_layer.h — the tdiag layer ABI, version 1.
 *
 * A layer is a table of C functions (td_layer_api) that a shared object
 * exports through one symbol:
 *
 *     const td_layer_api *td_layer_entry(void);     // TD_LAYER_ENTRY_SYMBOL
 *
 * The header is self-contained (only <stddef.h>/<stdint.h>): a plugin
 * written in C, C++ (extern "C"), Rust or Fortran with a C ABI includes or
 * mirrors it and never links against libtdiag.
 *
 * Data model (everything is double at the ABI; a float32 layer converts
 * on entry and exit and says so with TD_LAYER_FLOAT32):
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
    TD_LAYER_FLOAT32    = 1u << 2  /* computes in float32 internally */
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

#ifdef __cplusplus
}
#endif
#endif
