/* td_plot.h — figures and reports: a small figure model (series, bands,
 * marks, spans, log axes, captions, small multiples), a report (a findings
 * list + figures), and writers for gnuplot scripts, their data files and an
 * offline index.html. Every writer can target a td_out, so tests need no
 * files; td_report_write_dir() writes a whole report directory atomically
 * and runs gnuplot on it.
 *
 * Trust: titles, series names, labels and findings may come from logs and
 * dumps. They are stored as given and escaped on output: td_plot_gp_string()
 * for gnuplot (octal escapes, so no quote, backtick, '@', '$' or newline
 * reaches the script text) and td_plot_html_text() for the page. File names
 * in a report are made by the library ("fig01.gp"), never from a name.
 *
 * Layout of a report directory:
 *   index.html           findings list (each links to its figure) + figures
 *   figNN.gp             readable gnuplot script: `gnuplot figNN.gp` redraws
 *                        figNN.svg (or figNN.png with -e "fmt='png'")
 *   figNN.dat            its data, one gnuplot `index` block per series
 *   report.gp            draws every figure into report.pdf (--pdf)
 *   gnuplot.log          what gnuplot printed while rendering
 */
#ifndef TD_PLOT_H
#define TD_PLOT_H

#include "td.h"

#include <signal.h>

/* ---- escaping untrusted text --------------------------------------------- */
/* Copy s into a fresh string with invalid UTF-8 bytes and control
 * characters (C0, DEL) replaced by '?'. Returns NULL on allocation failure;
 * s == NULL gives "". The result is what every writer prints. */
char *td_plot_clean(const char *s);
/* Write s (cleaned as above) as a gnuplot double-quoted string literal,
 * quotes included. Letters, digits, space and ",.:;_+-=/%()[]" are written
 * as they are; every other byte as a \ooo octal escape, which gnuplot turns
 * back into that byte only after the line is parsed: a backtick, '@', '$',
 * quote or backslash in s never acts as syntax. A digit right after an
 * escape is escaped too (gnuplot reads "\0433" as one escape). Scripts also set
 * `noenhanced`, so '^', '_', '{' and '&' show as themselves. */
void td_plot_gp_string(td_out *o, const char *s);
/* Write s (cleaned as above) as HTML text: & < > " ' become entities. */
void td_plot_html_text(td_out *o, const char *s);

/* ---- reducing long series -------------------------------------------------- */
/* M4 reduction ("per pixel column"): split [x_min, x_max] into `columns`
 * equal columns and keep, in each, the first, the lowest, the highest and
 * the last point, in their original order; so every spike survives and the
 * line drawn through the result covers the same pixels as the full series.
 * Points with a non-finite x or y are left out (the adapters mark
 * divergence separately). When x is not ascending, columns are runs of
 * equal point counts instead. xo/yo need room for min(n, 4*columns) points.
 * Returns the number of points written; columns == 0 keeps every finite
 * point. */
size_t td_plot_reduce(const double *x, const double *y, size_t n, size_t columns,
                      double *xo, double *yo);

/* ---- figure model ---------------------------------------------------------- */
typedef enum {
    TD_PLOT_LINES = 0, TD_PLOT_POINTS, TD_PLOT_LINESPOINTS,
    TD_PLOT_CROSSES,   /* x marks (e.g. infeasible trials) */
    TD_PLOT_BOXES,     /* histogram bars: x = bin centre, y = count or share */
    TD_PLOT_IMAGE,     /* matrix z (rows, cols), drawn as an image; NaN = gap */
    TD_PLOT_RGB        /* z (rows, cols, 3) in [0, 1], drawn as a colour image */
} td_plot_style;

typedef struct {
    char *name;            /* legend entry (untrusted) */
    td_plot_style style;
    size_t n;              /* points kept after reduction */
    size_t n_in;           /* points given */
    double *x, *y;         /* (n) */
    size_t rows, cols;     /* TD_PLOT_IMAGE / TD_PLOT_RGB only */
    double *z;             /* (rows, cols) or (rows, cols, 3) row-major */
    int dashed;            /* draw dashed (e.g. validation) */
    const char *color;     /* "#rrggbb" (a library constant, never a name), NULL: palette */
} td_plot_series;

typedef struct {             /* lo <= y <= hi shaded, over x0..x1 (NaN: all x) */
    double lo, hi, x0, x1;
    char *label;
} td_plot_band;
typedef struct { double x; char *label; } td_plot_mark;      /* vertical line at x */
typedef struct { double x0, x1; char *label; } td_plot_span; /* x0 <= x <= x1, shaded */
typedef struct { double x, y; char *text; } td_plot_label;   /* text at (x, y), data units */

