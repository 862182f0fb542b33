/* tests/test_curves_read.c — the log readers (td_curves.h): numbers, metric
 * names, sniffing, each format and its quirks, malformed rows, bad input,
 * streaming (byte by byte == whole), the generated samples against their
 * truth.json, and the real logs of ../shared/realdata when present. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "td_curves.h"

#define SAMPLES "samples/curves/"
#define REALDATA "../shared/realdata/logs/"

/* ---- helpers ---------------------------------------------------------------- */

static td_log *read_ok(const char *name, const char *text, td_log_format fmt)
{
    td_log *log = NULL;
    td_err e;
    td_err_clear(&e);
    td_code rc = td_log_read_mem(name, text, strlen(text), fmt, &log, &e);
    if (rc != TD_OK) fail_msg("%s: %s", name, e.msg);
    assert_non_null(log);
    return log;
}

/* Read must fail with TD_EINPUT and a message containing want. */
static void read_bad(const char *name, const char *data, size_t len, const char *want)
{
    td_log *log = (td_log *)1;
    td_err e;
    td_err_clear(&e);
    td_code rc = td_log_read_mem(name, data, len, TD_FMT_AUTO, &log, &e);
    if (rc != TD_EINPUT) fail_msg("%s: rc %d, want TD_EINPUT (%s)", name, rc, e.msg);
    assert_null(log);
    if (!strstr(e.msg, want)) fail_msg("%s: message \"%s\" lacks \"%s\"", name, e.msg, want);
    assert_null(strchr(e.msg, '\n'));
}

static const td_series *series(const td_run *r, const char *name)
{
    const td_series *s = td_run_find_name(r, name);
    if (!s) fail_msg("run %s has no series %s", r->name, name);
    return s;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *d = malloc((size_t)n + 1);
    assert_non_null(d);
    assert_int_equal(fread(d, 1, (size_t)n, f), (size_t)n);
    d[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return d;
}

/* ---- numbers ------------------------------------------------------------------ */

static const struct { const char *s; int ok; double v; } num_cases[] = {
    {"0.5", 1, 0.5}, {"-2", 1, -2}, {"+3.25e2", 1, 325}, {"1e-5", 1, 1e-5}, {".5", 1, 0.5},
    {"5.", 1, 5}, {"0.1", 1, 0.1}, {"9007199254740993", 1, 9007199254740992.0},
    {"0.36074766516685486", 1, 0.36074766516685486}, {"1e400", 1, INFINITY}, {"1e-400", 1, 0},
    {"", 0, 0}, {"-", 0, 0}, {".", 0, 0}, {"1e", 0, 0}, {"1.2.3", 0, 0}, {"0x10", 0, 0},
    {" 1", 0, 0}, {"1 ", 0, 0}, {"abc", 0, 0}, {"1,5", 0, 0},
};

/* Edge cases compared bit for bit with strtod: the 19/20-digit boundary of
 * the one-pass scanner, leading zeros beyond it, 2^53 neighbours, the
 * exact-power limits 1e22/1e23, subnormals, signed zeros, exponent forms. */
static const char *const num_strtod[] = {
    "1234567890123456789", "12345678901234567890", "9999999999999999999", "18446744073709551615",
    "18446744073709551616", "0.0000000000000000001", "0.00000000000000000001234",
    "000000000000000000000001.5", "1.000000000000000000001", "9007199254740992", "9007199254740993",
    "9007199254740994", "9007199254740995", "4503599627370497.5", "1e22", "1e23", "1.5e22", "123e-22",
    "1e-23", "2.2250738585072014e-308", "4.9e-324", "2.4703282292062327e-324", "1.7976931348623157e308",
    "1.7976931348623159e308", "-0", "-0.0", "+0e5", "0e-400", "1E5", "1e+5", "1e05", "-.5e-1",
    "0.30000000000000004", "123456.789e3", "7.0e-10", "1e100000", "1e-100000", "1e1000000",
    "0.000000000000000000000000000001e30", "3.14159265358979323846264338327950288",
};

static void test_parse_number(void **state)
{
    for (size_t i = 0; i < sizeof num_strtod / sizeof *num_strtod; i++) {
        double want = strtod(num_strtod[i], NULL), got = -999;
        if (td_log_parse_number(num_strtod[i], strlen(num_strtod[i]), &got) != 0)
            fail_msg("\"%s\": not parsed", num_strtod[i]);
        if (memcmp(&want, &got, sizeof got) != 0) fail_msg("\"%s\": %.17g want %.17g", num_strtod[i], got, want);
    }
    (void)state;
    for (size_t i = 0; i < sizeof num_cases / sizeof *num_cases; i++) {
        double v = -999;
        int rc = td_log_parse_number(num_cases[i].s, strlen(num_cases[i].s), &v);
        if ((rc == 0) != num_cases[i].ok) fail_msg("\"%s\": rc %d", num_cases[i].s, rc);
        if (rc == 0 && v != num_cases[i].v) fail_msg("\"%s\": %.17g want %.17g", num_cases[i].s, v, num_cases[i].v);
    }
    double v;
    assert_int_equal(td_log_parse_number("NaN", 3, &v), 0);
    assert_true(isnan(v));
    assert_int_equal(td_log_parse_number("-inf", 4, &v), 0);
    assert_true(isinf(v) && v < 0);
    assert_int_equal(td_log_parse_number("Infinity", 8, &v), 0);
    assert_true(isinf(v) && v > 0);
    /* the fast path is correctly rounded: agree with strtod bit for bit */
    td_rng rng;
    td_rng_seed(&rng, 7);
    for (int k = 0; k < 200000; k++) {
        char buf[64];
        int digits = 1 + (int)td_rng_below(&rng, 19), e10 = (int)td_rng_below(&rng, 60) - 30;
        uint64_t m = td_rng_u64(&rng) % 10000000000000000000ull;
        snprintf(buf, sizeof buf, "%.*llue%d", digits, (unsigned long long)m, e10);
        if (k & 1) snprintf(buf, sizeof buf, "0.%.*llu", digits, (unsigned long long)(m % 100000000ull));
        if (k % 3 == 2) /* a log's usual form: %.<p>g of a value near 1, up to 20 digits */
            snprintf(buf, sizeof buf, "%.*g", 1 + (int)td_rng_below(&rng, 20),
                     (td_rng_uniform(&rng) - 0.5) * pow(10, e10 / 3));
        double want = strtod(buf, NULL), got;
        assert_int_equal(td_log_parse_number(buf, strlen(buf), &got), 0);
        if (memcmp(&want, &got, sizeof got) != 0) fail_msg("%s: %.17g want %.17g", buf, got, want);
    }
    assert_true(td_log_is_missing("NA", 2) && td_log_is_missing(" ", 1) && td_log_is_missing("null", 4));
    assert_false(td_log_is_missing("0", 1) || td_log_is_missing("nan", 3));
}

/* ---- metric names ------------------------------------------------------------------ */

static const struct {
    const char *name, *base;
    td_split split;
    td_metric_kind kind;
    int agg, named; /* named: the split came from a word of the name */
} name_cases[] = {
    {"loss", "loss", TD_SPLIT_TRAIN, TD_METRIC_LOSS, 0, 0},
    {"val_loss", "loss", TD_SPLIT_VAL, TD_METRIC_LOSS, 0, 1},
    {"best_val_loss", "best_loss", TD_SPLIT_VAL, TD_METRIC_LOSS, 0, 1},
    {"best test loss", "best_loss", TD_SPLIT_TEST, TD_METRIC_LOSS, 0, 1},
    {"final_eval_acc", "final_acc", TD_SPLIT_VAL, TD_METRIC_ACCURACY, 0, 1},
    {"best_loss", "best_loss", TD_SPLIT_TRAIN, TD_METRIC_LOSS, 0, 0},
    {"Total eval loss", "total_loss", TD_SPLIT_VAL, TD_METRIC_LOSS, 0, 1},
    {"Average Evaluation Loss", "average_loss", TD_SPLIT_VAL, TD_METRIC_LOSS, 0, 1},
    {"total_loss", "total_loss", TD_SPLIT_TRAIN, TD_METRIC_LOSS, 0, 0},
    {"eval_loss", "loss", TD_SPLIT_VAL, TD_METRIC_LOSS, 0, 1},
    {"valid_acc", "acc", TD_SPLIT_VAL, TD_METRIC_ACCURACY, 0, 1},
    {"validation/accuracy", "accuracy", TD_SPLIT_VAL, TD_METRIC_ACCURACY, 0, 1},
    {"test_loss", "loss", TD_SPLIT_TEST, TD_METRIC_LOSS, 0, 1},
    {"Loss/val", "loss", TD_SPLIT_VAL, TD_METRIC_LOSS, 0, 1},
    {"loss/train", "loss", TD_SPLIT_TRAIN, TD_METRIC_LOSS, 0, 1},
    {"train_loss_step", "loss", TD_SPLIT_TRAIN, TD_METRIC_LOSS, 1, 1},
    {"val_loss_epoch", "loss", TD_SPLIT_VAL, TD_METRIC_LOSS, 2, 1},
    {"Train Loss", "loss", TD_SPLIT_TRAIN, TD_METRIC_LOSS, 0, 1},
    {"Val Acc", "acc", TD_SPLIT_VAL, TD_METRIC_ACCURACY, 0, 1},
    {"val_get_categorical_accuracy_keras", "get_categorical_accuracy_keras", TD_SPLIT_VAL, TD_METRIC_ACCURACY, 0, 1},
    {"metrics/mAP_0.5:0.95", "map_0.5:0.95", TD_SPLIT_VAL, TD_METRIC_ACCURACY, 0, 1},
    {"val/box_loss", "box_loss", TD_SPLIT_VAL, TD_METRIC_LOSS, 0, 1},
    {"x/lr0", "x/lr0", TD_SPLIT_NONE, TD_METRIC_LR, 0, 0},
    {"learning_rate", "learning_rate", TD_SPLIT_NONE, TD_METRIC_LR, 0, 0},
    {"lr", "lr", TD_SPLIT_NONE, TD_METRIC_LR, 0, 0},
    {"total_loss", "total_loss", TD_SPLIT_TRAIN, TD_METRIC_LOSS, 0, 0},
    {"test_acc1", "acc1", TD_SPLIT_TEST, TD_METRIC_ACCURACY, 0, 1},
    {"eval_wer", "wer", TD_SPLIT_VAL, TD_METRIC_ERROR, 0, 1},
    {"top1_err", "top1_err", TD_SPLIT_TRAIN, TD_METRIC_ACCURACY, 0, 0}, /* first word decides */
    {"grad_norm", "grad_norm", TD_SPLIT_NONE, TD_METRIC_OTHER, 0, 0},
    {"epoch", "epoch", TD_SPLIT_NONE, TD_METRIC_OTHER, 0, 0},
    {"val_perplexity", "perplexity", TD_SPLIT_VAL, TD_METRIC_OTHER, 0, 1},
    {"bbox/AP", "bbox/ap", TD_SPLIT_TRAIN, TD_METRIC_ACCURACY, 0, 0},
};

static void test_metric_names(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof name_cases / sizeof *name_cases; i++) {
        td_metric_info mi;
        char base[64];
        td_metric_parse_name(name_cases[i].name, &mi, base, sizeof base);
        if (mi.split != name_cases[i].split || mi.kind != name_cases[i].kind || mi.agg != name_cases[i].agg ||
            mi.split_named != name_cases[i].named ||
            strcmp(base, name_cases[i].base) != 0)
            fail_msg("%s: split %s kind %s agg %d base %s", name_cases[i].name, td_split_name(mi.split),
                     td_metric_kind_name(mi.kind), mi.agg, base);
    }
    char small[4];
    td_metric_info mi;
    td_metric_parse_name("validation_accuracy", &mi, small, sizeof small);
    assert_string_equal(small, "acc"); /* truncated, terminated */
}

