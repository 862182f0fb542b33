/* dp_write.c — the human summary (one line per layer with its flags, then
 * findings and notes) and the JSON document (schema in dumpcheck(1)). */
#include "td_dump.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void shape_text(const td_dump_shape *s, char *buf, size_t cap)
{
    size_t n = (size_t)snprintf(buf, cap, "(");
    for (int i = 0; i < s->rank && n < cap; i++)
        n += (size_t)snprintf(buf + n, cap - n, "%s%llu", i ? "," : "", (unsigned long long)s->dims[i]);
    if (n < cap) snprintf(buf + n, cap - n, ")");
}

static void flags_text(unsigned flags, char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = 0;
    for (unsigned b = 1; b && b <= TD_DF_LAST; b <<= 1)
        if (flags & b) n += (size_t)snprintf(buf + n, n < cap ? cap - n : 0, "%s%s", n ? "," : "", td_dump_flag_name((td_dump_flag)b));
    if (!buf[0]) snprintf(buf, cap, "-");
}

static void num_text(double v, char *buf, size_t cap)
{
    if (isnan(v)) snprintf(buf, cap, "-");
    else snprintf(buf, cap, "%.2e", v);
}

static const char *dtype(const td_dump_shape *s, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s%d", s->cls == 'f' ? "float" : s->cls == 'b' ? "bfloat" : s->cls == 'u' ? "uint" : "int", s->bits);
    return buf;
}

/* The latest activation tensor of a layer, or NULL. */
static const td_dump_tensor *last_act(const td_dump *d, int layer)
{
    const td_dump_tensor *a = NULL;
    for (size_t i = 0; i < d->ntensors; i++) {
        const td_dump_tensor *t = &d->tensors[i];
        if (t->layer == layer && t->kind == TD_DK_ACT && (!a || t->step > a->step)) a = t;
    }
    return a;
}

static void write_tensors_text(const td_dump *d, td_out *out)
{
    char path[200], sh[64], dt[16];
    td_out_printf(out, "%-40s %-16s %-8s %10s %10s %10s %10s %6s %s\n", "dataset", "shape", "dtype",
                  "mean", "std", "min", "max", "zero%", "nan/inf");
    for (size_t i = 0; i < d->ntensors; i++) {
        const td_dump_tensor *t = &d->tensors[i];
        td_safe_text(path, sizeof path, t->path);
        shape_text(&t->shape, sh, sizeof sh);
        double tot = (double)(t->st.n);
        td_out_printf(out, "%-40s %-16s %-8s %10.3g %10.3g %10.3g %10.3g %5.1f%% %llu\n", path, sh,
                      dtype(&t->shape, dt, sizeof dt), t->st.mean, td_stats_std(&t->st), t->st.min, t->st.max,
                      tot > 0 ? 100.0 * (double)t->st.zeros / tot : 0.0,
                      (unsigned long long)(t->st.nans + t->st.infs));
    }
}

void td_dump_write_text(const td_dump *d, const td_dump_opts *o, td_out *out)
{
    (void)o;
    char name[64], buf[256];
    td_safe_text(buf, sizeof buf, d->files[0]);
    td_out_printf(out, "dumpcheck: %s%s: layout %s, %zu tensors, %zu layers", buf, d->nfiles > 1 ? " (+ more files)" : "",
                  td_dump_layout_name(d->layout), d->ntensors, d->nlayers);
    if (d->nsteps) td_out_printf(out, ", %zu steps (%lld..%lld)", d->nsteps, d->steps[0], d->steps[d->nsteps - 1]);
    if (d->optimizer[0]) { td_safe_text(buf, sizeof buf, d->optimizer); td_out_printf(out, ", optimizer %s", buf); }
    if (isfinite(d->lr)) td_out_printf(out, ", lr %g", d->lr);
    if (d->iterations >= 0) td_out_printf(out, ", %lld iterations", d->iterations);
    td_out_printf(out, "\n");
    if (d->layout == TD_DUMP_GENERIC) {
        write_tensors_text(d, out);
    } else {
        td_out_printf(out, "%-3s %-24s %-8s %-16s %9s %8s %9s %9s %9s %s\n", "#", "layer", "act", "weight", "std",
                      "std/He", "upd/w", "grad_rms", "dead", "flags");
        for (size_t li = 0; li < d->nlayers; li++) {
            const td_dump_layer *l = &d->layers[li];
            char sh[64] = "-", fl[256], r[32], g[32], dead[32] = "-", sd[32], he[32];
            for (size_t i = 0; i < d->ntensors; i++) {
                const td_dump_tensor *t = &d->tensors[i];
                if (t->layer == (int)li && t->kind == TD_DK_PARAM && t->shape.rank >= 2) { shape_text(&t->shape, sh, sizeof sh); break; }
            }
            const td_dump_tensor *a = last_act(d, (int)li);
            if (a && a->units) snprintf(dead, sizeof dead, "%llu/%llu", (unsigned long long)a->dead_units, (unsigned long long)a->units);
            td_safe_text(name, sizeof name, l->name);
            flags_text(l->flags, fl, sizeof fl);
            num_text(l->ratio_median, r, sizeof r);
            num_text(l->grad_rms_last, g, sizeof g);
            if (isnan(l->init_std)) snprintf(sd, sizeof sd, "-"); else snprintf(sd, sizeof sd, "%.3g", l->init_std);
            if (isnan(l->he) || isnan(l->init_std)) snprintf(he, sizeof he, "-"); else snprintf(he, sizeof he, "%.2f", l->init_std / l->he);
            char act[16];
            td_safe_text(act, sizeof act, l->act[0] ? l->act : "-");
            td_out_printf(out, "%-3zu %-24s %-8s %-16s %9s %8s %9s %9s %9s %s\n", li, name, act, sh, sd, he, r, g, dead, fl);
        }
    }
    td_dump_write_prop_text(d, out);
    for (size_t i = 0; i < d->nfindings; i++) td_out_printf(out, "finding: %s\n", d->findings[i].msg);
    for (size_t i = 0; i < d->nnotes; i++) {
        td_safe_text(buf, sizeof buf, d->notes[i]);
        td_out_printf(out, "note: %s\n", buf);
    }
    if (d->nfindings) {
        unsigned all = 0;
        for (size_t i = 0; i < d->nfindings; i++) all |= (unsigned)d->findings[i].flag;
        char fl[256];
        flags_text(all, fl, sizeof fl);
        td_out_printf(out, "verdict: %zu finding%s (%s)\n", d->nfindings, d->nfindings == 1 ? "" : "s", fl);
    } else {
        td_out_printf(out, "verdict: no finding\n");
    }
}

