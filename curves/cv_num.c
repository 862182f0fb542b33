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

static int cv_word_ci(const char *s, size_t n, const char *w)
{
    return strlen(w) == n && strncasecmp(s, w, n) == 0;
}

/* Slow path: strtod on a NUL-terminated copy, all of it consumed. */
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

int td_log_parse_number(const char *s, size_t n, double *out)
{
    size_t i = 0;
    int neg = 0;
    if (n == 0) return -1;
    if (s[0] == '-' || s[0] == '+') { neg = s[0] == '-'; i = 1; }
    if (i < n && !isdigit((unsigned char)s[i]) && s[i] != '.') {
        const char *w = s + i;
        size_t wn = n - i;
        if (cv_word_ci(w, wn, "nan")) { *out = NAN; return 0; }
        if (cv_word_ci(w, wn, "inf") || cv_word_ci(w, wn, "infinity")) {
            *out = neg ? -INFINITY : INFINITY;
            return 0;
        }
        return -1;
    }
    uint64_t m = 0;
    int digits = 0, frac = 0, any = 0;
    for (; i < n && isdigit((unsigned char)s[i]); i++, any = 1) {
        if (digits || s[i] != '0') {
            if (++digits > 19) return cv_parse_slow(s, n, out);
            m = m * 10 + (uint64_t)(s[i] - '0');
        }
    }
    if (i < n && s[i] == '.') {
        for (i++; i < n && isdigit((unsigned char)s[i]); i++, any = 1) {
            frac++;
            if (digits || s[i] != '0') {
                if (++digits > 19) return cv_parse_slow(s, n, out);
                m = m * 10 + (uint64_t)(s[i] - '0');
            }
        }
    }
    if (!any) return -1;
    int e = 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        size_t j = i + 1;
        int eneg = 0;
        if (j < n && (s[j] == '-' || s[j] == '+')) { eneg = s[j] == '-'; j++; }
        if (j >= n || !isdigit((unsigned char)s[j])) return -1;
        for (; j < n && isdigit((unsigned char)s[j]); j++) {
            if (e > 100000) return cv_parse_slow(s, n, out);
            e = e * 10 + (s[j] - '0');
        }
        if (eneg) e = -e;
        i = j;
    }
    if (i != n) return -1;
    e -= frac;
    if (m <= (1ull << 53) && e >= -22 && e <= 22) { /* exact operands, one rounding */
        double v = (double)m;
        v = e < 0 ? v / cv_pow10[-e] : v * cv_pow10[e];
        *out = neg ? -v : v;
        return 0;
    }
    if (m == 0) { *out = neg ? -0.0 : 0.0; return 0; }
    return cv_parse_slow(s, n, out);
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
