/* st_read.c — a trials table (raw text cells) into a td_study: the column
 * roles (st_roles.c), the hyperparameters' types (float, int, categorical),
 * the outcomes' values, each trial's state, the objective's direction from
 * the option, its name, or the evidence (st_direction.c). Bad input names
 * file, column, row. */
#include "td_study.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Trial states by name (case-insensitive). */
static const struct { const char *name; td_trial_state st; } STATES[] = {
    {"complete", TD_TRIAL_OK}, {"completed", TD_TRIAL_OK}, {"finished", TD_TRIAL_OK},
    {"success", TD_TRIAL_OK}, {"succeeded", TD_TRIAL_OK}, {"ok", TD_TRIAL_OK},
    {"done", TD_TRIAL_OK}, {"feasible", TD_TRIAL_OK},
    {"fail", TD_TRIAL_INFEASIBLE}, {"failed", TD_TRIAL_INFEASIBLE}, {"failure", TD_TRIAL_INFEASIBLE},
    {"crashed", TD_TRIAL_INFEASIBLE}, {"diverged", TD_TRIAL_INFEASIBLE}, {"nan", TD_TRIAL_INFEASIBLE},
    {"error", TD_TRIAL_INFEASIBLE}, {"infeasible", TD_TRIAL_INFEASIBLE}, {"oom", TD_TRIAL_INFEASIBLE},
    {"pruned", TD_TRIAL_SKIPPED}, {"running", TD_TRIAL_SKIPPED}, {"waiting", TD_TRIAL_SKIPPED},
    {"pending", TD_TRIAL_SKIPPED}, {"queued", TD_TRIAL_SKIPPED}, {"killed", TD_TRIAL_SKIPPED},
    {"stopped", TD_TRIAL_SKIPPED}, {"cancelled", TD_TRIAL_SKIPPED}, {"canceled", TD_TRIAL_SKIPPED},
    {"preempted", TD_TRIAL_SKIPPED},
};

static td_code trial_state(const char *name, const td_st_table *t, long col, size_t r,
                           td_trial_state *st, int *given, td_err *e)
{
    const char *v = col >= 0 ? t->cells[r * t->ncol + (size_t)col] : NULL;
    *given = 0;
    if (!v) return TD_OK;
    while (*v == ' ') v++;
    const char *dot = strrchr(v, '.'); /* "TrialState.COMPLETE" */
    if (dot && strncasecmp(v, "TrialState.", 11) == 0) v = dot + 1;
    for (size_t i = 0; i < sizeof STATES / sizeof STATES[0]; i++)
        if (strcasecmp(v, STATES[i].name) == 0) {
            *st = STATES[i].st;
            *given = 1;
            return TD_OK;
        }
    char safe[64], cname[128];
    return td_fail(e, TD_EINPUT, "%s: column %s, %s %zu: unknown status '%s' (known: complete, finished, "
                   "failed, crashed, diverged, pruned, running, ...)", name,
                   td_safe_text(cname, sizeof cname, t->names[col]), t->row_word, t->row[r],
                   td_safe_text(safe, sizeof safe, v));
}

static int add_level(td_hp *h, const char *v, double *idx)
{
    for (size_t k = 0; k < h->nlevels; k++)
        if (strcmp(h->levels[k], v) == 0) { *idx = (double)k; return 0; }
    char **lv = realloc(h->levels, (h->nlevels + 1) * sizeof *lv);
    if (!lv) return -1;
    h->levels = lv;
    if (!(lv[h->nlevels] = strdup(v))) return -1;
    *idx = (double)h->nlevels++;
    return 0;
}

/* A positive hyperparameter spanning >= 20x whose median value sits in the
 * bottom quarter of its linear range was sampled on a log scale (the
 * median of log-uniform values over 1.3+ decades is below 0.19 of the
 * linear range; of uniform ones about 0.5). */
static int looks_log(const double *v, size_t n, double lo, double hi)
{
    if (!(lo > 0) || hi / lo < 20.0) return 0;
    double med = td_median(v, n); /* NaN (absent) values are skipped */
    return (med - lo) / (hi - lo) < 0.25;
}

