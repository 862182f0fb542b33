/* dp_flags.c — the analysis of a read dump (seed 003 "babysitting"):
 *  ratio   ‖W(t+Δ)−W(t)‖/‖W(t)‖/Δ, or lr·‖g‖/‖W‖ (SGD), or
 *          lr·√(1−β2^t)/(1−β1^t)·‖m/(√v+ε)‖/‖W‖ (Adam checkpoint); ~1e-3 is healthy;
 *  never moved, zero optimizer accumulators, dead/saturated/zero/exploding
 *  activations, gradient RMS across depth, init std against
 *  He √(2/fan_in), Glorot √(2/(fan_in+fan_out)), LeCun √(1/fan_in). */
#include "td_dump.h"

#include <hdf5.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const struct { td_dump_flag f; const char *name; } FLAG_NAMES[] = {
    { TD_DF_NONFINITE, "nonfinite" }, { TD_DF_DEAD_RELU, "dead_relu" },
    { TD_DF_SATURATED, "saturated" }, { TD_DF_ZERO_ACT, "zero_activations" },
    { TD_DF_EXPLODING_ACT, "exploding_activations" }, { TD_DF_NEVER_MOVED, "never_moved" },
    { TD_DF_ZERO_ACCUM, "zero_accumulator" }, { TD_DF_VANISHING_GRAD, "vanishing_gradient" },
    { TD_DF_EXPLODING_GRAD, "exploding_gradient" }, { TD_DF_LR_HIGH, "update_ratio_high" },
    { TD_DF_LR_LOW, "update_ratio_low" }, { TD_DF_INIT_SCALE, "init_scale" },
    { TD_DF_COLLAPSE, "activation_collapse" },
};

const char *td_dump_flag_name(td_dump_flag f)
{
    for (size_t i = 0; i < sizeof FLAG_NAMES / sizeof FLAG_NAMES[0]; i++)
        if (FLAG_NAMES[i].f == f) return FLAG_NAMES[i].name;
    return "?";
}

td_code td_dump_add_finding(td_dump *d, td_err *e, td_dump_flag f, int layer, long long step,
                            double value, double thr, const char *fmt, ...)
{
    td_dump_finding *nf = realloc(d->findings, (d->nfindings + 1) * sizeof *nf);
    if (!nf) return td_fail(e, TD_ENOMEM, "out of memory");
    d->findings = nf;
    td_dump_finding *x = &d->findings[d->nfindings++];
    x->flag = f; x->layer = layer; x->step = step; x->value = value; x->threshold = thr;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->msg, sizeof x->msg, fmt, ap);
    va_end(ap);
    if (layer >= 0) d->layers[layer].flags |= (unsigned)f;
    return TD_OK;
}

static td_code add_ratio(td_dump *d, td_err *e, int layer, const char *param, long long s,
                         long long s2, double r, td_ratio_method m)
{
    td_dump_ratio *nr = realloc(d->ratios, (d->nratios + 1) * sizeof *nr);
    if (!nr) return td_fail(e, TD_ENOMEM, "out of memory");
    d->ratios = nr;
    td_dump_ratio *x = &d->ratios[d->nratios];
    if (!(x->param = strdup(param))) return td_fail(e, TD_ENOMEM, "out of memory");
    x->layer = layer; x->step = s; x->step_to = s2; x->ratio = r; x->method = m;
    d->nratios++;
    return TD_OK;
}

/* fan_in, fan_out of a weight: PyTorch (out,in,k...) or Keras (k...,in,out). */
static void fans(const td_dump_shape *s, int keras, uint64_t *in, uint64_t *out)
{
    *in = *out = 0;
    if (s->rank < 2) return;
    uint64_t rec = 1;
    if (keras) {
        for (int i = 0; i < s->rank - 2; i++) rec *= s->dims[i];
        *in = s->dims[s->rank - 2] * rec;
        *out = s->dims[s->rank - 1] * rec;
    } else {
        for (int i = 2; i < s->rank; i++) rec *= s->dims[i];
        *in = s->dims[1] * rec;
        *out = s->dims[0] * rec;
    }
}

/* The layer's main weight name: the first rank ≥ 2 parameter, "weight" or
 * "kernel" preferred; NULL when it has none. */
