/* cv_read_text.c — plain-text training logs: `key: number` / `key=number`
 * pairs on a line (Keras console "Epoch 3/50" + "loss: 0.41 - val_loss:
 * 0.52", Python logging "Epoch [1/50], Train Loss: 1.94, Val Acc: 17.37%",
 * printed dicts "{'loss': 2.3, 'epoch': 0.5}", "loss: tensor(2.30)").
 *
 * A line: only its last '\r' segment counts (progress bars). An epoch
 * marker — the word "epoch" followed by blanks, '[', ':', '=' or quotes and
 * a number (`Epoch 3/50`, `Epoch [3/50]`, `epoch: 3`, `Epoch 00018:`) —
 * sets the epoch; a zero-padded number before ':' is a Keras callback
 * message ("Epoch 00018: early stopping", 0-based) and not a marker. A pair is a key of one to three words (the first starting
 * with a letter; letters, digits, _ . / and inner -) right before ':' or
 * '=', then a number (optional tensor( ), then optional '%') ended by
 * the end, ',', ';', '|', ')', ']', '}', a quote, or blanks followed by the
 * end, a non-letter or the next key ("loss: 0.4 acc: 0.9"; not prose as
 * in "Training: 30 train / 300 val points"). fairseq-style lines, with two
 * or more '|', also give pairs from segments "key number" ("| loss 9.88 |"),
 * and a segment that is a lone split word ("| valid |") is a section. Lines without a pair are
 * ignored: they are not rows.
 * x: a step / global_step / iteration / iter / it key makes each line its
 * own row at that step; else the current epoch, the pairs of all lines of
 * one epoch forming one row (the last value of a key wins); else the
 * number of the line among those with pairs (from 0). */
#include "td_curves.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct {
    td_log_builder *b;
    int have_epoch;
    double epoch;
    int open;          /* a row at the current epoch is being filled */
    double open_x;
    size_t rows;       /* lines with pairs */
    const char *x_name; /* x axis of the last row (a static string) */
} cv_text;

static const char *cv_step_keys[] = {"step", "global_step", "iteration", "iter", "it", "steps", "num_updates"};

static void *cv_text_new(td_log_builder *b)
{
    cv_text *t = calloc(1, sizeof *t);
    if (t) t->b = b;
    return t;
}

static void cv_text_free(void *st) { free(st); }

static int cv_wordc(char c) { return isalnum((unsigned char)c) || c == '_' || c == '.' || c == '/'; }
static int cv_quote(char c) { return c == '\'' || c == '"'; }

/* A number at s[i..n): optional tensor( ... ), then optional '%', ended by
 * an allowed follower. Sets *v, *pct and returns the end index, or 0. */
static size_t cv_value(const char *s, size_t i, size_t n, double *v, int *pct)
{
    while (i < n && (s[i] == ' ' || cv_quote(s[i]))) i++;
    int tensor = 0;
    if (n - i > 7 && memcmp(s + i, "tensor(", 7) == 0) { tensor = 1; i += 7; }
    size_t a = i;
    while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '.' || s[i] == '-' || s[i] == '+')) i++;
    size_t b = i;
    if (a == b || td_log_parse_number(s + a, b - a, v) != 0) return 0;
    *pct = 0;
    if (i < n && s[i] == '%') { *pct = 1; i++; }
    if (tensor) {
        if (i < n && (s[i] == ')' || s[i] == ',')) return i; /* tensor(2.3, grad_fn=...) */
        return 0;
    }
    if (i == n) return i;
    char c = s[i];
    if (c == ',' || c == ';' || c == '|' || c == ')' || c == ']' || c == '}' || cv_quote(c)) return i;
    if (c != ' ' && c != '\t') return 0;
    /* after blanks: the end, a separator, or the next key (words, then ':' or '=') */
    size_t j = i;
    while (j < n && (s[j] == ' ' || s[j] == '\t')) j++;
    if (j == n || !isalpha((unsigned char)s[j])) return i;
    for (int words = 0; words < 3 && j < n && isalpha((unsigned char)s[j]); words++) {
        while (j < n && cv_wordc(s[j])) j++;
        while (j < n && s[j] == ' ') j++;
        if (j < n && (s[j] == ':' || s[j] == '=' || cv_quote(s[j]))) return i;
    }
    return 0; /* "30 train / 300 val points": a number inside prose */
}

/* s[i] may be part of a key word: letters, digits, _ . / and a '-' between
 * two letters or digits (a blank-dash-blank separates pairs instead). */
static int cv_keyc(const char *s, size_t i, size_t end)
{
    if (cv_wordc(s[i])) return 1;
    return s[i] == '-' && i > 0 && isalnum((unsigned char)s[i - 1]) && i + 1 < end &&
           isalnum((unsigned char)s[i + 1]);
}

/* The key ending right before position p (the ':' or '='): up to three
 * words, each starting with a letter, one blank apart. */
