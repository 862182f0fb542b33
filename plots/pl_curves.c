/* pl_curves.c — adapter: a training run (td_run) and its curve findings
 * (td_findings) as figures: loss with the findings drawn on it, accuracy
 * with the train/validation gap, other metrics as small multiples. */
#include "td_plot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PL_MAX_OTHER 12   /* panels of the other-metrics figure */
#define PL_MAX_LR_MARKS 8 /* more learning-rate changes than this: a schedule, not marked */

/* How a finding is drawn (a table, not a switch). */
typedef enum { DRAW_NONE, DRAW_MARK, DRAW_SPAN, DRAW_BAND, DRAW_REGION } draw_how;
static const struct { draw_how how; const char *label; } draw_kind[TD_FIND_NKINDS] = {
    [TD_FIND_NONFINITE] = {DRAW_SPAN, "NaN/Inf"},
    [TD_FIND_NEGATIVE_LOSS] = {DRAW_MARK, "negative loss"},
    [TD_FIND_EXPLOSION] = {DRAW_MARK, "divergence"},
    [TD_FIND_SPIKE_UNRECOVERED] = {DRAW_MARK, "unrecovered spike"},
    [TD_FIND_SPIKES] = {DRAW_MARK, "spikes from"},
    [TD_FIND_LOSS_RISING] = {DRAW_NONE, "loss rising"},
    [TD_FIND_LR_FAR_TOO_HIGH] = {DRAW_NONE, "lr far too high"},
    [TD_FIND_LR_TOO_HIGH] = {DRAW_NONE, "lr too high"},
    [TD_FIND_LR_TOO_LOW] = {DRAW_NONE, "lr too low"},
    [TD_FIND_NOT_LEARNING] = {DRAW_NONE, "not learning"},
    [TD_FIND_UNDERFITTING] = {DRAW_NONE, "underfitting"},
    [TD_FIND_INITIAL_LOSS] = {DRAW_NONE, "initial loss"},
    [TD_FIND_OVERFITTING] = {DRAW_REGION, "overfitting"},
    [TD_FIND_METRIC_DISAGREEMENT] = {DRAW_SPAN, "metric disagreement"},
    [TD_FIND_NOISE] = {DRAW_BAND, "noise"},
    [TD_FIND_SATURATION] = {DRAW_SPAN, "plateau"},
    [TD_FIND_STILL_IMPROVING] = {DRAW_NONE, "still improving"},
    [TD_FIND_GAP_WIDENING] = {DRAW_SPAN, "gap widens"},
    [TD_FIND_CLASSES_ASSUMED] = {DRAW_NONE, "classes assumed"},
};

static const td_plot_level sev_level[] = {
    [TD_SEV_INFO] = TD_PLOT_INFO, [TD_SEV_WARNING] = TD_PLOT_WARN,
    [TD_SEV_ERROR] = TD_PLOT_ERROR, [TD_SEV_NEVER] = TD_PLOT_INFO,
};

/* A run's name without its folders ("logs/a.csv#2" -> "a.csv#2"), for titles. */
static const char *short_name(const char *name)
{
    const char *slash = name ? strrchr(name, '/') : NULL;
    return slash && slash[1] ? slash + 1 : name ? name : "run";
}

/* The series carrying the run's loss (split), or NULL. */
static const td_series *find2(const td_run *run, td_split split, td_metric_kind k1,
                              td_metric_kind k2)
{
    const td_series *s = td_run_find(run, split, k1);
    return s ? s : td_run_find(run, split, k2);
}

/* 1 when s has at least k points with finite x and y. */
static int has_points(const td_series *s, int k)
{
    int got = 0;
    for (size_t i = 0; s && i < s->n && got < k; i++)
        if (isfinite(s->y[i]) && isfinite(s->x[i])) got++;
    return got >= k;
}
static int has_finite(const td_series *s) { return has_points(s, 1); }

static td_code add_series(td_plot_fig *f, td_plot_panel *p, const td_series *s, int dashed,
                          td_err *e)
{
    if (!has_finite(s)) return TD_OK;
    td_plot_style st = s->n <= 60 ? TD_PLOT_LINESPOINTS : TD_PLOT_LINES;
    if (td_plot_add_series(f, p, s->name, st, s->x, s->y, s->n))
        return td_fail(e, TD_ENOMEM, "out of memory");
    p->series[p->nseries - 1].dashed = dashed;
    return TD_OK;
}

