/* fuzz_readers.c — libFuzzer harness for every log reader (`make fuzz`).
 *
 * The first input byte chooses the format (low 3 bits: auto, csv, hf, jsonl,
 * text, tfevents; 6 and 7 mean auto) and where the rest is cut in two for
 * the streaming reader (high 5 bits). The rest is read whole with
 * td_log_read_mem and in two feeds with td_log_reader; both must agree on
 * success, and a log read must hold sane runs: at least one point, x
 * ascending in every series, line numbers >= 1, no NULL names. Any
 * violation aborts. */
#include "td_curves.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void fz_check(const td_log *log)
{
    if (!log || !log->source || log->nruns == 0 || td_log_points(log) == 0) abort();
    for (size_t i = 0; i < log->nruns; i++) {
        const td_run *r = &log->runs[i];
        if (!r->name || !r->x_name) abort();
        for (size_t j = 0; j < r->nseries; j++) {
            const td_series *s = &r->series[j];
            if (!s->name || !s->base || s->n > s->cap) abort();
            for (size_t k = 0; k < s->n; k++) {
                if (s->line[k] == 0 || isnan(s->x[k])) abort();
                if (k && s->x[k] < s->x[k - 1]) abort();
            }
        }
        for (size_t k = 0; k < r->nbad; k++)
            if (r->bad_lines[k] == 0) abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    int f = data[0] & 7;
    td_log_format fmt = f <= TD_FMT_TFEVENTS ? (td_log_format)f : TD_FMT_AUTO;
    const char *body = (const char *)data + 1;
    size_t n = size - 1, cut = n * (size_t)(data[0] >> 3) / 31;
    td_log *whole = NULL;
    td_err e;
    td_code rc = td_log_read_mem("fuzz", body, n, fmt, &whole, &e);
    if (rc == TD_OK) fz_check(whole);
    else if (whole || !e.msg[0] || strchr(e.msg, '\n')) abort();

    td_log_reader *r = td_log_reader_new("fuzz", fmt);
    if (!r) abort();
    td_code rs = td_log_reader_feed(r, body, cut, &e);
    if (rs == TD_OK) rs = td_log_reader_feed(r, body + cut, n - cut, &e);
    if (rs == TD_OK) rs = td_log_reader_finish(r, &e);
    if ((rs == TD_OK) != (rc == TD_OK)) abort(); /* streaming agrees with whole reads */
    if (rs == TD_OK) {
        td_log *log = td_log_reader_take(r);
        fz_check(log);
        if (log->nruns != whole->nruns || td_log_points(log) != td_log_points(whole)) abort();
        td_log_free(log);
    }
    td_log_reader_free(r);
    td_log_free(whole);
    return 0;
}
