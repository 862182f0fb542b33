/* dp_safetensors.c — Hugging Face safetensors files: an 8-byte little-endian
 * header length N, N bytes of JSON (json-c) {"name": {"dtype", "shape",
 * "data_offsets": [begin, end]}, "__metadata__": {...}}, then the data,
 * offsets relative to byte 8+N, little-endian, row-major. Tensors are read
 * in chunks (never whole), so memory stays within the read budget. */
#include "td_dump.h"

#include <dirent.h>
#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define ST_HEADER_MAX (100u << 20) /* safetensors' own limit on the header */

static const struct { const char *name; char cls; int bits; } ST_DTYPES[] = {
    { "F64", 'f', 64 }, { "F32", 'f', 32 }, { "F16", 'f', 16 }, { "BF16", 'b', 16 },
    { "I64", 'i', 64 }, { "I32", 'i', 32 }, { "I16", 'i', 16 }, { "I8", 'i', 8 },
    { "U64", 'u', 64 }, { "U32", 'u', 32 }, { "U16", 'u', 16 }, { "U8", 'u', 8 }, { "BOOL", 'u', 8 },
};

void td_st_free(td_st_entry *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) free(v[i].name);
    free(v);
}

static int cmp_begin(const void *a, const void *b)
{
    const td_st_entry *x = *(const td_st_entry *const *)a, *y = *(const td_st_entry *const *)b;
    return x->begin < y->begin ? -1 : x->begin > y->begin;
}

static int get_u64(json_object *v, uint64_t *out)
{
    if (!json_object_is_type(v, json_type_int)) return 0;
    if (json_object_get_int64(v) < 0) return 0; /* json-c keeps values above INT64_MAX unsigned */
    *out = json_object_get_uint64(v);
    return 1;
}

