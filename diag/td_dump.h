/* td_dump.h — dumpcheck: per-layer diagnostics from HDF5 dumps of weights,
 * gradients, activations and optimizer state (seed 003: update/weight ratio
 * ~1e-3, activation and gradient distributions, first-layer weights).
 *
 * Layouts read (td_dump_layout):
 *  - TDIAG    tdiag's own: /step_<N>/<layer>/<param>, /step_<N>/<layer>/grad/<param>,
 *             /step_<N>/<layer>/activation; attributes: "lr" and "optimizer" on
 *             the step group or the root, "activation" (relu|tanh|sigmoid|...)
 *             and "depth" (0 = nearest the input) on the layer group.
 *             Parameters are in PyTorch order: Linear (out,in), Conv (out,in,kh,kw).
 *  - KERAS2   Keras 2 model.save: model_weights/<layer> with the "weight_names"
 *             attribute (paths relative to the layer group, "...:0"), and
 *             optimizer_weights (TF2: Adam/<layer>/<param>/m:0; TF1: positional
 *             training/<Opt>/Variable_k:0 matched to the weights by order+shape).
 *  - KERAS3_LEGACY  Keras 3 .h5: same, with an extra "sequential" level, no ":0".
 *  - KERAS3_WEIGHTS Keras 3 .weights.h5: layers/<name>/vars/0..N (0 kernel,
 *             1 bias; 4 vars of a batch-norm: gamma, beta, moving_mean, moving_variance).
 *  - GENERIC  any other file: every numeric dataset, walked recursively; what
 *             could not be interpreted is listed in td_dump.notes.
 *  - SAFETENSORS  Hugging Face / PyTorch checkpoints (dp_safetensors.c): files,
 *             sharded indexes, checkpoint-N folders; layers from tensor names.
 * Several files without stored steps are a checkpoint sequence whose steps
 * dp_ckpt.c finds; a Keras model_config lets dp_propagate.c push a random
 * batch through the stored layers.
 * Keras kernels are in Keras order: Dense (in,out), Conv (kh,kw,in,out).
 *
 * Every dataset is streamed in hyperslabs along its first axis aligned to
 * its chunks (bounded memory whatever its size); float16/32/64 and integers,
 * chunked and gzip-compressed. Bad datasets (string/compound, zero-size,
 * rank > 4, more than max_elems elements, unreadable) and link cycles are
 * TD_EINPUT with one line naming the file and dataset.
 */
#ifndef TD_DUMP_H
#define TD_DUMP_H

#include "td.h"

#define TD_DUMP_MAXRANK 4

/* ---- mergeable histograms ------------------------------------------------ */
/* Linear part: TD_HIST_FINE bins of width 2^k on a global grid (bin b holds
 * [(start+b)·2^k, (start+b+1)·2^k)); the width doubles (pairs of bins merge)
 * when a value falls outside, so the range adapts to the data in one pass
 * and two histograms merge exactly (both brought to the coarser grid).
 * The used bins always cover [min, max] with at least TD_HIST_FINE/4 bins.
 * Exponential part (TensorBoard-style): per sign, buckets with edges
 * 2^(TD_HIST_EXP_MINE + j/TD_HIST_EXP_PER_OCT) (placed from the top 7
 * mantissa bits: edges exact to 1/128 of an octave); |x| < 2^TD_HIST_EXP_MINE
 * (and 0) go to exp_zero, |x| ≥ 2^TD_HIST_EXP_MAXE to the last bucket.
 * float32 runs of 4096+ values centred enough (a 1/128-octave cell at the
 * largest |x| is at most half a linear bin) are counted by those cells and
 * each cell placed whole: a value within half a cell of a linear bin edge
 * may land in the neighbour bin; totals are always exact.
 * NaN and Inf are not binned (they are counted by td_stats). */
