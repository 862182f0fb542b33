/* cv_series.c — what a reader made of a log (curvecheck --series): every
 * run, its series, their points and first/last x and y, so a user can tell
 * a reader problem from a detector problem. */
#include "td_curves.h"

#include <math.h>

/* First and last finite point of s: indices, or s->n when none. */
static void cv_ends(const td_series *s, size_t *a, size_t *b, size_t *nonfinite)
{
    *a = *b = s->n;
    *nonfinite = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (!isfinite(s->y[i])) { (*nonfinite)++; continue; }
        if (*a == s->n) *a = i;
        *b = i;
    }
}

static void cv_series_json(td_json *j, const td_log *const *logs, size_t nlogs)
{
    td_json_obj(j);
    td_json_kstr(j, "tool", "curvecheck");
    td_json_kstr(j, "version", TD_VERSION);
    td_json_key(j, "logs");
    td_json_arr(j);
    for (size_t l = 0; l < nlogs; l++) {
        const td_log *log = logs[l];
        td_json_obj(j);
        td_json_kstr(j, "source", log->source);
        td_json_kstr(j, "format", td_log_format_name(log->format));
        td_json_key(j, "runs");
        td_json_arr(j);
        for (size_t r = 0; r < log->nruns; r++) {
            const td_run *run = &log->runs[r];
            td_json_obj(j);
            td_json_kstr(j, "run", run->name);
            td_json_kstr(j, "x", run->x_name);
            td_json_kint(j, "bad_lines", (long long)run->nbad);
            td_json_key(j, "series");
            td_json_arr(j);
            for (size_t k = 0; k < run->nseries; k++) {
                const td_series *s = &run->series[k];
                size_t a, b, nf;
                cv_ends(s, &a, &b, &nf);
                td_json_obj(j);
                td_json_kstr(j, "name", s->name);
                td_json_kstr(j, "split", td_split_name(s->split));
                td_json_kstr(j, "kind", td_metric_kind_name(s->kind));
                td_json_kint(j, "points", (long long)s->n);
                td_json_kint(j, "nonfinite", (long long)nf);
                td_json_knum(j, "x_first", s->n ? s->x[0] : NAN);
                td_json_knum(j, "x_last", s->n ? s->x[s->n - 1] : NAN);
                td_json_knum(j, "y_first", a < s->n ? s->y[a] : NAN);
                td_json_knum(j, "y_last", b < s->n ? s->y[b] : NAN);
                td_json_kint(j, "line_first", s->n && s->line ? (long long)s->line[0] : 0);
                td_json_kint(j, "line_last", s->n && s->line ? (long long)s->line[s->n - 1] : 0);
                td_json_end_obj(j);
            }
            td_json_end_arr(j);
            td_json_end_obj(j);
        }
        td_json_end_arr(j);
        td_json_end_obj(j);
    }
    td_json_end_arr(j);
    td_json_end_obj(j);
}

td_code td_log_write_series(td_out *o, const td_log *const *logs, size_t nlogs, int json, td_err *e)
{
    if (json) {
        td_json j;
        td_json_init(&j, o, 1);
        cv_series_json(&j, logs, nlogs);
        td_out_puts(o, "\n");
    } else {
        for (size_t l = 0; l < nlogs; l++) {
            const td_log *log = logs[l];
            char src[512];
            td_out_printf(o, "%s: %s, %zu run%s\n", td_safe_text(src, sizeof src, log->source),
                          td_log_format_name(log->format), log->nruns, log->nruns == 1 ? "" : "s");
            for (size_t r = 0; r < log->nruns; r++) {
                const td_run *run = &log->runs[r];
                char rn[512];
                td_out_printf(o, "  run %s: x = %s, %zu series, %zu malformed line%s\n",
                              td_safe_text(rn, sizeof rn, run->name), run->x_name, run->nseries, run->nbad,
                              run->nbad == 1 ? "" : "s");
                td_out_printf(o, "    %-28s %-5s %-8s %8s %12s %12s %12s %12s %9s\n", "series", "split", "kind",
                              "points", "x_first", "x_last", "y_first", "y_last", "lines");
                for (size_t k = 0; k < run->nseries; k++) {
                    const td_series *s = &run->series[k];
                    size_t a, b, nf;
                    cv_ends(s, &a, &b, &nf);
                    char nm[256];
                    td_out_printf(o, "    %-28s %-5s %-8s %8zu %12.6g %12.6g %12.6g %12.6g %4zu-%zu%s\n",
                                  td_safe_text(nm, sizeof nm, s->name), td_split_name(s->split),
                                  td_metric_kind_name(s->kind), s->n, s->n ? s->x[0] : NAN,
                                  s->n ? s->x[s->n - 1] : NAN, a < s->n ? s->y[a] : NAN,
                                  b < s->n ? s->y[b] : NAN, s->n && s->line ? s->line[0] : 0,
                                  s->n && s->line ? s->line[s->n - 1] : 0, nf ? " (non-finite values)" : "");
                }
            }
        }
    }
    if (o->failed) return td_fail(e, TD_EIO, "write error");
    return TD_OK;
}
