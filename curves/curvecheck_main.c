/* curvecheck — what is wrong with my training curves? (issue 3; seeds 000,
 * 003, 004). Thin main: td_log_read_file / td_log_reader read the logs,
 * td_findings_detect judges each run, td_findings_write_text/json report. */
#include "td_cli.h"
#include "td_curves.h"
#include "td_findings.h"
#include "td_plot.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void usage(FILE *f)
{
    td_detect_opts d;
    td_detect_opts_default(&d);
    fprintf(f,
        "usage: curvecheck [options] [FILE...]      (no FILE or '-': standard input)\n"
        "\n"
        "Read training logs and say what is wrong with the curves: overfitting, late\n"
        "noise, saturation, still improving, divergence (NaN/Inf, explosion, spikes that\n"
        "do not recover, impossible negative loss), training loss rising, learning-rate\n"
        "shape (too low / too high / far too high), not learning, underfitting, initial\n"
        "loss vs chance, metric disagreement. Decisions use the run's own noise (robust\n"
        "residual scale) and trend tests (Theil-Sen, Mann-Kendall), no patience counts.\n"
        "Formats (detected from the content): Keras CSVLogger, Lightning metrics.csv,\n"
        "YOLO results.csv, CSV/TSV, HF trainer_state.json, JSON lines (detectron2,\n"
        "DeiT), plain-text console logs, TensorBoard event files.\n"
        "\n"
        "options:\n"
        "  --format F        auto|csv|hf|jsonl|text|tfevents (default auto)\n"
        "  --follow          read one input as it grows (a pipe: train.py | tee log |\n"
        "                    curvecheck --follow) and print each finding (warning or\n"
        "                    error) as soon as the evidence is there, marked\n"
        "                    'provisional:'; at the end the ones the whole log no\n"
        "                    longer supports are marked 'withdrawn:', then the report\n"
        "  --stop-on S       with --follow: stop at the first finding of severity S\n"
        "                    (warning|error; default never) and report; the trainer\n"
        "                    piping into curvecheck gets SIGPIPE on its next write\n"
        "  --classes C       number of classes: initial loss vs ln C, underfitting\n"
        "                    (default 0: unknown)\n"
        "  --fail-on S       exit 1 when a finding at or above S: info|warning|error|never\n"
        "                    (default warning)\n"
        "  --set NAME=VALUE  set a threshold (repeatable); NAME as below\n"
        "  --report DIR      also write a diagreport folder (figures with the findings\n"
        "                    drawn on them; open DIR/index.html); an existing DIR is\n"
        "                    replaced only if it holds a previous report (default: none)\n"
        "  --series          print what was read instead of judging it: every run, its\n"
        "                    x axis, each series with split, kind, points, first/last\n"
        "                    x and y (a reader problem or a detector problem?)\n"
        "  --json            JSON report (schema in curvecheck(1)); with --follow, one\n"
        "                    JSON object per line per finding, then the report on one line\n"
        "  --help, --version\n"
        "\n"
        "thresholds (--set NAME=VALUE, defaults shown):\n");
    for (size_t i = 0; i < td_detect_opts_count(); i++) {
        const td_detect_opt_info *in = td_detect_opts_info(i);
        if (strcmp(in->name, "classes") == 0) continue; /* --classes */
        fprintf(f, "  %-15s %-7g %s\n", in->name, td_detect_opts_get(&d, in->name), in->help);
    }
    fprintf(f,
        "\n"
        "severities: error (broken run), warning (wasted effort or poor generalization),\n"
        "info (still improving, recovered spikes)\n"
        "exit: 0 no finding at or above --fail-on, 1 a finding, 2 usage error,\n"
        "      3 input or I/O error (one line on stderr, no report)\n");
}

static int usage_error(const char *msg)
{
    fprintf(stderr, "curvecheck: %s (see --help)\n", msg);
    return TD_EXIT_USAGE;
}