/* Fill hp h from column col: numeric when its first value is a number
 * (then every value must be), categorical otherwise. */
static td_code fill_hp(const char *name, const td_st_table *t, size_t col, const size_t *keep,
                       size_t n, td_hp *h, td_err *e)
{
    int numeric = -1, integral = 1;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        const char *v = t->cells[keep[i] * t->ncol + col];
        h->v[i] = NAN;
        if (!v) continue;
        double x;
        int isnum = td_st_number(v, &x) == 0 && isfinite(x);
        if (numeric < 0) numeric = isnum;
        if (numeric && !isnum) {
            char cname[128], safe[64];
            return td_fail(e, TD_EINPUT, "%s: column %s, %s %zu: '%s' is not a number like the rows above "
                           "(inconsistent types)", name, td_safe_text(cname, sizeof cname, t->names[col]),
                           t->row_word, t->row[keep[i]], td_safe_text(safe, sizeof safe, v));
        }
        if (numeric) {
            h->v[i] = x;
            if (x != floor(x)) integral = 0;
            if (x < lo) lo = x;
            if (x > hi) hi = x;
        } else if (add_level(h, v, &h->v[i]) != 0) {
            return td_fail(e, TD_ENOMEM, "%s: out of memory", name);
        }
    }
    if (numeric == 1) {
        h->type = integral ? TD_HP_INT : TD_HP_FLOAT;
        h->lo = lo;
        h->hi = hi;
        h->log = looks_log(h->v, n, lo, hi);
    } else {
        h->type = TD_HP_CAT;
        h->lo = 0;
        h->hi = h->nlevels ? (double)(h->nlevels - 1) : 0;
    }
    return TD_OK;
}

void td_study_free(td_study *s)
{
    if (!s) return;
    for (size_t k = 0; k < s->nhp; k++) {
        td_hp *h = &s->hp[k];
        free(h->name);
        for (size_t l = 0; l < h->nlevels; l++) free(h->levels[l]);
        free(h->levels);
        free(h->cond_hp);
        free(h->cond_value);
        free(h->v);
    }
    free(s->hp);
    for (size_t k = 0; k < s->noutcome; k++) {
        free(s->outcome[k].name);
        free(s->outcome[k].v);
    }
    free(s->outcome);
    for (size_t k = 0; k < s->nother; k++) free(s->other[k]);
    free(s->other);
    free(s->source);
    free(s->objective);
    free(s->state_col);
    free(s->seed_col);
    free(s->y);
    free(s->state);
    free(s->row);
    free(s->seed);
    if (s->curve)
        for (size_t i = 0; i < s->n; i++) free(s->curve[i]);
    free(s->curve);
    free(s->curve_col);
    free(s);
}

long td_study_find_hp(const td_study *s, const char *name)
{
    for (size_t k = 0; k < s->nhp; k++)
        if (strcmp(s->hp[k].name, name) == 0) return (long)k;
    for (size_t k = 0; k < s->nhp; k++)
        if (strcasecmp(s->hp[k].name, td_st_bare(name)) == 0) return (long)k;
    return -1;
}

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

/* The outcome columns' values and the other columns' names into s. */
static td_code fill_outcomes(const char *name, const td_st_table *t, const td_st_roles *ro, td_study *s, td_err *e)
{
    size_t no = 0, nx = 0;
    for (size_t c = 0; c < t->ncol; c++) {
        no += ro->role[c] == TD_COL_OUTCOME;
        nx += ro->role[c] == TD_COL_OTHER;
    }
    s->outcome = calloc(no ? no : 1, sizeof *s->outcome);
    s->other = calloc(nx ? nx : 1, sizeof *s->other);
    if (!s->outcome || !s->other) return td_fail(e, TD_ENOMEM, "%s: out of memory", name);
    for (size_t c = 0; c < t->ncol; c++) {
        if (ro->role[c] == TD_COL_OTHER) {
            if (!(s->other[s->nother++] = strdup(t->names[c]))) return td_fail(e, TD_ENOMEM, "%s: out of memory", name);
            continue;
        }
        if (ro->role[c] != TD_COL_OUTCOME) continue;
        td_outcome *o = &s->outcome[s->noutcome++];
        o->name = strdup(t->names[c]);
        o->v = malloc((t->nrow ? t->nrow : 1) * sizeof *o->v);
        if (!o->name || !o->v) return td_fail(e, TD_ENOMEM, "%s: out of memory", name);
        o->direction = td_st_name_direction(t->names[c]);
        o->varies = ro->varies[c];
        for (size_t r = 0; r < t->nrow; r++)
            if (td_st_number(t->cells[r * t->ncol + c], &o->v[r]) != 0) o->v[r] = NAN;
    }
    return TD_OK;
}

