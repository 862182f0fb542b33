/* st_space.c — the search-space spec (JSON via json-c): one entry per
 * hyperparameter with its type (float, int, categorical), range, log scale
 * and an optional condition; also W&B sweep "parameters" blocks
 * (min/max, values, distribution log_uniform_values / int_uniform).
 * Applying a spec to a study checks that every spec hyperparameter is a
 * column and every value fits its type, values and range. */
#include "td_study.h"

#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct { const char *name; td_hp_type type; } TYPES[] = {
    {"float", TD_HP_FLOAT}, {"double", TD_HP_FLOAT}, {"real", TD_HP_FLOAT}, {"continuous", TD_HP_FLOAT},
    {"int", TD_HP_INT}, {"integer", TD_HP_INT}, {"discrete", TD_HP_INT},
    {"categorical", TD_HP_CAT}, {"choice", TD_HP_CAT}, {"cat", TD_HP_CAT}, {"bool", TD_HP_CAT},
};

void td_space_free(td_space *sp)
{
    if (!sp) return;
    for (size_t i = 0; i < sp->n; i++) {
        td_space_hp *h = &sp->hp[i];
        free(h->name);
        for (size_t l = 0; l < h->nlevels; l++) free(h->levels[l]);
        free(h->levels);
        free(h->cond_hp);
        free(h->cond_value);
    }
    free(sp->hp);
    free(sp);
}

static json_object *get(json_object *o, const char *k)
{
    json_object *v = NULL;
    return json_object_object_get_ex(o, k, &v) ? v : NULL;
}

static int is_num(json_object *v)
{
    return v && (json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int));
}

/* Text of a scalar JSON value (levels, condition values). */
static char *scalar_text(json_object *v)
{
    if (!v) return NULL;
    if (json_object_is_type(v, json_type_string)) return strdup(json_object_get_string(v));
    if (json_object_is_type(v, json_type_boolean)) return strdup(json_object_get_boolean(v) ? "True" : "False");
    if (json_object_is_type(v, json_type_int)) {
        char b[32];
        snprintf(b, sizeof b, "%lld", (long long)json_object_get_int64(v));
        return strdup(b);
    }
    if (json_object_is_type(v, json_type_double)) {
        char b[40];
        snprintf(b, sizeof b, "%.15g", json_object_get_double(v));
        return strdup(b);
    }
    return NULL;
}

