/* cf_findings.c — the findings list, the table of kinds (name, severity,
 * the seeds' advice), severities, and the table of settable thresholds. */
#include "td_findings.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* ---- kinds ---------------------------------------------------------------- */
static const struct {
    const char *name;
    td_severity sev;
    const char *advice;
} KINDS[TD_FIND_NKINDS] = {
    [TD_FIND_NONFINITE] = {"nonfinite", TD_SEV_ERROR,
        "the loss became NaN/Inf: lower the learning rate, clip gradients, check for log(0) or division by zero and for bad input rows"},
    [TD_FIND_NEGATIVE_LOSS] = {"negative_loss", TD_SEV_ERROR,
        "this loss cannot be negative: check the loss formula (sign, log of probabilities > 1, missing softmax) and the labels"},
    [TD_FIND_EXPLOSION] = {"explosion", TD_SEV_ERROR,
        "training diverged after it had learned: lower the learning rate (or add warm-up/decay), clip gradients, check mixed precision"},
    [TD_FIND_SPIKE_UNRECOVERED] = {"spike_unrecovered", TD_SEV_ERROR,
        "a jump that training never recovered from: lower the learning rate or clip gradients; look for bad batches at that step"},
    [TD_FIND_SPIKES] = {"spikes", TD_SEV_INFO,
        "isolated spikes that recover: usually a few hard or bad batches; gradient clipping keeps them harmless"},
    [TD_FIND_LOSS_RISING] = {"loss_rising", TD_SEV_ERROR,
        "training loss that increases during training usually means a bug in the training pipeline (Deep Learning Tuning Playbook); otherwise a learning rate too high late in training"},
    [TD_FIND_LR_FAR_TOO_HIGH] = {"lr_far_too_high", TD_SEV_ERROR,
        "the loss grows from the start: the learning rate is far too high (cs231n); divide it by 10"},
    [TD_FIND_LR_TOO_HIGH] = {"lr_too_high", TD_SEV_WARNING,
        "fast drop, then stuck at a high, bouncing value: the learning rate is too high (cs231n); lower it or decay it"},
    [TD_FIND_LR_TOO_LOW] = {"lr_too_low", TD_SEV_WARNING,
        "slow, nearly linear decrease: the learning rate is probably too low (cs231n); try it 3-10x larger"},
    [TD_FIND_NOT_LEARNING] = {"not_learning", TD_SEV_ERROR,
        "the loss stays at its initial value: check that gradients flow (frozen weights, detached graph, zero learning rate), the labels and the data pipeline; overfit 20 examples first (cs231n)"},
    [TD_FIND_UNDERFITTING] = {"underfitting", TD_SEV_WARNING,
        "train and validation are both poor and close: underfitting (tuning tips); a bigger model, longer training, less regularization or a better learning rate"},
    [TD_FIND_INITIAL_LOSS] = {"initial_loss", TD_SEV_WARNING,
        "the first loss is far from chance ln(C) (cs231n): check the initialisation scale, the number of classes, the loss reduction and the labels"},
    [TD_FIND_OVERFITTING] = {"overfitting", TD_SEV_WARNING,
        "validation worsens while training improves: add regularization (dropout, weight decay, label smoothing, augmentation) or stop earlier (Deep Learning Tuning Playbook)"},
    [TD_FIND_METRIC_DISAGREEMENT] = {"metric_disagreement", TD_SEV_WARNING,
        "validation loss worsens while the task metric still improves: the model grows over-confident; choose the checkpoint by the task metric, consider label smoothing"},
    [TD_FIND_NOISE] = {"noise", TD_SEV_WARNING,
        "high step-to-step variance late in training: a bigger batch, more validation data, learning-rate decay or Polyak averaging (Deep Learning Tuning Playbook)"},
    [TD_FIND_SATURATION] = {"saturation", TD_SEV_WARNING,
        "stopped improving long before the end: fewer steps would do (not compute-bound), or decay the learning rate earlier (Deep Learning Tuning Playbook)"},
    [TD_FIND_STILL_IMPROVING] = {"still_improving", TD_SEV_INFO,
        "still improving at the end: compute-bound; more steps or a schedule change would likely help (Deep Learning Tuning Playbook)"},
    [TD_FIND_CLASSES_ASSUMED] = {"classes_assumed", TD_SEV_INFO,
        "the number of classes was inferred for the chance checks (initial loss, underfitting, stuck at ln C); pass --classes C if it is wrong"},
    [TD_FIND_GAP_WIDENING] = {"gap_widening", TD_SEV_INFO,
        "validation stalls while training improves: more steps only fit the training set; keep the checkpoint at the validation best, regularize if the gap keeps growing (Deep Learning Tuning Playbook)"},
};

const char *td_finding_kind_name(td_finding_kind k)
{
    return (unsigned)k < TD_FIND_NKINDS ? KINDS[k].name : "unknown";
}
const char *td_finding_advice(td_finding_kind k)
{
    return (unsigned)k < TD_FIND_NKINDS ? KINDS[k].advice : "";
}
td_severity td_finding_severity(td_finding_kind k)
{
    return (unsigned)k < TD_FIND_NKINDS ? KINDS[k].sev : TD_SEV_ERROR;
}

