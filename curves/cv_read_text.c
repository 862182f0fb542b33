/* cv_read_text.c — plain-text training logs: the console output of any
 * framework (Keras "Epoch 3/50" + "loss: 0.41 - val_loss: 0.52", Python
 * logging "Epoch [1/50], Train Loss: 1.94, Val Acc: 17.37%", printed dicts
 * "{'loss': 2.3, 'epoch': 0.5}", detectron2 "iter: 19  total_loss: 0.41",
 * nanoGPT "iter 100: loss 4.23", "123/10105 in 0 epoch ... Loss is 1.48",
 * fairseq "| loss 9.88 |", tqdm bars). What one line says is read by
 * cv_text_scan (cv_text.h); this file turns lines into rows and runs.
 *
 * Before a line is read: only its last non-blank '\r' segment counts
 * (progress bars) and ANSI colour sequences (ESC [ ... letter) are removed.
 * Configuration dumps give nothing.
 *
 * x of a line, the first that applies:
 *  1. a step key: x = the step. When the step goes back while the epoch
 *     marker went up, the counter is per epoch and x continues from the
 *     last step (one run, not one per epoch);
 *  2. once the log has steps (1 or 4), a line without one belongs to the
 *     step before it (td_log_builder_attach: evaluation results, epoch
 *     summaries, timing lines never start a run) — when the next step
 *     continues the count; when the count goes back (a new run), such lines
 *     were the new run's preamble (its settings dump) and are dropped, and
 *     so are more than 32 of them (a resumed run's settings and model);
 *  3. progress i/N with a known epoch E: x = E - b + i/N in epochs, b = 1
 *     when the log's first epoch is 1 or more ("Epoch 1/10" counts from 1),
 *     else 0; a later line of that epoch without progress is at its end,
 *     E - b + 1;
 *  4. progress i/N without an epoch: x = i (a step);
 *  5. a known epoch: x = E, the pairs of all lines of one epoch forming one
 *     row (committed when the next epoch starts or at the end: a live log
 *     lags one epoch); once a key comes twice within one epoch ("Epoch 1 -
 *     Batch loss: 0.81" a line), each line is its own point, the J lines
 *     of epoch E at E - b + j/J (b as in rule 3: never below 0);
 *  6. none of these: the number of the line among such lines (x = row).
 *     Such lines are held back while no line shape (the names of its pairs
 *     in order) has come three times: a preamble (settings printed as
 *     "lr: 0.1", an environment table, a model summary) is dropped when a
 *     line with a step or an epoch arrives, and at the end only lines whose
 *     shape came at least twice are kept. */
#include "cv_text.h"

#include <stdlib.h>
#include <string.h>

/* Lines kept for later: rule 6's preamble, and the lines of the epoch
 * being read (rule 5). */
typedef struct {
    size_t lineno;
    size_t first, np;     /* its pairs in cv_lines.pair */
    uint64_t shape;
} cv_held_line;

typedef struct {
    size_t name_off, name_len;
    double v;
    int pct;
} cv_held_pair;

typedef struct {
    cv_held_line *line;
    size_t n, cap;
    cv_held_pair *pair;
    size_t np, pcap;
    char *names;
    size_t nlen, ncap;
} cv_lines;

typedef struct {
    td_log_builder *b;
    int have_epoch;
    double epoch;
    double epoch_base;     /* b of rule 3 */
    int frac_seen;         /* a line of this log had progress and an epoch */
    int open;              /* a row at the current epoch is being filled */
    double open_x;
    int stepped;           /* rule 2 applies */
    double step_raw, step_gap, step_offset, step_epoch;
    int have_step_raw;
    size_t rows;           /* rows at x = row committed */
    int row_mode;          /* rule 6: a shape repeated, row lines go straight in */
    size_t lines_with_pairs;
    const char *x_name;    /* x axis of the last row (a static string) */
    cv_lines held;         /* rule 6's held lines */
    cv_lines ep;           /* rule 5: the lines of the open epoch */
    int per_line;          /* rule 5: a key came twice in one epoch: a point a line */
    int have_epoch_rows;   /* a row at an epoch was made */
    cv_lines pend;         /* rule 2: lines after a step, attached when the next step continues */
    double last_step_x;
    cv_table table;        /* the console table whose rows follow, n 0: none (kept
                              until the next header: other lines come between) */
    cv_table vtable;       /* the last validation table ("Class ..."), n 0: none */
    cv_table copypaste;    /* detectron2's "copypaste: AP,AP50,..." names, n 0: none */
    /* shapes of the lines with pairs (after a dropped preamble, not those
     * attached to a step), for telling a log from a document with numbers */
    uint64_t xshape[64];
    size_t xcount[64], nxshape, xlines;
    int lfs;               /* line 1 is a Git LFS pointer's */
    /* the line without colour codes */
    char *clean;
    size_t clean_cap;
} cv_text;