static td_code parse_hp(const char *file, const char *name, json_object *o, td_space_hp *h, td_err *e)
{
    char safe[96];
    td_safe_text(safe, sizeof safe, name);
    if (!json_object_is_type(o, json_type_object))
        return td_fail(e, TD_EINPUT, "%s: hyperparameter %s: expected an object", file, safe);
    if (!(h->name = strdup(name))) return td_fail(e, TD_ENOMEM, "%s: out of memory", file);
    json_object *type = get(o, "type"), *range = get(o, "range"), *values = get(o, "values");
    if (!values) values = get(o, "choices");
    json_object *lo = get(o, "min"), *hi = get(o, "max");
    if (!lo) lo = get(o, "low");
    if (!hi) hi = get(o, "high");
    json_object *dist = get(o, "distribution"), *scale = get(o, "scale"), *logv = get(o, "log");
    const char *d = dist ? json_object_get_string(dist) : "";
    int have_type = 0;
    if (type) {
        const char *t = json_object_get_string(type);
        for (size_t i = 0; i < sizeof TYPES / sizeof TYPES[0]; i++)
            if (strcasecmp(t, TYPES[i].name) == 0) { h->type = TYPES[i].type; have_type = 1; }
        if (!have_type)
            return td_fail(e, TD_EINPUT, "%s: hyperparameter %s: unknown type '%.32s' (float, int, categorical)",
                           file, safe, t);
    }
    if (values) {
        if (!json_object_is_type(values, json_type_array) || json_object_array_length(values) == 0)
            return td_fail(e, TD_EINPUT, "%s: hyperparameter %s: values must be a non-empty array", file, safe);
        if (!have_type) h->type = TD_HP_CAT;
        size_t n = json_object_array_length(values);
        if (!(h->levels = calloc(n, sizeof *h->levels))) return td_fail(e, TD_ENOMEM, "%s: out of memory", file);
        for (size_t i = 0; i < n; i++) {
            if (!(h->levels[i] = scalar_text(json_object_array_get_idx(values, i))))
                return td_fail(e, TD_EINPUT, "%s: hyperparameter %s: value %zu is not a scalar", file, safe, i + 1);
            h->nlevels++;
        }
        h->lo = 0;
        h->hi = (double)(n - 1);
    } else {
        if (range) {
            if (!json_object_is_type(range, json_type_array) || json_object_array_length(range) != 2)
                return td_fail(e, TD_EINPUT, "%s: hyperparameter %s: range must be [low, high]", file, safe);
            lo = json_object_array_get_idx(range, 0);
            hi = json_object_array_get_idx(range, 1);
        }
        if (!is_num(lo) || !is_num(hi))
            return td_fail(e, TD_EINPUT, "%s: hyperparameter %s: needs a numeric range [low, high] or values",
                           file, safe);
        h->lo = json_object_get_double(lo);
        h->hi = json_object_get_double(hi);
        if (!have_type)
            h->type = (strstr(d, "int") || (json_object_is_type(lo, json_type_int) &&
                                            json_object_is_type(hi, json_type_int) && !strstr(d, "uniform")))
                          ? TD_HP_INT : TD_HP_FLOAT;
        if (strstr(d, "int_uniform")) h->type = TD_HP_INT;
        if (h->type == TD_HP_CAT)
            return td_fail(e, TD_EINPUT, "%s: hyperparameter %s: a categorical needs values", file, safe);
        h->log = (logv && json_object_get_boolean(logv)) ||
                 (scale && strcasecmp(json_object_get_string(scale), "log") == 0) || strstr(d, "log") != NULL;
        if (strstr(d, "log_uniform") && !strstr(d, "values")) { /* W&B: bounds are natural logs */
            h->lo = exp(h->lo);
            h->hi = exp(h->hi);
        }
        if (!isfinite(h->lo) || !isfinite(h->hi) || !(h->lo < h->hi))
            return td_fail(e, TD_EINPUT, "%s: hyperparameter %s: range needs low < high", file, safe);
        if (h->log && h->lo <= 0)
            return td_fail(e, TD_EINPUT, "%s: hyperparameter %s: a log scale needs low > 0", file, safe);
    }
    json_object *cond = get(o, "condition");
    if (cond) {
        if (!json_object_is_type(cond, json_type_object) || json_object_object_length(cond) != 1)
            return td_fail(e, TD_EINPUT, "%s: hyperparameter %s: condition must be {\"parent\": value}", file, safe);
        json_object_object_foreach(cond, k, v) {
            if (json_object_is_type(v, json_type_array) && json_object_array_length(v) > 0)
                v = json_object_array_get_idx(v, 0);
            h->cond_hp = strdup(k);
            h->cond_value = scalar_text(v);
            if (!h->cond_hp || !h->cond_value)
                return td_fail(e, TD_EINPUT, "%s: hyperparameter %s: condition value must be a scalar", file, safe);
        }
    }
    return TD_OK;
}

