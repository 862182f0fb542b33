/* td_gradcheck.h — check a layer's backward pass against centered
 * differences, as a library function (the gradcheck tool is a thin main
 * over it; a layer author can call it from a CMocka test).
 *
 * The check (seed 003, "Gradient Checks"):
 *   objective   L(x) = Σ_k r_k · y_k(x)        r ~ N(0,1), seeded
 *   analytic    a_i  = (∂L/∂x_i) from backward(dout = r)
 *   numerical   n_i  = (L(x + h e_i) − L(x − h e_i)) / 2h     (double)
 *   rel. error  e_i  = |a_i − n_i| / max(|a_i|, |n_i|, floor)
 *               floor = max(1e-10, 1e7 · ε · max_k |r_k y_k| / max(h, 1e-5),
 *               1e8 · ε · √Σ_{k moved by the step} (r_k y_k)² / max(h, 1e-5))
 *               gradients far below the rounding noise of the outputs are
 *               compared in absolute terms (n_i is formed as Σ r_k Δy_k,
 *               so outputs the step does not touch add no noise)
 *               float32 layers (TD_LAYER_FLOAT32) instead:
 *               floor = max(1e-10, K ε_f max(max_k |r_k y_k|, moved) / max(h, 1e-2)),
 *               K = TD_GC_F32_FLOOR = 1e4, ε_f = FLT_EPSILON: the outputs
 *               are float, each rounded by ε_f |y_k| and by the float sums
 *               that made them, so n_i carries ~ε_f·(terms)/h of noise (a
 *               few such units measured on llm.c kernels); at the floor that
 *               noise is ≤ 1e-3, 10x under "wrong". A step that moved no
 *               output by one float step gives n_i = 0 exactly: it is then
 *               judged against this floor, i.e. |a_i| must stay below what
 *               one float step of the outputs can resolve. The point is
 *               rounded to float and x ± h taken to the nearest float, so
 *               the step used is the step the layer sees. An element over
 *               1e-2 is re-measured at h/2 and judged on the Richardson
 *               value (4 n(h/2) − n(h)) / 3, which cancels the O(h²)
 *               truncation of the large float32 step (h = 1e-2).
 *   bands       e > 1e-2 wrong; 1e-4 < e ≤ 1e-2 suspicious;
 *               1e-7 < e ≤ 1e-4 acceptable only at a kink (else suspicious);
 *               e ≤ 1e-7 correct
 *   kinks       x ± h straddles a non-differentiable point when the layer's
 *               kink_distance says so, or (without a hint) when the
 *               one-sided slopes d± = ±(L(x ± h e_i) − L(x)) / h jump and
 *               a_i sits at one end of [d−, d+]; such an element is "kink"
 *               when a_i lies between d− and d+ (a subgradient), else
 *               "wrong" (see gc_kink.c). With a hint d ≤ 2h the element
 *               is re-checked with a step d/2 that stays on its side, and
 *               judged by the bands there (several kinks in one step).
 *               A float32 kink found without a hint is re-measured at h/10:
 *               a smooth element (its one-sided slopes only looked like a
 *               jump: truncation of the large step, rounding) is judged
 *               there, a real kink still straddles.
 * Every input and parameter tensor is checked (biases included); with
 * opts.samples > 0 at most that many random elements per tensor.
 */
#ifndef TD_GRADCHECK_H
#define TD_GRADCHECK_H

#include <math.h>

#include "td.h"
#include "td_isolate.h"
#include "td_layer.h"

/* ---- options ---------------------------------------------------------- */
#define TD_GC_AUTO_ALL 4096      /* auto sampling: all elements up to this */
#define TD_GC_AUTO_SAMPLE 1024   /* ... else this many random ones */
#define TD_GC_MAX_ELEMS (1u << 26) /* per tensor and all together: larger are refused */
#define TD_GC_F32_FLOOR 1e4      /* float32 floor: K ε_f · terms / h (see the top) */
#define TD_GC_F32_NOISE 30       /* float32 noise of a difference: 30 ε_f · terms / h */