static const char *main_weight(const td_dump *d, int layer)
{
    const char *first = NULL;
    for (size_t i = 0; i < d->ntensors; i++) {
        const td_dump_tensor *t = &d->tensors[i];
        if (t->layer != layer || t->kind != TD_DK_PARAM || t->shape.rank < 2) continue;
        if (strcmp(t->param, "weight") == 0 || strcmp(t->param, "kernel") == 0) return t->param;
        if (!first) first = t->param;
    }
    return first;
}

static double median_of(double *v, size_t n) { return n ? td_median(v, n) : NAN; }

/* Ratios of every parameter; judged on each layer's main weight. */
static td_code ratios(td_dump *d, const td_dump_opts *o, const int64_t *fids, td_err *e)
{
    td_code rc = TD_OK;
    for (size_t i = 0; i < d->ntensors && rc == TD_OK; i++) {
        const td_dump_tensor *t = &d->tensors[i];
        if (t->kind != TD_DK_PARAM) continue;
        double wn = td_stats_norm(&t->st);
        if (t->step >= 0) { /* the next step holding the same parameter */
            long best = -1;
            for (size_t j = 0; j < d->ntensors; j++) {
                const td_dump_tensor *u = &d->tensors[j];
                if (u->kind != TD_DK_PARAM || u->layer != t->layer || strcmp(u->param, t->param) != 0 || u->step <= t->step) continue;
                if (best < 0 || u->step < d->tensors[best].step) best = (long)j;
            }
            if (best >= 0) {
                const td_dump_tensor *u = &d->tensors[best];
                double sum; uint64_t bad;
                if (t->paired && t->pair_to == u->step) { /* streamed with the statistics */
                    sum = t->pair_sum;
                    bad = t->pair_bad;
                } else if (d->layout == TD_DUMP_SAFETENSORS) {
                    td_st_entry a = { t->path, t->shape, 0, 0, t->data_offset }, b = { u->path, u->shape, 0, 0, u->data_offset };
                    rc = td_st_pair_diff(d->files[t->file], &a, d->files[u->file], &b, o->chunk_bytes, &sum, &bad, e);
                } else {
                    rc = td_dump_pair(fids[t->file], d->files[t->file], t->path, fids[u->file], d->files[u->file],
                                      u->path, TD_PAIR_DIFF, 0, o->max_elems, o->chunk_bytes, &sum, &bad, e);
                }
                if (rc != TD_OK) break;
                int known = TD_STEPS_KNOWN(d->step_source); /* else per checkpoint, not per step */
                double dt = known ? (double)(u->step - t->step) : 1.0;
                double r = wn > 0 ? sqrt(sum) / wn / dt : (sum > 0 ? INFINITY : 0);
                if (bad >= t->shape.n) r = NAN; /* nothing finite to compare: not "never moved" */
                rc = add_ratio(d, e, t->layer, t->param, t->step, u->step, r, known ? TD_RATIO_DIFF : TD_RATIO_CKPT);

            }
        } else if (isfinite(d->lr) && strstr(d->optimizer, "adam")) { /* checkpoint: Adam's m and v */
            long m = -1, v = -1;
            for (size_t j = 0; j < d->ntensors; j++) {
                const td_dump_tensor *u = &d->tensors[j];
                if (u->kind != TD_DK_OPT || u->layer != t->layer || strcmp(u->param, t->param) != 0 || !u->slot) continue;
                if (strcmp(u->slot, "m") == 0) m = (long)j;
                if (strcmp(u->slot, "v") == 0) v = (long)j;
            }
            if (m >= 0 && v >= 0 && wn > 0) {
                const td_dump_tensor *tm = &d->tensors[m], *tv = &d->tensors[v];
                double sum; uint64_t bad;
                rc = td_dump_pair(fids[tm->file], d->files[tm->file], tm->path, fids[tv->file], d->files[tv->file],
                                  tv->path, TD_PAIR_ADAM, 1e-7, o->max_elems, o->chunk_bytes, &sum, &bad, e);
                if (rc != TD_OK) break;
                double c = 1;
                if (d->iterations > 0) {
                    double it = (double)d->iterations;
                    c = sqrt(1 - pow(0.999, it)) / (1 - pow(0.9, it));
                }
                rc = add_ratio(d, e, t->layer, t->param, -1, -1, d->lr * c * sqrt(sum) / wn, TD_RATIO_ADAM);
            }
        }
    }
    /* lr·‖g‖/‖W‖ (plain SGD) for the parameters that have no step pair */
    size_t ndiff = d->nratios;
    for (size_t i = 0; i < d->ntensors && rc == TD_OK; i++) {
        const td_dump_tensor *t = &d->tensors[i];
        if (t->kind != TD_DK_PARAM || t->step < 0 || !isfinite(d->lr)) continue;
        if (d->optimizer[0] && strcmp(d->optimizer, "sgd") != 0) continue;
        int paired = 0;
        for (size_t r = 0; r < ndiff && !paired; r++)
            paired = d->ratios[r].layer == t->layer && strcmp(d->ratios[r].param, t->param) == 0;
        long g = td_dump_find(d, t->layer, TD_DK_GRAD, t->param, t->step);
        double wn = td_stats_norm(&t->st);
        if (!paired && g >= 0 && wn > 0)
            rc = add_ratio(d, e, t->layer, t->param, t->step, t->step,
                           d->lr * td_stats_norm(&d->tensors[g].st) / wn, TD_RATIO_GRAD);
    }
    return rc;
}

