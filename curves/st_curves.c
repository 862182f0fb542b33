/* st_curves.c — the best trials' training curves (seed 000, "检查训练曲线":
 * "for each study we always look at the training curves of at least the
 * best few trials"). The best cfg.curves (3) OK trials that name a log file
 * (the table's log_file / curve column, relative to cfg.curve_dir) are read
 * with curvecheck's readers (td_log_read_file) and judged by its detectors
 * (td_findings_detect, default thresholds): a warning or error (overfitting,
 * late noise, divergence, ...) is a finding of the study, an info (still
 * improving when training stopped) a note, and an unreadable log a note.
 * With --scientific, the best trial of every scientific value is judged
 * too (the playbook: check at least each of the trials being compared). */
#include "td_study.h"
#include "td_curves.h"
#include "td_findings.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Open the curve file f that a table names, relative to dir (NULL: "."),
 * as the table's own: f must be a relative path without "..", every folder
 * on the way and the file itself are opened without following symlinks
 * (openat, O_NOFOLLOW) and without blocking (O_NONBLOCK), and the file must
 * be a regular file. So a hostile table cannot make studycheck read
 * /etc/passwd, ../../secret, a FIFO or /dev/zero. Returns an fd to close,
 * or -1 with e saying why (safe is f, printable). */
static int open_curve(const char *dir, const char *f, const char *safe, td_err *e)
{
    if (!f[0] || f[0] == '/') {
        td_fail(e, TD_EINPUT, "%s: refused: not a path relative to the table", safe);
        return -1;
    }
    for (const char *p = f; *p; p += strcspn(p, "/"), p += *p == '/') {
        if (strncmp(p, "..", 2) == 0 && (p[2] == '/' || p[2] == 0)) {
            td_fail(e, TD_EINPUT, "%s: refused: a path with '..' leaves the table's folder", safe);
            return -1;
        }
    }
    int dfd = open(dir ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) { td_fail(e, TD_EIO, "%s: cannot open the table's folder: %s", safe, strerror(errno)); return -1; }
    char comp[4096];
    const char *p = f;
    for (;;) {
        size_t len = strcspn(p, "/");
        if (len >= sizeof comp) { close(dfd); td_fail(e, TD_EINPUT, "%s: name too long", safe); return -1; }
        memcpy(comp, p, len);
        comp[len] = 0;
        p += len;
        while (*p == '/') p++;
        int last = *p == 0;
        if (len == 0 || (len == 1 && comp[0] == '.')) { if (last) break; continue; }
        int fd = openat(dfd, comp, last ? O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC
                                        : O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int err = errno;
        close(dfd);
        if (fd < 0) {
            td_fail(e, TD_EIO, "%s: cannot open: %s", safe, err == ELOOP || (err == ENOTDIR && !last)
                    ? "a symbolic link (not followed)" : strerror(err));
            return -1;
        }
        if (!last) { dfd = fd; continue; }
        struct stat st;
        if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
            close(fd);
            td_fail(e, TD_EINPUT, "%s: refused: not a regular file", safe);
            return -1;
        }
        return fd;
    }
    td_fail(e, TD_EINPUT, "%s: refused: not a file name", safe);
    return -1;
}

/* Read the log on fd with curvecheck's streaming reader, name as source. */
static td_code read_curve(int fd, const char *name, td_log **out, td_err *e)
{
    *out = NULL;
    td_log_reader *r = td_log_reader_new(name, TD_FMT_AUTO);
    char *buf = malloc(1 << 16);
    td_code rc = r && buf ? TD_OK : td_fail(e, TD_ENOMEM, "%s: out of memory", name);
    for (ssize_t n; rc == TD_OK && (n = read(fd, buf, 1 << 16)) != 0;) {
        if (n < 0 && errno == EINTR) continue;
        rc = n < 0 ? td_fail(e, TD_EIO, "%s: read error: %s", name, strerror(errno))
                   : td_log_reader_feed(r, buf, (size_t)n, e);
    }
    if (rc == TD_OK) rc = td_log_reader_finish(r, e);
    if (rc == TD_OK && !(*out = td_log_reader_take(r))) rc = td_fail(e, TD_ENOMEM, "%s: out of memory", name);
    free(buf);
    td_log_reader_free(r);
    return rc;
}

/* Judge the curve of trial i; who says which best trial it is
 * ("best trial #2", "best trial for optimizer = sgd"). */
