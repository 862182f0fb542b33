/* cv_bench_readers.c — the reading benchmark's helper (not in the library).
 *
 *   cv_bench_readers gen-csv N FILE     N rows, 7 columns (step, epoch, loss,
 *                                       accuracy, val_loss, val_accuracy, lr)
 *   cv_bench_readers gen-jsonl N FILE   the same rows as JSON lines
 *   cv_bench_readers read FILE...       read each with td_log_read_file; print
 *                                       "<seconds> <points> <peak RSS KiB> <KiB of numbers>"
 *   cv_bench_readers compare CSV JSONL [CURVECHECK]
 *       in one run, each in its own process (wall time, CPU time and peak
 *       RSS from wait4): `wc -l` (the floor), this reader, curvecheck
 *       (reading and judging) when given, and pandas.read_csv /
 *       pandas.read_json(lines=True) alone (timed inside Python, import
 *       excluded); prints the ratios against pandas and the reader's peak
 *       memory against the numbers it holds (x and y, 16 bytes a point).
 * The values follow a noisy decaying loss from a seeded td_rng, written with
 * 6 significant digits (about 52 bytes a CSV row, 130 a JSON line). */
#include "td_curves.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int gen(const char *kind, long n, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) { perror(path); return TD_EXIT_INPUT; }
    td_rng r;
    td_rng_seed(&r, 42);
    int json = strcmp(kind, "gen-jsonl") == 0;
    if (!json) fputs("step,epoch,loss,accuracy,val_loss,val_accuracy,lr\n", f);
    for (long i = 0; i < n; i++) {
        double t = (double)i / (double)n;
        double loss = 0.3 + 2.0 * exp(-5 * t) + 0.02 * td_rng_normal(&r);
        double vl = loss + 0.05 + 0.02 * td_rng_normal(&r);
        double acc = 1 - loss / 2.5, va = 1 - vl / 2.5, lr = 1e-3 * (1 - t) + 1e-6;
        long epoch = i / 10000;
        if (json)
            fprintf(f, "{\"step\": %ld, \"epoch\": %ld, \"loss\": %.6g, \"accuracy\": %.6g, \"val_loss\": %.6g, "
                       "\"val_accuracy\": %.6g, \"lr\": %.6g}\n", i, epoch, loss, acc, vl, va, lr);
        else
            fprintf(f, "%ld,%ld,%.6g,%.6g,%.6g,%.6g,%.6g\n", i, epoch, loss, acc, vl, va, lr);
    }
    if (fclose(f) != 0) { perror(path); return TD_EXIT_INPUT; }
    return 0;
}

static double cv_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

typedef struct {
    double wall, cpu;   /* seconds */
    long rss_kib;       /* peak resident set */
    char out[256];      /* the child's first line of stdout */
    int ok;
} cv_meas;

/* Run argv in a child with stdout captured (first line kept) and stderr to
 * /dev/null; measure wall, CPU (user+sys) and peak RSS. */
static cv_meas cv_run(char *const argv[])
{
    cv_meas m = {0};
    int fd[2];
    if (pipe(fd) != 0) return m;
    double t0 = cv_now();
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fd[1], 1);
        close(fd[0]);
        FILE *nul = freopen("/dev/null", "w", stderr);
        (void)nul;
        execvp(argv[0], argv);
        _exit(127);
    }
    close(fd[1]);
    size_t got = 0;
    char buf[4096];
    ssize_t k;
    while ((k = read(fd[0], buf, sizeof buf)) > 0)
        if (got < sizeof m.out - 1) {
            size_t c = (size_t)k < sizeof m.out - 1 - got ? (size_t)k : sizeof m.out - 1 - got;
            memcpy(m.out + got, buf, c);
            got += c;
        }
    close(fd[0]);
    m.out[got] = '\0';
    char *nl = strchr(m.out, '\n');
    if (nl) *nl = '\0';
    int status;
    struct rusage ru;
    if (pid < 0 || wait4(pid, &status, 0, &ru) != pid) return m;
    m.wall = cv_now() - t0;
    m.cpu = (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_sec +
            1e-6 * (double)ru.ru_stime.tv_usec;
    m.rss_kib = ru.ru_maxrss;
    m.ok = WIFEXITED(status) && WEXITSTATUS(status) <= 1; /* curvecheck: 1 = a finding */
    return m;
}

static const char *cv_pandas_py =
    "import sys, time, resource\n"
    "import pandas as pd\n"
    "def cpu():\n"
    "    r = resource.getrusage(resource.RUSAGE_SELF); return r.ru_utime + r.ru_stime\n"
    "c, t = cpu(), time.monotonic()\n"
    "d = pd.read_csv(sys.argv[2]) if sys.argv[1] == 'csv' else pd.read_json(sys.argv[2], lines=True)\n"
    "print('%.3f %.3f %d' % (time.monotonic() - t, cpu() - c, d.shape[0]))\n";

