/* td_h5.c — checked HDF5 opens and whole-dataset reads with one cleanup
 * label; the refusals that keep a hostile file from reaching other files. */
#include "td_h5.h"

#include <errno.h>
#include <fcntl.h>
#include <hdf5.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SOFT_MAX 8

int td_h5_quiet(void)
{
    int ok = H5Eset_auto2(H5E_DEFAULT, NULL, NULL) >= 0 && H5PLset_loading_state(0) >= 0;
    htri_t reg = H5Lis_registered(H5L_TYPE_EXTERNAL);
    if (reg > 0) ok = ok && H5Lunregister(H5L_TYPE_EXTERNAL) >= 0;
    return ok && reg >= 0 ? 0 : -1;
}

td_code td_h5_open(const char *file, const char *shown, int64_t *fid, td_err *e)
{
    if (!shown) shown = file;
    *fid = -1;
    if (td_h5_quiet() != 0)
        return td_fail(e, TD_EINTERNAL, "%s: cannot turn HDF5's plugin loading and external links off", shown);
    int fd = td_open_regular(file, shown, e); /* HDF5 then opens it by name */
    if (fd < 0) return TD_EIO;
    close(fd);
    hid_t f = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) return td_fail(e, TD_EIO, "%s: cannot open as HDF5 (truncated or not HDF5)", shown);
    *fid = (int64_t)f;
    return TD_OK;
}

static td_code check_path(hid_t f, const char *file, const char *shown, const char *path, int depth,
                          td_err *e)
{
    char pre[4096], *val = NULL;
    size_t np = 0;
    td_code rc = TD_OK;
    if (depth > SOFT_MAX) return td_fail(e, TD_EINPUT, "%s: %s: soft links nested too deep", file, shown);
    for (const char *p = path; *p && rc == TD_OK;) {
        while (*p == '/') p++;
        size_t len = strcspn(p, "/");
        if (len == 0) break;
        if (np + len + 2 > sizeof pre) return td_fail(e, TD_EINPUT, "%s: %s: path too long", file, shown);
        pre[np++] = '/';
        memcpy(pre + np, p, len);
        np += len;
        pre[np] = 0;
        p += len;
        if (len == 1 && pre[np - 1] == '.') continue;
        if (H5Lexists(f, pre, H5P_DEFAULT) <= 0) break; /* missing: the caller says so */
        H5L_info_t li;
        if (H5Lget_info(f, pre, &li, H5P_DEFAULT) < 0) {
            rc = td_fail(e, TD_EINPUT, "%s: %s: cannot read the link %s", file, shown, pre);
            break;
        }
        if (li.type == H5L_TYPE_HARD) continue;
        if (li.type != H5L_TYPE_SOFT || li.u.val_size == 0 || li.u.val_size > sizeof pre) {
            rc = td_fail(e, TD_EINPUT, "%s: %s: external link to another file (refused)", file, shown);
            break;
        }
        char target[4096 + 4096 + 2];
        if (!(val = malloc(li.u.val_size + 1)) || H5Lget_val(f, pre, val, li.u.val_size, H5P_DEFAULT) < 0) {
            rc = td_fail(e, TD_EINPUT, "%s: %s: cannot read the soft link %s", file, shown, pre);
            break;
        }
        val[li.u.val_size] = 0;
        if (val[0] == '/') snprintf(target, sizeof target, "%s", val);
        else { /* relative to the group that holds the link */
            size_t cut = np;
            while (cut > 0 && pre[cut - 1] != '/') cut--;
            snprintf(target, sizeof target, "%.*s%s", (int)cut, pre, val);
        }
        free(val);
        val = NULL;
        td_err le;
        td_code sr = check_path(f, file, shown, target, depth + 1, &le);
        if (sr != TD_OK) {
            if (strstr(le.msg, "nested too deep")) rc = td_fail(e, sr, "%s", le.msg);
            else rc = td_fail(e, TD_EINPUT, "%s: %s: soft link that leads out of the file (refused)", file, shown);
        }
    }
    free(val);
    return rc;
}

td_code td_h5_check_path(int64_t fid, const char *file, const char *path, td_err *e)
{
    return check_path((hid_t)fid, file, path, path, 0, e);
}

