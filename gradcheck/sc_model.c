/* sc_model.c — the model-plugin checks of seed 003 in process: the loss at
 * chance with the model's own init, the loss rises with the regularization
 * strength while the data loss at the same weights does not move, and the
 * loss is a mean over the batch (the same batch twice gives the same loss).
 * The overfit check is in sc_overfit.c, isolation in sc_isolate.c; both this
 * file and sc_overfit.c call the model through sc_call.c. */
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "td_sanity.h"

void td_sc_model_opts_default(td_sc_model_opts *o)
{
    memset(o, 0, sizeof *o);
    o->seed = 1;
    o->init_scale = 1;
    o->batch = 64;
    o->subset = 20;
    o->steps = 300;
    o->target = 0.05;
    o->tol = 0;
    o->max_mem_mb = TD_ISOLATE_MAX_MEM_MB;
}

const char *td_sc_stage_name(int stage)
{
    static const char *const names[] = { "setup", "dlopen/entry", "create", "init", "forward",
                                         "backward", "set_reg", "destroy" };
    return stage >= 0 && stage < (int)(sizeof names / sizeof names[0]) ? names[stage] : "?";
}

td_code td_sc_model_open(const char *path, void **handle, const td_model_api **api, td_err *e)
{
    char safe[256], buf[4096];
    td_safe_text(safe, sizeof safe, path);
    *handle = NULL;
    *api = NULL;
    if (!strchr(path, '/')) { snprintf(buf, sizeof buf, "./%s", path); path = buf; } /* no library-path search */
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        char msg[300];
        return td_fail(e, TD_EPLUGIN, "%s: not a loadable plugin: %s", safe,
                       td_safe_text(msg, sizeof msg, dlerror()));
    }
    void *sym = dlsym(h, TD_MODEL_ENTRY_SYMBOL);
    if (!sym) {
        dlclose(h);
        return td_fail(e, TD_EPLUGIN, "%s: no symbol %s (is it a tdiag model?)", safe, TD_MODEL_ENTRY_SYMBOL);
    }
    td_model_entry_fn entry;
    memcpy(&entry, &sym, sizeof entry);
    const td_model_api *a = entry();
    if (!a) { dlclose(h); return td_fail(e, TD_EPLUGIN, "%s: %s() returned NULL", safe, TD_MODEL_ENTRY_SYMBOL); }
    if (a->abi_version != TD_MODEL_ABI_VERSION || a->api_size < sizeof(td_model_api)) {
        int v = a->abi_version;
        dlclose(h);
        return td_fail(e, TD_EPLUGIN, "%s: model ABI version %d, sanitycheck speaks %d (rebuild it against td_model.h)",
                       safe, v, TD_MODEL_ABI_VERSION);
    }
    if (!a->create || !a->destroy || !a->init || !a->forward || !a->backward) {
        dlclose(h);
        return td_fail(e, TD_EPLUGIN, "%s: create, destroy, init, forward and backward are required", safe);
    }
    *handle = h;
    *api = a;
    return TD_OK;
}

void td_sc_model_close(void *handle)
{
    if (handle) dlclose(handle);
}

/* The loss description for the chance level of the model on labels y. */
static td_sc_loss model_loss(const td_sc_model *m, const double *y, size_t b)
{
    td_sc_loss l = { .kind = m->d.loss, .classes = m->d.classes, .margin = m->d.margin, .mean_y2 = 0 };
    if (!(l.margin > 0)) l.margin = 1;
    for (size_t i = 0; i < b; i++) l.mean_y2 += y[i] * y[i] / (double)b;
    return l;
}

/* ---- the checks ------------------------------------------------------------------ */

