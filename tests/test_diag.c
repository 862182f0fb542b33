/* tests/test_diag.c — the core: parsing, JSON writer, stats, quantiles,
 * relative error, RNG, HDF5 reads. Table-driven where the cases are data. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <hdf5.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "td.h"
#include "td_cli.h"
#include "td_h5.h"
#include "td_isolate.h"

#include <signal.h>

static const struct { const char *s; double lo, hi; td_code want; double v; } dbl_cases[] = {
    { "1e-5", 0, 1, TD_OK, 1e-5 },
    { "  2", -10, 10, TD_OK, 2 },        /* strtod skips leading space */
    { "2x", -10, 10, TD_EUSAGE, 0 },
    { "", -10, 10, TD_EUSAGE, 0 },
    { "nan", -10, 10, TD_EUSAGE, 0 },
    { "11", -10, 10, TD_EUSAGE, 0 },
    { "1e999", -INFINITY, INFINITY, TD_EUSAGE, 0 },
    { "-0.5", -1, 0, TD_OK, -0.5 },
};

static void test_parse_double(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof dbl_cases / sizeof dbl_cases[0]; i++) {
        td_err e; td_err_clear(&e);
        double v = -12345;
        td_code rc = td_parse_double("--x", dbl_cases[i].s, dbl_cases[i].lo, dbl_cases[i].hi, &v, &e);
        assert_int_equal(rc, dbl_cases[i].want);
        if (rc == TD_OK) assert_true(v == dbl_cases[i].v);
        else {
            assert_int_equal(v, -12345);
            assert_non_null(strstr(e.msg, "--x"));
        }
    }
}

static const struct { const char *s; long long lo, hi; td_code want; long long v; } long_cases[] = {
    { "42", 0, 100, TD_OK, 42 },
    { "-3", -5, 5, TD_OK, -3 },
    { "4.5", 0, 10, TD_EUSAGE, 0 },
    { "99999999999999999999", 0, 10, TD_EUSAGE, 0 },
    { "101", 0, 100, TD_EUSAGE, 0 },
    { "", 0, 100, TD_EUSAGE, 0 },
};

static void test_parse_long(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof long_cases / sizeof long_cases[0]; i++) {
        long long v = -777;
        td_err e;
        td_code rc = td_parse_long("--n", long_cases[i].s, long_cases[i].lo, long_cases[i].hi, &v, &e);
        assert_int_equal(rc, long_cases[i].want);
        if (rc == TD_OK) assert_true(v == long_cases[i].v);
        else assert_true(v == -777);
    }
}

