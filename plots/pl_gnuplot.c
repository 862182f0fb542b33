/* pl_gnuplot.c — a figure as a readable, re-runnable gnuplot script and
 * its data file. Untrusted text enters the script only through
 * td_plot_gp_string (octal escapes); file names are the figure's id. */
#include "td_plot.h"

#include <math.h>
#include <stdio.h>

/* Colours for series, bands and marks (one table, not a switch). */
static const char *const pl_colors[] = {
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
};
#define PL_NCOLORS (sizeof pl_colors / sizeof pl_colors[0])
static const char *const pl_band_fill[] = {"#cfe3ff", "#ffe0e0", "#dff5df", "#eeeeee"};
static const char *const pl_span_fill[] = {"#fff0b3", "#f0d9ff", "#ffd6b0", "#e4e4e4"};
static const char *const pl_mark_color = "#b00020";

/* gnuplot's `with` clause per style */
static const char *const pl_with[] = {
    [TD_PLOT_LINES] = "lines lw 1.5",
    [TD_PLOT_POINTS] = "points pt 7 ps 1.2",
    [TD_PLOT_LINESPOINTS] = "linespoints lw 1.5 pt 7 ps 0.6",
    [TD_PLOT_CROSSES] = "points pt 2 ps 1.5 lw 2",
    [TD_PLOT_BOXES] = "boxes fs solid 0.6 noborder",
    [TD_PLOT_IMAGE] = "image",
    [TD_PLOT_RGB] = "rgbimage",
};

static int is_image(const td_plot_series *s) { return s->style >= TD_PLOT_IMAGE; }

/* A series gets a data block (and a plot clause) only when it has data. */
static int drawn(const td_plot_series *s)
{
    return is_image(s) ? s->rows > 0 && s->cols > 0 : s->n > 0;
}

/* "set <axis>range [lo:hi]" only when both ends are finite and ordered:
 * gnuplot reads a bare inf or nan as an undefined variable and draws
 * nothing (a 0-byte SVG); otherwise it autoscales. */
static void set_range(td_out *o, const char *axis, double lo, double hi)
{
    if (isfinite(lo) && isfinite(hi) && lo < hi) td_out_printf(o, "set %srange [%.9g:%.9g]\n", axis, lo, hi);
}

static void num(td_out *o, double v)
{
    if (isfinite(v)) td_out_printf(o, "%.9g", v);
    else td_out_puts(o, "NaN");
}

td_code td_plot_write_dat(const td_plot_fig *f, td_out *o)
{
    size_t block = 0;
    td_out_printf(o, "# %s.dat: data of %s.gp (tdiag %s). One block per series,\n"
                     "# blocks separated by two blank lines (gnuplot 'index').\n",
                  f->id, f->id, TD_VERSION);
    for (size_t p = 0; p < f->npanels; p++) {
        const td_plot_panel *pn = f->panels[p];
        for (size_t i = 0; i < pn->nseries; i++) {
            const td_plot_series *s = &pn->series[i];
            if (!drawn(s)) continue;
            if (block++) td_out_puts(o, "\n\n");
            td_out_printf(o, "# index %zu: panel %zu, series %zu ", block - 1, p + 1, i + 1);
            td_plot_gp_string(o, s->name);
            if (s->style == TD_PLOT_RGB) { /* x y r g b, one scan line per block line */
                td_out_printf(o, ", colour image %zu x %zu\n", s->rows, s->cols);
                for (size_t r = 0; r < s->rows; r++) {
                    if (r) td_out_puts(o, "\n");
                    for (size_t c = 0; c < s->cols; c++) {
                        const double *px = &s->z[(r * s->cols + c) * 3];
                        td_out_printf(o, "%zu %zu", c, r);
                        for (int k = 0; k < 3; k++)
                            td_out_printf(o, " %d", isfinite(px[k]) ? (int)lround(fmin(fmax(px[k], 0), 1) * 255) : 255);
                        td_out_puts(o, "\n");
                    }
                }
                continue;
            }
            if (s->style == TD_PLOT_IMAGE) {
                td_out_printf(o, ", matrix %zu x %zu\n", s->rows, s->cols);
                for (size_t r = 0; r < s->rows; r++) {
                    for (size_t c = 0; c < s->cols; c++) {
                        if (c) td_out_puts(o, " ");
                        num(o, s->z[r * s->cols + c]);
                    }
                    td_out_puts(o, "\n");
                }
                continue;
            }
            td_out_printf(o, ", %zu of %zu points\n", s->n, s->n_in);
            for (size_t k = 0; k < s->n; k++) {
                num(o, s->x[k]);
                td_out_puts(o, " ");
                num(o, s->y[k]);
                td_out_puts(o, "\n");
            }
        }
    }
    return o->failed ? TD_EIO : TD_OK;
}

