/* cv_num.c — numbers in logs: a fast, correctly rounded decimal parser
 * (Clinger's exact fast path, strtod beyond it), missing-value words, and
 * CRC-32C for TFRecord framing. */
#include "td_curves.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* 10^0 .. 10^22 are exact in double. */
static const double cv_pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                  1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                  1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* c is a decimal digit (no locale lookup: this is the hot path) */
#define CV_DIGIT(c) ((unsigned char)((c) - '0') < 10)

static int cv_word_ci(const char *s, size_t n, const char *w)
{
    return strlen(w) == n && strncasecmp(s, w, n) == 0;
}

/* Slow path: strtod on a NUL-terminated copy of s[0..n). */
static int cv_parse_slow(const char *s, size_t n, double *out)
{
    char buf[128];
    if (n >= sizeof buf) return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *end;
    double v = strtod(buf, &end);
    if (end != buf + n) return -1;
    *out = v;
    return 0;
}

static int cv_prefix_ci(const char *s, const char *end, const char *w)
{
    size_t n = strlen(w);
    return (size_t)(end - s) >= n && strncasecmp(s, w, n) == 0;
}

/* An exponent part at *pp ("e", optional sign, digits; an 'e' without
 * digits is not one and is left alone): its value into *e and *pp moved
 * past it. Returns 1 when it exceeds 100000 (then *e is not usable). */
static int cv_exponent(const char **pp, const char *end, int *e)
{
    const char *p = *pp;
    int v = 0, big = 0;
    if (p + 1 < end && (*p == 'e' || *p == 'E')) {
        const char *q = p + 1;
        int eneg = 0;
        if (q < end && (*q == '-' || *q == '+')) { eneg = *q == '-'; q++; }
        if (q < end && CV_DIGIT(*q)) {
            for (; q < end && CV_DIGIT(*q); q++) {
                if (v > 100000) big = 1;
                else v = v * 10 + (*q - '0');
            }
            if (eneg) v = -v;
            *pp = q;
        }
    }
    *e = v;
    return big;
}

/* The scanner for any length of digits: significant digits counted from
 * the first non-zero one, strtod when there are more than 19. */
static const char *cv_scan_careful(const char *s, const char *end, double *out)
{
    const char *p = s;
    int neg = 0;
    if (p < end && (*p == '-' || *p == '+')) { neg = *p == '-'; p++; }
    if (p < end && !CV_DIGIT(*p) && *p != '.') {
        if (cv_prefix_ci(p, end, "nan")) { *out = NAN; return p + 3; }
        if (cv_prefix_ci(p, end, "infinity")) { *out = neg ? -INFINITY : INFINITY; return p + 8; }
        if (cv_prefix_ci(p, end, "inf")) { *out = neg ? -INFINITY : INFINITY; return p + 3; }
        return NULL;
    }
    uint64_t m = 0;
    int digits = 0, frac = 0, any = 0, slow = 0;
    for (; p < end && CV_DIGIT(*p); p++, any = 1) {
        if (digits || *p != '0') {
            if (++digits > 19) slow = 1;
            else m = m * 10 + (uint64_t)(*p - '0');
        }
    }
    if (p < end && *p == '.') {
        for (p++; p < end && CV_DIGIT(*p); p++, any = 1) {
            if (digits || *p != '0') {
                if (++digits > 19) slow = 1;
                else { m = m * 10 + (uint64_t)(*p - '0'); frac++; }
            } else {
                frac++;
            }
        }
    }
    if (!any) return NULL;
    int e;
    if (cv_exponent(&p, end, &e)) slow = 1;
    e -= frac;
    if (!slow && m <= (1ull << 53) && e >= -22 && e <= 22) { /* exact operands, one rounding */
        double v = (double)m;
        v = e < 0 ? v / cv_pow10[-e] : v * cv_pow10[e];
        *out = neg ? -v : v;
        return p;
    }
    if (!slow && m == 0) { *out = neg ? -0.0 : 0.0; return p; }
    return cv_parse_slow(s, (size_t)(p - s), out) == 0 ? p : NULL;
}

/* Append the run of decimal digits at *pp to *m (m = 10 m + digit; it
 * wraps past 19 digits, which the caller counts and rescans); returns how
 * many and moves *pp past them. (Eight bytes at a time by multiplications
 * was measured: more instructions and no faster on logs' short numbers.) */
static inline size_t cv_digits(const char **pp, const char *end, uint64_t *m)
{
    const char *p = *pp;
    uint64_t acc = *m;
    while (p < end && CV_DIGIT(*p)) { acc = acc * 10 + (uint64_t)(*p - '0'); p++; }
    size_t n = (size_t)(p - *pp);
    *pp = p;
    *m = acc;
    return n;
}

/* The usual number of a log has at most 19 digits in all: one pass
 * accumulating every digit (leading zeros add nothing to m), the exponent,
 * then Clinger's exact fast path. Anything longer is left to
 * cv_scan_careful, which gives the same value for what both accept. */
const char *td_log_scan_number(const char *s, const char *end, double *out)
{
    const char *p = s;
    int neg = 0;
    if (p < end && (*p == '-' || *p == '+')) { neg = *p == '-'; p++; }
    uint64_t m = 0;
    size_t nd = cv_digits(&p, end, &m), nf = 0;
    if (p < end && *p == '.') {
        p++;
        nf = cv_digits(&p, end, &m);
        nd += nf;
    }
    if (nd == 0 || nd > 19) return cv_scan_careful(s, end, out); /* words, '.', long mantissas */
    int e = 0;
    if (p < end && (*p | 0x20) == 'e' && cv_exponent(&p, end, &e)) return cv_scan_careful(s, end, out);
    e -= (int)nf;
    if (m <= (1ull << 53) && e >= -22 && e <= 22) { /* exact operands, one rounding */
        double v = (double)m;
        v = e < 0 ? v / cv_pow10[-e] : v * cv_pow10[e];
        *out = neg ? -v : v;
        return p;
    }
    if (m == 0) { *out = neg ? -0.0 : 0.0; return p; }
    return cv_parse_slow(s, (size_t)(p - s), out) == 0 ? p : NULL;
}

int td_log_parse_number(const char *s, size_t n, double *out)
{
    double v;
    const char *p = td_log_scan_number(s, s + n, &v);
    if (!p || p != s + n) return -1;
    *out = v;
    return 0;
}

int td_log_is_missing(const char *s, size_t n)
{
    while (n && isspace((unsigned char)*s)) { s++; n--; }
    while (n && isspace((unsigned char)s[n - 1])) n--;
    return n == 0 || cv_word_ci(s, n, "na") || cv_word_ci(s, n, "n/a") || cv_word_ci(s, n, "null") ||
           cv_word_ci(s, n, "none") || (n == 1 && s[0] == '-');
}

/* ---- CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) -------------- */

uint32_t td_crc32c(uint32_t crc, const void *data, size_t n)
{
    /* bitwise: no table, no global state; event files are small */
    const unsigned char *p = data;
    crc = ~crc;
    while (n--) {
        crc ^= *p++;
        for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1u)));
    }
    return ~crc;
}

uint32_t td_crc32c_masked(const void *data, size_t n)
{
    uint32_t c = td_crc32c(0, data, n);
    return ((c >> 15) | (c << 17)) + 0xa282ead8u;
}
