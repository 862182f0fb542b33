/* td_cli.c — shared command-line manners: help, unknown options, stdin spool. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "td_cli.h"

int td_cli_is_help(const char *arg)
{
    return arg && (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0);
}

/* arg without leading dashes and without "=value", into buf */
static const char *bare(const char *arg, char *buf, size_t cap)
{
    while (*arg == '-') arg++;
    size_t n = strcspn(arg, "=");
    if (n >= cap) n = cap - 1;
    memcpy(buf, arg, n);
    buf[n] = '\0';
    return buf;
}

/* optimal-string-alignment distance of a and b, capped at 3 (enough here) */
static int distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63) return 3;
    int d[64][64];
    for (size_t i = 0; i <= la; i++) d[i][0] = (int)i;
    for (size_t j = 0; j <= lb; j++) d[0][j] = (int)j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            int c = a[i - 1] != b[j - 1];
            int v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v) v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + c < v) v = d[i - 1][j - 1] + c;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    return d[la][lb] < 3 ? d[la][lb] : 3;
}

const char *td_cli_nearest(const char *arg, const char *const *known, size_t n)
{
    char a[64], k[64];
    bare(arg, a, sizeof a);
    size_t la = strlen(a);
    if (la < 2) return NULL; /* one letter is close to every short option */
    const char *best = NULL, *prefix = NULL;
    int best_d = 3, nprefix = 0;
    for (size_t i = 0; i < n; i++) {
        bare(known[i], k, sizeof k);
        if (strncmp(k, a, la) == 0) { prefix = known[i]; nprefix++; }
        int limit = strlen(k) <= 4 ? 1 : 2, dd = distance(a, k);
        if (dd <= limit && dd < best_d) { best = known[i]; best_d = dd; }
    }
    if (best) return best;
    return nprefix == 1 ? prefix : NULL;
}

td_code td_cli_unknown(const char *arg, const char *const *known, size_t n, td_err *e)
{
    char safe[96];
    const char *near = td_cli_nearest(arg, known, n);
    td_safe_text(safe, sizeof safe, arg);
    if (near) return td_fail(e, TD_EUSAGE, "unknown option '%s' (did you mean %s?; see --help)", safe, near);
    return td_fail(e, TD_EUSAGE, "unknown option '%s' (see --help)", safe);
}

td_code td_cli_getopt_error(char *const *argv, int optind, int optopt, const struct option *lo, td_err *e)
{
    const char *arg = optind > 0 ? argv[optind - 1] : "?";
    const char *names[128];
    char buf[128][40];
    size_t n = 0;
    for (; lo[n].name && n < 128; n++) {
        snprintf(buf[n], sizeof buf[n], "--%s", lo[n].name);
        names[n] = buf[n];
        if (optopt && lo[n].val == optopt && lo[n].has_arg == required_argument)
            return td_fail(e, TD_EUSAGE, "option '%s' needs a value (see --help)", buf[n]);
    }
    if (optopt && optopt < 256 && arg[0] == '-' && arg[1] != '-')
        return td_fail(e, TD_EUSAGE, "option '-%c' needs a value (see --help)", optopt);
    return td_cli_unknown(arg, names, n, e);
}

td_code td_spool_stdin(char *path, size_t cap, td_err *e)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir) dir = "/tmp";
    if (cap < 64 || (size_t)snprintf(path, cap, "%s/tdiag-stdin.XXXXXX", dir) + 6 >= cap)
        return td_fail(e, TD_EIO, "<stdin>: temporary folder name too long");
    if (!mkdtemp(path)) return td_fail(e, TD_EIO, "<stdin>: cannot create a temporary folder in %s: %s", dir, strerror(errno));
    strcat(path, "/stdin");
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) {
        td_fail(e, TD_EIO, "<stdin>: cannot create a temporary file in %s: %s", dir, strerror(errno));
        td_spool_remove(path);
        return TD_EIO;
    }
    char chunk[65536];
    size_t total = 0;
    td_code rc = TD_OK;
    for (;;) {
        ssize_t got = read(0, chunk, sizeof chunk);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) { rc = td_fail(e, TD_EIO, "<stdin>: cannot read: %s", strerror(errno)); break; }
        if (got == 0) break;
        for (ssize_t off = 0; off < got;) {
            ssize_t w = write(fd, chunk + off, (size_t)(got - off));
            if (w < 0 && errno == EINTR) continue;
            if (w < 0) { rc = td_fail(e, TD_EIO, "<stdin>: cannot write the temporary copy in %s: %s", dir, strerror(errno)); break; }
            off += w;
        }
        if (rc) break;
        total += (size_t)got;
    }
    if (close(fd) != 0 && !rc) rc = td_fail(e, TD_EIO, "<stdin>: cannot write the temporary copy in %s: %s", dir, strerror(errno));
    if (!rc && total == 0) rc = td_fail(e, TD_EINPUT, "<stdin>: empty input");
    if (rc) td_spool_remove(path);
    return rc;
}

void td_spool_remove(const char *path)
{
    if (!path || !*path) return;
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    unlink(path);
    if (slash) { *slash = '\0'; rmdir(dir); }
}

td_code td_cli_spool_dash(const char **files, int n, char *spool, size_t cap, td_err *e)
{
    int at = -1;
    if (cap) spool[0] = '\0';
    for (int i = 0; i < n; i++) {
        if (strcmp(files[i], "-") != 0) continue;
        if (at >= 0) return td_fail(e, TD_EUSAGE, "standard input ('-') given twice");
        at = i;
    }
    if (at < 0) return TD_OK;
    td_code rc = td_spool_stdin(spool, cap, e);
    if (rc) { spool[0] = '\0'; return rc; }
    files[at] = spool;
    return TD_OK;
}

char *td_cli_relabel(const char *s, const char *from, const char *to)
{
    size_t lf = strlen(from), lt = strlen(to), n = 0;
    for (const char *p = s; lf && (p = strstr(p, from)); p += lf) n++;
    size_t len = strlen(s) + n * lt + 1;
    char *out = malloc(len), *o = out;
    if (!out) return NULL;
    for (const char *p = s; *p;) {
        if (lf && strncmp(p, from, lf) == 0) { memcpy(o, to, lt); o += lt; p += lf; }
        else *o++ = *p++;
    }
    *o = '\0';
    return out;
}
