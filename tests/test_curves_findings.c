/* tests/test_curves_findings.c — curvecheck's detectors and report: the
 * trend statistics on series with known answers, every finding raised on a
 * synthetic run built to show it (and none at warning or above on healthy
 * runs, quiet or noisy), the thresholds table, the verdict, the text and
 * JSON reports. Runs are built in memory (no reader, no file). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "td_findings.h"

/* ---- building runs in memory ------------------------------------------------ */
#define MAXS 4
typedef struct {
    td_run run;
    td_series s[MAXS];
} mrun;

static td_series *add_series(mrun *m, const char *name, const char *base, td_split split,
                             td_metric_kind kind, size_t n)
{
    td_series *s = &m->s[m->run.nseries++];
    memset(s, 0, sizeof *s);
    s->name = strdup(name);
    s->base = strdup(base);
    s->split = split;
    s->kind = kind;
    s->n = s->cap = n;
    s->x = calloc(n, sizeof *s->x);
    s->y = calloc(n, sizeof *s->y);
    s->line = calloc(n, sizeof *s->line);
    m->run.series = m->s;
    return s;
}

/* An empty run called name over x_name; rng (if not NULL) seeded. */
static void mrun_begin(mrun *m, const char *name, const char *x_name, td_rng *rng, uint64_t seed)
{
    if (rng) td_rng_seed(rng, seed);
    memset(m, 0, sizeof *m);
    m->run.name = (char *)name;
    m->run.x_name = (char *)x_name;
}

static void mrun_free(mrun *m)
{
    for (size_t i = 0; i < m->run.nseries; i++) {
        free(m->s[i].name); free(m->s[i].base);
        free(m->s[i].x); free(m->s[i].y); free(m->s[i].line);
    }
}

/* A curve: y(t) for t in [0, 1] plus relative Gaussian noise. */
typedef double (*shape_fn)(double t);
static void fill(td_series *s, shape_fn f, double rel_noise, double step0, double dstep,
                 td_rng *rng)
{
    for (size_t i = 0; i < s->n; i++) {
        double t = s->n > 1 ? (double)i / (double)(s->n - 1) : 0;
        double y = f(t);
        s->x[i] = step0 + dstep * (double)i;
        s->y[i] = y * (1 + rel_noise * td_rng_normal(rng));
        s->line[i] = i + 2;
    }
}

/* shapes (t in [0,1]) */
static double healthy_tr(double t) { return 0.3 + 2.0 * exp(-t * 4); }
static double healthy_va(double t) { return 0.38 + 2.0 * exp(-t * 4); }
static double improving(double t) { return 0.3 + 2.0 * exp(-t * 2); }
static double improving_va(double t) { return 0.35 + 2.0 * exp(-t * 2); }
static double overfit_va(double t) { return 0.5 + 1.8 * exp(-t * 10) + (t > 0.4 ? 0.8 * (t - 0.4) : 0); }
static double saturate(double t) { return 0.6 + 1.7 * exp(-t * 40); }
static double saturate_va(double t) { return 0.7 + 1.7 * exp(-t * 40); }
static double explode(double t) { return t < 0.6 ? 0.3 + 2.0 * exp(-t * 6) : 0.35 * exp((t - 0.6) * 20); }
static double jump(double t) { return t < 0.5 ? 0.3 + 2.0 * exp(-t * 8) : 1.8; }
static double negative(double t) { return 1.0 - 1.5 * t; }
static double rising(double t) { return t < 0.4 ? 0.3 + 2.0 * exp(-t * 10) : 0.34 + 1.5 * (t - 0.4); }
static double far_high(double t) { return 2.3 + 3.0 * t; }
static double fast_stuck(double t) { return t < 0.12 ? 2.3 - 0.8 / 0.12 * t : 1.5; }
static double linear(double t) { return 2.3 - 0.6 * t; }
static double flat(double t) { (void)t; return 2.30; }
static double underfit(double t) { return 2.0 + 0.5 * exp(-t * 20); }
static double underfit_va(double t) { return 2.05 + 0.5 * exp(-t * 20); }
static double high_start(double t) { return 0.3 + 8.0 * exp(-t * 6); }
static double disagree_va(double t) { return 0.4 + 1.8 * exp(-t * 10) + (t > 0.35 ? 0.6 * (t - 0.35) : 0); }
static double acc_up(double t) { return 0.5 + 0.45 * t; }
static double gap_tr(double t) { return 0.05 + 2.0 * exp(-t * 3); }
static double gap_va(double t) { return 0.6 + 1.5 * exp(-t * 30); }
static double gap_worse_va(double t) { return 0.6 + 1.5 * exp(-t * 30) + 0.3 * t; }
static double never_va(double t) { (void)t; return 0.327; } /* CAMELS: flat from the first epoch */
static double acc_stall_va(double t) { return 0.52 - 0.3 * exp(-t * 30); }  /* ~52%, flat late */
static double acc_climb_tr(double t) { return 0.75 - 0.6 * exp(-t * 3); }   /* ~75% and rising */
static double acc_top_va(double t) { return 0.974 - 0.3 * exp(-t * 30); }  /* near-perfect, flat */
static double acc_top_tr(double t) { return 0.987 - 0.3 * exp(-t * 3); }   /* 1.3 points above */
static double converge(double t) { return 0.3 + 2.0 * exp(-t * 12); }
static double converge_cosine(double t) { return 1.1 + 0.5 * exp(-t * 4); } /* eval loss creeping down */
static double cosine_tr(double t) { return 1.0 + 1.0 * exp(-t * 8); }
static double resumed_rise(double t) { return 3.67 + 0.25 * t; } /* +7%: under 3 noise of one step */
static double negative_unbounded(double t) { return -1.0 - 100.0 * t * t; }
static double outlier_start_va(double t) { return t == 0 ? 3.6 : 0.03 * exp(-t * 2); }

typedef struct {
    const char *name;
    shape_fn tr, va, vacc;
    double noise_tr, noise_va;
    int classes;
    int nan_at;                 /* index of a NaN in train, -1 none */
    td_finding_kind want;       /* must be raised; TD_FIND_NKINDS: healthy */
    shape_fn tacc;              /* training accuracy, NULL none */
} scenario;

