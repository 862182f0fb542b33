/* td_isolate.c — run a piece of work in a forked child so that a crash, a
 * hang, an exit or a runaway allocation in untrusted code (a plugin) is
 * reported, not suffered: the child, leader of its own process group and
 * limited in memory, writes its answer into a pipe and records the call in
 * progress in shared memory; the parent reads the answer with a deadline,
 * watching for the child's exit, kills the child's whole group when done,
 * and names the signal, the hang or the exit with that call.
 * Generic: gradcheck's and sanitycheck's plugin checks use it, and any tool
 * can (a model checker, a loader of foreign files). */
#define _GNU_SOURCE /* sigabbrev_np, strsignal */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
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

/* 1 when child pid has ended (left a zombie, not reaped: its pid and its
 * process group's id stay reserved until waitpid). */
static int ended(pid_t pid)
{
    siginfo_t si;
    memset(&si, 0, sizeof si);
    return waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid;
}

/* Parent side: read everything the child writes until EOF, the child's end
 * (then what is in the pipe: its descendants may hold the pipe open) or
 * the deadline. Returns 1 when timed out. */
static int read_answer(int fd, pid_t pid, double timeout_s, td_buf *answer)
{
    double deadline = now_s() + timeout_s;
    int gone = 0;
    for (;;) {
        double left = deadline - now_s();
        if (left <= 0 && !gone) return 1; /* timed out */
        struct pollfd p = { .fd = fd, .events = POLLIN };
        int pr = gone ? 1 : poll(&p, 1, left > 0.05 ? 50 : (int)(left * 1000) + 1);
        if (pr <= 0) { /* EINTR or the poll timeout: has it ended, and the clock */
            if (ended(pid)) gone = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == 0 ? 1 : 0;
            continue;
        }
        char chunk[8192];
        ssize_t r = read(fd, chunk, sizeof chunk);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0 && errno == EAGAIN) return 0; /* ended and drained */
        if (r <= 0 || td_buf_append(answer, chunk, (size_t)r) != 0) return 0;
    }
}

/* Child side: limit the address space to what it is now plus max_mem_mb. */
static void limit_memory(double max_mem_mb)
{
    if (max_mem_mb <= 0) return;
    unsigned long pages = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%lu", &pages) != 1) pages = 0;
        fclose(f);
    }
    double lim = (double)pages * (double)sysconf(_SC_PAGESIZE) + max_mem_mb * 1048576.0;
    struct rlimit rl = { (rlim_t)lim, (rlim_t)lim };
    if (lim < (double)RLIM_INFINITY) setrlimit(RLIMIT_AS, &rl);
}

td_code td_isolate(const char *what, td_isolate_fn fn, void *arg, double timeout_s, double max_mem_mb,
                   const char *(*stage_name)(int), td_buf *answer, int *status_out, td_err *e)
{
    /* [0] the call in progress, [1] set once fn has returned */
    volatile int *stage = mmap(NULL, 2 * sizeof(int), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (stage == MAP_FAILED) return td_fail(e, TD_EIO, "mmap failed: %s", strerror(errno));
    stage[0] = stage[1] = 0;
    int fds[2];
    if (pipe(fds) != 0) {
        munmap((void *)stage, 2 * sizeof(int));
        return td_fail(e, TD_EIO, "pipe failed: %s", strerror(errno));
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        munmap((void *)stage, 2 * sizeof(int));
        return td_fail(e, TD_EIO, "fork failed: %s", strerror(errno));
    }
    if (pid == 0) {
        setpgid(0, 0);
        /* faults must kill the child, whatever handlers the caller (a test
         * framework, a sanitizer) installed */
        static const int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP };
        for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) signal(sigs[i], SIG_DFL);
        close(fds[0]);
        dup2(2, 1); /* whatever the child's code prints must not mix with our output */
        limit_memory(max_mem_mb);
        fn(arg, fds[1], stage);
        stage[1] = 1;
        _exit(0);
    }
    setpgid(pid, pid); /* also here: no race with the child's own call */
    close(fds[1]);
    int timed_out = read_answer(fds[0], pid, timeout_s, answer);
    int st_at = stage[0], returned = stage[1], status = 0;
    kill(-pid, SIGKILL); /* the child if late, and whatever it forked */
    kill(pid, SIGKILL);  /* in case it left its group */
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    close(fds[0]);
    munmap((void *)stage, 2 * sizeof(int));
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
    if (!returned && st_at != 0) {
        td_buf_free(answer);
        return td_fail(e, TD_EPLUGIN, "%s: exited with status %d in %s (no answer)", what,
                       WIFEXITED(status) ? WEXITSTATUS(status) : -1, call);
    }
    if (status_out) *status_out = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return TD_OK;
}
