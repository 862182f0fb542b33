/* cf_report.c — what curvecheck prints: per run the metrics found, the
 * malformed lines, the findings (evidence and advice) and a one-line
 * verdict; with several runs a summary table and the trial variance of
 * runs that differ only by a seed (seed 000: which differences between
 * configs are real). Text and JSON; names from logs go through
 * td_safe_text (the JSON writer escapes them itself). */
#include "td_findings.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NAME_CAP 160

static const char *safe(char *buf, const char *s) { return td_safe_text(buf, NAME_CAP, s ? s : ""); }

void td_findings_verdict(const td_findings *fs, char *buf, size_t cap)
{
    size_t len = 0;
    if (cap == 0) return;
    buf[0] = '\0';
    for (int sev = TD_SEV_ERROR; sev >= TD_SEV_WARNING; sev--) {
        unsigned char seen[TD_FIND_NKINDS] = {0};
        for (size_t i = 0; i < fs->n; i++) {
            const td_finding *f = &fs->f[i];
            if ((int)f->severity != sev || seen[f->kind]) continue;
            seen[f->kind] = 1;
            int w = snprintf(buf + len, cap - len, "%s%s", len ? ", " : "",
                             td_finding_kind_name(f->kind));
            if (w < 0 || (size_t)w >= cap - len) return;
            len += (size_t)w;
        }
    }
    if (len) return;
    int improving = 0;
    for (size_t i = 0; i < fs->n; i++) improving |= fs->f[i].kind == TD_FIND_STILL_IMPROVING;
    snprintf(buf, cap, "%s", improving ? "healthy (still improving at the end)" : "healthy");
}

/* ---- per-series summary ------------------------------------------------------ */
typedef struct { size_t finite; double first, last, min, max; } series_sum;

static series_sum summarize(const td_series *s)
{
    series_sum m = {0, NAN, NAN, INFINITY, -INFINITY};
    for (size_t i = 0; i < s->n; i++) {
        double y = s->y[i];
        if (!isfinite(y)) continue;
        if (!m.finite++) m.first = y;
        m.last = y;
        if (y < m.min) m.min = y;
        if (y > m.max) m.max = y;
    }
    if (!m.finite) m.min = m.max = NAN;
    return m;
}

static const char *split_word(td_split s)
{
    static const char *W[] = {"train", "val", "test", "none"};
    return (unsigned)s <= TD_SPLIT_NONE ? W[s] : "none";
}
static const char *kind_word(td_metric_kind k)
{
    static const char *W[] = {"loss", "accuracy", "error", "lr", "other"};
    return (unsigned)k <= TD_METRIC_OTHER ? W[k] : "other";
}

/* 1 when the run has a training or validation objective with at least
 * minp finite points (else nothing could be judged: not "healthy"). */
static int judgeable(const td_run *r, const td_report_opts *ro)
{
    size_t minp = ro->min_points ? ro->min_points : 4;
    for (int val = 0; val < 2; val++) {
        const td_series *s = td_findings_objective(r, val);
        if (s && summarize(s).finite >= minp) return 1;
    }
    return 0;
}

/* The verdict as the report prints it. */
static void run_verdict(const td_judged *j, const td_report_opts *ro, char *buf, size_t cap)
{
    if (j->findings.n == 0 && !judgeable(j->run, ro))
        snprintf(buf, cap, "too short to judge");
    else
        td_findings_verdict(&j->findings, buf, cap);
}

static size_t run_points(const td_run *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->nseries; i++) if (r->series[i].n > n) n = r->series[i].n;
    return n;
}

/* ---- trial variance: runs of one config that differ by a seed ---------------- */
/* The config key of a source: the name with every "seed<sep?><digits>"
 * replaced by "seed*". 1 when a seed token was found. */
static int config_key(const char *src, char *key, size_t cap)
{
    size_t k = 0;
    int found = 0;
    for (size_t i = 0; src[i] && k + 6 < cap;) {
        if (strncasecmp(src + i, "seed", 4) == 0) {
            size_t j = i + 4;
            if (src[j] == '_' || src[j] == '-' || src[j] == '=') j++;
            if (isdigit((unsigned char)src[j])) {
                while (isdigit((unsigned char)src[j])) j++;
                memcpy(key + k, "seed*", 5);
                k += 5;
                i = j;
                found = 1;
                continue;
            }
        }
        key[k++] = src[i++];
    }
    key[k] = '\0';
    return found;
}

/* The best value of a run's judged objective (validation, else training);
 * the series is returned in *s. NaN when there is none. */
