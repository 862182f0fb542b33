/* sc_data.c — data checks on an HDF5 data set (seed 004: class balance;
 * seed 003: normalized inputs): labels integer and in range, per-class
 * counts, input mean/std/range and per-feature scales, duplicated
 * examples. Reading goes through td_h5_read_f64. */
#include <hdf5.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "td_h5.h"
#include "td_sanity.h"

void td_sc_data_opts_default(td_sc_data_opts *o)
{
    memset(o, 0, sizeof *o);
    o->max_ratio = 1.5;
    o->max_mean = 1.0;
    o->std_lo = 0.1;
    o->std_hi = 10.0;
    o->max_scale_ratio = 100.0;
}

void td_sc_data_free(td_sc_data *data)
{
    if (!data) return;
    free(data->x);
    free(data->y);
    data->x = data->y = NULL;
}

/* ---- finding the datasets ---------------------------------------------------- */
typedef struct {
    char x[128], y[128];
    int nx, ny;
} pair_scan;

static herr_t scan_cb(hid_t g, const char *name, const H5L_info_t *info, void *ctx)
{
    (void)g; (void)info;
    pair_scan *p = ctx;
    size_t n = strlen(name);
    if (n < 2 || n >= sizeof p->x || name[n - 2] != '_') return 0;
    if (name[n - 1] == 'x' || name[n - 1] == 'X') { snprintf(p->x, sizeof p->x, "%s", name); p->nx++; }
    if (name[n - 1] == 'y' || name[n - 1] == 'Y') { snprintf(p->y, sizeof p->y, "%s", name); p->ny++; }
    return 0;
}

/* Fill xname/yname when not given: "x"/"y", else the single "*_x"/"*_y". */
static td_code find_pair(const char *file, const char *safe, char *xn, char *yn, size_t cap, td_err *e)
{
    int64_t fid;
    td_code rc = td_h5_open(file, safe, &fid, e);
    if (rc != TD_OK) return rc;
    hid_t f = (hid_t)fid;
    if (!*xn) {
        if (H5Lexists(f, "x", H5P_DEFAULT) > 0) snprintf(xn, cap, "x");
        else if (H5Lexists(f, "X", H5P_DEFAULT) > 0) snprintf(xn, cap, "X");
    }
    if (!*yn) {
        if (H5Lexists(f, "y", H5P_DEFAULT) > 0) snprintf(yn, cap, "y");
        else if (H5Lexists(f, "Y", H5P_DEFAULT) > 0) snprintf(yn, cap, "Y");
    }
    if (!*xn || !*yn) {
        pair_scan p = { .nx = 0 };
        hsize_t idx = 0;
        if (H5Literate(f, H5_INDEX_NAME, H5_ITER_NATIVE, &idx, scan_cb, &p) < 0)
            rc = td_fail(e, TD_EINPUT, "%s: cannot list the root group", safe);
        else if ((!*xn && p.nx != 1) || (!*yn && p.ny != 1))
            rc = td_fail(e, TD_EINPUT, "%s: no single inputs/labels pair ('x'/'y' or '*_x'/'*_y'): name them with --x and --y", safe);
        else {
            if (!*xn) snprintf(xn, cap, "%s", p.x);
            if (!*yn) snprintf(yn, cap, "%s", p.y);
        }
    }
    H5Fclose(f);
    return rc;
}

td_code td_sc_labels_int(const double *y, size_t n, td_err *e)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(y[i]) || y[i] != floor(y[i]) || fabs(y[i]) > 1e15)
            return td_fail(e, TD_EINPUT, "label %g at index %zu is not an integer", y[i], i);
    return TD_OK;
}