td_code td_st_header(const char *file, td_st_entry **out, size_t *nout, uint64_t max_elems, td_err *e)
{
    *out = NULL; *nout = 0;
    FILE *fp = td_fopen_regular(file, NULL, e); /* a FIFO is refused, not waited on */
    if (!fp) return TD_EIO;
    td_code rc = TD_OK;
    char *hdr = NULL;
    json_object *j = NULL;
    td_st_entry *v = NULL, **order = NULL;
    size_t n = 0;
    unsigned char lb[8];
    struct stat sb;
    if (fstat(fileno(fp), &sb) != 0 || !S_ISREG(sb.st_mode)) { rc = td_fail(e, TD_EIO, "%s: not a regular file", file); goto done; }
    uint64_t fsize = (uint64_t)sb.st_size, hlen = 0;
    if (fread(lb, 1, 8, fp) != 8) { rc = td_fail(e, TD_EINPUT, "%s: shorter than the 8-byte safetensors header length", file); goto done; }
    for (int i = 7; i >= 0; i--) hlen = hlen << 8 | lb[i];
    if (hlen < 2 || hlen > fsize - 8 || hlen > ST_HEADER_MAX) {
        rc = td_fail(e, TD_EINPUT, "%s: safetensors header length %llu %s", file, (unsigned long long)hlen,
                     hlen > fsize - 8 ? "runs past the end of the file" : hlen < 2 ? "is too small" : "is over 100 MiB");
        goto done;
    }
    if (!(hdr = malloc((size_t)hlen + 1))) { rc = td_fail(e, TD_ENOMEM, "out of memory"); goto done; }
    if (fread(hdr, 1, (size_t)hlen, fp) != hlen) { rc = td_fail(e, TD_EIO, "%s: cannot read the header", file); goto done; }
    hdr[hlen] = 0;
    json_tokener *tok = json_tokener_new();
    if (!tok) { rc = td_fail(e, TD_ENOMEM, "out of memory"); goto done; }
    j = json_tokener_parse_ex(tok, hdr, (int)hlen);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    json_tokener_free(tok);
    if (!j || jerr != json_tokener_success || !json_object_is_type(j, json_type_object)) {
        rc = td_fail(e, TD_EINPUT, "%s: safetensors header is not a JSON object (%s)", file,
                     jerr != json_tokener_success ? json_tokener_error_desc(jerr) : "wrong type");
        goto done;
    }
    uint64_t data = fsize - 8 - hlen, cap = (uint64_t)json_object_object_length(j);
    if (!(v = calloc(cap ? cap : 1, sizeof *v))) { rc = td_fail(e, TD_ENOMEM, "out of memory"); goto done; }
    json_object_object_foreach(j, key, val) {
        if (strcmp(key, "__metadata__") == 0) continue;
        char kn[128];
        td_safe_text(kn, sizeof kn, key);
        json_object *dt, *sh, *off;
        if (!json_object_is_type(val, json_type_object) || !json_object_object_get_ex(val, "dtype", &dt)
            || !json_object_object_get_ex(val, "shape", &sh) || !json_object_object_get_ex(val, "data_offsets", &off)
            || !json_object_is_type(dt, json_type_string) || !json_object_is_type(sh, json_type_array)
            || !json_object_is_type(off, json_type_array) || json_object_array_length(off) != 2) {
            rc = td_fail(e, TD_EINPUT, "%s: tensor '%s': needs dtype, shape and data_offsets [begin, end]", file, kn);
            goto done;
        }
        td_st_entry *x = &v[n];
        const char *ds = json_object_get_string(dt);
        int known = 0;
        for (size_t k = 0; k < sizeof ST_DTYPES / sizeof ST_DTYPES[0] && !known; k++)
            if (strcmp(ds, ST_DTYPES[k].name) == 0) { x->shape.cls = ST_DTYPES[k].cls; x->shape.bits = ST_DTYPES[k].bits; known = 1; }
        if (!known) { char dn[32]; rc = td_fail(e, TD_EINPUT, "%s: tensor '%s': unknown dtype '%s'", file, kn, td_safe_text(dn, sizeof dn, ds)); goto done; }
        size_t r = json_object_array_length(sh);
        if (r > TD_DUMP_MAXRANK) { rc = td_fail(e, TD_EINPUT, "%s: tensor '%s': rank %zu > %d", file, kn, r, TD_DUMP_MAXRANK); goto done; }
        x->shape.rank = (int)r;
        x->shape.n = 1;
        for (size_t k = 0; k < r; k++) {
            uint64_t dk;
            if (!get_u64(json_object_array_get_idx(sh, k), &dk)) { rc = td_fail(e, TD_EINPUT, "%s: tensor '%s': shape is not non-negative integers", file, kn); goto done; }
            x->shape.dims[k] = dk;
            if (dk && x->shape.n > UINT64_MAX / dk) { rc = td_fail(e, TD_EINPUT, "%s: tensor '%s': element count overflows", file, kn); goto done; }
            x->shape.n *= dk;
        }
        if (!get_u64(json_object_array_get_idx(off, 0), &x->begin) || !get_u64(json_object_array_get_idx(off, 1), &x->end)) {
            rc = td_fail(e, TD_EINPUT, "%s: tensor '%s': data_offsets are not non-negative 64-bit integers", file, kn);
            goto done;
        }
        uint64_t bytes = x->shape.n * (uint64_t)(x->shape.bits / 8); /* n fits: n·8 checked below */
        if (x->shape.n > UINT64_MAX / 8 || x->end < x->begin || x->end - x->begin != bytes || x->end > data) {
            rc = td_fail(e, TD_EINPUT, "%s: tensor '%s': data_offsets [%llu, %llu] %s", file, kn, (unsigned long long)x->begin,
                         (unsigned long long)x->end, x->end < x->begin ? "are reversed" : x->end > data ? "run past the end of the file"
                         : "do not match its dtype and shape");
            goto done;
        }
        if (x->shape.n == 0) continue; /* an empty tensor holds nothing to judge */
        if (x->shape.n > max_elems) { rc = td_fail(e, TD_EINPUT, "%s: tensor '%s': %llu elements, more than the limit", file, kn, (unsigned long long)x->shape.n); goto done; }
        x->offset = 8 + hlen + x->begin;
        if (!(x->name = strdup(key))) { rc = td_fail(e, TD_ENOMEM, "out of memory"); goto done; }
        n++;
    }
    /* no two tensors may share bytes */
    if (n > 1) {
        if (!(order = malloc(n * sizeof *order))) { rc = td_fail(e, TD_ENOMEM, "out of memory"); goto done; }
        for (size_t i = 0; i < n; i++) order[i] = &v[i];
        qsort(order, n, sizeof *order, cmp_begin);
        for (size_t i = 1; i < n; i++)
            if (order[i]->begin < order[i - 1]->end) {
                char a[128], b[128];
                rc = td_fail(e, TD_EINPUT, "%s: tensors '%s' and '%s' overlap in the data", file,
                             td_safe_text(a, sizeof a, order[i - 1]->name), td_safe_text(b, sizeof b, order[i]->name));
                goto done;
            }
    }
    if (n == 0) rc = td_fail(e, TD_EINPUT, "%s: no tensor in the safetensors header", file);
done:
    if (rc != TD_OK) { td_st_free(v, n); v = NULL; n = 0; }
    free(order);
    json_object_put(j);
    free(hdr);
    fclose(fp);
    *out = v; *nout = n;
    return rc;
}

