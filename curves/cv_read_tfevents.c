/* cv_read_tfevents.c — TensorBoard event files.
 *
 * Framing (TFRecord): uint64 length (LE), uint32 masked CRC-32C of those 8
 * bytes, length bytes of data, uint32 masked CRC-32C of the data; both
 * CRCs are checked. Data is an Event protobuf, decoded by a small
 * varint/field walker that reads only:
 *   Event   { 2: int64 step; 5: Summary summary }
 *   Summary { 1: repeated Value value }
 *   Value   { 1: string tag; 2: float simple_value; 8: TensorProto tensor }
 *   TensorProto { 1: dtype; 2: TensorShapeProto (rank 0: no field 2 dim);
 *                 4: bytes tensor_content; 5: float_val; 6: double_val;
 *                 7: int_val; 10: int64_val }
 * A scalar is a simple_value, or a rank-0 tensor of dtype float (1),
 * double (2), int32 (3) or int64 (9). Tags starting "_hparams_" are
 * skipped. Record numbers (1-based) stand for line numbers. */
#include "td_curves.h"

#include <stdlib.h>
#include <string.h>

#define CV_MAX_RECORD (64u << 20) /* a larger event is a broken length */

typedef struct {
    td_log_builder *b;
    size_t record;     /* records read */
    size_t offset;     /* bytes consumed so far */
    size_t scalars;
} cv_tfe;

typedef struct {
    const unsigned char *p, *end;
} cv_pb;

static void *cv_tfe_new(td_log_builder *b)
{
    cv_tfe *t = calloc(1, sizeof *t);
    if (t) t->b = b;
    return t;
}

static void cv_tfe_free(void *st) { free(st); }

static int cv_varint(cv_pb *r, uint64_t *v)
{
    uint64_t x = 0;
    for (int sh = 0; sh < 64; sh += 7) {
        if (r->p >= r->end) return -1;
        unsigned char c = *r->p++;
        x |= (uint64_t)(c & 0x7f) << sh;
        if (!(c & 0x80)) { *v = x; return 0; }
    }
    return -1;
}

static uint32_t cv_le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t cv_le64(const unsigned char *p) { return cv_le32(p) | (uint64_t)cv_le32(p + 4) << 32; }

/* Next field: number, wire type, and for LEN fields the sub-range; for
 * VARINT/I64/I32 the raw value in *v. Returns 0, 1 at the end, -1 broken. */
static int cv_field(cv_pb *r, uint32_t *num, int *wt, uint64_t *v, cv_pb *sub)
{
    if (r->p >= r->end) return 1;
    uint64_t key;
    if (cv_varint(r, &key) || (key >> 3) == 0 || (key >> 3) > 0x1fffffff) return -1;
    *num = (uint32_t)(key >> 3);
    *wt = (int)(key & 7);
    switch (*wt) {
    case 0: return cv_varint(r, v);
    case 1:
        if (r->end - r->p < 8) return -1;
        *v = cv_le64(r->p); r->p += 8; return 0;
    case 5:
        if (r->end - r->p < 4) return -1;
        *v = cv_le32(r->p); r->p += 4; return 0;
    case 2:
        if (cv_varint(r, v) || *v > (uint64_t)(r->end - r->p)) return -1;
        sub->p = r->p; sub->end = r->p + *v; r->p += *v; return 0;
    default: return -1;
    }
}

static double cv_f32(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }
static double cv_f64(uint64_t u) { double d; memcpy(&d, &u, 8); return d; }

/* A rank-0 numeric tensor's value. Returns 1 found, 0 not a scalar, -1 broken. */
static int cv_tensor(cv_pb t, double *out)
{
    uint32_t num; int wt; uint64_t v; cv_pb sub;
    uint64_t dtype = 0;
    int rank0 = 1, have = 0, rc;
    while ((rc = cv_field(&t, &num, &wt, &v, &sub)) == 0) {
        if (num == 1 && wt == 0) dtype = v;
        else if (num == 2 && wt == 2) {
            cv_pb s2 = sub; uint32_t n2; int w2; uint64_t v2; cv_pb d2; int r2;
            while ((r2 = cv_field(&s2, &n2, &w2, &v2, &d2)) == 0) if (n2 == 2) rank0 = 0;
            if (r2 < 0) return -1;
        } else if (num == 4 && wt == 2) {
            if (dtype == 1 && v == 4) { *out = cv_f32(cv_le32(sub.p)); have = 1; }
            else if (dtype == 2 && v == 8) { *out = cv_f64(cv_le64(sub.p)); have = 1; }
            else if (dtype == 3 && v == 4) { *out = (int32_t)cv_le32(sub.p); have = 1; }
            else if (dtype == 9 && v == 8) { *out = (double)(int64_t)cv_le64(sub.p); have = 1; }
        } else if (num == 5) { /* float_val: packed or not */
            if (wt == 5) { *out = cv_f32((uint32_t)v); have = 1; }
            else if (wt == 2 && v >= 4) { *out = cv_f32(cv_le32(sub.p)); have = 1; }
        } else if (num == 6) {
            if (wt == 1) { *out = cv_f64(v); have = 1; }
            else if (wt == 2 && v >= 8) { *out = cv_f64(cv_le64(sub.p)); have = 1; }
        } else if (num == 7 || num == 10) {
            if (wt == 0) { *out = num == 7 ? (double)(int32_t)v : (double)(int64_t)v; have = 1; }
            else if (wt == 2) {
                uint64_t iv;
                if (cv_varint(&sub, &iv)) return -1;
                *out = num == 7 ? (double)(int32_t)iv : (double)(int64_t)iv;
                have = 1;
            }
        }
    }
    if (rc < 0) return -1;
    int numeric = dtype == 1 || dtype == 2 || dtype == 3 || dtype == 9;
    return have && rank0 && numeric;
}

