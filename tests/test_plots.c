/* test_plots.c — escaping, reduction, the figure model and the gnuplot,
 * data and HTML writers (all into memory sinks). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "td_plot.h"

/* ---- helpers ---------------------------------------------------------- */
static char *gp_str(const char *s)
{
    td_buf b = {0};
    td_out o = td_out_buf(&b);
    td_plot_gp_string(&o, s);
    return b.data;
}
static char *html_str(const char *s)
{
    td_buf b = {0};
    td_out o = td_out_buf(&b);
    td_plot_html_text(&o, s);
    return b.data;
}

/* ---- escaping ------------------------------------------------------------ */
static const struct { const char *in, *gp, *html; } esc_cases[] = {
    {"train_loss", "\"train_loss\"", "train_loss"},
    {"a`b`", "\"a\\140b\\140\"", "a`b`"},
    {"say \"hi\"", "\"say \\042hi\\042\"", "say &quot;hi&quot;"},
    {"a\nb", "\"a\\077b\"", "a?b"},                 /* newline cleaned to '?' */
    {"$HOME @m", "\"\\044HOME \\100m\"", "$HOME @m"},
    {"back\\slash", "\"back\\134slash\"", "back\\slash"},
    {"<script>&'", "\"\\074script\\076\\046\\047\"", "&lt;script&gt;&amp;&#39;"},
    {"\xc3\xa9", "\"\\303\\251\"", "\xc3\xa9"},      /* valid UTF-8 kept (as bytes) */
    {"\xff" "x", "\"\\077x\"", "?x"},                /* invalid byte */
    {"\xc0\x80", "\"\\077\\077\"", "??"},            /* overlong NUL */
    {"\xed\xa0\x80", "\"\\077\\077\\077\"", "???"},  /* surrogate */
    {"", "\"\"", ""},
    {"run#3", "\"run\\043\\063\"", "run#3"},          /* digit after an escape */
    {"\xc3\xa9" "1x", "\"\\303\\251\\061x\"", "\xc3\xa9" "1x"},
};

static void test_escape_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof esc_cases / sizeof esc_cases[0]; i++) {
        char *g = gp_str(esc_cases[i].in), *h = html_str(esc_cases[i].in);
        assert_string_equal(g, esc_cases[i].gp);
        assert_string_equal(h ? h : "", esc_cases[i].html);
        free(g);
        free(h);
    }
}

/* Whatever the bytes, a gnuplot literal holds only plain characters and
 * octal escapes: no quote inside, no backtick, '@', '$', newline. */
static void test_escape_all_bytes(void **state)
{
    (void)state;
    char s[256];
    for (int i = 1; i < 256; i++) s[i - 1] = (char)i;
    s[255] = '\0';
    char *g = gp_str(s);
    size_t n = strlen(g);
    assert_true(n > 2 && g[0] == '"' && g[n - 1] == '"');
    for (size_t i = 1; i + 1 < n; i++) {
        assert_true(strchr("`@$\"'\n\r{}^&<>!#", g[i]) == NULL);
        if (g[i] == '\\') { /* an escape is exactly three octal digits */
            for (int k = 1; k <= 3; k++) assert_true(g[i + k] >= '0' && g[i + k] <= '7');
            i += 3;
        }
    }
    free(g);
    char *c = td_plot_clean(NULL);
    assert_string_equal(c, "");
    free(c);
}

/* ---- reduction ------------------------------------------------------------ */
static void test_reduce_small_keeps_finite(void **state)
{
    (void)state;
    double x[] = {0, 1, 2, 3, 4}, y[] = {1, NAN, 3, INFINITY, 5}, xo[5], yo[5];
    size_t k = td_plot_reduce(x, y, 5, 100, xo, yo);
    assert_int_equal(k, 3);
    assert_true(xo[0] == 0 && xo[1] == 2 && xo[2] == 4);
    assert_true(yo[2] == 5);
}

static const struct { int ascending; size_t columns; size_t spike; } red_cases[] = {
    {1, 1000, 777777}, {1, 500, 0}, {1, 1000, 999999}, {0, 800, 123456},
};

