/* st_jsonl.c — trials as JSON lines (one object per line) or one JSON
 * array of objects, parsed with json-c into the raw table: nested objects
 * flattened with '.', numbers as %.17g text, booleans True/False, null and
 * absent keys as missing cells, arrays kept as their JSON text. */
#include "td_study.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    td_st_table *t;
    size_t rowcap;
    const char *name;
    td_err *e;
} st_build;

static long col_index(st_build *b, const char *key)
{
    td_st_table *t = b->t;
    for (size_t c = 0; c < t->ncol; c++)
        if (strcmp(t->names[c], key) == 0) return (long)c;
    /* a new column: widen every row already read */
    char **names = realloc(t->names, (t->ncol + 1) * sizeof *names);
    if (!names) return -1;
    t->names = names;
    if (!(names[t->ncol] = strdup(key))) return -1;
    size_t nc = t->ncol + 1;
    if (b->rowcap) {
        char **cells = calloc(b->rowcap * nc, sizeof *cells);
        if (!cells) { free(names[t->ncol]); return -1; }
        for (size_t r = 0; r < t->nrow; r++)
            memcpy(cells + r * nc, t->cells + r * t->ncol, t->ncol * sizeof *cells);
        free(t->cells);
        t->cells = cells;
    }
    t->ncol = nc;
    return (long)(nc - 1);
}

static int add_row(st_build *b, size_t line)
{
    td_st_table *t = b->t;
    if (t->nrow == b->rowcap) {
        size_t cap = b->rowcap ? 2 * b->rowcap : 64, n;
        if (td_mul_size(cap, t->ncol ? t->ncol : 1, &n) != 0) return -1;
        char **cells = calloc(n, sizeof *cells);
        size_t *rows = realloc(t->row, cap * sizeof *rows);
        if (rows) t->row = rows;
        if (!cells || !rows) { free(cells); return -1; }
        if (t->cells) memcpy(cells, t->cells, t->nrow * t->ncol * sizeof *cells);
        free(t->cells);
        t->cells = cells;
        b->rowcap = cap;
    }
    t->row[t->nrow++] = line;
    return 0;
}

static int put(st_build *b, const char *key, json_object *v)
{
    if (v && json_object_is_type(v, json_type_object)) {
        json_object_object_foreach(v, k, sub) {
            size_t n = strlen(key) + strlen(k) + 2;
            char *full = malloc(n);
            if (!full) return -1;
            snprintf(full, n, "%s.%s", key, k);
            int r = put(b, full, sub);
            free(full);
            if (r) return r;
        }
        return 0;
    }
    long c = col_index(b, key);
    if (c < 0) return -1;
    td_st_table *t = b->t;
    char **cell = &t->cells[(t->nrow - 1) * t->ncol + (size_t)c];
    free(*cell);
    *cell = NULL;
    if (!v) return 0;
    char num[64];
    const char *s;
    switch (json_object_get_type(v)) {
    case json_type_double: snprintf(num, sizeof num, "%.17g", json_object_get_double(v)); s = num; break;
    case json_type_int: snprintf(num, sizeof num, "%lld", (long long)json_object_get_int64(v)); s = num; break;
    case json_type_boolean: s = json_object_get_boolean(v) ? "True" : "False"; break;
    case json_type_string: s = json_object_get_string(v); if (!*s) return 0; break;
    default: s = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN); break;
    }
    return (*cell = strdup(s)) ? 0 : -1;
}

static td_code add_object(st_build *b, json_object *o, size_t line)
{
    if (!json_object_is_type(o, json_type_object))
        return td_fail(b->e, TD_EINPUT, "%s: %s %zu: a trial must be a JSON object", b->name,
                       b->t->row_word ? b->t->row_word : "line", line);
    if (add_row(b, line) != 0) return td_fail(b->e, TD_ENOMEM, "%s: out of memory", b->name);
    json_object_object_foreach(o, k, v) {
        if (put(b, k, v) != 0) return td_fail(b->e, TD_ENOMEM, "%s: out of memory", b->name);
    }
    return TD_OK;
}


td_code td_st_jsonl(const char *name, const char *data, size_t len, td_st_table *t, td_err *e)
{
    memset(t, 0, sizeof *t);
    st_build b = {t, 0, name, e};
    json_tokener *tok = json_tokener_new();
    if (!tok) return td_fail(e, TD_ENOMEM, "%s: out of memory", name);
    td_code rc = TD_OK;
    size_t pos = 0, seen = 0, line = 1; /* line counted up to byte `seen` */
    while (pos < len && rc == TD_OK) {
        while (pos < len && (data[pos] == ' ' || data[pos] == '\t' || data[pos] == '\r' || data[pos] == '\n')) pos++;
        if (pos >= len) break;
        for (; seen < pos; seen++) line += data[seen] == '\n';
        json_tokener_reset(tok);
        size_t rest = len - pos;
        json_object *o = json_tokener_parse_ex(tok, data + pos, rest > 0x7fffffff ? 0x7fffffff : (int)rest);
        enum json_tokener_error je = json_tokener_get_error(tok);
        if (!o || je != json_tokener_success) {
            json_object_put(o);
            rc = td_fail(e, TD_EINPUT, "%s: line %zu: invalid JSON: %s", name, line,
                         je == json_tokener_continue ? "unexpected end of input" : json_tokener_error_desc(je));
            break;
        }
        size_t used = json_tokener_get_parse_end(tok);
        if (json_object_is_type(o, json_type_array)) {
            t->row_word = "record";
            for (size_t i = 0; i < json_object_array_length(o) && rc == TD_OK; i++)
                rc = add_object(&b, json_object_array_get_idx(o, i), i + 1);
        } else {
            rc = add_object(&b, o, line);
        }
        json_object_put(o);
        pos += used;
    }
    json_tokener_free(tok);
    if (!t->row_word) t->row_word = "line";
    if (rc == TD_OK && t->nrow == 0) rc = td_fail(e, TD_EINPUT, "%s: line 1: no trials (no JSON objects)", name);
    if (rc != TD_OK) td_st_table_free(t);
    return rc;
}
