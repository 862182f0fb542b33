/* cv_read.c — td_log_reader: bytes in (as they arrive), complete lines or
 * records out to the format's parser (td_log_parser), runs growing in the
 * td_log. Also the whole-file and in-memory entry points. */
#include "td_curves.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct td_log_reader {
    td_log *log;
    td_log_builder *b;
    const td_log_parser *p;  /* NULL until the format is known */
    void *st;
    td_log_format want;
    char *pend;              /* partial line, or unconsumed bytes of a byte parser */
    size_t plen, pcap;
    size_t lineno;           /* complete lines handed to the parser */
    td_err fail;             /* sticky error */
    int finished;
    unsigned bom;            /* bytes of a leading UTF-8 BOM matched so far; 4: settled */
    size_t expect;           /* lines the whole input has (estimate), 0: unknown */
};

static const td_log_parser *const cv_parsers[] = {
    NULL, &td_log_parser_csv, &td_log_parser_hf, &td_log_parser_jsonl,
    &td_log_parser_text, &td_log_parser_tfevents,
};
static const char *const cv_fmt_names[] = {"auto", "csv", "hf", "jsonl", "text", "tfevents"};

const char *td_log_format_name(td_log_format fmt)
{
    return (unsigned)fmt < 6 ? cv_fmt_names[fmt] : "auto";
}

int td_log_format_parse(const char *name)
{
    static const struct { const char *n; td_log_format f; } alias[] = {
        {"tsv", TD_FMT_CSV}, {"json", TD_FMT_HF_STATE}, {"trainer_state", TD_FMT_HF_STATE},
        {"tensorboard", TD_FMT_TFEVENTS}, {"txt", TD_FMT_TEXT}, {"jsonlines", TD_FMT_JSONL},
    };
    for (int i = 0; i < 6; i++) if (strcmp(name, cv_fmt_names[i]) == 0) return i;
    for (size_t i = 0; i < sizeof alias / sizeof *alias; i++)
        if (strcmp(name, alias[i].n) == 0) return (int)alias[i].f;
    return -1;
}

td_log_reader *td_log_reader_new(const char *source, td_log_format fmt)
{
    td_log_reader *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->log = td_log_new(source);
    if (!r->log) { free(r); return NULL; }
    r->want = fmt;
    td_err_clear(&r->fail);
    return r;
}

void td_log_reader_free(td_log_reader *r)
{
    if (!r) return;
    if (r->p && r->st) r->p->state_free(r->st);
    td_log_builder_free(r->b);
    td_log_free(r->log);
    free(r->pend);
    free(r);
}

const td_log *td_log_reader_log(const td_log_reader *r) { return r->log; }
size_t td_log_reader_rows(const td_log_reader *r) { return r->lineno; }

td_log *td_log_reader_take(td_log_reader *r)
{
    td_log *fresh = td_log_new(r->log->source);
    if (!fresh) return NULL;
    td_log *out = r->log;
    r->log = fresh;
    if (r->p && r->st) r->p->state_free(r->st);
    r->st = NULL;
    r->p = NULL;
    td_log_builder_free(r->b);
    r->b = NULL;
    return out;
}

/* Remember err as the reader's sticky failure and return its code. */
static void cv_stick(td_log_reader *r, td_code rc, const td_err *local)
{
    if (local->msg[0]) r->fail = *local;
    else td_fail(&r->fail, rc, "%s: %s", r->log->source, td_code_name(rc));
    r->fail.code = rc;
}

static int cv_append(td_log_reader *r, const char *data, size_t len)
{
    if (r->plen + len + 1 > r->pcap) {
        size_t cap = r->pcap ? r->pcap : 4096;
        while (cap < r->plen + len + 1) cap += cap / 2 + 1;
        char *p = realloc(r->pend, cap);
        if (!p) return -1;
        r->pend = p;
        r->pcap = cap;
    }
    if (len) memcpy(r->pend + r->plen, data, len);
    r->plen += len;
    r->pend[r->plen] = '\0';
    return 0;
}

static td_code cv_start(td_log_reader *r, td_log_format fmt, td_err *e)
{
    r->p = cv_parsers[fmt];
    r->log->format = fmt;
    r->b = td_log_builder_new(r->log, fmt != TD_FMT_TFEVENTS);
    if (!r->b) return td_fail(e, TD_ENOMEM, "%s: out of memory", r->log->source);
    td_log_builder_expect(r->b, r->expect);
    r->st = r->p->state_new(r->b);
    if (!r->st) return td_fail(e, TD_ENOMEM, "%s: out of memory", r->log->source);
    return TD_OK;
}

