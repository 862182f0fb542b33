/* td_findings.h — what is wrong with a training run's curves: the findings,
 * the detectors that raise them, the trend statistics they use, and the
 * report (text and JSON) that curvecheck prints.
 *
 * Rulebook: seed 000 (tuning playbook: overfitting, late noise, saturation,
 * still improving, rising training loss), seed 003 (cs231n babysitting:
 * loss-curve shapes by learning rate, initial loss = ln C), seed 004
 * (under- vs overfitting).
 *
 * Decisions come from statistics of the run itself, never from fixed
 * patience counts:
 *   noise  σ  = td_mad of each point's distance from the median of its
 *               neighbours on both sides (robust: spikes do not inflate it,
 *               a linear trend cancels); the late step-to-step noise is
 *               the same residuals' standard deviation, spikes left out;
 *   trend     = Theil–Sen slope (median of pairwise slopes) and the
 *               Mann–Kendall test (S statistic, normal approximation);
 *   a change is real when it exceeds z·σ AND its trend is significant.
 * Every threshold is a field of td_detect_opts (defaults in
 * td_detect_opts_default and in curvecheck --help / curvecheck(1)).
 *
 * Ownership: a td_findings owns its findings and their strings (copied
 * from the run), so it outlives the td_log it was computed from.
 */
#ifndef TD_FINDINGS_H
#define TD_FINDINGS_H

#include "td.h"
#include "td_curves.h"

/* ---- severities ---------------------------------------------------------- */
typedef enum {
    TD_SEV_INFO = 0,  /* worth knowing, not wrong: still improving, recovered spikes */
    TD_SEV_WARNING,   /* the run wastes effort or generalizes badly: overfitting,
                         noise, saturation, learning-rate shape, disagreement */
    TD_SEV_ERROR,     /* the run is broken: NaN/Inf, explosion, loss rising,
                         not learning, impossible negative loss */
    TD_SEV_NEVER      /* only as a --fail-on level: never fail */
} td_severity;

const char *td_severity_name(td_severity s);   /* "info", "warning", "error", "never" */
/* Parse "info" | "warning" | "error" | "never"; TD_EUSAGE naming what otherwise. */
td_code td_severity_parse(const char *what, const char *s, td_severity *out, td_err *e);

/* ---- finding kinds (stable names used in JSON and by diagreport) ---------- */
typedef enum {
    TD_FIND_NONFINITE = 0,     /* "nonfinite": NaN/Inf in a loss              (error) */
    TD_FIND_NEGATIVE_LOSS,     /* "negative_loss": a loss that started > 0 goes < 0 (error) */
    TD_FIND_EXPLOSION,         /* "explosion": learned, then blew up > explode_factor (error) */
    TD_FIND_SPIKE_UNRECOVERED, /* "spike_unrecovered": jump that leaves the level raised (error) */
    TD_FIND_SPIKES,            /* "spikes": isolated spikes that recover       (info) */
    TD_FIND_LOSS_RISING,       /* "loss_rising": training loss trends up (pipeline bug) (error) */
    TD_FIND_LR_FAR_TOO_HIGH,   /* "lr_far_too_high": rises from the start      (error) */
    TD_FIND_LR_TOO_HIGH,       /* "lr_too_high": fast drop, then stuck and bouncing (warning) */
    TD_FIND_LR_TOO_LOW,        /* "lr_too_low": slow, nearly linear decrease   (warning) */
    TD_FIND_NOT_LEARNING,      /* "not_learning": flat at its initial value    (error) */
    TD_FIND_UNDERFITTING,      /* "underfitting": train and val both poor and close (warning) */
    TD_FIND_INITIAL_LOSS,      /* "initial_loss": first loss far from ln C (--classes) (warning) */
    TD_FIND_OVERFITTING,       /* "overfitting": val passes its minimum and rises, or the
                                  gap widens while train improves            (warning) */
    TD_FIND_METRIC_DISAGREEMENT, /* "metric_disagreement": val loss worsens while the
                                  task metric still improves                 (warning) */
    TD_FIND_NOISE,             /* "noise": late step-to-step noise large vs the level (warning) */
    TD_FIND_SATURATION,        /* "saturation": stopped improving long before the end (warning) */
    TD_FIND_STILL_IMPROVING,   /* "still_improving": compute-bound at the end  (info) */
    TD_FIND_GAP_WIDENING,      /* "gap_widening": validation stalls while training improves
                                  and the gap widens: overfitting beginning (info) */
    TD_FIND_CLASSES_ASSUMED,   /* "classes_assumed": no --classes, C inferred from the first
                                  loss (ln C) and first accuracy (1/C) (info) */
    TD_FIND_NKINDS
} td_finding_kind;

