/* dp_walk.c — layout detection and the walk of one file into tensors:
 * tdiag's /step_<N>/<layer>/..., Keras 2 and Keras 3 legacy model_weights
 * (+ optimizer_weights), Keras 3 .weights.h5, and any other file walked
 * recursively. Nothing is read here but attributes and scalars. */
#include "td_dump.h"

#include <hdf5.h>
#include <json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "td_h5.h"

#define MAX_NAMES 1000000
#define MAX_STRLEN (1u << 20)
#define MAX_DEPTH 64

/* ---- small lists ------------------------------------------------------------ */
typedef struct { char **v; size_t n, cap; } strlist;

static int sl_push(strlist *l, const char *s, size_t len)
{
    if (l->n == l->cap) {
        size_t nc = l->cap ? 2 * l->cap : 16;
        char **nv = realloc(l->v, nc * sizeof *nv);
        if (!nv) return -1;
        l->v = nv; l->cap = nc;
    }
    char *c = malloc(len + 1);
    if (!c) return -1;
    memcpy(c, s, len);
    c[len] = 0;
    l->v[l->n++] = c;
    return 0;
}
static void sl_free(strlist *l)
{
    for (size_t i = 0; i < l->n; i++) free(l->v[i]);
    free(l->v);
    l->v = NULL; l->n = l->cap = 0;
}

static td_code note(td_dump_walk *w, td_err *e, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static td_code note(td_dump_walk *w, td_err *e, const char *fmt, ...)
{
    char buf[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    char **nv = realloc(w->notes, (w->nnotes + 1) * sizeof *nv);
    if (!nv) return td_fail(e, TD_ENOMEM, "out of memory");
    w->notes = nv;
    if (!(w->notes[w->nnotes] = strdup(buf))) return td_fail(e, TD_ENOMEM, "out of memory");
    w->nnotes++;
    return TD_OK;
}

static td_code add_entry(td_dump_walk *w, td_err *e, const char *path, long long step,
                         const char *layer, int depth, const char *act, td_dump_kind kind,
                         const char *param, const char *slot)
{
    td_dump_entry *ne = realloc(w->e, (w->n + 1) * sizeof *ne);
    if (!ne) return td_fail(e, TD_ENOMEM, "out of memory");
    w->e = ne;
    td_dump_entry *x = &w->e[w->n];
    memset(x, 0, sizeof *x);
    x->path = strdup(path);
    x->layer = strdup(layer);
    x->param = strdup(param);
    x->slot = slot ? strdup(slot) : NULL;
    if (!x->path || !x->layer || !x->param || (slot && !x->slot)) {
        free(x->path); free(x->layer); free(x->param); free(x->slot);
        return td_fail(e, TD_ENOMEM, "out of memory");
    }
    x->step = step;
    x->depth = depth;
    x->kind = kind;
    snprintf(x->act, sizeof x->act, "%s", act ? act : "");
    w->n++;
    return TD_OK;
}

void td_dump_walk_free(td_dump_walk *w)
{
    if (!w) return;
    for (size_t i = 0; i < w->n; i++) {
        free(w->e[i].path); free(w->e[i].layer); free(w->e[i].param); free(w->e[i].slot);
    }
    free(w->e);
    for (size_t i = 0; i < w->nnotes; i++) free(w->notes[i]);
    free(w->notes);
    free(w->model_config);
    memset(w, 0, sizeof *w);
}

/* ---- attributes ------------------------------------------------------------------ */
/* Read attribute name of obj as a list of strings (scalar or 1-D, fixed or
 * variable length). A missing attribute or an empty numeric array is an
 * empty list; returns -1 when it exists but is not strings, or is too big. */
static int attr_strings(hid_t obj, const char *name, strlist *out)
{
    int rc = -1;
    hid_t a = H5I_INVALID_HID, t = H5I_INVALID_HID, sp = H5I_INVALID_HID, mt = H5I_INVALID_HID;
    char *raw = NULL;
    char **vl = NULL;
    if (H5Aexists(obj, name) <= 0) return 0;
    if ((a = H5Aopen(obj, name, H5P_DEFAULT)) < 0) goto done;
    if ((t = H5Aget_type(a)) < 0 || (sp = H5Aget_space(a)) < 0) goto done;
    hssize_t n = H5Sget_simple_extent_npoints(sp);
    if (n < 0 || n > MAX_NAMES) goto done;
    if (H5Tget_class(t) != H5T_STRING) { rc = n == 0 ? 0 : -1; goto done; }
    if (n == 0) { rc = 0; goto done; }
    if ((mt = H5Tcopy(H5T_C_S1)) < 0) goto done;
    H5Tset_cset(mt, H5Tget_cset(t));
    if (H5Tis_variable_str(t) > 0) {
        if (H5Tset_size(mt, H5T_VARIABLE) < 0) goto done;
        vl = calloc((size_t)n, sizeof *vl);
        if (!vl || H5Aread(a, mt, vl) < 0) { free(vl); vl = NULL; goto done; }
        rc = 0;
        for (hssize_t i = 0; i < n && rc == 0; i++)
            if (vl[i] && sl_push(out, vl[i], strnlen(vl[i], MAX_STRLEN)) < 0) rc = -1;
        H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, vl);
        free(vl);
    } else {
        size_t sz = H5Tget_size(t);
        if (sz == 0 || sz > MAX_STRLEN || (size_t)n > (64u << 20) / sz) goto done;
        if (H5Tset_size(mt, sz) < 0 || H5Tset_strpad(mt, H5T_STR_NULLPAD) < 0) goto done;
        raw = malloc((size_t)n * sz);
        if (!raw || H5Aread(a, mt, raw) < 0) goto done;
        rc = 0;
        for (hssize_t i = 0; i < n && rc == 0; i++) {
            const char *s = raw + (size_t)i * sz;
            size_t len = strnlen(s, sz);
            while (len && s[len - 1] == ' ') len--;
            if (sl_push(out, s, len) < 0) rc = -1;
        }
    }
done:
    free(raw);
    if (mt >= 0) H5Tclose(mt);
    if (sp >= 0) H5Sclose(sp);
    if (t >= 0) H5Tclose(t);
    if (a >= 0) H5Aclose(a);
    return rc;
}

/* First string of attribute name into buf ("" when absent). */
static void attr_string(hid_t obj, const char *name, char *buf, size_t cap)
{
    strlist l = {0};
    buf[0] = 0;
    if (attr_strings(obj, name, &l) == 0 && l.n) snprintf(buf, cap, "%s", l.v[0]);
    sl_free(&l);
}

/* Heap copy of the first string of attribute name, or NULL. */
static char *attr_string_dup(hid_t obj, const char *name)
{
    strlist l = {0};
    char *s = NULL;
    if (attr_strings(obj, name, &l) == 0 && l.n) { s = l.v[0]; l.v[0] = NULL; }
    for (size_t i = 1; i < l.n; i++) free(l.v[i]);
    free(l.v);
    return s;
}

/* Numeric scalar attribute as double; NaN when absent or not numeric. */
static double attr_number(hid_t obj, const char *name)
{
    double v = NAN;
    if (H5Aexists(obj, name) <= 0) return v;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a < 0) return v;
    hid_t t = H5Aget_type(a), sp = H5Aget_space(a);
    if (t >= 0 && sp >= 0) {
        H5T_class_t c = H5Tget_class(t);
        if ((c == H5T_INTEGER || c == H5T_FLOAT) && H5Sget_simple_extent_npoints(sp) == 1)
            if (H5Aread(a, H5T_NATIVE_DOUBLE, &v) < 0) v = NAN;
    }
    if (sp >= 0) H5Sclose(sp);
    if (t >= 0) H5Tclose(t);
    H5Aclose(a);
    return v;
}

