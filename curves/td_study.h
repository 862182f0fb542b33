/* td_study.h — hyperparameter studies (tables of trials) judged the way the
 * Deep Learning Tuning Playbook does (seed 000, "从实验结果中提取洞察力"):
 * search-space boundaries, infeasible trials, sampling density, isolation
 * of scientific vs nuisance hyperparameters, trial (seed) variance (seed 002),
 * and quasi-random suggestions (scrambled Halton).
 *
 * Data model:
 *   td_study  one trials table: n trials (rows) x nhp hyperparameters, one
 *             objective, one state per trial, optional seed column.
 *   td_hp     one hyperparameter: type, scale, search range, and its value
 *             for every trial as a plain array (NaN = absent: a conditional
 *             hyperparameter that did not apply).
 * Names come from the table and are untrusted: print them through
 * td_safe_text, escape them before gnuplot/HTML.
 *
 * Plot data for diagreport (plain arrays, see td_study_axis and
 * td_study_isolation below):
 *   basic hyperparameter-axis plot: objective against one hyperparameter,
 *     infeasible trials marked (their y is NaN: draw them as a red X on the
 *     worst edge of the y range);
 *   isolation plot: best objective per value (bucket) of a scientific
 *     hyperparameter, the nuisance ones optimised away.
 */
#ifndef TD_STUDY_H
#define TD_STUDY_H

#include "td.h"

typedef enum { TD_HP_FLOAT, TD_HP_INT, TD_HP_CAT } td_hp_type;

typedef enum {
    TD_TRIAL_OK,         /* completed with a finite objective */
    TD_TRIAL_INFEASIBLE, /* diverged, NaN/Inf objective, failed, crashed */
    TD_TRIAL_SKIPPED     /* pruned, running, waiting, killed: not analysed */
} td_trial_state;

typedef struct {
    char *name;          /* as in the table, "params_"/"config." prefix removed */
    td_hp_type type;
    int log;             /* log scale: from the spec, or inferred (all > 0, max/min >= 20,
                            median in the bottom quarter of the linear range) */
    int spec_range;      /* 1 when lo/hi come from a search-space spec */
    double lo, hi;       /* search range; without a spec the observed min/max */
    char **levels;       /* (nlevels) categorical values, in first-seen or spec order */
    size_t nlevels;
    char *cond_hp;       /* conditional: applies only when hp cond_hp ... (NULL = always) */
    char *cond_value;    /* ... has this value (text) */
    double *v;           /* (n) value per trial; level index for TD_HP_CAT; NaN = absent */
} td_hp;

/* How the objective's direction was decided. */
typedef enum {
    TD_DIR_OPTION,       /* --minimize / --maximize */
    TD_DIR_NAME,         /* its name says it (accuracy, reward: maximize; loss, error, perplexity: minimize) */
    TD_DIR_EVIDENCE,     /* the name does not tell; a named outcome moving with it does (st_direction.c) */
    TD_DIR_UNKNOWN       /* nothing tells: minimize assumed, and the report says so on its own line */
} td_direction_from;

/* A column measured by the run (a time, loss, metric, parameter count, the
 * epoch it stopped at): never a hyperparameter. */
typedef struct {
    char *name;          /* as in the table */
    double *v;           /* (n) value per trial, NaN when missing or not a number */
    int direction;       /* +1 larger is better, -1 smaller, 0 its name does not say */
    int varies;          /* 1: told by differing between runs of one configuration, not by its name */
} td_outcome;

