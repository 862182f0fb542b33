/* sanitycheck — sanity checks before learning (issue 5; seeds 003, 004).
 *   sanitycheck init    --loss KIND [--classes C] (--value V[,V...] | --log FILE) [...]
 *   sanitycheck model   PLUGIN.so --data FILE.h5 [key=value ...] [...]
 *   sanitycheck data    FILE.h5 [...]
 *   sanitycheck overfit LOG [...]
 * Exit 0 every check passed, 1 a check failed, 2 usage, 3 input, plugin
 * or I/O error (one line on stderr). Output is written only once the
 * checks finished, so an error never leaves a partial report. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "td_cli.h"
#include "td_sanity.h"

#define MAX_KV 64
#define MAX_VALUES 4096

static void usage(FILE *f)
{
    td_sc_model_opts m;
    td_sc_model_opts_default(&m);
    td_sc_data_opts d;
    td_sc_data_opts_default(&d);
    fprintf(f,
        "usage: sanitycheck MODE [options]   (options anywhere; '-' for one FILE: standard input)\n"
        "Sanity checks before learning: loss at chance, regularization raises the loss,\n"
        "a tiny subset overfits, the loss is a batch mean, the data is balanced and normalized.\n"
        "modes:\n"
        "  init --loss KIND (--value V[,V...] | --log FILE) [--classes C]\n"
        "        is the first loss at chance? KIND: softmax (ln C), bce (ln 2),\n"
        "        svm ((C-1)*margin), mse (mean y^2). Several values = per-example losses.\n"
        "        --batch B       the value is a mean over B examples (default 1)\n"
        "        --margin M      svm margin (default 1)\n"
        "        --mean-y2 M     mse: mean of the squared targets\n"
        "        --log FILE      take the first training loss of a log (curvecheck's formats)\n"
        "        --tol T         absolute tolerance (default max(%g*chance, 3*sd/sqrt(B)),\n"
        "                        sd = spread of the given values, else %g*chance)\n"
        "  model PLUGIN.so --data FILE.h5 [key=value ...]\n"
        "        load a model (gradcheck/td_model.h, ABI %d) in a forked child and run the\n"
        "        chance, regularization, overfit and batch-mean checks\n"
        "        --seed N (default %llu)  --batch N (default %zu)  --subset N (default %zu)\n"
        "        --steps N per optimizer and step size (default %ld)  --target F (default %g:\n"
        "        overfit when loss <= F*chance and accuracy 100%%)  --init-scale S (default %g)\n"
        "        --tol T  --timeout S (default 60)  --x NAME --y NAME (datasets)\n"
        "        --max-mem MB (memory the plugin may allocate, default 8192; 0: no limit)\n"
        "  data FILE.h5 [--x NAME] [--y NAME]\n"
        "        labels in range and integer, class balance, normalized inputs, duplicates\n"
        "        --classes C (default max label + 1)  --max-ratio R (default %g)\n"
        "        --max-mean M (default %g)  --std-range LO,HI (default %g,%g)  --regression\n"
        "  overfit LOG [--target F]\n"
        "        did the training loss of a tiny-subset run reach F x its first value (default 0.05)?\n"
        "options for every mode: --json, --help, --version\n"
        "exit: 0 all checks pass, 1 a check failed, 2 usage, 3 input, plugin or I/O error\n",
        TD_SC_TOL_FLOOR, TD_SC_SPREAD, TD_MODEL_ABI_VERSION, (unsigned long long)m.seed, m.batch,
        m.subset, m.steps, m.target, m.init_scale, d.max_ratio, d.max_mean, d.std_lo, d.std_hi);
}

static int fail_usage(const char *msg)
{
    fprintf(stderr, "sanitycheck: %s (see --help)\n", msg);
    return TD_EXIT_USAGE;
}

static int fail_err(const td_err *e)
{
    fprintf(stderr, "sanitycheck: %s\n", e->msg);
    return td_exit_code(e->code);
}

/* Options with a value, shared by the modes (each mode reads what it uses). */
typedef struct {
    const char *loss, *classes, *value, *batch, *margin, *mean_y2, *log, *tol;
    const char *data, *xname, *yname, *seed, *subset, *steps, *target, *init_scale, *timeout;
    const char *max_mem, *max_ratio, *max_mean, *std_range;
    int json, regression;
    const char *mode;        /* the first positional argument */
    const char *pos[MAX_KV]; /* the positional arguments after it */
    int npos;
    char spool[4096];        /* where '-' (stdin) was copied, "" if not given */
} cli;

/* the file to read for path: '-' is the copy of standard input */
static const char *rd(const cli *c, const char *path) { return strcmp(path, "-") ? path : c->spool; }
/* the name to show for path */
static const char *shown(const char *path) { return strcmp(path, "-") ? path : "<stdin>"; }

