/* gradcheck — check a layer's backward pass against centered differences.
 *   gradcheck [options] LAYER [key=value ...]
 * LAYER is a built-in name (see --list), "name:k=v,k=v", or a plugin
 * path (./mylayer.so). Exit 0 correct, 1 a wrong or suspicious tensor,
 * 2 usage, 3 plugin or input error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "td_cli.h"
#include "td_gradcheck.h"
#include "td_plot.h"

#define MAX_KV 64

static void usage(FILE *f)
{
    td_gc_opts d;
    td_gc_opts_default(&d);
    fprintf(f,
        "usage: gradcheck [options] LAYER [key=value ...]\n"
        "Check a layer's backward pass against centered differences in double precision.\n"
        "LAYER: a built-in layer (--list), 'name:k=v,k=v', or a plugin ./mylayer.so\n"
        "       exporting td_layer_entry() (gradcheck/td_layer.h, ABI %d)\n"
        "options:\n"
        "  --h H          finite-difference step (default %g; 1e-2 for float32 layers)\n"
        "  --h-sweep      print the error for h = 1e-1 ... 1e-10, check each tensor at its best h\n"
        "  --seed N       seed of the point, the objective weights and sampling (default %llu)\n"
        "  --samples N    check N random elements per tensor (default: all up to %d, else %d)\n"
        "  --fast         k random directional derivatives per tensor instead of every element\n"
        "                 (a disagreeing direction is localised to its elements, never passed)\n"
        "  --directions K directions for --fast (default 4)\n"
        "  --jacobian     check every (output, input) pair\n"
        "  --at FILE.h5   take inputs and parameters from datasets named like the tensors\n"
        "  --at-map MAP   dataset names for --at: W=/path/kernel,b=/path/bias\n"
        "  --threads N    workers for reentrant layers (default %d)\n"
        "  --timeout S    seconds before a plugin counts as hung (default 60)\n"
        "  --max-mem MB   memory a plugin may allocate; beyond, its allocations fail\n"
        "                 (default %.0f; 0: no limit)\n"
        "  --no-contract  skip the overwrite/determinism/read-only checks\n"
        "  --json         machine-readable output\n"
        "  --report DIR   also write a diagreport folder (error per tensor against the\n"
        "                 verdict bands, the h sweep); open DIR/index.html (default: none)\n"
        "  --list         list the built-in layers and their keys\n"
        "  --help, --version\n"
        "exit: 0 correct, 1 a wrong or suspicious tensor, 2 usage, 3 plugin or input error\n",
        TD_LAYER_ABI_VERSION, d.h, (unsigned long long)d.seed, TD_GC_AUTO_ALL,
        TD_GC_AUTO_SAMPLE, d.threads, d.max_mem_mb);
}

static int usage_error(const char *msg)
{
    fprintf(stderr, "gradcheck: %s (see --help)\n", msg);
    return TD_EXIT_USAGE;
}

static void list_layers(int json)
{
    size_t n;
    const td_layer_api *const *b = td_gc_builtins(&n);
    td_out o = td_out_file(stdout);
    if (json) {
        td_json j;
        td_json_init(&j, &o, 1);
        td_json_arr(&j);
        for (size_t i = 0; i < n; i++) {
            td_json_obj(&j);
            td_json_kstr(&j, "name", b[i]->name);
            td_json_kstr(&j, "help", b[i]->help);
            td_json_end_obj(&j);
        }
        td_json_end_arr(&j);
        td_out_puts(&o, "\n");
        return;
    }
    for (size_t i = 0; i < n; i++) td_out_printf(&o, "%-12s %s\n", b[i]->name, b[i]->help);
}

static int is_plugin_path(const char *s)
{
    size_t n = strlen(s);
    return strchr(s, '/') || (n > 3 && strcmp(s + n - 3, ".so") == 0);
}

int main(int argc, char **argv)
{
    td_gc_opts o;
    td_gc_opts_default(&o);
    int json = 0, list = 0, nkv = 0;
    const char *report_dir = NULL;
    double timeout = 60;
    const char *layer = NULL, *keys[MAX_KV], *vals[MAX_KV];
    char *kvbuf[MAX_KV];
    td_err e;
    long long v;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
#define NEED_ARG() do { if (!next) { fprintf(stderr, "gradcheck: option '%s' needs a value (see --help)\n", a); return TD_EXIT_USAGE; } i++; } while (0)
        if (td_cli_is_help(a)) { usage(stdout); return TD_EXIT_OK; }
        else if (strcmp(a, "--version") == 0) { printf("gradcheck %s (layer ABI %d)\n", TD_VERSION, TD_LAYER_ABI_VERSION); return TD_EXIT_OK; }
        else if (strcmp(a, "--json") == 0) json = 1;
        else if (strcmp(a, "--list") == 0) list = 1;
        else if (strcmp(a, "--fast") == 0) { if (!o.fast) o.fast = 4; }
        else if (strcmp(a, "--jacobian") == 0) o.jacobian = 1;
        else if (strcmp(a, "--h-sweep") == 0) o.sweep = 1;
        else if (strcmp(a, "--no-contract") == 0) o.check_contract = 0;
        else if (strcmp(a, "--h") == 0) {
            NEED_ARG();
            if (td_parse_double("--h", next, 1e-15, 0.5, &o.h, &e) != TD_OK) return usage_error(e.msg);
            o.h_auto = 0;
        } else if (strcmp(a, "--seed") == 0) {
            NEED_ARG();
            if (td_parse_long("--seed", next, 0, (1LL << 62), &v, &e) != TD_OK) return usage_error(e.msg);
            o.seed = (uint64_t)v;
        } else if (strcmp(a, "--samples") == 0) {
            NEED_ARG();
            if (td_parse_long("--samples", next, 1, 1LL << 30, &v, &e) != TD_OK) return usage_error(e.msg);
            o.samples = (long)v;
        } else if (strcmp(a, "--directions") == 0) {
            NEED_ARG();
            if (td_parse_long("--directions", next, 1, 1000, &v, &e) != TD_OK) return usage_error(e.msg);
            o.fast = (int)v;
        } else if (strcmp(a, "--threads") == 0) {
            NEED_ARG();
            if (td_parse_long("--threads", next, 1, 4, &v, &e) != TD_OK) return usage_error(e.msg);
            o.threads = (int)v;
        } else if (strcmp(a, "--timeout") == 0) {
            NEED_ARG();
            if (td_parse_double("--timeout", next, 0.01, 86400, &timeout, &e) != TD_OK) return usage_error(e.msg);
        } else if (strcmp(a, "--max-mem") == 0) {
            NEED_ARG();
            if (td_parse_double("--max-mem", next, 0, 1 << 30, &o.max_mem_mb, &e) != TD_OK) return usage_error(e.msg);
        } else if (strcmp(a, "--at") == 0) { NEED_ARG(); o.at_file = next; }
        else if (strcmp(a, "--at-map") == 0) { NEED_ARG(); o.at_map = next; }
        else if (strcmp(a, "--report") == 0) { NEED_ARG(); report_dir = next; }
        else if (a[0] == '-' && a[1]) {
            static const char *const known[] = { "--help", "--version", "--json", "--list", "--fast", "--jacobian",
                "--h-sweep", "--no-contract", "--h", "--seed", "--samples", "--directions", "--threads", "--timeout",
                "--at", "--at-map", "--report" };
            td_cli_unknown(a, known, sizeof known / sizeof *known, &e);
            fprintf(stderr, "gradcheck: %s\n", e.msg);
            return TD_EXIT_USAGE;
        } else if (!layer) layer = a;
        else {
            if (nkv >= MAX_KV) return usage_error("too many key=value arguments");
            char *k, *val, *copy = strdup(a);
            if (!copy) { fprintf(stderr, "gradcheck: out of memory\n"); return TD_EXIT_INPUT; }
            if (td_split_kv(copy, &k, &val) != 0) {
                char safe[64], msg[128];
                snprintf(msg, sizeof msg, "malformed key=value '%s'", td_safe_text(safe, sizeof safe, a));
                free(copy);
                return usage_error(msg);
            }
            kvbuf[nkv] = copy; keys[nkv] = k; vals[nkv] = val; nkv++;
        }
    }
    if (list) { list_layers(json); return TD_EXIT_OK; }
    if (!layer) return usage_error("no layer given");
    if (o.fast && o.jacobian) return usage_error("--fast and --jacobian exclude each other");
    char spool[4096]; /* --at -: the HDF5 point from standard input, copied to a file */
    const char *at[1] = { o.at_file ? o.at_file : "" };
    if (td_cli_spool_dash(at, 1, spool, sizeof spool, &e)) { fprintf(stderr, "gradcheck: %s\n", e.msg); return td_exit_code(e.code); }
    if (o.at_file) o.at_file = at[0];

    td_gc_result *res = calloc(1, sizeof *res);
    td_buf out = { 0 }, jout = { 0 }; /* the output; the JSON for --report */
    int rc_exit;
    char safe[256];
    td_safe_text(safe, sizeof safe, layer);
    td_err_clear(&e);
    td_code rc;
    if (is_plugin_path(layer)) {
        int ex = 0;
        rc = td_gc_check_isolated(layer, nkv, keys, vals, &o, json, timeout, &out,
                                  report_dir ? &jout : NULL, &ex, &e);
        rc_exit = rc == TD_OK ? ex : td_exit_code(rc);
    } else {
        /* "name:k=v,k=v" specs add their pairs before the free-standing ones */
        char *spec = strdup(layer), *name;
        const char *sk[MAX_KV], *sv[MAX_KV];
        int ns = spec ? td_gc_split_spec(spec, &name, sk, sv, MAX_KV - nkv) : -1;
        const td_layer_api *api = ns >= 0 ? td_gc_builtin(name) : NULL;
        if (ns < 0) rc = td_fail(&e, TD_EUSAGE, "malformed layer spec (want name:k=v,k=v)");
        else if (!api) rc = td_fail(&e, TD_EUSAGE, "unknown layer (see --list; a plugin needs a path like ./%s.so)", name);
        else {
            for (int i = 0; i < nkv; i++) { sk[ns + i] = keys[i]; sv[ns + i] = vals[i]; }
            rc = td_gc_check(api, ns + nkv, sk, sv, &o, res, &e);
            if (rc == TD_OK) {
                td_out bo = td_out_buf(&out);
                if (json) td_gc_write_json(&bo, res);
                else td_gc_write_table(&bo, res);
                if (report_dir) {
                    td_out jo = td_out_buf(&jout);
                    td_gc_write_json(&jo, res);
                }
            }
        }
        free(spec);
        rc_exit = rc == TD_OK ? td_gc_exit_code(res) : td_exit_code(rc);
    }
    int said = 0; /* the error line was printed already */
    if (rc == TD_OK && report_dir) { /* before stdout: a failed report leaves no output */
        char warn[1024] = "";
        td_report *rep = td_report_new("gradcheck report");
        td_err re;
        td_code c = rep ? td_plot_add_gradcheck_json(rep, safe, jout.data ? jout.data : "", jout.len, &re)
                        : td_fail(&re, TD_ENOMEM, "out of memory");
        if (!c) c = td_plot_report_to_dir(rep, report_dir, warn, sizeof warn, &re);
        td_report_free(rep);
        if (warn[0]) fprintf(stderr, "gradcheck: %s\n", warn);
        if (c) {
            char m[TD_ERR_MSG];
            fprintf(stderr, "gradcheck: %s\n", td_safe_text(m, sizeof m, re.msg));
            td_buf_free(&out);
            rc_exit = td_exit_code(c);
            rc = c;
            said = 1;
        }
    }
    td_buf_free(&jout);
    td_spool_remove(spool);
    char *relabeled = rc != TD_OK && spool[0] ? td_cli_relabel(e.msg, spool, "<stdin>") : NULL;
    if (relabeled) { snprintf(e.msg, sizeof e.msg, "%s", relabeled); free(relabeled); }
    /* plugin messages name the file already */
    if (said) {}
    else if (rc != TD_OK && is_plugin_path(layer)) fprintf(stderr, "gradcheck: %s\n", e.msg);
    else if (rc != TD_OK) fprintf(stderr, "gradcheck: %s: %s\n", safe, e.msg);
    else if (td_buf_emit(&out, stdout) != 0) {
        fprintf(stderr, "gradcheck: <stdout>: write error\n");
        rc_exit = TD_EXIT_INPUT;
    }
    td_buf_free(&out);
    free(res);
    for (int i = 0; i < nkv; i++) free(kvbuf[i]);
    return rc_exit;
}