typedef struct {
    double h;             /* step (default 1e-5) */
    int h_auto;           /* h is the default: a float32 layer gets 1e-2 */
    uint64_t seed;        /* point, r, sampling and the layer's seed (default 1) */
    long samples;         /* elements per tensor; 0 = auto (see above) */
    int fast;             /* 0, or k random directions per tensor (--fast) */
    int jacobian;         /* check every (output, input) pair */
    int sweep;            /* run the h sweep first and use the best h */
    int threads;          /* workers for reentrant layers (default 2) */
    int check_contract;   /* overwrite/unwritten/modified-input checks (default 1) */
    const char *at_file;  /* HDF5 file with datasets named like the tensors */
    const char *at_map;   /* "W=/path/kernel,b=/path/bias": other dataset names */
    volatile int *stage;  /* if set: the td_gc_stage of the call in progress */
    double max_mem_mb;    /* isolated plugin check: memory it may add (default
                             TD_ISOLATE_MAX_MEM_MB; 0 = no limit) */
} td_gc_opts;

/* Defaults above. */
void td_gc_opts_default(td_gc_opts *o);

/* What the checker is calling (for crash and hang reports). */
typedef enum {
    TD_GC_ST_IDLE = 0, TD_GC_ST_CREATE, TD_GC_ST_INIT, TD_GC_ST_FORWARD,
    TD_GC_ST_BACKWARD, TD_GC_ST_REG, TD_GC_ST_REG_BACKWARD, TD_GC_ST_DESTROY,
    TD_GC_ST_LOAD, TD_GC_ST_N
} td_gc_stage;
const char *td_gc_stage_name(int stage); /* "forward", ... */

/* ---- results ----------------------------------------------------------- */
typedef enum {
    TD_GC_CORRECT = 0,   /* e ≤ 1e-7 */
    TD_GC_KINK,          /* at a kink, analytic value is a subgradient */
    TD_GC_SUSPICIOUS,    /* 1e-7 < e ≤ 1e-2 away from kinks */
    TD_GC_WRONG          /* e > 1e-2, or not a subgradient, or a broken contract */
} td_gc_verdict;
const char *td_gc_verdict_name(td_gc_verdict v);

/* Classic bugs a mismatch can be named as. */
typedef enum {
    TD_GC_BUG_NONE = 0, TD_GC_BUG_SIGN, TD_GC_BUG_FACTOR, TD_GC_BUG_ZERO,
    TD_GC_BUG_UNWRITTEN, TD_GC_BUG_TRANSPOSED, TD_GC_BUG_OVERWRITE,
    TD_GC_BUG_ZERO_BRANCH   /* analytic 0 where the true slope is small (a forgotten alpha) */
} td_gc_bug;
const char *td_gc_bug_name(td_gc_bug b);

#define TD_GC_ROW_FAILS 16       /* failing elements a row lists (--json) */
typedef struct {
    char name[TD_NAME_MAX + 8]; /* tensor name, "W (reg)" for the reg part */
    int tensor, obj;            /* index into the layer's inputs; 0 data, 1 reg */
    int kind;                   /* TD_T_INPUT / TD_T_PARAM */
    int rank;
    size_t shape[TD_TENSOR_MAXRANK];
    size_t numel, checked, kinks;
    double h;                   /* the step this tensor was checked with */
    double max_err;             /* over non-kink elements */
    size_t worst;               /* flat index of the worst element */
    double worst_a, worst_n;    /* analytic and numerical there */
    td_gc_verdict verdict;
    td_gc_bug bug;
    double factor;              /* TD_GC_BUG_FACTOR: a ≈ factor · n */
    size_t bug_count;           /* TD_GC_BUG_UNWRITTEN: entries never written */
    size_t over[3];             /* non-kink elements with error > 1e-7, > 1e-4, > 1e-2 */
    double max_abs;             /* largest |a − n| over non-kink elements */
    double scale;               /* the tensor's scale: max(|a|, |n|) over the checked */
    size_t unresolved;          /* steps that moved no output at all (numerical exactly 0) */
    size_t nfail;               /* failing elements (> 1e-4, or wrong kinks), all of them */
    struct { size_t i; double a, n, err; } fail[TD_GC_ROW_FAILS]; /* the first of them */
} td_gc_row;

#define TD_GC_MAX_ROWS (2 * TD_LAYER_MAXT)
#define TD_GC_MAX_NOTES 8
#define TD_GC_SWEEP_N 10

