/* dp_open.c — td_dump_open: walk every file, check every dataset, stream
 * each one once into its tensor (merging tensors of the same step, layer
 * and name found in several files), then run the analysis (dp_flags.c) and
 * the propagation (dp_propagate.c). The top of dumpcheck's library: it
 * calls the files below, none of them calls it. */
#include "td_dump.h"

#include <hdf5.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "td_h5.h"

typedef struct {
    const td_dump_opts *o;
    uint64_t done, total;
} progress_ctx;

static void on_bytes(void *ctx, uint64_t b)
{
    progress_ctx *p = ctx;
    p->done += b;
    if (p->o->progress) p->o->progress(p->o->progress_ctx, p->done, p->total);
}

static int cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return x < y ? -1 : x > y;
}

/* Layers in depth order (unknown depth after, in order of appearance);
 * tensors' layer indices are remapped. */
static td_code sort_layers(td_dump *d, td_err *e)
{
    size_t n = d->nlayers;
    if (n == 0) return TD_OK;
    int *order = malloc(n * sizeof *order), *inv = malloc(n * sizeof *inv);
    td_dump_layer *nl = malloc(n * sizeof *nl);
    if (!order || !inv || !nl) { free(order); free(inv); free(nl); return td_fail(e, TD_ENOMEM, "out of memory"); }
    for (size_t i = 0; i < n; i++) order[i] = (int)i;
    for (size_t i = 1; i < n; i++) { /* stable insertion sort: n is small */
        int x = order[i];
        size_t j = i;
        while (j > 0) {
            int y = order[j - 1];
            int dx = d->layers[x].depth, dy = d->layers[y].depth;
            int before = dx >= 0 && (dy < 0 || dx < dy);
            if (!before) break;
            order[j] = y;
            j--;
        }
        order[j] = x;
    }
    for (size_t i = 0; i < n; i++) { nl[i] = d->layers[order[i]]; inv[order[i]] = (int)i; }
    for (size_t i = 0; i < n; i++) nl[i].depth = (int)i; /* depth = order from the input */
    free(d->layers);
    d->layers = nl;
    for (size_t i = 0; i < d->ntensors; i++) d->tensors[i].layer = inv[d->tensors[i].layer];
    free(order);
    free(inv);
    return TD_OK;
}

/* A parameter present at one step must be present at every later step. */
static td_code check_missing(const td_dump *d, td_err *e)
{
    for (size_t i = 0; i < d->ntensors; i++) {
        const td_dump_tensor *t = &d->tensors[i];
        if (t->kind != TD_DK_PARAM || t->step < 0) continue;
        for (size_t s = 0; s < d->nsteps; s++) {
            if (d->steps[s] <= t->step) continue;
            if (td_dump_find(d, t->layer, TD_DK_PARAM, t->param, d->steps[s]) < 0) {
                char ln[128], pn[128];
                td_safe_text(ln, sizeof ln, d->layers[t->layer].name);
                td_safe_text(pn, sizeof pn, t->param);
                if (d->layout == TD_DUMP_TDIAG)
                    return td_fail(e, TD_EINPUT, "%s: /step_%lld/%s/%s: missing (present at step %lld)",
                                   d->files[t->file], d->steps[s], ln, pn, t->step);
                const char *later = d->files[t->file]; /* the checkpoint of that step */
                for (size_t k = 0; k < d->ntensors; k++) if (d->tensors[k].step == d->steps[s]) { later = d->files[d->tensors[k].file]; break; }
                return td_fail(e, TD_EINPUT, "%s: %s/%s: missing at step %lld (present at step %lld in %s)",
                               later, ln, pn, d->steps[s], t->step, d->files[t->file]);
            }
        }
    }
    return TD_OK;
}

/* The one line saying where a sequence's steps came from and what its ratios are. */
static int steps_note(td_dump *d, const char *file)
{
    char msg[320];
    if (TD_STEPS_KNOWN(d->step_source))
        snprintf(msg, sizeof msg, "checkpoint steps from %s: update/weight ratios are per step (the change between two files over the steps between them)",
                 td_dump_step_source_text(d->step_source));
    else
        snprintf(msg, sizeof msg, "steps between the checkpoints unknown (%s): update/weight ratios are per checkpoint and not judged against ~1e-3 per step; --steps-between N would judge them",
                 td_dump_step_source_text(d->step_source));
    return td_dump_add_note(d, file, msg);
}

