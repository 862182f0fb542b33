/* cv_read_csv.c — CSV/TSV logs with a header: Keras CSVLogger (epoch
 * first, NA for missing, ',' or ';'), Lightning metrics.csv (sparse rows,
 * merged on step by the builder), YOLO results.csv (space-padded fields),
 * files without an epoch or step column (x = data row number, from 0),
 * pandas' to_csv (an unnamed first column, its index, is skipped),
 * TensorBoard's CSV download (Wall time,Step,Value: Value is named after
 * the tag in the file name, "...-tag-train_loss.csv" -> train_loss).
 *
 * A column is numeric once a value in it parses as a number ("45.2%" is a
 * number given in percent); a column whose first present value does not
 * parse is a text column and ignored (timestamps, names). A row is
 * malformed, recorded and not used, when its field count differs from the
 * header's, its x is missing or not a number, or a numeric column holds
 * text. */
#include "td_curves.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { CV_UNKNOWN = 0, CV_NUMERIC = 1, CV_TEXT = 2, CV_X = 3, CV_SKIP = 4 };

typedef struct {
    td_log_builder *b;
    char sep;
    int have_header;
    size_t ncols;
    long *col;               /* (ncols) builder column ids */
    unsigned char *state;    /* (ncols) CV_* */
    long xcol;               /* field index of x, -1: row number */
    size_t xname;            /* index in cv_x_cols of the x column's name */
    size_t header_line;
    size_t rows;             /* data rows used */
    size_t data_lines;       /* non-blank lines after the header */
    size_t numeric_cols;
    /* field bounds of the current row */
    size_t *fa, *fb;
    size_t fcap;
    double *vals;            /* (ncols) parsed values of the current row */
    unsigned char *has;      /* (ncols) 1 present, 0 missing */
    /* without an x column: the first text column, to tell a table of
     * results per label (one row per class) from a log over rows */
    long labcol;             /* -1: none yet */
    char labname[64];
    char **hname;            /* (ncols) header names, kept only without an x column */
    int lab_timey;           /* a value has a digit or ':' (a time stamp, an id) */
    uint64_t labhash[256];
    size_t nlab, lab_distinct;
    char lab_first[32];
} cv_csv;

/* x-axis column names, best first, and the x name each gives. */
static const struct { const char *name; const char *x; } cv_x_cols[] = {
    {"step", "step"}, {"global_step", "step"}, {"trainer/global_step", "step"}, {"_step", "step"},
    {"steps", "step"}, {"iteration", "iteration"}, {"iter", "iteration"}, {"it", "iteration"},
    {"epoch", "epoch"},
};

static void *cv_csv_new(td_log_builder *b)
{
    cv_csv *c = calloc(1, sizeof *c);
    if (c) { c->b = b; c->xcol = -1; c->labcol = -1; }
    return c;
}

static void cv_csv_free(void *st)
{
    cv_csv *c = st;
    if (!c) return;
    for (size_t i = 0; c->hname && i < c->ncols; i++) free(c->hname[i]);
    free(c->hname);
    free(c->col); free(c->state); free(c->fa); free(c->fb); free(c->vals); free(c->has);
    free(c);
}

/* Split line into fields at sep (double-quoted fields may hold sep);
 * bounds trimmed of blanks and quotes. Returns the field count or -1. */
static long cv_split(cv_csv *c, const char *s, size_t n)
{
    size_t k = 0, i = 0;
    int quoted = memchr(s, '"', n) != NULL;
    for (;;) {
        if (k == c->fcap) {
            size_t cap = c->fcap ? 2 * c->fcap : 32;
            size_t *fa = realloc(c->fa, cap * sizeof *fa);
            if (!fa) return -1;
            c->fa = fa;
            size_t *fb = realloc(c->fb, cap * sizeof *fb);
            if (!fb) return -1;
            c->fb = fb;
            c->fcap = cap;
        }
        size_t a = i, e;
        if (quoted) {
            int inq = 0;
            for (e = i; e < n && (inq || s[e] != c->sep); e++)
                if (s[e] == '"') inq = !inq;
        } else { /* fields are short: a byte loop beats memchr's call */
            char sep = c->sep;
            for (e = i; e < n && s[e] != sep; e++) {}
        }
        size_t b = e;
        while (a < b && (s[a] == ' ' || s[a] == '\t' || s[a] == '"')) a++;
        while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t' || s[b - 1] == '"')) b--;
        c->fa[k] = a;
        c->fb[k] = b;
        k++;
        if (e >= n) break;
        i = e + 1;
    }
    return (long)k;
}

