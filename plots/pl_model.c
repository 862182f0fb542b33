/* pl_model.c — building reports: figures, panels, series, bands, marks,
 * spans and findings; every add copies its inputs; td_report_free frees all. */
#include "td_plot.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static char *dup_or_null(const char *s, int *fail)
{
    if (!s) return NULL;
    char *d = strdup(s);
    if (!d) *fail = 1;
    return d;
}

/* Return arr (elements of size sz, n used, *cap allocated) grown so that
 * one more fits, or NULL (arr untouched) on failure. */
static void *grow_arr(void *arr, size_t *cap, size_t n, size_t sz)
{
    if (n < *cap) return arr;
    size_t nc = *cap ? *cap * 2 : 4, bytes;
    if (td_mul_size(nc, sz, &bytes)) return NULL;
    void *p = realloc(arr, bytes);
    if (p) *cap = nc;
    return p;
}

/* Capacities are kept beside the public counts, in the hidden tail of the
 * allocation, so the public structs stay plain. */
typedef struct { td_plot_panel p; size_t cs, cb, cm, cx, cl; } panel_box;
typedef struct { td_plot_fig f; size_t cp; } fig_box;
typedef struct { td_report r; size_t cf, cfind, cn, ci; } report_box;

td_report *td_report_new(const char *title)
{
    report_box *b = calloc(1, sizeof *b);
    if (!b) return NULL;
    int fail = 0;
    b->r.title = dup_or_null(title ? title : "tdiag report", &fail);
    b->r.columns = 1000;
    if (fail) { free(b); return NULL; }
    return &b->r;
}

static void panel_free(td_plot_panel *p)
{
    if (!p) return;
    free(p->title); free(p->xlabel); free(p->ylabel);
    for (size_t i = 0; i < p->nseries; i++) {
        free(p->series[i].name); free(p->series[i].x);
        free(p->series[i].y); free(p->series[i].z);
    }
    for (size_t i = 0; i < p->nbands; i++) free(p->bands[i].label);
    for (size_t i = 0; i < p->nmarks; i++) free(p->marks[i].label);
    for (size_t i = 0; i < p->nspans; i++) free(p->spans[i].label);
    for (size_t i = 0; i < p->nxtics; i++) free(p->xtics[i]);
    free(p->xtics);
    for (size_t i = 0; i < p->nlabels; i++) free(p->labels[i].text);
    free(p->labels);
    free(p->series); free(p->bands); free(p->marks); free(p->spans);
    free(p);
}

static void fig_free(td_plot_fig *f)
{
    if (!f) return;
    for (size_t i = 0; i < f->npanels; i++) panel_free(f->panels[i]);
    free(f->panels); free(f->title); free(f->caption);
    free(f);
}

void td_report_free(td_report *r)
{
    if (!r) return;
    for (size_t i = 0; i < r->nfigs; i++) fig_free(r->figs[i]);
    for (size_t i = 0; i < r->nfindings; i++) {
        free(r->findings[i].source); free(r->findings[i].text);
    }
    for (size_t i = 0; i < r->nnotes; i++) free(r->notes[i]);
    for (size_t i = 0; i < r->ninputs; i++) free(r->inputs[i]);
    free(r->inputs);
    free(r->figs); free(r->findings); free(r->notes); free(r->title);
    free(r);
}

td_plot_fig *td_report_fig(td_report *r, const char *title, const char *caption)
{
    report_box *rb = (report_box *)r;
    void *g = grow_arr(r->figs, &rb->cf, r->nfigs, sizeof *r->figs);
    if (!g) return NULL;
    r->figs = g;
    fig_box *b = calloc(1, sizeof *b);
    if (!b) return NULL;
    int fail = 0;
    td_plot_fig *f = &b->f;
    f->title = dup_or_null(title ? title : "", &fail);
    f->caption = dup_or_null(caption ? caption : "", &fail);
    if (fail) { fig_free(f); return NULL; }
    snprintf(f->id, sizeof f->id, "fig%02zu", r->nfigs + 1);
    f->width = 900;
    f->height = 450;
    f->columns = r->columns;
    r->figs[r->nfigs++] = f;
    return f;
}

int td_report_fig_index(const td_report *r, const td_plot_fig *f)
{
    for (size_t i = 0; r && f && i < r->nfigs; i++)
        if (r->figs[i] == f) return (int)i;
    return -1;
}

