/* tests/test_dump.c — dumpcheck's library: histograms, accumulators,
 * streaming reads (chunked, gzip, float16, integers, tiny budgets), every
 * layout, every flag (and none on a healthy dump), bad files, first-layer
 * images, JSON. Every HDF5 file is written here with the C API. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <hdf5.h>
#include <json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "td.h"
#include "td_dump.h"
#include "td_h5.h"

static char tmpdir[256];

static const char *tpath(const char *name)
{
    static char buf[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
    return buf[k];
}

/* ---- writing helpers ---------------------------------------------------------- */
static hid_t lcpl(void)
{
    hid_t p = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(p, 1);
    return p;
}

/* Dataset of rank r from doubles, stored as ftype; chunk (NULL: contiguous), gzip. */
static void put(hid_t f, const char *path, hid_t ftype, int r, const hsize_t *dims,
                const double *data, const hsize_t *chunk, int gzip)
{
    hid_t sp = H5Screate_simple(r, dims, NULL), dc = H5Pcreate(H5P_DATASET_CREATE), lp = lcpl();
    if (chunk) H5Pset_chunk(dc, r, chunk);
    if (gzip) H5Pset_deflate(dc, 4);
    hid_t d = H5Dcreate2(f, path, ftype, sp, lp, dc, H5P_DEFAULT);
    assert_true(d >= 0);
    if (data) assert_true(H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0);
    H5Dclose(d); H5Pclose(dc); H5Pclose(lp); H5Sclose(sp);
}

static void put2(hid_t f, const char *path, hsize_t a, hsize_t b, const double *data)
{
    hsize_t dims[2] = { a, b };
    put(f, path, H5T_IEEE_F32LE, b ? 2 : 1, dims, data, NULL, 0);
}

static void attr_num(hid_t f, const char *obj, const char *name, double v)
{
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate_by_name(f, obj, name, H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, H5T_NATIVE_DOUBLE, &v);
    H5Aclose(a); H5Sclose(sp);
}

/* A 1-D attribute of n fixed-length strings (n may be 0). */
static void attr_strs(hid_t f, const char *obj, const char *name, const char *const *s, int n)
{
    size_t len = 1;
    for (int i = 0; i < n; i++) if (strlen(s[i]) > len) len = strlen(s[i]);
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, len);
    hsize_t dims[1] = { (hsize_t)n };
    hid_t sp = H5Screate_simple(1, dims, NULL);
    char *buf = calloc(n > 0 ? (size_t)n : 1, len);
    for (int i = 0; i < n; i++) memcpy(buf + (size_t)i * len, s[i], strlen(s[i]));
    hid_t a = H5Acreate_by_name(f, obj, name, t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, t, buf);
    free(buf);
    H5Aclose(a); H5Sclose(sp); H5Tclose(t);
}

static void attr_str(hid_t f, const char *obj, const char *name, const char *s)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, strlen(s) + 1);
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate_by_name(f, obj, name, t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, t, s);
    H5Aclose(a); H5Sclose(sp); H5Tclose(t);
}

static void mkgroup(hid_t f, const char *path)
{
    hid_t lp = lcpl();
    hid_t g = H5Gcreate2(f, path, lp, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(g >= 0);
    H5Gclose(g); H5Pclose(lp);
}

static hid_t create(const char *name)
{
    td_h5_quiet();
    hid_t f = H5Fcreate(tpath(name), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(f >= 0);
    return f;
}

static td_dump *open1(const char *name, td_code want, const char *msg_part)
{
    const char *files[1] = { tpath(name) };
    td_dump *d = NULL;
    td_err e;
    td_err_clear(&e);
    td_dump_opts o;
    td_dump_opts_default(&o);
    td_code rc = td_dump_open(&d, files, 1, &o, &e);
    if (rc != want) fail_msg("%s: rc %d (%s), want %d", name, rc, e.msg, want);
    if (msg_part && !strstr(e.msg, msg_part)) fail_msg("%s: message '%s' lacks '%s'", name, e.msg, msg_part);
    if (rc != TD_OK) assert_null(d);
    return d;
}

/* ---- histograms -------------------------------------------------------------------- */
static uint64_t hist_total(const td_hist *h)
{
    uint64_t s = 0;
    for (int i = 0; i < TD_HIST_FINE; i++) s += h->fine[i];
    return s;
}

static uint64_t exp_total(const td_hist *h)
{
    uint64_t s = h->exp_zero;
    for (int i = 0; i < TD_HIST_EXP_N; i++) s += h->exp_pos[i] + h->exp_neg[i];
    return s;
}

static void add_all(td_hist *h, const double *x, size_t n)
{
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++) { lo = fmin(lo, x[i]); hi = fmax(hi, x[i]); }
    td_hist_add_f64(h, x, n, lo, hi);
}

static void test_hist_merge_exact(void **state)
{
    (void)state;
    td_rng r;
    td_rng_seed(&r, 7);
    double a[1000], b[1000], all[2000];
    for (int i = 0; i < 1000; i++) { a[i] = 2 * td_rng_uniform(&r) - 1; b[i] = 5 + 45 * td_rng_uniform(&r); }
    memcpy(all, a, sizeof a);
    memcpy(all + 1000, b, sizeof b);
    td_hist *ha = malloc(sizeof *ha), *hb = malloc(sizeof *hb), *hall = malloc(sizeof *hall);
    td_hist_init(ha); td_hist_init(hb); td_hist_init(hall);
    add_all(ha, a, 1000);
    add_all(hb, b, 1000);
    add_all(hall, a, 1000); /* the same data in two blocks */
    add_all(hall, b, 1000);
    td_hist_merge(ha, hb);
    assert_int_equal(hist_total(ha), 2000);
    assert_int_equal(exp_total(ha), 2000);
    /* exact: hall's bins summed onto the merged (never finer) grid give its counts */
    assert_true(ha->k >= hall->k);
    uint64_t coarse[TD_HIST_FINE] = { 0 };
    int s = ha->k - hall->k;
    for (int i = 0; i < TD_HIST_FINE; i++) {
        if (!hall->fine[i]) continue;
        int64_t g = hall->start + i;
        int64_t cg = g >= 0 ? g >> s : -((-g + ((int64_t)1 << s) - 1) >> s); /* floor(g / 2^s) */
        int64_t j = cg - ha->start;
        assert_true(j >= 0 && j < TD_HIST_FINE);
        coarse[j] += hall->fine[i];
    }
    assert_memory_equal(ha->fine, coarse, sizeof coarse);
    assert_memory_equal(ha->exp_pos, hall->exp_pos, sizeof ha->exp_pos);
    assert_memory_equal(ha->exp_neg, hall->exp_neg, sizeof ha->exp_neg);
    /* the used bins cover [min, max] with at least a quarter of the grid */
    int lo = -1, hi = -1;
    for (int i = 0; i < TD_HIST_FINE; i++) if (ha->fine[i]) { if (lo < 0) lo = i; hi = i; }
    assert_true(hi - lo + 1 >= TD_HIST_FINE / 4);
    double c[20], tot = 0;
    td_hist_rebin(ha, -1, 50, 20, c);
    for (int i = 0; i < 20; i++) tot += c[i];
    assert_true(fabs(tot - 2000) < 1e-9);
    free(ha); free(hb); free(hall);
}

static const struct { double x; int where; } exp_cases[] = { /* 1 pos, -1 neg, 0 zero bucket, 2 overflow */
    { 1.0, 1 }, { 1.1, 1 }, { 1.2, 1 }, { 1.5, 1 }, { 1.7, 1 }, { 2.0, 1 }, { 3e-3, 1 },
    { -3.0, -1 }, { -1e-5, -1 }, { 0.0, 0 }, { 1e-13, 0 }, { 1e9, 2 },
};

static void test_hist_exp_buckets(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof exp_cases / sizeof exp_cases[0]; c++) {
        td_hist h;
        td_hist_init(&h);
        double x = exp_cases[c].x;
        float xf = (float)x;
        td_hist_add_f64(&h, &x, 1, x, x);
        td_hist h2;
        td_hist_init(&h2);
        td_hist_add_f32(&h2, &xf, 1, xf, xf);
        assert_int_equal(exp_total(&h), 1);
        assert_int_equal(hist_total(&h), 1);
        if (exp_cases[c].where == 0) { assert_int_equal(h.exp_zero, 1); continue; }
        const uint64_t *arr = exp_cases[c].where < 0 ? h.exp_neg : h.exp_pos;
        const uint64_t *arr2 = exp_cases[c].where < 0 ? h2.exp_neg : h2.exp_pos;
        int j = -1;
        for (int i = 0; i < TD_HIST_EXP_N; i++) if (arr[i]) j = i;
        assert_true(j >= 0);
        assert_int_equal(arr2[j], 1); /* float32 and float64 agree */
        if (exp_cases[c].where == 2) { assert_int_equal(j, TD_HIST_EXP_N - 1); continue; }
        double ax = fabs(x);
        assert_true(td_hist_exp_edge(j) <= ax * (1 + 1e-2));
        assert_true(ax < td_hist_exp_edge(j + 1) * (1 + 1e-2));
    }
}

static void test_hist_rebin(void **state)
{
    (void)state;
    double x[100];
    for (int i = 0; i < 100; i++) x[i] = i;
    td_hist h;
    td_hist_init(&h);
    add_all(&h, x, 100);
    double c[10];
    td_hist_rebin(&h, 0, 99, 10, c);
    double tot = 0;
    for (int i = 0; i < 10; i++) { tot += c[i]; assert_true(fabs(c[i] - 10) <= 1); }
    assert_true(fabs(tot - 100) < 1e-9);
    /* spans that overflow (found by fuzz-report): every value still counted
     * once, in range, without casting NaN to int (UBSan aborts on that) */
    static const double wide[][2] = { { -1.7e308, 1.7e308 }, { -1e308, 1e308 }, { 5e-324, 1e308 } };
    for (size_t k = 0; k < sizeof wide / sizeof wide[0]; k++) {
        td_hist w;
        td_hist_init(&w);
        td_hist_add_f64(&w, wide[k], 2, fmin(wide[k][0], wide[k][1]), fmax(wide[k][0], wide[k][1]));
        double cw[8];
        td_hist_rebin(&w, wide[k][0], wide[k][1], 8, cw);
        double t = 0;
        for (int i = 0; i < 8; i++) { assert_true(isfinite(cw[i]) && cw[i] >= 0); t += cw[i]; }
        assert_true(fabs(t - 2) < 1e-9);
    }
}

/* ---- accumulators and streaming ---------------------------------------------------- */
static void expect_stats(const td_stats *got, const double *x, size_t n)
{
    td_stats w;
    td_stats_init(&w);
    td_stats_add_array(&w, x, n);
    assert_int_equal(got->n, w.n);
    assert_int_equal(got->zeros, w.zeros);
    assert_int_equal(got->nans, w.nans);
    assert_int_equal(got->infs, w.infs);
    assert_true(got->min == w.min && got->max == w.max);
    assert_true(fabs(got->mean - w.mean) <= 1e-12 * (1 + fabs(w.mean)));
    assert_true(fabs(got->m2 - w.m2) <= 1e-10 * (1 + w.m2));
    assert_true(fabs(got->sumsq - w.sumsq) <= 1e-10 * (1 + w.sumsq));
}