typedef struct {
    char *source;        /* file name */
    char *objective;     /* objective column name as in the table */
    char *state_col;     /* status column name, NULL when absent */
    char *seed_col;      /* seed column name, NULL when absent */
    int maximize;        /* 1: larger objective is better */
    int direction_given; /* 1 when --minimize/--maximize decided it, 0 when guessed */
    size_t n;            /* trials */
    double *y;           /* (n) objective; NaN when missing or non-finite */
    td_trial_state *state; /* (n) */
    size_t *row;         /* (n) 1-based line, or record in a JSON array */
    const char *row_word;/* "line" or "record" */
    double *seed;        /* (n) seed, NaN when no seed column */
    char *curve_col;     /* column naming each trial's training-log file, NULL when absent */
    char **curve;        /* (n) that file (relative to the table's folder), NULL = none */
    td_hp *hp;           /* (nhp) tuned hyperparameters */
    size_t nhp;
    td_outcome *outcome; /* (noutcome) outcome columns other than the objective */
    size_t noutcome;
    char **other;        /* (nother) columns neither tuned nor measured: ids, dates, hosts */
    size_t nother;
    const char *hp_from;        /* how the hyperparameters were told (static text: "--hp", ...) */
    const char *objective_from; /* how the objective was picked (static text) */
    td_direction_from direction_from;
    char direction_why[240];    /* for TD_DIR_EVIDENCE: the evidence, one clause */
} td_study;

/* ---- building blocks: a raw table of text cells ---------------------------- */
/* Rows of text cells under one header; cells[r*ncol + c], NULL = missing. */
typedef struct {
    char **names;        /* (ncol) column names as written */
    size_t ncol;
    char **cells;        /* (nrow*ncol) */
    size_t *row;         /* (nrow) 1-based line, or record in a JSON array */
    size_t nrow;
    const char *row_word;/* "line" or "record": how messages name a row */
} td_st_table;
/* CSV (RFC 4180 quotes; ',' ';' or tab, chosen from the header line; CRLF;
 * a UTF-8 BOM skipped; blank lines skipped; unquoted fields trimmed; an
 * empty header name becomes "index" for the first column (pandas' to_csv
 * index) or "column<k>"). A row whose field count differs from the
 * header's is TD_EINPUT naming the line. */
td_code td_st_csv(const char *name, const char *data, size_t len, td_st_table *t, td_err *e);
/* JSON lines (one object per line) or one JSON array of objects, parsed with
 * json-c; nested objects are flattened with '.' ("config.lr"); numbers are
 * kept as %.17g text, booleans as True/False, null as missing. */
td_code td_st_jsonl(const char *name, const char *data, size_t len, td_st_table *t, td_err *e);
void td_st_table_free(td_st_table *t); /* NULL ok; resets to empty */
/* Parse all of s as a double (strtod, "nan"/"inf" allowed); 0 or -1. */
int td_st_number(const char *s, double *out);
/* Read a whole file ("-": stdin) into a new NUL-terminated buffer (free it). */
td_code td_st_slurp(const char *path, char **data, size_t *len, td_err *e);

/* ---- column roles ---------------------------------------------------------- */
struct td_space;
typedef struct {
    const char *objective;  /* objective column; NULL: "value", "objective", ... */
    int direction;          /* +1 maximize, -1 minimize, 0 from the name (then td_study_direction) */
    const char *const *hps; /* hyperparameter columns; NULL: detect */
    size_t nhps;
    const char *const *outcomes; /* columns that are outcomes whatever their name (--outcome) */
    size_t noutcomes;
    const struct td_space *space; /* when given (and no hps): its names are the hyperparameters */
    const char *space_name;       /* the spec's file name, for messages */
} td_study_opts;

typedef enum { TD_COL_OTHER, TD_COL_HP, TD_COL_OUTCOME, TD_COL_OBJECTIVE, TD_COL_STATE, TD_COL_SEED,
               TD_COL_CURVE } td_col_role;
typedef struct {
    td_col_role *role;          /* (ncol) */
    unsigned char *varies;      /* (ncol) 1: an outcome because it varies between runs of one configuration */
    long objective, state, seed, curve; /* column index, -1 when absent (objective never) */
    const char *objective_from; /* static text: "--objective", "its usual name", "the best_* form", ... */
    const char *hp_from;        /* static text: "--hp", "the --space spec", "the params_/config prefix", ... */
} td_st_roles;
/* What each column of t is (rules in st_roles.c's head comment). Errors
 * name the file: no objective column, a --hp/--outcome/spec name that is
 * no column (TD_EINPUT), a column given as both (TD_EUSAGE). */