static int fail(const td_err *e)
{
    fprintf(stderr, "curvecheck: %s\n", e->msg);
    return td_exit_code(e->code);
}

/* Write the buffered report to stdout at once: never a partial report. */
static int emit(td_buf *b)
{
    if (td_buf_emit(b, stdout) != 0) {
        fprintf(stderr, "curvecheck: <stdout>: write error\n");
        return TD_EXIT_INPUT;
    }
    return TD_EXIT_OK;
}

typedef struct {
    td_log_format fmt;
    int follow, json, series;
    td_severity stop_on;    /* --follow: stop reading at a finding this severe (NEVER: no) */
    const char *report_dir; /* --report DIR, or NULL */
    td_detect_opts dopts;
    td_report_opts ropts;
} cli;

/* Judge every run of every log into j (n runs); report; the exit code. */
static int report(td_log **logs, size_t nlogs, const cli *c, td_buf *out)
{
    size_t n = 0;
    for (size_t i = 0; i < nlogs; i++) n += logs[i]->nruns;
    td_judged *j = calloc(n ? n : 1, sizeof *j);
    td_err e;
    td_err_clear(&e);
    if (!j) { td_fail(&e, TD_ENOMEM, "out of memory"); return fail(&e); }
    size_t k = 0;
    td_code rc = TD_OK;
    for (size_t i = 0; i < nlogs && !rc; i++)
        for (size_t r = 0; r < logs[i]->nruns && !rc; r++, k++) {
            j[k].run = &logs[i]->runs[r];
            j[k].source = logs[i]->source;
            td_findings_init(&j[k].findings);
            rc = td_findings_detect(j[k].run, &c->dopts, &j[k].findings, &e);
        }
    char warn[1024] = "";
    if (!rc && c->report_dir) { /* before stdout: a failed report leaves no output */
        td_report *rep = td_report_new("curvecheck report");
        if (!rep) rc = td_fail(&e, TD_ENOMEM, "out of memory");
        if (!rc) rc = td_plot_add_judged(rep, j, n, 8, &e);
        if (!rc) rc = td_plot_report_to_dir(rep, c->report_dir, warn, sizeof warn, &e);
        td_report_free(rep);
    }
    if (warn[0]) fprintf(stderr, "curvecheck: %s\n", warn);
    td_out o = td_out_buf(out);
    if (!rc)
        rc = c->json ? td_findings_write_json(&o, j, n, &c->ropts, &e)
                     : td_findings_write_text(&o, j, n, &c->ropts, &e);
    int finding = 0;
    for (size_t i = 0; i < k; i++) {
        if (c->ropts.fail_on < TD_SEV_NEVER &&
            td_findings_count_at_least(&j[i].findings, c->ropts.fail_on))
            finding = 1;
        td_findings_free(&j[i].findings);
    }
    free(j);
    if (rc) return fail(&e);
    return finding ? TD_EXIT_FINDING : TD_EXIT_OK;
}

/* ---- --follow ------------------------------------------------------------ */
/* Findings already printed: "run\tkind\tmetric" keys, with a copy of each
 * finding as printed (to say at the end which no longer hold). */
typedef struct { char **k; td_findings printed; size_t n, cap; } seen_set;

static void seen_key(const td_finding *f, char *key, size_t cap)
{
    snprintf(key, cap, "%s\t%d\t%s", f->run ? f->run : "", (int)f->kind, f->metric ? f->metric : "");
}

static int seen_has(const seen_set *s, const char *key)
{
    for (size_t i = 0; i < s->n; i++) if (strcmp(s->k[i], key) == 0) return 1;
    return 0;
}