static td_code cv_nul(td_log_reader *r, size_t lineno, td_err *e)
{
    return td_fail(e, TD_EINPUT, "%s:%zu: binary data (NUL byte), not a %s log", r->log->source, lineno,
                   td_log_format_name(r->p->fmt));
}

/* Hand one complete line to the parser (NULs were checked by the caller). */
static td_code cv_line(td_log_reader *r, const char *s, size_t n, td_err *e)
{
    r->lineno++;
    if (n > TD_LOG_MAX_LINE)
        return td_fail(e, TD_EINPUT, "%s:%zu: line longer than %u bytes", r->log->source,
                       r->lineno, TD_LOG_MAX_LINE);
    while (n && s[n - 1] == '\r') n--; /* CRLF, and "\r\r\n" of a file written twice through text mode */
    return r->p->line(r->st, s, n, r->lineno, e);
}

/* Hand complete lines of data to the parser; keep the partial tail. */
static td_code cv_lines(td_log_reader *r, const char *data, size_t len, td_err *e)
{
    td_code rc;
    if (r->plen) { /* complete the pending partial line first */
        const char *nl = memchr(data, '\n', len);
        if (!nl) {
            if (r->plen + len > TD_LOG_MAX_LINE)
                return td_fail(e, TD_EINPUT, "%s:%zu: line longer than %u bytes",
                               r->log->source, r->lineno + 1, TD_LOG_MAX_LINE);
            return cv_append(r, data, len) ? td_fail(e, TD_ENOMEM, "%s: out of memory", r->log->source) : TD_OK;
        }
        size_t k = (size_t)(nl - data);
        if (r->plen + k > TD_LOG_MAX_LINE)
            return td_fail(e, TD_EINPUT, "%s:%zu: line longer than %u bytes", r->log->source,
                           r->lineno + 1, TD_LOG_MAX_LINE);
        if (cv_append(r, data, k)) return td_fail(e, TD_ENOMEM, "%s: out of memory", r->log->source);
        size_t n = r->plen;
        r->plen = 0;
        if (memchr(r->pend, '\0', n)) return cv_nul(r, r->lineno + 1, e);
        if ((rc = cv_line(r, r->pend, n, e)) != TD_OK) return rc;
        data = nl + 1;
        len -= k + 1;
    }
    const char *end = data + len;
    const char *nul = memchr(data, '\0', len); /* one scan a chunk, not one a line */
    while (data < end) {
        const char *nl = memchr(data, '\n', (size_t)(end - data));
        if (!nl) break;
        if (nul && nul < nl) return cv_nul(r, r->lineno + 1, e);
        if ((rc = cv_line(r, data, (size_t)(nl - data), e)) != TD_OK) return rc;
        data = nl + 1;
    }
    if (nul && nul >= data) return cv_nul(r, r->lineno + 1, e);
    if (data < end) {
        if ((size_t)(end - data) > TD_LOG_MAX_LINE)
            return td_fail(e, TD_EINPUT, "%s:%zu: line longer than %u bytes", r->log->source,
                           r->lineno + 1, TD_LOG_MAX_LINE);
        if (cv_append(r, data, (size_t)(end - data)))
            return td_fail(e, TD_ENOMEM, "%s: out of memory", r->log->source);
    }
    return TD_OK;
}

static td_code cv_bytes(td_log_reader *r, const char *data, size_t len, int final, td_err *e)
{
    if (len && cv_append(r, data, len)) return td_fail(e, TD_ENOMEM, "%s: out of memory", r->log->source);
    size_t used = 0;
    td_code rc = r->p->bytes(r->st, r->pend ? r->pend : "", r->plen, final, &used, e);
    if (rc != TD_OK) return rc;
    if (used) {
        memmove(r->pend, r->pend + used, r->plen - used);
        r->plen -= used;
    }
    return TD_OK;
}