/* ---- sniffing --------------------------------------------------------------------------- */

static const struct { const char *data; td_log_format fmt; int binary; } sniff_cases[] = {
    {"epoch,loss,val_loss\n0,1,2\n", TD_FMT_CSV, 0},
    {"epoch;loss\n", TD_FMT_AUTO, 0}, /* the data line decides: not there yet */
    {"epoch;loss\n1;0.5\n", TD_FMT_CSV, 0},
    {",loss,val_loss\n0,1,2\n", TD_FMT_CSV, 0},
    {"loss,,val_loss\n1,2,3\n", TD_FMT_TEXT, 0},
    {"epoch\tloss\n0\t1\n", TD_FMT_CSV, 0},
    {"  epoch,   train/box_loss,  metrics/mAP_0.5:0.95\n      0,  0.1,  0.2\n", TD_FMT_CSV, 0},
    {"\xEF\xBB\xBF" "epoch,loss\n0,1\n", TD_FMT_CSV, 0},
    /* what a column name holds does not matter */
    {"train_loss,out_tensor([0.]),out_tensor([1.]),epoch,step\n0.6,0.2,0.2,24,49\n", TD_FMT_CSV, 0},
    {"time(s),acc(top1),\"lr \"\"pg0\"\"\"\n1.5,0.3,0.01\n", TD_FMT_CSV, 0},
    {"epoch,\"a,b\"\n1,NA\n", TD_FMT_CSV, 0},
    {"epoch,loss\r\r\n0,1\r\r\n", TD_FMT_CSV, 0},
    /* commas in console lines: the second line has no number field */
    {"Epoch [1/5], Step [100/600], Loss: 0.31\nEpoch [1/5], Step [200/600], Loss: 0.22\n", TD_FMT_TEXT, 0},
    {"2025-04-24 21:16:20,207 - INFO - weights: [1.02, 9.4]\n2025-04-24 21:16:20,207 - INFO - w: [1, 2]\n",
     TD_FMT_TEXT, 0},
    {"time,loss\nfive rows, of, text\n", TD_FMT_TEXT, 0}, /* field counts differ */
    {"1,2,3\n4,5,6\n", TD_FMT_TEXT, 0}, /* no header */
    {"{\"loss\": 1, \"iteration\": 3}\n", TD_FMT_JSONL, 0},
    {"{\n  \"log_history\": []\n}\n", TD_FMT_HF_STATE, 0},
    {"Epoch 1/50\n", TD_FMT_TEXT, 0},
    {"Train on 40000 samples, validate on 10000 samples\n", TD_FMT_TEXT, 0},
    {"2025-04-24 21:16:20,207 - INFO - Class distribution: Counter({3: 7215})\n", TD_FMT_TEXT, 0},
    {"epoch,loss", TD_FMT_AUTO, 0}, /* first line not complete yet */
    {"\n\n", TD_FMT_AUTO, 0},
    {"ab\x01\x02\n", TD_FMT_AUTO, 1},
};

static void test_sniff(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof sniff_cases / sizeof *sniff_cases; i++) {
        int bin = -1;
        td_log_format f = td_log_sniff(sniff_cases[i].data, strlen(sniff_cases[i].data), 0, &bin);
        if (f != sniff_cases[i].fmt || bin != sniff_cases[i].binary)
            fail_msg("case %zu: %s binary %d", i, td_log_format_name(f), bin);
    }
    /* at the end of input a lone header decides by itself */
    static const struct { const char *data; td_log_format fmt; } at_end[] = {
        {"epoch;loss\n", TD_FMT_CSV},
        {"epoch,acc(top1)\n", TD_FMT_CSV},
        {"Epoch 1, loss: 0.3, acc: 0.5\n", TD_FMT_TEXT},
        {"step=1, loss=0.3\n", TD_FMT_TEXT},
    };
    for (size_t i = 0; i < sizeof at_end / sizeof *at_end; i++) {
        int bin = -1;
        td_log_format f = td_log_sniff(at_end[i].data, strlen(at_end[i].data), 1, &bin);
        if (f != at_end[i].fmt) fail_msg("at end, case %zu: %s", i, td_log_format_name(f));
    }
    assert_int_equal(td_log_format_parse("tsv"), TD_FMT_CSV);
    assert_int_equal(td_log_format_parse("tensorboard"), TD_FMT_TFEVENTS);
    assert_int_equal(td_log_format_parse("xml"), -1);
    for (int f = 0; f <= TD_FMT_TFEVENTS; f++) assert_int_equal(td_log_format_parse(td_log_format_name(f)), f);
}

/* ---- CSV ------------------------------------------------------------------------------------ */

static void test_csv_keras(void **state)
{
    (void)state;
    td_log *log = read_ok("k.csv",
                          "epoch,accuracy,loss,val_accuracy,val_loss\n"
                          "0,0.5,1.5,0.4,1.6\n"
                          "1,0.6,1.2,NA,NA\n"       /* missing values: no point, not zero */
                          "2,0.7,nan,0.6,inf\n"     /* non-finite kept */
                          "0,0.3,2.0,0.3,2.1\n"     /* appended run: epoch restarts */
                          "1,0.4,1.8,0.35,1.9\n",
                          TD_FMT_AUTO);
    assert_int_equal(log->format, TD_FMT_CSV);
    assert_int_equal(log->nruns, 2);
    assert_string_equal(log->runs[0].name, "k.csv#1");
    assert_string_equal(log->runs[1].name, "k.csv#2");
    assert_string_equal(log->runs[0].x_name, "epoch");
    const td_series *vl = series(&log->runs[0], "val_loss");
    assert_int_equal(vl->n, 2);
    assert_true(vl->x[0] == 0 && vl->x[1] == 2 && vl->y[0] == 1.6 && isinf(vl->y[1]));
    assert_int_equal(vl->line[1], 4);
    const td_series *l = series(&log->runs[0], "loss");
    assert_int_equal(l->n, 3);
    assert_true(isnan(l->y[2]));
    assert_int_equal(l->split, TD_SPLIT_TRAIN);
    assert_int_equal(series(&log->runs[1], "loss")->n, 2);
    assert_ptr_equal(td_run_find(&log->runs[0], TD_SPLIT_VAL, TD_METRIC_LOSS), vl);
    assert_null(td_run_find(&log->runs[0], TD_SPLIT_TEST, TD_METRIC_LOSS));
    assert_null(td_run_find(&log->runs[0], TD_SPLIT_NONE, TD_METRIC_LR));
    assert_int_equal(td_log_points(log), 4 + 2 + 4 + 4 + 4); /* NA is no point; nan/inf are */
    td_log_free(log);
}

static void test_csv_quirks(void **state)
{
    (void)state;
    /* ';' separator, CRLF, trailing separator, quoted header */
    td_log *log = read_ok("s.csv", "\"epoch\";\"loss\";\r\n0;1.5;\r\n1;1.25;\r\n", TD_FMT_AUTO);
    assert_int_equal(log->nruns, 1);
    const td_series *l = series(&log->runs[0], "loss");
    assert_true(l->n == 2 && l->y[1] == 1.25);
    td_log_free(log);
    /* no x column, a time stamp text column: still a log over rows */
    log = read_ok("ts.csv", "time,loss\n2023-01-01 10:00,1.0\n2023-01-01 10:01,0.9\n", TD_FMT_AUTO);
    assert_int_equal(series(&log->runs[0], "loss")->n, 2);
    td_log_free(log);
    /* "\r\r\n" (a CSVLogger file written through text mode twice): the last column is numeric */
    log = read_ok("rr.csv", "epoch,loss,val_loss\r\r\n0,1.5,1.6\r\r\n1,1.25,1.3\r\r\n", TD_FMT_AUTO);
    l = series(&log->runs[0], "val_loss");
    assert_true(l->n == 2 && l->y[1] == 1.3);
    td_log_free(log);
    /* YOLO: space-padded fields, names with '/' and ':' */
    log = read_ok("r.csv",
                  "      epoch,   train/box_loss, metrics/mAP_0.5:0.95,     x/lr0\n"
                  "          0,          0.1,          0.2,     0.01\n"
                  "          1,         0.09,         0.25,    0.009\n",
                  TD_FMT_AUTO);
    l = series(&log->runs[0], "train/box_loss");
    assert_true(l->n == 2 && l->y[1] == 0.09 && l->kind == TD_METRIC_LOSS);
    assert_int_equal(series(&log->runs[0], "metrics/mAP_0.5:0.95")->split, TD_SPLIT_VAL);
    assert_int_equal(series(&log->runs[0], "x/lr0")->kind, TD_METRIC_LR);
    td_log_free(log);
    /* Lightning sparse rows merge on step; the epoch column repeats without splitting */
    log = read_ok("m.csv",
                  "epoch,step,train_loss_step,val_loss,train_loss_epoch\n"
                  "0,49,0.9,,\n0,99,0.8,,\n0,99,,0.85,\n0,99,,,0.87\n"
                  "1,149,0.7,,\n1,199,0.6,,\n1,199,,0.65,\n1,199,,,0.66\n"
                  "2,199,,,0.5\n", /* a different value at the same step: a new run */
                  TD_FMT_AUTO);
    assert_int_equal(log->nruns, 2);
    assert_string_equal(log->runs[0].x_name, "step");
    const td_run *r = &log->runs[0];
    assert_int_equal(series(r, "train_loss_step")->n, 4);
    assert_int_equal(series(r, "train_loss_step")->agg, 1);
    assert_int_equal(series(r, "val_loss")->n, 2);
    assert_true(series(r, "val_loss")->x[1] == 199);
    assert_int_equal(series(r, "epoch")->n, 4); /* (49,0) (99,0) (149,1) (199,1) */
    /* find prefers the series with the most points among equally named ones */
    assert_ptr_equal(td_run_find(r, TD_SPLIT_TRAIN, TD_METRIC_LOSS), series(r, "train_loss_step"));
    assert_ptr_equal(td_run_find_nth(r, TD_SPLIT_TRAIN, TD_METRIC_LOSS, 1), series(r, "train_loss_epoch"));
    assert_null(td_run_find_nth(r, TD_SPLIT_TRAIN, TD_METRIC_LOSS, 2));
    td_log_free(log);
    /* no epoch/step column: x is the row; a text column is ignored; percent */
    log = read_ok("n.csv", "time,acc,loss\n2024-01-01,45.5%,2\n2024-01-02,50%,1.5\n", TD_FMT_AUTO);
    r = &log->runs[0];
    assert_string_equal(r->x_name, "row");
    assert_null(td_run_find_name(r, "time"));
    assert_true(series(r, "acc")->percent && series(r, "acc")->y[1] == 50 && series(r, "loss")->x[1] == 1);
    td_log_free(log);
    /* pandas' to_csv: the unnamed index column is skipped */
    log = read_ok("pd.csv", ",loss,val_loss\n0,2.0,2.1\n1,1.5,\n2,1.0,1.9\n", TD_FMT_AUTO);
    r = &log->runs[0];
    assert_int_equal(r->nseries, 2);
    assert_true(series(r, "loss")->n == 3 && series(r, "loss")->x[2] == 2 && series(r, "val_loss")->n == 2);
    td_log_free(log);
    /* TensorBoard's CSV download: the tag comes from the file name */
    log = read_ok("dl/run-version_0-tag-val_loss.csv", "Wall time,Step,Value\n1.7e9,100,0.9\n1.7e9,200,0.7\n",
                  TD_FMT_AUTO);
    r = &log->runs[0];
    assert_string_equal(r->x_name, "step");
    assert_true(series(r, "val_loss")->n == 2 && series(r, "val_loss")->split == TD_SPLIT_VAL);
    assert_int_equal(series(r, "Wall time")->kind, TD_METRIC_OTHER);
    td_log_free(log);
    /* a repeated header (files concatenated) is not a malformed row */
    log = read_ok("h.csv", "epoch,loss\n0,1\n1,0.5\nepoch,loss\n0,2\n", TD_FMT_AUTO);
    assert_int_equal(log->nruns, 2);
    assert_int_equal(log->runs[0].nbad + log->runs[1].nbad, 0);
    td_log_free(log);
}

