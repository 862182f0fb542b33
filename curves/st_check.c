/* st_check.c — run every study check, collect findings, and print the
 * human and JSON reports. */
#include "td_study.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const char *const KIND_NAME[TD_SF_COUNT] = {
    [TD_SF_BOUNDARY] = "boundary",     [TD_SF_STABILITY] = "stability_limit",
    [TD_SF_INFEASIBLE] = "infeasible", [TD_SF_CONCENTRATED] = "infeasible_region",
    [TD_SF_FEW_TRIALS] = "few_trials", [TD_SF_SPARSE_GOOD] = "sparse_good_region",
    [TD_SF_ISOLATION] = "isolation",   [TD_SF_SEED_TIE] = "seed_noise_tie",
    [TD_SF_NO_REPEATS] = "no_repeats", [TD_SF_CURVE] = "curve",
};

const char *td_study_kind_name(td_study_kind k)
{
    return (unsigned)k < TD_SF_COUNT ? KIND_NAME[k] : "unknown";
}

void td_study_cfg_default(td_study_cfg *c)
{
    c->edge = 0.1;
    c->alpha = 0.05;
    c->max_infeasible = 0.2;
    c->per_hp = 10;
    c->min_good = 3;
    c->good_frac = 0.25;
    c->scientific = -1;
    c->buckets = 5;
    c->tie_z = 2;
    c->curves = 3;
    c->curve_dir = NULL;
}

td_code td_study_check(const td_study *s, const td_study_cfg *c, td_study_report *r, td_err *e)
{
    memset(r, 0, sizeof *r);
    r->trial_sd = NAN;
    r->total = s->n;
    for (size_t i = 0; i < s->n; i++) {
        r->ok += s->state[i] == TD_TRIAL_OK;
        r->infeasible += s->state[i] == TD_TRIAL_INFEASIBLE;
        r->skipped += s->state[i] == TD_TRIAL_SKIPPED;
    }
    r->best = td_study_best(s);
    r->scientific = c->scientific;
    r->buckets = c->buckets;
    td_code (*const checks[])(const td_study *, const td_study_cfg *, td_study_report *, td_err *) = {
        td_study_check_infeasible, td_study_check_boundary, td_study_check_variance,
        td_study_check_density, td_study_check_isolation, td_study_check_curves,
    };
    for (size_t k = 0; k < sizeof checks / sizeof checks[0]; k++) {
        td_code rc = checks[k](s, c, r, e);
        if (rc != TD_OK) {
            td_study_report_free(r);
            return rc == TD_ENOMEM && (!e || e->code == TD_OK) ? td_fail(e, rc, "%s: out of memory", s->source) : rc;
        }
    }
    return TD_OK;
}

size_t td_study_nfindings(const td_study_report *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->nf; i++) n += r->f[i].finding;
    return n;
}

/* The value of trial i for hp h as text. */
static const char *hp_text(const td_hp *h, size_t i, char *buf, size_t cap)
{
    double v = h->v[i];
    if (isnan(v)) return "-";
    if (h->type == TD_HP_CAT) return td_safe_text(buf, cap, h->levels[(size_t)v]);
    snprintf(buf, cap, "%.4g", v);
    return buf;
}

static const char *type_name(td_hp_type t)
{
    return t == TD_HP_CAT ? "categorical" : t == TD_HP_INT ? "int" : "float";
}

static const char *const DIR_FROM[] = {
    [TD_DIR_OPTION] = "option", [TD_DIR_NAME] = "name", [TD_DIR_EVIDENCE] = "evidence", [TD_DIR_UNKNOWN] = "unknown",
};

/* "label: a, b, c\n" (at most 40 names, then how many more); nothing when n == 0. */
static void print_names(td_out *o, const char *label, const char *const *names, const int *varies, size_t n)
{
    char buf[96];
    if (!n) return;
    td_out_puts(o, label);
    for (size_t k = 0; k < n && k < 40; k++)
        td_out_printf(o, "%s%s%s", k ? ", " : " ", td_safe_text(buf, sizeof buf, names[k]),
                      varies && varies[k] ? " (differs between runs of one configuration)" : "");
    if (n > 40) td_out_printf(o, " and %zu more", n - 40);
    td_out_puts(o, "\n");
}