/* A numeric scalar (or 1-element) dataset as double; NaN otherwise (also
 * when reaching it or its values would leave the file: nothing is read). */
static double scalar_dataset(hid_t f, const char *path)
{
    double v = NAN;
    if (td_h5_check_path((int64_t)f, "", path, NULL) != TD_OK) return v;
    hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
    if (d < 0) return v;
    if (td_h5_check_dataset((int64_t)d, "", path, NULL) != TD_OK) { H5Dclose(d); return v; }
    hid_t t = H5Dget_type(d), sp = H5Dget_space(d);
    if (t >= 0 && sp >= 0) {
        H5T_class_t c = H5Tget_class(t);
        if ((c == H5T_INTEGER || c == H5T_FLOAT) && H5Sget_simple_extent_npoints(sp) == 1)
            if (H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, &v) < 0) v = NAN;
    }
    if (sp >= 0) H5Sclose(sp);
    if (t >= 0) H5Tclose(t);
    H5Dclose(d);
    return v;
}

/* ---- links -------------------------------------------------------------------- */
static herr_t collect_cb(hid_t g, const char *name, const H5L_info_t *info, void *op)
{
    (void)g; (void)info;
    strlist *l = op;
    if (l->n >= MAX_NAMES) return 1;
    return sl_push(l, name, strlen(name)) < 0 ? -1 : 0;
}

/* Names of the links in group path, in name order. */
static td_code list_names(hid_t f, const char *file, const char *path, strlist *out, td_err *e)
{
    if (td_h5_check_path((int64_t)f, file, path, e) != TD_OK) return TD_EINPUT;
    hid_t g = H5Gopen2(f, path, H5P_DEFAULT);
    if (g < 0) return td_fail(e, TD_EINPUT, "%s: %s: cannot open the group", file, path);
    hsize_t idx = 0;
    herr_t r = H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, &idx, collect_cb, out);
    H5Gclose(g);
    if (r < 0) return td_fail(e, TD_EINPUT, "%s: %s: cannot list the group", file, path);
    return TD_OK;
}

typedef enum { LK_GROUP, LK_DATASET, LK_OTHER, LK_SOFT } link_kind;

/* What path is: a group, a dataset, something else, or a soft/external link
 * (never followed). *addr receives the object address. */
static td_code link_kind_of(hid_t f, const char *file, const char *path, link_kind *k,
                            haddr_t *addr, td_err *e)
{
    H5L_info_t li;
    if (H5Lget_info(f, path, &li, H5P_DEFAULT) < 0)
        return td_fail(e, TD_EINPUT, "%s: %s: cannot read the link", file, path);
    if (li.type != H5L_TYPE_HARD) { *k = LK_SOFT; return TD_OK; }
    H5O_info_t oi;
    if (H5Oget_info_by_name2(f, path, &oi, H5O_INFO_BASIC, H5P_DEFAULT) < 0)
        return td_fail(e, TD_EINPUT, "%s: %s: cannot read the object (corrupt file?)", file, path);
    *addr = oi.addr;
    *k = oi.type == H5O_TYPE_GROUP ? LK_GROUP : oi.type == H5O_TYPE_DATASET ? LK_DATASET : LK_OTHER;
    return TD_OK;
}

