/* tests/test_gradcheck.c — the gradient checker: built-in layers over 20
 * seeds, the sample plugins (each bug on the right tensor, named), kinks,
 * h sweep, nondeterminism, regularization split, fast and jacobian modes,
 * contract checks, --at points, errors, JSON. Table-driven where the
 * cases are data. The sample plugins come from $TD_BUILD/samples/layers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <hdf5.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "td_gradcheck.h"
#include "td_h5.h"

static td_gc_result res; /* large: one static result */

static const char *build_dir(void)
{
    const char *b = getenv("TD_BUILD");
    return b && *b ? b : "build";
}

/* Run the check of api with a "k=v,k=v" list (may be NULL). */
static td_code run(const td_layer_api *api, const char *kv, const td_gc_opts *o, td_err *e)
{
    char buf[256] = "x:";
    const char *keys[16], *vals[16];
    char *name;
    strncat(buf, kv ? kv : "", sizeof buf - 3);
    int n = td_gc_split_spec(buf, &name, keys, vals, 16);
    assert_true(n >= 0);
    return td_gc_check(api, n, keys, vals, o, &res, e);
}

static const td_gc_row *row_named(const char *name)
{
    for (int i = 0; i < res.nrows; i++)
        if (strcmp(res.rows[i].name, name) == 0) return &res.rows[i];
    return NULL;
}

static int has_note(const char *part)
{
    for (int i = 0; i < res.nnotes; i++)
        if (strstr(res.notes[i], part)) return 1;
    return 0;
}

/* ---- every built-in layer is correct over 20 seeds ---------------------- */
static void test_builtins_correct(void **state)
{
    (void)state;
    size_t n;
    const td_layer_api *const *b = td_gc_builtins(&n);
    assert_int_equal(n, 17);
    for (size_t i = 0; i < n; i++)
        for (uint64_t seed = 1; seed <= 20; seed++) {
            td_gc_opts o;
            td_gc_opts_default(&o);
            o.seed = seed;
            td_err e;
            td_code rc = run(b[i], strcmp(b[i]->name, "dense") == 0 ? "reg=0.1" : NULL, &o, &e);
            if (rc != TD_OK) fail_msg("%s seed %llu: %s", b[i]->name, (unsigned long long)seed, e.msg);
            if (td_gc_exit_code(&res) != 0) {
                td_buf tb = { 0 };
                td_out to = td_out_buf(&tb);
                td_gc_write_table(&to, &res);
                fail_msg("%s seed %llu not correct:\n%s", b[i]->name, (unsigned long long)seed, tb.data);
            }
            assert_true(res.nrows >= 1);
            /* every differentiable tensor has a row, biases included */
            for (int r = 0; r < res.nrows; r++) assert_true(res.rows[r].checked > 0);
        }
}

/* bigger shapes: the floor and sampling hold there too */
static void test_builtin_large(void **state)
{
    (void)state;
    static const struct { const char *layer, *kv; size_t rows; } cases[] = {
        { "dense", "in=64,out=32,batch=8", 3 },
        { "conv2d", "batch=2,c=3,h=8,w=8,oc=4,k=3,stride=2,pad=1", 3 },
        { "layernorm", "batch=8,c=64", 3 },
        { "layernorm", "batch=4,c=256", 3 },  /* every step moves 256 outputs */
        { "softmax", "batch=4,classes=100", 1 },
        { "embedding", "batch=16,vocab=100,dim=50", 1 }, /* table 5000 > 4096: sampled */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        for (uint64_t seed = 1; seed <= 10; seed++) {
            td_gc_opts o;
            td_gc_opts_default(&o);
            o.seed = seed;
            td_err e;
            assert_int_equal(run(td_gc_builtin(cases[i].layer), cases[i].kv, &o, &e), TD_OK);
            assert_int_equal(res.nrows, cases[i].rows);
            if (td_gc_exit_code(&res) != 0)
                fail_msg("%s:%s seed %llu not correct", cases[i].layer, cases[i].kv, (unsigned long long)seed);
        }
    assert_int_equal(res.rows[0].checked, TD_GC_AUTO_SAMPLE);
    assert_int_equal(res.rows[0].numel, 5000);
}

/* ---- the sample plugins: each bug on the right tensor, named ---------------- */
static const struct {
    const char *file, *tensor;
    td_gc_bug bug;
    double factor;
} bug_cases[] = {
    { "bug_sign_dw", "W", TD_GC_BUG_SIGN, 0 },
    { "bug_missing_batch", "w", TD_GC_BUG_FACTOR, 3 },
    { "bug_transposed_dw", "W", TD_GC_BUG_TRANSPOSED, 0 },
    { "bug_overwrite", "b", TD_GC_BUG_OVERWRITE, 0 },
    { "bug_relu_output", "x", TD_GC_BUG_NONE, 0 },
    { "bug_dropout_mask", "x", TD_GC_BUG_NONE, 0 },
    { "bug_bias_axis", "b", TD_GC_BUG_NONE, 0 },
    { "bug_softmax_ce_label", "x", TD_GC_BUG_NONE, 0 },
    { "bug_unwritten_db", "b", TD_GC_BUG_UNWRITTEN, 0 },
    { "bug_leaky_alpha", "x", TD_GC_BUG_ZERO_BRANCH, 0 },
    /* float32 copies of llm.c-shaped kernels (td_f32), each with one bug */
    { "bug_f32_dbias_overwrite", "b", TD_GC_BUG_OVERWRITE, 0 },
    { "bug_f32_ln_mean_term", "x", TD_GC_BUG_NONE, 0 },
    { "bug_f32_dweight_transposed", "weight", TD_GC_BUG_TRANSPOSED, 0 },
    { "bug_f32_dinp_tail", "inp", TD_GC_BUG_UNWRITTEN, 0 },
    { "bug_f32_ce_label", "logits", TD_GC_BUG_NONE, 0 },
    { "bug_f32_ce_sign", "logits", TD_GC_BUG_SIGN, 0 },
    { "bug_f32_attn_scale", "inp", TD_GC_BUG_NONE, 0 },
};

static const td_layer_api *open_sample(const char *name, void **h)
{
    char path[512];
    snprintf(path, sizeof path, "%s/samples/layers/%s.so", build_dir(), name);
    const td_layer_api *api = NULL;
    td_err e;
    if (td_gc_plugin_open(path, h, &api, &e) != TD_OK) fail_msg("%s", e.msg);
    return api;
}

static void test_buggy_samples(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bug_cases / sizeof bug_cases[0]; i++)
        for (uint64_t seed = 1; seed <= 5; seed++) {
            void *h;
            const td_layer_api *api = open_sample(bug_cases[i].file, &h);
            td_gc_opts o;
            td_gc_opts_default(&o);
            o.seed = seed;
            td_err e;
            assert_int_equal(run(api, NULL, &o, &e), TD_OK);
            assert_int_equal(td_gc_exit_code(&res), 1);
            for (int r = 0; r < res.nrows; r++) {
                int target = strcmp(res.rows[r].name, bug_cases[i].tensor) == 0;
                if (target != (res.rows[r].verdict == TD_GC_WRONG))
                    fail_msg("%s seed %llu: tensor %s verdict %s", bug_cases[i].file,
                             (unsigned long long)seed, res.rows[r].name,
                             td_gc_verdict_name(res.rows[r].verdict));
            }
            const td_gc_row *row = row_named(bug_cases[i].tensor);
            assert_non_null(row);
            if (bug_cases[i].bug != TD_GC_BUG_NONE) assert_int_equal(row->bug, bug_cases[i].bug);
            if (bug_cases[i].factor) assert_true(fabs(row->factor - bug_cases[i].factor) < 1e-9);
            td_gc_plugin_close(h);
        }
}