/* TensorBoard's "download CSV" has the columns Wall time,Step,Value and
 * the tag only in the file name ("run-version_0-tag-train_loss.csv"): the
 * Value column is named after the tag (or the file's base name). Returns 1
 * when column i is that Value column (its id set), else 0. */
static int cv_tb_value(cv_csv *c, const char *s, size_t len, size_t i, long *col)
{
    if (c->ncols != 3 || len != 5 || strncasecmp(s + c->fa[i], "value", 5) != 0 ||
        c->fb[0] - c->fa[0] != 9 || strncasecmp(s + c->fa[0], "wall time", 9) != 0)
        return 0;
    const char *src = td_log_builder_source(c->b), *base = strrchr(src, '/');
    base = base ? base + 1 : src;
    const char *tag = strstr(base, "tag-");
    if (tag) base = tag + 4;
    const char *dot = strrchr(base, '.');
    size_t n = dot && dot > base ? (size_t)(dot - base) : strlen(base);
    *col = n ? td_log_builder_column(c->b, base, n, 0) : td_log_builder_column(c->b, "Value", 5, 0);
    return 1;
}

static td_code cv_header(cv_csv *c, const char *s, size_t n, size_t lineno, td_err *e)
{
    const char *src = td_log_builder_source(c->b);
    c->sep = (char)td_log_csv_separator(s, n);
    if (!c->sep) c->sep = ',';
    long k = cv_split(c, s, n);
    if (k < 0) return td_fail(e, TD_ENOMEM, "%s: out of memory", src);
    if (k > 1 && c->fa[k - 1] == c->fb[k - 1]) k--; /* trailing separator */
    c->ncols = (size_t)k;
    c->col = malloc(c->ncols * sizeof *c->col);
    c->state = calloc(c->ncols, 1);
    c->vals = malloc(c->ncols * sizeof *c->vals);
    c->has = calloc(c->ncols, 1);
    if (!c->col || !c->state || !c->vals || !c->has) return td_fail(e, TD_ENOMEM, "%s: out of memory", src);
    size_t best = sizeof cv_x_cols / sizeof *cv_x_cols;
    for (size_t i = 0; i < c->ncols; i++) {
        size_t len = c->fb[i] - c->fa[i];
        if (len == 0 && i == 0) { /* pandas' unnamed index (0, 1, ...): the row number already */
            c->state[0] = CV_SKIP;
            c->col[0] = -1;
            continue;
        }
        if (len == 0) return td_fail(e, TD_EINPUT, "%s:%zu: column %zu of the header has no name", src, lineno, i + 1);
        for (size_t j = 0; j < best; j++)
            if (strlen(cv_x_cols[j].name) == len && strncasecmp(s + c->fa[i], cv_x_cols[j].name, len) == 0) {
                best = j;
                c->xcol = (long)i;
            }
        if (!cv_tb_value(c, s, len, i, &c->col[i])) c->col[i] = td_log_builder_column(c->b, s + c->fa[i], len, 0);
        if (c->col[i] < 0) return td_fail(e, TD_ENOMEM, "%s: out of memory", src);
    }
    if (c->xcol >= 0) {
        c->state[c->xcol] = CV_X;
        c->xname = best;
        if (td_log_builder_x_name(c->b, cv_x_cols[best].x) != TD_OK)
            return td_fail(e, TD_ENOMEM, "%s: out of memory", src);
    }
    if (c->xcol < 0) { /* names for a message about a table of labels */
        if (!(c->hname = calloc(c->ncols, sizeof *c->hname))) return td_fail(e, TD_ENOMEM, "%s: out of memory", src);
        for (size_t i = 0; i < c->ncols; i++) {
            size_t len = c->fb[i] - c->fa[i];
            if (!(c->hname[i] = malloc(len + 1))) return td_fail(e, TD_ENOMEM, "%s: out of memory", src);
            memcpy(c->hname[i], s + c->fa[i], len);
            c->hname[i][len] = '\0';
        }
    }
    c->have_header = 1;
    c->header_line = lineno;
    return TD_OK;
}