/* dst = a + "/" + b (a "/" root gives "/b"), cut to cap - 1 bytes. */
static void join(char *dst, size_t cap, const char *a, const char *b)
{
    size_t la = strcmp(a, "/") == 0 ? 0 : strlen(a), lb = strlen(b), n = 0;
    if (la > cap - 2) la = cap - 2;
    memcpy(dst, a, la);
    n = la;
    dst[n++] = '/';
    if (lb > cap - 1 - n) lb = cap - 1 - n;
    memcpy(dst + n, b, lb);
    dst[n + lb] = 0;
}

/* Class of a dataset's type: 1 numeric, 0 not, -1 unreadable. */
static int is_numeric(hid_t f, const char *path)
{
    hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
    if (d < 0) return -1;
    hid_t t = H5Dget_type(d);
    int r = -1;
    if (t >= 0) {
        H5T_class_t c = H5Tget_class(t);
        r = c == H5T_INTEGER || c == H5T_FLOAT;
        H5Tclose(t);
    }
    H5Dclose(d);
    return r;
}

/* ---- generic: every numeric dataset, recursively ------------------------------- */
typedef struct {
    hid_t f;
    const char *file;
    td_dump_walk *w;
    haddr_t stack[MAX_DEPTH];
    int nstack;
    int order;
} gwalk;

static td_code walk_generic(gwalk *g, const char *path, td_err *e)
{
    strlist names = {0};
    td_code rc = list_names(g->f, g->file, path, &names, e);
    char child[4096];
    for (size_t i = 0; rc == TD_OK && i < names.n; i++) {
        join(child, sizeof child, path, names.v[i]);
        link_kind k;
        haddr_t addr = 0;
        if ((rc = link_kind_of(g->f, g->file, child, &k, &addr, e)) != TD_OK) break;
        if (k == LK_SOFT) { rc = note(g->w, e, "%s: soft or external link, not followed", child); continue; }
        if (k == LK_OTHER) continue;
        if (k == LK_GROUP) {
            for (int s = 0; s < g->nstack; s++)
                if (g->stack[s] == addr) { rc = td_fail(e, TD_EINPUT, "%s: %s: link cycle (the group contains itself)", g->file, child); break; }
            if (rc != TD_OK) break;
            if (g->nstack >= MAX_DEPTH) { rc = td_fail(e, TD_EINPUT, "%s: %s: groups nested deeper than %d", g->file, child, MAX_DEPTH); break; }
            g->stack[g->nstack++] = addr;
            rc = walk_generic(g, child, e);
            g->nstack--;
            continue;
        }
        int num = is_numeric(g->f, child);
        if (num < 0) { rc = td_fail(e, TD_EINPUT, "%s: %s: cannot open the dataset", g->file, child); break; }
        if (!num) { rc = note(g->w, e, "%s: not numbers, skipped", child); continue; }
        rc = add_entry(g->w, e, child, -1, path, g->order++, "", TD_DK_OTHER, names.v[i], NULL);
    }
    sl_free(&names);
    return rc;
}

static td_code walk_generic_root(hid_t f, const char *file, const char *path, td_dump_walk *w, td_err *e)
{
    gwalk g;
    memset(&g, 0, sizeof g);
    g.f = f; g.file = file; g.w = w;
    H5O_info_t oi;
    if (H5Oget_info_by_name2(f, path, &oi, H5O_INFO_BASIC, H5P_DEFAULT) < 0)
        return td_fail(e, TD_EINPUT, "%s: %s: cannot read the group", file, path);
    g.stack[g.nstack++] = oi.addr;
    return walk_generic(&g, path, e);
}

/* ---- tdiag: /step_<N>/<layer>/{<param>, grad/<param>, activation} ---------------- */
static int parse_step(const char *name, long long *step)
{
    if (strncmp(name, "step_", 5) != 0 || !name[5]) return 0;
    long long v = 0;
    for (const char *p = name + 5; *p; p++) {
        if (*p < '0' || *p > '9' || v > 100000000000000LL) return 0;
        v = v * 10 + (*p - '0');
    }
    *step = v;
    return 1;
}

static void read_opt_attrs(hid_t obj, td_dump_walk *w)
{
    double lr = attr_number(obj, "lr");
    if (isfinite(lr)) w->lr = lr;
    char opt[32];
    attr_string(obj, "optimizer", opt, sizeof opt);
    if (opt[0]) {
        for (char *p = opt; *p; p++) if (*p >= 'A' && *p <= 'Z') *p += 32;
        snprintf(w->optimizer, sizeof w->optimizer, "%s", opt);
    }
}

