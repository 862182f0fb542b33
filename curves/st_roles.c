/* st_roles.c — what each column of a trials table is: the objective (by
 * --objective, a usual name, or the common forms best_*, val/eval metrics,
 * final_/mean_ ones, test metrics), the status, seed and log-file columns,
 * the tuned hyperparameters, the outcomes (measured by the run: times,
 * losses, metrics, parameter counts, the epoch a run stopped at) and the
 * rest (ids, dates, hosts). Hyperparameters are, in order of authority:
 * --hp, the --space spec's names, the params_/config. prefixes of Optuna,
 * W&B and Ray Tune, else every column not told apart as an outcome by its
 * name or by varying between runs of one configuration (below), nor a text
 * column with a different value in every trial (a run's name). */
#include "td_study.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Prefixes that mark a hyperparameter column and are dropped from its name. */
static const char *const HP_PREFIX[] = {"params_", "params.", "config.", "config/", "hparams.", "hparams/", NULL};
static const char *const HP_FROM[] = {"Optuna's params_ prefix", "the params. prefix", "W&B's config. prefix",
    "Ray Tune's config/ prefix", "the hparams. prefix", "the hparams/ prefix"};
/* Prefixes of metric columns; dropped when matching objective names. */
static const char *const METRIC_PREFIX[] = {"summary.", "summary/", "summary_metrics.", "user_attrs_", NULL};
/* Usual objective names, in order of preference. */
static const char *const OBJECTIVE[] = {"value", "values_0", "objective", "val_loss", "valid_loss",
    "validation_loss", "eval_loss", "val_error", "val_err", "val_accuracy", "val_acc", "eval_accuracy",
    "loss", "error", "accuracy", "acc", "score", "metric", NULL};
/* Columns that are neither hyperparameters nor outcomes (Optuna, W&B, Ray Tune, generic). */
static const char *const META[] = {"number", "datetime_start", "datetime_complete", "name", "id", "notes",
    "user", "tags", "created", "sweep", "trial", "trial_id", "trial_name", "run", "run_id", "timestamp",
    "index", "unnamed: 0", "host", "hostname", "node_ip", "pid", "group", "job_type", "commit", "date",
    "experiment_id", "experiment_tag", "logdir", "path", "done", "is_bad", NULL};
static const char *const META_PREFIX[] = {"system_attrs_", "values_", "_", "system.", "system/", NULL};
/* Names of outcome columns that no token tells (the epoch a run stopped at, counters). */
static const char *const OUTCOME[] = {"epoch", "epochs_run", "step", "global_step", "training_iteration",
    "stopped_epoch", "timesteps_total", "episodes_total", "iterations_since_restore",
    "timesteps_since_restore", NULL};
/* Name tokens of metrics: a column holding one is an outcome and may be the objective. */
static const char *const METRIC_TOKEN[] = {"loss", "acc", "accuracy", "error", "err", "score",
    "perplexity", "ppl", "f1", "auc", "metric", "top1", "top5", "objective", "bleu", "rouge", "iou",
    "map", "mse", "mae", "rmse", "nll", "wer", "cer", "reward", "return", "precision", "recall", "r2",
    "dice", "bpc", "bpb", NULL};
/* Name tokens of other measured quantities: times, sizes, resources, the stopping epoch. */
static const char *const MEASURE_TOKEN[] = {"time", "duration", "runtime", "elapsed", "seconds", "secs",
    "sec", "minutes", "hours", "latency", "throughput", "param", "params", "parameters", "nparams",
    "flops", "macs", "memory", "mem", "epoch", NULL};
/* Tokens that make an objective one to maximize / minimize. */
static const char *const MAX_TOKEN[] = {"acc", "accuracy", "f1", "auc", "top1", "top5", "reward", "return",
    "precision", "recall", "iou", "bleu", "rouge", "map", "r2", "dice", "throughput", NULL};