/* bfloat16 / float16 to float. */
static float bf16(uint16_t h) { uint32_t u = (uint32_t)h << 16; float f; memcpy(&f, &u, 4); return f; }
static float f16(uint16_t h)
{
    uint32_t s = (uint32_t)(h >> 15) << 31, ex = (h >> 10) & 31, m = h & 1023, u;
    if (ex == 0) { float f = ldexpf((float)m, -24); return s ? -f : f; }
    if (ex == 31) u = s | 0x7f800000u | (m << 13);
    else u = s | ((ex + 112) << 23) | (m << 13);
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* Convert cnt elements of raw little-endian data of shape s into f (float) or d (double). */
static int native_float(const td_dump_shape *s)
{
    const uint16_t probe = 1;
    return *(const unsigned char *)&probe == 1 && s->cls == 'f' && (s->bits == 32 || s->bits == 64);
}

static void convert(const td_dump_shape *s, const unsigned char *raw, size_t cnt, float *f, double *d)
{
    for (size_t i = 0; i < cnt; i++) {
        const unsigned char *p = raw + i * (size_t)(s->bits / 8);
        uint64_t u = 0;
        for (int b = s->bits / 8 - 1; b >= 0; b--) u = u << 8 | p[b];
        if (s->cls == 'f' && s->bits == 64) { memcpy(&d[i], &u, 8); continue; }
        if (s->cls == 'f' && s->bits == 32) { uint32_t w = (uint32_t)u; memcpy(&f[i], &w, 4); continue; }
        if (s->cls == 'f') { f[i] = f16((uint16_t)u); continue; }
        if (s->cls == 'b') { f[i] = bf16((uint16_t)u); continue; }
        if (s->cls == 'u') { d[i] = (double)u; continue; }
        int sh = 64 - s->bits; /* sign-extend */
        d[i] = (double)((int64_t)(u << sh) >> sh);
    }
}

/* Values of entry x, chunk_bytes at a time: cb(ctx, f or d, count, element offset). */
typedef void (*chunk_cb)(void *ctx, const float *f, const double *d, size_t cnt, uint64_t off);
static td_code each_chunk(const char *file, const td_st_entry *x, size_t chunk_bytes, chunk_cb cb, void *ctx,
                          void (*on_bytes)(void *, uint64_t), void *bctx, td_err *e)
{
    size_t es = (size_t)(x->shape.bits / 8), per = chunk_bytes / es ? chunk_bytes / es : 1;
    int wide = x->shape.bits == 64 || x->shape.cls == 'i' || x->shape.cls == 'u';
    int native = native_float(&x->shape); /* little-endian float32/64: read in place */
    void *conv = malloc(per * (wide ? sizeof(double) : sizeof(float)));
    unsigned char *raw = native ? conv : malloc(per * es);
    FILE *fp = td_fopen_regular(file, NULL, e);
    td_code rc = TD_OK;
    char kn[128];
    td_safe_text(kn, sizeof kn, x->name);
    if (!raw || !conv) rc = td_fail(e, TD_ENOMEM, "out of memory");
    else if (!fp) rc = TD_EIO;
    else if (fseeko(fp, (off_t)x->offset, SEEK_SET) != 0) rc = td_fail(e, TD_EIO, "%s: tensor '%s': cannot seek", file, kn);
    for (uint64_t done = 0; rc == TD_OK && done < x->shape.n;) {
        size_t cnt = (size_t)(x->shape.n - done < per ? x->shape.n - done : per);
        if (fread(raw, es, cnt, fp) != cnt) { rc = td_fail(e, TD_EIO, "%s: tensor '%s': short read (file changed or truncated)", file, kn); break; }
        if (!native) convert(&x->shape, raw, cnt, wide ? NULL : conv, wide ? conv : NULL);
        cb(ctx, wide ? NULL : conv, wide ? conv : NULL, cnt, done);
        if (on_bytes) on_bytes(bctx, (uint64_t)cnt * es);
        done += cnt;
    }
    if (fp) fclose(fp);
    if (raw != conv) free(raw);
    free(conv);
    return rc;
}

static void acc_cb(void *ctx, const float *f, const double *d, size_t cnt, uint64_t off)
{
    if (f) td_dump_acc_add_f32(ctx, f, cnt, off);
    else td_dump_acc_add_f64(ctx, d, cnt, off);
}

td_code td_st_stream(const char *file, const td_st_entry *x, size_t chunk_bytes, td_dump_acc *acc,
                     void (*on_bytes)(void *ctx, uint64_t bytes), void *ctx, td_err *e)
{
    return each_chunk(file, x, chunk_bytes, acc_cb, acc, on_bytes, ctx, e);
}

/* Pair: the first tensor's values are kept one chunk at a time in a window. */
typedef struct { double *a; uint64_t base; size_t n; double sum; uint64_t bad; int second; } pair_ctx;

static void pair_cb(void *ctx, const float *f, const double *d, size_t cnt, uint64_t off)
{
    pair_ctx *p = ctx;
    for (size_t i = 0; i < cnt; i++) {
        double v = f ? (double)f[i] : d[i];
        if (!p->second) { p->a[i] = v; continue; }
        double a = p->a[off - p->base + i], df = v - a;
        if (!isfinite(df)) { p->bad++; continue; }
        p->sum += df * df;
    }
    if (!p->second) { p->base = off; p->n = cnt; }
}

td_code td_st_pair_diff(const char *fa, const td_st_entry *a, const char *fb, const td_st_entry *b,
                        size_t chunk_bytes, double *sum, uint64_t *bad, td_err *e)
{
    *sum = 0; *bad = 0;
    if (a->shape.n != b->shape.n) return td_fail(e, TD_EINPUT, "%s: tensor shapes differ between checkpoints", fb);
    size_t per = chunk_bytes / 8 ? chunk_bytes / 8 : 1;
    pair_ctx p = { malloc(per * sizeof(double)), 0, 0, 0, 0, 0 };
    if (!p.a) return td_fail(e, TD_ENOMEM, "out of memory");
    td_code rc = TD_OK;
    for (uint64_t done = 0; rc == TD_OK && done < a->shape.n; done += per) {
        td_st_entry wa = *a, wb = *b; /* windows of per elements */
        uint64_t cnt = a->shape.n - done < per ? a->shape.n - done : per;
        wa.offset += done * (uint64_t)(a->shape.bits / 8); wa.shape.n = cnt;
        wb.offset += done * (uint64_t)(b->shape.bits / 8); wb.shape.n = cnt;
        p.second = 0;
        rc = each_chunk(fa, &wa, per * 8, pair_cb, &p, NULL, NULL, e);
        p.second = 1;
        p.base = 0;
        if (rc == TD_OK) rc = each_chunk(fb, &wb, per * 8, pair_cb, &p, NULL, NULL, e);
    }
    free(p.a);
    *sum = p.sum; *bad = p.bad;
    return rc;
}

int td_st_is_safetensors(const char *path)
{
    size_t n = strlen(path);
    static const char *const ends[] = { ".safetensors", ".safetensors.index.json" };
    for (size_t i = 0; i < 2; i++) {
        size_t k = strlen(ends[i]);
        if (n >= k && strcmp(path + n - k, ends[i]) == 0) return 1;
    }
    struct stat sb;
    if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode)) return 0;
    char p[4096];
    snprintf(p, sizeof p, "%s/model.safetensors", path);
    if (stat(p, &sb) == 0) return 1;
    snprintf(p, sizeof p, "%s/model.safetensors.index.json", path);
    if (stat(p, &sb) == 0) return 1;
    DIR *dir = opendir(path);
    int any = 0;
    for (struct dirent *de; dir && !any && (de = readdir(dir));) any = strncmp(de->d_name, "checkpoint-", 11) == 0;
    if (dir) closedir(dir);
    return any;
}