typedef struct {
    char layer[64];
    char instance[256];         /* the key=value pairs it was made from, "k=v,k=v" */
    int float32;                /* layer computes in float32 */
    double h;                   /* step used */
    uint64_t seed;
    double loss;                /* L at the point */
    double floor;               /* relative-error floor of the data objective at h */
    int workers;                /* 1, or 2 for reentrant layers */
    size_t evals;               /* forward evaluations made */
    const char *mode;           /* "full", "fast", "jacobian" */
    int nrows;
    td_gc_row rows[TD_GC_MAX_ROWS];
    int nnotes;
    char notes[TD_GC_MAX_NOTES][200]; /* findings and warnings, one line each */
    int note_is_finding[TD_GC_MAX_NOTES];
    int nsweep;                 /* --h-sweep: max error per h */
    double sweep_h[TD_GC_SWEEP_N], sweep_err[TD_GC_SWEEP_N];
    size_t sweep_kinks[TD_GC_SWEEP_N]; /* elements straddling a kink at that h */
    td_gc_verdict verdict;      /* worst row or finding */
} td_gc_result;

/* Check layer `api` made from n key=value pairs. Fills *res.
 * Returns TD_OK when the check ran (whatever it found: see res->verdict),
 * TD_EUSAGE for bad keys or options, TD_EPLUGIN when the layer refuses,
 * returns an error, NaN or a malformed description, TD_EINPUT/TD_EIO for a
 * bad --at file, TD_ENOMEM. */
td_code td_gc_check(const td_layer_api *api, int n, const char *const *keys,
                    const char *const *vals, const td_gc_opts *opts,
                    td_gc_result *res, td_err *e);

/* Exit code for a result: 0 when every row is correct or kink (for a
 * float32 layer also "suspicious": float32 rounding reaches 1e-4..1e-2),
 * else 1. */
int td_gc_exit_code(const td_gc_result *res);

/* ---- output -------------------------------------------------------------- */
/* The table: tensor, shape, checked, max rel error, verdict, worst element
 * (multi-index, analytic, numerical), then notes. */
int td_gc_write_table(td_out *o, const td_gc_result *res);
int td_gc_write_json(td_out *o, const td_gc_result *res);

/* ---- plugins -------------------------------------------------------------- */
/* Load a plugin: dlopen(path), find td_layer_entry, check the ABI version.
 * *handle is for td_gc_plugin_close. TD_EPLUGIN names what is wrong. */
td_code td_gc_plugin_open(const char *path, void **handle, const td_layer_api **api, td_err *e);
void td_gc_plugin_close(void *handle); /* NULL is fine */

/* Check a plugin in a forked child so that a crash or a hang cannot take
 * the caller down: the child loads it, runs td_gc_check and writes the
 * table (or JSON) into *out, and the JSON also into *json_out when that
 * is not NULL (for a --report). Returns the child's td_code (with its
 * message), or TD_EPLUGIN "crashed with SIGSEGV in backward" / "hung in
 * forward: no answer after 60 s" naming the call in progress.
 * *exit_code receives td_gc_exit_code of the result when TD_OK. */
td_code td_gc_check_isolated(const char *path, int n, const char *const *keys,
                             const char *const *vals, const td_gc_opts *opts, int json,
                             double timeout_s, td_buf *out, td_buf *json_out,
                             int *exit_code, td_err *e);

/* Running untrusted code in a forked child: td_isolate (diag/td_isolate.h). */

/* ---- built-in reference layers --------------------------------------------- */
/* All built-in layers (n receives the count), and one by name (NULL if none). */
const td_layer_api *const *td_gc_builtins(size_t *n);
const td_layer_api *td_gc_builtin(const char *name);

/* Parse a spec "name:k=v,k=v" into name and key/value arrays (pointers
 * into buf, a writable copy of spec). Returns the pair count or -1. */
int td_gc_split_spec(char *buf, char **name, const char **keys,
                     const char **vals, int max);

/* ---- a kit for writing layers (used by the built-ins) ----------------------- */
typedef struct {
    const char *key;
    double def, lo, hi;
    int integer;        /* parse with td_parse_long */
} td_gc_key;
/* Parse n key=value pairs against spec into v[0..nspec) (defaults first).
 * Returns 0, or -1 with a message "unknown key 'q' (keys: ...)" or
 * "in: not an integer ..." in err. */
