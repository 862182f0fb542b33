/* td_h5.c — checked whole-dataset reads with one cleanup label. */
#include "td_h5.h"

#include <hdf5.h>
#include <stdlib.h>

void td_h5_quiet(void)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

td_code td_h5_read_f64(const char *file, const char *dset, size_t max_elems,
                       double **data, size_t *n, int *rank, uint64_t *dims,
                       td_err *e)
{
    hid_t f = H5I_INVALID_HID, d = H5I_INVALID_HID, sp = H5I_INVALID_HID, ty = H5I_INVALID_HID;
    double *buf = NULL;
    td_code rc = TD_OK;
    hsize_t hd[TD_H5_MAXRANK];

    *data = NULL;
    *n = 0;
    td_h5_quiet();
    f = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) { rc = td_fail(e, TD_EIO, "%s: cannot open as HDF5", file); goto done; }
    if (H5Lexists(f, dset, H5P_DEFAULT) <= 0) {
        rc = td_fail(e, TD_EINPUT, "%s: no dataset '%s'", file, dset); goto done;
    }
    d = H5Dopen2(f, dset, H5P_DEFAULT);
    if (d < 0) { rc = td_fail(e, TD_EINPUT, "%s: '%s' is not a dataset", file, dset); goto done; }
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
