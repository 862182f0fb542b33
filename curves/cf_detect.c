/* cf_detect.c — choose the series a run is judged on, then run the table
 * of detectors over it (td_findings_detect). */
#include "td_findings.h"

#include <math.h>
#include <string.h>

/* Preference of a series as a split's objective: loss > error > accuracy,
 * then the plain name "loss", then a "total" loss, then more points. */
static double objective_score(const td_series *s)
{
    static const double KIND_SCORE[] = {
        [TD_METRIC_LOSS] = 3e9, [TD_METRIC_ERROR] = 2e9, [TD_METRIC_ACCURACY] = 1e9,
        [TD_METRIC_LR] = 0, [TD_METRIC_OTHER] = 0};
    double k = (unsigned)s->kind <= TD_METRIC_OTHER ? KIND_SCORE[s->kind] : 0;
    if (k == 0) return 0;
    if (s->base && strcmp(s->base, "loss") == 0) k += 4e8;
    if (s->name && strstr(s->name, "total")) k += 2e8;
    return k + (double)(s->n < 100000000 ? s->n : 100000000);
}

/* want: 0 training (or no split word), 1 validation, 2 test */
static int split_is(const td_series *s, int want)
{
    return want == 1 ? s->split == TD_SPLIT_VAL
         : want == 2 ? s->split == TD_SPLIT_TEST
                     : (s->split == TD_SPLIT_TRAIN || s->split == TD_SPLIT_NONE);
}

static size_t finite_points(const td_series *s)
{
    size_t k = 0;
    for (size_t i = 0; i < s->n; i++) k += isfinite(s->y[i]) != 0;
    return k;
}

/* Every value is exactly 0: a column the logger fills but nothing
 * computes (YOLO's validation losses with no validation) — no objective. */
static int all_zero(const td_series *s)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->y[i] != 0) return 0;
    return s->n > 0;
}

/* Best series of a split among the given kinds (mask of 1<<kind), or NULL. */
static const td_series *pick(const td_run *r, int want_val, unsigned kinds)
{
    const td_series *best = NULL;
    double bs = 0;
    for (size_t i = 0; i < r->nseries; i++) {
        const td_series *s = &r->series[i];
        if (!split_is(s, want_val) || !((kinds >> s->kind) & 1u)) continue;
        if ((finite_points(s) < 2 && s->n < 2) || all_zero(s)) continue;
        double sc = objective_score(s);
        if (sc > bs) { bs = sc; best = s; }
    }
    return best;
}

static double sign_of(const td_series *s) { return s && s->kind == TD_METRIC_ACCURACY ? -1.0 : 1.0; }

#define K(k) (1u << (k))
static const unsigned OBJECTIVE = K(TD_METRIC_LOSS) | K(TD_METRIC_ERROR) | K(TD_METRIC_ACCURACY);
static const unsigned TASK = K(TD_METRIC_ERROR) | K(TD_METRIC_ACCURACY);

/* Validation series, else test series (DeiT/DETR log their validation as test_*). */
static const td_series *pick_val(const td_run *r, unsigned kinds)
{
    const td_series *s = pick(r, 1, kinds);
    return s ? s : pick(r, 2, kinds);
}

/* The training and validation objectives, as a pair: when both are of one
 * kind but of different bases (YOLO: train total_loss, val box_loss), the
 * training series of the validation one's base stands in, so that a gap is
 * measured between like and like. */
static void pick_objectives(const td_run *r, const td_series **tr, const td_series **va)
{
    *tr = pick(r, 0, OBJECTIVE);
    *va = pick_val(r, OBJECTIVE);
    if (!*tr || !*va || (*tr)->kind != (*va)->kind || !(*tr)->base || !(*va)->base ||
        strcmp((*tr)->base, (*va)->base) == 0)
        return;
    for (size_t i = 0; i < r->nseries; i++) {
        const td_series *s = &r->series[i];
        if (split_is(s, 0) && s->kind == (*va)->kind && s->base && strcmp(s->base, (*va)->base) == 0 &&
            (finite_points(s) >= 2 || s->n >= 2) && !all_zero(s)) {
            *tr = s;
            return;
        }
    }
}

const td_series *td_findings_objective(const td_run *run, int val)
{
    const td_series *tr, *va;
    pick_objectives(run, &tr, &va);
    return val ? va : tr;
}

static td_code ctx_init(td_detect_ctx *c, const td_run *r, const td_detect_opts *o, td_err *e)
{
    memset(c, 0, sizeof *c);
    c->run = r;
    c->o = o;
    const td_series *tr, *va;
    pick_objectives(r, &tr, &va);
    const td_series *vm = va && va->kind == TD_METRIC_LOSS ? pick(r, va->split == TD_SPLIT_TEST ? 2 : 1, TASK) : NULL;
    const td_series *ta = pick(r, 0, K(TD_METRIC_ACCURACY));
    td_code rc;
    if ((rc = td_curve_make(&c->train, tr, sign_of(tr), o, e)) ||
        (rc = td_curve_make(&c->val, va, sign_of(va), o, e)) ||
        (rc = td_curve_make(&c->val_metric, vm, sign_of(vm), o, e)) ||
        (rc = td_curve_make(&c->train_acc, ta, sign_of(ta), o, e)))
        return rc;
    return TD_OK;
}

static void ctx_free(td_detect_ctx *c)
{
    td_curve_free(&c->train);
    td_curve_free(&c->val);
    td_curve_free(&c->val_metric);
    td_curve_free(&c->train_acc);
}