td_plot_panel *td_plot_fig_panel(td_plot_fig *f, const char *title,
                                 const char *xlabel, const char *ylabel)
{
    fig_box *fb = (fig_box *)f;
    void *g = grow_arr(f->panels, &fb->cp, f->npanels, sizeof *f->panels);
    if (!g) return NULL;
    f->panels = g;
    panel_box *b = calloc(1, sizeof *b);
    if (!b) return NULL;
    int fail = 0;
    td_plot_panel *p = &b->p;
    p->title = dup_or_null(title, &fail);
    p->xlabel = dup_or_null(xlabel, &fail);
    p->ylabel = dup_or_null(ylabel, &fail);
    p->logx = 0;
    p->logy = -1;
    if (fail) { panel_free(p); return NULL; }
    f->panels[f->npanels++] = p;
    return p;
}

/* A new zeroed series slot at the end of p->series, or NULL. */
static td_plot_series *series_slot(td_plot_panel *p, const char *name)
{
    panel_box *b = (panel_box *)p;
    void *g = grow_arr(p->series, &b->cs, p->nseries, sizeof *p->series);
    if (!g) return NULL;
    p->series = g;
    td_plot_series *s = &p->series[p->nseries];
    memset(s, 0, sizeof *s);
    s->name = strdup(name ? name : "");
    return s->name ? s : NULL;
}

td_code td_plot_add_series(td_plot_fig *f, td_plot_panel *p, const char *name,
                           td_plot_style style, const double *x, const double *y,
                           size_t n)
{
    td_plot_series *s = series_slot(p, name);
    if (!s) return TD_ENOMEM;
    size_t room = f->columns && n > 4 * f->columns ? 4 * f->columns : n;
    s->x = malloc((room ? room : 1) * sizeof *s->x);
    s->y = malloc((room ? room : 1) * sizeof *s->y);
    if (!s->x || !s->y) {
        free(s->x); free(s->y); free(s->name);
        return TD_ENOMEM;
    }
    s->style = style;
    s->n_in = n;
    s->n = td_plot_reduce(x, y, n, style == TD_PLOT_BOXES ? 0 : f->columns, s->x, s->y);
    p->nseries++;
    return TD_OK;
}

static td_code add_matrix(td_plot_panel *p, const char *name, const double *z,
                         size_t rows, size_t cols, size_t depth, td_plot_style style)
{
    size_t cells, vals, bytes;
    if (td_mul_size(rows, cols, &cells) || td_mul_size(cells, depth, &vals) ||
        td_mul_size(vals, sizeof(double), &bytes))
        return TD_ENOMEM;
    td_plot_series *s = series_slot(p, name);
    if (!s) return TD_ENOMEM;
    s->z = malloc(bytes ? bytes : 1);
    if (!s->z) { free(s->name); return TD_ENOMEM; }
    if (bytes) memcpy(s->z, z, bytes);
    s->style = style;
    s->rows = rows;
    s->cols = cols;
    s->n_in = cells;
    p->nseries++;
    return TD_OK;
}

td_code td_plot_add_image(td_plot_panel *p, const char *name, const double *z,
                          size_t rows, size_t cols)
{
    return add_matrix(p, name, z, rows, cols, 1, TD_PLOT_IMAGE);
}

td_code td_plot_add_rgb(td_plot_panel *p, const char *name, const double *rgb,
                        size_t rows, size_t cols)
{
    return add_matrix(p, name, rgb, rows, cols, 3, TD_PLOT_RGB);
}

td_code td_plot_add_band(td_plot_panel *p, double lo, double hi, const char *label)
{
    return td_plot_add_band_x(p, lo, hi, NAN, NAN, label);
}

td_code td_plot_add_band_x(td_plot_panel *p, double lo, double hi, double x0, double x1,
                           const char *label)
{
    panel_box *b = (panel_box *)p;
    void *g = grow_arr(p->bands, &b->cb, p->nbands, sizeof *p->bands);
    if (!g) return TD_ENOMEM;
    p->bands = g;
    char *l = strdup(label ? label : "");
    if (!l) return TD_ENOMEM;
    p->bands[p->nbands++] = (td_plot_band){lo < hi ? lo : hi, lo < hi ? hi : lo, x0, x1, l};
    return TD_OK;
}

td_code td_plot_add_mark(td_plot_panel *p, double x, const char *label)
{
    panel_box *b = (panel_box *)p;
    void *g = grow_arr(p->marks, &b->cm, p->nmarks, sizeof *p->marks);
    if (!g) return TD_ENOMEM;
    p->marks = g;
    char *l = strdup(label ? label : "");
    if (!l) return TD_ENOMEM;
    p->marks[p->nmarks++] = (td_plot_mark){x, l};
    return TD_OK;
}

td_code td_plot_add_span(td_plot_panel *p, double x0, double x1, const char *label)
{
    panel_box *b = (panel_box *)p;
    void *g = grow_arr(p->spans, &b->cx, p->nspans, sizeof *p->spans);
    if (!g) return TD_ENOMEM;
    p->spans = g;
    char *l = strdup(label ? label : "");
    if (!l) return TD_ENOMEM;
    p->spans[p->nspans++] = (td_plot_span){x0 < x1 ? x0 : x1, x0 < x1 ? x1 : x0, l};
    return TD_OK;
}