static int seen_add(seen_set *s, const td_finding *f, const td_run *run)
{
    char key[600];
    seen_key(f, key, sizeof key);
    if (seen_has(s, key)) return 0;
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 16;
        char **k = realloc(s->k, cap * sizeof *k);
        if (!k) return 0;
        s->k = k;
        s->cap = cap;
    }
    char *d = strdup(key);
    if (!d) return 0;
    td_err e;
    if (td_findings_add(&s->printed, f->kind, run, NULL, NULL, f->x_from, f->x_to, f->line, f->value, f->limit,
                        f->noise, f->p, &e, "%s", f->evidence) != TD_OK) {
        free(d);
        return 0;
    }
    td_finding *c = &s->printed.f[s->printed.n - 1];
    c->severity = f->severity;
    if (f->metric && !c->metric) c->metric = strdup(f->metric);
    s->k[s->n++] = d;
    return 1;
}

static void seen_free(seen_set *s)
{
    for (size_t i = 0; i < s->n; i++) free(s->k[i]);
    free(s->k);
    td_findings_free(&s->printed);
}

/* Judge the log read so far; print findings (warning and above) not yet
 * printed, at once, marked provisional (more input may change them). Sets
 * *stop when one reaches --stop-on. */
static td_code follow_judge(const td_log *log, const cli *c, seen_set *seen, int *stop, td_err *e)
{
    td_out o = td_out_file(stdout);
    for (size_t r = 0; r < log->nruns; r++) {
        td_findings fs;
        td_findings_init(&fs);
        td_code rc = td_findings_detect(&log->runs[r], &c->dopts, &fs, e);
        for (size_t i = 0; !rc && i < fs.n; i++)
            if (fs.f[i].severity >= TD_SEV_WARNING && seen_add(seen, &fs.f[i], &log->runs[r])) {
                td_finding_write_line(&o, &fs.f[i], log->runs[r].x_name, c->json, "provisional");
                if (fs.f[i].severity >= c->stop_on) *stop = 1;
            }
        td_findings_free(&fs);
        if (rc) return rc;
    }
    fflush(stdout);
    return TD_OK;
}

/* At the end of a follow: say which printed findings the whole log no
 * longer supports, so the live lines and the final report agree. */