static int push(char ***v, size_t *n, const char *s)
{
    char **nv = realloc(*v, (*n + 1) * sizeof *nv);
    if (!nv) return -1;
    *v = nv;
    if (!(nv[*n] = strdup(s))) return -1;
    (*n)++;
    return 0;
}

/* Shards of one checkpoint given as a .safetensors, an index, or a folder. */
static td_code shards_of(const char *path, char ***out, size_t *nout, td_err *e)
{
    struct stat sb;
    char p[4096];
    const char *idx = NULL;
    size_t n = strlen(path);
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        snprintf(p, sizeof p, "%s/model.safetensors.index.json", path);
        if (stat(p, &sb) == 0) idx = p;
        else {
            snprintf(p, sizeof p, "%s/model.safetensors", path);
            if (stat(p, &sb) != 0) return td_fail(e, TD_EIO, "%s: no model.safetensors or model.safetensors.index.json in the folder", path);
            return push(out, nout, p) ? td_fail(e, TD_ENOMEM, "out of memory") : TD_OK;
        }
    } else if (n >= 5 && strcmp(path + n - 5, ".json") == 0) {
        idx = path;
    } else {
        return push(out, nout, path) ? td_fail(e, TD_ENOMEM, "out of memory") : TD_OK;
    }
    if (stat(idx, &sb) != 0 || !S_ISREG(sb.st_mode)) return td_fail(e, TD_EIO, "%s: cannot open", idx);
    if (sb.st_size > (64 << 20)) return td_fail(e, TD_EINPUT, "%s: larger than 64 MiB, not read", idx);
    json_object *j = json_object_from_file(idx), *wm;
    if (!j) return td_fail(e, TD_EINPUT, "%s: not a readable JSON index", idx);
    td_code rc = TD_OK;
    if (!json_object_object_get_ex(j, "weight_map", &wm) || !json_object_is_type(wm, json_type_object)) {
        rc = td_fail(e, TD_EINPUT, "%s: no weight_map object", idx);
    } else {
        const char *slash = strrchr(idx, '/');
        int dl = slash ? (int)(slash - idx) : 0;
        json_object_object_foreach(wm, key, val) {
            (void)key;
            if (!json_object_is_type(val, json_type_string) || strchr(json_object_get_string(val), '/')) {
                rc = td_fail(e, TD_EINPUT, "%s: weight_map values must be shard file names in its folder", idx);
                break;
            }
            char sp[4096];
            snprintf(sp, sizeof sp, "%.*s%s%s", dl, idx, slash ? "/" : "", json_object_get_string(val));
            int seen = 0;
            for (size_t i = 0; i < *nout && !seen; i++) seen = strcmp((*out)[i], sp) == 0;
            if (!seen && push(out, nout, sp)) { rc = td_fail(e, TD_ENOMEM, "out of memory"); break; }
        }
        if (rc == TD_OK && *nout == 0) rc = td_fail(e, TD_EINPUT, "%s: empty weight_map", idx);
    }
    json_object_put(j);
    return rc;
}