static td_code cv_feed(td_log_reader *r, const char *data, size_t len, int final, td_err *e)
{
    td_code rc;
    if (!r->p) {
        td_log_format fmt = r->want;
        int binary = 0;
        if (fmt == TD_FMT_AUTO && !r->plen && !final) { /* sniff in place: a whole file is not copied */
            fmt = td_log_sniff(data, len, 0, &binary);
            if (binary)
                return td_fail(e, TD_EINPUT, "%s:1: binary data, not a training log in a known format",
                               r->log->source);
        }
        if (fmt == TD_FMT_AUTO) {
            if (cv_append(r, data, len)) return td_fail(e, TD_ENOMEM, "%s: out of memory", r->log->source);
            data = NULL;
            len = 0;
            if (final && r->plen && r->pend[r->plen - 1] != '\n') { /* sniff a last unterminated line */
                if (cv_append(r, "\n", 1)) return td_fail(e, TD_ENOMEM, "%s: out of memory", r->log->source);
                fmt = td_log_sniff(r->pend, r->plen, final, &binary);
                r->pend[--r->plen] = '\0';
            } else {
                fmt = td_log_sniff(r->pend, r->plen, final, &binary);
            }
            if (binary)
                return td_fail(e, TD_EINPUT, "%s:1: binary data, not a training log in a known format",
                               r->log->source);
            if (fmt == TD_FMT_AUTO) {
                if (final) {
                    if (r->plen == 0) return td_fail(e, TD_EINPUT, "%s: empty input", r->log->source);
                    return td_fail(e, TD_EINPUT, "%s:1: not a training log in a known format", r->log->source);
                }
                if (r->plen > TD_LOG_MAX_LINE)
                    return td_fail(e, TD_EINPUT, "%s:1: line longer than %u bytes", r->log->source,
                                   TD_LOG_MAX_LINE);
                return TD_OK; /* need more bytes */
            }
        }
        if ((rc = cv_start(r, fmt, e)) != TD_OK) return rc;
        if (r->p->line && r->plen) { /* replay what sniffing buffered */
            char *buf = r->pend;
            size_t n = r->plen;
            r->pend = NULL;
            r->plen = r->pcap = 0;
            rc = cv_lines(r, buf, n, e);
            free(buf);
            if (rc != TD_OK) return rc;
        }
    }
    if (r->p->line) {
        if ((rc = cv_lines(r, data ? data : "", len, e)) != TD_OK) return rc;
        if (final && r->plen) { /* a live pipe's unterminated last line */
            size_t n = r->plen;
            r->plen = 0;
            if (memchr(r->pend, '\0', n)) return cv_nul(r, r->lineno + 1, e);
            if ((rc = cv_line(r, r->pend, n, e)) != TD_OK) return rc;
        }
        return TD_OK;
    }
    return cv_bytes(r, data, len, final, e);
}

static const char cv_bom[3] = {'\xEF', '\xBB', '\xBF'};

/* A UTF-8 byte-order mark at the start of a text log (Excel's "CSV UTF-8",
 * pandas' utf-8-sig, PowerShell) is dropped, even split across feeds;
 * bytes that only began like one are handed on. */
static td_code cv_feed_bom(td_log_reader *r, const char **data, size_t *len, td_err *e)
{
    if (r->bom >= 4) return TD_OK;
    if (r->want == TD_FMT_TFEVENTS) { r->bom = 4; return TD_OK; }
    size_t k = 0;
    while (k < *len && r->bom < 3 && (*data)[k] == cv_bom[r->bom]) { r->bom++; k++; }
    *data += k;
    *len -= k;
    if (r->bom == 3) { r->bom = 4; return TD_OK; }
    if (!*len) return TD_OK; /* so far all of a BOM's first bytes */
    unsigned m = r->bom;
    r->bom = 4;
    return m ? cv_feed(r, cv_bom, m, 0, e) : TD_OK;
}

td_code td_log_reader_feed(td_log_reader *r, const char *data, size_t len, td_err *e)
{
    if (r->fail.code != TD_OK) { if (e) *e = r->fail; return r->fail.code; }
    if (r->finished) return td_fail(e, TD_EINTERNAL, "%s: feed after finish", r->log->source);
    if (!len) return TD_OK;
    td_err local;
    td_err_clear(&local);
    td_code rc = cv_feed_bom(r, &data, &len, &local);
    if (rc == TD_OK && len) rc = cv_feed(r, data, len, 0, &local);
    if (rc != TD_OK) {
        cv_stick(r, rc, &local);
        if (e) *e = r->fail;
    }
    return rc;
}

