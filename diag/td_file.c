/* td_file.c — opening a file that came from someone else: only a regular
 * file, and never blocking on the way (a FIFO or a device named by a
 * hostile input, or by mistake, is refused, not waited on). */
#include "td.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int td_open_regular(const char *path, const char *shown, td_err *e)
{
    if (!shown) shown = path;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) { td_fail(e, TD_EIO, "%s: cannot open: %s", shown, strerror(errno)); return -1; }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        td_fail(e, TD_EIO, "%s: cannot open: %s", shown, strerror(errno));
        close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        td_fail(e, TD_EIO, "%s: not a regular file (%s)", shown,
                S_ISDIR(st.st_mode) ? "a folder" : S_ISFIFO(st.st_mode) ? "a FIFO"
                : S_ISSOCK(st.st_mode) ? "a socket" : "a device");
        close(fd);
        return -1;
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
        td_fail(e, TD_EIO, "%s: cannot open: %s", shown, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

FILE *td_fopen_regular(const char *path, const char *shown, td_err *e)
{
    int fd = td_open_regular(path, shown, e);
    if (fd < 0) return NULL;
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        td_fail(e, TD_ENOMEM, "%s: cannot open: %s", shown ? shown : path, strerror(errno));
        close(fd);
    }
    return f;
}