static td_code walk_tdiag_layer(hid_t f, const char *file, const char *lpath, const char *lname,
                                long long step, td_dump_walk *w, haddr_t *stack, int nstack, td_err *e)
{
    hid_t g = H5Gopen2(f, lpath, H5P_DEFAULT);
    if (g < 0) return td_fail(e, TD_EINPUT, "%s: %s: cannot open the layer group", file, lpath);
    char act[16];
    attr_string(g, "activation", act, sizeof act);
    for (char *p = act; *p; p++) if (*p >= 'A' && *p <= 'Z') *p += 32;
    double dep = attr_number(g, "depth");
    int depth = isfinite(dep) && dep >= 0 && dep < 1e6 ? (int)dep : -1;
    H5Gclose(g);
    strlist names = {0};
    td_code rc = list_names(f, file, lpath, &names, e);
    char child[4096], gc[4096];
    for (size_t i = 0; rc == TD_OK && i < names.n; i++) {
        join(child, sizeof child, lpath, names.v[i]);
        link_kind k;
        haddr_t addr = 0;
        if ((rc = link_kind_of(f, file, child, &k, &addr, e)) != TD_OK) break;
        if (k == LK_SOFT) { rc = note(w, e, "%s: soft or external link, not followed", child); continue; }
        for (int s = 0; s < nstack && k == LK_GROUP; s++)
            if (stack[s] == addr) rc = td_fail(e, TD_EINPUT, "%s: %s: link cycle (the group contains itself)", file, child);
        if (rc != TD_OK) break;
        if (k == LK_DATASET) {
            int act_ds = strcmp(names.v[i], "activation") == 0;
            rc = add_entry(w, e, child, step, lname, depth, act, act_ds ? TD_DK_ACT : TD_DK_PARAM, names.v[i], NULL);
        } else if (k == LK_GROUP && strcmp(names.v[i], "grad") == 0) {
            strlist gn = {0};
            rc = list_names(f, file, child, &gn, e);
            for (size_t j = 0; rc == TD_OK && j < gn.n; j++) {
                join(gc, sizeof gc, child, gn.v[j]);
                link_kind k2;
                haddr_t a2 = 0;
                if ((rc = link_kind_of(f, file, gc, &k2, &a2, e)) != TD_OK) break;
                if (k2 == LK_DATASET) rc = add_entry(w, e, gc, step, lname, depth, act, TD_DK_GRAD, gn.v[j], NULL);
                else rc = note(w, e, "%s: not a gradient dataset, not interpreted", gc);
            }
            sl_free(&gn);
        } else {
            rc = note(w, e, "%s: unexpected group in a layer, not interpreted", child);
        }
    }
    sl_free(&names);
    return rc;
}

static td_code walk_tdiag(hid_t f, const char *file, td_dump_walk *w, td_err *e)
{
    strlist names = {0};
    td_code rc = list_names(f, file, "/", &names, e);
    char sp[4096], lp[4096];
    haddr_t stack[2];
    H5O_info_t oi;
    if (rc == TD_OK && H5Oget_info_by_name2(f, "/", &oi, H5O_INFO_BASIC, H5P_DEFAULT) < 0)
        rc = td_fail(e, TD_EINPUT, "%s: /: cannot read the root group", file);
    stack[0] = oi.addr;
    for (size_t i = 0; rc == TD_OK && i < names.n; i++) {
        long long step;
        join(sp, sizeof sp, "/", names.v[i]);
        link_kind k;
        haddr_t addr = 0;
        if ((rc = link_kind_of(f, file, sp, &k, &addr, e)) != TD_OK) break;
        if (!parse_step(names.v[i], &step) || k != LK_GROUP) {
            rc = note(w, e, "%s: not a step_<N> group, not interpreted", sp);
            continue;
        }
        if (addr == stack[0]) { rc = td_fail(e, TD_EINPUT, "%s: %s: link cycle (the group contains itself)", file, sp); break; }
        stack[1] = addr;
        hid_t g = H5Gopen2(f, sp, H5P_DEFAULT);
        if (g < 0) { rc = td_fail(e, TD_EINPUT, "%s: %s: cannot open the step group", file, sp); break; }
        read_opt_attrs(g, w);
        H5Gclose(g);
        strlist layers = {0};
        rc = list_names(f, file, sp, &layers, e);
        if (rc == TD_OK && layers.n == 0) rc = td_fail(e, TD_EINPUT, "%s: %s: empty step (no layers)", file, sp);
        for (size_t j = 0; rc == TD_OK && j < layers.n; j++) {
            join(lp, sizeof lp, sp, layers.v[j]);
            if ((rc = link_kind_of(f, file, lp, &k, &addr, e)) != TD_OK) break;
            if (k != LK_GROUP) { rc = note(w, e, "%s: not a layer group, not interpreted", lp); continue; }
            for (int s = 0; s < 2; s++)
                if (stack[s] == addr) rc = td_fail(e, TD_EINPUT, "%s: %s: link cycle (the group contains itself)", file, lp);
            if (rc == TD_OK) rc = walk_tdiag_layer(f, file, lp, layers.v[j], step, w, stack, 2, e);
        }
        sl_free(&layers);
    }
    sl_free(&names);
    return rc;
}

