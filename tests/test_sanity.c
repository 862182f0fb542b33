/* test_sanity.c — CMocka tests of sanitycheck's library: chance levels per
 * loss kind, the chance verdict and its likely causes, data checks on
 * in-memory sets with planted flaws, the model checks on the sample
 * plugins (each broken one caught by its check, the correct one passing
 * over many seeds), crash isolation, the overfit-from-log judge, and the
 * JSON report. Cases are tables; expected numbers come from the maths or
 * from what the case plants, never from the program's output.
 * Plugins: $TD_BUILD/samples/models; data: samples/data (repo root). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "td_h5.h"
#include "td_sanity.h"

/* |a - b| <= eps, with both values in the message when not */
#define assert_near(a, b, eps) near_(a, b, eps, #a, __LINE__)
static void near_(double a, double b, double eps, const char *what, int line)
{
    if (!(fabs(a - b) <= eps)) fail_msg("line %d: %s = %.17g, want %.17g (+-%g)", line, what, a, b, eps);
}

static const char *model_path(const char *name, char *buf, size_t cap)
{
    const char *b = getenv("TD_BUILD");
    snprintf(buf, cap, "%s/samples/models/%s.so", b ? b : "build", name);
    return buf;
}

static const td_sc_check *row(const td_sc_report *r, const char *name)
{
    for (int i = 0; i < r->n; i++)
        if (!strcmp(r->c[i].name, name)) return &r->c[i];
    return NULL;
}

static double num(const td_sc_check *c, const char *key)
{
    for (int i = 0; i < c->n_nums; i++)
        if (!strcmp(c->nums[i].key, key)) return c->nums[i].v;
    return NAN;
}

/* ---- chance per loss kind ---------------------------------------------------- */
static void test_chance_table(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        long C;
        double margin, mean_y2, want;
        td_code code;
    } cases[] = {
        { "softmax", 10, 1, NAN, 2.302585092994046, TD_OK },   /* -ln(0.1) = 2.302, seed 003 */
        { "cross-entropy", 7, 1, NAN, 1.9459101490553132, TD_OK },
        { "bce", 0, 1, NAN, 0.6931471805599453, TD_OK },
        { "svm", 10, 1, NAN, 9.0, TD_OK },                      /* seed 003: 9 for CIFAR-10 */
        { "hinge", 5, 2, NAN, 8.0, TD_OK },
        { "mse", 0, 1, 2.5, 2.5, TD_OK },
        { "softmax", 1, 1, NAN, 0, TD_EUSAGE },
        { "svm", 0, 1, NAN, 0, TD_EUSAGE },
        { "svm", 3, 0, NAN, 0, TD_EUSAGE },
        { "mse", 0, 1, NAN, 0, TD_EUSAGE },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        td_sc_loss l = { .kind = td_sc_loss_parse(cases[i].name), .classes = cases[i].C,
                         .margin = cases[i].margin, .mean_y2 = cases[i].mean_y2 };
        assert_true(l.kind >= 0);
        double ch = -1;
        td_err e;
        td_code rc = td_sc_chance(&l, &ch, NULL, &e);
        assert_int_equal(rc, cases[i].code);
        if (rc == TD_OK) assert_near(ch, cases[i].want, 1e-12);
        else assert_true(strlen(e.msg) > 0);
    }
    assert_int_equal(td_sc_loss_parse("softmaxx"), -1);
    assert_int_equal(td_sc_loss_parse(""), -1);
    assert_int_equal(td_sc_loss_parse(NULL), -1);
}

static void test_tolerance(void **state)
{
    (void)state;
    double c = log(10.0);
    /* unknown spread: 3 * TD_SC_SPREAD * chance / sqrt(B), floored at 2% */
    assert_near(td_sc_tolerance(c, -1, 1), 3 * TD_SC_SPREAD * c, 1e-12);
    assert_near(td_sc_tolerance(c, -1, 16), 3 * TD_SC_SPREAD * c / 4, 1e-12);
    assert_near(td_sc_tolerance(c, -1, 1e6), 0.02 * c, 1e-12);
    assert_near(td_sc_tolerance(c, 0.3, 9), 0.3, 1e-12);
    assert_true(td_sc_tolerance(c, -1, 64) < td_sc_tolerance(c, -1, 16));
}

