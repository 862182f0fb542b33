/* sc_overfit.c — overfit a tiny subset (seed 003: "make sure you can
 * achieve zero cost" on ~20 examples with regularization off): SGD,
 * momentum and Adam over a small step-size sweep, stopping at the first
 * configuration that drives the loss to ~0 with 100% accuracy; then a
 * control run of that configuration on zeroed inputs, which must not get
 * as far (a model that fits without looking at its inputs learns the
 * labels some other way). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "td_sanity.h"

typedef enum { OPT_SGD, OPT_MOMENTUM, OPT_ADAM } opt_kind;
static const char *const opt_names[] = { "sgd", "momentum", "adam" };

/* The sweep, tried in order: the robust ones first. */
static const struct { opt_kind kind; double lr; } sweep[] = {
    { OPT_ADAM, 1e-2 }, { OPT_ADAM, 3e-3 }, { OPT_ADAM, 3e-2 },
    { OPT_MOMENTUM, 0.1 }, { OPT_MOMENTUM, 0.03 }, { OPT_MOMENTUM, 0.3 },
    { OPT_SGD, 0.3 }, { OPT_SGD, 1.0 }, { OPT_SGD, 0.1 },
};
#define N_SWEEP (sizeof sweep / sizeof sweep[0])

typedef struct {
    long reached;   /* step at which the target was reached, -1 if never */
    double best;    /* lowest data loss seen */
    double acc;     /* accuracy at the lowest loss */
    double last;    /* loss at the last step */
    int diverged;   /* loss became NaN/Inf */
} run_result;

/* One update of params p by gradient g (n values): state m, v (2n). */
static void update(opt_kind k, double lr, long t, double *p, const double *g, double *m, double *v, size_t n)
{
    const double b1 = 0.9, b2 = 0.999, eps = 1e-8;
    for (size_t i = 0; i < n; i++) {
        switch (k) {
        case OPT_SGD: p[i] -= lr * g[i]; break;
        case OPT_MOMENTUM: m[i] = 0.9 * m[i] - lr * g[i]; p[i] += m[i]; break;
        case OPT_ADAM: {
            m[i] = b1 * m[i] + (1 - b1) * g[i];
            v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
            double mh = m[i] / (1 - pow(b1, (double)t)), vh = v[i] / (1 - pow(b2, (double)t));
            p[i] -= lr * mh / (sqrt(vh) + eps);
            break;
        }
        }
    }
}

/* Train from the model's init on (x, y) of s examples for at most steps. */
static td_code train(td_sc_model *m, const double *x, const double *y, size_t s, opt_kind k, double lr,
                     double goal, int need_acc, const td_sc_model_opts *o, double *state, double *scores,
                     run_result *res, td_err *e)
{
    td_code rc = td_sc_init(m, o->init_scale, o->seed, e);
    memset(state, 0, 2 * m->nparam * sizeof *state);
    *res = (run_result){ .reached = -1, .best = INFINITY, .acc = 0, .last = NAN, .diverged = 0 };
    for (long t = 1; rc == TD_OK && t <= o->steps + 1; t++) {
        double loss[2];
        rc = td_sc_forward(m, loss, scores, x, y, s, e);
        if (rc != TD_OK) break;
        double acc = need_acc ? td_sc_accuracy(m, scores, y, s) : 1;
        res->last = loss[0];
        if (!isfinite(loss[0])) { res->diverged = 1; break; }
        if (loss[0] < res->best) { res->best = loss[0]; res->acc = acc; }
        if (loss[0] <= goal && acc >= 1) { res->reached = t - 1; break; }
        if (t > o->steps) break;
        rc = td_sc_backward(m, x, y, s, e);
        if (rc == TD_OK) update(k, lr, t, m->p[0], m->g[0], state, state + m->nparam, m->nparam);
    }
    return rc;
}

