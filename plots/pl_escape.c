/* pl_escape.c — untrusted text made safe for gnuplot scripts and HTML. */
#include "td_plot.h"

#include <stdlib.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when it is invalid
 * (overlong forms, surrogates and code points above U+10FFFF included). */
static size_t utf8_len(const unsigned char *s)
{
    unsigned c = s[0];
    size_t n;
    unsigned cp;
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) { n = 2; cp = c & 0x1F; }
    else if (c >= 0xE0 && c <= 0xEF) { n = 3; cp = c & 0x0F; }
    else if (c >= 0xF0 && c <= 0xF4) { n = 4; cp = c & 0x07; }
    else return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) return 0;
    if (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) return 0;
    return n;
}

char *td_plot_clean(const char *s)
{
    if (!s) s = "";
    size_t len = strlen(s);
    char *d = malloc(len + 1);
    if (!d) return NULL;
    const unsigned char *p = (const unsigned char *)s;
    size_t j = 0;
    while (*p) {
        size_t k = utf8_len(p);
        if (k == 0 || (k == 1 && (*p < 0x20 || *p == 0x7F))) {
            d[j++] = '?';
            p++;
            continue;
        }
        memcpy(d + j, p, k);
        j += k;
        p += k;
    }
    d[j] = '\0';
    return d;
}

/* Bytes that may stand as they are inside a gnuplot "..." literal. */
static int gp_plain(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c != 0 && strchr(" ,.:;_+-=/%()[]", c) != NULL);
}

void td_plot_gp_string(td_out *o, const char *s)
{
    char *c = td_plot_clean(s);
    const unsigned char *p = (const unsigned char *)(c ? c : "?");
    int escaped = 0; /* gnuplot reads "\0" + up to three more digits: a digit
                        right after an escape is escaped too */
    td_out_write(o, "\"", 1);
    for (; *p; p++) {
        int digit = *p >= '0' && *p <= '9';
        if (gp_plain(*p) && !(escaped && digit)) {
            td_out_write(o, (const char *)p, 1);
            escaped = 0;
        } else {
            td_out_printf(o, "\\%03o", *p);
            escaped = 1;
        }
    }
    td_out_write(o, "\"", 1);
    free(c);
}

void td_plot_html_text(td_out *o, const char *s)
{
    /* operator table: the five characters HTML gives a meaning to */
    static const struct { char c; const char *ent; } ents[] = {
        {'&', "&amp;"}, {'<', "&lt;"}, {'>', "&gt;"}, {'"', "&quot;"}, {'\'', "&#39;"},
    };
    char *c = td_plot_clean(s);
    const char *p = c ? c : "?";
    const char *run = p;
    for (; *p; p++) {
        for (size_t i = 0; i < sizeof ents / sizeof ents[0]; i++) {
            if (*p != ents[i].c) continue;
            td_out_write(o, run, (size_t)(p - run));
            td_out_puts(o, ents[i].ent);
            run = p + 1;
            break;
        }
    }
    td_out_write(o, run, (size_t)(p - run));
    free(c);
}
