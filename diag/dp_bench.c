/* dp_bench.c — the dumpcheck benchmark's two C helpers:
 *   bench_dump gen FILE [NSTEPS NLAYERS ROWS COLS]
 *                                           a tdiag dump: /step_<k>/layer_<j>/weight, k < NSTEPS
 *                                           (default 2), j < NLAYERS (8), float32 ROWS×COLS
 *                                           (8192×4096: 2 GiB), chunked 64×COLS, values
 *                                           ~N(0, 0.05) moved by ~1e-3 of that per step
 *   bench_dump floor FILE                   the floor: a bare chunked H5Dread of every
 *                                           dataset in 4 MiB whole-chunk slabs, nothing else
 *                                           (no chunk cache: chunks go straight to the slab)
 * Exit 0, or 3 with one line on stderr. */
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "td.h"
#include "td_h5.h"

static int gen(const char *file, int nsteps, int nl, hsize_t rows, hsize_t cols)
{
    hid_t f = H5Fcreate(file, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0) { fprintf(stderr, "bench_dump: %s: cannot create\n", file); return 3; }
    hsize_t dims[2] = { rows, cols }, chunk[2] = { 64, cols }, cnt[2] = { 64, cols }, start[2] = { 0, 0 };
    float *buf = malloc(64 * cols * sizeof *buf);
    int rc = buf ? 0 : 3;
    for (int k = 0; k < nsteps && rc == 0; k++)
        for (int l = 0; l < nl && rc == 0; l++) {
            char name[64];
            snprintf(name, sizeof name, "/step_%d/layer_%02d/weight", k, l);
            hid_t sp = H5Screate_simple(2, dims, NULL), dc = H5Pcreate(H5P_DATASET_CREATE), lp = H5Pcreate(H5P_LINK_CREATE);
            H5Pset_chunk(dc, 2, chunk);
            H5Pset_create_intermediate_group(lp, 1);
            hid_t d = H5Dcreate2(f, name, H5T_IEEE_F32LE, sp, lp, dc, H5P_DEFAULT);
            hid_t ms = H5Screate_simple(2, cnt, NULL);
            td_rng base, move; /* the same base at every step, plus k small moves */
            td_rng_seed(&base, 2026 + (uint64_t)l);
            td_rng_seed(&move, 7 + (uint64_t)l);
            for (hsize_t row = 0; row < rows && d >= 0; row += 64) {
                for (size_t i = 0; i < 64 * cols; i++) { /* sum of 4 uniforms: cheap, bell-shaped */
                    uint64_t u = td_rng_u64(&base), m = td_rng_u64(&move);
                    double s = (double)(u & 0xffff) + (double)((u >> 16) & 0xffff) + (double)((u >> 32) & 0xffff) + (double)(u >> 48);
                    double w = (s / 65536.0 - 2.0) * 0.087;
                    buf[i] = (float)(w + k * 5e-5 * ((double)(m >> 11) / 9007199254740992.0 - 0.5));
                }
                start[0] = row;
                H5Sselect_hyperslab(sp, H5S_SELECT_SET, start, NULL, cnt, NULL);
                if (H5Dwrite(d, H5T_NATIVE_FLOAT, ms, sp, H5P_DEFAULT, buf) < 0) rc = 3;
            }
            if (d < 0) rc = 3;
            H5Sclose(ms);
            if (d >= 0) H5Dclose(d);
            H5Pclose(lp); H5Pclose(dc); H5Sclose(sp);
        }
    free(buf);
    if (H5Fclose(f) < 0) rc = 3;
    if (rc) fprintf(stderr, "bench_dump: %s: write failed\n", file);
    return rc;
}

static herr_t collect(hid_t o, const char *name, const H5O_info_t *info, void *op)
{
    (void)o;
    if (info->type != H5O_TYPE_DATASET) return 0;
    char ***names = op;
    size_t n = 0;
    while ((*names)[n]) n++;
    char **nn = realloc(*names, (n + 2) * sizeof *nn);
    if (!nn) return -1;
    nn[n] = strdup(name);
    nn[n + 1] = NULL;
    *names = nn;
    return 0;
}