enum { CV_HOLD_MAX = 100000 }; /* held lines past this are committed (no preamble is that long) */

static void *cv_text_new(td_log_builder *b)
{
    cv_text *t = calloc(1, sizeof *t);
    if (t) t->b = b;
    return t;
}

static void cv_text_free(void *st)
{
    cv_text *t = st;
    if (!t) return;
    free(t->held.line); free(t->held.pair); free(t->held.names);
    free(t->ep.line); free(t->ep.pair); free(t->ep.names);
    free(t->pend.line); free(t->pend.pair); free(t->pend.names);
    free(t->clean);
    free(t);
}

static td_code cv_oom(cv_text *t, td_err *e)
{
    return td_fail(e, TD_ENOMEM, "%s: out of memory", td_log_builder_source(t->b));
}

static td_code cv_add_kept(cv_text *t, const cv_lines *B, size_t i, td_err *e);
static int cv_key_repeats(const cv_lines *B);
static void cv_lines_clear(cv_lines *B);

/* Commit the open epoch's lines: one row at its x, or — when a key came
 * twice in it ("Epoch 1 - Batch loss: 0.81" a line) — a row a line at
 * x = open_x - 1 + (j+1)/J over its J lines. */
static td_code cv_close(cv_text *t, td_err *e)
{
    if (!t->open) return TD_OK;
    t->open = 0;
    td_code rc = TD_OK;
    cv_lines *B = &t->ep;
    if (!t->per_line && cv_key_repeats(B)) t->per_line = 1;
    if (!t->per_line) {
        td_log_builder_begin(t->b, t->open_x, B->n ? B->line[0].lineno : 0);
        for (size_t i = 0; i < B->n && rc == TD_OK; i++) rc = cv_add_kept(t, B, i, e);
        if (rc == TD_OK && td_log_builder_end(t->b) != TD_OK) rc = cv_oom(t, e);
    } else {
        for (size_t i = 0; i < B->n && rc == TD_OK; i++) {
            td_log_builder_begin(t->b, t->open_x - t->epoch_base + (double)(i + 1) / (double)B->n, B->line[i].lineno);
            rc = cv_add_kept(t, B, i, e);
            if (rc == TD_OK && td_log_builder_end(t->b) != TD_OK) rc = cv_oom(t, e);
        }
    }
    cv_lines_clear(B);
    return rc;
}

/* The x axis of the rows from now on (applies to runs not yet holding a point). */
static td_code cv_set_x(cv_text *t, const char *name, td_err *e)
{
    if (t->x_name == name) return TD_OK;
    t->x_name = name;
    return td_log_builder_x_name(t->b, name) == TD_OK ? TD_OK : cv_oom(t, e);
}

/* Add the pairs of L to the row being built. */
static td_code cv_add_pairs(cv_text *t, const cv_line_info *L, td_err *e)
{
    for (size_t k = 0; k < L->np; k++) {
        long col = td_log_builder_column(t->b, L->names + L->noff[k], L->nlen[k], L->pct[k]);
        if (col < 0 || td_log_builder_add(t->b, col, L->val[k]) != TD_OK) return cv_oom(t, e);
    }
    return TD_OK;
}

/* A whole row at x from L. */
static td_code cv_row(cv_text *t, double x, size_t lineno, const cv_line_info *L, td_err *e)
{
    td_code rc;
    td_log_builder_begin(t->b, x, lineno);
    if ((rc = cv_add_pairs(t, L, e)) != TD_OK) return rc;
    return td_log_builder_end(t->b) == TD_OK ? TD_OK : cv_oom(t, e);
}

