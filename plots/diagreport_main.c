/* diagreport — a gnuplot report of a training run that a person opens and
 * reads: index.html with the findings at the top, each linking to the
 * figure that shows it. Thin main over td_plot.h and the tools' libraries. */
#include "td_plot.h"
#include "td_cli.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PROG "diagreport"
#define MAX_RUN_FIGS 8          /* runs of one log drawn one by one */

/* The signal that asked us to stop (SIGINT, SIGTERM, SIGHUP), 0 if none:
 * the report writer looks at it, kills gnuplot and removes its temporary
 * folder; main then dies of that signal. A main's own, not the library's. */
static volatile sig_atomic_t stop_signal;
static void on_signal(int sig) { stop_signal = sig; }

static void catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) sigaction(sigs[i], &sa, NULL);
}

static void usage(FILE *f)
{
    fprintf(f,
        "Usage: " PROG " --out DIR [options] INPUT...   ('-': one INPUT from standard input)\n"
        "Write a report folder DIR: index.html (findings first, each linking to its\n"
        "figure), and per figure its data (figNN.dat), gnuplot script (figNN.gp,\n"
        "re-runnable by hand) and SVG. Inputs, told apart by content:\n"
        "  training logs (CSV, Lightning, HF trainer_state.json, JSON lines, text,\n"
        "  TensorBoard events) -> loss/accuracy curves with curvecheck's findings\n"
        "  HDF5 dumps or Keras .h5 files (all of them as one set) -> dumpcheck's\n"
        "  ratio, gradient, histogram and first-layer figures\n"
        "  gradcheck --json output -> error per tensor, h sweep\n"
        "  --study TRIALS (a trials table, CSV or JSON lines, as studycheck reads)\n"
        "  -> hyperparameter-axis plots and, with --scientific, the isolation plot\n"
        "Options:\n"
        "  --out DIR       the report folder (required); an existing one is replaced\n"
        "                  only if it is a previous report, and only once the new\n"
        "                  one is complete\n"
        "  --png           also draw figNN.png\n"
        "  --pdf           also draw report.pdf with every figure\n"
        "  --no-render     write data, scripts and page only (do not run gnuplot)\n"
        "  --gnuplot PROG  the gnuplot program (default: gnuplot, found on PATH)\n"
        "  --columns N     reduce long series to N pixel columns, keeping each\n"
        "                  column's first, min, max and last point (default 1000;\n"
        "                  0 keeps every point)\n"
        "  --title TEXT    the page title (default: \"tdiag report\")\n"
        "  --study FILE    a hyperparameter study's trials table (repeatable)\n"
        "  --scientific NAME  the study's scientific hyperparameter (isolation plot)\n"
        "  --classes C     number of classes, for the logs' initial-loss and\n"
        "                  underfitting checks (as curvecheck --classes)\n"
        "  --set NAME=VALUE  a curvecheck threshold for the logs (repeatable; names\n"
        "                  and defaults in curvecheck --help)\n"
        "  --json          print a JSON summary instead of text\n"
        "  --help, --version\n"
        "Exit: 0 report written, no finding; 1 written, with a warning or error\n"
        "finding; 2 usage error; 3 input or I/O error (nothing written).\n");
}

typedef enum { IN_LOG, IN_H5, IN_GRADCHECK } in_kind;

/* What an input is, by its first bytes: HDF5 signature, a JSON object
 * naming "tool": "gradcheck", else a log (the readers sniff the format).
 * An input is read twice (here, then by its reader), so it must be a
 * regular file; it is opened without blocking, so a FIFO is refused, not
 * waited on. */