/* ---- Keras: model_weights + optimizer_weights ----------------------------------- */
/* Activation of each layer, learning rate and optimizer from the JSON attributes. */
static void keras_json(hid_t root, td_dump_walk *w, strlist *act_names, strlist *act_kinds)
{
    char *tc = attr_string_dup(root, "training_config");
    if (tc) {
        json_object *j = json_tokener_parse(tc), *oc, *cfg, *v;
        if (j && json_object_object_get_ex(j, "optimizer_config", &oc)) {
            if (json_object_object_get_ex(oc, "class_name", &v) && json_object_is_type(v, json_type_string) && !w->optimizer[0]) {
                snprintf(w->optimizer, sizeof w->optimizer, "%s", json_object_get_string(v));
                for (char *p = w->optimizer; *p; p++) if (*p >= 'A' && *p <= 'Z') *p += 32;
            }
            if (json_object_object_get_ex(oc, "config", &cfg)) {
                if ((json_object_object_get_ex(cfg, "learning_rate", &v) || json_object_object_get_ex(cfg, "lr", &v))
                    && (json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int)))
                    w->lr = json_object_get_double(v);
            }
        }
        json_object_put(j);
        free(tc);
    }
    char *mc = attr_string_dup(root, "model_config");
    if (mc) {
        json_object *j = json_tokener_parse(mc), *cfg, *layers;
        if (j && json_object_object_get_ex(j, "config", &cfg) && json_object_object_get_ex(cfg, "layers", &layers)
            && json_object_is_type(layers, json_type_array)) {
            size_t n = json_object_array_length(layers);
            for (size_t i = 0; i < n; i++) {
                json_object *l = json_object_array_get_idx(layers, i), *lc, *name, *act;
                if (!json_object_object_get_ex(l, "config", &lc)) continue;
                if (!json_object_object_get_ex(lc, "name", &name) || !json_object_is_type(name, json_type_string)) continue;
                if (!json_object_object_get_ex(lc, "activation", &act) || !json_object_is_type(act, json_type_string)) continue;
                const char *ns = json_object_get_string(name), *as = json_object_get_string(act);
                sl_push(act_names, ns, strlen(ns));
                sl_push(act_kinds, as, strlen(as));
            }
        }
        json_object_put(j);
        free(w->model_config);
        w->model_config = mc; /* kept for the signal propagation */
    }
}

/* Parameter name from a weight_names entry: ":0" dropped, then the leading
 * component, then the layer's own name if it follows (Keras 3's
 * "sequential/<layer>/<param>"). */
static void keras_param(const char *wn, const char *layer, char *out, size_t cap)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", wn);
    size_t len = strlen(buf);
    if (len > 2 && strcmp(buf + len - 2, ":0") == 0) buf[len - 2] = 0;
    const char *p = buf, *slash = strchr(p, '/');
    if (slash) p = slash + 1;
    size_t ll = strlen(layer);
    if (strncmp(p, layer, ll) == 0 && p[ll] == '/') p += ll + 1;
    snprintf(out, cap, "%s", p);
}

typedef struct { const char *opt; const char *slots[3]; } opt_slots;
static const opt_slots OPT_SLOTS[] = {
    { "adam", { "m", "v", "vhat" } }, { "adamax", { "m", "u", NULL } }, { "nadam", { "m", "v", NULL } },
    { "sgd", { "momentum", NULL, NULL } }, { "rmsprop", { "accumulator", NULL, NULL } },
    { "adagrad", { "accumulator", NULL, NULL } }, { "adadelta", { "accumulator", "delta_accumulator", NULL } },
};

static const char *slot_name(const char *opt, int k, char *buf, size_t cap)
{
    for (size_t i = 0; i < sizeof OPT_SLOTS / sizeof OPT_SLOTS[0]; i++)
        if (strcmp(OPT_SLOTS[i].opt, opt) == 0 && k < 3 && OPT_SLOTS[i].slots[k]) return OPT_SLOTS[i].slots[k];
    snprintf(buf, cap, "slot_%d", k);
    return buf;
}