static void test_exit_codes(void **state)
{
    (void)state;
    static const struct { td_code c; int exit; } t[] = {
        { TD_OK, 0 }, { TD_EUSAGE, 2 }, { TD_EINPUT, 3 }, { TD_EIO, 3 },
        { TD_ENOMEM, 3 }, { TD_EPLUGIN, 3 }, { TD_EINTERNAL, 3 },
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        assert_int_equal(td_exit_code(t[i].c), t[i].exit);
    td_err e;
    td_fail(&e, TD_EINPUT, "a\nb\rc");
    assert_string_equal(e.msg, "a b c");
}

static const struct { const char *in, *out; } json_str_cases[] = {
    { "plain", "\"plain\"" },
    { "q\"b\\", "\"q\\\"b\\\\\"" },
    { "nl\n\t", "\"nl\\n\\t\"" },
    { "\x01\x7f", "\"\\u0001\\u007f\"" },
    { "<script>", "\"<script>\"" },
    /* UTF-8: well-formed kept, anything else U+FFFD, so the JSON stays valid */
    { "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"" },
    { "a\xff" "b", "\"a\\ufffdb\"" },                 /* never a UTF-8 byte */
    { "\x80x", "\"\\ufffdx\"" },                   /* stray continuation */
    { "\xc3", "\"\\ufffd\"" },                     /* truncated at the end */
    { "\xc0\xaf", "\"\\ufffd\\ufffd\"" },         /* overlong '/' */
    { "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"" }, /* a surrogate */
    { "\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"" }, /* beyond U+10FFFF */
};

static void test_json_strings(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof json_str_cases / sizeof json_str_cases[0]; i++) {
        td_buf b = { 0 };
        td_out o = td_out_buf(&b);
        td_json_write_string(&o, json_str_cases[i].in);
        assert_string_equal(b.data, json_str_cases[i].out);
        td_buf_free(&b);
    }
}

static void test_json_nesting(void **state)
{
    (void)state;
    td_buf b = { 0 };
    td_out o = td_out_buf(&b);
    td_json j;
    td_json_init(&j, &o, 0);
    td_json_obj(&j);
    td_json_kstr(&j, "a", "x");
    td_json_knum(&j, "nan", NAN);
    td_json_key(&j, "list");
    td_json_arr(&j);
    td_json_int(&j, 1); td_json_num(&j, 0.5); td_json_bool(&j, 1); td_json_null(&j);
    td_json_obj(&j); td_json_end_obj(&j);
    td_json_end_arr(&j);
    td_json_end_obj(&j);
    assert_string_equal(b.data, "{\"a\":\"x\",\"nan\":null,\"list\":[1,0.5,true,null,{}]}");
    td_buf_free(&b);
}

static void test_stats_merge(void **state)
{
    (void)state;
    td_rng r; td_rng_seed(&r, 7);
    double x[1000];
    for (int i = 0; i < 1000; i++) x[i] = 3.0 + 2.0 * td_rng_normal(&r);
    x[10] = NAN; x[20] = INFINITY; x[30] = 0.0;
    static const size_t splits[] = { 0, 1, 333, 999, 1000 };
    td_stats all; td_stats_init(&all); td_stats_add_array(&all, x, 1000);
    assert_int_equal(all.n, 998); assert_int_equal(all.nans, 1);
    assert_int_equal(all.infs, 1); assert_int_equal(all.zeros, 1);
    /* direct two-pass reference */
    double sum = 0; size_t m = 0;
    for (int i = 0; i < 1000; i++) if (isfinite(x[i])) { sum += x[i]; m++; }
    double mean = sum / m, ss = 0;
    for (int i = 0; i < 1000; i++) if (isfinite(x[i])) ss += (x[i] - mean) * (x[i] - mean);
    assert_true(fabs(all.mean - mean) < 1e-12);
    assert_true(fabs(td_stats_var(&all) - ss / m) < 1e-10);
    for (size_t k = 0; k < sizeof splits / sizeof splits[0]; k++) {
        td_stats a, b;
        td_stats_init(&a); td_stats_init(&b);
        td_stats_add_array(&a, x, splits[k]);
        td_stats_add_array(&b, x + splits[k], 1000 - splits[k]);
        td_stats_merge(&a, &b);
        assert_int_equal(a.n, all.n);
        assert_true(fabs(a.mean - all.mean) < 1e-12);
        assert_true(fabs(a.m2 - all.m2) < 1e-8 * all.m2);
        assert_true(a.min == all.min && a.max == all.max);
        assert_int_equal(a.nans + a.infs + a.zeros, 3);
    }
}

static const struct { double x[6]; size_t n; double q, want; } quant_cases[] = {
    { { 3, 1, 2 }, 3, 0.5, 2 },
    { { 4, 1, 3, 2 }, 4, 0.5, 2.5 },
    { { 1, 2, 3, 4, 5 }, 5, 0.0, 1 },
    { { 1, 2, 3, 4, 5 }, 5, 1.0, 5 },
    { { 1, 2, 3, 4, 5 }, 5, 0.25, 2 },
    { { NAN, 5, NAN }, 3, 0.5, 5 },
};

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* td_quantile by selection gives what the stable sort gave, bit for bit:
 * random arrays with ties, signed zeros and non-finite values. */
static void test_quantile_select(void **state)
{
    (void)state;
    static const double pool[] = {-0.0, 0.0, 1, -1, 2.5, 2.5, 1e300, -3, NAN, INFINITY};
    td_rng r;
    td_rng_seed(&r, 11);
    for (int t = 0; t < 3000; t++) {
        size_t n = 1 + td_rng_below(&r, 40), m = 0;
        double x[40], c[40];
        for (size_t i = 0; i < n; i++) {
            x[i] = t % 2 ? pool[td_rng_below(&r, 10)] : td_rng_normal(&r);
            if (isfinite(x[i])) c[m++] = x[i];
        }
        double q = t % 3 == 0 ? 0.5 : td_rng_uniform(&r);
        double got = td_quantile(x, n, q), want = NAN;
        if (m) {
            qsort(c, m, sizeof *c, cmp_dbl);
            double pos = q * (double)(m - 1);
            size_t lo = (size_t)floor(pos), hi = lo + 1 < m ? lo + 1 : lo;
            want = c[lo] + (pos - (double)lo) * (c[hi] - c[lo]);
        }
        if (memcmp(&got, &want, sizeof got) != 0 && !(isnan(got) && isnan(want)))
            fail_msg("case %d (n %zu, q %g): %.17g want %.17g", t, n, q, got, want);
    }
}

static void test_quantiles(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof quant_cases / sizeof quant_cases[0]; i++)
        assert_true(td_quantile(quant_cases[i].x, quant_cases[i].n, quant_cases[i].q) == quant_cases[i].want);
    double none[2] = { NAN, NAN };
    assert_true(isnan(td_median(none, 2)));
    double d[5] = { 1, 1, 2, 2, 100 };  /* median 2, |dev| {1,1,0,0,98} -> 1 */
    assert_true(fabs(td_mad(d, 5) - 1.4826) < 1e-12);
}

static const struct { double a, n, floor, want; } rel_cases[] = {
    { 1.0, 1.0, 1e-12, 0.0 },
    { 1.0, -1.0, 1e-12, 2.0 },
    { 2.0, 1.0, 1e-12, 0.5 },
    { 0.0, 0.0, 1e-12, 0.0 },
    { 1e-20, 0.0, 1e-12, 1e-8 },
};

static void test_rel_error(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof rel_cases / sizeof rel_cases[0]; i++)
        assert_true(fabs(td_rel_error(rel_cases[i].a, rel_cases[i].n, rel_cases[i].floor) - rel_cases[i].want) < 1e-15);
}

static void test_rng(void **state)
{
    (void)state;
    td_rng a, b;
    td_rng_seed(&a, 42); td_rng_seed(&b, 42);
    for (int i = 0; i < 100; i++) assert_true(td_rng_u64(&a) == td_rng_u64(&b));
    td_rng_seed(&b, 43);
    assert_true(td_rng_u64(&a) != td_rng_u64(&b));
    td_stats s; td_stats_init(&s);
    unsigned hist[7] = { 0 };
    for (int i = 0; i < 20000; i++) {
        td_stats_add(&s, td_rng_normal(&a));
        double u = td_rng_uniform(&a);
        assert_true(u >= 0.0 && u < 1.0);
        hist[td_rng_below(&a, 7)]++;
    }
    assert_true(fabs(s.mean) < 0.05 && fabs(td_stats_std(&s) - 1.0) < 0.05);
    for (int k = 0; k < 7; k++) assert_true(hist[k] > 2500 && hist[k] < 3200);
}

static void test_h5_read(void **state)
{
    (void)state;
    char path[] = "/tmp/td-test-diag-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    /* the file is made before td_h5_quiet, which unregisters HDF5's
     * external links for the whole process (this is the first HDF5 test) */
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(f >= 0);
    hsize_t dims[2] = { 2, 3 };
    hid_t sp = H5Screate_simple(2, dims, NULL);
    hid_t d = H5Dcreate2(f, "w", H5T_IEEE_F32LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    float v[6] = { 1, 2, 3, 4, 5, 6.5f };
    assert_true(H5Dwrite(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
    H5Dclose(d);
    hid_t s = H5Dcreate2(f, "s", H5T_C_S1, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dclose(s);
    /* hostile: values in another file (external storage naming a FIFO that
     * would block, a virtual dataset), links into another file, a filter
     * HDF5 would look for in its plugin folder */
    char fifo[64];
    snprintf(fifo, sizeof fifo, "%s.fifo", path);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    hid_t pl = H5Pcreate(H5P_DATASET_CREATE);
    assert_true(H5Pset_external(pl, fifo, 0, 6 * sizeof(float)) >= 0);
    H5Dclose(H5Dcreate2(f, "ext", H5T_IEEE_F32LE, sp, H5P_DEFAULT, pl, H5P_DEFAULT));
    H5Pclose(pl);
    pl = H5Pcreate(H5P_DATASET_CREATE);
    assert_true(H5Pset_virtual(pl, sp, "/etc/other.h5", "/w", sp) >= 0);
    H5Dclose(H5Dcreate2(f, "vds", H5T_IEEE_F32LE, sp, H5P_DEFAULT, pl, H5P_DEFAULT));
    H5Pclose(pl);
    pl = H5Pcreate(H5P_DATASET_CREATE);
    assert_true(H5Pset_chunk(pl, 2, dims) >= 0 && H5Pset_filter(pl, 32111, H5Z_FLAG_OPTIONAL, 0, NULL) >= 0);
    H5Dclose(H5Dcreate2(f, "filt", H5T_IEEE_F32LE, sp, H5P_DEFAULT, pl, H5P_DEFAULT));
    H5Pclose(pl);
    assert_true(H5Lcreate_soft("/w", f, "inside", H5P_DEFAULT, H5P_DEFAULT) >= 0);
    assert_true(H5Lcreate_external(path, "/", f, "out", H5P_DEFAULT, H5P_DEFAULT) >= 0);
    assert_true(H5Lcreate_external(path, "/w", f, "elink", H5P_DEFAULT, H5P_DEFAULT) >= 0);
    assert_true(H5Lcreate_soft("/out/w", f, "soft_out", H5P_DEFAULT, H5P_DEFAULT) >= 0);
    assert_true(H5Lcreate_soft("loop", f, "loop", H5P_DEFAULT, H5P_DEFAULT) >= 0);
    H5Sclose(sp);
    H5Fclose(f);
    assert_int_equal(td_h5_quiet(), 0);
    unsigned plugins = 1;
    assert_true(H5PLget_loading_state(&plugins) >= 0);
    assert_int_equal(plugins, 0);                              /* no filter plugin is ever loaded */
    assert_int_equal(H5Lis_registered(H5L_TYPE_EXTERNAL), 0); /* no external link traversed */

    static const struct { const char *file, *dset; size_t max; td_code want; const char *msg; } cases[] = {
        { NULL, "w", 100, TD_OK, NULL },
        { NULL, "inside", 100, TD_OK, NULL },  /* a soft link inside the file is fine */
        { NULL, "/w", 5, TD_EINPUT, "too large" },  /* too large for the bound */
        { NULL, "missing", 100, TD_EINPUT, "no dataset" },
        { NULL, "s", 100, TD_EINPUT, "not a numeric" }, /* string dataset */
        { NULL, "ext", 100, TD_EINPUT, ": ext: external storage" },
        { NULL, "vds", 100, TD_EINPUT, ": vds: virtual dataset" },
        { NULL, "filt", 100, TD_EINPUT, ": filt: compressed with filter 32111" },
        { NULL, "elink", 100, TD_EINPUT, ": elink: external link" },
        { NULL, "out/w", 100, TD_EINPUT, ": out/w: external link" },
        { NULL, "soft_out", 100, TD_EINPUT, ": soft_out: soft link that leads out of the file" },
        { NULL, "loop", 100, TD_EINPUT, "nested too deep" },
        { "/nonexistent/x.h5", "w", 100, TD_EIO, "x.h5: cannot open: No such file or directory" },
        { "/tmp", "w", 100, TD_EIO, "/tmp: not a regular file (a folder)" },
        { "FIFO", "w", 100, TD_EIO, "not a regular file (a FIFO)" }, /* refused, not blocked on */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double *x = NULL; size_t n = 0; int rank = 0; uint64_t dd[TD_H5_MAXRANK];
        td_err e; td_err_clear(&e);
        const char *file = !cases[i].file ? path : strcmp(cases[i].file, "FIFO") == 0 ? fifo : cases[i].file;
        td_code rc = td_h5_read_f64(file, cases[i].dset, cases[i].max, &x, &n, &rank, dd, &e);
        assert_int_equal(rc, cases[i].want);
        if (cases[i].msg && !strstr(e.msg, cases[i].msg)) fail_msg("%s: message '%s' lacks '%s'", cases[i].dset, e.msg, cases[i].msg);
        if (rc == TD_OK) {
            assert_int_equal(n, 6); assert_int_equal(rank, 2);
            assert_true(dd[0] == 2 && dd[1] == 3);
            assert_true(x[5] == 6.5);
        } else {
            assert_null(x);
            assert_true(strlen(e.msg) > 0);
        }
        free(x);
    }
    unlink(path);
    unlink(fifo);
}

static void test_buf_emit(void **state)
{
    (void)state;
    static const struct { const char *path; const char *text; int want; } cases[] = {
        { NULL, "report\n", 0 },          /* a temporary file */
        { NULL, "", 0 },                   /* nothing to write is fine */
        { "/dev/full", "report\n", -1 },  /* a full disk is an error */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        FILE *f = cases[i].path ? fopen(cases[i].path, "w") : tmpfile();
        assert_non_null(f);
        td_buf b = { 0 };
        assert_int_equal(td_buf_append(&b, cases[i].text, strlen(cases[i].text)), 0);
        assert_int_equal(td_buf_emit(&b, f), cases[i].want);
        assert_null(b.data); /* freed either way */
        if (!cases[i].path) {
            char back[64] = { 0 };
            rewind(f);
            size_t n = fread(back, 1, sizeof back - 1, f);
            assert_int_equal(n, strlen(cases[i].text));
            assert_string_equal(back, cases[i].text);
        }
        fclose(f);
    }
}

/* ---- td_isolate on its own ------------------------------------------------------------ */
static void child_hello(void *arg, int fd, volatile int *stage)
{
    (void)arg;
    *stage = 1;
    if (write(fd, "hello", 5) != 5) _exit(1);
}
static void child_abort(void *arg, int fd, volatile int *stage)
{
    (void)arg; (void)fd;
    *stage = 2;
    abort();
}
static void child_sleep(void *arg, int fd, volatile int *stage)
{
    (void)arg; (void)fd;
    *stage = 3;
    for (;;) pause();
}
static void child_exit5(void *arg, int fd, volatile int *stage)
{
    (void)arg; (void)fd; (void)stage;
    _exit(5);
}

/* forks a grandchild that holds the pipe and would outlive everything,
 * then answers: the call returned, so not "hung"; the grandchild is killed */
static void child_fork(void *arg, int fd, volatile int *stage)
{
    const char *canary = arg;
    *stage = 1;
    pid_t g = fork();
    if (g == 0) {
        sleep(1);
        FILE *f = fopen(canary, "w");
        if (f) fclose(f);
        _exit(0);
    }
    *stage = 0;
    if (write(fd, "forked", 6) != 6) _exit(1);
}
/* exit() inside a call: named */
static void child_exit_in_call(void *arg, int fd, volatile int *stage)
{
    (void)arg; (void)fd;
    *stage = 1;
    exit(0);
}
/* 1 GiB beyond a 64 MiB limit: the allocation fails in the child */
static void child_alloc(void *arg, int fd, volatile int *stage)
{
    (void)arg;
    *stage = 1;
    void *p = mmap(NULL, (size_t)1 << 30, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    const char *a = p == MAP_FAILED ? "refused" : "granted";
    if (write(fd, a, strlen(a)) != (ssize_t)strlen(a)) _exit(1);
}

static const char *stage_name(int s)
{
    static const char *const names[] = { "idle", "forward", "backward", "init" };
    return s >= 0 && s < 4 ? names[s] : "?";
}

static void test_isolate(void **state)
{
    (void)state;
    char canary[] = "/tmp/td-test-isolate-XXXXXX";
    int cfd = mkstemp(canary);
    assert_true(cfd >= 0);
    close(cfd);
    unlink(canary);
    static const struct { td_isolate_fn fn; double mem; td_code want; const char *msg; const char *answer; int status; } cases[] = {
        { child_hello, 0, TD_OK, NULL, "hello", 0 },
        { child_abort, 0, TD_EPLUGIN, "thing: crashed with SIGABRT (Aborted) in backward", NULL, 0 },
        { child_sleep, 0, TD_EPLUGIN, "thing: hung in init: no answer after 0.2 s (killed)", NULL, 0 },
        { child_exit5, 0, TD_OK, NULL, NULL, 5 },
        { child_fork, 0, TD_OK, NULL, "forked", 0 },
        { child_exit_in_call, 0, TD_EPLUGIN, "thing: exited with status 0 in forward (no answer)", NULL, 0 },
        { child_alloc, 64, TD_OK, NULL, "refused", 0 },
        { child_alloc, 0, TD_OK, NULL, "granted", 0 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        td_buf ans = { 0 };
        td_err e;
        td_err_clear(&e);
        int status = -1;
        td_code rc = td_isolate("thing", cases[i].fn, canary, 0.2, cases[i].mem, stage_name, &ans, &status, &e);
        assert_int_equal(rc, cases[i].want);
        if (cases[i].msg) assert_string_equal(e.msg, cases[i].msg);
        else assert_int_equal(status, cases[i].status);
        if (cases[i].answer) assert_string_equal(ans.data, cases[i].answer);
        else assert_null(ans.data);
        td_buf_free(&ans);
    }
    sleep(1);
    usleep(300000);
    assert_int_equal(access(canary, F_OK), -1); /* the forked grandchild was killed with the group */
    unlink(canary);
}

/* td_cli: the nearest known option, and the one unknown-option wording */
static void test_cli_nearest(void **state)
{
    (void)state;
    static const char *const known[] = { "--json", "--classes", "--ratio-hi", "--ratio-lo", "--out", "--h", "--seed" };
    static const struct { const char *arg, *want; } cases[] = {
        { "--jsn", "--json" },        /* one deletion */
        { "--josn", "--json" },       /* two neighbours swapped */
        { "--clases", "--classes" },  /* one deletion, longer name */
        { "--clsases", "--classes" }, /* two edits on a long name */
        { "--ratio-h", "--ratio-hi" },/* nearest, not the first of two prefixes */
        { "--ot", "--out" },
        { "--sed=3", "--seed" },      /* the =value is not part of the name */
        { "--cla", "--classes" },     /* a prefix of exactly one */
        { "--ratio", NULL },          /* a prefix of two: no guess */
        { "--zzzzzz", NULL },
        { "-x", NULL },               /* one letter is close to everything */
        { "--js0nn", NULL },          /* three edits */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *got = td_cli_nearest(cases[i].arg, known, sizeof known / sizeof *known);
        if (cases[i].want == NULL ? got != NULL : (got == NULL || strcmp(got, cases[i].want) != 0))
            fail_msg("%s: got %s, want %s", cases[i].arg, got ? got : "NULL", cases[i].want ? cases[i].want : "NULL");
    }
    td_err e;
    assert_int_equal(td_cli_unknown("--jsn", known, 7, &e), TD_EUSAGE);
    assert_string_equal(e.msg, "unknown option '--jsn' (did you mean --json?; see --help)");
    assert_int_equal(td_cli_unknown("--a\nb", known, 7, &e), TD_EUSAGE);
    assert_null(strchr(e.msg, '\n'));
    assert_true(td_cli_is_help("-h") && td_cli_is_help("--help") && !td_cli_is_help("--h") && !td_cli_is_help("-"));
    char *r = td_cli_relabel("/t/x: bad; /t/x again", "/t/x", "<stdin>");
    assert_string_equal(r, "<stdin>: bad; <stdin> again");
    free(r);
}

static void test_safe_text(void **state)
{
    (void)state;
    char buf[8];
    assert_string_equal(td_safe_text(buf, sizeof buf, "a\x1b[2Jb"), "a?[2Jb");
    assert_string_equal(td_safe_text(buf, sizeof buf, "0123456789"), "0123456");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_double),
        cmocka_unit_test(test_parse_long),
        cmocka_unit_test(test_exit_codes),
        cmocka_unit_test(test_json_strings),
        cmocka_unit_test(test_json_nesting),
        cmocka_unit_test(test_stats_merge),
        cmocka_unit_test(test_quantiles),
        cmocka_unit_test(test_quantile_select),
        cmocka_unit_test(test_rel_error),
        cmocka_unit_test(test_rng),
        cmocka_unit_test(test_h5_read),
        cmocka_unit_test(test_buf_emit),
        cmocka_unit_test(test_isolate),
        cmocka_unit_test(test_safe_text),
        cmocka_unit_test(test_cli_nearest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
