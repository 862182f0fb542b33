/* cv_text_line.c — what one console line says: pairs, step, epoch marker,
 * progress i/N, configuration dump. The grammar is stated in cv_text.h. */
#include "cv_text.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

static const char *cv_step_keys[] = {"step", "global_step", "iteration", "iter", "it", "steps", "num_updates",
                                     "batch"};

static int cv_wordc(char c) { return isalnum((unsigned char)c) || c == '_' || c == '.' || c == '/'; }
static int cv_quote(char c) { return c == '\'' || c == '"'; }
static int cv_blank(char c) { return c == ' ' || c == '\t'; }

/* s[i..n) starts a number: a digit, or a sign or '.' then a digit. */
static int cv_number_start(const char *s, size_t i, size_t n)
{
    if (i >= n) return 0;
    if (isdigit((unsigned char)s[i])) return 1;
    if ((s[i] == '-' || s[i] == '+' || s[i] == '.') && i + 1 < n) {
        if (isdigit((unsigned char)s[i + 1])) return 1;
        return s[i] != '.' && s[i + 1] == '.' && i + 2 < n && isdigit((unsigned char)s[i + 2]);
    }
    return 0;
}

/* s[j..n) (at a letter) starts the next pair: up to three words, then ':',
 * '=', a quote, the word "is", or one blank and a number. */
static int cv_next_key(const char *s, size_t j, size_t n)
{
    for (int words = 0; words < 3 && j < n && isalpha((unsigned char)s[j]); words++) {
        size_t w = j;
        while (j < n && cv_wordc(s[j])) j++;
        if (j < n && (s[j] == ':' || s[j] == '=' || cv_quote(s[j]))) return 1;
        if (j - w == 2 && strncasecmp(s + w, "is", 2) == 0 && words > 0) return 1;
        size_t k = j;
        while (k < n && s[k] == ' ') k++;
        if (k < n && (s[k] == ':' || s[k] == '=')) return 1;
        if (k == j + 1 && cv_number_start(s, k, n)) return 1;
        j = k;
    }
    return 0;
}

/* A whole number written with thousands separators at s[a..): 1-3 digits
 * (not starting with 0) at s[a, b), then one or more ",ddd" groups not
 * followed by a digit, optionally ".digits" ("5,242,880", "8,641.5").
 * Writes *v and returns the end, or 0 when s[a..] is not one. */
static size_t cv_grouped(const char *s, size_t a, size_t b, size_t n, double *v)
{
    if (b - a > 3 || s[a] == '0' || b >= n || s[b] != ',') return 0;
    for (size_t k = a; k < b; k++) if (!isdigit((unsigned char)s[k])) return 0;
    char buf[64];
    size_t m = 0, i = b;
    for (size_t k = a; k < b; k++) buf[m++] = s[k];
    while (i + 3 < n && s[i] == ',' && isdigit((unsigned char)s[i + 1]) && isdigit((unsigned char)s[i + 2]) &&
           isdigit((unsigned char)s[i + 3]) && (i + 4 >= n || !isdigit((unsigned char)s[i + 4])) && m + 3 < 40) {
        memcpy(buf + m, s + i + 1, 3);
        m += 3;
        i += 4;
    }
    if (i == b || (i + 1 < n && s[i] == ',' && isdigit((unsigned char)s[i + 1]))) return 0; /* "1,234,5": a list */
    if (i < n && s[i] == '.') {
        buf[m++] = s[i++];
        while (i < n && isdigit((unsigned char)s[i]) && m + 1 < sizeof buf) buf[m++] = s[i++];
    }
    if (i < n && (isalnum((unsigned char)s[i]) || s[i] == '.')) return 0;
    return td_log_parse_number(buf, m, v) == 0 ? i : 0;
}

/* A number at s[i..n): optional tensor( ... ), then optional '%', ended by
 * an allowed follower (kv: a "key v" pair, which may also end at ':').
 * Sets *v, *pct and returns the end index, or 0. */
