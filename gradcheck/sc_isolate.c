/* sc_isolate.c — run the model checks in a forked child (td_isolate), so
 * that a plugin that crashes or hangs is reported as such ("crashed with
 * SIGSEGV in forward") instead of taking sanitycheck down. The stage of
 * work is recorded in td_isolate's shared memory; the result (a plain-data
 * td_sc_report) comes back through its pipe, and nothing is printed until
 * the child finished. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "td_isolate.h"
#include "td_sanity.h"

typedef struct {
    int code;
    char msg[TD_ERR_MSG];
    td_sc_report report;
} child_answer;

typedef struct {
    const char *path;
    int n;
    const char *const *keys, *const *vals;
    const td_sc_data *data;
    const td_sc_model_opts *o;
    const td_sc_report *init;
} child_args;

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

static void child_run(void *arg, int fd, volatile int *stage)
{
    const child_args *ca = arg;
    static child_answer a; /* large: off the stack */
    td_err e;
    td_err_clear(&e);
    a.report = *ca->init;
    void *h = NULL;
    const td_model_api *api = NULL;
    *stage = TD_SC_ST_LOAD;
    td_code rc = td_sc_model_open(ca->path, &h, &api, &e);
    *stage = TD_SC_ST_IDLE;
    if (rc == TD_OK) rc = td_sc_model_check(api, ca->n, ca->keys, ca->vals, ca->data, ca->o, stage, &a.report, &e);
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
    child_args ca = { path, n, keys, vals, data, o, r };
    td_buf ans = { 0 };
    int status = -1;
    td_code rc = td_isolate(safe, child_run, &ca, timeout_s, o->max_mem_mb, td_sc_stage_name, &ans, &status, e);
    if (rc != TD_OK) return rc;
    if (ans.len != sizeof(child_answer)) {
        td_buf_free(&ans);
        return td_fail(e, TD_EPLUGIN, "%s: the checking process exited (status %d) without a result", safe, status);
    }
    const child_answer *a = (const child_answer *)(void *)ans.data; /* malloc'd: aligned */
    td_code code = (td_code)a->code;
    if (code != TD_OK) {
        char msg[TD_ERR_MSG];
        snprintf(msg, sizeof msg, "%.*s", TD_ERR_MSG - 1, a->msg);
        size_t ls = strlen(safe);
        /* a data error names the data file already; a plugin error gets the plugin's name */
        if ((!strncmp(msg, safe, ls) && msg[ls] == ':') || code == TD_EINPUT) td_fail(e, code, "%s", msg);
        else td_fail(e, code, "%s: %s", safe, msg);
    } else {
        *r = a->report;
    }
    td_buf_free(&ans);
    return code;
}