static void test_acc_nonfinite(void **state)
{
    (void)state;
    enum { N = 10000 };
    double *x = malloc(N * sizeof *x);
    td_rng r;
    td_rng_seed(&r, 3);
    for (int i = 0; i < N; i++) x[i] = i % 7 == 0 ? 0.0 : td_rng_normal(&r);
    x[5000] = NAN;
    x[5001] = INFINITY;
    x[9999] = -INFINITY;
    td_dump_acc acc;
    td_dump_acc_init(&acc);
    td_hist h;
    td_hist_init(&h);
    acc.hist = &h;
    td_dump_acc_add_f64(&acc, x, N, 0);
    expect_stats(&acc.st, x, N);
    assert_int_equal(hist_total(&h), N - 3);
    /* the same through the float32 path (SIMD blocks, histogram cells) */
    float *xf = malloc(N * sizeof *xf);
    for (int i = 0; i < N; i++) { xf[i] = (float)x[i]; x[i] = (double)xf[i]; }
    td_dump_acc_init(&acc);
    td_hist_init(&h);
    acc.hist = &h;
    td_dump_acc_add_f32(&acc, xf, N, 0);
    expect_stats(&acc.st, x, N);
    assert_int_equal(hist_total(&h), N - 3);
    assert_int_equal(exp_total(&h), N - 3);
    free(xf);
    free(x);
}

typedef struct { const char *name; int rank; hsize_t dims[4]; hsize_t chunk[4]; int gzip; int kind; size_t budget; } stream_case;
/* kind: 0 float32, 1 float16, 2 int16, 3 float64 */
static const stream_case stream_cases[] = {
    { "f32 chunked gzip", 2, { 1000, 37 }, { 64, 37 }, 1, 0, 4096 },
    { "f32 contiguous, big budget", 2, { 300, 11 }, { 0 }, 0, 0, 4u << 20 },
    { "f16 chunked", 2, { 200, 9 }, { 50, 9 }, 0, 1, 1000 },
    { "int16", 1, { 777 }, { 100 }, 1, 2, 512 },
    { "f64 rank 4, rows over budget", 4, { 3, 5, 7, 40 }, { 1, 5, 7, 40 }, 1, 3, 200 },
    { "scalar", 0, { 0 }, { 0 }, 0, 3, 64 },
    { "f32 column chunks, gzip (chunk cache enlarged)", 2, { 2048, 256 }, { 2048, 8 }, 1, 0, 65536 },
};

static void test_stream_types(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof stream_cases / sizeof stream_cases[0]; c++) {
        const stream_case *sc = &stream_cases[c];
        size_t n = 1;
        for (int i = 0; i < sc->rank; i++) n *= sc->dims[i];
        double *x = malloc(n * sizeof *x);
        td_rng r;
        td_rng_seed(&r, 11 + c);
        for (size_t i = 0; i < n; i++) {
            double v = td_rng_normal(&r) * 10;
            if (sc->kind == 1) v = round(v * 4) / 4; /* exact in float16 */
            else if (sc->kind == 2) v = round(v);
            else if (sc->kind == 0) v = (double)(float)v;
            x[i] = i % 13 == 0 ? 0 : v;
        }
        hid_t ftype;
        if (sc->kind == 1) {
            ftype = H5Tcopy(H5T_IEEE_F32LE);
            H5Tset_fields(ftype, 15, 10, 5, 0, 10);
            H5Tset_size(ftype, 2);
            H5Tset_ebias(ftype, 15);
        } else {
            ftype = H5Tcopy(sc->kind == 0 ? H5T_IEEE_F32LE : sc->kind == 2 ? H5T_STD_I16LE : H5T_IEEE_F64LE);
        }
        hid_t f = create("stream.h5");
        if (sc->rank == 0) {
            hid_t sp = H5Screate(H5S_SCALAR);
            hid_t d = H5Dcreate2(f, "/x", ftype, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
            H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, x);
            H5Dclose(d); H5Sclose(sp);
        } else {
            put(f, "/x", ftype, sc->rank, sc->dims, x, sc->chunk[0] ? sc->chunk : NULL, sc->gzip);
        }
        H5Tclose(ftype);
        td_dump_acc acc;
        td_dump_acc_init(&acc);
        td_err e;
        td_code rc = td_dump_stream((int64_t)f, "stream.h5", "/x", 1u << 30, sc->budget, &acc, NULL, NULL, &e);
        if (rc != TD_OK) fail_msg("%s: %s", sc->name, e.msg);
        expect_stats(&acc.st, x, n);
        H5Fclose(f);
        free(x);
    }
}

static void test_pair_diff_and_adam(void **state)
{
    (void)state;
    double a[60], b[60], m[60], v[60];
    double want_diff = 0, want_adam = 0;
    for (int i = 0; i < 60; i++) {
        a[i] = sin(i); b[i] = a[i] + 0.01 * cos(3 * i);
        want_diff += (b[i] - a[i]) * (b[i] - a[i]);
        m[i] = 0.1 * cos(i); v[i] = 0.01 + 0.001 * i;
        double u = m[i] / (sqrt(v[i]) + 1e-7);
        want_adam += u * u;
    }
    hid_t f = create("pair.h5");
    hsize_t dims[2] = { 6, 10 }, chunk[2] = { 2, 10 };
    put(f, "/a", H5T_IEEE_F64LE, 2, dims, a, chunk, 0);
    put(f, "/b", H5T_IEEE_F64LE, 2, dims, b, NULL, 0);
    put(f, "/m", H5T_IEEE_F64LE, 2, dims, m, chunk, 1);
    put(f, "/v", H5T_IEEE_F64LE, 2, dims, v, chunk, 1);
    hsize_t d3[1] = { 60 };
    put(f, "/flat", H5T_IEEE_F64LE, 1, d3, a, NULL, 0);
    double s;
    uint64_t bad;
    td_err e;
    assert_int_equal(td_dump_pair((int64_t)f, "p", "/a", (int64_t)f, "p", "/b", TD_PAIR_DIFF, 0, 1000, 160, &s, &bad, &e), TD_OK);
    assert_true(fabs(s - want_diff) <= 1e-12 * want_diff);
    assert_int_equal(bad, 0);
    assert_int_equal(td_dump_pair((int64_t)f, "p", "/m", (int64_t)f, "p", "/v", TD_PAIR_ADAM, 1e-7, 1000, 0, &s, &bad, &e), TD_OK);
    assert_true(fabs(s - want_adam) <= 1e-12 * want_adam);
    assert_int_equal(td_dump_pair((int64_t)f, "p", "/a", (int64_t)f, "p", "/flat", TD_PAIR_DIFF, 0, 1000, 0, &s, &bad, &e), TD_EINPUT);
    assert_non_null(strstr(e.msg, "shape differs"));
    H5Fclose(f);
}

/* ---- the update ratios streamed with the statistics, against the two-pass reading -- */
/* A tdiag dump of nsteps steps (10 apart): fc/weight (rows×cols) and fc/bias
 * (cols) at every step, late/weight (cols×rows) from step late_from on only;
 * stored chunked (chunk rows) or contiguous (0), as float32, float64 or
 * alternating (types 0, 1, 2). nan_step ≥ 0 puts NaN/Inf in fc/weight at
 * that step; reshape stores late/weight transposed at its last step;
 * colchunk stores fc/weight in column chunks (rows × 4: chunk caches). */
typedef struct {
    const char *name;
    int nsteps, rows, cols, chunk, type, late_from, nan_step, reshape;
    size_t budget;
    int colchunk;
} steps_case;
static const steps_case steps_cases[] = {
    { "2 steps f32 chunked, pipelined", 2, 96, 64, 8, 0, 0, -1, 0, 4096, 0 },
    { "2 steps f32 contiguous", 2, 50, 30, 0, 0, 0, -1, 0, 2048, 0 },
    { "5 steps f64 chunked, budget split", 5, 128, 40, 16, 1, 0, -1, 0, 8192, 0 },
    { "4 steps mixed f32/f64, late layer", 4, 64, 48, 0, 2, 2, -1, 0, 4096, 0 },
    { "6 steps f32, late layer, NaN at step 20", 6, 80, 33, 5, 0, 3, 2, 0, 3000, 0 },
    { "3 steps f32, one step only of late", 3, 40, 16, 8, 0, 2, -1, 0, 1u << 20, 0 },
    { "big budget, no pipeline", 3, 32, 32, 0, 1, 1, -1, 0, 4u << 20, 0 },
    { "late layer changes shape (two-pass error kept)", 3, 32, 16, 0, 0, 1, -1, 1, 4096, 0 },
    { "4 steps f32, column chunks (chunk caches)", 4, 512, 64, 8, 0, 0, -1, 0, 8192, 1 },
};

static void write_steps(const char *name, const steps_case *c)
{
    hid_t f = create(name);
    size_t nw = (size_t)c->rows * (size_t)c->cols;
    double *w = malloc(nw * sizeof *w), *b = malloc((size_t)c->cols * sizeof *b), *l = malloc(nw * sizeof *l);
    td_rng r;
    td_rng_seed(&r, 99);
    for (size_t i = 0; i < nw; i++) { w[i] = 0.05 * td_rng_normal(&r); l[i] = 0.1 * td_rng_normal(&r); }
    for (int i = 0; i < c->cols; i++) b[i] = 0.01 * i;
    for (int k = 0; k < c->nsteps; k++) {
        hid_t ty = c->type == 1 || (c->type == 2 && k % 2) ? H5T_IEEE_F64LE : H5T_IEEE_F32LE;
        char p[96];
        hsize_t dw[2] = { (hsize_t)c->rows, (hsize_t)c->cols }, cw[2] = { (hsize_t)c->chunk, (hsize_t)c->cols };
        if (c->colchunk) { cw[0] = (hsize_t)c->rows; cw[1] = 4; }
        hsize_t db[1] = { (hsize_t)c->cols }, cb[1] = { (hsize_t)c->cols };
        double *wk = malloc(nw * sizeof *wk);
        memcpy(wk, w, nw * sizeof *wk);
        if (k == c->nan_step) { wk[3] = NAN; wk[nw - 1] = INFINITY; wk[nw / 2] = -INFINITY; }
        snprintf(p, sizeof p, "/step_%d/fc/weight", 10 * k);
        put(f, p, ty, 2, dw, wk, c->chunk ? cw : NULL, 0);
        snprintf(p, sizeof p, "/step_%d/fc/bias", 10 * k);
        put(f, p, ty, 1, db, b, c->chunk ? cb : NULL, 0);
        if (k >= c->late_from) {
            hsize_t dl[2] = { (hsize_t)c->cols, (hsize_t)c->rows }, cl[2] = { (hsize_t)c->chunk ? 4 : 0, (hsize_t)c->rows };
            if (c->reshape && k == c->nsteps - 1) { dl[0] = (hsize_t)c->rows; dl[1] = (hsize_t)c->cols; cl[1] = (hsize_t)c->cols; }
            snprintf(p, sizeof p, "/step_%d/late/weight", 10 * k);
            put(f, p, ty, 2, dl, l, c->chunk ? cl : NULL, 0);
        }
        free(wk);
        for (size_t i = 0; i < nw; i++) { w[i] += 1e-3 * (k + 1) * sin((double)i + k); l[i] *= 1 + 1e-4 * cos((double)i * k); }
        for (int i = 0; i < c->cols; i++) b[i] += 1e-4 * (k + 1);
    }
    H5Fclose(f);
    free(w); free(b); free(l);
}

static int close_rel(double a, double b, double tol)
{
    if (isnan(a) || isnan(b)) return isnan(a) && isnan(b);
    return a == b || fabs(a - b) <= tol * fmax(fabs(a), fabs(b));
}