/* The detectors, in report order (declared in td_findings.h). */
static const td_detector_fn DETECTORS[] = {
    cf_detect_impossible, cf_detect_explosion, cf_detect_spikes, cf_detect_rising,
    cf_detect_learning,   cf_detect_lr_shape,  cf_detect_overfit, cf_detect_noise,
    cf_detect_progress,
};

/* First finite value of s (NaN when none). */
static double first_value(const td_series *s)
{
    for (size_t i = 0; s && i < s->n; i++)
        if (isfinite(s->y[i])) return s->y[i];
    return NAN;
}

/* Without --classes: C in 2..1000 when the run's first training loss is
 * within chance_tol/2 of ln C and its first accuracy (training, else
 * validation; a classification accuracy, not precision or mAP) within
 * half of 1/C of 1/C — a fresh classifier at chance, which says C. 0 when
 * nothing fits. */
/* s is a classifier's accuracy (its base holds "acc" or "top1": acc,
 * sparse_categorical_accuracy, acc1): precision, recall, mAP, IoU or F1
 * have no chance level of 1/C. */
static int class_accuracy(const td_series *s)
{
    return s && s->base && (strstr(s->base, "acc") || strstr(s->base, "top1"));
}

static int infer_classes(const td_run *r, const td_detect_opts *o, double *loss0, double *acc0)
{
    const td_series *l = pick(r, 0, K(TD_METRIC_LOSS));
    const td_series *a = pick(r, 0, K(TD_METRIC_ACCURACY));
    if (!a) a = pick_val(r, K(TD_METRIC_ACCURACY));
    if (!l || !class_accuracy(a)) return 0;
    *loss0 = first_value(l);
    *acc0 = first_value(a) / (a->percent ? 100.0 : 1.0);
    if (!(*loss0 > 0) || !(*acc0 > 0)) return 0;
    int c = (int)lround(exp(*loss0)), best = 0;
    double bestd = INFINITY;
    for (int k = c - 1; k <= c + 1; k++) { /* the C whose ln C is nearest, if it fits */
        if (k < 2 || k > 1000) continue;
        double lc = log((double)k), d = fabs(*loss0 - lc);
        if (d <= 0.5 * o->chance_tol * lc && fabs(*acc0 - 1.0 / k) <= 0.5 / k && d < bestd) { best = k; bestd = d; }
    }
    return best;
}

/* Overfitting of the run's other losses: each validation loss with a
 * training loss of its base (YOLO's obj and cls beside box) is judged by
 * cf_detect_overfit for a validation rise after its minimum only (their
 * plateaus, gaps and flat starts are the main pair's to tell), and not
 * once the run has an overfitting finding. */
static td_code other_pairs(const td_detect_ctx *main_ctx, td_findings *out, td_err *e)
{
    const td_run *r = main_ctx->run;
    if (!main_ctx->val.s || td_findings_has(out, TD_FIND_OVERFITTING, r->name, NULL)) return TD_OK;
    for (size_t i = 0; i < r->nseries; i++) {
        const td_series *v = &r->series[i], *t = NULL;
        if (v == main_ctx->val.s || v->kind != TD_METRIC_LOSS || !v->base || all_zero(v) ||
            (!split_is(v, 1) && !split_is(v, 2)))
            continue;
        for (size_t k = 0; k < r->nseries && !t; k++) {
            const td_series *s = &r->series[k];
            if (split_is(s, 0) && s->kind == TD_METRIC_LOSS && s->base && strcmp(s->base, v->base) == 0 && !all_zero(s))
                t = s;
        }
        if (!t) continue;
        td_detect_ctx c;
        memset(&c, 0, sizeof c);
        c.run = r;
        c.o = main_ctx->o;
        c.secondary = 1;
        td_code rc = td_curve_make(&c.train, t, 1, c.o, e);
        if (rc == TD_OK) rc = td_curve_make(&c.val, v, 1, c.o, e);
        size_t n0 = out->n;
        if (rc == TD_OK) rc = cf_detect_overfit(&c, out, e);
        ctx_free(&c);
        if (rc != TD_OK) return rc;
        if (td_findings_keep(out, n0, TD_FIND_OVERFITTING)) return TD_OK; /* its gaps: the main pair's */
    }
    return TD_OK;
}

td_code td_findings_detect(const td_run *run, const td_detect_opts *o,
                           td_findings *out, td_err *e)
{
    td_detect_opts def, inferred;
    if (!o) { td_detect_opts_default(&def); o = &def; }
    double loss0, acc0;
    int k = o->classes ? 0 : infer_classes(run, o, &loss0, &acc0);
    if (k) {
        inferred = *o;
        inferred.classes = k;
        o = &inferred;
        const td_series *l = pick(run, 0, K(TD_METRIC_LOSS));
        td_code rc = td_findings_add(out, TD_FIND_CLASSES_ASSUMED, run, l, NULL, l->x[0], l->x[0],
                                     l->line ? l->line[0] : 0, k, NAN, NAN, NAN, e,
                                     "assumed %d classes: the first loss %.4g is ln %d = %.4g and the first accuracy %.3g is about 1/%d (pass --classes C to set it)",
                                     k, loss0, k, log((double)k), acc0, k);
        if (rc) return rc;
    }
    td_detect_ctx c;
    td_code rc = ctx_init(&c, run, o, e);
    for (size_t i = 0; rc == TD_OK && i < sizeof DETECTORS / sizeof DETECTORS[0]; i++)
        rc = DETECTORS[i](&c, out, e);
    if (rc == TD_OK) rc = other_pairs(&c, out, e);
    ctx_free(&c);
    return rc;
}