/* Value of s at x by linear interpolation between its finite points (NaN
 * outside its range). *at is a cursor into s kept between calls, so that
 * visiting ascending x costs O(n) over all calls, not O(n) each. */
static double interp(const td_series *s, double x, size_t *at)
{
    size_t i = *at;
    if (i >= s->n || (i > 0 && s->x[i - 1] > x)) i = 0; /* x went back: restart */
    double px = NAN, py = NAN;
    for (size_t k = i; k-- > 0;) /* the finite point before the cursor */
        if (isfinite(s->y[k])) { px = s->x[k]; py = s->y[k]; break; }
    for (; i < s->n; i++) {
        if (!isfinite(s->y[i])) continue;
        if (s->x[i] == x) { *at = i; return s->y[i]; }
        if (s->x[i] > x) {
            *at = i;
            if (isnan(px)) return NAN;
            return py + (s->y[i] - py) * (x - px) / (s->x[i] - px);
        }
        px = s->x[i];
        py = s->y[i];
    }
    *at = s->n;
    return NAN;
}

/* Median of s's finite y over [x0, x1] (NaN when none). */
static double median_in(const td_series *s, double x0, double x1)
{
    double *v = malloc((s->n ? s->n : 1) * sizeof *v);
    if (!v) return NAN;
    size_t k = 0;
    for (size_t i = 0; i < s->n; i++)
        if (s->x[i] >= x0 && s->x[i] <= x1 && isfinite(s->y[i])) v[k++] = s->y[i];
    double m = td_median(v, k);
    free(v);
    return m;
}

/* Learning-rate steps as marks: a jump by more than 20% between two values
 * that each held (the point before equals the one before it, the point
 * after equals the new value, within 1%), as a step schedule or a
 * ReduceLROnPlateau gives; the tail of a smooth decay, whose relative drops
 * grow near 0, is no step. More than PL_MAX_LR_MARKS steps: a schedule, left
 * to the other-metrics figure. */
/* 1 when the finite values around lr->y[i] held: the two before i agree,
 * and the one after i agrees with y[i] (within 1%; a missing side counts
 * as held, so a change at the first or last point is still a step). */
static int held(const td_series *lr, size_t i)
{
    double b[2], a = NAN;
    int nb = 0;
    for (size_t k = i; k-- > 0 && nb < 2;)
        if (isfinite(lr->y[k])) b[nb++] = lr->y[k];
    for (size_t k = i + 1; k < lr->n && isnan(a); k++)
        if (isfinite(lr->y[k])) a = lr->y[k];
    int before = nb < 2 || fabs(b[0] - b[1]) <= 0.01 * fabs(b[1]);
    int after = isnan(a) || fabs(a - lr->y[i]) <= 0.01 * fabs(lr->y[i]);
    return before && after;
}

static td_code lr_marks(td_plot_panel *p, const td_series *lr, td_err *e)
{
    if (!lr) return TD_OK;
    size_t idx[PL_MAX_LR_MARKS + 1], n = 0;
    double prev = NAN;
    for (size_t i = 0; i < lr->n && n <= PL_MAX_LR_MARKS; i++) {
        double y = lr->y[i];
        if (!isfinite(y)) continue;
        if (isfinite(prev) && prev > 0 && (y / prev > 1.2 || y / prev < 1 / 1.2) && held(lr, i)) idx[n++] = i;
        prev = y;
    }
    if (n > PL_MAX_LR_MARKS) return TD_OK;
    for (size_t k = 0; k < n; k++) {
        char lab[96];
        double before = NAN;
        for (size_t i = idx[k]; i-- > 0;)
            if (isfinite(lr->y[i])) { before = lr->y[i]; break; }
        snprintf(lab, sizeof lab, "lr %.3g -> %.3g", before, lr->y[idx[k]]);
        if (td_plot_add_mark(p, lr->x[idx[k]], lab)) return td_fail(e, TD_ENOMEM, "out of memory");
    }
    return TD_OK;
}