#define TD_HIST_FINE 256
#define TD_HIST_EXP_PER_OCT 4
#define TD_HIST_EXP_MINE (-40)
#define TD_HIST_EXP_MAXE 24
#define TD_HIST_EXP_N ((TD_HIST_EXP_MAXE - TD_HIST_EXP_MINE) * TD_HIST_EXP_PER_OCT + 1)
typedef struct {
    int used;              /* 0 until the first finite value */
    int k;                 /* bin width 2^k */
    int64_t start;         /* grid index of fine[0] */
    uint64_t fine[TD_HIST_FINE];
    uint64_t exp_zero;
    uint64_t exp_pos[TD_HIST_EXP_N]; /* bucket j: [edge(j), edge(j+1)) */
    uint64_t exp_neg[TD_HIST_EXP_N]; /* bucket j: (-edge(j+1), -edge(j)] */
} td_hist;

void td_hist_init(td_hist *h);
/* Add n finite values known to lie in [lo, hi] (the caller's block min/max). */
void td_hist_add_f32(td_hist *h, const float *x, size_t n, double lo, double hi);
void td_hist_add_f64(td_hist *h, const double *x, size_t n, double lo, double hi);
/* into += other, exactly (coarsening into's grid when needed). */
void td_hist_merge(td_hist *into, const td_hist *other);
/* Left edge of positive exponential bucket j: 2^(MINE + j/PER_OCT). */
double td_hist_exp_edge(int j);
/* Rebin the linear part into nb equal bins over [lo, hi] (usually the
 * tensor's min and max): each fine bin, clipped to [lo, hi], is spread over
 * the output bins it overlaps in proportion to the overlap (values taken as
 * uniform inside a fine bin). The counts sum to the total exactly (up to
 * rounding); counts has nb entries. */
void td_hist_rebin(const td_hist *h, double lo, double hi, int nb, double *counts);

/* ---- streaming reads -------------------------------------------------------- */
/* Per-tensor accumulator: td_stats moments plus histogram plus, for
 * activations, per-unit firing (unit = index along axis 1) and saturation. */
typedef struct {
    td_stats st;
    td_hist *hist;          /* NULL: no histogram */
    double sat_lo, sat_hi;  /* count x <= sat_lo or x >= sat_hi (±inf: off) */
    uint64_t saturated;
    uint64_t *unit_nonzero; /* per unit along axis 1 (NULL: off) */
    uint64_t units;         /* length of unit_nonzero */
    uint64_t unit_inner;    /* elements per unit per sample: product of dims[2..] */
} td_dump_acc;

/* Set acc to empty: stats init, no histogram, no saturation, no units. */
void td_dump_acc_init(td_dump_acc *acc);
/* Add n values that start at flat (row-major) element offset of their tensor.
 * Moments are summed per block in double and merged with td_stats_merge. */
void td_dump_acc_add_f32(td_dump_acc *acc, const float *x, size_t n, uint64_t offset);
void td_dump_acc_add_f64(td_dump_acc *acc, const double *x, size_t n, uint64_t offset);

/* Dataset shape and type as read from the file. */
typedef struct {
    int rank;
    uint64_t dims[TD_DUMP_MAXRANK];
    uint64_t n;           /* elements */
    char cls;             /* 'f' float, 'b' bfloat16, 'i' signed int, 'u' unsigned int */
    int bits;             /* 16, 32, 64, 8 ... */
} td_dump_shape;

/* Open dataset path in the open HDF5 file fid (an hid_t passed as int64_t so
 * this header needs no hdf5.h) and check it is readable: numeric, rank ≤ 4,
 * 1..max_elems elements. TD_EINPUT names "file: path: what is wrong". */
td_code td_dump_check_dataset(int64_t fid, const char *file, const char *path,
                              uint64_t max_elems, td_dump_shape *shape, td_err *e);
/* Stream the dataset through acc, chunk_bytes at a time (rounded to whole
 * chunks of the first axis). on_bytes, if not NULL, is told the bytes read. */
td_code td_dump_stream(int64_t fid, const char *file, const char *path,
                       uint64_t max_elems, size_t chunk_bytes, td_dump_acc *acc,
                       void (*on_bytes)(void *ctx, uint64_t bytes), void *ctx,
                       td_err *e);

