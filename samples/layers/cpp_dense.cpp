// cpp_dense.cpp — a correct dense layer written in C++ (a class with
// std::vector members), exported to gradcheck through the C ABI:
// `extern "C" const td_layer_api *td_layer_entry(void)`.
//   gradcheck ./cpp_dense.so in=8 out=4 batch=2
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "td_layer.h"

namespace {

class Dense {
public:
    Dense(std::size_t batch, std::size_t in, std::size_t out) : B(batch), C(in), O(out) {}

    // y (B,O) = x (B,C) · W (C,O) + b (O)
    void forward(double *y, const double *x, const double *W, const double *b) const {
        for (std::size_t i = 0; i < B; i++)
            for (std::size_t o = 0; o < O; o++) {
                double acc = b[o];
                for (std::size_t c = 0; c < C; c++) acc += x[i * C + c] * W[c * O + o];
                y[i * O + o] = acc;
            }
    }

    // dx += dy Wᵀ, dW += xᵀ dy, db += Σ_i dy (each only when asked for)
    void backward(double *dx, double *dW, double *db, const double *dy, const double *x,
                  const double *W) const {
        std::vector<double> row(C);
        for (std::size_t i = 0; i < B; i++) {
            std::fill(row.begin(), row.end(), 0.0);
            for (std::size_t o = 0; o < O; o++) {
                double g = dy[i * O + o];
                for (std::size_t c = 0; c < C; c++) {
                    row[c] += g * W[c * O + o];
                    if (dW) dW[c * O + o] += x[i * C + c] * g;
                }
                if (db) db[o] += g;
            }
            if (dx) for (std::size_t c = 0; c < C; c++) dx[i * C + c] += row[c];
        }
    }

    std::size_t B, C, O;
};

bool parse(const char *key, const char *val, std::size_t *dst, char *err, std::size_t cap) {
    char *end = nullptr;
    long v = std::strtol(val, &end, 10);
    if (!*val || *end || v < 1 || v > 4096) {
        std::snprintf(err, cap, "%s: '%.40s' is not an integer in [1,4096]", key, val);
        return false;
    }
    *dst = static_cast<std::size_t>(v);
    return true;
}

void describe(td_tensor_desc *t, const char *name, int kind, std::size_t d0, std::size_t d1) {
    std::memset(t, 0, sizeof *t);
    std::snprintf(t->name, sizeof t->name, "%s", name);
    t->kind = kind;
    t->rank = d1 ? 2 : 1;
    t->shape[0] = d0;
    t->shape[1] = d1;
}

extern "C" void *create(int n, const char *const *keys, const char *const *vals,
                        td_layer_desc *d, char *err, std::size_t cap) {
    std::size_t B = 2, C = 8, O = 4;
    for (int i = 0; i < n; i++) {
        std::string k = keys[i];
        std::size_t *dst = k == "batch" ? &B : k == "in" ? &C : k == "out" ? &O : nullptr;
        if (!dst) {
            std::snprintf(err, cap, "unknown key '%.40s' (keys: in,out,batch)", keys[i]);
            return nullptr;
        }
        if (!parse(keys[i], vals[i], dst, err, cap)) return nullptr;
    }
    Dense *layer = new (std::nothrow) Dense(B, C, O);
    if (!layer) { std::snprintf(err, cap, "out of memory"); return nullptr; }
    std::memset(d, 0, sizeof *d);
    d->n_in = 3;
    describe(&d->in[0], "x", TD_T_INPUT, B, C);
    describe(&d->in[1], "W", TD_T_PARAM, C, O);
    describe(&d->in[2], "b", TD_T_PARAM, O, 0);
    d->n_out = 1;
    describe(&d->out[0], "y", 0, B, O);
    d->flags = TD_LAYER_REENTRANT;
    return layer;
}

extern "C" void destroy(void *self) { delete static_cast<Dense *>(self); }

extern "C" int forward(void *self, double *const *out, const double *const *in) {
    static_cast<Dense *>(self)->forward(out[0], in[0], in[1], in[2]);
    return 0;
}

extern "C" int backward(void *self, double *const *din, const double *const *dout,
                        const double *const *in, const double *const *) {
    static_cast<Dense *>(self)->backward(din[0], din[1], din[2], dout[0], in[0], in[1]);
    return 0;
}

td_layer_api make_api() {
    td_layer_api a;
    std::memset(&a, 0, sizeof a);
    a.abi_version = TD_LAYER_ABI_VERSION;
    a.api_size = sizeof(td_layer_api);
    a.name = "cpp_dense";
    a.help = "dense layer in C++: in=8,out=4,batch=2";
    a.create = create;
    a.destroy = destroy;
    a.forward = forward;
    a.backward = backward;
    return a;
}

const td_layer_api api = make_api();

}  // namespace

extern "C" const td_layer_api *td_layer_entry(void) { return &api; }