/* Draw finding f on panel p (of the figure it links to). */
static td_code draw_finding(td_plot_panel *p, const td_run *run, const td_finding *f,
                            const char *xname, td_err *e)
{
    const char *label = draw_kind[f->kind].label;
    char lab[160];
    td_code c = TD_OK;
    switch (draw_kind[f->kind].how) { /* three shapes; the table chose which */
    case DRAW_MARK: {
        snprintf(lab, sizeof lab, "%s (%s %g)", label, xname, f->x_from);
        int seen = 0; /* train and val often raise the same mark: draw it once */
        for (size_t i = 0; i < p->nmarks; i++)
            seen |= p->marks[i].x == f->x_from && !strcmp(p->marks[i].label, lab);
        if (!seen) c = td_plot_add_mark(p, f->x_from, lab);
        break;
    }
    case DRAW_SPAN: {
        double x1 = f->x_to;
        if (f->kind == TD_FIND_NONFINITE) { /* from the first NaN/Inf to the metric's end */
            const td_series *s = f->metric ? td_run_find_name(run, f->metric) : NULL;
            for (size_t i = 0; s && i < s->n; i++)
                if (isfinite(s->x[i]) && !(x1 >= s->x[i])) x1 = s->x[i];
            if (!(x1 >= f->x_from)) x1 = f->x_from;
        }
        snprintf(lab, sizeof lab, "%s %s %g-%g", label, xname, f->x_from, x1);
        int seen = 0;
        for (size_t i = 0; i < p->nspans; i++)
            seen |= p->spans[i].x0 == f->x_from && p->spans[i].x1 == x1 && !strcmp(p->spans[i].label, lab);
        if (!seen) c = td_plot_add_span(p, f->x_from, x1, lab);
        break;
    }
    case DRAW_REGION: { /* the stretch shaded from the best point on, the best point marked */
        const td_series *s = f->metric ? td_run_find_name(run, f->metric) : NULL;
        double x1 = f->x_to;
        for (size_t i = 0; s && i < s->n; i++) /* to the metric's end */
            if (isfinite(s->x[i]) && !(x1 >= s->x[i])) x1 = s->x[i];
        if (!(x1 > f->x_from)) x1 = f->x_from;
        snprintf(lab, sizeof lab, "%s: %s worse than its best (%s %g-%g)", label,
                 f->metric ? f->metric : "validation", xname, f->x_from, x1);
        int seen = 0;
        for (size_t i = 0; i < p->nspans; i++) seen |= !strcmp(p->spans[i].label, lab);
        if (!seen) c = td_plot_add_span(p, f->x_from, x1, lab);
        snprintf(lab, sizeof lab, "best %s (%s %g)", f->metric ? f->metric : "", xname, f->x_from);
        seen = 0;
        for (size_t i = 0; i < p->nmarks; i++) seen |= !strcmp(p->marks[i].label, lab);
        if (!c && !seen) c = td_plot_add_mark(p, f->x_from, lab);
        break;
    }
    case DRAW_BAND: {
        const td_series *s = f->metric ? td_run_find_name(run, f->metric) : NULL;
        double m = s ? median_in(s, f->x_from, f->x_to) : NAN;
        if (isfinite(m) && isfinite(f->noise) && f->noise > 0) {
            snprintf(lab, sizeof lab, "%s noise: median +- 2 sigma (%s %g-%g)",
                     f->metric, xname, f->x_from, f->x_to);
            c = td_plot_add_band_x(p, m - 2 * f->noise, m + 2 * f->noise, f->x_from, f->x_to, lab);
        }
        break;
    }
    case DRAW_NONE:
        break;
    }
    return c ? td_fail(e, TD_ENOMEM, "out of memory") : TD_OK;
}

/* Add finding f of run to the report's list, linked to figure fig (-1: none). */
static td_code list_finding(td_report *r, const td_run *run, const td_finding *f, int fig,
                            td_err *e)
{
    char text[TD_FINDING_TEXT + 128], src[512];
    snprintf(text, sizeof text, "%s: %s", td_finding_kind_name(f->kind), f->evidence);
    snprintf(src, sizeof src, "%s%s%s", run->name, f->metric ? " " : "",
             f->metric ? f->metric : "");
    td_plot_level lv = (unsigned)f->severity <= TD_SEV_NEVER ? sev_level[f->severity]
                                                             : TD_PLOT_INFO;
    return td_report_add_finding(r, lv, src, text, fig) ? td_fail(e, TD_ENOMEM, "out of memory")
                                                        : TD_OK;
}