static td_code cv_bad(cv_csv *c, size_t lineno, td_err *e)
{
    if (td_log_builder_bad(c->b, lineno) != TD_OK)
        return td_fail(e, TD_ENOMEM, "%s: out of memory", td_log_builder_source(c->b));
    return TD_OK;
}

/* The fast path, one pass: a row whose fields are all numbers or empty
 * (numbers scanned on the fly). Returns 1 with vals/has filled, or 0 to
 * leave the row to the general path (quotes, text, NA, %, wrong field
 * count, a bad x), which then decides. */
static int cv_fast_row(cv_csv *c, const char *s, size_t n, double *x)
{
    const char *p = s, *end = s + n;
    char sep = c->sep;
    for (size_t i = 0;; i++) {
        while (p < end && (*p == ' ' || *p == '\t')) p++;
        if (i >= c->ncols) {
            if (i != c->ncols || p != end) return 0; /* (one trailing separator is fine) */
            break;
        }
        if (c->state[i] == CV_TEXT) return 0;
        c->has[i] = 0;
        if (c->state[i] == CV_SKIP) {
            while (p < end && *p != sep) p++;
            if (p == end) {
                if (i + 1 != c->ncols) return 0;
                break;
            }
            p++;
            continue;
        }
        if (p < end && *p != sep) {
            const char *q = td_log_scan_number(p, end, &c->vals[i]);
            if (!q) return 0;
            while (q < end && (*q == ' ' || *q == '\t')) q++;
            if (q < end && *q != sep) return 0;
            c->has[i] = 1;
            p = q;
        }
        if (p == end) {
            if (i + 1 != c->ncols) return 0;
            break;
        }
        p++;
    }
    if (c->xcol >= 0) {
        if (!c->has[c->xcol] || c->vals[c->xcol] != c->vals[c->xcol]) return 0;
        *x = c->vals[c->xcol];
        c->has[c->xcol] = 0;
    }
    for (size_t i = 0; i < c->ncols; i++)
        if (c->has[i] && c->state[i] == CV_UNKNOWN) { c->state[i] = CV_NUMERIC; c->numeric_cols++; }
    return 1;
}

/* Note the label column's value of a row (its first 256 rows). */
static void cv_label(cv_csv *c, const char *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((v[i] >= '0' && v[i] <= '9') || v[i] == ':') c->lab_timey = 1;
    if (c->nlab == 0) snprintf(c->lab_first, sizeof c->lab_first, "%.*s", (int)(n < 31 ? n : 31), v);
    if (c->nlab >= sizeof c->labhash / sizeof *c->labhash) return;
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) { h ^= (unsigned char)v[i]; h *= 1099511628211ull; }
    int seen = 0;
    for (size_t i = 0; i < c->nlab && !seen; i++) seen = c->labhash[i] == h;
    c->labhash[c->nlab++] = h;
    c->lab_distinct += !seen;
}

static td_code cv_commit(cv_csv *c, double x, size_t lineno, td_err *e)
{
    c->rows++;
    if (td_log_builder_row(c->b, x, lineno, c->col, c->vals, c->has, c->ncols) != TD_OK)
        return td_fail(e, TD_ENOMEM, "%s: out of memory", td_log_builder_source(c->b));
    return TD_OK;
}

