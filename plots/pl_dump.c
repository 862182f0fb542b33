/* pl_dump.c — adapter: dumpcheck's td_dump as figures: update/weight
 * ratios with the 1e-3 band, gradient RMS against depth, histograms per
 * layer as small multiples, first-layer weights as an image grid. */
#include "td_plot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PL_MAX_HIST 16     /* panels of a histogram figure */
#define PL_REF_LO 3e-4     /* the 1e-3 reference band: a factor ~3 around it */
#define PL_REF_HI 3e-3

#define NOMEM(e) td_fail(e, TD_ENOMEM, "out of memory")

/* Which figure shows a dumpcheck flag (a table): 0 ratio, 1 grad RMS,
 * 2 activation histograms, 3 weight histograms. */
enum { FIG_RATIO, FIG_GRAD, FIG_ACT, FIG_WEIGHT, FIG_N };
static const struct { unsigned flag; int fig; td_plot_level level; } flag_fig[] = {
    {TD_DF_NONFINITE, FIG_WEIGHT, TD_PLOT_ERROR},
    {TD_DF_DEAD_RELU, FIG_ACT, TD_PLOT_WARN},
    {TD_DF_SATURATED, FIG_ACT, TD_PLOT_WARN},
    {TD_DF_ZERO_ACT, FIG_ACT, TD_PLOT_WARN},
    {TD_DF_EXPLODING_ACT, FIG_ACT, TD_PLOT_WARN},
    {TD_DF_NEVER_MOVED, FIG_RATIO, TD_PLOT_WARN},
    {TD_DF_ZERO_ACCUM, FIG_WEIGHT, TD_PLOT_WARN},
    {TD_DF_VANISHING_GRAD, FIG_GRAD, TD_PLOT_WARN},
    {TD_DF_EXPLODING_GRAD, FIG_GRAD, TD_PLOT_WARN},
    {TD_DF_LR_HIGH, FIG_RATIO, TD_PLOT_WARN},
    {TD_DF_LR_LOW, FIG_RATIO, TD_PLOT_WARN},
    {TD_DF_INIT_SCALE, FIG_WEIGHT, TD_PLOT_WARN},
};

static int is_weight(const char *param)
{
    return param && (!strcmp(param, "kernel") || !strcmp(param, "weight") ||
                     !strcmp(param, "W") || !strcmp(param, "0"));
}

/* Name the depth axis 0..nlayers-1 with the layers' names (when the
 * depths are exactly those, as dumpcheck numbers them). */
static td_code depth_tics(td_plot_panel *p, const td_dump *d)
{
    const char **names = calloc(d->nlayers ? d->nlayers : 1, sizeof *names);
    if (!names) return TD_ENOMEM;
    int ok = d->nlayers > 0;
    for (size_t i = 0; ok && i < d->nlayers; i++) {
        int dep = d->layers[i].depth;
        if (dep < 0 || (size_t)dep >= d->nlayers || names[dep]) ok = 0;
        else names[dep] = d->layers[i].name;
    }
    td_code c = ok ? td_plot_set_xtics(p, names, d->nlayers) : TD_OK;
    free(names);
    return c;
}

/* Update/weight ratios: one series per (layer, param) over steps, or one
 * series over layer depth when every ratio has the same step. */