/* 1 when tensors a and b are the same parameter (at two steps). */
static int same_param(const td_dump_tensor *a, const td_dump_tensor *b)
{
    return a->kind == TD_DK_PARAM && b->kind == TD_DK_PARAM && a->layer == b->layer && strcmp(a->param, b->param) == 0;
}

/* fused[i] = 1 for the parameters whose steps are streamed together: every
 * tensor of the parameter at a step (at least two), from one dataset each
 * (not merged across files), no optimizer slot, one shape. The others are
 * streamed one by one and their ratios read again by the analysis. */
static void mark_fused(const td_dump *d, const int *nsrc, char *fused)
{
    for (size_t i = 0; i < d->ntensors; i++) {
        const td_dump_tensor *t = &d->tensors[i];
        if (t->kind != TD_DK_PARAM) continue;
        int ok = 1;
        size_t count = 0, first = i;
        for (size_t j = 0; j < d->ntensors && ok; j++) {
            const td_dump_tensor *u = &d->tensors[j];
            if (!same_param(t, u)) continue;
            if (j < first) first = j;
            count++;
            ok = u->step >= 0 && !u->slot && nsrc[j] == 1 && u->shape.rank == t->shape.rank
                 && memcmp(u->shape.dims, t->shape.dims, sizeof t->shape.dims) == 0;
        }
        fused[i] = ok && count >= 2;
    }
}

/* Stream every step of tensor ti's parameter in one lockstep pass: their
 * statistics, and the sums of squared differences of consecutive steps. */
static td_code stream_param_steps(td_dump *d, const td_dump_opts *o, const int64_t *fids, long ti,
                                  char *fused, progress_ctx *pc, td_err *e)
{
    td_code rc = TD_OK;
    size_t n = 0;
    for (size_t j = 0; j < d->ntensors; j++) n += same_param(&d->tensors[ti], &d->tensors[j]);
    long *m = malloc(n * sizeof *m);
    int64_t *fs = malloc(n * sizeof *fs);
    const char **files = malloc(n * sizeof *files), **paths = malloc(n * sizeof *paths);
    td_dump_acc *acc = malloc(n * sizeof *acc);
    double *sum = malloc(n * sizeof *sum);
    uint64_t *bad = malloc(n * sizeof *bad);
    if (!m || !fs || !files || !paths || !acc || !sum || !bad) { rc = td_fail(e, TD_ENOMEM, "out of memory"); goto done; }
    size_t k = 0;
    for (size_t j = 0; j < d->ntensors; j++) { /* in step order (steps are distinct) */
        if (!same_param(&d->tensors[ti], &d->tensors[j])) continue;
        size_t at = k++;
        while (at > 0 && d->tensors[m[at - 1]].step > d->tensors[j].step) { m[at] = m[at - 1]; at--; }
        m[at] = (long)j;
    }
    for (k = 0; k < n; k++) {
        td_dump_tensor *t = &d->tensors[m[k]];
        fs[k] = fids[t->file];
        files[k] = d->files[t->file];
        paths[k] = t->path;
        td_dump_acc_init(&acc[k]);
        acc[k].hist = t->hist;
        acc[k].st = t->st;
    }
    rc = td_dump_stream_steps(fs, files, paths, (int)n, o->max_elems, o->chunk_bytes, acc, sum, bad, on_bytes, pc, e);
    if (rc != TD_OK) goto done;
    for (k = 0; k < n; k++) {
        td_dump_tensor *t = &d->tensors[m[k]];
        t->st = acc[k].st;
        fused[m[k]] = 2;
        if (k + 1 == n) continue;
        t->paired = 1;
        t->pair_to = d->tensors[m[k + 1]].step;
        t->pair_sum = sum[k];
        t->pair_bad = bad[k];
    }
done:
    free(m); free(fs); free(files); free(paths); free(acc); free(sum); free(bad);
    return rc;
}

