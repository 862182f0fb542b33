/* cv_log.c — td_log lifetime and td_log_builder: rows of (column, value)
 * become runs of series. The run-splitting and merging rules are stated in
 * td_curves.h ("Rows and runs"). */
#include "td_curves.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static char *cv_strndup(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) { memcpy(d, s, n); d[n] = '\0'; }
    return d;
}

td_log *td_log_new(const char *source)
{
    td_log *log = calloc(1, sizeof *log);
    if (!log) return NULL;
    if (!source || strcmp(source, "-") == 0) source = "<stdin>";
    log->source = cv_strndup(source, strlen(source));
    if (!log->source) { free(log); return NULL; }
    return log;
}

static void cv_run_clear(td_run *r)
{
    for (size_t i = 0; i < r->nseries; i++) {
        td_series *s = &r->series[i];
        free(s->name); free(s->base); free(s->x); free(s->y); free(s->line);
    }
    free(r->series); free(r->name); free(r->x_name); free(r->bad_lines);
    memset(r, 0, sizeof *r);
}

void td_log_free(td_log *log)
{
    if (!log) return;
    for (size_t i = 0; i < log->nruns; i++) cv_run_clear(&log->runs[i]);
    free(log->runs);
    free(log->source);
    free(log);
}

size_t td_log_points(const td_log *log)
{
    size_t n = 0;
    for (size_t i = 0; log && i < log->nruns; i++)
        for (size_t j = 0; j < log->runs[i].nseries; j++) n += log->runs[i].series[j].n;
    return n;
}

/* ---- builder -------------------------------------------------------------- */

typedef struct {
    char *name;
    size_t len;
    int percent;
    td_metric_info info;
    char base[64];
} cv_col;

struct td_log_builder {
    td_log *log;
    int split_runs;
    size_t runs_cap;
    cv_col *cols;            /* (ncols) interned columns */
    size_t ncols, cols_cap;
    long *hash;              /* (hcap) open addressing: column id or -1 */
    size_t hcap;
    char x_name[32];
    long *col2s;             /* (cols_cap) series index in the current run, -1 none */
    size_t *col_stamp;       /* (cols_cap) row serial that last set the column */
    int have_run;
    double last_x;           /* x of the last committed row of the current run */
    /* the row being built */
    double row_x;
    size_t row_line, row_serial;
    int row_attached;        /* td_log_builder_attach: never starts a run */
    long *row_col;
    double *row_y;
    size_t row_n, row_cap;
    size_t expect;           /* td_log_builder_expect: lines the input has, 0: unknown */
};

td_log_builder *td_log_builder_new(td_log *log, int split_runs)
{
    td_log_builder *b = calloc(1, sizeof *b);
    if (!b) return NULL;
    b->log = log;
    b->split_runs = split_runs;
    b->runs_cap = log->nruns;
    strcpy(b->x_name, "row");
    return b;
}

void td_log_builder_free(td_log_builder *b)
{
    if (!b) return;
    for (size_t i = 0; i < b->ncols; i++) free(b->cols[i].name);
    free(b->cols); free(b->hash); free(b->col2s); free(b->col_stamp);
    free(b->row_col); free(b->row_y);
    free(b);
}

const char *td_log_builder_source(const td_log_builder *b) { return b->log->source; }

static uint64_t cv_hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < n; i++) { h ^= (unsigned char)s[i]; h *= 1099511628211ull; }
    return h;
}

static int cv_rehash(td_log_builder *b, size_t cap)
{
    long *h = malloc(cap * sizeof *h);
    if (!h) return -1;
    for (size_t i = 0; i < cap; i++) h[i] = -1;
    for (size_t c = 0; c < b->ncols; c++) {
        size_t k = cv_hash(b->cols[c].name, b->cols[c].len) & (cap - 1);
        while (h[k] >= 0) k = (k + 1) & (cap - 1);
        h[k] = (long)c;
    }
    free(b->hash);
    b->hash = h;
    b->hcap = cap;
    return 0;
}

