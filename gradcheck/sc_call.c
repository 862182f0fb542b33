/* sc_call.c — calls into a sanitycheck model plugin, one stage at a time
 * (the stage is published for the isolation's crash/hang messages): init,
 * forward, backward, set_reg, and the accuracy of its scores. Used by the
 * checks (sc_model.c) and the overfit check (sc_overfit.c), calling nothing
 * of theirs. */
#include <string.h>

#include "td_sanity.h"

static td_code plugin_fail(td_sc_model *m, const char *call, td_err *e)
{
    const char *msg = m->api->last_error ? m->api->last_error(m->self) : NULL;
    char safe[200];
    return td_fail(e, TD_EPLUGIN, "%s failed: %s", call, msg ? td_safe_text(safe, sizeof safe, msg) : "no message");
}

static void set_stage(td_sc_model *m, int st)
{
    if (m->stage) *m->stage = st;
}

td_code td_sc_forward(td_sc_model *m, double loss[2], double *scores, const double *x,
                      const double *y, size_t b, td_err *e)
{
    set_stage(m, TD_SC_ST_FORWARD);
    int rc = m->api->forward(m->self, loss, scores, (const double *const *)m->p, x, y, b);
    set_stage(m, TD_SC_ST_IDLE);
    return rc ? plugin_fail(m, "forward", e) : TD_OK;
}

td_code td_sc_backward(td_sc_model *m, const double *x, const double *y, size_t b, td_err *e)
{
    memset(m->g[0], 0, m->nparam * sizeof(double));
    set_stage(m, TD_SC_ST_BACKWARD);
    int rc = m->api->backward(m->self, m->g, (const double *const *)m->p, x, y, b);
    set_stage(m, TD_SC_ST_IDLE);
    return rc ? plugin_fail(m, "backward", e) : TD_OK;
}

td_code td_sc_init(td_sc_model *m, double scale, uint64_t seed, td_err *e)
{
    set_stage(m, TD_SC_ST_INIT);
    int rc = m->api->init(m->self, m->p, scale, seed);
    set_stage(m, TD_SC_ST_IDLE);
    return rc ? plugin_fail(m, "init", e) : TD_OK;
}

void td_sc_set_reg(td_sc_model *m, double lambda)
{
    if (!m->api->set_reg) return;
    set_stage(m, TD_SC_ST_SETREG);
    m->api->set_reg(m->self, lambda);
    set_stage(m, TD_SC_ST_IDLE);
}

double td_sc_accuracy(const td_sc_model *m, const double *scores, const double *y, size_t b)
{
    size_t hit = 0;
    int multi = m->d.loss == TD_LOSS_SOFTMAX || m->d.loss == TD_LOSS_SVM;
    size_t K = multi ? (size_t)m->d.classes : 1;
    for (size_t i = 0; i < b; i++) {
        const double *s = scores + i * K;
        size_t best = 0;
        if (multi) {
            for (size_t k = 1; k < K; k++) if (s[k] > s[best]) best = k;
        } else {
            best = s[0] > 0;
        }
        hit += (double)best == y[i];
    }
    return b ? (double)hit / (double)b : 0;
}