static void test_steps_ratios_one_pass(void **state)
{
    (void)state;
    for (size_t ci = 0; ci < sizeof steps_cases / sizeof steps_cases[0]; ci++) {
        const steps_case *c = &steps_cases[ci];
        write_steps("steps.h5", c);
        const char *file = tpath("steps.h5");
        td_dump_opts o;
        td_dump_opts_default(&o);
        o.chunk_bytes = c->budget;
        o.propagate = 0;
        td_dump *d = NULL;
        td_err e;
        td_code rc = td_dump_open(&d, &file, 1, &o, &e);
        hid_t f = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT);
        assert_true(f >= 0);
        if (c->reshape) { /* the same error as the pair read gives */
            assert_int_equal(rc, TD_EINPUT);
            assert_non_null(strstr(e.msg, "shape differs"));
            assert_null(d);
            H5Fclose(f);
            continue;
        }
        if (rc != TD_OK) fail_msg("%s: %s", c->name, e.msg);
        /* the two-pass reading: each dataset streamed alone, each pair read again */
        size_t want = 0;
        for (size_t i = 0; i < d->ntensors; i++) {
            const td_dump_tensor *t = &d->tensors[i];
            td_dump_acc acc;
            td_dump_acc_init(&acc);
            assert_int_equal(td_dump_stream((int64_t)f, file, t->path, o.max_elems, o.chunk_bytes, &acc, NULL, NULL, &e), TD_OK);
            if (!(t->st.n == acc.st.n && t->st.nans == acc.st.nans && t->st.infs == acc.st.infs && t->st.zeros == acc.st.zeros
                  && close_rel(t->st.mean, acc.st.mean, 1e-12) && close_rel(t->st.m2, acc.st.m2, 1e-12)
                  && close_rel(t->st.sumsq, acc.st.sumsq, 1e-12) && t->st.min == acc.st.min && t->st.max == acc.st.max))
                fail_msg("%s: %s: statistics differ from a read of its own", c->name, t->path);
            long nx = -1;
            for (size_t j = 0; j < d->ntensors; j++) {
                const td_dump_tensor *u = &d->tensors[j];
                if (u->layer == t->layer && strcmp(u->param, t->param) == 0 && u->step > t->step
                    && (nx < 0 || u->step < d->tensors[nx].step)) nx = (long)j;
            }
            if (nx < 0) continue;
            const td_dump_tensor *u = &d->tensors[nx];
            double sum;
            uint64_t bad;
            assert_int_equal(td_dump_pair((int64_t)f, file, t->path, (int64_t)f, file, u->path, TD_PAIR_DIFF, 0,
                                          o.max_elems, o.chunk_bytes, &sum, &bad, &e), TD_OK);
            double wn = td_stats_norm(&acc.st);
            double r = wn > 0 ? sqrt(sum) / wn / (double)(u->step - t->step) : (sum > 0 ? INFINITY : 0);
            if (bad >= t->shape.n) r = NAN;
            want++;
            int found = 0;
            for (size_t k = 0; k < d->nratios; k++) {
                const td_dump_ratio *q = &d->ratios[k];
                if (q->layer != t->layer || strcmp(q->param, t->param) != 0 || q->step != t->step) continue;
                found++;
                assert_int_equal(q->method, TD_RATIO_DIFF);
                assert_true(q->step_to == u->step);
                if (!close_rel(q->ratio, r, 1e-12))
                    fail_msg("%s: %s step %lld: ratio %.17g, the two-pass reading %.17g", c->name, t->param, t->step, q->ratio, r);
            }
            assert_int_equal(found, 1);
        }
        assert_int_equal(d->nratios, want);
        size_t pairs = (size_t)(2 * (c->nsteps - 1) + (c->nsteps - 1 - c->late_from));
        assert_int_equal(want, pairs);
        H5Fclose(f);
        td_dump_free(d);
    }
}

/* ---- a synthetic tdiag dump with one planted fault per case ------------------------ */
typedef enum { F_NONE, F_LR_HIGH, F_LR_LOW, F_FROZEN, F_DEAD, F_ZERO_ACT, F_SAT, F_EXPLODE_ACT,
               F_VANISH, F_EXPLODE_GRAD, F_INIT, F_NAN, F_ZERO_GRAD, F_BIAS_HIGH } fault;

static void write_tdiag(const char *name, fault flt)
{
    static const int fan_in[3] = { 16, 8, 8 }, fan_out[3] = { 8, 8, 3 };
    static const char *const names[3] = { "fc1", "fc2", "out" };
    enum { B = 16 };
    td_rng r;
    td_rng_seed(&r, 42);
    hid_t f = create(name);
    double w[3][16 * 8], bias[3][8];
    char p[128];
    for (int l = 0; l < 3; l++) {
        double sd = sqrt(2.0 / fan_in[l]) * (flt == F_INIT && l == 0 ? 50 : 1);
        for (int i = 0; i < fan_in[l] * fan_out[l]; i++) w[l][i] = sd * td_rng_normal(&r);
        for (int i = 0; i < fan_out[l]; i++) bias[l][i] = flt == F_BIAS_HIGH ? 0.01 : 0;
    }
    for (int step = 0; step < 2; step++) {
        snprintf(p, sizeof p, "/step_%d", step);
        mkgroup(f, p);
        attr_num(f, p, "lr", 0.01);
        attr_str(f, p, "optimizer", "sgd");
        for (int l = 0; l < 3; l++) {
            int n = fan_in[l] * fan_out[l];
            snprintf(p, sizeof p, "/step_%d/%s", step, names[l]);
            mkgroup(f, p);
            attr_num(f, p, "depth", l);
            attr_str(f, p, "activation", l == 2 ? "" : (flt == F_SAT && l == 1 ? "tanh" : "relu"));
            if (step == 1 && !(flt == F_FROZEN && l == 1)) { /* W(1) = W(0) + an update of relative size ratio */
                double ratio = flt == F_LR_HIGH ? 0.1 : flt == F_LR_LOW ? 1e-6 : 1e-3, wn = 0;
                for (int i = 0; i < n; i++) wn += w[l][i] * w[l][i];
                double sd = ratio * sqrt(wn / n);
                for (int i = 0; i < n; i++) w[l][i] += sd * td_rng_normal(&r);
                for (int i = 0; i < fan_out[l]; i++) bias[l][i] += (flt == F_BIAS_HIGH && l == 1 ? 1 : 1e-3) * td_rng_normal(&r);
            }
            snprintf(p, sizeof p, "/step_%d/%s/weight", step, names[l]);
            put2(f, p, (hsize_t)fan_out[l], (hsize_t)fan_in[l], w[l]);
            snprintf(p, sizeof p, "/step_%d/%s/bias", step, names[l]);
            put2(f, p, (hsize_t)fan_out[l], 0, bias[l]);
            double g[16 * 8], grms = flt == F_VANISH && l == 0 ? 1e-6 : flt == F_EXPLODE_GRAD && l == 0 ? 10
                                   : flt == F_ZERO_GRAD ? 0 : 1e-2;
            for (int i = 0; i < n; i++) g[i] = grms * td_rng_normal(&r);
            if (flt == F_NAN && l == 2) g[3] = NAN;
            snprintf(p, sizeof p, "/step_%d/%s/grad/weight", step, names[l]);
            put2(f, p, (hsize_t)fan_out[l], (hsize_t)fan_in[l], g);
            double act[B * 8];
            int units = fan_out[l];
            for (int s = 0; s < B; s++)
                for (int u = 0; u < units; u++) {
                    double z = td_rng_normal(&r), v;
                    if (l == 2) v = z;                                     /* logits */
                    else if (flt == F_SAT && l == 1) v = z > 0 ? 0.999 : -0.999; /* tanh at its asymptotes */
                    else v = s == 0 ? fabs(z) + 0.1 : fmax(0, z);        /* ReLU; every unit fires once */
                    if (l == 0 && flt == F_DEAD && u < 6) v = 0;
                    if (l == 0 && flt == F_ZERO_ACT) v = 0;
                    if (l == 0 && flt == F_EXPLODE_ACT) v *= 1e5;
                    act[s * units + u] = v;
                }
            snprintf(p, sizeof p, "/step_%d/%s/activation", step, names[l]);
            put2(f, p, B, (hsize_t)units, act);
        }
    }
    H5Fclose(f);
}

static const struct { fault f; unsigned flags; } flag_cases[] = {
    { F_NONE, 0 }, { F_LR_HIGH, TD_DF_LR_HIGH }, { F_LR_LOW, TD_DF_LR_LOW },
    { F_FROZEN, TD_DF_NEVER_MOVED }, { F_DEAD, TD_DF_DEAD_RELU }, { F_ZERO_ACT, TD_DF_ZERO_ACT },
    { F_SAT, TD_DF_SATURATED }, { F_EXPLODE_ACT, TD_DF_EXPLODING_ACT },
    { F_VANISH, TD_DF_VANISHING_GRAD }, { F_EXPLODE_GRAD, TD_DF_EXPLODING_GRAD },
    { F_INIT, TD_DF_INIT_SCALE }, { F_NAN, TD_DF_NONFINITE },
    { F_ZERO_GRAD, TD_DF_VANISHING_GRAD }, /* zero in every layer: a finding, not "nothing to compare" */
    { F_BIAS_HIGH, TD_DF_LR_HIGH },        /* a bias's ratio ~100, far over 30 x --ratio-hi; weights fine */
};

static void test_flags_each(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof flag_cases / sizeof flag_cases[0]; c++) {
        write_tdiag("flags.h5", flag_cases[c].f);
        td_dump *d = open1("flags.h5", TD_OK, NULL);
        unsigned all = 0;
        for (size_t i = 0; i < d->nfindings; i++) all |= (unsigned)d->findings[i].flag;
        if (all != flag_cases[c].flags) {
            for (size_t i = 0; i < d->nfindings; i++) print_message("  finding: %s\n", d->findings[i].msg);
            for (size_t i = 0; i < d->nratios; i++) print_message("  ratio %d %s %lld: %g\n", d->ratios[i].layer, d->ratios[i].param, d->ratios[i].step, d->ratios[i].ratio);
            fail_msg("case %zu: flags 0x%x, want 0x%x", c, all, flag_cases[c].flags);
        }
        assert_int_equal(d->layout, TD_DUMP_TDIAG);
        assert_int_equal(d->nlayers, 3);
        assert_string_equal(d->layers[0].name, "fc1");
        assert_string_equal(d->layers[2].name, "out");
        assert_int_equal(d->nsteps, 2);
        assert_true(d->lr == 0.01);
        if (flag_cases[c].f == F_NONE) { /* ratio ~1e-3 as planted, fans of a (out,in) weight */
            assert_true(d->layers[0].ratio_median > 5e-4 && d->layers[0].ratio_median < 2e-3);
            assert_int_equal(d->layers[0].fan_in, 16);
            assert_int_equal(d->layers[0].fan_out, 8);
            long a = td_dump_find(d, 1, TD_DK_ACT, "activation", 1);
            assert_true(a >= 0);
            assert_int_equal(d->tensors[a].units, 8);
            assert_int_equal(d->tensors[a].dead_units, 0);
        }
        td_dump_free(d);
    }
}