static td_code check_chance(td_sc_model *m, const td_sc_data *d, const td_sc_model_opts *o,
                            size_t b, td_sc_check *c, td_err *e)
{
    double loss[2], one[2];
    td_code rc = td_sc_init(m, o->init_scale, o->seed, e);
    if (rc == TD_OK) rc = td_sc_forward(m, loss, NULL, d->x, d->y, b, e);
    double *ex = malloc(b * sizeof *ex);
    if (!ex) return td_fail(e, TD_ENOMEM, "out of memory");
    for (size_t i = 0; rc == TD_OK && i < b; i++) {
        rc = td_sc_forward(m, one, NULL, d->x + i * d->d, d->y + i, 1, e);
        ex[i] = one[0];
    }
    td_sc_loss l = model_loss(m, d->y, b);
    if (rc == TD_OK) {
        td_sc_judge_chance(c, &l, loss[0], ex, b, (double)b, o->tol);
        td_sc_num(c, "init_scale", o->init_scale);
    }
    free(ex);
    /* Above chance, and not a summed loss: tell the init from the labels or
     * the loss by trying an init 100x smaller, whose scores are ~0 whatever
     * went wrong with the scale. */
    double chance = 0;
    td_sc_chance(&l, &chance, NULL, NULL);
    if (rc == TD_OK && c->status == TD_SC_FAIL && !(loss[0] <= chance) && !strstr(c->cause, "summed") &&
        o->init_scale > 0) {
        double small[2];
        rc = td_sc_init(m, 0.01 * o->init_scale, o->seed, e);
        if (rc == TD_OK) rc = td_sc_forward(m, small, NULL, d->x, d->y, b, e);
        if (rc == TD_OK) {
            double tol = o->tol > 0 ? o->tol : td_sc_tolerance(chance, -1, (double)b);
            td_sc_num(c, "loss_at_0.01_scale", small[0]);
            if (fabs(small[0] - chance) <= tol)
                td_sc_cause(c, "init scale too large: with every initial weight 100x smaller the loss is %.4g, "
                               "at chance; draw the weights smaller (e.g. the last layer by 0.01)", small[0]);
            else
                td_sc_cause(c, "not the init scale: with every initial weight 100x smaller the loss is still "
                               "%.4g; the labels (range, encoding) or the loss itself are wrong", small[0]);
        }
    }
    return rc;
}

static td_code check_reg(td_sc_model *m, const td_sc_data *d, const td_sc_model_opts *o,
                         size_t b, td_sc_check *c, td_err *e)
{
    static const double lambdas[] = { 0, 1e-3, 1e-2, 1e-1, 1 };
    enum { NL = sizeof lambdas / sizeof lambdas[0] };
    if (!m->api->set_reg) {
        c->status = TD_SC_SKIP;
        td_sc_what(c, "the model has no set_reg: no regularization to check");
        return TD_OK;
    }
    double data[NL], reg[NL];
    td_code rc = td_sc_init(m, o->init_scale, o->seed, e);
    for (int k = 0; rc == TD_OK && k < NL; k++) {
        double loss[2];
        td_sc_set_reg(m, lambdas[k]);
        rc = td_sc_forward(m, loss, NULL, d->x, d->y, b, e);
        data[k] = loss[0];
        reg[k] = loss[1];
    }
    td_sc_set_reg(m, 0);
    if (rc != TD_OK) return rc;
    double moved = 0;
    int rising = 1, falling = 0, flat = 1;
    for (int k = 1; k < NL; k++) {
        moved = fmax(moved, fabs(data[k] - data[0]));
        double t1 = data[k] + reg[k], t0 = data[k - 1] + reg[k - 1];
        if (!(t1 > t0)) rising = 0;
        if (t1 < t0) falling = 1;
        if (reg[k] != 0) flat = 0;
    }
    td_sc_num(c, "loss_at_0", data[0] + reg[0]);
    td_sc_num(c, "loss_at_1", data[NL - 1] + reg[NL - 1]);
    td_sc_num(c, "reg_at_1", reg[NL - 1]);
    td_sc_num(c, "data_loss_moved", moved);
    if (moved > 1e-9 * fmax(1, fabs(data[0]))) {
        c->status = TD_SC_FAIL;
        td_sc_what(c, "the data loss at the same weights moves by %.3g when the strength goes 0 -> 1", moved);
        td_sc_cause(c, "the regularization leaks into the data loss (or forward is not deterministic): "
                       "report R apart from the data loss");
    } else if (flat) {
        c->status = TD_SC_FAIL;
        td_sc_what(c, "the loss does not change with the strength (R = 0 at strength 1)");
        td_sc_cause(c, "the strength knob is not wired to the penalty, or the penalty skips every weight");
    } else if (falling || reg[NL - 1] < 0) {
        c->status = TD_SC_FAIL;
        td_sc_what(c, "the loss falls from %.4g to %.4g as the strength goes 0 -> 1", data[0] + reg[0],
                   data[NL - 1] + reg[NL - 1]);
        td_sc_cause(c, "regularization with the wrong sign: the penalty is subtracted (R = %.3g < 0), so "
                       "training grows the weights instead of shrinking them", reg[NL - 1]);
    } else if (!rising) {
        c->status = TD_SC_FAIL;
        td_sc_what(c, "the loss does not rise at every step of the strength 0, 1e-3, ..., 1");
        td_sc_cause(c, "the penalty does not grow with the strength");
    } else {
        td_sc_what(c, "the loss rises %.4g -> %.4g with the strength 0 -> 1; the data loss stays at %.6g",
                   data[0] + reg[0], data[NL - 1] + reg[NL - 1], data[0]);
    }
    return TD_OK;
}

