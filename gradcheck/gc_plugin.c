/* gc_plugin.c — layers from shared objects: dlopen, the ABI check, and the
 * check run in a forked child (td_isolate.c) so that a plugin that crashes
 * or hangs is reported as such (which call, which signal) instead of
 * taking gradcheck down. The output is printed only when the child
 * finished. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

typedef struct {
    const char *path;
    int n;
    const char *const *keys, *const *vals;
    const td_gc_opts *opts;
    int json;
    int want_json; /* also the JSON after the output */
} check_args;

/* Child: load, check, write "<code> <exit> <output length>\n<message>\n<output>[<json>]"
 * to fd. */
static void child_run(void *arg, int fd, volatile int *stage)
{
    const check_args *ca = arg;
    const char *path = ca->path;
    int n = ca->n, json = ca->json;
    const char *const *keys = ca->keys, *const *vals = ca->vals;
    const td_gc_opts *opts = ca->opts;
    td_err e;
    td_err_clear(&e);
    td_buf out = { 0 };
    td_out o = td_out_buf(&out);
    void *h = NULL;
    const td_layer_api *api = NULL;
    int exit_code = 0;
    size_t out_len = 0;
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
            size_t main_len = out.len;
            if (ca->want_json) td_gc_write_json(&o, &res);
            out_len = main_len;
        }
    }
    /* no dlclose: a plugin's destructors are not our business in a child about to exit */
    char head[TD_ERR_MSG + 32];
    int len = snprintf(head, sizeof head, "%d %d %zu\n%s\n", (int)rc, exit_code, out_len,
                       rc == TD_OK ? "" : e.msg);
    int ok = write(fd, head, (size_t)len) == len;
    for (size_t off = 0; ok && out.data && off < out.len;) {
        ssize_t w = write(fd, out.data + off, out.len - off);
        if (w <= 0) ok = 0;
        else off += (size_t)w;
    }
    (void)h;
    _exit(ok ? 0 : 70);
}

td_code td_gc_check_isolated(const char *path, int n, const char *const *keys,
                             const char *const *vals, const td_gc_opts *opts, int json,
                             double timeout_s, td_buf *out, td_buf *json_out,
                             int *exit_code, td_err *e)
{
    char safe[256];
    td_safe_text(safe, sizeof safe, path);
    check_args ca = { path, n, keys, vals, opts, json, json_out != NULL };
    td_buf raw = { 0 };
    int status = 0;
    td_code rc = td_isolate(safe, child_run, &ca, timeout_s, opts->max_mem_mb, td_gc_stage_name, &raw, &status, e);
    if (rc != TD_OK) return rc;
    char *nl1 = raw.data ? strchr(raw.data, '\n') : NULL, *nl2 = nl1 ? strchr(nl1 + 1, '\n') : NULL;
    int code = 0, ex = 0;
    size_t main_len = 0;
    if (!nl2) {
        rc = td_fail(e, TD_EPLUGIN, "%s: the checking process exited (status %d) without a result",
                     safe, status);
    } else if (sscanf(raw.data, "%d %d %zu", &code, &ex, &main_len) != 3 ||
               main_len > raw.len - (size_t)(nl2 + 1 - raw.data)) {
        rc = td_fail(e, TD_EINTERNAL, "%s: garbled answer from the checking process", safe);
    } else if (code != TD_OK) {
        *nl2 = '\0';
        rc = td_fail(e, (td_code)code, "%s", nl1 + 1);
    } else {
        *exit_code = ex;
        const char *body = nl2 + 1;
        size_t body_len = raw.len - (size_t)(body - raw.data);
        if (td_buf_append(out, body, main_len) != 0 ||
            (json_out && td_buf_append(json_out, body + main_len, body_len - main_len) != 0))
            rc = td_fail(e, TD_ENOMEM, "out of memory");
    }
    td_buf_free(&raw);
    return rc;
}