/* ---- Keras layouts ---------------------------------------------------------------- */
static void write_keras2(const char *name, int tf1, int zero_v)
{
    hid_t f = create(name);
    static const char *const layers[] = { "dense", "flatten" };
    static const char *const wn[] = { "dense_inner/kernel:0", "dense_inner/bias:0" };
    attr_str(f, "/", "keras_version", "2.3.1");
    attr_str(f, "/", "training_config", "{\"optimizer_config\": {\"class_name\": \"Adam\", \"config\": {\"learning_rate\": 0.001}}}");
    attr_str(f, "/", "model_config", "{\"class_name\": \"Sequential\", \"config\": {\"layers\": [{\"class_name\": \"Dense\", \"config\": {\"name\": \"dense\", \"activation\": \"tanh\"}}]}}");
    mkgroup(f, "/model_weights/flatten");
    mkgroup(f, "/model_weights/dense/dense_inner");
    attr_strs(f, "/model_weights", "layer_names", layers, 2);
    attr_strs(f, "/model_weights/dense", "weight_names", wn, 2);
    attr_strs(f, "/model_weights/flatten", "weight_names", NULL, 0);
    double k[12], b[3], m[12], v[12], it = 100;
    for (int i = 0; i < 12; i++) { k[i] = 0.1 * (i + 1); m[i] = 0.01; v[i] = zero_v ? 0 : 1e-4; }
    for (int i = 0; i < 3; i++) b[i] = 0.5;
    put2(f, "/model_weights/dense/dense_inner/kernel:0", 4, 3, k);
    put2(f, "/model_weights/dense/dense_inner/bias:0", 3, 0, b);
    hid_t sp = H5Screate(H5S_SCALAR);
    if (tf1) {
        static const char *const on[] = { "Adam/iterations:0", "training/Adam/Variable:0", "training/Adam/Variable_1:0",
                                          "training/Adam/Variable_2:0", "training/Adam/Variable_3:0" };
        mkgroup(f, "/optimizer_weights/training/Adam");
        mkgroup(f, "/optimizer_weights/Adam");
        attr_strs(f, "/optimizer_weights", "weight_names", on, 5);
        hid_t d = H5Dcreate2(f, "/optimizer_weights/Adam/iterations:0", H5T_STD_I64LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, &it);
        H5Dclose(d);
        put2(f, "/optimizer_weights/training/Adam/Variable:0", 4, 3, m);
        put2(f, "/optimizer_weights/training/Adam/Variable_1:0", 3, 0, m);
        put2(f, "/optimizer_weights/training/Adam/Variable_2:0", 4, 3, v);
        put2(f, "/optimizer_weights/training/Adam/Variable_3:0", 3, 0, v);
    } else {
        static const char *const on[] = { "Adam/iter:0", "Adam/dense/kernel/m:0", "Adam/dense/kernel/v:0" };
        mkgroup(f, "/optimizer_weights/Adam/dense/kernel");
        attr_strs(f, "/optimizer_weights", "weight_names", on, 3);
        hid_t d = H5Dcreate2(f, "/optimizer_weights/Adam/iter:0", H5T_STD_I64LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, &it);
        H5Dclose(d);
        put2(f, "/optimizer_weights/Adam/dense/kernel/m:0", 4, 3, m);
        put2(f, "/optimizer_weights/Adam/dense/kernel/v:0", 4, 3, v);
    }
    H5Sclose(sp);
    H5Fclose(f);
}

static void test_layout_keras2(void **state)
{
    (void)state;
    for (int tf1 = 0; tf1 < 2; tf1++) {
        write_keras2("k2.h5", tf1, 0);
        td_dump *d = open1("k2.h5", TD_OK, NULL);
        assert_int_equal(d->layout, TD_DUMP_KERAS2);
        assert_int_equal(d->nlayers, 1); /* flatten has no weights */
        assert_string_equal(d->layers[0].name, "dense");
        assert_string_equal(d->layers[0].act, "tanh");
        assert_string_equal(d->optimizer, "adam");
        assert_true(d->lr == 0.001);
        assert_int_equal(d->iterations, 100);
        assert_true(td_dump_find(d, 0, TD_DK_PARAM, "kernel", -1) >= 0);
        assert_int_equal(d->layers[0].fan_in, 4); /* Keras (in,out) */
        assert_int_equal(d->layers[0].fan_out, 3);
        size_t nopt = 0;
        for (size_t i = 0; i < d->ntensors; i++)
            if (d->tensors[i].kind == TD_DK_OPT) {
                nopt++;
                assert_true(strcmp(d->tensors[i].slot, "m") == 0 || strcmp(d->tensors[i].slot, "v") == 0);
            }
        assert_int_equal(nopt, tf1 ? 4 : 2);
        /* Adam estimate: lr·√(1−β2^t)/(1−β1^t)·‖m/(√v+ε)‖/‖W‖ */
        double wn = 0;
        for (int i = 0; i < 12; i++) wn += 0.01 * (i + 1) * (i + 1);
        double c = sqrt(1 - pow(0.999, 100)) / (1 - pow(0.9, 100));
        double want = 0.001 * c * sqrt(12.0) * (0.01 / (0.01 + 1e-7)) / sqrt(wn);
        assert_true(d->nratios >= 1);
        int found = 0;
        for (size_t i = 0; i < d->nratios; i++)
            if (strcmp(d->ratios[i].param, "kernel") == 0) {
                assert_int_equal(d->ratios[i].method, TD_RATIO_ADAM);
                assert_true(fabs(d->ratios[i].ratio - want) < 1e-6 * want); /* float32 storage */
                found = 1;
            }
        assert_true(found);
        assert_int_equal(d->nfindings, 0);
        td_dump_free(d);
    }
    write_keras2("k2z.h5", 0, 1); /* v all zero after 100 iterations */
    td_dump *d = open1("k2z.h5", TD_OK, NULL);
    assert_true(d->layers[0].flags & TD_DF_ZERO_ACCUM);
    td_dump_free(d);
}

static void test_layout_keras3(void **state)
{
    (void)state;
    double k[6] = { 1, -1, 2, -2, 3, -3 }, b[2] = { 0.1, 0.2 }, it = 7, lr = 0.01;
    /* Keras 3 legacy .h5: an extra "sequential" level, no ":0" */
    hid_t f = create("k3.h5");
    static const char *const layers[] = { "dense" };
    static const char *const wn[] = { "sequential/dense/kernel", "sequential/dense/bias" };
    attr_str(f, "/", "keras_version", "3.11.3");
    mkgroup(f, "/model_weights/dense/sequential/dense");
    attr_strs(f, "/model_weights", "layer_names", layers, 1);
    attr_strs(f, "/model_weights/dense", "weight_names", wn, 2);
    put2(f, "/model_weights/dense/sequential/dense/kernel", 3, 2, k);
    put2(f, "/model_weights/dense/sequential/dense/bias", 2, 0, b);
    H5Fclose(f);
    td_dump *d = open1("k3.h5", TD_OK, NULL);
    assert_int_equal(d->layout, TD_DUMP_KERAS3_LEGACY);
    assert_true(td_dump_find(d, 0, TD_DK_PARAM, "kernel", -1) >= 0);
    assert_true(td_dump_find(d, 0, TD_DK_PARAM, "bias", -1) >= 0);
    td_dump_free(d);
    /* Keras 3 .weights.h5: layers/<name>/vars/N */
    f = create("k3w.weights.h5");
    put2(f, "/layers/dense/vars/0", 3, 2, k);
    put2(f, "/layers/dense/vars/1", 2, 0, b);
    mkgroup(f, "/optimizer/vars");
    hsize_t one[1] = { 1 };
    put(f, "/optimizer/vars/0", H5T_STD_I64LE, 0, one, &it, NULL, 0);
    put(f, "/optimizer/vars/1", H5T_IEEE_F32LE, 0, one, &lr, NULL, 0);
    H5Fclose(f);
    d = open1("k3w.weights.h5", TD_OK, NULL);
    assert_int_equal(d->layout, TD_DUMP_KERAS3_WEIGHTS);
    long kt = td_dump_find(d, 0, TD_DK_PARAM, "kernel", -1);
    assert_true(kt >= 0);
    assert_int_equal(d->tensors[kt].st.n, 6);
    assert_true(td_dump_find(d, 0, TD_DK_PARAM, "bias", -1) >= 0);
    assert_int_equal(d->iterations, 7);
    assert_true(fabs(d->lr - 0.01) < 1e-8);
    td_dump_free(d);
}

static void test_layout_generic_and_ranks(void **state)
{
    (void)state;
    double x[4] = { 1, 2, 3, 4 };
    hid_t f = create("gen.h5");
    put2(f, "/a/b/x", 2, 2, x);
    put2(f, "/y", 4, 0, x);
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, 4);
    hsize_t two[1] = { 2 };
    hid_t sp = H5Screate_simple(1, two, NULL);
    hid_t d0 = H5Dcreate2(f, "/names", t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(d0, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, "cat\0dog");
    H5Dclose(d0); H5Sclose(sp); H5Tclose(t);
    H5Lcreate_soft("/a/b/x", f, "/soft", H5P_DEFAULT, H5P_DEFAULT);
    H5Fclose(f);
    td_dump *d = open1("gen.h5", TD_OK, NULL);
    assert_int_equal(d->layout, TD_DUMP_GENERIC);
    assert_int_equal(d->ntensors, 2);
    assert_int_equal(d->nnotes, 2); /* the strings and the soft link */
    assert_int_equal(d->nfindings, 0);
    td_dump_free(d);
    /* two files of one step each (ranks): tensors merged, counts add up */
    write_tdiag("rank0.h5", F_NONE);
    write_tdiag("rank1.h5", F_NONE);
    const char *files[2] = { tpath("rank0.h5"), tpath("rank1.h5") };
    td_err e;
    assert_int_equal(td_dump_open(&d, files, 2, NULL, &e), TD_OK);
    long a = td_dump_find(d, 0, TD_DK_ACT, "activation", 0);
    assert_true(a >= 0);
    assert_int_equal(d->tensors[a].st.n, 2 * 16 * 8);
    assert_int_equal(d->ntensors, 2 * 3 * 4);
    td_dump_free(d);
}

/* Keras 2 save_weights (layer groups at the root) with a Bidirectional
 * wrapper: its two inner kernels stay apart. */