static int cv_compare(const char *self, const char *csv, const char *jsonl, const char *curvecheck)
{
    const char *files[2] = {csv, jsonl}, *kinds[2] = {"csv", "jsonl"};
    printf("%-7s %-28s %8s %8s %9s %10s %10s\n", "file", "what", "wall s", "cpu s", "peak MiB", "x pandas",
           "x pandas");
    printf("%-7s %-28s %8s %8s %9s %10s %10s\n", "", "", "", "", "", "(wall)", "(cpu)");
    int rc = 0;
    for (int f = 0; f < 2; f++) {
        char *wc[] = {"wc", "-l", (char *)files[f], NULL};
        char *rd[] = {(char *)self, "read", (char *)files[f], NULL};
        char *cc[] = {(char *)curvecheck, (char *)files[f], NULL};
        /* Debian's python3 (python3-pandas); another python3 on PATH may lack pandas */
        char *py = access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
        char *pd[] = {py, "-c", (char *)cv_pandas_py, (char *)kinds[f], (char *)files[f], NULL};
        cv_meas mw = cv_run(wc), mr = cv_run(rd), mc = {0}, mp = cv_run(pd);
        if (curvecheck) mc = cv_run(cc);
        double pw = 0, pc = 0;
        long prow = 0;
        if (!mp.ok || sscanf(mp.out, "%lf %lf %ld", &pw, &pc, &prow) != 3) {
            printf("%-7s pandas failed (is python3-pandas installed?)\n", kinds[f]);
            rc = 1;
        }
        double rt = 0, pts = 0, rss = 0, num = 0;
        if (!mr.ok || sscanf(mr.out, "%lf %lf %lf %lf", &rt, &pts, &rss, &num) != 4) {
            printf("%-7s the reader failed\n", kinds[f]);
            return 1;
        }
        const struct { const char *what; cv_meas m; } rows[] = {
            {"wc -l (floor)", mw}, {"td_log_read_file", mr}, {"curvecheck (read + judge)", mc},
        };
        for (size_t i = 0; i < 3; i++) {
            if (i == 2 && !curvecheck) continue;
            const cv_meas *m = &rows[i].m;
            if (!m->ok) { printf("%-7s %-28s failed\n", kinds[f], rows[i].what); rc = 1; continue; }
            printf("%-7s %-28s %8.3f %8.3f %9.1f %10.1f %10.1f\n", kinds[f], rows[i].what, m->wall, m->cpu,
                   (double)m->rss_kib / 1024, pw > 0 ? pw / m->wall : 0, pc > 0 ? pc / m->cpu : 0);
        }
        printf("%-7s %-28s %8.3f %8.3f %9.1f %10s %10s\n", kinds[f],
               f == 0 ? "pandas.read_csv (read only)" : "pandas.read_json(lines)", pw, pc,
               (double)mp.rss_kib / 1024, "1.0", "1.0");
        printf("%-7s reader: %.0f points, peak RSS %.1f MiB = %.2f x the %.1f MiB of numbers (x, y) it holds\n",
               kinds[f], pts, rss / 1024, num > 0 ? rss / num : 0, num / 1024);
    }
    return rc;
}

int main(int argc, char **argv)
{
    if ((argc == 4 || argc == 5) && strcmp(argv[1], "compare") == 0)
        return cv_compare(argv[0], argv[2], argv[3], argc == 5 ? argv[4] : NULL);
    if (argc == 4 && strncmp(argv[1], "gen-", 4) == 0) {
        long long n;
        td_err e;
        if (td_parse_long("N", argv[2], 1, 100000000, &n, &e) != TD_OK) {
            fprintf(stderr, "cv_bench_readers: %s\n", e.msg);
            return TD_EXIT_USAGE;
        }
        return gen(argv[1], (long)n, argv[3]);
    }
    if (argc < 3 || strcmp(argv[1], "read") != 0) {
        fprintf(stderr, "usage: cv_bench_readers gen-csv|gen-jsonl N FILE | read FILE... | "
                        "compare CSV JSONL [CURVECHECK]\n");
        return TD_EXIT_USAGE;
    }
    for (int i = 2; i < argc; i++) {
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        td_log *log;
        td_err e;
        if (td_log_read_file(argv[i], TD_FMT_AUTO, &log, &e) != TD_OK) {
            fprintf(stderr, "cv_bench_readers: %s\n", e.msg);
            return td_exit_code(e.code);
        }
        clock_gettime(CLOCK_MONOTONIC, &b);
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        size_t pts = td_log_points(log);
        printf("%.3f %zu %ld %zu\n", (double)(b.tv_sec - a.tv_sec) + 1e-9 * (double)(b.tv_nsec - a.tv_nsec), pts,
               ru.ru_maxrss, pts * 2 * sizeof(double) / 1024);
        td_log_free(log);
    }
    return 0;
}