static void test_csv_malformed_rows(void **state)
{
    (void)state;
    td_log *log = read_ok("bad.csv",
                          "epoch,loss,val_loss\n"
                          "0,1.0,1.1\n"
                          "1,oops,1.0\n"   /* text in a numeric column */
                          "2,0.8\n"        /* a field missing */
                          "3,0.7,0.9,5\n"  /* a field too many */
                          "x,0.6,0.8\n"    /* x not a number */
                          "6,0.5,0.7\n",
                          TD_FMT_AUTO);
    const td_run *r = &log->runs[0];
    assert_int_equal(log->nruns, 1);
    assert_int_equal(r->nbad, 4);
    static const size_t want[] = {3, 4, 5, 6};
    for (int i = 0; i < 4; i++) assert_int_equal(r->bad_lines[i], want[i]);
    const td_series *l = series(r, "loss"), *v = series(r, "val_loss");
    assert_int_equal(l->n, 2); /* nothing of a malformed row is kept, nothing becomes 0 */
    assert_int_equal(v->n, 2);
    assert_true(l->y[0] == 1.0 && l->y[1] == 0.5 && l->x[1] == 6);
    td_log_free(log);
}

/* ---- JSON ------------------------------------------------------------------------------------ */

static void test_jsonl(void **state)
{
    (void)state;
    td_log *log = read_ok("m.json",
                          "{\"iteration\": 19, \"total_loss\": 2.0, \"lr\": 1e-5}\n"
                          "{\"iteration\": 19, \"total_loss\": 2.1, \"lr\": 1e-5}\n" /* aborted run repeated */
                          "{\"iteration\": 39, \"total_loss\": NaN, \"lr\": 2e-5, \"note\": \"x\"}\n"
                          "{\"iteration\": 59, \"total_loss\": Infinity, \"loss_cls\": -Infinity}\n"
                          "not json\n"
                          "[1, 2]\n"
                          "{\"iteration\": 59, \"bbox/AP\": 30.5}\n" /* eval line merges */
                          "{\"iteration\": 79, \"total_loss\": 1.0, \"flag\": true, \"sub\": {\"a\": 1}}",
                          TD_FMT_AUTO);
    assert_int_equal(log->format, TD_FMT_JSONL);
    assert_int_equal(log->nruns, 2);
    assert_string_equal(log->runs[1].x_name, "iteration");
    assert_int_equal(series(&log->runs[0], "total_loss")->n, 1);
    const td_run *r = &log->runs[1];
    const td_series *l = series(r, "total_loss");
    assert_int_equal(l->n, 4);
    assert_true(isnan(l->y[1]) && isinf(l->y[2]) && l->y[3] == 1.0 && l->x[3] == 79);
    assert_true(isinf(series(r, "loss_cls")->y[0]) && series(r, "loss_cls")->y[0] < 0);
    assert_true(series(r, "bbox/AP")->x[0] == 59);
    assert_null(td_run_find_name(r, "note"));
    assert_null(td_run_find_name(r, "flag"));
    assert_int_equal(r->nbad, 2);
    assert_int_equal(r->bad_lines[0], 5);
    assert_int_equal(r->bad_lines[1], 6);
    assert_ptr_equal(td_run_find(r, TD_SPLIT_TRAIN, TD_METRIC_LOSS), l); /* "total..." is canonical */
    td_log_free(log);
}

/* Lines after the first go to simdjson, which must leave to json-c every
 * line json-c reads its own way: each case is the middle line of three
 * (x = 1), with what json-c makes of it. has = 0: no point of key at x = 1. */
static const struct { const char *line; size_t bad; const char *key; int has; double v; } jsonl_fast_cases[] = {
    {"{\"step\": 1, \"a\": 2.5}", 0, "a", 1, 2.5},
    {"  {\"step\": 1, \"a\": 0.1, \"s\": \"x\\\"y\", \"n\": null, \"t\": true}\t", 0, "a", 1, 0.1},
    {"{\"step\": 1, \"a\": NaN}", 0, "a", 1, NAN},
    {"{\"step\": 1, \"a\": -Infinity}", 0, "a", 1, -INFINITY},
    {"{\"step\": 1, \"a\": -0}", 0, "a", 1, 0.0},          /* json-c: the integer 0 */
    {"{\"step\": 1, \"a\": -0.0}", 0, "a", 1, -0.0},
    {"{\"step\": 1, \"a\": 1, \"a\": \"x\"}", 0, "a", 0, 0}, /* json-c: the last value, a string */
    {"{\"step\": 1, \"a\": 1, \"a\": 3}", 0, "a", 1, 3},
    {"{\"a\": 4, \"step\": 1, \"step\": 5}", 0, "a", 0, 0},  /* x is the last step: 5 */
    {"{\"step\": 1, \"a\": 9223372036854775807}", 0, "a", 1, 9223372036854775807.0},
    {"{\"step\": 1, \"a\": 18446744073709551615}", 0, "a", 1, (double)INT64_MAX}, /* json-c clamps */
    {"{\"step\": 1, \"a\": 1e400}", 0, "a", 1, INFINITY},
    {"{\"step\": 1, \"a\": 1.7976931348623157e308}", 0, "a", 1, 1.7976931348623157e308},
    {"{\"step\": 1, \"a\\u0000b\": 6}", 0, "a", 1, 6},   /* json-c's key ends at the NUL */
    {"{\"step\": 1, \"\\u0061\": 8}", 0, "a", 1, 8},
    {"{\"step\": 1, \"a\": 4} x", 1, "a", 0, 0},
    {"{\"step\": 1, \"a\": 4}}", 1, "a", 0, 0},
    {"{\"step\": 1, \"a\": 4,}", 0, "a", 1, 4},         /* json-c is not strict */
    {"{\"step\": 1, \"a\": [1, 2,, 3]}", 1, "a", 0, 0},
    {"{\"step\": \"one\", \"a\": 4}", 1, "a", 0, 0},
    {"{\"step\": 1, \"a\": 4}\r{\"step\": 1}", 1, "a", 0, 0},
};

/* DETR's COCO evaluation: 12 numbers in an array become named series, on
 * the fast path's lines (after the first) as on json-c's; other arrays are
 * no values. */
static void test_jsonl_coco_array(void **state)
{
    (void)state;
    td_log *log = read_ok("log.txt",
                          "{\"train_loss\": 5.1, \"test_coco_eval_bbox\": [0.01, 0.03, 0.005, 0, 0.01, 0.02, 0.05, 0.1, 0.12, 0, 0.1, 0.2], \"epoch\": 0}\n"
                          "{\"train_loss\": 4.2, \"test_coco_eval_bbox\": [0.05, 0.12, 0.04, 0, 0.05, 0.08, 0.1, 0.2, 0.25, 0, 0.2, 0.3], \"epoch\": 1, \"sizes\": [1, 2]}\n"
                          "{\"train_loss\": 3.3, \"test_coco_eval_bbox\": [0.1, 0.22, 0.08, 0, 0.1, 0.15, 0.16, 0.3, 0.35, 0, 0.3, 0.4], \"epoch\": 2}\n",
                          TD_FMT_AUTO);
    const td_run *r = &log->runs[0];
    const td_series *ap = series(r, "test_coco_eval_bbox/AP"), *ar = series(r, "test_coco_eval_bbox/ARl");
    assert_int_equal(ap->n, 3);
    assert_true(ap->y[2] == 0.1 && ar->y[1] == 0.3 && ap->x[2] == 2);
    assert_int_equal(ap->kind, TD_METRIC_ACCURACY);
    assert_null(td_run_find_name(r, "sizes"));
    td_log_free(log);
}

static void test_jsonl_fast(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof jsonl_fast_cases / sizeof *jsonl_fast_cases + 3; i++) {
        char text[1024], nest[200] = "";
        const char *line = i < sizeof jsonl_fast_cases / sizeof *jsonl_fast_cases ? jsonl_fast_cases[i].line : NULL;
        size_t bad = 0;
        int has = 1;
        double v = 9;
        if (!line) { /* json-c: 32 levels at most, the object counted (30, 31 arrays in it fine; 32 not) */
            size_t k = 30 + (i - sizeof jsonl_fast_cases / sizeof *jsonl_fast_cases);
            int n = snprintf(nest, sizeof nest, "{\"step\": 1, \"a\": 9, \"n\": ");
            for (size_t d = 0; d < k; d++) nest[n++] = '[';
            for (size_t d = 0; d < k; d++) nest[n++] = ']';
            snprintf(nest + n, sizeof nest - (size_t)n, "}");
            line = nest;
            bad = k > 31;
            has = !bad;
        } else {
            bad = jsonl_fast_cases[i].bad;
            has = jsonl_fast_cases[i].has;
            v = jsonl_fast_cases[i].v;
        }
        snprintf(text, sizeof text, "{\"step\": 0, \"a\": 1}\n%s\n{\"step\": 7, \"a\": 7}\n", line);
        td_log *log = read_ok("f.jsonl", text, TD_FMT_JSONL);
        const td_run *r = &log->runs[log->nruns - 1];
        if (r->nbad != bad) fail_msg("%s: %zu bad lines, want %zu", line, r->nbad, bad);
        const td_series *a = series(r, "a");
        size_t at = a->n;
        for (size_t k = 0; k < a->n; k++) if (a->x[k] == 1) at = k;
        if ((at < a->n) != has) fail_msg("%s: a point at x = 1: %d, want %d", line, at < a->n, has);
        if (has && !(isnan(v) ? isnan(a->y[at]) : memcmp(&a->y[at], &v, sizeof v) == 0))
            fail_msg("%s: %.17g want %.17g", line, a->y[at], v);
        td_log_free(log);
    }
}

static void test_hf_state(void **state)
{
    (void)state;
    td_log *log = read_ok("trainer_state.json",
                          "{\n \"global_step\": 30,\n \"log_history\": [\n"
                          "  {\"epoch\": 0.5, \"loss\": 2.0, \"learning_rate\": 5e-5, \"step\": 10},\n"
                          "  {\"epoch\": 0.5, \"eval_loss\": 2.2, \"eval_runtime\": 1.0, \"step\": 10},\n"
                          "  {\"epoch\": 1.0, \"loss\": NaN, \"step\": 20},\n"
                          "  {\"epoch\": 1.5, \"loss\": 1.5, \"step\": 30},\n"
                          "  {\"epoch\": 1.5, \"step\": 30, \"train_loss\": 1.8, \"train_runtime\": 9.0}\n"
                          " ]\n}\n",
                          TD_FMT_AUTO);
    assert_int_equal(log->format, TD_FMT_HF_STATE);
    assert_int_equal(log->nruns, 1);
    const td_run *r = &log->runs[0];
    assert_string_equal(r->x_name, "step");
    const td_series *l = series(r, "loss");
    assert_int_equal(l->n, 3);
    assert_true(isnan(l->y[1]) && l->x[2] == 30 && l->line[2] == 4);
    assert_int_equal(series(r, "eval_loss")->n, 1);
    assert_int_equal(series(r, "eval_loss")->split, TD_SPLIT_VAL);
    assert_null(td_run_find_name(r, "train_loss")); /* the summary entry is skipped */
    td_log_free(log);
    /* Keras' History as JSON, on one line and indented */
    static const char *hist[] = {
        "{\"loss\": [2.0, 1.5, 1.0], \"val_loss\": [2.1, 1.8, null], \"lr\": [0.01, 0.01, 0.001]}\n",
        "{\n  \"loss\": [2.0, 1.5, 1.0],\n  \"val_loss\": [2.1, 1.8, null],\n  \"lr\": [0.01, 0.01, 0.001]\n}\n",
    };
    for (int k = 0; k < 2; k++) {
        log = read_ok("history.json", hist[k], TD_FMT_AUTO);
        r = &log->runs[0];
        assert_int_equal(log->nruns, 1);
        assert_string_equal(r->x_name, "epoch");
        assert_true(series(r, "loss")->n == 3 && series(r, "loss")->x[2] == 2 && series(r, "loss")->y[2] == 1.0);
        assert_int_equal(series(r, "val_loss")->n, 2);
        assert_int_equal(series(r, "lr")->kind, TD_METRIC_LR);
        td_log_free(log);
    }
    const char *no_hist = "{\n \"a\": 1\n}\n", *broken = "{\n \"log_history\": [\n {\"loss\": 1,\n";
    read_bad("x.json", no_hist, strlen(no_hist), "x.json:1: JSON document with neither a log_history");
    read_bad("y.json", broken, strlen(broken), "y.json:4: malformed JSON");
}