const char *td_finding_kind_name(td_finding_kind k);
/* The seeds' advice for a kind (static text). */
const char *td_finding_advice(td_finding_kind k);

#define TD_FINDING_TEXT 512
typedef struct {
    td_finding_kind kind;
    td_severity severity;
    char *run;          /* run name (copied from td_run.name) */
    char *metric;       /* series the finding is about, e.g. "val_loss" (copied) */
    char *other;        /* the second series when two are compared (train loss
                           for a gap, accuracy for a disagreement), or NULL */
    double x_from, x_to;/* step range of the evidence, on the run's x axis */
    size_t line;        /* source line/record of the first evidence point, 0 = none */
    /* Evidence numbers (NaN when not used by the kind):
     *   value     the measured quantity (rise above the minimum, noise ratio,
     *             improvement fraction, first loss, ...)
     *   limit     the threshold it was compared against
     *   noise     the run's own noise scale σ for that series
     *   p         the Mann–Kendall p-value of the trend behind it */
    double value, limit, noise, p;
    char evidence[TD_FINDING_TEXT]; /* the numbers in words, one line */
    const char *advice;             /* = td_finding_advice(kind), static */
} td_finding;

typedef struct {
    td_finding *f;
    size_t n, cap;
} td_findings;

void td_findings_init(td_findings *fs);
/* Free every finding's strings and the array; fs may be NULL. */
void td_findings_free(td_findings *fs);
/* Of the findings from index from on, keep those of kind k (in order) and
 * drop the rest; returns how many were kept. */
size_t td_findings_keep(td_findings *fs, size_t from, td_finding_kind k);
/* 1 when fs holds a finding of kind k for the run named run and, unless
 * metric is NULL, the series named metric (lets a detector leave alone what
 * an earlier one has explained). */
int td_findings_has(const td_findings *fs, td_finding_kind k, const char *run,
                    const char *metric);
/* Highest severity present, or -1 when there is none. */
int td_findings_max_severity(const td_findings *fs);
/* Number of findings with severity >= s. */
size_t td_findings_count_at_least(const td_findings *fs, td_severity s);

/* ---- thresholds --------------------------------------------------------- */
typedef struct {
    double z;              /* a change is real when > z·σ of its series (3) */
    double alpha;          /* Mann–Kendall two-sided significance level (0.05) */
    double smooth_frac;    /* running-median window as a fraction of the points,
                              at least 3 points (0.1) */
    double tail_frac;      /* "late in training" / "at the end": last fraction of
                              the run, at least min_points points (0.5) */
    size_t min_points;     /* fewest finite points to judge a trend (4) */
    double noise_cv;       /* noise: late step noise / late level above this (0.15) */
    double noise_cv_step;  /* the same for a training loss logged per minibatch (0.4) */
    double noise_floor;    /* noise: the level is at least this × the starting
                              level (a loss near 0 is not noisy for tiny wiggles) (0.1) */
    double sat_gain;       /* still improving: the tail gained >= sat_gain of the
                              run's total improvement (0.1) */
    double sat_level;      /* saturation: the part after sat_before moved less
                              than sat_level × the final level, either way (0.02) */
    double sat_before;     /* saturation: where "the rest of the run" starts, as
                              a fraction of the x range (0.5) */
    double plateau_frac;   /* plateau of the judged objective: its last fraction of
                              the x range gained less than sat_gain of the total (0.3) */
    double plateau_rel;    /* plateau: a trendless (noisy) late stretch may gain up
                              to this × the final level, a trending one sat_level (0.1) */
    double gap_rel;        /* overfitting by gap: it widens by more than gap_rel ×
                              the validation level (0.05) */
    double stall_ratio;    /* overfitting by gap: validation gains less than this ×
                              what training gains over the tail (0.25) */
    double worse_rel;      /* a widening gap is overfitting (else gap_widening) when
                              validation worsens by more than this × its level (0.1) */
    double acc_gap;        /* ... or when training's accuracy ends more than this
                              (a fraction: 0.1 = 10 points) above validation's (0.1) */
    size_t noise_points;   /* noise: fewest tail points to estimate it; lr too low
                              needs twice, underfitting once as many points (10) */
    double explode_factor; /* explosion: smoothed loss > factor × its minimum and
                              > its start (10) */
    double far_factor;     /* a loss rising from the start: lr far too high when it
                              ends above far_factor × its start, else loss rising (2) */
    double spike_z;        /* spike: a point > spike_z·σ (and 25%) above the median
                              of the w points before it (8) */
    double fast_frac;      /* lr too high: >= 80% of the drop happens in the first
                              fast_frac of the run (0.2) */
    double linear_ratio;   /* lr too low: late slope / early slope within
                              [linear_ratio, 1/linear_ratio] (0.8) */
    double flat_rel;       /* not learning: total improvement < flat_rel × |start| (0.02) */
    double trivial_tol;    /* not learning: a flat end within this relative distance of a
                              constant predictor's loss (0.25, ln 2, ln C) (0.002) */
    double underfit_rel;   /* underfitting: final train loss > underfit_rel × ln C, or
                              final train accuracy < 1 - underfit_rel (0.5) */
    double chance_tol;     /* initial loss: |first - ln C| > chance_tol × ln C (0.25) */
    int classes;           /* C for the chance loss ln C; 0 = unknown (0) */
} td_detect_opts;