static double best_value(const td_run *r, const td_series **s)
{
    *s = td_findings_objective(r, 1);
    if (!*s) *s = td_findings_objective(r, 0);
    if (!*s) return NAN;
    series_sum m = summarize(*s);
    return (*s)->kind == TD_METRIC_ACCURACY ? m.max : m.min;
}

typedef struct {
    char key[NAME_CAP];
    const char *metric;
    size_t n;
    td_stats st;
} group;

/* Groups of >= 2 runs sharing a config key and an objective name. Returns
 * the number written to g (at most n), or (size_t)-1 on ENOMEM. */
static size_t make_groups(const td_judged *runs, size_t n, group **out)
{
    group *g = calloc(n ? n : 1, sizeof *g);
    if (!g) return (size_t)-1;
    size_t ng = 0;
    for (size_t i = 0; i < n; i++) {
        char key[NAME_CAP];
        if (!config_key(runs[i].source ? runs[i].source : "", key, sizeof key)) continue;
        const td_series *s;
        double b = best_value(runs[i].run, &s);
        if (!isfinite(b)) continue;
        size_t j = 0;
        while (j < ng && !(strcmp(g[j].key, key) == 0 && strcmp(g[j].metric, s->name) == 0)) j++;
        if (j == ng) {
            snprintf(g[ng].key, sizeof g[ng].key, "%s", key);
            g[ng].metric = s->name;
            td_stats_init(&g[ng].st);
            ng++;
        }
        g[j].n++;
        td_stats_add(&g[j].st, b);
    }
    size_t k = 0;
    for (size_t j = 0; j < ng; j++) if (g[j].n >= 2) g[k++] = g[j];
    *out = g;
    return k;
}

/* sample standard deviation (n-1) of a group */
static double group_std(const group *g)
{
    return g->st.n > 1 ? sqrt(g->st.m2 / (double)(g->st.n - 1)) : NAN;
}

static size_t count_sev(const td_judged *runs, size_t n, td_severity s)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < runs[i].findings.n; k++) c += runs[i].findings.f[k].severity == s;
    return c;
}

static int fails(const td_judged *runs, size_t n, const td_report_opts *ro)
{
    if (ro->fail_on >= TD_SEV_NEVER) return 0;
    for (size_t i = 0; i < n; i++)
        if (td_findings_count_at_least(&runs[i].findings, ro->fail_on)) return 1;
    return 0;
}

/* ---- text ------------------------------------------------------------------ */
static void text_run(td_out *o, const td_judged *j, const td_report_opts *ro)
{
    char a[NAME_CAP], b[NAME_CAP], verdict[256];
    const td_run *r = j->run;
    const char *xn = r->x_name ? r->x_name : "step";
    td_out_printf(o, "== %s (%zu points, x = %s)\n", safe(a, r->name), run_points(r), xn);
    for (size_t i = 0; i < r->nseries; i++) {
        const td_series *s = &r->series[i];
        series_sum m = summarize(s);
        td_out_printf(o, "   %-28s %-5s %-8s n=%-6zu first %-10.4g last %-10.4g min %-10.4g max %.4g%s\n",
                      safe(a, s->name), split_word(s->split), kind_word(s->kind), s->n, m.first,
                      m.last, m.min, m.max, s->percent ? " (%)" : "");
    }
    if (r->nbad) {
        td_out_printf(o, "   malformed lines: %zu (", r->nbad);
        for (size_t i = 0; i < r->nbad && i < 20; i++)
            td_out_printf(o, "%s%zu", i ? ", " : "", r->bad_lines[i]);
        td_out_printf(o, "%s)\n", r->nbad > 20 ? ", ..." : "");
    }
    for (size_t i = 0; i < j->findings.n; i++) {
        const td_finding *f = &j->findings.f[i];
        td_out_printf(o, "   %-7s %s: %s%s%s, %s %g..%g", td_severity_name(f->severity),
                      td_finding_kind_name(f->kind), safe(a, f->metric),
                      f->other ? " vs " : "", f->other ? safe(b, f->other) : "", xn, f->x_from,
                      f->x_to);
        if (f->line) td_out_printf(o, " (line %zu)", f->line);
        char ev[TD_FINDING_TEXT];
        td_out_printf(o, "\n           %s\n           advice: %s\n",
                      td_safe_text(ev, sizeof ev, f->evidence), f->advice);
    }
    run_verdict(j, ro, verdict, sizeof verdict);
    td_out_printf(o, "   verdict: %s\n\n", verdict);
}