/* ---- the chance verdict and its cause ------------------------------------------ */
static void test_judge_table(void **state)
{
    (void)state;
    static const double ex_flat[4] = { 2.0, 2.1, 2.0, 2.1 };
    static const struct {
        const char *loss;
        long C;
        double value, batch;
        const double *ex;
        size_t nex;
        td_sc_status want;
        const char *cause; /* substring, NULL: none expected */
    } cases[] = {
        { "softmax", 10, 2.41, 1, NULL, 0, TD_SC_PASS, NULL },
        { "softmax", 10, 2.30, 64, NULL, 0, TD_SC_PASS, NULL },
        { "softmax", 10, 32 * log(10.0), 32, NULL, 0, TD_SC_FAIL, "summed" },
        { "softmax", 10, 4 * 2.05, 4, ex_flat, 4, TD_SC_FAIL, "summed" },      /* 4 x the mean of the examples */
        { "softmax", 10, 6.0, 64, NULL, 0, TD_SC_FAIL, "init scale too large" },
        { "softmax", 10, 0.5, 64, NULL, 0, TD_SC_FAIL, "softmax applied twice" },
        { "softmax", 10, NAN, 64, NULL, 0, TD_SC_FAIL, "overflow" },
        { "svm", 10, 9.1, 128, NULL, 0, TD_SC_PASS, NULL },
        { "svm", 10, 1.0, 128, NULL, 0, TD_SC_FAIL, "below chance" },
        { "bce", 0, 0.70, 256, NULL, 0, TD_SC_PASS, NULL },
        { "bce", 0, 2.0, 256, NULL, 0, TD_SC_FAIL, "init scale" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        td_sc_report r;
        td_sc_report_init(&r, "init", "t");
        td_sc_check *c = td_sc_add(&r, "chance");
        td_sc_loss l = { .kind = td_sc_loss_parse(cases[i].loss), .classes = cases[i].C, .margin = 1 };
        td_sc_judge_chance(c, &l, cases[i].value, cases[i].ex, cases[i].nex, cases[i].batch, 0);
        if (c->status != cases[i].want) fail_msg("case %zu: status %s: %s", i, td_sc_status_name(c->status), c->what);
        if (cases[i].cause && !strstr(c->cause, cases[i].cause))
            fail_msg("case %zu: cause '%s' lacks '%s'", i, c->cause, cases[i].cause);
        assert_int_equal(td_sc_exit_code(&r), cases[i].want == TD_SC_FAIL ? TD_EXIT_FINDING : TD_EXIT_OK);
    }
}

/* ---- data checks on in-memory sets --------------------------------------------- */
typedef struct {
    const char *what;
    size_t counts[3];  /* examples per class */
    double shift;      /* added to every input */
    size_t dups;       /* rows copied over others */
    int bad_label;     /* one label set to -1 */
    const char *fails[4];
} data_case;

static void make_set(const data_case *dc, td_sc_data *d, uint64_t seed)
{
    td_rng g;
    td_rng_seed(&g, seed);
    size_t n = dc->counts[0] + dc->counts[1] + dc->counts[2], D = 5;
    memset(d, 0, sizeof *d);
    d->n = n;
    d->d = D;
    d->x = malloc(n * D * sizeof(double));
    d->y = malloc(n * sizeof(double));
    snprintf(d->xname, sizeof d->xname, "x");
    snprintf(d->yname, sizeof d->yname, "y");
    size_t i = 0;
    for (int k = 0; k < 3; k++)
        for (size_t m = 0; m < dc->counts[k]; m++, i++) {
            d->y[i] = k;
            for (size_t j = 0; j < D; j++) d->x[i * D + j] = td_rng_normal(&g) + dc->shift;
        }
    for (size_t k = 0; k < dc->dups; k++) /* row 2k+1 := row 2k */
        memcpy(d->x + (2 * k + 1) * D, d->x + 2 * k * D, D * sizeof(double));
    if (dc->bad_label) d->y[n - 1] = -1;
}

static void test_data_table(void **state)
{
    (void)state;
    static const data_case cases[] = {
        { "clean", { 50, 50, 50 }, 0, 0, 0, { NULL } },
        { "imbalanced", { 100, 20, 30 }, 0, 0, 0, { "balance" } },
        { "unnormalized", { 50, 50, 50 }, 120, 0, 0, { "normalized" } },
        { "duplicates", { 50, 50, 50 }, 0, 7, 0, { "duplicates" } },
        { "bad label", { 50, 50, 50 }, 0, 0, 1, { "labels" } },
        { "everything", { 100, 10, 40 }, 50, 3, 1, { "labels", "balance", "normalized", "duplicates" } },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        td_sc_data d;
        make_set(&cases[i], &d, 100 + i);
        td_sc_data_opts o;
        td_sc_data_opts_default(&o);
        o.classes = 3;
        td_sc_report r;
        td_sc_report_init(&r, "data", cases[i].what);
        td_err e;
        assert_int_equal(td_sc_data_check(&d, &o, &r, &e), TD_OK);
        assert_int_equal(r.n, 4);
        for (int k = 0; k < r.n; k++) {
            int want_fail = 0;
            for (int f = 0; f < 4 && cases[i].fails[f]; f++) want_fail |= !strcmp(cases[i].fails[f], r.c[k].name);
            if ((r.c[k].status == TD_SC_FAIL) != want_fail)
                fail_msg("%s: %s is %s: %s", cases[i].what, r.c[k].name, td_sc_status_name(r.c[k].status), r.c[k].what);
        }
        /* the numbers match what was planted */
        assert_near(num(row(&r, "duplicates"), "duplicates"), (double)cases[i].dups, 0);
        assert_near(num(row(&r, "labels"), "outside"), (double)cases[i].bad_label, 0);
        td_sc_data_free(&d);
    }
}

static void test_labels_not_integer(void **state)
{
    (void)state;
    double y[4] = { 0, 1, 1.5, 2 };
    td_err e;
    assert_int_equal(td_sc_labels_int(y, 4, &e), TD_EINPUT);
    assert_non_null(strstr(e.msg, "index 2"));
    y[2] = NAN;
    assert_int_equal(td_sc_labels_int(y, 4, &e), TD_EINPUT);
    y[2] = 1;
    assert_int_equal(td_sc_labels_int(y, 4, &e), TD_OK);
}

static void test_data_files(void **state)
{
    (void)state;
    td_h5_quiet();
    td_sc_data d;
    td_err e;
    /* tiny.h5: 3 classes of 40, standardized (gen_data.py) */
    assert_int_equal(td_sc_data_read("samples/data/tiny.h5", NULL, NULL, 1 << 20, &d, &e), TD_OK);
    assert_int_equal(d.n, 120);
    assert_int_equal(d.d, 8);
    td_sc_data_opts o;
    td_sc_data_opts_default(&o);
    td_sc_report r;
    td_sc_report_init(&r, "data", "tiny");
    assert_int_equal(td_sc_data_check(&d, &o, &r, &e), TD_OK);
    assert_int_equal(td_sc_exit_code(&r), TD_EXIT_OK);
    td_sc_data_free(&d);
    /* messy.h5: 6 duplicates (2 conflicting), one label -1, imbalanced, x*40+120 */
    assert_int_equal(td_sc_data_read("samples/data/messy.h5", NULL, NULL, 1 << 20, &d, &e), TD_OK);
    td_sc_report_init(&r, "data", "messy");
    assert_int_equal(td_sc_data_check(&d, &o, &r, &e), TD_OK);
    for (int k = 0; k < r.n; k++) assert_int_equal(r.c[k].status, TD_SC_FAIL);
    assert_near(num(row(&r, "duplicates"), "duplicates"), 6, 0);
    assert_near(num(row(&r, "duplicates"), "conflicting_labels"), 2, 0);
    assert_near(num(row(&r, "labels"), "outside"), 1, 0);
    td_sc_data_free(&d);
    /* nonint.h5: a 0.5 label -> input error */
    assert_int_equal(td_sc_data_read("samples/data/nonint.h5", NULL, NULL, 1 << 20, &d, &e), TD_OK);
    td_sc_report_init(&r, "data", "nonint");
    assert_int_equal(td_sc_data_check(&d, &o, &r, &e), TD_EINPUT);
    assert_non_null(strstr(e.msg, "index 3"));
    td_sc_data_free(&d);
    /* missing file, missing dataset */
    assert_int_equal(td_sc_data_read("samples/data/none.h5", NULL, NULL, 1 << 20, &d, &e), TD_EIO);
    assert_int_equal(td_sc_data_read("samples/data/tiny.h5", "x", "nolabels", 1 << 20, &d, &e), TD_EINPUT);
    /* the real deeplearning.ai file (names ending _x and _y), when the folder exists: 33 cats, 17 non-cats */
    const char *real = "../shared/realdata/h5/dlai_test_catvnoncat_arrays.h5";
    if (access(real, R_OK) == 0) {
        assert_int_equal(td_sc_data_read(real, NULL, NULL, 1 << 22, &d, &e), TD_OK);
        assert_int_equal(d.n, 50);
        assert_int_equal(d.d, 64 * 64 * 3);
        td_sc_report_init(&r, "data", "catvnoncat");
        assert_int_equal(td_sc_data_check(&d, &o, &r, &e), TD_OK);
        assert_near(num(row(&r, "balance"), "positive"), 33, 0);
        assert_near(num(row(&r, "balance"), "negative"), 17, 0);
        assert_int_equal(row(&r, "normalized")->status, TD_SC_FAIL); /* raw 0..255 pixels */
        td_sc_data_free(&d);
    } else {
        print_message("# skipped: realdata: no %s: the real cat/non-cat set not checked\n", real);
    }
}

/* ---- model checks on the sample plugins ----------------------------------------- */
/* samples/data/tiny.h5: 120 examples, 8 features, 3 balanced classes */
static void load_tiny(td_sc_data *d)
{
    td_err e;
    td_h5_quiet();
    if (td_sc_data_read("samples/data/tiny.h5", NULL, NULL, 1 << 20, d, &e) != TD_OK) fail_msg("%s", e.msg);
}

static void test_models_isolated(void **state)
{
    (void)state;
    static const struct {
        const char *plugin;
        const char *fails[3]; /* the rows that must fail; every other row passes */
        const char *cause;    /* in the first failing row's cause */
    } cases[] = {
        { "mlp", { NULL }, NULL },
        { "mlp_biginit", { "chance" }, "init scale too large: with every initial weight 100x smaller" },
        { "mlp_nolearn", { "overfit" }, "gradients are broken" },
        { "mlp_regsign", { "regularization" }, "wrong sign" },
        { "mlp_sum", { "chance", "batch-mean" }, "summed" },
    };
    td_sc_data d;
    td_err e;
    load_tiny(&d);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[512];
        td_sc_model_opts o;
        td_sc_model_opts_default(&o);
        static td_sc_report r;
        td_sc_report_init(&r, "model", cases[i].plugin);
        td_code rc = td_sc_model_check_isolated(model_path(cases[i].plugin, path, sizeof path), 0, NULL, NULL,
                                                &d, &o, 30, &r, &e);
        if (rc != TD_OK) fail_msg("%s: %s", cases[i].plugin, e.msg);
        assert_int_equal(r.n, 4);
        const td_sc_check *first = NULL;
        for (int k = 0; k < r.n; k++) {
            int want_fail = 0;
            for (int f = 0; f < 3 && cases[i].fails[f]; f++) want_fail |= !strcmp(cases[i].fails[f], r.c[k].name);
            if ((r.c[k].status == TD_SC_FAIL) != want_fail)
                fail_msg("%s: %s is %s: %s", cases[i].plugin, r.c[k].name, td_sc_status_name(r.c[k].status), r.c[k].what);
            if (want_fail && !first) first = &r.c[k];
        }
        if (first && !strstr(first->cause, cases[i].cause))
            fail_msg("%s: cause '%s' lacks '%s'", cases[i].plugin, first->cause, cases[i].cause);
    }
    td_sc_data_free(&d);
}