static const struct {
    const char *name;
    size_t off;
} opt_table[] = {
#define O(n, f) { n, offsetof(cli, f) }
    O("--loss", loss), O("--classes", classes), O("--value", value), O("--batch", batch),
    O("--margin", margin), O("--mean-y2", mean_y2), O("--log", log), O("--tol", tol),
    O("--data", data), O("--x", xname), O("--y", yname), O("--seed", seed),
    O("--subset", subset), O("--steps", steps), O("--target", target),
    O("--init-scale", init_scale), O("--timeout", timeout), O("--max-mem", max_mem), O("--max-ratio", max_ratio),
    O("--max-mean", max_mean), O("--std-range", std_range),
#undef O
};

/* 0, or an exit code after printing the usage error. */
static int parse_cli(int argc, char **argv, cli *c, int *done)
{
    memset(c, 0, sizeof *c);
    *done = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--json")) { c->json = 1; continue; }
        if (!strcmp(a, "--regression")) { c->regression = 1; continue; }
        if (td_cli_is_help(a)) { usage(stdout); *done = 1; return 0; }
        if (!strcmp(a, "--version")) { printf("sanitycheck %s\n", TD_VERSION); *done = 1; return 0; }
        if (a[0] == '-' && a[1] == '-') {
            size_t k = 0;
            while (k < sizeof opt_table / sizeof opt_table[0] && strcmp(a, opt_table[k].name)) k++;
            char msg[160];
            if (k == sizeof opt_table / sizeof opt_table[0]) {
                const char *known[sizeof opt_table / sizeof opt_table[0] + 5] = { "--json", "--regression", "--help", "--version" };
                size_t n = 4;
                for (size_t j = 0; j < sizeof opt_table / sizeof opt_table[0]; j++) known[n++] = opt_table[j].name;
                td_err e;
                td_cli_unknown(a, known, n, &e);
                fprintf(stderr, "sanitycheck: %s\n", e.msg);
                return TD_EXIT_USAGE;
            }
            if (i + 1 >= argc) {
                snprintf(msg, sizeof msg, "%s needs a value", a);
                return fail_usage(msg);
            }
            *(const char **)((char *)c + opt_table[k].off) = argv[++i];
            continue;
        }
        if (!c->mode) { c->mode = a; continue; }
        if (c->npos >= MAX_KV) return fail_usage("too many arguments");
        c->pos[c->npos++] = a;
    }
    return 0;
}

/* Parse an optional option into *v; returns 0 or sets *rc. */
static int opt_double(const char *what, const char *s, double lo, double hi, double *v, td_err *e)
{
    return s ? (int)td_parse_double(what, s, lo, hi, v, e) : 0;
}
static int opt_long(const char *what, const char *s, long long lo, long long hi, long long *v, td_err *e)
{
    return s ? (int)td_parse_long(what, s, lo, hi, v, e) : 0;
}

static int emit(const td_sc_report *r, int json)
{
    td_buf b = { 0 };
    td_out o = td_out_buf(&b);
    if (json) td_sc_write_json(&o, r);
    else td_sc_write_text(&o, r);
    int ok = !o.failed && b.data;
    if (td_buf_emit(&b, stdout) != 0) ok = 0;
    if (!ok) { fprintf(stderr, "sanitycheck: cannot write the report to stdout\n"); return TD_EXIT_INPUT; }
    return td_sc_exit_code(r);
}

