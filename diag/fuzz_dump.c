/* fuzz_dump.c — libFuzzer harness for dumpcheck's reader over in-memory
 * HDF5 file images. The fuzz bytes are a small program that builds a file
 * with the HDF5 API in a core (memory) file: groups and datasets named from
 * a vocabulary of the layouts (step_<N>, model_weights, layers, vars, grad,
 * ...) or from raw bytes, any numeric type (float16..int64, NaN/Inf
 * included), ranks 0..5, zero-size shapes, chunking and gzip, strings and
 * compound datasets, the attributes the layouts read (layer_names,
 * weight_names, keras_version, training_config JSON, lr, depth, ...), hard
 * links that make cycles, and soft links. The image is then opened with
 * H5Pset_file_image and walked, every dataset checked and streamed under
 * small limits, and two datasets diffed. Anything must end in TD_OK or a
 * td_err: never a crash, a hang or an allocation beyond the limits.
 *
 * Raw byte mutation of HDF5 images is not used: HDF5 1.10.8 itself reads out
 * of bounds on corrupt object headers (e.g. in H5Aexists) within seconds,
 * which says nothing about this code. */
#include <hdf5.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "td.h"
#include "td_dump.h"
#include "td_h5.h"

#define FUZZ_MAX_ELEMS (1u << 16)
#define FUZZ_SLAB (1u << 12)

typedef struct { const uint8_t *p; size_t n; } src;

static unsigned u8(src *s)
{
    if (s->n == 0) return 0;
    s->n--;
    return *s->p++;
}

static const char *const VOCAB[] = {
    "step_0", "step_1", "step_7", "model_weights", "optimizer_weights", "layers", "vars", "grad",
    "activation", "weight", "bias", "kernel:0", "0", "1", "dense", "conv", "Adam", "sequential", "m:0", "v:0",
};
static const char *const ATTRS[] = {
    "layer_names", "weight_names", "keras_version", "training_config", "model_config",
    "activation", "optimizer", "name", "lr", "depth",
};

/* A path of 1..4 components from the vocabulary or raw bytes. */
static void path(src *s, char *out, size_t cap)
{
    int k = 1 + (int)(u8(s) % 4);
    size_t n = 0;
    out[0] = 0;
    for (int i = 0; i < k && n + 20 < cap; i++) {
        unsigned c = u8(s);
        out[n++] = '/';
        if (c < 200) {
            const char *w = VOCAB[c % (sizeof VOCAB / sizeof VOCAB[0])];
            size_t l = strlen(w);
            memcpy(out + n, w, l);
            n += l;
        } else {
            int l = 1 + (int)(u8(s) % 8);
            for (int j = 0; j < l; j++) {
                char ch = (char)u8(s);
                out[n++] = ch == '/' || ch == 0 ? '_' : ch;
            }
        }
        out[n] = 0;
    }
}

static hid_t float16(void)
{
    hid_t t = H5Tcopy(H5T_IEEE_F32LE);
    H5Tset_fields(t, 15, 10, 5, 0, 10);
    H5Tset_size(t, 2);
    H5Tset_ebias(t, 15);
    return t;
}

