/* st_plotdata.c — the data of diagreport's plots as plain arrays: the basic
 * hyperparameter-axis plot (objective against one hyperparameter,
 * infeasible trials marked) and the isolation plot (best objective per
 * bucket of a scientific hyperparameter), and their gnuplot data files. */
#define _GNU_SOURCE /* renameat2 (RENAME_EXCHANGE) */
#include "td_study.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void td_study_axis_free(td_study_axis *a)
{
    if (!a) return;
    free(a->x);
    free(a->y);
    free(a->infeasible);
    free(a->trial);
    memset(a, 0, sizeof *a);
    a->best = (size_t)-1;
}

td_code td_study_axis_get(const td_study *s, size_t hp, td_study_axis *a, td_err *e)
{
    memset(a, 0, sizeof *a);
    a->best = (size_t)-1;
    if (hp >= s->nhp) return td_fail(e, TD_EUSAGE, "axis: no hyperparameter %zu", hp);
    size_t n = s->n ? s->n : 1;
    a->x = malloc(n * sizeof *a->x);
    a->y = malloc(n * sizeof *a->y);
    a->infeasible = malloc(n * sizeof *a->infeasible);
    a->trial = malloc(n * sizeof *a->trial);
    if (!a->x || !a->y || !a->infeasible || !a->trial) {
        td_study_axis_free(a);
        return td_fail(e, TD_ENOMEM, "axis: out of memory");
    }
    size_t best = td_study_best(s);
    for (size_t i = 0; i < s->n; i++) {
        double v = s->hp[hp].v[i];
        if (s->state[i] == TD_TRIAL_SKIPPED || isnan(v)) continue;
        if (i == best) a->best = a->n;
        a->x[a->n] = v;
        a->y[a->n] = s->state[i] == TD_TRIAL_OK ? s->y[i] : NAN;
        a->infeasible[a->n] = s->state[i] == TD_TRIAL_INFEASIBLE;
        a->trial[a->n++] = i;
    }
    return TD_OK;
}

void td_study_iso_free(td_study_iso *iso)
{
    if (!iso) return;
    free(iso->lo);
    free(iso->hi);
    free(iso->x);
    free(iso->best);
    free(iso->best_trial);
    free(iso->trials);
    free(iso->feasible);
    memset(iso, 0, sizeof *iso);
}

/* Distinct values of hp h among analysed trials, sorted; returns count. */
static size_t distinct(const td_study *s, const td_hp *h, double *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n; i++) {
        double v = h->v[i];
        if (s->state[i] == TD_TRIAL_SKIPPED || isnan(v)) continue;
        size_t k = 0;
        while (k < n && out[k] < v) k++;
        if (k < n && out[k] == v) continue;
        if (n == cap) return cap + 1;
        memmove(out + k + 1, out + k, (n - k) * sizeof *out);
        out[k] = v;
        n++;
    }
    return n;
}

size_t td_study_iso_bucket(const td_study *s, size_t sci, const td_study_iso *iso, size_t i)
{
    const td_hp *h = &s->hp[sci];
    double v = h->v[i];
    if (s->state[i] == TD_TRIAL_SKIPPED || isnan(v) || iso->n == 0) return (size_t)-1;
    size_t b = 0, nb = iso->n;
    if (iso->per_value && h->type == TD_HP_CAT) b = (size_t)v;
    else if (iso->per_value) {
        while (b < nb && iso->lo[b] != v) b++;
    } else {
        double u = td_hp_unit(h, v) * (double)nb;
        b = u <= 0 ? 0 : u >= (double)nb ? nb - 1 : (size_t)u;
    }
    return b < nb ? b : (size_t)-1;
}