static td_code classify(const char *path, in_kind *k, td_err *e)
{
    static const unsigned char h5sig[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    unsigned char head[512];
    int fd = td_open_regular(path, NULL, e);
    if (fd < 0) return TD_EIO;
    ssize_t n = read(fd, head, sizeof head - 1);
    int err = errno;
    close(fd);
    if (n < 0) return td_fail(e, TD_EIO, "%s: cannot read: %s", path, strerror(err));
    head[n] = '\0';
    *k = IN_LOG;
    if (n >= 8 && !memcmp(head, h5sig, 8)) *k = IN_H5;
    else if (strstr((const char *)head, "\"tool\": \"gradcheck\"") ||
             strstr((const char *)head, "\"tool\":\"gradcheck\""))
        *k = IN_GRADCHECK;
    return TD_OK;
}

/* A log's runs as figures; the log is handed to *keep (freed by the caller)
 * for the runs-compared figures drawn once every log is read. */
static td_code add_log(td_report *r, const char *path, const td_detect_opts *dopts, td_log **keep,
                       td_err *e)
{
    td_log *log = NULL;
    td_code c = td_log_read_file(path, TD_FMT_AUTO, &log, e);
    if (c) return c;
    td_judged *runs = calloc(log->nruns ? log->nruns : 1, sizeof *runs);
    if (!runs) c = td_fail(e, TD_ENOMEM, "out of memory");
    for (size_t i = 0; !c && i < log->nruns; i++) {
        runs[i].run = &log->runs[i];
        runs[i].source = log->source;
        td_findings_init(&runs[i].findings);
        c = td_findings_detect(&log->runs[i], dopts, &runs[i].findings, e);
    }
    if (!c) c = td_plot_add_judged(r, runs, log->nruns, MAX_RUN_FIGS, e);
    if (!c && log->nruns > MAX_RUN_FIGS) {
        char note[600], safe[400];
        snprintf(note, sizeof note, "%s: %zu runs; figures for the first %d (all in the overlay)",
                 td_safe_text(safe, sizeof safe, log->source), log->nruns, MAX_RUN_FIGS);
        if (td_report_add_note(r, note)) c = td_fail(e, TD_ENOMEM, "out of memory");
    }
    for (size_t i = 0; !c && i < log->nruns; i++)
        if (log->runs[i].nbad) {
            char note[600], safe[400];
            snprintf(note, sizeof note, "%s: %zu malformed line(s) skipped, first at line %zu",
                     td_safe_text(safe, sizeof safe, log->runs[i].name), log->runs[i].nbad,
                     log->runs[i].bad_lines[0]);
            if (td_report_add_note(r, note)) c = td_fail(e, TD_ENOMEM, "out of memory");
        }
    for (size_t i = 0; runs && i < log->nruns; i++) td_findings_free(&runs[i].findings);
    free(runs);
    *keep = log;
    return c;
}

static td_code add_dumps(td_report *r, const char *const *files, int n, td_err *e)
{
    td_dump_opts o;
    td_dump_opts_default(&o);
    td_dump *d = NULL;
    td_code c = td_dump_open(&d, files, n, &o, e);
    if (c) return c;
    char label[300];
    const char *slash = strrchr(files[0], '/'), *first = slash && slash[1] ? slash + 1 : files[0];
    if (n == 1) snprintf(label, sizeof label, "%s", first);
    else snprintf(label, sizeof label, "%s (+%d files)", first, n - 1);
    c = td_plot_add_dump(r, d, &o, label, e);
    td_dump_free(d);
    return c;
}

static td_code add_gradcheck(td_report *r, const char *path, td_err *e)
{
    char *text = NULL;
    size_t len = 0;
    td_code c = td_st_slurp(path, &text, &len, e); /* studycheck's whole-file reader */
    if (c) return c;
    c = td_plot_add_gradcheck_json(r, path, text, len, e);
    free(text);
    return c;
}

/* A trials table judged by studycheck's checks (sci: the scientific
 * hyperparameter's column, or NULL). */
static td_code add_study(td_report *r, const char *path, const char *sci, td_err *e)
{
    td_study_opts so;
    memset(&so, 0, sizeof so);
    td_study *s = NULL;
    td_study_report rep;
    memset(&rep, 0, sizeof rep);
    td_code c = td_study_read(path, &so, &s, e);
    if (c) return c;
    td_study_cfg cfg;
    td_study_cfg_default(&cfg);
    if (sci && (cfg.scientific = td_study_find_hp(s, sci)) < 0) {
        char safe[96];
        c = td_fail(e, TD_EUSAGE, "--scientific: %s is not a hyperparameter column of %s",
                    td_safe_text(safe, sizeof safe, sci), path);
    }
    char dir[4096]; /* curve paths in the table are relative to its folder */
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash) *slash = '\0';
    cfg.curve_dir = slash ? (dir[0] ? dir : "/") : ".";
    if (!c) c = td_study_check(s, &cfg, &rep, e);
    const char *base = strrchr(path, '/');
    if (!c) c = td_plot_add_study(r, s, &rep, base && base[1] ? base + 1 : path, e);
    td_study_report_free(&rep);
    td_study_free(s);
    return c;
}

