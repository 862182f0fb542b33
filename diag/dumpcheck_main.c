/* dumpcheck — per-layer diagnostics from HDF5 dumps of weights, gradients,
 * activations and optimizer state. Thin main over td_dump.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "td.h"
#include "td_cli.h"
#include "td_dump.h"
#include "td_plot.h"

static void usage(FILE *f, const td_dump_opts *o)
{
    fprintf(f,
        "usage: dumpcheck [options] FILE.h5|FILE.safetensors|DIR...   ('-': one FILE from standard input)\n"
        "Per-layer diagnostics of HDF5 dumps (tdiag /step_<N>/<layer>/..., Keras 2/3 .h5,\n"
        "Keras 3 .weights.h5, or any file of numeric arrays) and safetensors checkpoints\n"
        "(files, model.safetensors.index.json shards, checkpoint-N folders, a folder of\n"
        "them). Several files: one per step, one per rank (same tensors are merged), or\n"
        "a sequence of checkpoints.\n"
        "  --json              machine-readable output (schema in dumpcheck(1))\n"
        "  --tensors           also list every tensor's statistics\n"
        "  --report DIR        also write a diagreport folder (ratios with the 1e-3 band,\n"
        "                      gradient RMS by depth, histograms, first-layer weights)\n"
        "  --bins N            histogram bins over [min,max] in --json (default %d)\n"
        "  --ratio-lo X        update/weight ratio below X: learning rate too low (default %g)\n"
        "  --ratio-hi X        update/weight ratio above X: learning rate too high (default %g)\n"
        "  --dead-frac X       share of dead ReLU units to flag (default %g)\n"
        "  --sat-frac X        share of saturated tanh/sigmoid outputs to flag (default %g)\n"
        "  --grad-depth X      gradient RMS ratio to the output layer to flag (default %g)\n"
        "  --init-factor X     init std outside [min/X, max*X] of He/Glorot/LeCun (default %g)\n"
        "  --steps-between N   training steps between consecutive files (in the order given);\n"
        "                      otherwise from optimizer iterations, trainer_state.json beside\n"
        "                      each file, or a step in the names (checkpoint-1000)\n"
        "  --propagate         push a seeded random batch through the model config's layers\n"
        "                      (default when a file has a Keras model_config)\n"
        "  --no-propagate      no signal propagation\n"
        "  --max-elements N    largest dataset accepted (default %llu)\n"
        "  --chunk-mib N       read budget per hyperslab in MiB (default %zu)\n"
        "  --help, --version\n"
        "Exit: 0 no finding, 1 a finding, 2 usage error, 3 input error.\n",
        o->bins, o->ratio_lo, o->ratio_hi, o->dead_frac, o->sat_frac, o->grad_depth, o->init_factor,
        (unsigned long long)o->max_elems, o->chunk_bytes >> 20);
}

typedef struct {
    struct timespec t0;
    double last;
    int shown;
} bar;

static double since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + 1e-9 * (double)(t.tv_nsec - t0->tv_nsec);
}

/* Progress on stderr, only once the run has taken more than a second. */
static void progress(void *ctx, uint64_t done, uint64_t total)
{
    bar *b = ctx;
    double t = since(&b->t0);
    if (t < 1.0 || t - b->last < 0.2 || total == 0) return;
    b->last = t;
    b->shown = 1;
    fprintf(stderr, "\rdumpcheck: %5.1f%% of %.1f MiB read", 100.0 * (double)done / (double)total, (double)total / 1048576.0);
    fflush(stderr);
}

static int fail_usage(const char *msg)
{
    char safe[TD_ERR_MSG];
    fprintf(stderr, "dumpcheck: %s\n", td_safe_text(safe, sizeof safe, msg));
    return TD_EXIT_USAGE;
}

/* the one wording for an option given last without its value */
static int fail_needs_value(const char *opt)
{
    char msg[128];
    snprintf(msg, sizeof msg, "option '%.60s' needs a value (see --help)", opt);
    return fail_usage(msg);
}