/* One parameter at n successive steps (same-shape datasets, n ≥ 1), streamed
 * in lockstep so each is read once: slab i of every member is read, then
 * member k's values go to acc[k] (as td_dump_stream would) and, for k < n−1,
 * sum[k], bad[k] receive Σ (x_{k+1} − x_k)² and its count of non-finite
 * terms (as td_dump_pair's TD_PAIR_DIFF). Float data of ≤ 32 bits is read
 * as float32, anything else as double. Up to 2 × chunk_bytes of slabs per
 * set (chunk_bytes each when n ≤ 2), three sets; large tensors are summarised
 * by two threads (the main one reads, and takes every third set); chunk
 * caches as in td_dump_stream, at most 64 MiB / n each when n > 2. A shape
 * that differs from paths[0]'s is TD_EINPUT "file: path: shape differs from".
 * sum and bad may be NULL when n == 1 (td_dump_stream is that case). */
td_code td_dump_stream_steps(const int64_t *fids, const char *const *files, const char *const *paths, int n,
                             uint64_t max_elems, size_t chunk_bytes, td_dump_acc *acc, double *sum, uint64_t *bad,
                             void (*on_bytes)(void *ctx, uint64_t bytes), void *ctx, td_err *e);

/* Pair operators streamed over two same-shape datasets a, b in lockstep:
 *   TD_PAIR_DIFF:  Σ (b - a)²              (update between two steps)
 *   TD_PAIR_ADAM:  Σ (a / (√b + eps))²     (a = Adam m, b = Adam v)
 * *sum receives the sum; NaN/Inf elements are skipped and counted in *bad. */
typedef enum { TD_PAIR_DIFF, TD_PAIR_ADAM } td_pair_op;
td_code td_dump_pair(int64_t fa, const char *file_a, const char *path_a,
                     int64_t fb, const char *file_b, const char *path_b,
                     td_pair_op op, double eps, uint64_t max_elems,
                     size_t chunk_bytes, double *sum, uint64_t *bad, td_err *e);

/* ---- the dump model ---------------------------------------------------------- */
typedef enum {
    TD_DUMP_TDIAG = 0, TD_DUMP_KERAS2, TD_DUMP_KERAS3_LEGACY,
    TD_DUMP_KERAS3_WEIGHTS, TD_DUMP_GENERIC, TD_DUMP_SAFETENSORS
} td_dump_layout;
const char *td_dump_layout_name(td_dump_layout l); /* "tdiag", "keras2", ... */

typedef enum {
    TD_DK_PARAM = 0, /* a weight, kernel, bias, gamma ... */
    TD_DK_GRAD,      /* gradient of a parameter */
    TD_DK_ACT,       /* a layer's output activation */
    TD_DK_OPT,       /* optimizer state (Adam m/v, RMSprop accumulators) */
    TD_DK_OTHER      /* a numeric array of a generic file */
} td_dump_kind;
const char *td_dump_kind_name(td_dump_kind k); /* "param", "grad", ... */

/* ---- checkpoint sequences (dp_ckpt.c) ------------------------------------------ */
typedef enum {
    TD_STEPS_IN_FILE = 0,   /* steps stored in the file (or one file) */
    TD_STEPS_OPTION,        /* --steps-between N: file i is step i·N, in the order given */
    TD_STEPS_ITERATIONS,    /* Keras optimizer iterations saved in each file */
    TD_STEPS_TRAINER_STATE, /* global_step of trainer_state.json in each file's folder */
    TD_STEPS_NAME,          /* a step in each name: checkpoint-1000, step_500, iter3 */
    TD_STEPS_EPOCH_NAME,    /* an epoch number in each name (weights.03.hdf5): order only */
    TD_STEPS_ORDER          /* nothing: the order given */
} td_step_source;
/* TD_STEPS_EPOCH_NAME and TD_STEPS_ORDER leave the steps between unknown. */
#define TD_STEPS_KNOWN(s) ((s) != TD_STEPS_EPOCH_NAME && (s) != TD_STEPS_ORDER)
const char *td_dump_step_source_text(td_step_source s);
/* Number in a checkpoint's name: after checkpoint/global_step/ckpt/step/
 * iteration/iter (optionally one of -_.= between) in the base name, then in
 * the parent folder's name (*is_step = 1); else after "epoch" or the first
 * bare number of the base name (*is_step = 0). -1: none. */
long long td_dump_name_step(const char *path, int *is_step);
/* global_step of trainer_state.json in file's folder (json-c). *step = -1
 * and TD_OK when there is none; TD_EINPUT naming it when it is not JSON
 * or has no non-negative integer global_step. */