/* Parameters identical across step pairs: never moved (every pair) or
 * stopped moving (every pair from some step on). One finding per parameter. */
static td_code never_moved(td_dump *d, td_err *e)
{
    td_code rc = TD_OK;
    for (size_t i = 0; i < d->nratios && rc == TD_OK; i++) {
        const td_dump_ratio *r = &d->ratios[i];
        if (r->method != TD_RATIO_DIFF && r->method != TD_RATIO_CKPT) continue;
        int first = 1, all_zero = 1, moved_before = 0;
        long long zero_from = -1, last_to = -1;
        size_t npairs = 0;
        for (size_t j = 0; j < d->nratios; j++) { /* the parameter's pairs in step order */
            const td_dump_ratio *q = &d->ratios[j];
            if (q->method != r->method || q->layer != r->layer || strcmp(q->param, r->param) != 0) continue;
            if (j < i) { first = 0; break; }
        }
        if (!first) continue;
        for (size_t s = 0; s < d->nsteps; s++)
            for (size_t j = 0; j < d->nratios; j++) {
                const td_dump_ratio *q = &d->ratios[j];
                if (q->method != r->method || q->layer != r->layer || strcmp(q->param, r->param) != 0 || q->step != d->steps[s]) continue;
                npairs++;
                if (q->ratio == 0) { if (zero_from < 0) zero_from = q->step; }
                else { all_zero = 0; moved_before = 1; zero_from = -1; }
                last_to = q->step_to;
            }
        if (zero_from < 0) continue;
        char ln[128], pn[128];
        td_safe_text(ln, sizeof ln, d->layers[r->layer].name);
        td_safe_text(pn, sizeof pn, r->param);
        if (all_zero && npairs == 1)
            rc = td_dump_add_finding(d, e, TD_DF_NEVER_MOVED, r->layer, zero_from, 0, 0,
                         "%s/%s: identical at steps %lld and %lld: never moved (frozen, or no gradient reaches it)",
                         ln, pn, zero_from, last_to);
        else if (all_zero)
            rc = td_dump_add_finding(d, e, TD_DF_NEVER_MOVED, r->layer, zero_from, 0, 0,
                         "%s/%s: identical across all %zu step pairs (steps %lld..%lld): never moved (frozen, or no gradient reaches it)",
                         ln, pn, npairs, zero_from, last_to);
        else if (moved_before)
            rc = td_dump_add_finding(d, e, TD_DF_NEVER_MOVED, r->layer, zero_from, 0, 0,
                         "%s/%s: stopped moving: identical from step %lld to %lld (no gradient reaches it any more)",
                         ln, pn, zero_from, last_to);
    }
    return rc;
}

static int relu_like(const td_dump_layer *l, const td_dump_tensor *t)
{
    if (strcmp(l->act, "relu") == 0 || strcmp(l->act, "relu6") == 0) return 1;
    return !l->act[0] && t->st.n > 0 && t->st.min >= 0;
}