static td_code check_batch_mean(td_sc_model *m, const td_sc_data *d, size_t b, td_sc_check *c, td_err *e)
{
    double *x2 = malloc(2 * b * d->d * sizeof *x2), *y2 = malloc(2 * b * sizeof *y2);
    if (!x2 || !y2) { free(x2); free(y2); return td_fail(e, TD_ENOMEM, "out of memory"); }
    memcpy(x2, d->x, b * d->d * sizeof *x2);
    memcpy(x2 + b * d->d, d->x, b * d->d * sizeof *x2);
    memcpy(y2, d->y, b * sizeof *y2);
    memcpy(y2 + b, d->y, b * sizeof *y2);
    double l1[2], l2[2];
    td_sc_set_reg(m, 0);
    td_code rc = td_sc_forward(m, l1, NULL, d->x, d->y, b, e);
    if (rc == TD_OK) rc = td_sc_forward(m, l2, NULL, x2, y2, 2 * b, e);
    free(x2);
    free(y2);
    if (rc != TD_OK) return rc;
    double ratio = l2[0] / l1[0];
    td_sc_num(c, "loss_batch", l1[0]);
    td_sc_num(c, "loss_batch_twice", l2[0]);
    td_sc_num(c, "ratio", ratio);
    td_sc_num(c, "batch", (double)b);
    if (fabs(l2[0] - l1[0]) <= 1e-9 * fmax(1e-300, fabs(l1[0]))) {
        td_sc_what(c, "the batch of %zu repeated twice gives the same loss %.6g: a mean", b, l1[0]);
        return TD_OK;
    }
    c->status = TD_SC_FAIL;
    td_sc_what(c, "the batch of %zu repeated twice gives %.6g instead of %.6g (x%.4g)", b, l2[0], l1[0], ratio);
    if (fabs(ratio - 2) < 1e-6)
        td_sc_cause(c, "loss summed over the batch instead of averaged: the gradient and the useful "
                       "learning rate then scale with the batch size");
    else
        td_sc_cause(c, "the loss depends on the batch size (or forward is not deterministic): it should "
                       "be the mean of per-example losses");
    return TD_OK;
}

/* ---- setup -------------------------------------------------------------------------- */
static td_code validate(const td_sc_model *m, const td_sc_data *d, td_err *e)
{
    const td_model_desc *md = &m->d;
    if (md->n_params < 1 || md->n_params > TD_MODEL_MAXP)
        return td_fail(e, TD_EPLUGIN, "the model describes %d parameter tensors (1..%d)", md->n_params, TD_MODEL_MAXP);
    if (md->loss < TD_LOSS_SOFTMAX || md->loss > TD_LOSS_MSE)
        return td_fail(e, TD_EPLUGIN, "the model names an unknown loss kind %d", md->loss);
    if (md->in_dim != d->d)
        return td_fail(e, TD_EINPUT, "%s: %s: %zu inputs per example, the model takes %zu", d->file, d->xname,
                       d->d, md->in_dim);
    if (md->loss == TD_LOSS_MSE) return TD_OK;
    td_err le;
    if (td_sc_labels_int(d->y, d->n, &le) != TD_OK)
        return td_fail(e, TD_EINPUT, "%s: %s: %s", d->file, d->yname, le.msg);
    long C = md->loss == TD_LOSS_BCE ? 2 : md->classes;
    if (C < 2) return td_fail(e, TD_EPLUGIN, "the model names %ld classes", md->classes);
    for (size_t i = 0; i < d->n; i++)
        if (d->y[i] < 0 || d->y[i] >= (double)C)
            return td_fail(e, TD_EINPUT, "%s: %s: label %g at index %zu is outside the model's [0, %ld)",
                           d->file, d->yname, d->y[i], i, C);
    return TD_OK;
}