int td_gc_parse_keys(const td_gc_key *spec, int nspec, int n,
                     const char *const *keys, const char *const *vals,
                     double *v, char *err, size_t errcap);
/* The instance every built-in layer uses: parsed keys and its seed. */
typedef struct {
    double v[12];
    uint64_t seed;
    char err[160];
} td_gc_inst;
/* Allocate a td_gc_inst with keys parsed against spec (NULL + err on
 * failure), and free it (NULL is fine). */
td_gc_inst *td_gc_inst_new(const td_gc_key *spec, int nspec, int n,
                           const char *const *keys, const char *const *vals,
                           char *err, size_t errcap);
void td_gc_inst_free(void *self);
const char *td_gc_inst_error(void *self); /* its err text (last_error) */
/* Describe tensor t: name, kind, rank and dims. */
void td_gc_tensor(td_tensor_desc *t, const char *name, int kind, int rank,
                  const size_t *dims);
/* Y (M×N, row stride ldy) += A (M×K, lda) · B (K×N, ldb), each Y element
 * summing its products in k order (gc_gemm.c: the dense and conv2d hot loop). */
void td_gc_gemm(size_t M, size_t N, size_t K, double *Y, size_t ldy, const double *A,
                size_t lda, const double *B, size_t ldb);

/* ---- internals shared by the gc_*.c files (not a stable API) ----------------- */
/* Kink rule (gc_kink.c): the element's verdict from analytic a, centered
 * n, one-sided slopes dm (left) and dp (right), relative error err, the
 * noise level, the layer's kink distance hint (< 0: none) and step h. */
td_gc_verdict td_gc_classify(double a, double n, double dm, double dp, double err,
                             double noise, double hint, double h, int *is_kink);
/* Name the bug that fits analytic a[] against numerical n[] (m elements,
 * flat indices idx[] into a tensor of rank/shape). */
td_gc_bug td_gc_diagnose(const double *a, const double *n, const size_t *idx,
                         size_t m, int rank, const size_t *shape,
                         double *factor, size_t *count);
/* Format flat index i of shape as "[i,j,k]". */
void td_gc_multi_index(char *dst, size_t cap, size_t i, int rank, const size_t *shape);

/* The state of one check: the layer, the point, the objective weights and
 * the analytic gradients. Objective 0 is L = Σ r·y, objective 1 is the
 * layer's regularization term R. */
typedef struct {
    const td_layer_api *api;
    void *self;
    td_layer_desc d;
    size_t nin[TD_LAYER_MAXT], nout[TD_LAYER_MAXT];
    double *x[TD_LAYER_MAXT];    /* the point (inputs and parameters) */
    double *y[TD_LAYER_MAXT];    /* outputs at the point */
    double *r[TD_LAYER_MAXT];    /* objective weights, N(0,1) */
    double *g[2][TD_LAYER_MAXT]; /* analytic ∂L/∂x and ∂R/∂x (NULL: index tensor) */
    double f0[2], scale[2];      /* objective at the point, max |r_k y_k| (|R|) */
    double h;
    double ht[TD_LAYER_MAXT];    /* --h-sweep: tensor t's own step (0: h) */
    uint64_t seed;
    int workers;
    size_t evals;
    volatile int *stage;
    td_rng rng;
    int overwrite[TD_LAYER_MAXT]; /* backward overwrote din[t] (contract check) */
} td_gc_ctx;

/* The layer's kink distance for element i of tensor t, or -1 (no hint). */
double td_gc_kink_hint(const td_gc_ctx *c, int t, size_t i);

/* A worker's private copy of the point and outputs (it perturbs x). */
typedef struct {
    double *x[TD_LAYER_MAXT];
    double *y[TD_LAYER_MAXT];
    double *yp[TD_LAYER_MAXT];   /* outputs at the + step */
    size_t evals;
    td_err err;
} td_gc_work;
td_code td_gc_work_init(const td_gc_ctx *c, td_gc_work *w, td_err *e);
void td_gc_work_free(const td_gc_ctx *c, td_gc_work *w);

/* forward at x into y (NaN-filled first; a NaN/Inf or unwritten output or
 * a failing call is TD_EPLUGIN naming the element). */