td_code td_dump_analyse(td_dump *d, const td_dump_opts *o, const int64_t *fids, td_err *e)
{
    td_code rc = ratios(d, o, fids, e);
    if (rc == TD_OK) rc = never_moved(d, e);
    if (rc != TD_OK) return rc;
    char ln[128], pn[128];
    long long last_step = d->nsteps ? d->steps[d->nsteps - 1] : -1;
    long long first_step = d->nsteps ? d->steps[0] : -1;

    /* NaN / Inf anywhere */
    for (size_t i = 0; i < d->ntensors && rc == TD_OK; i++) {
        const td_dump_tensor *t = &d->tensors[i];
        if (t->st.nans + t->st.infs == 0) continue;
        td_safe_text(pn, sizeof pn, t->path);
        rc = td_dump_add_finding(d, e, TD_DF_NONFINITE, t->layer, t->step, (double)(t->st.nans + t->st.infs), 0,
                     "%s: %llu NaN and %llu Inf values", pn, (unsigned long long)t->st.nans, (unsigned long long)t->st.infs);
    }
    for (size_t li = 0; li < d->nlayers && rc == TD_OK; li++) {
        td_dump_layer *l = &d->layers[li];
        td_safe_text(ln, sizeof ln, l->name);
        const char *w = main_weight(d, (int)li);
        /* weight: fans and init scale at its first step */
        if (w && d->layout != TD_DUMP_GENERIC) {
            long t0 = -1;
            for (size_t i = 0; i < d->ntensors; i++) {
                const td_dump_tensor *t = &d->tensors[i];
                if (t->layer == (int)li && t->kind == TD_DK_PARAM && strcmp(t->param, w) == 0 && (t0 < 0 || t->step < d->tensors[t0].step))
                    t0 = (long)i;
            }
            const td_dump_tensor *t = &d->tensors[t0];
            fans(&t->shape, d->keras_order, &l->fan_in, &l->fan_out);
            l->init_std = td_stats_std(&t->st);
            if (l->fan_in > 0 && l->fan_out > 0) {
                l->he = sqrt(2.0 / (double)l->fan_in);
                l->glorot = sqrt(2.0 / (double)(l->fan_in + l->fan_out));
                l->lecun = sqrt(1.0 / (double)l->fan_in);
                double lo = fmin(l->he, fmin(l->glorot, l->lecun)) / o->init_factor;
                double hi = fmax(l->he, fmax(l->glorot, l->lecun)) * o->init_factor;
                if (d->layout == TD_DUMP_TDIAG && t->step == 0 && first_step == 0 && (l->init_std < lo || l->init_std > hi))
                    rc = td_dump_add_finding(d, e, TD_DF_INIT_SCALE, (int)li, 0, l->init_std, l->init_std < lo ? lo : hi,
                                 "%s: initial weight std %.3g is %s (He %.3g, Glorot %.3g, LeCun %.3g for fan_in %llu, fan_out %llu)",
                                 ln, l->init_std, l->init_std < lo ? "far below every standard scale" : "far above every standard scale",
                                 l->he, l->glorot, l->lecun, (unsigned long long)l->fan_in, (unsigned long long)l->fan_out);
            }
            if (rc != TD_OK) break;
            /* checkpoint without steps: a constant weight never left its init */
            if (t->step < 0 && t->st.n > 1 && t->st.m2 == 0 && t->st.nans + t->st.infs == 0)
                rc = td_dump_add_finding(d, e, TD_DF_NEVER_MOVED, (int)li, -1, t->st.min, 0,
                             "%s/%s: all %llu values equal %.3g: still at a constant initialisation", ln, w,
                             (unsigned long long)t->st.n, t->st.min);
            if (rc != TD_OK) break;
            /* update/weight ratio of the main weight */
            double *rv = malloc((d->nratios + 1) * sizeof *rv);
            if (!rv) return td_fail(e, TD_ENOMEM, "out of memory");
            size_t nr = 0;
            int judged = 1; /* per-checkpoint changes are shown, never judged per step */
            for (size_t r = 0; r < d->nratios; r++)
                if (d->ratios[r].layer == (int)li && strcmp(d->ratios[r].param, w) == 0 && isfinite(d->ratios[r].ratio)
                    && d->ratios[r].ratio > 0) { /* pairs where it moved: not moving is judged apart */
                    rv[nr++] = d->ratios[r].ratio;
                    judged &= d->ratios[r].method != TD_RATIO_CKPT;
                }
            l->ratio_median = median_of(rv, nr);
            free(rv);
            if (!judged) nr = 0;
            if (nr && l->ratio_median > o->ratio_hi)
                rc = td_dump_add_finding(d, e, TD_DF_LR_HIGH, (int)li, -1, l->ratio_median, o->ratio_hi,
                             "%s: update/weight ratio per step %.2g (median of %zu) is far above ~1e-3 (> %.2g): learning rate too high",
                             ln, l->ratio_median, nr, o->ratio_hi);
            else if (nr && l->ratio_median > 0 && l->ratio_median < o->ratio_lo)
                rc = td_dump_add_finding(d, e, TD_DF_LR_LOW, (int)li, -1, l->ratio_median, o->ratio_lo,
                             "%s: update/weight ratio per step %.2g (median of %zu) is far below ~1e-3 (< %.2g): learning rate too low",
                             ln, l->ratio_median, nr, o->ratio_lo);
            /* any other parameter of the layer (a bias, a norm's scale) far above
               the band: 30 x --ratio-hi, so the usual larger ratios of small
               parameters are not findings but an update that rewrites one is */
            for (size_t r0 = 0; r0 < d->nratios && rc == TD_OK && !(l->flags & TD_DF_LR_HIGH); r0++) {
                const td_dump_ratio *a = &d->ratios[r0];
                if (a->layer != (int)li || strcmp(a->param, w) == 0) continue;
                int first = 1;
                for (size_t k = 0; k < r0 && first; k++)
                    first = !(d->ratios[k].layer == (int)li && strcmp(d->ratios[k].param, a->param) == 0);
                if (!first) continue;
                double *pv = malloc((d->nratios + 1) * sizeof *pv);
                if (!pv) return td_fail(e, TD_ENOMEM, "out of memory");
                size_t np = 0;
                for (size_t k = r0; k < d->nratios; k++)
                    if (d->ratios[k].layer == (int)li && strcmp(d->ratios[k].param, a->param) == 0 &&
                        isfinite(d->ratios[k].ratio) && d->ratios[k].ratio > 0 &&
                        d->ratios[k].method != TD_RATIO_CKPT) /* per checkpoint: shown, not judged */
                        pv[np++] = d->ratios[k].ratio;
                double med = median_of(pv, np);
                free(pv);
                if (np && med > 30 * o->ratio_hi) {
                    td_safe_text(pn, sizeof pn, a->param);
                    rc = td_dump_add_finding(d, e, TD_DF_LR_HIGH, (int)li, -1, med, 30 * o->ratio_hi,
                                 "%s/%s: update/weight ratio %.2g (median of %zu) is %.0f x --ratio-hi %.2g (limit 30 x): "
                                 "each update rewrites it; learning rate too high for it",
                                 ln, pn, med, np, med / o->ratio_hi, o->ratio_hi);
                }
            }
            if (rc != TD_OK) break;
            long g = td_dump_find(d, (int)li, TD_DK_GRAD, w, last_step);
            if (g >= 0) l->grad_rms_last = td_stats_rms(&d->tensors[g].st);
        }
        /* a trained checkpoint whose bias-like parameter is still all zero */
        for (size_t i = 0; i < d->ntensors && rc == TD_OK && d->iterations > 0; i++) {
            const td_dump_tensor *t = &d->tensors[i];
            if (t->layer != (int)li || t->kind != TD_DK_PARAM || t->step >= 0 || t->shape.rank != 1) continue;
            if (strcmp(t->param, "bias") != 0 && strcmp(t->param, "beta") != 0) continue;
            if (t->st.n > 0 && t->st.zeros == t->st.n && !(l->flags & TD_DF_NEVER_MOVED)) {
                td_safe_text(pn, sizeof pn, t->param);
                rc = td_dump_add_finding(d, e, TD_DF_NEVER_MOVED, (int)li, -1, 0, 0,
                             "%s/%s: all zero after %lld iterations: never moved", ln, pn, d->iterations);
            }
        }
        /* optimizer accumulators all zero after iterations: no gradient flowed */
        for (size_t i = 0; i < d->ntensors && rc == TD_OK; i++) {
            const td_dump_tensor *t = &d->tensors[i];
            if (t->layer != (int)li || t->kind != TD_DK_OPT || !t->slot || strcmp(t->slot, "vhat") == 0) continue;
            if (d->iterations == 0 || t->st.n == 0 || t->st.zeros != t->st.n || (l->flags & TD_DF_ZERO_ACCUM)) continue;
            td_safe_text(pn, sizeof pn, t->param);
            char sl[32];
            td_safe_text(sl, sizeof sl, t->slot);
            char its[48] = "";
            if (d->iterations > 0) snprintf(its, sizeof its, " after %lld iterations", d->iterations);
            rc = td_dump_add_finding(d, e, TD_DF_ZERO_ACCUM, (int)li, -1, 0, 0,
                         "%s/%s: optimizer %s all zero%s: no gradient ever reached it", ln, pn, sl, its);
        }
        /* activations at the last step that has them */
        long a = -1;
        for (size_t i = 0; i < d->ntensors; i++) {
            const td_dump_tensor *t = &d->tensors[i];
            if (t->layer == (int)li && t->kind == TD_DK_ACT && (a < 0 || t->step > d->tensors[a].step)) a = (long)i;
        }
        if (a >= 0 && rc == TD_OK) {
            const td_dump_tensor *t = &d->tensors[a];
            double n = (double)t->st.n, rms = td_stats_rms(&t->st);
            if (t->st.n > 0 && t->st.zeros == t->st.n)
                rc = td_dump_add_finding(d, e, TD_DF_ZERO_ACT, (int)li, t->step, 1, 1,
                             "%s: activations all zero at step %lld (a dead layer)", ln, t->step);
            else if (t->units > 0 && relu_like(l, t) && (double)t->dead_units / (double)t->units > o->dead_frac)
                rc = td_dump_add_finding(d, e, TD_DF_DEAD_RELU, (int)li, t->step, (double)t->dead_units / (double)t->units, o->dead_frac,
                             "%s: %llu of %llu ReLU units (%.0f%%) are zero for the whole batch at step %lld: dead units",
                             ln, (unsigned long long)t->dead_units, (unsigned long long)t->units,
                             100.0 * (double)t->dead_units / (double)t->units, t->step);
            if (rc == TD_OK && n > 0 && (strcmp(l->act, "tanh") == 0 || strcmp(l->act, "sigmoid") == 0)
                && (double)t->saturated / n > o->sat_frac)
                rc = td_dump_add_finding(d, e, TD_DF_SATURATED, (int)li, t->step, (double)t->saturated / n, o->sat_frac,
                             "%s: %.0f%% of %s outputs within %.2g of an asymptote at step %lld: saturated",
                             ln, 100.0 * (double)t->saturated / n, l->act, o->sat_margin, t->step);
            if (rc == TD_OK && rms > o->act_explode)
                rc = td_dump_add_finding(d, e, TD_DF_EXPLODING_ACT, (int)li, t->step, rms, o->act_explode,
                             "%s: activation RMS %.3g at step %lld (> %.3g): exploding", ln, rms, t->step, o->act_explode);
        }
    }
    if (rc != TD_OK) return rc;
    /* gradients across depth at the last step: each layer against the output layer */
    int lastg = -1;
    for (size_t li = 0; li < d->nlayers; li++) if (isfinite(d->layers[li].grad_rms_last) && d->layers[li].grad_rms_last > 0) lastg = (int)li;
    /* no layer has a non-zero gradient: nothing to compare with, and no
       gradient reaches the parameters at all (the extreme of vanishing) */
    for (size_t li = 0; lastg < 0 && li < d->nlayers && rc == TD_OK; li++) {
        const td_dump_layer *l = &d->layers[li];
        if (l->grad_rms_last != 0) continue;
        td_safe_text(ln, sizeof ln, l->name);
        rc = td_dump_add_finding(d, e, TD_DF_VANISHING_GRAD, (int)li, last_step, 0, 0,
                     "%s: gradient all zero at step %lld, as in every layer: no gradient reaches the parameters "
                     "(graph detached, zero_grad() between backward() and the dump, or dumped before backward())",
                     ln, last_step);
    }
    for (int li = 0; li < lastg && rc == TD_OK; li++) {
        const td_dump_layer *l = &d->layers[li];
        if (!isfinite(l->grad_rms_last)) continue;
        double r = l->grad_rms_last / d->layers[lastg].grad_rms_last;
        td_safe_text(ln, sizeof ln, l->name);
        td_safe_text(pn, sizeof pn, d->layers[lastg].name);
        if (r < 1.0 / o->grad_depth)
            rc = td_dump_add_finding(d, e, TD_DF_VANISHING_GRAD, li, last_step, r, 1.0 / o->grad_depth,
                         "%s: gradient RMS %.3g is %.2g of the output layer %s's (%.3g) at step %lld: vanishing toward the input",
                         ln, l->grad_rms_last, r, pn, d->layers[lastg].grad_rms_last, last_step);
        else if (r > o->grad_depth)
            rc = td_dump_add_finding(d, e, TD_DF_EXPLODING_GRAD, li, last_step, r, o->grad_depth,
                         "%s: gradient RMS %.3g is %.3g times the output layer %s's (%.3g) at step %lld: exploding toward the input",
                         ln, l->grad_rms_last, r, pn, d->layers[lastg].grad_rms_last, last_step);
    }
    return rc;
}