static void test_reduce_keeps_spikes(void **state)
{
    (void)state;
    size_t n = 1000000;
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    assert_non_null(x);
    assert_non_null(y);
    for (size_t c = 0; c < sizeof red_cases / sizeof red_cases[0]; c++) {
        for (size_t i = 0; i < n; i++) {
            x[i] = red_cases[c].ascending ? (double)i : (double)((i * 7919) % n);
            y[i] = 1.0 + 0.01 * sin((double)i * 0.001);
        }
        y[red_cases[c].spike] = 100.0;
        y[(red_cases[c].spike + n / 2) % n] = -50.0;
        size_t cap = 4 * red_cases[c].columns;
        double *xo = malloc(cap * sizeof *xo), *yo = malloc(cap * sizeof *yo);
        size_t k = td_plot_reduce(x, y, n, red_cases[c].columns, xo, yo);
        assert_true(k > red_cases[c].columns && k <= cap);
        double mx = -INFINITY, mn = INFINITY;
        for (size_t i = 0; i < k; i++) {
            if (yo[i] > mx) mx = yo[i];
            if (yo[i] < mn) mn = yo[i];
            if (red_cases[c].ascending && i) assert_true(xo[i] > xo[i - 1]);
        }
        assert_true(mx == 100.0);
        assert_true(mn == -50.0);
        assert_true(xo[0] == x[0] && xo[k - 1] == x[n - 1]); /* ends kept */
        free(xo);
        free(yo);
    }
    free(x);
    free(y);
}

/* ---- model ---------------------------------------------------------------- */
static const struct { double y[4]; int want; } log_cases[] = {
    {{1, 0.5, 0.1, 0.01}, 1},   /* two decades */
    {{1, 0.5, 0.1, 0.02}, 0},   /* 50x */
    {{1, 0.5, 0, 0.001}, 0},    /* a zero: no log */
    {{-1, 10, 100, 1000}, 0},
};

static void test_auto_log(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof log_cases / sizeof log_cases[0]; c++) {
        td_report *r = td_report_new("t");
        td_plot_fig *f = td_report_fig(r, "f", "c");
        td_plot_panel *p = td_plot_fig_panel(f, NULL, "x", "y");
        double x[4] = {0, 1, 2, 3};
        assert_int_equal(td_plot_add_series(f, p, "s", TD_PLOT_LINES, x, log_cases[c].y, 4), TD_OK);
        assert_int_equal(td_plot_auto_log(p), log_cases[c].want);
        td_report_free(r);
    }
    td_report_free(NULL);
}

/* A figure with two panels, hostile names and every decoration. */
static td_report *hostile_report(void)
{
    td_report *r = td_report_new("run <script>alert(1)</script>");
    td_plot_fig *f = td_report_fig(r, "loss `touch /tmp/x` $HOME", "caption \"q\" <b>");
    td_plot_panel *p = td_plot_fig_panel(f, "system(\"id\")", "step", "loss");
    double x[5] = {0, 1, 2, 3, 4}, y[5] = {2, 1, 0.5, 0.4, 0.45}, v[5] = {2.1, 1.2, 0.8, 0.9, 1};
    assert_int_equal(td_plot_add_series(f, p, "train\n`id`", TD_PLOT_LINES, x, y, 5), TD_OK);
    assert_int_equal(td_plot_add_series(f, p, "val\"); system(\"id", TD_PLOT_LINES, x, v, 5), TD_OK);
    assert_int_equal(td_plot_add_mark(p, 2, "overfit @x"), TD_OK);
    assert_int_equal(td_plot_add_span(p, 3, 4, "plateau $y"), TD_OK);
    assert_int_equal(td_plot_add_band(p, 0.4, 0.5, "noise 'band'"), TD_OK);
    td_plot_panel *q = td_plot_fig_panel(f, "img", NULL, NULL);
    double z[6] = {1, -1, 0, NAN, 0.5, 2};
    assert_int_equal(td_plot_add_image(q, "w", z, 2, 3), TD_OK);
    td_plot_fig_panel(f, "empty", "x", "y");
    assert_int_equal(td_report_add_finding(r, TD_PLOT_WARN, "a.log", "warn <i>", 0), TD_OK);
    assert_int_equal(td_report_add_finding(r, TD_PLOT_ERROR, "b.log", "error & more", 0), TD_OK);
    assert_int_equal(td_report_add_finding(r, TD_PLOT_INFO, "c", "loose", -1), TD_OK);
    assert_int_equal(td_report_add_note(r, "note <x>"), TD_OK);
    return r;
}

