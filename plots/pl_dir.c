/* pl_dir.c — the report directory, written atomically: a temporary sibling
 * is filled, then renamed into place; a previous report is swapped out
 * only once the new one is complete, and anything else is never replaced. */
#define _GNU_SOURCE /* renameat2 (RENAME_EXCHANGE) */
#include "td_plot.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define PL_MARKER ".tdiag-report"

/* Split target (trailing slashes dropped) into parent and base. */
static td_code split_target(const char *target, char *parent, char *base, size_t cap,
                            td_err *e)
{
    size_t len = strlen(target);
    while (len > 1 && target[len - 1] == '/') len--;
    if (len == 0 || len >= cap) return td_fail(e, TD_EUSAGE, "report directory name is empty or too long");
    char t[4096];
    memcpy(t, target, len);
    t[len] = '\0';
    char *slash = strrchr(t, '/');
    const char *b = slash ? slash + 1 : t;
    if (!*b || !strcmp(b, ".") || !strcmp(b, ".."))
        return td_fail(e, TD_EUSAGE, "%s: not usable as a report directory name", target);
    if (slash == t) snprintf(parent, cap, "/");
    else if (slash) { *slash = '\0'; snprintf(parent, cap, "%s", t); }
    else snprintf(parent, cap, ".");
    snprintf(base, cap, "%s", b);
    return TD_OK;
}

td_code td_plot_tmpdir(const char *target, char *path, size_t cap, td_err *e)
{
    char parent[4096], base[4096];
    td_code c = split_target(target, parent, base, sizeof parent, e);
    if (c) return c;
    int n = snprintf(path, cap, "%s/.%s.tmp.XXXXXX", parent, base);
    if (n < 0 || (size_t)n >= cap) return td_fail(e, TD_EUSAGE, "%s: name too long", target);
    if (!mkdtemp(path))
        return td_fail(e, TD_EIO, "%s: cannot create a temporary directory in %s: %s", target,
                       parent, strerror(errno));
    return TD_OK;
}

int td_plot_path(char *buf, size_t cap, const char *dir, const char *name)
{
    int n = snprintf(buf, cap, "%s/%s", dir, name);
    return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/* 1 when dir is empty or holds a tdiag report marker, 0 otherwise. */
static int replaceable(const char *dir)
{
    char m[4200];
    struct stat st;
    if (td_plot_path(m, sizeof m, dir, PL_MARKER) == 0 && lstat(m, &st) == 0 && S_ISREG(st.st_mode)) return 1;
    DIR *d = opendir(dir);
    if (!d) return 0;
    struct dirent *de;
    int empty = 1;
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) { empty = 0; break; }
    closedir(d);
    return empty;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st; (void)ftw;
    return (flag == FTW_DP ? rmdir(path) : unlink(path)) ? -1 : 0;
}

int td_plot_rmtree(const char *path)
{
    return nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

td_code td_plot_check_target(const char *target, int *exists, td_err *e)
{
    struct stat st;
    *exists = 0;
    if (lstat(target, &st) != 0) {
        if (errno != ENOENT) return td_fail(e, TD_EIO, "%s: %s", target, strerror(errno));
        return TD_OK;
    }
    *exists = 1;
    if (!S_ISDIR(st.st_mode))
        return td_fail(e, TD_EIO, "%s: exists and is not a directory; not replaced", target);
    if (!replaceable(target))
        return td_fail(e, TD_EIO, "%s: exists and is not a tdiag report; not replaced", target);
    return TD_OK;
}

/* 1 when name is ".<base>.tmp.XXXXXX" or that + ".old" (our temporaries). */
static int our_tmp_name(const char *name, const char *base)
{
    size_t lb = strlen(base);
    if (name[0] != '.' || strncmp(name + 1, base, lb) != 0 || strncmp(name + 1 + lb, ".tmp.", 5) != 0) return 0;
    const char *x = name + 1 + lb + 5;
    return strlen(x) == 6 || (strlen(x) == 10 && strcmp(x + 6, ".old") == 0);
}

int td_plot_clean_stale(const char *target)
{
    char parent[4096], base[4096], p[8200];
    if (split_target(target, parent, base, sizeof parent, NULL) != TD_OK) return 0;
    DIR *d = opendir(parent);
    if (!d) return 0;
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!our_tmp_name(de->d_name, base) || snprintf(p, sizeof p, "%s/%s", parent, de->d_name) >= (int)sizeof p) continue;
        int fd = open(p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) continue;
        /* a live writer holds its lock; a stale one is a report or empty */
        if (flock(fd, LOCK_EX | LOCK_NB) == 0 && replaceable(p) && td_plot_rmtree(p) == 0) n++;
        close(fd);
    }
    closedir(d);
    return n;
}

td_code td_plot_commit_dir(const char *tmp, const char *target, td_err *e)
{
    int exists;
    td_code c = td_plot_check_target(target, &exists, e);
    if (c) return c;
    if (!exists) {
        if (rename(tmp, target) != 0)
            return td_fail(e, TD_EIO, "%s: cannot move the report into place: %s", target,
                           strerror(errno));
        return TD_OK;
    }
    /* swap in one step; the old report ends up at tmp and is removed */
    if (renameat2(AT_FDCWD, tmp, AT_FDCWD, target, RENAME_EXCHANGE) == 0) {
        td_plot_rmtree(tmp);
        return TD_OK;
    }
    if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
        return td_fail(e, TD_EIO, "%s: cannot replace the report: %s", target, strerror(errno));
    /* file systems without exchange: move the old one aside, then in */
    char old[4200];
    int n = snprintf(old, sizeof old, "%s.old", tmp);
    if (n < 0 || (size_t)n >= sizeof old) return td_fail(e, TD_EIO, "%s: name too long", target);
    if (rename(target, old) != 0)
        return td_fail(e, TD_EIO, "%s: cannot move the old report aside: %s", target,
                       strerror(errno));
    if (rename(tmp, target) != 0) {
        int err = errno;
        rename(old, target);
        return td_fail(e, TD_EIO, "%s: cannot move the report into place: %s", target,
                       strerror(err));
    }
    td_plot_rmtree(old);
    return TD_OK;
}

td_code td_plot_write_file(const char *dir, const char *name,
                           td_code (*fn)(const void *obj, td_out *o),
                           const void *obj, td_err *e)
{
    char path[4200];
    if (td_plot_path(path, sizeof path, dir, name))
        return td_fail(e, TD_EIO, "%s/%s: name too long", dir, name);
    FILE *f = fopen(path, "w");
    if (!f) return td_fail(e, TD_EIO, "%s: cannot write: %s", path, strerror(errno));
    td_out o = td_out_file(f);
    td_code c = fn(obj, &o);
    if (fclose(f) != 0 || o.failed || c)
        return td_fail(e, c && c != TD_EIO ? c : TD_EIO, "%s: write failed", path);
    return TD_OK;
}
