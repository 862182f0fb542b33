/* td_model.h — the tdiag model ABI, version 1: gradcheck's layer ABI
 * (td_layer.h) extended to a whole model that maps a batch to a loss.
 *
 * A model is a table of C functions (td_model_api) that a shared object
 * exports through one symbol:
 *
 *     const td_model_api *td_model_entry(void);     // TD_MODEL_ENTRY_SYMBOL
 *
 * Self-contained like td_layer.h (it includes only td_layer.h for the
 * tensor description): a plugin never links against libtdiag.
 *
 * Data model (double at the ABI, row-major, shapes in comments):
 *   - create() makes an instance from key=value pairs. The checker passes
 *     `in=<D>` and `classes=<C>` taken from the data unless the user gave
 *     them, so every model accepts those two keys;
 *   - the instance describes its parameters (td_model_desc.params: name,
 *     shape, kind TD_T_PARAM) and the caller owns their memory: params[p]
 *     holds td_tensor_numel(&d->params[p]) doubles;
 *   - forward(x (B,D), y (B)) -> the data loss L_data (the MEAN over the B
 *     examples of the per-example loss) and the regularization term
 *     R = reg_strength * r(θ) reported apart; optionally the scores (B,K)
 *     (K = classes for softmax/svm, 1 for bce/mse) for the accuracy;
 *   - backward: dparams[p] += ∂(L_data + R)/∂params[p], ADDED (llm.c style:
 *     the caller zeroes the buffers); called right after forward on the
 *     same arguments (an instance may cache activations in between);
 *   - set_reg(λ): the regularization strength (0 = off);
 *   - init(params, scale, seed): the model's own initialisation with every
 *     random draw multiplied by scale (1 = as the author trains it);
 *   - set_seed: randomness of stochastic models (dropout), optional.
 *
 * Labels y are stored as doubles holding integers in [0, classes) for
 * softmax/svm, {0, 1} for bce, and real targets for mse.
 *
 * Contract for every function taking `self`: return 0 on success, non-zero
 * on failure (then last_error(self), if given, returns one line); never
 * print, never exit, never modify params/x/y; calls are serialised.
 */
#ifndef TD_MODEL_H
#define TD_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "td_layer.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped on any incompatible change; a loader refuses other versions. */
#define TD_MODEL_ABI_VERSION 1
#define TD_MODEL_ENTRY_SYMBOL "td_model_entry"
#define TD_MODEL_MAXP 16 /* parameter tensors per model */

/* The loss a model computes (its chance level follows from it). */
typedef enum {
    TD_LOSS_SOFTMAX = 0, /* softmax cross-entropy, labels in [0,C): chance ln C */
    TD_LOSS_BCE = 1,     /* sigmoid binary cross-entropy, labels {0,1}: ln 2 */
    TD_LOSS_SVM = 2,     /* Weston–Watkins multiclass SVM: (C-1)·margin */
    TD_LOSS_MSE = 3      /* mean squared error: mean(y²) at zero output */
} td_loss_kind;

typedef struct {
    size_t in_dim;                     /* D: features per example */
    long classes;                      /* C (softmax/svm), 2 (bce), 1 (mse) */
    int loss;                          /* td_loss_kind */
    double margin;                     /* svm margin (1 when unused) */
    int n_params;
    td_tensor_desc params[TD_MODEL_MAXP];
} td_model_desc;

typedef struct td_model_api {
    int abi_version;  /* TD_MODEL_ABI_VERSION the model was built against */
    size_t api_size;  /* sizeof(td_model_api) at build time */
    const char *name; /* "mlp", ... */
    const char *help; /* one line: keys and defaults, "in=8,hidden=32,classes=3" */

    /* Make an instance from n key=value pairs and describe it in *d.
     * Unknown keys, malformed values: NULL and one line in err. */
    void *(*create)(int n, const char *const *keys, const char *const *vals,
                    td_model_desc *d, char *err, size_t errcap);
    void (*destroy)(void *self); /* accepts NULL */

    /* Fill params with the model's initialisation, every random draw
     * scaled by scale, drawn from seed (same seed, same values). */
    int (*init)(void *self, double *const *params, double scale, uint64_t seed);
    /* The regularization strength λ used by forward/backward (0 = off). */
    void (*set_reg)(void *self, double lambda);

    /* loss[0] = L_data = (1/B) Σ_b ℓ(x_b, y_b; θ), loss[1] = R(θ; λ);
     * scores (B,K) written when not NULL.            x (B,D), y (B) */
    int (*forward)(void *self, double loss[2], double *scores,
                   const double *const *params, const double *x,
                   const double *y, size_t batch);
    /* dparams[p] += ∂(L_data + R)/∂params[p], after forward on the same
     * params, x, y, batch. */
    int (*backward)(void *self, double *const *dparams,
                    const double *const *params, const double *x,
                    const double *y, size_t batch);

    /* --- optional (NULL when absent) --- */
    void (*set_seed)(void *self, uint64_t seed);
    const char *(*last_error)(void *self);
} td_model_api;

typedef const td_model_api *(*td_model_entry_fn)(void);

#ifdef __cplusplus
}
#endif
#endif