static void follow_withdrawn(const td_log *log, const cli *c, seen_set *seen)
{
    td_out o = td_out_file(stdout);
    seen_set final = {0};
    for (size_t r = 0; r < log->nruns; r++) {
        td_findings fs;
        td_findings_init(&fs);
        td_err e;
        if (td_findings_detect(&log->runs[r], &c->dopts, &fs, &e) == TD_OK)
            for (size_t i = 0; i < fs.n; i++) seen_add(&final, &fs.f[i], &log->runs[r]);
        td_findings_free(&fs);
    }
    for (size_t i = 0; i < seen->printed.n; i++) {
        char key[600];
        seen_key(&seen->printed.f[i], key, sizeof key);
        if (seen_has(&final, key)) continue;
        const char *xn = NULL;
        for (size_t r = 0; r < log->nruns && !xn; r++)
            if (log->runs[r].name && seen->printed.f[i].run && strcmp(log->runs[r].name, seen->printed.f[i].run) == 0)
                xn = log->runs[r].x_name;
        td_finding_write_line(&o, &seen->printed.f[i], xn, c->json, "withdrawn");
    }
    seen_free(&final);
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int follow(const char *path, cli *c)
{
    td_err e;
    td_err_clear(&e);
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) {
        char p[256];
        fprintf(stderr, "curvecheck: %s: cannot open: %s\n", td_safe_text(p, sizeof p, path),
                strerror(errno));
        return TD_EXIT_INPUT;
    }
    td_log_reader *rd = td_log_reader_new(path, c->fmt);
    if (!rd) {
        if (f != stdin) fclose(f);
        td_fail(&e, TD_ENOMEM, "out of memory");
        return fail(&e);
    }
    seen_set seen = {0};
    int stop = 0;
    char buf[1 << 16];
    size_t judged_rows = 0;
    double last = 0;
    td_code rc = TD_OK;
    int fd = fileno(f);
    for (;;) {
        /* rows not judged yet: wait at most 0.2 s for more, then judge what
         * there is (a trainer that prints an epoch and goes quiet) */
        if (td_log_reader_rows(rd) > judged_rows) {
            struct pollfd pfd = {fd, POLLIN, 0};
            int pr = poll(&pfd, 1, 200);
            if (pr == 0) {
                if ((rc = follow_judge(td_log_reader_log(rd), c, &seen, &stop, &e))) break;
                judged_rows = td_log_reader_rows(rd);
                last = now_s();
                if (stop) break;
                continue;
            }
        }
        ssize_t got = read(fd, buf, sizeof buf);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) {
            char p[256];
            rc = td_fail(&e, TD_EIO, "%s: read error: %s", td_safe_text(p, sizeof p, path),
                         strerror(errno));
            break;
        }
        if (got == 0) break;
        if ((rc = td_log_reader_feed(rd, buf, (size_t)got, &e))) break;
        size_t rows = td_log_reader_rows(rd);
        double t = now_s();
        /* judge when rows arrived, at most ~5 times a second on a fast stream */
        if (rows > judged_rows && t - last >= 0.2) {
            if ((rc = follow_judge(td_log_reader_log(rd), c, &seen, &stop, &e))) break;
            judged_rows = rows;
            last = t;
            if (stop) break; /* --stop-on: the trainer gets SIGPIPE on its next write */
        }
    }
    if (!rc) rc = td_log_reader_finish(rd, &e);
    if (!rc && !stop) rc = follow_judge(td_log_reader_log(rd), c, &seen, &stop, &e);
    if (!rc) follow_withdrawn(td_log_reader_log(rd), c, &seen);
    int code;
    if (rc) {
        code = fail(&e);
    } else {
        td_log *log = td_log_reader_take(rd);
        td_buf b = {0};
        c->ropts.compact = c->json;
        code = log ? report(&log, 1, c, &b) : TD_EXIT_INPUT;
        if (code == TD_EXIT_OK || code == TD_EXIT_FINDING) {
            int w = emit(&b);
            if (w) code = w;
        } else {
            td_buf_free(&b);
        }
        td_log_free(log);
    }
    seen_free(&seen);
    td_log_reader_free(rd);
    if (f != stdin) fclose(f);
    return code;
}