/* Is series s one of the main figures' (so not an "other" metric)? */
static int is_main(const td_series *s, const td_series *const *main, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (main[i] == s) return 1;
    return 0;
}

/* Where the other-metrics figure drew each series (to put findings there). */
typedef struct {
    int fig;
    size_t n;
    const td_series *s[PL_MAX_OTHER];
    td_plot_panel *p[PL_MAX_OTHER];
} other_map;

static td_code other_metrics(td_report *r, const td_run *run, const td_series *const *main,
                             size_t nmain, other_map *om, td_err *e)
{
    td_plot_fig *f = NULL;
    size_t np = 0;
    om->fig = -1;
    om->n = 0;
    for (size_t i = 0; i < run->nseries && np < PL_MAX_OTHER; i++) {
        const td_series *s = &run->series[i];
        if (is_main(s, main, nmain) || !has_finite(s) || !strcmp(s->base, "epoch") ||
            !strcmp(s->base, "step"))
            continue;
        if (!f) {
            char t[512];
            snprintf(t, sizeof t, "%s: other metrics", short_name(run->name));
            f = td_report_fig(r, t, "Every other metric of the run, one panel each (log y "
                                    "when a metric spans two decades), on the same x axis "
                                    "as the loss figure.");
            if (!f) return td_fail(e, TD_ENOMEM, "out of memory");
        }
        td_plot_panel *p = td_plot_fig_panel(f, s->name, run->x_name, s->name);
        if (!p) return td_fail(e, TD_ENOMEM, "out of memory");
        td_code c = add_series(f, p, s, 0, e);
        if (c) return c;
        if (p->nseries) p->series[0].name[0] = '\0'; /* the panel title names it: no key */
        om->s[om->n] = s;
        om->p[om->n++] = p;
        om->fig = td_report_fig_index(r, f);
        np++;
    }
    return TD_OK;
}

