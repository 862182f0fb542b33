/* cv_read_json.c — JSON logs through json-c: JSON lines (detectron2
 * metrics.json, DeiT/DETR log.txt: one object a line) and Hugging Face
 * trainer_state.json (log_history entries).
 *
 * An object becomes one row: its numeric members are metrics (json-c reads
 * Python's bare NaN / Infinity / -Infinity), null means missing, strings,
 * booleans, arrays and nested objects are ignored. x is the first of
 * iteration, step, global_step, iter, epoch present in the first object
 * that has one; an object without it gets the previous row's x (it merges
 * into that point). A JSON line that does not parse, or is not an object,
 * is a malformed row. Keras' History dumped as JSON ({"loss": [...],
 * "val_loss": [...]}, on one line or indented) is read as columns over
 * epochs 0, 1, ...
 *
 * JSON lines after the first go to simdjson first (cv_json_fast.cpp,
 * td_json_fast_object), which declines every line json-c could read
 * differently; those, and the first line (which may be a whole History
 * or choose x), are read by json-c. */
#include "td_curves.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

static const struct { const char *key; const char *x; } cv_json_x[] = {
    {"iteration", "iteration"}, {"step", "step"}, {"global_step", "step"},
    {"iter", "iteration"}, {"epoch", "epoch"},
};
enum { CV_NX = sizeof cv_json_x / sizeof *cv_json_x };

enum { CV_MEMBERS = 64 }; /* a line with more members goes to json-c */

typedef struct {
    td_log_builder *b;
    json_tokener *tok;
    td_json_fast *fast;      /* NULL: json-c only */
    td_json_member mem[CV_MEMBERS];
    /* the columns of the last line read fast, by member place */
    char *ckey[CV_MEMBERS];
    size_t cklen[CV_MEMBERS];
    long col[CV_MEMBERS];
    double val[CV_MEMBERS];
    unsigned char has[CV_MEMBERS];
    int xkey;          /* index in cv_json_x, -1 until chosen */
    double last_x;
    size_t rows;
    td_buf doc;        /* HF: the whole document */
} cv_json;

static void *cv_json_new(td_log_builder *b)
{
    cv_json *j = calloc(1, sizeof *j);
    if (!j) return NULL;
    j->b = b;
    j->xkey = -1;
    j->tok = json_tokener_new();
    j->fast = td_json_fast_new();
    if (!j->tok || !j->fast) { json_tokener_free(j->tok); td_json_fast_free(j->fast); free(j); return NULL; }
    return j;
}

static void cv_json_free(void *st)
{
    cv_json *j = st;
    if (!j) return;
    json_tokener_free(j->tok);
    td_json_fast_free(j->fast);
    for (size_t i = 0; i < CV_MEMBERS; i++) free(j->ckey[i]);
    td_buf_free(&j->doc);
    free(j);
}

static int cv_json_number(json_object *v, double *out)
{
    json_type t = json_object_get_type(v);
    if (t == json_type_double) { *out = json_object_get_double(v); return 1; }
    if (t == json_type_int) { *out = (double)json_object_get_int64(v); return 1; }
    return 0;
}

/* Keras' History saved as JSON ({"loss": [..], "val_loss": [..]}): an
 * object whose members include arrays of numbers and no plain number.
 * Each array is a series over epochs 0, 1, ... (null: missing). Returns 1
 * when obj is one and was read, 0 when it is not one, -1 on ENOMEM. */
static int cv_json_columns(cv_json *j, json_object *obj, size_t lineno)
{
    size_t longest = 0;
    json_object_object_foreach(obj, k0, v0) {
        (void)k0;
        double y;
        if (cv_json_number(v0, &y)) return 0;
        if (json_object_is_type(v0, json_type_array) && json_object_array_length(v0) > longest &&
            cv_json_number(json_object_array_get_idx(v0, 0), &y))
            longest = json_object_array_length(v0);
    }
    if (longest == 0) return 0;
    if (td_log_builder_x_name(j->b, "epoch") != TD_OK) return -1;
    for (size_t i = 0; i < longest; i++) {
        td_log_builder_begin(j->b, (double)i, lineno);
        json_object_object_foreach(obj, key, val) {
            double y;
            if (!json_object_is_type(val, json_type_array) || i >= json_object_array_length(val) ||
                !cv_json_number(json_object_array_get_idx(val, i), &y))
                continue;
            long col = td_log_builder_column(j->b, key, strlen(key), 0);
            if (col < 0 || td_log_builder_add(j->b, col, y) != TD_OK) return -1;
        }
        if (td_log_builder_end(j->b) != TD_OK) return -1;
        j->rows++;
    }
    return 1;
}

