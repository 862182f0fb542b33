/* td_json.c — a streaming JSON writer (parsing is json-c's job). */
#include "td.h"

#include <math.h>
#include <string.h>

void td_json_init(td_json *j, td_out *out, int pretty)
{
    memset(j, 0, sizeof *j);
    j->out = out;
    j->pretty = pretty;
    j->first[0] = 1;
}

/* Emit the separator and indentation due before a value or key. */
static void before_item(td_json *j)
{
    if (j->after_key) { j->after_key = 0; return; }
    if (!j->first[j->depth]) td_out_write(j->out, ",", 1);
    j->first[j->depth] = 0;
    if (j->pretty && j->depth > 0) {
        td_out_write(j->out, "\n", 1);
        for (int i = 0; i < j->depth; i++) td_out_write(j->out, "  ", 2);
    }
}

static void open_(td_json *j, char c)
{
    before_item(j);
    td_out_write(j->out, &c, 1);
    if (j->depth < TD_JSON_DEPTH - 1) j->depth++;
    j->first[j->depth] = 1;
}

static void close_(td_json *j, char c)
{
    int empty = j->first[j->depth];
    if (j->depth > 0) j->depth--;
    if (j->pretty && !empty) {
        td_out_write(j->out, "\n", 1);
        for (int i = 0; i < j->depth; i++) td_out_write(j->out, "  ", 2);
    }
    td_out_write(j->out, &c, 1);
    if (j->depth == 0 && j->pretty) td_out_write(j->out, "\n", 1);
}

void td_json_obj(td_json *j) { open_(j, '{'); }
void td_json_end_obj(td_json *j) { close_(j, '}'); }
void td_json_arr(td_json *j) { open_(j, '['); }
void td_json_end_arr(td_json *j) { close_(j, ']'); }

/* Length of the well-formed UTF-8 sequence at p (2..4), 0 when it is not
 * one: a stray continuation byte, a truncated sequence, an overlong form,
 * a surrogate (U+D800..DFFF) or beyond U+10FFFF (RFC 3629). */
static int utf8_len(const unsigned char *p)
{
    unsigned c = p[0];
    int n = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    if (!n) return 0;
    unsigned lo = 0x80, hi = 0xbf; /* the second byte's range */
    if (c == 0xe0) lo = 0xa0;
    else if (c == 0xed) hi = 0x9f;
    else if (c == 0xf0) lo = 0x90;
    else if (c == 0xf4) hi = 0x8f;
    if (p[1] < lo || p[1] > hi) return 0;
    for (int i = 2; i < n; i++)
        if (p[i] < 0x80 || p[i] > 0xbf) return 0;
    return n;
}

void td_json_write_string(td_out *o, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    td_out_write(o, "\"", 1);
    const char *run = s;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        const char *esc = NULL;
        char u[7];
        if (*p >= 0x80) { /* valid UTF-8 passes; any other byte becomes U+FFFD, so the JSON stays valid */
            int n = utf8_len(p);
            if (n) { p += n - 1; continue; }
            td_out_write(o, run, (size_t)((const char *)p - run));
            td_out_puts(o, "\\ufffd");
            run = (const char *)p + 1;
            continue;
        }
        switch (*p) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        default:
            if (*p < 0x20 || *p == 0x7f) {
                u[0] = '\\'; u[1] = 'u'; u[2] = '0'; u[3] = '0';
                u[4] = hex[*p >> 4]; u[5] = hex[*p & 15]; u[6] = 0;
                esc = u;
            }
        }
        if (esc) {
            td_out_write(o, run, (size_t)((const char *)p - run));
            td_out_puts(o, esc);
            run = (const char *)p + 1;
        }
    }
    td_out_puts(o, run);
    td_out_write(o, "\"", 1);
}

void td_json_key(td_json *j, const char *key)
{
    before_item(j);
    td_json_write_string(j->out, key);
    td_out_write(j->out, j->pretty ? ": " : ":", j->pretty ? 2 : 1);
    j->after_key = 1;
}

void td_json_str(td_json *j, const char *s)
{
    before_item(j);
    if (s) td_json_write_string(j->out, s);
    else td_out_puts(j->out, "null");
}

void td_json_num(td_json *j, double v)
{
    before_item(j);
    if (!isfinite(v)) { td_out_puts(j->out, "null"); return; }
    td_out_printf(j->out, "%.17g", v);
}

void td_json_int(td_json *j, long long v)
{
    before_item(j);
    td_out_printf(j->out, "%lld", v);
}

void td_json_bool(td_json *j, int v)
{
    before_item(j);
    td_out_puts(j->out, v ? "true" : "false");
}

void td_json_null(td_json *j)
{
    before_item(j);
    td_out_puts(j->out, "null");
}

void td_json_kstr(td_json *j, const char *k, const char *s) { td_json_key(j, k); td_json_str(j, s); }
void td_json_knum(td_json *j, const char *k, double v) { td_json_key(j, k); td_json_num(j, v); }
void td_json_kint(td_json *j, const char *k, long long v) { td_json_key(j, k); td_json_int(j, v); }
void td_json_kbool(td_json *j, const char *k, int v) { td_json_key(j, k); td_json_bool(j, v); }