td_code td_plot_add_run(td_report *r, const td_run *run, const td_findings *fs, td_err *e)
{
    const char *xn = run->x_name ? run->x_name : "step";
    const td_series *tl = td_run_find(run, TD_SPLIT_TRAIN, TD_METRIC_LOSS);
    const td_series *vl = td_run_find(run, TD_SPLIT_VAL, TD_METRIC_LOSS);
    const td_series *ta = find2(run, TD_SPLIT_TRAIN, TD_METRIC_ACCURACY, TD_METRIC_ERROR);
    const td_series *va = find2(run, TD_SPLIT_VAL, TD_METRIC_ACCURACY, TD_METRIC_ERROR);
    const td_series *lr = td_run_find(run, TD_SPLIT_NONE, TD_METRIC_LR);
    if (!lr) lr = td_run_find(run, TD_SPLIT_TRAIN, TD_METRIC_LR);
    char title[512], cap[1024];
    td_code c;
    int ilos = -1, iacc = -1;
    if (td_report_add_input(r, run->name ? run->name : "run")) return td_fail(e, TD_ENOMEM, "out of memory");
    td_plot_panel *plos = NULL, *pacc = NULL;

    /* a run of one logged step (the head of an aborted run) gets no figure,
       only its findings */
    int drawable = 0;
    for (size_t i = 0; i < run->nseries; i++) drawable |= has_points(&run->series[i], 2);
    if (drawable && (has_finite(tl) || has_finite(vl))) {
        snprintf(title, sizeof title, "%s: loss", short_name(run->name));
        snprintf(cap, sizeof cap, "Training loss (solid) and validation loss (dashed) by %s; "
                 "log y when the loss spans two decades. Findings and learning-rate steps are "
                 "drawn as dashed red lines, stretches as shaded spans, a late noise band as "
                 "median +- 2 sigma over the noisy stretch.", xn);
        td_plot_fig *f = td_report_fig(r, title, cap);
        if (!f || !(plos = td_plot_fig_panel(f, NULL, xn, "loss")))
            return td_fail(e, TD_ENOMEM, "out of memory");
        if ((c = add_series(f, plos, tl, 0, e)) || (c = add_series(f, plos, vl, 1, e)) ||
            (c = lr_marks(plos, lr, e)))
            return c;
        ilos = td_report_fig_index(r, f);
    }
    if (drawable && (has_finite(ta) || has_finite(va))) {
        const char *what = (ta ? ta : va)->kind == TD_METRIC_ERROR ? "error" : "accuracy";
        snprintf(title, sizeof title, "%s: %s", short_name(run->name), what);
        snprintf(cap, sizeof cap, "Training %s (solid) and validation %s (dashed) by %s; below, "
                 "the gap training - validation at the validation points (a growing gap "
                 "is overfitting, two low curves close together underfitting).",
                 what, what, xn);
        td_plot_fig *f = td_report_fig(r, title, cap);
        if (!f || !(pacc = td_plot_fig_panel(f, what, xn, what)))
            return td_fail(e, TD_ENOMEM, "out of memory");
        f->height = 380;
        if ((c = add_series(f, pacc, ta, 0, e)) || (c = add_series(f, pacc, va, 1, e)))
            return c;
        if (has_finite(ta) && has_finite(va) && ta->percent == va->percent) {
            double *gx = malloc(va->n * sizeof *gx), *gy = malloc(va->n * sizeof *gy);
            if (!gx || !gy) { free(gx); free(gy); return td_fail(e, TD_ENOMEM, "out of memory"); }
            size_t k = 0, at = 0;
            for (size_t i = 0; i < va->n; i++) {
                double t = interp(ta, va->x[i], &at);
                if (isfinite(t) && isfinite(va->y[i])) { gx[k] = va->x[i]; gy[k++] = t - va->y[i]; }
            }
            td_plot_panel *pg = k ? td_plot_fig_panel(f, "gap: training - validation", xn, "gap") : NULL;
            c = !k ? TD_OK
                   : !pg || td_plot_add_series(f, pg, "train - val", k <= 60 ? TD_PLOT_LINESPOINTS
                                                                           : TD_PLOT_LINES,
                                               gx, gy, k) ? TD_ENOMEM : TD_OK;
            if (pg) pg->logy = 0;
            free(gx);
            free(gy);
            if (c) return td_fail(e, c, "out of memory");
        }
        iacc = td_report_fig_index(r, f);
    }
    const td_series *main[5] = {tl, vl, ta, va, NULL};
    other_map om;
    om.fig = -1;
    om.n = 0;
    if (drawable && (c = other_metrics(r, run, main, 4, &om, e))) return c;

    for (size_t i = 0; fs && i < fs->n; i++) {
        const td_finding *f = &fs->f[i];
        const td_series *s = f->metric ? td_run_find_name(run, f->metric) : NULL;
        /* the figure that draws the finding's metric: loss, accuracy, or the
           metric's own panel among the others; else the loss figure */
        int fig = ilos >= 0 ? ilos : iacc;
        td_plot_panel *p = plos ? plos : pacc;
        if (s && (s == ta || s == va) && iacc >= 0) { fig = iacc; p = pacc; }
        for (size_t k = 0; s && s != tl && s != vl && k < om.n; k++)
            if (om.s[k] == s) { fig = om.fig; p = om.p[k]; }
        if (p && (unsigned)f->kind < TD_FIND_NKINDS && (c = draw_finding(p, run, f, xn, e)))
            return c;
        if ((c = list_finding(r, run, f, fig, e))) return c;
    }
    /* the captions say what ended up drawn */
    if ((ilos >= 0 && td_plot_fig_caption_drawn(r->figs[ilos])) ||
        (iacc >= 0 && td_plot_fig_caption_drawn(r->figs[iacc])))
        return td_fail(e, TD_ENOMEM, "out of memory");
    return TD_OK;
}

