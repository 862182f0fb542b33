/* st_csv.c — a small CSV splitter for trials tables: RFC 4180 quoting
 * ("" inside quotes, separators and newlines inside quotes), the separator
 * (',' ';' or tab) chosen as the most frequent one outside quotes in the
 * header line, CRLF, a UTF-8 BOM, blank lines skipped, unquoted fields
 * trimmed, an empty header name called "index" (pandas' to_csv index
 * column) or "column<k>". In a ';'-separated table (what a spreadsheet
 * writes where ',' is the decimal mark) a cell that is a number with one
 * decimal comma ("0,25", "-1,5E-03") is read with a decimal point. */
#include "td_study.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    char **f;
    size_t n, cap;
} st_fields;

static int fields_push(st_fields *fs, const char *s, size_t len)
{
    if (fs->n == fs->cap) {
        size_t cap = fs->cap ? 2 * fs->cap : 16;
        char **f = realloc(fs->f, cap * sizeof *f);
        if (!f) return -1;
        fs->f = f;
        fs->cap = cap;
    }
    char *c = malloc(len + 1);
    if (!c) return -1;
    memcpy(c, s, len);
    c[len] = '\0';
    fs->f[fs->n++] = c;
    return 0;
}

static void fields_clear(st_fields *fs)
{
    for (size_t i = 0; i < fs->n; i++) free(fs->f[i]);
    fs->n = 0;
}

/* Split one record starting at *pos into fs; advances *pos past its end
 * and *line by the newlines consumed. Returns 0, -1 (memory) or -2 (an
 * unterminated quote). A field's text is unquoted; *blank is set when the
 * record is an empty line. */
static int csv_record(const char *d, size_t len, size_t *pos, size_t *line, char sep,
                      st_fields *fs, int *blank)
{
    size_t i = *pos;
    char *buf = NULL;
    size_t bl = 0, bc = 0;
    int quoted_any = 0, rc = 0;
    *blank = 1;
    for (;;) {
        /* one field */
        bl = 0;
        int quoted = (i < len && d[i] == '"');
        if (quoted) {
            quoted_any = 1;
            i++;
            for (;;) {
                if (i >= len) { rc = -2; goto done; }
                char c = d[i];
                if (c == '"') {
                    if (i + 1 < len && d[i + 1] == '"') { c = '"'; i++; }
                    else { i++; break; }
                } else if (c == '\n') (*line)++;
                if (bl + 1 >= bc) {
                    size_t nc = bc ? 2 * bc : 64;
                    char *nb = realloc(buf, nc);
                    if (!nb) { rc = -1; goto done; }
                    buf = nb;
                    bc = nc;
                }
                buf[bl++] = c;
                i++;
            }
            /* text after the closing quote up to the separator is kept */
        }
        size_t start = i;
        while (i < len && d[i] != sep && d[i] != '\n' && d[i] != '\r') i++;
        if (i > start) {
            size_t add = i - start;
            if (bl + add + 1 > bc) {
                size_t nc = bl + add + 64;
                char *nb = realloc(buf, nc);
                if (!nb) { rc = -1; goto done; }
                buf = nb;
                bc = nc;
            }
            memcpy(buf + bl, d + start, add);
            bl += add;
        }
        if (!quoted) { /* unquoted fields are trimmed (padded columns) */
            size_t a = 0;
            while (a < bl && (buf[a] == ' ' || (buf[a] == '\t' && sep != '\t'))) a++;
            while (bl > a && (buf[bl - 1] == ' ' || (buf[bl - 1] == '\t' && sep != '\t'))) bl--;
            if (a) { memmove(buf, buf + a, bl - a); bl -= a; }
        }
        if (bl || quoted) *blank = 0;
        if (fields_push(fs, buf ? buf : "", bl) != 0) { rc = -1; goto done; }
        if (i < len && d[i] == sep) { *blank = 0; i++; continue; }
        /* end of record */
        if (i < len && d[i] == '\r') i++;
        if (i < len && d[i] == '\n') { i++; (*line)++; }
        break;
    }
done:
    (void)quoted_any;
    free(buf);
    *pos = i;
    return rc;
}

