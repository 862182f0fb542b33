/* dp_stream.c — checked, bounded-memory hyperslab reads of one dataset (or
 * two in lockstep). A slab is a run along one axis s, whole along the axes
 * after s, one index along the axes before s; s is the first axis whose
 * inner block fits the byte budget, and the run is rounded to whole chunks. */
#include "td_dump.h"

#include <hdf5.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "td_h5.h"

typedef struct {
    int rank, s;
    hsize_t dims[TD_DUMP_MAXRANK];
    hsize_t pos[TD_DUMP_MAXRANK];   /* start of the next slab */
    hsize_t count[TD_DUMP_MAXRANK]; /* shape of the current slab */
    hsize_t run;                    /* slab length along s */
    size_t inner;                   /* elements per index of axis s */
    int done;
} slab_it;

static void slab_plan(slab_it *it, const td_dump_shape *sh, const hsize_t *chunk,
                      size_t elsize, size_t budget)
{
    memset(it, 0, sizeof *it);
    it->rank = sh->rank;
    for (int i = 0; i < sh->rank; i++) it->dims[i] = sh->dims[i];
    if (sh->rank == 0) return;
    size_t cap = budget / elsize;
    if (cap < 1) cap = 1;
    int s = sh->rank - 1;
    size_t inner = 1;
    for (int i = 0; i < sh->rank; i++) { /* the first axis whose inner part fits */
        size_t in = 1;
        for (int j = i + 1; j < sh->rank; j++) in *= (size_t)sh->dims[j];
        if (in <= cap) { s = i; inner = in; break; }
    }
    hsize_t run = (hsize_t)(cap / inner);
    if (run < 1) run = 1;
    if (run > sh->dims[s]) run = sh->dims[s];
    if (chunk && chunk[s] > 0 && run > chunk[s]) run -= run % chunk[s];
    it->s = s;
    it->run = run;
    it->inner = inner;
}

/* Next slab: fills it->count; returns its element count or 0 at the end. */
static size_t slab_next(slab_it *it)
{
    if (it->done) return 0;
    if (it->rank == 0) { it->done = 1; return 1; }
    int s = it->s;
    for (int i = 0; i < it->rank; i++)
        it->count[i] = i < s ? 1 : i == s ? it->run : it->dims[i];
    if (it->pos[s] + it->count[s] > it->dims[s]) it->count[s] = it->dims[s] - it->pos[s];
    size_t n = (size_t)it->count[s] * it->inner;
    return n;
}

/* Advance past the slab just read. */
static void slab_advance(slab_it *it)
{
    if (it->rank == 0) return;
    int s = it->s;
    it->pos[s] += it->count[s];
    if (it->pos[s] < it->dims[s]) return;
    it->pos[s] = 0;
    for (int i = s - 1; i >= 0; i--) {
        if (++it->pos[i] < it->dims[i]) return;
        it->pos[i] = 0;
    }
    it->done = 1;
}