#define NONE TD_FIND_NKINDS
static const scenario SCEN[] = {
    {"healthy", healthy_tr, healthy_va, NULL, 0.02, 0.01, 0, -1, NONE, NULL},
    {"healthy_noisy", healthy_tr, healthy_va, NULL, 0.06, 0.04, 0, -1, NONE, NULL},
    {"healthy_improving", improving, improving_va, NULL, 0.03, 0.01, 0, -1, NONE, NULL},
    {"still_improving", improving, improving_va, NULL, 0.03, 0.01, 0, -1, TD_FIND_STILL_IMPROVING, NULL},
    {"overfitting", healthy_tr, overfit_va, NULL, 0.02, 0.02, 0, -1, TD_FIND_OVERFITTING, NULL},
    {"overfit_gap", gap_tr, gap_worse_va, NULL, 0.02, 0.03, 0, -1, TD_FIND_OVERFITTING, NULL},
    {"gap_widening", gap_tr, gap_va, NULL, 0.02, 0.03, 0, -1, TD_FIND_GAP_WIDENING, NULL},
    {"val_plateau", gap_tr, gap_va, NULL, 0.02, 0.03, 0, -1, TD_FIND_SATURATION, NULL},
    /* validation never improves while training falls: all of it is memorised */
    {"val_never_improves", gap_tr, never_va, NULL, 0.02, 0.005, 0, -1, TD_FIND_OVERFITTING, NULL},
    /* validation stalls while training pulls 23 accuracy points ahead: the
     * gap is the overfitting (cs231n), though validation barely worsens */
    {"overfit_acc_gap", gap_tr, gap_va, acc_stall_va, 0.02, 0.03, 0, -1, TD_FIND_OVERFITTING, acc_climb_tr},
    /* the same losses between two near-perfect accuracies: a plateau */
    {"plateau_small_acc_gap", gap_tr, gap_va, acc_top_va, 0.02, 0.03, 0, -1, TD_FIND_SATURATION, acc_top_tr},
    {"train_plateau", converge, NULL, NULL, 0.03, 0, 0, -1, TD_FIND_SATURATION, NULL},
    {"train_only_improving", improving, NULL, NULL, 0.03, 0, 0, -1, NONE, NULL},
    {"rising_after_resume", resumed_rise, NULL, NULL, 0.025, 0, 0, -1, TD_FIND_LOSS_RISING, NULL},
    {"negative_unbounded", negative_unbounded, NULL, NULL, 0.0, 0, 0, -1, TD_FIND_NEGATIVE_LOSS, NULL},
    {"improving_after_outlier", healthy_tr, outlier_start_va, NULL, 0.02, 0.01, 0, -1, TD_FIND_STILL_IMPROVING, NULL},
    {"converging_both_flat", cosine_tr, converge_cosine, NULL, 0.01, 0.002, 0, -1, NONE, NULL},
    {"noise", healthy_tr, healthy_va, NULL, 0.55, 0.01, 0, -1, TD_FIND_NOISE, NULL}, /* minibatch losses: noise_cv_step */
    {"noise_val", healthy_tr, healthy_va, NULL, 0.02, 0.3, 0, -1, TD_FIND_NOISE, NULL},
    {"very_noisy_healthy", healthy_tr, healthy_va, NULL, 0.25, 0.3, 0, -1, TD_FIND_NOISE, NULL},
    {"minibatch_noise_normal", healthy_tr, healthy_va, NULL, 0.25, 0.01, 0, -1, NONE, NULL},
    {"saturation", saturate, saturate_va, NULL, 0.02, 0.01, 0, -1, TD_FIND_SATURATION, NULL},
    {"nonfinite", healthy_tr, healthy_va, NULL, 0.02, 0.01, 0, 150, TD_FIND_NONFINITE, NULL},
    {"explosion", explode, NULL, NULL, 0.02, 0, 0, -1, TD_FIND_EXPLOSION, NULL},
    {"spike_unrecovered", jump, NULL, NULL, 0.02, 0, 0, -1, TD_FIND_SPIKE_UNRECOVERED, NULL},
    {"negative_loss", negative, NULL, NULL, 0.0, 0, 0, -1, TD_FIND_NEGATIVE_LOSS, NULL},
    {"loss_rising", rising, NULL, NULL, 0.02, 0, 0, -1, TD_FIND_LOSS_RISING, NULL},
    {"lr_far_too_high", far_high, NULL, NULL, 0.03, 0, 0, -1, TD_FIND_LR_FAR_TOO_HIGH, NULL},
    {"lr_too_high", fast_stuck, NULL, NULL, 0.2, 0, 0, -1, TD_FIND_LR_TOO_HIGH, NULL},
    {"lr_too_low", linear, NULL, NULL, 0.01, 0, 0, -1, TD_FIND_LR_TOO_LOW, NULL},
    {"not_learning", flat, flat, NULL, 0.02, 0.01, 0, -1, TD_FIND_NOT_LEARNING, NULL},
    {"underfitting", underfit, underfit_va, NULL, 0.02, 0.01, 10, -1, TD_FIND_UNDERFITTING, NULL},
    {"initial_loss", high_start, NULL, NULL, 0.02, 0, 10, -1, TD_FIND_INITIAL_LOSS, NULL},
    {"metric_disagreement", healthy_tr, disagree_va, acc_up, 0.02, 0.01, 0, -1, TD_FIND_METRIC_DISAGREEMENT, NULL},
};

/* The scenario called name (the table's order is free). */
static const scenario *scen(const char *name)
{
    for (size_t i = 0; i < sizeof SCEN / sizeof SCEN[0]; i++)
        if (strcmp(SCEN[i].name, name) == 0) return &SCEN[i];
    fail_msg("no scenario %s", name);
    return NULL;
}

static void build(mrun *m, const scenario *sc, uint64_t seed)
{
    memset(m, 0, sizeof *m);
    m->run.name = (char *)sc->name;
    m->run.x_name = (char *)"step";
    td_rng rng;
    td_rng_seed(&rng, seed);
    td_series *t = add_series(m, "loss", "loss", TD_SPLIT_TRAIN, TD_METRIC_LOSS, 200);
    fill(t, sc->tr, sc->noise_tr, 10, 10, &rng);
    if (sc->nan_at >= 0) t->y[sc->nan_at] = NAN;
    if (sc->va) {
        td_series *v = add_series(m, "val_loss", "loss", TD_SPLIT_VAL, TD_METRIC_LOSS, 40);
        fill(v, sc->va, sc->noise_va, 50, 50, &rng);
    }
    if (sc->vacc) {
        td_series *a = add_series(m, "val_accuracy", "accuracy", TD_SPLIT_VAL, TD_METRIC_ACCURACY, 40);
        fill(a, sc->vacc, 0.002, 50, 50, &rng);
    }
    if (sc->tacc) {
        td_series *a = add_series(m, "accuracy", "accuracy", TD_SPLIT_TRAIN, TD_METRIC_ACCURACY, 200);
        fill(a, sc->tacc, 0.002, 10, 10, &rng);
    }
}

static int has_kind(const td_findings *fs, td_finding_kind k)
{
    for (size_t i = 0; i < fs->n; i++) if (fs->f[i].kind == k) return 1;
    return 0;
}

static void judge(const scenario *sc, uint64_t seed, td_findings *fs)
{
    mrun m;
    build(&m, sc, seed);
    td_detect_opts o;
    td_detect_opts_default(&o);
    o.classes = sc->classes;
    td_err e;
    td_findings_init(fs);
    assert_int_equal(td_findings_detect(&m.run, &o, fs, &e), TD_OK);
    for (size_t i = 0; i < fs->n; i++) {
        assert_string_equal(fs->f[i].run, sc->name);  /* copied, outlives the run */
        assert_true(fs->f[i].x_from <= fs->f[i].x_to);
        assert_true(fs->f[i].evidence[0] != '\0');
    }
    mrun_free(&m);
}