static void test_cpp_sample(void **state)
{
    (void)state;
    void *h;
    const td_layer_api *api = open_sample("cpp_dense", &h);
    td_gc_opts o;
    td_gc_opts_default(&o);
    td_err e;
    assert_int_equal(run(api, "in=5,out=7,batch=3", &o, &e), TD_OK);
    assert_int_equal(td_gc_exit_code(&res), 0);
    assert_int_equal(res.nrows, 3);
    assert_int_equal(row_named("W")->numel, 35);
    assert_int_equal(run(api, "depth=3", &o, &e), TD_EUSAGE);
    assert_non_null(strstr(e.msg, "unknown key 'depth'"));
    td_gc_plugin_close(h);
}

/* ---- the element verdict (gc_kink.c) ------------------------------------------ */
static void test_classify(void **state)
{
    (void)state;
    static const struct {
        double a, n, dm, dp, err, hint;
        td_gc_verdict want;
        int kink;
    } cases[] = {
        { 1.0, 1.0, 1.0, 1.0, 1e-9, -1, TD_GC_CORRECT, 0 },
        { 1.0, 1.5, 1.0, 2.0, 0.33, -1, TD_GC_KINK, 1 },       /* ReLU-like: a = left slope */
        { 2.0, 1.5, 1.0, 2.0, 0.25, -1, TD_GC_KINK, 1 },       /* a = right slope */
        { -1.0, 1.5, 1.0, 2.0, 1.6, -1, TD_GC_WRONG, 0 },      /* near neither end */
        { 1.0, 1.5, 1.0, 2.0, 0.33, 1e-3, TD_GC_WRONG, 0 },    /* hint: no kink within 2h */
        { 3.0, 1.5, 1.0, 2.0, 0.5, 1e-6, TD_GC_WRONG, 1 },     /* hint: kink, not a subgradient */
        { 1.0, 1.00001, 1.00001, 1.00001, 1e-5, -1, TD_GC_SUSPICIOUS, 0 },
        { 1.0, 1.0 + 1e-6, 1.0 - 1e-5, 1.0 + 1e-5, 1e-6, -1, TD_GC_SUSPICIOUS, 0 }, /* smooth: a mid */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int kink = -1;
        td_gc_verdict v = td_gc_classify(cases[i].a, cases[i].n, cases[i].dm, cases[i].dp,
                                         cases[i].err, 1e-12, cases[i].hint, 1e-5, &kink);
        if (v != cases[i].want || kink != cases[i].kink)
            fail_msg("case %zu: verdict %d kink %d", i, v, kink);
    }
}

/* ---- naming the bug (gc_diagnose.c) -------------------------------------------- */
static void test_diagnose(void **state)
{
    (void)state;
    double n[6] = { 0.5, -1.25, 2.0, 0.75, -0.5, 1.5 }, a[6];
    size_t idx[6] = { 0, 1, 2, 3, 4, 5 }, shape[2] = { 2, 3 }, count;
    double f;
    static const struct { double scale; td_gc_bug want; } lin[] = {
        { -1, TD_GC_BUG_SIGN }, { 8, TD_GC_BUG_FACTOR }, { 0.125, TD_GC_BUG_FACTOR },
        { 0, TD_GC_BUG_ZERO }, { 1, TD_GC_BUG_NONE },
    };
    for (size_t i = 0; i < sizeof lin / sizeof lin[0]; i++) {
        for (int k = 0; k < 6; k++) a[k] = lin[i].scale * n[k];
        assert_int_equal(td_gc_diagnose(a, n, idx, 6, 2, shape, &f, &count), lin[i].want);
        if (lin[i].want == TD_GC_BUG_FACTOR) assert_true(fabs(f - lin[i].scale) < 1e-12);
    }
    /* transposed: the (2,3) buffer holds nᵀ as a (3,2) array */
    for (size_t k = 0; k < 6; k++) a[k] = n[(k % 2) * 3 + k / 2];
    assert_int_equal(td_gc_diagnose(a, n, idx, 6, 2, shape, &f, &count), TD_GC_BUG_TRANSPOSED);
    /* two entries never written, the rest right */
    memcpy(a, n, sizeof a);
    a[1] = a[4] = 0;
    assert_int_equal(td_gc_diagnose(a, n, idx, 6, 2, shape, &f, &count), TD_GC_BUG_UNWRITTEN);
    assert_int_equal(count, 2);
    /* zeros where the true slope is small (leaky ReLU's alpha forgotten): written, not unwritten */
    memcpy(a, n, sizeof a);
    double nb[6];
    memcpy(nb, n, sizeof nb);
    nb[1] = 0.0125, nb[4] = -0.005;
    a[1] = a[4] = 0;
    assert_int_equal(td_gc_diagnose(a, nb, idx, 6, 2, shape, &f, &count), TD_GC_BUG_ZERO_BRANCH);
    assert_int_equal(count, 2);
    /* a conv weight (oc,c,kh,kw) = (2,3,2,2) whose buffer holds it as (kh,kw,c,oc) */
    {
        enum { OC = 2, C = 3, KH = 2, KW = 2, N4 = OC * C * KH * KW };
        size_t s4[4] = { OC, C, KH, KW }, i4[N4];
        double n4[N4], a4[N4];
        for (size_t k = 0; k < N4; k++) { i4[k] = k; n4[k] = sin(1.0 + 3.7 * (double)k); }
        for (size_t oc = 0; oc < OC; oc++)
            for (size_t c = 0; c < C; c++)
                for (size_t y = 0; y < KH; y++)
                    for (size_t x = 0; x < KW; x++)
                        a4[((y * KW + x) * C + c) * OC + oc] = n4[((oc * C + c) * KH + y) * KW + x];
        assert_int_equal(td_gc_diagnose(a4, n4, i4, N4, 4, s4, &f, &count), TD_GC_BUG_TRANSPOSED);
        assert_int_equal(td_gc_diagnose(n4, n4, i4, N4, 4, s4, &f, &count), TD_GC_BUG_NONE);
    }
    /* no pattern */
    double noise[6] = { 0.1, 3, -2, 0.4, 1, -1 };
    assert_int_equal(td_gc_diagnose(noise, n, idx, 6, 2, shape, &f, &count), TD_GC_BUG_NONE);
}