/* ---- rule 6: held lines ------------------------------------------------- */

static int cv_grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap) return 0;
    size_t c = *cap ? *cap : 64;
    while (c < need) c += c / 2 + 1;
    void *q = realloc(*p, c * size);
    if (!q) return -1;
    *p = q;
    *cap = c;
    return 0;
}

static td_code cv_keep_line(cv_text *t, cv_lines *B, const cv_line_info *L, size_t lineno, td_err *e)
{
    if (cv_grow((void **)&B->line, &B->cap, B->n + 1, sizeof *B->line) ||
        cv_grow((void **)&B->pair, &B->pcap, B->np + L->np, sizeof *B->pair) ||
        cv_grow((void **)&B->names, &B->ncap, B->nlen + L->names_used, 1))
        return cv_oom(t, e);
    cv_held_line *h = &B->line[B->n++];
    h->lineno = lineno;
    h->first = B->np;
    h->np = L->np;
    h->shape = L->shape;
    for (size_t k = 0; k < L->np; k++) {
        cv_held_pair *p = &B->pair[B->np++];
        p->name_off = B->nlen + L->noff[k];
        p->name_len = L->nlen[k];
        p->v = L->val[k];
        p->pct = L->pct[k];
    }
    memcpy(B->names + B->nlen, L->names, L->names_used);
    B->nlen += L->names_used;
    return TD_OK;
}

static void cv_lines_clear(cv_lines *B) { B->n = B->np = B->nlen = 0; }

/* Add kept line i's pairs to the row being built. */
static td_code cv_add_kept(cv_text *t, const cv_lines *B, size_t i, td_err *e)
{
    const cv_held_line *h = &B->line[i];
    for (size_t k = h->first; k < h->first + h->np; k++) {
        const cv_held_pair *p = &B->pair[k];
        long col = td_log_builder_column(t->b, B->names + p->name_off, p->name_len, p->pct);
        if (col < 0 || td_log_builder_add(t->b, col, p->v) != TD_OK) return cv_oom(t, e);
    }
    return TD_OK;
}

/* Commit held line i as the next x = row row. */
static td_code cv_commit_held(cv_text *t, size_t i, td_err *e)
{
    td_log_builder_begin(t->b, (double)t->rows++, t->held.line[i].lineno);
    td_code rc = cv_add_kept(t, &t->held, i, e);
    if (rc != TD_OK) return rc;
    return td_log_builder_end(t->b) == TD_OK ? TD_OK : cv_oom(t, e);
}

static void cv_drop_held(cv_text *t) { cv_lines_clear(&t->held); }

/* How many held lines have shape. */
static size_t cv_shape_count(const cv_text *t, uint64_t shape)
{
    size_t c = 0;
    for (size_t i = 0; i < t->held.n; i++) c += t->held.line[i].shape == shape;
    return c;
}

/* Commit the held lines whose shape came at least min times (min 0: all),
 * then forget them all. */
static td_code cv_flush_held(cv_text *t, size_t min, td_err *e)
{
    td_code rc = TD_OK;
    if (t->held.n && (rc = cv_set_x(t, "row", e)) != TD_OK) return rc;
    for (size_t i = 0; i < t->held.n && rc == TD_OK; i++)
        if (min == 0 || cv_shape_count(t, t->held.line[i].shape) >= min) rc = cv_commit_held(t, i, e);
    cv_drop_held(t);
    return rc;
}

/* 1 when two kept lines of B give the same key (a point a line, not a
 * summary spread over several lines). */
static int cv_key_repeats(const cv_lines *B)
{
    for (size_t i = 0; i < B->np; i++)
        for (size_t j = i + 1; j < B->np; j++)
            if (B->pair[i].name_len == B->pair[j].name_len &&
                memcmp(B->names + B->pair[i].name_off, B->names + B->pair[j].name_off, B->pair[i].name_len) == 0)
                return 1;
    return 0;
}

/* ---- a line ----------------------------------------------------------- */