static void test_layout_keras2_wrappers(void **state)
{
    (void)state;
    hid_t f = create("k2w.h5");
    static const char *const layers[] = { "bidirectional" };
    static const char *const wn[] = { "bidirectional/forward_lstm/lstm_cell/kernel:0",
                                      "bidirectional/backward_lstm/lstm_cell/kernel:0" };
    double k[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    attr_strs(f, "/", "layer_names", layers, 1);
    mkgroup(f, "/bidirectional");
    attr_strs(f, "/bidirectional", "weight_names", wn, 2);
    put2(f, "/bidirectional/bidirectional/forward_lstm/lstm_cell/kernel:0", 2, 4, k);
    put2(f, "/bidirectional/bidirectional/backward_lstm/lstm_cell/kernel:0", 2, 4, k);
    H5Fclose(f);
    td_dump *d = open1("k2w.h5", TD_OK, NULL);
    assert_int_equal(d->layout, TD_DUMP_KERAS2);
    assert_int_equal(d->nlayers, 1);
    assert_true(td_dump_find(d, 0, TD_DK_PARAM, "forward_lstm/lstm_cell/kernel", -1) >= 0);
    assert_true(td_dump_find(d, 0, TD_DK_PARAM, "backward_lstm/lstm_cell/kernel", -1) >= 0);
    td_dump_free(d);
    /* a weight_names entry without its dataset is an input error naming it */
    f = create("k2missing.h5");
    attr_strs(f, "/", "layer_names", layers, 1);
    mkgroup(f, "/bidirectional");
    attr_strs(f, "/bidirectional", "weight_names", wn, 1);
    H5Fclose(f);
    open1("k2missing.h5", TD_EINPUT, "forward_lstm/lstm_cell/kernel:0: no such dataset");
}

typedef struct { int calls; uint64_t done, total; } progress_seen;
static void on_progress(void *ctx, uint64_t done, uint64_t total)
{
    progress_seen *p = ctx;
    assert_true(done >= p->done && done <= total);
    p->calls++; p->done = done; p->total = total;
}

/* The progress callback sees every byte, in order, up to the total. */
static void test_progress(void **state)
{
    (void)state;
    write_tdiag("prog.h5", F_NONE);
    const char *files[1] = { tpath("prog.h5") };
    td_dump_opts o;
    td_dump_opts_default(&o);
    progress_seen p = { 0, 0, 0 };
    o.progress = on_progress;
    o.progress_ctx = &p;
    td_dump *d = NULL;
    td_err e;
    assert_int_equal(td_dump_open(&d, files, 1, &o, &e), TD_OK);
    assert_int_equal(p.calls, (int)d->ntensors); /* one slab each: small tensors */
    assert_true(p.done == p.total && p.total == d->bytes && p.total > 0);
    td_dump_free(d);
}

/* ---- bad files: exit 3 with the dataset named, no crash, no huge allocation ------- */
static void bad_truncated(void)
{
    write_tdiag("trunc.h5", F_NONE);
    FILE *fp = fopen(tpath("trunc.h5"), "r+b");
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fclose(fp);
    assert_int_equal(truncate(tpath("trunc.h5"), n / 3), 0);
}

static void bad_string(void)
{
    hid_t f = create("bad_string.h5");
    mkgroup(f, "/step_0/fc");
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, 8);
    hsize_t one[1] = { 1 };
    hid_t sp = H5Screate_simple(1, one, NULL);
    hid_t d = H5Dcreate2(f, "/step_0/fc/weight", t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dclose(d); H5Sclose(sp); H5Tclose(t);
    H5Fclose(f);
}

static void bad_compound(void)
{
    hid_t f = create("bad_compound.h5");
    mkgroup(f, "/step_0/fc");
    hid_t t = H5Tcreate(H5T_COMPOUND, 16);
    H5Tinsert(t, "a", 0, H5T_NATIVE_DOUBLE);
    H5Tinsert(t, "b", 8, H5T_NATIVE_DOUBLE);
    hsize_t one[1] = { 3 };
    hid_t sp = H5Screate_simple(1, one, NULL);
    hid_t d = H5Dcreate2(f, "/step_0/fc/weight", t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dclose(d); H5Sclose(sp); H5Tclose(t);
    H5Fclose(f);
}

static void bad_zero(void)
{
    hid_t f = create("bad_zero.h5");
    hsize_t dims[2] = { 0, 4 };
    put(f, "/step_0/fc/weight", H5T_IEEE_F32LE, 2, dims, NULL, NULL, 0);
    H5Fclose(f);
}

static void bad_rank5(void)
{
    hid_t f = create("bad_rank5.h5");
    hsize_t dims[5] = { 1, 2, 1, 2, 1 };
    double x[4] = { 0 };
    put(f, "/step_0/fc/weight", H5T_IEEE_F32LE, 5, dims, x, NULL, 0);
    H5Fclose(f);
}

static void bad_missing_step(void)
{
    hid_t f = create("bad_missing.h5");
    double x[4] = { 1, 2, 3, 4 };
    put2(f, "/step_0/fc/weight", 2, 2, x);
    put2(f, "/step_0/fc/bias", 2, 0, x);
    put2(f, "/step_1/fc/bias", 2, 0, x);
    H5Fclose(f);
}

static void bad_cycle(void)
{
    hid_t f = create("bad_cycle.h5");
    double x[4] = { 1, 2, 3, 4 };
    put2(f, "/a/x", 4, 0, x);
    H5Lcreate_hard(f, "/a", f, "/a/loop", H5P_DEFAULT, H5P_DEFAULT);
    H5Fclose(f);
}

static void bad_huge(void)
{
    hid_t f = create("bad_huge.h5");
    hsize_t dims[2] = { 1000000, 1000000 }, chunk[2] = { 100, 100 };
    put(f, "/weights/huge", H5T_IEEE_F32LE, 2, dims, NULL, chunk, 0);
    H5Fclose(f);
}

static const struct { void (*make)(void); const char *file; td_code rc; const char *part; } bad_cases[] = {
    { bad_truncated, "trunc.h5", TD_EIO, "trunc.h5" },
    { bad_string, "bad_string.h5", TD_EINPUT, "/step_0/fc/weight: holds strings" },
    { bad_compound, "bad_compound.h5", TD_EINPUT, "/step_0/fc/weight: holds a compound type" },
    { bad_zero, "bad_zero.h5", TD_EINPUT, "/step_0/fc/weight: has no elements" },
    { bad_rank5, "bad_rank5.h5", TD_EINPUT, "/step_0/fc/weight: rank 5" },
    { bad_missing_step, "bad_missing.h5", TD_EINPUT, "/step_1/fc/weight: missing" },
    { bad_cycle, "bad_cycle.h5", TD_EINPUT, "/a/loop: link cycle" },
    { bad_huge, "bad_huge.h5", TD_EINPUT, "/weights/huge: declares 1000000000000 elements" },
};

static void test_bad_files(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof bad_cases / sizeof bad_cases[0]; c++) {
        bad_cases[c].make();
        const char *files[1] = { tpath(bad_cases[c].file) };
        td_dump *d = (td_dump *)1;
        td_err e;
        td_err_clear(&e);
        td_code rc = td_dump_open(&d, files, 1, NULL, &e);
        if (rc == TD_OK || (bad_cases[c].rc == TD_EINPUT && rc != TD_EINPUT))
            fail_msg("%s: rc %d '%s'", bad_cases[c].file, rc, e.msg);
        assert_null(d);
        assert_int_equal(td_exit_code(rc), TD_EXIT_INPUT);
        if (!strstr(e.msg, bad_cases[c].part)) fail_msg("%s: '%s' lacks '%s'", bad_cases[c].file, e.msg, bad_cases[c].part);
        assert_null(strchr(e.msg, '\n'));
    }
}

/* ---- first-layer image and JSON ------------------------------------------------------ */
static void test_first_layer_image(void **state)
{
    (void)state;
    hid_t f = create("img.h5");
    double w[4 * 3 * 2 * 2], lin[5 * 48];
    for (int i = 0; i < 48; i++) w[i] = sin(i);
    for (int i = 0; i < 5 * 48; i++) lin[i] = cos(i);
    hsize_t dw[4] = { 4, 3, 2, 2 };
    put(f, "/step_0/conv/weight", H5T_IEEE_F32LE, 4, dw, w, NULL, 0);
    attr_num(f, "/step_0/conv", "depth", 0);
    put2(f, "/step_0/fc/weight", 5, 48, lin);
    attr_num(f, "/step_0/fc", "depth", 1);
    H5Fclose(f);
    td_dump *d = open1("img.h5", TD_OK, NULL);
    td_dump_image img;
    td_err e;
    assert_int_equal(td_dump_first_layer_image(d, &img, &e), TD_OK);
    assert_int_equal(img.n, 4); assert_int_equal(img.c, 3);
    assert_int_equal(img.h, 2); assert_int_equal(img.w, 2);
    for (int t = 0; t < 4; t++) {
        float lo = 1, hi = 0;
        for (int i = 0; i < 12; i++) { lo = fminf(lo, img.data[t * 12 + i]); hi = fmaxf(hi, img.data[t * 12 + i]); }
        assert_true(lo == 0.0f && hi == 1.0f);
    }
    /* tile 0, pixel (y=1,x=0), channel 2 is W[0,2,1,0] rescaled */
    double lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < 12; i++) { lo = fmin(lo, (float)w[i]); hi = fmax(hi, (float)w[i]); }
    double want = ((float)w[(0 * 3 + 2) * 4 + 1 * 2 + 0] - lo) / (hi - lo);
    assert_true(fabs(img.data[(1 * 2 + 0) * 3 + 2] - want) < 1e-5);
    td_dump_image_free(&img);
    td_dump_free(d);
}

static void test_json(void **state)
{
    (void)state;
    write_tdiag("json.h5", F_DEAD);
    td_dump *d = open1("json.h5", TD_OK, NULL);
    td_buf b = { 0 };
    td_out o = td_out_buf(&b);
    td_dump_opts opts;
    td_dump_opts_default(&opts);
    opts.bins = 7;
    td_dump_write_json(d, &opts, &o);
    json_object *j = json_tokener_parse(b.data), *v, *x;
    assert_non_null(j);
    assert_true(json_object_object_get_ex(j, "layers", &v));
    assert_int_equal(json_object_array_length(v), 3);
    x = json_object_array_get_idx(v, 0);
    assert_true(json_object_object_get_ex(x, "flags", &x));
    assert_string_equal(json_object_get_string(json_object_array_get_idx(x, 0)), "dead_relu");
    assert_true(json_object_object_get_ex(j, "tensors", &v));
    assert_int_equal(json_object_array_length(v), (int)d->ntensors);
    x = json_object_array_get_idx(v, 0);
    json_object *h, *c;
    assert_true(json_object_object_get_ex(x, "hist", &h));
    assert_true(json_object_object_get_ex(h, "counts", &c));
    assert_int_equal(json_object_array_length(c), 7);
    json_object_put(j);
    td_buf_free(&b);
    td_dump_free(d);
}

/* ---- checkpoint sequences ------------------------------------------------------- */
static const struct { const char *path; long long step; int is_step; } name_cases[] = {
    { "run/weights.03.hdf5", 3, 0 }, { "weights.12-0.45.hdf5", 12, 0 }, { "out/checkpoint-1000/model.safetensors", 1000, 1 },
    { "ckpt_step_250.h5", 250, 1 }, { "model-epoch07.h5", 7, 0 }, { "iter=42.h5", 42, 1 }, { "final.h5", -1, 0 },
    { "a/checkpoint-500/model-00001-of-00002.safetensors", 500, 1 },
};

static void test_ckpt_names(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof name_cases / sizeof name_cases[0]; i++) {
        int is_step = -1;
        long long s = td_dump_name_step(name_cases[i].path, &is_step);
        if (s != name_cases[i].step || is_step != name_cases[i].is_step)
            fail_msg("%s: step %lld is_step %d, want %lld %d", name_cases[i].path, s, is_step, name_cases[i].step, name_cases[i].is_step);
    }
}

/* A Keras 2 file of one Dense 8x8 "d" (kernel k0·(1+move) + a ramp), with
 * optimizer iterations when it >= 0. */
static void write_keras_ckpt(const char *path, double move, long long it)
{
    td_h5_quiet();
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(f >= 0);
    static const char *const layers[] = { "d" };
    static const char *const wn[] = { "d/kernel:0", "d/bias:0" };
    attr_str(f, "/", "keras_version", "2.3.1");
    attr_str(f, "/", "model_config", "{\"class_name\": \"Sequential\", \"config\": {\"layers\": [{\"class_name\": \"Dense\", "
             "\"config\": {\"name\": \"d\", \"units\": 8, \"activation\": \"relu\", \"batch_input_shape\": [null, 8]}}]}}");
    mkgroup(f, "/model_weights/d/d");
    attr_strs(f, "/model_weights", "layer_names", layers, 1);
    attr_strs(f, "/model_weights/d", "weight_names", wn, 2);
    double k[64], b[8];
    for (int i = 0; i < 64; i++) k[i] = 0.5 * sin(1.0 + i) + move * cos(3.0 * i);
    for (int i = 0; i < 8; i++) b[i] = 0.01 * i;
    put2(f, "/model_weights/d/d/kernel:0", 8, 8, k);
    put2(f, "/model_weights/d/d/bias:0", 8, 0, b);
    if (it >= 0) {
        static const char *const on[] = { "SGD/iterations:0" };
        mkgroup(f, "/optimizer_weights/SGD");
        attr_strs(f, "/optimizer_weights", "weight_names", on, 1);
        hid_t sp = H5Screate(H5S_SCALAR);
        hid_t d = H5Dcreate2(f, "/optimizer_weights/SGD/iterations:0", H5T_STD_I64LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        double v = (double)it;
        H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, &v);
        H5Dclose(d); H5Sclose(sp);
    }
    H5Fclose(f);
}