/* ---- main ------------------------------------------------------------------ */
int main(int argc, char **argv)
{
    cli c;
    memset(&c, 0, sizeof c);
    c.fmt = TD_FMT_AUTO;
    td_detect_opts_default(&c.dopts);
    c.ropts.fail_on = TD_SEV_WARNING;
    c.stop_on = TD_SEV_NEVER;
    c.ropts.min_points = c.dopts.min_points;
    enum { O_FORMAT = 256, O_FOLLOW, O_CLASSES, O_FAIL_ON, O_SET, O_JSON, O_HELP, O_VERSION, O_REPORT, O_SERIES, O_STOP_ON };
    static const struct option longopts[] = {
        {"format", required_argument, 0, O_FORMAT},   {"follow", no_argument, 0, O_FOLLOW},
        {"classes", required_argument, 0, O_CLASSES}, {"fail-on", required_argument, 0, O_FAIL_ON},
        {"set", required_argument, 0, O_SET},         {"json", no_argument, 0, O_JSON},
        {"help", no_argument, 0, O_HELP},             {"version", no_argument, 0, O_VERSION},
        {"report", required_argument, 0, O_REPORT},   {"series", no_argument, 0, O_SERIES},
        {"stop-on", required_argument, 0, O_STOP_ON},
        {0, 0, 0, 0}};
    td_err e;
    td_err_clear(&e);
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (ch) {
        case O_FORMAT: {
            int f = td_log_format_parse(optarg);
            if (f < 0) {
                char s[64];
                fprintf(stderr, "curvecheck: --format: unknown format '%s' (see --help)\n",
                        td_safe_text(s, sizeof s, optarg));
                return TD_EXIT_USAGE;
            }
            c.fmt = (td_log_format)f;
            break;
        }
        case O_FOLLOW: c.follow = 1; break;
        case O_CLASSES: {
            long long v;
            if (td_parse_long("--classes", optarg, 0, 1000000000, &v, &e)) return fail(&e);
            c.dopts.classes = (int)v;
            c.ropts.classes = (int)v;
            break;
        }
        case O_FAIL_ON:
            if (td_severity_parse("--fail-on", optarg, &c.ropts.fail_on, &e)) return fail(&e);
            break;
        case O_SET: {
            char *kv = strdup(optarg), *k, *v;
            if (!kv) return TD_EXIT_INPUT;
            if (td_split_kv(kv, &k, &v) != 0) {
                free(kv);
                return usage_error("--set wants NAME=VALUE");
            }
            td_code rc = td_detect_opts_set(&c.dopts, k, v, &e);
            free(kv);
            if (rc) return fail(&e);
            c.ropts.classes = c.dopts.classes;
            c.ropts.min_points = c.dopts.min_points;
            break;
        }
        case O_JSON: c.json = 1; break;
        case O_REPORT: c.report_dir = optarg; break;
        case O_SERIES: c.series = 1; break;
        case O_STOP_ON:
            if (td_severity_parse("--stop-on", optarg, &c.stop_on, &e)) return fail(&e);
            break;
        case 'h':
        case O_HELP: usage(stdout); return TD_EXIT_OK;
        case O_VERSION: printf("curvecheck %s\n", TD_VERSION); return TD_EXIT_OK;
        default:
            td_cli_getopt_error(argv, optind, optopt, longopts, &e);
            fprintf(stderr, "curvecheck: %s\n", e.msg);
            return TD_EXIT_USAGE;
        }
    }
    int nfiles = argc - optind;
    char *stdin_only[] = {(char *)"-"};
    char **files = nfiles ? argv + optind : stdin_only;
    if (!nfiles) nfiles = 1;
    if (c.follow) {
        if (nfiles != 1) return usage_error("--follow reads one input");
        if (c.series) return usage_error("--series reads whole inputs, not with --follow");
    } else if (c.stop_on != TD_SEV_NEVER) {
        return usage_error("--stop-on needs --follow");
    }
    if (c.follow) {
        return follow(files[0], &c);
    }
    int nstdin = 0;
    for (int i = 0; i < nfiles; i++) nstdin += strcmp(files[i], "-") == 0;
    if (nstdin > 1) return usage_error("standard input ('-') given twice");
    /* read everything first: an input error leaves no partial report */
    td_log **logs = calloc((size_t)nfiles, sizeof *logs);
    if (!logs) return TD_EXIT_INPUT;
    int code = TD_EXIT_OK;
    int nread = 0;
    for (; nread < nfiles; nread++) {
        if (td_log_read_file(files[nread], c.fmt, &logs[nread], &e)) {
            code = fail(&e);
            break;
        }
    }
    if (code == TD_EXIT_OK && c.series) {
        td_buf b = {0};
        td_out o = td_out_buf(&b);
        if (td_log_write_series(&o, (const td_log *const *)logs, (size_t)nfiles, c.json, &e)) {
            td_buf_free(&b);
            code = fail(&e);
        } else {
            code = emit(&b);
        }
    } else if (code == TD_EXIT_OK) {
        td_buf b = {0};
        code = report(logs, (size_t)nfiles, &c, &b);
        if (code == TD_EXIT_OK || code == TD_EXIT_FINDING) {
            int w = emit(&b);
            if (w) code = w;
        } else {
            td_buf_free(&b);
        }
    }
    for (int i = 0; i < nread; i++) td_log_free(logs[i]);
    free(logs);
    return code;
}
