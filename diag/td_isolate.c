/* td_isolate.c — run a piece of work in a forked child so that a crash or
 * a hang in untrusted code (a plugin) is reported, not suffered: the child
 * writes its answer into a pipe and records the call in progress in shared
 * memory; the parent reads the answer with a deadline, kills the child when
 * it is late, and names the signal or the hang with that call.
 * Generic: gradcheck's plugin check uses it, and any tool can (a model
 * checker, a loader of foreign files). */
#define _GNU_SOURCE /* sigabbrev_np, strsignal */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "td_isolate.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Parent side: read everything the child writes until EOF or the deadline. */
static int read_answer(int fd, double timeout_s, td_buf *answer)
{
    double deadline = now_s() + timeout_s;
    for (;;) {
        double left = deadline - now_s();
        if (left <= 0) return 1; /* timed out */
        struct pollfd p = { .fd = fd, .events = POLLIN };
        int pr = poll(&p, 1, left > 1 ? 1000 : (int)(left * 1000) + 1);
        if (pr <= 0) continue; /* EINTR or the poll timeout: look at the clock again */
        char chunk[8192];
        ssize_t r = read(fd, chunk, sizeof chunk);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0 || td_buf_append(answer, chunk, (size_t)r) != 0) return 0;
    }
}

td_code td_isolate(const char *what, td_isolate_fn fn, void *arg, double timeout_s,
                      const char *(*stage_name)(int), td_buf *answer, int *status_out, td_err *e)
{
    volatile int *stage = mmap(NULL, sizeof(int), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (stage == MAP_FAILED) return td_fail(e, TD_EIO, "mmap failed: %s", strerror(errno));
    *stage = 0;
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
        /* faults must kill the child, whatever handlers the caller (a test
         * framework, a sanitizer) installed */
        static const int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP };
        for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) signal(sigs[i], SIG_DFL);
        close(fds[0]);
        dup2(2, 1); /* whatever the child's code prints must not mix with our output */
        fn(arg, fds[1], stage);
        _exit(0);
    }
    close(fds[1]);
    int timed_out = read_answer(fds[0], timeout_s, answer);
    int st_at = *stage, status = 0;
    if (timed_out) kill(pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    close(fds[0]);
    munmap((void *)stage, sizeof(int));
    const char *call = stage_name ? stage_name(st_at) : "?";
    if (timed_out) {
        td_buf_free(answer);
        return td_fail(e, TD_EPLUGIN, "%s: hung in %s: no answer after %g s (killed)", what, call, timeout_s);
    }
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        const char *abbrev = sigabbrev_np(sig);
        td_buf_free(answer);
        return td_fail(e, TD_EPLUGIN, "%s: crashed with SIG%s (%s) in %s", what, abbrev ? abbrev : "?",
                       strsignal(sig), call);
    }
    if (status_out) *status_out = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return TD_OK;
}