static int cv_key(const char *s, size_t p, size_t *ka, size_t *kb)
{
    size_t b = p;
    while (b > 0 && s[b - 1] == ' ') b--;
    if (b > 0 && cv_quote(s[b - 1])) b--;
    size_t a = b, cand = b;
    for (int words = 0; words < 3; words++) {
        size_t w = cand;
        while (w > 0 && cv_keyc(s, w - 1, b)) w--;
        if (w == cand || !isalpha((unsigned char)s[w])) break;
        a = w;
        if (w < 2 || s[w - 1] != ' ') break;
        cand = w - 1;
    }
    if (a == b) return 0;
    *ka = a;
    *kb = b;
    return 1;
}

/* Epoch marker in s[0..n): see the file comment. */
static int cv_epoch_marker(const char *s, size_t n, double *ep)
{
    for (size_t i = 0; i + 5 <= n; i++) {
        if (strncasecmp(s + i, "epoch", 5) != 0) continue;
        if (i > 0 && (isalnum((unsigned char)s[i - 1]) || s[i - 1] == '_')) continue;
        size_t j = i + 5;
        if (j < n && (isalnum((unsigned char)s[j]) || s[j] == '_')) continue;
        while (j < n && (s[j] == ' ' || s[j] == '[' || s[j] == ':' || s[j] == '=' || s[j] == '#' || cv_quote(s[j])))
            j++;
        size_t a = j;
        while (j < n && (isdigit((unsigned char)s[j]) || s[j] == '.')) j++;
        if (j - a > 1 && s[a] == '0' && s[a + 1] != '.' && j < n && s[j] == ':')
            continue; /* "Epoch 00018: early stopping" (but fairseq's "epoch 001 |" is one) */
        if (j > a && td_log_parse_number(s + a, j - a, ep) == 0) return 1;
    }
    return 0;
}

/* The key s[0..n) names a split (train/val/test words). */
static int cv_names_split(const char *s, size_t n)
{
    char name[128], base[8];
    if (n >= sizeof name) n = sizeof name - 1;
    memcpy(name, s, n);
    name[n] = '\0';
    td_metric_info mi;
    td_metric_parse_name(name, &mi, base, sizeof base);
    if (mi.split_named) return 1;
    if (n + 2 >= sizeof name) return 0;
    memcpy(name + n, " x", 3); /* a lone split word ("valid") names one too */
    td_metric_parse_name(name, &mi, base, sizeof base);
    return mi.split_named;
}

static int cv_is_step_key(const char *s, size_t a, size_t b)
{
    for (size_t i = 0; i < sizeof cv_step_keys / sizeof *cv_step_keys; i++)
        if (strlen(cv_step_keys[i]) == b - a && strncasecmp(s + a, cv_step_keys[i], b - a) == 0) return 1;
    return 0;
}

static td_code cv_oom(cv_text *t, td_err *e)
{
    return td_fail(e, TD_ENOMEM, "%s: out of memory", td_log_builder_source(t->b));
}

static td_code cv_close(cv_text *t, td_err *e)
{
    if (!t->open) return TD_OK;
    t->open = 0;
    return td_log_builder_end(t->b) == TD_OK ? TD_OK : cv_oom(t, e);
}

/* The x axis of the rows from now on (applies to runs not yet holding a point). */
static td_code cv_set_x(cv_text *t, const char *name, td_err *e)
{
    if (t->x_name == name) return TD_OK;
    t->x_name = name;
    return td_log_builder_x_name(t->b, name) == TD_OK ? TD_OK : cv_oom(t, e);
}

#define CV_MAX_PAIRS 64
/* The pairs found on one line. */
typedef struct {
    size_t ka[CV_MAX_PAIRS], kb[CV_MAX_PAIRS]; /* key bounds in the line */
    double val[CV_MAX_PAIRS];
    int pct[CV_MAX_PAIRS];
    size_t np;
    int has_step;      /* a step key was on the line */
    double step;
    size_t sa, sb;     /* a section naming a split ("Test set", "valid"), sb 0: none */
} cv_pairs;

/* Keep the key s[a, b) with the value in P->val[P->np]: "epoch" keys are
 * markers (read by cv_epoch_marker), step keys give x, the rest metrics. */
static void cv_pair(cv_pairs *P, const char *s, size_t a, size_t b)
{
    if (b - a >= 5 && strncasecmp(s + b - 5, "epoch", 5) == 0 && (b - a == 5 || s[b - 6] == ' '))
        return; /* "Epoch: 3", "Train Epoch: 3": the marker */
    if (cv_is_step_key(s, a, b) && P->val[P->np] == P->val[P->np]) {
        P->has_step = 1;
        P->step = P->val[P->np];
    } else if (P->np < CV_MAX_PAIRS) {
        P->ka[P->np] = a;
        P->kb[P->np] = b;
        P->np++;
    }
}

