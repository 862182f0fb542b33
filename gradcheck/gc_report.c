/* gc_report.c — gradcheck's output: the table for people and the JSON for
 * machines, from one td_gc_result (the names it uses: gc_result.c). Tensor
 * names were made safe (td_safe_text) when the rows were made. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "td_gradcheck.h"

static void shape_text(char *dst, size_t cap, const td_gc_row *r)
{
    size_t len = 0;
    dst[0] = '\0';
    if (r->rank == 0) { snprintf(dst, cap, "scalar"); return; }
    for (int d = 0; d < r->rank && len < cap; d++)
        len += (size_t)snprintf(dst + len, cap - len, "%s%zu", d ? "x" : "", r->shape[d]);
}

/* "wrong: sign flip ..." / "wrong: constant factor 1/8 (a = 0.125 n)" */
static void verdict_text(char *dst, size_t cap, const td_gc_row *r)
{
    const char *v = td_gc_verdict_name(r->verdict);
    if (r->bug == TD_GC_BUG_NONE) snprintf(dst, cap, "%s", v);
    else if (r->bug == TD_GC_BUG_FACTOR) {
        double f = r->factor, inv = 1 / f;
        if (fabs(inv - round(inv)) < 1e-9 && inv >= 2)
            snprintf(dst, cap, "%s: constant factor 1/%.0f (analytic = numerical/%.0f)", v, inv, inv);
        else if (fabs(f - round(f)) < 1e-9 && f >= 2)
            snprintf(dst, cap, "%s: constant factor %.0f (analytic = %.0f x numerical: a missing 1/%.0f, e.g. 1/batch?)",
                     v, f, f, f);
        else snprintf(dst, cap, "%s: constant factor %.6g (analytic = %.6g x numerical)", v, f, f);
    } else if (r->bug == TD_GC_BUG_ZERO_BRANCH)
        snprintf(dst, cap, "%s: zero on one branch at %zu %s whose true slope is small (a forgotten "
                 "factor, e.g. leaky ReLU's alpha)", v, r->bug_count, r->bug_count == 1 ? "entry" : "entries");
    else if (r->bug == TD_GC_BUG_UNWRITTEN)
        snprintf(dst, cap, "%s: %zu %s never written (analytic exactly 0)", v, r->bug_count,
                 r->bug_count == 1 ? "entry" : "entries");
    else snprintf(dst, cap, "%s: %s", v, td_gc_bug_name(r->bug));
}

/* The closing verdict, the same words in the table and the JSON. */
static const char *overall(const td_gc_result *res)
{
    if (td_gc_exit_code(res) != 0) return res->verdict == TD_GC_SUSPICIOUS ? "suspicious" : "wrong";
    return res->verdict == TD_GC_SUSPICIOUS ? "correct within float32 rounding" : "correct";
}