td_code td_gc_forward(const td_gc_ctx *c, double *const *y, const double *const *x, td_err *e);
/* backward with dout at x, y, adding into din. */
td_code td_gc_backward(const td_gc_ctx *c, double *const *din, const double *const *dout,
                       const double *const *x, const double *const *y, td_err *e);
/* Objective obj (0: L, 1: R) at w->x: value and max |term| (noise
 * scale); the outputs land in y (w->y when NULL). */
td_code td_gc_objective(const td_gc_ctx *c, td_gc_work *w, int obj, double *const *y,
                        double *val, double *scale, td_err *e);
/* Over n outputs (gc_sums.c, SIMD lanes): *sum = Σ r y, *maxabs = max |r y|;
 * and *up = Σ r (p − y0), *um = Σ r (y0 − m), *sq = Σ (r y0)² over the
 * outputs where p or m differs from y0. */
void td_gc_rsum(size_t n, const double *r, const double *y, double *sum, double *maxabs);
void td_gc_rdiff2(size_t n, const double *r, const double *y0, const double *p,
                  const double *m, double *up, double *um, double *sq);
/* Σ_k r_k (ya_k − yb_k): the change of L between two evaluations, exact
 * zero for outputs that did not move. */
double td_gc_rdiff(const td_gc_ctx *c, double *const *ya, double *const *yb);
/* Centered and one-sided differences of objective obj for elements idx[m]
 * of tensor t, on c->workers threads: n = centered, dm/dp = left/right,
 * moved = √Σ (r_k y_k)² over the outputs the step changed (|R| for obj 1). */
td_code td_gc_numeric(td_gc_ctx *c, int obj, int t, const size_t *idx, size_t m,
                      double h, double *n, double *dm, double *dp, double *moved, td_err *e);
/* Elements of tensor t to check: all, or a sorted random sample of
 * `samples` (0 = auto). Returns malloc'd indices (count in *m) or NULL. */
size_t *td_gc_select(td_gc_ctx *c, int t, long samples, size_t *m);
/* Relative-error floor for objective obj at step h (see the header top). */
double td_gc_floor(const td_gc_ctx *c, int obj, double h);
double td_gc_noise(const td_gc_ctx *c, int obj, double h, double moved);
/* An element's floor: at least `floor`, and 1e8 · ε · moved / max(h, 1e-5)
 * so that the rounding of every output its step moved (and of the sums
 * inside the layer that made them: a 10x margin) stays below 1e-7. */
double td_gc_floor_moved(const td_gc_ctx *c, double floor, double moved, double h);
/* x + h for element values of the layer: for a float32 layer the nearest
 * float, and at least one float away from x (the step really taken is
 * the difference). Inline: it runs twice per evaluation pair. */
static inline double td_gc_step(const td_gc_ctx *c, double x, double h)
{
    if (!(c->d.flags & TD_LAYER_FLOAT32)) return x + h;
    float f = (float)(x + h);
    if ((double)f == x && h != 0) f = nextafterf((float)x, h > 0 ? INFINITY : -INFINITY);
    return f;
}
/* Add a note to res (finding: counts for the verdict). */
void td_gc_note(td_gc_result *res, int finding, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The modes and extra checks, each in its own file. */
td_code td_gc_contract(td_gc_ctx *c, td_gc_result *res, td_err *e);      /* gc_contract.c */
td_code td_gc_fast(td_gc_ctx *c, int k, td_gc_result *res, td_err *e);   /* gc_fast.c */
td_code td_gc_sweep(td_gc_ctx *c, td_gc_result *res, double *best_h, td_err *e); /* gc_sweep.c */
td_code td_gc_jacobian(td_gc_ctx *c, td_gc_result *res, td_err *e);      /* gc_jacobian.c */
/* Check the elements idx[m] of tensor t for objective obj into row (gc_element.c). */
td_code td_gc_check_tensor(td_gc_ctx *c, int obj, int t, const size_t *idx, size_t m,
                           td_gc_row *row, td_err *e);
/* Fill a row's identity (name, kind, shape) from tensor t (gc_element.c). */
void td_gc_row_init(const td_gc_ctx *c, int t, int obj, td_gc_row *row);

#endif
