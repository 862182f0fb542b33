/* gc_result.c — the vocabulary of a check's result, below everything that
 * makes or prints one: the names of stages, verdicts and bugs, a flat
 * index as a multi-index, notes added to a result, and the exit code a
 * result means. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "td_gradcheck.h"

static const char *const stage_names[TD_GC_ST_N] = {
    "idle", "create", "init", "forward", "backward", "reg_loss", "reg_backward", "destroy",
    "load",
};
const char *td_gc_stage_name(int stage)
{
    return stage >= 0 && stage < TD_GC_ST_N ? stage_names[stage] : "?";
}

static const char *const verdict_names[] = { "correct", "kink", "suspicious", "wrong" };
const char *td_gc_verdict_name(td_gc_verdict v)
{
    return (unsigned)v < 4 ? verdict_names[v] : "?";
}

static const char *const bug_names[] = {
    "", "sign flip (analytic = -numerical)", "constant factor", "zero gradient",
    "entries never written", "transposed indexing", "overwrites instead of adding",
    "zero on one branch",
};
const char *td_gc_bug_name(td_gc_bug b)
{
    return (unsigned)b < sizeof bug_names / sizeof bug_names[0] ? bug_names[b] : "?";
}

void td_gc_multi_index(char *dst, size_t cap, size_t i, int rank, const size_t *shape)
{
    size_t idx[TD_TENSOR_MAXRANK];
    for (int d = rank - 1; d >= 0; d--) {
        idx[d] = shape[d] ? i % shape[d] : 0;
        i = shape[d] ? i / shape[d] : 0;
    }
    size_t len = 0;
    len += (size_t)snprintf(dst, cap, "[");
    for (int d = 0; d < rank && len < cap; d++)
        len += (size_t)snprintf(dst + len, cap - len, "%s%zu", d ? "," : "", idx[d]);
    if (len < cap) snprintf(dst + len, cap - len, "]");
}

void td_gc_note(td_gc_result *res, int finding, const char *fmt, ...)
{
    if (res->nnotes >= TD_GC_MAX_NOTES) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(res->notes[res->nnotes], sizeof res->notes[0], fmt, ap);
    va_end(ap);
    for (int i = 0; i < res->nnotes; i++) /* say each thing once */
        if (strcmp(res->notes[i], res->notes[res->nnotes]) == 0) return;
    res->note_is_finding[res->nnotes++] = finding;
    if (finding) res->verdict = TD_GC_WRONG;
}

int td_gc_exit_code(const td_gc_result *res)
{
    if (res->verdict == TD_GC_CORRECT || res->verdict == TD_GC_KINK) return TD_EXIT_OK;
    if (res->float32 && res->verdict == TD_GC_SUSPICIOUS) {
        for (int i = 0; i < res->nnotes; i++)
            if (res->note_is_finding[i]) return TD_EXIT_FINDING;
        return TD_EXIT_OK;
    }
    return TD_EXIT_FINDING;
}
