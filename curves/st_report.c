/* st_report.c — the study report's list of findings: append one (the
 * checks in st_boundary.c, st_curves.c, st_density.c, st_infeasible.c,
 * st_isocheck.c and st_variance.c do; st_check.c runs them) and free it.
 * Calls nothing above it. */
#include "td_study.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

td_code td_study_add(td_study_report *r, td_study_kind kind, int finding, long hp, int side,
                     double value, double ref, const char *fmt, ...)
{
    td_study_finding *f = realloc(r->f, (r->nf + 1) * sizeof *f);
    if (!f) return TD_ENOMEM;
    r->f = f;
    f += r->nf++;
    f->kind = kind;
    f->finding = finding;
    f->hp = hp;
    f->side = side;
    f->value = value;
    f->ref = ref;
    char raw[sizeof f->text];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    td_safe_text(f->text, sizeof f->text, raw); /* names from the table inside */
    return TD_OK;
}

void td_study_report_free(td_study_report *r)
{
    if (!r) return;
    free(r->f);
    r->f = NULL;
    r->nf = 0;
}