static const char *const level_word[] = {"info", "warning", "error"};

/* The summary into b (the caller writes it out at once). */
static void print_summary(const td_report *r, const char *out, const td_plot_result *res,
                          int json, td_buf *sum)
{
    td_out o = td_out_buf(sum);
    if (json) {
        td_json j;
        td_json_init(&j, &o, 1);
        td_json_obj(&j);
        td_json_kstr(&j, "tool", PROG);
        td_json_kstr(&j, "version", TD_VERSION);
        td_json_kstr(&j, "report", out);
        td_json_kint(&j, "figures", (long long)r->nfigs);
        td_json_kint(&j, "rendered", (long long)res->rendered);
        td_json_kint(&j, "render_failed", (long long)res->failed);
        td_json_kbool(&j, "gnuplot_missing", res->gnuplot_missing);
        td_json_kbool(&j, "pdf", res->pdf);
        td_json_key(&j, "findings");
        td_json_arr(&j);
        for (size_t i = 0; i < r->nfindings; i++) {
            const td_report_finding *f = &r->findings[i];
            td_json_obj(&j);
            td_json_kstr(&j, "level", level_word[f->level]);
            td_json_kstr(&j, "source", f->source);
            td_json_kstr(&j, "text", f->text);
            if (f->fig >= 0) td_json_kstr(&j, "figure", r->figs[f->fig]->id);
            else td_json_kstr(&j, "figure", NULL);
            td_json_end_obj(&j);
        }
        td_json_end_arr(&j);
        td_json_end_obj(&j);
        td_out_puts(&o, "\n");
        return;
    }
    char a[600], b[600];
    for (size_t i = 0; i < r->nfindings; i++) {
        const td_report_finding *f = &r->findings[i];
        td_out_printf(&o, "%s: %s: %s", level_word[f->level], td_safe_text(a, sizeof a, f->source),
                      td_safe_text(b, sizeof b, f->text));
        if (f->fig >= 0) td_out_printf(&o, " (%s)", r->figs[f->fig]->id);
        td_out_puts(&o, "\n");
    }
    td_out_printf(&o, "report: %s/index.html (%zu figures, %zu drawn, %zu findings)\n",
                  td_safe_text(a, sizeof a, out), r->nfigs, res->rendered, r->nfindings);
}

/* The command line, parsed. */
typedef struct {
    td_plot_opts po;
    td_detect_opts dopts; /* curvecheck's thresholds for the logs: --classes, --set */
    const char *out, *title, *sci;
    long long columns;
    int json;
    const char **inputs, **studies; /* (argc) each */
    int nin, nstudy;
} cli;

/* Parse argv into c. Returns 0 to go on, 1 when --help/--version was
 * printed, 2 on a usage error (message in e). */
