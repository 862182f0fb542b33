/* td_cli.h — the command-line manners every tool shares: -h = --help, one
 * wording for an option a tool does not know (with "did you mean" when a
 * known option is close), and '-' for standard input where a reader needs a
 * real file (HDF5 seeks), by spooling it to a temporary file.
 *
 * "Close": the Damerau–Levenshtein distance (insert, delete, substitute,
 * swap two neighbours; each costs 1) between the unknown option and a known
 * one, both without their leading dashes and any "=value", is at most 1 for
 * names of up to 4 letters and at most 2 above; or the unknown option is a
 * prefix of exactly one known option. The nearest such option is named
 * (the first in the table on a tie). */
#ifndef TD_CLI_H
#define TD_CLI_H

#include <getopt.h>
#include <stddef.h>

#include "td.h"

/* 1 when arg is "-h" or "--help", else 0. */
int td_cli_is_help(const char *arg);

/* The known option nearest to arg under the rule above, or NULL.
 * known: n names with their dashes ("--json"). */
const char *td_cli_nearest(const char *arg, const char *const *known, size_t n);

/* Fill e with TD_EUSAGE and the one wording of an unknown option:
 *   unknown option '--jsn' (did you mean --json?; see --help)
 *   unknown option '--bogus' (see --help)
 * arg is made safe to print (td_safe_text). Returns TD_EUSAGE. */
td_code td_cli_unknown(const char *arg, const char *const *known, size_t n, td_err *e);

/* The same after getopt_long returned '?' or ':' (opterr = 0): arg is
 * argv[optind - 1]. When it names an option of lo that needs a value
 * (optopt is its val), the message is "option '--x' needs a value (see
 * --help)"; otherwise td_cli_unknown over lo's names. Returns TD_EUSAGE. */
td_code td_cli_getopt_error(char *const *argv, int optind, int optopt, const struct option *lo, td_err *e);

/* Copy standard input to a new temporary file, "stdin" in a new private
 * folder ($TMPDIR or /tmp, tdiag-stdin.XXXXXX, mode 0700), and write its
 * name into path (cap >= 64): figures titled by a file's base name say
 * "stdin". The caller removes both with td_spool_remove when done. TD_EIO
 * (with the OS reason) if it cannot be created or written, TD_EINPUT if
 * stdin is empty; on failure nothing is left behind. */
td_code td_spool_stdin(char *path, size_t cap, td_err *e);
/* Remove a file made by td_spool_stdin and its folder (path "" is a no-op). */
void td_spool_remove(const char *path);

/* Where files[0..n) has "-", spool standard input (td_spool_stdin) into
 * spool (cap >= 64) and put spool in its place; spool[0] stays '\0' when no
 * "-" was given. "-" twice is TD_EUSAGE. The caller td_spool_removes it. */
td_code td_cli_spool_dash(const char **files, int n, char *spool, size_t cap, td_err *e);

/* A new string (malloc) equal to s with every occurrence of from replaced
 * by to; NULL if out of memory. So a message or report about a spooled
 * file names "<stdin>" instead of the temporary name. */
char *td_cli_relabel(const char *s, const char *from, const char *to);

#endif
