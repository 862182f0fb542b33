/* test_plots_adapt.c — the adapters from the tools' results to figures:
 * gradcheck --json documents (json-c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "td_plot.h"

static const char gc_doc[] =
    "{\"tool\":\"gradcheck\",\"layer\":\"mine\",\"h\":1e-05,"
    "\"h_sweep\":[{\"h\":0.1,\"max_rel_error\":1e-3},{\"h\":1e-5,\"max_rel_error\":1e-9},"
    "{\"h\":1e-10,\"max_rel_error\":1e-4}],"
    "\"tensors\":["
    "{\"name\":\"x\",\"max_rel_error\":3e-15,\"verdict\":\"correct\",\"bug\":null},"
    "{\"name\":\"W`id`\\n<script>\",\"max_rel_error\":0.5,\"verdict\":\"wrong\",\"bug\":\"sign\"},"
    "{\"name\":\"b\",\"max_rel_error\":2e-5,\"verdict\":\"suspicious\",\"bug\":null},"
    "{\"name\":\"z\",\"max_rel_error\":0,\"verdict\":\"correct\",\"bug\":null}],"
    "\"notes\":[{\"finding\":true,\"text\":\"forward is not deterministic\"}],"
    "\"verdict\":\"wrong\"}";

static void test_gradcheck_json(void **state)
{
    (void)state;
    td_report *r = td_report_new("t");
    td_err e;
    assert_int_equal(td_plot_add_gradcheck_json(r, "gc.json", gc_doc, strlen(gc_doc), &e), TD_OK);
    assert_int_equal(r->nfigs, 2);
    const td_plot_panel *p = r->figs[0]->panels[0];
    assert_int_equal(p->logy, 1);
    assert_int_equal(p->nbands, 4);
    assert_int_equal(p->series[0].n, 4);
    assert_true(p->series[0].y[1] == 0.5);
    assert_true(p->series[0].y[3] > 0); /* an error of 0 stays on the log axis */
    assert_int_equal(p->nxtics, 4);
    assert_string_equal(p->xtics[1], "W`id`\n<script>");
    /* findings: the wrong tensor (error), the suspicious one and the note (warnings) */
    assert_int_equal(r->nfindings, 3);
    assert_int_equal(r->findings[0].level, TD_PLOT_ERROR);
    assert_non_null(strstr(r->findings[0].text, "sign"));
    assert_int_equal(r->findings[0].fig, 0);
    assert_int_equal(r->findings[1].level, TD_PLOT_WARN);
    assert_int_equal(r->findings[2].level, TD_PLOT_WARN);
    /* the h sweep: log-log with the h used marked */
    const td_plot_panel *s = r->figs[1]->panels[0];
    assert_true(s->logx && s->logy);
    assert_int_equal(s->series[0].n, 3);
    assert_int_equal(s->nmarks, 1);
    assert_true(s->marks[0].x == 1e-05);
    /* the hostile tensor name reaches the script only escaped */
    td_buf b = {0};
    td_out o = td_out_buf(&b);
    assert_int_equal(td_plot_write_gp(r->figs[0], &o), TD_OK);
    assert_null(strchr(b.data, '`'));
    assert_non_null(strstr(b.data, "set xtics rotate by 30 right (\"x\" 0, \"W\\140id\\140\\077\\074script\\076\" 1"));
    td_buf_free(&b);
    td_report_free(r);
}

static const struct { const char *doc; const char *msg; } gc_bad[] = {
    {"{\"tool\":\"gradcheck\",\"tensors\":[", "not valid JSON"},
    {"[1,2]", "not a gradcheck"},
    {"{\"tool\":\"curvecheck\",\"tensors\":[]}", "not a gradcheck"},
    {"{\"tool\":\"gradcheck\"}", "not a gradcheck"},
    {"{\"tool\":\"gradcheck\",\"tensors\":[{\"name\":\"W\"}]}", "tensors[0]"},
    {"{\"tool\":\"gradcheck\",\"tensors\":[],\"h_sweep\":[{\"h\":\"x\"}]}", "h_sweep[0]"},
    {"", "not valid JSON"},
};

static void test_gradcheck_bad(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof gc_bad / sizeof gc_bad[0]; i++) {
        td_report *r = td_report_new("t");
        td_err e;
        assert_int_equal(td_plot_add_gradcheck_json(r, "bad.json", gc_bad[i].doc,
                                                    strlen(gc_bad[i].doc), &e), TD_EINPUT);
        assert_non_null(strstr(e.msg, "bad.json: "));
        assert_non_null(strstr(e.msg, gc_bad[i].msg));
        td_report_free(r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gradcheck_json),
        cmocka_unit_test(test_gradcheck_bad),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