static void build(hid_t f, src *s)
{
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    char p[256], q[256];
    for (int rec = 0; rec < 24 && s->n > 0; rec++) {
        unsigned op = u8(s) % 7;
        path(s, p, sizeof p);
        if (op == 0) { /* numeric dataset */
            static const hid_t *const types[] = { &H5T_IEEE_F32LE_g, &H5T_IEEE_F64LE_g, &H5T_STD_I8LE_g,
                                                  &H5T_STD_U8LE_g, &H5T_STD_I32BE_g, &H5T_STD_I64LE_g };
            unsigned tc = u8(s) % 7;
            hid_t t = tc == 6 ? float16() : H5Tcopy(*types[tc]);
            int rank = (int)(u8(s) % 6);
            hsize_t dims[5], chunk[5], n = 1;
            for (int i = 0; i < rank; i++) { dims[i] = u8(s) % 6; chunk[i] = dims[i] ? 1 + u8(s) % dims[i] : 1; n *= dims[i]; }
            hid_t sp = rank ? H5Screate_simple(rank, dims, NULL) : H5Screate(H5S_SCALAR);
            hid_t dc = H5Pcreate(H5P_DATASET_CREATE);
            unsigned fl = u8(s);
            if (rank && n && (fl & 1)) { H5Pset_chunk(dc, rank, chunk); if (fl & 2) H5Pset_deflate(dc, 1); }
            hid_t d = H5Dcreate2(f, p, t, sp, lcpl, dc, H5P_DEFAULT);
            if (d >= 0 && n && n <= 4096) {
                double *v = malloc(n * sizeof *v);
                for (hsize_t i = 0; i < n; i++) {
                    unsigned c = u8(s);
                    v[i] = c == 255 ? 1.0 / 0.0 : c == 254 ? 0.0 / 0.0 : ((double)c - 128) / 16;
                }
                H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
                free(v);
            }
            if (d >= 0) H5Dclose(d);
            H5Pclose(dc); H5Sclose(sp); H5Tclose(t);
        } else if (op == 1 || op == 2) { /* strings or compound */
            hid_t t;
            if (op == 1) { t = H5Tcopy(H5T_C_S1); H5Tset_size(t, 1 + u8(s) % 8); }
            else { t = H5Tcreate(H5T_COMPOUND, 12); H5Tinsert(t, "a", 0, H5T_NATIVE_INT); H5Tinsert(t, "b", 4, H5T_NATIVE_DOUBLE); }
            hsize_t dims[1] = { u8(s) % 4 };
            hid_t sp = H5Screate_simple(1, dims, NULL);
            hid_t d = H5Dcreate2(f, p, t, sp, lcpl, H5P_DEFAULT, H5P_DEFAULT);
            if (d >= 0) H5Dclose(d);
            H5Sclose(sp); H5Tclose(t);
        } else if (op == 3 || op == 4) { /* a group with an attribute the layouts read */
            hid_t g = H5Gcreate2(f, p, lcpl, H5P_DEFAULT, H5P_DEFAULT);
            if (g < 0) g = H5Oopen(f, p, H5P_DEFAULT);
            if (g < 0) continue;
            const char *an = ATTRS[u8(s) % (sizeof ATTRS / sizeof ATTRS[0])];
            if (H5Aexists(g, an) > 0) H5Adelete(g, an);
            if (op == 3) { /* n fixed-length strings from the bytes */
                unsigned cnt = u8(s) % 4, len = 1 + u8(s) % 24;
                char *buf = calloc(cnt ? cnt : 1, len);
                for (unsigned i = 0; i < cnt * len; i++) buf[i] = (char)u8(s);
                hid_t t = H5Tcopy(H5T_C_S1);
                H5Tset_size(t, len);
                hsize_t dims[1] = { cnt };
                hid_t sp = u8(s) & 1 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, dims, NULL);
                hid_t a = H5Acreate2(g, an, t, sp, H5P_DEFAULT, H5P_DEFAULT);
                if (a >= 0) { H5Awrite(a, t, buf); H5Aclose(a); }
                H5Sclose(sp); H5Tclose(t);
                free(buf);
            } else {
                double v = ((double)u8(s) - 100) / 8;
                hid_t sp = H5Screate(H5S_SCALAR);
                hid_t a = H5Acreate2(g, an, H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT);
                if (a >= 0) { H5Awrite(a, H5T_NATIVE_DOUBLE, &v); H5Aclose(a); }
                H5Sclose(sp);
            }
            H5Oclose(g);
        } else if (op == 5) { /* hard link to an existing object: cycles */
            path(s, q, sizeof q);
            H5Lcreate_hard(f, q, f, p, lcpl, H5P_DEFAULT);
        } else { /* soft link */
            path(s, q, sizeof q);
            H5Lcreate_soft(q, f, p, lcpl, H5P_DEFAULT);
        }
    }
    H5Pclose(lcpl);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    td_h5_quiet();
    src s = { data, size };
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_fapl_core(fapl, 1 << 16, 0);
    hid_t f = H5Fcreate("fuzz-build.h5", H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    H5Pclose(fapl);
    if (f < 0) return 0;
    build(f, &s);
    H5Fflush(f, H5F_SCOPE_GLOBAL);
    ssize_t isz = H5Fget_file_image(f, NULL, 0);
    void *img = isz > 0 ? malloc((size_t)isz) : NULL;
    if (img && H5Fget_file_image(f, img, (size_t)isz) != isz) { free(img); img = NULL; }
    H5Fclose(f);
    if (!img) return 0;
    /* reopen the image read-only, in memory */
    fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_fapl_core(fapl, 1 << 16, 0);
    H5Pset_file_image(fapl, img, (size_t)isz);
    f = H5Fopen("fuzz.h5", H5F_ACC_RDONLY, fapl);
    H5Pclose(fapl);
    free(img);
    if (f < 0) return 0;
    td_dump_walk w;
    td_err e;
    if (td_dump_walk_file((int64_t)f, "fuzz.h5", FUZZ_MAX_ELEMS, &w, &e) == TD_OK) {
        for (size_t i = 0; i < w.n; i++) {
            td_dump_acc acc;
            td_dump_acc_init(&acc);
            td_hist h;
            td_hist_init(&h);
            acc.hist = &h;
            uint64_t units[8] = { 0 };
            if (w.e[i].kind == TD_DK_ACT) { acc.unit_nonzero = units; acc.units = 8; acc.sat_lo = -0.99; acc.sat_hi = 0.99; }
            if (td_dump_stream((int64_t)f, "fuzz.h5", w.e[i].path, FUZZ_MAX_ELEMS, FUZZ_SLAB, &acc, NULL, NULL, &e) == TD_OK) {
                double counts[8];
                td_hist_rebin(&h, acc.st.min, acc.st.max, 8, counts);
            }
        }
        if (w.n >= 2) {
            double sum;
            uint64_t bad;
            td_dump_pair((int64_t)f, "fuzz.h5", w.e[0].path, (int64_t)f, "fuzz.h5", w.e[1].path,
                         TD_PAIR_DIFF, 0, FUZZ_MAX_ELEMS, FUZZ_SLAB, &sum, &bad, &e);
        }
        td_dump_walk_free(&w);
    }
    H5Fclose(f);
    return 0;
}