td_code td_dump_trainer_step(const char *file, long long *step, td_err *e);
/* Steps of files[0..n) (one checkpoint each): the first source above that
 * gives every file a distinct step (iterations[i] < 0: none; the array may
 * be NULL). Always succeeds but for a bad trainer_state.json. */
td_code td_dump_ckpt_steps(const char *const *files, int nfiles, const long long *iterations,
                           long long steps_between, long long *steps, td_step_source *src, td_err *e);

/* ---- safetensors (dp_safetensors.c) ------------------------------------------------ */
/* One tensor of a safetensors header. */
typedef struct {
    char *name;
    td_dump_shape shape;
    uint64_t begin, end;  /* data_offsets, relative to the data */
    uint64_t offset;      /* absolute byte offset in the file: 8 + N + begin */
} td_st_entry;
/* Parse and check file's header: length within the file (and ≤ 100 MiB),
 * a JSON object (json-c), every tensor with a known dtype (F64 F32 F16 BF16
 * I64..I8 U64..U8 BOOL), rank ≤ 4, dims whose product does not overflow,
 * offsets [begin, end] with end − begin = elements × size, inside the data
 * and overlapping no other tensor. Empty tensors are skipped. TD_EINPUT with
 * one line "file: tensor 'name': what" on any violation. */
td_code td_st_header(const char *file, td_st_entry **out, size_t *n, uint64_t max_elems, td_err *e);
void td_st_free(td_st_entry *v, size_t n);
/* Stream a tensor through acc, chunk_bytes of file data at a time. */
td_code td_st_stream(const char *file, const td_st_entry *x, size_t chunk_bytes, td_dump_acc *acc,
                     void (*on_bytes)(void *ctx, uint64_t bytes), void *ctx, td_err *e);
/* Σ (b − a)² over two same-size tensors, chunk by chunk; non-finite differences counted in *bad. */
td_code td_st_pair_diff(const char *fa, const td_st_entry *a, const char *fb, const td_st_entry *b,
                        size_t chunk_bytes, double *sum, uint64_t *bad, td_err *e);
/* 1 when path is a .safetensors, a .safetensors.index.json, or a folder
 * holding model.safetensors, its index, or checkpoint-* folders. */
int td_st_is_safetensors(const char *path);
/* One checkpoint: its shard files (one for model.safetensors). */
typedef struct { char **shards; size_t nshards; } td_st_ckpt;
/* Each argument is a checkpoint (a file, an index whose weight_map names
 * shards beside it, a folder with either), or a folder of checkpoint-*
 * folders (each one, in natural name order: checkpoint-40 before checkpoint-120). */
td_code td_st_expand(const char *const *args, int nargs, td_st_ckpt **out, size_t *n, td_err *e);
void td_st_ckpt_free(td_st_ckpt *v, size_t n);
/* Layer and parameter from a tensor name: "model.layers.3.mlp.down_proj.weight"
 * -> "model.layers.3.mlp.down_proj", "weight" (no dot: both the name). */
void td_st_layer_of(const char *name, char *layer, size_t lcap, char *param, size_t pcap);
/* strcmp with runs of digits compared as numbers (layers.2 < layers.10). */
int td_st_natural_cmp(const char *a, const char *b);

/* ---- walking one file into tensors ----------------------------------------- */
/* One dataset as the layout interprets it (before any data is read). */
typedef struct {
    char *path;          /* dataset path inside the file */
    long long step;      /* -1: the file has no steps */
    char *layer;         /* layer name (generic files: the parent group's path) */
    int depth;           /* order of the layer from the input (-1: unknown) */
    char act[16];        /* activation kind of the layer ("" unknown) */
    td_dump_kind kind;
    char *param;         /* parameter name ("kernel", "weight", "activation" ...) */
    char *slot;          /* optimizer slot or NULL */
} td_dump_entry;

typedef struct {
    td_dump_layout layout;
    int keras_order;     /* kernels stored (in,out) / (kh,kw,in,out) */
    td_dump_entry *e; size_t n;
    char **notes; size_t nnotes;
    double lr;           /* NaN: none found */
    char optimizer[32];  /* lower case, "" none */
    long long iterations; /* -1: none */
    char *model_config;  /* Keras model_config attribute (NULL: none) */
} td_dump_walk;