td_code td_plot_add_runs_overlay(td_report *r, const td_run *const *runs, size_t n, td_err *e)
{
    if (n < 2) return TD_OK;
    td_plot_fig *f = td_report_fig(r, "all runs overlaid",
                                   "Each run's validation loss (else training loss, else its "
                                   "first metric) on one axis, to compare runs and restarts.");
    td_plot_panel *p = f ? td_plot_fig_panel(f, NULL, runs[0]->x_name, "loss") : NULL;
    if (!p) return td_fail(e, TD_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const td_series *s = td_run_find(runs[i], TD_SPLIT_VAL, TD_METRIC_LOSS);
        if (!s) s = td_run_find(runs[i], TD_SPLIT_TRAIN, TD_METRIC_LOSS);
        if (!s && runs[i]->nseries) s = &runs[i]->series[0];
        if (!has_finite(s)) continue;
        char name[512];
        snprintf(name, sizeof name, "%s %s", short_name(runs[i]->name), s->name);
        if (td_plot_add_series(f, p, name, s->n <= 60 ? TD_PLOT_LINESPOINTS : TD_PLOT_LINES,
                               s->x, s->y, s->n))
            return td_fail(e, TD_ENOMEM, "out of memory");
    }
    return TD_OK;
}

td_code td_plot_add_runs_compare(td_report *r, const td_run *const *runs, size_t n, size_t max_figs,
                                 td_err *e)
{
    if (n < 2) return TD_OK;
    if (!max_figs) max_figs = 8;
    size_t made = 0;
    for (size_t i = 0; i < n && made < max_figs; i++)
        for (size_t k = 0; k < runs[i]->nseries && made < max_figs; k++) {
            const char *m = runs[i]->series[k].name;
            int earlier = 0, others = 0; /* one figure per name, where it first appears */
            for (size_t j = 0; j < n; j++) {
                const td_series *t = td_run_find_name(runs[j], m);
                if (!has_points(t, 2)) continue;
                if (j < i) earlier = 1;
                else if (j > i) others = 1;
            }
            if (earlier || !others || !has_points(&runs[i]->series[k], 2)) continue;
            char title[300], cap[600];
            snprintf(title, sizeof title, "runs compared: %s", m);
            snprintf(cap, sizeof cap, "%s of every run that logs it, overlaid on one axis (as "
                     "TensorBoard compares runs); each run's own figures are above.", m);
            td_plot_fig *f = td_report_fig(r, title, cap);
            td_plot_panel *p = f ? td_plot_fig_panel(f, NULL, runs[i]->x_name, m) : NULL;
            if (!p) return td_fail(e, TD_ENOMEM, "out of memory");
            for (size_t j = 0; j < n; j++) {
                const td_series *t = td_run_find_name(runs[j], m);
                if (!has_points(t, 2)) continue;
                if (td_plot_add_series(f, p, short_name(runs[j]->name), t->n <= 60 ? TD_PLOT_LINESPOINTS : TD_PLOT_LINES,
                                       t->x, t->y, t->n))
                    return td_fail(e, TD_ENOMEM, "out of memory");
            }
            made++;
        }
    return TD_OK;
}

td_code td_plot_add_judged(td_report *r, const td_judged *runs, size_t n, size_t max_runs,
                           td_err *e)
{
    if (!max_runs) max_runs = 8;
    const td_run **all = calloc(n ? n : 1, sizeof *all);
    if (!all) return td_fail(e, TD_ENOMEM, "out of memory");
    td_code c = TD_OK;
    for (size_t i = 0; !c && i < n; i++) {
        all[i] = runs[i].run;
        if (i < max_runs) c = td_plot_add_run(r, runs[i].run, &runs[i].findings, e);
    }
    size_t before = r->nfigs;
    if (!c) c = td_plot_add_runs_overlay(r, all, n, e);
    /* runs past max_runs: their findings still listed, linked to the overlay */
    int overlay = r->nfigs > before ? (int)before : -1;
    for (size_t i = max_runs; !c && i < n; i++) {
        if (td_report_add_input(r, runs[i].run->name ? runs[i].run->name : "run")) c = td_fail(e, TD_ENOMEM, "out of memory");
        for (size_t k = 0; !c && k < runs[i].findings.n; k++)
            c = list_finding(r, runs[i].run, &runs[i].findings.f[k], overlay, e);
    }
    free(all);
    return c;
}
