/* tests/hostile/canary.c — a shared object that, when loaded, creates the
 * file $TD_CANARY: put in HDF5_PLUGIN_PATH, it shows whether a tool let
 * HDF5 load a filter plugin (none must). */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
__attribute__((constructor)) static void canary(void)
{
    const char *p = getenv("TD_CANARY");
    if (p) { int fd = open(p, O_WRONLY | O_CREAT, 0644); if (fd >= 0) close(fd); }
}
