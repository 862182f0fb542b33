/* cv_sniff.c — guess a log's format from its first bytes.
 *
 * Rules, in order:
 *  1. 12+ bytes whose first 8 (a little-endian record length) carry a
 *     valid masked CRC-32C in the next 4: a TensorBoard event file;
 *  2. control bytes other than tab/CR/FF/ESC/BS in the first line (or
 *     first 4 KiB): binary (not a log);
 *  3. the first non-blank line starts with '{': a JSON object per line
 *     when that line also ends with '}', else a whole JSON document
 *     (trainer_state.json);
 *  4. a CSV header: ',', ';' or tab in the line (the most frequent one is
 *     the separator) giving two or more fields, none of them a number,
 *     none empty but the first (pandas' unnamed index) or the last, none a
 *     key: value pair (": ", '=' or '{') or a sentence (three blanks), and
 *     at most half starting with a digit (a time stamp); brackets, quotes
 *     and parentheses in a name do not matter ("out_tensor([0.])",
 *     "time(s)", "acc(top1)"). Then the next non-blank line decides: CSV
 *     when it has as many fields (double quotes may hold the separator),
 *     else text; when the input ends after the header, CSV;
 *  5. anything else is plain text (key: value lines).
 * The first line must be complete (ended by '\n') to decide 3-5, and for
 * a CSV header the second line too, unless the input has ended. */
#include "td_curves.h"

#include <string.h>

int td_log_csv_separator(const char *s, size_t n)
{
    static const char seps[] = {',', ';', '\t'};
    size_t best = 0;
    int sep = 0;
    for (size_t k = 0; k < sizeof seps; k++) {
        size_t c = 0;
        for (size_t i = 0; i < n; i++) c += s[i] == seps[k];
        if (c > best) { best = c; sep = seps[k]; }
    }
    return sep;
}

/* What the fields of one line (quote-aware, trimmed of blanks and
 * quotes) look like. */
typedef struct {
    size_t nfields, empty_inner, pure_numbers;
    size_t prose;      /* fields with three or more blanks: a sentence */
    size_t digit_lead; /* fields starting with a digit */
    int pairs; /* a field holds ": ", '=' or '{' */
    int first_empty, last_empty;
} cv_fields;

static void cv_scan_fields(const char *s, size_t n, int sep, cv_fields *f)
{
    memset(f, 0, sizeof *f);
    size_t a = 0;
    int q = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] == '"') q = !q;
        if (i < n && (q || s[i] != sep)) continue;
        size_t x = a, y = i;
        while (x < y && (s[x] == ' ' || s[x] == '"' || s[x] == '\t')) x++;
        while (y > x && (s[y - 1] == ' ' || s[y - 1] == '"' || s[y - 1] == '\t')) y--;
        if (x == y) {
            if (f->nfields == 0) f->first_empty = 1;
            else if (i == n) f->last_empty = 1;
            else f->empty_inner++;
        }
        double v;
        size_t blanks = 0;
        for (size_t k = x; k < y; k++) blanks += s[k] == ' ';
        f->prose += blanks >= 3;
        f->digit_lead += x < y && s[x] >= '0' && s[x] <= '9';
        if (x < y && td_log_parse_number(s + x, y - x, &v) == 0) f->pure_numbers++;
        for (size_t k = x; k < y; k++)
            if (s[k] == '=' || s[k] == '{' || (s[k] == ':' && k + 1 < y && s[k + 1] == ' ')) f->pairs = 1;
        f->nfields++;
        a = i + 1;
    }
}

/* Bounds of the first non-blank line at or after i: [*a, *b) without the
 * line end; 0 when no complete line is there. */
static int cv_next_line(const char *data, size_t len, size_t i, size_t *a, size_t *b, size_t *next)
{
    for (;;) {
        while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r')) i++;
        if (i < len && data[i] == '\n') { i++; continue; }
        break;
    }
    if (i >= len) return 0;
    const char *nl = memchr(data + i, '\n', len - i);
    if (!nl) return 0;
    *a = i;
    *b = (size_t)(nl - data);
    while (*b > *a && (data[*b - 1] == '\r' || data[*b - 1] == ' ' || data[*b - 1] == '\t')) (*b)--;
    *next = (size_t)(nl - data) + 1;
    return 1;
}

td_log_format td_log_sniff(const char *data, size_t len, int final, int *binary)
{
    *binary = 0;
    const unsigned char *u = (const unsigned char *)data;
    if (len < 12 && !memchr(data, '\n', len)) return TD_FMT_AUTO; /* maybe an event file: wait */
    if (len >= 12) {
        if (td_crc32c_masked(data, 8) == ((uint32_t)u[8] | (uint32_t)u[9] << 8 |
                                          (uint32_t)u[10] << 16 | (uint32_t)u[11] << 24))
            return TD_FMT_TFEVENTS;
    }
    size_t scan = len < 4096 ? len : 4096;
    for (size_t i = 0; i < scan && u[i] != '\n'; i++) { /* the first line; later NULs are found by line */
        unsigned char c = u[i];
        if (c < 32 && c != '\t' && c != '\r' && c != '\n' && c != '\f' && c != 27 && c != '\b') {
            *binary = 1;
            return TD_FMT_AUTO;
        }
    }
    size_t i = 0;
    if (len >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) i = 3; /* UTF-8 BOM */
    size_t a, b, next;
    if (!cv_next_line(data, len, i, &a, &b, &next)) return TD_FMT_AUTO;
    if (data[a] == '{') return data[b - 1] == '}' && b - a > 1 ? TD_FMT_JSONL : TD_FMT_HF_STATE;
    int sep = td_log_csv_separator(data + a, b - a);
    if (!sep) return TD_FMT_TEXT;
    cv_fields h;
    cv_scan_fields(data + a, b - a, sep, &h);
    if (h.nfields < 2 || h.pure_numbers || h.empty_inner || h.pairs || h.prose || 2 * h.digit_lead > h.nfields)
        return TD_FMT_TEXT;
    size_t a2, b2, next2;
    if (!cv_next_line(data, len, next, &a2, &b2, &next2))
        return final ? TD_FMT_CSV : TD_FMT_AUTO; /* the data line decides: wait for it */
    cv_fields d;
    cv_scan_fields(data + a2, b2 - a2, sep, &d);
    return d.nfields == h.nfields ? TD_FMT_CSV : TD_FMT_TEXT;
}