td_code td_sc_overfit(td_sc_model *m, const td_sc_data *data, double chance,
                      const td_sc_model_opts *o, td_sc_check *c, td_err *e)
{
    size_t s = o->subset < data->n ? o->subset : data->n;
    int need_acc = m->d.loss != TD_LOSS_MSE;
    size_t K = m->d.loss == TD_LOSS_SOFTMAX || m->d.loss == TD_LOSS_SVM ? (size_t)m->d.classes : 1;
    double goal = o->target * chance;
    double *state = malloc(2 * m->nparam * sizeof *state);
    double *scores = malloc(s * K * sizeof *scores);
    double *zero = calloc(s * data->d, sizeof *zero);
    double *xs = malloc(s * data->d * sizeof *xs), *ys = malloc(s * sizeof *ys);
    size_t *pick = malloc(data->n * sizeof *pick);
    if (!state || !scores || !zero || !xs || !ys || !pick) {
        free(state); free(scores); free(zero); free(xs); free(ys); free(pick);
        return td_fail(e, TD_ENOMEM, "out of memory for the overfit run");
    }
    /* the subset: s examples drawn without replacement with the seed (a
     * data set sorted by class would otherwise give one class) */
    td_rng g;
    td_rng_seed(&g, o->seed);
    for (size_t i = 0; i < data->n; i++) pick[i] = i;
    for (size_t i = 0; i < s; i++) {
        size_t j = i + (size_t)td_rng_below(&g, data->n - i), t = pick[i];
        pick[i] = pick[j];
        pick[j] = t;
        memcpy(xs + i * data->d, data->x + pick[i] * data->d, data->d * sizeof *xs);
        ys[i] = data->y[pick[i]];
    }
    free(pick);
    if (m->d.loss == TD_LOSS_MSE) { /* chance of mse is the subset's own mean(y²) */
        chance = 0;
        for (size_t i = 0; i < s; i++) chance += ys[i] * ys[i] / (double)s;
        goal = o->target * chance;
    }
    td_code rc = TD_OK;
    run_result best = { .reached = -1, .best = INFINITY }, r;
    size_t bi = 0, tried = 0;
    for (size_t i = 0; rc == TD_OK && i < N_SWEEP; i++) {
        rc = train(m, xs, ys, s, sweep[i].kind, sweep[i].lr, goal, need_acc, o, state, scores, &r, e);
        tried++;
        if (rc == TD_OK && (r.reached >= 0 || r.best < best.best)) { best = r; bi = i; }
        if (r.reached >= 0) break;
    }
    /* the control: the chosen configuration on zeroed inputs */
    run_result ctl = { .reached = -1, .best = NAN };
    if (rc == TD_OK)
        rc = train(m, zero, ys, s, sweep[bi].kind, sweep[bi].lr, goal, need_acc, o, state, scores, &ctl, e);
    int one_class = 1;
    for (size_t i = 1; i < s; i++) one_class &= ys[i] == ys[0];
    free(state); free(scores); free(zero); free(xs); free(ys);
    if (rc != TD_OK) return rc;

    td_sc_num(c, "examples", (double)s);
    td_sc_num(c, "best_loss", best.best);
    td_sc_num(c, "accuracy", best.acc);
    td_sc_num(c, "target_loss", goal);
    td_sc_num(c, "steps", best.reached >= 0 ? (double)best.reached : (double)o->steps);
    td_sc_num(c, "lr", sweep[bi].lr);
    td_sc_num(c, "configs_tried", (double)tried);
    td_sc_num(c, "control_best_loss", ctl.best);
    if (best.reached < 0) {
        c->status = TD_SC_FAIL;
        td_sc_what(c, "cannot overfit %zu examples: best loss %.4g (accuracy %.0f%%) after %ld steps of "
                      "sgd, momentum and adam at %zu step sizes; wanted <= %.3g and 100%%",
                   s, best.best, 100 * best.acc, o->steps, tried, goal);
        td_sc_cause(c, "the model or its gradients are broken (check the backward pass with gradcheck: "
                       "a gradient that is zero, has the wrong sign or ignores the labels)");
        return TD_OK;
    }
    td_sc_what(c, "%zu examples overfit: loss %.3g, accuracy 100%% after %ld steps (%s, lr %g); "
                  "zeroed inputs reach %.3g", s, best.best, best.reached, opt_names[sweep[bi].kind],
               sweep[bi].lr, ctl.best);
    if (ctl.reached >= 0 && !one_class) {
        c->status = TD_SC_FAIL;
        td_sc_cause(c, "the model fits the labels with zeroed inputs too: it does not need the inputs "
                       "(labels leak through another path, or the subset is memorised by index)");
    } else if (one_class) {
        td_sc_cause(c, "the %zu examples are all one class: overfitting them proves little, shuffle the data", s);
    }
    return TD_OK;
}