/* ---- text ---------------------------------------------------------------------------------------- */

/* ---- console logs of many frameworks: what is read, where a run ends ---------------------- */

#define YOLOV7_CONSOLE \
    "     Epoch   gpu_mem       box       obj       cls     total    labels  img_size\n" \
    "autoanchor: Analyzing anchors... anchors/target = 5.66, Best Possible Recall (BPR) = 1.0000\n" \
    "     0/299      7.8G   0.07535   0.02702         0    0.1024        30       640: 100%|##########| 38/38 [00:45<00:00,  1.20s/it]\n" \
    "               Class      Images      Labels           P           R      mAP@.5  mAP@.5:.95: 100%|##########| 7/7 [00:30<00:00,  4.38s/it]\n" \
    "\n     Epoch   gpu_mem       box       obj       cls     total    labels  img_size\n" \
    "                 all         195         882       0.118       0.151       0.047     0.00886\n" \
    "     1/299       11G     0.063   0.02618         0   0.08918        12       640: 100%|##########| 38/38 [00:31<00:00,  1.22it/s]\n" \
    "               Class      Images      Labels           P           R      mAP@.5  mAP@.5:.95: 100%|##########| 7/7 [00:03<00:00,  1.99it/s]\n" \
    "\n     Epoch   gpu_mem       box       obj       cls     total    labels  img_size\n" \
    "                 all         195         882       0.238       0.567       0.258      0.0692\n"

