/* pl_html.c — the report's index.html: offline (no script, no external
 * resource), the findings list at the top, each finding linking to the
 * figure that shows it, then the figures with captions and their files. */
#include "td_plot.h"

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
    ".missing{background:#fff3cd;padding:.5em}code{background:#f3f3f3;padding:0 .2em}\n";

static const char *lvl(td_plot_level l)
{
    return l <= TD_PLOT_ERROR ? level_name[l] : "info";
}

static void finding_item(const td_report *r, const td_report_finding *fd, td_out *o)
{
    td_out_printf(o, "<li class=\"%s\"><span class=\"lvl\">%s</span>", lvl(fd->level),
                  lvl(fd->level));
    if (fd->source && fd->source[0]) {
        td_plot_html_text(o, fd->source);
        td_out_puts(o, ": ");
    }
    int linked = fd->fig >= 0 && (size_t)fd->fig < r->nfigs;
    if (linked) td_out_printf(o, "<a href=\"#%s\">", r->figs[fd->fig]->id);
    td_plot_html_text(o, fd->text);
    if (linked) td_out_printf(o, "</a> (figure %d)", fd->fig + 1);
    td_out_puts(o, "</li>\n");
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
    td_out_puts(o, "</h1>\n<h2 id=\"findings\">Findings</h2>\n");
    if (!r->nfindings) td_out_puts(o, "<p>No finding.</p>\n");
    else {
        td_out_puts(o, "<ul class=\"find\">\n");
        /* errors first, then warnings, then the rest: what to look at first */
        for (int l = TD_PLOT_ERROR; l >= TD_PLOT_INFO; l--)
            for (size_t i = 0; i < r->nfindings; i++)
                if ((int)r->findings[i].level == l) finding_item(r, &r->findings[i], o);
        td_out_puts(o, "</ul>\n");
    }
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
        int any = 0;
        for (size_t k = 0; k < r->nfindings; k++) {
            if (r->findings[k].fig != (int)i) continue;
            if (!any++) td_out_puts(o, "<ul class=\"find\">\n");
            finding_item(r, &r->findings[k], o);
        }
        if (any) td_out_puts(o, "</ul>\n");
        td_out_printf(o, "<p class=\"files\">script <a href=\"%s.gp\">%s.gp</a> &middot; data "
                         "<a href=\"%s.dat\">%s.dat</a> &middot; <a href=\"#findings\">back to "
                         "the findings</a></p>\n</figure>\n", f->id, f->id, f->id, f->id);
    }
    td_out_printf(o, "<p class=\"files\">Made by tdiag %s. Every figure is redrawn by "
                     "<code>gnuplot figNN.gp</code> in this folder.</p>\n</body>\n</html>\n",
                  TD_VERSION);
    return o->failed ? TD_EIO : TD_OK;
}
