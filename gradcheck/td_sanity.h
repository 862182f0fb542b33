/* td_sanity.h — sanity checks before learning (seed 003 "Before learning:
 * sanity checks", seed 004 class balance): the loss at chance, the
 * regularization raises the loss, a tiny subset can be overfit, the loss
 * is a mean over the batch, and the data is balanced and normalized.
 *
 * Every check fills one row of a td_sc_report (name, PASS/FAIL/SKIP, its
 * numbers, and the likely cause when it failed); the report is plain old
 * data so it can cross a pipe from an isolated child. The library never
 * prints and never exits.
 */
#ifndef TD_SANITY_H
#define TD_SANITY_H

#include "td.h"
#include "td_isolate.h"
#include "td_model.h"

/* ---- report ---------------------------------------------------------------- */
typedef enum { TD_SC_PASS = 0, TD_SC_FAIL, TD_SC_SKIP } td_sc_status;

#define TD_SC_MAXNUM 12
#define TD_SC_MAXCHECK 12
typedef struct {
    char key[24];
    double v;
} td_sc_number;

typedef struct {
    char name[24];          /* "chance", "regularization", "overfit", ... */
    td_sc_status status;
    int n_nums;
    td_sc_number nums[TD_SC_MAXNUM]; /* the numbers behind the verdict */
    char what[320];         /* one line: the verdict in words */
    char cause[400];        /* likely cause (failed) or a note; may be empty */
} td_sc_check;

typedef struct {
    char mode[16];          /* "init", "model", "data", "overfit" */
    char source[256];       /* what was checked (safe text) */
    int n;
    td_sc_check c[TD_SC_MAXCHECK];
} td_sc_report;