/* Each finding is raised on its scenario, for several noise seeds. */
static void test_each_finding_raised(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof SCEN / sizeof SCEN[0]; i++) {
        if (SCEN[i].want == NONE) continue;
        for (uint64_t seed = 1; seed <= 5; seed++) {
            td_findings fs;
            judge(&SCEN[i], seed, &fs);
            if (!has_kind(&fs, SCEN[i].want)) {
                char v[256];
                td_findings_verdict(&fs, v, sizeof v);
                fail_msg("%s (seed %llu): no %s; got: %s", SCEN[i].name, (unsigned long long)seed,
                         td_finding_kind_name(SCEN[i].want), v);
            }
            assert_int_equal(fs.f[0].severity >= TD_SEV_INFO, 1);
            td_findings_free(&fs);
        }
    }
}

/* Healthy runs, quiet and noisy, raise nothing at warning or above. */
static void test_healthy_quiet(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof SCEN / sizeof SCEN[0]; i++) {
        if (SCEN[i].want != NONE) continue;
        for (uint64_t seed = 1; seed <= 20; seed++) {
            td_findings fs;
            judge(&SCEN[i], seed, &fs);
            if (td_findings_count_at_least(&fs, TD_SEV_WARNING)) {
                char v[256];
                td_findings_verdict(&fs, v, sizeof v);
                fail_msg("%s (seed %llu) raised: %s (%s)", SCEN[i].name, (unsigned long long)seed,
                         v, fs.f[0].evidence);
            }
            td_findings_free(&fs);
        }
    }
}

/* Findings a scenario must not raise (one detector's call leaves another's
 * alone), over 5 seeds. */
static double drop_then_linear(double t) { return t < 0.03 ? 0.95 - 0.62 / 0.03 * t : 0.33 - 0.11 * (t - 0.03); }
static double rising_va(double t) { return t < 0.4 ? 0.35 + 2.0 * exp(-t * 10) : 0.40 + 1.5 * (t - 0.4); }
static const scenario SCEN_NOT[] = {
    /* training itself rises: validation rising with it is divergence */
    {"rising_both", rising, rising_va, NULL, 0.02, 0.02, 0, -1, TD_FIND_OVERFITTING, NULL},
    /* validation flat while training falls: a plateau, not overfitting */
    {"val_flat", gap_tr, gap_va, NULL, 0.02, 0.03, 0, -1, TD_FIND_OVERFITTING, NULL},
    {"val_flat_small_acc_gap", gap_tr, gap_va, acc_top_va, 0.02, 0.03, 0, -1, TD_FIND_OVERFITTING, acc_top_tr},
    /* a fast first drop (detectron2: 0.95 -> 0.33 in 3%), then a slow fall
     * with the schedule: the learning rate is not too low */
    {"drop_then_linear", drop_then_linear, NULL, NULL, 0.01, 0, 0, -1, TD_FIND_LR_TOO_LOW, NULL},
    /* overfitting called by the accuracy gap is not also a plateau */
    {"acc_gap_no_plateau", gap_tr, gap_va, acc_stall_va, 0.02, 0.03, 0, -1, TD_FIND_SATURATION, acc_climb_tr},
};

static void test_findings_not_raised(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof SCEN_NOT / sizeof SCEN_NOT[0]; i++)
        for (uint64_t seed = 1; seed <= 5; seed++) {
            td_findings fs;
            judge(&SCEN_NOT[i], seed, &fs);
            if (has_kind(&fs, SCEN_NOT[i].want))
                fail_msg("%s (seed %llu) raised %s", SCEN_NOT[i].name, (unsigned long long)seed,
                         td_finding_kind_name(SCEN_NOT[i].want));
            td_findings_free(&fs);
        }
}

/* The findings of m's run with the default thresholds. */
static void detect_default(mrun *m, td_findings *fs)
{
    td_detect_opts o;
    td_detect_opts_default(&o);
    td_err e;
    td_findings_init(fs);
    assert_int_equal(td_findings_detect(&m->run, &o, fs, &e), TD_OK);
}

/* A run resumed late that stays flat has converged (no not_learning); a
 * validation column of zeros is no objective (nothing judged against it). */
static double flat31(double t) { (void)t; return 3.1; }
static double zero(double t) { (void)t; return 0; }
static void test_resumed_and_zero_columns(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 5; seed++) {
        mrun m;
        td_rng rng;
        mrun_begin(&m, "resumed", "step", &rng, seed);
        td_series *t = add_series(&m, "loss", "loss", TD_SPLIT_TRAIN, TD_METRIC_LOSS, 100);
        fill(t, flat31, 0.005, 40000, 10, &rng); /* steps 40000..40990: resumed */
        td_series *v = add_series(&m, "val_loss", "loss", TD_SPLIT_VAL, TD_METRIC_LOSS, 20);
        fill(v, zero, 0, 40000, 50, &rng);
        td_findings fs;
        detect_default(&m, &fs);
        for (size_t i = 0; i < fs.n; i++) {
            if (fs.f[i].kind == TD_FIND_NOT_LEARNING) fail_msg("seed %llu: not_learning on a resumed run", (unsigned long long)seed);
            if (fs.f[i].metric && strcmp(fs.f[i].metric, "val_loss") == 0)
                fail_msg("seed %llu: %s judged on a column of zeros", (unsigned long long)seed,
                         td_finding_kind_name(fs.f[i].kind));
        }
        td_findings_free(&fs);
        mrun_free(&m);
    }
}

/* A short train-only run still falling steadily at the end (14 epochs,
 * each lower than the last) is no plateau, though its last 30% is too
 * short for a significant trend test. */
static void test_short_decline_no_plateau(void **state)
{
    (void)state;
    static const double y[] = {0.1806, 0.1214, 0.1009, 0.0900, 0.0773, 0.0692, 0.0665,
                               0.0634, 0.0580, 0.0550, 0.0503, 0.0478, 0.0466, 0.0455};
    mrun m;
    mrun_begin(&m, "short", "epoch", NULL, 0);
    td_series *t = add_series(&m, "loss", "loss", TD_SPLIT_TRAIN, TD_METRIC_LOSS, 14);
    for (size_t i = 0; i < 14; i++) { t->x[i] = (double)(i + 1); t->y[i] = y[i]; t->line[i] = i + 2; }
    td_findings fs;
    detect_default(&m, &fs);
    assert_false(has_kind(&fs, TD_FIND_SATURATION));
    td_findings_free(&fs);
    mrun_free(&m);
}

/* Judge m with the default thresholds: kind k raised iff want; m freed. */
static void expect_then_free(mrun *m, td_finding_kind k, int want, const char *what, uint64_t seed)
{
    td_findings fs;
    detect_default(m, &fs);
    if (has_kind(&fs, k) != want)
        fail_msg("%s (seed %llu): %s %s", what, (unsigned long long)seed, td_finding_kind_name(k),
                 want ? "missed" : "raised");
    td_findings_free(&fs);
    mrun_free(m);
}