td_code td_study_isolation(const td_study *s, size_t sci, size_t nbuckets, td_study_iso *iso, td_err *e)
{
    memset(iso, 0, sizeof *iso);
    if (sci >= s->nhp) return td_fail(e, TD_EUSAGE, "isolation: no hyperparameter %zu", sci);
    if (nbuckets < 1) nbuckets = 1;
    const td_hp *h = &s->hp[sci];
    size_t cap = nbuckets > 64 ? nbuckets : 64;
    double *vals = malloc(cap * sizeof *vals);
    if (!vals) return td_fail(e, TD_ENOMEM, "isolation: out of memory");
    size_t nd = distinct(s, h, vals, cap);
    int per_value = h->type == TD_HP_CAT || nd <= nbuckets;
    size_t nb = per_value ? (h->type == TD_HP_CAT ? h->nlevels : nd) : nbuckets;
    if (nb == 0 || nd == 0) { /* no trial has a value for it: no bucket */
        free(vals);
        return TD_OK;
    }
    iso->lo = calloc(nb, sizeof *iso->lo);
    iso->hi = calloc(nb, sizeof *iso->hi);
    iso->x = calloc(nb, sizeof *iso->x);
    iso->best = calloc(nb, sizeof *iso->best);
    iso->best_trial = calloc(nb, sizeof *iso->best_trial);
    iso->trials = calloc(nb, sizeof *iso->trials);
    iso->feasible = calloc(nb, sizeof *iso->feasible);
    if (!iso->lo || !iso->hi || !iso->x || !iso->best || !iso->best_trial || !iso->trials || !iso->feasible) {
        free(vals);
        td_study_iso_free(iso);
        return td_fail(e, TD_ENOMEM, "isolation: out of memory");
    }
    iso->n = nb;
    for (size_t b = 0; b < nb; b++) {
        if (per_value) {
            iso->lo[b] = iso->hi[b] = iso->x[b] = h->type == TD_HP_CAT ? (double)b : vals[b];
        } else { /* equal width in (log-)space: unit u in [b/nb, (b+1)/nb) */
            double t0 = h->log ? log(h->lo) : h->lo, t1 = h->log ? log(h->hi) : h->hi;
            double a = t0 + (t1 - t0) * (double)b / (double)nb, c = t0 + (t1 - t0) * (double)(b + 1) / (double)nb;
            iso->lo[b] = h->log ? exp(a) : a;
            iso->hi[b] = h->log ? exp(c) : c;
            iso->x[b] = h->log ? exp(0.5 * (a + c)) : 0.5 * (a + c);
        }
        iso->best[b] = NAN;
        iso->best_trial[b] = (size_t)-1;
    }
    iso->per_value = per_value;
    for (size_t i = 0; i < s->n; i++) {
        size_t b = td_study_iso_bucket(s, sci, iso, i);
        if (b == (size_t)-1) continue;
        iso->trials[b]++;
        if (s->state[i] != TD_TRIAL_OK) continue;
        iso->feasible[b]++;
        if (iso->best_trial[b] == (size_t)-1 || td_study_better(s, s->y[i], iso->best[b])) {
            iso->best[b] = s->y[i];
            iso->best_trial[b] = i;
        }
    }
    free(vals);
    return TD_OK;
}

/* Create path (in our own fresh folder: O_EXCL, no link followed) and fill it. */
static td_code write_new(const char *path, td_code (*fill)(const void *, FILE *), const void *arg, td_err *e)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    FILE *f = fd < 0 ? NULL : fdopen(fd, "w");
    if (!f) {
        if (fd >= 0) close(fd);
        return td_fail(e, TD_EIO, "%s: cannot create: %s", path, strerror(errno));
    }
    td_code rc = fill(arg, f);
    if (fclose(f) != 0 || rc != TD_OK) return td_fail(e, TD_EIO, "%s: write error", path);
    return TD_OK;
}

/* 1 when name is one of the files td_study_write_plot_data writes. */
static int plot_file(const char *name)
{
    size_t k;
    char tail[8];
    return strcmp(name, "isolation.dat") == 0 || (sscanf(name, "axis_%zu%7s", &k, tail) == 2 && strcmp(tail, ".dat") == 0);
}

/* Remove dir and the plot files in it (nothing else is there, or it is
 * left: then dir stays too). */
static void remove_plot_dir(const char *dir)
{
    DIR *d = opendir(dir);
    char p[8500];
    struct dirent *de;
    while (d && (de = readdir(d)))
        if (plot_file(de->d_name) && (size_t)snprintf(p, sizeof p, "%s/%s", dir, de->d_name) < sizeof p) unlink(p);
    if (d) closedir(d);
    rmdir(dir);
}

/* 0 when dir holds only plot files (a previous --plot-data, or nothing). */
static int foreign_entries(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return 1;
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") && !plot_file(de->d_name)) n++;
    closedir(d);
    return n;
}

typedef struct {
    const td_study *s;
    size_t hp;
    long sci;
    size_t nbuckets;
} plot_arg;

static td_code fill_axis(const void *arg, FILE *f)
{
    const plot_arg *p = arg;
    const td_hp *h = &p->s->hp[p->hp];
    td_study_axis a;
    if (td_study_axis_get(p->s, p->hp, &a, NULL) != TD_OK) return TD_ENOMEM;
    char name[128];
    fprintf(f, "# hp %s log %d type %s lo %.17g hi %.17g objective %s %s\n",
            td_safe_text(name, sizeof name, h->name), h->log,
            h->type == TD_HP_CAT ? "categorical" : h->type == TD_HP_INT ? "int" : "float", h->lo, h->hi,
            p->s->maximize ? "maximize" : "minimize", a.best == (size_t)-1 ? "" : "best_row_marked");
    fprintf(f, "# x y infeasible row best\n");
    for (size_t i = 0; i < a.n; i++)
        fprintf(f, "%.17g %.17g %d %zu %d\n", a.x[i], a.y[i], a.infeasible[i], p->s->row[a.trial[i]], i == a.best);
    td_study_axis_free(&a);
    return ferror(f) ? TD_EIO : TD_OK;
}