static int parse_args(int argc, char **argv, cli *c, td_err *e)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has_val = i + 1 < argc;
        if (td_cli_is_help(a)) { usage(stdout); return 1; }
        if (!strcmp(a, "--version")) { printf(PROG " %s\n", TD_VERSION); return 1; }
        if (!strcmp(a, "--png")) c->po.png = 1;
        else if (!strcmp(a, "--pdf")) c->po.pdf = 1;
        else if (!strcmp(a, "--no-render")) c->po.render = 0;
        else if (!strcmp(a, "--json")) c->json = 1;
        else if (!strcmp(a, "--out") && has_val) c->out = argv[++i];
        else if (!strcmp(a, "--gnuplot") && has_val) c->po.gnuplot = argv[++i];
        else if (!strcmp(a, "--title") && has_val) c->title = argv[++i];
        else if (!strcmp(a, "--study") && has_val) c->studies[c->nstudy++] = argv[++i];
        else if (!strcmp(a, "--scientific") && has_val) c->sci = argv[++i];
        else if (!strcmp(a, "--classes") && has_val) {
            long long v;
            if (td_parse_long("--classes", argv[++i], 0, 1000000000, &v, e)) return 2;
            c->dopts.classes = (int)v;
        } else if (!strcmp(a, "--set") && has_val) {
            char kv[512], *k, *v;
            snprintf(kv, sizeof kv, "%s", argv[++i]);
            if (td_split_kv(kv, &k, &v) != 0) { td_fail(e, TD_EUSAGE, "--set wants NAME=VALUE (see --help)"); return 2; }
            if (td_detect_opts_set(&c->dopts, k, v, e)) { e->code = TD_EUSAGE; return 2; }
        } else if (!strcmp(a, "--columns") && has_val) {
            if (td_parse_long("--columns", argv[++i], 0, 1000000, &c->columns, e)) return 2;
        } else if (!strcmp(a, "--")) {
            while (++i < argc) c->inputs[c->nin++] = argv[i];
        } else if (a[0] == '-' && a[1]) {
            static const char *const with_val[] = { "--out", "--gnuplot", "--title", "--study", "--scientific", "--columns",
                "--classes", "--set" };
            static const char *const known[] = { "--help", "--version", "--png", "--pdf", "--no-render", "--json", "--out",
                "--gnuplot", "--title", "--study", "--scientific", "--columns", "--classes", "--set" };
            for (size_t k = 0; k < sizeof with_val / sizeof *with_val; k++)
                if (!strcmp(a, with_val[k])) { td_fail(e, TD_EUSAGE, "option '%s' needs a value (see --help)", a); return 2; }
            td_cli_unknown(a, known, sizeof known / sizeof *known, e);
            return 2;
        } else c->inputs[c->nin++] = a;
    }
    if (!c->out) { td_fail(e, TD_EUSAGE, "--out DIR is required (see --help)"); return 2; }
    if (!c->nin && !c->nstudy) { td_fail(e, TD_EUSAGE, "no input (see --help)"); return 2; }
    if (c->sci && !c->nstudy) { td_fail(e, TD_EUSAGE, "--scientific goes with --study (see --help)"); return 2; }
    return 0;
}