static const struct {
    const char *what, *text;
    size_t runs;          /* runs expected */
    const char *x_name;   /* of run 1 */
    const char *name;     /* a series of the last run ... */
    size_t n;             /* ... its points */
    double last_x, last_y;
    const char *absent;   /* a name that must not be a series (NULL: none) */
} console_cases[] = {
    {"key is value, i/N in E epoch, an argument dump first",
     "Namespace(batch_size=2, ckpt='weights/', flip=False, learning_rate=0.0001, num_epoch=2, optimizer='Adam')\n"
     "No. 4 of batches for each epoch\n"
     "0/4 in 0 epoch finished at time 0:00:23 from start, Loss is 1.5 Acc is 0.4\n"
     "2/4 in 0 epoch finished at time 0:00:25 from start, Loss is 1.2 Acc is 0.5\n"
     "0/4 in 1 epoch finished at time 0:00:27 from start, Loss is 1.0 Acc is 0.6\n"
     "2/4 in 1 epoch finished at time 0:00:29 from start, Loss is 0.9 Acc is 0.7\n",
     1, "epoch", "Loss", 4, 1.5, 0.9, "learning_rate"},
    {"detectron2: evaluation lines and tables between iter lines stay in the run",
     "[12/04 10:00:00 d2.engine.train_loop]: Starting training from iteration 0\n"
     "[12/04 10:00:05 d2.utils.events]:  eta: 0:10:11  iter: 19  total_loss: 2.1  loss_cls: 1.0  lr: 0.0002  max_mem: 2345M\n"
     "[12/04 10:00:09 d2.utils.events]:  eta: 0:10:01  iter: 39  total_loss: 1.9  loss_cls: 0.9  lr: 0.0004  max_mem: 2345M\n"
     "[12/04 10:00:10 d2.evaluation.evaluator]: Inference done 11/50. Dataloading: 0.0012 s/iter. Total: 0.05 s/iter.\n"
     "[12/04 10:00:11 d2.evaluation.evaluator]: Inference done 21/50. Dataloading: 0.0013 s/iter. Total: 0.06 s/iter.\n"
     "|   AP   |  AP50  |\n|:------:|:------:|\n| 34.2   | 55.1   |\n"
     "[12/04 10:00:15 d2.utils.events]:  eta: 0:09:51  iter: 59  total_loss: 1.7  loss_cls: 0.8  lr: 0.0006  max_mem: 2345M\n",
     1, "step", "total_loss", 3, 59, 1.7, NULL},
    {"nanoGPT: 'iter N: loss v, time 12ms' and 'step N: train loss v, val loss v'",
     "step 0: train loss 10.9, val loss 10.95\n"
     "iter 0: loss 10.9, time 3000.00ms, mfu -100.00%\n"
     "iter 10: loss 9.1, time 120.50ms, mfu 30.10%\n"
     "iter 20: loss 8.2, time 120.40ms, mfu 30.20%\n"
     "step 20: train loss 8.0, val loss 8.3\n",
     1, "step", "loss", 3, 20, 8.2, "time"},
    {"a YAML preamble of settings, then Keras epochs",
     "lr: 0.001\nbatch_size: 32\nepochs: 3\nmodel: resnet\n"
     "Epoch 1/3\n469/469 [==============================] - 5s 10ms/step - loss: 0.50 - val_loss: 0.45\n"
     "Epoch 2/3\n469/469 [==============================] - 5s 10ms/step - loss: 0.40 - val_loss: 0.41\n"
     "Epoch 3/3\n469/469 [==============================] - 5s 10ms/step - loss: 0.30 - val_loss: 0.39\n",
     1, "epoch", "val_loss", 3, 3, 0.39, "batch_size"},
    {"ANSI colours and logging prefixes",
     "\x1b[32m2024-01-01 10:00:00 INFO\x1b[0m Epoch 1: \x1b[1mloss=0.9\x1b[0m acc=0.5\n"
     "\x1b[32m2024-01-01 10:01:00 INFO\x1b[0m Epoch 2: \x1b[1mloss=0.7\x1b[0m acc=0.6\n",
     1, "epoch", "loss", 2, 2, 0.7, NULL},
    {"ultralytics: a console table per epoch, tqdm updates, then the validation table",
     "      Epoch    GPU_mem   box_loss   cls_loss  Instances       Size\n"
     "\r  0%|          | 0/204 [00:00<?, ?it/s]\r        1/3        15G      4.467       5.29        812        640:"
     " 100%|##########| 204/204 [03:00<00:00,  1.1it/s]\n"
     "                 Class     Images  Instances      Box(P          R      mAP50  mAP50-95): 100%| 26/26\n"
     "                   all        306      10187     0.0263     0.0852     0.0131    0.00416\n\n"
     "      Epoch    GPU_mem   box_loss   cls_loss  Instances       Size\n"
     "        2/3        15G      3.100       4.00        812        640: 100%|##########| 204/204 [03:00<00:00]\n"
     "                 Class     Images  Instances      Box(P          R      mAP50  mAP50-95): 100%| 26/26\n"
     "                   all        306      10187      0.392       0.44       0.36      0.117\n",
     1, "epoch", "val/mAP50", 2, 2, 0.36, "Class"},
    {"YOLOv5: the header's own progress bar is no pair; W&B's summary is no run",
     "      Epoch    GPU_mem   box_loss   obj_loss  Instances       Size\n"
     "    397/3999      1.85G    0.03938   0.006168          3        320: 100% 8/8 [00:01<00:00,  6.20it/s]\n"
     "                 Class     Images  Instances          P          R      mAP50   mAP50-95: 100% 1/1 [00:00]\n"
     "                   all         30         49       0.94      0.937      0.967      0.582\n"
     "      Epoch    GPU_mem   box_loss   obj_loss  Instances       Size\n"
     "    398/3999      1.85G    0.03900   0.006100          3        320: 100% 8/8 [00:01<00:00,  6.20it/s]\n"
     "wandb:           best/epoch 298\nwandb:    best/mAP_0.5:0.95 0.61058\n",
     1, "epoch", "val/mAP50-95", 1, 397, 0.582, "mAP50-95"},
    {"a settings dump at the top, longer than the shape table, then detectron2",
     "  KEY_1: 1\n  KEY_2: 2\n  KEY_3: 3\n  KEY_4: 4\n  KEY_5: 5\n  KEY_6: 6\n  KEY_7: 7\n  KEY_8: 8\n"
     "  KEY_9: 9\n  KEY_10: 10\n  KEY_11: 11\n  KEY_12: 12\n  KEY_13: 13\n  KEY_14: 14\n  KEY_15: 15\n"
     "  KEY_16: 16\n  KEY_17: 17\n  KEY_18: 18\n  KEY_19: 19\n  KEY_20: 20\n  KEY_21: 21\n  KEY_22: 22\n"
     "  KEY_23: 23\n  KEY_24: 24\n  KEY_25: 25\n  KEY_26: 26\n  KEY_27: 27\n  KEY_28: 28\n  KEY_29: 29\n"
     "  KEY_30: 30\n  KEY_31: 31\n  KEY_32: 32\n  KEY_33: 33\n  KEY_34: 34\n  KEY_35: 35\n  KEY_36: 36\n"
     "  KEY_37: 37\n  KEY_38: 38\n  KEY_39: 39\n  KEY_40: 40\n  KEY_41: 41\n  KEY_42: 42\n  KEY_43: 43\n"
     "  KEY_44: 44\n  KEY_45: 45\n  KEY_46: 46\n  KEY_47: 47\n  KEY_48: 48\n  KEY_49: 49\n  KEY_50: 50\n"
     "  KEY_51: 51\n  KEY_52: 52\n  KEY_53: 53\n  KEY_54: 54\n  KEY_55: 55\n  KEY_56: 56\n  KEY_57: 57\n"
     "  KEY_58: 58\n  KEY_59: 59\n  KEY_60: 60\n  KEY_61: 61\n  KEY_62: 62\n  KEY_63: 63\n  KEY_64: 64\n"
     "  KEY_65: 65\n"
     "[05/23 23:57:47] d2.utils.events INFO:  eta: 20:35:02  iter: 19  total_loss: 2.1  lr: 0.0004\n"
     "[05/23 23:57:57] d2.utils.events INFO:  eta: 20:35:01  iter: 39  total_loss: 1.9  lr: 0.0004\n"
     "[05/23 23:58:07] d2.utils.events INFO:  eta: 20:35:00  iter: 59  total_loss: 1.8  lr: 0.0004\n",
     1, "step", "total_loss", 3, 59, 1.8, "KEY_1"},
    {"a settings block printed again on each start is no run; nor a YAML comment naming an epoch",
     "eval_interval = 250 # keep frequent\nbatch_size = 64\nKeyError: 'bfloat16'\n"
     "eval_interval = 250 # keep frequent\nbatch_size = 64\nKeyError: 'bfloat16'\n"
     "eval_interval = 250 # keep frequent\nbatch_size = 64\n"
     "SOLVER:\n  # LR reduced at the 28 epoch and 34 epoch\n  BASE_LR: 0.01\n"
     "step 0: train loss 4.2874, val loss 4.2823\niter 0: loss 4.2586, time 35048.17ms\n"
     "iter 10: loss 3.2202, time 1389.25ms\n",
     1, "step", "loss", 2, 10, 3.2202, "eval_interval"},
    {"prose keys, source files and sentence ends are no metric names",
     "Validation set: Loss: 51.1366, Accuracy: 41.60%\nSaved new best model with accuracy: 41.60%\n"
     "STAGE:2025-04-07 10:29:46 22264:22264 ActivityProfilerController.cpp:314] Completed Stage\n"
     "Validation set: Loss: 50.1366, Accuracy: 42.60%\nSaved new best model with accuracy: 42.60%\n"
     "Inference done 137/3334. Dataloading: 0.0015 s/iter. Inference: 0.0381 s/iter.\n"
     "Validation set: Loss: 49.1366, Accuracy: 43.60%\n",
     1, "row", "Validation set Accuracy", 3, 3, 43.6, "model with accuracy"},
    {"a source file and line is no metric",
     "a.cpp:314] Stage\nloss: 1.0\nController.cpp:315] Stage\nloss: 0.9\nloss: 0.8\n",
     1, "row", "loss", 3, 2, 0.8, "Controller.cpp"},
    {"a key does not reach back over a sentence end",
     "Dataloading: 0.0015 s/iter. Inference: 0.0381 s/iter.\nDataloading: 0.0016 s/iter. Inference: 0.0382 s/iter.\n"
     "Dataloading: 0.0017 s/iter. Inference: 0.0383 s/iter.\n",
     1, "row", "Inference", 3, 2, 0.0383, "s/iter. Inference"},
    {"a batch loss a line within an epoch: a point a line, not the epoch's last",
     "2025-03-02 05:16:20 - INFO - Epoch 1 - Batch loss: 12.13\n2025-03-02 05:16:21 - INFO - Epoch 1 - Batch loss: 3.20\n"
     "2025-03-02 05:16:22 - INFO - Epoch 1 - Batch loss: 0.81\n2025-03-02 05:16:23 - INFO - Epoch 2 - Batch loss: 0.49\n"
     "2025-03-02 05:16:24 - INFO - Epoch 2 - Batch loss: 0.28\n",
     1, "epoch", "Batch loss", 5, 2, 0.28, NULL},
    {"two detectron2 runs, each after a settings dump whose keys repeat across sections",
     "MODEL:\n  BACKBONE:\n    DEPTH: 50\n    LR: 0.1\n  HEAD:\n    DIM: 256\n    LR: 0.2\n  NECK:\n    LR: 0.3\n"
     "    LAYERS: 4\n  TAIL:\n    LR: 0.4\n    DROP: 0.1\n    WIDTH: 64\n  SOLVER:\n    MAX_ITER: 90000\n"
     "    WARMUP: 1000\n    GAMMA: 0.1\n    MOMENTUM: 0.9\n    DECAY: 0.0001\n    IMS: 16\n    SEED: 42\n"
     "[d2.utils.events]:  iter: 19  total_loss: 2.1  lr: 0.0004\n[d2.utils.events]:  iter: 39  total_loss: 1.9  lr: 0.0004\n"
     "copypaste: AP,AP50\ncopypaste: 3.0,6.0\n"
     "MODEL:\n  BACKBONE:\n    LR: 0.1\n  HEAD:\n    LR: 0.2\n  NECK:\n    LR: 0.3\n  TAIL:\n    LR: 0.4\n"
     "[d2.utils.events]:  iter: 19  total_loss: 2.0  lr: 0.0004\n[d2.utils.events]:  iter: 39  total_loss: 1.7  lr: 0.0004\n",
     2, "step", "total_loss", 2, 39, 1.7, "LR"},
    {"prose naming an epoch after training is no epoch marker",
     "      Epoch    GPU_mem   box_loss  Instances       Size\n   331/333      1.85G    0.03938          3        320: 100%\n"
     "      Epoch    GPU_mem   box_loss  Instances       Size\n   332/333      1.85G    0.03838          3        320: 100%\n"
     "Stopping training early. Best results observed at epoch 232, best model saved as best.pt.\n"
     "To update EarlyStopping(patience=100) pass a new patience value\n",
     1, "epoch", "box_loss", 2, 332, 0.03838, NULL},
    {"a key repeated after 'Val' is the validation one",
     "Epoch 0 | Train Loss: 11.2 | Token Acc: 0.049 | Val Loss: 10.9 | Token Acc: 0.066\n"
     "Epoch 1 | Train Loss: 10.2 | Token Acc: 0.059 | Val Loss: 10.1 | Token Acc: 0.076\n",
     1, "epoch", "Val Token Acc", 2, 1, 0.076, NULL},
    {"Keras progress updates inside an epoch are no points",
     "Epoch 4/5\n160/165 \xe2\x94\x81\xe2\x94\x81\xe2\x94\x81 0s 2ms/step - accuracy: 0.7824 - loss: 0.1608\n"
     "165/165 \xe2\x94\x81\xe2\x94\x81\xe2\x94\x81 1s 3ms/step - accuracy: 0.7825 - loss: 0.1607 - val_loss: 0.1543\n"
     "Epoch 5/5\n100/165 [=========>....] - ETA: 1s - accuracy: 0.79 - loss: 0.1500\n"
     "165/165 [==============================] - 1s 3ms/step - accuracy: 0.7925 - loss: 0.1500 - val_loss: 0.1443\n",
     1, "epoch", "loss", 2, 5, 0.15, NULL},
    {"'ep' and 'batch' counters give the x axis",
     "ep: 0, batch: 20, time: 9.17, loss: 10.98\nep: 0, batch: 40, time: 8.38, loss: 10.97\n"
     "ep: 1, batch: 20, time: 9.10, loss: 9.98\n",
     1, "step", "loss", 3, 60, 9.98, "ep"},
    {"detectron2's copypaste result is validation AP; fairseq's loss scale is no loss",
     "[11/17 15:16:42] d2.utils.events INFO:  eta: 21:12:23  iter: 19  total_loss: 0.41  loss_scale: 8.0\n"
     "[11/17 15:30:45] d2.evaluation.testing INFO: copypaste: Task: bbox\n"
     "[11/17 15:30:45] d2.evaluation.testing INFO: copypaste: AP,AP50,AP75\n"
     "[11/17 15:30:45] d2.evaluation.testing INFO: copypaste: 3.0706,6.8876,2.2430\n"
     "[11/17 15:16:55] d2.utils.events INFO:  eta: 21:12:09  iter: 39  total_loss: 0.39  loss_scale: 8.0\n",
     1, "step", "val/AP50", 1, 19, 6.8876, "copypaste"},
    {"mmdetection: Epoch(val) lines are validation; the COCO summary table is no metric",
     "2022-11-12 14:30:37,044 - mmdet - INFO - Epoch [1][50/962]\tlr: 1.978e-03, loss: 1.0950\n"
     "2022-11-12 14:41:28,645 - mmdet - INFO -\n"
     " Average Precision  (AP) @[ IoU=0.75      | area=   all | maxDets=1000 ] = 0.009\n"
     "2022-11-12 14:41:28,652 - mmdet - INFO - Epoch(val) [1][200]\tbbox_mAP: 0.0310, bbox_mAP_50: 0.1190\n"
     "2022-11-12 14:42:05,631 - mmdet - INFO - Epoch [2][50/962]\tlr: 2.000e-02, loss: 0.6170\n",
     1, "epoch", "val bbox_mAP", 1, 1, 0.031, "IoU"},
    {"a per-epoch step counter is one run, not one per epoch",
     "epoch 1 step 100 loss 2.0\nepoch 1 step 200 loss 1.8\nepoch 2 step 100 loss 1.6\nepoch 2 step 200 loss 1.5\n",
     1, "step", "loss", 4, 400, 1.5, NULL},
    {"a restarted script is a new run",
     "iter 10: loss 3.0\niter 20: loss 2.5\niter 10: loss 3.1\niter 20: loss 2.6\n",
     2, "step", "loss", 2, 20, 2.6, NULL},
    {"prose with numbers is not a pair",
     "Found 5000 images belonging to 10 classes.\nUsing 4 GPUs\nEpoch 1/2\nloss: 0.5\nEpoch 2/2\nloss: 0.4\n",
     1, "epoch", "loss", 2, 2, 0.4, "Found"},
    {"Python logging's default prefix LEVEL:logger: before the metrics",
     "INFO:root:Epoch [1/2], Step [10/20], Loss: 0.9490\n"
     "INFO:root:Epoch [1/2], Step [20/20], Loss: 0.8833\n"
     "INFO:root:Epoch [2/2], Step [10/20], Loss: 0.7413\n"
     "INFO:root:Epoch [2/2], Step [20/20], Loss: 0.6632\n",
     1, "epoch", "Loss", 4, 2, 0.6632, "root"},
    {"a warning glued onto a metric line is prose, not a configuration",
     "iter 0 || Loss: 11.000 || Warning: you must specify dtype=object\n"
     "iter 10 || Loss: 1.909 || Warning: you must specify dtype=object\n"
     "iter 20 || Loss: 1.476 || Warning: you must specify dtype=object\n",
     1, "step", "Loss", 3, 20, 1.476, "dtype"},
    {"a resumed detectron2 run: the settings printed again between two steps are no metrics",
     "[05/23 23:57:47] d2.utils.events INFO:  eta: 0:01:00  iter: 19  total_loss: 4.0  lr: 0.02\n"
     "[05/23 23:57:48] d2.utils.events INFO:  eta: 0:01:00  iter: 39  total_loss: 3.4  lr: 0.02\n"
     "[05/23 23:57:49] d2.engine.hooks INFO: Overall training speed: 38 iterations in 0:00:30 (0.8 s / it)\n"
     "[05/24 09:00:00] detectron2 INFO: Running with full config:\nSOLVER:\n  BASE_LR: 0.02\n"
     "  KEY_0: 0\n  KEY_1: 1\n  KEY_2: 2\n  KEY_3: 3\n  KEY_4: 4\n  KEY_5: 5\n  KEY_6: 6\n  KEY_7: 7\n  KEY_8: 8\n  KEY_9: 9\n  KEY_10: 10\n  KEY_11: 11\n  KEY_12: 12\n  KEY_13: 13\n  KEY_14: 14\n  KEY_15: 15\n  KEY_16: 16\n  KEY_17: 17\n  KEY_18: 18\n  KEY_19: 19\n  KEY_20: 20\n  KEY_21: 21\n  KEY_22: 22\n  KEY_23: 23\n  KEY_24: 24\n  KEY_25: 25\n  KEY_26: 26\n  KEY_27: 27\n  KEY_28: 28\n  KEY_29: 29\n  KEY_30: 30\n  KEY_31: 31\n  KEY_32: 32\n  KEY_33: 33\n  KEY_34: 34\n  KEY_35: 35\n  KEY_36: 36\n  KEY_37: 37\n  KEY_38: 38\n  KEY_39: 39\n"
     "[05/24 09:00:10] d2.utils.events INFO:  eta: 0:01:00  iter: 59  total_loss: 2.9  lr: 0.02\n",
     1, "step", "total_loss", 3, 59, 2.9, "BASE_LR"},
    {"thousands separators are one number; a timedelta eta is none; a list is no number",
     "[08/30 15:40:41] d2.utils.events INFO:  eta: 1 day, 16:43:35  iter: 19  total_loss: 96.92  ppl: 8,641\n"
     "[08/30 15:40:50] d2.utils.events INFO:  eta: 23:59:10  iter: 39  total_loss: 80.10  ppl: 5,242,880.5\n"
     "[08/30 15:40:58] d2.utils.events INFO:  eta: 23:58:02  iter: 59  total_loss: 70.33  ppl: 1,998  ids: 1,234,5\n",
     1, "step", "ppl", 3, 59, 1998, "eta"},
    {"0-based epochs, several lines each: epoch 0's lines in (0, 1], never below 0",
     "epoch: 0 loss: 0.69\nepoch: 0 loss: 0.60\nepoch: 0 loss: 0.52\nepoch: 0 loss: 0.45\n"
     "epoch: 1 loss: 0.40\nepoch: 1 loss: 0.38\nepoch: 1 loss: 0.35\nepoch: 1 loss: 0.30\n",
     1, "epoch", "loss", 8, 2, 0.30, NULL},
    {"a headerless YOLOv5 (< 4.0) / YOLOv7 results.txt: the fixed columns",
     "     0/299     1.85G    0.1259   0.06233   0.03069    0.2189        25       416         0         0  0.009178  0.002157    0.1183   0.04673    0.0293\n"
     "     1/299     1.86G    0.1215   0.06462    0.0301    0.2162        24       416         0         0   0.01217  0.002438    0.1157   0.04518   0.02875\n"
     "     2/299     1.86G    0.1172   0.06343   0.02886    0.2095        40       416      0.01     0.005   0.01582  0.005088    0.1134   0.04468   0.02786\n",
     1, "epoch", "val/box_loss", 3, 2, 0.1134, "gpu_mem"},
    {"YOLOv7 console: a line between header and row, the validation row after the next header",
     YOLOV7_CONSOLE, 1, "epoch", "box_loss", 2, 1, 0.063, "all"},
    {"YOLOv7 console: the validation rows (mAP@.5:.95 is a range, no pair)",
     YOLOV7_CONSOLE, 1, "epoch", "val/mAP@.5", 2, 1, 0.258, "val/all"},
    {"'1 epoch = 2640 batches' between two runs is a definition, no epoch marker",
     "loaded 338025 tokens\n1 epoch = 2640 batches\nstep 0, loss: 10.95\nstep 1, loss: 6.66\nstep 2, loss: 4.06\n"
     "loaded 338025 tokens\n1 epoch = 2640 batches\nstep 0, loss: 11.0\nstep 1, loss: 9.1\nstep 2, loss: 8.2\n",
     2, "step", "loss", 3, 2, 8.2, NULL},
};