/* pycocotools' 12 summary numbers logged as one array under a key naming
 * a COCO evaluation ("test_coco_eval_bbox": [AP, AP50, ...], DETR and its
 * descendants): each becomes a series "<key>/AP", "<key>/AP50", ...
 * Returns 1 when added to the open row, 0 when val is no such array, -1 on
 * ENOMEM. */
static int cv_coco_stats(cv_json *j, const char *key, json_object *val)
{
    static const char *const names[12] = {"AP", "AP50", "AP75", "APs", "APm", "APl",
                                          "AR1", "AR10", "AR100", "ARs", "ARm", "ARl"};
    if (!json_object_is_type(val, json_type_array) || json_object_array_length(val) != 12 ||
        !strstr(key, "coco_eval"))
        return 0;
    double y[12];
    for (size_t i = 0; i < 12; i++)
        if (!cv_json_number(json_object_array_get_idx(val, i), &y[i])) return 0;
    size_t kl = strlen(key);
    char name[256];
    if (kl + 8 > sizeof name) return 0;
    for (size_t i = 0; i < 12; i++) {
        int w = snprintf(name, sizeof name, "%s/%s", key, names[i]);
        long col = td_log_builder_column(j->b, name, (size_t)w, 0);
        if (col < 0 || td_log_builder_add(j->b, col, y[i]) != TD_OK) return -1;
    }
    return 1;
}

/* One object -> one row at its x (see the file comment). */
static td_code cv_json_row(cv_json *j, json_object *obj, size_t lineno, td_err *e)
{
    const char *src = td_log_builder_source(j->b);
    if (j->rows == 0) { /* the first object may be a whole History */
        int c = cv_json_columns(j, obj, lineno);
        if (c < 0) return td_fail(e, TD_ENOMEM, "%s: out of memory", src);
        if (c > 0) return TD_OK;
    }
    double x = j->rows ? j->last_x : 0;
    if (j->xkey < 0) {
        for (int k = 0; k < CV_NX && j->xkey < 0; k++) {
            json_object *v;
            if (json_object_object_get_ex(obj, cv_json_x[k].key, &v) && cv_json_number(v, &x)) {
                j->xkey = k;
                if (td_log_builder_x_name(j->b, cv_json_x[k].x) != TD_OK)
                    return td_fail(e, TD_ENOMEM, "%s: out of memory", src);
            }
        }
        if (j->xkey < 0) x = (double)j->rows;
    } else {
        json_object *v;
        if (json_object_object_get_ex(obj, cv_json_x[j->xkey].key, &v) && !cv_json_number(v, &x))
            return td_log_builder_bad(j->b, lineno) == TD_OK ? TD_OK
                   : td_fail(e, TD_ENOMEM, "%s: out of memory", src);
    }
    if (x != x) /* NaN x */
        return td_log_builder_bad(j->b, lineno) == TD_OK ? TD_OK : td_fail(e, TD_ENOMEM, "%s: out of memory", src);
    td_log_builder_begin(j->b, x, lineno);
    const char *xk = j->xkey >= 0 ? cv_json_x[j->xkey].key : NULL;
    json_object_object_foreach(obj, key, val) {
        double y;
        if (cv_coco_stats(j, key, val) < 0) return td_fail(e, TD_ENOMEM, "%s: out of memory", src);
        if (!cv_json_number(val, &y) || (xk && strcmp(key, xk) == 0)) continue;
        long col = td_log_builder_column(j->b, key, strlen(key), 0);
        if (col < 0 || td_log_builder_add(j->b, col, y) != TD_OK)
            return td_fail(e, TD_ENOMEM, "%s: out of memory", src);
    }
    if (td_log_builder_end(j->b) != TD_OK) return td_fail(e, TD_ENOMEM, "%s: out of memory", src);
    j->last_x = x;
    j->rows++;
    return TD_OK;
}

/* The builder column of member i named key[0..len): the one of the last
 * line's member i when the name is the same (the usual line repeats the
 * keys of the one before), else interned and remembered. -1 on ENOMEM. */