td_code td_h5_check_dataset(int64_t did, const char *file, const char *path, td_err *e)
{
    hid_t pl = H5Dget_create_plist((hid_t)did);
    if (pl < 0) return td_fail(e, TD_EINPUT, "%s: %s: cannot read its storage", file, path);
    H5D_layout_t lay = H5Pget_layout(pl);
    int next = H5Pget_external_count(pl), nf = H5Pget_nfilters(pl);
    H5Z_filter_t missing = H5Z_FILTER_NONE;
    for (int i = 0; i < nf && missing == H5Z_FILTER_NONE; i++) {
        unsigned flags, cd[8];
        size_t ncd = 8;
        H5Z_filter_t id = H5Pget_filter2(pl, (unsigned)i, &flags, &ncd, cd, 0, NULL, NULL);
        if (id < 0 || H5Zfilter_avail(id) <= 0) missing = id < 0 ? -1 : id;
    }
    H5Pclose(pl);
    if (lay == H5D_VIRTUAL)
        return td_fail(e, TD_EINPUT, "%s: %s: virtual dataset (its values are in other files; refused)", file, path);
    if (next != 0)
        return td_fail(e, TD_EINPUT, "%s: %s: external storage (its values are in another file; refused)", file, path);
    if (lay < 0 || nf < 0) return td_fail(e, TD_EINPUT, "%s: %s: cannot read its storage", file, path);
    if (missing != H5Z_FILTER_NONE)
        return td_fail(e, TD_EINPUT, "%s: %s: compressed with filter %d, which this HDF5 lacks (plugins are not loaded)",
                       file, path, (int)missing);
    return TD_OK;
}

td_code td_h5_read_f64(const char *file, const char *dset, size_t max_elems,
                       double **data, size_t *n, int *rank, uint64_t *dims,
                       td_err *e)
{
    hid_t f = H5I_INVALID_HID, d = H5I_INVALID_HID, sp = H5I_INVALID_HID, ty = H5I_INVALID_HID;
    int64_t fid = -1;
    double *buf = NULL;
    td_code rc = TD_OK;
    hsize_t hd[TD_H5_MAXRANK];

    *data = NULL;
    *n = 0;
    if ((rc = td_h5_open(file, NULL, &fid, e)) != TD_OK) goto done;
    f = (hid_t)fid;
    if ((rc = td_h5_check_path(fid, file, dset, e)) != TD_OK) goto done;
    if (H5Lexists(f, dset, H5P_DEFAULT) <= 0) {
        rc = td_fail(e, TD_EINPUT, "%s: no dataset '%s'", file, dset); goto done;
    }
    d = H5Dopen2(f, dset, H5P_DEFAULT);
    if (d < 0) { rc = td_fail(e, TD_EINPUT, "%s: '%s' is not a dataset", file, dset); goto done; }
    if ((rc = td_h5_check_dataset((int64_t)d, file, dset, e)) != TD_OK) goto done;
    ty = H5Dget_type(d);
    if (ty < 0) { rc = td_fail(e, TD_EINPUT, "%s: %s: cannot read its type", file, dset); goto done; }
    H5T_class_t cls = H5Tget_class(ty);
    if (cls != H5T_INTEGER && cls != H5T_FLOAT) {
        rc = td_fail(e, TD_EINPUT, "%s: %s: not a numeric dataset", file, dset); goto done;
    }
    sp = H5Dget_space(d);
    if (sp < 0) { rc = td_fail(e, TD_EINPUT, "%s: %s: cannot read its shape", file, dset); goto done; }
    int r = H5Sget_simple_extent_ndims(sp);
    if (r < 0 || r > TD_H5_MAXRANK) {
        rc = td_fail(e, TD_EINPUT, "%s: %s: rank %d is not supported (at most %d)", file, dset, r, TD_H5_MAXRANK);
        goto done;
    }
    if (H5Sget_simple_extent_dims(sp, hd, NULL) < 0) {
        rc = td_fail(e, TD_EINPUT, "%s: %s: cannot read its shape", file, dset); goto done;
    }
    size_t count = 1;
    for (int i = 0; i < r; i++) {
        if (td_mul_size(count, (size_t)hd[i], &count) != 0 || count > max_elems) {
            rc = td_fail(e, TD_EINPUT, "%s: %s: too large (more than %zu elements)", file, dset, max_elems);
            goto done;
        }
    }
    buf = malloc((count ? count : 1) * sizeof *buf);
    if (!buf) { rc = td_fail(e, TD_ENOMEM, "%s: %s: out of memory", file, dset); goto done; }
    if (count && H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
        rc = td_fail(e, TD_EINPUT, "%s: %s: read failed", file, dset); goto done;
    }
    if (rank) *rank = r;
    if (dims) for (int i = 0; i < r; i++) dims[i] = hd[i];
    *data = buf;
    *n = count;
    buf = NULL;
done:
    free(buf);
    if (ty >= 0) H5Tclose(ty);
    if (sp >= 0) H5Sclose(sp);
    if (d >= 0) H5Dclose(d);
    if (f >= 0) H5Fclose(f);
    return rc;
}