td_code td_st_roles_pick(const char *name, const td_st_table *t, const td_study_opts *o, td_st_roles *r,
                         td_err *e);
void td_st_roles_free(td_st_roles *r); /* NULL ok; resets to empty */
/* Column name without a hyperparameter ("params_", "config/") or metric
 * ("summary.", "user_attrs_") prefix. */
const char *td_st_bare(const char *col);
/* 1 when col carries a hyperparameter prefix. */
int td_st_hp_prefixed(const char *col);
/* Index of column want (exact, then case-insensitive without prefix), -1. */
long td_st_find_col(const td_st_table *t, const char *want);
/* The direction a metric's name implies: +1 maximize (acc, f1, reward, ...),
 * -1 minimize (loss, error, perplexity, time, ...), 0 when it does not tell
 * (value, objective, score, or both kinds); a neg_ token flips it. */
int td_st_name_direction(const char *col);

/* ---- reading ------------------------------------------------------------ */

/* Read a trials table (CSV, or JSON lines when the first non-blank byte is
 * '{' or '[') from path ("-": stdin, named "<stdin>") into a new study. Optuna trials_dataframe() CSV (params_*,
 * value, state), W&B sweep exports (config.* / summary.*, State) and plain
 * tables (hyperparameter, objective and status columns) are recognised.
 * Errors (TD_EINPUT) name the file, column and row:
 * "runs.csv: column state, row 7: unknown status 'weird'". */
td_code td_study_read(const char *path, const td_study_opts *o, td_study **out, td_err *e);
/* The same from a memory buffer; name is used in messages. */
td_code td_study_read_mem(const char *name, const char *data, size_t len,
                          const td_study_opts *o, td_study **out, td_err *e);
void td_study_free(td_study *s); /* NULL ok */
/* The study of an already split table (what td_study_read_mem does after
 * choosing CSV or JSON). */
td_code td_study_from_table(const char *name, const td_st_table *t, const td_study_opts *o,
                            td_study **out, td_err *e);
/* When s->direction_from is TD_DIR_UNKNOWN (the objective's name does not
 * tell), weigh the evidence in the table (td_study_from_table does this):
 * each outcome whose name gives a direction d (accuracy +1, loss -1) and
 * that moves with the objective over the OK trials where both are finite
 * (Spearman's rank correlation rho, average ranks for ties, |rho| >= 0.7
 * over at least 8 trials: p < 0.05 for no association) says the
 * objective's direction is d * sign(rho). The strongest decides
 * (TD_DIR_EVIDENCE, the clause in s->direction_why) unless another says the
 * opposite with |rho| >= 0.7; otherwise it stays unknown, minimize assumed.
 * rho = 1 - 6 sum d_i^2 / (m (m^2 - 1)) without ties; with ties, Pearson's
 * r of the average ranks (what is computed). */
void td_study_direction(td_study *s);


/* 1 when objective a is better than b in s's direction (NaN is worst). */
int td_study_better(const td_study *s, double a, double b);
/* Index of the best OK trial, (size_t)-1 when there is none. */
size_t td_study_best(const td_study *s);
/* The k best OK trials (only those with mask[i] != 0 when mask is given)
 * into idx, best first; returns how many (<= k). O(n k). */
size_t td_study_top(const td_study *s, const unsigned char *mask, size_t *idx, size_t k);
/* Index of hyperparameter name in s, or -1. */
long td_study_find_hp(const td_study *s, const char *name);