void td_detect_opts_default(td_detect_opts *o);
/* Set one threshold by name ("z", "alpha", ... as the field names above)
 * from text: "name=value" in curvecheck --set. TD_EUSAGE names the bad part. */
td_code td_detect_opts_set(td_detect_opts *o, const char *name, const char *value, td_err *e);
/* The settable thresholds, for --help and the man page: i in [0, count). */
typedef struct { const char *name; const char *help; } td_detect_opt_info;
size_t td_detect_opts_count(void);
const td_detect_opt_info *td_detect_opts_info(size_t i); /* NULL past the end */
/* Current value of a named threshold (NaN when unknown). */
double td_detect_opts_get(const td_detect_opts *o, const char *name);

/* ---- detection ----------------------------------------------------------- */
/* Run every detector on run and APPEND its findings to out (init it first).
 * The run is not changed. Returns TD_OK, or TD_ENOMEM. Runs too short to
 * judge (fewer than min_points finite points) raise nothing. */
td_code td_findings_detect(const td_run *run, const td_detect_opts *o,
                           td_findings *out, td_err *e);

/* ---- trend statistics (used by the detectors; public for studycheck) ----- */
/* Running median of y (n) with an odd window w (clamped to n) into out (n);
 * the window [i-w/2, i+w/2] is cut at the ends (so the first and last values
 * are medians of w/2+1 points). Non-finite values skipped.
 * Returns 0, or -1 on allocation failure. */
int td_trend_smooth(const double *y, size_t n, size_t w, double *out);
/* Median of the finite values a[0..m) given (no NaN), reordering a: Hoare's
 * selection, linear on average, no allocation. NaN when m == 0. */
double td_trend_median(double *a, size_t m);
/* Robust noise σ: td_mad over the interior points i in [max(from,1), n-1)
 * of y_i minus the median of its neighbours within r = min(w/2, i, n-1-i)
 * on each side: symmetric, so a linear trend cancels, and y_i itself left
 * out, so the reference does not follow the point's own noise (this
 * over-estimates σ by ~10-20% for small w, which errs towards no alarm).
 * NaN if fewer than 3 residuals. */
double td_trend_noise(const double *y, size_t n, size_t w, size_t from);
/* Step-to-step noise as a standard deviation (the variance late in
 * training that seed 000 asks about; more efficient than the MAD on few
 * points): the sample standard deviation of the leave-one-out residuals
 * above with w = 5, leaving out those farther than clip × their MAD-σ from
 * their median (isolated spikes, reported apart; clip <= 0 keeps all);
 * with drop_far, of y without the point whose residual lies farthest out
 * (residuals taken anew: a noise that does not hinge on one point),
 * divided by TD_TREND_RMS_INFLATION (their inflation over σ for normal
 * noise, so the result estimates σ). NaN if n < 5. */
#define TD_TREND_RMS_INFLATION 1.15
double td_trend_noise_rms(const double *y, size_t n, double clip, int drop_far);
/* Theil–Sen slope of (x, y)[0..n): median of (y_j-y_i)/(x_j-x_i), i<j, x_j≠x_i.
 * When n > 200 the means of consecutive groups of ceil(n/200) points are used
 * (every point counts; <= 200 kept). NaN if < 2. */