/* One plot: a figure has one panel, or several drawn as small multiples. */
typedef struct {
    char *title, *xlabel, *ylabel;
    int logx, logy;        /* 1 log, 0 linear, -1 auto (see td_plot_auto_log) */
    td_plot_series *series; size_t nseries;
    td_plot_band *bands;    size_t nbands;
    td_plot_mark *marks;    size_t nmarks;
    td_plot_span *spans;    size_t nspans;
    char **xtics;          size_t nxtics; /* category labels at x = 0, 1, ... (untrusted) */
    td_plot_label *labels; size_t nlabels; /* e.g. tile numbers on an image */
} td_plot_panel;

typedef struct {
    char id[16];           /* file stem, "fig01"; set by td_report_fig */
    char *title, *caption;
    td_plot_panel **panels; size_t npanels;
    int width, height;     /* pixels of one panel in the SVG/PNG */
    size_t columns;        /* reduction columns for its series (report's) */
} td_plot_fig;

typedef enum { TD_PLOT_INFO = 0, TD_PLOT_WARN, TD_PLOT_ERROR } td_plot_level;

typedef struct {
    td_plot_level level;
    char *source;          /* tool or input it came from (untrusted) */
    char *text;            /* one line (untrusted) */
    int fig;               /* index into figs of the figure showing it, or -1 */
    int input;             /* index into the report's inputs, or -1 (see td_report_add_input) */
} td_report_finding;

typedef struct {
    char *title;
    size_t columns;        /* reduction columns for new figures; default 1000 */
    td_plot_fig **figs;    size_t nfigs;
    td_report_finding *findings; size_t nfindings;
    char **notes;          size_t nnotes; /* lines shown under the findings */
    char **inputs;         size_t ninputs; /* what was read, one verdict each at the top */
} td_report;

/* New empty report; NULL on allocation failure. */
td_report *td_report_new(const char *title);
void td_report_free(td_report *r); /* r may be NULL */
/* Append a figure (id "figNN" by position); NULL on allocation failure. */
td_plot_fig *td_report_fig(td_report *r, const char *title, const char *caption);
/* Append a panel to f with logx = 0, logy = -1 (auto); NULL on failure. */
td_plot_panel *td_plot_fig_panel(td_plot_fig *f, const char *title,
                                 const char *xlabel, const char *ylabel);
/* Append a series, copying x/y (n) through td_plot_reduce with the
 * figure's columns (p must belong to f). TD_ENOMEM on failure. */
td_code td_plot_add_series(td_plot_fig *f, td_plot_panel *p, const char *name,
                           td_plot_style style, const double *x, const double *y,
                           size_t n);
/* Append an image series: z (rows, cols) copied. Values >= 0 only: grey
 * scale from min to max; else a blue-white-red scale centred on 0. */
td_code td_plot_add_image(td_plot_panel *p, const char *name, const double *z,
                          size_t rows, size_t cols);
/* Append a colour image: rgb (rows, cols, 3), channels in [0, 1], copied;
 * NaN pixels are drawn white. */
td_code td_plot_add_rgb(td_plot_panel *p, const char *name, const double *rgb,
                        size_t rows, size_t cols);
td_code td_plot_add_band(td_plot_panel *p, double lo, double hi, const char *label);
/* A band over x0 <= x <= x1 only (e.g. a noise band over the late run). */
td_code td_plot_add_band_x(td_plot_panel *p, double lo, double hi, double x0, double x1,
                           const char *label);
td_code td_plot_add_mark(td_plot_panel *p, double x, const char *label);
td_code td_plot_add_span(td_plot_panel *p, double x0, double x1, const char *label);
/* Label x = 0..n-1 with names (copied; escaped on output). */
td_code td_plot_set_xtics(td_plot_panel *p, const char *const *labels, size_t n);
/* Append to f's caption one sentence naming what is drawn on it: the
 * dashed red lines (marks), shaded spans and bands by their labels, or
 * that nothing is (so a caption never promises a mark that is not there). */
td_code td_plot_fig_caption_drawn(td_plot_fig *f);
/* Append a finding; fig is the index of the figure showing it, or -1. */
td_code td_report_add_finding(td_report *r, td_plot_level level, const char *source,
                              const char *text, int fig);
td_code td_report_add_note(td_report *r, const char *text);
/* Start a new input (a run, a dump, a gradcheck result, a study; name
 * copied): the findings added after it count towards its verdict at the
 * top of the page (healthy, or how many findings of which level). Every
 * adapter below calls it. TD_ENOMEM on failure. */
td_code td_report_add_input(td_report *r, const char *name);
/* Text at (x, y) in data units, drawn in front (copied; escaped on output). */
td_code td_plot_add_label(td_plot_panel *p, double x, double y, const char *text);
/* Index of figure f in r, or -1. */
int td_report_fig_index(const td_report *r, const td_plot_fig *f);

