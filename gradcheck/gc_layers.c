/* gc_layers.c — the registry of built-in layers (the layer files sit
 * below it; the kit they share is gc_layer_kit.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "td_gradcheck.h"

extern const td_layer_api td_gc_dense_api, td_gc_relu_api, td_gc_leaky_relu_api,
    td_gc_tanh_api, td_gc_sigmoid_api, td_gc_gelu_api, td_gc_softmax_api,
    td_gc_softmax_ce_api, td_gc_svm_api, td_gc_mse_api, td_gc_l2_api,
    td_gc_conv2d_api, td_gc_maxpool2d_api, td_gc_layernorm_api,
    td_gc_batchnorm_api, td_gc_dropout_api, td_gc_embedding_api;

static const td_layer_api *const builtins[] = {
    &td_gc_dense_api, &td_gc_conv2d_api, &td_gc_maxpool2d_api,
    &td_gc_relu_api, &td_gc_leaky_relu_api, &td_gc_tanh_api,
    &td_gc_sigmoid_api, &td_gc_gelu_api, &td_gc_softmax_api,
    &td_gc_layernorm_api, &td_gc_batchnorm_api, &td_gc_dropout_api,
    &td_gc_embedding_api, &td_gc_softmax_ce_api, &td_gc_svm_api,
    &td_gc_mse_api, &td_gc_l2_api,
};

const td_layer_api *const *td_gc_builtins(size_t *n)
{
    *n = sizeof builtins / sizeof builtins[0];
    return builtins;
}

const td_layer_api *td_gc_builtin(const char *name)
{
    for (size_t i = 0; i < sizeof builtins / sizeof builtins[0]; i++)
        if (strcmp(builtins[i]->name, name) == 0) return builtins[i];
    return NULL;
}
