/* bench_gc.c — time gradcheck's checks against their floor.
 * For each layer of the benchmark (the four shapes): the time of
 * one forward (best batch of 50 calls), the floor 2n × forward (n = checked
 * elements), and the time of the full check on 1 and 2 workers and of
 * --fast (k = 4). Prints one tab-separated line per layer:
 *   layer n t_forward floor full_1 full_2 fast
 * (seconds of CPU, full_2 of wall clock; best of 3 runs).
 * bench_gradcheck.sh joins it with torch. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "td_gradcheck.h"

/* Seconds of CPU this process used: other jobs on a busy machine do not
 * count, so single-threaded runs compare fairly. Two-worker runs are
 * timed by the wall clock (cpu = 0). */
static int use_cpu = 1;
static double now(void)
{
    struct timespec ts;
    clock_gettime(use_cpu ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Best-of-3 seconds of one check; *n receives the elements checked. */
static double time_check(const td_layer_api *api, int nkv, const char **k, const char **v,
                         int threads, int fast, size_t *n)
{
    static td_gc_result res;
    double best = 1e30;
    for (int rep = 0; rep < 3; rep++) {
        td_gc_opts o;
        td_gc_opts_default(&o);
        o.threads = threads;
        o.fast = fast;
        td_err e;
        double t0 = now();
        if (td_gc_check(api, nkv, k, v, &o, &res, &e) != TD_OK) { fprintf(stderr, "bench: %s\n", e.msg); exit(3); }
        double t = now() - t0;
        if (t < best) best = t;
        if (td_gc_exit_code(&res) != 0) { fprintf(stderr, "bench: %s not correct\n", api->name); exit(1); }
    }
    *n = 0;
    for (int i = 0; i < res.nrows; i++) *n += res.rows[i].checked;
    return best;
}

/* Mean seconds of one forward at a random point. */
static double time_forward(const td_layer_api *api, int nkv, const char **k, const char **v)
{
    td_layer_desc d;
    memset(&d, 0, sizeof d);
    char err[200];
    void *self = api->create(nkv, k, v, &d, err, sizeof err);
    if (!self) { fprintf(stderr, "bench: %s\n", err); exit(3); }
    double *in[TD_LAYER_MAXT] = { 0 }, *out[TD_LAYER_MAXT] = { 0 };
    td_rng r;
    td_rng_seed(&r, 1);
    for (int t = 0; t < d.n_in; t++) {
        size_t n = td_tensor_numel(&d.in[t]);
        in[t] = malloc(n * sizeof(double));
        for (size_t i = 0; i < n; i++)
            in[t][i] = d.in[t].flags & TD_T_INDEX ? (double)td_rng_below(&r, (uint64_t)d.in[t].index_range)
                                                  : td_rng_normal(&r);
    }
    for (int t = 0; t < d.n_out; t++) out[t] = malloc(td_tensor_numel(&d.out[t]) * sizeof(double));
    /* best batch of 50 calls over 0.3 s: the same "best of" as the checks */
    double t = 1e30, start = now();
    do {
        double t0 = now();
        for (int i = 0; i < 50; i++) api->forward(self, out, (const double *const *)in);
        double dt = (now() - t0) / 50;
        if (dt < t) t = dt;
    } while (now() - start < 0.3);
    for (int t2 = 0; t2 < TD_LAYER_MAXT; t2++) { free(in[t2]); free(out[t2]); }
    api->destroy(self);
    return t;
}

int main(void)
{
    static const char *specs[] = {
        "dense:in=64,out=64,batch=8", "conv2d:batch=2,c=3,h=8,w=8,oc=8,k=3,stride=1,pad=1",
        "layernorm:batch=8,c=64", "softmax_ce:batch=16,classes=10",
    };
    for (size_t s = 0; s < sizeof specs / sizeof specs[0]; s++) {
        char buf[128], *name;
        const char *k[16], *v[16];
        snprintf(buf, sizeof buf, "%s", specs[s]);
        int nkv = td_gc_split_spec(buf, &name, k, v, 16);
        const td_layer_api *api = td_gc_builtin(name);
        size_t n, nf;
        double tf = time_forward(api, nkv, k, v);
        double f1 = time_check(api, nkv, k, v, 1, 0, &n);
        use_cpu = 0;
        double f2 = time_check(api, nkv, k, v, 2, 0, &n);
        use_cpu = 1;
        double fast = time_check(api, nkv, k, v, 1, 4, &nf);
        printf("%s\t%zu\t%.9f\t%.9f\t%.9f\t%.9f\t%.9f\n", name, n, tf, 2.0 * (double)n * tf, f1, f2, fast);
    }
    return 0;
}
