/* pl_study.c — adapter: a hyperparameter study (studycheck) as figures:
 * the basic hyperparameter-axis plots and the isolation plot of the tuning
 * playbook (seed 000), with the study's findings linked to them. */
#include "td_plot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PL_MAX_HP 12
#define PL_RED "#d62728"
#define PL_BEST "#2ca02c"
#define NOMEM(e) td_fail(e, TD_ENOMEM, "out of memory")

/* One axis panel: trials (blue), infeasible (red x at the worst edge),
 * the best (green). */
static td_code axis_panel(td_plot_fig *f, const td_study *s, size_t k, td_err *e)
{
    const td_hp *h = &s->hp[k];
    td_study_axis a;
    memset(&a, 0, sizeof a);
    td_code c = td_study_axis_get(s, k, &a, e);
    if (c) return c;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < a.n; i++)
        if (isfinite(a.y[i])) { lo = fmin(lo, a.y[i]); hi = fmax(hi, a.y[i]); }
    double worst = !(lo <= hi) ? 0 : s->maximize ? lo - 0.05 * (hi - lo) : hi + 0.05 * (hi - lo);
    double *x = malloc((a.n + 1) * sizeof *x), *y = malloc((a.n + 1) * sizeof *y);
    td_plot_panel *p = td_plot_fig_panel(f, h->name, h->name, s->objective);
    if (!x || !y || !p) c = NOMEM(e);
    size_t n = 0;
    /* feasible trials, then infeasible ones, then the best */
    for (int pass = 0; !c && pass < 3; pass++) {
        n = 0;
        for (size_t i = 0; i < a.n; i++) {
            int take = pass == 0 ? !a.infeasible[i] && isfinite(a.y[i])
                     : pass == 1 ? a.infeasible[i] : i == a.best;
            if (!take) continue;
            x[n] = a.x[i];
            y[n++] = pass == 1 ? worst : a.y[i];
        }
        static const char *const names[] = {"trials", "infeasible (drawn at the worst edge)", "best"};
        static const td_plot_style styles[] = {TD_PLOT_POINTS, TD_PLOT_CROSSES, TD_PLOT_POINTS};
        static const char *const colors[] = {NULL, PL_RED, PL_BEST};
        if (n && td_plot_add_series(f, p, names[pass], styles[pass], x, y, n)) c = NOMEM(e);
        else if (n) p->series[p->nseries - 1].color = colors[pass];
    }
    if (!c) {
        p->logy = 0;
        p->logx = h->type != TD_HP_CAT && h->log;
        if (h->type == TD_HP_CAT &&
            td_plot_set_xtics(p, (const char *const *)h->levels, h->nlevels))
            c = NOMEM(e);
    }
    free(x);
    free(y);
    td_study_axis_free(&a);
    return c;
}

static int fig_axes(td_report *r, const td_study *s, const char *label, td_err *e)
{
    if (!s->nhp) return -1;
    char t[512], cap[768];
    snprintf(t, sizeof t, "%s: objective against each hyperparameter", label);
    snprintf(cap, sizeof cap, "Basic hyperparameter-axis plots (tuning playbook): the %s of "
             "every trial against each tuned hyperparameter (log x for log-scale ones). Red "
             "crosses are infeasible trials drawn at the worst edge; green is the best trial. A "
             "best trial near an edge of its axis means the search space should grow there.",
             s->objective);
    td_plot_fig *f = td_report_fig(r, t, cap);
    if (!f) { NOMEM(e); return -2; }
    for (size_t k = 0; k < s->nhp && k < PL_MAX_HP; k++)
        if (axis_panel(f, s, k, e)) return -2;
    return td_report_fig_index(r, f);
}

static int fig_isolation(td_report *r, const td_study *s, long sci, size_t buckets,
                         const char *label, td_err *e)
{
    if (sci < 0 || (size_t)sci >= s->nhp) return -1;
    td_study_iso iso;
    memset(&iso, 0, sizeof iso);
    if (td_study_isolation(s, (size_t)sci, buckets ? buckets : 5, &iso, e)) return -2;
    const td_hp *h = &s->hp[sci];
    char t[512], cap[768];
    snprintf(t, sizeof t, "%s: isolation plot of %s", label, h->name);
    snprintf(cap, sizeof cap, "Isolation plot (tuning playbook): the best %s reached for each "
             "%s of the scientific hyperparameter, the nuisance hyperparameters optimised "
             "away. Compare values only where each got enough trials.", s->objective,
             iso.per_value ? "value" : "bucket");
    td_plot_fig *f = td_report_fig(r, t, cap);
    td_plot_panel *p = f ? td_plot_fig_panel(f, NULL, h->name, s->objective) : NULL;
    int cat = h->type == TD_HP_CAT, idx = -2;
    /* categories: unconnected points, each labelled with its trial count */
    char **lab = cat ? calloc(h->nlevels ? h->nlevels : 1, sizeof *lab) : NULL;
    int ok = p && (!cat || lab);
    for (size_t i = 0; ok && cat && i < h->nlevels; i++) ok = (lab[i] = strdup(h->levels[i])) != NULL;
    for (size_t b = 0; ok && cat && b < iso.n; b++) {
        size_t L = (size_t)iso.x[b];
        if (!(iso.x[b] >= 0) || L >= h->nlevels) continue;
        char *nl = malloc(strlen(h->levels[L]) + 48);
        if (!nl) { ok = 0; break; }
        sprintf(nl, "%s (%zu of %zu ok)", h->levels[L], iso.feasible[b], iso.trials[b]);
        free(lab[L]);
        lab[L] = nl;
    }
    if (ok && !td_plot_add_series(f, p, "best per value", cat ? TD_PLOT_POINTS : TD_PLOT_LINESPOINTS,
                                  iso.x, iso.best, iso.n)) {
        p->logy = 0;
        p->logx = !cat && h->log;
        if (!cat || !td_plot_set_xtics(p, (const char *const *)lab, h->nlevels))
            idx = td_report_fig_index(r, f);
    }
    for (size_t i = 0; lab && i < h->nlevels; i++) free(lab[i]);
    free(lab);
    td_study_iso_free(&iso);
    if (idx == -2) NOMEM(e);
    return idx;
}

td_code td_plot_add_study(td_report *r, const td_study *s, const td_study_report *rep,
                          const char *label, td_err *e)
{
    if (!label) label = s->source ? s->source : "study";
    if (td_report_add_input(r, label)) return td_fail(e, TD_ENOMEM, "out of memory");
    int fa = fig_axes(r, s, label, e);
    if (fa == -2) return e ? e->code : TD_ENOMEM;
    int fi = rep ? fig_isolation(r, s, rep->scientific, rep->buckets, label, e) : -1;
    if (fi == -2) return e ? e->code : TD_ENOMEM;
    for (size_t i = 0; rep && i < rep->nf; i++) {
        const td_study_finding *f = &rep->f[i];
        int fig = f->kind == TD_SF_ISOLATION && fi >= 0 ? fi : fa;
        if (td_report_add_finding(r, f->finding ? TD_PLOT_WARN : TD_PLOT_INFO, label, f->text, fig))
            return NOMEM(e);
    }
    return TD_OK;
}
