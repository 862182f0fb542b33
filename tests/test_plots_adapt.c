/* test_plots_adapt.c — the adapters from the tools' results to figures:
 * gradcheck --json documents (json-c), training runs with their findings,
 * HDF5 dumps. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
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

/* A run built from CSV text: loss falls, val_loss turns up after epoch 5,
 * accuracies, a learning-rate step at epoch 6 and a grad_norm column. */
static const char run_csv[] =
    "epoch,loss,val_loss,accuracy,val_accuracy,lr,grad_norm\n"
    "0,2.0,2.1,0.30,0.28,0.01,1.0\n"
    "1,1.5,1.6,0.45,0.42,0.01,1.1\n"
    "2,1.1,1.25,0.60,0.55,0.01,0.9\n"
    "3,0.8,1.0,0.70,0.64,0.01,1.2\n"
    "4,0.6,0.9,0.78,0.70,0.01,1.0\n"
    "5,0.45,0.88,0.84,0.72,0.01,5.0\n"
    "6,0.35,0.95,0.88,0.72,0.001,1.0\n"
    "7,0.28,1.05,0.91,0.71,0.001,1.1\n"
    "8,0.22,1.2,0.94,0.70,0.001,0.9\n";

static void test_run_figures(void **state)
{
    (void)state;
    td_log *log = NULL;
    td_err e;
    assert_int_equal(td_log_read_mem("logs/run.csv", run_csv, strlen(run_csv), TD_FMT_AUTO,
                                     &log, &e), TD_OK);
    const td_run *run = &log->runs[0];
    const td_series *vl = td_run_find_name(run, "val_loss"), *tl = td_run_find_name(run, "loss");
    const td_series *gn = td_run_find_name(run, "grad_norm");
    assert_non_null(vl);
    assert_non_null(gn);
    /* findings as curvecheck would give them: what the adapter draws is
       decided by their kind, x range and metric */
    td_findings fs;
    td_findings_init(&fs);
    assert_int_equal(td_findings_add(&fs, TD_FIND_OVERFITTING, run, vl, tl, 5, 8, 7, 0.3, 0.1,
                                     0.02, 0.01, &e, "val rises"), TD_OK);
    assert_int_equal(td_findings_add(&fs, TD_FIND_SATURATION, run, tl, NULL, 6, 8, 8, NAN, NAN,
                                     NAN, NAN, &e, "flat"), TD_OK);
    assert_int_equal(td_findings_add(&fs, TD_FIND_NOISE, run, vl, NULL, 4, 8, 6, 0.2, 0.15,
                                     0.05, NAN, &e, "noisy"), TD_OK);
    assert_int_equal(td_findings_add(&fs, TD_FIND_SPIKES, run, gn, NULL, 5, 5, 7, 5, NAN, 0.1,
                                     NAN, &e, "grad spike"), TD_OK);
    td_report *r = td_report_new("t");
    assert_int_equal(td_plot_add_run(r, run, &fs, &e), TD_OK);
    /* loss, accuracy (+ gap), other metrics */
    assert_int_equal(r->nfigs, 3);
    assert_string_equal(r->figs[0]->title, "run.csv: loss");
    const td_plot_panel *lp = r->figs[0]->panels[0];
    assert_int_equal(lp->nseries, 2);
    assert_int_equal(lp->series[1].dashed, 1);
    /* marks: the learning-rate step at 6, the best point before overfitting at 5 */
    assert_int_equal(lp->nmarks, 2);
    assert_true(lp->marks[0].x == 6);
    assert_non_null(strstr(lp->marks[0].label, "0.01 -> 0.001"));
    assert_true(lp->marks[1].x == 5);
    assert_string_equal(lp->marks[1].label, "best val_loss (epoch 5)");
    /* spans: the overfitting stretch from the best point to the end, the
       plateau; the noise band: median of val_loss over 4..8 (0.95) +- 2
       sigma (0.05), over x 4..8 only */
    assert_int_equal(lp->nspans, 2);
    assert_true(lp->spans[0].x0 == 5 && lp->spans[0].x1 == 8);
    assert_string_equal(lp->spans[0].label, "overfitting: val_loss worse than its best (epoch 5-8)");
    assert_true(lp->spans[1].x0 == 6 && lp->spans[1].x1 == 8);
    assert_int_equal(lp->nbands, 1);
    assert_true(fabs(lp->bands[0].lo - 0.85) < 1e-12 && fabs(lp->bands[0].hi - 1.05) < 1e-12);
    assert_true(lp->bands[0].x0 == 4 && lp->bands[0].x1 == 8);
    /* the caption names what is drawn, and only that */
    assert_non_null(strstr(r->figs[0]->caption, "Dashed red lines: lr 0.01 -> 0.001; best val_loss (epoch 5). "
                                                "Shaded spans: overfitting: val_loss worse than its best (epoch 5-8); "
                                                "plateau epoch 6-8. Shaded bands: val_loss noise"));
    assert_non_null(strstr(r->figs[1]->caption, "No finding is drawn on it."));
    /* the gap panel: train - val accuracy at the validation epochs */
    assert_int_equal(r->figs[1]->npanels, 2);
    const td_plot_series *gap = &r->figs[1]->panels[1]->series[0];
    assert_int_equal(gap->n, 9);
    assert_true(fabs(gap->y[8] - 0.24) < 1e-12);
    /* findings link to the figure drawing their metric: grad_norm's spike
       to the other-metrics figure, the rest to the loss figure */
    assert_int_equal(r->nfindings, 4);
    assert_int_equal(r->findings[0].fig, 0);
    assert_int_equal(r->findings[0].level, TD_PLOT_WARN);
    assert_int_equal(r->findings[3].fig, 2);
    assert_int_equal(r->findings[3].level, TD_PLOT_INFO);
    assert_non_null(strstr(r->findings[3].text, "spikes: grad spike"));
    /* several runs: an overlay only from two on */
    const td_run *runs[2] = {run, run};
    assert_int_equal(td_plot_add_runs_overlay(r, runs, 1, &e), TD_OK);
    assert_int_equal(r->nfigs, 3);
    assert_int_equal(td_plot_add_runs_overlay(r, runs, 2, &e), TD_OK);
    assert_int_equal(r->nfigs, 4);
    assert_int_equal(r->figs[3]->panels[0]->nseries, 2);
    td_report_free(r);
    /* curvecheck's judged runs in one call: figures for the first max_runs,
       then the overlay of all */
    td_judged j[3] = {{run, "a", fs}, {run, "a", fs}, {run, "a", fs}};
    r = td_report_new("t");
    assert_int_equal(td_plot_add_judged(r, j, 3, 1, &e), TD_OK);
    assert_int_equal(r->nfigs, 4);
    assert_int_equal(r->figs[3]->panels[0]->nseries, 3);
    assert_int_equal(r->nfindings, 3 * fs.n); /* every run's findings listed */
    assert_int_equal(r->findings[fs.n].fig, 3);  /* past max_runs: linked to the overlay */
    td_report_free(r);
    td_findings_free(&fs);
    td_log_free(log);
}