/* An in-test model (no plugin): one parameter vector θ (4), a data loss
 * that ignores it (base, or base + λ when the penalty leaks into it) and a
 * penalty sign·λ·Σθ² (flat: none). It cannot learn, so overfit fails. */
typedef struct { double base; int leak, flat; double lambda; int loss; } fake;
static fake fake_cfg;
static void *fake_create(int n, const char *const *k, const char *const *v, td_model_desc *d, char *err, size_t cap)
{
    (void)n; (void)k; (void)v; (void)err; (void)cap;
    memset(d, 0, sizeof *d);
    d->in_dim = 8;
    d->classes = 3;
    d->loss = fake_cfg.loss;
    d->margin = 1;
    d->n_params = 1;
    snprintf(d->params[0].name, sizeof d->params[0].name, "theta");
    d->params[0].kind = TD_T_PARAM;
    d->params[0].rank = 1;
    d->params[0].shape[0] = 4;
    fake *f = malloc(sizeof *f);
    *f = fake_cfg;
    return f;
}
static void fake_destroy(void *self) { free(self); }
static int fake_init(void *self, double *const *p, double scale, uint64_t seed)
{
    (void)self; (void)seed;
    for (int i = 0; i < 4; i++) p[0][i] = scale * (i + 1);
    return 0;
}
static void fake_set_reg(void *self, double lambda) { ((fake *)self)->lambda = lambda; }
static int fake_forward(void *self, double loss[2], double *scores, const double *const *p, const double *x,
                        const double *y, size_t b)
{
    (void)x; (void)y;
    fake *f = self;
    double r = 0;
    for (int i = 0; i < 4; i++) r += p[0][i] * p[0][i];
    loss[0] = f->base + (f->leak ? f->lambda : 0);
    loss[1] = f->flat ? 0 : f->lambda * r;
    size_t K = f->loss == TD_LOSS_SOFTMAX || f->loss == TD_LOSS_SVM ? 3 : 1; /* scores (B,K) */
    if (scores) memset(scores, 0, b * K * sizeof *scores);
    return 0;
}
static int fake_backward(void *self, double *const *dp, const double *const *p, const double *x,
                         const double *y, size_t b)
{
    (void)x; (void)y; (void)b;
    fake *f = self;
    for (int i = 0; i < 4; i++) dp[0][i] += f->flat ? 0 : 2 * f->lambda * p[0][i];
    return 0;
}
static const td_model_api fake_api = {
    .abi_version = TD_MODEL_ABI_VERSION, .api_size = sizeof(td_model_api), .name = "fake", .help = "",
    .create = fake_create, .destroy = fake_destroy, .init = fake_init, .set_reg = fake_set_reg,
    .forward = fake_forward, .backward = fake_backward,
};

