/* pl_report.c — td_report_write_dir: data, scripts, rendering and the page
 * into a temporary directory, then moved into place in one step. */
#include "td_plot.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

void td_plot_opts_init(td_plot_opts *o)
{
    memset(o, 0, sizeof *o);
    o->render = 1;
}

static td_code w_dat(const void *f, td_out *o) { return td_plot_write_dat(f, o); }
static td_code w_gp(const void *f, td_out *o) { return td_plot_write_gp(f, o); }
static td_code w_pdf(const void *r, td_out *o) { return td_report_write_pdf_gp(r, o); }
static td_code w_marker(const void *r, td_out *o)
{
    (void)r;
    td_out_printf(o, "tdiag %s report: this folder may be replaced by the next report.\n",
                  TD_VERSION);
    return o->failed ? TD_EIO : TD_OK;
}

typedef struct { const td_report *r; const unsigned char *rendered; } html_job;
static td_code w_html(const void *j, td_out *o)
{
    const html_job *h = j;
    return td_report_write_html(h->r, h->rendered, "svg", o);
}

/* 1 when dir/name exists and is not empty. */
static int nonempty(const char *dir, const char *name)
{
    char p[4200];
    struct stat st;
    return td_plot_path(p, sizeof p, dir, name) == 0 && stat(p, &st) == 0 && st.st_size > 0;
}

#define STOPPED(o) ((o)->stop && *(o)->stop)

/* Run gnuplot on one script; 1 drawn, 0 failed, -1 gnuplot missing or
 * interrupted (*stop). */
static int render(const char *prog, const char *tmp, const char *log, const char *script,
                  const char *fmt_expr, volatile sig_atomic_t *stop)
{
    const char *args[4] = {0};
    size_t k = 0;
    if (fmt_expr) { args[k++] = "-e"; args[k++] = fmt_expr; }
    args[k] = script;
    int st;
    td_err e;
    if (td_plot_run_until(prog, args, tmp, log, stop, &st, &e)) return -1;
    return st == 0;
}

static td_code fill(const td_report *r, const char *tmp, const td_plot_opts *opts,
                    td_plot_result *res, unsigned char *rendered, td_err *e)
{
    char name[64], log[4200];
    td_code c = td_plot_write_file(tmp, ".tdiag-report", w_marker, r, e);
    for (size_t i = 0; !c && i < r->nfigs; i++) {
        if (STOPPED(opts)) return td_fail(e, TD_EIO, "interrupted");
        snprintf(name, sizeof name, "%s.dat", r->figs[i]->id);
        c = td_plot_write_file(tmp, name, w_dat, r->figs[i], e);
        snprintf(name, sizeof name, "%s.gp", r->figs[i]->id);
        if (!c) c = td_plot_write_file(tmp, name, w_gp, r->figs[i], e);
    }
    if (!c && opts->pdf) c = td_plot_write_file(tmp, "report.gp", w_pdf, r, e);
    if (c) return c;
    const char *prog = opts->gnuplot ? opts->gnuplot : "gnuplot";
    if (td_plot_path(log, sizeof log, tmp, "gnuplot.log"))
        return td_fail(e, TD_EIO, "%s: name too long", tmp);
    for (size_t i = 0; opts->render && !res->gnuplot_missing && i < r->nfigs; i++) {
        const char *id = r->figs[i]->id;
        snprintf(name, sizeof name, "%s.gp", id);
        int ok = render(prog, tmp, log, name, NULL, opts->stop);
        if (STOPPED(opts)) return td_fail(e, TD_EIO, "interrupted");
        if (ok < 0) { res->gnuplot_missing = 1; break; }
        if (ok && opts->png) ok = render(prog, tmp, log, name, "fmt='png'", opts->stop) > 0;
        snprintf(name, sizeof name, "%s.svg", id);
        rendered[i] = ok && nonempty(tmp, name);
        if (rendered[i]) res->rendered++;
        else res->failed++;
    }
    if (opts->render && opts->pdf && !res->gnuplot_missing)
        res->pdf = render(prog, tmp, log, "report.gp", NULL, opts->stop) > 0 && nonempty(tmp, "report.pdf");
    if (STOPPED(opts)) return td_fail(e, TD_EIO, "interrupted");
    if (!res->failed && !nonempty(tmp, "gnuplot.log")) unlink(log); /* kept when it explains a failure */
    html_job h = {r, rendered};
    return td_plot_write_file(tmp, "index.html", w_html, &h, e);
}

td_code td_report_write_dir(const td_report *r, const char *dir,
                            const td_plot_opts *opts, td_plot_result *res,
                            td_err *e)
{
    td_plot_opts defaults;
    td_plot_result local;
    if (!opts) { td_plot_opts_init(&defaults); opts = &defaults; }
    if (!res) res = &local;
    memset(res, 0, sizeof *res);
    char tmp[4200];
    int exists;
    /* refused before anything is written; then what interrupted runs left */
    td_code c = td_plot_check_target(dir, &exists, e);
    if (c) return c;
    td_plot_clean_stale(dir);
    if ((c = td_plot_tmpdir(dir, tmp, sizeof tmp, e))) return c;
    int lock = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC); /* ours while we write (see td_plot_clean_stale) */
    if (lock < 0 || flock(lock, LOCK_EX | LOCK_NB) != 0) c = td_fail(e, TD_EIO, "%s: cannot lock", tmp);
    unsigned char *rendered = c ? NULL : calloc(r->nfigs ? r->nfigs : 1, 1);
    if (!c && !rendered) c = td_fail(e, TD_ENOMEM, "out of memory");
    if (!c) c = fill(r, tmp, opts, res, rendered, e);
    free(rendered);
    if (!c && chmod(tmp, 0755) != 0) c = td_fail(e, TD_EIO, "%s: cannot chmod", tmp);
    if (!c && STOPPED(opts)) c = td_fail(e, TD_EIO, "interrupted");
    if (!c) c = td_plot_commit_dir(tmp, dir, e);
    if (c) td_plot_rmtree(tmp);
    if (lock >= 0) close(lock);
    return c;
}
