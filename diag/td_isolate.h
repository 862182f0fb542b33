/* td_isolate.h — run untrusted code (a plugin, a foreign-file loader) in a
 * forked child, so that a crash or a hang is reported, not suffered. */
#ifndef TD_ISOLATE_H
#define TD_ISOLATE_H

#include "td.h"

/* Run fn(arg, fd, stage) in a forked child (td_isolate.c): fn writes its
 * answer to fd and may record the call in progress in *stage (shared
 * memory); it may _exit itself. The parent collects the answer into
 * *answer until EOF or timeout_s. Returns TD_OK (answer, exit status in
 * *status_out) when the child exited, TD_EPLUGIN "<what>: crashed with
 * SIGSEGV (...) in <stage_name(stage)>" or "<what>: hung in <...>: no
 * answer after N s (killed)" otherwise, TD_EIO when it could not start.
 * The child's stdout goes to stderr; its fault handlers are reset. */
typedef void (*td_isolate_fn)(void *arg, int fd, volatile int *stage);
td_code td_isolate(const char *what, td_isolate_fn fn, void *arg, double timeout_s,
                      const char *(*stage_name)(int), td_buf *answer, int *status_out, td_err *e);

#endif
