/* tests/hostile/hostile_layer.c — a correct dense layer (samples/layers'
 * scaffolding) made hostile in forward by one -DHOSTILE_<KIND>:
 *   CRASH  a segfault            HANG  a loop that never ends
 *   FORK   a child that outlives the call (it would touch $TD_CANARY later)
 *   EXIT   exit(0) inside the call
 *   PRINT  writes to stdout and stderr (the tool's stdout must stay clean)
 *   ALLOC  asks for 20 GB and touches it (returns an error when refused) */
#include <signal.h>
#include <unistd.h>

#include "sample_layer.h"

static int forward(void *self, double *const *out, const double *const *in)
{
#if defined HOSTILE_CRASH
    raise(SIGSEGV);
#elif defined HOSTILE_HANG
    for (volatile int done = 0; !done;) {}
#elif defined HOSTILE_FORK
    static int forked;
    if (!forked++ && fork() == 0) {
        sleep(1);
        const char *c = getenv("TD_CANARY");
        FILE *f = c ? fopen(c, "w") : NULL;
        if (f) fclose(f);
        _exit(0);
    }
#elif defined HOSTILE_EXIT
    exit(0);
#elif defined HOSTILE_PRINT
    static int said;
    if (!said++) { printf("plugin: hello on stdout {\"not\": json\n"); fflush(stdout); fprintf(stderr, "plugin: hello on stderr\n"); }
#elif defined HOSTILE_ALLOC
    size_t big = (size_t)20 << 30;
    char *p = malloc(big);
    if (!p) return -1;
    for (size_t i = 0; i < big; i += 4096) p[i] = 1;
    free(p);
#endif
    return sample_dense_forward(self, out, in);
}

static int backward(void *self, double *const *din, const double *const *dout,
                    const double *const *in, const double *const *out)
{
    (void)out;
    const sample_dense *s = self;
    sample_dense_dx(s, din[0], dout[0], in[1]);
    for (size_t i = 0; i < s->B; i++)
        for (size_t o = 0; o < s->O; o++) {
            double g = dout[0][i * s->O + o];
            if (din[1]) for (size_t c = 0; c < s->C; c++) din[1][c * s->O + o] += in[0][i * s->C + c] * g;
            if (din[2]) din[2][o] += g;
        }
    return 0;
}
SAMPLE_EXPORT("hostile", "a dense layer hostile in forward: in=4,out=3,batch=3",
              sample_dense_create, forward, backward)