static void write_text(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

typedef struct {
    const char *what;
    const char *fmt;          /* file name pattern, %d = 1, 2, 3 (folders made) */
    long long it0;            /* iterations of file k: it0·k (-1: none) */
    int trainer;              /* trainer_state.json global_step 100·k beside each */
    long long between;        /* --steps-between */
    double move;              /* kernel change per checkpoint */
    td_step_source src;
    long long dstep;          /* steps between consecutive files (0: unknown) */
    int lr_high;              /* update_ratio_high expected */
} seq_case;
static const seq_case seq_cases[] = {
    { "epoch names, healthy: per checkpoint, not judged", "weights.%02d.hdf5", -1, 0, 0, 0.02, TD_STEPS_EPOCH_NAME, 0, 0 },
    { "epoch names + --steps-between", "weights.%02d.hdf5", -1, 0, 400, 0.02, TD_STEPS_OPTION, 400, 0 },
    { "optimizer iterations", "e%d.h5", 300, 0, 0, 0.02, TD_STEPS_ITERATIONS, 300, 0 },
    { "trainer_state.json", "checkpoint-x%d/model.h5", -1, 1, 0, 0.02, TD_STEPS_TRAINER_STATE, 100, 0 },
    { "step in the names, a step apart: judged", "step_%d.h5", -1, 0, 0, 0.02, TD_STEPS_NAME, 1, 1 },
    { "no number: order given", "ab%c.h5", -1, 0, 0, 0.02, TD_STEPS_ORDER, 0, 0 },
};

static void test_ckpt_sequence(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof seq_cases / sizeof seq_cases[0]; c++) {
        const seq_case *sc = &seq_cases[c];
        char names[3][400];
        const char *files[3];
        for (int k = 0; k < 3; k++) {
            char rel[128];
            if (strstr(sc->fmt, "%c")) snprintf(rel, sizeof rel, sc->fmt, 'a' + k);
            else snprintf(rel, sizeof rel, sc->fmt, k + 1);
            snprintf(names[k], sizeof names[k], "%s/seq%zu", tmpdir, c);
            mkdir(names[k], 0700);
            snprintf(names[k], sizeof names[k], "%s/seq%zu/%s", tmpdir, c, rel);
            char *slash = strrchr(names[k], '/');
            *slash = 0;
            mkdir(names[k], 0700);
            if (sc->trainer) {
                char ts[1300], body[64];
                snprintf(ts, sizeof ts, "%s/trainer_state.json", names[k]);
                snprintf(body, sizeof body, "{\"global_step\": %d, \"epoch\": 1.0}", 100 * (k + 1));
                write_text(ts, body);
            }
            *slash = '/';
            write_keras_ckpt(names[k], sc->move * k, sc->it0 >= 0 ? sc->it0 * (k + 1) : -1);
            files[k] = names[k];
        }
        td_dump_opts o;
        td_dump_opts_default(&o);
        o.steps_between = sc->between;
        td_dump *d = NULL;
        td_err e;
        td_err_clear(&e);
        if (td_dump_open(&d, files, 3, &o, &e) != TD_OK) fail_msg("%s: %s", sc->what, e.msg);
        if (d->step_source != sc->src) fail_msg("%s: source %d, want %d", sc->what, d->step_source, sc->src);
        assert_int_equal(d->nsteps, 3);
        /* the ratio of the kernel between the first two files, per step when the steps are known */
        double dk = 0, k0 = 0;
        for (int i = 0; i < 64; i++) {
            float a = (float)(0.5 * sin(1.0 + i)), b = (float)(0.5 * sin(1.0 + i) + sc->move * cos(3.0 * i));
            dk += ((double)b - a) * ((double)b - a);
            k0 += (double)a * a;
        }
        double want = sqrt(dk) / sqrt(k0) / (sc->dstep ? (double)sc->dstep : 1.0);
        int seen = 0;
        for (size_t i = 0; i < d->nratios; i++) {
            const td_dump_ratio *r = &d->ratios[i];
            if (strcmp(r->param, "kernel") != 0 || r->step != d->steps[0]) continue;
            assert_int_equal(r->method, sc->dstep ? TD_RATIO_DIFF : TD_RATIO_CKPT);
            if (fabs(r->ratio - want) > 1e-9 * want) fail_msg("%s: ratio %g, want %g", sc->what, r->ratio, want);
            if (sc->dstep) assert_int_equal(r->step_to - r->step, sc->dstep);
            seen = 1;
        }
        assert_true(seen);
        int high = 0, note_opt = 0;
        for (size_t i = 0; i < d->nfindings; i++) high |= d->findings[i].flag == TD_DF_LR_HIGH;
        for (size_t i = 0; i < d->nnotes; i++) note_opt += strstr(d->notes[i], "--steps-between N would judge them") != NULL;
        if (high != sc->lr_high) fail_msg("%s: update_ratio_high %d, want %d", sc->what, high, sc->lr_high);
        assert_int_equal(note_opt, sc->dstep ? 0 : 1); /* one line naming the option, only when unknown */
        td_dump_free(d);
    }
    /* files that store their steps: --steps-between is ignored, and said so */
    {
        write_tdiag("sb.h5", F_NONE);
        const char *one[2] = { tpath("sb.h5"), tpath("sb.h5") };
        td_dump_opts o;
        td_dump_opts_default(&o);
        o.steps_between = 7;
        td_dump *d = NULL;
        td_err e;
        assert_int_equal(td_dump_open(&d, one, 2, &o, &e), TD_OK);
        int said = 0;
        for (size_t i = 0; i < d->nnotes; i++) said |= strstr(d->notes[i], "--steps-between ignored") != NULL;
        assert_true(said);
        assert_int_equal(d->step_source, TD_STEPS_IN_FILE);
        td_dump_free(d);
    }
    /* a trainer_state.json that is not JSON: exit-3 class error naming it */
    char dir[512], ts[600], f1[600], f2[600];
    snprintf(dir, sizeof dir, "%s/badts", tmpdir);
    mkdir(dir, 0700);
    snprintf(ts, sizeof ts, "%s/trainer_state.json", dir);
    write_text(ts, "{\"global_step\": ");
    snprintf(f1, sizeof f1, "%s/a.h5", dir);
    snprintf(f2, sizeof f2, "%s/b.h5", dir);
    write_keras_ckpt(f1, 0, -1);
    write_keras_ckpt(f2, 0.01, -1);
    const char *files[2] = { f1, f2 };
    td_dump *d = NULL;
    td_err e;
    td_err_clear(&e);
    assert_int_equal(td_dump_open(&d, files, 2, NULL, &e), TD_EINPUT);
    assert_non_null(strstr(e.msg, "trainer_state.json"));
    assert_null(d);
}

/* ---- signal propagation ---------------------------------------------------------- */
/* A Keras 2 Sequential of dense layers: n layers of width w (the last of
 * width wl), kernel std scale·√(2/fan_in) (seeded), activation act (the last
 * last_act); mid_cls, if set, is inserted as a layer of that class after the
 * first. Kernel values come from a fixed pseudo-random sequence. */
typedef struct {
    const char *what;
    int n, in, w, wl;
    const char *act, *last_act;
    double scale;
    const char *mid_cls;
    unsigned want;      /* findings' flags expected (exactly) */
    const char *note;   /* part of a note expected, or NULL */
} prop_case;
static const prop_case prop_cases[] = {
    { "healthy ReLU stack (He)", 6, 16, 32, 4, "relu", "softmax", 1.0, NULL, 0, NULL },
    { "sigmoid stack: gradient vanishes", 9, 2, 5, 1, "sigmoid", "sigmoid", 1.0, NULL, TD_DF_VANISHING_GRAD, NULL },
    { "deep ReLU stack, Glorot: collapse", 24, 32, 64, 10, "relu", "softmax", 0.71, NULL, TD_DF_COLLAPSE, NULL },
    { "0.03 x He: far below, signal dies", 6, 16, 32, 4, "relu", "softmax", 0.03, NULL, TD_DF_COLLAPSE | TD_DF_INIT_SCALE, NULL },
    { "30 x He: far above, explodes", 6, 16, 32, 4, "relu", "softmax", 30, NULL, TD_DF_EXPLODING_ACT | TD_DF_INIT_SCALE, NULL },
    { "softmax over one unit", 3, 8, 8, 1, "relu", "softmax", 1.0, NULL, TD_DF_VANISHING_GRAD, NULL },
    { "an LSTM stops it", 4, 8, 8, 2, "relu", "softmax", 1.0, "LSTM", 0, "a LSTM layer is not propagated" },
    { "Dropout is the identity", 4, 8, 16, 2, "relu", "softmax", 1.0, "Dropout", 0, NULL },
    { "a ReLU layer after a linear Dense", 4, 8, 16, 2, "linear", "softmax", 1.0, "ReLU", 0, NULL },
    { "SELU stack with LeCun init: self-normalising", 12, 16, 32, 4, "selu", "softmax", 0.7071, NULL, 0, NULL },
    { "relu6 stack (He)", 6, 16, 32, 4, "relu6", "softmax", 1.0, NULL, 0, NULL },
    { "an unknown activation stops it", 4, 8, 8, 2, "mish", "softmax", 1.0, NULL, 0, "activation 'mish' not propagated" },
};

static double prng(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return ((double)(*s >> 11) / 9007199254740992.0) * 2 - 1; /* uniform [-1, 1), std 1/√3 */
}

static void write_dense_model(const char *name, const prop_case *pc)
{
    hid_t f = create(name);
    char cfg[16384], lname[32], path[128], *p = cfg;
    const char *lnames[64];
    char store[64][32];
    p += sprintf(p, "{\"class_name\": \"Sequential\", \"config\": {\"layers\": [");
    int nl = 0;
    uint64_t s = 12345;
    for (int i = 0; i < pc->n; i++) {
        int last = i == pc->n - 1, fin = i ? pc->w : pc->in, fout = last ? pc->wl : pc->w;
        snprintf(lname, sizeof lname, "dense_%d", i + 1);
        p += sprintf(p, "%s{\"class_name\": \"Dense\", \"config\": {\"name\": \"%s\", \"units\": %d, \"activation\": \"%s\"%s}}",
                     i ? ", " : "", lname, fout, last ? pc->last_act : pc->act, i ? "" : (pc->in == 8 ? ", \"batch_input_shape\": [null, 8]" : ""));
        if (i == 0 && pc->in != 8) p += sprintf(p - 2, ", \"batch_input_shape\": [null, %d]}}", pc->in) - 2;
        if (i == 0 && pc->mid_cls) p += sprintf(p, ", {\"class_name\": \"%s\", \"config\": {\"name\": \"mid\", \"rate\": 0.5, \"units\": %d}}", pc->mid_cls, pc->w);
        snprintf(store[nl], sizeof store[nl], "%s", lname);
        lnames[nl] = store[nl];
        nl++;
        double k[64 * 64], b[64], sd = pc->scale * sqrt(2.0 / fin) * sqrt(3.0);
        for (int j = 0; j < fin * fout; j++) k[j] = sd * prng(&s);
        for (int j = 0; j < fout; j++) b[j] = 0;
        char wn0[64], wn1[64];
        snprintf(wn0, sizeof wn0, "%s/kernel:0", lname);
        snprintf(wn1, sizeof wn1, "%s/bias:0", lname);
        const char *wn[2] = { wn0, wn1 };
        snprintf(path, sizeof path, "/model_weights/%s/%s", lname, lname);
        mkgroup(f, path);
        snprintf(path, sizeof path, "/model_weights/%s", lname);
        attr_strs(f, path, "weight_names", wn, 2);
        snprintf(path, sizeof path, "/model_weights/%s/%s/kernel:0", lname, lname);
        put2(f, path, (hsize_t)fin, (hsize_t)fout, k);
        snprintf(path, sizeof path, "/model_weights/%s/%s/bias:0", lname, lname);
        put2(f, path, (hsize_t)fout, 0, b);
    }
    p += sprintf(p, "]}}");
    attr_str(f, "/", "keras_version", "2.3.1");
    attr_str(f, "/", "model_config", cfg);
    attr_strs(f, "/model_weights", "layer_names", lnames, nl);
    H5Fclose(f);
}

