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
    int agg;              /* 1: a Lightning "_step" column, 2: "_epoch", 0: neither */
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

/* ======================================================================
 * Reading logs.
 *
 * Formats (TD_FMT_AUTO sniffs the first bytes; see td_log_sniff):
 *   CSV/TSV  a header line, then rows; separator ',', ';' or tab (the most
 *            frequent in the header); fields trimmed (YOLO pads with
 *            spaces); "" and "NA" are missing values; nan/inf are kept.
 *            Lightning's sparse rows are merged on x (see "rows" below);
 *            pandas' unnamed index column is skipped; TensorBoard's CSV
 *            download (Wall time,Step,Value) names Value after the file's
 *            "tag-<name>".
 *   HF       Hugging Face trainer_state.json: log_history entries, x=step;
 *            the final summary entry (the one with train_runtime) is skipped;
 *            read at the end of input (one document); td_series.line holds
 *            the 1-based entry number in log_history. A JSON document (or
 *            a single JSON line) holding arrays of numbers instead — Keras'
 *            History saved with json.dump — is read as columns over epochs
 *            0, 1, ... (null: missing).
 *   JSONL    one JSON object per line (detectron2 metrics.json, DeiT
 *            log.txt); numeric members are metrics; bare NaN / Infinity /
 *            -Infinity accepted; non-object lines are malformed rows.
 *   TEXT     lines with `key: number` / `key=number` pairs (Keras console,
 *            Python logging "Train Loss: 1.94, Val Acc: 17.37%"); a
 *            trailing % marks the series as percent; "Epoch 3/50" or
 *            "Epoch [3/50]" sets the epoch for this and the following lines
 *            (the pairs of one epoch form one row, committed when the next
 *            epoch starts or at the end: a live log lags one epoch);
 *            a section header naming a split ("Test set: Average loss:
 *            0.05") gives it to the keys after it that name none;
 *            fairseq's "| loss 9.88 | ppl 954 |" segments are pairs too;
 *            '\r' progress-bar updates: only the last segment counts; lines
 *            without a pair are ignored.
 *   TFEVENTS TensorBoard event files: TFRecord framing with both masked
 *            CRC-32C checked; scalars from Summary.Value.simple_value and
 *            rank-0 float/double/int tensors; tags starting "_hparams_"
 *            skipped; each series sorted by step when the input ends (while
 *            streaming, points are in file order); td_series.line holds the
 *            1-based record number.
 *
 * Rows and runs (td_log_builder; event files are one run, never split):
 *   x is the step / global_step / iteration / iter column or key when there
 *   is one, else epoch, else the row number (td_run.x_name says which).
 *   A row whose x is lower than the previous row's starts a new run
 *   (appended CSVLogger runs, restarted scripts); a row with the same x
 *   merges into that point (Lightning's sparse step/epoch rows, HF's
 *   train + eval entries) unless one of its metrics already has a value at
 *   that x in the current run with a different value, which starts a new
 *   run (detectron2's repeated iteration of an aborted run); the same
 *   value again at the same x is a repeat and is not stored twice
 *   (Lightning's epoch column on every row). Malformed rows are recorded in
 *   td_run.bad_lines (1-based line or record numbers), never dropped
 *   silently and never turned into zeros.
 *
 * Errors (TD_EINPUT, message "<source>:<line>: what is wrong"): no known
 * format, a CSV header with no numeric column, a binary file (NUL byte in
 * a text format), a line longer than TD_LOG_MAX_LINE, a broken event
 * record (bad length or CRC), a log with no metric at all.
 * ====================================================================== */

#define TD_LOG_MAX_LINE (8u << 20)   /* longest accepted line: 8 MiB */
#define TD_LOG_MAX_DOC  (1u << 30)   /* largest trainer_state.json: 1 GiB */

/* An empty log named source ("-" is shown as "<stdin>"); NULL on ENOMEM. */
td_log *td_log_new(const char *source);
/* Free a log and everything it holds; accepts NULL. */
void td_log_free(td_log *log);