/* A short validation accuracy (21 epochs, like a YOLO mAP50) rising to
 * ~0.95 with half a point of noise: one dip of 3.5 points in the tail (six
 * times the noise: under the spike clip, over the noise limit by the rms)
 * is not step-to-step noise; 3 points of noise at every epoch is. */
static void test_one_dip_not_noise(void **state)
{
    (void)state;
    static const struct { const char *name; double rel_noise, dip; int want; } T[] = {
        {"quiet", 0.0055, 0, 0},
        {"one dip", 0.0055, 0.035, 0},
        {"noisy every epoch", 0.03, 0, 1},
        {"noisy and a dip", 0.03, 0.035, 1},
    };
    for (size_t k = 0; k < sizeof T / sizeof T[0]; k++)
        for (uint64_t seed = 1; seed <= 5; seed++) {
            mrun m;
            td_rng rng;
            mrun_begin(&m, T[k].name, "epoch", &rng, seed);
            td_series *t = add_series(&m, "box_loss", "loss", TD_SPLIT_TRAIN, TD_METRIC_LOSS, 21);
            fill(t, improving, 0.01, 1, 1, &rng);
            td_series *a = add_series(&m, "val/mAP50", "mAP50", TD_SPLIT_VAL, TD_METRIC_ACCURACY, 21);
            for (size_t i = 0; i < 21; i++) {
                double x = (double)i / 20;
                a->x[i] = (double)(i + 1);
                a->y[i] = (0.95 - 0.9 * exp(-x * 6)) * (1 + T[k].rel_noise * td_rng_normal(&rng));
                a->line[i] = 10 * i + 5;
            }
            a->y[14] -= T[k].dip;
            expect_then_free(&m, TD_FIND_NOISE, T[k].want, T[k].name, seed);
        }
}

/* A training loss logged inside epochs (x in epochs, several points an
 * epoch) is a minibatch loss: judged against noise_cv_step (40%), so 25%
 * noise is no finding; the same noise one point an epoch is. */
static void test_minibatch_by_epoch_density(void **state)
{
    (void)state;
    static const struct { size_t per_epoch, epochs; int want; } T[] = {
        {10, 6, 0}, {30, 2, 0}, {1, 60, 1},
    };
    for (size_t k = 0; k < sizeof T / sizeof T[0]; k++)
        for (uint64_t seed = 1; seed <= 5; seed++) {
            mrun m;
            mrun_begin(&m, "density", "epoch", NULL, 0);
            size_t n = T[k].per_epoch * T[k].epochs;
            td_rng rng;
            td_rng_seed(&rng, seed);
            td_series *t = add_series(&m, "Loss", "loss", TD_SPLIT_TRAIN, TD_METRIC_LOSS, n);
            for (size_t i = 0; i < n; i++) {
                t->x[i] = (double)(i + 1) / (double)T[k].per_epoch;
                t->y[i] = 0.05 * (1 + 0.25 * td_rng_normal(&rng));
                t->line[i] = i + 1;
            }
            expect_then_free(&m, TD_FIND_NOISE, T[k].want, T[k].per_epoch == 1 ? "1 a epoch" : "several a epoch", seed);
        }
}

/* A healthy run drowned in noise: noise is reported, and nothing else at
 * warning or above (the noise fools no other detector), over 20 seeds. */
static void test_noise_fools_nothing(void **state)
{
    (void)state;
    size_t i = 0;
    while (strcmp(SCEN[i].name, "very_noisy_healthy") != 0) i++;
    for (uint64_t seed = 1; seed <= 20; seed++) {
        td_findings fs;
        judge(&SCEN[i], seed, &fs);
        for (size_t k = 0; k < fs.n; k++)
            if (fs.f[k].severity >= TD_SEV_WARNING && fs.f[k].kind != TD_FIND_NOISE)
                fail_msg("seed %llu: %s: %s", (unsigned long long)seed,
                         td_finding_kind_name(fs.f[k].kind), fs.f[k].evidence);
        td_findings_free(&fs);
    }
}

/* What --follow sees: every prefix of a healthy run (cut at the same step
 * in all its series) raises nothing at warning or above either; and the
 * overfitting run is caught within 40% of the run after its minimum
 * (EarlyStopping-like patience counts are not needed). */
static void test_prefixes(void **state)
{
    (void)state;
    /* healthy and healthy_noisy (healthy_improving decays so slowly that its
     * first fifth is a straight line: lr_too_low is then a fair reading) */
    for (size_t i = 0; i < 2; i++) {
        for (uint64_t seed = 1; seed <= 5; seed++) {
            mrun m;
            build(&m, &SCEN[i], seed);
            size_t full[MAXS];
            for (size_t k = 0; k < m.run.nseries; k++) full[k] = m.s[k].n;
            for (double frac = 0.2; frac <= 1.0001; frac += 0.1) {
                double xmax = 10 + frac * 2000;
                for (size_t k = 0; k < m.run.nseries; k++) {
                    m.s[k].n = 0;
                    while (m.s[k].n < full[k] && m.s[k].x[m.s[k].n] <= xmax) m.s[k].n++;
                }
                td_findings fs;
                td_err e;
                td_findings_init(&fs);
                assert_int_equal(td_findings_detect(&m.run, NULL, &fs, &e), TD_OK);
                if (td_findings_count_at_least(&fs, TD_SEV_WARNING))
                    fail_msg("%s seed %llu prefix %.1f: %s: %s", SCEN[i].name,
                             (unsigned long long)seed, frac,
                             td_finding_kind_name(fs.f[0].kind), fs.f[0].evidence);
                td_findings_free(&fs);
            }
            for (size_t k = 0; k < m.run.nseries; k++) m.s[k].n = full[k];
            mrun_free(&m);
        }
    }
    /* overfitting: val minimum near 40% of the run; found by 80% */
    mrun m;
    build(&m, scen("overfitting"), 7);
    double xmax = 10 + 0.8 * 2000;
    for (size_t k = 0; k < m.run.nseries; k++)
        while (m.s[k].n > 0 && m.s[k].x[m.s[k].n - 1] > xmax) m.s[k].n--;
    td_findings fs;
    td_err e;
    td_findings_init(&fs);
    assert_int_equal(td_findings_detect(&m.run, NULL, &fs, &e), TD_OK);
    assert_true(has_kind(&fs, TD_FIND_OVERFITTING));
    td_findings_free(&fs);
    for (size_t k = 0; k < m.run.nseries; k++) m.s[k].n = m.s[k].cap;
    mrun_free(&m);
}

/* Findings that must NOT appear on a scenario showing something else. */
static void test_no_crosstalk(void **state)
{
    (void)state;
    static const struct { const char *scen; td_finding_kind absent; } cases[] = {
        {"overfitting", TD_FIND_NOT_LEARNING},
        {"saturation", TD_FIND_STILL_IMPROVING},
        {"still_improving", TD_FIND_SATURATION},
        {"lr_far_too_high", TD_FIND_EXPLOSION},
        {"explosion", TD_FIND_LR_FAR_TOO_HIGH},
        {"not_learning", TD_FIND_LOSS_RISING},
        {"healthy", TD_FIND_SPIKES},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        size_t i = 0;
        while (strcmp(SCEN[i].name, cases[c].scen) != 0) i++;
        td_findings fs;
        judge(&SCEN[i], 3, &fs);
        if (has_kind(&fs, cases[c].absent))
            fail_msg("%s raised %s", cases[c].scen, td_finding_kind_name(cases[c].absent));
        td_findings_free(&fs);
    }
}