/* ---- search-space spec ---------------------------------------------------- */
/* JSON: {"hyperparameters": [ {"name": "learning_rate", "type": "float",
 *   "range": [1e-4, 1], "log": true}, {"name": "optimizer", "type":
 *   "categorical", "values": ["adam","sgd"]}, {"name": "momentum", "type":
 *   "float", "range": [0.8, 0.99], "condition": {"optimizer": "sgd"}} ]}
 * (a bare array is accepted too). */
typedef struct {
    char *name;
    td_hp_type type;
    int log;
    double lo, hi;        /* float/int */
    char **levels;        /* categorical */
    size_t nlevels;
    char *cond_hp, *cond_value;
} td_space_hp;

typedef struct td_space {
    td_space_hp *hp;
    size_t n;
} td_space;

td_code td_space_read(const char *path, td_space **out, td_err *e);
td_code td_space_read_mem(const char *name, const char *data, size_t len,
                          td_space **out, td_err *e);
void td_space_free(td_space *sp); /* NULL ok */

/* Apply a spec to a study: types, ranges and log scales come from the spec;
 * a spec hyperparameter missing from the table, a value of the wrong type
 * or outside a categorical's values is TD_EINPUT naming file, column, row. */
td_code td_study_apply_space(td_study *s, const td_space *sp, const char *spec_name, td_err *e);

/* Position of value v of hp h in [0,1] across its search range, in log
 * space when h->log: u = (t(v) - t(lo)) / (t(hi) - t(lo)), t = log or id. */
double td_hp_unit(const td_hp *h, double v);

/* ---- plot data for diagreport -------------------------------------------- */
/* Basic hyperparameter-axis plot of hp number `hp`: one point per analysed
 * (OK or infeasible) trial that has a value for it. */
typedef struct {
    size_t n;
    double *x;        /* (n) hyperparameter value (level index for categorical) */
    double *y;        /* (n) objective; NaN for infeasible trials */
    int *infeasible;  /* (n) 1 = infeasible: draw as a red X */
    size_t *trial;    /* (n) index into td_study arrays */
    size_t best;      /* index into x/y of the best trial, (size_t)-1 if none */
} td_study_axis;
td_code td_study_axis_get(const td_study *s, size_t hp, td_study_axis *out, td_err *e);
void td_study_axis_free(td_study_axis *a); /* NULL ok; resets to empty */

/* Isolation plot of scientific hp `sci`: categorical and integer ones with
 * at most nbuckets distinct values get one bucket per value, others
 * nbuckets equal-width buckets across the range (log-aware). For each
 * bucket: the best objective over all trials in it (the nuisance
 * hyperparameters optimised away, playbook "隔离图"). */
typedef struct {
    size_t n;          /* buckets */
    double *lo, *hi;   /* (n) bucket edges (lo == hi == value for one-value buckets) */
    double *x;         /* (n) plot position: the value, or the bucket centre (geometric when log) */
    double *best;      /* (n) best objective, NaN when no feasible trial */
    size_t *best_trial;/* (n) trial index of the best, (size_t)-1 when none */
    size_t *trials;    /* (n) trials in the bucket (OK + infeasible) */
    size_t *feasible;  /* (n) OK trials in the bucket */
    int per_value;     /* 1: one bucket per value; 0: equal-width ranges */
} td_study_iso;
td_code td_study_isolation(const td_study *s, size_t sci, size_t nbuckets,
                           td_study_iso *out, td_err *e);
void td_study_iso_free(td_study_iso *iso); /* NULL ok; resets to empty */
/* The bucket of iso (made for scientific hp sci) that trial i falls in;
 * (size_t)-1 when the trial is skipped or has no value for it. */
size_t td_study_iso_bucket(const td_study *s, size_t sci, const td_study_iso *iso, size_t i);