long td_log_builder_column(td_log_builder *b, const char *name, size_t len, int percent)
{
    if (b->hcap) {
        size_t k = cv_hash(name, len) & (b->hcap - 1);
        for (; b->hash[k] >= 0; k = (k + 1) & (b->hcap - 1)) {
            cv_col *c = &b->cols[b->hash[k]];
            if (c->len == len && memcmp(c->name, name, len) == 0) {
                if (percent) c->percent = 1;
                return b->hash[k];
            }
        }
    }
    if (b->ncols == b->cols_cap) {
        size_t cap = b->cols_cap ? 2 * b->cols_cap : 16;
        cv_col *cols = realloc(b->cols, cap * sizeof *cols);
        if (!cols) return -1;
        b->cols = cols;
        long *c2s = realloc(b->col2s, cap * sizeof *c2s);
        if (!c2s) return -1;
        b->col2s = c2s;
        size_t *st = realloc(b->col_stamp, cap * sizeof *st);
        if (!st) return -1;
        b->col_stamp = st;
        b->cols_cap = cap;
    }
    cv_col *c = &b->cols[b->ncols];
    memset(c, 0, sizeof *c);
    c->name = cv_strndup(name, len);
    if (!c->name) return -1;
    c->len = len;
    c->percent = percent;
    td_metric_parse_name(c->name, &c->info, c->base, sizeof c->base);
    b->col2s[b->ncols] = -1;
    b->col_stamp[b->ncols] = 0;
    b->ncols++;
    if (2 * b->ncols > b->hcap) {
        if (cv_rehash(b, b->hcap ? 2 * b->hcap : 64) != 0) { b->ncols--; free(c->name); return -1; }
    } else {
        size_t k = cv_hash(name, len) & (b->hcap - 1);
        while (b->hash[k] >= 0) k = (k + 1) & (b->hcap - 1);
        b->hash[k] = (long)(b->ncols - 1);
    }
    return (long)(b->ncols - 1);
}

void td_log_builder_percent(td_log_builder *b, long col)
{
    if (col >= 0 && (size_t)col < b->ncols) b->cols[col].percent = 1;
}

td_code td_log_builder_x_name(td_log_builder *b, const char *x_name)
{
    size_t n = strlen(x_name);
    if (n >= sizeof b->x_name) n = sizeof b->x_name - 1;
    memcpy(b->x_name, x_name, n);
    b->x_name[n] = '\0';
    if (b->have_run && b->log->nruns) {
        td_run *r = &b->log->runs[b->log->nruns - 1];
        int empty = 1;
        for (size_t i = 0; i < r->nseries; i++) if (r->series[i].n) empty = 0;
        if (empty) {
            char *d = cv_strndup(b->x_name, n);
            if (!d) return TD_ENOMEM;
            free(r->x_name);
            r->x_name = d;
        }
    }
    return TD_OK;
}

void td_log_builder_begin(td_log_builder *b, double x, size_t line)
{
    b->row_x = x;
    b->row_line = line;
    b->row_n = 0;
    b->row_serial++;
    b->row_attached = 0;
}

int td_log_builder_attach(td_log_builder *b, size_t line)
{
    if (!b->have_run) return 0;
    td_log_builder_begin(b, b->last_x, line);
    b->row_attached = 1;
    return 1;
}

td_code td_log_builder_add(td_log_builder *b, long col, double y)
{
    if (col < 0 || (size_t)col >= b->ncols) return TD_EINTERNAL;
    if (b->col_stamp[col] == b->row_serial) { /* same column twice: keep the last */
        for (size_t i = 0; i < b->row_n; i++)
            if (b->row_col[i] == col) b->row_y[i] = y;
        return TD_OK;
    }
    if (b->row_n == b->row_cap) {
        size_t cap = b->row_cap ? 2 * b->row_cap : 16;
        long *rc = realloc(b->row_col, cap * sizeof *rc);
        if (!rc) return TD_ENOMEM;
        b->row_col = rc;
        double *ry = realloc(b->row_y, cap * sizeof *ry);
        if (!ry) return TD_ENOMEM;
        b->row_y = ry;
        b->row_cap = cap;
    }
    b->col_stamp[col] = b->row_serial;
    b->row_col[b->row_n] = col;
    b->row_y[b->row_n] = y;
    b->row_n++;
    return TD_OK;
}

/* Name run i "<source>" when it is the only one (one = 1), else
 * "<source>#<i+1>". */
static td_code cv_name_run(td_log *log, size_t i, int one)
{
    size_t sl = strlen(log->source);
    char *n = malloc(sl + 24);
    if (!n) return TD_ENOMEM;
    if (one) memcpy(n, log->source, sl + 1);
    else snprintf(n, sl + 24, "%s#%zu", log->source, i + 1);
    free(log->runs[i].name);
    log->runs[i].name = n;
    return TD_OK;
}

/* Name every run (once, when the log is complete). */
static td_code cv_name_runs(td_log *log)
{
    for (size_t i = 0; i < log->nruns; i++)
        if (cv_name_run(log, i, log->nruns == 1) != TD_OK) return TD_ENOMEM;
    return TD_OK;
}