td_code td_findings_write_text(td_out *o, const td_judged *runs, size_t n,
                               const td_report_opts *ro, td_err *e)
{
    char a[NAME_CAP], verdict[256];
    for (size_t i = 0; i < n; i++) text_run(o, &runs[i], ro);
    if (n > 1) {
        td_out_printf(o, "summary: %zu runs\n   %-44s %7s %5s %5s %5s  %s\n", n, "run", "points",
                      "error", "warn", "info", "verdict");
        for (size_t i = 0; i < n; i++) {
            const td_findings *f = &runs[i].findings;
            size_t ne = 0, nw = 0, ni = 0;
            for (size_t k = 0; k < f->n; k++) {
                ne += f->f[k].severity == TD_SEV_ERROR;
                nw += f->f[k].severity == TD_SEV_WARNING;
                ni += f->f[k].severity == TD_SEV_INFO;
            }
            run_verdict(&runs[i], ro, verdict, sizeof verdict);
            td_out_printf(o, "   %-44s %7zu %5zu %5zu %5zu  %s\n", safe(a, runs[i].run->name),
                          run_points(runs[i].run), ne, nw, ni, verdict);
        }
        group *g = NULL;
        size_t ng = make_groups(runs, n, &g);
        if (ng == (size_t)-1) return td_fail(e, TD_ENOMEM, "out of memory grouping runs by seed");
        for (size_t k = 0; k < ng; k++) {
            double sd = group_std(&g[k]);
            td_out_printf(o, "trial variance: %s over %zu seeds: best %s mean %.4g, std %.3g (min %.4g, max %.4g); config differences below ~%.3g are within seed noise\n",
                          safe(a, g[k].key), g[k].n, g[k].metric ? g[k].metric : "?",
                          g[k].st.mean, sd, g[k].st.min, g[k].st.max, 2 * sd);
        }
        free(g);
    }
    size_t off = 0;
    for (size_t i = 0; ro->classes == 0 && i < n; i++)
        off += td_findings_objective(runs[i].run, 0) && td_findings_objective(runs[i].run, 0)->kind == TD_METRIC_LOSS &&
               !td_findings_has(&runs[i].findings, TD_FIND_CLASSES_ASSUMED, runs[i].run->name, NULL);
    if (off)
        td_out_printf(o, "note: chance checks off for %zu run%s (initial loss vs ln C, underfitting by loss, stuck at ln C): "
                         "the classes are unknown; pass --classes C\n", off, off == 1 ? "" : "s");
    size_t nf = 0;
    for (size_t i = 0; ro->fail_on < TD_SEV_NEVER && i < n; i++)
        nf += td_findings_count_at_least(&runs[i].findings, ro->fail_on);
    if (ro->fail_on < TD_SEV_NEVER)
        td_out_printf(o, "%s: %zu finding%s at or above %s\n", nf ? "FAIL" : "ok", nf,
                      nf == 1 ? "" : "s", td_severity_name(ro->fail_on));
    if (o->failed) return td_fail(e, TD_EIO, "cannot write the report");
    return TD_OK;
}

/* ---- JSON ------------------------------------------------------------------ */
static void json_finding_status(td_json *j, const td_finding *f, const char *status)
{
    td_json_obj(j);
    if (status) td_json_kstr(j, "status", status);
    td_json_kstr(j, "kind", td_finding_kind_name(f->kind));
    td_json_kstr(j, "severity", td_severity_name(f->severity));
    td_json_kstr(j, "run", f->run);
    td_json_kstr(j, "metric", f->metric);
    td_json_kstr(j, "other", f->other);
    td_json_knum(j, "x_from", f->x_from);
    td_json_knum(j, "x_to", f->x_to);
    td_json_kint(j, "line", (long long)f->line);
    td_json_knum(j, "value", f->value);
    td_json_knum(j, "limit", f->limit);
    td_json_knum(j, "noise", f->noise);
    td_json_knum(j, "p", f->p);
    td_json_kstr(j, "evidence", f->evidence);
    td_json_kstr(j, "advice", f->advice);
    td_json_end_obj(j);
}

static void json_finding(td_json *j, const td_finding *f) { json_finding_status(j, f, NULL); }