static void json_flags(td_json *j, unsigned flags)
{
    td_json_arr(j);
    for (unsigned b = 1; b && b <= TD_DF_LAST; b <<= 1)
        if (flags & b) td_json_str(j, td_dump_flag_name((td_dump_flag)b));
    td_json_end_arr(j);
}

static void json_tensor(td_json *j, const td_dump *d, const td_dump_tensor *t, int bins)
{
    char dt[16];
    td_json_obj(j);
    td_json_kstr(j, "path", t->path);
    td_json_kint(j, "file", t->file);
    td_json_kint(j, "step", t->step);
    td_json_kint(j, "layer", t->layer);
    td_json_kstr(j, "kind", td_dump_kind_name(t->kind));
    td_json_kstr(j, "param", t->param);
    td_json_kstr(j, "slot", t->slot);
    td_json_key(j, "shape");
    td_json_arr(j);
    for (int i = 0; i < t->shape.rank; i++) td_json_int(j, (long long)t->shape.dims[i]);
    td_json_end_arr(j);
    td_json_kstr(j, "dtype", dtype(&t->shape, dt, sizeof dt));
    td_json_kint(j, "count", (long long)t->st.n);
    td_json_knum(j, "mean", t->st.n ? t->st.mean : NAN);
    td_json_knum(j, "std", td_stats_std(&t->st));
    td_json_knum(j, "min", t->st.n ? t->st.min : NAN);
    td_json_knum(j, "max", t->st.n ? t->st.max : NAN);
    td_json_knum(j, "rms", td_stats_rms(&t->st));
    td_json_knum(j, "norm", td_stats_norm(&t->st));
    td_json_knum(j, "zero_frac", t->st.n ? (double)t->st.zeros / (double)t->st.n : NAN);
    td_json_kint(j, "nans", (long long)t->st.nans);
    td_json_kint(j, "infs", (long long)t->st.infs);
    if (t->kind == TD_DK_ACT) {
        td_json_kint(j, "units", (long long)t->units);
        td_json_kint(j, "dead_units", (long long)t->dead_units);
        td_json_kint(j, "saturated", (long long)t->saturated);
    }
    if (t->hist && t->st.n) {
        double *c = calloc((size_t)bins, sizeof *c);
        if (c) {
            td_dump_tensor_bins(t, bins, c);
            td_json_key(j, "hist");
            td_json_obj(j);
            td_json_knum(j, "lo", t->st.min);
            td_json_knum(j, "hi", t->st.max);
            td_json_key(j, "counts");
            td_json_arr(j);
            for (int i = 0; i < bins; i++) td_json_num(j, c[i]);
            td_json_end_arr(j);
            td_json_end_obj(j);
            free(c);
        }
        /* exponential buckets: [lo, hi, count] of the non-empty ones, negative first */
        td_json_key(j, "exp_hist");
        td_json_arr(j);
        for (int s = TD_HIST_EXP_N - 1; s >= 0; s--)
            if (t->hist->exp_neg[s]) {
                td_json_arr(j);
                td_json_num(j, -td_hist_exp_edge(s + 1)); td_json_num(j, -td_hist_exp_edge(s));
                td_json_int(j, (long long)t->hist->exp_neg[s]);
                td_json_end_arr(j);
            }
        if (t->hist->exp_zero) {
            td_json_arr(j);
            td_json_num(j, -td_hist_exp_edge(0)); td_json_num(j, td_hist_exp_edge(0));
            td_json_int(j, (long long)t->hist->exp_zero);
            td_json_end_arr(j);
        }
        for (int s = 0; s < TD_HIST_EXP_N; s++)
            if (t->hist->exp_pos[s]) {
                td_json_arr(j);
                td_json_num(j, td_hist_exp_edge(s)); td_json_num(j, td_hist_exp_edge(s + 1));
                td_json_int(j, (long long)t->hist->exp_pos[s]);
                td_json_end_arr(j);
            }
        td_json_end_arr(j);
    }
    (void)d;
    td_json_end_obj(j);
}

