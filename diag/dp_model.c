/* dp_model.c — the dump in memory: options, names, lookups of tensors and
 * layers, notes, histograms, and freeing it. Below everything else of
 * dumpcheck: the analysis (dp_flags.c, dp_propagate.c) and td_dump_open
 * (dp_open.c) call it, it calls none of them. */
#include "td_dump.h"

#include <hdf5.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "td_h5.h"

void td_dump_opts_default(td_dump_opts *o)
{
    memset(o, 0, sizeof *o);
    o->bins = 30;
    o->ratio_lo = 1e-5;
    o->ratio_hi = 1e-2;
    o->dead_frac = 0.5;
    o->sat_frac = 0.5;
    o->sat_margin = 0.01;
    o->act_explode = 1e3;
    o->grad_depth = 100;
    o->init_factor = 10;
    o->propagate = 1;
    o->max_elems = 10000000000ULL;
    o->chunk_bytes = 4u << 20;
}

const char *td_dump_layout_name(td_dump_layout l)
{
    static const char *const n[] = { "tdiag", "keras2", "keras3-legacy", "keras3-weights", "generic", "safetensors" };
    return (unsigned)l < sizeof n / sizeof n[0] ? n[l] : "?";
}

const char *td_dump_kind_name(td_dump_kind k)
{
    static const char *const n[] = { "param", "grad", "activation", "optimizer", "array" };
    return (unsigned)k < sizeof n / sizeof n[0] ? n[k] : "?";
}

void td_dump_free(td_dump *d)
{
    if (!d) return;
    for (int i = 0; i < d->nfiles; i++) free(d->files[i]);
    free(d->files);
    for (size_t i = 0; i < d->ntensors; i++) {
        free(d->tensors[i].path); free(d->tensors[i].param); free(d->tensors[i].slot); free(d->tensors[i].hist);
    }
    free(d->tensors);
    for (size_t i = 0; i < d->nlayers; i++) free(d->layers[i].name);
    free(d->layers);
    for (size_t i = 0; i < d->nratios; i++) free(d->ratios[i].param);
    free(d->ratios);
    free(d->findings);
    for (size_t i = 0; i < d->nnotes; i++) free(d->notes[i]);
    free(d->notes);
    free(d->steps);
    free(d->model_config);
    free(d->prop);
    free(d);
}

static int same(const char *a, const char *b)
{
    if (!a || !b) return a == b;
    return strcmp(a, b) == 0;
}

long td_dump_find(const td_dump *d, int layer, td_dump_kind kind, const char *param, long long step)
{
    for (size_t i = 0; i < d->ntensors; i++) {
        const td_dump_tensor *t = &d->tensors[i];
        if (t->layer == layer && t->kind == kind && t->step == step && same(t->param, param) && !t->slot)
            return (long)i;
    }
    return -1;
}

long td_dump_find_slot(const td_dump *d, int layer, td_dump_kind kind, const char *param,
                      const char *slot, long long step)
{
    for (size_t i = 0; i < d->ntensors; i++) {
        const td_dump_tensor *t = &d->tensors[i];
        if (t->layer == layer && t->kind == kind && t->step == step && same(t->param, param) && same(t->slot, slot))
            return (long)i;
    }
    return -1;
}

int td_dump_layer_index(td_dump *d, const char *name, int depth, td_err *e)
{
    for (size_t i = 0; i < d->nlayers; i++)
        if (strcmp(d->layers[i].name, name) == 0) {
            if (d->layers[i].depth < 0 && depth >= 0) d->layers[i].depth = depth;
            return (int)i;
        }
    td_dump_layer *nl = realloc(d->layers, (d->nlayers + 1) * sizeof *nl);
    if (!nl) { td_fail(e, TD_ENOMEM, "out of memory"); return -1; }
    d->layers = nl;
    td_dump_layer *l = &d->layers[d->nlayers];
    memset(l, 0, sizeof *l);
    if (!(l->name = strdup(name))) { td_fail(e, TD_ENOMEM, "out of memory"); return -1; }
    l->depth = depth;
    l->init_std = l->he = l->glorot = l->lecun = l->grad_rms_last = l->ratio_median = NAN;
    return (int)d->nlayers++;
}

int td_dump_add_note(td_dump *d, const char *file, const char *msg)
{
    char **nn = realloc(d->notes, (d->nnotes + 1) * sizeof *nn);
    if (!nn) return -1;
    d->notes = nn;
    size_t len = strlen(file) + strlen(msg) + 3;
    char *s = malloc(len);
    if (!s) return -1;
    snprintf(s, len, "%s: %s", file, msg);
    d->notes[d->nnotes++] = s;
    return 0;
}

void td_dump_tensor_bins(const td_dump_tensor *t, int bins, double *counts)
{
    if (!t->hist) { for (int i = 0; i < bins; i++) counts[i] = 0; return; }
    td_hist_rebin(t->hist, t->st.min, t->st.max, bins, counts);
}