static int cmp_entry(const void *a, const void *b)
{
    return td_st_natural_cmp(((const td_st_entry *)a)->name, ((const td_st_entry *)b)->name);
}

/* safetensors checkpoints: shards expanded, steps found, every tensor
 * streamed into its layer (grouped by name). d->files becomes the shards. */
static td_code read_safetensors(td_dump *d, const char *const *args, int nargs, const td_dump_opts *o, td_err *e)
{
    td_st_ckpt *ck = NULL;
    size_t nck = 0, nfiles = 0;
    long long *steps = NULL;
    const char **labels = NULL;
    td_st_entry **ents = NULL;
    size_t *nents = NULL;
    td_code rc = td_st_expand(args, nargs, &ck, &nck, e);
    if (rc != TD_OK) return rc;
    for (size_t i = 0; i < nck; i++) nfiles += ck[i].nshards;
    steps = calloc(nck, sizeof *steps);
    labels = calloc(nck, sizeof *labels);
    ents = calloc(nfiles, sizeof *ents);
    nents = calloc(nfiles, sizeof *nents);
    char **nf = calloc(nfiles, sizeof *nf);
    if (!steps || !labels || !ents || !nents || !nf) { free(nf); rc = td_fail(e, TD_ENOMEM, "out of memory"); goto done; }
    for (int i = 0; i < d->nfiles; i++) free(d->files[i]);
    free(d->files);
    d->files = nf;
    d->nfiles = 0;
    for (size_t i = 0; i < nck; i++)
        for (size_t k = 0; k < ck[i].nshards; k++)
            if (!(d->files[d->nfiles++] = strdup(ck[i].shards[k]))) { rc = td_fail(e, TD_ENOMEM, "out of memory"); goto done; }
    d->layout = TD_DUMP_SAFETENSORS;
    for (size_t i = 0; i < nck; i++) { labels[i] = ck[i].shards[0]; steps[i] = -1; }
    if (nck > 1) {
        if ((rc = td_dump_ckpt_steps(labels, (int)nck, NULL, o->steps_between, steps, &d->step_source, e)) != TD_OK) goto done;
        if (steps_note(d, labels[0]) < 0) { rc = td_fail(e, TD_ENOMEM, "out of memory"); goto done; }
    }
    progress_ctx pc = { o, 0, 0 };
    int fi = 0;
    for (size_t i = 0; i < nck; i++)
        for (size_t k = 0; k < ck[i].nshards; k++, fi++) {
            if ((rc = td_st_header(d->files[fi], &ents[fi], &nents[fi], o->max_elems, e)) != TD_OK) goto done;
            qsort(ents[fi], nents[fi], sizeof *ents[fi], cmp_entry);
            for (size_t j = 0; j < nents[fi]; j++) {
                const td_st_entry *x = &ents[fi][j];
                char ln[1024], pn[256];
                td_st_layer_of(x->name, ln, sizeof ln, pn, sizeof pn);
                int li = td_dump_layer_index(d, ln, -1, e);
                if (li < 0) { rc = TD_ENOMEM; goto done; }
                if (td_dump_find_slot(d, li, TD_DK_PARAM, pn, NULL, steps[i]) >= 0) {
                    char sn[128];
                    rc = td_fail(e, TD_EINPUT, "%s: tensor '%s' is also in another shard of the checkpoint", d->files[fi], td_safe_text(sn, sizeof sn, x->name));
                    goto done;
                }
                td_dump_tensor *nt = realloc(d->tensors, (d->ntensors + 1) * sizeof *nt);
                if (!nt) { rc = td_fail(e, TD_ENOMEM, "out of memory"); goto done; }
                d->tensors = nt;
                td_dump_tensor *t = &d->tensors[d->ntensors++];
                memset(t, 0, sizeof *t);
                t->path = strdup(x->name);
                t->param = strdup(pn);
                t->hist = malloc(sizeof *t->hist);
                if (!t->path || !t->param || !t->hist) { rc = td_fail(e, TD_ENOMEM, "out of memory"); goto done; }
                td_hist_init(t->hist);
                td_stats_init(&t->st);
                t->file = fi; t->step = steps[i]; t->layer = li; t->kind = TD_DK_PARAM;
                t->shape = x->shape; t->data_offset = x->offset;
                pc.total += x->shape.n * (uint64_t)(x->shape.bits / 8);
            }
        }
    for (size_t i = 0; i < d->ntensors; i++) {
        td_dump_tensor *t = &d->tensors[i];
        td_st_entry x = { t->path, t->shape, 0, 0, t->data_offset };
        td_dump_acc acc;
        td_dump_acc_init(&acc);
        acc.hist = t->hist;
        if ((rc = td_st_stream(d->files[t->file], &x, o->chunk_bytes, &acc, on_bytes, &pc, e)) != TD_OK) goto done;
        t->st = acc.st;
    }
    d->bytes = pc.done;
done:
    for (size_t i = 0; ents && i < nfiles; i++) td_st_free(ents[i], nents[i]);
    free(ents); free(nents); free(steps); free(labels);
    td_st_ckpt_free(ck, nck);
    return rc;
}