static td_code model_alloc(td_sc_model *m, td_err *e)
{
    size_t total = 0;
    for (int t = 0; t < m->d.n_params; t++) {
        size_t n = td_tensor_numel(&m->d.params[t]);
        if (!n || n > ((size_t)1 << 28) || total + n > ((size_t)1 << 28))
            return td_fail(e, TD_EPLUGIN, "parameter %d has no elements or is too large", t);
        total += n;
    }
    m->nparam = total;
    m->buf = calloc(2 * total, sizeof(double));
    size_t np = m->d.n_params > 0 ? (size_t)m->d.n_params : 1;
    m->p = calloc(np, sizeof(double *));
    m->g = calloc(np, sizeof(double *));
    if (!m->buf || !m->p || !m->g) return td_fail(e, TD_ENOMEM, "out of memory for %zu parameters", total);
    for (int t = 0, off = 0; t < m->d.n_params; t++) {
        m->p[t] = m->buf + off;
        m->g[t] = m->buf + total + off;
        off += (int)td_tensor_numel(&m->d.params[t]);
    }
    return TD_OK;
}

td_code td_sc_model_check(const td_model_api *api, int n, const char *const *keys,
                          const char *const *vals, const td_sc_data *data,
                          const td_sc_model_opts *o, volatile int *stage,
                          td_sc_report *r, td_err *e)
{
    /* keys: the user's, plus in= and classes= from the data unless given */
    const char *k2[72], *v2[72];
    char in_s[32], cl_s[32];
    int n2 = 0, has_in = 0, has_cl = 0;
    if (n > 64) return td_fail(e, TD_EUSAGE, "more than 64 key=value pairs");
    for (int i = 0; i < n; i++) {
        has_in |= !strcmp(keys[i], "in");
        has_cl |= !strcmp(keys[i], "classes");
        k2[n2] = keys[i];
        v2[n2++] = vals[i];
    }
    snprintf(in_s, sizeof in_s, "%zu", data->d);
    if (!has_in) { k2[n2] = "in"; v2[n2++] = in_s; }
    if (!has_cl && td_sc_labels_int(data->y, data->n, NULL) == TD_OK) {
        double mx = 1;
        for (size_t i = 0; i < data->n; i++) mx = fmax(mx, data->y[i]);
        snprintf(cl_s, sizeof cl_s, "%.0f", mx + 1);
        k2[n2] = "classes";
        v2[n2++] = cl_s;
    }
    td_sc_model m = { .api = api, .stage = stage };
    char err[256] = "";
    if (stage) *stage = TD_SC_ST_CREATE;
    m.self = api->create(n2, k2, v2, &m.d, err, sizeof err);
    if (stage) *stage = TD_SC_ST_IDLE;
    if (!m.self) {
        char safe[256];
        return td_fail(e, TD_EUSAGE, "create: %s", err[0] ? td_safe_text(safe, sizeof safe, err) : "failed");
    }
    td_code rc = validate(&m, data, e);
    if (rc == TD_OK) rc = model_alloc(&m, e);
    size_t b = o->batch < data->n ? o->batch : data->n;
    if (b < 1) b = 1;
    if (rc == TD_OK) {
        if (api->set_seed) api->set_seed(m.self, o->seed);
        td_sc_set_reg(&m, 0);
        rc = check_chance(&m, data, o, b, td_sc_add(r, "chance"), e);
    }
    if (rc == TD_OK) rc = check_reg(&m, data, o, b, td_sc_add(r, "regularization"), e);
    if (rc == TD_OK) {
        td_sc_loss l = model_loss(&m, data->y, data->n < o->subset ? data->n : o->subset);
        double chance = 0;
        td_sc_chance(&l, &chance, NULL, NULL);
        rc = td_sc_overfit(&m, data, chance, o, td_sc_add(r, "overfit"), e);
    }
    if (rc == TD_OK) {
        rc = td_sc_init(&m, o->init_scale, o->seed, e);
        if (rc == TD_OK) rc = check_batch_mean(&m, data, b, td_sc_add(r, "batch-mean"), e);
    }
    if (stage) *stage = TD_SC_ST_DESTROY;
    api->destroy(m.self);
    if (stage) *stage = TD_SC_ST_IDLE;
    free(m.buf);
    free(m.p);
    free(m.g);
    return rc;
}