static size_t cv_value(const char *s, size_t i, size_t n, int kv, double *v, int *pct)
{
    if (!kv) while (i < n && (s[i] == ' ' || cv_quote(s[i]))) i++;
    int tensor = 0;
    if (n - i > 7 && memcmp(s + i, "tensor(", 7) == 0) { tensor = 1; i += 7; }
    size_t a = i;
    while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '.' || s[i] == '-' || s[i] == '+')) i++;
    size_t b = i;
    if (a == b) return 0;
    if ((i = cv_grouped(s, a, b, n, v)) != 0) {
        b = i; /* "8,641", "5,242,880" */
    } else {
        i = b;
        if (td_log_parse_number(s + a, b - a, v) != 0) return 0;
    }
    *pct = 0;
    if (i < n && s[i] == '%') { *pct = 1; i++; }
    if (tensor) {
        if (i < n && (s[i] == ')' || s[i] == ',')) return i; /* tensor(2.3, grad_fn=...) */
        return 0;
    }
    if (i == n) return i;
    char c = s[i];
    if (c == ',' || c == ';' || c == '|') return i;
    if (kv && c == ':') return i;
    if (!kv && (c == ')' || c == ']' || c == '}' || cv_quote(c))) return i;
    if (!cv_blank(c)) return 0;
    /* after blanks: the end, a separator, or the next key */
    size_t j = i;
    while (j < n && cv_blank(s[j])) j++;
    if (j == n) return i;
    if (!isalpha((unsigned char)s[j])) return kv ? (s[j] == '|' || s[j] == '-' || s[j] == '(' ? i : 0) : i;
    if (cv_next_key(s, j, n)) return i;
    /* a unit ending the line or a clause: "0.0381 s/iter.", "12.3 ms, ..." */
    size_t u = j;
    while (u < n && (isalpha((unsigned char)s[u]) || s[u] == '/' || s[u] == '.')) u++;
    if ((u - j == 3 && strncmp(s + j, "day", 3) == 0) || (u - j == 4 && strncmp(s + j, "days", 4) == 0))
        return 0; /* Python's timedelta "1 day, 16:43:35" (an eta): no number */
    if (!kv && u - j <= 8 && (u == n || s[u] == ',' || s[u] == ';' || s[u] == '|')) return i;
    return 0; /* not "30 train / 300 val points" */
}

/* s[i] may be part of a key word: letters, digits, _ . / and a '-' between
 * two letters or digits (a blank-dash-blank separates pairs instead). */
static int cv_keyc(const char *s, size_t i, size_t end)
{
    if (cv_wordc(s[i])) return 1;
    return s[i] == '-' && i > 0 && isalnum((unsigned char)s[i - 1]) && i + 1 < end &&
           isalnum((unsigned char)s[i + 1]);
}

/* Words that make a key prose ("Saved new best model with accuracy: 41.6",
 * "setting loss scale to: 16384"): such a key is no metric. */
static const char *cv_prose_words[] = {"with", "of", "the", "to", "for", "at", "in", "on", "by", "from",
                                       "and", "new", "saved", "save", "saving", "is", "are", "was", "setting",
                                       "after", "since", "until"};
/* Source files ("Controller.cpp:314]"): a key ending like one is no metric. */
static const char *cv_source_ext[] = {".cpp", ".cc", ".c", ".h", ".hpp", ".py", ".cu", ".java", ".go", ".rs"};

static int cv_prose_key(const char *s, size_t a, size_t b)
{
    for (size_t i = a; i < b;) {
        size_t j = i;
        while (j < b && s[j] != ' ') j++;
        for (size_t k = 0; k < sizeof cv_prose_words / sizeof *cv_prose_words; k++)
            if (strlen(cv_prose_words[k]) == j - i && strncasecmp(s + i, cv_prose_words[k], j - i) == 0) return 1;
        i = j + 1;
    }
    for (size_t k = 0; k < sizeof cv_source_ext / sizeof *cv_source_ext; k++) {
        size_t m = strlen(cv_source_ext[k]);
        if (b - a > m && strncasecmp(s + b - m, cv_source_ext[k], m) == 0) return 1;
    }
    return 0;
}

/* The word right before position i (one blank apart) is a prose word. */
static int cv_prose_before(const char *s, size_t i)
{
    if (i < 2 || s[i - 1] != ' ') return 0;
    size_t b = i - 1, a = b;
    while (a > 0 && isalpha((unsigned char)s[a - 1])) a--;
    if (a == b) return 0;
    for (size_t k = 0; k < sizeof cv_prose_words / sizeof *cv_prose_words; k++)
        if (strlen(cv_prose_words[k]) == b - a && strncasecmp(s + a, cv_prose_words[k], b - a) == 0) return 1;
    return 0;
}

/* The key ending right before position p (the ':', '=' or blank): up to
 * maxw words, each starting with a letter, one blank apart, not reaching
 * back over a word that ends a sentence ("0.0015 s/iter. Inference:" ->
 * "Inference"); 0 when there is none or it is prose (cv_prose_key). */