td_code td_study_from_table(const char *name, const td_st_table *t, const td_study_opts *o,
                            td_study **out, td_err *e)
{
    *out = NULL;
    char safe[128];
    td_st_roles ro;
    td_code rc = td_st_roles_pick(name, t, o, &ro, e);
    if (rc != TD_OK) return rc;
    if (t->nrow == 0) {
        td_st_roles_free(&ro);
        return td_fail(e, TD_EINPUT, "%s: line 2: no trials, only a header", name);
    }
    long obj = ro.objective, stc = ro.state, seedc = ro.seed, curvec = ro.curve;
    td_study *s = calloc(1, sizeof *s);
    size_t *keep = calloc(t->nrow ? t->nrow : 1, sizeof *keep);
    if (!s || !keep) { rc = td_fail(e, TD_ENOMEM, "%s: out of memory", name); goto fail; }
    s->row_word = t->row_word ? t->row_word : "line";
    s->hp_from = ro.hp_from;
    s->objective_from = ro.objective_from;
    if (!(s->source = strdup(name)) || !(s->objective = strdup(t->names[obj])) ||
        (stc >= 0 && !(s->state_col = strdup(t->names[stc]))) ||
        (seedc >= 0 && !(s->seed_col = strdup(t->names[seedc]))) ||
        (curvec >= 0 && !(s->curve_col = strdup(t->names[curvec])))) {
        rc = td_fail(e, TD_ENOMEM, "%s: out of memory", name);
        goto fail;
    }
    int named = td_st_name_direction(t->names[obj]);
    s->direction_given = o && o->direction != 0;
    s->direction_from = s->direction_given ? TD_DIR_OPTION : named ? TD_DIR_NAME : TD_DIR_UNKNOWN;
    s->maximize = s->direction_given ? o->direction > 0 : named > 0;

    size_t n = t->nrow;
    s->y = calloc(n ? n : 1, sizeof *s->y);
    s->state = calloc(n ? n : 1, sizeof *s->state);
    s->row = calloc(n ? n : 1, sizeof *s->row);
    s->seed = calloc(n ? n : 1, sizeof *s->seed);
    if (curvec >= 0) s->curve = calloc(n ? n : 1, sizeof *s->curve);
    if (!s->y || !s->state || !s->row || !s->seed || (curvec >= 0 && !s->curve)) {
        rc = td_fail(e, TD_ENOMEM, "%s: out of memory", name);
        goto fail;
    }
    s->n = n; /* arrays are zeroed: td_study_free is safe from here */
    for (size_t r = 0; r < n; r++) {
        td_trial_state st = TD_TRIAL_OK;
        int given;
        if ((rc = trial_state(name, t, stc, r, &st, &given, e)) != TD_OK) goto fail;
        const char *v = t->cells[r * t->ncol + (size_t)obj];
        double y = NAN;
        if (v && td_st_number(v, &y) != 0) {
            char sv[64];
            rc = td_fail(e, TD_EINPUT, "%s: column %s, %s %zu: objective '%s' is not a number", name,
                         td_safe_text(safe, sizeof safe, t->names[obj]), s->row_word, t->row[r],
                         td_safe_text(sv, sizeof sv, v));
            goto fail;
        }
        if (!isfinite(y)) y = NAN;
        if (st == TD_TRIAL_OK && isnan(y)) st = TD_TRIAL_INFEASIBLE; /* NaN/Inf/missing: diverged */
        if (st == TD_TRIAL_INFEASIBLE) y = NAN;
        s->y[r] = y;
        s->state[r] = st;
        s->row[r] = t->row[r];
        s->seed[r] = NAN;
        const char *sd = seedc >= 0 ? t->cells[r * t->ncol + (size_t)seedc] : NULL;
        if (sd) td_st_number(sd, &s->seed[r]);
        const char *cv = curvec >= 0 ? t->cells[r * t->ncol + (size_t)curvec] : NULL;
        if (cv && !(s->curve[r] = strdup(cv))) { rc = td_fail(e, TD_ENOMEM, "%s: out of memory", name); goto fail; }
        keep[r] = r;
    }
    for (size_t c = 0; c < t->ncol; c++) s->nhp += ro.role[c] == TD_COL_HP;
    s->hp = calloc(s->nhp ? s->nhp : 1, sizeof *s->hp);
    if (!s->hp) { rc = td_fail(e, TD_ENOMEM, "%s: out of memory", name); goto fail; }
    size_t k = 0;
    for (size_t c = 0; c < t->ncol; c++) {
        if (ro.role[c] != TD_COL_HP) continue;
        td_hp *h = &s->hp[k++];
        h->name = dup_or_null(td_st_bare(t->names[c]));
        h->v = calloc(n ? n : 1, sizeof *h->v);
        if (!h->name || !h->v) { rc = td_fail(e, TD_ENOMEM, "%s: out of memory", name); goto fail; }
        if ((rc = fill_hp(name, t, c, keep, n, h, e)) != TD_OK) goto fail;
    }
    if ((rc = fill_outcomes(name, t, &ro, s, e)) != TD_OK) goto fail;
    td_study_direction(s);
    td_st_roles_free(&ro);
    free(keep);
    *out = s;
    return TD_OK;
fail:
    td_st_roles_free(&ro);
    free(keep);
    td_study_free(s);
    return rc;
}

