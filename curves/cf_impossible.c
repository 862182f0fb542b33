/* cf_impossible.c — values a loss cannot take: NaN/Inf (divergence), a
 * negative value in a loss that started positive (cross-entropy, MSE, ...
 * cannot go below 0), and a loss negative from the start that falls to
 * more than explode_factor × its first value (unbounded: a bounded loss on
 * targets outside its range). Looks at every loss series of the run, any split.
 * Losses that may be negative by design (log-likelihoods, ELBO, critics,
 * rewards) are recognised by name and skipped for the sign check. */
#include "td_findings.h"

#include <math.h>
#include <string.h>

static const char *SIGNED_LOSSES[] = {"nll", "likelihood", "elbo", "log_prob", "logprob",
                                      "critic", "wasserstein", "reward", "gan"};

static int may_be_negative(const td_series *s)
{
    for (size_t i = 0; i < sizeof SIGNED_LOSSES / sizeof SIGNED_LOSSES[0]; i++)
        if (s->name && strstr(s->name, SIGNED_LOSSES[i])) return 1;
    return 0;
}

td_code cf_detect_impossible(const td_detect_ctx *c, td_findings *out, td_err *e)
{
    const td_run *r = c->run;
    for (size_t k = 0; k < r->nseries; k++) {
        const td_series *s = &r->series[k];
        if (s->kind != TD_METRIC_LOSS || s->n == 0) continue;
        size_t bad = 0, first_bad = 0, neg = 0, first_neg = 0;
        double first = NAN, lowest = INFINITY;
        for (size_t i = 0; i < s->n; i++) {
            double y = s->y[i];
            if (!isfinite(y)) { if (!bad++) first_bad = i; continue; }
            if (isnan(first)) first = y;
            if (y < 0 && !neg++) first_neg = i;
            if (y < lowest) lowest = y;
        }
        td_code rc;
        if (bad) {
            rc = td_findings_add(out, TD_FIND_NONFINITE, r, s, NULL, s->x[first_bad],
                                 s->x[s->n - 1], s->line ? s->line[first_bad] : 0,
                                 (double)bad, 0, NAN, NAN, e,
                                 "%zu of %zu values are NaN/Inf, the first at %s %g (%g)",
                                 bad, s->n, r->x_name ? r->x_name : "step", s->x[first_bad],
                                 s->y[first_bad]);
            if (rc) return rc;
        }
        if (first < 0 && lowest < c->o->explode_factor * first && !may_be_negative(s)) {
            /* negative from the start and falling without bound: a bounded
             * loss computed on the wrong targets, not learning */
            rc = td_findings_add(out, TD_FIND_NEGATIVE_LOSS, r, s, NULL, s->x[0], s->x[s->n - 1],
                                 s->line ? s->line[0] : 0, lowest, c->o->explode_factor * first, NAN, NAN, e,
                                 "negative from the start (%.4g) and unbounded: it falls to %.4g, %.0fx its first value "
                                 "(limit %gx); a loss that is not a log-likelihood cannot go below 0",
                                 first, lowest, lowest / first, c->o->explode_factor);
            if (rc) return rc;
        } else if (neg && first > 0 && !may_be_negative(s)) {
            rc = td_findings_add(out, TD_FIND_NEGATIVE_LOSS, r, s, NULL, s->x[first_neg],
                                 s->x[s->n - 1], s->line ? s->line[first_neg] : 0, lowest,
                                 0, NAN, NAN, e,
                                 "started at %.4g and went below 0 (%zu values, lowest %.4g) from %s %g",
                                 first, neg, lowest, r->x_name ? r->x_name : "step",
                                 s->x[first_neg]);
            if (rc) return rc;
        }
    }
    return TD_OK;
}