static int cv_key(const char *s, size_t p, int maxw, size_t *ka, size_t *kb)
{
    size_t b = p;
    while (b > 0 && s[b - 1] == ' ') b--;
    if (b > 0 && cv_quote(s[b - 1])) b--;
    size_t a = b, cand = b;
    for (int words = 0; words < maxw; words++) {
        size_t w = cand;
        while (w > 0 && cv_keyc(s, w - 1, b)) w--;
        if (w == cand || !isalpha((unsigned char)s[w])) break;
        if (words > 0 && s[cand - 1] == '.') break; /* that word ends a sentence */
        a = w;
        if (w < 2 || s[w - 1] != ' ') break;
        cand = w - 1;
    }
    if (a == b || cv_prose_key(s, a, b)) return 0;
    *ka = a;
    *kb = b;
    return 1;
}

/* Epoch marker in s[0..n): see cv_text.h. Sets *ep and *num_at (where its
 * number starts). */
static int cv_epoch_marker(const char *s, size_t n, double *ep, size_t *num_at)
{
    for (size_t i = 0; i + 5 <= n; i++) {
        if (strncasecmp(s + i, "epoch", 5) != 0) continue;
        if (i > 0 && (isalnum((unsigned char)s[i - 1]) || s[i - 1] == '_')) continue;
        size_t j = i + 5;
        if (j < n && (isalnum((unsigned char)s[j]) || s[j] == '_')) continue;
        if (cv_prose_before(s, i)) continue; /* "Best results observed at epoch 232" */
        size_t eq = j;
        while (j < n && (s[j] == ' ' || s[j] == '[' || s[j] == ':' || s[j] == '=' || s[j] == '#' || cv_quote(s[j])))
            j++;
        if (i >= 2 && s[i - 1] == ' ' && isdigit((unsigned char)s[i - 2]) && memchr(s + eq, '=', j - eq))
            continue; /* "1 epoch = 2640 batches": a definition */
        size_t a = j;
        while (j < n && (isdigit((unsigned char)s[j]) || s[j] == '.')) j++;
        if (j - a > 1 && s[a] == '0' && s[a + 1] != '.' && j < n && s[j] == ':')
            continue; /* "Epoch 00018: early stopping" (but fairseq's "epoch 001 |" is one) */
        if (j > a && td_log_parse_number(s + a, j - a, ep) == 0) { *num_at = a; return 1; }
        /* "in 0 epoch": a whole number, blank, then the word */
        if (i >= 2 && s[i - 1] == ' ' && isdigit((unsigned char)s[i - 2])) {
            size_t b = i - 1, d = b;
            while (d > 0 && isdigit((unsigned char)s[d - 1])) d--;
            if ((d == 0 || s[d - 1] == ' ') && td_log_parse_number(s + d, b - d, ep) == 0) {
                *num_at = d;
                return 1;
            }
        }
    }
    return 0;
}

/* Progress i/N: see cv_text.h. skip: where the epoch marker's number
 * starts (its "3/50" is not progress), or (size_t)-1. */
static int cv_progress(const char *s, size_t n, size_t skip, double *fi, double *fn)
{
    size_t lead = 0;
    while (lead < n && cv_blank(s[lead])) lead++;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]) || (i > 0 && (isalnum((unsigned char)s[i - 1]) || s[i - 1] == '.' ||
                                                        s[i - 1] == '/' || s[i - 1] == '-')))
            continue;
        size_t a = i;
        while (i < n && isdigit((unsigned char)s[i])) i++;
        if (i >= n || s[i] != '/' || a == skip) continue;
        size_t c = ++i;
        while (i < n && isdigit((unsigned char)s[i])) i++;
        if (i == c || (i < n && (isalnum((unsigned char)s[i]) || s[i] == '/' || s[i] == '.'))) continue;
        int ok = a == lead;
        if (!ok) { /* in brackets that hold no ':' */
            size_t l = a;
            while (l > 0 && s[l - 1] == ' ') l--;
            if (l > 0 && s[l - 1] == '[') {
                size_t r = i;
                while (r < n && s[r] != ']' && s[r] != ':' && s[r] != '[') r++;
                ok = r < n && s[r] == ']';
            }
        }
        double x, y;
        if (!ok || td_log_parse_number(s + a, c - 1 - a, &x) || td_log_parse_number(s + c, i - c, &y) ||
            y < 1 || x > y)
            continue;
        *fi = x;
        *fn = y;
        return 1;
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

/* The kind of metric a key names. */
static td_metric_kind cv_key_kind(const char *s, size_t a, size_t b)
{
    char name[128], base[64];
    size_t n = b - a < sizeof name - 1 ? b - a : sizeof name - 1;
    memcpy(name, s + a, n);
    name[n] = '\0';
    td_metric_info mi;
    td_metric_parse_name(name, &mi, base, sizeof base);
    return mi.kind;
}