td_code td_sc_data_read(const char *file, const char *xname, const char *yname,
                        size_t max_elems, td_sc_data *data, td_err *e)
{
    memset(data, 0, sizeof *data);
    char safe[256];
    td_safe_text(safe, sizeof safe, file);
    snprintf(data->xname, sizeof data->xname, "%s", xname ? xname : "");
    snprintf(data->yname, sizeof data->yname, "%s", yname ? yname : "");
    snprintf(data->file, sizeof data->file, "%s", safe);
    td_code rc = find_pair(file, safe, data->xname, data->yname, sizeof data->xname, e);
    if (rc != TD_OK) return rc;
    size_t nx = 0, ny = 0;
    int rx = 0, ry = 0;
    uint64_t dx[TD_H5_MAXRANK], dy[TD_H5_MAXRANK];
    rc = td_h5_read_f64(file, data->xname, max_elems, &data->x, &nx, &rx, dx, e);
    if (rc == TD_OK) rc = td_h5_read_f64(file, data->yname, max_elems, &data->y, &ny, &ry, dy, e);
    char sx[128], sy[128];
    td_safe_text(sx, sizeof sx, data->xname);
    td_safe_text(sy, sizeof sy, data->yname);
    /* from here on the names are for messages: keep them safe to print */
    snprintf(data->xname, sizeof data->xname, "%s", sx);
    snprintf(data->yname, sizeof data->yname, "%s", sy);
    if (rc != TD_OK) goto fail;
    if (rx < 1 || dx[0] == 0) { rc = td_fail(e, TD_EINPUT, "%s: %s: no examples (rank %d)", safe, sx, rx); goto fail; }
    data->n = (size_t)dx[0];
    data->d = nx / data->n;
    if (ry < 1 || dy[0] != dx[0] || ry > 2 || (ry == 2 && dy[1] == 0)) {
        rc = td_fail(e, TD_EINPUT, "%s: %s: %llu labels (rank %d) for %zu examples in %s", safe, sy,
                     ry ? (unsigned long long)dy[0] : 0ULL, ry, data->n, sx);
        goto fail;
    }
    if (ry == 2 && dy[1] > 1) { /* one-hot rows -> class index */
        size_t C = (size_t)dy[1];
        for (size_t i = 0; i < data->n; i++) {
            size_t hot = C, ones = 0;
            for (size_t k = 0; k < C; k++) {
                double v = data->y[i * C + k];
                if (v == 1) { hot = k; ones++; }
                else if (v != 0) ones = C + 1;
            }
            if (ones != 1) {
                rc = td_fail(e, TD_EINPUT, "%s: %s: row %zu of the (%zu, %zu) labels is not one-hot", safe, sy, i,
                             data->n, C);
                goto fail;
            }
            data->y[i] = (double)hot;
        }
        data->onehot = (long)C;
    }
    return TD_OK;
fail:
    td_sc_data_free(data);
    return rc;
}

/* ---- the checks --------------------------------------------------------------- */
static void check_labels(const td_sc_data *d, long C, td_sc_check *c)
{
    size_t bad = 0, first = 0;
    for (size_t i = 0; i < d->n; i++)
        if (d->y[i] < 0 || d->y[i] >= (double)C) { if (!bad) first = i; bad++; }
    td_sc_num(c, "classes", (double)C);
    td_sc_num(c, "outside", (double)bad);
    if (!bad) { td_sc_what(c, "%zu labels, all integers in [0, %ld)", d->n, C); return; }
    c->status = TD_SC_FAIL;
    td_sc_what(c, "%zu of %zu labels outside [0, %ld) (first: %g at index %zu)", bad, d->n, C, d->y[first], first);
    td_sc_cause(c, "labels shifted (1-based), a wrong class count, or a missing-label marker (-1) left in");
}