/* Read the current slab of d into buf as memtype. Returns 0 or -1. */
static int slab_read(hid_t d, hid_t memtype, const slab_it *it, void *buf)
{
    if (it->rank == 0) return H5Dread(d, memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0 ? -1 : 0;
    int rc = -1;
    hid_t fs = H5Dget_space(d), ms = H5I_INVALID_HID;
    if (fs < 0) goto done;
    if (H5Sselect_hyperslab(fs, H5S_SELECT_SET, it->pos, NULL, it->count, NULL) < 0) goto done;
    ms = H5Screate_simple(it->rank, it->count, NULL);
    if (ms < 0) goto done;
    if (H5Dread(d, memtype, ms, fs, H5P_DEFAULT, buf) < 0) goto done;
    rc = 0;
done:
    if (ms >= 0) H5Sclose(ms);
    if (fs >= 0) H5Sclose(fs);
    return rc;
}

/* Shape and type of an open dataset, checked. */
static td_code check_open(hid_t d, const char *file, const char *path, uint64_t max_elems,
                          td_dump_shape *sh, td_err *e)
{
    td_code rc = TD_OK;
    hid_t ty = H5Dget_type(d), sp = H5I_INVALID_HID;
    memset(sh, 0, sizeof *sh);
    if (ty < 0) { rc = td_fail(e, TD_EINPUT, "%s: %s: cannot read its type", file, path); goto done; }
    H5T_class_t cls = H5Tget_class(ty);
    size_t size = H5Tget_size(ty);
    if (cls == H5T_FLOAT) sh->cls = 'f';
    else if (cls == H5T_INTEGER) sh->cls = H5Tget_sign(ty) == H5T_SGN_NONE ? 'u' : 'i';
    else {
        static const struct { H5T_class_t c; const char *name; } names[] = {
            { H5T_STRING, "strings" }, { H5T_COMPOUND, "a compound type" },
            { H5T_ENUM, "an enum" }, { H5T_VLEN, "variable-length data" },
            { H5T_ARRAY, "an array type" }, { H5T_OPAQUE, "opaque data" },
            { H5T_REFERENCE, "references" }, { H5T_BITFIELD, "a bitfield" },
        };
        const char *what = "a non-numeric type";
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
            if (names[i].c == cls) what = names[i].name;
        rc = td_fail(e, TD_EINPUT, "%s: %s: holds %s, not numbers", file, path, what);
        goto done;
    }
    if (size == 0 || size > 8) { rc = td_fail(e, TD_EINPUT, "%s: %s: unsupported %zu-byte numbers", file, path, size); goto done; }
    sh->bits = (int)(size * 8);
    sp = H5Dget_space(d);
    if (sp < 0) { rc = td_fail(e, TD_EINPUT, "%s: %s: cannot read its shape", file, path); goto done; }
    H5S_class_t sc = H5Sget_simple_extent_type(sp);
    if (sc == H5S_NULL) { rc = td_fail(e, TD_EINPUT, "%s: %s: has no elements (null dataspace)", file, path); goto done; }
    int r = H5Sget_simple_extent_ndims(sp);
    if (r < 0) { rc = td_fail(e, TD_EINPUT, "%s: %s: cannot read its shape", file, path); goto done; }
    if (r > TD_DUMP_MAXRANK) {
        rc = td_fail(e, TD_EINPUT, "%s: %s: rank %d is not supported (at most %d)", file, path, r, TD_DUMP_MAXRANK);
        goto done;
    }
    hsize_t hd[TD_DUMP_MAXRANK];
    if (r > 0 && H5Sget_simple_extent_dims(sp, hd, NULL) < 0) {
        rc = td_fail(e, TD_EINPUT, "%s: %s: cannot read its shape", file, path); goto done;
    }
    sh->rank = r;
    double n = 1;
    uint64_t nn = 1;
    for (int i = 0; i < r; i++) { sh->dims[i] = hd[i]; n *= (double)hd[i]; nn *= hd[i]; }
    if (n == 0) { rc = td_fail(e, TD_EINPUT, "%s: %s: has no elements (zero-size shape)", file, path); goto done; }
    if (n > (double)max_elems) {
        rc = td_fail(e, TD_EINPUT, "%s: %s: declares %.0f elements (more than the limit %llu)",
                     file, path, n, (unsigned long long)max_elems);
        goto done;
    }
    sh->n = nn;
done:
    if (sp >= 0) H5Sclose(sp);
    if (ty >= 0) H5Tclose(ty);
    return rc;
}

static hid_t open_dataset(hid_t f, const char *file, const char *path, td_err *e)
{
    H5O_info_t info;
    if (td_h5_check_path((int64_t)f, file, path, e) != TD_OK) return H5I_INVALID_HID;
    if (H5Lexists(f, path, H5P_DEFAULT) <= 0 || H5Oget_info_by_name2(f, path, &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0) {
        td_fail(e, TD_EINPUT, "%s: %s: no such dataset", file, path);
        return H5I_INVALID_HID;
    }
    if (info.type != H5O_TYPE_DATASET) {
        td_fail(e, TD_EINPUT, "%s: %s: not a dataset", file, path);
        return H5I_INVALID_HID;
    }
    hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
    if (d < 0) td_fail(e, TD_EINPUT, "%s: %s: cannot open the dataset", file, path);
    else if (td_h5_check_dataset((int64_t)d, file, path, e) != TD_OK) { H5Dclose(d); d = H5I_INVALID_HID; }
    return d;
}

/* When every chunk a slab touches lies wholly inside it (the usual row
 * chunks), each chunk is read once: reopen d without a chunk cache, so HDF5
 * reads the chunks straight into the slab instead of copying them through
 * its cache. When the chunks a slab touches do not fit HDF5's default 1 MiB
 * chunk cache (chunks longer than the slab along its axis, e.g. column
 * chunks), each slab would decompress them again: reopen d with a cache that
 * holds them, if that is at most cache_max (memory stays bounded; beyond,
 * slower): 32 MiB for one dataset, split among the members of more than two. */
#define CACHE_MAX (32u << 20)
static hid_t cache_for_slabs(hid_t d, hid_t f, const char *path, const slab_it *it,
                             const hsize_t *chunk, size_t elsize, size_t cache_max)
{
    if (it->rank == 0 || chunk[0] == 0) return d;
    double nchunks = 1, cbytes = (double)elsize;
    for (int i = 0; i < it->rank; i++) {
        cbytes *= (double)chunk[i];
        if (i == it->s) /* slabs start at multiples of run */
            nchunks *= it->run % chunk[i] == 0 ? (double)(it->run / chunk[i])
                     : chunk[i] % it->run == 0 ? 1 : ceil((double)it->run / (double)chunk[i]) + 1;
        else if (i > it->s) nchunks *= ceil((double)it->dims[i] / (double)chunk[i]);
    }
    int whole = it->run % chunk[it->s] == 0 || it->run == it->dims[it->s];
    for (int i = 0; i < it->s; i++) whole &= chunk[i] == 1;
    double need = nchunks * cbytes;
    if (!whole && (need <= (1u << 20) || need > (double)cache_max)) return d;
    hid_t dapl = H5Pcreate(H5P_DATASET_ACCESS);
    if (dapl < 0) return d;
    hid_t nd = H5I_INVALID_HID;
    if (H5Pset_chunk_cache(dapl, whole ? 0 : 100003, whole ? 0 : (size_t)need + (size_t)cbytes, 1.0) >= 0) {
        H5Dclose(d); /* an open dataset is shared: its cache would stay */
        nd = H5Dopen2(f, path, dapl);
        if (nd < 0) nd = H5Dopen2(f, path, H5P_DEFAULT);
    }
    else nd = d;
    H5Pclose(dapl);
    return nd; /* invalid only when the dataset cannot be reopened */
}

td_code td_dump_check_dataset(int64_t fid, const char *file, const char *path,
                              uint64_t max_elems, td_dump_shape *shape, td_err *e)
{
    hid_t d = open_dataset((hid_t)fid, file, path, e);
    if (d < 0) return TD_EINPUT;
    td_code rc = check_open(d, file, path, max_elems, shape, e);
    H5Dclose(d);
    return rc;
}

/* Chunk dims of d (0 when contiguous). */
static void chunk_dims(hid_t d, int rank, hsize_t *chunk)
{
    for (int i = 0; i < TD_DUMP_MAXRANK; i++) chunk[i] = 0;
    hid_t pl = H5Dget_create_plist(d);
    if (pl < 0) return;
    if (rank > 0 && H5Pget_layout(pl) == H5D_CHUNKED) {
        hsize_t c[32];
        int r = H5Pget_chunk(pl, 32, c);
        if (r == rank) for (int i = 0; i < rank; i++) chunk[i] = c[i];
    }
    H5Pclose(pl);
}

/* ---- two-thread pipeline for large datasets ------------------------------------- */
/* Only this (main) thread calls HDF5. Slab set i is summarised by the main
 * thread when i % 3 == 0 and by one worker otherwise (the main thread also
 * reads): a fixed assignment, so both partial summaries, merged in a fixed
 * order, are the same on every run. (td_dump_stream_steps, below.) */
#define RING 2

td_code td_dump_stream(int64_t fid, const char *file, const char *path,
                       uint64_t max_elems, size_t chunk_bytes, td_dump_acc *acc,
                       void (*on_bytes)(void *ctx, uint64_t bytes), void *ctx,
                       td_err *e)
{
    return td_dump_stream_steps(&fid, &file, &path, 1, max_elems, chunk_bytes, acc, NULL, NULL, on_bytes, ctx, e);
}

/* Pair operators: one squared term of two values (kann-style table). */
typedef double (*pair_fn)(double a, double b, double eps);
static double pair_diff(double a, double b, double eps) { (void)eps; return (b - a) * (b - a); }
static double pair_adam(double a, double b, double eps)
{
    double u = a / (sqrt(b > 0 ? b : 0) + eps);
    return u * u;
}
static const pair_fn pair_ops[] = { [TD_PAIR_DIFF] = pair_diff, [TD_PAIR_ADAM] = pair_adam };

td_code td_dump_pair(int64_t fa, const char *file_a, const char *path_a,
                     int64_t fb, const char *file_b, const char *path_b,
                     td_pair_op op, double eps, uint64_t max_elems,
                     size_t chunk_bytes, double *sum, uint64_t *bad, td_err *e)
{
    td_code rc = TD_OK;
    double *ba = NULL, *bb = NULL;
    td_dump_shape sa, sb;
    hsize_t chunk[TD_DUMP_MAXRANK];
    *sum = 0;
    *bad = 0;
    if ((unsigned)op >= sizeof pair_ops / sizeof pair_ops[0])
        return td_fail(e, TD_EINTERNAL, "unknown pair operator %d", (int)op);
    hid_t da = open_dataset((hid_t)fa, file_a, path_a, e), db = H5I_INVALID_HID;
    if (da < 0) return TD_EINPUT;
    db = open_dataset((hid_t)fb, file_b, path_b, e);
    if (db < 0) { rc = TD_EINPUT; goto done; }
    if ((rc = check_open(da, file_a, path_a, max_elems, &sa, e)) != TD_OK) goto done;
    if ((rc = check_open(db, file_b, path_b, max_elems, &sb, e)) != TD_OK) goto done;
    if (sa.rank != sb.rank || memcmp(sa.dims, sb.dims, sizeof sa.dims) != 0) {
        rc = td_fail(e, TD_EINPUT, "%s: %s: shape differs from %s", file_b, path_b, path_a);
        goto done;
    }
    chunk_dims(da, sa.rank, chunk);
    slab_it it;
    slab_plan(&it, &sa, chunk, sizeof(double), chunk_bytes ? chunk_bytes / 2 : (2u << 20));
    size_t cap = sa.rank ? it.run * it.inner : 1;
    ba = malloc(cap * sizeof *ba);
    bb = malloc(cap * sizeof *bb);
    if (!ba || !bb) { rc = td_fail(e, TD_ENOMEM, "%s: %s: out of memory", file_a, path_a); goto done; }
    pair_fn fn = pair_ops[op];
    size_t n;
    while ((n = slab_next(&it)) > 0) {
        if (slab_read(da, H5T_NATIVE_DOUBLE, &it, ba) < 0) {
            rc = td_fail(e, TD_EINPUT, "%s: %s: read failed", file_a, path_a); goto done;
        }
        if (slab_read(db, H5T_NATIVE_DOUBLE, &it, bb) < 0) {
            rc = td_fail(e, TD_EINPUT, "%s: %s: read failed", file_b, path_b); goto done;
        }
        for (size_t i = 0; i < n; i++) {
            double t = fn(ba[i], bb[i], eps);
            if (isfinite(t)) *sum += t;
            else (*bad)++;
        }
        slab_advance(&it);
    }
done:
    free(ba);
    free(bb);
    if (db >= 0) H5Dclose(db);
    H5Dclose(da);
    return rc;
}

/* ---- one parameter's steps in lockstep ---------------------------------------- */
/* Σ (b − a)² of one slab of two members, in LANES independent sums (no
 * serial dependency); when that is not finite (a NaN/Inf, or a term that
 * overflows) the slab is redone term by term, skipping and counting the
 * non-finite terms, as td_dump_pair does. */
#define LANES 8
#define DIFF(TA, TB)                                                                 \
static void diff_##TA##_##TB(const TA *a, const TB *b, size_t n, double *sum, uint64_t *bad) \
{                                                                                    \
    double s[LANES] = {0};                                                           \
    size_t i = 0;                                                                    \
    for (; i + LANES <= n; i += LANES)                                               \
        for (int j = 0; j < LANES; j++) {                                            \
            double d = (double)b[i + j] - (double)a[i + j];                          \
            s[j] += d * d;                                                           \
        }                                                                            \
    for (; i < n; i++) { double d = (double)b[i] - (double)a[i]; s[0] += d * d; }    \
    double t = 0;                                                                    \
    for (int j = 0; j < LANES; j++) t += s[j];                                       \
    if (isfinite(t)) { *sum += t; return; }                                          \
    for (i = 0; i < n; i++) {                                                        \
        double d = (double)b[i] - (double)a[i], q = d * d;                           \
        if (isfinite(q)) *sum += q;                                                  \
        else (*bad)++;                                                               \
    }                                                                                \
}
DIFF(float, float)
DIFF(float, double)
DIFF(double, float)
DIFF(double, double)

/* One partial summary of the members: an accumulator each, and the pair
 * sums of consecutive members. */
typedef struct {
    td_dump_acc *acc;
    double *sum;
    uint64_t *bad;
} steps_part;

static void steps_add(int n, const int *f32, void *const *buf, size_t len, uint64_t off, steps_part *p)
{
    for (int k = 0; k < n; k++) {
        if (f32[k]) td_dump_acc_add_f32(&p->acc[k], buf[k], len, off);
        else td_dump_acc_add_f64(&p->acc[k], buf[k], len, off);
    }
    for (int k = 0; k + 1 < n; k++) {
        if (f32[k] && f32[k + 1]) diff_float_float(buf[k], buf[k + 1], len, &p->sum[k], &p->bad[k]);
        else if (f32[k]) diff_float_double(buf[k], buf[k + 1], len, &p->sum[k], &p->bad[k]);
        else if (f32[k + 1]) diff_double_float(buf[k], buf[k + 1], len, &p->sum[k], &p->bad[k]);
        else diff_double_double(buf[k], buf[k + 1], len, &p->sum[k], &p->bad[k]);
    }
}

/* The pipeline: a ring of sets of n slabs (one per member). */
typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    void **buf[RING];
    size_t len[RING];
    uint64_t off[RING];
    int head, count, done, n;
    const int *f32;
    steps_part part; /* the worker's */
} steps_pipe;

static void *steps_worker(void *arg)
{
    steps_pipe *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (p->count == 0 && !p->done) pthread_cond_wait(&p->cv, &p->mu);
        if (p->count == 0) break;
        int i = p->head;
        pthread_mutex_unlock(&p->mu);
        steps_add(p->n, p->f32, p->buf[i], p->len[i], p->off[i], &p->part);
        pthread_mutex_lock(&p->mu);
        p->head = (p->head + 1) % RING;
        p->count--;
        pthread_cond_broadcast(&p->cv);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* Free what steps_part_new allocated (NULL members allowed). */
static void steps_part_free(steps_part *p, int n)
{
    if (p->acc) for (int k = 0; k < n; k++) free(p->acc[k].hist);
    free(p->acc);
    free(p->sum);
    free(p->bad);
}

/* An empty partial summary of n members, with histograms when hist. */
static int steps_part_new(steps_part *p, int n, int hist)
{
    p->acc = calloc((size_t)n, sizeof *p->acc);
    p->sum = calloc((size_t)n, sizeof *p->sum);
    p->bad = calloc((size_t)n, sizeof *p->bad);
    if (!p->acc || !p->sum || !p->bad) return -1;
    for (int k = 0; k < n; k++) {
        td_dump_acc_init(&p->acc[k]);
        if (hist) {
            if (!(p->acc[k].hist = malloc(sizeof *p->acc[k].hist))) return -1;
            td_hist_init(p->acc[k].hist);
        }
    }
    return 0;
}

static void **slab_bufs(int n, size_t bytes)
{
    void **b = calloc((size_t)n, sizeof *b);
    for (int k = 0; b && k < n; k++)
        if (!(b[k] = malloc(bytes))) { for (int j = 0; j < k; j++) free(b[j]); free(b); return NULL; }
    return b;
}

static void slab_bufs_free(void **b, int n)
{
    for (int k = 0; b && k < n; k++) free(b[k]);
    free(b);
}

td_code td_dump_stream_steps(const int64_t *fids, const char *const *files, const char *const *paths, int n,
                             uint64_t max_elems, size_t chunk_bytes, td_dump_acc *acc, double *sum, uint64_t *bad,
                             void (*on_bytes)(void *ctx, uint64_t bytes), void *ctx, td_err *e)
{
    td_code rc = TD_OK;
    if (n < 1) return td_fail(e, TD_EINTERNAL, "td_dump_stream_steps: no dataset");
    hid_t *d = malloc((size_t)n * sizeof *d);
    int *f32 = calloc((size_t)n, sizeof *f32);
    td_dump_shape *sh = calloc((size_t)n, sizeof *sh);
    hsize_t (*chunk)[TD_DUMP_MAXRANK] = calloc((size_t)n, sizeof *chunk);
    steps_part mine = { acc, sum, bad };
    steps_pipe *p = NULL;
    void **own = NULL;
    pthread_t th;
    int started = 0, opened = 0;
    if (!d || !f32 || !sh || !chunk) { rc = td_fail(e, TD_ENOMEM, "%s: %s: out of memory", files[0], paths[0]); goto done; }
    for (int k = 0; k + 1 < n; k++) { sum[k] = 0; bad[k] = 0; }
    for (; opened < n; opened++) {
        int k = opened;
        if ((d[k] = open_dataset((hid_t)fids[k], files[k], paths[k], e)) < 0) { rc = TD_EINPUT; goto done; }
        if ((rc = check_open(d[k], files[k], paths[k], max_elems, &sh[k], e)) != TD_OK) { opened++; goto done; }
        if (sh[k].rank != sh[0].rank || memcmp(sh[k].dims, sh[0].dims, sizeof sh[0].dims) != 0) {
            rc = td_fail(e, TD_EINPUT, "%s: %s: shape differs from %s", files[k], paths[k], paths[0]);
            opened++;
            goto done;
        }
        f32[k] = sh[k].cls == 'f' && sh[k].bits <= 32;
        chunk_dims(d[k], sh[k].rank, chunk[k]);
    }
    /* one plan for all: the widest type; the budget split when more than two
     * members, so the slabs in memory stay near 2 × chunk_bytes per set */
    size_t es = sizeof(float), budget = chunk_bytes ? chunk_bytes : (4u << 20);
    for (int k = 0; k < n; k++) if (!f32[k]) es = sizeof(double);
    if (n > 2) budget = budget * 2 / (size_t)n;
    if (budget < 4096) budget = 4096;
    slab_it it;
    slab_plan(&it, &sh[0], chunk[0], es, budget);
    size_t cap = sh[0].rank ? it.run * it.inner : 1;
    for (int k = 0; k < n; k++) {
        d[k] = cache_for_slabs(d[k], (hid_t)fids[k], paths[k], &it, chunk[k], (size_t)sh[k].bits / 8,
                               n > 2 ? (size_t)CACHE_MAX * 2 / (size_t)n : CACHE_MAX);
        if (d[k] < 0) {
            rc = td_fail(e, TD_EINPUT, "%s: %s: cannot reopen the dataset", files[k], paths[k]);
            for (int j = k; j + 1 < opened; j++) d[j] = d[j + 1]; /* keep the open ones first */
            opened--;
            goto done;
        }
    }
    if (!(own = slab_bufs(n, cap * es))) { rc = td_fail(e, TD_ENOMEM, "%s: %s: out of memory for %d slabs of %zu bytes", files[0], paths[0], n, cap * es); goto done; }
    int extras = 0;
    for (int k = 0; k < n; k++) {
        td_dump_acc *a = &acc[k];
        if (a->unit_nonzero && sh[k].rank >= 2) {
            uint64_t inner = 1;
            for (int i = 2; i < sh[k].rank; i++) inner *= sh[k].dims[i];
            a->unit_inner = inner;
        }
        extras |= a->unit_nonzero || a->sat_lo > -INFINITY || a->sat_hi < INFINITY;
    }
    if (!extras && sh[0].n >= 3 * (uint64_t)cap && (p = calloc(1, sizeof *p)) != NULL) {
        int ok = steps_part_new(&p->part, n, acc[0].hist != NULL) == 0;
        for (int i = 0; i < RING && ok; i++) ok = (p->buf[i] = slab_bufs(n, cap * es)) != NULL;
        p->n = n;
        p->f32 = f32;
        if (ok && pthread_mutex_init(&p->mu, NULL) == 0) {
            if (pthread_cond_init(&p->cv, NULL) == 0) {
                if (pthread_create(&th, NULL, steps_worker, p) == 0) started = 1;
                else pthread_cond_destroy(&p->cv);
            }
            if (!started) pthread_mutex_destroy(&p->mu);
        }
    }
    uint64_t off = 0;
    size_t len, slab = 0;
    while ((len = slab_next(&it)) > 0) {
        void **dst = own;
        int self = !started || slab % 3 == 0;
        if (!self) {
            pthread_mutex_lock(&p->mu);
            while (p->count == RING) pthread_cond_wait(&p->cv, &p->mu);
            dst = p->buf[(p->head + p->count) % RING];
            pthread_mutex_unlock(&p->mu);
        }
        for (int k = 0; k < n; k++)
            if (slab_read(d[k], f32[k] ? H5T_NATIVE_FLOAT : H5T_NATIVE_DOUBLE, &it, dst[k]) < 0) {
                rc = td_fail(e, TD_EINPUT, "%s: %s: read failed at element %llu (truncated or corrupt file?)",
                             files[k], paths[k], (unsigned long long)off);
                goto done;
            }
        if (self) steps_add(n, f32, dst, len, off, &mine);
        else {
            pthread_mutex_lock(&p->mu);
            int i = (p->head + p->count) % RING;
            p->len[i] = len;
            p->off[i] = off;
            p->count++;
            pthread_cond_broadcast(&p->cv);
            pthread_mutex_unlock(&p->mu);
        }
        off += len;
        slab++;
        if (on_bytes) for (int k = 0; k < n; k++) on_bytes(ctx, (uint64_t)len * (uint64_t)(sh[k].bits / 8));
        slab_advance(&it);
    }
done:
    if (started) {
        pthread_mutex_lock(&p->mu);
        p->done = 1;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
        pthread_join(th, NULL);
        pthread_cond_destroy(&p->cv);
        pthread_mutex_destroy(&p->mu);
        if (rc == TD_OK)
            for (int k = 0; k < n; k++) {
                td_stats_merge(&acc[k].st, &p->part.acc[k].st);
                if (acc[k].hist) td_hist_merge(acc[k].hist, p->part.acc[k].hist);
                if (k + 1 < n) { sum[k] += p->part.sum[k]; bad[k] += p->part.bad[k]; }
            }
    }
    if (p) {
        for (int i = 0; i < RING; i++) slab_bufs_free(p->buf[i], n);
        steps_part_free(&p->part, n);
        free(p);
    }
    slab_bufs_free(own, n);
    for (int k = 0; d && k < opened; k++) H5Dclose(d[k]);
    free(d); free(f32); free(sh); free(chunk);
    return rc;
}