static int mode_init(const cli *c)
{
    td_err e;
    td_err_clear(&e);
    if (!c->loss) return fail_usage("init: --loss KIND is required (softmax, bce, svm, mse)");
    if (c->npos) return fail_usage("init: unexpected argument");
    td_sc_loss l = { .kind = td_sc_loss_parse(c->loss), .classes = 0, .margin = 1, .mean_y2 = NAN };
    if (l.kind < 0) {
        char msg[160], safe[64];
        snprintf(msg, sizeof msg, "--loss: unknown loss kind '%s' (softmax, bce, svm, mse)",
                 td_safe_text(safe, sizeof safe, c->loss));
        return fail_usage(msg);
    }
    long long C = 0, B = 1;
    double tol = 0;
    if (opt_long("--classes", c->classes, -1000000000LL, 1000000000LL, &C, &e) ||
        opt_long("--batch", c->batch, 1, 1000000000LL, &B, &e) ||
        opt_double("--margin", c->margin, 1e-300, 1e300, &l.margin, &e) ||
        opt_double("--mean-y2", c->mean_y2, 0, 1e300, &l.mean_y2, &e) ||
        opt_double("--tol", c->tol, 1e-300, 1e300, &tol, &e))
        return fail_err(&e);
    l.classes = (long)C;
    if ((l.kind == TD_LOSS_SOFTMAX || l.kind == TD_LOSS_SVM) && !c->classes)
        return fail_usage("init: --classes C is required for this loss");
    double chance;
    if (td_sc_chance(&l, &chance, NULL, &e) != TD_OK) return fail_err(&e);
    if (!c->value == !c->log) return fail_usage("init: give --value V[,V...] or --log FILE");

    static double vals[MAX_VALUES];
    size_t nv = 0;
    double value = NAN;
    char source[256];
    if (c->value) {
        char buf[65536];
        if (strlen(c->value) >= sizeof buf) return fail_usage("--value: list too long");
        strcpy(buf, c->value);
        for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
            if (nv == MAX_VALUES) return fail_usage("--value: more than 4096 values");
            if (td_parse_double("--value", t, -INFINITY, INFINITY, &vals[nv], &e) != TD_OK)
                return fail_err(&e);
            nv++;
        }
        if (!nv) return fail_usage("--value: no number given");
        td_stats s;
        td_stats_init(&s);
        td_stats_add_array(&s, vals, nv);
        value = s.n == nv ? s.mean : INFINITY;
        if (nv >= 2 && c->batch)
            return fail_usage("--batch: several values are per-example losses, their count is the batch");
        if (nv >= 2) B = (long long)nv; /* per-example losses: the batch is them */
        snprintf(source, sizeof source, "%s loss, %s", td_sc_loss_name(l.kind),
                 nv >= 2 ? "mean of the given per-example losses" : "given value");
    } else {
        char metric[64], safe[200];
        if (td_sc_log_first_loss(rd(c, c->log), &value, metric, sizeof metric, &e) != TD_OK) return fail_err(&e);
        snprintf(source, sizeof source, "%s loss, first '%s' of %s", td_sc_loss_name(l.kind), metric,
                 td_safe_text(safe, sizeof safe, shown(c->log)));
    }
    static td_sc_report r;
    td_sc_report_init(&r, "init", source);
    td_sc_check *chk = td_sc_add(&r, "chance");
    td_sc_judge_chance(chk, &l, value, nv >= 2 ? vals : NULL, nv >= 2 ? nv : 0, (double)B, tol);
    if (c->log && chk->status == TD_SC_PASS)
        td_sc_cause(chk, "a logged first value may already include some learning (an epoch mean)");
    return emit(&r, c->json);
}

static int mode_data(const cli *c)
{
    td_err e;
    td_err_clear(&e);
    if (c->npos != 1) return fail_usage("data: give one FILE.h5");
    td_sc_data_opts o;
    td_sc_data_opts_default(&o);
    long long C = 0;
    if (opt_long("--classes", c->classes, 2, 1000000000LL, &C, &e) ||
        opt_double("--max-ratio", c->max_ratio, 1, 1e300, &o.max_ratio, &e) ||
        opt_double("--max-mean", c->max_mean, 0, 1e300, &o.max_mean, &e))
        return fail_err(&e);
    o.classes = (long)C;
    o.regression = c->regression;
    if (c->std_range) {
        char buf[128];
        snprintf(buf, sizeof buf, "%s", c->std_range);
        char *comma = strchr(buf, ',');
        if (!comma) return fail_usage("--std-range: give LO,HI");
        *comma = '\0';
        if (td_parse_double("--std-range LO", buf, 0, 1e300, &o.std_lo, &e) ||
            td_parse_double("--std-range HI", comma + 1, o.std_lo, 1e300, &o.std_hi, &e))
            return fail_err(&e);
    }
    td_sc_data d;
    if (td_sc_data_read(rd(c, c->pos[0]), c->xname, c->yname, (size_t)1 << 26, &d, &e) != TD_OK)
        return fail_err(&e);
    static td_sc_report r;
    char src[400], safe[256];
    snprintf(src, sizeof src, "%s (%s: %zu x %zu, %s)", td_safe_text(safe, sizeof safe, shown(c->pos[0])),
             d.xname, d.n, d.d, d.yname);
    td_sc_report_init(&r, "data", src);
    td_code rc = td_sc_data_check(&d, &o, &r, &e);
    td_sc_data_free(&d);
    if (rc != TD_OK) {
        fprintf(stderr, "sanitycheck: %s: %s\n", safe, e.msg);
        return td_exit_code(rc);
    }
    return emit(&r, c->json);
}