/* The project's own dump sample (made by samples/dump_torch.py): a CNN
 * whose second layer is dead. Read from the source tree when present. */
static void test_dump_figures(void **state)
{
    (void)state;
    const char *file = "samples/dumps/cnn_dead.h5";
    FILE *f = fopen(file, "rb");
    if (!f) {
        print_message("%s not found (run from the source tree): dump figures not checked\n", file);
        skip();
    }
    fclose(f);
    td_dump_opts o;
    td_dump_opts_default(&o);
    td_dump *d = NULL;
    td_err e;
    assert_int_equal(td_dump_open(&d, &file, 1, &o, &e), TD_OK);
    td_report *r = td_report_new("t");
    assert_int_equal(td_plot_add_dump(r, d, &o, "cnn_dead.h5", &e), TD_OK);
    int ratio = -1, act = -1, image = -1;
    for (size_t i = 0; i < r->nfigs; i++) {
        if (strstr(r->figs[i]->title, "update/weight")) ratio = (int)i;
        if (strstr(r->figs[i]->title, "activation histograms")) act = (int)i;
        if (strstr(r->figs[i]->title, "first-layer")) image = (int)i;
    }
    assert_true(ratio >= 0 && act >= 0 && image >= 0);
    /* ratios: log y with the 1e-3 band around 1e-3 */
    const td_plot_panel *rp = r->figs[ratio]->panels[0];
    assert_int_equal(rp->logy, 1);
    assert_true(rp->nbands == 1 && rp->bands[0].lo < 1e-3 && rp->bands[0].hi > 1e-3);
    /* one histogram panel per layer with activations; the dead one says so */
    int dead = 0;
    for (size_t i = 0; i < r->figs[act]->npanels; i++)
        dead += strstr(r->figs[act]->panels[i]->title, "dead 100%") != NULL;
    assert_int_equal(dead, 1);
    assert_int_equal(r->figs[image]->panels[0]->series[0].style, TD_PLOT_IMAGE);
    /* every dumpcheck finding is listed, the dead layer's on the histograms */
    assert_int_equal(r->nfindings, d->nfindings);
    int linked = 0;
    for (size_t i = 0; i < r->nfindings; i++)
        if (strstr(r->findings[i].text, "activations all zero")) linked = r->findings[i].fig == act;
    assert_true(linked);
    td_report_free(r);
    td_dump_free(d);
}

