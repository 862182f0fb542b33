/* fuzz_st.c — libFuzzer harness for dumpcheck's safetensors reader: the
 * fuzz bytes are written to a temporary file as they are (8-byte length,
 * header, data), the header parsed and checked, and every tensor it accepts
 * streamed and diffed with itself under a small chunk budget. Anything must
 * end in TD_OK or a td_err: never a crash, a hang or a read out of bounds. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "td.h"
#include "td_dump.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[] = "/tmp/fuzz_st.XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return 0;
    if (write(fd, data, size) != (ssize_t)size) { close(fd); unlink(path); return 0; }
    close(fd);
    td_err e;
    td_err_clear(&e);
    td_st_entry *v = NULL;
    size_t n = 0;
    if (td_st_header(path, &v, &n, 1u << 20, &e) == TD_OK) {
        for (size_t i = 0; i < n; i++) {
            td_dump_acc acc;
            td_dump_acc_init(&acc);
            td_hist h;
            td_hist_init(&h);
            acc.hist = &h;
            td_st_stream(path, &v[i], 64, &acc, NULL, NULL, &e);
            double sum;
            uint64_t bad;
            td_st_pair_diff(path, &v[i], path, &v[i], 64, &sum, &bad, &e);
        }
        td_st_free(v, n);
    }
    unlink(path);
    return 0;
}