/* One Event: its scalars become one row at its step. */
static td_code cv_event(cv_tfe *t, const unsigned char *data, size_t len, td_err *e)
{
    const char *src = td_log_builder_source(t->b);
    cv_pb r = {data, data + len}, summary = {NULL, NULL};
    uint32_t num; int wt; uint64_t v; cv_pb sub;
    int64_t step = 0;
    int rc;
    while ((rc = cv_field(&r, &num, &wt, &v, &sub)) == 0) {
        if (num == 2 && wt == 0) step = (int64_t)v;
        else if (num == 5 && wt == 2) summary = sub;
    }
    if (rc < 0) goto broken;
    if (!summary.p) return TD_OK;
    td_log_builder_begin(t->b, (double)step, t->record);
    while ((rc = cv_field(&summary, &num, &wt, &v, &sub)) == 0) {
        if (num != 1 || wt != 2) continue;
        cv_pb val = sub, tag = {NULL, NULL}, tensor = {NULL, NULL};
        double y = 0;
        int have = 0, r2;
        while ((r2 = cv_field(&val, &num, &wt, &v, &sub)) == 0) {
            if (num == 1 && wt == 2) tag = sub;
            else if (num == 2 && wt == 5) { y = cv_f32((uint32_t)v); have = 1; }
            else if (num == 8 && wt == 2) tensor = sub;
        }
        if (r2 < 0) goto broken;
        if (!have && tensor.p) {
            int tr = cv_tensor(tensor, &y);
            if (tr < 0) goto broken;
            have = tr;
        }
        size_t tl = tag.p ? (size_t)(tag.end - tag.p) : 0;
        if (!have || tl == 0 || (tl >= 9 && memcmp(tag.p, "_hparams_", 9) == 0)) continue;
        if (memchr(tag.p, '\0', tl)) goto broken;
        long col = td_log_builder_column(t->b, (const char *)tag.p, tl, 0);
        if (col < 0 || td_log_builder_add(t->b, col, y) != TD_OK)
            return td_fail(e, TD_ENOMEM, "%s: out of memory", src);
        t->scalars++;
    }
    if (rc < 0) goto broken;
    if (td_log_builder_end(t->b) != TD_OK) return td_fail(e, TD_ENOMEM, "%s: out of memory", src);
    return TD_OK;
broken:
    return td_fail(e, TD_EINPUT, "%s: record %zu (byte %zu): malformed Event protobuf", src, t->record, t->offset);
}

static td_code cv_tfe_bytes(void *st, const char *data, size_t len, int final, size_t *used, td_err *e)
{
    cv_tfe *t = st;
    const char *src = td_log_builder_source(t->b);
    const unsigned char *u = (const unsigned char *)data;
    size_t off = 0;
    *used = 0;
    td_code rc;
    while (len - off >= 12) {
        uint64_t n = cv_le64(u + off);
        if (td_crc32c_masked(u + off, 8) != cv_le32(u + off + 8))
            return td_fail(e, TD_EINPUT, "%s: record %zu (byte %zu): bad length CRC", src, t->record + 1, t->offset);
        if (n > CV_MAX_RECORD)
            return td_fail(e, TD_EINPUT, "%s: record %zu (byte %zu): bad length %llu", src, t->record + 1,
                           t->offset, (unsigned long long)n);
        if (len - off < 12 + n + 4) break;
        if (td_crc32c_masked(u + off + 12, (size_t)n) != cv_le32(u + off + 12 + n))
            return td_fail(e, TD_EINPUT, "%s: record %zu (byte %zu): bad data CRC", src, t->record + 1, t->offset);
        t->record++;
        if ((rc = cv_event(t, u + off + 12, (size_t)n, e)) != TD_OK) return rc;
        off += 12 + (size_t)n + 4;
        t->offset += 12 + (size_t)n + 4;
        *used = off;
    }
    if (final && off < len)
        return td_fail(e, TD_EINPUT, "%s: record %zu (byte %zu): truncated record", src, t->record + 1, t->offset);
    return TD_OK;
}

static td_code cv_tfe_finish(void *st, td_err *e)
{
    cv_tfe *t = st;
    if (t->scalars == 0)
        return td_fail(e, TD_EINPUT, "%s: %zu event records but no scalar summary", td_log_builder_source(t->b), t->record);
    return TD_OK;
}

static void *cv_tfe_new_step(td_log_builder *b)
{
    if (td_log_builder_x_name(b, "step") != TD_OK) return NULL;
    return cv_tfe_new(b);
}

const td_log_parser td_log_parser_tfevents = {
    TD_FMT_TFEVENTS, cv_tfe_new_step, cv_tfe_free, NULL, cv_tfe_bytes, cv_tfe_finish,
};
