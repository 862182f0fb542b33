/* st_curves.c — the best trials' training curves (seed 000, "检查训练曲线":
 * "for each study we always look at the training curves of at least the
 * best few trials"). The best cfg.curves (3) OK trials that name a log file
 * (the table's log_file / curve column, relative to cfg.curve_dir) are read
 * with curvecheck's readers (td_log_read_file) and judged by its detectors
 * (td_findings_detect, default thresholds): a warning or error (overfitting,
 * late noise, divergence, ...) is a finding of the study, an info (still
 * improving when training stopped) a note, and an unreadable log a note. */
#include "td_study.h"
#include "td_curves.h"
#include "td_findings.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Indices of the k best OK trials with a curve, best first; returns count. */
static size_t best_with_curve(const td_study *s, size_t *idx, size_t k)
{
    size_t m = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (s->state[i] != TD_TRIAL_OK || !s->curve[i]) continue;
        size_t p = m < k ? m++ : k;
        while (p > 0 && td_study_better(s, s->y[i], s->y[idx[p - 1]])) {
            if (p < k) idx[p] = idx[p - 1];
            p--;
        }
        if (p < k) idx[p] = i;
    }
    return m;
}

static td_code judge_one(const td_study *s, const td_study_cfg *c, size_t rank, size_t i,
                         td_study_report *r, td_err *e)
{
    char path[4096], safe[256];
    const char *f = s->curve[i];
    if (c->curve_dir && f[0] != '/') snprintf(path, sizeof path, "%s/%s", c->curve_dir, f);
    else snprintf(path, sizeof path, "%s", f);
    td_safe_text(safe, sizeof safe, f);
    td_log *log = NULL;
    td_err le;
    td_err_clear(&le);
    if (td_log_read_file(path, TD_FMT_AUTO, &log, &le) != TD_OK)
        return td_study_add(r, TD_SF_CURVE, 0, -1, 0, (double)rank, NAN,
                            "best trial #%zu (%s %zu): its curve cannot be read: %s", rank, s->row_word,
                            s->row[i], le.msg);
    td_detect_opts o;
    td_detect_opts_default(&o);
    td_code rc = TD_OK;
    for (size_t k = 0; k < log->nruns && rc == TD_OK; k++) {
        td_findings fs;
        td_findings_init(&fs);
        rc = td_findings_detect(&log->runs[k], &o, &fs, e);
        for (size_t j = 0; j < fs.n && rc == TD_OK; j++) {
            const td_finding *fd = &fs.f[j];
            rc = td_study_add(r, TD_SF_CURVE, fd->severity >= TD_SEV_WARNING, -1, 0, (double)rank, (double)fd->kind,
                              "best trial #%zu (%s %zu, %s): curvecheck %s %s on %s: %s", rank, s->row_word,
                              s->row[i], safe, td_severity_name(fd->severity), td_finding_kind_name(fd->kind),
                              fd->metric ? fd->metric : "?", fd->evidence);
        }
        td_findings_free(&fs);
    }
    td_log_free(log);
    return rc;
}

td_code td_study_check_curves(const td_study *s, const td_study_cfg *c, td_study_report *r, td_err *e)
{
    if (!s->curve || c->curves == 0) return TD_OK;
    size_t *idx = malloc(c->curves * sizeof *idx);
    if (!idx) return td_fail(e, TD_ENOMEM, "curves: out of memory");
    size_t m = best_with_curve(s, idx, c->curves);
    td_code rc = TD_OK;
    for (size_t k = 0; k < m && rc == TD_OK; k++) rc = judge_one(s, c, k + 1, idx[k], r, e);
    free(idx);
    return rc;
}