static void test_propagate(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof prop_cases / sizeof prop_cases[0]; c++) {
        const prop_case *pc = &prop_cases[c];
        write_dense_model("prop.h5", pc);
        td_dump *d = open1("prop.h5", TD_OK, NULL);
        unsigned got = 0;
        for (size_t i = 0; i < d->nfindings; i++) got |= (unsigned)d->findings[i].flag;
        if (got != pc->want) fail_msg("%s: flags 0x%x, want 0x%x (%s)", pc->what, got, pc->want, d->nfindings ? d->findings[0].msg : "-");
        int noted = 0;
        for (size_t i = 0; i < d->nnotes; i++) noted |= pc->note && strstr(d->notes[i], pc->note) != NULL;
        assert_int_equal(noted, pc->note != NULL);
        if (!pc->note) assert_int_equal(d->nprop, (size_t)pc->n + (pc->mid_cls != NULL));
        else assert_int_equal(d->nprop, pc->mid_cls ? 1 : 0); /* stopped after the first layer, or at it */
        assert_true(d->nprop == 0 || d->prop_batch >= 1);
        td_dump_free(d);
        td_dump_opts o; /* --no-propagate: nothing of it */
        td_dump_opts_default(&o);
        o.propagate = 0;
        const char *files[1] = { tpath("prop.h5") };
        td_err e;
        assert_int_equal(td_dump_open(&d, files, 1, &o, &e), TD_OK);
        assert_int_equal(d->nprop, 0);
        td_dump_free(d);
    }
}

/* Two linear Dense layers W1 = a·I, W2 = b·I: ∂L/∂W2 = a·xᵀg/B and
 * ∂L/∂W1 = b·xᵀg/B, so the kernel gradient RMS ratio first/last is b/a. */
static void test_propagate_exact(void **state)
{
    (void)state;
    static const double ab[][2] = { { 1, 0.5 }, { 2, 8 }, { 1, 1e-3 } };
    for (size_t c = 0; c < sizeof ab / sizeof ab[0]; c++) {
        hid_t f = create("lin.h5");
        attr_str(f, "/", "keras_version", "2.3.1");
        attr_str(f, "/", "model_config", "{\"class_name\": \"Sequential\", \"config\": [{\"class_name\": \"Dense\", \"config\": {\"name\": \"l1\", "
                 "\"units\": 6, \"activation\": \"linear\", \"batch_input_shape\": [null, 6]}}, {\"class_name\": \"Dense\", \"config\": "
                 "{\"name\": \"l2\", \"units\": 6, \"activation\": \"linear\"}}]}");
        static const char *const ln[] = { "l1", "l2" };
        for (int l = 0; l < 2; l++) {
            double k[36] = { 0 };
            for (int i = 0; i < 6; i++) k[i * 6 + i] = ab[c][l];
            char g[64], ds[64], wn0[32];
            snprintf(g, sizeof g, "/model_weights/%s/%s", ln[l], ln[l]);
            mkgroup(f, g);
            snprintf(wn0, sizeof wn0, "%s/kernel:0", ln[l]);
            const char *wn[1] = { wn0 };
            snprintf(g, sizeof g, "/model_weights/%s", ln[l]);
            attr_strs(f, g, "weight_names", wn, 1);
            snprintf(ds, sizeof ds, "/model_weights/%s/%s/kernel:0", ln[l], ln[l]);
            put2(f, ds, 6, 6, k);
        }
        attr_strs(f, "/model_weights", "layer_names", ln, 2);
        H5Fclose(f);
        td_dump *d = open1("lin.h5", TD_OK, NULL);
        if (d->nprop != 2) fail_msg("case %zu: %zu layers propagated (%s)", c, d->nprop, d->nnotes ? d->notes[d->nnotes - 1] : "-");
        double r = d->prop[0].grad_rms / d->prop[1].grad_rms, want = ab[c][1] / ab[c][0];
        if (fabs(r - want) > 1e-5 * want) fail_msg("case %zu: ratio %.9g, want %.9g", c, r, want);
        assert_true(fabs(d->prop[0].act_std / d->prop[1].act_std - 1 / ab[c][1]) < 1e-5 / ab[c][1]);
        int vanish = 0;
        for (size_t i = 0; i < d->nfindings; i++) vanish |= d->findings[i].flag == TD_DF_VANISHING_GRAD;
        assert_int_equal(vanish, want < 1e-2);
        td_dump_free(d);
    }
}

/* Conv2D / pooling / BatchNormalization / Flatten: shapes through the chain
 * and exact forward scales. The model: Conv2D(4 filters, 3x3, pad, stride)
 * with a kernel that copies the input's centre to every filter, times a,
 * then a pooling layer, a BatchNormalization (gamma 2, mean 0, var 3),
 * Flatten and Dense(units 2). */
static const struct {
    const char *pad; int stride; const char *pool; int flat;
} conv_cases[] = {
    { "valid", 1, "MaxPooling2D", 3 * 3 * 4 },     /* 8 -> 6 -> 3 */
    { "same", 1, "AveragePooling2D", 4 * 4 * 4 },  /* 8 -> 8 -> 4 */
    { "same", 2, "MaxPooling2D", 2 * 2 * 4 },      /* 8 -> 4 -> 2 */
    { "valid", 2, "GlobalAveragePooling2D", 4 },   /* 8 -> 3 -> 1 */
};

static void test_propagate_conv(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof conv_cases / sizeof conv_cases[0]; c++) {
        hid_t f = create("conv.h5");
        char cfg[2048];
        snprintf(cfg, sizeof cfg,
                 "{\"class_name\": \"Sequential\", \"config\": {\"layers\": ["
                 "{\"class_name\": \"InputLayer\", \"config\": {\"name\": \"in\", \"batch_input_shape\": [null, 8, 8, 1]}},"
                 "{\"class_name\": \"Conv2D\", \"config\": {\"name\": \"c\", \"filters\": 4, \"kernel_size\": [3, 3], \"strides\": [%d, %d],"
                 " \"padding\": \"%s\", \"activation\": \"linear\", \"data_format\": \"channels_last\", \"dilation_rate\": [1, 1]}},"
                 "{\"class_name\": \"%s\", \"config\": {\"name\": \"p\", \"pool_size\": [2, 2], \"padding\": \"valid\"}},"
                 "{\"class_name\": \"BatchNormalization\", \"config\": {\"name\": \"bn\", \"epsilon\": 0.001, \"axis\": -1}},"
                 "{\"class_name\": \"Flatten\", \"config\": {\"name\": \"fl\"}},"
                 "{\"class_name\": \"Dense\", \"config\": {\"name\": \"d\", \"units\": 2, \"activation\": \"softmax\"}}]}}",
                 conv_cases[c].stride, conv_cases[c].stride, conv_cases[c].pad, conv_cases[c].pool);
        attr_str(f, "/", "keras_version", "2.3.1");
        attr_str(f, "/", "model_config", cfg);
        static const char *const ln[] = { "c", "bn", "d" };
        mkgroup(f, "/model_weights/c/c");
        mkgroup(f, "/model_weights/bn/bn");
        mkgroup(f, "/model_weights/d/d");
        static const char *const wc[] = { "c/kernel:0", "c/bias:0" }, *const wb[] = { "bn/gamma:0", "bn/beta:0", "bn/moving_mean:0", "bn/moving_variance:0" },
                                 *const wd[] = { "d/kernel:0" };
        attr_strs(f, "/model_weights/c", "weight_names", wc, 2);
        attr_strs(f, "/model_weights/bn", "weight_names", wb, 4);
        attr_strs(f, "/model_weights/d", "weight_names", wd, 1);
        attr_strs(f, "/model_weights", "layer_names", ln, 3);
        double k[36] = { 0 }, b4[4] = { 0 }, g4[4] = { 2, 2, 2, 2 }, v4[4] = { 3, 3, 3, 3 };
        for (int o = 0; o < 4; o++) k[(1 * 3 + 1) * 4 + o] = 0.5; /* (kh,kw,in,out): the centre */
        hsize_t kd[4] = { 3, 3, 1, 4 };
        put(f, "/model_weights/c/c/kernel:0", H5T_IEEE_F32LE, 4, kd, k, NULL, 0);
        put2(f, "/model_weights/c/c/bias:0", 4, 0, b4);
        put2(f, "/model_weights/bn/bn/gamma:0", 4, 0, g4);
        put2(f, "/model_weights/bn/bn/beta:0", 4, 0, b4);
        put2(f, "/model_weights/bn/bn/moving_mean:0", 4, 0, b4);
        put2(f, "/model_weights/bn/bn/moving_variance:0", 4, 0, v4);
        int fl = conv_cases[c].flat;
        double *dk = malloc((size_t)fl * 2 * sizeof *dk);
        for (int i = 0; i < fl * 2; i++) dk[i] = sin(i + 1.0) * sqrt(2.0 / fl);
        put2(f, "/model_weights/d/d/kernel:0", (hsize_t)fl, 2, dk);
        free(dk);
        H5Fclose(f);
        td_dump *d = open1("conv.h5", TD_OK, NULL);
        if (d->nprop != 6) fail_msg("case %zu: %zu layers propagated (%s)", c, d->nprop, d->nnotes ? d->notes[d->nnotes - 1] : "-");
        assert_int_equal(d->prop[1].units, 4);
        assert_int_equal(d->prop[4].units, (uint64_t)fl); /* Flatten: H x W x C of the pooled output */
        /* the conv copies the input x 0.5 (valid: the centre is always inside) */
        if (strcmp(conv_cases[c].pad, "valid") == 0 && conv_cases[c].stride == 1)
            assert_true(fabs(d->prop[1].act_std - 0.5 * d->prop[0].act_std) < 0.05 * d->prop[0].act_std);
        double want = 2 / sqrt(3.001); /* BN: gamma (x - 0) / sqrt(var + eps) */
        if (fabs(d->prop[3].act_std / d->prop[2].act_std - want) > 1e-5 * want)
            fail_msg("case %zu: BN scaled std by %.8g, want %.8g", c, d->prop[3].act_std / d->prop[2].act_std, want);
        assert_true(d->prop[1].grad_rms > 0 && d->prop[5].grad_rms > 0);
        assert_true(isnan(d->prop[2].grad_rms)); /* pooling has no kernel */
        td_dump_free(d);
    }
}

/* ---- safetensors -------------------------------------------------------------------- */
/* Write a safetensors file: header text as given (its length field = hlen,
 * or the real length when hlen is 0), then nbytes of data. */
static void write_st(const char *path, const char *header, uint64_t hlen, const void *data, size_t nbytes)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    uint64_t n = hlen ? hlen : strlen(header);
    unsigned char lb[8];
    for (int i = 0; i < 8; i++) lb[i] = (unsigned char)(n >> (8 * i));
    fwrite(lb, 1, 8, fp);
    fwrite(header, 1, strlen(header), fp);
    if (nbytes) fwrite(data, 1, nbytes, fp);
    fclose(fp);
}

static const struct { const char *what, *header; uint64_t hlen; size_t nbytes; const char *part; } st_bad[] = {
    { "length past the file", "{}", 1000000, 0, "runs past the end of the file" },
    { "not JSON", "{\"a\": {\"dtype\": ", 0, 0, "not a JSON object" },
    { "unknown dtype", "{\"a\": {\"dtype\": \"F8_E4M3X\", \"shape\": [2], \"data_offsets\": [0, 2]}}", 0, 8, "unknown dtype 'F8_E4M3X'" },
    { "overlapping offsets", "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}, "
      "\"b\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 8]}}", 0, 8, "overlap" },
    { "offsets past the data", "{\"a\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 16]}}", 0, 8, "run past the end" },
    { "offsets that overflow", "{\"a\": {\"dtype\": \"F64\", \"shape\": [4611686018427387904, 8], \"data_offsets\": [0, 16]}}", 0, 16, "overflows" },
    { "offset past 2^63", "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [18446744073709551615, 8]}}", 0, 8, "are reversed" },
    { "negative offset", "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [-8, 0]}}", 0, 8, "not non-negative 64-bit" },
    { "end offset past 2^64 - 1 + size", "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [18446744073709551608, 0]}}", 0, 8, "are reversed" },
    { "size not dtype x shape", "{\"a\": {\"dtype\": \"F32\", \"shape\": [3], \"data_offsets\": [0, 8]}}", 0, 16, "do not match its dtype and shape" },
    { "shape not integers", "{\"a\": {\"dtype\": \"F32\", \"shape\": [-2], \"data_offsets\": [0, 8]}}", 0, 8, "shape is not" },
    { "no tensors", "{\"__metadata__\": {\"format\": \"pt\"}}", 0, 0, "no tensor" },
    { "short length field", "", 3, 0, "shorter than the 8-byte" },
};

