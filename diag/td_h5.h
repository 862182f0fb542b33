/* td_h5.h — small, checked HDF5 helpers shared by the tools.
 * HDF5's own error printing is silenced; every H5* return is checked and
 * a failure becomes a td_err naming the file and dataset.
 *
 * Files come from other people's machines, so a reader never lets one make
 * it read, block on or run anything else: only regular files are opened,
 * never blocking; filter plugins are never loaded; external links, soft
 * links that lead through them, external storage and virtual datasets are
 * refused with one line naming the dataset (td_h5_check_path and
 * td_h5_check_dataset, called before anything is read). A dataset whose
 * filter is unknown is refused the same way. */
#ifndef TD_H5_H
#define TD_H5_H

#include "td.h"

#define TD_H5_MAXRANK 8

/* Set HDF5 up for untrusted files (call before any H5* call; idempotent):
 * automatic error printing off; filter-plugin loading off
 * (H5PLset_loading_state(0): an unknown filter is an error, not a search
 * of HDF5_PLUGIN_PATH); the external-link class unregistered, so that no
 * H5* call can traverse into another file even where a caller did not
 * check a path. These are HDF5's process-wide settings, not tdiag state.
 * Returns 0, or -1 when one could not be applied (td_h5_open refuses to
 * open anything then). */
int td_h5_quiet(void);

/* Open file read-only as HDF5, after td_h5_quiet. Only a regular file is
 * opened, and the first open is non-blocking (O_NONBLOCK), so that a FIFO
 * or a device is refused instead of blocking. shown is the name used in
 * messages (NULL: file). *fid receives an hid_t to H5Fclose.
 * Errors: TD_EIO "<shown>: cannot open: <OS reason>" ("No such file or
 * directory", "Permission denied"), "<shown>: not a regular file (a FIFO)",
 * "<shown>: cannot open as HDF5 (truncated or not HDF5)"; TD_EINTERNAL when
 * td_h5_quiet's settings could not be applied. */
td_code td_h5_open(const char *file, const char *shown, int64_t *fid, td_err *e);

/* Check that reaching path in file fid follows only links inside the file:
 * every component is a hard link or a soft link whose own target passes
 * the same check (at most 8 soft links deep). A path that does not exist
 * passes (the caller reports it). Errors: TD_EINPUT "<file>: <path>:
 * external link to another file (refused)", "... soft link that leads out
 * of the file (refused)", "... soft links nested too deep". */
td_code td_h5_check_path(int64_t fid, const char *file, const char *path, td_err *e);

/* Check that an open dataset's values live in the file: not a virtual
 * dataset, no external storage. Errors: TD_EINPUT "<file>: <path>: virtual
 * dataset (its values are in other files; refused)", "<file>: <path>:
 * external storage (its values are in another file; refused)", "<file>:
 * <path>: compressed with filter N, which this HDF5 lacks (plugins are not
 * loaded)". */
td_code td_h5_check_dataset(int64_t did, const char *file, const char *path, td_err *e);

/* Read a whole numeric dataset (any integer or float type, converted by
 * HDF5) into a freshly allocated double array.
 * - *data receives malloc'd memory owned by the caller (free()).
 * - *n the element count; rank/dims the shape (dims may be NULL).
 * - max_elems bounds the allocation: a larger dataset is TD_EINPUT
 *   ("too large") rather than an unbounded allocation.
 * Errors: TD_EIO (file cannot be opened, see td_h5_open), TD_EINPUT (no
 * such dataset, links out of the file, external or virtual storage, not
 * numeric, rank > TD_H5_MAXRANK, too large). */
td_code td_h5_read_f64(const char *file, const char *dset, size_t max_elems,
                       double **data, size_t *n, int *rank, uint64_t *dims,
                       td_err *e);

#endif