/* A setting's value at s[j..n) is one token: it ends the line, or is
 * followed by , ; ) } ] or by blanks and the next key= / key: ("flip=False,
 * opt='Adam'", "lr=0.1 opt=adam"); a value followed by more words is prose
 * ("Warning: you must specify ...", "INFO:root:Epoch [1/6]"). */
static int cv_setting_ends(const char *s, size_t j, size_t n)
{
    while (j < n && !cv_blank(s[j]) && !strchr(",;)}]", s[j])) j++;
    while (j < n && cv_blank(s[j])) j++;
    if (j >= n || strchr(",;)}]", s[j])) return 1;
    while (j < n && (isalnum((unsigned char)s[j]) || s[j] == '_' || s[j] == '.' || s[j] == '-')) j++;
    return j < n && (s[j] == '=' || s[j] == ':');
}

/* Configuration dump: see cv_text.h. */
static int cv_config(const char *s, size_t n)
{
    static const char *reprs[] = {"Namespace(", "Config("};
    for (size_t r = 0; r < sizeof reprs / sizeof *reprs; r++) {
        size_t m = strlen(reprs[r]);
        for (size_t i = 0; i + m <= n; i++)
            if (memcmp(s + i, reprs[r], m) == 0 && (i == 0 || !isalnum((unsigned char)s[i - 1]))) return 1;
    }
    size_t num = 0, other = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != ':' && s[i] != '=') continue;
        size_t a, b;
        if (!cv_key(s, i, 3, &a, &b)) continue;
        if (s[i] == ':' && i + 1 < n && s[i + 1] == ':') { i++; continue; } /* C++ names */
        size_t j = i + 1;
        while (j < n && (s[j] == ' ' || cv_quote(s[j]))) j++;
        if (j >= n) continue;
        double v;
        int pct;
        if (cv_value(s, i + 1, n, 0, &v, &pct)) num++;
        else if (!isdigit((unsigned char)s[j]) && cv_setting_ends(s, j, n)) other++;
        /* "eta: 0:10:11" is a time, "Warning: you must ..." prose: no setting */
    }
    return num + other >= 3 && other > num;
}

/* Keep the pair: its name is s[a, b), prefixed by the section sec[0..ns)
 * when there is one and the key names no split itself. */
static void cv_keep(cv_line_info *L, const char *s, size_t a, size_t b, const char *sec, size_t ns,
                    double v, int pct)
{
    if (L->np >= CV_MAX_PAIRS) return;
    if (b - a >= 5 && strncasecmp(s + b - 5, "epoch", 5) == 0 && (b - a == 5 || s[b - 6] == ' '))
        return; /* "Epoch: 3", "Train Epoch: 3": the marker */
    if (cv_is_step_key(s, a, b)) {
        if (v == v) { L->has_step = 1; L->step = v; }
        return;
    }
    if (b - a == 2 && strncasecmp(s + a, "ep", 2) == 0) { /* "ep: 0, batch: 20" */
        if (!L->has_epoch && v == v) { L->has_epoch = 1; L->epoch = v; }
        return;
    }
    /* the first word of a key naming a split ("Val" of "Val Loss"): a key
     * repeated later on the line takes it ("Train Loss | Token Acc | Val
     * Loss | Token Acc": the second is the validation one) */
    size_t w1 = a;
    while (w1 < b && s[w1] != ' ' && s[w1] != '_' && s[w1] != '/') w1++;
    int repeated = 0;
    for (size_t q = 0; q < L->np && !repeated; q++)
        repeated = L->nlen[q] == b - a && memcmp(L->names + L->noff[q], s + a, b - a) == 0;
    if (!ns && repeated && L->lastsplit_n) { sec = L->lastsplit; ns = L->lastsplit_n; }
    if (w1 < b && cv_names_split(s + a, w1 - a)) { L->lastsplit = s + a; L->lastsplit_n = w1 - a; }
    size_t need = (ns ? ns + 1 : 0) + (b - a);
    if (L->names_used + need > CV_NAMES_CAP) return;
    char *d = L->names + L->names_used;
    if (ns && !cv_names_split(s + a, b - a)) { /* "Test set: Average loss" */
        memcpy(d, sec, ns);
        d[ns] = ' ';
        memcpy(d + ns + 1, s + a, b - a);
    } else {
        need = b - a;
        memcpy(d, s + a, b - a);
    }
    L->noff[L->np] = L->names_used;
    L->nlen[L->np] = need;
    L->val[L->np] = v;
    L->pct[L->np] = pct;
    L->np++;
    L->names_used += need;
}

