/* sc_fuzz.c — libFuzzer harness for sanitycheck's data checks, the chance
 * judge and the report (`make fuzz`; not part of the library). Byte 0
 * picks the feature count (1-8), byte 1 the label mode (raw doubles, or
 * small integers from the bytes) and the class count; the rest are 8-byte
 * raw doubles (NaN, Inf, denormals, 1e308 all occur) dealt into rows of x
 * and labels y. Then: the data checks (raw labels may be rejected as not
 * integers, which must be a clean TD_EINPUT), the chance judge of every
 * loss kind on the first values as per-example losses, and the text and
 * JSON reports into memory: no crash, no UB, no leak. */
#include <stdlib.h>
#include <string.h>

#include "td_sanity.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    if (size < 2 + 16) return 0;
    size_t d = 1 + data[0] % 8, nvals = (size - 2) / 8;
    int raw_labels = data[1] & 1;
    long C = data[1] >> 1 & 7; /* 0: from the labels */
    size_t n = nvals / (d + 1);
    if (!n) return 0;
    td_sc_data ds;
    memset(&ds, 0, sizeof ds);
    ds.n = n;
    ds.d = d;
    ds.x = malloc(n * d * sizeof(double));
    ds.y = malloc(n * sizeof(double));
    double *vals = malloc(nvals * sizeof(double));
    memcpy(vals, data + 2, nvals * 8);
    for (size_t i = 0; i < n; i++) {
        memcpy(ds.x + i * d, vals + i * (d + 1), d * sizeof(double));
        double v = vals[i * (d + 1) + d];
        ds.y[i] = raw_labels ? v : (double)(data[2 + (i % (size - 2))] % 6) - 1; /* -1..4 */
    }
    td_sc_data_opts o;
    td_sc_data_opts_default(&o);
    o.classes = C >= 2 ? C : 0;
    if (raw_labels && !o.classes) o.classes = 5; /* keep the class-count allocation small */
    static td_sc_report r;
    td_sc_report_init(&r, "data", "fuzz");
    td_err e;
    td_code rc = td_sc_data_check(&ds, &o, &r, &e);
    if (rc != TD_OK && rc != TD_EINPUT) abort();
    /* the chance judge on the first values as per-example losses */
    for (int k = TD_LOSS_SOFTMAX; k <= TD_LOSS_MSE; k++) {
        td_sc_loss l = { .kind = k, .classes = 2 + (long)(data[0] % 20), .margin = 1, .mean_y2 = 1.5 };
        td_sc_check *c = r.n < TD_SC_MAXCHECK ? td_sc_add(&r, "chance") : NULL;
        size_t m = nvals < 64 ? nvals : 64;
        if (c) td_sc_judge_chance(c, &l, vals[0], vals, m, (double)m, 0);
    }
    td_buf b = { 0 };
    td_out out = td_out_buf(&b);
    td_sc_write_text(&out, &r);
    td_sc_write_json(&out, &r);
    td_buf_free(&b);
    free(vals);
    td_sc_data_free(&ds);
    return 0;
}