static int floor_read(const char *file)
{
    hid_t f = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) { fprintf(stderr, "bench_dump: %s: cannot open\n", file); return 3; }
    char **names = calloc(1, sizeof *names);
    H5Ovisit(f, H5_INDEX_NAME, H5_ITER_INC, collect, &names);
    double sink = 0;
    size_t cap = 4u << 20;
    float *buf = malloc(cap);
    int rc = 0;
    hid_t dapl = H5Pcreate(H5P_DATASET_ACCESS);
    H5Pset_chunk_cache(dapl, 0, 0, 1.0);
    for (size_t k = 0; names[k] && rc == 0; k++) {
        hid_t d = H5Dopen2(f, names[k], dapl), sp = H5Dget_space(d);
        hsize_t dims[2], start[2] = { 0, 0 }, cnt[2];
        H5Sget_simple_extent_dims(sp, dims, NULL);
        hsize_t rows = cap / sizeof(float) / dims[1];
        for (hsize_t row = 0; row < dims[0]; row += rows) {
            cnt[0] = row + rows <= dims[0] ? rows : dims[0] - row;
            cnt[1] = dims[1];
            start[0] = row;
            hid_t ms = H5Screate_simple(2, cnt, NULL);
            H5Sselect_hyperslab(sp, H5S_SELECT_SET, start, NULL, cnt, NULL);
            if (H5Dread(d, H5T_NATIVE_FLOAT, ms, sp, H5P_DEFAULT, buf) < 0) rc = 3;
            sink += buf[0];
            H5Sclose(ms);
        }
        H5Sclose(sp);
        H5Dclose(d);
    }
    H5Pclose(dapl);
    for (size_t k = 0; names[k]; k++) free(names[k]);
    free(names);
    free(buf);
    H5Fclose(f);
    printf("floor read done (%g)\n", sink);
    return rc;
}

/* A 2 GiB safetensors file: 16 float32 tensors "model.layers.<k>.proj.weight"
 * of 8192×4096, a seeded ramp of values, written 4 MiB at a time. */
static int gen_st(const char *file)
{
    FILE *fp = fopen(file, "wb");
    if (!fp) { perror(file); return 3; }
    char hdr[4096];
    size_t n = 0;
    const uint64_t one = 8192ULL * 4096 * 4;
    n += (size_t)snprintf(hdr + n, sizeof hdr - n, "{");
    for (int k = 0; k < 16; k++)
        n += (size_t)snprintf(hdr + n, sizeof hdr - n, "%s\"model.layers.%d.proj.weight\":{\"dtype\":\"F32\",\"shape\":[8192,4096],\"data_offsets\":[%llu,%llu]}",
                              k ? "," : "", k, (unsigned long long)(k * one), (unsigned long long)((k + 1) * one));
    n += (size_t)snprintf(hdr + n, sizeof hdr - n, "}");
    while (n % 8) hdr[n++] = ' ';
    unsigned char lb[8];
    for (int i = 0; i < 8; i++) lb[i] = (unsigned char)((uint64_t)n >> (8 * i));
    float *buf = malloc(1u << 22);
    int ok = buf && fwrite(lb, 1, 8, fp) == 8 && fwrite(hdr, 1, n, fp) == n;
    uint32_t x = 12345;
    for (uint64_t done = 0; ok && done < 16 * one; done += 1u << 22) {
        for (size_t i = 0; i < (1u << 20); i++) { x = x * 1664525u + 1013904223u; buf[i] = (float)((int32_t)x) * 1e-10f; }
        ok = fwrite(buf, 1, 1u << 22, fp) == 1u << 22;
    }
    free(buf);
    if (fclose(fp) != 0) ok = 0;
    if (!ok) { fprintf(stderr, "%s: cannot write\n", file); return 3; }
    return 0;
}

/* The floor: read every byte 4 MiB at a time and touch it. */
static int floor_st(const char *file)
{
    FILE *fp = fopen(file, "rb");
    if (!fp) { perror(file); return 3; }
    float *buf = malloc(1u << 22);
    double sink = 0;
    size_t got;
    while (buf && (got = fread(buf, 4, 1u << 20, fp)) > 0) for (size_t i = 0; i < got; i += 1024) sink += buf[i];
    free(buf);
    fclose(fp);
    printf("floor read done (%g)\n", sink);
    return 0;
}

int main(int argc, char **argv)
{
    td_h5_quiet();
    if (argc >= 3 && strcmp(argv[1], "gen") == 0) {
        long long ns = 2, nl = 8, rows = 8192, cols = 4096;
        td_err e;
        if (argc == 7 && (td_parse_long("NSTEPS", argv[3], 1, 1000, &ns, &e) || td_parse_long("NLAYERS", argv[4], 1, 1000, &nl, &e)
                          || td_parse_long("ROWS", argv[5], 64, 1 << 24, &rows, &e) || td_parse_long("COLS", argv[6], 1, 1 << 20, &cols, &e))) {
            fprintf(stderr, "bench_dump: %s\n", e.msg);
            return 2;
        }
        if (argc != 3 && argc != 7) { fprintf(stderr, "usage: bench_dump gen FILE [NSTEPS NLAYERS ROWS COLS]\n"); return 2; }
        return gen(argv[2], (int)ns, (int)nl, (hsize_t)rows, (hsize_t)cols);
    }
    if (argc == 3 && strcmp(argv[1], "floor") == 0) return floor_read(argv[2]);
    if (argc == 3 && strcmp(argv[1], "gen-st") == 0) return gen_st(argv[2]);
    if (argc == 3 && strcmp(argv[1], "floor-st") == 0) return floor_st(argv[2]);
    fprintf(stderr, "usage: bench_dump gen FILE [NSTEPS NLAYERS ROWS COLS] | floor FILE | gen-st FILE | floor-st FILE\n");
    return 2;
}