/* ---- trend statistics ------------------------------------------------------ */
static void test_theil_sen_and_mk(void **state)
{
    (void)state;
    double x[50], y[50];
    for (int i = 0; i < 50; i++) { x[i] = 2.0 * i; y[i] = 3.0 - 0.25 * x[i]; }
    y[7] = 1e6; /* one outlier does not move Theil-Sen */
    assert_float_equal(td_trend_theil_sen(x, y, 50), -0.25, 1e-12);
    double p;
    double tau = td_trend_mann_kendall(y, 50, &p);
    assert_true(tau < -0.8 && p < 1e-6);
    for (int i = 0; i < 50; i++) y[i] = 1.0;
    tau = td_trend_mann_kendall(y, 50, &p);
    assert_float_equal(tau, 0, 0);
    assert_true(p > 0.9);
    assert_true(isnan(td_trend_theil_sen(x, y, 1)));
    /* long series are grouped, still exact on a line */
    static double bx[20000], by[20000];
    for (int i = 0; i < 5000; i++) { bx[i] = i; by[i] = 7 + 0.5 * i; }
    assert_float_equal(td_trend_theil_sen(bx, by, 5000), 0.5, 1e-12);
    tau = td_trend_mann_kendall(by, 5000, &p);
    assert_float_equal(tau, 1, 1e-12);
    /* every point counts: a fall of half the noise over 20000 noisy points
     * (a per-minibatch loss) is plain in the means of groups of 100 (Theil-
     * Sen within 10%, Mann-Kendall p < 1e-6); one point in 100 would see
     * 200 points with the whole noise (p ~ 0.3, slope off by ~40%) */
    td_rng r;
    td_rng_seed(&r, 5);
    for (int i = 0; i < 20000; i++) { bx[i] = i; by[i] = 1.0 - 0.5 * i / 20000.0 + td_rng_normal(&r); }
    assert_float_equal(td_trend_theil_sen(bx, by, 20000), -0.5 / 20000.0, 0.05 / 20000.0);
    tau = td_trend_mann_kendall(by, 20000, &p);
    assert_true(tau < 0 && p < 1e-6);
}

/* The objectives are a pair of like and like: train total_loss and
 * box_loss against a val box_loss only (YOLO) judge train box_loss; with
 * no base in common the preferred training loss stays. */
static void test_objective_pairs(void **state)
{
    (void)state;
    static const struct { const char *val_name, *val_base, *want; } T[] = {
        {"val/box_loss", "box_loss", "train/box_loss"},
        {"val/dfl_loss", "dfl_loss", "train/total_loss"},
    };
    for (size_t k = 0; k < sizeof T / sizeof T[0]; k++) {
        mrun m;
        memset(&m, 0, sizeof m);
        m.run.name = (char *)"yolo";
        td_rng rng;
        td_rng_seed(&rng, 3);
        fill(add_series(&m, "train/total_loss", "total_loss", TD_SPLIT_TRAIN, TD_METRIC_LOSS, 20), healthy_tr, 0.01, 0, 1, &rng);
        fill(add_series(&m, "train/box_loss", "box_loss", TD_SPLIT_TRAIN, TD_METRIC_LOSS, 20), healthy_tr, 0.01, 0, 1, &rng);
        fill(add_series(&m, T[k].val_name, T[k].val_base, TD_SPLIT_VAL, TD_METRIC_LOSS, 20), healthy_va, 0.01, 0, 1, &rng);
        assert_string_equal(td_findings_objective(&m.run, 0)->name, T[k].want);
        assert_string_equal(td_findings_objective(&m.run, 1)->name, T[k].val_name);
        mrun_free(&m);
    }
}

/* Validation and training both flat over the last 30%: a plateau when the
 * learning rate sat at a floor there (ReduceLROnPlateau at min_lr), none
 * when the schedule anneals on to the end (cosine to 0: by design). */
static double lr_floor(double t) { return t < 0.5 ? 1e-3 * pow(1e-3, t / 0.5) : 1e-6; }
static double lr_cosine(double t) { return 1e-3 * 0.5 * (1 + cos(3.14159265358979 * t)); }
static double flat_tr(double t) { return 0.0258 + 0.03 * exp(-t * 12) + 0.0015 * (1 - t); } /* 2.9% over its 2nd half */
static double flat_va(double t) { return 0.0345 + 0.02 * exp(-t * 12); }
static void test_plateau_lr_floor(void **state)
{
    (void)state;
    static const struct { const char *name; shape_fn lr; int want; } T[] = {
        {"lr at its floor", lr_floor, 1}, {"cosine to 0", lr_cosine, 0}, {"no lr", NULL, 0},
    };
    for (size_t k = 0; k < sizeof T / sizeof T[0]; k++)
        for (uint64_t seed = 1; seed <= 5; seed++) {
            mrun m;
            td_rng rng;
            mrun_begin(&m, T[k].name, "epoch", &rng, seed);
            fill(add_series(&m, "loss", "loss", TD_SPLIT_TRAIN, TD_METRIC_LOSS, 24), flat_tr, 0.0005, 0, 1, &rng);
            fill(add_series(&m, "val_loss", "loss", TD_SPLIT_VAL, TD_METRIC_LOSS, 24), flat_va, 0.0005, 0, 1, &rng);
            if (T[k].lr) fill(add_series(&m, "lr", "lr", TD_SPLIT_NONE, TD_METRIC_LR, 24), T[k].lr, 0, 0, 1, &rng);
            expect_then_free(&m, TD_FIND_SATURATION, T[k].want, T[k].name, seed);
        }
}

/* Without --classes, C is inferred from a first loss of ln C and a first
 * classification accuracy of 1/C; a precision or mAP at 1/C says nothing. */
static void test_classes_inferred(void **state)
{
    (void)state;
    static const struct { const char *acc, *base; int want; } T[] = {
        {"accuracy", "accuracy", 1}, {"sparse_categorical_accuracy", "sparse_categorical_accuracy", 1},
        {"metrics/precision(B)", "metrics/precision(b)", 0}, {"metrics/mAP50(B)", "metrics/map50(b)", 0},
    };
    for (size_t k = 0; k < sizeof T / sizeof T[0]; k++) {
        mrun m;
        mrun_begin(&m, T[k].acc, "epoch", NULL, 0);
        td_series *l = add_series(&m, "loss", "loss", TD_SPLIT_TRAIN, TD_METRIC_LOSS, 20);
        td_series *a = add_series(&m, T[k].acc, T[k].base, TD_SPLIT_TRAIN, TD_METRIC_ACCURACY, 20);
        for (size_t i = 0; i < 20; i++) {
            l->x[i] = a->x[i] = (double)i;
            l->y[i] = log(5.0) * exp(-0.1 * (double)i);
            a->y[i] = 0.2 + 0.03 * (double)i;
            l->line[i] = a->line[i] = i + 2;
        }
        expect_then_free(&m, TD_FIND_CLASSES_ASSUMED, T[k].want, T[k].acc, 0);
    }
}