/* Detect the layout of the open file fid and list its tensors. Link cycles
 * and datasets named by weight_names but absent are TD_EINPUT. Soft and
 * external links are never followed (a note says so). */
td_code td_dump_walk_file(int64_t fid, const char *file, uint64_t max_elems,
                          td_dump_walk *w, td_err *e);
void td_dump_walk_free(td_dump_walk *w);

typedef struct {
    char *path;          /* dataset path inside its file */
    int file;            /* index in the list of files */
    long long step;      /* training step; -1 when the file has none */
    int layer;           /* index in td_dump.layers */
    td_dump_kind kind;
    char *param;         /* "weight", "kernel", "bias", "activation", ... */
    char *slot;          /* optimizer slot ("m", "v", ...) or NULL */
    td_dump_shape shape;
    td_stats st;         /* merged over chunks (and over files of one step) */
    td_hist *hist;       /* owned */
    uint64_t units, dead_units; /* activations: units along axis 1, never non-zero */
    uint64_t saturated;  /* activations of tanh/sigmoid: values near an asymptote */
    uint64_t data_offset; /* safetensors: byte offset of its data in its file */
    int paired;          /* 1: pair_sum/pair_bad hold Σ (W(pair_to) − W(step))², streamed with it */
    long long pair_to;   /* the next step of the same parameter */
    double pair_sum;
    uint64_t pair_bad;   /* non-finite terms left out of pair_sum */
} td_dump_tensor;

/* Layer flags (bit mask). */
typedef enum {
    TD_DF_NONFINITE     = 1 << 0,  /* NaN or Inf in a tensor */
    TD_DF_DEAD_RELU     = 1 << 1,  /* share of units zero for the whole batch > dead_frac */
    TD_DF_SATURATED     = 1 << 2,  /* tanh/sigmoid: share near the asymptotes > sat_frac */
    TD_DF_ZERO_ACT      = 1 << 3,  /* activations all zero */
    TD_DF_EXPLODING_ACT = 1 << 4,  /* activation RMS > act_explode */
    TD_DF_NEVER_MOVED   = 1 << 5,  /* parameter identical between steps / constant after training */
    TD_DF_ZERO_ACCUM    = 1 << 6,  /* optimizer accumulator all zero after iterations */
    TD_DF_VANISHING_GRAD  = 1 << 7,  /* gradient RMS far below the output layer's */
    TD_DF_EXPLODING_GRAD  = 1 << 8,  /* gradient RMS far above the output layer's */
    TD_DF_LR_HIGH       = 1 << 9,  /* update/weight ratio above ratio_hi */
    TD_DF_LR_LOW        = 1 << 10, /* update/weight ratio below ratio_lo */
    TD_DF_INIT_SCALE    = 1 << 11, /* weight std far from He/Glorot/LeCun (first step, or any model file) */
    TD_DF_COLLAPSE      = 1 << 12  /* propagation: activations collapse to ~0 with depth */
} td_dump_flag;
#define TD_DF_LAST TD_DF_COLLAPSE
const char *td_dump_flag_name(td_dump_flag f); /* "dead_relu", ... */

typedef struct {
    char *name;          /* layer name as in the file (untrusted: td_safe_text) */
    int depth;           /* 0 = nearest the input; order of the layers */
    char act[16];        /* "relu", "tanh", "sigmoid", ... or "" */
    uint64_t fan_in, fan_out; /* of its first weight of rank ≥ 2 (0: unknown) */
    double init_std;     /* std of that weight at the first step (NaN: none) */
    double he, glorot, lecun; /* expected std: √(2/fan_in), √(2/(in+out)), √(1/fan_in) */
    double grad_rms_last;     /* gradient RMS of the weight at the last step (NaN: none) */
    double ratio_median;      /* median update/weight ratio of its weight (NaN: none) */
    unsigned flags;      /* td_dump_flag bits */
} td_dump_layer;

/* One layer of a signal propagation (dp_propagate.c): a seeded batch of
 * unit-variance Gaussian inputs of the model's input shape pushed forward
 * through the stored weights (inference mode: BatchNormalization with its
 * moving statistics, Dropout the identity), and a unit-variance Gaussian
 * upstream gradient at the output pulled back (mean over the batch). */