static int cmp_str(const void *a, const void *b) { return td_st_natural_cmp(*(const char *const *)a, *(const char *const *)b); }

td_code td_st_expand(const char *const *args, int nargs, td_st_ckpt **out, size_t *nout, td_err *e)
{
    td_st_ckpt *v = NULL;
    size_t n = 0;
    td_code rc = TD_OK;
    char **dirs = NULL;
    size_t nd = 0;
    *out = NULL; *nout = 0;
    for (int i = 0; i < nargs && rc == TD_OK; i++) {
        struct stat sb;
        char p1[4096], p2[4096];
        snprintf(p1, sizeof p1, "%s/model.safetensors", args[i]);
        snprintf(p2, sizeof p2, "%s/model.safetensors.index.json", args[i]);
        int dir = stat(args[i], &sb) == 0 && S_ISDIR(sb.st_mode);
        if (dir && stat(p1, &sb) != 0 && stat(p2, &sb) != 0) { /* an output folder of checkpoint-* */
            DIR *d = opendir(args[i]);
            size_t first = nd;
            for (struct dirent *de; d && (de = readdir(d));)
                if (strncmp(de->d_name, "checkpoint-", 11) == 0) {
                    char cp[4096];
                    snprintf(cp, sizeof cp, "%s/%s", args[i], de->d_name);
                    if (push(&dirs, &nd, cp)) { rc = td_fail(e, TD_ENOMEM, "out of memory"); break; }
                }
            if (d) closedir(d);
            if (rc == TD_OK && nd == first) rc = td_fail(e, TD_EIO, "%s: a folder without model.safetensors or checkpoint-* folders", args[i]);
            if (nd > first) qsort(dirs + first, nd - first, sizeof *dirs, cmp_str);
        } else if (push(&dirs, &nd, args[i])) {
            rc = td_fail(e, TD_ENOMEM, "out of memory");
        }
    }
    for (size_t i = 0; i < nd && rc == TD_OK; i++) {
        td_st_ckpt *nv = realloc(v, (n + 1) * sizeof *nv);
        if (!nv) { rc = td_fail(e, TD_ENOMEM, "out of memory"); break; }
        v = nv;
        memset(&v[n], 0, sizeof v[n]);
        n++;
        rc = shards_of(dirs[i], &v[n - 1].shards, &v[n - 1].nshards, e);
    }
    for (size_t i = 0; i < nd; i++) free(dirs[i]);
    free(dirs);
    if (rc != TD_OK) { td_st_ckpt_free(v, n); return rc; }
    *out = v; *nout = n;
    return TD_OK;
}