/* Give back what a series reserved beyond its points (a finished run). */
static void cv_shrink(td_series *s)
{
    if (s->cap <= s->n || s->n == 0) return;
    double *nx = realloc(s->x, s->n * sizeof *nx);
    if (nx) s->x = nx;
    double *ny = realloc(s->y, s->n * sizeof *ny);
    if (ny) s->y = ny;
    size_t *nl = realloc(s->line, s->n * sizeof *nl);
    if (nl) s->line = nl;
    if (nx && ny && nl) s->cap = s->n;
}

static void cv_shrink_run(td_run *r)
{
    for (size_t i = 0; i < r->nseries; i++) cv_shrink(&r->series[i]);
}

static td_code cv_new_run(td_log_builder *b)
{
    td_log *log = b->log;
    if (log->nruns) cv_shrink_run(&log->runs[log->nruns - 1]); /* only the current run keeps room */
    if (log->nruns == b->runs_cap) {
        size_t cap = b->runs_cap ? 2 * b->runs_cap : 4;
        td_run *runs = realloc(log->runs, cap * sizeof *runs);
        if (!runs) return TD_ENOMEM;
        log->runs = runs;
        b->runs_cap = cap;
    }
    td_run *r = &log->runs[log->nruns];
    memset(r, 0, sizeof *r);
    r->x_name = cv_strndup(b->x_name, strlen(b->x_name));
    if (!r->x_name) return TD_ENOMEM;
    log->nruns++;
    for (size_t c = 0; c < b->ncols; c++) b->col2s[c] = -1;
    b->have_run = 1;
    /* a new run names itself and, when it is the second, renames the
     * first: O(1) a run, however often the counter restarts */
    if (log->nruns == 2 && cv_name_run(log, 0, 0) != TD_OK) return TD_ENOMEM;
    return cv_name_run(log, log->nruns - 1, log->nruns == 1);
}

/* Make room for cap points in s (cap > s->cap). */
static td_code cv_reserve(td_series *s, size_t cap)
{
    double *nx = realloc(s->x, cap * sizeof *nx);
    if (!nx) return TD_ENOMEM;
    s->x = nx;
    double *ny = realloc(s->y, cap * sizeof *ny);
    if (!ny) return TD_ENOMEM;
    s->y = ny;
    size_t *nl = realloc(s->line, cap * sizeof *nl);
    if (!nl) return TD_ENOMEM;
    s->line = nl;
    s->cap = cap;
    return TD_OK;
}

static td_code cv_series_for(td_log_builder *b, td_run *r, long col, td_series **out)
{
    long si = b->col2s[col];
    if (si < 0) {
        if ((r->nseries & (r->nseries - 1)) == 0) { /* grow at powers of two */
            size_t cap = r->nseries ? 2 * r->nseries : 4;
            td_series *ss = realloc(r->series, cap * sizeof *ss);
            if (!ss) return TD_ENOMEM;
            r->series = ss;
        }
        cv_col *c = &b->cols[col];
        td_series *s = &r->series[r->nseries];
        memset(s, 0, sizeof *s);
        s->name = cv_strndup(c->name, c->len);
        s->base = cv_strndup(c->base, strlen(c->base));
        if (!s->name || !s->base) { free(s->name); free(s->base); return TD_ENOMEM; }
        s->split = c->info.split;
        s->kind = c->info.kind;
        s->agg = c->info.agg;
        s->percent = c->percent;
        si = (long)r->nseries++;
        b->col2s[col] = si;
        /* the lines left are the most points this series can get */
        if (b->expect > b->row_line + 16 && cv_reserve(s, b->expect - b->row_line) != TD_OK) return TD_ENOMEM;
    }
    *out = &r->series[si];
    return TD_OK;
}

static td_code cv_push(td_series *s, double x, double y, size_t line)
{
    if (s->n == s->cap) {
        td_code rc = cv_reserve(s, s->cap < 16 ? 16 : s->cap + s->cap / 2);
        if (rc != TD_OK) return rc;
    }
    s->x[s->n] = x;
    s->y[s->n] = y;
    s->line[s->n] = line;
    s->n++;
    return TD_OK;
}

/* The series' last point is at x. */
static int cv_last_is(const td_series *s, double x) { return s->n && s->x[s->n - 1] == x; }
/* Same value (NaN equals NaN: a repeated NaN is a repeat). */
static int cv_same(double a, double b) { return a == b || (a != a && b != b); }

