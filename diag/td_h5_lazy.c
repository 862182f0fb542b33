/* td_h5_lazy.c — libhdf5 loaded on the first HDF5 call, not at start-up.
 *
 * Linked into the tools instead of -lhdf5 (never into libtdiag.a/.so, the
 * tests or the fuzzers, which link libhdf5 itself). libhdf5 brings ~35
 * shared objects (libcurl, gnutls, krb5, ldap, ...) whose loading and
 * constructors cost ~4 ms per process, even for `gradcheck dense` or
 * `dumpcheck x.safetensors`, which never touch HDF5. Here each HDF5
 * function the library calls is defined with hdf5.h's own prototype (the
 * compiler checks every signature) and forwards to the real function,
 * found with dlopen/dlsym the first time any of them is called.
 *
 * The data symbols the headers' macros read (H5T_NATIVE_DOUBLE is
 * `(H5open(), H5T_NATIVE_DOUBLE_g)`) are defined here too and refreshed
 * from the real library's by every H5open call, which the macros make
 * right before each read.
 *
 * Every definition is hidden: the tools are linked -rdynamic, and an
 * exported H5T_NATIVE_DOUBLE_g would interpose libhdf5's own when it is
 * loaded (libhdf5 would then initialise this copy and H5open would copy
 * its own stale one over it).
 *
 * If libhdf5 cannot be loaded, one line on stderr says why (dlerror) and
 * every function returns HDF5's own failure value (negative, or 0 for
 * H5Tget_size), so the callers' checked H5* returns report the file as
 * unreadable. The load happens once per process (pthread_once); the
 * pointers are process-wide, like HDF5's own state. A new H5* call in the
 * library fails the tools' link ("undefined reference") until it is
 * listed below.
 *
 * TD_HDF5_SONAME (from the Makefile: the SONAME of the libhdf5 that
 * pkg-config names) is the library opened. */
#include <dlfcn.h>
#include <hdf5.h>
#include <pthread.h>
#include <stdio.h>

#ifndef TD_HDF5_SONAME
#error "TD_HDF5_SONAME must name libhdf5's shared object (the Makefile sets it)"
#endif

#define TD_HIDDEN __attribute__((visibility("hidden")))

/* X(return type, value on load failure, name, parameters, arguments) */
#define TD_H5_FUNCS(X) \
    X(herr_t, -1, H5Aclose, (hid_t a), (a)) \
    X(htri_t, -1, H5Aexists, (hid_t a, const char *b), (a, b)) \
    X(hid_t, -1, H5Aget_space, (hid_t a), (a)) \
    X(hid_t, -1, H5Aget_type, (hid_t a), (a)) \
    X(hid_t, -1, H5Aopen, (hid_t a, const char *b, hid_t c), (a, b, c)) \
    X(herr_t, -1, H5Aread, (hid_t a, hid_t b, void *c), (a, b, c)) \
    X(herr_t, -1, H5Dclose, (hid_t a), (a)) \
    X(hid_t, -1, H5Dget_create_plist, (hid_t a), (a)) \
    X(hid_t, -1, H5Dget_space, (hid_t a), (a)) \
    X(hid_t, -1, H5Dget_type, (hid_t a), (a)) \
    X(hid_t, -1, H5Dopen2, (hid_t a, const char *b, hid_t c), (a, b, c)) \
    X(herr_t, -1, H5Dread, (hid_t a, hid_t b, hid_t c, hid_t d, hid_t e, void *f), (a, b, c, d, e, f)) \
    X(herr_t, -1, H5Dvlen_reclaim, (hid_t a, hid_t b, hid_t c, void *d), (a, b, c, d)) \
    X(herr_t, -1, H5Eset_auto2, (hid_t a, H5E_auto2_t b, void *c), (a, b, c)) \
    X(herr_t, -1, H5Fclose, (hid_t a), (a)) \
    X(hid_t, -1, H5Fopen, (const char *a, unsigned b, hid_t c), (a, b, c)) \
    X(herr_t, -1, H5Gclose, (hid_t a), (a)) \
    X(hid_t, -1, H5Gopen2, (hid_t a, const char *b, hid_t c), (a, b, c)) \
    X(htri_t, -1, H5Lexists, (hid_t a, const char *b, hid_t c), (a, b, c)) \
    X(herr_t, -1, H5Lget_info, (hid_t a, const char *b, H5L_info_t *c, hid_t d), (a, b, c, d)) \
    X(herr_t, -1, H5Lget_val, (hid_t a, const char *b, void *c, size_t d, hid_t e), (a, b, c, d, e)) \
    X(htri_t, -1, H5Lis_registered, (H5L_type_t a), (a)) \
    X(herr_t, -1, H5Literate, (hid_t a, H5_index_t b, H5_iter_order_t c, hsize_t *d, H5L_iterate_t e, void *f), \
      (a, b, c, d, e, f)) \
    X(herr_t, -1, H5Lunregister, (H5L_type_t a), (a)) \
    X(herr_t, -1, H5Oget_info_by_name2, (hid_t a, const char *b, H5O_info_t *c, unsigned d, hid_t e), \
      (a, b, c, d, e)) \
    X(herr_t, -1, H5PLset_loading_state, (unsigned int a), (a)) \
    X(herr_t, -1, H5Pclose, (hid_t a), (a)) \
    X(hid_t, -1, H5Pcreate, (hid_t a), (a)) \
    X(int, -1, H5Pget_chunk, (hid_t a, int b, hsize_t c[]), (a, b, c)) \
    X(int, -1, H5Pget_external_count, (hid_t a), (a)) \
    X(H5Z_filter_t, H5Z_FILTER_ERROR, H5Pget_filter2, \
      (hid_t a, unsigned b, unsigned int *c, size_t *d, unsigned e[], size_t f, char g[], unsigned *h), \
      (a, b, c, d, e, f, g, h)) \
    X(H5D_layout_t, H5D_LAYOUT_ERROR, H5Pget_layout, (hid_t a), (a)) \
    X(int, -1, H5Pget_nfilters, (hid_t a), (a)) \
    X(herr_t, -1, H5Pset_chunk_cache, (hid_t a, size_t b, size_t c, double d), (a, b, c, d)) \
    X(herr_t, -1, H5Sclose, (hid_t a), (a)) \
    X(hid_t, -1, H5Screate_simple, (int a, const hsize_t b[], const hsize_t c[]), (a, b, c)) \
    X(int, -1, H5Sget_simple_extent_dims, (hid_t a, hsize_t b[], hsize_t c[]), (a, b, c)) \
    X(int, -1, H5Sget_simple_extent_ndims, (hid_t a), (a)) \
    X(hssize_t, -1, H5Sget_simple_extent_npoints, (hid_t a), (a)) \
    X(H5S_class_t, H5S_NO_CLASS, H5Sget_simple_extent_type, (hid_t a), (a)) \
    X(herr_t, -1, H5Sselect_hyperslab, \
      (hid_t a, H5S_seloper_t b, const hsize_t c[], const hsize_t d[], const hsize_t e[], const hsize_t f[]), \
      (a, b, c, d, e, f)) \
    X(herr_t, -1, H5Tclose, (hid_t a), (a)) \
    X(hid_t, -1, H5Tcopy, (hid_t a), (a)) \
    X(H5T_class_t, H5T_NO_CLASS, H5Tget_class, (hid_t a), (a)) \
    X(H5T_cset_t, H5T_CSET_ERROR, H5Tget_cset, (hid_t a), (a)) \
    X(H5T_sign_t, H5T_SGN_ERROR, H5Tget_sign, (hid_t a), (a)) \
    X(size_t, 0, H5Tget_size, (hid_t a), (a)) \
    X(htri_t, -1, H5Tis_variable_str, (hid_t a), (a)) \
    X(herr_t, -1, H5Tset_cset, (hid_t a, H5T_cset_t b), (a, b)) \
    X(herr_t, -1, H5Tset_size, (hid_t a, size_t b), (a, b)) \
    X(herr_t, -1, H5Tset_strpad, (hid_t a, H5T_str_t b), (a, b)) \
    X(htri_t, -1, H5Zfilter_avail, (H5Z_filter_t a), (a)) \
    X(herr_t, -1, H5check_version, (unsigned a, unsigned b, unsigned c), (a, b, c))