double td_trend_theil_sen(const double *x, const double *y, size_t n);
/* Mann–Kendall test on y[0..n) in order: S = Σ_{i<j} sgn(y_j - y_i),
 * Var S = n(n-1)(2n+5)/18 (ties ignored), Z = (S - sgn S)/sqrt(Var S),
 * p = erfc(|Z|/√2) (two-sided). Returns S/(n(n-1)/2) (Kendall's τ) and
 * writes p (1 when n < 3). Grouped as Theil–Sen when n > 200. */
double td_trend_mann_kendall(const double *y, size_t n, double *p);

/* ---- for detector authors ------------------------------------------------ */
/* One series as the detectors see it: finite points only, oriented so that
 * lower is better (accuracy is negated), binned to at most TD_CURVE_MAX
 * points (bin: mean x, mean y: a logged loss is an average) so that a million-row log is judged in
 * linear time. */
#define TD_CURVE_MAX 1024
typedef struct {
    const td_series *s;  /* the series (NULL: no curve) */
    double sign;         /* +1, or -1 when higher is better (y = -value) */
    size_t n;            /* points kept */
    double *x, *y;       /* (n) binned, oriented */
    size_t *line;        /* (n) first source line of each point/bin */
    double *sm;          /* (n) running median of y, window w */
    size_t w;            /* smoothing window (odd, >= 3 unless n < 3) */
    double sigma;        /* robust residual noise of y around sm (whole curve) */
    double sigma_late;   /* step-to-step noise over the raw (unbinned) tail, as a
                            standard deviation (td_trend_noise_rms, clipped at
                            spike_z: isolated spikes are the spike detector's) */
    double sigma_late_1; /* the same without the point farthest out (one dip
                            in a short tail does not make a noise) */
    size_t nraw;         /* finite raw points */
    size_t nonfinite;    /* NaN/Inf raw points */
} td_curve;

/* Build c from s (sign +1 or -1). Returns TD_OK or TD_ENOMEM. */
td_code td_curve_make(td_curve *c, const td_series *s, double sign,
                      const td_detect_opts *o, td_err *e);
void td_curve_free(td_curve *c); /* c may be NULL or empty */
/* Index where the tail (last tail_frac, at least min_points) starts. */
size_t td_curve_tail(const td_curve *c, const td_detect_opts *o);
/* Orientation-corrected value (the value as logged) of an oriented y. */
static inline double td_curve_value(const td_curve *c, double y) { return c->sign * y; }

/* 1 when c holds a series with at least o->min_points points. */
int td_curve_ok(const td_curve *c, const td_detect_opts *o);
/* Index of the smallest smoothed value sm in [from, to). */
size_t td_curve_argmin(const td_curve *c, size_t from, size_t to);
/* The size of a level for relative comparisons: |y| for a loss or error,
 * the remaining error (1 or 100 minus it) for an accuracy; y oriented. */
double td_curve_level(const td_curve *c, double y);
/* x position as a fraction of the curve's x range, in [0, 1]. */
double td_curve_xfrac(const td_curve *c, size_t i);
/* "0.7345 (smoothed; logged 0.7202 at line 27)": the smoothed value of
 * point i as logged (orientation undone) and, when it differs, the value
 * the log holds at that point's source line, so a reader can find the
 * number in the file. Writes buf (cap bytes) and returns it. */
char *td_curve_quote(const td_curve *c, size_t i, char *buf, size_t cap);
/* Smoothed (oriented) value at x: linear interpolation of sm between the
 * points around x, clamped to the ends. c must hold a point. */
double td_curve_at(const td_curve *c, double x);

/* The series a run's detectors look at, chosen once per run. */
typedef struct {
    const td_run *run;
    const td_detect_opts *o;
    td_curve train;      /* primary training objective (loss, else error, else -accuracy) */
    td_curve val;        /* primary validation objective, same preference */
    td_curve val_metric; /* validation task metric (accuracy/error) when val is a loss */
    td_curve train_acc;  /* training accuracy (for underfitting), if any */
    int secondary;       /* a loss pair beside the main one (cf_detect.c): only a
                            validation rise after its minimum is judged */
} td_detect_ctx;

typedef td_code (*td_detector_fn)(const td_detect_ctx *c, td_findings *out, td_err *e);

/* Append a finding (strings copied; evidence printf-style). TD_ENOMEM. */
td_code td_findings_add(td_findings *fs, td_finding_kind kind, const td_run *run,
                        const td_series *metric, const td_series *other,
                        double x_from, double x_to, size_t line,
                        double value, double limit, double noise, double p,
                        td_err *e, const char *fmt, ...)
    __attribute__((format(printf, 14, 15)));