/* Which columns were taken as what, and why the objective and its direction. */
static void print_roles(const td_study *s, td_out *o)
{
    char obj[96];
    td_safe_text(obj, sizeof obj, s->objective);
    if (s->objective_from && strcmp(s->objective_from, "--objective") && strcmp(s->objective_from, "its usual name"))
        td_out_printf(o, "objective %s picked as %s; pass --objective to choose another\n", obj, s->objective_from);
    if (s->direction_from == TD_DIR_UNKNOWN)
        td_out_puts(o, "direction unknown: assuming minimize; pass --maximize or --minimize\n");
    else if (s->direction_from == TD_DIR_EVIDENCE)
        td_out_printf(o, "direction %s from the evidence: %s; pass --%s if wrong\n", s->maximize ? "maximize" : "minimize",
                      s->direction_why, s->maximize ? "minimize" : "maximize");
    const char **names = malloc((s->nhp + s->noutcome + s->nother + 1) * sizeof *names);
    int *varies = calloc(s->noutcome + 1, sizeof *varies);
    if (!names || !varies) { free(names); free(varies); o->failed = 1; return; }
    char label[160];
    for (size_t k = 0; k < s->nhp; k++) names[k] = s->hp[k].name;
    snprintf(label, sizeof label, "hyperparameters (%s):", s->hp_from ? s->hp_from : "given");
    print_names(o, label, names, NULL, s->nhp);
    for (size_t k = 0; k < s->noutcome; k++) { names[k] = s->outcome[k].name; varies[k] = s->outcome[k].varies; }
    print_names(o, "outcomes (measured, not tuned):", names, varies, s->noutcome);
    print_names(o, "other columns (not used):", (const char *const *)s->other, NULL, s->nother);
    free(names);
    free(varies);
}

void td_study_print(const td_study *s, const td_study_report *r, td_out *o)
{
    char src[256], obj[96], name[96], buf[96];
    td_safe_text(src, sizeof src, s->source);
    td_safe_text(obj, sizeof obj, s->objective);
    static const char *const HOW[] = {[TD_DIR_OPTION] = "given", [TD_DIR_NAME] = "from its name",
                                      [TD_DIR_EVIDENCE] = "from the evidence", [TD_DIR_UNKNOWN] = "assumed"};
    td_out_printf(o, "%s: %zu trials (%zu ok, %zu infeasible, %zu skipped), %zu hyperparameters, objective %s (%s, %s)\n",
                  src, r->total, r->ok, r->infeasible, r->skipped, s->nhp, obj,
                  s->maximize ? "maximize" : "minimize", HOW[s->direction_from]);
    print_roles(s, o);
    if (r->best != (size_t)-1) {
        td_out_printf(o, "best: %s %zu: %s = %.6g", s->row_word, s->row[r->best], obj, s->y[r->best]);
        for (size_t k = 0; k < s->nhp; k++)
            td_out_printf(o, "%s%s=%s", k ? ", " : " (", td_safe_text(name, sizeof name, s->hp[k].name),
                          hp_text(&s->hp[k], r->best, buf, sizeof buf));
        td_out_puts(o, s->nhp ? ")\n" : "\n");
    } else {
        td_out_puts(o, "best: none (no trial completed with a finite objective)\n");
    }
    for (size_t k = 0; k < s->nhp; k++) {
        const td_hp *h = &s->hp[k];
        td_out_printf(o, "  %-20s %-11s", td_safe_text(name, sizeof name, h->name), type_name(h->type));
        if (h->type == TD_HP_CAT) td_out_printf(o, " %zu values", h->nlevels);
        else td_out_printf(o, " [%.4g, %.4g]%s %s", h->lo, h->hi, h->log ? " log" : "",
                           h->spec_range ? "spec" : "observed");
        td_out_puts(o, "\n");
    }
    td_study_iso iso;
    if (r->scientific >= 0 && (size_t)r->scientific < s->nhp &&
        td_study_isolation(s, (size_t)r->scientific, r->buckets, &iso, NULL) == TD_OK) {
        const td_hp *h = &s->hp[r->scientific];
        td_out_printf(o, "isolation (best %s per %s value, nuisance hyperparameters optimised away):\n", obj,
                      td_safe_text(name, sizeof name, h->name));
        for (size_t b = 0; b < iso.n; b++) {
            if (h->type == TD_HP_CAT) td_out_printf(o, "  %-24s", td_safe_text(buf, sizeof buf, h->levels[b]));
            else if (iso.lo[b] == iso.hi[b]) td_out_printf(o, "  %-24.4g", iso.x[b]);
            else {
                snprintf(buf, sizeof buf, "[%.4g, %.4g)", iso.lo[b], iso.hi[b]);
                td_out_printf(o, "  %-24s", buf);
            }
            td_out_printf(o, " best %-10.6g %zu trials, %zu feasible\n", iso.best[b], iso.trials[b], iso.feasible[b]);
        }
        td_study_iso_free(&iso);
    }
    if (!isnan(r->trial_sd))
        td_out_printf(o, "trial noise: sd %.4g from %zu repeated configurations\n", r->trial_sd, r->groups_repeated);
    for (size_t k = 0; k < r->ntop; k++) {
        td_out_printf(o, "  config #%zu (%s %zu): %s mean %.6g", k + 1, s->row_word, s->row[r->top[k].trial], obj,
                      r->top[k].mean);
        if (isnan(r->top[k].sd)) td_out_puts(o, ", 1 run\n");
        else td_out_printf(o, " sd %.3g over %zu runs\n", r->top[k].sd, r->top[k].n);
    }
    size_t nf = td_study_nfindings(r);
    for (int pass = 1; pass >= 0; pass--) /* findings first, then notes */
        for (size_t i = 0; i < r->nf; i++)
            if (r->f[i].finding == pass)
                td_out_printf(o, "%s %s: %s\n", pass ? "FINDING" : "note", td_study_kind_name(r->f[i].kind),
                              r->f[i].text);
    td_out_printf(o, "verdict: %s\n", nf ? "findings above; fix the study before believing its conclusion"
                                         : "sound study: no finding");
}