/* ---- severities ----------------------------------------------------------- */
static const char *SEV_NAMES[] = {"info", "warning", "error", "never"};

const char *td_severity_name(td_severity s)
{
    return (unsigned)s <= TD_SEV_NEVER ? SEV_NAMES[s] : "unknown";
}

td_code td_severity_parse(const char *what, const char *s, td_severity *out, td_err *e)
{
    for (int i = 0; i <= TD_SEV_NEVER; i++)
        if (s && strcmp(s, SEV_NAMES[i]) == 0) { *out = (td_severity)i; return TD_OK; }
    return td_fail(e, TD_EUSAGE, "%s: '%s' is not info, warning, error or never", what,
                   s ? s : "");
}

/* ---- list ----------------------------------------------------------------- */
void td_findings_init(td_findings *fs) { memset(fs, 0, sizeof *fs); }

static void finding_strings_free(td_finding *f)
{
    free(f->run);
    free(f->metric);
    free(f->other);
}

void td_findings_free(td_findings *fs)
{
    if (!fs) return;
    for (size_t i = 0; i < fs->n; i++) finding_strings_free(&fs->f[i]);
    free(fs->f);
    memset(fs, 0, sizeof *fs);
}

size_t td_findings_keep(td_findings *fs, size_t from, td_finding_kind k)
{
    size_t w = from;
    for (size_t i = from; i < fs->n; i++) {
        if (fs->f[i].kind == k) fs->f[w++] = fs->f[i];
        else finding_strings_free(&fs->f[i]);
    }
    fs->n = w;
    return w - from;
}

static int same(const char *a, const char *b) { return a && b && strcmp(a, b) == 0; }

int td_findings_has(const td_findings *fs, td_finding_kind k, const char *run,
                    const char *metric)
{
    for (size_t i = 0; i < fs->n; i++) {
        const td_finding *f = &fs->f[i];
        if (f->kind == k && same(f->run, run ? run : "run") && (!metric || same(f->metric, metric)))
            return 1;
    }
    return 0;
}

int td_findings_max_severity(const td_findings *fs)
{
    int m = -1;
    for (size_t i = 0; i < fs->n; i++)
        if ((int)fs->f[i].severity > m) m = (int)fs->f[i].severity;
    return m;
}

size_t td_findings_count_at_least(const td_findings *fs, td_severity s)
{
    size_t c = 0;
    for (size_t i = 0; i < fs->n; i++) c += fs->f[i].severity >= s;
    return c;
}

static char *dup_or_null(const char *s, int *fail)
{
    if (!s) return NULL;
    char *d = strdup(s);
    if (!d) *fail = 1;
    return d;
}

td_code td_findings_add(td_findings *fs, td_finding_kind kind, const td_run *run,
                        const td_series *metric, const td_series *other,
                        double x_from, double x_to, size_t line,
                        double value, double limit, double noise, double p,
                        td_err *e, const char *fmt, ...)
{
    if (fs->n == fs->cap) {
        size_t cap = fs->cap ? 2 * fs->cap : 8;
        td_finding *f = realloc(fs->f, cap * sizeof *f);
        if (!f) return td_fail(e, TD_ENOMEM, "out of memory adding a finding");
        fs->f = f;
        fs->cap = cap;
    }
    td_finding *f = &fs->f[fs->n];
    memset(f, 0, sizeof *f);
    int fail = 0;
    f->run = dup_or_null(run && run->name ? run->name : "run", &fail);
    f->metric = dup_or_null(metric ? metric->name : NULL, &fail);
    f->other = dup_or_null(other ? other->name : NULL, &fail);
    if (fail) {
        finding_strings_free(f);
        return td_fail(e, TD_ENOMEM, "out of memory adding a finding");
    }
    f->kind = kind;
    f->severity = td_finding_severity(kind);
    f->x_from = x_from;
    f->x_to = x_to;
    f->line = line;
    f->value = value;
    f->limit = limit;
    f->noise = noise;
    f->p = p;
    f->advice = td_finding_advice(kind);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->evidence, sizeof f->evidence, fmt, ap);
    va_end(ap);
    fs->n++;
    return TD_OK;
}

