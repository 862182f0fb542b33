/* sc_isolate.c — run the model checks in a forked child, so that a plugin
 * that crashes or hangs is reported as such ("crashed with SIGSEGV in
 * forward") instead of taking sanitycheck down. No signal handler is
 * installed in the caller; the child restores the default action of the
 * fault signals. The stage of work lives in shared memory; the result (a
 * plain-data td_sc_report) comes back through a pipe, and nothing is
 * printed until the child finished. (gradcheck's td_gc_check_isolated does
 * the same for a layer check; its child runs td_gc_check only, so this
 * file does the same for the model checks.) */
#define _GNU_SOURCE /* sigabbrev_np, strsignal */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "td_sanity.h"

typedef struct {
    int code;
    char msg[TD_ERR_MSG];
    td_sc_report report;
} child_answer;

static int write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void child_run(int fd, const char *path, int n, const char *const *keys, const char *const *vals,
                      const td_sc_data *data, const td_sc_model_opts *o, volatile int *stage,
                      const td_sc_report *init)
{
    static child_answer a; /* large: off the stack */
    td_err e;
    td_err_clear(&e);
    a.report = *init;
    void *h = NULL;
    const td_model_api *api = NULL;
    *stage = TD_SC_ST_LOAD;
    td_code rc = td_sc_model_open(path, &h, &api, &e);
    *stage = TD_SC_ST_IDLE;
    if (rc == TD_OK) rc = td_sc_model_check(api, n, keys, vals, data, o, stage, &a.report, &e);
    a.code = (int)rc;
    snprintf(a.msg, sizeof a.msg, "%s", e.msg);
    /* no dlclose: the plugin's destructors are not our business in a child about to exit */
    _exit(write_all(fd, &a, sizeof a) ? 70 : 0);
}

td_code td_sc_model_check_isolated(const char *path, int n, const char *const *keys,
                                   const char *const *vals, const td_sc_data *data,
                                   const td_sc_model_opts *o, double timeout_s,
                                   td_sc_report *r, td_err *e)
{
    char safe[256];
    td_safe_text(safe, sizeof safe, path);
    volatile int *stage = mmap(NULL, sizeof(int), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (stage == MAP_FAILED) return td_fail(e, TD_EIO, "mmap failed: %s", strerror(errno));
    *stage = TD_SC_ST_IDLE;
    int fds[2];
    if (pipe(fds) != 0) {
        munmap((void *)stage, sizeof(int));
        return td_fail(e, TD_EIO, "pipe failed: %s", strerror(errno));
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        munmap((void *)stage, sizeof(int));
        return td_fail(e, TD_EIO, "fork failed: %s", strerror(errno));
    }
    if (pid == 0) {
        static const int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP };
        for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) signal(sigs[i], SIG_DFL);
        close(fds[0]);
        dup2(2, 1); /* whatever the plugin prints must not mix with the report */
        child_run(fds[1], path, n, keys, vals, data, o, stage, r);
    }
    close(fds[1]);
    static child_answer a;
    size_t got = 0;
    double deadline = now_s() + timeout_s;
    int timed_out = 0;
    for (;;) {
        double left = deadline - now_s();
        if (left <= 0) { timed_out = 1; break; }
        struct pollfd p = { .fd = fds[0], .events = POLLIN };
        int pr = poll(&p, 1, left > 1 ? 1000 : (int)(left * 1000) + 1);
        if (pr <= 0) continue;
        ssize_t k = read(fds[0], (char *)&a + got, sizeof a - got);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) break;
        got += (size_t)k;
        if (got == sizeof a) break;
    }
    int st_at = *stage, status = 0;
    if (timed_out) kill(pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    close(fds[0]);
    munmap((void *)stage, sizeof(int));
    if (timed_out)
        return td_fail(e, TD_EPLUGIN, "%s: hung in %s: no answer after %g s (killed)", safe,
                       td_sc_stage_name(st_at), timeout_s);
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        const char *ab = sigabbrev_np(sig);
        return td_fail(e, TD_EPLUGIN, "%s: crashed with SIG%s (%s) in %s", safe, ab ? ab : "?",
                       strsignal(sig), td_sc_stage_name(st_at));
    }
    if (got != sizeof a)
        return td_fail(e, TD_EPLUGIN, "%s: the checking process exited (status %d) in %s without a result", safe,
                       WIFEXITED(status) ? WEXITSTATUS(status) : -1, td_sc_stage_name(st_at));
    if (a.code != TD_OK) {
        a.msg[TD_ERR_MSG - 1] = '\0';
        size_t ls = strlen(safe);
        /* a data error names the data file already; a plugin error gets the plugin's name */
        if ((!strncmp(a.msg, safe, ls) && a.msg[ls] == ':') || a.code == TD_EINPUT)
            return td_fail(e, (td_code)a.code, "%s", a.msg);
        return td_fail(e, (td_code)a.code, "%s: %s", safe, a.msg);
    }
    *r = a.report;
    return TD_OK;
}