static void check_balance(const td_sc_data *d, long C, const td_sc_data_opts *o, td_sc_check *c)
{
    size_t *cnt = calloc((size_t)C, sizeof *cnt);
    if (!cnt) { c->status = TD_SC_SKIP; td_sc_what(c, "out of memory for %ld class counts", C); return; }
    for (size_t i = 0; i < d->n; i++)
        if (d->y[i] >= 0 && d->y[i] < (double)C) cnt[(size_t)d->y[i]]++;
    size_t lo = 0, hi = 0;
    for (long k = 1; k < C; k++) {
        if (cnt[k] < cnt[lo]) lo = (size_t)k;
        if (cnt[k] > cnt[hi]) hi = (size_t)k;
    }
    double ratio = cnt[lo] ? (double)cnt[hi] / (double)cnt[lo] : INFINITY;
    td_sc_num(c, "largest", (double)cnt[hi]);
    td_sc_num(c, "smallest", (double)cnt[lo]);
    td_sc_num(c, "ratio", ratio);
    td_sc_num(c, "max_ratio", o->max_ratio);
    char counts[200] = "";
    for (long k = 0, len = 0; k < C && len < 150; k++)
        len += snprintf(counts + len, sizeof counts - (size_t)len, "%s%zu", k ? "/" : "", cnt[k]);
    if (C == 2) {
        td_sc_num(c, "positive", (double)cnt[1]);
        td_sc_num(c, "negative", (double)cnt[0]);
        td_sc_what(c, "positive/negative %zu/%zu = %.3g", cnt[1], cnt[0], cnt[0] ? (double)cnt[1] / (double)cnt[0] : INFINITY);
    } else {
        td_sc_what(c, "class counts %s%s; largest/smallest %.3g", counts, C > 30 ? "..." : "", ratio);
    }
    if (cnt[lo] == 0) {
        c->status = TD_SC_FAIL;
        td_sc_cause(c, "class %zu has no example: the class count is wrong or the split dropped it", lo);
    } else if (ratio > o->max_ratio) {
        c->status = TD_SC_FAIL;
        td_sc_cause(c, "class %zu has %.3g x the examples of class %zu (more than %g): the model leans to the "
                       "larger class; over-sample the smaller one and keep each mini-batch balanced (tuning tips)",
                    hi, ratio, lo, o->max_ratio);
    }
    free(cnt);
}

static void check_normalized(const td_sc_data *d, const td_sc_data_opts *o, td_sc_check *c)
{
    td_stats all;
    td_stats_init(&all);
    td_stats_add_array(&all, d->x, d->n * d->d);
    td_stats *f = calloc(d->d, sizeof *f);
    double smin = INFINITY, smax = 0;
    size_t fmin = 0, fmax = 0;
    if (f) {
        for (size_t j = 0; j < d->d; j++) td_stats_init(&f[j]);
        for (size_t i = 0; i < d->n; i++)
            for (size_t j = 0; j < d->d; j++) td_stats_add(&f[j], d->x[i * d->d + j]);
        for (size_t j = 0; j < d->d; j++) {
            double s = td_stats_std(&f[j]);
            if (s > 0 && s < smin) { smin = s; fmin = j; }
            if (s > smax) { smax = s; fmax = j; }
        }
        free(f);
    }
    double mean = all.mean, sd = td_stats_std(&all);
    double sratio = smin < INFINITY && smin > 0 ? smax / smin : 1;
    td_sc_num(c, "mean", mean);
    td_sc_num(c, "std", sd);
    td_sc_num(c, "min", all.min);
    td_sc_num(c, "max", all.max);
    td_sc_num(c, "feature_std_ratio", sratio);
    if (all.nans + all.infs) {
        td_sc_num(c, "nonfinite", (double)(all.nans + all.infs));
        c->status = TD_SC_FAIL;
        td_sc_what(c, "%llu inputs are NaN or Inf", (unsigned long long)(all.nans + all.infs));
        td_sc_cause(c, "missing values stored as NaN: fill or drop them before training");
        return;
    }
    td_sc_what(c, "inputs mean %.4g, std %.4g, range [%.4g, %.4g]", mean, sd, all.min, all.max);
    if (fabs(mean) > o->max_mean || sd < o->std_lo || sd > o->std_hi) {
        c->status = TD_SC_FAIL;
        td_sc_cause(c, "inputs far from normalized (want |mean| <= %g, std in [%g, %g]): subtract the mean and "
                       "divide by the std%s", o->max_mean, o->std_lo, o->std_hi,
                    all.min >= 0 && all.max > 1 && all.max <= 255 ? " (pixels 0..255: at least divide by 255)" : "");
    } else if (sratio > o->max_scale_ratio) {
        c->status = TD_SC_FAIL;
        td_sc_cause(c, "feature %zu has %.3g x the std of feature %zu: standardize each feature, or the "
                       "large one dominates the first layer", fmax, sratio, fmin);
    }
}

