/* gc_layer_kit.c — the small kit the built-in layers share: specs
 * "name:k=v,k=v", key=value parsing against a spec, tensor descriptions,
 * instances. Below the layers and the registry (gc_layers.c); calls
 * nothing above. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "td_gradcheck.h"

int td_gc_split_spec(char *buf, char **name, const char **keys,
                     const char **vals, int max)
{
    *name = buf;
    char *colon = strchr(buf, ':');
    if (!colon) return 0;
    *colon = '\0';
    int n = 0;
    for (char *p = colon + 1; *p;) {
        char *comma = strchr(p, ',');
        if (comma) *comma = '\0';
        char *k, *v;
        if (n >= max || td_split_kv(p, &k, &v) != 0) return -1;
        keys[n] = k; vals[n] = v; n++;
        if (!comma) break;
        p = comma + 1;
    }
    return n;
}

int td_gc_parse_keys(const td_gc_key *spec, int nspec, int n,
                     const char *const *keys, const char *const *vals,
                     double *v, char *err, size_t errcap)
{
    for (int s = 0; s < nspec; s++) v[s] = spec[s].def;
    for (int i = 0; i < n; i++) {
        int s = 0;
        while (s < nspec && strcmp(spec[s].key, keys[i]) != 0) s++;
        if (s == nspec) {
            char list[256] = "", safe[64];
            for (int t = 0; t < nspec; t++) {
                strncat(list, t ? "," : "", sizeof list - strlen(list) - 1);
                strncat(list, spec[t].key, sizeof list - strlen(list) - 1);
            }
            snprintf(err, errcap, "unknown key '%s' (keys: %s)",
                     td_safe_text(safe, sizeof safe, keys[i]), list);
            return -1;
        }
        td_err e;
        td_code rc;
        if (spec[s].integer) {
            long long x = 0;
            rc = td_parse_long(spec[s].key, vals[i], (long long)spec[s].lo,
                               (long long)spec[s].hi, &x, &e);
            if (rc == TD_OK) v[s] = (double)x;
        } else {
            rc = td_parse_double(spec[s].key, vals[i], spec[s].lo, spec[s].hi, &v[s], &e);
        }
        if (rc != TD_OK) { snprintf(err, errcap, "%s", e.msg); return -1; }
    }
    return 0;
}

void td_gc_tensor(td_tensor_desc *t, const char *name, int kind, int rank,
                  const size_t *dims)
{
    memset(t, 0, sizeof *t);
    snprintf(t->name, sizeof t->name, "%s", name);
    t->kind = kind;
    t->rank = rank;
    for (int i = 0; i < rank && i < TD_TENSOR_MAXRANK; i++) t->shape[i] = dims[i];
}

td_gc_inst *td_gc_inst_new(const td_gc_key *spec, int nspec, int n,
                           const char *const *keys, const char *const *vals,
                           char *err, size_t errcap)
{
    if (nspec > 12) { snprintf(err, errcap, "too many keys in layer spec"); return NULL; }
    td_gc_inst *in = calloc(1, sizeof *in);
    if (!in) { snprintf(err, errcap, "out of memory"); return NULL; }
    if (td_gc_parse_keys(spec, nspec, n, keys, vals, in->v, err, errcap) != 0) {
        free(in);
        return NULL;
    }
    return in;
}

void td_gc_inst_free(void *self) { free(self); }

const char *td_gc_inst_error(void *self) { return ((td_gc_inst *)self)->err; }
