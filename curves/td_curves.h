/* td_curves.h — training logs as runs of metric series, and the readers
 * that build them (Keras CSVLogger, Lightning metrics.csv, YOLO results.csv,
 * HF trainer_state.json, JSON lines, plain text, TensorBoard event files).
 *
 * Data model:
 *   td_log   one input (a file or stdin) -> one or more runs
 *   td_run   one training run (appended runs and restarts are split apart)
 *   td_series one metric of a run: points (x, y) in log order, x ascending
 *            within a run; NaN/Inf values are kept as they are (divergence
 *            evidence), never turned into zeros.
 * Names come from the log and are untrusted: print them through
 * td_safe_text, escape them before gnuplot/HTML.
 */
#ifndef TD_CURVES_H
#define TD_CURVES_H

#include "td.h"

typedef enum { TD_SPLIT_TRAIN, TD_SPLIT_VAL, TD_SPLIT_TEST, TD_SPLIT_NONE } td_split;
typedef enum {
    TD_METRIC_LOSS,     /* loss, perplexity-free losses: lower is better */
    TD_METRIC_ACCURACY, /* acc, accuracy, top1, mAP, f1, ...: higher is better */
    TD_METRIC_ERROR,    /* error rates, WER, CER: lower is better */
    TD_METRIC_LR,       /* learning rate */
    TD_METRIC_OTHER     /* grad_norm, time, epoch, ...: no direction */
} td_metric_kind;

typedef struct {
    char *name;           /* as written in the log, e.g. "val_loss" */
    char *base;           /* normalized without the split: "loss", "accuracy" */
    td_split split;
    td_metric_kind kind;
    int percent;          /* values were given in percent (y kept as written) */
    size_t n, cap;
    double *x;            /* (n) step, iteration or epoch (see td_run.x_name) */
    double *y;            /* (n) value; NaN/Inf kept */
    size_t *line;         /* (n) 1-based source line or record number */
} td_series;

typedef struct {
    char *name;           /* "<source>" or "<source>#<k>" for the k-th run */
    char *x_name;         /* "step", "epoch", "iteration" or "row" */
    td_series *series;
    size_t nseries;
    size_t *bad_lines;    /* malformed rows inside this run (1-based lines) */
    size_t nbad;
} td_run;

typedef enum {
    TD_FMT_AUTO = 0, TD_FMT_CSV, TD_FMT_HF_STATE, TD_FMT_JSONL, TD_FMT_TEXT, TD_FMT_TFEVENTS
} td_log_format;

typedef struct {
    char *source;         /* file name, or "-" / "<stdin>" */
    td_log_format format; /* the format that was read */
    td_run *runs;
    size_t nruns;
} td_log;

#endif
