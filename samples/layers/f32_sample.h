/* f32_sample.h — shared scaffolding of the float32 samples (f32_*.c): the
 * shape keys they parse, their instance (shape + td_f32 buffers + the
 * state forward saves for backward), and the export macro. The kernels
 * themselves are written the way llm.c writes them (float pointers,
 * B, T, C ints, `+=` into the gradients); td_f32 (td_layer.h) wraps them.
 * A bug_f32_*.c defines F32_BUG to one of the numbers a sample lists and
 * includes that sample: the same kernel with one classic bug. */
#ifndef F32_SAMPLE_H
#define F32_SAMPLE_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "td_layer.h"

#ifndef F32_BUG
#define F32_BUG 0
#endif
#ifdef F32_NAME /* a bug_f32_*.c renames the layer it includes */
#define F32_LAYER_NAME(name) F32_NAME
#else
#define F32_LAYER_NAME(name) name
#endif

typedef struct {
    int B, T, C, OC, NH, V;  /* shape keys (unused ones stay at their default) */
    td_f32 f;                /* float copies of every tensor */
    float *save[2];          /* what forward keeps for backward (mean/rstd, att) */
} f32_layer;

/* Parse key=value pairs over the keys named in `names` ("B,T,C") into s;
 * each value an integer in [1, 4096]. 0, or -1 with a message in err. */
static inline int f32_keys(f32_layer *s, const char *names, int n, const char *const *k,
                           const char *const *v, char *err, size_t cap)
{
    for (int i = 0; i < n; i++) {
        int *dst = NULL;
        size_t kl = strlen(k[i]);
        const char *p = strstr(names, k[i]);
        if (kl && p && (p == names || p[-1] == ',') && (p[kl] == ',' || p[kl] == '\0'))
            dst = !strcmp(k[i], "B") ? &s->B : !strcmp(k[i], "T") ? &s->T : !strcmp(k[i], "C") ? &s->C
                : !strcmp(k[i], "OC") ? &s->OC : !strcmp(k[i], "NH") ? &s->NH : !strcmp(k[i], "V") ? &s->V : NULL;
        if (!dst) { snprintf(err, cap, "unknown key '%.40s' (keys: %s)", k[i], names); return -1; }
        char *end;
        errno = 0;
        long long x = strtoll(v[i], &end, 10);
        if (errno || *end || end == v[i] || x < 1 || x > 4096) {
            snprintf(err, cap, "%s: '%.40s' is not an integer in [1,4096]", k[i], v[i]);
            return -1;
        }
        *dst = (int)x;
    }
    return 0;
}

/* Describe tensor t: name, kind, rank, dims. */
static inline void f32_tensor(td_tensor_desc *t, const char *name, int kind, int rank, size_t d0,
                              size_t d1, size_t d2)
{
    snprintf(t->name, sizeof t->name, "%s", name);
    t->kind = kind;
    t->rank = rank;
    size_t d[3] = { d0, d1, d2 };
    for (int i = 0; i < rank; i++) t->shape[i] = d[i];
}

/* The float buffers for d and nsave saved-state arrays of save_n floats
 * each; marks d float32. 0, or -1 with "out of memory" in err. */
static inline int f32_alloc(f32_layer *s, td_layer_desc *d, int nsave, size_t save_n, char *err,
                            size_t cap)
{
    d->flags |= TD_LAYER_FLOAT32; /* and not reentrant: the buffers live in s */
    for (int i = 0; i < nsave; i++)
        if (!(s->save[i] = (float *)calloc(save_n, sizeof(float)))) goto oom;
    if (td_f32_init(&s->f, d) == 0) return 0;
oom:
    snprintf(err, cap, "out of memory");
    return -1;
}

static inline void f32_free(void *self)
{
    f32_layer *s = (f32_layer *)self;
    if (!s) return;
    td_f32_free(&s->f);
    free(s->save[0]);
    free(s->save[1]);
    free(s);
}

/* Export FORWARD/BACKWARD (float kernels) through td_f32 as layer NAME. */
#define F32_EXPORT(NAME, HELP, CREATE, FORWARD, BACKWARD)                                   \
    static int f32_fwd(void *self, double *const *out, const double *const *in)             \
    {                                                                                       \
        return td_f32_forward(&((f32_layer *)self)->f, FORWARD, self, out, in);             \
    }                                                                                       \
    static int f32_bwd(void *self, double *const *din, const double *const *dout,           \
                       const double *const *in, const double *const *out)                   \
    {                                                                                       \
        return td_f32_backward(&((f32_layer *)self)->f, BACKWARD, self, din, dout, in, out); \
    }                                                                                       \
    static const td_layer_api f32_api = {                                                   \
        .abi_version = TD_LAYER_ABI_VERSION, .api_size = sizeof(td_layer_api),              \
        .name = F32_LAYER_NAME(NAME), .help = HELP, .create = CREATE, .destroy = f32_free,                  \
        .forward = f32_fwd, .backward = f32_bwd,                                            \
    };                                                                                      \
    const td_layer_api *td_layer_entry(void) { return &f32_api; }

#endif