static void test_model_verdicts_fake(void **state)
{
    (void)state;
    static const struct {
        fake cfg;
        const char *row, *cause;
        td_sc_status want;
    } cases[] = {
        { { 5.0, 0, 0, 0, TD_LOSS_SOFTMAX }, "chance", "not the init scale", TD_SC_FAIL },  /* off at any init: labels/loss */
        { { 1.0986, 0, 0, 0, TD_LOSS_SOFTMAX }, "chance", NULL, TD_SC_PASS },
        { { 1.0986, 0, 0, 0, TD_LOSS_SOFTMAX }, "regularization", NULL, TD_SC_PASS },
        { { 1.0986, 1, 0, 0, TD_LOSS_SOFTMAX }, "regularization", "leaks into the data loss", TD_SC_FAIL },
        { { 1.0986, 0, 1, 0, TD_LOSS_SOFTMAX }, "regularization", "not wired", TD_SC_FAIL },
        { { 1.0986, 0, 0, 0, TD_LOSS_SOFTMAX }, "overfit", "gradients are broken", TD_SC_FAIL },
        { { 1.0986, 0, 0, 0, TD_LOSS_SOFTMAX }, "batch-mean", NULL, TD_SC_PASS },
        /* other loss kinds: chance ln 2, (C-1)·margin = 2, mean(y²) of the batch */
        { { 0.6931, 0, 0, 0, TD_LOSS_BCE }, "chance", NULL, TD_SC_PASS },
        { { 1.0986, 0, 0, 0, TD_LOSS_BCE }, "chance", "init", TD_SC_FAIL },
        { { 2.0, 0, 0, 0, TD_LOSS_SVM }, "chance", NULL, TD_SC_PASS },
        { { 1.0, 0, 0, 0, TD_LOSS_SVM }, "chance", "below chance", TD_SC_FAIL },
        { { -1, 0, 0, 0, TD_LOSS_MSE }, "chance", NULL, TD_SC_PASS },
        { { -1, 0, 0, 0, TD_LOSS_MSE }, "overfit", "gradients are broken", TD_SC_FAIL },
    };
    td_sc_data d;
    load_tiny(&d);
    double y2 = 0; /* mean(y²) over the 64 examples of the chance batch */
    for (size_t i = 0; i < 64; i++) y2 += d.y[i] * d.y[i] / 64;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fake_cfg = cases[i].cfg;
        if (fake_cfg.base < 0) fake_cfg.base = y2;
        td_sc_model_opts o;
        td_sc_model_opts_default(&o);
        o.steps = 20;
        static td_sc_report r;
        td_sc_report_init(&r, "model", "fake");
        td_err e;
        /* bce wants labels in {0, 1}: class 0 against the rest */
        double *y = d.y, *yb = malloc(d.n * sizeof *yb);
        for (size_t k = 0; k < d.n; k++) yb[k] = d.y[k] > 0;
        if (fake_cfg.loss == TD_LOSS_BCE) d.y = yb;
        td_code rc = td_sc_model_check(&fake_api, 0, NULL, NULL, &d, &o, NULL, &r, &e);
        d.y = y;
        free(yb);
        if (rc != TD_OK) fail_msg("case %zu: %s", i, e.msg);
        const td_sc_check *c = row(&r, cases[i].row);
        assert_non_null(c);
        if (c->status != cases[i].want) fail_msg("case %zu: %s %s: %s", i, c->name, td_sc_status_name(c->status), c->what);
        if (cases[i].cause && !strstr(c->cause, cases[i].cause))
            fail_msg("case %zu: cause '%s' lacks '%s'", i, c->cause, cases[i].cause);
    }
    td_sc_data_free(&d);
}