/* The detectors, one idea per file (cf_<idea>.c), run in this order by
 * td_findings_detect; each appends what it sees for one run. */
td_code cf_detect_impossible(const td_detect_ctx *c, td_findings *out, td_err *e); /* NaN/Inf, negative loss */
td_code cf_detect_explosion(const td_detect_ctx *c, td_findings *out, td_err *e);  /* explosion, lr far too high */
td_code cf_detect_spikes(const td_detect_ctx *c, td_findings *out, td_err *e);     /* spikes, unrecovered */
td_code cf_detect_rising(const td_detect_ctx *c, td_findings *out, td_err *e);     /* training loss rising */
td_code cf_detect_learning(const td_detect_ctx *c, td_findings *out, td_err *e);   /* not learning, underfitting, initial loss */
td_code cf_detect_lr_shape(const td_detect_ctx *c, td_findings *out, td_err *e);   /* lr too low / too high */
td_code cf_detect_overfit(const td_detect_ctx *c, td_findings *out, td_err *e);    /* overfitting, metric disagreement */
td_code cf_detect_noise(const td_detect_ctx *c, td_findings *out, td_err *e);      /* late noise */
td_code cf_detect_progress(const td_detect_ctx *c, td_findings *out, td_err *e);   /* saturation, still improving */
/* 1 when the judged objective (validation, else training) is still improving
 * at the end by cf_detect_progress's rule. */
int cf_still_improving(const td_detect_ctx *c);

/* Default severity of a kind. */
td_severity td_finding_severity(td_finding_kind k);

/* ---- report ------------------------------------------------------------ */
/* One run with its findings, as the report sees it. */
typedef struct {
    const td_run *run;
    const char *source;    /* the file it came from */
    td_findings findings;
} td_judged;

typedef struct {
    td_severity fail_on;   /* exit 1 when a finding >= this (warning) */
    int classes;           /* echoed in the JSON */
    int compact;           /* JSON on one line (for --follow's JSON lines) */
    size_t min_points;     /* a run whose objectives all have fewer finite points
                              is "too short to judge" (0: 4, the detectors' default) */
} td_report_opts;

/* One finding as one line (the --follow form): "<run>: <severity> <kind>
 * <metric> <x> a..b: <evidence>"; as a compact JSON object when json. The
 * status, when not NULL, leads the line ("provisional: ...", "withdrawn:
 * ...") or is the JSON member "status". */
void td_finding_write_line(td_out *o, const td_finding *f, const char *x_name, int json, const char *status);

/* The series a split is judged on (val=1: validation — or test when there
 * is no validation series, as DeiT/DETR call it — else training):
 * a loss, else an error rate, else an accuracy; the plain name "loss",
 * then a "total" loss, then the one with most points. NULL when none. */
const td_series *td_findings_objective(const td_run *run, int val);

/* The one-line verdict of a run: "healthy", "healthy (still improving)",
 * or the worst findings' kinds, e.g. "overfitting, noise". (The report
 * says "too short to judge" instead of "healthy" for a run whose training
 * and validation objectives have fewer than min_points finite points.) */
void td_findings_verdict(const td_findings *fs, char *buf, size_t cap);

/* Human report: per run the metrics found, malformed lines, the findings
 * with evidence and advice, the verdict; then, with several runs, a summary
 * table and the trial variance of runs that differ only by a seed.
 * Names go through td_safe_text. Returns TD_OK or TD_EIO (sink failed). */
td_code td_findings_write_text(td_out *o, const td_judged *runs, size_t n,
                               const td_report_opts *ro, td_err *e);
/* JSON document (schema in curvecheck(1)):
 * {"tool":"curvecheck","version":..,"fail_on":..,"classes":..,
 *  "runs":[{"run":..,"source":..,"x":..,"points":..,"metrics":[{"name","split",
 *    "kind","points","first","last","min","max"}],"bad_lines":[..],
 *    "verdict":..,"findings":[{"kind","severity","metric","other","x_from","x_to",
 *    "line","value","limit","noise","p","evidence","advice"}]}],
 *  "groups":[{"config","runs","metric","n","mean","std","min","max"}],
 *  "summary":{"runs":..,"findings":..,"info":..,"warning":..,"error":..,"fail":bool}} */
td_code td_findings_write_json(td_out *o, const td_judged *runs, size_t n,
                               const td_report_opts *ro, td_err *e);

#endif
