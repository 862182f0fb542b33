/* gc_check.c — the check itself: make the layer, validate its description,
 * choose the point, take the analytic gradients, run the contract check,
 * the sweep and the mode (full: every tensor through gc_element.c, data
 * objective and, apart, the regularization term; --fast; --jacobian). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "td_gradcheck.h"
#include "td_h5.h"

void td_gc_opts_default(td_gc_opts *o)
{
    memset(o, 0, sizeof *o);
    o->h = 1e-5;
    o->h_auto = 1;
    o->seed = 1;
    o->threads = 2;
    o->check_contract = 1;
    o->max_mem_mb = TD_ISOLATE_MAX_MEM_MB;
}


/* Names, shapes and counts the layer declared must be sane before any call. */
static td_code validate_desc(td_gc_ctx *c, td_err *e)
{
    td_layer_desc *d = &c->d;
    if (d->n_in < 1 || d->n_in > TD_LAYER_MAXT || d->n_out < 1 || d->n_out > TD_LAYER_MAXT)
        return td_fail(e, TD_EPLUGIN, "layer declares %d inputs and %d outputs (1..%d each)",
                       d->n_in, d->n_out, TD_LAYER_MAXT);
    int differentiable = 0;
    for (int l = 0; l < 2; l++) {
        int n = l ? d->n_out : d->n_in;
        for (int t = 0; t < n; t++) {
            td_tensor_desc *td = l ? &d->out[t] : &d->in[t];
            td->name[TD_NAME_MAX - 1] = '\0';
            char safe[TD_NAME_MAX];
            td_safe_text(safe, sizeof safe, td->name);
            if (td->rank < 0 || td->rank > TD_TENSOR_MAXRANK)
                return td_fail(e, TD_EPLUGIN, "tensor %s has rank %d (0..%d)", safe, td->rank,
                               TD_TENSOR_MAXRANK);
            size_t numel = 1;
            for (int i = 0; i < td->rank; i++)
                if (td_mul_size(numel, td->shape[i], &numel) != 0)
                    return td_fail(e, TD_EPLUGIN, "tensor %s: shape size overflows", safe);
            if (numel == 0 || numel > TD_GC_MAX_ELEMS)
                return td_fail(e, TD_EPLUGIN, "tensor %s has %zu elements (1..%u)", safe, numel,
                               TD_GC_MAX_ELEMS);
            if (l) c->nout[t] = numel;
            else {
                c->nin[t] = numel;
                if (td->flags & TD_T_INDEX) {
                    if (td->index_range < 1)
                        return td_fail(e, TD_EPLUGIN, "index tensor %s has index_range %ld", safe,
                                       td->index_range);
                } else differentiable = 1;
            }
        }
    }
    if (!differentiable) return td_fail(e, TD_EPLUGIN, "layer has no differentiable input");
    size_t total = 0; /* all tensors together: the check keeps a few copies of each */
    for (int t = 0; t < d->n_in; t++) total += c->nin[t];
    for (int k = 0; k < d->n_out; k++) total += c->nout[k];
    if (total > TD_GC_MAX_ELEMS)
        return td_fail(e, TD_EPLUGIN, "layer's tensors hold %zu elements together (at most %u)", total,
                       TD_GC_MAX_ELEMS);
    if (d->has_reg && (!c->api->reg_loss || !c->api->reg_backward))
        return td_fail(e, TD_EPLUGIN, "layer says it has a regularization term but gives no reg_loss/reg_backward");
    return TD_OK;
}

/* Overwrite tensors with datasets of the same name (or as mapped by
 * "name=dataset,..." in at_map) from an HDF5 file. */