/* Log axis decision for logy == -1: log when every finite y of the panel's
 * line/point series is > 0 and max/min >= 100 (two decades or more). */
int td_plot_auto_log(const td_plot_panel *p);

/* ---- writers ------------------------------------------------------------- */
/* The data file of f: a header comment, then one block per series (image:
 * one matrix row per line), blocks separated by two blank lines. */
td_code td_plot_write_dat(const td_plot_fig *f, td_out *o);
/* The gnuplot script of f. It reads "<id>.dat" from the current directory
 * and writes "<id>.svg", or "<id>.png" when run with -e "fmt='png'"; when
 * the variable td_batch exists it leaves terminal and output alone (so
 * report.gp can draw every figure into one PDF). */
td_code td_plot_write_gp(const td_plot_fig *f, td_out *o);
/* report.gp: every figure into report.pdf. */
td_code td_report_write_pdf_gp(const td_report *r, td_out *o);
/* index.html. rendered[i] != 0 when figs[i]'s image exists (NULL: all);
 * ext is the image extension ("svg" or "png"). No external resource. */
td_code td_report_write_html(const td_report *r, const unsigned char *rendered,
                             const char *ext, td_out *o);

/* ---- the report directory ------------------------------------------------ */
typedef struct {
    int png;               /* also render PNGs (the page then uses them) */
    int pdf;               /* also render report.pdf */
    int render;            /* run gnuplot at all (default 1) */
    const char *gnuplot;   /* program name or path; NULL: "gnuplot" (PATH) */
    volatile sig_atomic_t *stop; /* when set and non-zero (a tool's signal
                              handler sets it): stop writing, gnuplot killed,
                              the temporary folder removed, TD_EIO "interrupted" */
} td_plot_opts;
void td_plot_opts_init(td_plot_opts *o);

typedef struct {
    int gnuplot_missing;   /* gnuplot could not be started: scripts written */
    size_t rendered;       /* figures drawn */
    size_t failed;         /* figures gnuplot failed on (see gnuplot.log) */
    int pdf;               /* report.pdf written */
} td_plot_result;

/* Write r into dir atomically: everything goes to a fresh temporary
 * directory next to dir (".<name>.tmp.XXXXXX"), gnuplot renders there, and
 * only then is it renamed into place. An existing dir is replaced only when
 * it is empty or holds a previous tdiag report (a ".tdiag-report" marker);
 * any other existing dir or file is TD_EIO and left untouched. On failure
 * the temporary directory is removed and dir is as it was. gnuplot missing
 * is not an error: res->gnuplot_missing is set and the page says how to
 * draw the figures. This is the call behind every tool's --report DIR. */
td_code td_report_write_dir(const td_report *r, const char *dir,
                            const td_plot_opts *opts, td_plot_result *res,
                            td_err *e);

/* The one line to print on stderr about gnuplot after a write (empty when
 * all figures were drawn): missing (scripts written) or failed (see
 * gnuplot.log). gnuplot is the program asked for (NULL: "gnuplot"). */
void td_plot_result_warning(const td_plot_result *res, const char *dir, const char *gnuplot,
                            char *buf, size_t cap);
/* A tool's --report DIR: td_report_write_dir with the default options, and
 * the warning above in warn (empty when none). */
td_code td_plot_report_to_dir(const td_report *r, const char *dir, char *warn, size_t cap, td_err *e);

/* ---- pieces of td_report_write_dir, exposed for tests ------------------- */
/* Create the temporary sibling of target; path receives it (cap bytes). */
td_code td_plot_tmpdir(const char *target, char *path, size_t cap, td_err *e);
/* Whether target may become a report: TD_OK (*exists 0 when it does not
 * exist), or TD_EIO when it exists and is not a directory or not a tdiag
 * report (checked before anything is written, and again at the commit). */
td_code td_plot_check_target(const char *target, int *exists, td_err *e);
/* Remove the temporary siblings of target that an interrupted run left
 * (".<name>.tmp.XXXXXX" directories, no symlink, holding a report marker
 * or nothing, whose writer is gone: a live one holds flock on it).
 * Returns how many were removed. */
int td_plot_clean_stale(const char *target);
/* Move the finished tmp into target (replacing a previous report, see
 * above). On failure tmp is left for the caller to remove. */
td_code td_plot_commit_dir(const char *tmp, const char *target, td_err *e);
/* buf = "dir/name"; 0, or -1 when it does not fit in cap. */
int td_plot_path(char *buf, size_t cap, const char *dir, const char *name);
/* Remove a directory tree (no link is followed). 0 or -1. */
int td_plot_rmtree(const char *path);
/* Write a file of dir through a td_out writer. */
td_code td_plot_write_file(const char *dir, const char *name,
                           td_code (*fn)(const void *obj, td_out *o),
                           const void *obj, td_err *e);