/* s without ANSI escape sequences, in t->clean; NULL on ENOMEM. */
static const char *cv_strip_ansi(cv_text *t, const char *s, size_t *n)
{
    if (!memchr(s, 27, *n)) return s;
    if (cv_grow((void **)&t->clean, &t->clean_cap, *n + 1, 1)) return NULL;
    size_t k = 0;
    for (size_t i = 0; i < *n; i++) {
        if (s[i] == 27 && i + 1 < *n && s[i + 1] == '[') {
            i += 2;
            while (i < *n && !((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z'))) i++;
            continue;
        }
        if (s[i] != 27) t->clean[k++] = s[i];
    }
    *n = k;
    return t->clean;
}

/* x for a line with a step key (rule 1). */
static double cv_step_x(cv_text *t, const cv_line_info *L)
{
    double raw = L->step;
    if (t->have_step_raw && raw < t->step_raw && t->have_epoch && t->epoch > t->step_epoch) {
        double gap = t->step_gap > 0 ? t->step_gap : 1;
        t->step_offset += t->step_raw - raw + gap; /* a per-epoch counter: continue */
    } else if (t->have_step_raw && raw > t->step_raw) {
        t->step_gap = raw - t->step_raw;
    }
    t->step_raw = raw;
    t->have_step_raw = 1;
    t->step_epoch = t->have_epoch ? t->epoch : 0;
    return raw + t->step_offset;
}

/* Count the shape of a line with pairs (64 shapes; when the table is
 * full a shape seen once makes room). */
static void cv_count_xshape(cv_text *t, uint64_t shape)
{
    t->xlines++;
    for (size_t i = 0; i < t->nxshape; i++)
        if (t->xshape[i] == shape) { t->xcount[i]++; return; }
    size_t cap = sizeof t->xshape / sizeof *t->xshape, at = t->nxshape;
    if (at == cap)
        for (at = 0; at < cap && t->xcount[at] > 1; at++) {}
    if (at < cap) {
        t->xshape[at] = shape;
        t->xcount[at] = 1;
        if (at == t->nxshape) t->nxshape++;
    }
}

/* The lines kept after the last step: attached to it (attach = 1) or
 * dropped (a new run's preamble). More than CV_ATTACH_MAX lines with pairs
 * between two steps are no evaluation summary but a dump (a resumed run's
 * configuration, a model print, an environment table): dropped too. */
enum { CV_ATTACH_MAX = 32 };
static td_code cv_flush_pending(cv_text *t, int attach, td_err *e)
{
    td_code rc = TD_OK;
    if (t->pend.n > CV_ATTACH_MAX) attach = 0;
    for (size_t i = 0; attach && i < t->pend.n && rc == TD_OK; i++) {
        if (!td_log_builder_attach(t->b, t->pend.line[i].lineno)) break;
        rc = cv_add_kept(t, &t->pend, i, e);
        if (rc == TD_OK && td_log_builder_end(t->b) != TD_OK) rc = cv_oom(t, e);
    }
    cv_lines_clear(&t->pend);
    return rc;
}

/* 1 when the counted lines look like a log's: the four commonest shapes
 * are at least half of them, the commonest at least twice (one line: yes). */
static int cv_log_like(const cv_text *t, size_t *top0)
{
    size_t top[4] = {0, 0, 0, 0};
    for (size_t i = 0; i < t->nxshape; i++) {
        size_t c = t->xcount[i];
        for (int k = 0; k < 4; k++)
            if (c > top[k]) { size_t tmp = top[k]; top[k] = c; c = tmp; }
    }
    *top0 = top[0];
    return t->xlines <= 1 || (top[0] >= 2 && 2 * (top[0] + top[1] + top[2] + top[3]) >= t->xlines);
}

/* The first line with a step, progress or an epoch: the lines before it
 * were a preamble — those held back are dropped, and rows already made of
 * them (a settings dump whose keys repeat across its sections) too when
 * they do not look like a log's lines. Their shapes are forgotten. */
static void cv_drop_preamble(cv_text *t)
{
    size_t top0;
    if (t->row_mode && !t->stepped && !t->have_epoch_rows && !cv_log_like(t, &top0)) {
        td_log_builder_drop_run(t->b);
        t->row_mode = 0;
        t->rows = 0;
    } else if (!t->held.n) {
        return;
    }
    cv_drop_held(t);
    t->nxshape = 0;
    t->xlines = 0;
}

/* 1 when the held lines of this shape do not all carry the same values (a
 * setting printed again is the same every time; a metric changes). */
static int cv_shape_varies(const cv_text *t, uint64_t shape)
{
    const cv_held_line *first = NULL;
    for (size_t i = 0; i < t->held.n; i++) {
        const cv_held_line *h = &t->held.line[i];
        if (h->shape != shape) continue;
        if (!first) { first = h; continue; }
        for (size_t k = 0; k < h->np && k < first->np; k++)
            if (t->held.pair[h->first + k].v != t->held.pair[first->first + k].v) return 1;
    }
    return 0;
}

static td_code cv_text_line(void *st, const char *s, size_t n, size_t lineno, td_err *e)
{
    cv_text *t = st;
    td_code rc;
    static const char lfs[] = "version https://git-lfs.github.com/spec/";
    if (lineno == 1 && n >= sizeof lfs - 1 && memcmp(s, lfs, sizeof lfs - 1) == 0) t->lfs = 1;
    /* last non-blank '\r' segment */
    for (size_t i = n; i > 0; i--) {
        if (s[i - 1] != '\r') continue;
        size_t k = i;
        while (k < n && (s[k] == ' ' || s[k] == '\t')) k++;
        if (k < n) { s += i; n -= i; break; }
        n = i - 1;
    }
    if (!(s = cv_strip_ansi(t, s, &n))) return cv_oom(t, e);
    cv_line_info L;
    size_t lead = 0;
    while (lead < n && (s[lead] == ' ' || s[lead] == '\t')) lead++;
    if (lead == n) return TD_OK;
    if (t->table.n == 0) cv_yolo_results_header(s, n, &t->table); /* a headerless results.txt */
    if (!cv_table_row(&t->table, s, n, &L) && !cv_table_row(&t->vtable, s, n, &L) &&
        !cv_copypaste(s, n, &t->copypaste, &L)) {
        cv_text_scan(s, n, &L);
        cv_table T;
        if (cv_table_header(s, n, &T) &&
            (L.np == 0 || (L.np == 1 && L.nlen[0] == T.len[T.n - 1] &&
                           memcmp(L.names + L.noff[0], T.names + T.off[T.n - 1], T.len[0 + T.n - 1]) == 0))) {
            /* a header; "mAP50-95: 100%" of its progress bar is no pair */
            if (T.val) t->vtable = T;
            else t->table = T;
            return TD_OK;
        }
    }
    if (L.config) return TD_OK;
    if (L.has_epoch) {
        if (t->open && L.epoch != t->open_x && (rc = cv_close(t, e)) != TD_OK) return rc;
        if (!t->have_epoch) t->epoch_base = L.epoch >= 1 ? 1 : 0;
        t->have_epoch = 1;
        t->epoch = L.epoch;
    }
    if (L.np == 0) return TD_OK;
    t->lines_with_pairs++;
    if (L.has_step || L.has_frac || L.has_epoch || t->have_epoch)
        cv_drop_preamble(t); /* before counting: the preamble's shapes go with it */
    /* lines attached to a step (rule 2: evaluation results, a settings dump
     * of a run appended later) do not count as the log's own lines */
    if (!(t->stepped && !L.has_step && !(t->have_epoch && L.has_frac))) cv_count_xshape(t, L.shape);
    if (L.has_step) {
        if ((rc = cv_close(t, e)) != TD_OK || (rc = cv_set_x(t, "step", e)) != TD_OK) return rc;
        if (!t->stepped) cv_drop_preamble(t);
        double x = cv_step_x(t, &L);
        if ((rc = cv_flush_pending(t, t->stepped && x >= t->last_step_x, e)) != TD_OK) return rc;
        t->stepped = 1;
        t->last_step_x = x;
        return cv_row(t, x, lineno, &L, e);
    }
    if (t->stepped && !(t->have_epoch && L.has_frac)) {
        /* a step row came before: wait for the next step to know whether
         * this line belongs to it (evaluation results) or to a new run's
         * preamble (the step counter goes back) */
        if ((rc = cv_close(t, e)) != TD_OK) return rc;
        return cv_keep_line(t, &t->pend, &L, lineno, e);
    }
    if (t->have_epoch && L.has_frac) {
        cv_drop_preamble(t);
        if ((rc = cv_close(t, e)) != TD_OK || (rc = cv_set_x(t, "epoch", e)) != TD_OK) return rc;
        t->frac_seen = 1;
        return cv_row(t, t->epoch - t->epoch_base + L.frac_i / L.frac_n, lineno, &L, e);
    }
    if (L.has_frac) {
        cv_drop_preamble(t);
        if ((rc = cv_set_x(t, "step", e)) != TD_OK) return rc;
        t->stepped = 1;
        return cv_row(t, L.frac_i, lineno, &L, e);
    }
    if (t->have_epoch) {
        cv_drop_preamble(t);
        if ((rc = cv_set_x(t, "epoch", e)) != TD_OK) return rc;
        double x = t->frac_seen ? t->epoch - t->epoch_base + 1 : t->epoch;
        if (!t->open || x != t->open_x) {
            if ((rc = cv_close(t, e)) != TD_OK) return rc;
            t->open = 1;
            t->open_x = x;
        }
        t->have_epoch_rows = 1;
        return cv_keep_line(t, &t->ep, &L, lineno, e);
    }
    if ((rc = cv_set_x(t, "row", e)) != TD_OK) return rc;
    if (t->row_mode) return cv_row(t, (double)t->rows++, lineno, &L, e);
    if ((rc = cv_keep_line(t, &t->held, &L, lineno, e)) != TD_OK) return rc;
    if ((cv_shape_count(t, L.shape) >= 3 && cv_shape_varies(t, L.shape)) || t->held.n >= CV_HOLD_MAX) {
        /* the log's own line shape: keep from its first line on */
        size_t first = 0;
        while (first < t->held.n && t->held.line[first].shape != L.shape && t->held.n < CV_HOLD_MAX) first++;
        for (size_t i = first; i < t->held.n && rc == TD_OK; i++) rc = cv_commit_held(t, i, e);
        cv_drop_held(t);
        t->row_mode = 1;
    }
    return rc;
}

static td_code cv_text_finish(void *st, td_err *e)
{
    cv_text *t = st;
    td_code rc = cv_close(t, e);
    if (rc == TD_OK) rc = cv_flush_pending(t, 1, e);
    if (rc != TD_OK) return rc;
    if (t->held.n) {
        int other_rows = t->rows > 0 || t->stepped || t->have_epoch;
        size_t held = t->held.n;
        if ((rc = cv_flush_held(t, 2, e)) != TD_OK) return rc;
        if (!other_rows && t->rows == 0)
            return td_fail(e, TD_EINPUT, "%s:1: not a training log: none of its %zu lines with `key: number` "
                           "pairs repeats another's keys (a log prints the same keys every step or epoch)",
                           td_log_builder_source(t->b), held);
    }
    /* a log prints the same keys every step or epoch */
    size_t top0;
    if (!cv_log_like(t, &top0))
        return td_fail(e, TD_EINPUT, "%s:1: not a training log: its %zu lines with `key: number` pairs name "
                       "%s (a log prints the same keys every step or epoch)",
                       td_log_builder_source(t->b), t->xlines,
                       top0 < 2 ? "no set of keys twice" : "mostly sets of keys that do not come again");
    if (t->lines_with_pairs == 0 && t->lfs)
        return td_fail(e, TD_EINPUT, "%s:1: a Git LFS pointer, not the file's content (git lfs pull fetches it)",
                       td_log_builder_source(t->b));
    if (t->lines_with_pairs == 0)
        return td_fail(e, TD_EINPUT, "%s:1: not a training log in a known format (no `key: number` pair found)",
                       td_log_builder_source(t->b));
    return TD_OK;
}

const td_log_parser td_log_parser_text = {
    TD_FMT_TEXT, cv_text_new, cv_text_free, cv_text_line, NULL, cv_text_finish,
};
