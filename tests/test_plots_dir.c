/* test_plots_dir.c — the atomic report directory, the gnuplot runner and
 * td_report_write_dir end to end (hostile names, gnuplot missing). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "td_plot.h"

static char base[256];

static int setup(void **state)
{
    (void)state;
    snprintf(base, sizeof base, "%s/tdiag-plots.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    return mkdtemp(base) ? 0 : -1;
}
static int teardown(void **state)
{
    (void)state;
    return td_plot_rmtree(base);
}

static char *path(const char *name)
{
    static char p[2][512];
    static int k;
    k ^= 1;
    snprintf(p[k], sizeof p[k], "%s/%s", base, name);
    return p[k];
}
static int exists(const char *p) { struct stat st; return stat(p, &st) == 0; }
static long fsize(const char *p) { struct stat st; return stat(p, &st) == 0 ? (long)st.st_size : -1; }
static void touch(const char *p) { FILE *f = fopen(p, "w"); assert_non_null(f); fputs("x\n", f); fclose(f); }

/* No temporary directory is left next to the targets. */
static void assert_no_tmp_left(void)
{
    DIR *d = opendir(base);
    assert_non_null(d);
    struct dirent *de;
    while ((de = readdir(d))) assert_null(strstr(de->d_name, ".tmp."));
    closedir(d);
}

static td_report *small_report(const char *name)
{
    td_report *r = td_report_new(name);
    td_plot_fig *f = td_report_fig(r, name, name);
    td_plot_panel *p = td_plot_fig_panel(f, name, "step", name);
    double x[3] = {0, 1, 2}, y[3] = {3, 2, 1};
    assert_int_equal(td_plot_add_series(f, p, name, TD_PLOT_LINES, x, y, 3), TD_OK);
    assert_int_equal(td_plot_add_mark(p, 1, name), TD_OK);
    assert_int_equal(td_report_add_finding(r, TD_PLOT_WARN, name, name, 0), TD_OK);
    return r;
}

/* The target cases of td_plot_commit_dir: what is there before, whether
 * the report may replace it. */
static const struct { const char *what; int pre; int ok; } commit_cases[] = {
    {"absent", 0, 1},
    {"empty dir", 1, 1},
    {"previous report", 2, 1},
    {"foreign dir", 3, 0},
    {"plain file", 4, 0},
};

static void test_commit_cases(void **state)
{
    (void)state;
    td_plot_opts o;
    td_plot_opts_init(&o);
    o.render = 0;
    for (size_t c = 0; c < sizeof commit_cases / sizeof commit_cases[0]; c++) {
        char name[32];
        snprintf(name, sizeof name, "rep%zu", c);
        char *t = path(name);
        char keep[600];
        snprintf(keep, sizeof keep, "%s/keep.txt", t);
        switch (commit_cases[c].pre) {
        case 1: assert_int_equal(mkdir(t, 0755), 0); break;
        case 2: {
            td_report *old = small_report("old");
            assert_int_equal(td_report_write_dir(old, t, &o, NULL, NULL), TD_OK);
            td_report_free(old);
            touch(keep); /* a file of the old report: must be gone afterwards */
            break;
        }
        case 3: assert_int_equal(mkdir(t, 0755), 0); touch(keep); break;
        case 4: touch(t); break;
        }
        td_report *r = small_report("new");
        td_err e;
        td_code rc = td_report_write_dir(r, t, &o, NULL, &e);
        td_report_free(r);
        if (commit_cases[c].ok) {
            assert_int_equal(rc, TD_OK);
            char idx[600];
            snprintf(idx, sizeof idx, "%s/index.html", t);
            assert_true(fsize(idx) > 0);
            snprintf(idx, sizeof idx, "%s/fig01.gp", t);
            assert_true(fsize(idx) > 0);
            assert_false(exists(keep));
        } else {
            assert_int_equal(rc, TD_EIO);
            assert_non_null(strstr(e.msg, name));
            if (commit_cases[c].pre == 3) assert_true(exists(keep)); /* untouched */
        }
        assert_no_tmp_left();
    }
}

static void test_tmpdir_bad_parent(void **state)
{
    (void)state;
    char tmp[600];
    td_err e;
    assert_int_equal(td_plot_tmpdir(path("no/such/dir/rep"), tmp, sizeof tmp, &e), TD_EIO);
    assert_non_null(strstr(e.msg, "no/such/dir"));
    assert_int_equal(td_plot_tmpdir("..", tmp, sizeof tmp, &e), TD_EUSAGE);
    assert_int_equal(td_plot_tmpdir("", tmp, sizeof tmp, &e), TD_EUSAGE);
}

