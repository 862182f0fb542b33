/* pl_cli.c — the `--report DIR` of every tool: write a report folder with
 * the default drawing options and turn gnuplot trouble into one line. */
#include <stdio.h>
#include <string.h>

#include "td_plot.h"

void td_plot_result_warning(const td_plot_result *res, const char *dir, const char *gnuplot,
                            char *buf, size_t cap)
{
    char safe[600], gp[300];
    if (cap) buf[0] = '\0';
    td_safe_text(safe, sizeof safe, dir);
    if (res->gnuplot_missing)
        snprintf(buf, cap, "gnuplot not found (%s): data and scripts written; draw the "
                 "figures with 'gnuplot figNN.gp' in %s",
                 td_safe_text(gp, sizeof gp, gnuplot ? gnuplot : "gnuplot"), safe);
    else if (res->failed)
        snprintf(buf, cap, "gnuplot failed on %zu figure(s): see %s/gnuplot.log", res->failed, safe);
}

td_code td_plot_report_to_dir(const td_report *r, const char *dir, char *warn, size_t cap, td_err *e)
{
    td_plot_opts o;
    td_plot_opts_init(&o);
    td_plot_result res;
    memset(&res, 0, sizeof res);
    if (cap) warn[0] = '\0';
    td_code c = td_report_write_dir(r, dir, &o, &res, e);
    if (!c) td_plot_result_warning(&res, dir, o.gnuplot, warn, cap);
    return c;
}