/* No false verdict on the correct model, and each bug still caught, over
 * many seeds (in process: no fork per run). */
static void test_models_many_seeds(void **state)
{
    (void)state;
    static const struct { const char *plugin, *fails; } cases[] = {
        { "mlp", NULL }, { "mlp_biginit", "chance" }, { "mlp_nolearn", "overfit" },
        { "mlp_regsign", "regularization" }, { "mlp_sum", "batch-mean" },
    };
    td_sc_data d;
    td_err e;
    load_tiny(&d);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[512];
        void *h;
        const td_model_api *api;
        assert_int_equal(td_sc_model_open(model_path(cases[i].plugin, path, sizeof path), &h, &api, &e), TD_OK);
        int seeds = cases[i].fails ? 8 : 60;
        for (int s = 1; s <= seeds; s++) {
            td_sc_model_opts o;
            td_sc_model_opts_default(&o);
            o.seed = (uint64_t)s * 7919;
            static td_sc_report r;
            td_sc_report_init(&r, "model", cases[i].plugin);
            assert_int_equal(td_sc_model_check(api, 0, NULL, NULL, &d, &o, NULL, &r, &e), TD_OK);
            if (!cases[i].fails) {
                if (td_sc_exit_code(&r) != TD_EXIT_OK)
                    for (int k = 0; k < r.n; k++)
                        if (r.c[k].status == TD_SC_FAIL)
                            fail_msg("mlp seed %d: false %s verdict: %s", s, r.c[k].name, r.c[k].what);
            } else {
                assert_int_equal(row(&r, cases[i].fails)->status, TD_SC_FAIL);
            }
        }
        td_sc_model_close(h);
    }
    td_sc_data_free(&d);
}