static void test_run(void **state)
{
    (void)state;
    int st;
    td_err e;
    const char *none[] = {NULL};
    assert_int_equal(td_plot_run("true", none, base, NULL, &st, &e), TD_OK);
    assert_int_equal(st, 0);
    assert_int_equal(td_plot_run("false", none, base, NULL, &st, &e), TD_OK);
    assert_int_equal(st, 1);
    assert_int_equal(td_plot_run("/nonexistent/gnuplot", none, base, NULL, &st, &e), TD_EIO);
    assert_int_equal(st, -1);
    assert_non_null(strstr(e.msg, "/nonexistent/gnuplot"));
    /* arguments go through without a shell: ';' and '$' are plain bytes */
    const char *args[] = {path("echo;touch x$y"), NULL};
    assert_int_equal(td_plot_run("touch", args, base, NULL, &st, &e), TD_OK);
    assert_int_equal(st, 0);
    assert_true(exists(path("echo;touch x$y")));
    assert_false(exists(path("x")));
}

static void test_gnuplot_missing(void **state)
{
    (void)state;
    td_report *r = small_report("m");
    td_plot_opts o;
    td_plot_opts_init(&o);
    o.gnuplot = "/nonexistent/gnuplot";
    td_plot_result res;
    td_err e;
    assert_int_equal(td_report_write_dir(r, path("missing"), &o, &res, &e), TD_OK);
    td_report_free(r);
    assert_int_equal(res.gnuplot_missing, 1);
    assert_int_equal(res.rendered, 0);
    assert_true(fsize(path("missing/fig01.gp")) > 0);
    assert_true(fsize(path("missing/fig01.dat")) > 0);
    assert_false(exists(path("missing/fig01.svg")));
    FILE *f = fopen(path("missing/index.html"), "r");
    assert_non_null(f);
    char buf[8192];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    assert_non_null(strstr(buf, "gnuplot fig01.gp"));
}

/* Names built to run commands if they reached gnuplot unescaped. */
static void test_hostile_names_render(void **state)
{
    (void)state;
    if (system("command -v gnuplot >/dev/null 2>&1") != 0) {
        print_message("gnuplot not installed: rendering not checked here\n");
        skip();
    }
    char n1[600], n2[600], n3[600], n4[600];
    snprintf(n1, sizeof n1, "system(\"touch %s/pwned1\")", base);
    snprintf(n2, sizeof n2, "`touch %s/pwned2`", base);
    snprintf(n3, sizeof n3, "x\"; system(\"touch %s/pwned3\"); y=\"", base);
    snprintf(n4, sizeof n4, "a\n!touch %s/pwned4\n@m <script>alert(1)</script> #3 \\0337", base);
    const char *names[] = {n1, n2, n3, n4};
    td_report *r = td_report_new(n1);
    for (size_t i = 0; i < 4; i++) {
        td_plot_fig *f = td_report_fig(r, names[i], names[(i + 1) % 4]);
        td_plot_panel *p = td_plot_fig_panel(f, names[(i + 2) % 4], names[i], names[(i + 3) % 4]);
        double x[3] = {0, 1, 2}, y[3] = {1, 2, 1.5};
        assert_int_equal(td_plot_add_series(f, p, names[i], TD_PLOT_LINES, x, y, 3), TD_OK);
        assert_int_equal(td_plot_add_mark(p, 1, names[(i + 1) % 4]), TD_OK);
        assert_int_equal(td_plot_add_span(p, 1.5, 2, names[(i + 2) % 4]), TD_OK);
        assert_int_equal(td_plot_add_band(p, 1, 1.2, names[(i + 3) % 4]), TD_OK);
        assert_int_equal(td_report_add_finding(r, TD_PLOT_WARN, names[i], names[i], (int)i), TD_OK);
    }
    td_plot_opts o;
    td_plot_opts_init(&o);
    o.pdf = 1;
    td_plot_result res;
    td_err e;
    assert_int_equal(td_report_write_dir(r, path("hostile"), &o, &res, &e), TD_OK);
    td_report_free(r);
    assert_int_equal(res.rendered, 4);
    assert_int_equal(res.failed, 0);
    for (int i = 1; i <= 4; i++) {
        char pw[32];
        snprintf(pw, sizeof pw, "pwned%d", i);
        assert_false(exists(path(pw)));
    }
    /* the text reached the SVG as text, XML-escaped */
    FILE *f = fopen(path("hostile/fig04.svg"), "r");
    assert_non_null(f);
    static char svg[1 << 20];
    size_t n = fread(svg, 1, sizeof svg - 1, f);
    svg[n] = '\0';
    fclose(f);
    assert_null(strstr(svg, "<script"));
    for (size_t i = 0; i < n; i++) /* no control character: the SVG stays valid XML */
        assert_true((unsigned char)svg[i] >= 0x20 || svg[i] == '\n' || svg[i] == '\t' ||
                    svg[i] == '\r');
    assert_non_null(strstr(svg, "&lt;script"));
    assert_non_null(strstr(svg, "!touch"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_commit_cases),
        cmocka_unit_test(test_tmpdir_bad_parent),
        cmocka_unit_test(test_run),
        cmocka_unit_test(test_gnuplot_missing),
        cmocka_unit_test(test_hostile_names_render),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