static long cv_fast_col(cv_json *j, size_t i, const char *key, size_t len)
{
    if (j->ckey[i] && j->cklen[i] == len && memcmp(j->ckey[i], key, len) == 0) return j->col[i];
    long col = td_log_builder_column(j->b, key, len, 0);
    char *k = malloc(len + 1);
    if (col < 0 || !k) { free(k); return -1; }
    memcpy(k, key, len);
    k[len] = '\0';
    free(j->ckey[i]);
    j->ckey[i] = k;
    j->cklen[i] = len;
    j->col[i] = col;
    return col;
}

/* The builder column of every member of the line simdjson read into
 * j->col; *dup = 1 when a key repeats (json-c reads such a line its own
 * way: the first place, the last value). -1 on ENOMEM. */
static int cv_fast_cols(cv_json *j, size_t nm, int *dup)
{
    *dup = 0;
    for (size_t i = 0; i < nm; i++) {
        if ((j->col[i] = cv_fast_col(j, i, j->mem[i].key, j->mem[i].klen)) < 0) return -1;
        for (size_t k = 0; k < i; k++) *dup |= j->col[k] == j->col[i];
    }
    return 0;
}

/* cv_json_row for a line after the first read by simdjson: its nm members
 * in j->mem, their columns in j->col (distinct; no key with a NUL). */
static td_code cv_fast_row(cv_json *j, size_t nm, size_t lineno, td_err *e)
{
    const char *src = td_log_builder_source(j->b);
    double x = j->last_x;
    int xat = -1; /* member holding x */
    for (int k = 0; k < CV_NX && j->xkey < 0; k++) {
        size_t kl = strlen(cv_json_x[k].key);
        for (size_t i = 0; i < nm; i++)
            if (j->mem[i].num && j->mem[i].klen == kl && memcmp(j->mem[i].key, cv_json_x[k].key, kl) == 0) {
                j->xkey = k;
                if (td_log_builder_x_name(j->b, cv_json_x[k].x) != TD_OK)
                    return td_fail(e, TD_ENOMEM, "%s: out of memory", src);
                break;
            }
    }
    if (j->xkey < 0) x = (double)j->rows;
    else {
        const char *xk = cv_json_x[j->xkey].key;
        size_t kl = strlen(xk);
        for (size_t i = 0; i < nm && xat < 0; i++)
            if (j->mem[i].klen == kl && memcmp(j->mem[i].key, xk, kl) == 0) xat = (int)i;
        if (xat >= 0 && !j->mem[xat].num)
            return td_log_builder_bad(j->b, lineno) == TD_OK ? TD_OK
                   : td_fail(e, TD_ENOMEM, "%s: out of memory", src);
        if (xat >= 0) x = j->mem[xat].v;
    }
    for (size_t i = 0; i < nm; i++) {
        j->has[i] = j->mem[i].num && (int)i != xat;
        j->val[i] = j->mem[i].v;
    }
    if (td_log_builder_row(j->b, x, lineno, j->col, j->val, j->has, nm) != TD_OK)
        return td_fail(e, TD_ENOMEM, "%s: out of memory", src);
    j->last_x = x;
    j->rows++;
    return TD_OK;
}

static td_code cv_jsonl_line(void *st, const char *s, size_t n, size_t lineno, td_err *e)
{
    cv_json *j = st;
    size_t a = 0;
    while (a < n && (s[a] == ' ' || s[a] == '\t')) a++;
    if (a == n) return TD_OK;
    size_t z = n;
    while (z > a && (s[z - 1] == ' ' || s[z - 1] == '\t')) z--;
    if (j->rows && s[a] == '{' && s[z - 1] == '}') {
        size_t nm = 0;
        int f = td_json_fast_object(j->fast, s + a, z - a, j->mem, CV_MEMBERS, &nm);
        int dup = 0;
        if (f == 0 && cv_fast_cols(j, nm, &dup) < 0) f = -1;
        if (f < 0) return td_fail(e, TD_ENOMEM, "%s: out of memory", td_log_builder_source(j->b));
        if (f == 0 && !dup) return cv_fast_row(j, nm, lineno, e);
    }
    json_tokener_reset(j->tok);
    json_object *obj = json_tokener_parse_ex(j->tok, s + a, (int)(n - a));
    size_t end = a + (size_t)json_tokener_get_parse_end(j->tok);
    while (end < n && (s[end] == ' ' || s[end] == '\t')) end++; /* trailing blanks are fine */
    td_code rc;
    if (obj && json_tokener_get_error(j->tok) == json_tokener_success &&
        json_object_is_type(obj, json_type_object) && end == n)
        rc = cv_json_row(j, obj, lineno, e);
    else if (td_log_builder_bad(j->b, lineno) == TD_OK)
        rc = TD_OK;
    else
        rc = td_fail(e, TD_ENOMEM, "%s: out of memory", td_log_builder_source(j->b));
    json_object_put(obj);
    return rc;
}