typedef struct {
    char name[64];       /* layer name from the model config (made safe) */
    char cls[32];        /* Keras class: Dense, Conv2D, Activation, ... */
    char act[16];        /* activation applied by it ("" none) */
    int layer;           /* index in td_dump.layers (-1: a layer without weights) */
    uint64_t units;      /* output units (last axis) */
    double act_std;      /* std of its output over batch and units */
    double dead_frac;    /* ReLU: share of units zero for every sample and position (NaN: not
                            ReLU, or fewer than 16 samples × positions to tell) */
    double sat_frac;     /* sigmoid/tanh: share of outputs within sat_margin of an asymptote (NaN: neither) */
    double grad_rms;     /* RMS of the loss gradient of its kernel (NaN: no kernel) */
    double wstd_he;      /* kernel std / He std √(2/fan_in) (NaN: no kernel) */
} td_dump_prop;

/* One update/weight ratio of one parameter. */
/* TD_RATIO_CKPT: ‖W(k+1)−W(k)‖/‖W(k)‖ between two checkpoints whose steps
 * between are unknown: a per-checkpoint change, never judged per step. */
typedef enum { TD_RATIO_DIFF = 0, TD_RATIO_GRAD, TD_RATIO_ADAM, TD_RATIO_CKPT } td_ratio_method;
typedef struct {
    int layer;
    char *param;
    long long step;      /* the step of W(t) */
    long long step_to;   /* the step of W(t+Δ) (DIFF), or = step */
    double ratio;        /* ‖ΔW‖/‖W‖ per step: DIFF divides by Δ; GRAD lr·‖g‖/‖W‖;
                            ADAM lr·‖m/(√v+ε)‖/‖W‖ */
    td_ratio_method method;
} td_dump_ratio;

typedef struct {
    td_dump_flag flag;
    int layer;           /* -1: whole model */
    long long step;      /* -1: not tied to one step */
    double value, threshold;
    char msg[256];       /* one line, names already made safe */
} td_dump_finding;

/* First-layer weights as images: n tiles of h×w×c (c = 1 or 3), values
 * scaled to [0,1] per tile (min→0, max→1), row-major (n,h,w,c). */
typedef struct {
    int layer;
    int n, h, w, c;
    float *data;         /* owned */
} td_dump_image;

typedef struct {
    int bins;              /* output bins of td_dump_tensor_bins (default 30) */
    double ratio_lo, ratio_hi; /* judged update/weight band (1e-5, 1e-2) */
    double dead_frac;      /* dead ReLU share to flag (0.5) */
    double sat_frac;       /* saturated share to flag (0.5) */
    double sat_margin;     /* near an asymptote: within this of ±1 (tanh) or 0/1 (sigmoid) (0.01) */
    double act_explode;    /* activation RMS to flag (1e3) */
    double grad_depth;     /* vanishing/exploding when first/last gradient RMS < 1/x or > x (100) */
    double init_factor;    /* init scale flagged outside [min/x, max·x] of the three schemes (10) */
    long long steps_between; /* steps between consecutive files (0: find them out) */
    int propagate;         /* signal propagation: 0 off, 1 when the file has a model config (default), 2 asked for */
    uint64_t max_elems;    /* per dataset (1e10) */
    size_t chunk_bytes;    /* hyperslab budget (4 MiB) */
    void (*progress)(void *ctx, uint64_t done_bytes, uint64_t total_bytes);
    void *progress_ctx;
} td_dump_opts;
void td_dump_opts_default(td_dump_opts *o);

typedef struct {
    td_dump_layout layout;
    int nfiles;
    char **files;
    td_dump_tensor *tensors; size_t ntensors;
    td_dump_layer *layers;   size_t nlayers;   /* sorted by depth */
    td_dump_ratio *ratios;   size_t nratios;
    td_dump_finding *findings; size_t nfindings;
    char **notes;            size_t nnotes;    /* what could not be interpreted */
    long long *steps;        size_t nsteps;    /* distinct steps, ascending */
    double lr;               /* learning rate found (NaN: none) */
    char optimizer[32];      /* "adam", "sgd", ... or "" */
    long long iterations;    /* optimizer iterations found (-1: none) */
    uint64_t bytes;          /* bytes of data streamed */
    int keras_order;         /* kernels stored (in,out) / (kh,kw,in,out) */
    td_step_source step_source; /* where the steps of a several-file sequence came from */
    char *model_config;      /* Keras model_config JSON of the last file (NULL: none) */
    td_dump_prop *prop;      size_t nprop;     /* signal propagation, one per layer passed */
    int prop_batch;          /* batch size propagated (0: not run) */
} td_dump;