/* A data set sorted by class still gives a mixed subset to overfit. */
static void test_overfit_sorted_data(void **state)
{
    (void)state;
    td_sc_data d;
    td_err e;
    load_tiny(&d);
    /* stable counting sort of the rows by label */
    double *x = malloc(d.n * d.d * sizeof *x), *y = malloc(d.n * sizeof *y);
    size_t k = 0;
    for (int c = 0; c < 3; c++)
        for (size_t i = 0; i < d.n; i++)
            if (d.y[i] == c) {
                memcpy(x + k * d.d, d.x + i * d.d, d.d * sizeof *x);
                y[k++] = c;
            }
    assert_int_equal(k, d.n);
    memcpy(d.x, x, d.n * d.d * sizeof *x);
    memcpy(d.y, y, d.n * sizeof *y);
    free(x);
    free(y);
    char path[512];
    void *h;
    const td_model_api *api;
    assert_int_equal(td_sc_model_open(model_path("mlp", path, sizeof path), &h, &api, &e), TD_OK);
    td_sc_model_opts o;
    td_sc_model_opts_default(&o);
    static td_sc_report r;
    td_sc_report_init(&r, "model", "sorted");
    assert_int_equal(td_sc_model_check(api, 0, NULL, NULL, &d, &o, NULL, &r, &e), TD_OK);
    const td_sc_check *c = row(&r, "overfit");
    assert_int_equal(c->status, TD_SC_PASS);
    assert_null(strstr(c->cause, "one class"));
    td_sc_model_close(h);
    td_sc_data_free(&d);
}