static void test_console_logs(void **state)
{
    (void)state;
    /* a document with numbers in it is not a log: its lines name other keys every time */
    static const char doc[] =
        "# tool\nRun it with batch=8 and h=1e-5.\nThe floor: 0.03 of the scale, at step 3.\n"
        "| layer | full1_s: 0.013 |\nloss: 1.1 at the start\nEpoch 3: the ratio=64 is large\n"
        "a seed=7 gives value: 147.4\nclasses=10 and chance=2.303\nlr: 0.01 is the default\n";
    read_bad("doc.md", doc, strlen(doc), "doc.md:1: not a training log: its");
    static const char scattered[] = "iter 1: a=1\niter 2: a=2\niter 1: a=3\niter 2: a=4\niter 1: a=5\n";
    read_bad("s.md", scattered, strlen(scattered), "s.md:1: not a training log: its numbers fall into 3 runs");
    static const char one_key_each[] = "lr: 0.1\nbatch_size: 32\nepochs: 3\n";
    read_bad("cfg.yaml", one_key_each, strlen(one_key_each), "cfg.yaml:1: not a training log: none of its 3 lines");
    for (size_t i = 0; i < sizeof console_cases / sizeof *console_cases; i++) {
        td_log *log = NULL;
        td_err e;
        td_err_clear(&e);
        if (td_log_read_mem("c.log", console_cases[i].text, strlen(console_cases[i].text), TD_FMT_AUTO, &log, &e) !=
            TD_OK)
            fail_msg("%s: %s", console_cases[i].what, e.msg);
        if (log->format != TD_FMT_TEXT || log->nruns != console_cases[i].runs)
            fail_msg("%s: %s, %zu runs", console_cases[i].what, td_log_format_name(log->format), log->nruns);
        if (strcmp(log->runs[0].x_name, console_cases[i].x_name) != 0)
            fail_msg("%s: x is %s", console_cases[i].what, log->runs[0].x_name);
        const td_run *r = &log->runs[log->nruns - 1];
        const td_series *l = td_run_find_name(r, console_cases[i].name);
        if (!l || l->n != console_cases[i].n || l->x[l->n - 1] != console_cases[i].last_x ||
            l->y[l->n - 1] != console_cases[i].last_y)
            fail_msg("%s: %s n=%zu last (%g, %g)", console_cases[i].what, console_cases[i].name, l ? l->n : 0,
                     l ? l->x[l->n - 1] : 0, l ? l->y[l->n - 1] : 0);
        for (size_t k = 0; k < r->nseries; k++)
            if (r->series[k].n && r->series[k].x[0] < 0)
                fail_msg("%s: %s starts at x %g", console_cases[i].what, r->series[k].name, r->series[k].x[0]);
        if (console_cases[i].absent)
            for (size_t k = 0; k < log->nruns; k++)
                if (td_run_find_name(&log->runs[k], console_cases[i].absent))
                    fail_msg("%s: %s read as a series", console_cases[i].what, console_cases[i].absent);
        td_log_free(log);
    }
}

static void test_text(void **state)
{
    (void)state;
    td_log *log = read_ok("console.txt",
                          "Train on 400 samples, validate on 100 samples\n"
                          "Epoch 1/3\n"
                          " 32/400 [=>....] - ETA: 1:02 - loss: 2.5\r400/400 [======] - 3s - loss: 2.3026 - acc: 0.1000 - val_loss: 2.2 - val_acc: 0.12\n"
                          "Epoch 2/3\n"
                          "400/400 [======] - 3s - loss: 1.5 - acc: 0.5 - val_loss: 1.6 - val_acc: 0.45\n"
                          "Epoch 00002: ReduceLROnPlateau reducing learning rate to 0.0001.\n"
                          "Epoch 3/3\n"
                          "400/400 [======] - 3s - loss: 1.2 - acc: 0.6 - val_loss: 1.7 - val_acc: 0.5\n"
                          "Epoch 1/2\n" /* a second stage: a new run */
                          "400/400 [======] - 3s - loss: 1.1 - acc: 0.65\n",
                          TD_FMT_AUTO);
    assert_int_equal(log->format, TD_FMT_TEXT);
    assert_int_equal(log->nruns, 2);
    const td_run *r = &log->runs[0];
    assert_string_equal(r->x_name, "epoch");
    const td_series *l = series(r, "loss");
    assert_int_equal(l->n, 3);
    assert_true(l->y[0] == 2.3026 && l->x[0] == 1 && l->x[2] == 3 && l->line[0] == 3);
    assert_int_equal(series(r, "val_acc")->kind, TD_METRIC_ACCURACY);
    assert_null(td_run_find_name(r, "ETA"));
    assert_int_equal(series(&log->runs[1], "loss")->n, 1);
    assert_null(td_run_find_name(&log->runs[1], "val_loss"));
    td_log_free(log);

    log = read_ok("train.log",
                  "2025-04-24 21:16:20,207 - INFO - Class weights: [1.02, 9.4]\n"
                  "2025-04-24 21:16:23,780 - INFO - Class distribution: Counter({3: 7215, 4: 4965})\n"
                  "2025-04-24 21:17:53,828 - INFO - Epoch [1/50], Train Loss: 1.9463, Train Acc: 20.34%, Val Loss: 1.9097, Val Acc: 17.37%\n"
                  "2025-04-24 21:17:53,828 - INFO - Saved best model\n"
                  "2025-04-24 21:19:45,876 - INFO - Epoch [2/50], Train Loss: 1.9370, Train Acc: 22.31%, Val Loss: 1.8992, Val Acc: 24.71%\n"
                  "2025-04-25 00:19:25,918 - INFO - Epoch [1/50], Train Loss: 1.9471, Train Acc: 18.66%, Val Loss: 1.9099, Val Acc: 24.34%",
                  TD_FMT_AUTO);
    assert_int_equal(log->nruns, 2);
    r = &log->runs[0];
    assert_int_equal(r->nseries, 4);
    const td_series *va = series(r, "Val Acc");
    assert_true(va->percent && va->split == TD_SPLIT_VAL && va->kind == TD_METRIC_ACCURACY && va->y[1] == 24.71);
    assert_true(series(r, "Train Loss")->x[1] == 2);
    assert_int_equal(series(&log->runs[1], "Val Loss")->n, 1); /* the unterminated last line counts */
    td_log_free(log);

    /* step keys: each line a row at its step; printed dicts and tensors */
    log = read_ok("s.log",
                  "step=10 loss=2.5 lr=0.1\n"
                  "{'loss': 2.25, 'learning_rate': 0.1, 'step': 20}\n"
                  "iter: 30, loss: tensor(2.0, grad_fn=<NllLossBackward0>)\n"
                  "step=5 loss=1.0\n",
                  TD_FMT_AUTO);
    assert_int_equal(log->nruns, 2);
    l = series(&log->runs[0], "loss");
    assert_int_equal(l->n, 3);
    assert_true(l->x[1] == 20 && l->y[1] == 2.25 && l->x[2] == 30 && l->y[2] == 2.0);
    assert_string_equal(log->runs[0].x_name, "step");
    td_log_free(log);

    /* PyTorch's MNIST example: "Train Epoch: 1 [...]" marks the epoch (not a
     * series); the "Test set:" section names the split of the keys after it */
    log = read_ok("mnist.log",
                  "Train Epoch: 1 [0/60000 (0%)]\tLoss: 2.305134\n"
                  "Train Epoch: 1 [640/60000 (1%)]\tLoss: 1.359872\n\n"
                  "Test set: Average loss: 0.0489, Accuracy: 9837/10000 (98%)\n\n"
                  "Train Epoch: 2 [0/60000 (0%)]\tLoss: 0.105134\n"
                  "Test set: Average loss: 0.0389, Accuracy: 9867/10000 (99%)\n",
                  TD_FMT_AUTO);
    r = &log->runs[0];
    assert_int_equal(r->nseries, 2);
    l = series(r, "Loss"); /* "[640/60000" is progress: x in epochs, E - 1 + i/N */
    assert_true(l->n == 3 && l->x[0] == 0 && l->y[1] == 1.359872 && fabs(l->x[1] - 640.0 / 60000) < 1e-15 &&
                l->x[2] == 1);
    assert_true(series(r, "Test set Average loss")->x[0] == 1 && series(r, "Test set Average loss")->x[1] == 2);
    assert_ptr_equal(td_run_find_heldout(r, TD_METRIC_LOSS), series(r, "Test set Average loss"));
    assert_int_equal(series(r, "Test set Average loss")->split, TD_SPLIT_TEST);
    td_log_free(log);

    /* fairseq: "| key value |" segments, a lone split word as section, num_updates as step */
    log = read_ok("fairseq.log",
                  "2020-01-01 10:00:00 | INFO | fairseq_cli.train | begin training epoch 1\n"
                  "2020-01-01 10:02:00 | INFO | valid | epoch 001 | valid on 'valid' subset | loss 8.5 | ppl 280 | num_updates 200\n"
                  "2020-01-01 10:02:00 | INFO | train | epoch 001 | loss 9.1 | ppl 450 | lr 0.0005 | num_updates 200\n"
                  "2020-01-01 10:04:00 | INFO | valid | epoch 002 | valid on 'valid' subset | loss 7.5 | ppl 140 | num_updates 400\n",
                  TD_FMT_AUTO);
    r = &log->runs[0];
    assert_string_equal(r->x_name, "step");
    l = td_run_find_heldout(r, TD_METRIC_LOSS);
    assert_non_null(l);
    assert_true(l->n == 2 && l->x[1] == 400 && l->y[1] == 7.5);
    assert_true(td_run_find(r, TD_SPLIT_TRAIN, TD_METRIC_LOSS)->y[0] == 9.1);
    td_log_free(log);

    /* no x at all: row numbers */
    log = read_ok("r.log", "loss: 3\nhello\nloss: 2\n", TD_FMT_AUTO);
    l = series(&log->runs[0], "loss");
    assert_true(l->n == 2 && l->x[0] == 0 && l->x[1] == 1 && l->line[1] == 3);
    assert_string_equal(log->runs[0].x_name, "row");
    td_log_free(log);
}