/* Lines that hold numbers but no point of a curve: comments ("# LR
 * reduced at the 28 epoch"), W&B's run summary ("wandb: best/epoch 298"),
 * pycocotools' summary table (" Average Precision (AP) @[ IoU=0.50 ...")
 * and progress updates of a running value inside an epoch: a progress bar
 * ("[=====>....]", "━━━", "|████  |") at i/N with i < N (Keras and tqdm
 * print the epoch's average so far; the line at N/N is kept). */
static int cv_ignored(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && cv_blank(s[i])) i++;
    if (i < n && s[i] == '#') return 1;
    if (n - i >= 6 && strncmp(s + i, "wandb:", 6) == 0) return 1;
    for (size_t k = i; k + 7 <= n; k++)
        if (memcmp(s + k, "@[ IoU=", 7) == 0) return 1;
    int bar = 0;
    for (size_t k = 0; k + 2 < n && !bar; k++)
        bar = (s[k] == '[' && (s[k + 1] == '=' || s[k + 1] == '.' || s[k + 1] == '>')) ||
              ((unsigned char)s[k] == 0xE2 && (unsigned char)s[k + 1] == 0x94 && (unsigned char)s[k + 2] == 0x81) ||
              ((unsigned char)s[k] == 0xE2 && (unsigned char)s[k + 1] == 0x96 && (unsigned char)s[k + 2] == 0x88) ||
              (s[k] == '|' && s[k + 1] == '#');
    if (!bar) return 0;
    double fi, fn;
    return cv_progress(s, n, (size_t)-1, &fi, &fn) && fi < fn;
}

/* FNV-1a over the pair names in order: the line's shape. */
static uint64_t cv_shape(const cv_line_info *L)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t k = 0; k < L->np; k++) {
        for (size_t c = 0; c < L->nlen[k]; c++) { h ^= (unsigned char)L->names[L->noff[k] + c]; h *= 1099511628211ull; }
        h ^= 0xff;
        h *= 1099511628211ull;
    }
    return h;
}

void cv_text_scan(const char *s, size_t n, cv_line_info *L)
{
    L->np = 0;
    L->names_used = 0;
    L->config = 0;
    L->has_step = L->has_epoch = L->has_frac = 0;
    L->step = L->epoch = L->frac_i = L->frac_n = 0;
    L->shape = 0;
    L->lastsplit = NULL;
    L->lastsplit_n = 0;
    if (cv_config(s, n) || cv_ignored(s, n)) { L->config = 1; return; }
    size_t marker_at = (size_t)-1;
    L->has_epoch = cv_epoch_marker(s, n, &L->epoch, &marker_at);
    L->has_frac = cv_progress(s, n, marker_at, &L->frac_i, &L->frac_n);
    size_t bars = 0;
    for (size_t i = 0; i < n; i++) bars += s[i] == '|';
    /* sections and pairs, left to right ("key v" pairs only where no '|'
     * segments are: those are fairseq's, read below with their sections) */
    size_t sa = 0, sb = 0;              /* current section name */
    for (size_t i = 0; i + 6 <= n; i++) /* mmdetection's "Epoch(val) [1][200]": the line's section */
        if (strncasecmp(s + i, "epoch(", 6) == 0) {
            size_t j = i + 6;
            while (j < n && isalpha((unsigned char)s[j])) j++;
            if (j < n && s[j] == ')' && j > i + 6 && cv_names_split(s + i + 6, j - i - 6)) { sa = i + 6; sb = j; }
            break;
        }
    size_t kv_at[CV_MAX_PAIRS], nkv = 0; /* "key v" pairs, checked at the end */
    for (size_t i = 0; i < n && L->np < CV_MAX_PAIRS; i++) {
        size_t a, b, end, from;
        int kv = 0;
        if (s[i] == ':' || s[i] == '=') {
            if (!cv_key(s, i, 3, &a, &b)) continue;
            from = i + 1;
        } else if (s[i] == ' ' && i > 0 && cv_keyc(s, i - 1, n) && i + 4 <= n && strncasecmp(s + i + 1, "is ", 3) == 0) {
            if (!cv_key(s, i, 3, &a, &b)) continue;           /* "Loss is 0.54" */
            from = i + 4;
        } else if (bars < 2 && s[i] == ' ' && i > 0 && cv_keyc(s, i - 1, n) && cv_number_start(s, i + 1, n)) {
            if (!cv_key(s, i, 3, &a, &b)) continue;           /* "loss 4.23,", "best test loss 0.93" */
            from = i + 1;
            kv = 1;
        } else {
            continue;
        }
        double v;
        int pct;
        if ((end = cv_value(s, from, n, kv, &v, &pct)) == 0) {
            size_t j = i + 1;
            while (j < n && s[j] == ' ') j++;
            if (s[i] == ':' && j < n && isalpha((unsigned char)s[j]) && cv_names_split(s + a, b - a)) {
                sa = a; /* "Test set: Average loss: ..." */
                sb = b;
            }
            continue;
        }
        size_t before = L->np;
        cv_keep(L, s, a, b, s + sa, sb - sa, v, pct);
        if (kv && L->np > before) kv_at[nkv++] = before;
        i = end - 1;
    }
    /* fairseq-style "| epoch 001 | loss 9.88 | ppl 954 | num_updates 100": a
     * segment between '|' that is a key, blanks and a number; a segment
     * that is a lone split word ("valid") is a section */
    for (size_t i = 0; bars >= 2 && i < n && L->np < CV_MAX_PAIRS;) {
        size_t a = i, b;
        while (a < n && s[a] == '|') a++;
        b = a;
        while (b < n && s[b] != '|') b++;
        i = b;
        while (a < b && cv_blank(s[a])) a++;
        size_t e2 = b;
        while (e2 > a && cv_blank(s[e2 - 1])) e2--;
        if (a == e2 || memchr(s + a, ':', e2 - a) || memchr(s + a, '=', e2 - a) || !isalpha((unsigned char)s[a]))
            continue;
        size_t k = a;
        while (k < e2 && cv_keyc(s, k, e2)) k++;
        if (k == e2) {
            if (cv_names_split(s + a, e2 - a)) { sa = a; sb = e2; }
            continue;
        }
        size_t v = k;
        while (v < e2 && cv_blank(s[v])) v++;
        if (v == k || v == e2) continue;
        int pc = 0;
        size_t ve = e2;
        if (s[ve - 1] == '%') { pc = 1; ve--; }
        double val;
        if (td_log_parse_number(s + v, ve - v, &val) != 0) continue;
        cv_keep(L, s, a, k, s + sa, sb - sa, val, pc);
    }
    /* a lone "key v" pair counts only for a metric of known kind */
    if (nkv == 1) {
        size_t k = kv_at[0];
        if (cv_key_kind(L->names + L->noff[k], 0, L->nlen[k]) == TD_METRIC_OTHER) {
            memmove(L->noff + k, L->noff + k + 1, (L->np - k - 1) * sizeof *L->noff);
            memmove(L->nlen + k, L->nlen + k + 1, (L->np - k - 1) * sizeof *L->nlen);
            memmove(L->val + k, L->val + k + 1, (L->np - k - 1) * sizeof *L->val);
            memmove(L->pct + k, L->pct + k + 1, (L->np - k - 1) * sizeof *L->pct);
            L->np--;
        }
    }
    L->shape = cv_shape(L);
}

