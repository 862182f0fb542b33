/* sc_report.c — the sanitycheck report: rows of verdicts with their
 * numbers and likely causes, written as text or JSON. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "td_sanity.h"

void td_sc_report_init(td_sc_report *r, const char *mode, const char *source)
{
    memset(r, 0, sizeof *r);
    snprintf(r->mode, sizeof r->mode, "%s", mode ? mode : "");
    td_safe_text(r->source, sizeof r->source, source ? source : "");
}

td_sc_check *td_sc_add(td_sc_report *r, const char *name)
{
    if (r->n >= TD_SC_MAXCHECK) return NULL;
    td_sc_check *c = &r->c[r->n++];
    memset(c, 0, sizeof *c);
    snprintf(c->name, sizeof c->name, "%s", name);
    c->status = TD_SC_PASS;
    return c;
}

void td_sc_num(td_sc_check *c, const char *key, double v)
{
    if (!c || c->n_nums >= TD_SC_MAXNUM) return;
    snprintf(c->nums[c->n_nums].key, sizeof c->nums[0].key, "%s", key);
    c->nums[c->n_nums++].v = v;
}

void td_sc_what(td_sc_check *c, const char *fmt, ...)
{
    if (!c) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->what, sizeof c->what, fmt, ap);
    va_end(ap);
}

void td_sc_cause(td_sc_check *c, const char *fmt, ...)
{
    if (!c) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->cause, sizeof c->cause, fmt, ap);
    va_end(ap);
}

int td_sc_exit_code(const td_sc_report *r)
{
    for (int i = 0; i < r->n; i++)
        if (r->c[i].status == TD_SC_FAIL) return TD_EXIT_FINDING;
    return TD_EXIT_OK;
}

const char *td_sc_status_name(td_sc_status s)
{
    static const char *const names[] = { "PASS", "FAIL", "SKIP" };
    return (unsigned)s < 3 ? names[s] : "?";
}

int td_sc_write_text(td_out *o, const td_sc_report *r)
{
    int fails = 0;
    td_out_printf(o, "sanitycheck %s: %s\n", r->mode, r->source);
    for (int i = 0; i < r->n; i++) {
        const td_sc_check *c = &r->c[i];
        fails += c->status == TD_SC_FAIL;
        td_out_printf(o, "  %-15s %s  %s\n", c->name, td_sc_status_name(c->status), c->what);
        if (c->n_nums) {
            td_out_puts(o, "  ");
            for (int k = 0; k < c->n_nums; k++)
                td_out_printf(o, " %s=%.4g", c->nums[k].key, c->nums[k].v);
            td_out_puts(o, "\n");
        }
        if (c->cause[0])
            td_out_printf(o, "    %s: %s\n", c->status == TD_SC_FAIL ? "likely cause" : "note", c->cause);
    }
    td_out_printf(o, "%d of %d checks failed\n", fails, r->n);
    return o->failed ? -1 : 0;
}

int td_sc_write_json(td_out *o, const td_sc_report *r)
{
    td_json j;
    td_json_init(&j, o, 1);
    td_json_obj(&j);
    td_json_kstr(&j, "tool", "sanitycheck");
    td_json_kstr(&j, "version", TD_VERSION);
    td_json_kstr(&j, "mode", r->mode);
    td_json_kstr(&j, "source", r->source);
    td_json_key(&j, "checks");
    td_json_arr(&j);
    for (int i = 0; i < r->n; i++) {
        const td_sc_check *c = &r->c[i];
        td_json_obj(&j);
        td_json_kstr(&j, "name", c->name);
        td_json_kstr(&j, "status", td_sc_status_name(c->status));
        td_json_kstr(&j, "what", c->what);
        td_json_kstr(&j, "cause", c->cause[0] ? c->cause : NULL);
        td_json_key(&j, "numbers");
        td_json_obj(&j);
        for (int k = 0; k < c->n_nums; k++) td_json_knum(&j, c->nums[k].key, c->nums[k].v);
        td_json_end_obj(&j);
        td_json_end_obj(&j);
    }
    td_json_end_arr(&j);
    td_json_kint(&j, "exit", td_sc_exit_code(r));
    td_json_end_obj(&j);
    return o->failed ? -1 : 0;
}