/* ---- TensorBoard ------------------------------------------------------------------------------------ */

static size_t put_varint(unsigned char *p, uint64_t v)
{
    size_t n = 0;
    do { p[n++] = (unsigned char)((v & 0x7f) | (v > 0x7f ? 0x80 : 0)); v >>= 7; } while (v);
    return n;
}

static size_t put_le32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
    return 4;
}

/* A length-delimited field. */
static size_t put_len(unsigned char *p, unsigned field, const unsigned char *d, size_t n)
{
    size_t k = put_varint(p, field << 3 | 2);
    k += put_varint(p + k, n);
    memcpy(p + k, d, n);
    return k + n;
}

/* An Event at step with one scalar: simple_value, or a rank-0 float tensor
 * (float_val packed), or a double tensor in tensor_content. */
static size_t make_event(unsigned char *out, int64_t step, const char *tag, double v, int form)
{
    unsigned char val[128], sum[160], t[64], shape[1] = {0};
    size_t n = put_len(val, 1, (const unsigned char *)tag, strlen(tag));
    if (form == 0) {
        float f = (float)v;
        uint32_t u;
        memcpy(&u, &f, 4);
        n += put_varint(val + n, 2 << 3 | 5);
        n += put_le32(val + n, u);
    } else {
        size_t k = put_varint(t, 1 << 3 | 0);
        k += put_varint(t + k, form == 1 ? 1 : 2);  /* DT_FLOAT / DT_DOUBLE */
        k += put_len(t + k, 2, shape, 0);          /* rank 0 */
        if (form == 1) {
            float f = (float)v;
            k += put_len(t + k, 5, (unsigned char *)&f, 4);
        } else {
            k += put_len(t + k, 4, (unsigned char *)&v, 8);
        }
        n += put_len(val + n, 8, t, k);
    }
    size_t s = put_len(sum, 1, val, n);
    size_t k = put_varint(out, 2 << 3 | 0);
    k += put_varint(out + k, (uint64_t)step);
    k += put_len(out + k, 5, sum, s);
    return k;
}

static size_t make_record(unsigned char *out, const unsigned char *data, size_t n)
{
    for (int i = 0; i < 8; i++) out[i] = (unsigned char)((uint64_t)n >> (8 * i));
    put_le32(out + 8, td_crc32c_masked(out, 8));
    memcpy(out + 12, data, n);
    put_le32(out + 12 + n, td_crc32c_masked(data, n));
    return n + 16;
}

static void test_tfevents(void **state)
{
    (void)state;
    /* CRC-32C check value of "123456789" */
    assert_int_equal(td_crc32c(0, "123456789", 9), 0xE3069283u);
    unsigned char file[4096], ev[256];
    size_t n = 0;
    static const unsigned char version[] = {0x1a, 0x0d, 'b', 'r', 'a', 'i', 'n', '.', 'E', 'v', 'e', 'n', 't', ':', '2'};
    n += make_record(file + n, version, sizeof version);
    n += make_record(file + n, ev, make_event(ev, 300, "loss", 0.5, 0));
    n += make_record(file + n, ev, make_event(ev, 100, "loss", 2.0, 1)); /* out of order: sorted */
    n += make_record(file + n, ev, make_event(ev, 200, "loss", 1.0, 2));
    n += make_record(file + n, ev, make_event(ev, 0, "_hparams_/session_start_info", 1.0, 0));
    n += make_record(file + n, ev, make_event(ev, 100, "val_loss", 2.5, 0));
    td_log *log = NULL;
    td_err e;
    assert_int_equal(td_log_read_mem("ev", (char *)file, n, TD_FMT_AUTO, &log, &e), TD_OK);
    assert_int_equal(log->format, TD_FMT_TFEVENTS);
    assert_int_equal(log->nruns, 1);
    const td_run *r = &log->runs[0];
    assert_int_equal(r->nseries, 2);
    const td_series *l = series(r, "loss");
    assert_int_equal(l->n, 3);
    assert_true(l->x[0] == 100 && l->y[0] == 2.0 && l->x[1] == 200 && l->y[1] == 1.0 && l->y[2] == 0.5);
    assert_int_equal(l->line[0], 3); /* record numbers */
    td_log_free(log);

    /* broken framing: each one line naming the record */
    unsigned char bad[4096];
    memcpy(bad, file, n);
    bad[12 + sizeof version + 16 + 14] ^= 0x40; /* a data byte of record 2 */
    read_bad("ev2", (char *)bad, n, "record 2");
    read_bad("ev2", (char *)bad, n, "bad data CRC");
    memcpy(bad, file, n);
    bad[12 + sizeof version + 4 + 1] ^= 0x01; /* the length of record 2 */
    read_bad("ev3", (char *)bad, n, "record 2 (byte 31): bad length CRC");
    read_bad("ev4", (char *)file, n - 3, "truncated record");
    /* a huge length with a valid CRC */
    unsigned char big[16] = {0, 0, 0, 0, 0, 0, 0, 0x10};
    put_le32(big + 8, td_crc32c_masked(big, 8));
    read_bad("ev5", (char *)big, sizeof big, "bad length");
    /* a bad protobuf inside a good record */
    unsigned char junk[] = {0x2a, 0x7f, 0x01};
    n = make_record(bad, junk, sizeof junk);
    read_bad("ev6", (char *)bad, n, "record 1");
}

/* ---- bad input ------------------------------------------------------------------------------------------- */

static void test_bad_input(void **state)
{
    (void)state;
    read_bad("e.txt", "", 0, "empty input");
    read_bad("p.txt", "hello world\nno numbers here\n", 28, "not a training log");
    static const char lfs[] = "version https://git-lfs.github.com/spec/v1\n"
                              "oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n";
    read_bad("events.out.tfevents.1", lfs, strlen(lfs), "events.out.tfevents.1:1: a Git LFS pointer, not the file's content");
    read_bad("h.csv", "epoch,name\na,b\nc,d\n", 19, "h.csv:1: header has no numeric column");
    static const char per_class[] = "class_index,class_name,precision,recall\n0,Healthy_Leaf,0.97,0.99\n"
                                    "1,Healthy_Nut,0.99,0.98\n2,Rust,0.91,0.93\n";
    read_bad("pc.csv", per_class, strlen(per_class),
             "pc.csv:1: a table with one row per class_name ('Healthy_Leaf', ...), not a training log");
    read_bad("g.csv", "\nname,comment\na,b\nc,d\n", 21, "g.csv:2: header has no numeric column");
    read_bad("o.csv", "epoch,loss\n", 11, "no data row");
    static const char bin[] = "\x7f" "ELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x03\0>\0";
    read_bad("a.out", bin, sizeof bin - 1, "a.out:1: binary data");
    read_bad("z.csv", "epoch,loss\n0,1\n1,\0\n", 19, "z.csv:3: binary data (NUL byte)");
    read_bad("j.json", "{\"a\": \"s\"}\n", 11, "j.json: no metric values found");
    read_bad("k.json", "{\"a\": \"s\"}\n{oops\n", 17, "k.json: no metric values found");
    /* an endless line: fed 1 MiB at a time, refused past TD_LOG_MAX_LINE without holding it all */
    td_log_reader *r = td_log_reader_new("long.txt", TD_FMT_AUTO);
    assert_non_null(r);
    size_t chunk = 1u << 20;
    char *buf = malloc(chunk);
    assert_non_null(buf);
    memset(buf, 'a', chunk);
    memcpy(buf, "loss: 1\n", 8);
    td_err e;
    td_err_clear(&e);
    td_code rc = TD_OK;
    size_t fed = 0;
    while (rc == TD_OK && fed < 100 * chunk) {
        rc = td_log_reader_feed(r, buf, chunk, &e);
        fed += chunk;
        memset(buf, 'a', 8); /* later chunks: no newline at all */
    }
    assert_int_equal(rc, TD_EINPUT);
    assert_true(fed <= TD_LOG_MAX_LINE + 2 * chunk);
    assert_non_null(strstr(e.msg, "long.txt:2: line longer than"));
    /* the reader stays failed */
    assert_int_equal(td_log_reader_finish(r, &e), TD_EINPUT);
    td_log_reader_free(r);
    free(buf);
    td_log *log = (td_log *)1;
    assert_int_equal(td_log_read_file("/nonexistent/x.csv", TD_FMT_AUTO, &log, &e), TD_EIO);
    assert_null(log);
    assert_non_null(strstr(e.msg, "/nonexistent/x.csv"));
    /* a forced format that does not fit */
    assert_int_equal(td_log_read_mem("f", "epoch,loss\n0,1\n", 15, TD_FMT_TFEVENTS, &log, &e), TD_EINPUT);
}

/* ---- streaming ---------------------------------------------------------------------------------------------- */

static void assert_same_log(const td_log *a, const td_log *b)
{
    assert_int_equal(a->format, b->format);
    assert_int_equal(a->nruns, b->nruns);
    for (size_t i = 0; i < a->nruns; i++) {
        const td_run *ra = &a->runs[i], *rb = &b->runs[i];
        assert_string_equal(ra->x_name, rb->x_name);
        assert_int_equal(ra->nseries, rb->nseries);
        assert_int_equal(ra->nbad, rb->nbad);
        for (size_t j = 0; j < ra->nseries; j++) {
            const td_series *sa = &ra->series[j], *sb = &rb->series[j];
            assert_string_equal(sa->name, sb->name);
            assert_int_equal(sa->n, sb->n);
            assert_memory_equal(sa->x, sb->x, sa->n * sizeof *sa->x);
            assert_memory_equal(sa->y, sb->y, sa->n * sizeof *sa->y);
            assert_memory_equal(sa->line, sb->line, sa->n * sizeof *sa->line);
        }
    }
}

static const char *stream_files[] = {
    "overfitting.keras.csv", "overfitting.deit.jsonl", "overfitting.console.txt", "noise.console.txt",
    "healthy.lightning.csv", "nonfinite.trainer_state.json", "healthy.tfevents", "healthy.tf2.tfevents",
    "restarted.console.txt", "malformed_rows.keras.csv",
};

static void test_streaming(void **state)
{
    (void)state;
    for (size_t f = 0; f < sizeof stream_files / sizeof *stream_files; f++) {
        char path[256];
        snprintf(path, sizeof path, SAMPLES "%s", stream_files[f]);
        size_t len = 0;
        char *data = slurp(path, &len);
        if (!data) fail_msg("%s: missing (run from the top of the tree)", path);
        td_log *whole = NULL, *pieces;
        td_err e;
        if (td_log_read_mem(path, data, len, TD_FMT_AUTO, &whole, &e) != TD_OK) fail_msg("%s", e.msg);
        /* odd piece sizes, 1 byte for the first 300 bytes (the sniffing) */
        td_log_reader *r = td_log_reader_new(path, TD_FMT_AUTO);
        size_t off = 0, step = 1, rows_before = 0;
        while (off < len) {
            size_t k = off < 300 ? 1 : step;
            if (k > len - off) k = len - off;
            if (td_log_reader_feed(r, data + off, k, &e) != TD_OK) fail_msg("%s", e.msg);
            assert_true(td_log_reader_rows(r) >= rows_before);
            rows_before = td_log_reader_rows(r);
            off += k;
            step = step * 3 % 997 + 1;
            if (off > len / 2 && off - k <= len / 2 && whole->format != TD_FMT_HF_STATE)
                assert_true(td_log_points(td_log_reader_log(r)) > 0); /* runs grow as bytes come */
        }
        if (td_log_reader_finish(r, &e) != TD_OK) fail_msg("%s", e.msg);
        pieces = td_log_reader_take(r);
        td_log_reader_free(r);
        assert_same_log(whole, pieces);
        td_log_free(whole);
        td_log_free(pieces);
        free(data);
    }
}