/* Write the plot data as whitespace-separated text files for gnuplot in dir
 * (each written to a .tmp file and renamed, so none is left half-written):
 *   axis_<k>.dat   "# hp <name> log <0|1> type <t> lo <lo> hi <hi> objective
 *                  <minimize|maximize>", "# x y infeasible row best", then one
 *                  row per trial (y "nan" for infeasible, best 1 on the best
 *                  trial, x the level index for categorical); k = hp index
 *   isolation.dat  (when sci >= 0) "# scientific <name> log <0|1> type <t>",
 *                  "# x lo hi best trials feasible label", one row per bucket
 *                  (label: the categorical level, spaces and quotes as '_')
 * File names use indices, never names from the table. dir is written as
 * diagreport writes reports: every file goes into a fresh temporary sibling
 * (".<dir>.tmp.XXXXXX"), which is renamed into place once complete; an
 * existing dir is replaced only when it holds nothing but these files,
 * anything else is TD_EIO and left untouched; on failure nothing is left. */
td_code td_study_write_plot_data(const td_study *s, long sci, size_t nbuckets,
                                 const char *dir, td_err *e);

/* ---- checks --------------------------------------------------------------- */
typedef struct {
    double edge;          /* boundary band as a fraction of the range (0.1) */
    double alpha;         /* one-sided significance of the trend towards a boundary (0.05) */
    double max_infeasible;/* infeasible share above which it is a finding (0.2) */
    double per_hp;        /* feasible trials wanted per tuned hyperparameter (10) */
    size_t min_good;      /* trials wanted in the good region (3) */
    double good_frac;     /* good region: within good_frac of (median - best) of the best (0.25) */
    long scientific;      /* hp index of the scientific hyperparameter, -1 none */
    size_t buckets;       /* isolation buckets for continuous ones (5) */
    double tie_z;         /* top-two gap below tie_z * standard error = tie (2) */
    size_t curves;        /* check the training curves of this many best trials (3) */
    const char *curve_dir;/* folder the curve paths are relative to (NULL: "."); only relative
                             paths without "..", to regular files, no symlink on the way */
} td_study_cfg;
void td_study_cfg_default(td_study_cfg *c);

typedef enum {
    TD_SF_BOUNDARY,      /* best trial at a search-space edge: expand */
    TD_SF_STABILITY,     /* best at the edge of an infeasible region */
    TD_SF_INFEASIBLE,    /* large share of infeasible trials */
    TD_SF_CONCENTRATED,  /* infeasible trials concentrate beyond a threshold */
    TD_SF_FEW_TRIALS,    /* too few trials for the number of hyperparameters */
    TD_SF_SPARSE_GOOD,   /* the good region holds too few trials */
    TD_SF_ISOLATION,     /* a scientific value got far fewer trials */
    TD_SF_SEED_TIE,      /* top configs differ by less than the trial noise */
    TD_SF_NO_REPEATS,    /* note: no config was repeated with another seed */
    TD_SF_CURVE,         /* a best trial's training curve: curvecheck's finding */
    TD_SF_COUNT
} td_study_kind;

typedef struct {
    td_study_kind kind;
    int finding;         /* 1 = finding (exit 1), 0 = note */
    long hp;             /* hyperparameter index or -1 */
    int side;            /* +1 upper / -1 lower boundary or threshold side, 0 */
    double value;        /* the key number: best value, share, threshold, gap */
    double ref;          /* a second number: range edge, limit, noise */
    char text[400];      /* one human sentence (names through td_safe_text) */
} td_study_finding;

typedef struct {
    size_t total, ok, infeasible, skipped;
    size_t best;              /* trial index of the best OK trial, (size_t)-1 */
    size_t good;              /* trials in the good region */
    size_t groups_repeated;   /* configs run with >= 2 seeds */
    double trial_sd;          /* pooled within-config std, NaN when unknown */
    struct {                  /* the best configurations by mean objective */
        size_t trial;         /* their first trial */
        size_t n;             /* completed runs (seeds) */
        double mean, sd;      /* sd: sample std of its runs, NaN for one run */
    } top[3];
    size_t ntop;              /* filled when some configuration was repeated */
    long scientific;          /* cfg.scientific, for the isolation table (-1 none) */
    size_t buckets;           /* cfg.buckets */
    td_study_finding *f;
    size_t nf;
} td_study_report;

