/* pl_gradcheck.c — adapter: gradcheck's --json document (read with
 * json-c) as figures: max relative error per tensor against the verdict
 * bands, and the h sweep's U-curve. */
#include "td_plot.h"

#include <json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PL_ERR_FLOOR 1e-16 /* an error of exactly 0 is drawn here on the log axis */
#define PL_MAX_TENSORS 64

/* Seed 003's bands, in the band colour order of the writer (blue, red,
 * green, grey): a table of (lo, hi, label). */
static const struct { double lo, hi; const char *label; } gc_bands[] = {
    {1e-7, 1e-4, "1e-7..1e-4: only at kinks"},
    {1e-2, 10, "> 1e-2: wrong"},
    {PL_ERR_FLOOR, 1e-7, "<= 1e-7: correct"},
    {1e-4, 1e-2, "1e-4..1e-2: suspicious"},
};

static const char *jstr(json_object *o, const char *key)
{
    json_object *v;
    return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
               ? json_object_get_string(v) : NULL;
}

/* Number member (json null -> NaN); 0 when absent or not a number. */
static int jnum(json_object *o, const char *key, double *out)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v)) return 0;
    if (!v) { *out = NAN; return 1; }
    if (!json_object_is_type(v, json_type_double) && !json_object_is_type(v, json_type_int))
        return 0;
    *out = json_object_get_double(v);
    return 1;
}

static json_object *jarr(json_object *o, const char *key)
{
    json_object *v;
    return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_array)
               ? v : NULL;
}

static td_code fig_tensors(td_report *r, json_object *doc, json_object *ts, const char *src,
                           const char *layer, td_err *e)
{
    size_t n = json_object_array_length(ts);
    if (n > PL_MAX_TENSORS) n = PL_MAX_TENSORS;
    double x[PL_MAX_TENSORS], y[PL_MAX_TENSORS];
    const char *names[PL_MAX_TENSORS];
    for (size_t i = 0; i < n; i++) {
        json_object *t = json_object_array_get_idx(ts, i);
        const char *name = jstr(t, "name");
        double err;
        if (!name || !jnum(t, "max_rel_error", &err))
            return td_fail(e, TD_EINPUT, "%s: tensors[%zu]: no \"name\" or \"max_rel_error\"", src, i);
        names[i] = name;
        x[i] = (double)i;
        y[i] = isfinite(err) ? fmax(err, PL_ERR_FLOOR) : NAN;
    }
    char t[512], cap[768];
    double h = NAN;
    jnum(doc, "h", &h);
    snprintf(t, sizeof t, "gradcheck %s: relative error per tensor", layer);
    snprintf(cap, sizeof cap, "Largest relative error |a-n|/max(|a|,|n|) of each tensor "
             "(h = %g), log y, against the bands of the cs231n gradient-check notes. An "
             "error of 0 is drawn at 1e-16.", h);
    td_plot_fig *f = td_report_fig(r, t, cap);
    td_plot_panel *p = f ? td_plot_fig_panel(f, NULL, "tensor", "max relative error") : NULL;
    if (!p) return td_fail(e, TD_ENOMEM, "out of memory");
    p->logy = 1;
    for (size_t b = 0; b < sizeof gc_bands / sizeof gc_bands[0]; b++)
        if (td_plot_add_band(p, gc_bands[b].lo, gc_bands[b].hi, gc_bands[b].label))
            return td_fail(e, TD_ENOMEM, "out of memory");
    if ((n && td_plot_add_series(f, p, "max rel. error", TD_PLOT_POINTS, x, y, n)) ||
        td_plot_set_xtics(p, names, n))
        return td_fail(e, TD_ENOMEM, "out of memory");
    int fig = td_report_fig_index(r, f);
    for (size_t i = 0; i < n; i++) {
        json_object *tj = json_object_array_get_idx(ts, i);
        const char *v = jstr(tj, "verdict"), *bug = jstr(tj, "bug");
        if (!v || !strcmp(v, "correct") || !strcmp(v, "kink")) continue;
        char text[512];
        snprintf(text, sizeof text, "tensor %s: max relative error %.3g: %s%s%s", names[i],
                 y[i], v, bug ? ", looks like a " : "", bug ? bug : "");
        if (td_report_add_finding(r, strcmp(v, "wrong") ? TD_PLOT_WARN : TD_PLOT_ERROR, src,
                                  text, fig))
            return td_fail(e, TD_ENOMEM, "out of memory");
    }
    json_object *notes = jarr(doc, "notes");
    for (size_t i = 0; notes && i < json_object_array_length(notes); i++) {
        json_object *nj = json_object_array_get_idx(notes, i), *fv;
        const char *text = jstr(nj, "text");
        int finding = json_object_object_get_ex(nj, "finding", &fv) && json_object_get_boolean(fv);
        if (text && td_report_add_finding(r, finding ? TD_PLOT_WARN : TD_PLOT_INFO, src, text, fig))
            return td_fail(e, TD_ENOMEM, "out of memory");
    }
    return TD_OK;
}

