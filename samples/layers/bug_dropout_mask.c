/* bug_dropout_mask.c — inverted dropout (p = 0.5) whose backward draws a
 * NEW mask instead of reusing the forward's. gradcheck: x wrong (the
 * layer's seed is fixed before every call, so this is not noise). */
#include <stdint.h>

#include "sample_layer.h"

static void seed(void *self, uint64_t sd) { ((sample_dense *)self)->seed = sd; }

/* keep-mask bit i drawn from an LCG started at seed */
static int keep(uint64_t *state)
{
    *state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (*state >> 33) & 1;
}

static int forward(void *self, double *const *out, const double *const *in)
{
    sample_dense *s = self;
    uint64_t st = s->seed;
    for (size_t i = 0; i < s->B * s->C; i++) out[0][i] = keep(&st) ? 2 * in[0][i] : 0;
    return 0;
}

static int backward(void *self, double *const *din, const double *const *dout,
                    const double *const *in, const double *const *out)
{
    sample_dense *s = self;
    (void)in; (void)out;
    uint64_t st = s->seed + 1; /* BUG: a different mask than forward's */
    for (size_t i = 0; i < s->B * s->C; i++) din[0][i] += keep(&st) ? 2 * dout[0][i] : 0;
    return 0;
}

static void *create(int n, const char *const *k, const char *const *v, td_layer_desc *d,
                    char *err, size_t cap)
{
    void *s = sample_elementwise_create(n, k, v, d, err, cap);
    if (s) d->flags = TD_LAYER_STOCHASTIC;
    return s;
}

static const td_layer_api api = {
    .abi_version = TD_LAYER_ABI_VERSION, .api_size = sizeof(td_layer_api),
    .name = "bug_dropout_mask", .help = "dropout whose backward draws a new mask: batch=2,n=8",
    .create = create, .destroy = sample_dense_free, .forward = forward, .backward = backward,
    .set_seed = seed,
};
const td_layer_api *td_layer_entry(void) { return &api; }
