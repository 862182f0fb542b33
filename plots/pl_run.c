/* pl_run.c — running gnuplot without a shell: fork, chdir, execvp with the
 * script's file name. A program that cannot be started is told apart from
 * one that ran and failed through a close-on-exec pipe carrying errno. */
#include "td_plot.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PL_MAXARGS 16

td_code td_plot_run(const char *prog, const char *const *args, const char *dir,
                    const char *log_path, int *status, td_err *e)
{
    return td_plot_run_until(prog, args, dir, log_path, NULL, status, e);
}

td_code td_plot_run_until(const char *prog, const char *const *args, const char *dir,
                          const char *log_path, volatile sig_atomic_t *stop, int *status, td_err *e)
{
    char *argv[PL_MAXARGS + 2];
    size_t n = 0;
    argv[n++] = (char *)prog;
    for (; args && args[n - 1] && n <= PL_MAXARGS; n++) argv[n] = (char *)args[n - 1];
    argv[n] = NULL;
    *status = -1;
    int pfd[2];
    if (pipe(pfd) != 0) return td_fail(e, TD_EIO, "pipe: %s", strerror(errno));
    if (fcntl(pfd[1], F_SETFD, FD_CLOEXEC) != 0 || fcntl(pfd[0], F_SETFD, FD_CLOEXEC) != 0) {
        close(pfd[0]); close(pfd[1]);
        return td_fail(e, TD_EIO, "fcntl: %s", strerror(errno));
    }
    pid_t pid = fork();
    if (pid < 0) {
        close(pfd[0]); close(pfd[1]);
        return td_fail(e, TD_EIO, "fork: %s", strerror(errno));
    }
    if (pid == 0) {
        int err = 0;
        setpgid(0, 0); /* its own group: an interruption ends it and what it started */
        int in = open("/dev/null", O_RDONLY);
        int lg = open(log_path ? log_path : "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (in < 0 || lg < 0 || dup2(in, 0) < 0 || dup2(lg, 1) < 0 || dup2(lg, 2) < 0 ||
            (dir && chdir(dir) != 0))
            err = errno;
        else {
            execvp(prog, argv);
            err = errno;
        }
        ssize_t w = write(pfd[1], &err, sizeof err);
        (void)w;
        _exit(127);
    }
    setpgid(pid, pid);
    close(pfd[1]);
    int err = 0;
    ssize_t got;
    do got = read(pfd[0], &err, sizeof err); while (got < 0 && errno == EINTR);
    close(pfd[0]);
    int st;
    for (;;) { /* look at *stop every 5 ms while prog runs */
        pid_t w = waitpid(pid, &st, stop ? WNOHANG : 0);
        if (w == pid) break;
        if (w < 0 && errno != EINTR) return td_fail(e, TD_EIO, "waitpid: %s", strerror(errno));
        if (stop && *stop) {
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
            while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
            return td_fail(e, TD_EIO, "interrupted");
        }
        if (w == 0) nanosleep(&(struct timespec){ 0, 5000000 }, NULL);
    }
    if (got == (ssize_t)sizeof err)
        return td_fail(e, TD_EIO, "cannot run %s: %s", prog, strerror(err));
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    return TD_OK;
}