static td_code fill_iso(const void *arg, FILE *f)
{
    const plot_arg *p = arg;
    td_study_iso iso;
    if (td_study_isolation(p->s, (size_t)p->sci, p->nbuckets, &iso, NULL) != TD_OK) return TD_ENOMEM;
    char name[128];
    const td_hp *h = &p->s->hp[p->sci];
    fprintf(f, "# scientific %s log %d type %s\n", td_safe_text(name, sizeof name, h->name), h->log,
            h->type == TD_HP_CAT ? "categorical" : h->type == TD_HP_INT ? "int" : "float");
    fprintf(f, "# x lo hi best trials feasible label\n");
    for (size_t b = 0; b < iso.n; b++) {
        char label[64] = "-";
        if (h->type == TD_HP_CAT) {
            td_safe_text(label, sizeof label, h->levels[b]);
            for (char *c = label; *c; c++)
                if (*c == ' ' || *c == '"' || *c == '\'' || *c == '\\') *c = '_';
        }
        fprintf(f, "%.17g %.17g %.17g %.17g %zu %zu %s\n", iso.x[b], iso.lo[b], iso.hi[b], iso.best[b],
                iso.trials[b], iso.feasible[b], label);
    }
    td_study_iso_free(&iso);
    return ferror(f) ? TD_EIO : TD_OK;
}

/* The files into tmp (a fresh folder). */
static td_code fill_dir(const td_study *s, long sci, size_t nbuckets, const char *tmp, td_err *e)
{
    char path[8500];
    td_code rc = TD_OK;
    for (size_t k = 0; k < s->nhp && rc == TD_OK; k++) {
        plot_arg p = {s, k, sci, nbuckets};
        snprintf(path, sizeof path, "%s/axis_%zu.dat", tmp, k);
        rc = write_new(path, fill_axis, &p, e);
    }
    if (rc == TD_OK && sci >= 0 && (size_t)sci < s->nhp) {
        plot_arg p = {s, 0, sci, nbuckets};
        snprintf(path, sizeof path, "%s/isolation.dat", tmp);
        rc = write_new(path, fill_iso, &p, e);
    }
    return rc;
}

td_code td_study_write_plot_data(const td_study *s, long sci, size_t nbuckets, const char *dir, td_err *e)
{
    char tmp[8200], t[4096];
    size_t len = strlen(dir);
    while (len > 1 && dir[len - 1] == '/') len--;
    if (len == 0 || len >= 4000) return td_fail(e, TD_EUSAGE, "--plot-data: folder name empty or too long");
    memcpy(t, dir, len);
    t[len] = 0;
    char *slash = strrchr(t, '/');
    const char *base = slash ? slash + 1 : t;
    if (!strcmp(base, ".") || !strcmp(base, ".."))
        return td_fail(e, TD_EUSAGE, "%s: not usable as a --plot-data folder name", dir);
    snprintf(tmp, sizeof tmp, "%.*s.%s.tmp.XXXXXX", slash ? (int)(slash + 1 - t) : 0, t, base);
    struct stat st;
    int exists = lstat(t, &st) == 0;
    if (exists && (!S_ISDIR(st.st_mode) || foreign_entries(t)))
        return td_fail(e, TD_EIO, "%s: exists and is not a studycheck --plot-data folder; not replaced", dir);
    if (!mkdtemp(tmp)) return td_fail(e, TD_EIO, "%s: cannot create a temporary folder: %s", dir, strerror(errno));
    td_code rc = fill_dir(s, sci, nbuckets, tmp, e);
    if (rc == TD_OK && chmod(tmp, 0755) != 0) rc = td_fail(e, TD_EIO, "%s: cannot chmod: %s", tmp, strerror(errno));
    if (rc == TD_OK) {
        /* in place in one step; a previous one ends up at tmp and goes */
        int r = exists ? renameat2(AT_FDCWD, tmp, AT_FDCWD, t, RENAME_EXCHANGE) : rename(tmp, t);
        if (r != 0 && exists && (errno == EINVAL || errno == ENOSYS || errno == ENOTSUP)) {
            remove_plot_dir(t); /* no exchange on this file system: only plot files are there */
            r = rename(tmp, t);
        }
        if (r != 0) rc = td_fail(e, TD_EIO, "%s: cannot move the plot data into place: %s", dir, strerror(errno));
    }
    remove_plot_dir(tmp);
    return rc;
}
