/* fuzz_report.c — libFuzzer harness for diagreport's inputs (`make fuzz`):
 * what a log, a gradcheck JSON document or an HDF5 dump holds, through the
 * adapters into a report, and every figure's data, gnuplot script and the
 * page written (into memory: no gnuplot is run, no folder written).
 *
 * The first input byte chooses the input (low 2 bits):
 *   0 a training log (td_log_read_mem, any format) -> curvecheck's
 *     detectors -> td_plot_add_judged
 *   1 gradcheck --json output -> td_plot_add_gradcheck_json
 *   2 an HDF5 dump in tdiag's layout built from the bytes (layer names,
 *     shapes, values: NaN, Inf, huge, denormal) -> td_dump_open ->
 *     td_plot_add_dump
 *   3 names: NUL-separated strings as a figure's title, series, tics and
 *     findings, and through every escaping function
 * Invariants (any violation aborts): an error has a one-line message; a
 * gnuplot script has no bare inf or nan outside its strings (gnuplot reads
 * them as undefined variables) and no raw newline inside a string; escaped
 * HTML text has no '<', '>' or '"'; JSON strings parse back with json-c. */
#include "td_plot.h"
#include "td_h5.h"

#include <hdf5.h>
#include <json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The script outside its "..." strings has no inf/nan word; inside, no
 * raw newline (td_plot_gp_string escapes everything else). */
static void check_gp(const char *s, size_t n)
{
    int in = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '"' && (i == 0 || s[i - 1] != '\\')) { in = !in; continue; }
        if (in) {
            if (c == '\n') abort();
            continue;
        }
        if (c == '#') { while (i < n && s[i] != '\n') i++; continue; } /* a comment */
        int word_start = i == 0 || !(s[i - 1] == '_' || (s[i - 1] >= 'a' && s[i - 1] <= 'z') ||
                                     (s[i - 1] >= 'A' && s[i - 1] <= 'Z') || (s[i - 1] >= '0' && s[i - 1] <= '9'));
        if (word_start && i + 3 <= n && (!strncmp(s + i, "inf", 3) || !strncmp(s + i, "nan", 3))) {
            char after = i + 3 < n ? s[i + 3] : ' ';
            int word_end = !(after == '_' || (after >= 'a' && after <= 'z') || (after >= '0' && after <= '9'));
            if (word_end) abort();
        }
    }
}

static void check_err(td_code c, const td_err *e)
{
    if (c != TD_OK && (!e->msg[0] || strchr(e->msg, '\n'))) abort();
}

/* Every figure's .dat and .gp, and the page, into memory. */
static void write_all(const td_report *r)
{
    for (size_t i = 0; i < r->nfigs; i++) {
        td_buf b = { 0 };
        td_out o = td_out_buf(&b);
        td_plot_write_dat(r->figs[i], &o);
        td_buf_free(&b);
        o = td_out_buf(&b);
        td_plot_write_gp(r->figs[i], &o);
        if (b.data) check_gp(b.data, b.len);
        td_buf_free(&b);
    }
    td_buf b = { 0 };
    td_out o = td_out_buf(&b);
    td_report_write_html(r, NULL, "svg", &o);
    td_buf_free(&b);
    o = td_out_buf(&b);
    td_report_write_pdf_gp(r, &o);
    if (b.data) check_gp(b.data, b.len);
    td_buf_free(&b);
}

static void add_log(td_report *r, const char *body, size_t n)
{
    td_log *log = NULL;
    td_err e;
    td_code c = td_log_read_mem("fuzz.log", body, n, TD_FMT_AUTO, &log, &e);
    check_err(c, &e);
    if (c != TD_OK) return;
    td_detect_opts dopts;
    td_detect_opts_default(&dopts);
    td_judged *runs = calloc(log->nruns, sizeof *runs);
    if (!runs) abort();
    for (size_t i = 0; i < log->nruns; i++) {
        runs[i].run = &log->runs[i];
        runs[i].source = log->source;
        td_findings_init(&runs[i].findings);
        if (td_findings_detect(&log->runs[i], &dopts, &runs[i].findings, &e) != TD_OK) check_err(TD_EINPUT, &e);
    }
    c = td_plot_add_judged(r, runs, log->nruns, 8, &e);
    check_err(c, &e);
    for (size_t i = 0; i < log->nruns; i++) td_findings_free(&runs[i].findings);
    free(runs);
    td_log_free(log);
}

/* A byte-driven reader of the rest of the input. */
typedef struct { const uint8_t *p; size_t n; } src;
static unsigned take(src *s)
{
    if (!s->n) return 0;
    s->n--;
    return *s->p++;
}
static double value(src *s)
{
    static const double special[] = { 0.0, -0.0, 1.0, -1.0, 1e308, -1e308, 5e-324, 1e-300, 0.5, 1e-3 };
    unsigned k = take(s);
    if (k < 10) return special[k];
    if (k == 10) return __builtin_nan("");
    if (k == 11) return __builtin_inf();
    if (k == 12) return -__builtin_inf();
    return ((double)k - 128.0) / 16.0 * (1 + (double)take(s));
}