int td_gc_write_table(td_out *o, const td_gc_result *res)
{
    td_out_printf(o, "gradcheck %s%s%s%s: %s mode, h=%g, seed=%llu, %s, error floor %.3g, %zu evaluations on %d worker%s\n",
                  res->layer, res->instance[0] ? " (" : "", res->instance, res->instance[0] ? ")" : "",
                  res->mode, res->h, (unsigned long long)res->seed,
                  res->float32 ? "precision float32 (layer computes in float32; checked through double)"
                               : "precision float64",
                  res->floor, res->evals, res->workers, res->workers > 1 ? "s" : "");
    if (res->nsweep) {
        td_out_printf(o, "h sweep (largest error over every checked non-kink element, up to 512 a tensor):\n");
        for (int s = 0; s < res->nsweep; s++) {
            char used[160] = "";
            size_t len = 0;
            for (int i = 0; i < res->nrows && len < sizeof used; i++)
                if (res->rows[i].obj == 0 && res->rows[i].h == res->sweep_h[s])
                    len += (size_t)snprintf(used + len, sizeof used - len, "%s%s", len ? "," : "", res->rows[i].name);
            td_out_printf(o, "  h=%-7g %.3e  %4zu kinks%s%s%s\n", res->sweep_h[s], res->sweep_err[s],
                          res->sweep_kinks[s], res->sweep_h[s] == res->h ? "  <- best" : "",
                          used[0] ? ", used for " : "", used);
        }
    }
    td_out_printf(o, "%-12s %-6s %-12s %8s %6s %12s %10s %10s %-14s  %-11s %12s %14s  %s\n", "tensor", "kind",
                  "shape", "checked", "kinks", "max_rel_err", "abs_err", "scale", ">1e-7/-4/-2",
                  "worst", "analytic", "numerical", "verdict");
    for (int i = 0; i < res->nrows; i++) {
        const td_gc_row *r = &res->rows[i];
        char shape[64], ix[96], verdict[160], checked[32];
        shape_text(shape, sizeof shape, r);
        td_gc_multi_index(ix, sizeof ix, r->worst, r->rank, r->shape);
        verdict_text(verdict, sizeof verdict, r);
        if (isnan(r->worst_a)) snprintf(ix, sizeof ix, "-");
        snprintf(checked, sizeof checked, strcmp(res->mode, "fast") == 0 && isnan(r->worst_a) ? "%zu dirs" : "%zu", r->checked);
        char an[32] = "-", nu[32] = "-";
        if (!isnan(r->worst_a)) {
            snprintf(an, sizeof an, "%.5g", r->worst_a);
            snprintf(nu, sizeof nu, "%.5g", r->worst_n);
        }
        char bands[48] = "-", ab[16] = "-", sc[16] = "-";
        if (!isnan(r->worst_a)) {
            snprintf(bands, sizeof bands, "%zu/%zu/%zu", r->over[0], r->over[1], r->over[2]);
            snprintf(ab, sizeof ab, "%.3g", r->max_abs);
            snprintf(sc, sizeof sc, "%.3g", r->scale);
        }
        td_out_printf(o, "%-12s %-6s %-12s %8s %6zu %12.3e %10s %10s %-14s  %-11s %12s %14s  %s\n", r->name,
                      r->kind == TD_T_PARAM ? "param" : "input", shape, checked, r->kinks,
                      r->max_err, ab, sc, bands, ix, an, nu, verdict);
    }
    for (int i = 0; i < res->nnotes; i++)
        td_out_printf(o, "%s: %s\n", res->note_is_finding[i] ? "finding" : "note", res->notes[i]);
    td_out_printf(o, "verdict: %s\n", overall(res));
    return o->failed ? -1 : 0;
}

/* Open an element object: its multi-index, analytic and numerical value
 * (the caller may add keys, then closes it). */
static void json_element(td_json *j, const td_gc_row *r, size_t flat, double a, double n)
{
    size_t idx[TD_TENSOR_MAXRANK];
    for (int d = r->rank - 1; d >= 0; d--) { idx[d] = flat % r->shape[d]; flat /= r->shape[d]; }
    td_json_obj(j);
    td_json_key(j, "index");
    td_json_arr(j);
    for (int d = 0; d < r->rank; d++) td_json_int(j, (long long)idx[d]);
    td_json_end_arr(j);
    td_json_knum(j, "analytic", a);
    td_json_knum(j, "numerical", n);
}