void td_dump_write_json(const td_dump *d, const td_dump_opts *o, td_out *out)
{
    td_json j;
    int bins = o && o->bins > 0 ? o->bins : 30;
    td_json_init(&j, out, 0);
    td_json_obj(&j);
    td_json_kstr(&j, "tool", "dumpcheck");
    td_json_kstr(&j, "version", TD_VERSION);
    td_json_kstr(&j, "layout", td_dump_layout_name(d->layout));
    td_json_key(&j, "files");
    td_json_arr(&j);
    for (int i = 0; i < d->nfiles; i++) td_json_str(&j, d->files[i]);
    td_json_end_arr(&j);
    td_json_knum(&j, "lr", d->lr);
    td_json_kstr(&j, "optimizer", d->optimizer[0] ? d->optimizer : NULL);
    if (d->iterations >= 0) td_json_kint(&j, "iterations", d->iterations);
    else { td_json_key(&j, "iterations"); td_json_null(&j); }
    td_json_kint(&j, "bytes", (long long)d->bytes);
    td_json_kstr(&j, "step_source", td_dump_step_source_text(d->step_source));
    td_json_kbool(&j, "steps_known", TD_STEPS_KNOWN(d->step_source));
    td_json_key(&j, "steps");
    td_json_arr(&j);
    for (size_t i = 0; i < d->nsteps; i++) td_json_int(&j, d->steps[i]);
    td_json_end_arr(&j);
    td_json_key(&j, "layers");
    td_json_arr(&j);
    for (size_t i = 0; i < d->nlayers; i++) {
        const td_dump_layer *l = &d->layers[i];
        td_json_obj(&j);
        td_json_kstr(&j, "name", l->name);
        td_json_kint(&j, "depth", l->depth);
        td_json_kstr(&j, "activation", l->act[0] ? l->act : NULL);
        td_json_kint(&j, "fan_in", (long long)l->fan_in);
        td_json_kint(&j, "fan_out", (long long)l->fan_out);
        td_json_knum(&j, "init_std", l->init_std);
        td_json_knum(&j, "he", l->he);
        td_json_knum(&j, "glorot", l->glorot);
        td_json_knum(&j, "lecun", l->lecun);
        td_json_knum(&j, "grad_rms", l->grad_rms_last);
        td_json_knum(&j, "ratio_median", l->ratio_median);
        td_json_key(&j, "flags");
        json_flags(&j, l->flags);
        td_json_end_obj(&j);
    }
    td_json_end_arr(&j);
    td_json_key(&j, "ratios");
    td_json_arr(&j);
    static const char *const methods[] = { "diff", "grad", "adam", "checkpoint" };
    for (size_t i = 0; i < d->nratios; i++) {
        const td_dump_ratio *r = &d->ratios[i];
        td_json_obj(&j);
        td_json_kint(&j, "layer", r->layer);
        td_json_kstr(&j, "param", r->param);
        td_json_kint(&j, "step", r->step);
        td_json_kint(&j, "step_to", r->step_to);
        td_json_knum(&j, "ratio", r->ratio);
        td_json_kstr(&j, "method", methods[r->method]);
        td_json_end_obj(&j);
    }
    td_json_end_arr(&j);
    td_dump_write_prop_json(d, &j);
    td_json_key(&j, "findings");
    td_json_arr(&j);
    for (size_t i = 0; i < d->nfindings; i++) {
        const td_dump_finding *f = &d->findings[i];
        td_json_obj(&j);
        td_json_kstr(&j, "flag", td_dump_flag_name(f->flag));
        td_json_kint(&j, "layer", f->layer);
        td_json_kint(&j, "step", f->step);
        td_json_knum(&j, "value", f->value);
        td_json_knum(&j, "threshold", f->threshold);
        td_json_kstr(&j, "message", f->msg);
        td_json_end_obj(&j);
    }
    td_json_end_arr(&j);
    td_json_key(&j, "notes");
    td_json_arr(&j);
    for (size_t i = 0; i < d->nnotes; i++) td_json_str(&j, d->notes[i]);
    td_json_end_arr(&j);
    td_json_key(&j, "tensors");
    td_json_arr(&j);
    for (size_t i = 0; i < d->ntensors; i++) json_tensor(&j, d, &d->tensors[i], bins);
    td_json_end_arr(&j);
    td_json_end_obj(&j);
    td_out_puts(out, "\n");
}