/* ---- console tables ------------------------------------------------------ */

/* The blank-separated tokens of s[0..n) up to and including the first that
 * ends with ':' (that ':' left out): bounds in a[], b[]; returns the count
 * (at most max), or max + 1 when there are more. */
static size_t cv_tokens(const char *s, size_t n, size_t *a, size_t *b, size_t max)
{
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        while (i < n && cv_blank(s[i])) i++;
        if (i == n) break;
        size_t x = i;
        while (i < n && !cv_blank(s[i])) i++;
        if (k == max) return max + 1;
        a[k] = x;
        b[k] = i;
        if (s[i - 1] == ':') { b[k]--; return k + 1; }
        k++;
    }
    return k;
}

static void cv_yolo_loss_names(cv_table *T);
static int cv_fraction(const char *s, size_t a, size_t b, double *fi, double *fn);

int cv_table_header(const char *s, size_t n, cv_table *T)
{
    size_t a[CV_MAX_PAIRS], b[CV_MAX_PAIRS];
    size_t k = cv_tokens(s, n, a, b, CV_MAX_PAIRS);
    if (k < 3 || k > CV_MAX_PAIRS) return 0;
    size_t used = 0;
    for (size_t i = 0; i < k; i++) {
        size_t x = a[i], y = b[i];
        while (x < y && !isalpha((unsigned char)s[x])) x++;     /* "Box(P" -> "P" */
        if (x < y && memchr(s + x, '(', y - x)) x = (size_t)((const char *)memchr(s + x, '(', y - x) - s) + 1;
        while (y > x && (s[y - 1] == ')' || s[y - 1] == ',')) y--;
        if (x == y || !isalpha((unsigned char)s[a[i]]) || used + (y - x) > sizeof T->names) return 0;
        for (size_t c = x; c < y; c++)
            if (s[c] == '=' || s[c] == '\'' || s[c] == '"' ||
                (s[c] == ':' && !(c > x && isdigit((unsigned char)s[c - 1]) && c + 1 < y &&
                                  (s[c + 1] == '.' || isdigit((unsigned char)s[c + 1])))))
                return 0; /* "mAP@.5:.95" is a range, "loss:" a pair */
        memcpy(T->names + used, s + x, y - x);
        T->off[i] = used;
        T->len[i] = y - x;
        used += y - x;
    }
    T->n = k;
    T->val = T->len[0] == 5 && strncasecmp(T->names + T->off[0], "class", 5) == 0;
    cv_yolo_loss_names(T);
    return 1;
}

