/* bench_gc.c — one round of gradcheck's side of the benchmark.
 * For each layer of the benchmark (the shapes): the time of one
 * forward (the mean of calls filling 50 ms), the floor 2n × forward
 * (n = elements the full check checks), and the in-process time of one
 * full check on 1 and 2 workers and of --fast (k = 4), each the mean of
 * as many checks as fill 50 ms after one warm-up check. Prints one
 * tab-separated line per layer:
 *   layer n t_forward floor full_1 full_2 fast fast_evals
 * (seconds of CPU, full_2 of wall clock; "-" for a mode not timed).
 * bench_gradcheck.sh runs rounds of it interleaved with torch's and takes
 * medians. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "td_gradcheck.h"

/* Seconds of CPU this process used: other jobs on a busy machine do not
 * count, so single-threaded runs compare fairly. Two-worker runs are
 * timed by the wall clock (use_cpu = 0). */
static int use_cpu = 1;
static double now(void)
{
    struct timespec ts;
    clock_gettime(use_cpu ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static td_gc_result res;

static void check_once(const td_layer_api *api, int nkv, const char **k, const char **v, int threads, int fast)
{
    td_gc_opts o;
    td_gc_opts_default(&o);
    o.threads = threads;
    o.fast = fast;
    td_err e;
    if (td_gc_check(api, nkv, k, v, &o, &res, &e) != TD_OK) { fprintf(stderr, "bench: %s\n", e.msg); exit(3); }
    if (td_gc_exit_code(&res) != 0) { fprintf(stderr, "bench: %s not correct\n", api->name); exit(1); }
}

/* Mean seconds of one check (after a warm-up one); *n receives the
 * elements checked, *evals the evaluations. */
static double time_check(const td_layer_api *api, int nkv, const char **k, const char **v,
                         int threads, int fast, size_t *n, size_t *evals)
{
    check_once(api, nkv, k, v, threads, fast);
    int reps = 0;
    double t0 = now(), t;
    do {
        check_once(api, nkv, k, v, threads, fast);
        reps++;
    } while ((t = now() - t0) < 0.05);
    *n = 0;
    for (int i = 0; i < res.nrows; i++) *n += res.rows[i].checked;
    *evals = res.evals;
    return t / reps;
}

/* Seconds of one forward at a random point: the mean of as many calls as
 * fill 50 ms, as the checks are timed (the same estimator for the floor
 * and the check: a best-of-batches floor on a shared machine was 20 %
 * under the forward's own mean). */
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
    api->forward(self, out, (const double *const *)in); /* warm-up, as the checks */
    long calls = 0;
    double t, start = now();
    do {
        for (int i = 0; i < 50; i++) api->forward(self, out, (const double *const *)in);
        calls += 50;
    } while ((t = now() - start) < 0.05);
    t /= (double)calls;
    for (int t2 = 0; t2 < TD_LAYER_MAXT; t2++) { free(in[t2]); free(out[t2]); }
    api->destroy(self);
    return t;
}

int main(void)
{
    static const struct { const char *spec, *label; int full; } specs[] = {
        { "dense:in=64,out=64,batch=8", "dense", 1 },
        { "conv2d:batch=2,c=3,h=8,w=8,oc=8,k=3,stride=1,pad=1", "conv2d", 1 },
        { "layernorm:batch=8,c=64", "layernorm", 1 },
        { "softmax_ce:batch=16,classes=10", "softmax_ce", 1 },
        { "dense:in=256,out=256,batch=32", "dense_32x256", 0 }, /* --fast only */
    };
    for (size_t s = 0; s < sizeof specs / sizeof specs[0]; s++) {
        char buf[128], *name;
        const char *k[16], *v[16];
        snprintf(buf, sizeof buf, "%s", specs[s].spec);
        int nkv = td_gc_split_spec(buf, &name, k, v, 16);
        const td_layer_api *api = td_gc_builtin(name);
        size_t n = 0, nf, ev, evf;
        double tf = time_forward(api, nkv, k, v);
        printf("%s", specs[s].label);
        if (specs[s].full) {
            double f1 = time_check(api, nkv, k, v, 1, 0, &n, &ev);
            use_cpu = 0;
            double f2 = time_check(api, nkv, k, v, 2, 0, &n, &ev);
            use_cpu = 1;
            printf("\t%zu\t%.9f\t%.9f\t%.9f\t%.9f", n, tf, 2.0 * (double)n * tf, f1, f2);
        } else
            printf("\t-\t%.9f\t-\t-\t-", tf);
        double fast = time_check(api, nkv, k, v, 1, 4, &nf, &evf);
        printf("\t%.9f\t%zu\n", fast, evf);
        fflush(stdout);
    }
    return 0;
}