static void test_gp_script(void **state)
{
    (void)state;
    td_report *r = hostile_report();
    td_buf b = {0};
    td_out o = td_out_buf(&b);
    assert_int_equal(td_plot_write_gp(r->figs[0], &o), TD_OK);
    const char *s = b.data;
    /* no untrusted byte acts as syntax: these never appear raw */
    assert_null(strchr(s, '`'));
    assert_null(strchr(s, '$'));
    assert_null(strchr(s, '@'));
    assert_null(strstr(s, "system(\""));
    /* figure structure */
    assert_non_null(strstr(s, "set multiplot layout 2,2"));
    assert_non_null(strstr(s, "\"fig01.dat\" index 0 using 1:2"));
    assert_non_null(strstr(s, "\"fig01.dat\" index 1 using 1:2"));
    assert_non_null(strstr(s, "\"fig01.dat\" index 2 matrix with image"));
    assert_null(strstr(s, "index 3"));        /* the empty panel has no block */
    assert_non_null(strstr(s, "no data"));
    assert_non_null(strstr(s, "set arrow 1 from first 2, graph 0"));
    assert_non_null(strstr(s, "rect from first 3, graph 0 to first 4, graph 1"));
    assert_non_null(strstr(s, "rect from graph 0, first 0.4 to graph 1, first 0.5"));
    assert_non_null(strstr(s, "set output \"fig01.svg\""));
    assert_non_null(strstr(s, "set output \"fig01.png\""));
    assert_non_null(strstr(s, "noenhanced"));
    assert_null(strstr(s, "set xrange")); /* marks and spans inside the data: autoscale */
    td_buf_free(&b);

    o = td_out_buf(&b);
    assert_int_equal(td_plot_write_dat(r->figs[0], &o), TD_OK);
    /* three blocks: two series, one 2x3 matrix with the NaN kept as a gap */
    size_t blocks = 1;
    for (const char *p = b.data; (p = strstr(p, "\n\n\n")); p += 3) blocks++;
    assert_int_equal(blocks, 3);
    assert_non_null(strstr(b.data, "\n0 2\n1 1\n2 0.5\n"));
    assert_non_null(strstr(b.data, "\nNaN 0.5 2\n"));
    assert_non_null(strstr(b.data, "series 1 \"train\\077\\140id\\140\""));
    assert_null(strchr(b.data, '`'));
    td_buf_free(&b);

    /* a mark past the data widens the x range to show it */
    o = td_out_buf(&b);
    assert_int_equal(td_plot_add_mark(r->figs[0]->panels[0], 10, "late"), TD_OK);
    assert_int_equal(td_plot_write_gp(r->figs[0], &o), TD_OK);
    assert_non_null(strstr(b.data, "set xrange [0:10.2]"));
    td_buf_free(&b);

    o = td_out_buf(&b);
    assert_int_equal(td_report_write_pdf_gp(r, &o), TD_OK);
    assert_non_null(strstr(b.data, "td_batch = 1"));
    assert_non_null(strstr(b.data, "load \"fig01.gp\""));
    td_buf_free(&b);
    td_report_free(r);
}

static void test_html(void **state)
{
    (void)state;
    td_report *r = hostile_report();
    td_buf b = {0};
    td_out o = td_out_buf(&b);
    assert_int_equal(td_report_write_html(r, NULL, "svg", &o), TD_OK);
    const char *s = b.data;
    assert_null(strstr(s, "<script"));
    assert_null(strstr(s, "<b>"));
    assert_null(strstr(s, "http:"));
    assert_null(strstr(s, "https:"));
    assert_non_null(strstr(s, "&lt;script&gt;"));
    assert_non_null(strstr(s, "<img src=\"fig01.svg\""));
    /* findings: the error comes before the warning, both link to fig01 */
    const char *err = strstr(s, "error &amp; more</a>"), *warn = strstr(s, "warn &lt;i&gt;</a>");
    assert_non_null(err);
    assert_non_null(warn);
    assert_true(err < warn);
    assert_non_null(strstr(s, "<a href=\"#fig01\">error"));
    assert_non_null(strstr(s, "<figure id=\"fig01\">"));
    assert_non_null(strstr(s, "loose</li>"));          /* no figure: no link */
    assert_non_null(strstr(s, "note &lt;x&gt;"));
    td_buf_free(&b);

    unsigned char none[1] = {0};
    o = td_out_buf(&b);
    assert_int_equal(td_report_write_html(r, none, "svg", &o), TD_OK);
    assert_null(strstr(b.data, "<img"));
    assert_non_null(strstr(b.data, "gnuplot fig01.gp"));
    td_buf_free(&b);
    td_report_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape_table),
        cmocka_unit_test(test_escape_all_bytes),
        cmocka_unit_test(test_reduce_small_keeps_finite),
        cmocka_unit_test(test_reduce_keeps_spikes),
        cmocka_unit_test(test_auto_log),
        cmocka_unit_test(test_gp_script),
        cmocka_unit_test(test_html),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