/* Read a whole file ("-" or NULL: stdin) in format fmt (TD_FMT_AUTO:
 * sniffed). On success *out owns a log with at least one run holding at
 * least one point; on failure *out is NULL and e says why. */
td_code td_log_read_file(const char *path, td_log_format fmt, td_log **out, td_err *e);
/* The same from memory; name is used in messages and td_log.source. */
td_code td_log_read_mem(const char *name, const char *data, size_t len,
                        td_log_format fmt, td_log **out, td_err *e);

/* Streaming form (for --follow and pipes). Feed bytes as they arrive: every
 * complete line (or event record) is parsed at once and the runs grow; a
 * partial last line waits for more bytes. td_log_reader_finish parses that
 * partial line (a live pipe's unterminated tail is accepted) and checks the
 * log is not empty. The log may be inspected between feeds with
 * td_log_reader_log (pointers into it stay valid until the next feed). */
typedef struct td_log_reader td_log_reader;
td_log_reader *td_log_reader_new(const char *source, td_log_format fmt);
/* Parse what data completes. Returns TD_OK or an error (then the reader is
 * spent: later feeds return the same error). */
td_code td_log_reader_feed(td_log_reader *r, const char *data, size_t len, td_err *e);
/* End of input: parse the pending partial line, check there is data. */
td_code td_log_reader_finish(td_log_reader *r, td_err *e);
/* The log read so far (never NULL); format is TD_FMT_AUTO until sniffed. */
const td_log *td_log_reader_log(const td_log_reader *r);
/* Number of complete rows/records parsed so far (grows with each feed). */
size_t td_log_reader_rows(const td_log_reader *r);
/* Take ownership of the log (the reader then holds an empty one). */
td_log *td_log_reader_take(td_log_reader *r);
void td_log_reader_free(td_log_reader *r); /* accepts NULL */

/* Guess the format from the first bytes of a file (at least the first
 * line, or 12 bytes for an event file; for a CSV header the data line
 * after it too). TD_FMT_AUTO when the bytes are not enough to say and more
 * may come (final = 0); final = 1 says the input has ended, so what is
 * there decides. TD_FMT_TEXT is the fallback for printable text. Sets
 * *binary when the bytes are not text (and not an event file). */
td_log_format td_log_sniff(const char *data, size_t len, int final, int *binary);
/* "csv", "hf", "jsonl", "text", "tfevents", "auto". */
const char *td_log_format_name(td_log_format fmt);
/* Parse a name as above (also "tsv", "json", "tensorboard"); -1 if unknown. */
int td_log_format_parse(const char *name);

/* ---- metric names ----------------------------------------------------- */
/* The meaning of a metric name from a log. Case-insensitive:
 *  split: prefix val_ val/ valid_ validation_ validation/ eval_ eval/ evaluation_ test_
 *         test/ metrics/ (YOLO: validation metrics) -> VAL or TEST;
 *         train_ train/ training_ -> TRAIN; suffix _val /val /valid /validation
 *         /eval /test /train likewise; words "Val Loss", "Train Acc" too;
 *         after a leading qualifier (best final mean avg average total min max
 *         last) too:
 *         "best_val_loss" is VAL with base "best_loss";
 *         no split word: TRAIN for loss/accuracy/error, NONE otherwise;
 *  base:  the name without split words and Lightning's _step/_epoch
 *         suffix, lower-case ("val_loss_epoch" -> "loss", "Val Acc" ->
 *         "acc");
 *  kind:  by the words of base: any word containing "loss" -> LOSS;
 *         acc accuracy top1 top5 acc1 acc5 ap ap50 ap75 map* f1 auc iou
 *         miou dice bleu rouge* precision recall (or a word containing
 *         "accuracy") -> ACCURACY; err error wer cer -> ERROR;
 *         lr lr0.. learning_rate -> LR; else OTHER;
 *  agg:   1 for a Lightning "_step" column, 2 for "_epoch", else 0.
 * base is written to base_out (cap bytes, truncated, NUL-terminated). */