/* "12,5" / "-1,5E-03" -> "12.5" / "-1.5E-03" in place; anything else is left. */
static void decimal_comma(char *v)
{
    char *p = v, *comma = NULL;
    if (*p == '+' || *p == '-') p++;
    if (!(*p >= '0' && *p <= '9')) return;
    while (*p >= '0' && *p <= '9') p++;
    if (*p != ',') return;
    comma = p++;
    if (!(*p >= '0' && *p <= '9')) return;
    while (*p >= '0' && *p <= '9') p++;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-') p++;
        if (!(*p >= '0' && *p <= '9')) return;
        while (*p >= '0' && *p <= '9') p++;
    }
    if (!*p) *comma = '.';
}

static char pick_sep(const char *d, size_t len)
{
    size_t nc = 0, ns = 0, nt = 0;
    int q = 0;
    for (size_t i = 0; i < len && (q || d[i] != '\n'); i++) {
        if (d[i] == '"') q = !q;
        else if (!q && d[i] == ',') nc++;
        else if (!q && d[i] == ';') ns++;
        else if (!q && d[i] == '\t') nt++;
    }
    if (ns > nc && ns >= nt) return ';';
    if (nt > nc && nt > ns) return '\t';
    return ',';
}

td_code td_st_csv(const char *name, const char *data, size_t len, td_st_table *t, td_err *e)
{
    memset(t, 0, sizeof *t);
    size_t pos = 0, line = 1;
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) pos = 3;
    st_fields fs = {0};
    size_t rowcap = 0;
    td_code rc = TD_OK;
    char sep = 0;
    while (pos < len) {
        size_t at = line;
        int blank = 0;
        fields_clear(&fs);
        if (!sep) sep = pick_sep(data + pos, len - pos);
        int r = csv_record(data, len, &pos, &line, sep, &fs, &blank);
        if (r == -1) { rc = td_fail(e, TD_ENOMEM, "%s: out of memory", name); goto fail; }
        if (r == -2) { rc = td_fail(e, TD_EINPUT, "%s: line %zu: unterminated quoted field", name, at); goto fail; }
        if (blank) continue;
        if (!t->names) {
            t->names = fs.f;
            t->ncol = fs.n;
            fs.f = NULL;
            fs.n = fs.cap = 0;
            for (size_t c = 0; c < t->ncol; c++)
                if (!t->names[c][0]) { /* pandas to_csv writes its index under "" */
                    char nm[32];
                    snprintf(nm, sizeof nm, c == 0 ? "index" : "column%zu", c + 1);
                    free(t->names[c]);
                    if (!(t->names[c] = strdup(nm))) { rc = td_fail(e, TD_ENOMEM, "%s: out of memory", name); goto fail; }
                }
            continue;
        }
        if (fs.n != t->ncol) {
            rc = td_fail(e, TD_EINPUT, "%s: line %zu: %zu fields, the header has %zu", name, at, fs.n, t->ncol);
            goto fail;
        }
        if (t->nrow == rowcap) {
            size_t cap = rowcap ? 2 * rowcap : 64, bytes;
            if (td_mul_size(cap, t->ncol * sizeof(char *), &bytes) != 0) {
                rc = td_fail(e, TD_ENOMEM, "%s: table too large", name);
                goto fail;
            }
            char **cells = realloc(t->cells, bytes);
            size_t *rows = cells ? realloc(t->row, cap * sizeof *rows) : NULL;
            if (cells) t->cells = cells;
            if (!cells || !rows) { rc = td_fail(e, TD_ENOMEM, "%s: out of memory", name); goto fail; }
            t->row = rows;
            rowcap = cap;
        }
        for (size_t c = 0; c < t->ncol; c++) {
            char *v = fs.f[c];
            if (!v[0]) { free(v); v = NULL; } /* empty cell = missing */
            else if (sep == ';') decimal_comma(v);
            t->cells[t->nrow * t->ncol + c] = v;
        }
        fs.n = 0;
        t->row[t->nrow++] = at;
    }
    fields_clear(&fs); /* a trailing blank record leaves one empty field */
    free(fs.f);
    if (!t->names) return td_fail(e, TD_EINPUT, "%s: line 1: empty table, no header", name);
    t->row_word = "line";
    return TD_OK;
fail:
    fields_clear(&fs);
    free(fs.f);
    td_st_table_free(t);
    return rc;
}