/* A band is drawn when its numbers are finite and, on a log axis, its top
 * is above 0. */
static int band_drawn(const td_plot_band *b, int logy)
{
    return isfinite(b->lo) && isfinite(b->hi) && (!logy || b->hi > 0);
}

/* y range covering data and bands, so a reference band is always seen.
 * Returns 0 when there is nothing to cover. */
static int y_cover(const td_plot_panel *p, int logy, double *lo, double *hi)
{
    *lo = INFINITY; *hi = -INFINITY;
    for (size_t i = 0; i < p->nseries; i++)
        for (size_t k = 0; k < p->series[i].n; k++) {
            double y = p->series[i].y[k];
            if ((logy && y <= 0) || !isfinite(y)) continue; /* not drawn */
            if (y < *lo) *lo = y;
            if (y > *hi) *hi = y;
        }
    for (size_t i = 0; i < p->nbands; i++) {
        const td_plot_band *b = &p->bands[i];
        if (!band_drawn(b, logy)) continue;
        if (!(logy && b->lo <= 0) && b->lo < *lo) *lo = b->lo;
        if (b->hi > *hi) *hi = b->hi;
    }
    if (!(*lo <= *hi)) return 0;
    double l = *lo, h = *hi;
    if (logy) { *lo /= 2; *hi *= 2; }
    else {
        double pad = (*hi - *lo) * 0.05;
        if (pad == 0 || !isfinite(pad)) pad = fabs(*hi) > 0 && isfinite(*hi * 0.05) ? fabs(*hi) * 0.05 : 1;
        *lo -= pad; *hi += pad;
    }
    if (!isfinite(*lo) || !isfinite(*hi) || *lo == 0) { *lo = l; *hi = h; } /* padding overflowed (1e308) */
    return 1;
}

/* x range covering data, marks and spans when a mark or span lies outside
 * the data (gnuplot's autoscale sees only the data). Returns 0 when
 * autoscale already covers everything. */
static int x_cover(const td_plot_panel *p, double *lo, double *hi)
{
    double dlo = INFINITY, dhi = -INFINITY;
    for (size_t i = 0; i < p->nseries; i++)
        for (size_t k = 0; k < p->series[i].n; k++) {
            dlo = fmin(dlo, p->series[i].x[k]);
            dhi = fmax(dhi, p->series[i].x[k]);
        }
    if (!(dlo <= dhi)) return 0;
    *lo = dlo; *hi = dhi;
    for (size_t i = 0; i < p->nmarks; i++)
        if (isfinite(p->marks[i].x)) { *lo = fmin(*lo, p->marks[i].x); *hi = fmax(*hi, p->marks[i].x); }
    for (size_t i = 0; i < p->nspans; i++)
        if (isfinite(p->spans[i].x0) && isfinite(p->spans[i].x1)) {
            *lo = fmin(*lo, p->spans[i].x0);
            *hi = fmax(*hi, p->spans[i].x1);
        }
    if (*lo == dlo && *hi == dhi) return 0;
    double pad = (*hi - *lo) * 0.02;
    *lo -= *lo < dlo ? pad : 0;
    *hi += *hi > dhi ? pad : 0;
    return *hi > *lo;
}