td_code td_dump_open(td_dump **out, const char *const *files, int nfiles,
                     const td_dump_opts *o, td_err *e)
{
    td_code rc = TD_OK;
    td_dump_opts defo;
    if (!o) { td_dump_opts_default(&defo); o = &defo; }
    *out = NULL;
    if (nfiles <= 0) return td_fail(e, TD_EUSAGE, "no input file");
    td_h5_quiet();
    td_dump *d = calloc(1, sizeof *d);
    int64_t *fids = calloc((size_t)nfiles, sizeof *fids);
    long long *fsteps = NULL; /* steps of the files of a checkpoint sequence */
    td_dump_walk *walks = calloc((size_t)nfiles, sizeof *walks);
    int *nsrc = NULL;    /* per tensor: the datasets merged into it */
    char *fused = NULL;  /* per tensor: 1 streamed with its parameter's other steps, 2 done */
    if (!d || !fids || !walks) { free(d); free(fids); free(walks); return td_fail(e, TD_ENOMEM, "out of memory"); }
    for (int i = 0; i < nfiles; i++) fids[i] = -1;
    d->lr = NAN;
    d->iterations = -1;
    d->files = calloc((size_t)nfiles, sizeof *d->files);
    if (!d->files) { rc = td_fail(e, TD_ENOMEM, "out of memory"); goto done; }
    d->nfiles = nfiles;
    for (int i = 0; i < nfiles; i++)
        if (!(d->files[i] = strdup(files[i]))) { rc = td_fail(e, TD_ENOMEM, "out of memory"); goto done; }

    if (td_st_is_safetensors(files[0])) { /* Hugging Face / PyTorch checkpoints */
        for (int i = 1; i < nfiles; i++)
            if (!td_st_is_safetensors(files[i])) { rc = td_fail(e, TD_EINPUT, "%s: not safetensors, unlike %s", files[i], files[0]); goto done; }
        if ((rc = read_safetensors(d, files, nfiles, o, e)) != TD_OK) goto done;
        goto tail;
    }
    /* 1. walk every file */
    int any_step = 0;
    for (int i = 0; i < nfiles; i++) {
        if ((rc = td_h5_open(files[i], NULL, &fids[i], e)) != TD_OK) goto done;
        if ((rc = td_dump_walk_file(fids[i], files[i], o->max_elems, &walks[i], e)) != TD_OK) goto done;
        if (i == 0) { d->layout = walks[i].layout; d->keras_order = walks[i].keras_order; }
        else if (walks[i].layout != d->layout) {
            rc = td_fail(e, TD_EINPUT, "%s: layout %s differs from %s's (%s)", files[i],
                         td_dump_layout_name(walks[i].layout), files[0], td_dump_layout_name(d->layout));
            goto done;
        }
        if (isfinite(walks[i].lr)) d->lr = walks[i].lr;
        if (walks[i].optimizer[0]) snprintf(d->optimizer, sizeof d->optimizer, "%s", walks[i].optimizer);
        if (walks[i].iterations >= 0) d->iterations = walks[i].iterations;
        for (size_t j = 0; j < walks[i].nnotes; j++)
            if (td_dump_add_note(d, files[i], walks[i].notes[j]) < 0) { rc = td_fail(e, TD_ENOMEM, "out of memory"); goto done; }
        for (size_t j = 0; j < walks[i].n; j++) any_step |= walks[i].e[j].step >= 0;
    }
    if (any_step && o->steps_between > 0 && td_dump_add_note(d, files[0], "--steps-between ignored: the files store their steps") < 0) {
        rc = td_fail(e, TD_ENOMEM, "out of memory"); goto done;
    }
    /* a sequence of checkpoints without stored steps: what lies between them */
    int file_is_step = !any_step && nfiles > 1;
    if (file_is_step) {
        long long *its = malloc((size_t)nfiles * sizeof *its);
        if (!its || !(fsteps = malloc((size_t)nfiles * sizeof *fsteps))) { free(its); rc = td_fail(e, TD_ENOMEM, "out of memory"); goto done; }
        for (int i = 0; i < nfiles; i++) its[i] = walks[i].iterations;
        rc = td_dump_ckpt_steps(files, nfiles, its, o->steps_between, fsteps, &d->step_source, e);
        free(its);
        if (rc != TD_OK) goto done;
        if (steps_note(d, files[0]) < 0) { rc = td_fail(e, TD_ENOMEM, "out of memory"); goto done; }
    }
    for (int i = nfiles - 1; i >= 0 && !d->model_config; i--) /* the last checkpoint's */
        if (walks[i].model_config && !(d->model_config = strdup(walks[i].model_config))) { rc = td_fail(e, TD_ENOMEM, "out of memory"); goto done; }

    /* 2. tensors: check every dataset first (errors before any long read) */
    progress_ctx pc = { o, 0, 0 };
    for (int i = 0; i < nfiles; i++) {
        for (size_t j = 0; j < walks[i].n; j++) {
            const td_dump_entry *en = &walks[i].e[j];
            long long step = file_is_step ? fsteps[i] : en->step;
            td_dump_shape sh;
            if ((rc = td_dump_check_dataset(fids[i], files[i], en->path, o->max_elems, &sh, e)) != TD_OK) goto done;
            pc.total += sh.n * (uint64_t)(sh.bits / 8);
            int li = td_dump_layer_index(d, en->layer, en->depth, e);
            if (li < 0) { rc = TD_ENOMEM; goto done; }
            if (en->act[0] && !d->layers[li].act[0]) snprintf(d->layers[li].act, sizeof d->layers[li].act, "%s", en->act);
            long ex = td_dump_find_slot(d, li, en->kind, en->param, en->slot, step);
            if (ex >= 0) { nsrc[ex]++; continue; } /* merged when streamed */
            td_dump_tensor *nt = realloc(d->tensors, (d->ntensors + 1) * sizeof *nt);
            if (!nt) { rc = td_fail(e, TD_ENOMEM, "out of memory"); goto done; }
            d->tensors = nt;
            int *ns = realloc(nsrc, (d->ntensors + 1) * sizeof *ns);
            if (!ns) { rc = td_fail(e, TD_ENOMEM, "out of memory"); goto done; }
            nsrc = ns;
            nsrc[d->ntensors] = 1;
            td_dump_tensor *t = &d->tensors[d->ntensors];
            memset(t, 0, sizeof *t);
            t->path = strdup(en->path);
            t->param = strdup(en->param);
            t->slot = en->slot ? strdup(en->slot) : NULL;
            t->hist = malloc(sizeof *t->hist);
            d->ntensors++;
            if (!t->path || !t->param || (en->slot && !t->slot) || !t->hist) { rc = td_fail(e, TD_ENOMEM, "out of memory"); goto done; }
            td_hist_init(t->hist);
            td_stats_init(&t->st);
            t->file = i;
            t->step = step;
            t->layer = li;
            t->kind = en->kind;
            t->shape = sh;
        }
    }

    /* 3. stream every dataset into its tensor; a parameter's steps together */
    if (d->ntensors && !(fused = calloc(d->ntensors, 1))) { rc = td_fail(e, TD_ENOMEM, "out of memory"); goto done; }
    mark_fused(d, nsrc, fused);
    for (int i = 0; i < nfiles; i++) {
        for (size_t j = 0; j < walks[i].n; j++) {
            const td_dump_entry *en = &walks[i].e[j];
            long long step = file_is_step ? fsteps[i] : en->step;
            int li = td_dump_layer_index(d, en->layer, en->depth, e);
            long ti = td_dump_find_slot(d, li, en->kind, en->param, en->slot, step);
            if (li < 0 || ti < 0) { rc = td_fail(e, TD_EINTERNAL, "tensor lost"); goto done; }
            td_dump_tensor *t = &d->tensors[ti];
            if (fused[ti] == 2) continue; /* streamed with an earlier step */
            if (fused[ti] == 1) {
                if ((rc = stream_param_steps(d, o, fids, ti, fused, &pc, e)) != TD_OK) goto done;
                continue;
            }
            td_dump_acc acc;
            td_dump_acc_init(&acc);
            acc.hist = t->hist;
            acc.st = t->st; /* continue: merging across files */
            const char *act = d->layers[li].act;
            if (t->kind == TD_DK_ACT) {
                if (strcmp(act, "tanh") == 0) { acc.sat_lo = -1 + o->sat_margin; acc.sat_hi = 1 - o->sat_margin; }
                else if (strcmp(act, "sigmoid") == 0) { acc.sat_lo = o->sat_margin; acc.sat_hi = 1 - o->sat_margin; }
                if (t->shape.rank >= 2 && t->shape.dims[1] <= (1u << 24) && t->file == i) {
                    acc.units = t->shape.dims[1];
                    acc.unit_nonzero = calloc((size_t)acc.units, sizeof *acc.unit_nonzero);
                    if (!acc.unit_nonzero) { rc = td_fail(e, TD_ENOMEM, "out of memory"); goto done; }
                }
            }
            rc = td_dump_stream(fids[i], files[i], en->path, o->max_elems, o->chunk_bytes, &acc, on_bytes, &pc, e);
            if (rc == TD_OK) {
                t->st = acc.st;
                t->saturated += acc.saturated;
                if (acc.unit_nonzero) {
                    t->units = acc.units;
                    t->dead_units = 0;
                    for (uint64_t u = 0; u < acc.units; u++) t->dead_units += acc.unit_nonzero[u] == 0;
                }
            }
            free(acc.unit_nonzero);
            if (rc != TD_OK) goto done;
        }
    }
    d->bytes = pc.done;

tail: /* 4. steps, layer order, missing steps, analysis */
    for (size_t i = 0; i < d->ntensors; i++) {
        long long s = d->tensors[i].step;
        if (s < 0) continue;
        int seen = 0;
        for (size_t j = 0; j < d->nsteps && !seen; j++) seen = d->steps[j] == s;
        if (seen) continue;
        long long *ns = realloc(d->steps, (d->nsteps + 1) * sizeof *ns);
        if (!ns) { rc = td_fail(e, TD_ENOMEM, "out of memory"); goto done; }
        d->steps = ns;
        d->steps[d->nsteps++] = s;
    }
    if (d->nsteps) qsort(d->steps, d->nsteps, sizeof *d->steps, cmp_ll);
    if ((rc = sort_layers(d, e)) != TD_OK) goto done;
    if ((rc = check_missing(d, e)) != TD_OK) goto done;
    rc = td_dump_analyse(d, o, fids, e);
    if (rc == TD_OK && o->propagate && (d->model_config || o->propagate > 1)) rc = td_dump_propagate(d, o, e);
done:
    free(fsteps);
    free(nsrc);
    free(fused);
    for (int i = 0; i < nfiles; i++) { /* nfiles: the arguments, whatever d->files became */
        td_dump_walk_free(&walks[i]);
        if (fids[i] >= 0) H5Fclose((hid_t)fids[i]);
    }
    free(walks);
    free(fids);
    if (rc != TD_OK) { td_dump_free(d); return rc; }
    *out = d;
    return TD_OK;
}

