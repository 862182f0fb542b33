/* tests/hostile/gen_h5.c — writes hostile HDF5 files for tests/hostile.sh
 * and the tools' own tests, with the HDF5 C API (no h5py):
 *   gen_h5 extstore OUT.h5 TARGET [LAYOUT]  dataset whose storage is the file TARGET
 *   gen_h5 extlink  OUT.h5 OTHER.h5 [LAYOUT] an external link into OTHER.h5
 *   gen_h5 softout  OUT.h5 OTHER.h5 [LAYOUT] a soft link through an external link
 *   gen_h5 vds      OUT.h5 OTHER.h5 [LAYOUT] a virtual dataset mapping OTHER.h5:/x
 *   gen_h5 filter   OUT.h5 [LAYOUT]          a chunked dataset whose filter is unknown
 *   gen_h5 plain    OUT.h5 [LAYOUT]          the same layout, harmless
 *   gen_h5 badname  OUT.h5 [LAYOUT]          harmless, but its name is not UTF-8
 * LAYOUT: "generic" (default: /x float64[4,3], /y int labels[4]), "tdiag"
 * (/step_0/dense/kernel), "keras" (model_weights/dense/dense/kernel:0
 * named by layer_names/weight_names), "keras3" (layers/dense/vars/0).
 * In every layout the hostile object stands at the place a reader would
 * read: "x" (generic), the kernel (tdiag, keras, keras3). Exit 0, or 1 with
 * a line on stderr. */
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CK(x) do { if ((x) < 0) { fprintf(stderr, "gen_h5: %s failed (line %d)\n", #x, __LINE__); exit(1); } } while (0)

static void attr_strs(hid_t obj, const char *name, const char *const *v, int n)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    CK(t);
    CK(H5Tset_size(t, 64));
    hsize_t dim = (hsize_t)n;
    hid_t sp = H5Screate_simple(1, &dim, NULL);
    CK(sp);
    char buf[8][64];
    memset(buf, 0, sizeof buf);
    for (int i = 0; i < n && i < 8; i++) snprintf(buf[i], 64, "%s", v[i]);
    hid_t a = H5Acreate2(obj, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
    CK(a);
    CK(H5Awrite(a, t, buf));
    H5Aclose(a); H5Sclose(sp); H5Tclose(t);
}

static hid_t mkgroups(hid_t f, const char *path)
{
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    CK(lcpl);
    CK(H5Pset_create_intermediate_group(lcpl, 1));
    hid_t g = H5Gcreate2(f, path, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    CK(g);
    H5Pclose(lcpl);
    return g;
}

/* Create the layout's groups and attributes; return the place (group id
 * and link name) where the target object goes; *y set for generic. */
static hid_t layout(hid_t f, const char *lay, const char **name)
{
    if (strcmp(lay, "tdiag") == 0) { *name = "kernel"; return mkgroups(f, "/step_0/dense"); }
    if (strcmp(lay, "keras3") == 0) { *name = "0"; return mkgroups(f, "/layers/dense/vars"); }
    if (strcmp(lay, "keras") == 0) {
        hid_t mw = mkgroups(f, "/model_weights");
        const char *ln[] = { "dense" }, *wn[] = { "dense/kernel:0" };
        attr_strs(mw, "layer_names", ln, 1);
        hid_t lg = H5Gcreate2(mw, "dense", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        CK(lg);
        attr_strs(lg, "weight_names", wn, 1);
        hid_t g = H5Gcreate2(lg, "dense", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        CK(g);
        H5Gclose(lg); H5Gclose(mw);
        *name = "kernel:0";
        return g;
    }
    /* generic: labels next to the inputs, so that sanitycheck data finds a pair */
    hsize_t n = 4;
    int y[4] = { 0, 1, 0, 1 };
    hid_t sp = H5Screate_simple(1, &n, NULL);
    CK(sp);
    hid_t d = H5Dcreate2(f, "y", H5T_NATIVE_INT, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    CK(d);
    CK(H5Dwrite(d, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, y));
    H5Dclose(d); H5Sclose(sp);
    *name = "x";
    return H5Gopen2(f, "/", H5P_DEFAULT);
}

static void plain_dataset(hid_t loc, const char *name, hid_t dcpl, int write)
{
    hsize_t dims[2] = { 4, 3 };
    double v[12];
    for (int i = 0; i < 12; i++) v[i] = 0.25 * (i % 5) - 0.5;
    hid_t sp = H5Screate_simple(2, dims, NULL);
    CK(sp);
    hid_t d = H5Dcreate2(loc, name, H5T_NATIVE_DOUBLE, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    CK(d);
    if (write) CK(H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v));
    H5Dclose(d); H5Sclose(sp);
}

int main(int argc, char **argv)
{
    if (argc < 3) { fprintf(stderr, "usage: gen_h5 KIND OUT.h5 [ARG] [LAYOUT]\n"); return 1; }
    const char *kind = argv[1], *out = argv[2];
    int needs_arg = strcmp(kind, "filter") != 0 && strcmp(kind, "plain") != 0 && strcmp(kind, "badname") != 0;
    if (needs_arg && argc < 4) { fprintf(stderr, "gen_h5: %s needs a target\n", kind); return 1; }
    const char *arg = needs_arg ? argv[3] : NULL;
    const char *lay = argc > (needs_arg ? 4 : 3) ? argv[needs_arg ? 4 : 3] : "generic";
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t f = H5Fcreate(out, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    CK(f);
    const char *name;
    hid_t loc = layout(f, lay, &name);
    CK(loc);
    if (strcmp(kind, "plain") == 0) {
        plain_dataset(loc, name, H5P_DEFAULT, 1);
    } else if (strcmp(kind, "badname") == 0) {
        plain_dataset(loc, name, H5P_DEFAULT, 1);
        plain_dataset(loc, "w\xff\xc0\x01\"<b>", H5P_DEFAULT, 1);
    } else if (strcmp(kind, "extstore") == 0) {
        hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
        CK(dcpl);
        CK(H5Pset_external(dcpl, arg, 0, 12 * sizeof(double)));
        plain_dataset(loc, name, dcpl, 0); /* nothing written: the target is only named */
        H5Pclose(dcpl);
    } else if (strcmp(kind, "extlink") == 0) {
        CK(H5Lcreate_external(arg, "/x", loc, name, H5P_DEFAULT, H5P_DEFAULT));
    } else if (strcmp(kind, "softout") == 0) {
        CK(H5Lcreate_external(arg, "/", f, "/elsewhere", H5P_DEFAULT, H5P_DEFAULT));
        CK(H5Lcreate_soft("/elsewhere/x", loc, name, H5P_DEFAULT, H5P_DEFAULT));
    } else if (strcmp(kind, "vds") == 0) {
        hsize_t dims[2] = { 4, 3 };
        hid_t sp = H5Screate_simple(2, dims, NULL), dcpl = H5Pcreate(H5P_DATASET_CREATE);
        CK(sp); CK(dcpl);
        CK(H5Pset_virtual(dcpl, sp, arg, "/x", sp));
        hid_t d = H5Dcreate2(loc, name, H5T_NATIVE_DOUBLE, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
        CK(d);
        H5Dclose(d); H5Pclose(dcpl); H5Sclose(sp);
    } else if (strcmp(kind, "filter") == 0) {
        /* an optional filter HDF5 does not know: created without complaint;
         * the chunk written raw and marked filtered, so reading it needs the
         * filter, and HDF5 would look for it in its plugin folder */
        hsize_t dims[2] = { 4, 3 };
        hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
        CK(dcpl);
        CK(H5Pset_chunk(dcpl, 2, dims));
        CK(H5Pset_filter(dcpl, 32111, H5Z_FLAG_OPTIONAL, 0, NULL));
        hid_t sp = H5Screate_simple(2, dims, NULL);
        CK(sp);
        hid_t d = H5Dcreate2(loc, name, H5T_NATIVE_DOUBLE, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
        CK(d);
        double v[12] = { 0 };
        hsize_t off[2] = { 0, 0 };
        CK(H5Dwrite_chunk(d, H5P_DEFAULT, 0, off, sizeof v, v));
        H5Dclose(d); H5Sclose(sp); H5Pclose(dcpl);
    } else {
        fprintf(stderr, "gen_h5: unknown kind %s\n", kind);
        return 1;
    }
    H5Gclose(loc);
    CK(H5Fclose(f));
    return 0;
}