static void add_dump(td_report *r, const uint8_t *p, size_t n)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/fuzz_report.%d.h5", (int)getpid());
    src s = { p, n };
    td_h5_quiet();
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0) return;
    int steps = 1 + (int)(take(&s) % 3), layers = 1 + (int)(take(&s) % 3);
    for (int st = 0; st < steps; st++)
        for (int l = 0; l < layers; l++) {
            char name[40], g[128];
            size_t k = 0;
            for (unsigned c; k < sizeof name - 1 && (c = take(&s)) != 0 && c != '/' && c != '.';) name[k++] = (char)c;
            if (k == 0) name[k++] = (char)('a' + l);
            name[k] = 0;
            snprintf(g, sizeof g, "/step_%d/%s", st, name);
            hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
            H5Pset_create_intermediate_group(lcpl, 1);
            hid_t grp = H5Gcreate2(f, g, lcpl, H5P_DEFAULT, H5P_DEFAULT);
            H5Pclose(lcpl);
            if (grp < 0) continue;
            static const char *const ds[] = { "kernel", "activation", "bias" };
            for (int d = 0; d < 3; d++) {
                hsize_t dims[2] = { 1 + take(&s) % 6, 1 + take(&s) % 6 };
                double v[36];
                for (size_t i = 0; i < dims[0] * dims[1]; i++) v[i] = value(&s);
                hid_t sp = H5Screate_simple(d == 2 ? 1 : 2, dims, NULL);
                hid_t dd = H5Dcreate2(grp, ds[d], H5T_NATIVE_DOUBLE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
                if (dd >= 0) { H5Dwrite(dd, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v); H5Dclose(dd); }
                H5Sclose(sp);
            }
            H5Gclose(grp);
        }
    H5Fclose(f);
    td_dump_opts o;
    td_dump_opts_default(&o);
    td_dump *d = NULL;
    td_err e;
    const char *files[1] = { path };
    td_code c = td_dump_open(&d, files, 1, &o, &e);
    check_err(c, &e);
    if (c == TD_OK) {
        c = td_plot_add_dump(r, d, &o, "fuzz.h5", &e);
        check_err(c, &e);
    }
    td_dump_free(d);
    unlink(path);
}

static void check_names(td_report *r, const char *body, size_t n)
{
    char *copy = malloc(n + 1);
    if (!copy) abort();
    memcpy(copy, body, n);
    copy[n] = 0;
    const char *names[8];
    size_t k = 0;
    for (size_t i = 0; i <= n && k < 8; i += strlen(copy + i) + 1) names[k++] = copy + i;
    for (size_t i = 0; i < k; i++) {
        td_buf b = { 0 };
        td_out o = td_out_buf(&b);
        td_plot_html_text(&o, names[i]);
        for (size_t j = 0; b.data && j < b.len; j++)
            if (b.data[j] == '<' || b.data[j] == '>' || b.data[j] == '"') abort();
        td_buf_free(&b);
        o = td_out_buf(&b);
        td_plot_gp_string(&o, names[i]);
        if (b.data) check_gp(b.data, b.len);
        td_buf_free(&b);
        o = td_out_buf(&b);
        td_json_write_string(&o, names[i]);
        json_object *j = b.data ? json_tokener_parse(b.data) : NULL;
        if (!j || !json_object_is_type(j, json_type_string)) abort();
        json_object_put(j);
        td_buf_free(&b);
        char safe[64];
        td_safe_text(safe, sizeof safe, names[i]);
        if (strchr(safe, '\n')) abort();
    }
    td_plot_fig *fig = td_report_fig(r, names[0], k > 1 ? names[1] : "");
    if (fig) {
        td_plot_panel *p = td_plot_fig_panel(fig, k > 2 ? names[2] : "", "x", "y");
        double x[3] = { 0, 1, 2 }, y[3] = { 1, 0.5, 0.25 };
        if (p) td_plot_add_series(fig, p, k > 3 ? names[3] : "", TD_PLOT_LINES, x, y, 3);
        if (p) td_plot_add_mark(p, 1, names[0]);
        if (p) td_plot_add_band(p, 0.3, 0.6, names[k - 1]);
        if (p && k > 4) td_plot_set_xtics(p, names + 4, k - 4);
    }
    td_report_add_finding(r, TD_PLOT_WARN, names[0], k > 1 ? names[1] : "", fig ? 0 : -1);
    td_report_add_note(r, names[k - 1]);
    free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    const char *body = (const char *)data + 1;
    size_t n = size - 1;
    td_report *r = td_report_new("fuzz");
    if (!r) abort();
    td_err e;
    switch (data[0] & 3) {
    case 0: add_log(r, body, n); break;
    case 1: { td_code c = td_plot_add_gradcheck_json(r, "fuzz.json", body, n, &e); check_err(c, &e); break; }
    case 2: add_dump(r, data + 1, n); break;
    default: check_names(r, body, n); break;
    }
    write_all(r);
    td_report_free(r);
    return 0;
}