td_code td_plot_set_xtics(td_plot_panel *p, const char *const *labels, size_t n)
{
    for (size_t i = 0; i < p->nxtics; i++) free(p->xtics[i]);
    free(p->xtics);
    p->nxtics = 0;
    p->xtics = calloc(n ? n : 1, sizeof *p->xtics);
    if (!p->xtics) return TD_ENOMEM;
    for (; p->nxtics < n; p->nxtics++)
        if (!(p->xtics[p->nxtics] = strdup(labels[p->nxtics] ? labels[p->nxtics] : "")))
            return TD_ENOMEM;
    return TD_OK;
}

td_code td_plot_fig_caption_drawn(td_plot_fig *f)
{
    td_buf b = {0};
    td_out o = td_out_buf(&b);
    td_out_puts(&o, f->caption ? f->caption : "");
    static const char *const what[] = {"Dashed red lines: ", "Shaded spans: ", "Shaded bands: "};
    int any = 0;
    for (int kind = 0; kind < 3; kind++) {
        int n = 0;
        for (size_t i = 0; i < f->npanels; i++) {
            const td_plot_panel *p = f->panels[i];
            size_t cnt = kind == 0 ? p->nmarks : kind == 1 ? p->nspans : p->nbands;
            for (size_t k = 0; k < cnt; k++) {
                const char *l = kind == 0 ? p->marks[k].label : kind == 1 ? p->spans[k].label
                                                                          : p->bands[k].label;
                if (n == 0) td_out_printf(&o, "%s%s", any ? ". " : " ", what[kind]);
                else td_out_puts(&o, "; ");
                td_out_puts(&o, l && l[0] ? l : "(unnamed)");
                n++;
            }
        }
        any |= n > 0;
    }
    td_out_puts(&o, any ? "." : " No finding is drawn on it.");
    if (o.failed) { td_buf_free(&b); return TD_ENOMEM; }
    free(f->caption);
    f->caption = b.data;
    return TD_OK;
}

td_code td_report_add_finding(td_report *r, td_plot_level level, const char *source,
                              const char *text, int fig)
{
    report_box *b = (report_box *)r;
    void *g = grow_arr(r->findings, &b->cfind, r->nfindings, sizeof *r->findings);
    if (!g) return TD_ENOMEM;
    r->findings = g;
    char *s = strdup(source ? source : ""), *t = strdup(text ? text : "");
    if (!s || !t) { free(s); free(t); return TD_ENOMEM; }
    r->findings[r->nfindings++] = (td_report_finding){level, s, t, fig, r->ninputs ? (int)r->ninputs - 1 : -1};
    return TD_OK;
}

td_code td_report_add_note(td_report *r, const char *text)
{
    report_box *b = (report_box *)r;
    void *g = grow_arr(r->notes, &b->cn, r->nnotes, sizeof *r->notes);
    if (!g) return TD_ENOMEM;
    r->notes = g;
    char *t = strdup(text ? text : "");
    if (!t) return TD_ENOMEM;
    r->notes[r->nnotes++] = t;
    return TD_OK;
}

td_code td_report_add_input(td_report *r, const char *name)
{
    report_box *b = (report_box *)r;
    void *g = grow_arr(r->inputs, &b->ci, r->ninputs, sizeof *r->inputs);
    if (!g) return TD_ENOMEM;
    r->inputs = g;
    char *t = strdup(name ? name : "input");
    if (!t) return TD_ENOMEM;
    r->inputs[r->ninputs++] = t;
    return TD_OK;
}

td_code td_plot_add_label(td_plot_panel *p, double x, double y, const char *text)
{
    panel_box *b = (panel_box *)p;
    void *g = grow_arr(p->labels, &b->cl, p->nlabels, sizeof *p->labels);
    if (!g) return TD_ENOMEM;
    p->labels = g;
    char *t = strdup(text ? text : "");
    if (!t) return TD_ENOMEM;
    p->labels[p->nlabels++] = (td_plot_label){x, y, t};
    return TD_OK;
}

int td_plot_auto_log(const td_plot_panel *p)
{
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < p->nseries; i++) {
        const td_plot_series *s = &p->series[i];
        if (s->style >= TD_PLOT_BOXES) return 0; /* bars and images: linear */
        for (size_t k = 0; k < s->n; k++) {
            if (s->y[k] <= 0) return 0;
            if (s->y[k] < lo) lo = s->y[k];
            if (s->y[k] > hi) hi = s->y[k];
        }
    }
    return hi > lo && hi / lo >= 100.0;
}