/* Every loss pair is checked for overfitting: YOLO's val obj loss rising
 * after its minimum while the judged box pair is healthy; a second pair
 * that is only flat raises nothing. */
static double obj_rise_va(double t) { return 0.05 + 0.03 * exp(-t * 10) + (t > 0.3 ? 0.02 * (t - 0.3) : 0); }
static double obj_flat_va(double t) { (void)t; return 0.05; }
static void test_other_loss_pairs(void **state)
{
    (void)state;
    static const struct { const char *name; shape_fn obj_va; int want; } T[] = {
        {"obj rises", obj_rise_va, 1}, {"obj flat", obj_flat_va, 0},
    };
    for (size_t k = 0; k < sizeof T / sizeof T[0]; k++)
        for (uint64_t seed = 1; seed <= 5; seed++) {
            mrun m;
            td_rng rng;
            mrun_begin(&m, T[k].name, "epoch", &rng, seed);
            fill(add_series(&m, "train/box_loss", "box_loss", TD_SPLIT_TRAIN, TD_METRIC_LOSS, 60), healthy_tr, 0.005, 0, 1, &rng);
            fill(add_series(&m, "val/box_loss", "box_loss", TD_SPLIT_VAL, TD_METRIC_LOSS, 60), healthy_va, 0.005, 0, 1, &rng);
            fill(add_series(&m, "train/obj_loss", "obj_loss", TD_SPLIT_TRAIN, TD_METRIC_LOSS, 60), healthy_tr, 0.005, 0, 1, &rng);
            fill(add_series(&m, "val/obj_loss", "obj_loss", TD_SPLIT_VAL, TD_METRIC_LOSS, 60), T[k].obj_va, 0.005, 0, 1, &rng);
            expect_then_free(&m, TD_FIND_OVERFITTING, T[k].want, T[k].name, seed);
        }
}

/* td_findings_keep drops, from an index on, the findings of other kinds. */
static void test_findings_keep(void **state)
{
    (void)state;
    static const td_finding_kind K[] = {TD_FIND_NOISE, TD_FIND_OVERFITTING, TD_FIND_GAP_WIDENING,
                                        TD_FIND_OVERFITTING, TD_FIND_SATURATION};
    mrun m;
    mrun_begin(&m, "keep", "step", NULL, 0);
    td_findings fs;
    td_findings_init(&fs);
    td_err e;
    for (size_t i = 0; i < sizeof K / sizeof *K; i++)
        assert_int_equal(td_findings_add(&fs, K[i], &m.run, NULL, NULL, 0, 1, 1, 0, 0, 0, 0, &e, "finding %zu", i), TD_OK);
    assert_int_equal(td_findings_keep(&fs, 1, TD_FIND_OVERFITTING), 2);
    assert_int_equal(fs.n, 3);
    assert_int_equal(fs.f[0].kind, TD_FIND_NOISE); /* before from: untouched */
    assert_string_equal(fs.f[1].evidence, "finding 1");
    assert_string_equal(fs.f[2].evidence, "finding 3");
    assert_int_equal(td_findings_keep(&fs, 3, TD_FIND_NOISE), 0);
    td_findings_free(&fs);
}

/* A long curve is binned by the mean (a logged loss is an average, and so is
 * its bin): 4096 points of 1, 1, 1, 5 give bins of 4 at 2, not the median 1. */
static void test_bins_by_mean(void **state)
{
    (void)state;
    mrun m;
    memset(&m, 0, sizeof m);
    m.run.name = (char *)"bins";
    td_series *t = add_series(&m, "loss", "loss", TD_SPLIT_TRAIN, TD_METRIC_LOSS, 4096);
    for (size_t i = 0; i < 4096; i++) { t->x[i] = (double)i; t->y[i] = i % 4 == 3 ? 5 : 1; t->line[i] = i + 1; }
    td_detect_opts o;
    td_detect_opts_default(&o);
    td_curve c;
    td_err e;
    assert_int_equal(td_curve_make(&c, t, 1, &o, &e), TD_OK);
    assert_int_equal(c.n, 1024);
    for (size_t j = 0; j < c.n; j++) assert_float_equal(c.y[j], 2, 1e-12);
    assert_float_equal(c.x[0], 1.5, 1e-12);
    td_curve_free(&c);
    mrun_free(&m);
}

static void test_smooth_and_noise(void **state)
{
    (void)state;
    double y[9] = {1, 2, 100, 4, 5, 6, 7, 8, 9}, s[9];
    assert_int_equal(td_trend_smooth(y, 9, 3, s), 0);
    assert_float_equal(s[2], 4, 0);   /* median of 2, 100, 4 */
    assert_float_equal(s[0], 1.5, 0); /* window cut at the edge: median of 1, 2 */
    td_rng r;
    td_rng_seed(&r, 9);
    static double z[2000];
    for (int i = 0; i < 2000; i++) z[i] = 10 - 0.001 * i + 0.2 * td_rng_normal(&r);
    double sig = td_trend_noise(z, 2000, 21, 0);
    /* leave-one-out residuals over-estimate σ a little */
    assert_true(sig > 0.18 && sig < 0.24);
    assert_true(isnan(td_trend_noise(z, 2, 3, 0)));
}

/* td_trend_median (selection, in place) agrees with td_median (sort), odd
 * and even sizes, ties included. */
static void test_median_by_selection(void **state)
{
    (void)state;
    td_rng r;
    td_rng_seed(&r, 11);
    double a[301], b[301];
    for (int trial = 0; trial < 300; trial++) {
        size_t m = 1 + td_rng_below(&r, 300);
        for (size_t i = 0; i < m; i++) {
            a[i] = td_rng_below(&r, 3) == 0 ? 1.0 : td_rng_normal(&r); /* many ties */
            b[i] = a[i];
        }
        assert_float_equal(td_trend_median(a, m), td_median(b, m), 1e-15);
    }
    assert_true(isnan(td_trend_median(a, 0)));
}

/* A spike that recovers is info; a steady rise is not a spike. */
static void test_spikes_vs_trend(void **state)
{
    (void)state;
    mrun m;
    memset(&m, 0, sizeof m);
    m.run.name = (char *)"spiky";
    td_series *s = add_series(&m, "loss", "loss", TD_SPLIT_TRAIN, TD_METRIC_LOSS, 120);
    td_rng r;
    td_rng_seed(&r, 5);
    for (size_t i = 0; i < 120; i++) {
        s->x[i] = (double)i;
        s->y[i] = (0.3 + 2.0 * exp(-(double)i / 20)) * (1 + 0.01 * td_rng_normal(&r));
    }
    s->y[70] += 2.0; /* one bad batch */
    td_findings fs;
    td_err e;
    td_findings_init(&fs);
    assert_int_equal(td_findings_detect(&m.run, NULL, &fs, &e), TD_OK);
    assert_true(has_kind(&fs, TD_FIND_SPIKES));
    assert_false(has_kind(&fs, TD_FIND_SPIKE_UNRECOVERED));
    td_findings_free(&fs);
    s->y[70] -= 2.0;
    for (size_t i = 60; i < 120; i++) s->y[i] += 0.02 * (double)(i - 60); /* steady rise */
    td_findings_init(&fs);
    assert_int_equal(td_findings_detect(&m.run, NULL, &fs, &e), TD_OK);
    assert_false(has_kind(&fs, TD_FIND_SPIKES));
    assert_false(has_kind(&fs, TD_FIND_SPIKE_UNRECOVERED));
    assert_true(has_kind(&fs, TD_FIND_LOSS_RISING));
    td_findings_free(&fs);
    mrun_free(&m);
}