void td_st_ckpt_free(td_st_ckpt *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        for (size_t k = 0; k < v[i].nshards; k++) free(v[i].shards[k]);
        free(v[i].shards);
    }
    free(v);
}

void td_st_layer_of(const char *name, char *layer, size_t lcap, char *param, size_t pcap)
{
    const char *dot = strrchr(name, '.');
    if (!dot || dot == name) { snprintf(layer, lcap, "%s", name); snprintf(param, pcap, "%s", name); return; }
    snprintf(layer, lcap, "%.*s", (int)(dot - name), name);
    snprintf(param, pcap, "%s", dot + 1);
}

int td_st_natural_cmp(const char *a, const char *b)
{
    while (*a && *b) {
        if (*a >= '0' && *a <= '9' && *b >= '0' && *b <= '9') {
            const char *x = a, *y = b;
            while (*x == '0') x++;
            while (*y == '0') y++;
            size_t lx = 0, ly = 0;
            while (x[lx] >= '0' && x[lx] <= '9') lx++;
            while (y[ly] >= '0' && y[ly] <= '9') ly++;
            if (lx != ly) return lx < ly ? -1 : 1;
            int c = strncmp(x, y, lx);
            if (c) return c;
            a = x + lx; b = y + ly;
            continue;
        }
        if (*a != *b) return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
        a++; b++;
    }
    return *a ? 1 : *b ? -1 : 0;
}