static void test_st_bad(void **state)
{
    (void)state;
    unsigned char zeros[64] = { 0 };
    for (size_t i = 0; i < sizeof st_bad / sizeof st_bad[0]; i++) {
        const char *f = tpath("bad.safetensors");
        if (st_bad[i].hlen == 3) { FILE *fp = fopen(f, "wb"); fwrite("abc", 1, 3, fp); fclose(fp); }
        else write_st(f, st_bad[i].header, st_bad[i].hlen, zeros, st_bad[i].nbytes);
        const char *files[1] = { f };
        td_dump *d = NULL;
        td_err e;
        td_err_clear(&e);
        td_code rc = td_dump_open(&d, files, 1, NULL, &e);
        if (rc != TD_EINPUT || !strstr(e.msg, st_bad[i].part) || strchr(e.msg, '\n') || !strstr(e.msg, "bad.safetensors"))
            fail_msg("%s: rc %d, '%s' (want '%s')", st_bad[i].what, rc, e.msg, st_bad[i].part);
        assert_null(d);
    }
}

/* Values of every dtype decode to what was written. */
static void test_st_dtypes(void **state)
{
    (void)state;
    /* F32 1.5,-2; F64 0.25,3; F16 1.0(0x3c00),-0.5(0xb800); BF16 2.0(0x4000),-1.0(0xbf80); I32 -7,5; U8 200,1; I8 -3,4 */
    unsigned char data[] = { 0, 0, 0xc0, 0x3f, 0, 0, 0, 0xc0,
                             0, 0, 0, 0, 0, 0, 0xd0, 0x3f, 0, 0, 0, 0, 0, 0, 0x08, 0x40,
                             0x00, 0x3c, 0x00, 0xb8, 0x00, 0x40, 0x80, 0xbf,
                             0xf9, 0xff, 0xff, 0xff, 5, 0, 0, 0, 200, 1, 0xfd, 4 };
    const char *hdr = "{\"__metadata__\": {\"format\": \"pt\"},"
        "\"a.f32\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]},"
        "\"a.f64\": {\"dtype\": \"F64\", \"shape\": [2], \"data_offsets\": [8, 24]},"
        "\"a.f16\": {\"dtype\": \"F16\", \"shape\": [2], \"data_offsets\": [24, 28]},"
        "\"a.bf16\": {\"dtype\": \"BF16\", \"shape\": [2], \"data_offsets\": [28, 32]},"
        "\"b.i32\": {\"dtype\": \"I32\", \"shape\": [1, 2], \"data_offsets\": [32, 40]},"
        "\"b.u8\": {\"dtype\": \"U8\", \"shape\": [2], \"data_offsets\": [40, 42]},"
        "\"b.i8\": {\"dtype\": \"I8\", \"shape\": [2], \"data_offsets\": [42, 44]},"
        "\"b.empty\": {\"dtype\": \"F32\", \"shape\": [0], \"data_offsets\": [44, 44]}}";
    static const struct { const char *name; double a, b; } want[] = {
        { "a.f32", 1.5, -2 }, { "a.f64", 0.25, 3 }, { "a.f16", 1, -0.5 }, { "a.bf16", 2, -1 },
        { "b.i32", -7, 5 }, { "b.u8", 200, 1 }, { "b.i8", -3, 4 },
    };
    write_st(tpath("types.safetensors"), hdr, 0, data, sizeof data);
    td_dump *d = open1("types.safetensors", TD_OK, NULL);
    assert_int_equal(d->layout, TD_DUMP_SAFETENSORS);
    assert_int_equal(d->ntensors, 7); /* the empty one skipped */
    assert_int_equal(d->nlayers, 2);  /* "a" and "b", grouped by name */
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        long t = -1;
        for (size_t k = 0; k < d->ntensors; k++) if (strcmp(d->tensors[k].path, want[i].name) == 0) t = (long)k;
        assert_true(t >= 0);
        const td_stats *s = &d->tensors[t].st;
        if (s->n != 2 || s->min != fmin(want[i].a, want[i].b) || s->max != fmax(want[i].a, want[i].b) || s->mean != (want[i].a + want[i].b) / 2)
            fail_msg("%s: n %llu min %g max %g mean %g", want[i].name, (unsigned long long)s->n, s->min, s->max, s->mean);
    }
    td_dump_free(d);
    char l[64], p[64];
    static const char *const names[][3] = { { "model.layers.3.mlp.down_proj.weight", "model.layers.3.mlp.down_proj", "weight" },
                                            { "lm_head.weight", "lm_head", "weight" }, { "scale", "scale", "scale" } };
    for (size_t i = 0; i < 3; i++) {
        td_st_layer_of(names[i][0], l, sizeof l, p, sizeof p);
        assert_string_equal(l, names[i][1]);
        assert_string_equal(p, names[i][2]);
    }
    assert_true(td_st_natural_cmp("layers.2.w", "layers.10.w") < 0);
    assert_true(td_st_natural_cmp("layers.10.w", "layers.010.w") == 0);
    assert_true(td_st_natural_cmp("a", "b") < 0);
}

/* A Trainer-style sequence: checkpoint-100 and checkpoint-300, one of them
 * sharded through an index, with trainer_state.json: per-step ratios. */
static void test_st_sequence(void **state)
{
    (void)state;
    char dir[600], f[700];
    float w0[16], w1[16], bb[4] = { 0.1f, 0.2f, 0.3f, 0.4f };
    double dk = 0, k0 = 0;
    for (int i = 0; i < 16; i++) {
        w0[i] = (float)sin(i + 1.0);
        w1[i] = w0[i] + (float)(0.01 * cos(2.0 * i));
        dk += ((double)w1[i] - w0[i]) * ((double)w1[i] - w0[i]);
        k0 += (double)w0[i] * w0[i];
    }
    const char *hw = "{\"model.layers.0.proj.weight\": {\"dtype\": \"F32\", \"shape\": [4, 4], \"data_offsets\": [0, 64]}}";
    const char *hb = "{\"model.layers.0.proj.bias\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 16]}}";
    snprintf(dir, sizeof dir, "%s/run", tmpdir);
    mkdir(dir, 0700);
    for (int k = 0; k < 2; k++) {
        snprintf(dir, sizeof dir, "%s/run/checkpoint-%d", tmpdir, k ? 300 : 100);
        mkdir(dir, 0700);
        snprintf(f, sizeof f, "%s/trainer_state.json", dir);
        write_text(f, k ? "{\"global_step\": 300}" : "{\"global_step\": 100}");
        if (k == 0) { /* one file holding both */
            char h[400];
            snprintf(h, sizeof h, "{\"model.layers.0.proj.bias\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [64, 80]},"
                     "\"model.layers.0.proj.weight\": {\"dtype\": \"F32\", \"shape\": [4, 4], \"data_offsets\": [0, 64]}}");
            unsigned char buf[80];
            memcpy(buf, w0, 64);
            memcpy(buf + 64, bb, 16);
            snprintf(f, sizeof f, "%s/model.safetensors", dir);
            write_st(f, h, 0, buf, sizeof buf);
        } else { /* two shards and an index */
            snprintf(f, sizeof f, "%s/model-00001-of-00002.safetensors", dir);
            write_st(f, hw, 0, w1, 64);
            snprintf(f, sizeof f, "%s/model-00002-of-00002.safetensors", dir);
            write_st(f, hb, 0, bb, 16);
            snprintf(f, sizeof f, "%s/model.safetensors.index.json", dir);
            write_text(f, "{\"metadata\": {}, \"weight_map\": {\"model.layers.0.proj.weight\": \"model-00001-of-00002.safetensors\","
                          " \"model.layers.0.proj.bias\": \"model-00002-of-00002.safetensors\"}}");
        }
    }
    snprintf(dir, sizeof dir, "%s/run", tmpdir);
    const char *files[1] = { dir }; /* the output folder: its checkpoint-* in order */
    td_dump *d = NULL;
    td_err e;
    td_err_clear(&e);
    if (td_dump_open(&d, files, 1, NULL, &e) != TD_OK) fail_msg("%s", e.msg);
    assert_int_equal(d->layout, TD_DUMP_SAFETENSORS);
    assert_int_equal(d->nfiles, 3);
    assert_int_equal(d->step_source, TD_STEPS_TRAINER_STATE);
    assert_int_equal(d->nsteps, 2);
    assert_true(d->steps[0] == 100 && d->steps[1] == 300);
    int seen = 0;
    for (size_t i = 0; i < d->nratios; i++) {
        const td_dump_ratio *r = &d->ratios[i];
        if (strcmp(r->param, "weight") == 0) {
            double want = sqrt(dk) / sqrt(k0) / 200;
            assert_int_equal(r->method, TD_RATIO_DIFF);
            if (fabs(r->ratio - want) > 1e-9 * want) fail_msg("ratio %g, want %g", r->ratio, want);
            seen++;
        } else {
            assert_true(r->ratio == 0); /* the bias did not move */
        }
    }
    assert_int_equal(seen, 1);
    td_dump_free(d);
    /* a tensor missing from a later checkpoint: one line naming both */
    snprintf(f, sizeof f, "%s/run/checkpoint-300/model.safetensors.index.json", tmpdir);
    write_text(f, "{\"weight_map\": {\"model.layers.0.proj.weight\": \"model-00001-of-00002.safetensors\"}}");
    assert_int_equal(td_dump_open(&d, files, 1, NULL, &e), TD_EINPUT);
    if (!strstr(e.msg, "model.layers.0.proj/bias: missing at step 300 (present at step 100") || !strstr(e.msg, "checkpoint-300"))
        fail_msg("missing tensor: %s", e.msg);
    /* an index naming a shard outside its folder is refused */
    snprintf(f, sizeof f, "%s/run/checkpoint-300/model.safetensors.index.json", tmpdir);
    write_text(f, "{\"weight_map\": {\"w\": \"../x.safetensors\"}}");
    files[0] = f;
    assert_int_equal(td_dump_open(&d, files, 1, NULL, &e), TD_EINPUT);
    assert_non_null(strstr(e.msg, "shard file names in its folder"));
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "%s/tdiag-dump.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hist_merge_exact),
        cmocka_unit_test(test_hist_exp_buckets),
        cmocka_unit_test(test_hist_rebin),
        cmocka_unit_test(test_acc_nonfinite),
        cmocka_unit_test(test_stream_types),
        cmocka_unit_test(test_pair_diff_and_adam),
        cmocka_unit_test(test_steps_ratios_one_pass),
        cmocka_unit_test(test_flags_each),
        cmocka_unit_test(test_layout_keras2),
        cmocka_unit_test(test_layout_keras2_wrappers),
        cmocka_unit_test(test_layout_keras3),
        cmocka_unit_test(test_progress),
        cmocka_unit_test(test_layout_generic_and_ranks),
        cmocka_unit_test(test_bad_files),
        cmocka_unit_test(test_first_layer_image),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_ckpt_names),
        cmocka_unit_test(test_ckpt_sequence),
        cmocka_unit_test(test_propagate),
        cmocka_unit_test(test_propagate_exact),
        cmocka_unit_test(test_propagate_conv),
        cmocka_unit_test(test_st_bad),
        cmocka_unit_test(test_st_dtypes),
        cmocka_unit_test(test_st_sequence),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