/* A study: lr (log scale), optimizer (categorical with a hostile level),
 * two infeasible trials. */
static const char study_csv[] =
    "lr,optimizer,val_loss,status\n"
    "0.001,adam,0.50,ok\n"
    "0.003,adam,0.40,ok\n"
    "0.01,`id`<b>,0.30,ok\n"
    "0.03,adam,0.25,ok\n"
    "0.1,`id`<b>,0.20,ok\n"
    "0.3,adam,nan,diverged\n"
    "1.0,`id`<b>,nan,diverged\n"
    "0.02,`id`<b>,0.28,ok\n";

static void test_study_figures(void **state)
{
    (void)state;
    td_study_opts so;
    memset(&so, 0, sizeof so);
    td_study *s = NULL;
    td_err e;
    assert_int_equal(td_study_read_mem("trials.csv", study_csv, strlen(study_csv), &so, &s, &e), TD_OK);
    td_study_cfg cfg;
    td_study_cfg_default(&cfg);
    cfg.scientific = td_study_find_hp(s, "optimizer");
    cfg.curves = 0;
    assert_true(cfg.scientific >= 0);
    td_study_report rep;
    memset(&rep, 0, sizeof rep);
    assert_int_equal(td_study_check(s, &cfg, &rep, &e), TD_OK);
    td_report *r = td_report_new("t");
    assert_int_equal(td_plot_add_study(r, s, &rep, "trials.csv", &e), TD_OK);
    assert_int_equal(r->nfigs, 2);
    /* axis plots: one panel per hyperparameter */
    const td_plot_fig *ax = r->figs[0];
    assert_int_equal(ax->npanels, 2);
    long lr = td_study_find_hp(s, "lr");
    const td_plot_panel *p = ax->panels[lr];
    assert_int_equal(p->logx, 1);
    /* trials, infeasible, best: the infeasible two sit above every trial
       (minimizing: the worst edge is the top), the best is 0.20 */
    assert_int_equal(p->nseries, 3);
    assert_int_equal(p->series[0].n, 6);
    assert_int_equal(p->series[1].style, TD_PLOT_CROSSES);
    assert_int_equal(p->series[1].n, 2);
    assert_true(p->series[1].y[0] > 0.5 && p->series[1].y[1] > 0.5);
    assert_int_equal(p->series[2].n, 1);
    assert_true(p->series[2].y[0] == 0.20 && p->series[2].x[0] == 0.1);
    /* the categorical axis names its levels (escaped on output) */
    const td_plot_panel *q = ax->panels[cfg.scientific];
    assert_int_equal(q->nxtics, 2);
    td_buf b = {0};
    td_out o = td_out_buf(&b);
    assert_int_equal(td_plot_write_gp(ax, &o), TD_OK);
    assert_null(strchr(b.data, '`'));
    td_buf_free(&b);
    /* isolation: best per optimizer, with trial counts in the labels */
    const td_plot_panel *iso = r->figs[1]->panels[0];
    assert_int_equal(iso->series[0].n, 2);
    int found = 0;
    for (size_t i = 0; i < iso->nxtics; i++)
        found += !strcmp(iso->xtics[i], "adam (3 of 4 ok)") + !strcmp(iso->xtics[i], "`id`<b> (3 of 4 ok)");
    assert_int_equal(found, 2);
    assert_int_equal(r->nfindings, rep.nf);
    td_report_free(r);
    td_study_report_free(&rep);
    td_study_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gradcheck_json),
        cmocka_unit_test(test_gradcheck_bad),
        cmocka_unit_test(test_run_figures),
        cmocka_unit_test(test_dump_figures),
        cmocka_unit_test(test_study_figures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
