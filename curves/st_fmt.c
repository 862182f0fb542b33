/* st_fmt.c — numbers in findings: 4 significant digits, more when two
 * different numbers printed side by side would otherwise look the same
 * ("lr >= 0.5 failed; the largest feasible lr was 0.5"). */
#include "td_study.h"

#include <stdio.h>
#include <string.h>

const char *td_study_num(char *buf, size_t cap, double v, double other)
{
    char ob[40];
    for (int p = 4; p <= 17; p++) {
        snprintf(buf, cap, "%.*g", p, v);
        snprintf(ob, sizeof ob, "%.*g", p, other);
        if (v == other || other != other || strcmp(buf, ob) != 0) break;
    }
    return buf;
}