typedef struct {
    td_split split;
    td_metric_kind kind;
    int agg;
    int split_named;   /* 1 when the split came from a word of the name */
} td_metric_info;
void td_metric_parse_name(const char *name, td_metric_info *info, char *base_out, size_t cap);
const char *td_split_name(td_split s);        /* "train", "val", "test", "none" */
const char *td_metric_kind_name(td_metric_kind k); /* "loss", "accuracy", ... */

/* ---- looking up series ---------------------------------------------------- */
/* The series of run with this split and kind that best represents it: the
 * one named canonically (base "loss"/"accuracy"/"acc"/"error"/"lr"/
 * "learning_rate", or starting "total") first, then the one with the most
 * points; NULL when there is none. */
const td_series *td_run_find(const td_run *run, td_split split, td_metric_kind kind);
/* The held-out series of this kind: validation, else test (DeiT/DETR logs
 * call their validation "test_*"); NULL when there is none. */
const td_series *td_run_find_heldout(const td_run *run, td_metric_kind kind);
/* The i-th series (0-based, in run order) with this split and kind: lets a
 * caller visit all of them; NULL past the last. */
const td_series *td_run_find_nth(const td_run *run, td_split split, td_metric_kind kind, size_t i);
/* The series named exactly name (as written in the log); NULL if none. */
const td_series *td_run_find_name(const td_run *run, const char *name);
/* Total number of points over all series of all runs. */
size_t td_log_points(const td_log *log);

/* What was read (curvecheck --series): per log its format and runs, per
 * run its x axis and malformed lines, per series its split, kind, points
 * (and non-finite ones), first/last x, first/last finite y and source
 * lines; a table, or JSON ({"tool", "version", "logs": [{"source",
 * "format", "runs": [{"run", "x", "bad_lines", "series": [{"name",
 * "split", "kind", "points", "nonfinite", "x_first", "x_last", "y_first",
 * "y_last", "line_first", "line_last"}]}]}]}). Names go through
 * td_safe_text in the table and are escaped in JSON. TD_EIO when o fails. */
td_code td_log_write_series(td_out *o, const td_log *const *logs, size_t nlogs, int json, td_err *e);

/* ======================================================================
 * Reader building blocks (what the readers share; usable to build a log
 * in memory, e.g. in tests).
 * ====================================================================== */

/* td_log_builder: rows of (column, value) -> runs of series, with the run
 * splitting and merging rules above. Columns are interned by name once
 * (td_log_builder_column) and then referred to by id. */
typedef struct td_log_builder td_log_builder;
/* split_runs: 1 to split runs on x going back (all text formats), 0 to keep
 * one run and sort each series by x at the end (event files). */
td_log_builder *td_log_builder_new(td_log *log, int split_runs);
void td_log_builder_free(td_log_builder *b); /* accepts NULL; not the log */
/* Id of the column called name (created on first use); percent marks its
 * values as given in percent. -1 on ENOMEM. */
long td_log_builder_column(td_log_builder *b, const char *name, size_t len, int percent);
/* Mark column col as given in percent (its series get percent = 1). */
void td_log_builder_percent(td_log_builder *b, long col);
/* Set the x axis name ("step", "epoch", "iteration", "row") used for runs
 * created from now on (and the current run if it has no point yet). */
td_code td_log_builder_x_name(td_log_builder *b, const char *x_name);
/* A row: begin at x and source line, add values, end. Values of a row are
 * committed together at end (so a row either starts a new run or not as a
 * whole). Adding the same column twice in a row keeps the last value. */
void td_log_builder_begin(td_log_builder *b, double x, size_t line);
td_code td_log_builder_add(td_log_builder *b, long col, double y);
td_code td_log_builder_end(td_log_builder *b);
/* Begin a row at the x of the last committed row that never starts a new
 * run: a value for a column already holding a point at that x replaces it
 * (a console line without the log's step counter — an evaluation result,
 * an epoch summary between "iter: N" lines — belongs to the step before
 * it). Returns 0 (and begins nothing) when there is no run yet. */
int td_log_builder_attach(td_log_builder *b, size_t line);
/* Forget the current run (a settings dump taken for rows: the reader
 * learns it only when the real log starts); the next row starts a new run. */