static td_code keras_optimizer(hid_t f, const char *file, uint64_t max_elems, td_dump_walk *w,
                               size_t first_param, size_t nparams, td_err *e)
{
    if (H5Lexists(f, "optimizer_weights", H5P_DEFAULT) <= 0) return TD_OK;
    if (td_h5_check_path((int64_t)f, file, "/optimizer_weights", e) != TD_OK) return TD_EINPUT;
    hid_t g = H5Gopen2(f, "optimizer_weights", H5P_DEFAULT);
    if (g < 0) return td_fail(e, TD_EINPUT, "%s: /optimizer_weights: cannot open the group", file);
    strlist wn = {0};
    int ar = attr_strings(g, "weight_names", &wn);
    H5Gclose(g);
    if (ar < 0) { sl_free(&wn); return td_fail(e, TD_EINPUT, "%s: /optimizer_weights: weight_names is not a list of strings", file); }
    td_code rc = TD_OK;
    char path[4096], buf[1024], sb[32];
    size_t cursor = 0; /* positional (TF1) matching */
    int wrap = 0;
    for (size_t i = 0; rc == TD_OK && i < wn.n; i++) {
        snprintf(path, sizeof path, "/optimizer_weights/%s", wn.v[i]);
        if ((rc = td_h5_check_path((int64_t)f, file, path, e)) != TD_OK) break;
        if (H5Lexists(f, path, H5P_DEFAULT) <= 0) {
            /* intermediate groups may be missing: H5Lexists on a deep path fails early */
            rc = td_fail(e, TD_EINPUT, "%s: %s: no such dataset (named by weight_names)", file, path);
            break;
        }
        snprintf(buf, sizeof buf, "%s", wn.v[i]);
        size_t len = strlen(buf);
        if (len > 2 && strcmp(buf + len - 2, ":0") == 0) buf[len - 2] = 0;
        char *comp[16];
        int nc = 0;
        for (char *p = strtok(buf, "/"); p && nc < 16; p = strtok(NULL, "/")) comp[nc++] = p;
        if (nc == 0) continue;
        const char *last = comp[nc - 1];
        if (strcmp(last, "learning_rate") == 0 || strcmp(last, "lr") == 0) { /* Keras 3 legacy */
            double lr = scalar_dataset(f, path);
            if (isfinite(lr) && lr > 0) w->lr = lr;
            continue;
        }
        if (strcmp(last, "iter") == 0 || strcmp(last, "iterations") == 0 || strcmp(last, "iteration") == 0) {
            double it = scalar_dataset(f, path);
            if (isfinite(it) && it >= 0) w->iterations = (long long)it;
            if (!w->optimizer[0] && nc >= 2) {
                snprintf(w->optimizer, sizeof w->optimizer, "%s", comp[nc - 2]);
                for (char *p = w->optimizer; *p; p++) if (*p >= 'A' && *p <= 'Z') *p += 32;
            }
            continue;
        }
        /* TF2: <Opt>/<layer>/<param...>/<slot>, the layer one of the model's */
        const td_dump_entry *owner = NULL;
        if (nc >= 4)
            for (size_t p = first_param; p < first_param + nparams && !owner; p++)
                if (strcmp(w->e[p].layer, comp[1]) == 0) owner = &w->e[p];
        if (owner) {
            char param[512] = "";
            for (int c = 2; c < nc - 1; c++) {
                if (c > 2) strncat(param, "/", sizeof param - strlen(param) - 1);
                strncat(param, comp[c], sizeof param - strlen(param) - 1);
            }
            char *lname = strdup(owner->layer), oact[16];
            int odepth = owner->depth;
            snprintf(oact, sizeof oact, "%s", owner->act);
            if (!lname) { rc = td_fail(e, TD_ENOMEM, "out of memory"); break; }
            rc = add_entry(w, e, path, -1, lname, odepth, oact, TD_DK_OPT, param, last); /* may move w->e */
            free(lname);
            continue;
        }
        /* TF1 positional: the next model weight of the same shape, in order;
         * one pass over the weights per slot (m, then v, then vhat). */
        td_dump_shape sh;
        if ((rc = td_dump_check_dataset((int64_t)f, file, path, max_elems, &sh, e)) != TD_OK) break;
        int found = 0;
        for (int pass = 0; pass < 2 && !found; pass++) {
            for (; cursor < nparams; cursor++) {
                const td_dump_entry *pe = &w->e[first_param + cursor];
                if (strncmp(pe->param, "moving_", 7) == 0) continue;
                td_dump_shape ps;
                if (td_dump_check_dataset((int64_t)f, file, pe->path, max_elems, &ps, NULL) != TD_OK) continue;
                if (ps.rank == sh.rank && memcmp(ps.dims, sh.dims, sizeof ps.dims) == 0) { found = 1; break; }
            }
            if (!found) { cursor = 0; wrap++; }
        }
        if (!found) { rc = note(w, e, "%s: optimizer slot not matched to a weight, not interpreted", path); continue; }
        const td_dump_entry *pe = &w->e[first_param + cursor];
        if (!w->optimizer[0] && nc >= 2) {
            snprintf(w->optimizer, sizeof w->optimizer, "%s", comp[nc - 2]);
            for (char *p = w->optimizer; *p; p++) if (*p >= 'A' && *p <= 'Z') *p += 32;
        }
        char pl[64], pp[512], pa[16];
        snprintf(pl, sizeof pl, "%s", slot_name(w->optimizer, wrap, sb, sizeof sb));
        snprintf(pp, sizeof pp, "%s", pe->param);
        snprintf(pa, sizeof pa, "%s", pe->act);
        char *lname = strdup(pe->layer);
        int depth = pe->depth;
        if (!lname) { rc = td_fail(e, TD_ENOMEM, "out of memory"); break; }
        rc = add_entry(w, e, path, -1, lname, depth, pa, TD_DK_OPT, pp, pl);
        free(lname);
        cursor++;
    }
    sl_free(&wn);
    return rc;
}