static td_code load_point(td_gc_ctx *c, const char *file, const char *at_map,
                          td_gc_result *res, td_err *e)
{
    /* every name in the map must be a tensor of the layer */
    for (const char *p = at_map; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL) {
        size_t kl = strcspn(p, "=,");
        int t = 0;
        while (t < c->d.n_in && !(strlen(c->d.in[t].name) == kl && strncmp(p, c->d.in[t].name, kl) == 0)) t++;
        if (t == c->d.n_in || p[kl] != '=') {
            char safe[64];
            snprintf(safe, sizeof safe, "%.*s", (int)(kl < 40 ? kl : 40), p);
            return td_fail(e, TD_EUSAGE, "--at-map: '%s' is not NAME=DATASET for a tensor of the layer",
                           td_safe_text(safe, sizeof safe, safe));
        }
    }
    char loaded[160] = "";
    int nloaded = 0;
    for (int t = 0; t < c->d.n_in; t++) {
        char dset[256];
        int mapped = 0;
        snprintf(dset, sizeof dset, "/%s", c->d.in[t].name);
        size_t nl = strlen(c->d.in[t].name);
        for (const char *p = at_map; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
            if (strncmp(p, c->d.in[t].name, nl) == 0 && p[nl] == '=') {
                snprintf(dset, sizeof dset, "%.*s", (int)strcspn(p + nl + 1, ","), p + nl + 1);
                mapped = 1;
            }
        double *data = NULL;
        size_t n = 0;
        td_err le;
        td_code rc = td_h5_read_f64(file, dset, TD_GC_MAX_ELEMS, &data, &n, NULL, NULL, &le);
        if (rc != TD_OK && (mapped || rc != TD_EINPUT)) { if (e) *e = le; return rc; }
        if (rc != TD_OK) continue; /* no such dataset: this tensor keeps its random value */
        char safe[TD_NAME_MAX];
        td_safe_text(safe, sizeof safe, c->d.in[t].name);
        if (n != c->nin[t]) {
            free(data);
            return td_fail(e, TD_EINPUT, "%s: %s: %zu values, tensor %s needs %zu", file, dset, n,
                           safe, c->nin[t]);
        }
        for (size_t i = 0; i < n; i++)
            if (!isfinite(data[i])) {
                free(data);
                return td_fail(e, TD_EINPUT, "%s: %s: value %zu is not finite", file, dset, i);
            }
        memcpy(c->x[t], data, n * sizeof(double));
        free(data);
        nloaded++;
        snprintf(loaded + strlen(loaded), sizeof loaded - strlen(loaded), "%s%s",
                 nloaded > 1 ? "," : "", safe);
    }
    if (!nloaded)
        return td_fail(e, TD_EINPUT, "%s: no dataset named like a tensor of the layer", file);
    td_gc_note(res, 0, "point from %.80s: %s (the rest random)", file, loaded);
    return TD_OK;
}

static td_code choose_point(td_gc_ctx *c, const td_gc_opts *o, td_gc_result *res, td_err *e)
{
    for (int t = 0; t < c->d.n_in; t++) {
        const td_tensor_desc *td = &c->d.in[t];
        for (size_t i = 0; i < c->nin[t]; i++)
            c->x[t][i] = td->flags & TD_T_INDEX
                ? (double)td_rng_below(&c->rng, (uint64_t)td->index_range)
                : td_rng_normal(&c->rng);
    }
    if (c->api->init) {
        if (c->stage) *c->stage = TD_GC_ST_INIT;
        int rc = c->api->init(c->self, c->x, c->seed);
        if (c->stage) *c->stage = TD_GC_ST_IDLE;
        if (rc != 0) return td_fail(e, TD_EPLUGIN, "init failed (returned %d)", rc);
    }
    td_code rc = o->at_file ? load_point(c, o->at_file, o->at_map, res, e) : TD_OK;
    /* a float32 layer sees (float)x: make the point exactly that, so that
     * the steps taken (td_gc_step) are the steps the layer sees */
    if (rc == TD_OK && (c->d.flags & TD_LAYER_FLOAT32))
        for (int t = 0; t < c->d.n_in; t++)
            for (size_t i = 0; i < c->nin[t]; i++) c->x[t][i] = (double)(float)c->x[t][i];
    return rc;
}

/* Full mode: every differentiable tensor for objectives [lo, hi): the data
 * objective (0) and the reg term (1). */
static td_code check_full(td_gc_ctx *c, const td_gc_opts *o, td_gc_result *res, int lo, int hi,
                          td_err *e)
{
    for (int obj = lo; obj < hi; obj++)
        for (int t = 0; t < c->d.n_in; t++) {
            if (c->d.in[t].flags & TD_T_INDEX) continue;
            size_t m;
            size_t *idx = td_gc_select(c, t, o->samples, &m);
            if (!idx) return td_fail(e, TD_ENOMEM, "out of memory");
            td_gc_row row;
            td_gc_row_init(c, t, obj, &row);
            double h = c->h; /* --h-sweep chose a step per tensor */
            if (c->ht[t] > 0) c->h = c->ht[t];
            row.h = c->h;
            td_code rc = td_gc_check_tensor(c, obj, t, idx, m, &row, e);
            c->h = h;
            free(idx);
            if (rc != TD_OK) return rc;
            int silent = obj == 1 && row.worst_a == 0 && row.worst_n == 0 && row.max_err == 0;
            if (!silent && res->nrows < TD_GC_MAX_ROWS) res->rows[res->nrows++] = row;
        }
    return TD_OK;
}

/* After a call at the point: if it changed an input, say so and put the
 * point back. Returns 1 when something was changed. */
static int restore_inputs(td_gc_ctx *c, td_gc_work *keep, const char *call, td_gc_result *res)
{
    int changed = 0;
    for (int t = 0; t < c->d.n_in; t++)
        if (memcmp(keep->x[t], c->x[t], c->nin[t] * sizeof(double)) != 0) {
            char safe[TD_NAME_MAX];
            td_gc_note(res, 1, "%s modified its input %s (inputs must be read-only)", call,
                       td_safe_text(safe, sizeof safe, c->d.in[t].name));
            memcpy(c->x[t], keep->x[t], c->nin[t] * sizeof(double));
            changed = 1;
        }
    return changed;
}

/* Analytic gradients of objective obj at the point into c->g[obj]. */
static td_code analytic(td_gc_ctx *c, int obj, td_err *e)
{
    double *din[TD_LAYER_MAXT] = { 0 };
    for (int t = 0; t < c->d.n_in; t++) {
        if (c->d.in[t].flags & TD_T_INDEX) continue;
        if (!(c->g[obj][t] = calloc(c->nin[t], sizeof(double))))
            return td_fail(e, TD_ENOMEM, "out of memory");
        din[t] = c->g[obj][t];
    }
    if (obj == 0)
        return td_gc_backward(c, din, (const double *const *)c->r, (const double *const *)c->x,
                              (const double *const *)c->y, e);
    if (c->stage) *c->stage = TD_GC_ST_REG_BACKWARD;
    int rc = c->api->reg_backward(c->self, din, (const double *const *)c->x);
    if (c->stage) *c->stage = TD_GC_ST_IDLE;
    return rc ? td_fail(e, TD_EPLUGIN, "reg_backward failed (returned %d)", rc) : TD_OK;
}

static void finish_result(td_gc_ctx *c, td_gc_result *res)
{
    double gmax = 0;
    for (int t = 0; t < c->d.n_in; t++)
        if (c->g[0][t])
            for (size_t i = 0; i < c->nin[t]; i++) gmax = fmax(gmax, fabs(c->g[0][t][i]));
    double nmax = 0;
    for (int i = 0; i < res->nrows; i++)
        if (!isnan(res->rows[i].worst_n)) nmax = fmax(nmax, fabs(res->rows[i].worst_n));
    if (c->scale[0] < 1e-10 || (gmax < 1e-10 && nmax < 1e-10))
        td_gc_note(res, 0, "loss (%.3g) or gradients (max %.3g) are below 1e-10: the check is in "
                   "rounding noise; scale the layer's output up (e.g. x1e6) and check again",
                   c->f0[0], gmax);
    for (int i = 0; i < res->nrows; i++)
        if (res->rows[i].verdict > res->verdict) res->verdict = res->rows[i].verdict;
    res->floor = td_gc_floor(c, 0, c->h);
    for (int i = 0; i < res->nrows; i++)
        if (res->rows[i].unresolved)
            td_gc_note(res, 0, "%s: at %zu element%s the step moved no output by one float step "
                       "(numerical exactly 0): judged against the error floor, not as a value",
                       res->rows[i].name, res->rows[i].unresolved, res->rows[i].unresolved == 1 ? "" : "s");
    if (res->float32)
        td_gc_note(res, 0, "float32 layer: error floor 1e4 FLT_EPSILON max|r y| / h = %.3g (under it |a-n| "
                   "counts, not the ratio); only 'wrong' (> 1e-2) shows a bug, a float64 build the 1e-7 band",
                   res->floor);
    res->evals = c->evals;
    res->h = c->h;
    res->workers = c->workers;
    res->loss = c->f0[0];
}

td_code td_gc_check(const td_layer_api *api, int n, const char *const *keys,
                    const char *const *vals, const td_gc_opts *o,
                    td_gc_result *res, td_err *e)
{
    memset(res, 0, sizeof *res);
    if (!api || api->abi_version != TD_LAYER_ABI_VERSION)
        return td_fail(e, TD_EPLUGIN, "layer ABI version %d, gradcheck speaks %d",
                       api ? api->abi_version : -1, TD_LAYER_ABI_VERSION);
    if (api->api_size < sizeof(td_layer_api) || !api->create || !api->forward || !api->backward)
        return td_fail(e, TD_EPLUGIN, "layer table is incomplete (create, forward, backward needed)");
    if (!(o->h > 0 && o->h < 1)) return td_fail(e, TD_EUSAGE, "--h must be in (0, 1)");
    td_gc_ctx c;
    memset(&c, 0, sizeof c);
    c.api = api;
    c.h = o->h;
    c.seed = o->seed;
    c.stage = o->stage;
    td_rng_seed(&c.rng, o->seed);
    snprintf(res->layer, sizeof res->layer, "%s", api->name ? api->name : "?");
    td_safe_text(res->layer, sizeof res->layer, res->layer);
    for (int i = 0; i < n; i++) { /* what was checked: the instance's pairs */
        size_t len = strlen(res->instance);
        snprintf(res->instance + len, sizeof res->instance - len, "%s%s=%s", i ? "," : "", keys[i], vals[i]);
    }
    td_safe_text(res->instance, sizeof res->instance, res->instance);
    res->seed = o->seed;
    res->mode = o->fast ? "fast" : o->jacobian ? "jacobian" : "full";

    char msg[200] = "";
    if (c.stage) *c.stage = TD_GC_ST_CREATE;
    c.self = api->create(n, keys, vals, &c.d, msg, sizeof msg);
    if (c.stage) *c.stage = TD_GC_ST_IDLE;
    if (!c.self) {
        char safe[200];
        return td_fail(e, TD_EUSAGE, "%s: %s", res->layer, td_safe_text(safe, sizeof safe, msg[0] ? msg : "layer refused its keys"));
    }
    td_code rc = validate_desc(&c, e);
    if (rc != TD_OK) goto done;
    res->float32 = (c.d.flags & TD_LAYER_FLOAT32) != 0;
    if (res->float32 && o->h_auto) c.h = 1e-2; /* float32 rounding (1e-7) wants a larger step */
    c.workers = (c.d.flags & TD_LAYER_REENTRANT) && o->threads > 1 ? o->threads : 1;
    for (int t = 0; t < c.d.n_in; t++)
        if (!(c.x[t] = malloc(c.nin[t] * sizeof(double)))) { rc = td_fail(e, TD_ENOMEM, "out of memory"); goto done; }
    for (int k = 0; k < c.d.n_out; k++) {
        c.y[k] = malloc(c.nout[k] * sizeof(double));
        c.r[k] = malloc(c.nout[k] * sizeof(double));
        if (!c.y[k] || !c.r[k]) { rc = td_fail(e, TD_ENOMEM, "out of memory"); goto done; }
        for (size_t i = 0; i < c.nout[k]; i++) c.r[k][i] = td_rng_normal(&c.rng);
    }
    if ((rc = choose_point(&c, o, res, e)) != TD_OK) goto done;

    /* the layer must not write into its inputs: keep a copy to compare */
    td_gc_work keep;
    if ((rc = td_gc_work_init(&c, &keep, e)) != TD_OK) goto done;
    for (int obj = 0; obj < (c.d.has_reg ? 2 : 1) && rc == TD_OK; obj++) {
        td_gc_work w = { .x = { 0 } };
        memcpy(w.x, c.x, sizeof w.x);
        memcpy(w.y, c.y, sizeof w.y);
        if ((rc = td_gc_objective(&c, &w, obj, c.y, &c.f0[obj], &c.scale[obj], e)) == TD_OK &&
            !restore_inputs(&c, &keep, obj ? "reg_loss" : "forward", res)) {
            c.evals += w.evals;
            if ((rc = analytic(&c, obj, e)) == TD_OK)
                restore_inputs(&c, &keep, obj ? "reg_backward" : "backward", res);
        }
    }
    td_gc_work_free(&c, &keep);
    if (rc != TD_OK) goto done;
    if (o->check_contract && (rc = td_gc_contract(&c, res, e)) != TD_OK) goto done;
    if (o->sweep) {
        double best;
        if ((rc = td_gc_sweep(&c, res, &best, e)) != TD_OK) goto done;
        c.h = best;
    }
    if (o->fast) rc = td_gc_fast(&c, o->fast, res, e);
    else if (o->jacobian) {
        rc = td_gc_jacobian(&c, res, e); /* the data term pair by pair, the reg term by elements */
        if (rc == TD_OK && c.d.has_reg) rc = check_full(&c, o, res, 1, 2, e);
    } else rc = check_full(&c, o, res, 0, c.d.has_reg ? 2 : 1, e);
    if (rc == TD_OK) {
        /* a broken contract makes the tensor wrong even where values agree */
        for (int i = 0; i < res->nrows; i++)
            if (res->rows[i].obj == 0 && c.overwrite[res->rows[i].tensor]) {
                res->rows[i].bug = TD_GC_BUG_OVERWRITE;
                res->rows[i].verdict = TD_GC_WRONG;
            }
        finish_result(&c, res);
    }
done:
    if (c.stage) *c.stage = TD_GC_ST_DESTROY;
    if (api->destroy) api->destroy(c.self);
    if (c.stage) *c.stage = TD_GC_ST_IDLE;
    for (int t = 0; t < TD_LAYER_MAXT; t++) {
        free(c.x[t]); free(c.y[t]); free(c.r[t]); free(c.g[0][t]); free(c.g[1][t]);
    }
    return rc;
}