static void test_plugin_errors(void **state)
{
    (void)state;
    td_sc_data d;
    td_err e;
    load_tiny(&d);
    td_sc_model_opts o;
    td_sc_model_opts_default(&o);
    static td_sc_report r;
    char path[512];
    /* a crash in forward is reported with its signal and call */
    td_sc_report_init(&r, "model", "crash");
    assert_int_equal(td_sc_model_check_isolated(model_path("mlp_crash", path, sizeof path), 0, NULL, NULL, &d, &o,
                                                30, &r, &e), TD_EPLUGIN);
    assert_non_null(strstr(e.msg, "SIGSEGV"));
    assert_non_null(strstr(e.msg, "in forward"));
    /* not a plugin */
    assert_int_equal(td_sc_model_check_isolated("samples/data/tiny.h5", 0, NULL, NULL, &d, &o, 30, &r, &e),
                     TD_EPLUGIN);
    /* a bad key goes back as a usage error with the model's own message */
    const char *k[] = { "hidden" }, *v[] = { "lots" };
    assert_int_equal(td_sc_model_check_isolated(model_path("mlp", path, sizeof path), 1, k, v, &d, &o, 30, &r, &e),
                     TD_EUSAGE);
    assert_non_null(strstr(e.msg, "hidden"));
    /* the model's input size must match the data */
    const char *k2[] = { "in" }, *v2[] = { "5" };
    assert_int_equal(td_sc_model_check_isolated(path, 1, k2, v2, &d, &o, 30, &r, &e), TD_EINPUT);
    td_sc_data_free(&d);
}