static td_code fig_sweep(td_report *r, json_object *doc, json_object *sw, const char *src,
                         const char *layer, td_err *e)
{
    size_t n = json_object_array_length(sw);
    if (!n) return TD_OK;
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    if (!x || !y) { free(x); free(y); return td_fail(e, TD_ENOMEM, "out of memory"); }
    td_code c = TD_OK;
    size_t k = 0;
    for (size_t i = 0; i < n && !c; i++) {
        json_object *s = json_object_array_get_idx(sw, i);
        double h, err;
        if (!jnum(s, "h", &h) || !jnum(s, "max_rel_error", &err))
            c = td_fail(e, TD_EINPUT, "%s: h_sweep[%zu]: no \"h\" or \"max_rel_error\"", src, i);
        else if (h > 0 && isfinite(err)) { x[k] = h; y[k++] = fmax(err, PL_ERR_FLOOR); }
    }
    char t[512];
    snprintf(t, sizeof t, "gradcheck %s: h sweep", layer);
    td_plot_fig *f = c ? NULL : td_report_fig(r, t,
        "Largest relative error against the step h, log-log: truncation error falls with h "
        "from the right, rounding error grows as h shrinks on the left; the bottom of the U "
        "is the best h (the dashed line marks the h the check used).");
    td_plot_panel *p = f ? td_plot_fig_panel(f, NULL, "h", "max relative error") : NULL;
    double used;
    if (!c && (!p || td_plot_add_series(f, p, "max rel. error", TD_PLOT_LINESPOINTS, x, y, k) ||
               (jnum(doc, "h", &used) && isfinite(used) && td_plot_add_mark(p, used, "h used"))))
        c = td_fail(e, TD_ENOMEM, "out of memory");
    if (p) { p->logx = 1; p->logy = 1; }
    free(x);
    free(y);
    return c;
}

td_code td_plot_add_gradcheck_json(td_report *r, const char *source, const char *text,
                                   size_t len, td_err *e)
{
    json_tokener *tok = json_tokener_new();
    if (!tok) return td_fail(e, TD_ENOMEM, "out of memory");
    json_object *doc = len <= (size_t)2147483647 ? json_tokener_parse_ex(tok, text, (int)len) : NULL;
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    size_t off = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);
    if (!doc || jerr != json_tokener_success) {
        json_object_put(doc);
        return td_fail(e, TD_EINPUT, "%s: not valid JSON near byte %zu: %s", source, off,
                       jerr == json_tokener_continue ? "unexpected end"
                                                     : json_tokener_error_desc(jerr));
    }
    td_code c = TD_OK;
    const char *tool = json_object_is_type(doc, json_type_object) ? jstr(doc, "tool") : NULL;
    json_object *ts = tool ? jarr(doc, "tensors") : NULL;
    if (!tool || strcmp(tool, "gradcheck") || !ts)
        c = td_fail(e, TD_EINPUT, "%s: not a gradcheck --json document (no \"tool\":\"gradcheck\" "
                    "with \"tensors\")", source);
    const char *layer = tool ? jstr(doc, "layer") : NULL;
    if (!layer) layer = "layer";
    if (!c && td_report_add_input(r, source)) c = td_fail(e, TD_ENOMEM, "out of memory");
    if (!c) c = fig_tensors(r, doc, ts, source, layer, e);
    json_object *sw = c ? NULL : jarr(doc, "h_sweep");
    if (sw) c = fig_sweep(r, doc, sw, source, layer, e);
    json_object_put(doc);
    return c;
}