/* Each check alone (td_study_check runs them all, in this order); they
 * append to r->f. Thresholds and the rule each applies are in the .c file's
 * head comment (st_boundary.c, st_infeasible.c, st_density.c,
 * st_isocheck.c, st_variance.c). Order: infeasible, boundary, variance,
 * density (uses the trial noise), isolation, curves. */
td_code td_study_check_infeasible(const td_study *s, const td_study_cfg *c, td_study_report *r, td_err *e);
td_code td_study_check_boundary(const td_study *s, const td_study_cfg *c, td_study_report *r, td_err *e);
td_code td_study_check_density(const td_study *s, const td_study_cfg *c, td_study_report *r, td_err *e);
td_code td_study_check_isolation(const td_study *s, const td_study_cfg *c, td_study_report *r, td_err *e);
td_code td_study_check_variance(const td_study *s, const td_study_cfg *c, td_study_report *r, td_err *e);
td_code td_study_check_curves(const td_study *s, const td_study_cfg *c, td_study_report *r, td_err *e);
/* Append a finding (finding = 1) or note (0); text is printf-formatted. */
td_code td_study_add(td_study_report *r, td_study_kind kind, int finding, long hp, int side,
                     double value, double ref, const char *fmt, ...) __attribute__((format(printf, 8, 9)));
/* v as text with 4 significant digits, or as many more (up to 17) as make
 * it differ from the text of other (a number printed next to it); buf. */
const char *td_study_num(char *buf, size_t cap, double v, double other);
/* The run of infeasible trials at one end (side +1: largest values of hp,
 * -1: smallest) of the analysed trials sorted by hp: *n trials, all
 * infeasible, reaching from the end to *threshold (the run's innermost
 * value); *feasible_edge is the feasible value next to the run (NaN when
 * there is none). Ties that mix feasible and infeasible end the run. */
void td_study_infeasible_run(const td_study *s, size_t hp, int side, size_t *n, double *threshold,
                             double *feasible_edge);
/* Run every check on s. The report owns its findings. */
td_code td_study_check(const td_study *s, const td_study_cfg *c, td_study_report *r, td_err *e);
void td_study_report_free(td_study_report *r); /* NULL ok */
/* Number of entries with finding = 1 (notes excluded). */
size_t td_study_nfindings(const td_study_report *r);
/* Human report and JSON report; with a scientific hyperparameter both hold
 * the isolation table (best objective per value / bucket). */
void td_study_print(const td_study *s, const td_study_report *r, td_out *o);
void td_study_json(const td_study *s, const td_study_report *r, td_json *j);
const char *td_study_kind_name(td_study_kind k); /* "boundary", ... */

/* ---- suggest: scrambled Halton points -------------------------------------- */
/* u (n x dim, row-major) gets points start..start+n-1 of a Halton sequence
 * in bases 2, 3, 5, ... whose digits are scrambled by random permutations
 * drawn from rng (one per dimension and digit position; Owen-style random
 * digit permutation), each in [0,1). dim <= TD_HALTON_MAXDIM. */
#define TD_HALTON_MAXDIM 64
td_code td_halton_scrambled(double *u, size_t n, size_t dim, uint64_t start, td_rng *rng, td_err *e);
/* Map a unit value to hyperparameter h of a spec: float linear/log,
 * int rounded to a whole value in [lo, hi], categorical the level index. */
double td_space_map(const td_space_hp *h, double u);
/* Write n suggested points as CSV (header: names) or JSON lines; conditional
 * hyperparameters are left empty / omitted when their condition fails. */
td_code td_space_suggest(const td_space *sp, size_t n, uint64_t seed, int json, td_out *o, td_err *e);

#endif