td_code td_log_builder_end(td_log_builder *b)
{
    if (b->row_n == 0) return TD_OK;
    td_code rc;
    int fresh = !b->have_run;
    if (!fresh && b->split_runs && !b->row_attached) {
        if (b->row_x < b->last_x) fresh = 1;
        else if (b->row_x == b->last_x) {
            td_run *r = &b->log->runs[b->log->nruns - 1];
            for (size_t i = 0; i < b->row_n && !fresh; i++) {
                long si = b->col2s[b->row_col[i]];
                if (si >= 0 && cv_last_is(&r->series[si], b->row_x) &&
                    !cv_same(r->series[si].y[r->series[si].n - 1], b->row_y[i]))
                    fresh = 1; /* another value at the same x: a new run */
            }
        }
    }
    if (fresh && (rc = cv_new_run(b)) != TD_OK) return rc;
    td_run *r = &b->log->runs[b->log->nruns - 1];
    for (size_t i = 0; i < b->row_n; i++) {
        td_series *s;
        if ((rc = cv_series_for(b, r, b->row_col[i], &s)) != TD_OK) return rc;
        s->percent |= b->cols[b->row_col[i]].percent;
        if (cv_last_is(s, b->row_x) && cv_same(s->y[s->n - 1], b->row_y[i])) continue; /* repeated */
        if (b->row_attached && cv_last_is(s, b->row_x)) { /* attached: the last value wins */
            s->y[s->n - 1] = b->row_y[i];
            s->line[s->n - 1] = b->row_line;
            continue;
        }
        if ((rc = cv_push(s, b->row_x, b->row_y[i], b->row_line)) != TD_OK) return rc;
    }
    if (fresh || b->row_x > b->last_x || !b->split_runs) b->last_x = b->row_x;
    b->row_n = 0;
    return TD_OK;
}

void td_log_builder_expect(td_log_builder *b, size_t lines) { b->expect = lines; }

td_code td_log_builder_row(td_log_builder *b, double x, size_t line, const long *cols, const double *y,
                           const unsigned char *has, size_t n)
{
    /* the common row: past the run's last x (so no merge, repeat or new
     * run), every column distinct and already holding a series */
    int fast = b->have_run && x > b->last_x;
    b->row_serial++;
    td_run *r = fast ? &b->log->runs[b->log->nruns - 1] : NULL;
    size_t any = 0;
    for (size_t i = 0; i < n && fast; i++) {
        if (!has[i]) continue;
        long col = cols[i];
        if (col < 0 || (size_t)col >= b->ncols || b->col2s[col] < 0 || b->col_stamp[col] == b->row_serial) fast = 0;
        else { b->col_stamp[col] = b->row_serial; any++; }
    }
    if (!fast || !any) {
        td_code rc;
        td_log_builder_begin(b, x, line);
        for (size_t i = 0; i < n; i++)
            if (has[i] && (rc = td_log_builder_add(b, cols[i], y[i])) != TD_OK) return rc;
        return td_log_builder_end(b);
    }
    for (size_t i = 0; i < n; i++) {
        if (!has[i]) continue;
        td_series *s = &r->series[b->col2s[cols[i]]];
        s->percent |= b->cols[cols[i]].percent;
        if (s->n < s->cap) { /* cv_push without the call: the arrays were sized from the file */
            s->x[s->n] = x;
            s->y[s->n] = y[i];
            s->line[s->n++] = line;
            continue;
        }
        td_code rc = cv_push(s, x, y[i], line);
        if (rc != TD_OK) return rc;
    }
    b->last_x = x;
    b->row_n = 0;
    return TD_OK;
}

void td_log_builder_drop_run(td_log_builder *b)
{
    if (!b->have_run || b->log->nruns == 0) return;
    cv_run_clear(&b->log->runs[--b->log->nruns]);
    b->have_run = 0;
    b->row_n = 0;
    if (b->log->nruns == 1) cv_name_run(b->log, 0, 1);
}

td_code td_log_builder_bad(td_log_builder *b, size_t line)
{
    td_code rc;
    if (!b->have_run && (rc = cv_new_run(b)) != TD_OK) return rc;
    td_run *r = &b->log->runs[b->log->nruns - 1];
    if ((r->nbad & (r->nbad - 1)) == 0) {
        size_t cap = r->nbad ? 2 * r->nbad : 4;
        size_t *bl = realloc(r->bad_lines, cap * sizeof *bl);
        if (!bl) return TD_ENOMEM;
        r->bad_lines = bl;
    }
    r->bad_lines[r->nbad++] = line;
    return TD_OK;
}