/* ---- mode 3: a tiny-subset run from its log -------------------------------------- */
static void test_log_overfit(void **state)
{
    (void)state;
    static const struct {
        const char *csv;
        td_sc_status want;
    } cases[] = {
        { "step,loss,accuracy\n0,1.1,0.3\n1,0.6,0.7\n2,0.2,0.9\n3,0.03,1\n4,0.01,1\n", TD_SC_PASS },
        { "step,loss\n0,1.1\n1,1.0\n2,0.9\n3,0.9\n4,0.9\n", TD_SC_FAIL },            /* stuck */
        { "step,loss\n0,1.1\n1,0.5\n2,nan\n3,nan\n", TD_SC_FAIL },                   /* diverged */
        { "step,loss,accuracy\n0,1.1,0.3\n1,0.01,0.9\n2,0.01,0.95\n", TD_SC_FAIL }, /* loss ~0, accuracy not 100% */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[] = "/tmp/test_sanity_XXXXXX";
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, cases[i].csv, strlen(cases[i].csv)), (ssize_t)strlen(cases[i].csv));
        close(fd);
        td_sc_report r;
        td_sc_report_init(&r, "overfit", path);
        td_err e;
        td_code rc = td_sc_log_overfit(path, 0.05, &r, &e);
        unlink(path);
        assert_int_equal(rc, TD_OK);
        assert_int_equal(r.n, 1);
        if (r.c[0].status != cases[i].want) fail_msg("case %zu: %s: %s", i, td_sc_status_name(r.c[0].status), r.c[0].what);
    }
    /* the real torch runs of samples/data/tiny_subset_torch.py */
    td_sc_report r;
    td_err e;
    td_sc_report_init(&r, "overfit", "ok");
    assert_int_equal(td_sc_log_overfit("samples/data/overfit_ok.csv", 0.05, &r, &e), TD_OK);
    assert_int_equal(r.c[0].status, TD_SC_PASS);
    td_sc_report_init(&r, "overfit", "stuck");
    assert_int_equal(td_sc_log_overfit("samples/data/overfit_stuck.csv", 0.05, &r, &e), TD_OK);
    assert_int_equal(r.c[0].status, TD_SC_FAIL);
    double v;
    char metric[64];
    assert_int_equal(td_sc_log_first_loss("samples/data/overfit_ok.csv", &v, metric, sizeof metric, &e), TD_OK);
    assert_string_equal(metric, "loss");
    assert_true(v > 1 && v < 1.3); /* an untrained 3-class model: near ln 3 */
}

/* ---- the JSON report ------------------------------------------------------------- */
static void test_json_report(void **state)
{
    (void)state;
    td_sc_report r;
    td_sc_report_init(&r, "init", "a \"quoted\"\x01 source");
    td_sc_check *c = td_sc_add(&r, "chance");
    td_sc_loss l = { .kind = TD_LOSS_SOFTMAX, .classes = 10, .margin = 1 };
    td_sc_judge_chance(c, &l, 40.0, NULL, 0, 16, 0);
    td_buf b = { 0 };
    td_out o = td_out_buf(&b);
    assert_int_equal(td_sc_write_json(&o, &r), 0);
    json_object *j = json_tokener_parse(b.data);
    assert_non_null(j);
    json_object *checks, *first, *v;
    assert_true(json_object_object_get_ex(j, "checks", &checks));
    assert_int_equal(json_object_array_length(checks), 1);
    first = json_object_array_get_idx(checks, 0);
    assert_true(json_object_object_get_ex(first, "status", &v));
    assert_string_equal(json_object_get_string(v), "FAIL");
    assert_true(json_object_object_get_ex(first, "numbers", &v));
    json_object *ch;
    assert_true(json_object_object_get_ex(v, "chance", &ch));
    assert_near(json_object_get_double(ch), log(10.0), 1e-12);
    assert_true(json_object_object_get_ex(j, "exit", &v));
    assert_int_equal(json_object_get_int(v), 1);
    assert_true(json_object_object_get_ex(j, "source", &v));
    assert_null(strchr(json_object_get_string(v), '\x01')); /* control characters made safe */
    json_object_put(j);
    td_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chance_table),
        cmocka_unit_test(test_tolerance),
        cmocka_unit_test(test_judge_table),
        cmocka_unit_test(test_data_table),
        cmocka_unit_test(test_labels_not_integer),
        cmocka_unit_test(test_data_files),
        cmocka_unit_test(test_models_isolated),
        cmocka_unit_test(test_models_many_seeds),
        cmocka_unit_test(test_model_verdicts_fake),
        cmocka_unit_test(test_overfit_sorted_data),
        cmocka_unit_test(test_plugin_errors),
        cmocka_unit_test(test_log_overfit),
        cmocka_unit_test(test_json_report),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