int td_gc_write_json(td_out *o, const td_gc_result *res)
{
    td_json j;
    td_json_init(&j, o, 1);
    td_json_obj(&j);
    td_json_kstr(&j, "tool", "gradcheck");
    td_json_kstr(&j, "version", TD_VERSION);
    td_json_kstr(&j, "layer", res->layer);
    td_json_key(&j, "instance"); /* the pairs, as given: {"in": "4", ...} */
    td_json_obj(&j);
    for (const char *p = res->instance; *p;) {
        size_t kl = strcspn(p, "="), vl;
        char k[128], v[128];
        snprintf(k, sizeof k, "%.*s", (int)(kl < 127 ? kl : 127), p);
        p += kl + (p[kl] == '=');
        vl = strcspn(p, ",");
        snprintf(v, sizeof v, "%.*s", (int)(vl < 127 ? vl : 127), p);
        p += vl + (p[vl] == ',');
        td_json_kstr(&j, k, v);
    }
    td_json_end_obj(&j);
    td_json_kstr(&j, "mode", res->mode);
    td_json_kstr(&j, "precision", res->float32 ? "float32" : "float64");
    td_json_knum(&j, "h", res->h);
    td_json_kint(&j, "seed", (long long)res->seed);
    td_json_knum(&j, "objective", res->loss);
    td_json_knum(&j, "error_floor", res->floor);
    td_json_kint(&j, "evaluations", (long long)res->evals);
    td_json_kint(&j, "workers", res->workers);
    if (res->nsweep) {
        td_json_key(&j, "h_sweep");
        td_json_arr(&j);
        for (int s = 0; s < res->nsweep; s++) {
            td_json_obj(&j);
            td_json_knum(&j, "h", res->sweep_h[s]);
            td_json_knum(&j, "max_rel_error", res->sweep_err[s]);
            td_json_kint(&j, "kinks", (long long)res->sweep_kinks[s]);
            td_json_end_obj(&j);
        }
        td_json_end_arr(&j);
    }
    td_json_key(&j, "tensors");
    td_json_arr(&j);
    for (int i = 0; i < res->nrows; i++) {
        const td_gc_row *r = &res->rows[i];
        td_json_obj(&j);
        td_json_kstr(&j, "name", r->name);
        td_json_kstr(&j, "kind", r->kind == TD_T_PARAM ? "param" : "input");
        td_json_kstr(&j, "objective", r->obj ? "regularization" : "data");
        td_json_key(&j, "shape");
        td_json_arr(&j);
        for (int d = 0; d < r->rank; d++) td_json_int(&j, (long long)r->shape[d]);
        td_json_end_arr(&j);
        td_json_kint(&j, "elements", (long long)r->numel);
        td_json_kint(&j, "checked", (long long)r->checked);
        td_json_kint(&j, "kinks", (long long)r->kinks);
        td_json_knum(&j, "h", r->h);
        td_json_knum(&j, "max_rel_error", r->max_err);
        td_json_knum(&j, "max_abs_error", r->max_abs);
        td_json_knum(&j, "scale", r->scale);
        td_json_key(&j, "over"); /* non-kink elements over each band edge */
        td_json_obj(&j);
        td_json_kint(&j, "1e-7", (long long)r->over[0]);
        td_json_kint(&j, "1e-4", (long long)r->over[1]);
        td_json_kint(&j, "1e-2", (long long)r->over[2]);
        td_json_end_obj(&j);
        td_json_kint(&j, "unresolved", (long long)r->unresolved);
        td_json_kint(&j, "failing", (long long)r->nfail);
        td_json_key(&j, "failing_elements"); /* the first TD_GC_ROW_FAILS */
        td_json_arr(&j);
        for (size_t f = 0; f < r->nfail && f < TD_GC_ROW_FAILS; f++) {
            json_element(&j, r, r->fail[f].i, r->fail[f].a, r->fail[f].n);
            td_json_knum(&j, "rel_error", r->fail[f].err);
            td_json_end_obj(&j);
        }
        td_json_end_arr(&j);
        td_json_kstr(&j, "verdict", td_gc_verdict_name(r->verdict));
        td_json_key(&j, "worst");
        if (isnan(r->worst_a)) td_json_null(&j);
        else {
            json_element(&j, r, r->worst, r->worst_a, r->worst_n);
            td_json_end_obj(&j);
        }
        td_json_key(&j, "bug");
        if (r->bug == TD_GC_BUG_NONE) td_json_null(&j);
        else td_json_str(&j, td_gc_bug_name(r->bug));
        if (r->bug == TD_GC_BUG_FACTOR) td_json_knum(&j, "factor", r->factor);
        if (r->bug == TD_GC_BUG_UNWRITTEN) td_json_kint(&j, "unwritten", (long long)r->bug_count);
        td_json_end_obj(&j);
    }
    td_json_end_arr(&j);
    td_json_key(&j, "notes");
    td_json_arr(&j);
    for (int i = 0; i < res->nnotes; i++) {
        td_json_obj(&j);
        td_json_kbool(&j, "finding", res->note_is_finding[i]);
        td_json_kstr(&j, "text", res->notes[i]);
        td_json_end_obj(&j);
    }
    td_json_end_arr(&j);
    td_json_kstr(&j, "verdict", overall(res));
    td_json_kint(&j, "exit", td_gc_exit_code(res));
    td_json_end_obj(&j);
    td_out_puts(o, "\n");
    return o->failed ? -1 : 0;
}