static int fig_ratio(td_report *r, const td_dump *d, const char *label, td_err *e)
{
    if (!d->nratios) return -1;
    int one_step = 1;
    for (size_t i = 1; i < d->nratios; i++) one_step &= d->ratios[i].step == d->ratios[0].step;
    char t[512];
    snprintf(t, sizeof t, "%s: update/weight ratio", label);
    td_plot_fig *f = td_report_fig(r, t, one_step
        ? "Update/weight ratio |dW|/|W| of each layer's parameters against layer depth "
          "(0 = input side, named on the axis), log y. The blue band is the 1e-3 rule of thumb (x3 either "
          "side): far above, the learning rate is too high; far below, too low."
        : "Update/weight ratio |dW|/|W| per step of each layer's parameters, log y. The "
          "blue band is the 1e-3 rule of thumb (x3 either side): far above, the learning "
          "rate is too high; far below, too low.");
    td_plot_panel *p = f ? td_plot_fig_panel(f, NULL, one_step ? "layer depth" : "step",
                                             "update / weight") : NULL;
    double *x = malloc(d->nratios * sizeof *x), *y = malloc(d->nratios * sizeof *y);
    if (!p || !x || !y) { free(x); free(y); NOMEM(e); return -2; }
    p->logy = 1;
    int rc = td_plot_add_band(p, PL_REF_LO, PL_REF_HI, "1e-3 reference band") ? -2 : 0;
    char *done = calloc(d->nratios, 1);
    if (!done) rc = -2;
    /* a ratio of 0 (never moved) has no place on a log axis: drawn apart,
       at a floor a decade below everything else */
    double floor = PL_REF_LO;
    for (size_t i = 0; i < d->nratios; i++)
        if (d->ratios[i].ratio > 0 && d->ratios[i].ratio < floor) floor = d->ratios[i].ratio;
    floor /= 10;
    /* group by (layer, param) in first-seen order; one_step: by param. Every
       group is named in the legend; its zeros (never moved) are its own points */
    double *zx = malloc(d->nratios * sizeof *zx), *zy = malloc(d->nratios * sizeof *zy);
    if (!zx || !zy) rc = -2;
    int zgroups = 0; /* zero groups one above the other, so none hides another */
    for (size_t i = 0; !rc && i < d->nratios; i++) {
        if (done[i]) continue;
        const td_dump_ratio *a = &d->ratios[i];
        size_t n = 0, nz = 0;
        for (size_t k = i; k < d->nratios; k++) {
            const td_dump_ratio *b = &d->ratios[k];
            int same = !strcmp(a->param, b->param) && (one_step || a->layer == b->layer);
            if (!same || done[k] || !(b->ratio >= 0)) continue;
            done[k] = 1;
            double bx = one_step ? (double)d->layers[b->layer].depth : (double)b->step;
            if (b->ratio > 0) { x[n] = bx; y[n++] = b->ratio; }
            else { zx[nz] = bx; zy[nz++] = floor * pow(1.5, zgroups); }
        }
        char name[300], zname[400];
        if (one_step) snprintf(name, sizeof name, "%s", a->param);
        else snprintf(name, sizeof name, "%s/%s", d->layers[a->layer].name, a->param);
        snprintf(zname, sizeof zname, "%s: ratio 0, never moved (drawn at %.1e)", name, floor * pow(1.5, zgroups));
        zgroups += nz > 0;
        if (n && td_plot_add_series(f, p, name, TD_PLOT_LINESPOINTS, x, y, n)) rc = -2;
        if (!rc && nz && td_plot_add_series(f, p, zname, TD_PLOT_POINTS, zx, zy, nz)) rc = -2;
    }
    free(zx); free(zy);
    free(done); free(x); free(y);
    if (!rc && one_step && depth_tics(p, d)) rc = -2;
    if (rc) { NOMEM(e); return -2; }
    return td_report_fig_index(r, f);
}

/* Gradient RMS of each layer's weight at the last step against depth; when
 * every one is 0 (no gradient reached the weights) the zeros themselves, on a
 * linear axis, rather than no figure. */
static int fig_grad(td_report *r, const td_dump *d, const char *label, td_err *e)
{
    double *x = malloc((d->nlayers + 1) * sizeof *x), *y = malloc((d->nlayers + 1) * sizeof *y);
    if (!x || !y) { free(x); free(y); NOMEM(e); return -2; }
    size_t n = 0, nzero = 0;
    for (size_t i = 0; i < d->nlayers; i++)
        if (d->layers[i].grad_rms_last > 0) {
            x[n] = d->layers[i].depth;
            y[n++] = d->layers[i].grad_rms_last;
        }
    for (size_t i = 0; !n && i < d->nlayers; i++)
        if (d->layers[i].grad_rms_last == 0) {
            x[nzero] = d->layers[i].depth;
            y[nzero++] = 0;
        }
    int idx = -1;
    if (n || nzero) {
        char t[512];
        snprintf(t, sizeof t, "%s: gradient RMS against depth", label);
        td_plot_fig *f = td_report_fig(r, t, n
            ? "RMS of each layer's weight gradient at the last step against layer depth (0 = input "
              "side, named on the axis), log y. A fall of decades toward the input is vanishing "
              "gradients; a rise, exploding gradients."
            : "RMS of each layer's weight gradient at the last step against layer depth (0 = input "
              "side, named on the axis): 0 in every layer, so no gradient reaches the weights "
              "(linear y: a log axis has no 0).");
        td_plot_panel *p = f ? td_plot_fig_panel(f, NULL, "layer depth", "gradient RMS") : NULL;
        if (!p || td_plot_add_series(f, p, n ? "gradient RMS" : "gradient RMS: 0 in every layer",
                                     TD_PLOT_LINESPOINTS, x, y, n ? n : nzero))
            idx = -2;
        else if (depth_tics(p, d))
            idx = -2;
        else {
            p->logy = n ? 1 : 0;
            idx = td_report_fig_index(r, f);
        }
    }
    free(x); free(y);
    if (idx == -2) NOMEM(e);
    return idx;
}

