/* bad_abi_v0.c — a layer built against a different ABI version.
 * gradcheck: "layer ABI version 0, gradcheck speaks 1", exit 3. */
#include "sample_layer.h"

static int backward(void *self, double *const *din, const double *const *dout,
                    const double *const *in, const double *const *out)
{
    (void)self; (void)din; (void)dout; (void)in; (void)out;
    return 0;
}

static const td_layer_api api = {
    .abi_version = 0, /* not TD_LAYER_ABI_VERSION */
    .api_size = sizeof(td_layer_api), .name = "bad_abi_v0", .help = "wrong ABI version",
    .create = sample_dense_create, .destroy = sample_dense_free,
    .forward = sample_dense_forward, .backward = backward,
};
const td_layer_api *td_layer_entry(void) { return &api; }