static const char *const MIN_TOKEN[] = {"loss", "error", "err", "perplexity", "ppl", "mse", "mae", "rmse",
    "nll", "wer", "cer", "bpc", "bpb", "regret", "cost", "time", "duration", "latency", "distance", NULL};
static const char *const SEED[] = {"seed", "random_seed", "rng_seed", "run_seed", NULL};
static const char *const STATE[] = {"state", "status", "run_state", NULL};
/* A column naming each trial's training log (read by curvecheck's readers). */
static const char *const CURVE[] = {"log_file", "curve_file", "logfile", "log_path", "curve", "history",
    "metrics_file", "log", NULL};
/* Tokens of a validation metric. */
static const char *const VAL_TOKEN[] = {"val", "valid", "validation", "eval", "dev", NULL};
static const char *const TEST_TOKEN[] = {"test", NULL};
static const char *const SUMMARY_PREFIX[] = {"final_", "final/", "mean_", "avg_", "last_", NULL};
static const char *const BEST_PREFIX[] = {"best_", "best/", "best.", NULL};

static const char *after_prefix(const char *s, const char *const *pre)
{
    for (; *pre; pre++) {
        size_t n = strlen(*pre);
        if (strncasecmp(s, *pre, n) == 0 && s[n]) return s + n;
    }
    return NULL;
}

static int in_list(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (strcasecmp(s, *list) == 0) return 1;
    return 0;
}

/* 1 when one of s's alphanumeric tokens is in list ("val_top1_acc" -> acc). */
static int has_token(const char *s, const char *const *list)
{
    char tok[64];
    size_t n = 0;
    for (const char *p = s;; p++) {
        int alnum = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9');
        if (alnum && n + 1 < sizeof tok) { tok[n++] = *p; continue; }
        if (n) {
            tok[n] = '\0';
            if (in_list(tok, list)) return 1;
            n = 0;
        }
        if (!*p) return 0;
    }
}

const char *td_st_bare(const char *col)
{
    const char *b = after_prefix(col, HP_PREFIX);
    if (!b) b = after_prefix(col, METRIC_PREFIX);
    return b ? b : col;
}

int td_st_hp_prefixed(const char *col) { return after_prefix(col, HP_PREFIX) != NULL; }

int td_st_name_direction(const char *col)
{
    const char *b = td_st_bare(col);
    int up = has_token(b, MAX_TOKEN), down = has_token(b, MIN_TOKEN);
    if (up == down) return 0; /* neither, or both ("reward_loss") */
    int d = up ? 1 : -1;
    static const char *const NEG[] = {"neg", "negative", "minus", NULL};
    return has_token(b, NEG) ? -d : d; /* scikit-learn's neg_mean_squared_error */
}

long td_st_find_col(const td_st_table *t, const char *want)
{
    for (size_t c = 0; c < t->ncol; c++)
        if (strcmp(t->names[c], want) == 0) return (long)c;
    for (size_t c = 0; c < t->ncol; c++)
        if (strcasecmp(td_st_bare(t->names[c]), want) == 0) return (long)c;
    return -1;
}

static long find_any(const td_st_table *t, const char *const *names)
{
    for (; *names; names++) {
        long c = td_st_find_col(t, *names);
        if (c >= 0) return c;
    }
    return -1;
}