int main(int argc, char **argv)
{
    td_dump_opts o;
    td_dump_opts_default(&o);
    int json = 0, tensors = 0;
    const char *report_dir = NULL;
    const char **files = calloc((size_t)argc, sizeof *files);
    int nfiles = 0;
    td_err e;
    td_err_clear(&e);
    if (!files) { fprintf(stderr, "dumpcheck: out of memory\n"); return TD_EXIT_INPUT; }
    static const struct { const char *name; double *dst; double lo, hi; } dopts[] = {
        { "--ratio-lo", NULL, 0, 1e6 }, { "--ratio-hi", NULL, 0, 1e6 }, { "--dead-frac", NULL, 0, 1 },
        { "--sat-frac", NULL, 0, 1 }, { "--grad-depth", NULL, 1, 1e300 }, { "--init-factor", NULL, 1, 1e300 },
    };
    double *dst[] = { &o.ratio_lo, &o.ratio_hi, &o.dead_frac, &o.sat_frac, &o.grad_depth, &o.init_factor };
    int only_files = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (only_files || a[0] != '-' || !a[1]) { files[nfiles++] = a; continue; }
        if (strcmp(a, "--") == 0) { only_files = 1; continue; }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) { usage(stdout, &o); free(files); return TD_EXIT_OK; }
        if (strcmp(a, "--version") == 0) { printf("dumpcheck %s\n", TD_VERSION); free(files); return TD_EXIT_OK; }
        if (strcmp(a, "--json") == 0) { json = 1; continue; }
        if (strcmp(a, "--tensors") == 0) { tensors = 1; continue; }
        if (strcmp(a, "--propagate") == 0) { o.propagate = 2; continue; }
        if (strcmp(a, "--no-propagate") == 0) { o.propagate = 0; continue; }
        if (strcmp(a, "--report") == 0) {
            if (i + 1 >= argc) { free(files); return fail_needs_value(a); }
            report_dir = argv[++i];
            continue;
        }
        int done = 0;
        for (size_t k = 0; k < sizeof dopts / sizeof dopts[0] && !done; k++) {
            if (strcmp(a, dopts[k].name) != 0) continue;
            if (i + 1 >= argc) { free(files); return fail_needs_value(a); }
            if (td_parse_double(a, argv[++i], dopts[k].lo, dopts[k].hi, dst[k], &e) != TD_OK) { free(files); return fail_usage(e.msg); }
            done = 1;
        }
        if (done) continue;
        long long v;
        if (strcmp(a, "--bins") == 0 || strcmp(a, "--max-elements") == 0 || strcmp(a, "--chunk-mib") == 0
            || strcmp(a, "--steps-between") == 0) {
            if (i + 1 >= argc) { free(files); return fail_needs_value(a); }
            long long hi = strcmp(a, "--bins") == 0 ? 4096 : strcmp(a, "--chunk-mib") == 0 ? 1024 : (long long)1e15;
            if (td_parse_long(a, argv[++i], 1, hi, &v, &e) != TD_OK) { free(files); return fail_usage(e.msg); }
            if (a[2] == 's') o.steps_between = v;
            else if (a[2] == 'b') o.bins = (int)v;
            else if (a[2] == 'm') o.max_elems = (uint64_t)v;
            else o.chunk_bytes = (size_t)v << 20;
            continue;
        }
        static const char *const known[] = { "--help", "--version", "--json", "--tensors", "--report", "--ratio-lo",
            "--ratio-hi", "--dead-frac", "--sat-frac", "--grad-depth", "--init-factor", "--bins", "--max-elements", "--chunk-mib",
            "--steps-between", "--propagate", "--no-propagate" };
        td_cli_unknown(a, known, sizeof known / sizeof *known, &e);
        free(files);
        return fail_usage(e.msg);
    }
    if (nfiles == 0) { free(files); return fail_usage("no input file (see --help)"); }
    if (o.ratio_lo >= o.ratio_hi) { free(files); return fail_usage("--ratio-lo must be below --ratio-hi"); }

    /* '-': HDF5 needs a file it can seek, so stdin is copied to a temporary
     * one, named "<stdin>" in messages and removed once the dump is read */
    const char *label = strcmp(files[0], "-") == 0 ? "<stdin>" : files[0]; /* points into argv */
    char spool[4096];
    if (td_cli_spool_dash(files, nfiles, spool, sizeof spool, &e)) {
        free(files);
        if (e.code == TD_EUSAGE) return fail_usage(e.msg);
        fprintf(stderr, "dumpcheck: %s\n", e.msg);
        return TD_EXIT_INPUT;
    }
    bar b = { .last = 0, .shown = 0 };
    clock_gettime(CLOCK_MONOTONIC, &b.t0);
    if (isatty(2)) { o.progress = progress; o.progress_ctx = &b; }
    td_dump *d = NULL;
    td_code rc = td_dump_open(&d, files, nfiles, &o, &e);
    if (b.shown) fprintf(stderr, "\r%60s\r", "");
    td_spool_remove(spool);
    free(files);
    if (rc == TD_OK && report_dir) { /* before stdout: a failed report leaves no output */
        char warn[1024] = "", base[256];
        const char *slash = strrchr(label, '/');
        td_safe_text(base, sizeof base, slash ? slash + 1 : label);
        td_report *rep = td_report_new("dumpcheck report");
        rc = rep ? td_plot_add_dump(rep, d, &o, base, &e) : td_fail(&e, TD_ENOMEM, "out of memory");
        if (!rc) rc = td_plot_report_to_dir(rep, report_dir, warn, sizeof warn, &e);
        td_report_free(rep);
        if (warn[0]) fprintf(stderr, "dumpcheck: %s\n", warn);
    }
    if (rc != TD_OK) {
        char safe[TD_ERR_MSG], *msg = spool[0] ? td_cli_relabel(e.msg, spool, "<stdin>") : NULL;
        fprintf(stderr, "dumpcheck: %s\n", td_safe_text(safe, sizeof safe, msg ? msg : e.msg));
        free(msg);
        td_dump_free(d);
        return td_exit_code(rc);
    }
    /* the whole report is built in memory, then written at once */
    td_buf buf = { 0 };
    td_out out = td_out_buf(&buf);
    if (json) td_dump_write_json(d, &o, &out);
    else {
        td_dump_write_text(d, &o, &out);
        if (tensors && d->layout != TD_DUMP_GENERIC) {
            for (size_t i = 0; i < d->ntensors; i++) {
                const td_dump_tensor *t = &d->tensors[i];
                char p[200];
                td_safe_text(p, sizeof p, t->path);
                td_out_printf(&out, "tensor %s step %lld %s: mean %.3g std %.3g min %.3g max %.3g rms %.3g zero %.1f%% nan %llu inf %llu\n",
                              p, t->step, td_dump_kind_name(t->kind), t->st.mean, td_stats_std(&t->st), t->st.min, t->st.max,
                              td_stats_rms(&t->st), t->st.n ? 100.0 * (double)t->st.zeros / (double)t->st.n : 0.0,
                              (unsigned long long)t->st.nans, (unsigned long long)t->st.infs);
            }
        }
    }
    int code = d->nfindings ? TD_EXIT_FINDING : TD_EXIT_OK;
    char *shown = spool[0] && buf.data ? td_cli_relabel(buf.data, spool, "<stdin>") : NULL;
    if (shown) { free(buf.data); buf.data = shown; buf.len = buf.cap = strlen(shown); }
    if (out.failed || (buf.len && fwrite(buf.data, 1, buf.len, stdout) != buf.len) || fflush(stdout) != 0) {
        fprintf(stderr, "dumpcheck: cannot write the report\n");
        code = TD_EXIT_INPUT;
    }
    td_buf_free(&buf);
    td_dump_free(d);
    return code;
}