/* A run still improving while its learning rate still warms up says so
 * (detectron2's "far too short"); a constant learning rate does not. */
static void test_warmup_note(void **state)
{
    (void)state;
    for (int warm = 0; warm < 2; warm++) {
        mrun m;
        build(&m, scen("still_improving"), 1); /* still_improving */
        td_series *lr = add_series(&m, "lr", "lr", TD_SPLIT_NONE, TD_METRIC_LR, 200);
        for (size_t i = 0; i < 200; i++) {
            lr->x[i] = 10 + 10.0 * (double)i;
            lr->y[i] = warm ? 1e-5 * (double)(i + 1) : 1e-3;
        }
        td_findings fs;
        td_err e;
        td_findings_init(&fs);
        assert_int_equal(td_findings_detect(&m.run, NULL, &fs, &e), TD_OK);
        int seen = 0, noted = 0;
        for (size_t i = 0; i < fs.n; i++)
            if (fs.f[i].kind == TD_FIND_STILL_IMPROVING) {
                seen = 1;
                noted = strstr(fs.f[i].evidence, "warming up") != NULL;
            }
        assert_true(seen);
        assert_int_equal(noted, warm);
        td_findings_free(&fs);
        mrun_free(&m);
    }
}

/* The --follow line: one line, names through td_safe_text; JSON form parses. */
static void test_finding_line(void **state)
{
    (void)state;
    mrun m;
    memset(&m, 0, sizeof m);
    m.run.name = (char *)"r\033un";
    td_series *s = add_series(&m, "lo\nss", "loss", TD_SPLIT_TRAIN, TD_METRIC_LOSS, 1);
    td_findings fs;
    td_err e;
    td_findings_init(&fs);
    assert_int_equal(td_findings_add(&fs, TD_FIND_NOISE, &m.run, s, NULL, 5, 9, 3, 0.4, 0.15,
                                     0.1, NAN, &e, "noise %d%%", 40), TD_OK);
    td_buf b = {0};
    td_out o = td_out_buf(&b);
    td_finding_write_line(&o, &fs.f[0], "epoch", 0, NULL);
    assert_string_equal(b.data, "r?un: warning noise lo?ss epoch 5..9: noise 40%\n");
    td_buf_free(&b);
    o = td_out_buf(&b);
    td_finding_write_line(&o, &fs.f[0], "epoch", 0, "provisional");
    assert_string_equal(b.data, "provisional: r?un: warning noise lo?ss epoch 5..9: noise 40%\n");
    td_buf_free(&b);
    o = td_out_buf(&b);
    td_finding_write_line(&o, &fs.f[0], "epoch", 1, "withdrawn");
    json_object *j = json_tokener_parse(b.data);
    assert_non_null(j);
    json_object *x;
    assert_true(json_object_object_get_ex(j, "status", &x));
    assert_string_equal(json_object_get_string(x), "withdrawn");
    assert_true(json_object_object_get_ex(j, "p", &x));
    assert_true(json_object_is_type(x, json_type_null)); /* NaN -> null */
    assert_true(json_object_object_get_ex(j, "metric", &x));
    assert_string_equal(json_object_get_string(x), "lo\nss");
    json_object_put(j);
    td_buf_free(&b);
    td_findings_free(&fs);
    mrun_free(&m);
}

/* ---- thresholds, severities, kinds ---------------------------------------- */
static void test_opts(void **state)
{
    (void)state;
    td_detect_opts o;
    td_detect_opts_default(&o);
    assert_float_equal(o.z, 3, 0);
    assert_float_equal(td_detect_opts_get(&o, "alpha"), 0.05, 0);
    td_err e;
    assert_int_equal(td_detect_opts_set(&o, "z", "4.5", &e), TD_OK);
    assert_float_equal(o.z, 4.5, 0);
    assert_int_equal(td_detect_opts_set(&o, "min_points", "6", &e), TD_OK);
    assert_int_equal(o.min_points, 6);
    assert_int_equal(td_detect_opts_set(&o, "z", "4.5x", &e), TD_EUSAGE);
    assert_non_null(strstr(e.msg, "z"));
    assert_int_equal(td_detect_opts_set(&o, "alpha", "2", &e), TD_EUSAGE);
    assert_int_equal(td_detect_opts_set(&o, "bogus", "1", &e), TD_EUSAGE);
    assert_non_null(strstr(e.msg, "bogus"));
    size_t n = td_detect_opts_count();
    assert_true(n >= 10);
    for (size_t i = 0; i < n; i++) {
        const td_detect_opt_info *in = td_detect_opts_info(i);
        assert_false(isnan(td_detect_opts_get(&o, in->name)));
        assert_true(strlen(in->help) > 10);
    }
    assert_null(td_detect_opts_info(n));
    td_severity s;
    assert_int_equal(td_severity_parse("--fail-on", "error", &s, &e), TD_OK);
    assert_int_equal(s, TD_SEV_ERROR);
    assert_int_equal(td_severity_parse("--fail-on", "fatal", &s, &e), TD_EUSAGE);
    for (int k = 0; k < TD_FIND_NKINDS; k++) {
        assert_string_not_equal(td_finding_kind_name(k), "unknown");
        assert_true(strlen(td_finding_advice(k)) > 20);
    }
}

/* A threshold changes the decision: a stricter noise limit flags the noisy
 * healthy run, a laxer one clears the noise scenario. */
static void test_threshold_moves_decision(void **state)
{
    (void)state;
    mrun m;
    build(&m, scen("noise_val"), 2); /* noise */
    td_detect_opts o;
    td_detect_opts_default(&o);
    td_findings fs;
    td_err e;
    td_findings_init(&fs);
    assert_int_equal(td_findings_detect(&m.run, &o, &fs, &e), TD_OK);
    assert_true(has_kind(&fs, TD_FIND_NOISE));
    td_findings_free(&fs);
    o.noise_cv = 5;
    assert_int_equal(td_findings_detect(&m.run, &o, &fs, &e), TD_OK);
    assert_false(has_kind(&fs, TD_FIND_NOISE));
    td_findings_free(&fs);
    mrun_free(&m);
}

