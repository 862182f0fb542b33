/* pl_html.c — the report's index.html: offline (no script, no external
 * resource), the findings list at the top, each finding linking to the
 * figure that shows it, then the figures with captions and their files. */
#include "td_plot.h"

#include <stdlib.h>
#include <string.h>

static const char *const level_name[] = {
    [TD_PLOT_INFO] = "info", [TD_PLOT_WARN] = "warning", [TD_PLOT_ERROR] = "error",
};

static const char pl_css[] =
    "body{font-family:sans-serif;max-width:1000px;margin:1em auto;padding:0 1em;color:#222}\n"
    "h1{font-size:1.4em}h2{font-size:1.1em;margin-top:1.6em}\n"
    "ul.find li{margin:.2em 0}.error{color:#b00020}.warning{color:#8a5a00}.info{color:#555}\n"
    ".lvl{font-weight:bold;text-transform:uppercase;font-size:.8em;margin-right:.4em}\n"
    "figure{margin:0;border-top:1px solid #ddd;padding-top:.5em}\n"
    "figure img{max-width:100%;height:auto;display:block}\n"
    "figcaption{margin:.3em 0}.files{font-size:.85em;color:#555}\n"
    ".missing{background:#fff3cd;padding:.5em}code{background:#f3f3f3;padding:0 .2em}\n"
    "table.verdict{border-collapse:collapse}table.verdict td{padding:.15em .8em .15em 0}\n"
    ".healthy{color:#1b7a2e}.names{color:#555}\n";

static const char *lvl(td_plot_level l)
{
    return l <= TD_PLOT_ERROR ? level_name[l] : "info";
}

/* A finding's text "NAME: REST" with NAME one word (a tensor, a layer):
 * the length of "NAME: ", or 0 when the text has no such name. */
static size_t name_len(const char *t)
{
    const char *c = strstr(t, ": ");
    if (!c || c == t || c - t > 80) return 0;
    for (const char *p = t; p < c; p++)
        if (*p == ' ') return 0;
    return (size_t)(c - t) + 2;
}

/* 1 when findings a and b say the same thing about different names: same
 * level, source, figure and text after "NAME: ". */
static int same_but_name(const td_report_finding *a, const td_report_finding *b)
{
    size_t la = name_len(a->text), lb = name_len(b->text);
    return la && lb && a->level == b->level && a->fig == b->fig &&
           !strcmp(a->source, b->source) && !strcmp(a->text + la, b->text + lb);
}

/* One list item for findings[at] and every later one in `which` (indexes,
 * n of them) that says the same about another name; those are marked done.
 * Grouped: "5 x REST: name, name, ..." */
static void finding_item(const td_report *r, const size_t *which, size_t n, size_t at,
                         unsigned char *done, td_out *o)
{
    const td_report_finding *fd = &r->findings[which[at]];
    size_t same = 1;
    for (size_t k = at + 1; k < n; k++) same += !done[k] && same_but_name(fd, &r->findings[which[k]]);
    td_out_printf(o, "<li class=\"%s\"><span class=\"lvl\">%s</span>", lvl(fd->level),
                  lvl(fd->level));
    if (fd->source && fd->source[0]) {
        td_plot_html_text(o, fd->source);
        td_out_puts(o, ": ");
    }
    int linked = fd->fig >= 0 && (size_t)fd->fig < r->nfigs;
    if (linked) td_out_printf(o, "<a href=\"#%s\">", r->figs[fd->fig]->id);
    if (same > 1) td_out_printf(o, "%zu &times; ", same);
    td_plot_html_text(o, same > 1 ? fd->text + name_len(fd->text) : fd->text);
    if (linked) td_out_printf(o, "</a> (figure %d)", fd->fig + 1);
    if (same > 1) {
        td_out_puts(o, ": <span class=\"names\">");
        for (size_t k = at, m = 0; k < n; k++) {
            const td_report_finding *g = &r->findings[which[k]];
            if (done[k] || (k != at && !same_but_name(fd, g))) continue;
            char nm[96];
            size_t l = name_len(g->text) - 2;
            snprintf(nm, sizeof nm, "%.*s", (int)(l < sizeof nm ? l : sizeof nm - 1), g->text);
            if (m++) td_out_puts(o, ", ");
            td_plot_html_text(o, nm);
            done[k] = 1;
        }
        td_out_puts(o, "</span>");
    }
    done[at] = 1;
    td_out_puts(o, "</li>\n");
}

/* The list of the findings that belong to figure fig (-2: all of them),
 * errors first, then warnings, then the rest; repeated ones grouped. */
static void finding_list(const td_report *r, int fig, td_out *o)
{
    size_t *which = malloc((r->nfindings ? r->nfindings : 1) * sizeof *which), n = 0;
    unsigned char *done = calloc(r->nfindings ? r->nfindings : 1, 1);
    if (!which || !done) { free(which); free(done); o->failed = 1; return; }
    for (int l = TD_PLOT_ERROR; l >= TD_PLOT_INFO; l--)
        for (size_t i = 0; i < r->nfindings; i++)
            if ((int)r->findings[i].level == l && (fig == -2 || r->findings[i].fig == fig)) which[n++] = i;
    if (n) td_out_puts(o, "<ul class=\"find\">\n");
    for (size_t k = 0; k < n; k++)
        if (!done[k]) finding_item(r, which, n, k, done, o);
    if (n) td_out_puts(o, "</ul>\n");
    free(which);
    free(done);
}