/* YOLOv5 (< 7.0) and YOLOv7 name their loss columns box, obj, cls, total
 * (a table with a gpu_mem column): they become box_loss, ... */
static void cv_yolo_loss_names(cv_table *T)
{
    int yolo = 0;
    for (size_t i = 0; i < T->n && !yolo; i++)
        yolo = T->len[i] == 7 && strncasecmp(T->names + T->off[i], "gpu_mem", 7) == 0;
    if (!yolo) return;
    static const char *losses[] = {"box", "obj", "cls", "total"};
    char names[sizeof T->names];
    size_t used = 0;
    for (size_t i = 0; i < T->n; i++) {
        const char *nm = T->names + T->off[i];
        size_t len = T->len[i], add = 0;
        for (size_t k = 0; k < sizeof losses / sizeof *losses; k++)
            if (strlen(losses[k]) == len && strncasecmp(nm, losses[k], len) == 0) add = 5;
        if (used + len + add > sizeof names) return;
        memcpy(names + used, nm, len);
        memcpy(names + used + len, "_loss", add);
        T->off[i] = used;
        T->len[i] = len + add;
        used += len + add;
    }
    memcpy(T->names, names, used);
}

/* The columns of YOLOv5's (< 4.0) and YOLOv7's headerless results.txt,
 * fixed by their train.py: "0/299 1.85G box obj cls total labels img_size
 * P R mAP@.5 mAP@.5:.95 val_box val_obj val_cls". */
static const char *const cv_yolo_results_cols[] = {
    "epoch", "gpu_mem", "train/box_loss", "train/obj_loss", "train/cls_loss", "train/total_loss", "labels",
    "img_size", "metrics/precision", "metrics/recall", "metrics/mAP_0.5", "metrics/mAP_0.5:0.95",
    "val/box_loss", "val/obj_loss", "val/cls_loss",
};

/* Token s[a, b) is a whole-number fraction "i/N": *fi, *fn. */
static int cv_fraction(const char *s, size_t a, size_t b, double *fi, double *fn)
{
    const char *sl = memchr(s + a, '/', b - a);
    if (!sl || sl == s + a || sl + 1 == s + b) return 0;
    for (const char *c = s + a; c < s + b; c++)
        if (c != sl && !isdigit((unsigned char)*c)) return 0;
    return td_log_parse_number(s + a, (size_t)(sl - s) - a, fi) == 0 &&
           td_log_parse_number(sl + 1, (size_t)(s + b - sl - 1), fn) == 0;
}

int cv_yolo_results_header(const char *s, size_t n, cv_table *T)
{
    enum { NC = sizeof cv_yolo_results_cols / sizeof *cv_yolo_results_cols };
    size_t a[CV_MAX_PAIRS], b[CV_MAX_PAIRS];
    if (cv_tokens(s, n, a, b, CV_MAX_PAIRS) != NC) return 0;
    double v, fi, fn;
    /* "E/N", then memory "1.85G" (or "0"), then numbers */
    if (!cv_fraction(s, a[0], b[0], &fi, &fn)) return 0;
    size_t m = b[1] > a[1] && (s[b[1] - 1] == 'G' || s[b[1] - 1] == 'M') ? b[1] - 1 : b[1];
    if (td_log_parse_number(s + a[1], m - a[1], &v) != 0) return 0;
    for (size_t i = 2; i < NC; i++)
        if (td_log_parse_number(s + a[i], b[i] - a[i], &v) != 0) return 0;
    size_t used = 0;
    for (size_t i = 0; i < NC; i++) {
        size_t len = strlen(cv_yolo_results_cols[i]);
        memcpy(T->names + used, cv_yolo_results_cols[i], len);
        T->off[i] = used;
        T->len[i] = len;
        used += len;
    }
    T->n = NC;
    T->val = 0;
    return 1;
}