static td_code walk_keras(hid_t f, const char *file, const char *base, uint64_t max_elems,
                          td_dump_walk *w, td_err *e)
{
    td_code rc = TD_OK;
    strlist names = {0}, an = {0}, ak = {0}, wn = {0}, kids = {0};
    hid_t root = H5Gopen2(f, "/", H5P_DEFAULT), bg = H5I_INVALID_HID;
    char lpath[4096], dpath[4096], param[1024];
    if (root < 0) return td_fail(e, TD_EINPUT, "%s: /: cannot open the root group", file);
    keras_json(root, w, &an, &ak);
    H5Gclose(root);
    if ((rc = td_h5_check_path((int64_t)f, file, base, e)) != TD_OK) goto done;
    bg = H5Gopen2(f, base, H5P_DEFAULT);
    if (bg < 0) { rc = td_fail(e, TD_EINPUT, "%s: %s: cannot open the group", file, base); goto done; }
    if (attr_strings(bg, "layer_names", &names) < 0) { rc = td_fail(e, TD_EINPUT, "%s: %s: layer_names is not a list of strings", file, base); goto done; }
    H5Gclose(bg);
    bg = H5I_INVALID_HID;
    size_t first = w->n;
    for (size_t i = 0; rc == TD_OK && i < names.n; i++) {
        join(lpath, sizeof lpath, base, names.v[i]);
        if ((rc = td_h5_check_path((int64_t)f, file, lpath, e)) != TD_OK) break;
        if (H5Lexists(f, lpath, H5P_DEFAULT) <= 0) { rc = td_fail(e, TD_EINPUT, "%s: %s: layer group missing (named by layer_names)", file, lpath); break; }
        hid_t lg = H5Gopen2(f, lpath, H5P_DEFAULT);
        if (lg < 0) { rc = td_fail(e, TD_EINPUT, "%s: %s: not a group", file, lpath); break; }
        sl_free(&wn);
        int ar = attr_strings(lg, "weight_names", &wn);
        H5Gclose(lg);
        if (ar < 0) { rc = td_fail(e, TD_EINPUT, "%s: %s: weight_names is not a list of strings", file, lpath); break; }
        const char *act = "";
        for (size_t a = 0; a < an.n; a++) if (strcmp(an.v[a], names.v[i]) == 0) act = ak.v[a];
        for (size_t j = 0; rc == TD_OK && j < wn.n; j++) {
            join(dpath, sizeof dpath, lpath, wn.v[j]);
            if ((rc = td_h5_check_path((int64_t)f, file, dpath, e)) != TD_OK) break;
            if (H5Lexists(f, dpath, H5P_DEFAULT) <= 0) {
                rc = td_fail(e, TD_EINPUT, "%s: %s: no such dataset (named by weight_names)", file, dpath);
                break;
            }
            keras_param(wn.v[j], names.v[i], param, sizeof param);
            rc = add_entry(w, e, dpath, -1, names.v[i], (int)i, act, TD_DK_PARAM, param, NULL);
        }
    }
    if (rc != TD_OK) goto done;
    /* groups of base that layer_names does not list */
    if ((rc = list_names(f, file, base, &kids, e)) != TD_OK) goto done;
    for (size_t i = 0; rc == TD_OK && i < kids.n; i++) {
        int listed = 0;
        for (size_t j = 0; j < names.n && !listed; j++) listed = strcmp(kids.v[i], names.v[j]) == 0;
        if (listed) continue;
        if (strcmp(base, "/") == 0 && (strcmp(kids.v[i], "optimizer_weights") == 0)) continue;
        join(lpath, sizeof lpath, base, kids.v[i]);
        if ((rc = td_h5_check_path((int64_t)f, file, lpath, e)) != TD_OK) break;
        hid_t lg = H5Gopen2(f, lpath, H5P_DEFAULT);
        sl_free(&wn);
        if (lg >= 0) { attr_strings(lg, "weight_names", &wn); H5Gclose(lg); }
        if (lg >= 0 && wn.n == 0) continue; /* an empty group (e.g. top_level_model_weights) */
        rc = note(w, e, "%s: not listed in layer_names, not interpreted", lpath);
    }
    if (rc == TD_OK) rc = keras_optimizer(f, file, max_elems, w, first, w->n - first, e);
    if (rc == TD_OK && strcmp(base, "/") != 0) { /* other top-level members */
        strlist top = {0};
        rc = list_names(f, file, "/", &top, e);
        for (size_t i = 0; rc == TD_OK && i < top.n; i++)
            if (strcmp(top.v[i], "model_weights") != 0 && strcmp(top.v[i], "optimizer_weights") != 0)
                rc = note(w, e, "/%s: not part of the Keras layout, not interpreted", top.v[i]);
        sl_free(&top);
    }
done:
    if (bg >= 0) H5Gclose(bg);
    sl_free(&names); sl_free(&an); sl_free(&ak); sl_free(&wn); sl_free(&kids);
    return rc;
}

/* ---- Keras 3 .weights.h5: layers/<name>/vars/<i> -------------------------------- */
static int cmp_numeric(const void *a, const void *b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    size_t lx = strlen(x), ly = strlen(y);
    return lx != ly ? (lx < ly ? -1 : 1) : strcmp(x, y);
}

