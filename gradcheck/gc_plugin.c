/* gc_plugin.c — layers from shared objects: dlopen, the ABI check, and a
 * forked child that runs the check so that a plugin that crashes or hangs
 * is reported as such (which call, which signal) instead of taking
 * gradcheck down. The child's stage of work is in shared memory; its
 * output travels through a pipe and is printed only when it finished. */
#define _GNU_SOURCE /* sigabbrev_np, strsignal */
#include <dlfcn.h>
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

#include "td_gradcheck.h"

td_code td_gc_plugin_open(const char *path, void **handle, const td_layer_api **api, td_err *e)
{
    char safe[256];
    td_safe_text(safe, sizeof safe, path);
    *handle = NULL;
    *api = NULL;
    /* dlopen searches the library path for names without a slash */
    char buf[4096];
    if (!strchr(path, '/')) { snprintf(buf, sizeof buf, "./%s", path); path = buf; }
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        char msg[300];
        td_safe_text(msg, sizeof msg, dlerror());
        return td_fail(e, TD_EPLUGIN, "%s: not a loadable plugin: %s", safe, msg);
    }
    void *sym = dlsym(h, TD_LAYER_ENTRY_SYMBOL);
    if (!sym) {
        dlclose(h);
        return td_fail(e, TD_EPLUGIN, "%s: no symbol %s (is it a tdiag layer? C++: extern \"C\")",
                       safe, TD_LAYER_ENTRY_SYMBOL);
    }
    td_layer_entry_fn entry;
    memcpy(&entry, &sym, sizeof entry);
    const td_layer_api *a = entry();
    if (!a) { dlclose(h); return td_fail(e, TD_EPLUGIN, "%s: %s() returned NULL", safe, TD_LAYER_ENTRY_SYMBOL); }
    if (a->abi_version != TD_LAYER_ABI_VERSION) {
        int v = a->abi_version;
        dlclose(h);
        return td_fail(e, TD_EPLUGIN, "%s: layer ABI version %d, gradcheck speaks %d (rebuild it against td_layer.h)",
                       safe, v, TD_LAYER_ABI_VERSION);
    }
    *handle = h;
    *api = a;
    return TD_OK;
}

void td_gc_plugin_close(void *handle)
{
    if (handle) dlclose(handle);
}

