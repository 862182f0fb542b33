/* st_table.c — the raw table of text cells that trials tables are read
 * into (from CSV or JSON lines), and full-string number parsing. */
#include "td_study.h"

#include <stdlib.h>
#include <string.h>

void td_st_table_free(td_st_table *t)
{
    if (!t) return;
    for (size_t c = 0; c < t->ncol; c++) free(t->names[c]);
    if (t->cells)
        for (size_t i = 0; i < t->nrow * t->ncol; i++) free(t->cells[i]);
    free(t->names);
    free(t->cells);
    free(t->row);
    memset(t, 0, sizeof *t);
}

int td_st_number(const char *s, double *out)
{
    if (!s) return -1;
    while (*s == ' ' || *s == '\t') s++;
    if (!*s) return -1;
    char *end = NULL;
    double v = strtod(s, &end);
    if (end == s) return -1;
    while (*end == ' ' || *end == '\t') end++;
    if (*end) return -1;
    *out = v;
    return 0;
}
