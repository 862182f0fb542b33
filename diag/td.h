/* td.h — tdiag core: status codes, messages, output sinks, JSON writer,
 * number parsing, seeded RNG, streaming statistics.
 *
 * Contracts that hold for the whole library:
 *  - the library never prints and never exits: functions return a td_code
 *    and, when a td_err is given, a one-line message naming what is wrong;
 *  - no global state: contexts and RNGs are passed in;
 *  - every td_x_new has a td_x_free that accepts NULL;
 *  - sums are accumulated in double.
 */
#ifndef TD_H
#define TD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdarg.h>

#define TD_VERSION "0.1.0"

/* ---- exit codes shared by every tool ---------------------------------- */
enum {
    TD_EXIT_OK = 0,      /* no finding */
    TD_EXIT_FINDING = 1, /* a finding: gradient mismatch, overfitting, ... */
    TD_EXIT_USAGE = 2,   /* bad command line */
    TD_EXIT_INPUT = 3    /* input, plugin or I/O error */
};

/* ---- status codes and messages ---------------------------------------- */
typedef enum {
    TD_OK = 0,
    TD_EUSAGE,    /* bad argument or option                 -> exit 2 */
    TD_EINPUT,    /* malformed input file / dataset / record -> exit 3 */
    TD_EIO,       /* cannot open/read/write                 -> exit 3 */
    TD_ENOMEM,    /* allocation failed or size overflows    -> exit 3 */
    TD_EPLUGIN,   /* plugin failed, crashed, wrong ABI      -> exit 3 */
    TD_EINTERNAL  /* a bug in tdiag                         -> exit 3 */
} td_code;

#define TD_ERR_MSG 512
typedef struct {
    td_code code;
    char msg[TD_ERR_MSG]; /* one line, no trailing newline */
} td_err;

/* Record code and a printf-style message in e (e may be NULL).
 * Newlines in the message are replaced by spaces so it stays one line.
 * Returns code, so `return td_fail(e, TD_EINPUT, "...")` reads well. */
