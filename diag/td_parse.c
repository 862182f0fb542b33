/* td_parse.c — numbers and key=value arguments parsed fully: strtod/strtoll
 * with an end pointer and a range, the bad argument named in the error. */
#include "td.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

td_code td_parse_double(const char *what, const char *s, double lo, double hi,
                        double *out, td_err *e)
{
    char *end = NULL;
    if (!s || !*s) return td_fail(e, TD_EUSAGE, "%s: expected a number, got an empty string", what);
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0')
        return td_fail(e, TD_EUSAGE, "%s: '%.64s' is not a number", what, s);
    if (errno == ERANGE && fabs(v) > 1.0)
        return td_fail(e, TD_EUSAGE, "%s: '%.64s' is out of range", what, s);
    if (isnan(v) || v < lo || v > hi)
        return td_fail(e, TD_EUSAGE, "%s: %.64s is outside [%g, %g]", what, s, lo, hi);
    *out = v;
    return TD_OK;
}

td_code td_parse_long(const char *what, const char *s, long long lo, long long hi,
                      long long *out, td_err *e)
{
    char *end = NULL;
    if (!s || !*s) return td_fail(e, TD_EUSAGE, "%s: expected an integer, got an empty string", what);
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (end == s || *end != '\0')
        return td_fail(e, TD_EUSAGE, "%s: '%.64s' is not an integer", what, s);
    if (errno == ERANGE || v < lo || v > hi)
        return td_fail(e, TD_EUSAGE, "%s: %.64s is outside [%lld, %lld]", what, s, lo, hi);
    *out = v;
    return TD_OK;
}

int td_mul_size(size_t a, size_t b, size_t *out)
{
    if (a && b > SIZE_MAX / a) return -1;
    *out = a * b;
    return 0;
}

int td_split_kv(char *kv, char **key, char **val)
{
    char *eq = strchr(kv, '=');
    if (!eq || eq == kv) return -1;
    *eq = '\0';
    *key = kv;
    *val = eq + 1;
    return 0;
}
