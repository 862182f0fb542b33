/* td_h5.h — small, checked HDF5 helpers shared by the tools.
 * HDF5's own error printing is silenced; every H5* return is checked and
 * a failure becomes a td_err naming the file and dataset. */
#ifndef TD_H5_H
#define TD_H5_H

#include "td.h"

#define TD_H5_MAXRANK 8

/* Turn off HDF5's automatic error stack printing (call once per process). */
void td_h5_quiet(void);

/* Read a whole numeric dataset (any integer or float type, converted by
 * HDF5) into a freshly allocated double array.
 * - *data receives malloc'd memory owned by the caller (free()).
 * - *n the element count; rank/dims the shape (dims may be NULL).
 * - max_elems bounds the allocation: a larger dataset is TD_EINPUT
 *   ("too large") rather than an unbounded allocation.
 * Errors: TD_EIO (file cannot be opened), TD_EINPUT (no such dataset, not
 * numeric, rank > TD_H5_MAXRANK, too large). */
td_code td_h5_read_f64(const char *file, const char *dset, size_t max_elems,
                       double **data, size_t *n, int *rank, uint64_t *dims,
                       td_err *e);

#endif