td_code td_space_read_mem(const char *name, const char *data, size_t len, td_space **out, td_err *e)
{
    *out = NULL;
    json_tokener *tok = json_tokener_new();
    if (!tok) return td_fail(e, TD_ENOMEM, "%s: out of memory", name);
    json_object *root = json_tokener_parse_ex(tok, data, len > 0x7fffffff ? 0x7fffffff : (int)len);
    enum json_tokener_error je = json_tokener_get_error(tok);
    json_tokener_free(tok);
    if (!root || je != json_tokener_success) {
        json_object_put(root);
        return td_fail(e, TD_EINPUT, "%s: invalid JSON: %s", name,
                       je == json_tokener_continue ? "unexpected end of input" : json_tokener_error_desc(je));
    }
    td_code rc = TD_OK;
    td_space *sp = calloc(1, sizeof *sp);
    json_object *list = root;
    if (json_object_is_type(root, json_type_object)) {
        list = get(root, "hyperparameters");
        if (!list) list = get(root, "parameters"); /* W&B sweep config */
        if (!list) list = get(root, "search_space");
    }
    if (!sp) { rc = td_fail(e, TD_ENOMEM, "%s: out of memory", name); goto done; }
    if (!list || !(json_object_is_type(list, json_type_array) || json_object_is_type(list, json_type_object))) {
        rc = td_fail(e, TD_EINPUT, "%s: expected {\"hyperparameters\": [...]} or an array of hyperparameters", name);
        goto done;
    }
    size_t n = json_object_is_type(list, json_type_array) ? json_object_array_length(list)
                                                            : (size_t)json_object_object_length(list);
    if (!(sp->hp = calloc(n ? n : 1, sizeof *sp->hp))) { rc = td_fail(e, TD_ENOMEM, "%s: out of memory", name); goto done; }
    if (json_object_is_type(list, json_type_array)) {
        for (size_t i = 0; i < n && rc == TD_OK; i++) {
            json_object *o = json_object_array_get_idx(list, i), *nm = o ? get(o, "name") : NULL;
            if (!nm || !json_object_is_type(nm, json_type_string)) {
                rc = td_fail(e, TD_EINPUT, "%s: hyperparameter %zu has no \"name\"", name, i + 1);
                break;
            }
            rc = parse_hp(name, json_object_get_string(nm), o, &sp->hp[sp->n++], e);
        }
    } else {
        json_object_object_foreach(list, k, o) {
            if (rc != TD_OK) break;
            if (o && json_object_is_type(o, json_type_object) && get(o, "value") && !get(o, "values"))
                continue; /* W&B fixed value: not tuned */
            rc = parse_hp(name, k, o, &sp->hp[sp->n++], e);
        }
    }
    for (size_t i = 0; rc == TD_OK && i < sp->n; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(sp->hp[i].name, sp->hp[j].name) == 0) {
                char safe[96];
                rc = td_fail(e, TD_EINPUT, "%s: hyperparameter %s is listed twice", name,
                             td_safe_text(safe, sizeof safe, sp->hp[i].name));
                break;
            }
done:
    json_object_put(root);
    if (rc != TD_OK) { td_space_free(sp); return rc; }
    *out = sp;
    return TD_OK;
}

td_code td_space_read(const char *path, td_space **out, td_err *e)
{
    char *data;
    size_t len;
    *out = NULL;
    td_code rc = td_st_slurp(path, &data, &len, e);
    if (rc != TD_OK) return rc;
    rc = td_space_read_mem(path, data, len, out, e);
    free(data);
    return rc;
}

double td_hp_unit(const td_hp *h, double v)
{
    if (!(h->hi > h->lo)) return 0.5;
    if (h->log && h->lo > 0 && v > 0) return (log(v) - log(h->lo)) / (log(h->hi) - log(h->lo));
    return (v - h->lo) / (h->hi - h->lo);
}

double td_space_map(const td_space_hp *h, double u)
{
    if (u < 0) u = 0;
    if (u >= 1) u = nextafter(1.0, 0.0);
    if (h->type == TD_HP_CAT) return floor(u * (double)h->nlevels);
    if (h->type == TD_HP_INT) {
        double v = h->log ? floor(exp(log(h->lo) + u * (log(h->hi + 1) - log(h->lo))))
                          : h->lo + floor(u * (h->hi - h->lo + 1));
        return v > h->hi ? h->hi : v < h->lo ? h->lo : v;
    }
    return h->log ? exp(log(h->lo) + u * (log(h->hi) - log(h->lo))) : h->lo + u * (h->hi - h->lo);
}

/* Index of level text v among levels, comparing as numbers when both are. */
static long level_of(char *const *levels, size_t n, const char *v)
{
    double a, b;
    int anum = td_st_number(v, &a) == 0;
    for (size_t l = 0; l < n; l++) {
        if (strcmp(levels[l], v) == 0) return (long)l;
        if (anum && td_st_number(levels[l], &b) == 0 && a == b) return (long)l;
    }
    return -1;
}

