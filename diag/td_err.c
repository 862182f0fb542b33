/* td_err.c — status codes and one-line messages. */
#include "td.h"

#include <string.h>

td_code td_fail(td_err *e, td_code code, const char *fmt, ...)
{
    if (!e) return code;
    e->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    for (char *p = e->msg; *p; p++)
        if (*p == '\n' || *p == '\r') *p = ' ';
    return code;
}

void td_err_clear(td_err *e)
{
    if (!e) return;
    e->code = TD_OK;
    e->msg[0] = '\0';
}

static const struct { td_code code; int exit; const char *name; } code_table[] = {
    { TD_OK,        TD_EXIT_OK,    "ok" },
    { TD_EUSAGE,    TD_EXIT_USAGE, "usage error" },
    { TD_EINPUT,    TD_EXIT_INPUT, "input error" },
    { TD_EIO,       TD_EXIT_INPUT, "I/O error" },
    { TD_ENOMEM,    TD_EXIT_INPUT, "out of memory" },
    { TD_EPLUGIN,   TD_EXIT_INPUT, "plugin error" },
    { TD_EINTERNAL, TD_EXIT_INPUT, "internal error" },
};

int td_exit_code(td_code code)
{
    for (size_t i = 0; i < sizeof code_table / sizeof code_table[0]; i++)
        if (code_table[i].code == code) return code_table[i].exit;
    return TD_EXIT_INPUT;
}

const char *td_code_name(td_code code)
{
    for (size_t i = 0; i < sizeof code_table / sizeof code_table[0]; i++)
        if (code_table[i].code == code) return code_table[i].name;
    return "unknown error";
}