td_code td_log_reader_finish(td_log_reader *r, td_err *e)
{
    if (r->fail.code != TD_OK) { if (e) *e = r->fail; return r->fail.code; }
    if (r->finished) return TD_OK;
    td_err local;
    td_err_clear(&local);
    /* input that was only the first bytes of a BOM: they are the input */
    td_code rc = r->bom < 4 && r->bom ? cv_feed(r, cv_bom, r->bom, 0, &local) : TD_OK;
    r->bom = 4;
    if (rc == TD_OK) rc = cv_feed(r, NULL, 0, 1, &local);
    if (rc == TD_OK && r->p->finish) rc = r->p->finish(r->st, &local);
    if (rc == TD_OK) rc = td_log_builder_finish(r->b);
    if (rc == TD_OK && td_log_points(r->log) == 0)
        rc = td_fail(&local, TD_EINPUT, "%s: no metric values found (not a training log?)", r->log->source);
    if (rc == TD_OK && r->log->format == TD_FMT_TEXT && r->log->nruns >= 3) {
        /* text cut into three or more "runs" none of which has a curve (a
         * series of three points): numbers in prose, not a log */
        size_t longest = 0;
        for (size_t i = 0; i < r->log->nruns; i++)
            for (size_t k = 0; k < r->log->runs[i].nseries; k++)
                if (r->log->runs[i].series[k].n > longest) longest = r->log->runs[i].series[k].n;
        if (longest < 3)
            rc = td_fail(&local, TD_EINPUT, "%s:1: not a training log: its numbers fall into %zu runs of at most "
                         "%zu points each, no curve", r->log->source, r->log->nruns, longest);
    }
    if (rc != TD_OK) {
        cv_stick(r, rc, &local);
        if (e) *e = r->fail;
        return rc;
    }
    r->finished = 1;
    return TD_OK;
}

/* About how many lines an input of total bytes has, from its first
 * head[0..hlen) (a little over, so arrays are sized once). */
static size_t cv_expect_lines(const char *head, size_t hlen, size_t total)
{
    if (hlen > 65536) hlen = 65536;
    if (hlen == 0) return 0;
    size_t nl = 0;
    for (const char *p = head, *end = head + hlen; (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++) nl++;
    double est = (double)(nl + 1) * ((double)total / (double)hlen);
    return (size_t)(est * 1.05) + 16;
}

td_code td_log_read_mem(const char *name, const char *data, size_t len, td_log_format fmt,
                        td_log **out, td_err *e)
{
    *out = NULL;
    td_log_reader *r = td_log_reader_new(name, fmt);
    if (!r) return td_fail(e, TD_ENOMEM, "%s: out of memory", name ? name : "<stdin>");
    r->expect = cv_expect_lines(data, len, len);
    td_code rc = td_log_reader_feed(r, data, len, e);
    if (rc == TD_OK) rc = td_log_reader_finish(r, e);
    if (rc == TD_OK) {
        *out = td_log_reader_take(r);
        if (!*out) rc = td_fail(e, TD_ENOMEM, "%s: out of memory", name ? name : "<stdin>");
    }
    td_log_reader_free(r);
    return rc;
}

/* Any input is read in 8 MiB parts into one buffer (no mapping: a log
 * truncated or rotated by another process while it is read must not
 * raise SIGBUS); for a regular file its size sizes the arrays once. */
td_code td_log_read_file(const char *path, td_log_format fmt, td_log **out, td_err *e)
{
    *out = NULL;
    int use_stdin = !path || strcmp(path, "-") == 0;
    const char *name = use_stdin ? "<stdin>" : path;
    FILE *f = use_stdin ? stdin : fopen(path, "rb");
    if (!f) return td_fail(e, TD_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    size_t total = 0;
    if (!use_stdin && fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
        (uint64_t)st.st_size <= SIZE_MAX)
        total = (size_t)st.st_size;
    td_log_reader *r = td_log_reader_new(use_stdin ? "-" : path, fmt);
    enum { CHUNK = 8 << 20 };
    char *buf = malloc(CHUNK);
    td_code rc = TD_OK;
    if (!r || !buf) rc = td_fail(e, TD_ENOMEM, "%s: out of memory", name);
    for (int first = 1; rc == TD_OK; first = 0) {
        size_t n = fread(buf, 1, CHUNK, f);
        if (first && total) r->expect = cv_expect_lines(buf, n, total);
        if (n) rc = td_log_reader_feed(r, buf, n, e);
        if (n < CHUNK) {
            if (ferror(f)) rc = td_fail(e, TD_EIO, "%s: read error: %s", name, strerror(errno));
            break;
        }
    }
    if (rc == TD_OK) rc = td_log_reader_finish(r, e);
    if (rc == TD_OK) {
        *out = td_log_reader_take(r);
        if (!*out) rc = td_fail(e, TD_ENOMEM, "%s: out of memory", name);
    }
    free(buf);
    td_log_reader_free(r);
    if (!use_stdin) fclose(f);
    return rc;
}