void td_sc_report_init(td_sc_report *r, const char *mode, const char *source);
/* A new row named name (status PASS); NULL when the report is full. */
td_sc_check *td_sc_add(td_sc_report *r, const char *name);
/* Append a number key=v to row c (ignored when full). */
void td_sc_num(td_sc_check *c, const char *key, double v);
/* printf into c->what / c->cause. */
void td_sc_what(td_sc_check *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void td_sc_cause(td_sc_check *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* 0 when no row FAILed, 1 otherwise (TD_EXIT_OK / TD_EXIT_FINDING). */
int td_sc_exit_code(const td_sc_report *r);
const char *td_sc_status_name(td_sc_status s); /* "PASS", "FAIL", "SKIP" */
/* Text: a header line, then per row "name  STATUS  what", the numbers,
 * "cause: ..." under a failure. JSON: {"tool","version","mode","source",
 * "checks":[{"name","status","what","cause","numbers":{...}}],"exit"}. */
int td_sc_write_text(td_out *o, const td_sc_report *r);
int td_sc_write_json(td_out *o, const td_sc_report *r);

/* ---- mode 1: the loss at chance (sc_chance.c) ------------------------------ */
typedef struct {
    int kind;        /* td_loss_kind */
    long classes;    /* C >= 2 for softmax and svm */
    double margin;   /* svm margin, default 1 */
    double mean_y2;  /* mse: mean of y² over the data (chance = predicting 0) */
} td_sc_loss;

/* "softmax" (also "ce", "cross-entropy", "nll"), "bce" ("sigmoid",
 * "binary"), "svm" ("hinge", "multiclass-svm"), "mse"; -1 if unknown. */
int td_sc_loss_parse(const char *name);
const char *td_sc_loss_name(int kind);
/* Expected loss at chance (uniform scores / zero output):
 *   softmax  ln C                 (every class has probability 1/C)
 *   bce      ln 2                 (sigmoid(0) = 1/2)
 *   svm      (C-1)·margin         (every wrong class violates the margin by margin)
 *   mse      mean(y²)             (output 0)
 * and a formula string ("ln C"). TD_EUSAGE: C < 2, margin <= 0, mse
 * without mean_y2 >= 0. */
td_code td_sc_chance(const td_sc_loss *l, double *chance, const char **formula, td_err *e);

/* The tolerance around chance for a loss that is the mean of n per-example
 * losses with per-example spread sd:
 *     tol = max(TD_SC_TOL_FLOOR·chance, 3·sd/√n)
 * When the spread is unknown (sd < 0), a small init is assumed to spread
 * per-example losses by TD_SC_SPREAD·chance. */
#define TD_SC_TOL_FLOOR 0.02
#define TD_SC_SPREAD 0.10
double td_sc_tolerance(double chance, double sd, double n);

/* Judge a loss against chance and fill one row "chance": value is the
 * batch mean; n_ex per-example losses ex[] (may be 0/NULL) give the spread;
 * batch is the examples behind value (>= 1); tol_override > 0 replaces
 * the tolerance. The cause names what fits the numbers: value ≈ batch ×
 * chance (loss summed instead of averaged), above (init scale too large,
 * labels out of range), below (labels leak or are constant, softmax
 * applied twice squeezes the loss, loss divided twice), NaN (overflow). */
void td_sc_judge_chance(td_sc_check *c, const td_sc_loss *l, double value,
                        const double *ex, size_t n_ex, double batch, double tol_override);

/* ---- mode 4: data checks (sc_data.c) ---------------------------------------- */
typedef struct {
    double *x;       /* (n, d) inputs, row-major */
    size_t n, d;
    double *y;       /* (n) labels or targets */
    long onehot;     /* > 0: y came from a one-hot (n, onehot) dataset */
    char xname[128], yname[128]; /* dataset names, safe to print (td_safe_text) */
    char file[256];              /* the file read (safe text), "" when built in memory */
} td_sc_data;

/* Read inputs and labels from an HDF5 file. xname/yname may be NULL: then
 * "x"/"y", else the single pair of root datasets named "*_x"/"*_y" (e.g.
 * train_set_x, train_set_y). Inputs of any rank become (n, Π other dims);
 * labels (n), (n,1) or one-hot (n,C). max_elems bounds each dataset.
 * Errors: TD_EIO, TD_EINPUT naming file and dataset (no such dataset,
 * counts differ, a one-hot row that is not one-hot). */
td_code td_sc_data_read(const char *file, const char *xname, const char *yname,
                        size_t max_elems, td_sc_data *data, td_err *e);
void td_sc_data_free(td_sc_data *data); /* frees arrays, NULL is fine */

/* Check that y holds integers in a sane range (labels). TD_EINPUT
 * "label 0.5 at index 3 is not an integer" otherwise. */
td_code td_sc_labels_int(const double *y, size_t n, td_err *e);

typedef struct {
    long classes;      /* C, 0 = max label + 1 */
    double max_ratio;  /* balance: largest / smallest class count, default 1.5 */
    double max_mean;   /* normalized: |mean| at most this, default 1 */
    double std_lo, std_hi; /* normalized: overall std in [lo, hi], default [0.1, 10] */
    double max_scale_ratio; /* per-feature std ratio, default 100 */
    int regression;    /* y are real targets: skip label checks */
} td_sc_data_opts;
void td_sc_data_opts_default(td_sc_data_opts *o);

/* Rows: "labels" (outside [0,C) or not integers -> FAIL), "balance"
 * (per-class counts; binary: positive/negative ratio), "normalized"
 * (mean, std, range, worst feature), "duplicates" (identical inputs,
 * and how many carry different labels). TD_EINPUT when labels are not
 * integers (a classification data set). */
td_code td_sc_data_check(const td_sc_data *data, const td_sc_data_opts *o,
                         td_sc_report *r, td_err *e);

/* ---- mode 2: a model plugin (sc_model.c, sc_overfit.c) ----------------------- */
typedef struct {
    uint64_t seed;        /* init and data order seed, default 1 */
    double init_scale;    /* passed to init, default 1 */
    size_t batch;         /* examples for the chance/reg/batch checks, default 64 */
    size_t subset;        /* overfit: this many examples, default 20 */
    long steps;           /* overfit: step budget per configuration, default 300 */
    double target;        /* overfit: reached when L_data <= target·chance (and acc 100%), default 0.05 */
    double tol;           /* chance tolerance override (0 = from the batch) */
    double max_mem_mb;    /* isolated check: memory the plugin may add (default
                             TD_ISOLATE_MAX_MEM_MB; 0 = no limit) */
} td_sc_model_opts;
void td_sc_model_opts_default(td_sc_model_opts *o);

/* Stages of work (for naming where a plugin crashed). */
enum { TD_SC_ST_IDLE = 0, TD_SC_ST_LOAD, TD_SC_ST_CREATE, TD_SC_ST_INIT, TD_SC_ST_FORWARD,
       TD_SC_ST_BACKWARD, TD_SC_ST_SETREG, TD_SC_ST_DESTROY };
const char *td_sc_stage_name(int stage);

/* Load a model plugin (dlopen, td_model_entry, ABI version). */
td_code td_sc_model_open(const char *path, void **handle, const td_model_api **api, td_err *e);
void td_sc_model_close(void *handle); /* NULL is fine */

/* Run the four model checks in process: rows "chance", "regularization",
 * "overfit", "batch-mean". Keys/vals go to create (in= and classes= from
 * the data are added unless given). stage (may be NULL) is updated
 * before each call into the plugin. TD_EPLUGIN when the plugin fails a
 * call or returns NaN descriptions; TD_EINPUT when data and model
 * disagree (in_dim, labels outside the model's classes), naming the data
 * file and dataset. */
td_code td_sc_model_check(const td_model_api *api, int n, const char *const *keys,
                          const char *const *vals, const td_sc_data *data,
                          const td_sc_model_opts *o, volatile int *stage,
                          td_sc_report *r, td_err *e);

/* The same in a forked child (sc_isolate.c): a plugin that crashes or
 * hangs gives TD_EPLUGIN "crashed with SIGSEGV (...) in forward" /
 * "hung in backward: no answer after 60 s (killed)". */
td_code td_sc_model_check_isolated(const char *path, int n, const char *const *keys,
                                   const char *const *vals, const td_sc_data *data,
                                   const td_sc_model_opts *o, double timeout_s,
                                   td_sc_report *r, td_err *e);

/* Internals shared by sc_model.c and sc_overfit.c (not a stable API). */
typedef struct {
    const td_model_api *api;
    void *self;
    td_model_desc d;
    size_t nparam;          /* total parameter count */
    double **p, **g;        /* params and grads, one buffer each */
    double *buf;            /* backing store of p, g (2·nparam) */
    volatile int *stage;
} td_sc_model;
/* Forward; scores may be NULL. TD_EPLUGIN naming the call on failure. */
td_code td_sc_forward(td_sc_model *m, double loss[2], double *scores, const double *x,
                      const double *y, size_t b, td_err *e);
/* Zero the gradients, then backward. */
td_code td_sc_backward(td_sc_model *m, const double *x, const double *y, size_t b, td_err *e);
td_code td_sc_init(td_sc_model *m, double scale, uint64_t seed, td_err *e);
/* Share of examples whose argmax score (or sign for K = 1) is the label. */
double td_sc_accuracy(const td_sc_model *m, const double *scores, const double *y, size_t b);
/* Set the model's regularization strength (no-op when it has no set_reg). */
void td_sc_set_reg(td_sc_model *m, double lambda);

/* Overfit row: train on subset examples drawn with o->seed, with λ = 0 by SGD,
 * momentum 0.9 and Adam over a small step-size sweep until L_data <=
 * target·chance and accuracy 100%, then a control run of the best
 * configuration on zeroed inputs that must not get as far. */
td_code td_sc_overfit(td_sc_model *m, const td_sc_data *data, double chance,
                      const td_sc_model_opts *o, td_sc_check *c, td_err *e);

/* ---- mode 1 and 3 from a log (sc_log.c) ------------------------------------- */
/* The first training loss of a log (any format curvecheck reads). */
td_code td_sc_log_first_loss(const char *path, double *value, char *metric, size_t cap,
                             td_err *e);
/* Mode 3: did the training loss of a tiny-subset run reach ~0 (<= target
 * × its first value, default 0.05) and after how many steps? Row "overfit". */
td_code td_sc_log_overfit(const char *path, double target, td_sc_report *r, td_err *e);

#endif
