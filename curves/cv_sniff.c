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
 *     the separator), and every field name-like: not empty (a trailing
 *     empty field is allowed), at most one inner blank, no ": ", '=', '{',
 *     '[' or '(' (an empty first name is pandas' unnamed index);
 *  5. anything else is plain text (key: value lines).
 * The first line must be complete (ended by '\n') to decide 3-5. */
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

/* A header field [a, b) looks like a column name. */
static int cv_name_like(const char *s, size_t a, size_t b, int last)
{
    while (a < b && (s[a] == ' ' || s[a] == '"')) a++;
    while (b > a && (s[b - 1] == ' ' || s[b - 1] == '"')) b--;
    if (a == b) return last;
    int blanks = 0;
    for (size_t i = a; i < b; i++) {
        char c = s[i];
        if (c == ' ') blanks++;
        if (c == '=' || c == '{' || c == '[' || c == '(' || (c == ':' && i + 1 < b && s[i + 1] == ' '))
            return 0;
    }
    return blanks <= 1;
}

td_log_format td_log_sniff(const char *data, size_t len, int *binary)
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
    for (;;) { /* first non-blank line */
        while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r')) i++;
        if (i < len && data[i] == '\n') { i++; continue; }
        break;
    }
    if (i >= len) return TD_FMT_AUTO;
    const char *nl = memchr(data + i, '\n', len - i);
    if (!nl) return TD_FMT_AUTO;
    size_t a = i, b = (size_t)(nl - data);
    while (b > a && (data[b - 1] == '\r' || data[b - 1] == ' ' || data[b - 1] == '\t')) b--;
    if (data[a] == '{') return data[b - 1] == '}' && b - a > 1 ? TD_FMT_JSONL : TD_FMT_HF_STATE;
    int sep = td_log_csv_separator(data + a, b - a);
    if (sep) {
        int ok = 1;
        size_t f = a;
        for (size_t k = a; k <= b && ok; k++) {
            if (k == b || data[k] == sep) {
                ok = cv_name_like(data, f, k, k == b || f == a); /* pandas' index: an empty first name */
                f = k + 1;
            }
        }
        if (ok) return TD_FMT_CSV;
    }
    return TD_FMT_TEXT;
}