int cv_table_row(const cv_table *T, const char *s, size_t n, cv_line_info *L)
{
    size_t a[CV_MAX_PAIRS], b[CV_MAX_PAIRS];
    if (T->n == 0 || cv_tokens(s, n, a, b, CV_MAX_PAIRS) != T->n) return 0;
    /* the first cell is what its column holds: a class name ("all") under
     * "Class", a number or E/N under "Epoch" (a validation row and a
     * training row of as many cells are told apart) */
    double v0, f0, f1;
    int num0 = td_log_parse_number(s + a[0], b[0] - a[0], &v0) == 0 || cv_fraction(s, a[0], b[0], &f0, &f1);
    if (T->val ? num0 : (T->len[0] == 5 && strncasecmp(T->names + T->off[0], "epoch", 5) == 0 && !num0)) return 0;
    cv_line_info R;
    R.np = R.names_used = 0;
    R.config = R.has_step = R.has_epoch = R.has_frac = 0;
    R.step = R.epoch = R.frac_i = R.frac_n = 0;
    size_t numeric = 0;
    for (size_t i = 0; i < T->n; i++) {
        double v;
        const char *name = T->names + T->off[i];
        const char *slash = memchr(s + a[i], '/', b[i] - a[i]);
        size_t vb = slash ? (size_t)(slash - s) : b[i];
        if (td_log_parse_number(s + a[i], vb - a[i], &v) != 0) continue;
        numeric++;
        if (T->len[i] == 5 && strncasecmp(name, "epoch", 5) == 0) { R.has_epoch = 1; R.epoch = v; continue; }
        if (slash) continue;                                     /* "3/10" in another column */
        if (cv_is_step_key(name, 0, T->len[i])) { R.has_step = 1; R.step = v; continue; }
        size_t pre = T->val ? 4 : 0;
        if (R.names_used + pre + T->len[i] > CV_NAMES_CAP) continue;
        memcpy(R.names + R.names_used, "val/", pre);
        memcpy(R.names + R.names_used + pre, name, T->len[i]);
        R.noff[R.np] = R.names_used;
        R.nlen[R.np] = pre + T->len[i];
        R.val[R.np] = v;
        R.pct[R.np] = 0;
        R.names_used += pre + T->len[i];
        R.np++;
    }
    if (2 * numeric < T->n || R.np == 0) return 0;
    R.shape = cv_shape(&R);
    *L = R;
    return 1;
}

int cv_copypaste(const char *s, size_t n, cv_table *names, cv_line_info *L)
{
    static const char tag[] = "copypaste: ";
    size_t m = sizeof tag - 1, at = 0;
    while (at + m <= n && (memcmp(s + at, tag, m) != 0 || (at > 0 && s[at - 1] != ' '))) at++;
    if (at + m > n) return 0;
    size_t i = at + m, k = 0, used = 0, nums = 0;
    size_t a[CV_MAX_PAIRS], b[CV_MAX_PAIRS];
    while (i < n && k < CV_MAX_PAIRS) {
        size_t x = i;
        while (i < n && s[i] != ',') i++;
        size_t y = i;
        while (x < y && cv_blank(s[x])) x++;
        while (y > x && cv_blank(s[y - 1])) y--;
        if (x == y || memchr(s + x, ' ', y - x)) return 0; /* names and numbers hold no blank */
        a[k] = x;
        b[k++] = y;
        double v;
        nums += td_log_parse_number(s + x, y - x, &v) == 0;
        if (i < n) i++;
    }
    if (k == 0 || i < n) return 0;
    if (nums == 0) { /* the names */
        for (size_t j = 0; j < k; j++) {
            if (used + (b[j] - a[j]) > sizeof names->names) return 0;
            memcpy(names->names + used, s + a[j], b[j] - a[j]);
            names->off[j] = used;
            names->len[j] = b[j] - a[j];
            used += b[j] - a[j];
        }
        names->n = k;
        names->val = 1;
        L->np = 0;
        L->config = 1; /* nothing to add from this line */
        return 1;
    }
    if (nums != k || names->n != k) return 0; /* "copypaste: Task: bbox" and the like */
    cv_line_info R;
    memset(&R, 0, sizeof R);
    for (size_t j = 0; j < k; j++) {
        double v;
        td_log_parse_number(s + a[j], b[j] - a[j], &v);
        if (R.names_used + 4 + names->len[j] > CV_NAMES_CAP) break;
        memcpy(R.names + R.names_used, "val/", 4);
        memcpy(R.names + R.names_used + 4, names->names + names->off[j], names->len[j]);
        R.noff[R.np] = R.names_used;
        R.nlen[R.np] = 4 + names->len[j];
        R.val[R.np] = v;
        R.names_used += 4 + names->len[j];
        R.np++;
    }
    R.shape = cv_shape(&R);
    names->n = 0;
    *L = R;
    return 1;
}