static int mode_model(const cli *c)
{
    td_err e;
    td_err_clear(&e);
    if (c->npos < 1) return fail_usage("model: give PLUGIN.so");
    if (!c->data) return fail_usage("model: --data FILE.h5 is required (the examples to check on)");
    td_sc_model_opts o;
    td_sc_model_opts_default(&o);
    long long seed = (long long)o.seed, batch = (long long)o.batch, subset = (long long)o.subset, steps = o.steps;
    double timeout = 60;
    if (opt_long("--seed", c->seed, 0, 9007199254740992LL, &seed, &e) ||
        opt_long("--batch", c->batch, 1, 1000000, &batch, &e) ||
        opt_long("--subset", c->subset, 1, 100000, &subset, &e) ||
        opt_long("--steps", c->steps, 1, 10000000, &steps, &e) ||
        opt_double("--target", c->target, 1e-12, 1, &o.target, &e) ||
        opt_double("--init-scale", c->init_scale, 0, 1e6, &o.init_scale, &e) ||
        opt_double("--tol", c->tol, 1e-300, 1e300, &o.tol, &e) ||
        opt_double("--timeout", c->timeout, 0.1, 1e6, &timeout, &e) ||
        opt_double("--max-mem", c->max_mem, 0, 1 << 30, &o.max_mem_mb, &e))
        return fail_err(&e);
    o.seed = (uint64_t)seed;
    o.batch = (size_t)batch;
    o.subset = (size_t)subset;
    o.steps = (long)steps;
    /* key=value pairs for the model's create() */
    static char kvbuf[MAX_KV][256];
    const char *keys[MAX_KV], *vals[MAX_KV];
    int n = 0;
    for (int i = 1; i < c->npos; i++) {
        char *k, *v, safe[64], msg[160];
        snprintf(kvbuf[n], sizeof kvbuf[n], "%s", c->pos[i]);
        if (td_split_kv(kvbuf[n], &k, &v) != 0) {
            snprintf(msg, sizeof msg, "model: '%s' is not key=value", td_safe_text(safe, sizeof safe, c->pos[i]));
            return fail_usage(msg);
        }
        keys[n] = k;
        vals[n++] = v;
    }
    td_sc_data d;
    if (td_sc_data_read(rd(c, c->data), c->xname, c->yname, (size_t)1 << 26, &d, &e) != TD_OK) return fail_err(&e);
    static td_sc_report r;
    char src[400], s1[200], s2[200];
    snprintf(src, sizeof src, "%s on %s (%zu examples of %zu)", td_safe_text(s1, sizeof s1, c->pos[0]),
             td_safe_text(s2, sizeof s2, shown(c->data)), d.n, d.d);
    td_sc_report_init(&r, "model", src);
    td_code rc = td_sc_model_check_isolated(c->pos[0], n, keys, vals, &d, &o, timeout, &r, &e);
    td_sc_data_free(&d);
    if (rc != TD_OK) return fail_err(&e);
    return emit(&r, c->json);
}

static int mode_overfit(const cli *c)
{
    td_err e;
    td_err_clear(&e);
    if (c->npos != 1) return fail_usage("overfit: give one LOG");
    double target = 0.05;
    if (opt_double("--target", c->target, 1e-12, 1, &target, &e)) return fail_err(&e);
    static td_sc_report r;
    char src[300], safe[256];
    snprintf(src, sizeof src, "%s (tiny-subset run: loss to <= %g x its first value)",
             td_safe_text(safe, sizeof safe, shown(c->pos[0])), target);
    td_sc_report_init(&r, "overfit", src);
    if (td_sc_log_overfit(rd(c, c->pos[0]), target, &r, &e) != TD_OK) return fail_err(&e);
    return emit(&r, c->json);
}

/* run the mode; '-' as its file, --log or --data reads a copy of stdin */
static int run_mode(cli *c)
{
    const char *mode = c->mode;
    const char *files[3] = { c->log ? c->log : "", c->data ? c->data : "",
                             c->npos && (!strcmp(mode, "data") || !strcmp(mode, "overfit")) ? c->pos[0] : "" };
    td_err e;
    if (td_cli_spool_dash(files, 3, c->spool, sizeof c->spool, &e)) return fail_err(&e);
    int rc;
    if (!strcmp(mode, "init")) rc = mode_init(c);
    else if (!strcmp(mode, "data")) rc = mode_data(c);
    else if (!strcmp(mode, "model")) rc = mode_model(c);
    else rc = mode_overfit(c);
    td_spool_remove(c->spool);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2) { usage(stderr); return TD_EXIT_USAGE; }
    static cli c;
    int done = 0, rc = parse_cli(argc, argv, &c, &done);
    if (rc || done) return rc;
    const char *mode = c.mode;
    if (!mode) return fail_usage("no mode (init, model, data, overfit)");
    if (!strcmp(mode, "init") || !strcmp(mode, "data") || !strcmp(mode, "model") || !strcmp(mode, "overfit"))
        return run_mode(&c);
    char msg[160], safe[64];
    snprintf(msg, sizeof msg, "unknown mode '%s' (init, model, data, overfit)",
             td_safe_text(safe, sizeof safe, mode));
    return fail_usage(msg);
}