/* A UTF-8 byte-order mark before a log is dropped, whole or fed a byte at
 * a time: the log reads as without it (the CSV keeps "epoch" as its x). */
static void test_bom(void **state)
{
    (void)state;
    static const char *texts[] = {
        "epoch,loss,val_loss\n0,1.0,1.1\n1,0.8,0.9\n2,0.6,0.8\n",
        "{\"epoch\": 0, \"loss\": 1.0}\n{\"epoch\": 1, \"loss\": 0.8}\n{\"epoch\": 2, \"loss\": 0.7}\n",
        "{\n \"log_history\": [\n  {\"step\": 1, \"loss\": 1.0},\n  {\"step\": 2, \"loss\": 0.9}\n ]\n}\n",
        "Epoch 1/2\n10/10 [======] - 1s - loss: 0.9 - val_loss: 1.0\nEpoch 2/2\n10/10 [======] - 1s - loss: 0.7 - val_loss: 0.9\n",
    };
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        size_t n = strlen(texts[i]);
        char *b = malloc(n + 3);
        memcpy(b, "\xEF\xBB\xBF", 3);
        memcpy(b + 3, texts[i], n);
        td_log *plain = read_ok("plain", texts[i], TD_FMT_AUTO), *whole = NULL, *bytes;
        td_err e;
        if (td_log_read_mem("bom", b, n + 3, TD_FMT_AUTO, &whole, &e) != TD_OK) fail_msg("%zu: %s", i, e.msg);
        td_log_reader *r = td_log_reader_new("bom", TD_FMT_AUTO);
        for (size_t k = 0; k < n + 3; k++)
            if (td_log_reader_feed(r, b + k, 1, &e) != TD_OK) fail_msg("%zu: %s", i, e.msg);
        if (td_log_reader_finish(r, &e) != TD_OK) fail_msg("%zu: %s", i, e.msg);
        bytes = td_log_reader_take(r);
        td_log_reader_free(r);
        assert_int_equal(whole->format, plain->format);
        assert_string_equal(whole->runs[0].x_name, plain->runs[0].x_name);
        assert_same_log(plain, whole);
        assert_same_log(plain, bytes);
        td_log_free(plain);
        td_log_free(whole);
        td_log_free(bytes);
        free(b);
    }
    /* bytes that only begin like a BOM are data: not dropped */
    td_log *log = NULL;
    td_err e;
    assert_int_not_equal(td_log_read_mem("x", "\xEF\xBB", 2, TD_FMT_AUTO, &log, &e), TD_OK);
    assert_null(log);
}

/* ---- samples against truth.json -------------------------------------------------------------------------------- */

static int json_int(json_object *o, const char *k, long *v)
{
    json_object *x;
    if (!json_object_object_get_ex(o, k, &x) || !json_object_is_type(x, json_type_int)) return 0;
    *v = (long)json_object_get_int64(x);
    return 1;
}

static void test_samples_truth(void **state)
{
    (void)state;
    json_object *truth = json_object_from_file(SAMPLES "truth.json"), *files;
    if (!truth) fail_msg(SAMPLES "truth.json missing or broken (run from the top of the tree)");
    assert_true(json_object_object_get_ex(truth, "files", &files));
    int nfiles = 0;
    json_object_object_foreach(files, fname, t) {
        char path[512];
        snprintf(path, sizeof path, SAMPLES "%s", fname);
        td_log *log;
        td_err e;
        if (td_log_read_file(path, TD_FMT_AUTO, &log, &e) != TD_OK) fail_msg("%s", e.msg);
        long runs, pts;
        assert_true(json_int(t, "runs", &runs));
        if ((long)log->nruns != runs) fail_msg("%s: %zu runs, want %ld", fname, log->nruns, runs);
        json_object *x, *rp, *bl, *sp;
        assert_true(json_object_object_get_ex(t, "x", &x));
        for (size_t i = 0; i < log->nruns; i++) {
            const td_run *r = &log->runs[i];
            if (strcmp(r->x_name, json_object_get_string(x)) != 0)
                fail_msg("%s: x %s, want %s", fname, r->x_name, json_object_get_string(x));
            const td_series *tl = td_run_find(r, TD_SPLIT_TRAIN, TD_METRIC_LOSS);
            const td_series *vl = td_run_find_heldout(r, TD_METRIC_LOSS);
            assert_non_null(tl);
            assert_non_null(vl);
            long want = -1;
            if (json_int(t, "points_per_series", &pts)) want = pts;
            if (json_object_object_get_ex(t, "run_points", &rp))
                want = (long)json_object_get_int64(json_object_array_get_idx(rp, i));
            if (json_object_object_get_ex(t, "series_points", &sp)) {
                json_object_object_foreach(sp, sname, sn) {
                    const td_series *s = td_run_find_name(r, sname);
                    assert_non_null(s);
                    if ((long)s->n != json_object_get_int64(sn)) fail_msg("%s: %s has %zu points", fname, sname, s->n);
                }
            }
            if (want >= 0) {
                for (size_t j = 0; j < r->nseries; j++)
                    if ((long)r->series[j].n != want)
                        fail_msg("%s run %zu: %s has %zu points, want %ld", fname, i, r->series[j].name,
                                 r->series[j].n, want);
            }
            size_t nbad = 0;
            if (json_object_object_get_ex(t, "bad_lines", &bl)) {
                nbad = json_object_array_length(bl);
                for (size_t k = 0; k < nbad && k < r->nbad; k++)
                    assert_int_equal(r->bad_lines[k], json_object_get_int64(json_object_array_get_idx(bl, k)));
            }
            assert_int_equal(r->nbad, nbad);
        }
        td_log_free(log);
        nfiles++;
    }
    assert_true(nfiles >= 60);
    json_object_put(truth);
}

/* ---- real logs (only where ../shared/realdata exists) ---------------------------------------------------------- */

typedef struct {
    const char *file;
    td_log_format fmt;
    size_t runs;
    const char *series;   /* a series every run has */
    size_t points[4];     /* its points per run (first four runs) */
} real_case;

/* Expected from the README's expert reading, not from this reader. */
static const real_case real_cases[] = {
    {"keras_csv__aitzaz_tomato_noisy_overfit.csv", TD_FMT_CSV, 1, "val_loss", {29}},
    {"keras_csv__akshatsharma5_braintumor_appended_runs.csv", TD_FMT_CSV, 4, "val_loss", {5, 4, 10, 5}},
    {"keras_csv_semicolon__deeplocalize_facialkeypoints_convolution_layer_plateau.csv", TD_FMT_CSV, 3, "val_loss",
     {10, 10, 1000}},
    {"keras_text__kyotosunshine_kanji_earlystop.txt", TD_FMT_TEXT, 4, "loss", {19, 14, 19, 14}},
    {"pytorch_text__adityaj87_emotion_logging.log", TD_FMT_TEXT, 3, "Val Loss", {10, 8, 11}},
    {"lightning__0xero7_slm_version0_metrics.csv", TD_FMT_CSV, 1, "val_loss", {10}},
    {"lightning__hcdescamps_mnist_noisy_steps_metrics.csv", TD_FMT_CSV, 1, "val_loss", {6}},
    {"hf_trainer_state__dheena731_tinyllama_sft_healthy.json", TD_FMT_HF_STATE, 1, "eval_loss", {14}},
    {"hf_trainer_state__10844110_t5_plateau_gradnorm_spikes.json", TD_FMT_HF_STATE, 1, "loss", {430}},
    {"jsonl__kevindic0214_detectron2_metrics.json", TD_FMT_JSONL, 2, "total_loss", {1, 15}},
    {"tfevents/hcdescamps_mnist_cnn_v1__events.out.tfevents.1785443425.squirrels-iMac.local.1798.6", TD_FMT_TFEVENTS,
     1, "val_loss", {5}},
    {"tfevents/hcdescamps_mnist_cnn_v1__events.out.tfevents.1785443606.squirrels-iMac.local.1798.8", TD_FMT_TFEVENTS,
     1, "test_loss", {1}},
    {"tfevents/kevindic0214_detectron2__events.out.tfevents.1737378888.LAPTOP-1BH8GF02.2695.0", TD_FMT_TFEVENTS, 1,
     "total_loss", {15}},
};

static void test_realdata(void **state)
{
    (void)state;
    struct stat st;
    if (stat(REALDATA, &st) != 0) {
        print_message("# skipped: realdata: no " REALDATA ": real-log checks not run\n");
        return;
    }
    for (size_t i = 0; i < sizeof real_cases / sizeof *real_cases; i++) {
        const real_case *c = &real_cases[i];
        char path[512];
        snprintf(path, sizeof path, REALDATA "%s", c->file);
        td_log *log;
        td_err e;
        if (td_log_read_file(path, TD_FMT_AUTO, &log, &e) != TD_OK) fail_msg("%s", e.msg);
        if (log->format != c->fmt || log->nruns != c->runs)
            fail_msg("%s: %s with %zu runs", c->file, td_log_format_name(log->format), log->nruns);
        for (size_t r = 0; r < log->nruns && r < 4; r++) {
            const td_series *s = series(&log->runs[r], c->series);
            if (s->n != c->points[r]) fail_msg("%s run %zu: %s has %zu points", c->file, r + 1, c->series, s->n);
            assert_int_equal(log->runs[r].nbad, 0);
        }
        td_log_free(log);
    }
    /* quirks named by the README */
    td_log *log;
    td_err e;
    assert_int_equal(td_log_read_file(REALDATA "jsonl__kevindic0214_detectron2_metrics.json", TD_FMT_AUTO, &log, &e), TD_OK);
    assert_true(series(&log->runs[1], "total_loss")->x[0] == 19 && series(&log->runs[1], "lr")->x[14] == 299);
    td_log_free(log);
    assert_int_equal(td_log_read_file(REALDATA "lightning__hcdescamps_mnist_noisy_steps_metrics.csv", TD_FMT_AUTO, &log, &e), TD_OK);
    const td_run *r = &log->runs[0];
    assert_true(series(r, "val_loss")->x[5] == 8595 && series(r, "test_loss")->x[0] == 8595);
    assert_int_equal(series(r, "train_loss")->n, 171);
    td_log_free(log);
    assert_int_equal(td_log_read_file(REALDATA "pytorch_text__adityaj87_emotion_logging.log", TD_FMT_AUTO, &log, &e), TD_OK);
    assert_int_equal(log->runs[0].nseries, 4);
    assert_true(series(&log->runs[0], "Val Acc")->percent);
    td_log_free(log);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_number),
        cmocka_unit_test(test_metric_names),
        cmocka_unit_test(test_sniff),
        cmocka_unit_test(test_csv_keras),
        cmocka_unit_test(test_csv_quirks),
        cmocka_unit_test(test_csv_malformed_rows),
        cmocka_unit_test(test_jsonl),
        cmocka_unit_test(test_jsonl_coco_array),
        cmocka_unit_test(test_jsonl_fast),
        cmocka_unit_test(test_hf_state),
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_console_logs),
        cmocka_unit_test(test_tfevents),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_streaming),
        cmocka_unit_test(test_bom),
        cmocka_unit_test(test_samples_truth),
        cmocka_unit_test(test_realdata),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