static td_code cv_csv_line(void *st, const char *s, size_t n, size_t lineno, td_err *e)
{
    cv_csv *c = st;
    size_t a = 0;
    while (a < n && (s[a] == ' ' || s[a] == '\t')) a++;
    if (a == n) return TD_OK; /* blank line */
    if (!c->have_header) return cv_header(c, s, n, lineno, e);
    const char *src = td_log_builder_source(c->b);
    c->data_lines++;
    double x = (double)c->rows;
    if (cv_fast_row(c, s, n, &x)) return cv_commit(c, x, lineno, e);
    long k = cv_split(c, s, n);
    if (k < 0) return td_fail(e, TD_ENOMEM, "%s: out of memory", src);
    if ((size_t)k == c->ncols + 1 && c->fa[k - 1] == c->fb[k - 1]) k--; /* trailing separator */
    if ((size_t)k != c->ncols) return cv_bad(c, lineno, e);
    if (c->xcol >= 0) {
        size_t fa = c->fa[c->xcol], fb = c->fb[c->xcol];
        if (td_log_parse_number(s + fa, fb - fa, &x) != 0 || x != x) {
            const char *xn = cv_x_cols[c->xname].name;
            if (fb - fa == strlen(xn) && strncasecmp(s + fa, xn, fb - fa) == 0)
                return TD_OK; /* the header repeated (files concatenated): the x reset splits */
            return cv_bad(c, lineno, e);
        }
    }
    /* parse the whole row first: a malformed row contributes nothing */
    for (size_t i = 0; i < c->ncols; i++) {
        c->has[i] = 0;
        if (c->state[i] == CV_X || c->state[i] == CV_TEXT || c->state[i] == CV_SKIP) continue;
        size_t fa = c->fa[i], fb = c->fb[i];
        if (fa == fb) continue;
        double v;
        int pct = 0;
        if (s[fb - 1] == '%') { pct = 1; fb--; }
        if (td_log_parse_number(s + fa, fb - fa, &v) == 0) {
            if (c->state[i] == CV_UNKNOWN) { c->state[i] = CV_NUMERIC; c->numeric_cols++; }
            if (pct) td_log_builder_percent(c->b, c->col[i]);
            c->vals[i] = v;
            c->has[i] = 1;
        } else if (td_log_is_missing(s + fa, fb - fa)) {
            continue;
        } else if (c->state[i] == CV_UNKNOWN) {
            c->state[i] = CV_TEXT;
            if (c->xcol < 0 && c->labcol < 0) {
                c->labcol = (long)i;
                td_safe_text(c->labname, sizeof c->labname, c->hname ? c->hname[i] : "label");
            }
        } else {
            return cv_bad(c, lineno, e);
        }
    }
    if (c->labcol >= 0) cv_label(c, s + c->fa[c->labcol], c->fb[c->labcol] - c->fa[c->labcol]);
    return cv_commit(c, x, lineno, e);
}

static td_code cv_csv_finish(void *st, td_err *e)
{
    cv_csv *c = st;
    const char *src = td_log_builder_source(c->b);
    if (!c->have_header) return td_fail(e, TD_EINPUT, "%s: empty CSV (no header)", src);
    if (c->data_lines == 0) return td_fail(e, TD_EINPUT, "%s:%zu: CSV header but no data row", src, c->header_line);
    if (c->numeric_cols == 0)
        return td_fail(e, TD_EINPUT, "%s:%zu: header has no numeric column", src, c->header_line);
    if (c->labcol >= 0 && !c->lab_timey && c->nlab >= 2 && c->lab_distinct == c->nlab) {
        char safe[64];
        return td_fail(e, TD_EINPUT,
                       "%s:%zu: a table with one row per %s ('%s', ...), not a training log: no step, epoch or "
                       "iteration column, and every row names another %s",
                       src, c->header_line, c->labname, td_safe_text(safe, sizeof safe, c->lab_first), c->labname);
    }
    return TD_OK;
}

const td_log_parser td_log_parser_csv = {
    TD_FMT_CSV, cv_csv_new, cv_csv_free, cv_csv_line, NULL, cv_csv_finish,
};