static td_code cv_jsonl_finish(void *st, td_err *e)
{
    cv_json *j = st;
    if (j->rows == 0)
        return td_fail(e, TD_EINPUT, "%s:1: no JSON object with a number in it", td_log_builder_source(j->b));
    return TD_OK;
}

/* ---- trainer_state.json ---------------------------------------------------- */

static td_code cv_hf_bytes(void *st, const char *data, size_t len, int final, size_t *used, td_err *e)
{
    cv_json *j = st;
    const char *src = td_log_builder_source(j->b);
    *used = len;
    if (j->doc.len + len > TD_LOG_MAX_DOC)
        return td_fail(e, TD_EINPUT, "%s: JSON document larger than %u bytes", src, TD_LOG_MAX_DOC);
    if (len && td_buf_append(&j->doc, data, len) != 0) return td_fail(e, TD_ENOMEM, "%s: out of memory", src);
    if (!final) return TD_OK;
    if (j->doc.len && memchr(j->doc.data, '\0', j->doc.len))
        return td_fail(e, TD_EINPUT, "%s: binary data (NUL byte) in a JSON document", src);
    json_tokener_reset(j->tok);
    json_object *root = json_tokener_parse_ex(j->tok, j->doc.data ? j->doc.data : "", (int)j->doc.len);
    enum json_tokener_error err = json_tokener_get_error(j->tok);
    if (!root || err != json_tokener_success) {
        /* line of the error: count newlines up to where the tokener stopped */
        size_t end = json_tokener_get_parse_end(j->tok), line = 1;
        for (size_t i = 0; i < end && i < j->doc.len; i++) line += j->doc.data[i] == '\n';
        json_object_put(root);
        return td_fail(e, TD_EINPUT, "%s:%zu: malformed JSON: %s", src, line,
                       err == json_tokener_continue ? "unexpected end of input" : json_tokener_error_desc(err));
    }
    json_object *hist;
    if (!json_object_is_type(root, json_type_object) || !json_object_object_get_ex(root, "log_history", &hist) ||
        !json_object_is_type(hist, json_type_array)) {
        int c = json_object_is_type(root, json_type_object) ? cv_json_columns(j, root, 1) : 0;
        json_object_put(root);
        td_buf_free(&j->doc);
        if (c < 0) return td_fail(e, TD_ENOMEM, "%s: out of memory", src);
        if (c > 0) return TD_OK; /* Keras History written with indent */
        return td_fail(e, TD_EINPUT, "%s:1: JSON document with neither a log_history array (trainer_state.json) nor arrays of numbers (Keras History)", src);
    }
    j->xkey = 1; /* step */
    td_code rc = td_log_builder_x_name(j->b, "step");
    size_t n = json_object_array_length(hist);
    for (size_t i = 0; i < n && rc == TD_OK; i++) {
        json_object *ent = json_object_array_get_idx(hist, i), *skip;
        if (!json_object_is_type(ent, json_type_object)) {
            rc = td_log_builder_bad(j->b, i + 1);
            continue;
        }
        if (json_object_object_get_ex(ent, "train_runtime", &skip)) continue; /* end-of-training summary */
        rc = cv_json_row(j, ent, i + 1, e);
    }
    json_object_put(root);
    td_buf_free(&j->doc);
    if (rc == TD_ENOMEM && e && !e->msg[0]) td_fail(e, rc, "%s: out of memory", src);
    return rc;
}

static td_code cv_hf_finish(void *st, td_err *e)
{
    cv_json *j = st;
    if (j->rows == 0) return td_fail(e, TD_EINPUT, "%s: log_history holds no entry with a number", td_log_builder_source(j->b));
    return TD_OK;
}

const td_log_parser td_log_parser_jsonl = {
    TD_FMT_JSONL, cv_json_new, cv_json_free, cv_jsonl_line, NULL, cv_jsonl_finish,
};
const td_log_parser td_log_parser_hf = {
    TD_FMT_HF_STATE, cv_json_new, cv_json_free, NULL, cv_hf_bytes, cv_hf_finish,
};