/* Image panels: grey from min to max for values >= 0, else a diverging
 * palette centred on 0; square pixels, row 0 at the top. */
static void write_image_setup(const td_plot_panel *p, td_out *o)
{
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < p->nseries; i++) {
        const td_plot_series *s = &p->series[i];
        if (s->style != TD_PLOT_IMAGE) continue;
        for (size_t k = 0; k < s->rows * s->cols; k++)
            if (isfinite(s->z[k])) { lo = fmin(lo, s->z[k]); hi = fmax(hi, s->z[k]); }
    }
    if (!(lo <= hi)) { lo = 0; hi = 1; }
    if (lo >= 0)
        td_out_printf(o, "set palette gray\nset cbrange [%.9g:%.9g]\n", lo, hi > lo ? hi : lo + 1);
    else {
        double m = fmax(-lo, hi);
        td_out_printf(o, "set palette defined (-1 \"#2b6cb0\", 0 \"#f7f7f7\", 1 \"#c53030\")\n"
                         "set cbrange [%.9g:%.9g]\n", -m, m);
    }
    td_out_puts(o, "set size ratio -1\nset yrange [] reverse\nset autoscale xfix; set autoscale yfix\n"
                   "unset grid; unset xtics; unset ytics\n"
                   "set object 90 rect from graph 0, graph 0 to graph 1, graph 1 behind "
                   "fc rgb \"#b8c8d8\" fs solid noborder\n");
}

/* 1 when the line series end, on average, in the upper half of their range. */
static int ends_high(const td_plot_panel *p)
{
    double lo = INFINITY, hi = -INFINITY, sum = 0;
    size_t k = 0;
    for (size_t i = 0; i < p->nseries; i++)
        for (size_t j = 0; !is_image(&p->series[i]) && j < p->series[i].n; j++) {
            lo = fmin(lo, p->series[i].y[j]);
            hi = fmax(hi, p->series[i].y[j]);
        }
    for (size_t i = 0; i < p->nseries && hi > lo; i++)
        if (!is_image(&p->series[i]) && p->series[i].n) {
            sum += (p->series[i].y[p->series[i].n - 1] - lo) / (hi - lo);
            k++;
        }
    return k && sum / (double)k > 0.5;
}

/* Tic labels of a log axis over [lo, hi], in one notation: plain numbers
 * where %g writes every decade plainly (1e-4 .. 1e5), else all as 1eN. */
static const char *log_format(double lo, double hi)
{
    return lo >= 1e-4 && hi < 1e5 ? "%g" : "1e%L";
}