/* One line per input: healthy, or its findings counted by level. */
static void verdicts(const td_report *r, td_out *o)
{
    if (!r->ninputs) return;
    td_out_puts(o, "<h2 id=\"verdict\">Verdict</h2>\n<table class=\"verdict\">\n");
    for (size_t i = 0; i < r->ninputs; i++) {
        size_t cnt[3] = {0, 0, 0};
        int first = -1;
        for (size_t k = 0; k < r->nfindings; k++) {
            const td_report_finding *f = &r->findings[k];
            if (f->input != (int)i || f->level > TD_PLOT_ERROR) continue;
            cnt[f->level]++;
            if (f->level > TD_PLOT_INFO && first < 0 && f->fig >= 0) first = f->fig;
        }
        td_out_puts(o, "<tr><td>");
        td_plot_html_text(o, r->inputs[i]);
        if (!cnt[TD_PLOT_ERROR] && !cnt[TD_PLOT_WARN]) {
            td_out_puts(o, "</td><td class=\"healthy\"><b>healthy</b>");
            if (cnt[TD_PLOT_INFO]) td_out_printf(o, " (%zu note%s)", cnt[TD_PLOT_INFO], cnt[TD_PLOT_INFO] > 1 ? "s" : "");
        } else {
            td_out_printf(o, "</td><td class=\"%s\"><b>findings</b>: ", cnt[TD_PLOT_ERROR] ? "error" : "warning");
            const char *sep = "";
            for (int l = TD_PLOT_ERROR; l >= TD_PLOT_INFO; l--)
                if (cnt[l]) {
                    td_out_printf(o, "%s%zu %s%s", sep, cnt[l], l == TD_PLOT_INFO ? "note" : lvl(l),
                                  cnt[l] > 1 ? "s" : "");
                    sep = ", ";
                }
            if (first >= 0) td_out_printf(o, " (<a href=\"#%s\">figure %d</a>)", r->figs[first]->id, first + 1);
        }
        td_out_puts(o, "</td></tr>\n");
    }
    td_out_puts(o, "</table>\n");
}

td_code td_report_write_html(const td_report *r, const unsigned char *rendered,
                             const char *ext, td_out *o)
{
    if (!ext) ext = "svg";
    td_out_puts(o, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                   "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                   "img-src 'self'; style-src 'unsafe-inline'\">\n<title>");
    td_plot_html_text(o, r->title);
    td_out_printf(o, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>", pl_css);
    td_plot_html_text(o, r->title);
    td_out_puts(o, "</h1>\n");
    verdicts(r, o);
    td_out_puts(o, "<h2 id=\"findings\">Findings</h2>\n");
    if (!r->nfindings) td_out_puts(o, "<p>No finding.</p>\n");
    else finding_list(r, -2, o); /* errors first, then warnings: what to look at first */
    for (size_t i = 0; i < r->nnotes; i++) {
        td_out_puts(o, "<p class=\"info\">");
        td_plot_html_text(o, r->notes[i]);
        td_out_puts(o, "</p>\n");
    }
    for (size_t i = 0; i < r->nfigs; i++) {
        const td_plot_fig *f = r->figs[i];
        td_out_printf(o, "<figure id=\"%s\">\n<h2>Figure %zu. ", f->id, i + 1);
        td_plot_html_text(o, f->title);
        td_out_puts(o, "</h2>\n");
        if (!rendered || rendered[i]) {
            td_out_printf(o, "<img src=\"%s.%s\" alt=\"", f->id, ext);
            td_plot_html_text(o, f->title);
            td_out_puts(o, "\">\n");
        } else {
            td_out_printf(o, "<p class=\"missing\">Not drawn here: run <code>gnuplot %s.gp</code> "
                             "in this folder to draw <code>%s.svg</code>.</p>\n", f->id, f->id);
        }
        td_out_puts(o, "<figcaption>");
        td_plot_html_text(o, f->caption);
        td_out_puts(o, "</figcaption>\n");
        finding_list(r, (int)i, o);
        td_out_printf(o, "<p class=\"files\">script <a href=\"%s.gp\">%s.gp</a> &middot; data "
                         "<a href=\"%s.dat\">%s.dat</a> &middot; <a href=\"#findings\">back to "
                         "the findings</a></p>\n</figure>\n", f->id, f->id, f->id, f->id);
    }
    td_out_printf(o, "<p class=\"files\">Made by tdiag %s. Every figure is redrawn by "
                     "<code>gnuplot figNN.gp</code> in this folder.</p>\n</body>\n</html>\n",
                  TD_VERSION);
    return o->failed ? TD_EIO : TD_OK;
}