void td_finding_write_line(td_out *o, const td_finding *f, const char *x_name, int json, const char *status)
{
    if (json) {
        td_json j;
        td_json_init(&j, o, 0);
        json_finding_status(&j, f, status);
        td_out_puts(o, "\n");
        return;
    }
    char a[NAME_CAP], b[NAME_CAP], c[TD_FINDING_TEXT];
    if (status) td_out_printf(o, "%s: ", status);
    td_out_printf(o, "%s: %s %s %s %s %g..%g: %s\n", safe(a, f->run), td_severity_name(f->severity),
                  td_finding_kind_name(f->kind), safe(b, f->metric), x_name ? x_name : "step",
                  f->x_from, f->x_to, td_safe_text(c, sizeof c, f->evidence));
}
static void json_run(td_json *j, const td_judged *jr, const td_report_opts *ro)
{
    const td_run *r = jr->run;
    char verdict[256];
    td_json_obj(j);
    td_json_kstr(j, "run", r->name);
    td_json_kstr(j, "source", jr->source);
    td_json_kstr(j, "x", r->x_name ? r->x_name : "step");
    td_json_kint(j, "points", (long long)run_points(r));
    td_json_key(j, "metrics");
    td_json_arr(j);
    for (size_t i = 0; i < r->nseries; i++) {
        const td_series *s = &r->series[i];
        series_sum m = summarize(s);
        td_json_obj(j);
        td_json_kstr(j, "name", s->name);
        td_json_kstr(j, "split", split_word(s->split));
        td_json_kstr(j, "kind", kind_word(s->kind));
        td_json_kbool(j, "percent", s->percent);
        td_json_kint(j, "points", (long long)s->n);
        td_json_kint(j, "nonfinite", (long long)(s->n - m.finite));
        td_json_knum(j, "first", m.first);
        td_json_knum(j, "last", m.last);
        td_json_knum(j, "min", m.min);
        td_json_knum(j, "max", m.max);
        td_json_end_obj(j);
    }
    td_json_end_arr(j);
    td_json_key(j, "bad_lines");
    td_json_arr(j);
    for (size_t i = 0; i < r->nbad; i++) td_json_int(j, (long long)r->bad_lines[i]);
    td_json_end_arr(j);
    run_verdict(jr, ro, verdict, sizeof verdict);
    td_json_kstr(j, "verdict", verdict);
    td_json_key(j, "findings");
    td_json_arr(j);
    for (size_t i = 0; i < jr->findings.n; i++) {
        json_finding(j, &jr->findings.f[i]);
    }
    td_json_end_arr(j);
    td_json_end_obj(j);
}

td_code td_findings_write_json(td_out *o, const td_judged *runs, size_t n,
                               const td_report_opts *ro, td_err *e)
{
    group *g = NULL;
    size_t ng = make_groups(runs, n, &g);
    if (ng == (size_t)-1) return td_fail(e, TD_ENOMEM, "out of memory grouping runs by seed");
    td_json j;
    td_json_init(&j, o, !ro->compact);
    td_json_obj(&j);
    td_json_kstr(&j, "tool", "curvecheck");
    td_json_kstr(&j, "version", TD_VERSION);
    td_json_kstr(&j, "fail_on", td_severity_name(ro->fail_on));
    td_json_kint(&j, "classes", ro->classes);
    td_json_key(&j, "runs");
    td_json_arr(&j);
    for (size_t i = 0; i < n; i++) json_run(&j, &runs[i], ro);
    td_json_end_arr(&j);
    td_json_key(&j, "groups");
    td_json_arr(&j);
    for (size_t k = 0; k < ng; k++) {
        td_json_obj(&j);
        td_json_kstr(&j, "config", g[k].key);
        td_json_kint(&j, "runs", (long long)g[k].n);
        td_json_kstr(&j, "metric", g[k].metric);
        td_json_knum(&j, "mean", g[k].st.mean);
        td_json_knum(&j, "std", group_std(&g[k]));
        td_json_knum(&j, "min", g[k].st.min);
        td_json_knum(&j, "max", g[k].st.max);
        td_json_end_obj(&j);
    }
    td_json_end_arr(&j);
    free(g);
    size_t total = 0;
    for (size_t i = 0; i < n; i++) total += runs[i].findings.n;
    td_json_key(&j, "summary");
    td_json_obj(&j);
    td_json_kint(&j, "runs", (long long)n);
    td_json_kint(&j, "findings", (long long)total);
    td_json_kint(&j, "info", (long long)count_sev(runs, n, TD_SEV_INFO));
    td_json_kint(&j, "warning", (long long)count_sev(runs, n, TD_SEV_WARNING));
    td_json_kint(&j, "error", (long long)count_sev(runs, n, TD_SEV_ERROR));
    td_json_kbool(&j, "fail", fails(runs, n, ro));
    td_json_end_obj(&j);
    td_json_end_obj(&j);
    td_out_puts(o, "\n");
    if (o->failed) return td_fail(e, TD_EIO, "cannot write the JSON report");
    return TD_OK;
}