static int by_text(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A column whose present cells are all numbers (nan/inf allowed), at least one finite. */
static int numeric_col(const td_st_table *t, size_t c)
{
    int finite = 0;
    for (size_t r = 0; r < t->nrow; r++) {
        const char *v = t->cells[r * t->ncol + c];
        double x;
        if (!v) continue;
        if (td_st_number(v, &x) != 0) return 0;
        finite |= isfinite(x) != 0;
    }
    return finite;
}

/* Measures that, capped or budgeted, are settings: max_epoch, time_limit. */
static const char *const BUDGET_TOKEN[] = {"time", "duration", "seconds", "minutes", "hours", "epoch",
    "memory", "mem", NULL};
static const char *const SETTING_PREFIX[] = {"max_", "min_", "num_", "n_", "target_", NULL};
static const char *const SETTING_TOKEN[] = {"limit", "budget", "timeout", "patience", NULL};

/* An outcome by its name: a metric, a time, a size, a count, the stopping
 * epoch; not a cap or budget on a time, epoch or memory (a setting). */
static int outcome_name(const char *col)
{
    const char *b = td_st_bare(col);
    if (in_list(b, OUTCOME) || after_prefix(b, BEST_PREFIX) || has_token(b, METRIC_TOKEN)) return 1;
    if (!has_token(b, MEASURE_TOKEN)) return 0;
    int budget = has_token(b, BUDGET_TOKEN) && (after_prefix(b, SETTING_PREFIX) || has_token(b, SETTING_TOKEN));
    return !budget;
}

/* The objective when --objective and the usual names do not give it: the
 * first numeric, unprefixed metric column of the most telling form, a
 * validation metric before a test one: best_ and val (best_val_loss), val
 * or eval (val_perplexity, eval/acc, mean_val_loss), best_ (best_reward),
 * final_/mean_/avg_/last_, test, any metric. */
static long objective_form(const td_st_table *t, const char **from)
{
    static const char *const FROM[] = {"the best_* form", "a validation metric (val/eval)", "the best_* form",
                                       "the final_/mean_ form", "a test metric (no validation metric)",
                                       "a metric name (no validation or test metric)"};
    for (int form = 0; form < 6; form++)
        for (size_t c = 0; c < t->ncol; c++) {
            const char *nm = t->names[c], *b = td_st_bare(nm);
            if (td_st_hp_prefixed(nm) || !has_token(b, METRIC_TOKEN)) continue;
            int best = after_prefix(b, BEST_PREFIX) != NULL, val = has_token(b, VAL_TOKEN);
            int test = has_token(b, TEST_TOKEN);
            int hit = form == 0 ? best && val
                    : form == 1 ? val
                    : form == 2 ? best && !test
                    : form == 3 ? after_prefix(b, SUMMARY_PREFIX) != NULL && !test
                    : form == 4 ? test : 1;
            if (hit && numeric_col(t, c)) {
                *from = FROM[form];
                return (long)c;
            }
        }
    return -1;
}

/* A text column whose values are all different (4+ trials): a name or an
 * id of each run, not a hyperparameter (a categorical one repeats). */
static int id_like(const td_st_table *t, size_t c)
{
    if (t->nrow < 4 || numeric_col(t, c)) return 0;
    const char *first = t->cells[c] ? t->cells[c] : "";
    for (size_t r = 1; r < t->nrow && r < 64; r++) /* a repeat among the first rows settles it */
        if (strcmp(first, t->cells[r * t->ncol + c] ? t->cells[r * t->ncol + c] : "") == 0) return 0;
    const char **v = malloc(t->nrow * sizeof *v);
    if (!v) return 0;
    for (size_t r = 0; r < t->nrow; r++) v[r] = t->cells[r * t->ncol + c] ? t->cells[r * t->ncol + c] : "";
    qsort(v, t->nrow, sizeof *v, by_text);
    int distinct = 1;
    for (size_t r = 1; r < t->nrow && distinct; r++) distinct = strcmp(v[r], v[r - 1]) != 0;
    free(v);
    return distinct;
}

/* One key per row: the cells of the columns in use[] joined by 0x1f. */
typedef struct { char *key; size_t row, plen; } st_key; /* plen: length of the grid part */

static int by_key(const void *a, const void *b)
{
    return strcmp(((const st_key *)a)->key, ((const st_key *)b)->key);
}

/* Columns that vary between runs of one configuration are outcomes. The
 * runs of one configuration are known only in a design that repeats every
 * configuration once per seed: a seed column, and the trials grouped by
 * the candidate columns whose values repeat (at most n/2 distinct values)
 * fall into at least 2 groups that each hold every seed of the table
 * exactly once (k >= 2 seeds). A candidate column with differing values
 * inside some group is then no hyperparameter: it is measured (a time, a
 * norm, a count of steps). Without such a design nothing is concluded (a
 * random search over one continuous hyperparameter per value of a
 * categorical one looks the same once its seeds are gone). Marks
 * outcome[c] = 1. */
static td_code repeat_outcomes(const char *name, const td_st_table *t, const td_col_role *role, long seedc,
                               unsigned char *outcome, td_err *e)
{
    size_t n = t->nrow, nc = t->ncol;
    if (n < 4 || seedc < 0) return TD_OK;
    unsigned char *grid = calloc(nc, 1);
    st_key *k = calloc(n, sizeof *k);
    size_t *group = calloc(n, sizeof *group);
    td_code rc = TD_OK;
    int owned = 0;
    if (!grid || !k || !group) { rc = td_fail(e, TD_ENOMEM, "%s: out of memory", name); goto done; }
    size_t ngrid = 0, keylen = 1, nseed = 0;
    /* the seeds first: each must occur equally often (n / nseed times), else no design */
    for (size_t r = 0; r < n; r++) k[r].key = t->cells[r * nc + (size_t)seedc] ? t->cells[r * nc + (size_t)seedc] : "";
    qsort(k, n, sizeof *k, by_key);
    size_t per = 0; /* trials of the first seed */
    for (size_t r = 0, run = 1; r < n; r++, run++)
        if (r + 1 == n || strcmp(k[r].key, k[r + 1].key)) {
            if (nseed == 0) per = run;
            if (run != per) goto done;
            nseed++;
            run = 0;
        }
    if (nseed < 2 || n % nseed) goto done;
    nseed = 0;
    for (long c = 0; c < (long)nc; c++) {
        if (role[c] != TD_COL_HP && c != seedc) continue;
        for (size_t r = 0; r < n; r++) k[r].key = t->cells[r * nc + c] ? t->cells[r * nc + c] : "";
        qsort(k, n, sizeof *k, by_key); /* the cell pointers are only compared here */
        size_t distinct = 1, len = 0;
        for (size_t r = 0; r < n; r++) {
            if (r && strcmp(k[r].key, k[r - 1].key)) distinct++;
            if (strlen(k[r].key) > len) len = strlen(k[r].key);
        }
        if (c == seedc) nseed = distinct;
        else if (distinct >= 2 && 2 * distinct <= n) { grid[c] = 1; ngrid++; }
        if (c == seedc || grid[c]) keylen += len + 1;
    }
    if (!ngrid || nseed < 2) goto done;
    /* key: the grid cells, then the seed, so that a group's seeds are sorted */
    owned = 1;
    for (size_t r = 0; r < n; r++) k[r].key = NULL;
    for (size_t r = 0; r < n; r++) {
        char *p = k[r].key = malloc(keylen);
        if (!p) { rc = td_fail(e, TD_ENOMEM, "%s: out of memory", name); goto done; }
        for (size_t c = 0; c <= nc; c++) {
            size_t col = c < nc ? c : (size_t)seedc;
            if (c < nc && !grid[c]) continue;
            if (c == nc) k[r].plen = (size_t)(p - k[r].key);
            const char *v = t->cells[r * nc + col] ? t->cells[r * nc + col] : "";
            size_t l = strlen(v);
            memcpy(p, v, l);
            p += l;
            *p++ = c < nc ? '\x1f' : '\0';
        }
        k[r].row = r;
    }
    qsort(k, n, sizeof *k, by_key); /* keys sharing a grid part are adjacent */
    /* groups: runs of one grid part; each must hold every seed once */
    size_t g = 0, run = 0;
    int design = 1;
    for (size_t r = 0; r <= n && design; r++) {
        int same = r > 0 && r < n && k[r].plen == k[r - 1].plen && memcmp(k[r].key, k[r - 1].key, k[r].plen) == 0;
        if (r > 0 && !same) {
            if (run != nseed) design = 0;
            g++;
            run = 0;
        }
        if (r < n) {
            if (same && strcmp(k[r].key, k[r - 1].key) == 0) design = 0; /* a seed twice in one configuration */
            group[k[r].row] = g;
            run++;
        }
    }
    if (!design || g < 2) goto done;
    size_t *first = malloc(g * sizeof *first);
    if (!first) { rc = td_fail(e, TD_ENOMEM, "%s: out of memory", name); goto done; }
    for (size_t c = 0; c < nc; c++) {
        if (role[c] != TD_COL_HP || grid[c]) continue;
        for (size_t q = 0; q < g; q++) first[q] = (size_t)-1;
        for (size_t r = 0; r < n && !outcome[c]; r++) {
            const char *v = t->cells[r * nc + c] ? t->cells[r * nc + c] : "";
            size_t q = group[r];
            if (first[q] == (size_t)-1) first[q] = r;
            else if (strcmp(v, t->cells[first[q] * nc + c] ? t->cells[first[q] * nc + c] : "") != 0) outcome[c] = 1;
        }
    }
    free(first);
done:
    if (owned && k)
        for (size_t r = 0; r < n; r++) free(k[r].key);
    free(grid);
    free(k);
    free(group);
    return rc;
}

void td_st_roles_free(td_st_roles *r)
{
    if (!r) return;
    free(r->role);
    free(r->varies);
    memset(r, 0, sizeof *r);
}

/* Mark the columns named by a list (--hp, --outcome, spec names) as role. */
/* Mark the columns named by a list (--hp, --outcome, a spec's names) as
 * want; of names where the list came from (" of space.json"). An outcome
 * already taken as the objective, status, seed or log column keeps that role. */
static td_code mark_named(const char *name, const td_st_table *t, const char *const *list, size_t n,
                          const char *what, const char *of, td_col_role want, td_col_role *role, td_err *e)
{
    char safe[128], safe2[128];
    for (size_t i = 0; i < n; i++) {
        long c = td_st_find_col(t, list[i]);
        if (c < 0)
            return td_fail(e, TD_EINPUT, "%s: line 1: no column for %s '%s'%s%s", name, what,
                           td_safe_text(safe, sizeof safe, list[i]), of ? " of " : "",
                           of ? td_safe_text(safe2, sizeof safe2, of) : "");
        int special = role[c] != TD_COL_OTHER && role[c] != TD_COL_OUTCOME && role[c] != TD_COL_HP;
        if (want == TD_COL_OUTCOME && role[c] == TD_COL_HP)
            return td_fail(e, TD_EUSAGE, "%s: column %s is named both a hyperparameter and an outcome", name,
                           td_safe_text(safe, sizeof safe, t->names[c]));
        if (want == TD_COL_HP && special)
            return td_fail(e, TD_EUSAGE, "%s: column %s is the objective, status, seed or log column, not a "
                           "hyperparameter", name, td_safe_text(safe, sizeof safe, t->names[c]));
        if (!special) role[c] = want;
    }
    return TD_OK;
}

td_code td_st_roles_pick(const char *name, const td_st_table *t, const td_study_opts *o, td_st_roles *r,
                         td_err *e)
{
    char safe[128];
    memset(r, 0, sizeof *r);
    r->objective = r->state = r->seed = r->curve = -1;
    if (o && o->objective) {
        r->objective = td_st_find_col(t, o->objective);
        r->objective_from = "--objective";
        if (r->objective < 0)
            return td_fail(e, TD_EINPUT, "%s: line 1: no objective column '%s'", name,
                           td_safe_text(safe, sizeof safe, o->objective));
    } else {
        for (const char *const *nm = OBJECTIVE; *nm && r->objective < 0; nm++) {
            long c = td_st_find_col(t, *nm);
            if (c >= 0 && !td_st_hp_prefixed(t->names[c])) r->objective = c;
        }
        r->objective_from = "its usual name";
        if (r->objective < 0) r->objective = objective_form(t, &r->objective_from);
        if (r->objective < 0)
            return td_fail(e, TD_EINPUT, "%s: line 1: no objective column (looked for value, objective, "
                           "val_loss, loss, accuracy, score, best_*, val_*, eval_*, final_*, mean_*, test_* "
                           "metrics; name it with --objective)", name);
    }
    r->role = calloc(t->ncol ? t->ncol : 1, sizeof *r->role);
    r->varies = calloc(t->ncol ? t->ncol : 1, 1);
    if (!r->role || !r->varies) { td_st_roles_free(r); return td_fail(e, TD_ENOMEM, "%s: out of memory", name); }
    r->state = find_any(t, STATE);
    r->seed = find_any(t, SEED);
    r->curve = find_any(t, CURVE);
    if (r->seed == r->objective) r->seed = -1;
    if (r->curve == r->objective) r->curve = -1;
    if (r->state == r->objective) r->state = -1;
    for (size_t c = 0; c < t->ncol; c++) {
        const char *nm = t->names[c];
        r->role[c] = in_list(nm, META) || after_prefix(nm, META_PREFIX) ? TD_COL_OTHER : TD_COL_OUTCOME;
    }
    r->role[r->objective] = TD_COL_OBJECTIVE;
    if (r->state >= 0) r->role[r->state] = TD_COL_STATE;
    if (r->seed >= 0) r->role[r->seed] = TD_COL_SEED;
    if (r->curve >= 0) r->role[r->curve] = TD_COL_CURVE;
    td_code rc = TD_OK;
    if (o && o->nhps) {
        r->hp_from = "--hp";
        rc = mark_named(name, t, o->hps, o->nhps, "hyperparameter", NULL, TD_COL_HP, r->role, e);
    } else if (o && o->space) {
        r->hp_from = "the --space spec";
        const char **names = calloc(o->space->n ? o->space->n : 1, sizeof *names);
        if (!names) rc = td_fail(e, TD_ENOMEM, "%s: out of memory", name);
        for (size_t i = 0; names && i < o->space->n; i++) names[i] = o->space->hp[i].name;
        if (names)
            rc = mark_named(name, t, names, o->space->n, "hyperparameter", o->space_name ? o->space_name : "the spec",
                            TD_COL_HP, r->role, e);
        free(names);
    } else {
        int prefixed = 0;
        for (size_t c = 0; c < t->ncol && !prefixed; c++)
            if ((long)c != r->objective && td_st_hp_prefixed(t->names[c])) {
                prefixed = 1;
                for (size_t k = 0; HP_PREFIX[k]; k++)
                    if (strncasecmp(t->names[c], HP_PREFIX[k], strlen(HP_PREFIX[k])) == 0) { r->hp_from = HP_FROM[k]; break; }
            }
        for (size_t c = 0; c < t->ncol; c++) {
            if (r->role[c] != TD_COL_OUTCOME) continue;
            const char *nm = t->names[c];
            int hp = prefixed ? td_st_hp_prefixed(nm) : !outcome_name(nm);
            if (o && o->noutcomes)
                for (size_t i = 0; i < o->noutcomes && hp; i++)
                    if (td_st_find_col(t, o->outcomes[i]) == (long)c) hp = 0;
            if (hp && !prefixed && id_like(t, c)) r->role[c] = TD_COL_OTHER;
            else if (hp) r->role[c] = TD_COL_HP;
        }
        if (!prefixed) r->hp_from = "every column not an outcome, id or status";
        if (!prefixed) rc = repeat_outcomes(name, t, r->role, r->seed, r->varies, e);
        for (size_t c = 0; c < t->ncol && rc == TD_OK; c++)
            if (r->varies[c]) r->role[c] = TD_COL_OUTCOME;
    }
    if (rc == TD_OK && o && o->noutcomes)
        rc = mark_named(name, t, o->outcomes, o->noutcomes, "outcome", NULL, TD_COL_OUTCOME, r->role, e);
    if (rc != TD_OK) td_st_roles_free(r);
    return rc;
}