/* Histograms of the tensors of kind k (weights only for TD_DK_PARAM) at
 * each layer's last step, one panel per layer. */
static int fig_hist(td_report *r, const td_dump *d, const td_dump_opts *o, td_dump_kind k,
                    const char *label, td_err *e)
{
    static const char *const what[] = {
        [TD_DK_PARAM] = "weight", [TD_DK_GRAD] = "gradient", [TD_DK_ACT] = "activation",
    };
    int bins = o && o->bins > 0 ? o->bins : 30;
    double *cnt = malloc(bins * sizeof *cnt), *cx = malloc(bins * sizeof *cx);
    if (!cnt || !cx) { free(cnt); free(cx); NOMEM(e); return -2; }
    td_plot_fig *f = NULL;
    int rc = 0;
    size_t np = 0;
    for (size_t L = 0; !rc && L < d->nlayers && np < PL_MAX_HIST; L++) {
        const td_dump_tensor *t = NULL;
        for (size_t i = 0; i < d->ntensors; i++) { /* last step's tensor of the layer */
            const td_dump_tensor *c = &d->tensors[i];
            if (c->layer != (int)L || c->kind != k || (k != TD_DK_ACT && !is_weight(c->param)))
                continue;
            if (!t || c->step > t->step) t = c;
        }
        if (!t || !t->st.n) continue;
        if (!f) {
            char tt[512], cap[512];
            snprintf(tt, sizeof tt, "%s: %s histograms per layer", label, what[k]);
            snprintf(cap, sizeof cap, "Distribution of each layer's %ss at the last step "
                     "(%d bins from min to max), one panel per layer in depth order; the "
                     "titles give the share of dead units and of saturated values where "
                     "they apply.", what[k], bins);
            if (!(f = td_report_fig(r, tt, cap))) { rc = -2; break; }
        }
        char pt[400];
        const td_dump_layer *ly = &d->layers[L];
        int n = snprintf(pt, sizeof pt, "%s", ly->name);
        if (ly->act[0] && n >= 0 && (size_t)n < sizeof pt)
            n += snprintf(pt + n, sizeof pt - n, " (%s)", ly->act);
        if (k == TD_DK_ACT && t->units && strstr(ly->act, "relu") && n >= 0 && (size_t)n < sizeof pt)
            n += snprintf(pt + n, sizeof pt - n, " dead %.0f%%", 100.0 * t->dead_units / t->units);
        if (k == TD_DK_ACT && n >= 0 && (size_t)n < sizeof pt &&
            (!strcmp(ly->act, "tanh") || !strcmp(ly->act, "sigmoid")))
            n += snprintf(pt + n, sizeof pt - n, " sat %.0f%%", 100.0 * t->saturated / t->st.n);
        double w = (t->st.max - t->st.min) / bins;
        char only[32];
        snprintf(only, sizeof only, "%.3g", t->st.min);
        if (!(w > 0) && n >= 0 && (size_t)n < sizeof pt) /* one value: say so, no invented axis */
            snprintf(pt + n, sizeof pt - n, ": all %llu = %s", (unsigned long long)t->st.n, only);
        td_plot_panel *p = td_plot_fig_panel(f, pt, what[k], "count");
        if (!p) { rc = -2; break; }
        td_dump_tensor_bins(t, bins, cnt);
        for (int b = 0; b < bins; b++) cx[b] = t->st.min + (b + 0.5) * w;
        if (!(w > 0)) { /* the single bar at category 0, labelled with the value */
            const char *tic[1] = { only };
            cx[0] = 0;
            if (td_plot_set_xtics(p, tic, 1)) rc = -2;
        }
        if (!rc && td_plot_add_series(f, p, "", TD_PLOT_BOXES, cx, cnt, w > 0 ? (size_t)bins : 1))
            rc = -2;
        p->logy = 0;
        np++;
    }
    free(cnt); free(cx);
    if (rc) { NOMEM(e); return -2; }
    return f ? td_report_fig_index(r, f) : -1;
}