static td_code judge_one(const td_study *s, const td_study_cfg *c, const char *who, double rank, size_t i,
                         td_study_report *r, td_err *e)
{
    char path[4096], safe[256];
    const char *f = s->curve[i];
    if (c->curve_dir) snprintf(path, sizeof path, "%s/%s", c->curve_dir, f);
    else snprintf(path, sizeof path, "%s", f);
    td_safe_text(safe, sizeof safe, f);
    td_log *log = NULL;
    td_err le;
    td_err_clear(&le);
    int fd = open_curve(c->curve_dir, f, safe, &le);
    td_code lrc = fd < 0 ? le.code : read_curve(fd, path, &log, &le);
    if (fd >= 0) close(fd);
    if (lrc != TD_OK)
        return td_study_add(r, TD_SF_CURVE, 0, -1, 0, rank, NAN, "%s (%s %zu): its curve cannot be read: %s",
                            who, s->row_word, s->row[i], le.msg);
    td_detect_opts o;
    td_detect_opts_default(&o);
    td_code rc = TD_OK;
    size_t seen = 0;
    for (size_t k = 0; k < log->nruns && rc == TD_OK; k++) {
        td_findings fs;
        td_findings_init(&fs);
        rc = td_findings_detect(&log->runs[k], &o, &fs, e);
        for (size_t j = 0; j < fs.n && rc == TD_OK; j++, seen++) {
            const td_finding *fd = &fs.f[j];
            rc = td_study_add(r, TD_SF_CURVE, fd->severity >= TD_SEV_WARNING, -1, 0, rank, (double)fd->kind,
                              "%s (%s %zu, %s): curvecheck %s %s on %s: %s", who, s->row_word, s->row[i], safe,
                              td_severity_name(fd->severity), td_finding_kind_name(fd->kind),
                              fd->metric ? fd->metric : "?", fd->evidence);
        }
        td_findings_free(&fs);
    }
    if (rc == TD_OK && seen == 0)
        rc = td_study_add(r, TD_SF_CURVE, 0, -1, 0, rank, NAN, "%s (%s %zu, %s): curvecheck finds nothing wrong "
                          "with its curves", who, s->row_word, s->row[i], safe);
    td_log_free(log);
    return rc;
}

td_code td_study_check_curves(const td_study *s, const td_study_cfg *c, td_study_report *r, td_err *e)
{
    if (!s->curve || c->curves == 0) return TD_OK;
    size_t *idx = malloc(c->curves * sizeof *idx);
    unsigned char *has = malloc(s->n ? s->n : 1);
    if (!idx || !has) {
        free(idx);
        free(has);
        return td_fail(e, TD_ENOMEM, "curves: out of memory");
    }
    for (size_t i = 0; i < s->n; i++) has[i] = s->curve[i] != NULL;
    size_t m = td_study_top(s, has, idx, c->curves);
    free(has);
    td_code rc = TD_OK;
    char who[160];
    for (size_t k = 0; k < m && rc == TD_OK; k++) {
        snprintf(who, sizeof who, "best trial #%zu", k + 1);
        rc = judge_one(s, c, who, (double)(k + 1), idx[k], r, e);
    }
    /* the playbook: check at least the best trial of each scientific value */
    if (rc == TD_OK && c->scientific >= 0 && (size_t)c->scientific < s->nhp) {
        td_study_iso iso;
        rc = td_study_isolation(s, (size_t)c->scientific, c->buckets, &iso, e);
        const td_hp *h = &s->hp[c->scientific];
        for (size_t b = 0; b < iso.n && rc == TD_OK; b++) {
            size_t i = iso.best_trial[b], k = 0;
            if (i == (size_t)-1 || !s->curve[i]) continue;
            while (k < m && idx[k] != i) k++;
            if (k < m) continue; /* judged above */
            char name[64], val[64];
            td_safe_text(name, sizeof name, h->name);
            if (h->type == TD_HP_CAT) td_safe_text(val, sizeof val, h->levels[b]);
            else if (iso.lo[b] == iso.hi[b]) snprintf(val, sizeof val, "%.4g", iso.x[b]);
            else snprintf(val, sizeof val, "in [%.4g, %.4g)", iso.lo[b], iso.hi[b]);
            snprintf(who, sizeof who, "best trial for %s %s%s", name, h->type == TD_HP_CAT ||
                     iso.lo[b] == iso.hi[b] ? "= " : "", val);
            rc = judge_one(s, c, who, 0, i, r, e);
        }
        td_study_iso_free(&iso);
    }
    free(idx);
    return rc;
}
