/* sc_chance.c — the loss at chance per loss kind (seed 003: "look for
 * correct loss at chance performance"), its tolerance from the batch, and
 * the likely cause when a first loss is off. */
#include <math.h>
#include <string.h>
#include <strings.h>

#include "td_sanity.h"

/* Loss kinds: names (first is canonical) and the chance formula. */
static const struct {
    int kind;
    const char *names[4];
    const char *formula;
} loss_table[] = {
    { TD_LOSS_SOFTMAX, { "softmax", "ce", "cross-entropy", "nll" }, "ln C" },
    { TD_LOSS_BCE, { "bce", "sigmoid", "binary", NULL }, "ln 2" },
    { TD_LOSS_SVM, { "svm", "hinge", "multiclass-svm", NULL }, "(C-1)*margin" },
    { TD_LOSS_MSE, { "mse", "l2", NULL, NULL }, "mean(y^2)" },
};
#define N_LOSS (sizeof loss_table / sizeof loss_table[0])

int td_sc_loss_parse(const char *name)
{
    for (size_t i = 0; name && i < N_LOSS; i++)
        for (int k = 0; k < 4 && loss_table[i].names[k]; k++)
            if (!strcasecmp(name, loss_table[i].names[k])) return loss_table[i].kind;
    return -1;
}

const char *td_sc_loss_name(int kind)
{
    for (size_t i = 0; i < N_LOSS; i++)
        if (loss_table[i].kind == kind) return loss_table[i].names[0];
    return "?";
}

td_code td_sc_chance(const td_sc_loss *l, double *chance, const char **formula, td_err *e)
{
    size_t i = 0;
    while (i < N_LOSS && loss_table[i].kind != l->kind) i++;
    if (i == N_LOSS) return td_fail(e, TD_EUSAGE, "--loss: unknown loss kind %d", l->kind);
    if (formula) *formula = loss_table[i].formula;
    switch (l->kind) {
    case TD_LOSS_SOFTMAX:
    case TD_LOSS_SVM:
        if (l->classes < 2)
            return td_fail(e, TD_EUSAGE, "--classes: %ld classes, a %s loss needs C >= 2",
                           l->classes, td_sc_loss_name(l->kind));
        if (l->kind == TD_LOSS_SOFTMAX) { *chance = log((double)l->classes); break; }
        if (!(l->margin > 0)) return td_fail(e, TD_EUSAGE, "--margin: must be > 0");
        *chance = (double)(l->classes - 1) * l->margin;
        break;
    case TD_LOSS_BCE:
        *chance = log(2.0);
        break;
    default: /* TD_LOSS_MSE */
        if (!(l->mean_y2 >= 0) || !isfinite(l->mean_y2))
            return td_fail(e, TD_EUSAGE, "--mean-y2: an mse loss at chance is the mean of y^2: give it");
        *chance = l->mean_y2;
        break;
    }
    return TD_OK;
}

double td_sc_tolerance(double chance, double sd, double n)
{
    if (sd < 0) sd = TD_SC_SPREAD * chance;
    if (!(n >= 1)) n = 1;
    double t = 3.0 * sd / sqrt(n);
    return fmax(TD_SC_TOL_FLOOR * fabs(chance), t);
}

/* Sample standard deviation and mean of the finite values (sd -1 if < 2). */
static double spread(const double *x, size_t n, double *mean)
{
    td_stats s;
    td_stats_init(&s);
    td_stats_add_array(&s, x, n);
    *mean = s.n ? s.mean : NAN;
    return s.n >= 2 ? sqrt(s.m2 / (double)(s.n - 1)) : -1;
}

void td_sc_judge_chance(td_sc_check *c, const td_sc_loss *l, double value,
                        const double *ex, size_t n_ex, double batch, double tol_override)
{
    double chance = NAN;
    const char *formula = "";
    if (td_sc_chance(l, &chance, &formula, NULL) != TD_OK) {
        c->status = TD_SC_SKIP;
        td_sc_what(c, "no chance level for this loss");
        return;
    }
    if (!(batch >= 1)) batch = 1;
    double ex_mean = NAN, sd = n_ex >= 2 ? spread(ex, n_ex, &ex_mean) : -1;
    double tol = tol_override > 0 ? tol_override : td_sc_tolerance(chance, sd, batch);
    double ratio = chance > 0 ? value / chance : NAN;
    td_sc_num(c, "value", value);
    td_sc_num(c, "chance", chance);
    td_sc_num(c, "tolerance", tol);
    td_sc_num(c, "ratio", ratio);
    td_sc_num(c, "batch", batch);
    if (sd >= 0) td_sc_num(c, "example_sd", sd);
    if (!isfinite(value)) {
        c->status = TD_SC_FAIL;
        td_sc_what(c, "first loss is %g, not a number: expected %.4g (%s)", value, chance, formula);
        td_sc_cause(c, "overflow in the loss: scores so large that exp() overflows or log(0) is taken "
                       "(init scale far too large, or a missing log-sum-exp shift)");
        return;
    }
    double dev = value - chance;
    if (fabs(dev) <= tol) {
        td_sc_what(c, "loss %.4g is at chance %.4g (%s) within %.3g", value, chance, formula, tol);
        return;
    }
    c->status = TD_SC_FAIL;
    td_sc_what(c, "loss %.4g is %s chance %.4g (%s) by %.3g, tolerance %.3g", value,
               dev > 0 ? "above" : "below", chance, formula, fabs(dev), tol);
    /* summed: the batch value is ~batch x the mean of the per-example
     * losses when those are known, else ~batch x chance */
    double per = n_ex >= 2 && ex_mean > 0 ? value / ex_mean : ratio;
    if (dev > 0 && batch >= 2 && fabs(per - batch) <= 0.25 * batch) {
        td_sc_cause(c, "loss summed over the batch instead of averaged: %.4g is %.3g x %s "
                       "and the batch has %.0f examples", value, per,
                    n_ex >= 2 ? "the mean per-example loss" : "chance", batch);
    } else if (dev > 0) {
        char extra[96] = "";
        if (ratio >= 3 && batch < 2)
            snprintf(extra, sizeof extra, "; or the loss summed over a batch of ~%.0f", ratio);
        td_sc_cause(c, "init scale too large: the fresh model is confidently wrong "
                       "(draw weights smaller, e.g. scale the last layer by 0.01); or labels "
                       "wrong (outside [0,C), one-hot read as indices)%s", extra);
    } else if (l->kind == TD_LOSS_SOFTMAX && l->classes >= 2) {
        double C = (double)l->classes;
        td_sc_cause(c, "below chance before learning: labels constant or leaking into the inputs, "
                       "the loss divided twice (%.4g would be ln C / C), or softmax applied twice "
                       "(it squeezes the loss into [%.3g, %.3g])",
                    chance / C, log(1 + (C - 1) / M_E), log(C - 1 + M_E));
    } else {
        td_sc_cause(c, "below chance before learning: labels constant or leaking into the inputs, "
                       "or the loss divided twice (by the batch and again)");
    }
}