void td_log_builder_drop_run(td_log_builder *b);
/* Record a malformed row (line) in the current run. */
td_code td_log_builder_bad(td_log_builder *b, size_t line);
/* A whole row at once: the same as begin(x, line), add(cols[i], y[i]) for
 * every i with has[i], end — a direct append when x is past the run's last
 * row and every column already has its series (a dense log's rows). */
td_code td_log_builder_row(td_log_builder *b, double x, size_t line, const long *cols, const double *y,
                           const unsigned char *has, size_t n);
/* The input has about this many lines (a whole file read at once): a new
 * series reserves room for the lines left, so arrays do not grow by
 * copies; what is not used is given back when its run ends. 0: unknown. */
void td_log_builder_expect(td_log_builder *b, size_t lines);
/* Finish: sort series by x when runs are not split, drop empty runs,
 * shrink arrays. The log is complete afterwards. */
td_code td_log_builder_finish(td_log_builder *b);

/* Parse all of s[0..n) as a number: decimal with optional sign, fraction
 * and exponent (correctly rounded: an exact fast path for <= 19 digits,
 * strtod otherwise), "nan", "inf", "infinity" (any case, signed). Leading
 * and trailing blanks are not accepted. Returns 0, or -1 if not a number. */
int td_log_parse_number(const char *s, size_t n, double *out);
/* The same grammar as a scanner: the longest number starting exactly at s
 * (before end); returns the first byte after it and sets *out, or NULL
 * when s does not start with a number. */
const char *td_log_scan_number(const char *s, const char *end, double *out);
/* 1 if s[0..n) (trimmed) is a missing value: empty, "NA", "N/A", "null",
 * "None", "-". */
int td_log_is_missing(const char *s, size_t n);

/* The CSV separator of a header line: the most frequent of ',', ';' and
 * tab (0 when there is none). */
int td_log_csv_separator(const char *line, size_t n);

/* CRC-32C (Castagnoli), as TFRecord uses: crc of data[0..n) continuing
 * from crc (start with 0), and TFRecord's masked form. */
uint32_t td_crc32c(uint32_t crc, const void *data, size_t n);
uint32_t td_crc32c_masked(const void *data, size_t n);

/* The per-format parsers behind td_log_reader: a small operator table.
 * A line parser gets each complete line (no '\n', no final '\r's, NUL-free)
 * with its 1-based number; a byte parser gets raw bytes and
 * returns how many it consumed (the rest is offered again with more);
 * final=1 on the last call. Each returns TD_OK or fills e. */
typedef struct {
    td_log_format fmt;
    void *(*state_new)(td_log_builder *b);
    void (*state_free)(void *st);
    td_code (*line)(void *st, const char *line, size_t len, size_t lineno, td_err *e);
    td_code (*bytes)(void *st, const char *data, size_t len, int final,
                     size_t *used, td_err *e);
    td_code (*finish)(void *st, td_err *e); /* may be NULL */
} td_log_parser;
extern const td_log_parser td_log_parser_csv, td_log_parser_hf, td_log_parser_jsonl,
    td_log_parser_text, td_log_parser_tfevents;
/* JSON lines through simdjson (cv_json_fast.cpp, C++ behind this C
 * interface): the members of the one JSON object s[0..n) (a line trimmed
 * of blanks, '{' to '}'), in order, as json-c would read them. Returns 0
 * with *nm members in m (keys not NUL-terminated, valid until the next
 * call), 1 when the line is left to json-c (simdjson refuses it, or json-c
 * could read it differently: see the file), -1 on ENOMEM. Keys may repeat:
 * such a line is the caller's to leave to json-c. */
typedef struct {
    const char *key;
    size_t klen;
    double v;
    int num;          /* 1: a number (v), 0: anything else */
} td_json_member;
typedef struct td_json_fast td_json_fast;
td_json_fast *td_json_fast_new(void);      /* NULL on ENOMEM */
void td_json_fast_free(td_json_fast *f);   /* accepts NULL */
int td_json_fast_object(td_json_fast *f, const char *s, size_t n, td_json_member *m, size_t cap, size_t *nm);
/* The builder's log's source name, for messages. */
const char *td_log_builder_source(const td_log_builder *b);

#endif