td_code td_fail(td_err *e, td_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Clear e to TD_OK and an empty message (e may be NULL). */
void td_err_clear(td_err *e);
/* The exit code a tool should use for code: 0, 2 or 3. */
int td_exit_code(td_code code);
/* Short name of a code ("input error", ...). */
const char *td_code_name(td_code code);

/* ---- output sinks: writers that can target a callback ----------------- */
/* write(ctx, data, len) returns 0 on success, non-zero on failure. */
typedef int (*td_write_fn)(void *ctx, const char *data, size_t len);
typedef struct {
    td_write_fn write;
    void *ctx;
    int failed; /* sticky: set once a write failed */
} td_out;

/* A sink writing to a stdio stream. */
td_out td_out_file(FILE *f);
/* Write len bytes; returns 0 or -1 (and sets o->failed). */
int td_out_write(td_out *o, const char *data, size_t len);
int td_out_puts(td_out *o, const char *s);
int td_out_printf(td_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int td_out_vprintf(td_out *o, const char *fmt, va_list ap);

/* A growable, NUL-terminated memory buffer (tests use it as a sink). */
typedef struct {
    char *data;   /* NUL-terminated, NULL until the first write */
    size_t len;
    size_t cap;
} td_buf;
td_out td_out_buf(td_buf *b);
int td_buf_append(td_buf *b, const char *data, size_t len); /* 0 or -1 */
void td_buf_free(td_buf *b); /* frees data, resets to empty; b may be NULL */
/* Write all of b to f at once and flush (a tool's report leaves in one
 * piece or not at all), then free b. Returns 0, or -1 on a write error. */
int td_buf_emit(td_buf *b, FILE *f);

/* ---- JSON writer ------------------------------------------------------- */
/* Streaming writer with correct string escaping; non-finite numbers are
 * written as null (JSON has no NaN). Commas are handled by the writer. */
#define TD_JSON_DEPTH 32
typedef struct {
    td_out *out;
    int depth;
    unsigned char first[TD_JSON_DEPTH]; /* 1 until the first member at that depth */
    int after_key;                      /* a key was written, its value is next */
    int pretty;                         /* newline + indent per member */
} td_json;

void td_json_init(td_json *j, td_out *out, int pretty);
void td_json_obj(td_json *j);   /* { */
void td_json_end_obj(td_json *j); /* } */
void td_json_arr(td_json *j);   /* [ */
void td_json_end_arr(td_json *j); /* ] */
void td_json_key(td_json *j, const char *key);
void td_json_str(td_json *j, const char *s);   /* NULL -> null */
void td_json_num(td_json *j, double v);         /* %.17g, non-finite -> null */
void td_json_int(td_json *j, long long v);
void td_json_bool(td_json *j, int v);
void td_json_null(td_json *j);
/* Convenience: key + value. */
void td_json_kstr(td_json *j, const char *k, const char *s);
void td_json_knum(td_json *j, const char *k, double v);
void td_json_kint(td_json *j, const char *k, long long v);
void td_json_kbool(td_json *j, const char *k, int v);
/* Write s as a JSON string literal (with quotes) to o: control bytes
 * escaped, well-formed UTF-8 kept, any byte that is not (names from hostile
 * files) written as \ufffd, so the output is always valid JSON. */
void td_json_write_string(td_out *o, const char *s);

/* ---- numbers parsed fully ---------------------------------------------- */
/* Parse all of s as a double in [lo, hi]. On failure returns TD_EUSAGE with
 * a message naming what (e.g. "--h") and the bad text. */
td_code td_parse_double(const char *what, const char *s, double lo, double hi,
                        double *out, td_err *e);
/* Parse all of s as a base-10 integer in [lo, hi]. */
td_code td_parse_long(const char *what, const char *s, long long lo, long long hi,
                      long long *out, td_err *e);
/* Multiply sizes with overflow check: *out = a*b; returns 0 or -1. */
int td_mul_size(size_t a, size_t b, size_t *out);

/* ---- key=value lists ---------------------------------------------------- */
/* Split "k=v" at the first '='. Returns 0, or -1 when there is no '=' or
 * the key is empty. key/val point into a copy owned by the caller's buf. */
int td_split_kv(char *kv, char **key, char **val);

/* ---- seeded RNG: xoshiro256** seeded through splitmix64 ---------------- */
typedef struct {
    uint64_t s[4];
    int has_spare;
    double spare;
} td_rng;
void td_rng_seed(td_rng *r, uint64_t seed);
uint64_t td_rng_u64(td_rng *r);
double td_rng_uniform(td_rng *r);            /* [0, 1) */
double td_rng_normal(td_rng *r);             /* N(0, 1), Box–Muller */
uint64_t td_rng_below(td_rng *r, uint64_t n); /* uniform in [0, n), n > 0 */

/* ---- streaming statistics ----------------------------------------------- */
/* Count, mean and M2 by Welford; min/max; zero, NaN and Inf counts.
 * NaN/Inf are counted and excluded from the moments. Two summaries merge
 * exactly (Chan et al.), so chunks and files can be summarised apart. */
typedef struct {
    uint64_t n;      /* finite values */
    double mean, m2; /* running mean, sum of squared deviations */
    double sumsq;    /* Σ x² (for RMS and norms) */
    double min, max;
    uint64_t zeros, nans, infs;
} td_stats;
void td_stats_init(td_stats *s);
void td_stats_add(td_stats *s, double x);
void td_stats_add_array(td_stats *s, const double *x, size_t n);
void td_stats_merge(td_stats *into, const td_stats *other);
double td_stats_var(const td_stats *s);  /* population variance m2/n */
double td_stats_std(const td_stats *s);
double td_stats_rms(const td_stats *s);  /* sqrt(Σx²/n) */
double td_stats_norm(const td_stats *s); /* sqrt(Σx²) */

/* ---- robust statistics on small arrays ---------------------------------- */
/* q-quantile (0..1, linear interpolation) of the finite values of x[0..n);
 * works on a copy; returns NaN when there is none or on allocation failure. */
double td_quantile(const double *x, size_t n, double q);
double td_median(const double *x, size_t n);
/* The k-th smallest (0-based) of a[0..m) (m > 0, k < m, no NaN), moved to
 * a[k] with none larger before it and none smaller after: quickselect
 * (median-of-three pivot, branch-free partitions), linear on average. */
double td_select_kth(double *a, size_t m, size_t k);
/* Median absolute deviation scaled by 1.4826 (σ for normal data). */
double td_mad(const double *x, size_t n);

/* ---- relative error ------------------------------------------------------ */
/* |a-n| / max(|a|, |n|, floor): the gradient-check relative error (seed 003),
 * with a floor so that two near-zero values do not divide by ~0. */
double td_rel_error(double a, double n, double floor);

/* ---- text safety --------------------------------------------------------- */
/* Copy src into dst (size cap) replacing control characters and DEL by '?',
 * so names from logs or dumps cannot drive a terminal. Returns dst. */
char *td_safe_text(char *dst, size_t cap, const char *src);

/* ---- files from other people's machines (td_file.c) --------------------- */
/* Open path read-only only if it is a regular file, never blocking on the
 * way (opened O_NONBLOCK, then checked, then made blocking): a FIFO, a
 * folder or a device is refused, not waited on. shown names the file in
 * messages (NULL: path). Returns an fd (close it), or -1 with e: TD_EIO
 * "<shown>: cannot open: <OS reason>" or "<shown>: not a regular file
 * (a FIFO)". td_fopen_regular: the same as a stdio stream ("rb"). */
int td_open_regular(const char *path, const char *shown, td_err *e);
FILE *td_fopen_regular(const char *path, const char *shown, td_err *e);

#endif
