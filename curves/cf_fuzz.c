/* cf_fuzz.c — libFuzzer harness for curvecheck's detectors and report
 * (`make fuzz`; not part of the library). The input bytes become one run:
 * byte 0 picks the number of series (1-4); per series one byte picks split
 * and kind, one the percent flag; the rest are 8-byte values read as raw
 * doubles (so NaN, Inf, denormals and 1e308 all occur), dealt to the
 * series in turn as (x step, y) pairs with x kept ascending. Every detector
 * runs with default thresholds and with --classes 10, then the text and
 * JSON reports are written to memory: no crash, no UB, no leak, findings
 * with x_from <= x_to. */
#include "td_findings.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NS 4

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    if (size < 1 + 2 * NS) return 0;
    static const char *NAMES[] = {"loss", "val_loss", "accuracy", "val_accuracy", "grad_norm", "lr"};
    size_t ns = 1 + data[0] % NS, pos = 1;
    td_series s[NS];
    memset(s, 0, sizeof s);
    size_t nvals = (size - 1 - 2 * NS) / 8, per = nvals / ns / 2 + 1;
    for (size_t k = 0; k < ns; k++) {
        unsigned char b = data[pos++], pct = data[pos++];
        s[k].name = (char *)NAMES[b % 6];
        s[k].base = (char *)"loss";
        s[k].split = (td_split)((b >> 3) % 4);
        s[k].kind = (td_metric_kind)((b >> 5) % 5);
        s[k].percent = pct & 1;
        s[k].x = calloc(per, sizeof *s[k].x);
        s[k].y = calloc(per, sizeof *s[k].y);
        s[k].line = calloc(per, sizeof *s[k].line);
        s[k].cap = per;
    }
    pos = 1 + 2 * NS;
    double xs[NS] = {0};
    for (size_t v = 0; v + 1 < nvals; v += 2) {
        size_t k = (v / 2) % ns;
        double dx, y;
        memcpy(&dx, data + pos + 8 * v, 8);
        memcpy(&y, data + pos + 8 * (v + 1), 8);
        if (s[k].n == s[k].cap) continue;
        /* x ascending and finite, as the readers guarantee */
        xs[k] += isfinite(dx) ? fmin(fabs(dx), 1e6) : 1;
        s[k].x[s[k].n] = xs[k];
        s[k].y[s[k].n] = y;
        s[k].line[s[k].n] = s[k].n + 2;
        s[k].n++;
    }
    td_run run = {.name = (char *)"fuzz", .x_name = (char *)"step", .series = s, .nseries = ns};
    td_detect_opts o;
    td_detect_opts_default(&o);
    td_judged j = {.run = &run, .source = "fuzz_seed1.csv"};
    td_err e;
    for (int pass = 0; pass < 2; pass++) {
        o.classes = pass ? 10 : 0;
        td_findings_init(&j.findings);
        if (td_findings_detect(&run, &o, &j.findings, &e) == TD_OK) {
            for (size_t i = 0; i < j.findings.n; i++)
                if (!(j.findings.f[i].x_from <= j.findings.f[i].x_to)) abort();
            td_report_opts ro = {TD_SEV_WARNING, o.classes, pass, 0};
            td_buf b = {0};
            td_out out = td_out_buf(&b);
            td_findings_write_text(&out, &j, 1, &ro, &e);
            td_findings_write_json(&out, &j, 1, &ro, &e);
            td_buf_free(&b);
        }
        td_findings_free(&j.findings);
    }
    for (size_t k = 0; k < ns; k++) { free(s[k].x); free(s[k].y); free(s[k].line); }
    return 0;
}