static td_code walk_keras3_weights(hid_t f, const char *file, td_dump_walk *w, td_err *e)
{
    strlist layers = {0}, vars = {0}, kids = {0};
    char lp[4096], vp[4096], dp[4096];
    static const char *const bn[] = { "gamma", "beta", "moving_mean", "moving_variance" };
    static const char *const kb[] = { "kernel", "bias" };
    td_code rc = list_names(f, file, "/layers", &layers, e);
    for (size_t i = 0; rc == TD_OK && i < layers.n; i++) {
        join(lp, sizeof lp, "/layers", layers.v[i]);
        join(vp, sizeof vp, lp, "vars");
        sl_free(&kids);
        if ((rc = list_names(f, file, lp, &kids, e)) != TD_OK) break;
        for (size_t k = 0; rc == TD_OK && k < kids.n; k++)
            if (strcmp(kids.v[k], "vars") != 0) {
                join(dp, sizeof dp, lp, kids.v[k]);
                rc = note(w, e, "%s: nested layer content, not interpreted", dp);
            }
        if (rc == TD_OK) rc = td_h5_check_path((int64_t)f, file, vp, e);
        if (rc != TD_OK || H5Lexists(f, vp, H5P_DEFAULT) <= 0) continue;
        sl_free(&vars);
        if ((rc = list_names(f, file, vp, &vars, e)) != TD_OK) break;
        if (vars.n) qsort(vars.v, vars.n, sizeof *vars.v, cmp_numeric);
        int is_bn = strstr(layers.v[i], "batch_norm") != NULL && vars.n == 4;
        for (size_t j = 0; rc == TD_OK && j < vars.n; j++) {
            join(dp, sizeof dp, vp, vars.v[j]);
            char pname[64];
            if (is_bn) snprintf(pname, sizeof pname, "%s", bn[j]);
            else if (vars.n <= 2) snprintf(pname, sizeof pname, "%s", kb[j]);
            else snprintf(pname, sizeof pname, "var_%s", vars.v[j]);
            rc = add_entry(w, e, dp, -1, layers.v[i], -1, "", TD_DK_PARAM, pname, NULL);
        }
    }
    if (rc == TD_OK && layers.n)
        rc = note(w, e, "/layers: a .weights.h5 file does not record the layer order; layers are in name order");
    if (rc == TD_OK) rc = td_h5_check_path((int64_t)f, file, "/optimizer/vars", e);
    if (rc == TD_OK && H5Lexists(f, "/optimizer", H5P_DEFAULT) > 0 && H5Lexists(f, "/optimizer/vars", H5P_DEFAULT) > 0) {
        hid_t g = H5Gopen2(f, "/optimizer/vars", H5P_DEFAULT);
        if (g >= 0) { read_opt_attrs(g, w); attr_string(g, "name", w->optimizer, sizeof w->optimizer); H5Gclose(g); }
        sl_free(&vars);
        rc = list_names(f, file, "/optimizer/vars", &vars, e);
        if (rc == TD_OK) {
            double it = H5Lexists(f, "/optimizer/vars/0", H5P_DEFAULT) > 0 ? scalar_dataset(f, "/optimizer/vars/0") : NAN;
            double lr = H5Lexists(f, "/optimizer/vars/1", H5P_DEFAULT) > 0 ? scalar_dataset(f, "/optimizer/vars/1") : NAN;
            if (isfinite(it) && it >= 0) w->iterations = (long long)it;
            if (isfinite(lr) && lr > 0) w->lr = lr;
            if (vars.n > 2)
                rc = note(w, e, "/optimizer/vars: %zu positional optimizer slots not mapped to layers", vars.n - 2);
        }
    }
    sl_free(&layers); sl_free(&vars); sl_free(&kids);
    return rc;
}

/* ---- detection ------------------------------------------------------------------ */
td_code td_dump_walk_file(int64_t fid, const char *file, uint64_t max_elems,
                          td_dump_walk *w, td_err *e)
{
    hid_t f = (hid_t)fid;
    memset(w, 0, sizeof *w);
    w->lr = NAN;
    w->iterations = -1;
    strlist top = {0};
    td_code rc = list_names(f, file, "/", &top, e);
    if (rc != TD_OK) return rc;
    int steps = 0;
    long long s;
    for (size_t i = 0; i < top.n; i++) steps += parse_step(top.v[i], &s);
    hid_t root = H5Gopen2(f, "/", H5P_DEFAULT);
    char ver[32] = "";
    int root_layers = 0;
    if (root >= 0) {
        attr_string(root, "keras_version", ver, sizeof ver);
        root_layers = H5Aexists(root, "layer_names") > 0;
        read_opt_attrs(root, w);
        H5Gclose(root);
    }
    sl_free(&top);
    if (steps > 0) {
        w->layout = TD_DUMP_TDIAG;
        rc = walk_tdiag(f, file, w, e);
    } else if (H5Lexists(f, "model_weights", H5P_DEFAULT) > 0 || root_layers) {
        if (!ver[0] && H5Lexists(f, "model_weights", H5P_DEFAULT) > 0
            && (rc = td_h5_check_path((int64_t)f, file, "/model_weights", e)) == TD_OK) {
            hid_t g = H5Gopen2(f, "model_weights", H5P_DEFAULT);
            if (g >= 0) { attr_string(g, "keras_version", ver, sizeof ver); H5Gclose(g); }
        }
        w->layout = ver[0] == '3' ? TD_DUMP_KERAS3_LEGACY : TD_DUMP_KERAS2;
        w->keras_order = 1;
        if (rc == TD_OK) rc = walk_keras(f, file, root_layers ? "/" : "/model_weights", max_elems, w, e);
    } else if (H5Lexists(f, "layers", H5P_DEFAULT) > 0) {
        w->layout = TD_DUMP_KERAS3_WEIGHTS;
        w->keras_order = 1;
        rc = walk_keras3_weights(f, file, w, e);
    } else {
        w->layout = TD_DUMP_GENERIC;
        rc = walk_generic_root(f, file, "/", w, e);
        if (rc == TD_OK && w->n == 0) rc = note(w, e, "no numeric dataset in the file");
    }
    if (rc != TD_OK) td_dump_walk_free(w);
    return rc;
}