static void write_panel(const td_plot_fig *f, const td_plot_panel *p, size_t *block,
                        td_out *o)
{
    int image = 0;
    for (size_t i = 0; i < p->nseries; i++) image |= is_image(&p->series[i]);
    int logy = p->logy < 0 ? td_plot_auto_log(p) : p->logy;
    td_out_puts(o, "\nunset object; unset arrow; unset label; unset logscale; unset offsets\n"
                   "set autoscale; set grid\n");
    if (f->npanels > 1) /* inside the panel, in the corner the curves' ends leave free */
        td_out_printf(o, "set key %s right noautotitle font \",8\" samplen 1.5\n",
                      ends_high(p) ? "bottom" : "top");
    else
        td_out_puts(o, "set key below noautotitle\n");
    if (p->title) { /* a panel's own title */
        td_out_puts(o, "set title ");
        td_plot_gp_string(o, p->title);
    } else { /* the figure's: the page heads it already, so only in the PDF */
        td_out_puts(o, "unset title; if (exists(\"td_batch\")) { set title ");
        td_plot_gp_string(o, f->npanels == 1 ? f->title : "");
        td_out_puts(o, " }");
    }
    td_out_puts(o, "\nset xlabel ");
    td_plot_gp_string(o, p->xlabel);
    td_out_puts(o, "\nset ylabel ");
    td_plot_gp_string(o, p->ylabel);
    td_out_puts(o, "\n");
    double xlo = INFINITY, xhi = -INFINITY, ylo, yhi;
    for (size_t i = 0; i < p->nseries; i++)
        for (size_t k = 0; k < p->series[i].n; k++)
            if (p->series[i].x[k] > 0) { xlo = fmin(xlo, p->series[i].x[k]); xhi = fmax(xhi, p->series[i].x[k]); }
    if (p->logx) td_out_printf(o, "set logscale x\nset format x \"%s\"\n", log_format(xlo, xhi));
    if (p->nxtics) {
        td_out_puts(o, "set xtics rotate by 30 right (");
        for (size_t i = 0; i < p->nxtics; i++) {
            if (i) td_out_puts(o, ", ");
            td_plot_gp_string(o, p->xtics[i]);
            td_out_printf(o, " %zu", i);
        }
        td_out_printf(o, ")\nset xrange [-0.5:%zu.5]\n", p->nxtics - 1);
    }
    if (logy) td_out_printf(o, "set logscale y\nset format y \"%s\"\n",
                            y_cover(p, 1, &ylo, &yhi) ? log_format(ylo, yhi) : "%g");
    if (image) write_image_setup(p, o);
    int bars = 0;
    for (size_t i = 0; i < p->nseries; i++) bars |= p->series[i].style == TD_PLOT_BOXES;
    if (!image && !bars && !logy) /* curves at their extremes stay inside the frame */
        td_out_puts(o, "set offsets 0, 0, graph 0.05, graph 0.05\n");
    for (size_t i = 0; i < p->nseries; i++) /* bars: from 0, as wide as their bins */
        if (p->series[i].style == TD_PLOT_BOXES && p->series[i].n) {
            const td_plot_series *s = &p->series[i];
            double w = s->n > 1 ? s->x[1] - s->x[0] : 0;
            if (!(w > 0) || !isfinite(w)) w = fabs(s->x[0]) > 0 && isfinite(s->x[0]) ? fabs(s->x[0]) * 0.1 : 0.1;
            if (!isfinite(w)) w = 0.1;
            td_out_printf(o, "set boxwidth %.9g absolute\nset yrange [0:*]\n", w);
            if (s->n == 1) set_range(o, "x", s->x[0] - 5 * w, s->x[0] + 5 * w);
            break;
        }
    double lo, hi;
    if (!image && !p->logx && !p->nxtics && x_cover(p, &lo, &hi)) set_range(o, "x", lo, hi);
    if (!image && p->nbands && y_cover(p, logy, &lo, &hi)) set_range(o, "y", lo, hi);
    if (logy && !image && y_cover(p, logy, &lo, &hi) && lo > 0 && isfinite(hi) && hi / lo < 400) {
        /* under about two decades gnuplot labels one tic or none: 1-2-5 tics */
        td_out_puts(o, "set ytics (");
        int k = 0;
        for (double dec = pow(10, floor(log10(lo))); dec <= hi; dec *= 10)
            for (int m = 0; m < 3; m++) {
                double v = dec * (m == 0 ? 1 : m == 1 ? 2 : 5);
                if (v >= lo && v <= hi) td_out_printf(o, "%s%.3g", k++ ? ", " : "", v);
            }
        td_out_puts(o, ")\n");
    }
    int obj = 0;
    for (size_t i = 0; i < p->nbands; i++) {
        const td_plot_band *b = &p->bands[i];
        if (!band_drawn(b, logy)) continue;
        int xr = isfinite(b->x0) && isfinite(b->x1);
        char lo[40];
        /* on a log axis a band reaching 0 or below is drawn from the bottom */
        if (logy && b->lo <= 0) snprintf(lo, sizeof lo, "graph 0");
        else snprintf(lo, sizeof lo, "first %.9g", b->lo);
        td_out_printf(o, "set object %d rect from %s%.9g, %s to %s%.9g, first %.9g "
                         "behind fc rgb \"%s\" fs solid 0.6 noborder\n", ++obj,
                      xr ? "first " : "graph ", xr ? b->x0 : 0.0, lo,
                      xr ? "first " : "graph ", xr ? b->x1 : 1.0, b->hi, pl_band_fill[i % 4]);
    }
    for (size_t i = 0; i < p->nspans; i++) {
        const td_plot_span *s = &p->spans[i];
        if (!isfinite(s->x0) || !isfinite(s->x1)) continue;
        td_out_printf(o, "set object %d rect from first %.9g, graph 0 to first %.9g, graph 1 "
                         "behind fc rgb \"%s\" fs solid 0.7 noborder\n",
                      ++obj, s->x0, s->x1, pl_span_fill[i % 4]);
    }
    int lab = 0;
    for (size_t i = 0; i < p->nlabels; i++) {
        const td_plot_label *l = &p->labels[i];
        if (!isfinite(l->x) || !isfinite(l->y)) continue;
        td_out_printf(o, "set label %d ", ++lab);
        td_plot_gp_string(o, l->text);
        td_out_printf(o, " at first %.9g, first %.9g left front font \",9\" tc rgb \"%s\"\n",
                      l->x, l->y, pl_mark_color);
    }
    for (size_t i = 0; i < p->nmarks; i++) {
        const td_plot_mark *m = &p->marks[i];
        if (!isfinite(m->x)) continue;
        td_out_printf(o, "set arrow %zu from first %.9g, graph 0 to first %.9g, graph 1 "
                         "nohead front lw 1.5 dt 2 lc rgb \"%s\"\n",
                      i + 1, m->x, m->x, pl_mark_color);
        td_out_printf(o, "set label %d ", ++lab);
        td_plot_gp_string(o, m->label);
        td_out_printf(o, " at first %.9g, graph 0.98 rotate by 90 right front offset -0.7,0 "
                         "font \",9\" tc rgb \"%s\"\n", m->x, pl_mark_color);
    }
    size_t ndrawn = 0;
    for (size_t i = 0; i < p->nseries; i++) ndrawn += drawn(&p->series[i]) != 0;
    if (!ndrawn) { /* nothing to draw: an empty, labelled frame instead of an error */
        td_out_puts(o, "unset logscale\nset label 99 \"no data\" at graph 0.5, 0.5 center\n"
                       "plot [0:1][0:1] 1/0 notitle\n");
        return;
    }
    td_out_puts(o, "plot");
    const char *sep = " ";
    for (size_t i = 0; i < p->nseries; i++) {
        const td_plot_series *s = &p->series[i];
        if (!drawn(s)) continue;
        if (s->style == TD_PLOT_IMAGE)
            td_out_printf(o, "%s\"%s.dat\" index %zu matrix with image pixels notitle", sep, f->id,
                          (*block)++);
        else if (s->style == TD_PLOT_RGB)
            td_out_printf(o, "%s\"%s.dat\" index %zu using 1:2:3:4:5 with rgbimage pixels notitle", sep,
                          f->id, (*block)++);
        else {
            td_out_printf(o, "%s\"%s.dat\" index %zu using 1:2 with %s lc rgb \"%s\"%s title ",
                          sep, f->id, (*block)++, pl_with[s->style],
                          s->color ? s->color : pl_colors[i % PL_NCOLORS], s->dashed ? " dt 2" : "");
            td_plot_gp_string(o, s->name);
        }
        sep = ", \\\n     ";
    }
    /* legend entries for the shaded regions and marks */
    for (size_t i = 0; i < p->nbands; i++) {
        if (!p->bands[i].label || !p->bands[i].label[0] || !band_drawn(&p->bands[i], logy))
            continue;
        td_out_printf(o, "%skeyentry with boxes fs solid 0.6 fc rgb \"%s\" title ", sep,
                      pl_band_fill[i % 4]);
        td_plot_gp_string(o, p->bands[i].label);
        sep = ", \\\n     ";
    }
    for (size_t i = 0; i < p->nspans; i++) {
        if (!p->spans[i].label || !p->spans[i].label[0]) continue;
        td_out_printf(o, "%skeyentry with boxes fs solid 0.7 fc rgb \"%s\" title ", sep,
                      pl_span_fill[i % 4]);
        td_plot_gp_string(o, p->spans[i].label);
        sep = ", \\\n     ";
    }
    td_out_puts(o, "\n");
}