/* First trial of h with a value, or whose value is v (NAN = any). */
static td_code bad_value(const td_study *s, const td_hp *h, size_t i, const char *what, td_err *e)
{
    char cname[96];
    return td_fail(e, TD_EINPUT, "%s: column %s, %s %zu: %s", s->source,
                   td_safe_text(cname, sizeof cname, h->name), s->row_word, s->row[i], what);
}

static td_code retype(td_study *s, td_hp *h, const td_space_hp *sh, const char *spec, td_err *e)
{
    char msg[256], lv[64];
    if (sh->type != TD_HP_CAT) {
        if (h->type == TD_HP_CAT) { /* text where the spec wants numbers */
            for (size_t i = 0; i < s->n; i++)
                if (!isnan(h->v[i])) {
                    snprintf(msg, sizeof msg, "'%s' is not a number (%s says %s)",
                             td_safe_text(lv, sizeof lv, h->levels[(size_t)h->v[i]]), spec,
                             sh->type == TD_HP_INT ? "int" : "float");
                    return bad_value(s, h, i, msg, e);
                }
        }
        double tol = 1e-9 * (sh->hi - sh->lo);
        for (size_t i = 0; i < s->n; i++) {
            double v = h->v[i];
            if (isnan(v)) continue;
            if (sh->type == TD_HP_INT && v != floor(v)) {
                snprintf(msg, sizeof msg, "%.10g is not an integer (%s says int)", v, spec);
                return bad_value(s, h, i, msg, e);
            }
            if (v < sh->lo - tol || v > sh->hi + tol) {
                snprintf(msg, sizeof msg, "%.10g is outside the range [%g, %g] of %s", v, sh->lo, sh->hi, spec);
                return bad_value(s, h, i, msg, e);
            }
        }
        h->type = sh->type;
    } else {
        /* map table values (text levels or numbers) to the spec's levels */
        for (size_t i = 0; i < s->n; i++) {
            if (isnan(h->v[i])) continue;
            char num[40];
            const char *text = num;
            if (h->type == TD_HP_CAT) text = h->levels[(size_t)h->v[i]];
            else snprintf(num, sizeof num, "%.17g", h->v[i]);
            long l = level_of(sh->levels, sh->nlevels, text);
            if (l < 0) {
                snprintf(msg, sizeof msg, "'%s' is not one of the values of %s",
                         td_safe_text(lv, sizeof lv, text), spec);
                return bad_value(s, h, i, msg, e);
            }
            h->v[i] = (double)l;
        }
        for (size_t l = 0; l < h->nlevels; l++) free(h->levels[l]);
        free(h->levels);
        h->nlevels = 0;
        if (!(h->levels = calloc(sh->nlevels, sizeof *h->levels))) return td_fail(e, TD_ENOMEM, "out of memory");
        for (size_t l = 0; l < sh->nlevels; l++) {
            if (!(h->levels[l] = strdup(sh->levels[l]))) return td_fail(e, TD_ENOMEM, "out of memory");
            h->nlevels++;
        }
        h->type = TD_HP_CAT;
    }
    h->lo = sh->lo;
    h->hi = sh->hi;
    h->log = sh->log;
    h->spec_range = 1;
    free(h->cond_hp);
    free(h->cond_value);
    h->cond_hp = h->cond_value = NULL;
    if (sh->cond_hp && (!(h->cond_hp = strdup(sh->cond_hp)) || !(h->cond_value = strdup(sh->cond_value))))
        return td_fail(e, TD_ENOMEM, "out of memory");
    return TD_OK;
}

td_code td_study_apply_space(td_study *s, const td_space *sp, const char *spec_name, td_err *e)
{
    char safe[96];
    for (size_t i = 0; i < sp->n; i++) {
        long k = td_study_find_hp(s, sp->hp[i].name);
        if (k < 0)
            return td_fail(e, TD_EINPUT, "%s: line 1: no column for hyperparameter '%s' of %s", s->source,
                           td_safe_text(safe, sizeof safe, sp->hp[i].name), spec_name);
        td_code rc = retype(s, &s->hp[k], &sp->hp[i], spec_name, e);
        if (rc != TD_OK) return rc;
    }
    return TD_OK;
}