/* Run `prog args...` in directory dir without a shell (fork/execvp),
 * stdout and stderr appended to log_path (NULL: /dev/null).
 * Returns TD_OK with *status = exit status (or 128+signal), or TD_EIO with
 * *status = -1 when prog cannot be started (not found). */
td_code td_plot_run(const char *prog, const char *const *args, const char *dir,
                    const char *log_path, int *status, td_err *e);
/* The same, killing prog (and reaping it) as soon as *stop becomes non-zero
 * (stop may be NULL): TD_EIO "interrupted". */
td_code td_plot_run_until(const char *prog, const char *const *args, const char *dir,
                          const char *log_path, volatile sig_atomic_t *stop, int *status, td_err *e);

/* ---- adapters: each tool's results as figures and findings ---------------- */
#include "td_curves.h"
#include "td_findings.h"
#include "td_dump.h"
#include "td_study.h"

/* The figures of one training run, with fs's findings drawn on them and
 * added to the report's list (fs may be NULL):
 *  - loss: primary train and validation loss (log y when they span two
 *    decades); overfitting, divergence (NaN/Inf, explosion, unrecovered
 *    spike) and learning-rate changes as vertical marks, plateaus
 *    (saturation) as spans, the late noise band (median ± 2σ of the tail);
 *  - accuracy: train and validation accuracy (or error) and, in a second
 *    panel, the train − validation gap;
 *  - other metrics (learning rate, grad norm, loss components, ...) as
 *    small multiples (at most 12).
 * A finding links to the figure of its metric. */
td_code td_plot_add_run(td_report *r, const td_run *run, const td_findings *fs, td_err *e);
/* curvecheck's judged runs (td_judged: run + findings) in one call: each
 * run's figures (the first max_runs; 0 = 8) and, with several, the overlay.
 * What curvecheck --report DIR needs before td_report_write_dir. */
td_code td_plot_add_judged(td_report *r, const td_judged *runs, size_t n, size_t max_runs,
                           td_err *e);
/* Several runs overlaid: each run's primary validation loss (else train
 * loss, else first series) on one figure. Nothing when n < 2. */
td_code td_plot_add_runs_overlay(td_report *r, const td_run *const *runs, size_t n,
                                 td_err *e);
/* Runs compared, metric by metric: for every series name that at least two
 * runs log (in first-seen order, at most max_figs; 0 = 8), one figure with
 * that metric of every run overlaid, named by run. Nothing when n < 2. */
td_code td_plot_add_runs_compare(td_report *r, const td_run *const *runs, size_t n, size_t max_figs,
                                 td_err *e);

/* The figures of HDF5 dumps (o: the options d was computed with, for the
 * judged band and the bin count; NULL: defaults), d's findings added to
 * the list, each linked to the figure that shows it:
 *  - update/weight ratio per layer over steps, log y, with the 1e-3
 *    reference band (x = layer depth when the dumps hold one step);
 *  - gradient RMS per layer against depth, log y;
 *  - activation, gradient and weight histograms per layer as small
 *    multiples (last step), the dead and saturated shares in the titles;
 *  - the first layer's weights as an image grid.
 * label prefixes the figure titles (e.g. the first file's name). */
td_code td_plot_add_dump(td_report *r, const td_dump *d, const td_dump_opts *o,
                         const char *label, td_err *e);

/* gradcheck --json output (text[0..len), from file source) as figures:
 * the max relative error of every tensor against the verdict bands of
 * seed 003 (<= 1e-7 correct, to 1e-4 only at kinks, to 1e-2 suspicious,
 * above wrong), log y, and the h sweep's U-curve (log-log) when present.
 * Tensors that are not correct and the tool's findings go to the list.
 * Malformed JSON or a document that is not gradcheck's is TD_EINPUT
 * "source: what is wrong". */
td_code td_plot_add_gradcheck_json(td_report *r, const char *source, const char *text,
                                   size_t len, td_err *e);

/* A hyperparameter study (studycheck's td_study and its report rep, which
 * may be NULL) as figures: the objective against every tuned
 * hyperparameter as small multiples (log x for log-scale ones, category
 * names for categorical ones), infeasible trials as red crosses on the
 * worst edge of the y range and the best trial circled; with
 * rep->scientific >= 0 the isolation plot (best objective per value or
 * bucket of the scientific hyperparameter). rep's findings and notes go to
 * the list, linked to those figures. */
td_code td_plot_add_study(td_report *r, const td_study *s, const td_study_report *rep,
                          const char *label, td_err *e);

#endif