td_code td_plot_write_gp(const td_plot_fig *f, td_out *o)
{
    size_t n = f->npanels ? f->npanels : 1;
    size_t cols = 1, rows;
    while (n > 2 && cols * cols < n && cols < 4) cols++; /* two panels: one above the other */
    rows = (n + cols - 1) / cols;
    int w = f->width, h = f->height;
    if (n > 1) {
        if (w < 300 * (int)cols) w = 300 * (int)cols;
        h = 270 * (int)rows;
    }
    td_out_printf(o,
        "# %s.gp: made by tdiag %s. Redraw with 'gnuplot %s.gp' in this folder\n"
        "# (writes %s.svg; gnuplot -e \"fmt='png'\" %s.gp writes %s.png).\n"
        "# Data: %s.dat, one 'index' block per series.\n"
        "reset\n"
        "if (!exists(\"fmt\")) fmt = \"svg\"\n"
        "if (!exists(\"td_batch\")) {\n"
        "    if (fmt eq \"png\") {\n"
        "        set terminal pngcairo size %d,%d noenhanced font \"sans,10\" background \"#ffffff\"\n"
        "        set output \"%s.png\"\n"
        "    } else {\n"
        "        set terminal svg size %d,%d noenhanced font \"sans,11\" background \"#ffffff\"\n"
        "        set output \"%s.svg\"\n"
        "    }\n"
        "}\n"
        "set termoption noenhanced\n"
        "set encoding utf8\n",
        f->id, TD_VERSION, f->id, f->id, f->id, f->id, f->id, w, h, f->id, w, h, f->id);
    if (n > 1) { /* the figure's title only in the PDF: the page heads the SVG already */
        td_out_printf(o, "if (exists(\"td_batch\")) { set multiplot layout %zu,%zu title ", rows, cols);
        td_plot_gp_string(o, f->title);
        td_out_printf(o, " } else { set multiplot layout %zu,%zu }\n", rows, cols);
    }
    size_t block = 0;
    for (size_t p = 0; p < f->npanels; p++) write_panel(f, f->panels[p], &block, o);
    if (!f->npanels) td_out_puts(o, "plot [0:1][0:1] 1/0 notitle\n");
    if (n > 1) td_out_puts(o, "unset multiplot\n");
    td_out_puts(o, "if (!exists(\"td_batch\")) { unset output }\n");
    return o->failed ? TD_EIO : TD_OK;
}

td_code td_report_write_pdf_gp(const td_report *r, td_out *o)
{
    td_out_printf(o, "# report.gp: every figure of this report into report.pdf (tdiag %s).\n"
                     "# Run 'gnuplot report.gp' in this folder.\n"
                     "td_batch = 1\n"
                     "set terminal pdfcairo size 9in,5in noenhanced font \"sans,9\"\n"
                     "set output \"report.pdf\"\n", TD_VERSION);
    for (size_t i = 0; i < r->nfigs; i++) td_out_printf(o, "load \"%s.gp\"\n", r->figs[i]->id);
    td_out_puts(o, "unset output\n");
    return o->failed ? TD_EIO : TD_OK;
}