int main(int argc, char **argv)
{
    cli a;
    memset(&a, 0, sizeof a);
    td_plot_opts_init(&a.po);
    td_detect_opts_default(&a.dopts);
    a.title = "tdiag report";
    a.columns = 1000;
    td_err e;
    td_err_clear(&e);
    a.inputs = calloc((size_t)argc + 1, sizeof *a.inputs);
    a.studies = calloc((size_t)argc + 1, sizeof *a.studies);
    int how = a.inputs && a.studies ? parse_args(argc, argv, &a, &e) : 3;
    if (how) {
        if (how == 2) fprintf(stderr, PROG ": %s\n", e.msg);
        if (how == 3) fprintf(stderr, PROG ": out of memory\n");
        free(a.inputs);
        free(a.studies);
        return how == 1 ? TD_EXIT_OK : how == 2 ? TD_EXIT_USAGE : TD_EXIT_INPUT;
    }
    /* '-': standard input spooled to a temporary file (HDF5 seeks; one copy
     * serves every reader), called "<stdin>" in what is printed, removed at the end */
    char spool[4096];
    if (td_cli_spool_dash(a.inputs, a.nin, spool, sizeof spool, &e)) {
        fprintf(stderr, PROG ": %s\n", e.msg);
        free(a.inputs);
        free(a.studies);
        return td_exit_code(e.code);
    }
    const char *out = a.out, **inputs = a.inputs, **studies = a.studies, *sci = a.sci;
    int nin = a.nin, nstudy = a.nstudy, json = a.json;
    td_plot_opts po = a.po;
    po.stop = &stop_signal;
    catch_signals();
    td_report *r = td_report_new(a.title);
    const char **h5 = calloc((size_t)nin + 1, sizeof *h5);
    td_log **logs = calloc((size_t)nin + 1, sizeof *logs);
    size_t nlogs = 0, nruns = 0;
    td_code c = r && h5 && logs ? TD_OK : td_fail(&e, TD_ENOMEM, "out of memory");
    if (r) r->columns = (size_t)a.columns;
    int nh5 = 0;
    for (int i = 0; !c && i < nin; i++) {
        in_kind k = IN_LOG;
        c = classify(inputs[i], &k, &e);
        if (c) break;
        if (k == IN_H5) h5[nh5++] = inputs[i];
        else if (k == IN_GRADCHECK) c = add_gradcheck(r, inputs[i], &e);
        else {
            c = add_log(r, inputs[i], &a.dopts, &logs[nlogs], &e);
            if (logs[nlogs]) nruns += logs[nlogs++]->nruns;
        }
    }
    /* several logs: every metric they share, runs overlaid */
    const td_run **all = !c && nlogs > 1 ? calloc(nruns + 1, sizeof *all) : NULL;
    if (!c && nlogs > 1 && !all) c = td_fail(&e, TD_ENOMEM, "out of memory");
    for (size_t i = 0, k = 0; all && i < nlogs; i++)
        for (size_t j = 0; j < logs[i]->nruns; j++) all[k++] = &logs[i]->runs[j];
    if (all) c = td_plot_add_runs_compare(r, all, nruns, 0, &e);
    free(all);
    if (!c && nh5) c = add_dumps(r, h5, nh5, &e);
    for (int i = 0; !c && i < nstudy; i++) c = add_study(r, studies[i], sci, &e);
    if (!c && !r->nfigs && td_report_add_note(r, "Nothing to draw: the inputs hold no series of two "
                                              "points or more, no weight, gradient or activation tensor, no gradcheck tensor and no study."))
        c = td_fail(&e, TD_ENOMEM, "out of memory");
    for (size_t i = 0; !c && spool[0] && i < r->nfindings + r->ninputs; i++) {
        char **name = i < r->nfindings ? &r->findings[i].source : &r->inputs[i - r->nfindings];
        char *shown = strstr(*name, spool) ? td_cli_relabel(*name, spool, "<stdin>") : NULL;
        if (shown) { free(*name); *name = shown; }
    }
    td_plot_result res;
    memset(&res, 0, sizeof res);
    if (!c) c = td_report_write_dir(r, out, &po, &res, &e);
    td_spool_remove(spool);
    int rc;
    if (c && stop_signal) {
        int sig = stop_signal;
        fprintf(stderr, PROG ": interrupted by %s; no report written\n", sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "SIGHUP");
        td_report_free(r);
        free(h5);
        free(inputs);
        free(studies);
        signal(sig, SIG_DFL);
        raise(sig);
        return TD_EXIT_INPUT;
    } else if (c) {
        char safe[TD_ERR_MSG], *msg = spool[0] ? td_cli_relabel(e.msg, spool, "<stdin>") : NULL;
        fprintf(stderr, PROG ": %s\n", td_safe_text(safe, sizeof safe, msg ? msg : e.msg));
        free(msg);
        rc = td_exit_code(c);
    } else {
        char warn[1024];
        td_plot_result_warning(&res, out, po.gnuplot, warn, sizeof warn);
        if (warn[0]) fprintf(stderr, PROG ": %s\n", warn);
        td_buf sum = { 0 };
        print_summary(r, out, &res, json, &sum);
        rc = TD_EXIT_OK;
        for (size_t i = 0; i < r->nfindings; i++)
            if (r->findings[i].level >= TD_PLOT_WARN) rc = TD_EXIT_FINDING;
        if (td_buf_emit(&sum, stdout) != 0) { /* the report is written; its summary is not */
            fprintf(stderr, PROG ": <stdout>: write error\n");
            rc = TD_EXIT_INPUT;
        }
    }
    td_report_free(r);
    for (size_t i = 0; i < nlogs; i++) td_log_free(logs[i]);
    free(logs);
    free(h5);
    free(inputs);
    free(studies);
    return rc;
}