/* ---- kinks: a correct ReLU, maxpool, hinge, leaky ReLU never "wrong" ----------- */
static void test_kinks(void **state)
{
    (void)state;
    static const struct { const char *layer, *kv; double h; } cases[] = {
        { "relu", "batch=4,n=16", 0.3 }, { "leaky_relu", "batch=4,n=16,alpha=0.2", 0.3 },
        { "maxpool2d", "batch=2,c=2,h=6,w=6", 0.3 }, { "svm", "batch=8,classes=6", 0.3 },
        /* overlapping windows: one step crosses several ties; the hinted
         * kink distance lets a shorter step check the element on its side */
        { "maxpool2d", "batch=2,c=2,h=6,w=6,k=3,stride=1", 0.2 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t kinks = 0;
        for (uint64_t seed = 1; seed <= 10; seed++) {
            td_gc_opts o;
            td_gc_opts_default(&o);
            o.h = cases[i].h;
            o.seed = seed;
            td_err e;
            assert_int_equal(run(td_gc_builtin(cases[i].layer), cases[i].kv, &o, &e), TD_OK);
            for (int r = 0; r < res.nrows; r++) {
                if (res.rows[r].verdict == TD_GC_WRONG)
                    fail_msg("%s seed %llu: wrong at a kink", cases[i].layer, (unsigned long long)seed);
                kinks += res.rows[r].kinks;
            }
        }
        if (kinks == 0) fail_msg("%s: no kink seen with h=%g", cases[i].layer, cases[i].h);
    }
    /* an exact, piecewise-linear layer: the sweep keeps a large h, not 1e-10 */
    td_gc_opts so;
    td_gc_opts_default(&so);
    so.sweep = 1;
    so.seed = 79;
    td_err se;
    assert_int_equal(run(td_gc_builtin("svm"), NULL, &so, &se), TD_OK);
    assert_true(res.h >= 1e-5);
    assert_int_equal(td_gc_exit_code(&res), 0);
    /* the buggy ReLU stays wrong even with a kink-sized step */
    void *h;
    const td_layer_api *api = open_sample("bug_relu_output", &h);
    td_gc_opts o;
    td_gc_opts_default(&o);
    o.h = 0.3;
    td_err e;
    assert_int_equal(run(api, NULL, &o, &e), TD_OK);
    assert_int_equal(row_named("x")->verdict, TD_GC_WRONG);
    td_gc_plugin_close(h);
}

/* ---- --h-sweep: the U-curve, best h in the middle -------------------------------- */
static void test_sweep(void **state)
{
    (void)state;
    td_gc_opts o;
    td_gc_opts_default(&o);
    o.sweep = 1;
    td_err e;
    assert_int_equal(run(td_gc_builtin("gelu"), NULL, &o, &e), TD_OK);
    assert_int_equal(res.nsweep, TD_GC_SWEEP_N);
    int best = 0, used = -1;
    for (int s = 1; s < res.nsweep; s++)
        if (res.sweep_err[s] < res.sweep_err[best]) best = s;
    for (int s = 0; s < res.nsweep; s++)
        if (res.sweep_h[s] == res.h) used = s;
    assert_true(used >= 0 && used <= best);                           /* the larger h ... */
    assert_true(res.sweep_err[used] <= 10 * fmax(res.sweep_err[best], 1e-12)); /* ... near the bottom */
    assert_true(res.h <= 1e-3 && res.h >= 1e-8);
    assert_true(res.sweep_err[0] > 100 * res.sweep_err[best]);          /* truncation */
    assert_true(res.sweep_err[res.nsweep - 1] > 100 * res.sweep_err[best]); /* rounding */
    assert_int_equal(td_gc_exit_code(&res), 0);
}

/* ---- nondeterminism and contract checks ------------------------------------------- */
static void test_contract(void **state)
{
    (void)state;
    static const struct { const char *file, *note; } cases[] = {
        { "bad_nondeterministic", "not deterministic" },
        { "bad_modifies_input", "backward modified its input x" },
        { "bug_overwrite", "overwrites the gradient of b" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        void *h;
        const td_layer_api *api = open_sample(cases[i].file, &h);
        td_gc_opts o;
        td_gc_opts_default(&o);
        td_err e;
        assert_int_equal(run(api, NULL, &o, &e), TD_OK);
        if (!has_note(cases[i].note)) fail_msg("%s: no note '%s'", cases[i].file, cases[i].note);
        assert_int_equal(td_gc_exit_code(&res), 1);
        td_gc_plugin_close(h);
    }
    /* dropout gets the same seed before every call: deterministic */
    td_gc_opts o;
    td_gc_opts_default(&o);
    td_err e;
    assert_int_equal(run(td_gc_builtin("dropout"), "batch=4,n=32,p=0.3", &o, &e), TD_OK);
    assert_false(has_note("not deterministic"));
    assert_int_equal(td_gc_exit_code(&res), 0);
}

/* ---- regularization checked apart from the data term ------------------------------- */
/* y = w ⊙ x with R = λ/2 Σ w², whose reg_backward adds 2λw (a factor 2). */
static void *scale_create(int n, const char *const *k, const char *const *v, td_layer_desc *d,
                          char *err, size_t cap)
{
    static const td_gc_key keys[] = { { "n", 5, 1, 100, 1 }, { "lambda", 1e-3, 0, 10, 0 } };
    td_gc_inst *s = td_gc_inst_new(keys, 2, n, k, v, err, cap);
    if (!s) return NULL;
    size_t N = (size_t)s->v[0];
    d->n_in = 2;
    td_gc_tensor(&d->in[0], "x", TD_T_INPUT, 1, &N);
    td_gc_tensor(&d->in[1], "w", TD_T_PARAM, 1, &N);
    d->n_out = 1;
    td_gc_tensor(&d->out[0], "y", 0, 1, &N);
    d->has_reg = 1;
    return s;
}
static int scale_fwd(void *self, double *const *out, const double *const *in)
{
    const td_gc_inst *s = self;
    for (size_t i = 0; i < (size_t)s->v[0]; i++) out[0][i] = in[0][i] * in[1][i] * 1e3; /* data term dominates */
    return 0;
}
static int scale_bwd(void *self, double *const *din, const double *const *dout,
                     const double *const *in, const double *const *out)
{
    const td_gc_inst *s = self;
    (void)out;
    for (size_t i = 0; i < (size_t)s->v[0]; i++) {
        if (din[0]) din[0][i] += dout[0][i] * in[1][i] * 1e3;
        if (din[1]) din[1][i] += dout[0][i] * in[0][i] * 1e3;
    }
    return 0;
}
static int scale_reg(void *self, double *r, const double *const *in)
{
    const td_gc_inst *s = self;
    double acc = 0;
    for (size_t i = 0; i < (size_t)s->v[0]; i++) acc += in[1][i] * in[1][i];
    *r = 0.5 * s->v[1] * acc;
    return 0;
}
static int scale_reg_bwd(void *self, double *const *din, const double *const *in)
{
    const td_gc_inst *s = self;
    for (size_t i = 0; i < (size_t)s->v[0]; i++) din[1][i] += 2 * s->v[1] * in[1][i]; /* BUG: 2x */
    return 0;
}
static const td_layer_api scale_api = {
    .abi_version = TD_LAYER_ABI_VERSION, .api_size = sizeof(td_layer_api), .name = "scale",
    .help = "test", .create = scale_create, .destroy = td_gc_inst_free, .forward = scale_fwd,
    .backward = scale_bwd, .reg_loss = scale_reg, .reg_backward = scale_reg_bwd,
};

static void test_reg_split(void **state)
{
    (void)state;
    td_gc_opts o;
    td_gc_opts_default(&o);
    td_err e;
    assert_int_equal(run(&scale_api, NULL, &o, &e), TD_OK);
    assert_int_equal(row_named("w")->verdict, TD_GC_CORRECT);   /* data term: right */
    const td_gc_row *reg = row_named("w (reg)");
    assert_non_null(reg);                                      /* reg term: checked apart */
    assert_int_equal(reg->verdict, TD_GC_WRONG);
    assert_int_equal(reg->bug, TD_GC_BUG_FACTOR);
    assert_true(fabs(reg->factor - 2) < 1e-9);
    /* the built-in dense reg term is right */
    assert_int_equal(run(td_gc_builtin("dense"), "reg=0.5", &o, &e), TD_OK);
    assert_non_null(row_named("W (reg)"));
    assert_int_equal(td_gc_exit_code(&res), 0);
}

/* ---- float32 through td_f32: a slope below one float step of the output ------------ */
/* y = float(x + 1e-9 u): u's share is lost in float, so every step of u
 * moves no output (numerical exactly 0). bug=1 claims du = dy anyway;
 * bug=2 overwrites dx instead of adding (td_f32 must keep that visible). */
typedef struct { td_f32 f; int bug; } tiny32;
static void *tiny_create(int n, const char *const *k, const char *const *v, td_layer_desc *d,
                         char *err, size_t cap)
{
    tiny32 *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->bug = n == 1 && strcmp(k[0], "bug") == 0 ? atoi(v[0]) : 0;
    size_t eight = 8;
    d->n_in = 2;
    td_gc_tensor(&d->in[0], "x", TD_T_INPUT, 1, &eight);
    td_gc_tensor(&d->in[1], "u", TD_T_INPUT, 1, &eight);
    d->n_out = 1;
    td_gc_tensor(&d->out[0], "y", 0, 1, &eight);
    d->flags = TD_LAYER_FLOAT32;
    if (td_f32_init(&s->f, d) != 0) { snprintf(err, cap, "out of memory"); free(s); return NULL; }
    return s;
}
static void tiny_destroy(void *self)
{
    if (self) td_f32_free(&((tiny32 *)self)->f);
    free(self);
}
static int tiny_fwd32(void *self, float *const *out, const float *const *in)
{
    (void)self;
    for (int i = 0; i < 8; i++) out[0][i] = in[0][i] + 1e-9f * in[1][i];
    return 0;
}
static int tiny_bwd32(void *self, float *const *din, const float *const *dout, const float *const *in,
                      const float *const *out)
{
    const tiny32 *s = self;
    (void)in; (void)out;
    for (int i = 0; i < 8; i++) {
        if (s->bug == 2) din[0][i] = dout[0][i];
        else din[0][i] += dout[0][i];
        din[1][i] += s->bug == 1 ? dout[0][i] : 1e-9f * dout[0][i];
    }
    return 0;
}
static int tiny_fwd(void *self, double *const *out, const double *const *in)
{
    return td_f32_forward(&((tiny32 *)self)->f, tiny_fwd32, self, out, in);
}
static int tiny_bwd(void *self, double *const *din, const double *const *dout, const double *const *in,
                    const double *const *out)
{
    return td_f32_backward(&((tiny32 *)self)->f, tiny_bwd32, self, din, dout, in, out);
}
static const td_layer_api tiny_api = {
    .abi_version = TD_LAYER_ABI_VERSION, .api_size = sizeof(td_layer_api), .name = "tiny32",
    .help = "test", .create = tiny_create, .destroy = tiny_destroy, .forward = tiny_fwd,
    .backward = tiny_bwd,
};

static void test_float32_unresolved(void **state)
{
    (void)state;
    static const struct { const char *kv; int exit; td_gc_verdict u; td_gc_bug xbug; } cases[] = {
        { NULL, 0, TD_GC_CORRECT, TD_GC_BUG_NONE },
        { "bug=1", 1, TD_GC_WRONG, TD_GC_BUG_NONE },
        { "bug=2", 1, TD_GC_CORRECT, TD_GC_BUG_OVERWRITE },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        for (int fast = 0; fast <= 4; fast += 4) {
            td_gc_opts o;
            td_gc_opts_default(&o);
            o.fast = fast;
            td_err e;
            assert_int_equal(run(&tiny_api, cases[i].kv, &o, &e), TD_OK);
            if (td_gc_exit_code(&res) != cases[i].exit) fail_msg("case %zu fast %d: exit", i, fast);
            const td_gc_row *u = row_named("u"), *x = row_named("x");
            assert_true(u->verdict == cases[i].u || (cases[i].u == TD_GC_CORRECT && u->verdict == TD_GC_SUSPICIOUS));
            assert_int_equal(x->bug, cases[i].xbug);
            if (!fast) {
                assert_int_equal(u->unresolved, 8);        /* every step of u: numerical 0 */
                assert_int_equal(x->unresolved, 0);
                assert_true(has_note("u: at 8 elements the step moved no output"));
            }
        }
}

/* ---- --fast and --jacobian ------------------------------------------------------------ */
static void test_fast(void **state)
{
    (void)state;
    td_gc_opts o;
    td_gc_opts_default(&o);
    o.fast = 4;
    td_err e;
    assert_int_equal(run(td_gc_builtin("dense"), "in=64,out=32,batch=8", &o, &e), TD_OK);
    assert_int_equal(td_gc_exit_code(&res), 0);
    assert_true(res.evals <= 2 * 4 * 3 + 4);      /* 2k per tensor, not 2n */
    void *h;
    const td_layer_api *api = open_sample("bug_sign_dw", &h);
    assert_int_equal(run(api, "in=16,out=8,batch=4", &o, &e), TD_OK);
    const td_gc_row *w = row_named("W");
    assert_int_equal(w->verdict, TD_GC_WRONG);
    assert_int_equal(w->bug, TD_GC_BUG_SIGN);      /* the fallback names the elements */
    assert_false(isnan(w->worst_a));
    assert_int_equal(row_named("b")->verdict, TD_GC_CORRECT);
    td_gc_plugin_close(h);
    /* a correct float32 layer passes on its directions alone, without
     * falling back to elements: its rounding is within the tolerance,
     * small and large (issue 16: 32x256->256 fell back to 256 elements) */
    static const char *f32_shapes[] = { "in=4,out=3,batch=3", "in=256,out=256,batch=32", "in=1024,out=1024,batch=16" };
    api = open_sample("f32_dense", &h);
    for (size_t i = 0; i < sizeof f32_shapes / sizeof f32_shapes[0]; i++)
        for (o.seed = 1; o.seed <= (i == 2 ? 3 : 10); o.seed++) {
            assert_int_equal(run(api, f32_shapes[i], &o, &e), TD_OK);
            if (td_gc_exit_code(&res) != 0 || res.evals > 2 * 4 * 3 + 4)
                fail_msg("f32_dense %s seed %llu --fast: exit %d, %zu evaluations", f32_shapes[i],
                         (unsigned long long)o.seed, td_gc_exit_code(&res), (size_t)res.evals);
            assert_int_equal(row_named("W")->checked, 4); /* directions, not elements */
        }
    o.seed = 1;
    td_gc_plugin_close(h);
}

static void test_jacobian(void **state)
{
    (void)state;
    td_gc_opts o;
    td_gc_opts_default(&o);
    o.jacobian = 1;
    td_err e;
    static const char *layers[] = { "softmax", "layernorm", "dense", "conv2d", "batchnorm", "svm" };
    for (size_t i = 0; i < sizeof layers / sizeof layers[0]; i++)
        for (o.seed = 1; o.seed <= 10; o.seed++) {
            assert_int_equal(run(td_gc_builtin(layers[i]), NULL, &o, &e), TD_OK);
            if (td_gc_exit_code(&res) != 0)
                fail_msg("--jacobian %s seed %llu not correct", layers[i], (unsigned long long)o.seed);
        }
    o.seed = 1;
    void *h;
    const td_layer_api *api = open_sample("bug_transposed_dw", &h);
    assert_int_equal(run(api, NULL, &o, &e), TD_OK);
    assert_int_equal(row_named("W")->verdict, TD_GC_WRONG);
    assert_int_equal(row_named("x")->verdict, TD_GC_CORRECT);
    td_gc_plugin_close(h);
    /* the reg term is still checked apart */
    assert_int_equal(run(&scale_api, NULL, &o, &e), TD_OK);
    assert_int_equal(row_named("w")->verdict, TD_GC_CORRECT);
    assert_int_equal(row_named("w (reg)")->bug, TD_GC_BUG_FACTOR);
}

/* ---- --at FILE.h5 ------------------------------------------------------------------- */
static void write_h5(const char *path, const char *dset, const double *v, hsize_t n)
{
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(f >= 0);
    hid_t sp = H5Screate_simple(1, &n, NULL);
    hid_t d = H5Dcreate2(f, dset, H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
    H5Dclose(d);
    H5Sclose(sp);
    H5Fclose(f);
}

static void test_at_h5(void **state)
{
    (void)state;
    char path[] = "/tmp/tdiag-gc-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    td_h5_quiet();
    double x[8] = { 1e-3, -2e-3, 3e-3, 0.5, -0.25, 1, 2, -1 };
    write_h5(path, "x", x, 8);
    td_gc_opts o;
    td_gc_opts_default(&o);
    o.at_file = path;
    td_err e;
    assert_int_equal(run(td_gc_builtin("relu"), "batch=2,n=4", &o, &e), TD_OK);
    assert_true(has_note("x (the rest random)"));
    assert_int_equal(td_gc_exit_code(&res), 0);
    /* mapped name, wrong size */
    o.at_map = "x=/x";
    assert_int_equal(run(td_gc_builtin("relu"), "batch=3,n=4", &o, &e), TD_EINPUT);
    assert_non_null(strstr(e.msg, "8 values, tensor x needs 12"));
    /* no dataset named like a tensor of l2 (w) */
    o.at_map = NULL;
    assert_int_equal(run(td_gc_builtin("l2"), NULL, &o, &e), TD_EINPUT);
    assert_non_null(strstr(e.msg, "no dataset named like a tensor"));
    unlink(path);
    assert_int_equal(run(td_gc_builtin("relu"), NULL, &o, &e), TD_EIO);
}

/* ---- errors: bad keys, bad shapes, NaN ------------------------------------------------ */
static int nan_fwd(void *self, double *const *out, const double *const *in)
{
    (void)self;
    out[0][0] = in[0][0] > 1e9 ? 0 : NAN;
    return 0;
}
static int fail_bwd(void *self, double *const *din, const double *const *dout,
                    const double *const *in, const double *const *out)
{
    (void)self; (void)din; (void)dout; (void)in; (void)out;
    return 7;
}
static size_t big_dims[TD_TENSOR_MAXRANK] = { (size_t)1 << 40, (size_t)1 << 40 };
static void *odd_create(int n, const char *const *k, const char *const *v, td_layer_desc *d,
                        char *err, size_t cap)
{
    static const td_gc_key keys[] = { { "shape", 0, 0, 2, 1 } };
    td_gc_inst *s = td_gc_inst_new(keys, 1, n, k, v, err, cap);
    if (!s) return NULL;
    size_t one = 1;
    d->n_in = 1;
    d->n_out = 1;
    td_gc_tensor(&d->out[0], "y", 0, 1, &one);
    if (s->v[0] == 1) td_gc_tensor(&d->in[0], "x", TD_T_INPUT, 2, big_dims); /* overflows */
    else if (s->v[0] == 2) { td_gc_tensor(&d->in[0], "x", TD_T_INPUT, 1, &one); d->in[0].rank = 9; }
    else td_gc_tensor(&d->in[0], "x", TD_T_INPUT, 1, &one);
    return s;
}
static const td_layer_api odd_api = {
    .abi_version = TD_LAYER_ABI_VERSION, .api_size = sizeof(td_layer_api), .name = "odd",
    .help = "test", .create = odd_create, .destroy = td_gc_inst_free, .forward = nan_fwd,
    .backward = fail_bwd,
};

static int ok_fwd(void *self, double *const *out, const double *const *in)
{
    (void)self;
    out[0][0] = in[0][0];
    return 0;
}
static const char *odd_msg(void *self) { (void)self; return "cannot\x1b[31m go on"; }
static const td_layer_api failb_api = {
    .abi_version = TD_LAYER_ABI_VERSION, .api_size = sizeof(td_layer_api), .name = "failb",
    .help = "test", .create = odd_create, .destroy = td_gc_inst_free, .forward = ok_fwd,
    .backward = fail_bwd, .last_error = odd_msg,
};

static void test_errors(void **state)
{
    (void)state;
    static const struct { const td_layer_api *api; const char *kv; td_code want; const char *msg; } cases[] = {
        { NULL, "depth=3", TD_EUSAGE, "unknown key 'depth'" },
        { NULL, "in=abc", TD_EUSAGE, "in" },
        { NULL, "in=0", TD_EUSAGE, "in" },
        { &odd_api, "shape=1", TD_EPLUGIN, "overflows" },
        { &odd_api, "shape=2", TD_EPLUGIN, "rank 9" },
        { &odd_api, "shape=0", TD_EPLUGIN, "NaN" },
        /* a failing call is named with the layer's message, made safe */
        { &failb_api, NULL, TD_EPLUGIN, "backward failed (returned 7): cannot?[31m go on" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        td_gc_opts o;
        td_gc_opts_default(&o);
        td_err e;
        td_err_clear(&e);
        td_code rc = run(cases[i].api ? cases[i].api : td_gc_builtin("dense"), cases[i].kv, &o, &e);
        if (rc != cases[i].want || !strstr(e.msg, cases[i].msg))
            fail_msg("case %zu: code %d, message '%s'", i, rc, e.msg);
    }
    td_layer_api v2 = *td_gc_builtin("relu");
    v2.abi_version = 2;
    td_gc_opts o;
    td_gc_opts_default(&o);
    td_err e;
    assert_int_equal(td_gc_check(&v2, 0, NULL, NULL, &o, &res, &e), TD_EPLUGIN);
    assert_non_null(strstr(e.msg, "ABI version 2"));
    void *h;
    const td_layer_api *api;
    assert_int_equal(td_gc_plugin_open("/etc/passwd", &h, &api, &e), TD_EPLUGIN);
    assert_non_null(strstr(e.msg, "not a loadable plugin"));
}

/* ---- two workers give the same numbers as one ------------------------------------------ */
static void test_threads(void **state)
{
    (void)state;
    static td_gc_result one;
    td_gc_opts o;
    td_gc_opts_default(&o);
    o.threads = 1;
    td_err e;
    assert_int_equal(run(td_gc_builtin("conv2d"), "batch=2,c=3,h=6,w=6,oc=4", &o, &e), TD_OK);
    assert_int_equal(res.workers, 1);
    one = res;
    o.threads = 2;
    assert_int_equal(run(td_gc_builtin("conv2d"), "batch=2,c=3,h=6,w=6,oc=4", &o, &e), TD_OK);
    assert_int_equal(res.workers, 2);
    assert_int_equal(res.nrows, one.nrows);
    for (int r = 0; r < res.nrows; r++) {
        assert_true(res.rows[r].max_err == one.rows[r].max_err); /* bit for bit */
        assert_int_equal(res.rows[r].worst, one.rows[r].worst);
    }
    /* a layer that is not reentrant (dropout) stays on one worker */
    assert_int_equal(run(td_gc_builtin("dropout"), "batch=8,n=64", &o, &e), TD_OK);
    assert_int_equal(res.workers, 1);
}

/* ---- isolation: crash and hang reported with the call ---------------------------------- */
static void test_isolated(void **state)
{
    (void)state;
    static const struct { const char *file, *msg; td_code want; } cases[] = {
        { "bad_crash_backward", "crashed with SIGSEGV", TD_EPLUGIN },
        { "bad_hang_forward", "hung in forward", TD_EPLUGIN },
        { "bad_abi_v0", "ABI version 0", TD_EPLUGIN },
        { "bug_sign_dw", NULL, TD_OK },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/samples/layers/%s.so", build_dir(), cases[i].file);
        td_gc_opts o;
        td_gc_opts_default(&o);
        td_buf out = { 0 };
        td_err e;
        td_err_clear(&e);
        int ex = -1;
        td_code rc = td_gc_check_isolated(path, 0, NULL, NULL, &o, 1, 1.0, &out, NULL, &ex, &e);
        assert_int_equal(rc, cases[i].want);
        if (cases[i].msg) {
            assert_non_null(strstr(e.msg, cases[i].msg));
            assert_null(out.data); /* no partial output */
        } else {
            assert_int_equal(ex, 1);
            json_object *j = json_tokener_parse(out.data);
            assert_non_null(j);
            json_object *v;
            assert_true(json_object_object_get_ex(j, "verdict", &v));
            assert_string_equal(json_object_get_string(v), "wrong");
            json_object_put(j);
        }
        td_buf_free(&out);
    }
}

/* ---- JSON and table output ---------------------------------------------------------- */
static void test_output(void **state)
{
    (void)state;
    void *h;
    const td_layer_api *api = open_sample("bug_missing_batch", &h);
    td_gc_opts o;
    td_gc_opts_default(&o);
    td_err e;
    assert_int_equal(run(api, "batch=8", &o, &e), TD_OK);
    td_gc_plugin_close(h);
    td_buf b = { 0 };
    td_out out = td_out_buf(&b);
    assert_int_equal(td_gc_write_json(&out, &res), 0);
    json_object *j = json_tokener_parse(b.data), *ts, *t, *v;
    assert_non_null(j);
    assert_true(json_object_object_get_ex(j, "tensors", &ts));
    assert_int_equal(json_object_array_length(ts), 3);
    t = json_object_array_get_idx(ts, 1);
    assert_true(json_object_object_get_ex(t, "name", &v));
    assert_string_equal(json_object_get_string(v), "w");
    assert_true(json_object_object_get_ex(t, "bug", &v));
    assert_string_equal(json_object_get_string(v), "constant factor");
    assert_true(json_object_object_get_ex(t, "factor", &v));
    assert_true(fabs(json_object_get_double(v) - 8) < 1e-9);
    assert_true(json_object_object_get_ex(j, "exit", &v));
    assert_int_equal(json_object_get_int(v), 1);
    json_object_put(j);
    td_buf_free(&b);
    out = td_out_buf(&b);
    assert_int_equal(td_gc_write_table(&out, &res), 0);
    assert_non_null(strstr(b.data, "constant factor 8"));
    assert_non_null(strstr(b.data, "verdict: wrong"));
    td_buf_free(&b);
    char ix[64];
    size_t shape[3] = { 2, 3, 4 };
    td_gc_multi_index(ix, sizeof ix, 23, 3, shape);
    assert_string_equal(ix, "[1,2,3]");
}

/* conv2d's forward against its definition (gradcheck alone cannot see a
 * forward and backward that agree on a wrong indexing). */
/* ---- the fast dense and conv2d forwards against plain loops ----------------------------
 * A layer instance from "x:k=v,..." with N(0,1) inputs (seeded) and its output. */
typedef struct {
    const td_layer_api *api;
    void *self;
    td_layer_desc d;
    double *in[TD_LAYER_MAXT], *out[1];
} ref_case;

static void ref_open(ref_case *rc, const char *layer, const char *spec, uint64_t seed)
{
    char buf[128], *name, err[160];
    const char *k[16], *v[16];
    snprintf(buf, sizeof buf, "%s", spec);
    int n = td_gc_split_spec(buf, &name, k, v, 16);
    memset(rc, 0, sizeof *rc);
    rc->api = td_gc_builtin(layer);
    rc->self = rc->api->create(n, k, v, &rc->d, err, sizeof err);
    if (!rc->self) fail_msg("%s %s: %s", layer, spec, err);
    td_rng r;
    td_rng_seed(&r, seed);
    for (int t = 0; t < rc->d.n_in; t++) {
        size_t m = td_tensor_numel(&rc->d.in[t]);
        rc->in[t] = malloc(m * sizeof(double));
        for (size_t i = 0; i < m; i++) rc->in[t][i] = td_rng_normal(&r);
    }
    rc->out[0] = malloc(td_tensor_numel(&rc->d.out[0]) * sizeof(double));
    assert_int_equal(rc->api->forward(rc->self, rc->out, (const double *const *)rc->in), 0);
}

static void ref_close(ref_case *rc)
{
    for (int t = 0; t < rc->d.n_in; t++) free(rc->in[t]);
    free(rc->out[0]);
    rc->api->destroy(rc->self);
}

/* got equals the plain sum want to 1e-12 of the size of its terms, abs
 * (Σ |term|: a sum that cancels to ~0 is still judged on its terms);
 * i: the element (of the output, or of a gradient). */
static void expect_sum(double got, double want, double abs, const char *spec, size_t i)
{
    if (!(fabs(got - want) <= 1e-12 * abs))
        fail_msg("%s: element %zu is %.17g, plain loops %.17g (terms %.3g)", spec, i, got, want, abs);
}

static void test_dense_reference(void **state)
{
    (void)state;
    /* odd sizes, sizes around the 4x8 block, the bench's 8x64->64 and 32x256->256 */
    static const char *specs[] = {
        "x:batch=1,in=1,out=1", "x:batch=3,in=5,out=7", "x:batch=4,in=8,out=8", "x:batch=5,in=13,out=17",
        "x:batch=7,in=2,out=9", "x:batch=9,in=33,out=31", "x:batch=8,in=64,out=64", "x:batch=2,in=1,out=40",
        "x:batch=32,in=256,out=256", "x:batch=6,in=3,out=4",
    };
    for (size_t sidx = 0; sidx < sizeof specs / sizeof specs[0]; sidx++) {
        ref_case rc;
        ref_open(&rc, "dense", specs[sidx], sidx + 1);
        size_t B = rc.d.in[0].shape[0], C = rc.d.in[0].shape[1], O = rc.d.in[1].shape[1];
        const double *x = rc.in[0], *W = rc.in[1], *b = rc.in[2];
        for (size_t i = 0; i < B; i++)
            for (size_t o = 0; o < O; o++) { /* the plain loop: y = b + Σ_c x W */
                double want = b[o], abs = fabs(b[o]);
                for (size_t c = 0; c < C; c++) {
                    want += x[i * C + c] * W[c * O + o];
                    abs += fabs(x[i * C + c] * W[c * O + o]);
                }
                expect_sum(rc.out[0][i * O + o], want, abs, specs[sidx], i * O + o);
            }
        /* backward from a random dy, added onto 1s, against the plain loops */
        double *dy = malloc(B * O * sizeof(double)), *din[3], *want[3], *abs[3];
        size_t nd[3] = { B * C, C * O, O };
        td_rng g;
        td_rng_seed(&g, 100 + sidx);
        for (size_t i = 0; i < B * O; i++) dy[i] = td_rng_normal(&g);
        for (int t = 0; t < 3; t++) {
            din[t] = malloc(nd[t] * sizeof(double));
            want[t] = malloc(nd[t] * sizeof(double));
            abs[t] = malloc(nd[t] * sizeof(double));
            for (size_t i = 0; i < nd[t]; i++) din[t][i] = want[t][i] = abs[t][i] = 1;
        }
        assert_int_equal(rc.api->backward(rc.self, din, (const double *const *)&dy,
                                          (const double *const *)rc.in, (const double *const *)rc.out), 0);
        for (size_t i = 0; i < B; i++)
            for (size_t o = 0; o < O; o++) {
                double gy = dy[i * O + o];
                want[2][o] += gy;
                abs[2][o] += fabs(gy);
                for (size_t c = 0; c < C; c++) {
                    want[0][i * C + c] += gy * W[c * O + o];
                    abs[0][i * C + c] += fabs(gy * W[c * O + o]);
                    want[1][c * O + o] += gy * x[i * C + c];
                    abs[1][c * O + o] += fabs(gy * x[i * C + c]);
                }
            }
        for (int t = 0; t < 3; t++) {
            for (size_t i = 0; i < nd[t]; i++) expect_sum(din[t][i], want[t][i], abs[t][i], specs[sidx], i);
            free(din[t]); free(want[t]); free(abs[t]);
        }
        free(dy);
        ref_close(&rc);
    }
}

static void test_conv_reference(void **state)
{
    (void)state;
    /* strides, paddings, odd planes and channel counts around the 4x8 block, the bench's shape */
    static const char *specs[] = {
        "x:batch=2,c=3,h=7,w=9,oc=2,k=3,stride=2,pad=1", "x:batch=1,c=2,h=6,w=5,oc=2,k=2,stride=3,pad=2",
        "x:batch=1,c=1,h=5,w=5,oc=1,k=5,stride=1,pad=0", "x:batch=2,c=2,h=4,w=6,oc=3,k=3,stride=1,pad=1",
        "x:batch=2,c=3,h=8,w=8,oc=8,k=3,stride=1,pad=1", "x:batch=3,c=5,h=9,w=7,oc=7,k=3,stride=1,pad=2",
        "x:batch=1,c=4,h=3,w=3,oc=5,k=1,stride=1,pad=0", "x:batch=1,c=2,h=11,w=13,oc=9,k=4,stride=2,pad=3",
        "x:batch=2,c=1,h=2,w=2,oc=4,k=3,stride=1,pad=1",
    };
    for (size_t sidx = 0; sidx < sizeof specs / sizeof specs[0]; sidx++) {
        ref_case rc;
        ref_open(&rc, "conv2d", specs[sidx], sidx + 1);
        const td_layer_desc *d = &rc.d;
        size_t B = d->in[0].shape[0], C = d->in[0].shape[1], H = d->in[0].shape[2], W = d->in[0].shape[3];
        size_t O = d->in[1].shape[0], K = d->in[1].shape[2], OH = d->out[0].shape[2], OW = d->out[0].shape[3];
        long S = atol(strstr(specs[sidx], "stride=") + 7), P = atol(strstr(specs[sidx], "pad=") + 4);
        double **in = rc.in;
        for (size_t b = 0; b < B; b++)
            for (size_t o = 0; o < O; o++)
                for (size_t i = 0; i < OH; i++)
                    for (size_t j = 0; j < OW; j++) {
                        double want = in[2][o], abs = fabs(in[2][o]);
                        for (size_t c = 0; c < C; c++)
                            for (size_t p = 0; p < K; p++)
                                for (size_t q = 0; q < K; q++) {
                                    long rr = (long)i * S + (long)p - P, cc = (long)j * S + (long)q - P;
                                    if (rr < 0 || cc < 0 || rr >= (long)H || cc >= (long)W) continue;
                                    double t = in[1][((o * C + c) * K + p) * K + q] *
                                               in[0][((b * C + c) * H + (size_t)rr) * W + (size_t)cc];
                                    want += t;
                                    abs += fabs(t);
                                }
                        size_t yi = ((b * O + o) * OH + i) * OW + j;
                        expect_sum(rc.out[0][yi], want, abs, specs[sidx], yi);
                    }
        /* backward from a random dy, added onto 1s, against the plain loops */
        size_t ny = B * O * OH * OW, nd[3];
        double *dy = malloc(ny * sizeof(double)), *din[3], *want[3], *abs[3];
        td_rng g;
        td_rng_seed(&g, 100 + sidx);
        for (size_t i = 0; i < ny; i++) dy[i] = td_rng_normal(&g);
        for (int t = 0; t < 3; t++) {
            nd[t] = td_tensor_numel(&d->in[t]);
            din[t] = malloc(nd[t] * sizeof(double));
            want[t] = malloc(nd[t] * sizeof(double));
            abs[t] = malloc(nd[t] * sizeof(double));
            for (size_t i = 0; i < nd[t]; i++) din[t][i] = want[t][i] = abs[t][i] = 1;
        }
        assert_int_equal(rc.api->backward(rc.self, din, (const double *const *)&dy, (const double *const *)in,
                                          (const double *const *)rc.out), 0);
        for (size_t b = 0; b < B; b++)
            for (size_t o = 0; o < O; o++)
                for (size_t i = 0; i < OH; i++)
                    for (size_t j = 0; j < OW; j++) {
                        double gy = dy[((b * O + o) * OH + i) * OW + j];
                        want[2][o] += gy;
                        abs[2][o] += fabs(gy);
                        for (size_t c = 0; c < C; c++)
                            for (size_t p = 0; p < K; p++)
                                for (size_t q = 0; q < K; q++) {
                                    long rr = (long)i * S + (long)p - P, cc = (long)j * S + (long)q - P;
                                    if (rr < 0 || cc < 0 || rr >= (long)H || cc >= (long)W) continue;
                                    size_t wi = ((o * C + c) * K + p) * K + q,
                                           xi = ((b * C + c) * H + (size_t)rr) * W + (size_t)cc;
                                    want[0][xi] += in[1][wi] * gy;
                                    abs[0][xi] += fabs(in[1][wi] * gy);
                                    want[1][wi] += in[0][xi] * gy;
                                    abs[1][wi] += fabs(in[0][xi] * gy);
                                }
                    }
        for (int t = 0; t < 3; t++) {
            for (size_t i = 0; i < nd[t]; i++) expect_sum(din[t][i], want[t][i], abs[t][i], specs[sidx], i);
            free(din[t]); free(want[t]); free(abs[t]);
        }
        free(dy);
        ref_close(&rc);
    }
}

/* the objective's SIMD sums (gc_sums.c) against plain ones, over lengths
 * around their 4 lanes, with unmoved outputs (p = m = y0) mixed in */
static void test_objective_sums(void **state)
{
    (void)state;
    static const size_t lens[] = { 1, 2, 3, 4, 5, 7, 8, 17, 64, 513 };
    for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++) {
        size_t n = lens[li];
        double *r = malloc(n * sizeof(double)), *y = malloc(n * sizeof(double)),
               *p = malloc(n * sizeof(double)), *m = malloc(n * sizeof(double));
        td_rng g;
        td_rng_seed(&g, n);
        for (size_t i = 0; i < n; i++) {
            r[i] = td_rng_normal(&g);
            y[i] = td_rng_normal(&g);
            int moved = i % 3 != 1;
            p[i] = moved ? y[i] + 1e-5 * td_rng_normal(&g) : y[i];
            m[i] = moved ? y[i] - 1e-5 * td_rng_normal(&g) : y[i];
        }
        double L = 0, S = 0, up = 0, um = 0, sq = 0, absL = 0, absu = 0, absm = 0;
        for (size_t i = 0; i < n; i++) {
            L += r[i] * y[i];
            absL += fabs(r[i] * y[i]);
            S = fmax(S, fabs(r[i] * y[i]));
            up += r[i] * (p[i] - y[i]);
            absu += fabs(r[i] * (p[i] - y[i]));
            um += r[i] * (y[i] - m[i]);
            absm += fabs(r[i] * (y[i] - m[i]));
            if (p[i] != y[i] || m[i] != y[i]) sq += (r[i] * y[i]) * (r[i] * y[i]);
        }
        double L2, S2, up2, um2, sq2;
        td_gc_rsum(n, r, y, &L2, &S2);
        td_gc_rdiff2(n, r, y, p, m, &up2, &um2, &sq2);
        expect_sum(L2, L, absL, "rsum", n);
        assert_true(S2 == S);
        expect_sum(up2, up, absu, "rdiff2 up", n);
        expect_sum(um2, um, absm, "rdiff2 um", n);
        expect_sum(sq2, sq, sq, "rdiff2 sq", n);
        free(r); free(y); free(p); free(m);
    }
}

/* sampling: distinct, sorted, in range, every index when the tensor is small */
static void test_select(void **state)
{
    (void)state;
    static const struct { size_t numel; long samples; size_t want; } cases[] = {
        { 10000, 0, TD_GC_AUTO_SAMPLE }, { 4096, 0, 4096 }, { 50, 7, 7 }, { 5, 7, 5 }, { 100000, 3000, 3000 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        td_gc_ctx c;
        memset(&c, 0, sizeof c);
        c.nin[0] = cases[i].numel;
        td_rng_seed(&c.rng, i + 1);
        size_t m = 0, *idx = td_gc_select(&c, 0, cases[i].samples, &m);
        assert_non_null(idx);
        assert_int_equal(m, cases[i].want);
        for (size_t q = 0; q < m; q++) {
            assert_true(idx[q] < cases[i].numel);
            if (q) assert_true(idx[q] > idx[q - 1]);
        }
        free(idx);
    }
}

/* a loss of ~1e-14: the check says it is in the noise and how to fix it */
static void test_tiny_loss(void **state)
{
    (void)state;
    td_gc_opts o;
    td_gc_opts_default(&o);
    td_err e;
    assert_int_equal(run(td_gc_builtin("l2"), "lambda=1e-14", &o, &e), TD_OK);
    assert_true(has_note("below 1e-10"));
    assert_true(has_note("scale"));
    assert_int_equal(run(td_gc_builtin("l2"), "lambda=1", &o, &e), TD_OK);
    assert_false(has_note("below 1e-10"));
}

static void test_split_spec(void **state)
{
    (void)state;
    static const struct { const char *spec, *name; int n; } cases[] = {
        { "dense", "dense", 0 }, { "dense:in=4", "dense", 1 }, { "conv2d:k=3,pad=1", "conv2d", 2 },
        { "dense:in", NULL, -1 }, { "dense:=3", NULL, -1 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[64], *name;
        const char *k[8], *v[8];
        snprintf(buf, sizeof buf, "%s", cases[i].spec);
        int n = td_gc_split_spec(buf, &name, k, v, 8);
        assert_int_equal(n, cases[i].n);
        if (n >= 0) assert_string_equal(name, cases[i].name);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builtins_correct), cmocka_unit_test(test_builtin_large),
        cmocka_unit_test(test_buggy_samples),    cmocka_unit_test(test_cpp_sample),
        cmocka_unit_test(test_classify),         cmocka_unit_test(test_diagnose),
        cmocka_unit_test(test_float32_unresolved),
        cmocka_unit_test(test_kinks),            cmocka_unit_test(test_sweep),
        cmocka_unit_test(test_contract),         cmocka_unit_test(test_reg_split),
        cmocka_unit_test(test_fast),             cmocka_unit_test(test_jacobian),
        cmocka_unit_test(test_at_h5),            cmocka_unit_test(test_errors),
        cmocka_unit_test(test_isolated),         cmocka_unit_test(test_threads),
        cmocka_unit_test(test_select),           cmocka_unit_test(test_tiny_loss),
        cmocka_unit_test(test_output),
        cmocka_unit_test(test_split_spec),       cmocka_unit_test(test_conv_reference),
        cmocka_unit_test(test_dense_reference),  cmocka_unit_test(test_objective_sums),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
