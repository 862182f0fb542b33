/* cv_bench_readers.c — the reading benchmark's helper (not in the library).
 *
 *   cv_bench_readers gen-csv N FILE     N rows, 7 columns (step, epoch, loss,
 *                                       accuracy, val_loss, val_accuracy, lr)
 *   cv_bench_readers gen-jsonl N FILE   the same rows as JSON lines
 *   cv_bench_readers read FILE...       read each with td_log_read_file; print
 *                                       "<seconds> <points> <peak RSS KiB> <KiB of numbers>"
 *   cv_bench_readers compare CSV JSONL [CURVECHECK]   ("-": that file skipped)
 *       in one run, each in its own process (wall time, CPU time and peak
 *       RSS from wait4): `wc -l` (the floor), this reader, curvecheck
 *       (reading and judging) when given, and pandas.read_csv /
 *       pandas.read_json(lines=True) alone (timed inside Python, import
 *       excluded); prints the ratios against pandas and the reader's peak
 *       memory against the numbers it holds (x and y, 16 bytes a point).
 *       Every figure is the median of CV_BENCH_RUNS runs (default 3);
 *       pandas' import is timed on its own (python3 -c 'import pandas').
 *       With CV_BENCH_TSV=FILE, rows for make bench's table are appended
 *       to FILE (area, work, tdiag_s, peer, peer_s, floor_s, peer/tdiag,
 *       tdiag/floor, goal, met): curvecheck's CPU time against pandas'
 *       read CPU time and wc -l's; with CV_BENCH_MEM=1 one memory row
 *       (MiB) instead: curvecheck's peak against 2 x its numbers.
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

static int cv_dbl_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* argv run `runs` times: the median wall, CPU and peak RSS of each
 * (separately), the first run's output. */
static cv_meas cv_run_med(char *const argv[], int runs)
{
    double w[16], c[16], r[16];
    cv_meas first = {0};
    if (runs < 1) runs = 1;
    if (runs > 16) runs = 16;
    for (int i = 0; i < runs; i++) {
        cv_meas m = cv_run(argv);
        if (i == 0) first = m;
        if (!m.ok) { first.ok = 0; return first; }
        w[i] = m.wall; c[i] = m.cpu; r[i] = (double)m.rss_kib;
    }
    qsort(w, (size_t)runs, sizeof *w, cv_dbl_cmp);
    qsort(c, (size_t)runs, sizeof *c, cv_dbl_cmp);
    qsort(r, (size_t)runs, sizeof *r, cv_dbl_cmp);
    first.wall = w[runs / 2];
    first.cpu = c[runs / 2];
    first.rss_kib = (long)r[runs / 2];
    return first;
}

/* One row of make bench's table (see the file comment). */
static void cv_tsv(FILE *t, const char *work, double ours, const char *peer, double peer_v, double floor_v,
                   const char *goal, double need, int lower_better)
{
    if (!t) return;
    double po = ours > 0 ? peer_v / ours : 0, of = floor_v > 0 ? ours / floor_v : 0;
    int met = lower_better ? ours <= need : po >= need;
    fprintf(t, "curves\t%s\t%.3f\t%s\t%.3f\t%.3f\t%.2f\t%.2f\t%s\t%s\n", work, ours, peer, peer_v, floor_v, po, of,
            goal, need > 0 ? (met ? "yes" : "no") : "-");
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
    const char *rs = getenv("CV_BENCH_RUNS"), *tp = getenv("CV_BENCH_TSV"), *ms = getenv("CV_BENCH_MEM");
    int runs = rs ? atoi(rs) : 3, mem = ms && strcmp(ms, "1") == 0;
    FILE *tsv = tp && *tp ? fopen(tp, "a") : NULL;
    printf("%-7s %-28s %8s %8s %9s %10s %10s\n", "file", "what", "wall s", "cpu s", "peak MiB", "x pandas",
           "x pandas");
    printf("%-7s %-28s %8s %8s %9s %10s %10s\n", "", "", "", "", "", "(wall)", "(cpu)");
    int rc = 0;
    for (int f = 0; f < 2; f++) {
        if (strcmp(files[f], "-") == 0) continue; /* that kind not measured */
        char *wc[] = {"wc", "-l", (char *)files[f], NULL};
        char *rd[] = {(char *)self, "read", (char *)files[f], NULL};
        char *cc[] = {(char *)curvecheck, (char *)files[f], NULL};
        /* Debian's python3 (python3-pandas); another python3 on PATH may lack pandas */
        char *py = access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
        char *pd[] = {py, "-c", (char *)cv_pandas_py, (char *)kinds[f], (char *)files[f], NULL};
        cv_meas mw = cv_run_med(wc, runs), mr = cv_run_med(rd, runs), mc = {0}, mp = cv_run_med(pd, runs);
        if (curvecheck) mc = cv_run_med(cc, runs);
        double pw = 0, pc = 0;
        long prow = 0;
        if (!mp.ok || sscanf(mp.out, "%lf %lf %ld", &pw, &pc, &prow) != 3) {
            printf("%-7s pandas failed (is python3-pandas installed?)\n", kinds[f]);
            rc = 1;
        }
        double rt = 0, pts = 0, rss = 0, num = 0;
        if (!mr.ok || sscanf(mr.out, "%lf %lf %lf %lf", &rt, &pts, &rss, &num) != 4) {
            printf("%-7s the reader failed\n", kinds[f]);
            if (tsv) fclose(tsv);
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
        if (!curvecheck || !mc.ok || pc <= 0) continue;
        char work[64];
        snprintf(work, sizeof work, "%s %.0fM %s", f == 0 ? "CSV" : "JSONL", (double)prow / 1e6,
                 f == 0 ? "rows" : "lines");
        if (mem) {
            char w2[96];
            snprintf(w2, sizeof w2, "%s, peak MiB", work);
            cv_tsv(tsv, w2, (double)mc.rss_kib / 1024, "pandas", (double)mp.rss_kib / 1024, num / 1024,
                   "<=2x numbers (x,y)", 2 * num / 1024, 1);
        } else {
            cv_tsv(tsv, work, mc.cpu, f == 0 ? "pandas.read_csv" : "pandas.read_json(lines)", pc, mw.cpu,
                   f == 0 ? ">=10x peer" : ">=20x peer", f == 0 ? 10 : 20, 0);
        }
    }
    char *py = access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
    char *imp[] = {py, "-c", "import pandas", NULL};
    cv_meas mi = cv_run_med(imp, runs);
    if (mi.ok) {
        printf("pandas import alone (python3 -c 'import pandas', not in the figures above): %.3f s wall, %.3f s cpu\n",
               mi.wall, mi.cpu);
        if (!mem && tsv) /* the peer's start-up, apart: no tdiag figure, no goal */
            fprintf(tsv, "curves\tpandas import alone (not in the rows above)\t-\tpython3 -c 'import pandas'\t%.3f\t-\t-\t-\t-\t-\n",
                    mi.cpu);
    }
    if (tsv) fclose(tsv);
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