/* Short runs (fewer than min_points) raise nothing; empty runs are fine. */
static void test_short_runs(void **state)
{
    (void)state;
    mrun m;
    memset(&m, 0, sizeof m);
    m.run.name = (char *)"short";
    td_series *s = add_series(&m, "loss", "loss", TD_SPLIT_TRAIN, TD_METRIC_LOSS, 3);
    s->x[0] = 1; s->x[1] = 2; s->x[2] = 3;
    s->y[0] = 1; s->y[1] = 100; s->y[2] = 0.5;
    td_findings fs;
    td_err e;
    td_findings_init(&fs);
    assert_int_equal(td_findings_detect(&m.run, NULL, &fs, &e), TD_OK);
    assert_int_equal(fs.n, 0);
    mrun_free(&m);
    td_run empty = {0};
    assert_int_equal(td_findings_detect(&empty, NULL, &fs, &e), TD_OK);
    assert_int_equal(fs.n, 0);
    td_findings_free(&fs);
    td_findings_free(NULL);
}

/* ---- report ------------------------------------------------------------------ */
static void test_verdict(void **state)
{
    (void)state;
    td_findings fs;
    td_findings_init(&fs);
    char v[128];
    td_findings_verdict(&fs, v, sizeof v);
    assert_string_equal(v, "healthy");
    td_err e;
    assert_int_equal(td_findings_add(&fs, TD_FIND_STILL_IMPROVING, NULL, NULL, NULL, 0, 1, 0,
                                     NAN, NAN, NAN, NAN, &e, "x"), TD_OK);
    td_findings_verdict(&fs, v, sizeof v);
    assert_non_null(strstr(v, "still improving"));
    td_findings_add(&fs, TD_FIND_NOISE, NULL, NULL, NULL, 0, 1, 0, NAN, NAN, NAN, NAN, &e, "x");
    td_findings_add(&fs, TD_FIND_NONFINITE, NULL, NULL, NULL, 0, 1, 0, NAN, NAN, NAN, NAN, &e, "x");
    td_findings_add(&fs, TD_FIND_NOISE, NULL, NULL, NULL, 0, 1, 0, NAN, NAN, NAN, NAN, &e, "x");
    td_findings_verdict(&fs, v, sizeof v);
    assert_string_equal(v, "nonfinite, noise"); /* worst first, each kind once */
    assert_int_equal(td_findings_max_severity(&fs), TD_SEV_ERROR);
    assert_int_equal(td_findings_count_at_least(&fs, TD_SEV_WARNING), 3);
    td_findings_free(&fs);
}

static void judged(td_judged *j, mrun *m, const scenario *sc, const char *source)
{
    build(m, sc, 4);
    j->run = &m->run;
    j->source = source;
    td_findings_init(&j->findings);
    td_err e;
    assert_int_equal(td_findings_detect(&m->run, NULL, &j->findings, &e), TD_OK);
}

static void test_report_text_and_json(void **state)
{
    (void)state;
    mrun m[4];
    td_judged j[4];
    judged(&j[0], &m[0], scen("overfitting"), "runs/lr0.1_seed1/log.csv");  /* overfitting */
    judged(&j[1], &m[1], scen("healthy"), "runs/lr0.1_seed2/log.csv");  /* healthy */
    judged(&j[2], &m[2], scen("healthy_noisy"), "runs/lr0.1_seed3/log.csv");
    judged(&j[3], &m[3], scen("healthy"), "other.csv");
    free(m[3].s[0].name);
    m[3].s[0].name = strdup("lo\033[2Jss");   /* a hostile name */
    td_report_opts ro = {TD_SEV_WARNING, 0, 0, 0};
    td_buf b = {0};
    td_out o = td_out_buf(&b);
    td_err e;
    assert_int_equal(td_findings_write_text(&o, j, 4, &ro, &e), TD_OK);
    assert_non_null(strstr(b.data, "overfitting"));
    assert_non_null(strstr(b.data, "verdict: healthy"));
    assert_non_null(strstr(b.data, "summary: 4 runs"));
    assert_non_null(strstr(b.data, "trial variance: runs/lr0.1_seed*/log.csv over 3 seeds"));
    assert_non_null(strstr(b.data, "FAIL"));
    assert_null(strchr(b.data, '\033'));
    td_buf_free(&b);
    o = td_out_buf(&b);
    assert_int_equal(td_findings_write_json(&o, j, 4, &ro, &e), TD_OK);
    json_object *root = json_tokener_parse(b.data);
    assert_non_null(root);
    json_object *runs, *groups, *summary, *x;
    assert_true(json_object_object_get_ex(root, "runs", &runs));
    assert_int_equal(json_object_array_length(runs), 4);
    assert_true(json_object_object_get_ex(root, "groups", &groups));
    assert_int_equal(json_object_array_length(groups), 1);
    json_object *g0 = json_object_array_get_idx(groups, 0);
    assert_true(json_object_object_get_ex(g0, "runs", &x));
    assert_int_equal(json_object_get_int(x), 3);
    assert_true(json_object_object_get_ex(root, "summary", &summary));
    assert_true(json_object_object_get_ex(summary, "fail", &x));
    assert_true(json_object_get_boolean(x));
    json_object *r0 = json_object_array_get_idx(runs, 0), *fl, *f0;
    assert_true(json_object_object_get_ex(r0, "findings", &fl));
    int found = 0;
    for (size_t i = 0; i < json_object_array_length(fl); i++) {
        f0 = json_object_array_get_idx(fl, i);
        assert_true(json_object_object_get_ex(f0, "kind", &x));
        found |= strcmp(json_object_get_string(x), "overfitting") == 0;
    }
    assert_true(found);
    json_object_put(root);
    td_buf_free(&b);
    for (int i = 0; i < 4; i++) { td_findings_free(&j[i].findings); mrun_free(&m[i]); }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_theil_sen_and_mk),
        cmocka_unit_test(test_bins_by_mean),
        cmocka_unit_test(test_objective_pairs),
        cmocka_unit_test(test_findings_keep),
        cmocka_unit_test(test_other_loss_pairs),
        cmocka_unit_test(test_classes_inferred),
        cmocka_unit_test(test_plateau_lr_floor),
        cmocka_unit_test(test_smooth_and_noise),
        cmocka_unit_test(test_median_by_selection),
        cmocka_unit_test(test_spikes_vs_trend),
        cmocka_unit_test(test_finding_line),
        cmocka_unit_test(test_warmup_note),
        cmocka_unit_test(test_opts),
        cmocka_unit_test(test_each_finding_raised),
        cmocka_unit_test(test_healthy_quiet),
        cmocka_unit_test(test_no_crosstalk),
        cmocka_unit_test(test_prefixes),
        cmocka_unit_test(test_noise_fools_nothing),
        cmocka_unit_test(test_one_dip_not_noise),
        cmocka_unit_test(test_minibatch_by_epoch_density),
        cmocka_unit_test(test_findings_not_raised),
        cmocka_unit_test(test_resumed_and_zero_columns),
        cmocka_unit_test(test_short_decline_no_plateau),
        cmocka_unit_test(test_threshold_moves_decision),
        cmocka_unit_test(test_short_runs),
        cmocka_unit_test(test_verdict),
        cmocka_unit_test(test_report_text_and_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