/* Child: load, check, write "<code> <exit>\n<message>\n<output>" to fd. */
static void child_run(int fd, const char *path, int n, const char *const *keys,
                      const char *const *vals, const td_gc_opts *opts, int json, volatile int *stage)
{
    td_err e;
    td_err_clear(&e);
    td_buf out = { 0 };
    td_out o = td_out_buf(&out);
    void *h = NULL;
    const td_layer_api *api = NULL;
    int exit_code = 0;
    *stage = TD_GC_ST_LOAD;
    td_code rc = td_gc_plugin_open(path, &h, &api, &e);
    *stage = TD_GC_ST_IDLE;
    if (rc == TD_OK) {
        static td_gc_result res; /* large: keep it off the stack */
        td_gc_opts o2 = *opts;
        o2.stage = stage;
        rc = td_gc_check(api, n, keys, vals, &o2, &res, &e);
        if (rc != TD_OK) {
            char safe[256], msg[TD_ERR_MSG];
            snprintf(msg, sizeof msg, "%s", e.msg);
            td_fail(&e, rc, "%s: %s", td_safe_text(safe, sizeof safe, path), msg);
        } else {
            exit_code = td_gc_exit_code(&res);
            if (json) td_gc_write_json(&o, &res);
            else td_gc_write_table(&o, &res);
        }
    }
    /* no dlclose: a plugin's destructors are not our business in a child about to exit */
    char head[TD_ERR_MSG + 32];
    int len = snprintf(head, sizeof head, "%d %d\n%s\n", (int)rc, exit_code, rc == TD_OK ? "" : e.msg);
    int ok = write(fd, head, (size_t)len) == len;
    for (size_t off = 0; ok && out.data && off < out.len;) {
        ssize_t w = write(fd, out.data + off, out.len - off);
        if (w <= 0) ok = 0;
        else off += (size_t)w;
    }
    (void)h;
    _exit(ok ? 0 : 70);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

td_code td_gc_check_isolated(const char *path, int n, const char *const *keys,
                             const char *const *vals, const td_gc_opts *opts, int json,
                             double timeout_s, td_buf *out, int *exit_code, td_err *e)
{
    char safe[256];
    td_safe_text(safe, sizeof safe, path);
    volatile int *stage = mmap(NULL, sizeof(int), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (stage == MAP_FAILED) return td_fail(e, TD_EIO, "mmap failed: %s", strerror(errno));
    *stage = TD_GC_ST_IDLE;
    int fds[2];
    if (pipe(fds) != 0) {
        munmap((void *)stage, sizeof(int));
        return td_fail(e, TD_EIO, "pipe failed: %s", strerror(errno));
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]); close(fds[1]);
        munmap((void *)stage, sizeof(int));
        return td_fail(e, TD_EIO, "fork failed: %s", strerror(errno));
    }
    if (pid == 0) {
        /* the plugin's faults must kill the child, whatever handlers the
         * caller (a test framework) installed */
        static const int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP };
        for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) signal(sigs[i], SIG_DFL);
        close(fds[0]);
        dup2(2, 1); /* whatever the plugin prints must not mix with our output */
        child_run(fds[1], path, n, keys, vals, opts, json, stage);
    }
    close(fds[1]);
    td_buf raw = { 0 };
    double deadline = now_s() + timeout_s;
    int timed_out = 0;
    for (;;) {
        double left = deadline - now_s();
        if (left <= 0) { timed_out = 1; break; }
        struct pollfd p = { .fd = fds[0], .events = POLLIN };
        int pr = poll(&p, 1, left > 1 ? 1000 : (int)(left * 1000) + 1);
        if (pr < 0 && errno == EINTR) continue;
        if (pr <= 0) continue;
        char chunk[8192];
        ssize_t r = read(fds[0], chunk, sizeof chunk);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        if (td_buf_append(&raw, chunk, (size_t)r) != 0) { timed_out = 0; break; }
    }
    int st_at = *stage, status = 0;
    if (timed_out) kill(pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    close(fds[0]);
    munmap((void *)stage, sizeof(int));
    td_code rc;
    if (timed_out) {
        rc = td_fail(e, TD_EPLUGIN, "%s: hung in %s: no answer after %g s (killed)", safe,
                     td_gc_stage_name(st_at), timeout_s);
    } else if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        const char *abbrev = sigabbrev_np(sig);
        rc = td_fail(e, TD_EPLUGIN, "%s: crashed with SIG%s (%s) in %s", safe, abbrev ? abbrev : "?",
                     strsignal(sig), td_gc_stage_name(st_at));
    } else if (!raw.data || !strchr(raw.data, '\n')) {
        rc = td_fail(e, TD_EPLUGIN, "%s: the checking process exited (status %d) in %s without a result",
                     safe, WIFEXITED(status) ? WEXITSTATUS(status) : -1, td_gc_stage_name(st_at));
    } else {
        int code = 0, ex = 0;
        char *nl1 = strchr(raw.data, '\n'), *nl2 = nl1 ? strchr(nl1 + 1, '\n') : NULL;
        if (sscanf(raw.data, "%d %d", &code, &ex) != 2 || !nl2) {
            rc = td_fail(e, TD_EINTERNAL, "%s: garbled answer from the checking process", safe);
        } else if (code != TD_OK) {
            *nl2 = '\0';
            rc = td_fail(e, (td_code)code, "%s", nl1 + 1);
        } else {
            rc = TD_OK;
            *exit_code = ex;
            td_buf_append(out, nl2 + 1, raw.len - (size_t)(nl2 + 1 - raw.data));
        }
    }
    td_buf_free(&raw);
    return rc;
}