/* the identifiers the headers' macros read after H5open() */
#define TD_H5_VARS(X) \
    X(H5T_NATIVE_DOUBLE_g) \
    X(H5T_NATIVE_FLOAT_g) \
    X(H5T_C_S1_g) \
    X(H5P_CLS_DATASET_ACCESS_ID_g)

static struct {
#define TD_FIELD(ret, bad, name, params, args) ret (*name) params;
    TD_H5_FUNCS(TD_FIELD)
#undef TD_FIELD
    herr_t (*H5open)(void);
#define TD_VAR_FIELD(name) const hid_t *name;
    TD_H5_VARS(TD_VAR_FIELD)
#undef TD_VAR_FIELD
    int ok;
} real;

static pthread_once_t real_once = PTHREAD_ONCE_INIT;

/* Contract: fill `real` from TD_HDF5_SONAME; real.ok = 1 only when the
 * library and every symbol were found; otherwise one line on stderr. */
static void load_real(void)
{
    void *h = dlopen(TD_HDF5_SONAME, RTLD_NOW | RTLD_LOCAL);
    const char *missing = NULL;
    if (!h) {
        const char *why = dlerror();
        fprintf(stderr, "tdiag: cannot load %s: %s\n", TD_HDF5_SONAME, why ? why : "unknown reason");
        return;
    }
    /* dlsym returns void *; POSIX guarantees it converts to a function pointer */
#define TD_LOOKUP(name) \
    if (!missing && !(*(void **)&real.name = dlsym(h, #name))) missing = #name;
#define TD_LOOKUP_FN(ret, bad, name, params, args) TD_LOOKUP(name)
    TD_H5_FUNCS(TD_LOOKUP_FN)
    TD_LOOKUP(H5open)
#define TD_LOOKUP_VAR(name) TD_LOOKUP(name)
    TD_H5_VARS(TD_LOOKUP_VAR)
#undef TD_LOOKUP_VAR
#undef TD_LOOKUP_FN
#undef TD_LOOKUP
    if (missing) {
        fprintf(stderr, "tdiag: %s has no symbol %s\n", TD_HDF5_SONAME, missing);
        return;
    }
    real.ok = 1;
}

static int have_real(void)
{
    pthread_once(&real_once, load_real);
    return real.ok;
}

#define TD_VAR_DEF(name) TD_HIDDEN hid_t name = H5I_INVALID_HID;
TD_H5_VARS(TD_VAR_DEF)
#undef TD_VAR_DEF

TD_HIDDEN herr_t H5open(void)
{
    if (!have_real()) return -1;
    herr_t r = real.H5open();
#define TD_VAR_COPY(name) name = *real.name;
    TD_H5_VARS(TD_VAR_COPY)
#undef TD_VAR_COPY
    return r;
}

#define TD_FORWARD(ret, bad, name, params, args) \
    TD_HIDDEN ret name params { return have_real() ? real.name args : (ret)(bad); }
TD_H5_FUNCS(TD_FORWARD)
#undef TD_FORWARD
