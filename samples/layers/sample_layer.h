/* sample_layer.h — shared scaffolding of the sample plugins: a dense
 * layer y = x W + b (x (B,C), W (C,O), b (O)) with its keys parsed, its
 * correct forward, and a macro that exports the td_layer_api. Each
 * bug_*.c supplies its own backward carrying ONE classic bug.
 * Self-contained: plugins include only td_layer.h, never link libtdiag. */
#ifndef SAMPLE_LAYER_H
#define SAMPLE_LAYER_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "td_layer.h"

typedef struct { size_t B, C, O; unsigned long long seed; } sample_dense;

/* Parse in=, out=, batch= (positive integers) into s; 0 or -1 + message. */
static inline int sample_keys(sample_dense *s, int n, const char *const *k, const char *const *v,
                       char *err, size_t cap)
{
    for (int i = 0; i < n; i++) {
        size_t *dst = !strcmp(k[i], "in") ? &s->C : !strcmp(k[i], "out") ? &s->O
                    : !strcmp(k[i], "batch") ? &s->B : NULL;
        char *end;
        errno = 0;
        long long x = strtoll(v[i], &end, 10);
        if (!dst) { snprintf(err, cap, "unknown key '%.40s' (keys: in,out,batch)", k[i]); return -1; }
        if (errno || *end || end == v[i] || x < 1 || x > 4096) {
            snprintf(err, cap, "%s: '%.40s' is not an integer in [1,4096]", k[i], v[i]);
            return -1;
        }
        *dst = (size_t)x;
    }
    return 0;
}

static inline void *sample_dense_create(int n, const char *const *k, const char *const *v,
                                 td_layer_desc *d, char *err, size_t cap)
{
    sample_dense *s = calloc(1, sizeof *s);
    if (!s) { snprintf(err, cap, "out of memory"); return NULL; }
    s->B = 3; s->C = 4; s->O = 3;
    if (sample_keys(s, n, k, v, err, cap) != 0) { free(s); return NULL; }
    memset(d, 0, sizeof *d);
    d->n_in = 3;
    strcpy(d->in[0].name, "x"); d->in[0].kind = TD_T_INPUT; d->in[0].rank = 2;
    d->in[0].shape[0] = s->B; d->in[0].shape[1] = s->C;
    strcpy(d->in[1].name, "W"); d->in[1].kind = TD_T_PARAM; d->in[1].rank = 2;
    d->in[1].shape[0] = s->C; d->in[1].shape[1] = s->O;
    strcpy(d->in[2].name, "b"); d->in[2].kind = TD_T_PARAM; d->in[2].rank = 1;
    d->in[2].shape[0] = s->O;
    d->n_out = 1;
    strcpy(d->out[0].name, "y"); d->out[0].rank = 2;
    d->out[0].shape[0] = s->B; d->out[0].shape[1] = s->O;
    d->flags = TD_LAYER_REENTRANT;
    return s;
}

static inline void sample_dense_free(void *self) { free(self); }

// x (B,C), W (C,O), b (O) -> y (B,O)
static inline int sample_dense_forward(void *self, double *const *out, const double *const *in)
{
    const sample_dense *s = self;
    for (size_t i = 0; i < s->B; i++)
        for (size_t o = 0; o < s->O; o++) {
            double acc = in[2][o];
            for (size_t c = 0; c < s->C; c++) acc += in[0][i * s->C + c] * in[1][c * s->O + o];
            out[0][i * s->O + o] = acc;
        }
    return 0;
}

/* The correct dx += dy Wᵀ (every sample's bugs are elsewhere). */
static inline void sample_dense_dx(const sample_dense *s, double *dx, const double *dy, const double *W)
{
    if (!dx) return;
    for (size_t i = 0; i < s->B; i++)
        for (size_t c = 0; c < s->C; c++)
            for (size_t o = 0; o < s->O; o++) dx[i * s->C + c] += dy[i * s->O + o] * W[c * s->O + o];
}

/* Describe an element-wise layer: x (B,N) -> y (B,N), keys batch= and n=
 * (both parsed into s->B and s->C). */
static inline void *sample_elementwise_create(int n, const char *const *k, const char *const *v,
                                       td_layer_desc *d, char *err, size_t cap)
{
    sample_dense *s = calloc(1, sizeof *s);
    if (!s) { snprintf(err, cap, "out of memory"); return NULL; }
    s->B = 2; s->C = 8; s->O = 1;
    for (int i = 0; i < n; i++) {
        const char *key = !strcmp(k[i], "n") ? "in" : k[i];
        if (strcmp(key, "in") && strcmp(key, "batch")) {
            snprintf(err, cap, "unknown key '%.40s' (keys: batch,n)", k[i]);
            free(s);
            return NULL;
        }
        if (sample_keys(s, 1, &key, &v[i], err, cap) != 0) { free(s); return NULL; }
    }
    memset(d, 0, sizeof *d);
    d->n_in = 1;
    strcpy(d->in[0].name, "x"); d->in[0].rank = 2;
    d->in[0].shape[0] = s->B; d->in[0].shape[1] = s->C;
    d->n_out = 1;
    strcpy(d->out[0].name, "y"); d->out[0].rank = 2;
    d->out[0].shape[0] = s->B; d->out[0].shape[1] = s->C;
    return s;
}

/* The correct ReLU forward y = max(0, x) over B·C values. */
static inline int sample_relu_forward(void *self, double *const *out, const double *const *in)
{
    const sample_dense *s = self;
    for (size_t i = 0; i < s->B * s->C; i++) out[0][i] = in[0][i] > 0 ? in[0][i] : 0;
    return 0;
}

/* Export the layer table under td_layer_entry. */
#define SAMPLE_EXPORT(NAME, HELP, CREATE, FORWARD, BACKWARD)                     \
    static const td_layer_api sample_api = {                                     \
        .abi_version = TD_LAYER_ABI_VERSION, .api_size = sizeof(td_layer_api),    \
        .name = NAME, .help = HELP, .create = CREATE,                             \
        .destroy = sample_dense_free, .forward = FORWARD, .backward = BACKWARD,   \
    };                                                                            \
    const td_layer_api *td_layer_entry(void) { return &sample_api; }

#endif
