/* td_isolate.h — run untrusted code (a plugin, a foreign-file loader) in a
 * forked child, so that a crash, a hang, an exit or a runaway allocation is
 * reported, not suffered. */
#ifndef TD_ISOLATE_H
#define TD_ISOLATE_H

#include "td.h"

/* Default memory limit of td_isolate's child (the tools' --max-mem). */
#define TD_ISOLATE_MAX_MEM_MB 8192.0

/* Run fn(arg, fd, stage) in a forked child (td_isolate.c): fn writes its
 * answer to fd and records the call in progress in *stage (shared memory;
 * 0 means no call in progress); it may _exit itself. The parent collects
 * the answer into *answer until EOF, the child's exit, or timeout_s.
 * The child is the leader of its own process group, and the whole group is
 * killed when the parent is done with it: a plugin that forks leaves no
 * process behind, and its descendants holding the pipe do not make a
 * finished call look hung. max_mem_mb > 0 limits the memory the child may
 * add to what it had at the fork (setrlimit RLIMIT_AS), so an allocation
 * beyond it fails in the child instead of taking the machine.
 * Returns TD_OK (answer, exit status in *status_out) when the child
 * exited with *stage 0 or after fn returned; TD_EPLUGIN
 * "<what>: crashed with SIGSEGV (...) in <stage_name(stage)>",
 * "<what>: hung in <...>: no answer after N s (killed)" or
 * "<what>: exited with status N in <...> (no answer)" (the code called
 * exit() inside a call); TD_EIO when it could not start.
 * The child's stdout goes to stderr; its fault handlers are reset. */
typedef void (*td_isolate_fn)(void *arg, int fd, volatile int *stage);
td_code td_isolate(const char *what, td_isolate_fn fn, void *arg, double timeout_s, double max_mem_mb,
                   const char *(*stage_name)(int), td_buf *answer, int *status_out, td_err *e);

#endif