/* Stable sort of a series' points by x (insertion sort on runs of order,
 * merge otherwise): event files are nearly sorted. */
static td_code cv_sort_series(td_series *s)
{
    size_t i;
    for (i = 1; i < s->n; i++) if (s->x[i] < s->x[i - 1]) break;
    if (i >= s->n) return TD_OK;
    size_t *idx = malloc(s->n * sizeof *idx), *tmp = malloc(s->n * sizeof *tmp);
    double *bx = malloc(s->n * sizeof *bx), *by = malloc(s->n * sizeof *by);
    size_t *bl = malloc(s->n * sizeof *bl);
    if (!idx || !tmp || !bx || !by || !bl) {
        free(idx); free(tmp); free(bx); free(by); free(bl);
        return TD_ENOMEM;
    }
    for (i = 0; i < s->n; i++) idx[i] = i;
    for (size_t w = 1; w < s->n; w *= 2) { /* bottom-up merge sort of indices */
        for (size_t lo = 0; lo < s->n; lo += 2 * w) {
            size_t mid = lo + w < s->n ? lo + w : s->n, hi = lo + 2 * w < s->n ? lo + 2 * w : s->n;
            size_t a = lo, c = mid, k = lo;
            while (a < mid && c < hi) tmp[k++] = s->x[idx[c]] < s->x[idx[a]] ? idx[c++] : idx[a++];
            while (a < mid) tmp[k++] = idx[a++];
            while (c < hi) tmp[k++] = idx[c++];
        }
        memcpy(idx, tmp, s->n * sizeof *idx);
    }
    for (i = 0; i < s->n; i++) { bx[i] = s->x[idx[i]]; by[i] = s->y[idx[i]]; bl[i] = s->line[idx[i]]; }
    memcpy(s->x, bx, s->n * sizeof *bx);
    memcpy(s->y, by, s->n * sizeof *by);
    memcpy(s->line, bl, s->n * sizeof *bl);
    free(idx); free(tmp); free(bx); free(by); free(bl);
    return TD_OK;
}

td_code td_log_builder_finish(td_log_builder *b)
{
    td_log *log = b->log;
    td_code rc;
    size_t keep = 0;
    for (size_t i = 0; i < log->nruns; i++) {
        td_run *r = &log->runs[i];
        size_t pts = 0;
        for (size_t j = 0; j < r->nseries; j++) {
            td_series *s = &r->series[j];
            pts += s->n;
            if (!b->split_runs && (rc = cv_sort_series(s)) != TD_OK) return rc;
        }
        if (pts == 0 && r->nbad == 0) { cv_run_clear(r); continue; }
        cv_shrink_run(r);
        if (keep != i) { log->runs[keep] = *r; memset(r, 0, sizeof *r); }
        keep++;
    }
    log->nruns = keep;
    b->have_run = 0; /* a later row starts a new run */
    return cv_name_runs(log);
}

/* ---- lookup --------------------------------------------------------------- */

static int cv_canonical(const td_series *s)
{
    static const char *names[] = {"loss", "accuracy", "acc", "error", "err", "lr", "learning_rate"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strcmp(s->base, names[i]) == 0) return 1;
    return strncmp(s->base, "total", 5) == 0;
}

const td_series *td_run_find(const td_run *run, td_split split, td_metric_kind kind)
{
    const td_series *best = NULL;
    int best_canon = 0;
    for (size_t i = 0; run && i < run->nseries; i++) {
        const td_series *s = &run->series[i];
        if (s->split != split || s->kind != kind || s->n == 0) continue;
        int canon = cv_canonical(s);
        if (!best || canon > best_canon || (canon == best_canon && s->n > best->n)) {
            best = s;
            best_canon = canon;
        }
    }
    return best;
}

const td_series *td_run_find_heldout(const td_run *run, td_metric_kind kind)
{
    const td_series *s = td_run_find(run, TD_SPLIT_VAL, kind);
    return s ? s : td_run_find(run, TD_SPLIT_TEST, kind);
}

const td_series *td_run_find_nth(const td_run *run, td_split split, td_metric_kind kind, size_t i)
{
    for (size_t j = 0; run && j < run->nseries; j++) {
        const td_series *s = &run->series[j];
        if (s->split == split && s->kind == kind && i-- == 0) return s;
    }
    return NULL;
}

const td_series *td_run_find_name(const td_run *run, const char *name)
{
    for (size_t j = 0; run && name && j < run->nseries; j++)
        if (strcmp(run->series[j].name, name) == 0) return &run->series[j];
    return NULL;
}
