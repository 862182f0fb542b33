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

/* When the chunks a slab touches do not fit HDF5's default 1 MiB chunk
 * cache (chunks longer than the slab along its axis, e.g. column chunks),
 * each slab would decompress them again: reopen d with a cache that holds
 * them, if that is at most 32 MiB (memory stays bounded; beyond, slower). */
#define CACHE_MAX (32u << 20)
static hid_t cache_for_slabs(hid_t d, hid_t f, const char *path, const slab_it *it,
                             const hsize_t *chunk, size_t elsize)
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
    double need = nchunks * cbytes;
    if (need <= (1u << 20) || need > CACHE_MAX) return d;
    hid_t dapl = H5Pcreate(H5P_DATASET_ACCESS);
    if (dapl < 0) return d;
    hid_t nd = H5I_INVALID_HID;
    if (H5Pset_chunk_cache(dapl, 100003, (size_t)need + cbytes, 1.0) >= 0) {
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
/* Only this (main) thread calls HDF5. Slab i is summarised by the main
 * thread when i % 3 == 0 and by one worker otherwise (the main thread also
 * reads): a fixed assignment, so both partial summaries, merged in a fixed
 * order, are the same on every run. */
#define RING 2
typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    void *buf[RING];
    size_t n[RING];
    uint64_t off[RING];
    int head, count, done, f32;
    td_dump_acc acc; /* the worker's partial summary */
} pipe_ctx;

static void *worker(void *arg)
{
    pipe_ctx *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (p->count == 0 && !p->done) pthread_cond_wait(&p->cv, &p->mu);
        if (p->count == 0) break;
        int i = p->head;
        pthread_mutex_unlock(&p->mu);
        if (p->f32) td_dump_acc_add_f32(&p->acc, p->buf[i], p->n[i], p->off[i]);
        else td_dump_acc_add_f64(&p->acc, p->buf[i], p->n[i], p->off[i]);
        pthread_mutex_lock(&p->mu);
        p->head = (p->head + 1) % RING;
        p->count--;
        pthread_cond_broadcast(&p->cv);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

td_code td_dump_stream(int64_t fid, const char *file, const char *path,
                       uint64_t max_elems, size_t chunk_bytes, td_dump_acc *acc,
                       void (*on_bytes)(void *ctx, uint64_t bytes), void *ctx,
                       td_err *e)
{
    td_code rc = TD_OK;
    void *buf = NULL;
    td_dump_shape sh;
    hsize_t chunk[TD_DUMP_MAXRANK];
    pipe_ctx *p = NULL;
    pthread_t th;
    int started = 0;
    hid_t d = open_dataset((hid_t)fid, file, path, e);
    if (d < 0) return TD_EINPUT;
    rc = check_open(d, file, path, max_elems, &sh, e);
    if (rc != TD_OK) goto done;
    int f32 = sh.cls == 'f' && sh.bits <= 32;
    size_t es = f32 ? sizeof(float) : sizeof(double);
    hid_t memtype = f32 ? H5T_NATIVE_FLOAT : H5T_NATIVE_DOUBLE;
    chunk_dims(d, sh.rank, chunk);
    slab_it it;
    slab_plan(&it, &sh, chunk, es, chunk_bytes ? chunk_bytes : (4u << 20));
    size_t cap = sh.rank ? it.run * it.inner : 1;
    d = cache_for_slabs(d, (hid_t)fid, path, &it, chunk, (size_t)sh.bits / 8);
    if (d < 0) { rc = td_fail(e, TD_EINPUT, "%s: %s: cannot reopen the dataset", file, path); goto done; }
    buf = malloc(cap * es);
    if (!buf) { rc = td_fail(e, TD_ENOMEM, "%s: %s: out of memory for a %zu-byte slab", file, path, cap * es); goto done; }
    if (acc->unit_nonzero && sh.rank >= 2) {
        uint64_t inner = 1;
        for (int i = 2; i < sh.rank; i++) inner *= sh.dims[i];
        acc->unit_inner = inner;
    }
    int extras = acc->unit_nonzero || acc->sat_lo > -INFINITY || acc->sat_hi < INFINITY;
    if (!extras && sh.n >= 3 * (uint64_t)cap && (p = calloc(1, sizeof *p)) != NULL) {
        int ok = 1;
        for (int i = 0; i < RING; i++) ok &= (p->buf[i] = malloc(cap * es)) != NULL;
        td_dump_acc_init(&p->acc);
        if (acc->hist && ok) { ok = (p->acc.hist = malloc(sizeof *p->acc.hist)) != NULL; if (ok) td_hist_init(p->acc.hist); }
        p->f32 = f32;
        if (ok && pthread_mutex_init(&p->mu, NULL) == 0) {
            if (pthread_cond_init(&p->cv, NULL) == 0) {
                if (pthread_create(&th, NULL, worker, p) == 0) started = 1;
                else pthread_cond_destroy(&p->cv);
            }
            if (!started) pthread_mutex_destroy(&p->mu);
        }
    }
    uint64_t off = 0;
    size_t n, slab = 0;
    while ((n = slab_next(&it)) > 0) {
        void *dst = buf;
        int mine = !started || slab % 3 == 0;
        if (!mine) { /* the next free ring buffer, once the worker frees one */
            pthread_mutex_lock(&p->mu);
            while (p->count == RING) pthread_cond_wait(&p->cv, &p->mu);
            dst = p->buf[(p->head + p->count) % RING];
            pthread_mutex_unlock(&p->mu);
        }
        if (slab_read(d, memtype, &it, dst) < 0) {
            rc = td_fail(e, TD_EINPUT, "%s: %s: read failed at element %llu (truncated or corrupt file?)",
                         file, path, (unsigned long long)off);
            goto done;
        }
        if (mine) {
            if (f32) td_dump_acc_add_f32(acc, dst, n, off);
            else td_dump_acc_add_f64(acc, dst, n, off);
        } else {
            pthread_mutex_lock(&p->mu);
            int i = (p->head + p->count) % RING;
            p->n[i] = n;
            p->off[i] = off;
            p->count++;
            pthread_cond_broadcast(&p->cv);
            pthread_mutex_unlock(&p->mu);
        }
        off += n;
        slab++;
        if (on_bytes) on_bytes(ctx, (uint64_t)n * (uint64_t)(sh.bits / 8));
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
        if (rc == TD_OK) {
            td_stats_merge(&acc->st, &p->acc.st);
            if (acc->hist) td_hist_merge(acc->hist, p->acc.hist);
        }
    }
    if (p) {
        for (int i = 0; i < RING; i++) free(p->buf[i]);
        free(p->acc.hist);
        free(p);
    }
    free(buf);
    if (d >= 0) H5Dclose(d);
    return rc;
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