/* First-layer weights: tiles in a near-square grid with 1-pixel gaps. */
static int fig_image(td_report *r, const td_dump *d, const char *label, td_err *e)
{
    td_dump_image img;
    memset(&img, 0, sizeof img);
    td_err ie;
    if (td_dump_first_layer_image(d, &img, &ie) || img.n <= 0 || img.h <= 0 || img.w <= 0) {
        td_dump_image_free(&img);
        return -1;
    }
    int gc = 1;
    while (gc * gc < img.n) gc++;
    int gr = (img.n + gc - 1) / gc;
    size_t rows = (size_t)gr * (img.h + 1) - 1, cols = (size_t)gc * (img.w + 1) - 1;
    int rgb = img.c == 3;
    size_t depth = rgb ? 3 : 1;
    double *z = malloc(rows * cols * depth * sizeof *z);
    if (!z) { td_dump_image_free(&img); NOMEM(e); return -2; }
    for (size_t i = 0; i < rows * cols * depth; i++) z[i] = NAN;
    for (int t = 0; t < img.n; t++) {
        size_t r0 = (size_t)(t / gc) * (img.h + 1), c0 = (size_t)(t % gc) * (img.w + 1);
        for (int y = 0; y < img.h; y++)
            for (int x = 0; x < img.w; x++)
                for (size_t ch = 0; ch < depth; ch++) {
                    size_t src = (((size_t)t * img.h + y) * img.w + x) * img.c +
                                 (img.c == 1 ? 0 : ch);
                    z[((r0 + y) * cols + c0 + x) * depth + ch] = img.data[src];
                }
    }
    char t[512], cap[512];
    snprintf(t, sizeof t, "%s: first-layer weights (%s)", label,
             img.layer >= 0 && (size_t)img.layer < d->nlayers ? d->layers[img.layer].name : "?");
    snprintf(cap, sizeof cap, "The %d filters of the first layer, %dx%d%s each, numbered by unit, "
             "one square per weight, scaled to their own min..max. Smooth, varied patterns are healthy; noisy or identical tiles "
             "suggest too little training, too high a learning rate or too little "
             "regularization.", img.n, img.h, img.w, rgb ? " RGB" : "");
    td_plot_fig *f = td_report_fig(r, t, cap);
    td_plot_panel *p = f ? td_plot_fig_panel(f, NULL, NULL, NULL) : NULL;
    int bad = !p || (rgb ? td_plot_add_rgb(p, "filters", z, rows, cols)
                         : td_plot_add_image(p, "filters", z, rows, cols));
    for (int t = 0; !bad && t < img.n; t++) { /* each tile numbered by its unit, top left */
        char num[16];
        snprintf(num, sizeof num, "%d", t);
        bad = td_plot_add_label(p, (t % gc) * (img.w + 1) - 0.45, (t / gc) * (img.h + 1) - 0.2, num) != TD_OK;
    }
    free(z);
    td_dump_image_free(&img);
    if (bad) { NOMEM(e); return -2; }
    f->height = 600;
    return td_report_fig_index(r, f);
}

td_code td_plot_add_dump(td_report *r, const td_dump *d, const td_dump_opts *o,
                         const char *label, td_err *e)
{
    int fig[FIG_N];
    if (!label) label = "dump";
    if (td_report_add_input(r, label)) return NOMEM(e);
    if ((fig[FIG_RATIO] = fig_ratio(r, d, label, e)) == -2 ||
        (fig[FIG_GRAD] = fig_grad(r, d, label, e)) == -2 ||
        (fig[FIG_ACT] = fig_hist(r, d, o, TD_DK_ACT, label, e)) == -2 ||
        fig_hist(r, d, o, TD_DK_GRAD, label, e) == -2 ||
        (fig[FIG_WEIGHT] = fig_hist(r, d, o, TD_DK_PARAM, label, e)) == -2 ||
        fig_image(r, d, label, e) == -2)
        return e ? e->code : TD_ENOMEM;
    /* (no "layers by depth" note: the depth axes and panels carry the names) */
    for (size_t i = 0; i < d->nfindings; i++) {
        const td_dump_finding *df = &d->findings[i];
        int fi = -1;
        td_plot_level lv = TD_PLOT_WARN;
        for (size_t k = 0; k < sizeof flag_fig / sizeof flag_fig[0]; k++)
            if (flag_fig[k].flag == (unsigned)df->flag) { fi = fig[flag_fig[k].fig]; lv = flag_fig[k].level; }
        if (td_report_add_finding(r, lv, label, df->msg, fi)) return NOMEM(e);
    }
    return TD_OK;
}