/* Read files[0..nfiles) (one per step, or one per rank: tensors of the same
 * step, layer and name are merged; or safetensors checkpoints and folders),
 * compute every statistic, histogram, ratio and flag, and the signal
 * propagation when o->propagate allows it. *out is NULL on error. */
td_code td_dump_open(td_dump **out, const char *const *files, int nfiles,
                     const td_dump_opts *o, td_err *e);
void td_dump_free(td_dump *d);
/* The analysis td_dump_open runs once the tensors are read: update/weight
 * ratios (reading pairs of datasets through fids, the open files), layer
 * summaries and findings. */
td_code td_dump_analyse(td_dump *d, const td_dump_opts *o, const int64_t *fids, td_err *e);

/* Tensor lookup: index of (layer, kind, param, step) or -1. */
long td_dump_find(const td_dump *d, int layer, td_dump_kind kind,
                  const char *param, long long step);
/* The same with an optimizer slot name (NULL: none), for td_dump_open. */
long td_dump_find_slot(const td_dump *d, int layer, td_dump_kind kind, const char *param,
                       const char *slot, long long step);
/* Index of the layer called name, added (with depth, -1 unknown) when new;
 * -1 and e set on ENOMEM. */
int td_dump_layer_index(td_dump *d, const char *name, int depth, td_err *e);
/* Histogram of tensor t as o->bins bins over [min, max] (counts has bins entries). */
void td_dump_tensor_bins(const td_dump_tensor *t, int bins, double *counts);
/* First-layer weights as an image grid (TD_EINPUT when there is no
 * conv kernel or dense weight over an image-shaped input). img->data is owned
 * by the caller: td_dump_image_free. */
td_code td_dump_first_layer_image(const td_dump *d, td_dump_image *img, td_err *e);
void td_dump_image_free(td_dump_image *img);

/* For the analysis steps: add a finding (message formatted, one line; the
 * layer's flag bit set when layer >= 0), or a note "file: msg". -1 / TD_ENOMEM
 * when out of memory. */
td_code td_dump_add_finding(td_dump *d, td_err *e, td_dump_flag f, int layer, long long step,
                            double value, double thr, const char *fmt, ...) __attribute__((format(printf, 8, 9)));
int td_dump_add_note(td_dump *d, const char *file, const char *msg);

/* Signal propagation through d's last checkpoint using its model_config
 * (Sequential, or a functional model that is a single chain): fills
 * d->prop, d->prop_batch and adds findings (vanishing/exploding gradient:
 * first kernel's gradient RMS below 1/grad_depth or above grad_depth times
 * the last's; collapse: a hidden layer's output std below 1e-2 of the input's
 * (1), or the std falling 1e-3-fold from the first layer; exploding: output
 * RMS above act_explode; a ReLU layer with every unit dead; kernel std
 * outside [min/init_factor, max·init_factor] of He/Glorot/LeCun). A layer it
 * cannot pass (LSTM, attention, custom, a branch) ends it with a note.
 * Weights are read whole (at most 64 MiB of them); the batch is chosen so
 * the multiply-adds stay near 3e8 and the stored outputs within 64 MiB. */
td_code td_dump_propagate(td_dump *d, const td_dump_opts *o, td_err *e);

/* Writers: human summary per layer with its flags, and the JSON document
 * (schema in dumpcheck(1)). */
void td_dump_write_text(const td_dump *d, const td_dump_opts *o, td_out *out);
void td_dump_write_json(const td_dump *d, const td_dump_opts *o, td_out *out);
/* The propagation table / "propagation" member (null when not run); used by the writers above. */
void td_dump_write_prop_text(const td_dump *d, td_out *out);
void td_dump_write_prop_json(const td_dump *d, td_json *j);

#endif