static int looks_json(const char *d, size_t len)
{
    size_t i = (len >= 3 && memcmp(d, "\xEF\xBB\xBF", 3) == 0) ? 3 : 0;
    while (i < len && (d[i] == ' ' || d[i] == '\t' || d[i] == '\r' || d[i] == '\n')) i++;
    return i < len && (d[i] == '{' || d[i] == '[');
}

td_code td_study_read_mem(const char *name, const char *data, size_t len,
                          const td_study_opts *o, td_study **out, td_err *e)
{
    td_st_table t;
    *out = NULL;
    const char *nul = memchr(data, 0, len); /* would cut a cell short: "0.2\0" read as 0 */
    if (nul) {
        size_t line = 1;
        for (const char *p = data; p < nul; p++) line += *p == '\n';
        return td_fail(e, TD_EINPUT, "%s: line %zu: a NUL byte (not a text table)", name, line);
    }
    td_code rc = looks_json(data, len) ? td_st_jsonl(name, data, len, &t, e)
                                       : td_st_csv(name, data, len, &t, e);
    if (rc != TD_OK) return rc;
    rc = td_study_from_table(name, &t, o, out, e);
    td_st_table_free(&t);
    return rc;
}

td_code td_st_slurp(const char *path, char **data, size_t *len, td_err *e)
{
    *data = NULL;
    *len = 0;
    int std = strcmp(path, "-") == 0;
    FILE *f = std ? stdin : fopen(path, "rb");
    if (!f) return td_fail(e, TD_EIO, "%s: cannot open", path);
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    for (;;) {
        if (!buf) { if (!std) fclose(f); return td_fail(e, TD_ENOMEM, "%s: out of memory", path); }
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap) break;
        cap *= 2;
        char *nb = realloc(buf, cap + 1);
        if (!nb) free(buf);
        buf = nb;
    }
    int bad = ferror(f);
    if (!std) fclose(f);
    if (bad) { free(buf); return td_fail(e, TD_EIO, "%s: read error", path); }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return TD_OK;
}

td_code td_study_read(const char *path, const td_study_opts *o, td_study **out, td_err *e)
{
    char *data;
    size_t len;
    *out = NULL;
    td_code rc = td_st_slurp(path, &data, &len, e);
    if (rc != TD_OK) return rc;
    rc = td_study_read_mem(strcmp(path, "-") ? path : "<stdin>", data, len, o, out, e);
    free(data);
    return rc;
}