static td_code cv_text_line(void *st, const char *s, size_t n, size_t lineno, td_err *e)
{
    cv_text *t = st;
    td_code rc;
    /* last non-blank '\r' segment */
    for (size_t i = n; i > 0; i--) {
        if (s[i - 1] != '\r') continue;
        size_t k = i;
        while (k < n && (s[k] == ' ' || s[k] == '\t')) k++;
        if (k < n) { s += i; n -= i; break; }
        n = i - 1;
    }
    double ep;
    if (cv_epoch_marker(s, n, &ep)) {
        if (t->open && ep != t->open_x && (rc = cv_close(t, e)) != TD_OK) return rc;
        t->have_epoch = 1;
        t->epoch = ep;
    }
    /* collect pairs */
    cv_pairs P;
    P.np = 0;
    P.has_step = 0;
    P.step = 0;
    P.sa = P.sb = 0;
    for (size_t i = 0; i < n && P.np < CV_MAX_PAIRS; i++) {
        if (s[i] != ':' && s[i] != '=') continue;
        size_t a, b, end;
        if (!cv_key(s, i, &a, &b)) continue;
        if ((end = cv_value(s, i + 1, n, &P.val[P.np], &P.pct[P.np])) == 0) {
            size_t j = i + 1;
            while (j < n && s[j] == ' ') j++;
            if (s[i] == ':' && j < n && isalpha((unsigned char)s[j]) && cv_names_split(s + a, b - a)) {
                P.sa = a;
                P.sb = b;
            }
            continue;
        }
        cv_pair(&P, s, a, b);
        i = end - 1;
    }
    /* fairseq-style "| epoch 001 | loss 9.88 | ppl 954 | num_updates 100": a
     * segment between '|' that is a key, blanks and a number; a segment
     * that is a lone split word ("valid") is a section */
    size_t bars = 0;
    for (size_t i = 0; i < n; i++) bars += s[i] == '|';
    for (size_t i = 0; bars >= 2 && i < n && P.np < CV_MAX_PAIRS;) {
        size_t a = i, b;
        while (a < n && s[a] == '|') a++;
        b = a;
        while (b < n && s[b] != '|') b++;
        i = b;
        while (a < b && (s[a] == ' ' || s[a] == '\t')) a++;
        size_t e2 = b;
        while (e2 > a && (s[e2 - 1] == ' ' || s[e2 - 1] == '\t')) e2--;
        if (a == e2 || memchr(s + a, ':', e2 - a) || memchr(s + a, '=', e2 - a) || !isalpha((unsigned char)s[a]))
            continue;
        size_t k = a;
        while (k < e2 && cv_keyc(s, k, e2)) k++;
        if (k == e2) {
            if (cv_names_split(s + a, e2 - a)) { P.sa = a; P.sb = e2; }
            continue;
        }
        size_t v = k;
        while (v < e2 && (s[v] == ' ' || s[v] == '\t')) v++;
        if (v == k || v == e2) continue;
        int pc = 0;
        size_t ve = e2;
        if (s[ve - 1] == '%') { pc = 1; ve--; }
        if (td_log_parse_number(s + v, ve - v, &P.val[P.np]) != 0) continue;
        P.pct[P.np] = pc;
        cv_pair(&P, s, a, k);
    }
    if (P.np == 0) return TD_OK;
    double x;
    if (P.has_step) {
        if ((rc = cv_close(t, e)) != TD_OK || (rc = cv_set_x(t, "step", e)) != TD_OK) return rc;
        x = P.step;
        td_log_builder_begin(t->b, x, lineno);
    } else if (t->have_epoch) {
        if ((rc = cv_set_x(t, "epoch", e)) != TD_OK) return rc;
        x = t->epoch;
        if (!t->open) {
            td_log_builder_begin(t->b, x, lineno);
            t->open = 1;
            t->open_x = x;
        }
    } else {
        if ((rc = cv_set_x(t, "row", e)) != TD_OK) return rc;
        x = (double)t->rows;
        td_log_builder_begin(t->b, x, lineno);
    }
    for (size_t k = 0; k < P.np; k++) {
        size_t a = P.ka[k], b = P.kb[k];
        long col;
        if (P.sb && a > P.sb && !cv_names_split(s + a, b - a)) { /* "Test set: Average loss" */
            char name[256];
            int m = snprintf(name, sizeof name, "%.*s %.*s", (int)(P.sb - P.sa), s + P.sa, (int)(b - a), s + a);
            col = td_log_builder_column(t->b, name, m < (int)sizeof name ? (size_t)m : sizeof name - 1, P.pct[k]);
        } else {
            col = td_log_builder_column(t->b, s + a, b - a, P.pct[k]);
        }
        if (col < 0 || td_log_builder_add(t->b, col, P.val[k]) != TD_OK) return cv_oom(t, e);
    }
    t->rows++;
    if (!t->open) return td_log_builder_end(t->b) == TD_OK ? TD_OK : cv_oom(t, e);
    return TD_OK;
}

static td_code cv_text_finish(void *st, td_err *e)
{
    cv_text *t = st;
    td_code rc = cv_close(t, e);
    if (rc != TD_OK) return rc;
    if (t->rows == 0)
        return td_fail(e, TD_EINPUT, "%s:1: not a training log in a known format (no `key: number` pair found)",
                       td_log_builder_source(t->b));
    return TD_OK;
}

const td_log_parser td_log_parser_text = {
    TD_FMT_TEXT, cv_text_new, cv_text_free, cv_text_line, NULL, cv_text_finish,
};
