/* sc_log.c — sanitycheck from a training log (curvecheck's readers):
 * mode 1 takes the first training loss of a log; mode 3 asks whether a
 * tiny-subset run drove its training loss to ~0, and how fast. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "td_curves.h"
#include "td_sanity.h"

static td_code read_log(const char *path, td_log **log, td_err *e)
{
    td_code rc = td_log_read_file(path, TD_FMT_AUTO, log, e);
    if (rc != TD_OK) return rc;
    return TD_OK;
}

td_code td_sc_log_first_loss(const char *path, double *value, char *metric, size_t cap, td_err *e)
{
    td_log *log = NULL;
    td_code rc = read_log(path, &log, e);
    if (rc != TD_OK) return rc;
    const td_series *s = td_run_find(&log->runs[0], TD_SPLIT_TRAIN, TD_METRIC_LOSS);
    char safe[256];
    td_safe_text(safe, sizeof safe, path);
    if (!s || !s->n) {
        td_log_free(log);
        return td_fail(e, TD_EINPUT, "%s: no training loss in the log", safe);
    }
    *value = s->y[0];
    td_safe_text(metric, cap, s->name);
    td_log_free(log);
    return TD_OK;
}

/* One run: row "overfit" judged from its training loss (and accuracy). */
static void judge_run(const td_run *run, double target, td_sc_check *c)
{
    const td_series *s = td_run_find(run, TD_SPLIT_TRAIN, TD_METRIC_LOSS);
    if (!s || s->n < 2) {
        c->status = TD_SC_SKIP;
        td_sc_what(c, "%s: fewer than two training-loss points", s ? "one point" : "no training loss");
        return;
    }
    double first = s->y[0], best = INFINITY, goal = target * fabs(first);
    size_t reach = s->n, ibest = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (s->y[i] < best) { best = s->y[i]; ibest = i; }
        if (reach == s->n && s->y[i] <= goal) reach = i;
    }
    const td_series *acc = td_run_find(run, TD_SPLIT_TRAIN, TD_METRIC_ACCURACY);
    double amax = NAN;
    if (acc && acc->n) {
        amax = -INFINITY;
        for (size_t i = 0; i < acc->n; i++) amax = fmax(amax, acc->y[i]);
        if (acc->percent) amax /= 100;
    }
    double last = s->y[s->n - 1];
    td_sc_num(c, "first_loss", first);
    td_sc_num(c, "best_loss", best);
    td_sc_num(c, "last_loss", last);
    td_sc_num(c, "target_loss", goal);
    td_sc_num(c, "points", (double)s->n);
    if (acc) td_sc_num(c, "best_accuracy", amax);
    char name[64], xn[32];
    td_safe_text(name, sizeof name, s->name);
    td_safe_text(xn, sizeof xn, run->x_name);
    if (reach < s->n) {
        td_sc_num(c, "reached_at", s->x[reach]);
        td_sc_num(c, "reached_fraction", (double)(reach + 1) / (double)s->n);
    }
    if (!isfinite(best) || !isfinite(last)) {
        c->status = TD_SC_FAIL;
        td_sc_what(c, "%s became NaN/Inf", name);
        td_sc_cause(c, "the run diverged: learning rate far too high or a numerically unsafe loss");
    } else if (reach == s->n) {
        c->status = TD_SC_FAIL;
        td_sc_what(c, "%s never reached ~0: best %.4g at %s %g is %.3g x the first %.4g (wanted <= %.3g)", name,
                   best, xn, s->x[ibest], first != 0 ? best / first : NAN, first, goal);
        td_sc_cause(c, "a tiny subset that cannot be overfit: the model or its gradients are broken, the "
                       "learning rate is %s, or regularization, dropout or augmentation were left on",
                    last > 1.5 * best ? "too high (the loss rose again)" : "too low");
    } else if (acc && amax < 0.999) {
        c->status = TD_SC_FAIL;
        td_sc_what(c, "%s reached %.3g at %s %g but the training accuracy peaks at %.1f%%", name, s->y[reach],
                   xn, s->x[reach], 100 * amax);
        td_sc_cause(c, "the loss is ~0 but some examples stay wrong: labels that conflict on identical "
                       "inputs, or an accuracy computed on other data");
    } else {
        td_sc_what(c, "%s reached %.3g (<= %.3g) at %s %g, %.0f%% into the run", name, s->y[reach], goal, xn,
                   s->x[reach], 100.0 * (double)(reach + 1) / (double)s->n);
    }
}

td_code td_sc_log_overfit(const char *path, double target, td_sc_report *r, td_err *e)
{
    td_log *log = NULL;
    td_code rc = read_log(path, &log, e);
    if (rc != TD_OK) return rc;
    for (size_t k = 0; k < log->nruns && r->n < TD_SC_MAXCHECK; k++) {
        char name[48];
        if (log->nruns == 1) snprintf(name, sizeof name, "overfit");
        else snprintf(name, sizeof name, "overfit run %zu", k + 1);
        judge_run(&log->runs[k], target, td_sc_add(r, name));
    }
    td_log_free(log);
    return TD_OK;
}