void td_study_json(const td_study *s, const td_study_report *r, td_json *j)
{
    td_json_obj(j);
    td_json_kstr(j, "tool", "studycheck");
    td_json_kstr(j, "version", TD_VERSION);
    td_json_kstr(j, "source", s->source);
    td_json_kstr(j, "objective", s->objective);
    td_json_kstr(j, "direction", s->maximize ? "maximize" : "minimize");
    td_json_kbool(j, "direction_given", s->direction_given);
    td_json_kstr(j, "direction_from", DIR_FROM[s->direction_from]);
    if (s->direction_from == TD_DIR_EVIDENCE) td_json_kstr(j, "direction_evidence", s->direction_why);
    td_json_kstr(j, "objective_from", s->objective_from ? s->objective_from : "given");
    td_json_kstr(j, "hyperparameters_from", s->hp_from ? s->hp_from : "given");
    td_json_key(j, "outcomes");
    td_json_arr(j);
    for (size_t k = 0; k < s->noutcome; k++) td_json_str(j, s->outcome[k].name);
    td_json_end_arr(j);
    td_json_key(j, "other_columns");
    td_json_arr(j);
    for (size_t k = 0; k < s->nother; k++) td_json_str(j, s->other[k]);
    td_json_end_arr(j);
    td_json_key(j, "trials");
    td_json_obj(j);
    td_json_kint(j, "total", (long long)r->total);
    td_json_kint(j, "ok", (long long)r->ok);
    td_json_kint(j, "infeasible", (long long)r->infeasible);
    td_json_kint(j, "skipped", (long long)r->skipped);
    td_json_kint(j, "good_region", (long long)r->good);
    td_json_end_obj(j);
    td_json_key(j, "best");
    if (r->best == (size_t)-1) {
        td_json_null(j);
    } else {
        td_json_obj(j);
        td_json_kint(j, s->row_word, (long long)s->row[r->best]);
        td_json_knum(j, "objective", s->y[r->best]);
        td_json_key(j, "params");
        td_json_obj(j);
        for (size_t k = 0; k < s->nhp; k++) {
            const td_hp *h = &s->hp[k];
            double v = h->v[r->best];
            if (h->type == TD_HP_CAT && !isnan(v)) td_json_kstr(j, h->name, h->levels[(size_t)v]);
            else td_json_knum(j, h->name, v);
        }
        td_json_end_obj(j);
        td_json_end_obj(j);
    }
    td_json_key(j, "hyperparameters");
    td_json_arr(j);
    for (size_t k = 0; k < s->nhp; k++) {
        const td_hp *h = &s->hp[k];
        td_json_obj(j);
        td_json_kstr(j, "name", h->name);
        td_json_kstr(j, "type", type_name(h->type));
        td_json_kbool(j, "log", h->log);
        td_json_knum(j, "lo", h->lo);
        td_json_knum(j, "hi", h->hi);
        td_json_kstr(j, "range_from", h->spec_range ? "spec" : "observed");
        if (h->type == TD_HP_CAT) {
            td_json_key(j, "values");
            td_json_arr(j);
            for (size_t l = 0; l < h->nlevels; l++) td_json_str(j, h->levels[l]);
            td_json_end_arr(j);
        }
        td_json_end_obj(j);
    }
    td_json_end_arr(j);
    td_study_iso iso;
    if (r->scientific >= 0 && (size_t)r->scientific < s->nhp &&
        td_study_isolation(s, (size_t)r->scientific, r->buckets, &iso, NULL) == TD_OK) {
        const td_hp *h = &s->hp[r->scientific];
        td_json_key(j, "isolation");
        td_json_obj(j);
        td_json_kstr(j, "scientific", h->name);
        td_json_key(j, "buckets");
        td_json_arr(j);
        for (size_t b = 0; b < iso.n; b++) {
            td_json_obj(j);
            if (h->type == TD_HP_CAT) td_json_kstr(j, "value", h->levels[b]);
            else td_json_knum(j, "x", iso.x[b]);
            td_json_knum(j, "lo", iso.lo[b]);
            td_json_knum(j, "hi", iso.hi[b]);
            td_json_knum(j, "best", iso.best[b]);
            if (iso.best_trial[b] != (size_t)-1) td_json_kint(j, s->row_word, (long long)s->row[iso.best_trial[b]]);
            td_json_kint(j, "trials", (long long)iso.trials[b]);
            td_json_kint(j, "feasible", (long long)iso.feasible[b]);
            td_json_end_obj(j);
        }
        td_json_end_arr(j);
        td_json_end_obj(j);
        td_study_iso_free(&iso);
    }
    td_json_knum(j, "trial_sd", r->trial_sd);
    td_json_kint(j, "repeated_configs", (long long)r->groups_repeated);
    td_json_key(j, "top_configs");
    td_json_arr(j);
    for (size_t k = 0; k < r->ntop; k++) {
        td_json_obj(j);
        td_json_kint(j, s->row_word, (long long)s->row[r->top[k].trial]);
        td_json_kint(j, "runs", (long long)r->top[k].n);
        td_json_knum(j, "mean", r->top[k].mean);
        td_json_knum(j, "sd", r->top[k].sd);
        td_json_end_obj(j);
    }
    td_json_end_arr(j);
    td_json_key(j, "findings");
    td_json_arr(j);
    for (size_t i = 0; i < r->nf; i++) {
        const td_study_finding *f = &r->f[i];
        td_json_obj(j);
        td_json_kstr(j, "kind", td_study_kind_name(f->kind));
        td_json_kbool(j, "finding", f->finding);
        if (f->hp >= 0) td_json_kstr(j, "hyperparameter", s->hp[f->hp].name);
        else td_json_knum(j, "hyperparameter", NAN);
        td_json_kint(j, "side", f->side);
        td_json_knum(j, "value", f->value);
        td_json_knum(j, "ref", f->ref);
        td_json_kstr(j, "text", f->text);
        td_json_end_obj(j);
    }
    td_json_end_arr(j);
    td_json_kint(j, "findings_count", (long long)td_study_nfindings(r));
    td_json_end_obj(j);
}