/* ---- thresholds ------------------------------------------------------------ */
typedef enum { OPT_DOUBLE, OPT_SIZE, OPT_INT } opt_type;
static const struct {
    td_detect_opt_info info;
    size_t off;
    opt_type type;
    double lo, hi, def;
} OPTS[] = {
#define D(name, lo, hi, def, help) {{#name, help}, offsetof(td_detect_opts, name), OPT_DOUBLE, lo, hi, def}
    D(z, 0.5, 100, 3, "a change is real when larger than z times the series' own noise"),
    D(alpha, 1e-9, 0.5, 0.05, "Mann-Kendall two-sided significance level of a trend"),
    D(smooth_frac, 0, 0.5, 0.1, "running-median window as a fraction of the points (at least 3)"),
    D(tail_frac, 0.05, 1, 0.5, "the late part of the run: last fraction of its points"),
    {{"min_points", "fewest finite points to judge a trend"}, offsetof(td_detect_opts, min_points), OPT_SIZE, 3, 1e6, 4},
    D(noise_cv, 0, 100, 0.15, "noise: late step-to-step noise / late level above this"),
    D(noise_cv_step, 0, 100, 0.4, "noise: the same for a training loss logged per minibatch"),
    D(noise_floor, 0, 1, 0.1, "noise: the level is at least this x the starting level"),
    D(sat_gain, 0, 1, 0.1, "still improving: the tail gained at least this share of the total improvement"),
    D(sat_level, 0, 1, 0.02, "saturation: the rest of the run moved less than this x the final level"),
    D(sat_before, 0.05, 1, 0.5, "saturation: the rest of the run starts at this fraction of it"),
    D(plateau_frac, 0.05, 0.95, 0.3, "plateau: the judged objective's last fraction of the run gained < sat_gain"),
    D(plateau_rel, 0, 1, 0.1, "plateau: a trendless late stretch may gain up to this x the level"),
    D(gap_rel, 0, 10, 0.05, "overfitting by gap: widening above this x the validation level"),
    D(stall_ratio, 0, 1, 0.25, "overfitting by gap: validation gains less than this x training's gain"),
    D(worse_rel, 0, 10, 0.1, "overfitting by gap: validation also worsens by more than this x its level"),
    D(acc_gap, 0, 1, 0.1, "overfitting by gap: or training accuracy ends this far (a fraction) above validation's"),
    {{"noise_points", "noise: fewest late points to estimate it"}, offsetof(td_detect_opts, noise_points), OPT_SIZE, 3, 1e6, 10},
    D(explode_factor, 1, 1e12, 10, "explosion: smoothed loss above factor x its minimum and above its start"),
    D(far_factor, 1, 1e12, 2, "a loss rising from the start: lr far too high above this x its start"),
    D(spike_z, 1, 1e6, 8, "spike: a point more than spike_z noise above the level before it"),
    D(fast_frac, 0.01, 0.9, 0.2, "lr too high: 80% of the drop within this first fraction"),
    D(linear_ratio, 0, 10, 0.8, "lr too low: late slope / early slope between this and its inverse"),
    D(flat_rel, 0, 1, 0.02, "not learning: total improvement below this share of the start"),
    D(trivial_tol, 0, 0.1, 0.002, "not learning: a flat end this close to a constant predictor's loss"),
    D(underfit_rel, 0, 1, 0.5, "underfitting: final loss > this x ln C, or accuracy < 1 - this"),
    D(chance_tol, 0, 10, 0.25, "initial loss: relative distance from ln C above this"),
    {{"classes", "number of classes C for the chance loss ln C (0 = unknown)"}, offsetof(td_detect_opts, classes), OPT_INT, 0, 1e9, 0},
#undef D
};
#define NOPTS (sizeof OPTS / sizeof OPTS[0])

size_t td_detect_opts_count(void) { return NOPTS; }

const td_detect_opt_info *td_detect_opts_info(size_t i)
{
    return i < NOPTS ? &OPTS[i].info : NULL;
}

static void opt_put(td_detect_opts *o, size_t i, double v)
{
    char *p = (char *)o + OPTS[i].off;
    if (OPTS[i].type == OPT_DOUBLE) *(double *)p = v;
    else if (OPTS[i].type == OPT_SIZE) *(size_t *)p = (size_t)v;
    else *(int *)p = (int)v;
}

void td_detect_opts_default(td_detect_opts *o)
{
    memset(o, 0, sizeof *o);
    for (size_t i = 0; i < NOPTS; i++) opt_put(o, i, OPTS[i].def);
}

double td_detect_opts_get(const td_detect_opts *o, const char *name)
{
    for (size_t i = 0; i < NOPTS; i++) {
        if (strcmp(name, OPTS[i].info.name) != 0) continue;
        const char *p = (const char *)o + OPTS[i].off;
        if (OPTS[i].type == OPT_DOUBLE) return *(const double *)p;
        if (OPTS[i].type == OPT_SIZE) return (double)*(const size_t *)p;
        return *(const int *)p;
    }
    return NAN;
}

td_code td_detect_opts_set(td_detect_opts *o, const char *name, const char *value, td_err *e)
{
    for (size_t i = 0; i < NOPTS; i++) {
        if (strcmp(name, OPTS[i].info.name) != 0) continue;
        char what[64];
        snprintf(what, sizeof what, "--set %s", OPTS[i].info.name);
        if (OPTS[i].type == OPT_DOUBLE) {
            double v;
            td_code c = td_parse_double(what, value, OPTS[i].lo, OPTS[i].hi, &v, e);
            if (c) return c;
            opt_put(o, i, v);
        } else {
            long long v;
            td_code c = td_parse_long(what, value, (long long)OPTS[i].lo, (long long)OPTS[i].hi, &v, e);
            if (c) return c;
            opt_put(o, i, (double)v);
        }
        return TD_OK;
    }
    char safe[64];
    return td_fail(e, TD_EUSAGE, "--set: unknown threshold '%s' (see --help)",
                   td_safe_text(safe, sizeof safe, name));
}