/* FNV-1a over a row's values (-0.0 hashed as 0.0). */
static uint64_t row_hash(const double *x, size_t d)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t j = 0; j < d; j++) {
        double v = x[j] == 0 ? 0.0 : x[j];
        unsigned char b[sizeof v];
        memcpy(b, &v, sizeof v);
        for (size_t k = 0; k < sizeof v; k++) { h ^= b[k]; h *= 1099511628211ULL; }
    }
    return h;
}

typedef struct { uint64_t h; size_t i; } hrow;
static int hrow_cmp(const void *a, const void *b)
{
    const hrow *p = a, *q = b;
    if (p->h != q->h) return p->h < q->h ? -1 : 1;
    return p->i < q->i ? -1 : p->i > q->i;
}

static int same_row(const td_sc_data *d, size_t a, size_t b)
{
    for (size_t j = 0; j < d->d; j++)
        if (d->x[a * d->d + j] != d->x[b * d->d + j]) return 0;
    return 1;
}

static void check_duplicates(const td_sc_data *d, int labels, td_sc_check *c)
{
    hrow *h = malloc(d->n * sizeof *h);
    if (!h) { c->status = TD_SC_SKIP; td_sc_what(c, "out of memory for %zu hashes", d->n); return; }
    for (size_t i = 0; i < d->n; i++) h[i] = (hrow){ row_hash(d->x + i * d->d, d->d), i };
    qsort(h, d->n, sizeof *h, hrow_cmp);
    size_t dups = 0, conflicts = 0, fa = 0, fb = 0;
    for (size_t s = 0; s < d->n;) {
        size_t t = s + 1;
        while (t < d->n && h[t].h == h[s].h) t++;
        /* within a hash group: each row equal to an earlier one is a duplicate */
        for (size_t a = s + 1; a < t; a++) {
            for (size_t b = s; b < a; b++) {
                if (!same_row(d, h[a].i, h[b].i)) continue;
                if (!dups) { fa = h[b].i; fb = h[a].i; }
                dups++;
                if (labels && d->y[h[a].i] != d->y[h[b].i]) conflicts++;
                break;
            }
        }
        s = t;
    }
    free(h);
    td_sc_num(c, "duplicates", (double)dups);
    td_sc_num(c, "conflicting_labels", (double)conflicts);
    if (!dups) { td_sc_what(c, "no two of the %zu examples are identical", d->n); return; }
    c->status = TD_SC_FAIL;
    td_sc_what(c, "%zu examples repeat an earlier one (first: %zu = %zu), %zu with a different label", dups,
               fb, fa, conflicts);
    td_sc_cause(c, "duplicates weigh twice in training and leak across train/validation splits%s",
                conflicts ? "; identical inputs with different labels cap the accuracy below 100%" : "");
}

td_code td_sc_data_check(const td_sc_data *d, const td_sc_data_opts *o, td_sc_report *r, td_err *e)
{
    if (!d->n || !d->d) return td_fail(e, TD_EINPUT, "%s: no examples", d->xname);
    long C = o->classes;
    if (!o->regression) {
        if (td_sc_labels_int(d->y, d->n, e) != TD_OK) {
            char msg[TD_ERR_MSG], sy[128];
            snprintf(msg, sizeof msg, "%s", e->msg);
            return td_fail(e, TD_EINPUT, "%s: %s (use --regression for real targets)",
                           td_safe_text(sy, sizeof sy, d->yname), msg);
        }
        if (C <= 0) {
            double m = 0;
            for (size_t i = 0; i < d->n; i++) m = fmax(m, d->y[i]);
            if (m > 1e7) return td_fail(e, TD_EINPUT, "%s: largest label %g: give --classes", d->yname, m);
            C = (long)m + 1;
            if (C < 2) C = 2;
        }
        check_labels(d, C, td_sc_add(r, "labels"));
        check_balance(d, C, o, td_sc_add(r, "balance"));
    }
    check_normalized(d, o, td_sc_add(r, "normalized"));
    check_duplicates(d, !o->regression, td_sc_add(r, "duplicates"));
    return TD_OK;
}
